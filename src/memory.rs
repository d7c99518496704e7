//! Handing freed memory back to the system after a large piece of work.
//!
//! glibc's malloc keeps what a thread frees in that thread's arena for the thread to reuse. An
//! import reads its workbook on a blocking thread and compares it on an async worker, so the
//! worker cannot reuse the tens of megabytes the reading freed, and the process holds both
//! (measured in docs/benchmarks.md). `give_back` returns every arena's free pages.

/// Returns free heap pages of every arena to the system (glibc); elsewhere nothing.
pub fn give_back() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases pages malloc holds free; it touches no live allocation.
    unsafe {
        libc::malloc_trim(0);
    }
}
