//! Upload bombs (issue 17), each built here and sent to a running server: a small `.xls` naming
//! a cell at (65535, 255), an `.xlsx` with one 476 MB shared string, an `.ods` whose row
//! repeats 1,048,575 times, and four `.xls` bombs at once. Each is refused with a Vietnamese
//! message, and the server's peak memory (VmHWM) rises by less than 300 MB over all of them.

mod common;
use common::bin;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::Stdio;
use std::sync::mpsc;
use std::time::Duration;

const PASSWORD: &str = "demo-password-1";

/// The server process, killed when the test ends, whatever way it ends.
struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        self.0.kill().ok();
        self.0.wait().ok();
    }
}

fn start(dir: &std::path::Path) -> (Server, String) {
    let mut child = bin()
        .args(["serve", "--demo", "--addr", "127.0.0.1:0", "--database-url"])
        .arg(format!("sqlite://{}/demo.db", dir.display()))
        .env("CONGDONGSO_DEMO_PASSWORD", PASSWORD)
        .env("CONGDONGSO_DEMO_HOUSEHOLDS", "2")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
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
    (Server(child), addr)
}

/// One HTTP/1.1 request on its own connection; the status and body of the answer.
fn request(addr: &str, head: &str, body: &[u8]) -> (u16, String, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(300))).unwrap();
    write!(
        s,
        "{head}\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .unwrap();
    s.write_all(body).unwrap();
    let mut got = Vec::new();
    s.read_to_end(&mut got).unwrap();
    let text = String::from_utf8_lossy(&got).into_owned();
    let (headers, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = headers
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, headers.to_string(), body.to_string())
}

/// Logs in as the commune admin: the session cookie and the CSRF token.
fn login(addr: &str) -> (String, String) {
    let body = format!(r#"{{"username":"vhxh","password":"{PASSWORD}"}}"#);
    let (status, headers, body) = request(
        addr,
        "POST /api/v1/login HTTP/1.1\r\nContent-Type: application/json",
        body.as_bytes(),
    );
    assert_eq!(status, 200, "{body}");
    let cookie = headers
        .lines()
        .find_map(|l| l.strip_prefix("set-cookie: "))
        .and_then(|c| c.split(';').next())
        .unwrap()
        .to_string();
    let csrf = body.split("\"csrf_token\":\"").nth(1).unwrap();
    let csrf = csrf.split('"').next().unwrap().to_string();
    (cookie, csrf)
}

fn upload(addr: &str, (cookie, csrf): &(String, String), name: &str, file: &[u8]) -> (u16, String) {
    let (status, _, body) = request(
        addr,
        &format!(
            "POST /api/v1/imports/residents?name={name}&dry_run=true HTTP/1.1\r\n\
             Content-Type: application/octet-stream\r\nCookie: {cookie}\r\nX-CSRF-Token: {csrf}"
        ),
        file,
    );
    (status, body)
}

/// The process's peak resident memory so far, in bytes.
fn peak(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .unwrap()
        * 1024
}

fn record(kind: u16, data: &[u8]) -> Vec<u8> {
    let mut r = kind.to_le_bytes().to_vec();
    r.extend((data.len() as u16).to_le_bytes());
    r.extend(data);
    r
}

fn bof(dt: u16) -> Vec<u8> {
    let mut d = Vec::new();
    for v in [0x0600u16, dt, 0x0DBB, 0x07CC] {
        d.extend(v.to_le_bytes());
    }
    d.extend(0u32.to_le_bytes());
    d.extend(0x06u32.to_le_bytes());
    record(0x0809, &d)
}

fn number(row: u16, col: u16, v: f64) -> Vec<u8> {
    let mut d = Vec::new();
    for x in [row, col, 0] {
        d.extend(x.to_le_bytes());
    }
    d.extend(v.to_le_bytes());
    record(0x0203, &d)
}

/// An `.xls` (BIFF8 in a compound file) with numbers at (0, 0) and (65535, 255): a few
/// kilobytes that a reader lays out as a range of 65,536 × 256 cells.
fn xls_bomb() -> Vec<u8> {
    let name = b"Sheet1";
    let boundsheet = |pos: u32| {
        let mut d = pos.to_le_bytes().to_vec();
        d.extend([0u8, 0u8, name.len() as u8, 0u8]);
        d.extend(name);
        record(0x0085, &d)
    };
    let mut globals = bof(0x0005);
    let placeholder = boundsheet(0);
    let sheet_at = (globals.len() + placeholder.len() + 4) as u32;
    globals.extend(boundsheet(sheet_at));
    globals.extend(record(0x000A, &[]));
    let mut stream = globals;
    stream.extend(bof(0x0010));
    stream.extend(number(0, 0, 1.0));
    stream.extend(number(65535, 255, 2.0));
    stream.extend(record(0x000A, &[]));
    // Version 3: 512-byte sectors, as Excel writes them.
    let mut file =
        cfb::CompoundFile::create_with_version(cfb::Version::V3, std::io::Cursor::new(Vec::new()))
            .unwrap();
    file.create_stream("/Workbook")
        .unwrap()
        .write_all(&stream)
        .unwrap();
    file.flush().unwrap();
    file.into_inner().into_inner()
}

type Zip = zip::ZipWriter<std::io::Cursor<Vec<u8>>>;

fn zipped(parts: &mut dyn FnMut(&mut Zip)) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    parts(&mut z);
    z.finish().unwrap().into_inner()
}

