//! The binary from outside: `serve --demo`, `migrate`, `user add`, and the settings file.

mod common;
use common::bin;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::Stdio;
use std::sync::mpsc;
use std::time::Duration;

/// A minimal HTTP/1.1 exchange, so the test needs no HTTP client library.
fn http(addr: &str, request: &str) -> String {
    let mut s = TcpStream::connect(addr).expect("connect to the server");
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    s.write_all(request.as_bytes()).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

#[test]
fn serve_demo_seeds_prints_and_serves() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = bin()
        .args(["serve", "--demo", "--addr", "127.0.0.1:0", "--database-url"])
        .arg(format!("sqlite://{}/demo.db", dir.path().display()))
        .env("CONGDONGSO_DEMO_PASSWORD", "demo-password-1")
        .env("CONGDONGSO_DEMO_HOUSEHOLDS", "2")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut printed = Vec::new();
    let addr = loop {
        let line = rx
            .recv_timeout(Duration::from_secs(120))
            .expect("the server prints its address");
        printed.push(line.clone());
        if let Some(rest) = line.split("http://").nth(1) {
            break rest.trim_end_matches('/').to_string();
        }
    };
    let all = printed.join("\n");
    assert!(all.contains("Đã tạo xã mẫu Rạch Kiến"), "{all}");
    for user in [
        "quantri",
        "vhxh",
        "chutich",
        "kinhte",
        "so",
        "truongap01",
        "truongap17",
        "tovien01",
        "tovien17",
    ] {
        assert!(all.contains(user), "{user} is printed:\n{all}");
    }
    let health = http(
        &addr,
        "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert!(
        health.starts_with("HTTP/1.1 200") && health.ends_with("ok"),
        "{health}"
    );
    let body = r#"{"username":"vhxh","password":"demo-password-1"}"#;
    let login = http(
        &addr,
        &format!(
            "POST /api/v1/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    );
    assert!(login.starts_with("HTTP/1.1 200"), "{login}");
    assert!(login.contains("csrf_token") && login.contains("cds_session="));
    child.kill().unwrap();
    child.wait().unwrap();
}

fn user_add(url: &str, args: &[&str], password: &str) -> (bool, String) {
    user_command(url, "add", args, password)
}

/// `congdongso user <sub> …` with `password` on standard input: success, and what it printed.
fn user_command(url: &str, sub: &str, args: &[&str], password: &str) -> (bool, String) {
    let mut child = bin()
        .args(["user", sub, "--database-url", url])
        .args(args)
        .env(
            "CONGDONGSO_SECRET_KEY",
            "dGVzdCBrZXkgdGVzdCBrZXkgdGVzdCBrZXkgdGVzdCBrZXk=",
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{password}\n").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

async fn user_add_case(url: String) {
    let db = common::demo_db(&url).await;
    let (ok, out) = user_add(
        &url,
        &[
            "--username",
            "vhxh2",
            "--role",
            "commune_admin",
            "--area",
            "rach-kien",
        ],
        "mot-mat-khau-dai",
    );
    assert!(ok, "{out}");
    let account = congdongso::db::accounts::by_username(&db, "vhxh2")
        .await
        .unwrap()
        .expect("created");
    assert_eq!(account.role, "commune_admin");
    assert!(congdongso::auth::verify_password(
        "mot-mat-khau-dai",
        &account.password_hash
    ));
    assert!(account.password_hash.starts_with("$argon2"));
    // Errors say what to fix, in Vietnamese, and change nothing.
    let (ok, out) = user_add(
        &url,
        &[
            "--username",
            "xx1",
            "--role",
            "mayor",
            "--area",
            "rach-kien",
        ],
        "mot-mat-khau-dai",
    );
    assert!(!ok && out.contains("Vai trò «mayor» không có"), "{out}");
    let (ok, out) = user_add(
        &url,
        &[
            "--username",
            "xx2",
            "--role",
            "hamlet_head",
            "--area",
            "rach-kien",
        ],
        "mot-mat-khau-dai",
    );
    assert!(!ok && out.contains("phải gắn với đơn vị cấp ấp"), "{out}");
    let (ok, out) = user_add(
        &url,
        &[
            "--username",
            "xx3",
            "--role",
            "team_member",
            "--area",
            "rach-kien-ap-03",
        ],
        "ngan",
    );
    assert!(!ok && out.contains("ít nhất 10 ký tự"), "{out}");
    // The password policy: not the username, not a common password (the embedded list).
    let xx3 = [
        "--username",
        "xx3",
        "--role",
        "team_member",
        "--area",
        "rach-kien-ap-03",
    ];
    let (ok, out) = user_add(&url, &xx3, "xx3-mat-khau-dai");
    assert!(
        !ok && out.contains("không được chứa tên đăng nhập «xx3»"),
        "{out}"
    );
    let (ok, out) = user_add(&url, &xx3, "anhyeuem123");
    assert!(!ok && out.contains("mật khẩu phổ biến"), "{out}");
    // `user passwd` holds to the same policy, and changes the password when it passes.
    let (ok, out) = user_command(&url, "passwd", &["--username", "vhxh2"], "1234567890");
    assert!(!ok && out.contains("mật khẩu phổ biến"), "{out}");
    let (ok, out) = user_command(&url, "passwd", &["--username", "vhxh2"], "          ");
    assert!(!ok && out.contains("chỉ gồm dấu cách"), "{out}");
    let (ok, out) = user_command(&url, "passwd", &["--username", "vhxh2"], "vhxh2-moi-2026");
    assert!(!ok && out.contains("tên đăng nhập"), "{out}");
    let (ok, out) = user_command(
        &url,
        "passwd",
        &["--username", "vhxh2"],
        "lua chin vang dong",
    );
    assert!(ok, "{out}");
    let changed = congdongso::db::accounts::by_username(&db, "vhxh2")
        .await
        .unwrap()
        .unwrap();
    assert!(congdongso::auth::verify_password(
        "lua chin vang dong",
        &changed.password_hash
    ));
    let (ok, out) = user_command(&url, "passwd", &["--username", "vhxh2"], "mot-mat-khau-dai");
    assert!(ok, "{out}");
    let (ok, out) = user_add(
        &url,
        &[
            "--username",
            "vhxh2",
            "--role",
            "commune_admin",
            "--area",
            "rach-kien",
        ],
        "mot-mat-khau-dai",
    );
    assert!(
        !ok && out.contains("vhxh2"),
        "a duplicate is refused: {out}"
    );
    for u in ["xx1", "xx2", "xx3"] {
        assert!(
            congdongso::db::accounts::by_username(&db, u)
                .await
                .unwrap()
                .is_none()
        );
    }
}

#[tokio::test]
async fn user_add_reads_the_password_from_stdin() {
    for url in common::backends().await {
        user_add_case(url).await;
    }
}

#[test]
fn settings_file_and_migrate() {
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("from-file/cds.db");
    let config = dir.path().join("congdongso.toml");
    std::fs::write(
        &config,
        format!("database_url = \"sqlite://{}\"\n", db_path.display()),
    )
    .unwrap();
    let out = bin()
        .args(["migrate", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("phiên bản 24"));
    assert!(
        db_path.exists(),
        "the database named in the file was created"
    );
    // An unknown key is an error that names the file.
    std::fs::write(&config, "databse_url = \"x\"\n").unwrap();
    let out = bin()
        .args(["migrate", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("không hợp lệ"));
    // A bad database URL says what is expected.
    let out = bin()
        .args(["migrate", "--database-url", "mysql://x"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("sqlite:// hoặc postgres://"));
}

/// `congdongso report …` writes a hamlet's approved report with its frozen figures, the
/// commune's report in any format, and refuses a bad period with a Vietnamese message.
#[tokio::test]
async fn report_command_writes_files_with_frozen_figures() {
    use axum::http::StatusCode;
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/reports.db", dir.path().display());
    // The demo as it stood on 20 May: the month's report still to write.
    let db = common::demo_db_on(&url, "2026-05-20").await;
    let app = common::app_on(db.clone(), "2026-05-20");
    let mut head = common::Client::login(app.clone(), "truongap03").await;
    let r = head
        .post_form(
            "/reports/rach-kien-ap-03/2026-05",
            &[("results", "Ra quân."), ("action", "submit")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let mut vhxh = common::Client::login(app, "vhxh").await;
    let r = vhxh
        .post_form("/reports/rach-kien-ap-03/2026-05/approve", &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let total_of = |path: &std::path::Path| {
        let p = congdongso::reports::docx::paragraphs_text(&std::fs::read(path).unwrap()).unwrap();
        let i = p
            .iter()
            .position(|x| x == "Tổng cộng")
            .expect("the activities total");
        p[i + 1].clone()
    };
    let run = |args: &[&str]| {
        bin()
            .arg("report")
            .args(args)
            .args(["--database-url", &url])
            .output()
            .unwrap()
    };
    let first = dir.path().join("ap3-1.docx");
    let out = run(&[
        "monthly",
        "--area",
        "rach-kien-ap-03",
        "--period",
        "2026-05",
        "--format",
        "docx",
        "--output",
        first.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Đã ghi báo cáo tháng 5/2026 của Ấp 3"));
    let approved = total_of(&first);

    // More activities in May after the approval: the command still writes the frozen figures.
    let (hamlet, commune, team): (i64, i64, i64) = db
        .fetch_one(
            "SELECT a.id, a.commune_id, t.id FROM areas a JOIN teams t ON t.area_id = a.id \
             WHERE a.code = 'rach-kien-ap-03'",
            &[],
        )
        .await
        .unwrap();
    db.execute(
        "INSERT INTO activities (commune_id, hamlet_id, team_id, kind, activity_date, \
         residents_reached, active, created_at) VALUES ($1, $2, $3, 'campaign', '2026-05-12', 9, 1, 0)",
        &[commune.into(), hamlet.into(), team.into()],
    )
    .await
    .unwrap();
    let second = dir.path().join("ap3-2.docx");
    let out = run(&[
        "monthly",
        "--area",
        "rach-kien-ap-03",
        "--period",
        "2026-05",
        "--format",
        "docx",
        "--output",
        second.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    assert_eq!(total_of(&second), approved, "frozen");
    // A hamlet's quarterly report is written too (its figures are live).
    let quarter = dir.path().join("ap3-q2.docx");
    let out = run(&[
        "quarterly",
        "--area",
        "rach-kien-ap-03",
        "--period",
        "2026-Q2",
        "--format",
        "docx",
        "--output",
        quarter.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    for (format, magic) in [
        ("pdf", &b"%PDF"[..]),
        ("xlsx", &b"PK"[..]),
        ("docx", &b"PK"[..]),
    ] {
        let file = dir.path().join(format!("commune.{format}"));
        let out = run(&[
            "monthly",
            "--area",
            "rach-kien",
            "--period",
            "2026-05",
            "--format",
            format,
            "--output",
            file.to_str().unwrap(),
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(std::fs::read(&file).unwrap().starts_with(magic), "{format}");
    }
    let out = run(&[
        "monthly",
        "--area",
        "rach-kien",
        "--period",
        "2026-13",
        "--format",
        "pdf",
        "--output",
        dir.path().join("x.pdf").to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("Lỗi:"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(&[
        "yearly",
        "--area",
        "khong-co",
        "--period",
        "2026",
        "--format",
        "pdf",
        "--output",
        dir.path().join("y.pdf").to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("Không có ấp, xã hoặc tỉnh nào mã «khong-co»")
    );
    assert!(
        !dir.path().join("y.pdf").exists(),
        "nothing written on error"
    );
}

/// `import residents FILE --commune CODE [--dry-run]`: the preview with every rejected row,
/// nothing written on a dry run, applied otherwise, nothing more the second time, and a
/// non-zero exit when no row can be taken.
#[test]
fn import_command_previews_applies_and_refuses() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/import.db", dir.path().display());
    let seeded = bin()
        .args(["demo", "--database-url", &url])
        .env("CONGDONGSO_DEMO_PASSWORD", "demo-password-1")
        .env("CONGDONGSO_DEMO_HOUSEHOLDS", "2")
        .output()
        .unwrap();
    assert!(
        seeded.status.success(),
        "{}",
        String::from_utf8_lossy(&seeded.stderr)
    );
    let count = || {
        let out = bin()
            .args(["import", "residents"])
            .arg(dir.path().join("none.csv"))
            .args(["--commune", "rach-kien", "--database-url", &url])
            .output()
            .unwrap();
        assert!(!out.status.success(), "a missing file fails");
    };
    count();
    let file = dir.path().join("ap.csv");
    std::fs::write(
        &file,
        "Họ và tên;Ấp;Ngày sinh;Số CCCD;VNeID mức 2\n\
         Phạm Thị Dòng Một;ấp 03;12/02/1985;072185001111;có\n\
         Phạm Văn Lỗi;Ấp 3;12/02/1985;0721850;\n\
         Lâm Văn Hai;4;1970;;x\n",
    )
    .unwrap();
    let run = |args: &[&str]| {
        let out = bin()
            .args(["import", "residents"])
            .arg(&file)
            .args(["--commune", "rach-kien", "--database-url", &url])
            .args(args)
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (ok, out, err) = run(&["--dry-run"]);
    assert!(ok, "{out}{err}");
    assert!(out.contains("Thêm mới: 2 nhân khẩu"), "{out}");
    assert!(out.contains("Bị từ chối: 1"), "{out}");
    assert!(
        out.contains("Dòng 3, cột «Số CCCD»: số CCCD phải có 12 chữ số"),
        "{out}"
    );
    assert!(out.contains("Chạy thử"), "{out}");
    let (ok, out, err) = run(&["--dry-run"]);
    assert!(
        ok && out.contains("Thêm mới: 2 nhân khẩu"),
        "a dry run wrote nothing: {out}{err}"
    );

    let (ok, out, err) = run(&[]);
    assert!(ok, "{out}{err}");
    assert!(
        out.contains("Đã nhập vào Rạch Kiến: thêm 2 nhân khẩu"),
        "{out}"
    );
    let (ok, out, _) = run(&[]);
    assert!(ok);
    assert!(
        out.contains("Thêm mới: 0 nhân khẩu") && out.contains("Không đổi: 2"),
        "{out}"
    );
    assert!(out.contains("Không có gì thay đổi"), "{out}");

    std::fs::write(&file, "Họ và tên,Ấp\nNgười Không Ấp,Ấp 99\n").unwrap();
    let (ok, out, err) = run(&[]);
    assert!(!ok, "nothing could be applied");
    assert!(
        out.contains("Dòng 2, cột «Ấp»: xã không có ấp «Ấp 99»"),
        "{out}"
    );
    assert!(err.contains("Không có dòng nào nhập được"), "{err}");
    std::fs::write(&file, "Tên,Địa chỉ\nAn,1\n").unwrap();
    let (ok, _, err) = run(&[]);
    assert!(!ok);
    assert!(err.contains("«Ấp» và «Họ và tên»"), "{err}");
}

/// `serve --demo` (a tiny demo) with these environment variables: the child and its address.
fn start_server(dir: &std::path::Path, envs: &[(&str, &str)]) -> (std::process::Child, String) {
    let mut child = bin()
        .args(["serve", "--demo", "--addr", "127.0.0.1:0", "--database-url"])
        .arg(format!("sqlite://{}/demo.db", dir.display()))
        .env("CONGDONGSO_DEMO_PASSWORD", "demo-password-1")
        .env("CONGDONGSO_DEMO_HOUSEHOLDS", "2")
        .envs(envs.iter().copied())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in stdout.lines().map_while(Result::ok) {
            if let Some(rest) = line.split("http://").nth(1) {
                let _ = tx.send(rest.trim_end_matches('/').to_string());
            }
        }
    });
    let addr = rx
        .recv_timeout(Duration::from_secs(120))
        .expect("the server prints its address");
    (child, addr)
}

/// Reads until the server closes the connection: true if it did (end of stream or reset)
/// within the 30 s the test allows, false if the wait ran out with the connection open.
fn closed_by_server(s: &mut TcpStream) -> (bool, String) {
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return (true, String::from_utf8_lossy(&got).into_owned()),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {
                return (true, String::from_utf8_lossy(&got).into_owned());
            }
            Err(_) => return (false, String::from_utf8_lossy(&got).into_owned()),
        }
    }
}

#[test]
fn slow_and_idle_connections_are_closed() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, addr) = start_server(dir.path(), &[("CONGDONGSO_HEADER_TIMEOUT_SECONDS", "1")]);
    // Headers that never end (a slow client, or one holding the connection): closed.
    let mut slow = TcpStream::connect(&addr).unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    let (closed, got) = closed_by_server(&mut slow);
    assert!(closed && !got.contains("200"), "{got}");
    // A kept-alive connection answered and then left idle: closed too.
    let mut idle = TcpStream::connect(&addr).unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let (closed, got) = closed_by_server(&mut idle);
    assert!(
        closed && got.starts_with("HTTP/1.1 200") && got.ends_with("ok"),
        "{got}"
    );
    child.kill().unwrap();
    child.wait().unwrap();
}

#[tokio::test]
async fn one_address_holds_a_bounded_number_of_connections() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let dir = tempfile::tempdir().unwrap();
    let (mut child, addr) = start_server(
        dir.path(),
        &[("CONGDONGSO_MAX_CONNECTIONS_PER_ADDRESS", "3")],
    );
    let addr: std::net::SocketAddr = addr.parse().unwrap();
    let from = |ip: &str| {
        let ip: std::net::IpAddr = ip.parse().unwrap();
        async move {
            let socket = tokio::net::TcpSocket::new_v4().unwrap();
            socket.bind(std::net::SocketAddr::new(ip, 0)).unwrap();
            socket.connect(addr).await.unwrap()
        }
    };
    let health = |mut s: tokio::net::TcpStream| async move {
        // A closed connection may refuse the write: what counts is what comes back.
        let _ = s
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .await;
        let mut out = String::new();
        let _ = s.read_to_string(&mut out).await;
        out
    };
    // Three open connections from 127.0.0.1 (each answered once, then kept)…
    let mut held = Vec::new();
    for _ in 0..3 {
        let mut s = from("127.0.0.1").await;
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let mut buf = [0u8; 512];
        let n = s.read(&mut buf).await.unwrap();
        assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
        held.push(s);
    }
    // …and a fourth from the same address is closed unanswered…
    let fourth = health(from("127.0.0.1").await).await;
    assert!(fourth.is_empty(), "{fourth}");
    // …while another address is served.
    let other = health(from("127.0.0.2").await).await;
    assert!(other.starts_with("HTTP/1.1 200"), "{other}");
    child.kill().unwrap();
    child.wait().unwrap();
}
