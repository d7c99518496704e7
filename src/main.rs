use clap::Parser;

// With `--features mimalloc` or `--features jemalloc`, that allocator instead of glibc's
// malloc (compared in docs/benchmarks.md).
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
#[cfg(all(feature = "jemalloc", not(feature = "mimalloc")))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("CONGDONGSO_LOG")
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .init();
    let cli = congdongso::config::Cli::parse();
    if let Err(e) = congdongso::cli::run(cli).await {
        eprintln!("Lỗi: {}", e.user_message_for_cli());
        std::process::exit(1);
    }
}