fn part(z: &mut Zip, name: &str, text: &str) {
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    z.start_file(name, opts).unwrap();
    z.write_all(text.as_bytes()).unwrap();
}

/// An `.xlsx` of half a megabyte whose one shared string inflates to 476 MB.
fn xlsx_bomb() -> Vec<u8> {
    zipped(&mut |z| {
        part(
            z,
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"#,
        );
        part(
            z,
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
        );
        part(
            z,
            "xl/workbook.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        );
        part(
            z,
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#,
        );
        part(
            z,
            "xl/worksheets/sheet1.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>"#,
        );
        part(
            z,
            "xl/sharedStrings.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>"#,
        );
        // Still the same part: 476 pieces of 1 MB each.
        let piece = "a".repeat(1 << 20);
        for _ in 0..476 {
            z.write_all(piece.as_bytes()).unwrap();
        }
        z.write_all(b"</t></si></sst>").unwrap();
    })
}

/// An `.ods` of under a kilobyte whose one row, holding a value, repeats 1,048,575 times.
fn ods_bomb() -> Vec<u8> {
    zipped(&mut |z| {
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        z.start_file("mimetype", stored).unwrap();
        z.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
            .unwrap();
        part(
            z,
            "META-INF/manifest.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#,
        );
        part(
            z,
            "content.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table table:name="Sheet1"><table:table-row table:number-rows-repeated="1048575"><table:table-cell table:number-columns-repeated="16" office:value-type="float" office:value="1"><text:p>1</text:p></table:table-cell></table:table-row></table:table></office:spreadsheet></office:body></office:document-content>"#,
        );
    })
}

#[test]
fn upload_bombs_are_refused_within_the_memory_bound() {
    let dir = tempfile::tempdir().unwrap();
    let (server, addr) = start(dir.path());
    let session = login(&addr);
    // A real list first, so the baseline includes what reading a file normally costs.
    let (status, body) = upload(
        &addr,
        &session,
        "danh-sach.csv",
        "Ấp,Họ và tên\nẤp 1,Nguyễn Văn Thử\n".as_bytes(),
    );
    assert_eq!(status, 200, "{body}");
    let before = peak(server.0.id());

    let xls = xls_bomb();
    assert!(xls.len() < 8 << 10, "{} bytes", xls.len());
    let xlsx = xlsx_bomb();
    assert!(xlsx.len() < 1 << 20, "{} bytes", xlsx.len());
    let ods = ods_bomb();
    assert!(ods.len() < 2 << 10, "{} bytes", ods.len());
    for (name, file) in [("bom.xls", &xls), ("bom.xlsx", &xlsx), ("bom.ods", &ods)] {
        let (status, body) = upload(&addr, &session, name, file);
        assert_eq!(status, 422, "{name}: {body}");
        assert!(body.contains("Tệp quá lớn"), "{name}: {body}");
    }
    // Four at once: read one after another, each refused.
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|_| s.spawn(|| upload(&addr, &session, "bom.xls", &xls)))
            .collect();
        for h in handles {
            let (status, body) = h.join().unwrap();
            assert_eq!(status, 422, "{body}");
        }
    });
    let after = peak(server.0.id());
    drop(server);
    let rise = after.saturating_sub(before);
    eprintln!(
        "peak memory: {} MB before the bombs, {} MB after",
        before >> 20,
        after >> 20
    );
    assert!(
        rise < 300 << 20,
        "peak memory rose by {} MB (from {} MB to {} MB)",
        rise >> 20,
        before >> 20,
        after >> 20
    );
}
