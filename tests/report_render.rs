//! Every report kind as an official would print it: each .docx converted to PDF by LibreOffice
//! (`soffice --headless --convert-to pdf`, all files in one run) and read page by page with
//! `pdftotext -layout`. On paper: the page number alone and centred at the top from page 2
//! (not on page 1), the signature block on one page, no section number skipped, no table
//! title or header row left as the last text of a page. The .docx is also read back for its
//! properties (created on the report's date, an author) and its Vietnamese language tag.
//!
//! Without `soffice` or `pdftotext` the test says it was skipped, except under `CI=true`,
//! where it fails (`.ci/run` installs LibreOffice Writer and poppler-utils).

mod common;

use std::path::Path;
use std::process::{Command, Stdio};

use axum::http::StatusCode;
use common::{Client, app_on, demo_db_on};
use congdongso::reports::docx;

/// What is rendered: (account, area, kind, period). A province report is one more line.
const REPORTS: &[(&str, &str, &str, &str)] = &[
    ("vhxh", "rach-kien-ap-03", "monthly", "2026-09"),
    ("vhxh", "rach-kien-ap-03", "quarterly", "2026-Q3"),
    ("vhxh", "rach-kien-ap-03", "yearly", "2026"),
    ("vhxh", "rach-kien", "monthly", "2026-09"),
    ("vhxh", "rach-kien", "quarterly", "2026-Q3"),
    ("vhxh", "rach-kien", "yearly", "2026"),
    ("so", "tay-ninh", "monthly", "2026-09"),
    ("so", "tay-ninh", "quarterly", "2026-Q3"),
    ("so", "tay-ninh", "yearly", "2026"),
];
const TODAY: &str = "2026-10-20";

/// True when LibreOffice and poppler are there; otherwise skips, or fails under CI.
fn tools_present() -> bool {
    let runs = |bin: &str, arg: &str| {
        Command::new(bin)
            .arg(arg)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok()
    };
    if runs("soffice", "--version") && runs("pdftotext", "-v") {
        return true;
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("CI=true but soffice or pdftotext is missing (.ci/run installs them)");
    }
    eprintln!(
        "report rendering test skipped: soffice or pdftotext not installed \
         (apt-get install libreoffice-writer-nogui poppler-utils fonts-liberation)"
    );
    false
}

/// Some content in every section: the commune's plan (the demo's, with its quarterly tasks)
/// and Ấp 3's September report submitted with its difficulties and approved.
async fn content(app: &axum::Router) {
    let mut vhxh = Client::login(app.clone(), "vhxh").await;
    let mut head = Client::login(app.clone(), "truongap03").await;
    let r = head
        .post_form(
            "/reports/rach-kien-ap-03/2026-09",
            &[
                ("results", "Ra quân hướng dẫn VNeID cho 40 hộ."),
                ("difficulties", "Sóng điện thoại yếu ở xóm Bàu Sen."),
                ("proposals", "Hỗ trợ thêm 2 điện thoại cho Tổ."),
                ("action", "submit"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = vhxh
        .post_form("/reports/rach-kien-ap-03/2026-09/approve", &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
}

#[tokio::test]
async fn reports_print_as_an_official_signs_them() {
    if !tools_present() {
        return;
    }
    // What is checked is the writers' output: one database is enough.
    let dir = tempfile::tempdir().expect("temp dir");
    // The demo as it stood on 20 September: the month's reports still to write.
    let db = demo_db_on(
        &format!("sqlite://{}/test.db", dir.path().display()),
        "2026-09-20",
    )
    .await;
    let app = app_on(db, TODAY);
    content(&app).await;

    let mut files = Vec::new();
    for (i, &(account, area, kind, period)) in REPORTS.iter().enumerate() {
        let mut client = Client::login(app.clone(), account).await;
        let url = format!("/reports/file?area={area}&kind={kind}&period={period}&format=docx");
        let r = client.get(&url).await;
        assert_eq!(r.status, StatusCode::OK, "{url}: {}", r.body);
        let path = dir.path().join(format!("{i}-{area}-{kind}.docx"));
        std::fs::write(&path, &r.bytes).expect("write docx");
        files.push((format!("{area} {kind} {period}"), path, r.bytes));
    }
    // Kinh phí's papers: August's list to be signed, the third quarter's settlement.
    let mut finance = Client::login(app.clone(), "kinhte").await;
    for (i, url) in [
        "/funding/payments/2026-08/file?format=docx",
        "/funding/settlement?period=2026-Q3&format=docx",
    ]
    .iter()
    .enumerate()
    {
        let r = finance.get(url).await;
        assert_eq!(r.status, StatusCode::OK, "{url}: {}", r.body);
        let path = dir.path().join(format!("funding-{i}.docx"));
        std::fs::write(&path, &r.bytes).expect("write docx");
        files.push((url.to_string(), path, r.bytes));
    }
    convert(dir.path(), files.iter().map(|(_, p, _)| p.as_path()));

    let mut problems = Vec::new();
    for (label, path, bytes) in &files {
        let pdf = path.with_extension("pdf");
        let pages = pages_of(&pdf);
        let mut say = |what: String| problems.push(format!("{label}: {what}"));
        let paragraphs = docx::paragraphs_text(bytes).expect("docx text");
        page_numbers(&pages, &pdf, bytes)
            .into_iter()
            .for_each(&mut say);
        signature_on_one_page(&pages, &paragraphs)
            .into_iter()
            .for_each(&mut say);
        section_numbers(&pages).into_iter().for_each(&mut say);
        nothing_left_at_the_foot(&pages, &tables_of(bytes))
            .into_iter()
            .for_each(&mut say);
        properties(bytes, &paragraphs)
            .into_iter()
            .for_each(&mut say);
    }
    if let Ok(keep) = std::env::var("REPORT_RENDER_OUT") {
        // To look at what was checked: the .docx files and LibreOffice's PDFs.
        for (_, path, _) in &files {
            for file in [path.clone(), path.with_extension("pdf")] {
                let name = file.file_name().expect("file name");
                std::fs::copy(&file, Path::new(&keep).join(name)).expect("keep");
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Converts every file with one LibreOffice start, in a profile of its own so runs in
/// parallel do not share (and lock) one.
fn convert<'a>(dir: &Path, files: impl Iterator<Item = &'a Path>) {
    let profile = format!("-env:UserInstallation=file://{}/lo-profile", dir.display());
    let out = Command::new("soffice")
        .args([&profile, "--headless", "--convert-to", "pdf", "--outdir"])
        .arg(dir)
        .args(files)
        .output()
        .expect("run soffice");
    assert!(
        out.status.success(),
        "soffice: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The text of each page, laid out as printed.
fn pages_of(pdf: &Path) -> Vec<String> {
    let out = Command::new("pdftotext")
        .args(["-layout", "-enc", "UTF-8"])
        .arg(pdf)
        .arg("-")
        .output()
        .expect("run pdftotext");
    assert!(out.status.success(), "pdftotext {}", pdf.display());
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut pages: Vec<String> = text.split('\u{c}').map(str::to_string).collect();
    // pdftotext ends every page with a form feed: the last piece is empty.
    if pages.last().is_some_and(|p| p.trim().is_empty()) {
        pages.pop();
    }
    pages
}

fn lines(page: &str) -> impl Iterator<Item = &str> {
    page.lines().filter(|l| !l.trim().is_empty())
}

fn flat(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// From page 2 the first line is the page's number alone, centred; page 1 has none.
fn page_numbers(pages: &[String], pdf: &Path, docx_bytes: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    if pages.len() < 2 {
        out.push(format!("only {} page(s): nothing to number", pages.len()));
    }
    for (i, page) in pages.iter().enumerate() {
        let n = i + 1;
        let first = lines(page).next().unwrap_or("");
        if n == 1 {
            if first.trim() == "1" {
                out.push("page 1 carries a page number".into());
            }
            continue;
        }
        if first.trim() != n.to_string() {
            out.push(format!(
                "page {n} starts with «{}», not its number",
                first.trim()
            ));
            continue;
        }
        // Centred between the margins: the number's box from poppler, in points.
        let Some((x_min, x_max)) = first_word_box(pdf, n) else {
            out.push(format!("page {n}: no word boxes from pdftotext -bbox"));
            continue;
        };
        let layout = docx::layout_of(docx_bytes).expect("docx layout");
        let pt = |twips: f64| twips / 20.0;
        let (left, right) = (
            pt(f64::from(layout.margin_left)),
            pt(f64::from(layout.page_width)) - pt(f64::from(layout.margin_right)),
        );
        let middle = (x_min + x_max) / 2.0;
        // Within 3% of the text width of the middle (a digit is about 1%).
        if (middle - (left + right) / 2.0).abs() > (right - left) * 0.03 {
            out.push(format!(
                "page {n}'s number is not centred: its middle at {middle:.0} pt, the text's at {:.0} pt",
                (left + right) / 2.0
            ));
        }
    }
    out
}

/// The horizontal extent (points) of the first word poppler finds on page `n`.
fn first_word_box(pdf: &Path, n: usize) -> Option<(f64, f64)> {
    let out = Command::new("pdftotext")
        .args(["-bbox", "-f", &n.to_string(), "-l", &n.to_string()])
        .arg(pdf)
        .arg("-")
        .output()
        .ok()?;
    let html = String::from_utf8_lossy(&out.stdout);
    let word = &html[html.find("<word ")?..];
    let attr = |name: &str| -> Option<f64> {
        let at = word.find(&format!("{name}=\""))? + name.len() + 2;
        word[at..].split('"').next()?.parse().ok()
    };
    Some((attr("xMin")?, attr("xMax")?))
}

/// The signature block's authority lines and the signer's name, from the .docx: the last
/// non-empty paragraph is the name; above the blank space, the authority lines.
fn signature_lines(paragraphs: &[String]) -> Vec<String> {
    let is_authority = |p: &str| p.chars().any(char::is_alphabetic) && p.to_uppercase() == p;
    let mut back = paragraphs
        .iter()
        .rev()
        .skip_while(|p| p.trim().is_empty())
        .peekable();
    // The signer's name, unless it is left blank for the official to write (the province's).
    let mut out: Vec<String> = Vec::new();
    if back.peek().is_some_and(|p| !is_authority(p)) {
        out.extend(back.next().cloned());
    }
    let authority: Vec<String> = back
        .skip_while(|p| p.trim().is_empty())
        .take_while(|p| !p.trim().is_empty() && !p.starts_with("- "))
        .cloned()
        .collect();
    out.extend(authority);
    // Nơi nhận stands beside the signature: the block is one row of the page.
    if paragraphs.iter().any(|p| p.trim() == "Nơi nhận:") {
        out.push("Nơi nhận:".to_string());
    }
    out
}

fn signature_on_one_page(pages: &[String], paragraphs: &[String]) -> Vec<String> {
    let wanted = signature_lines(paragraphs);
    if wanted.len() < 2 {
        return vec![format!("no signature block found in the .docx: {wanted:?}")];
    }
    let page_of = |s: &str| pages.iter().rposition(|p| flat(p).contains(s));
    let at: Vec<(String, Option<usize>)> = wanted
        .iter()
        .map(|s| (s.clone(), page_of(&flat(s))))
        .collect();
    let first = at[0].1;
    if first.is_none() || at.iter().any(|(_, p)| *p != first) {
        return vec![format!("signature block split over pages: {at:?}")];
    }
    Vec::new()
}

fn roman_value(s: &str) -> Option<usize> {
    let value = |c| match c {
        'I' => Some(1),
        'V' => Some(5),
        'X' => Some(10),
        'L' => Some(50),
        _ => None,
    };
    let digits: Vec<usize> = s.chars().map(value).collect::<Option<_>>()?;
    let mut total = 0;
    for (i, d) in digits.iter().enumerate() {
        match digits.get(i + 1) {
            Some(next) if next > d => total -= *d as i64,
            _ => total += *d as i64,
        }
    }
    usize::try_from(total).ok().filter(|v| *v > 0)
}

/// `II. KHÓ KHĂN` → (Some(2), None); `3. Dịch vụ công` → (None, Some(3)); `. KHÓ KHĂN` →
/// (Some(0), None).
fn numbering(line: &str) -> (Option<usize>, Option<usize>) {
    let Some((number, rest)) = line.trim().split_once(". ") else {
        return (None, None);
    };
    if !rest.chars().next().is_some_and(char::is_uppercase) {
        return (None, None);
    }
    if let Some(v) = roman_value(number) {
        return (Some(v), None);
    }
    // A section heading whose numeral is missing (". PHƯƠNG HƯỚNG…") counts as section 0.
    if number.trim().is_empty()
        && rest
            .chars()
            .filter(|c| c.is_alphabetic())
            .all(char::is_uppercase)
    {
        return (Some(0), None);
    }
    match number.parse::<usize>() {
        Ok(v) if number.len() <= 2 => (None, Some(v)),
        _ => (None, None),
    }
}

/// The Roman headings I, II, III… in order without a gap; the Arabic sub-headings 1, 2, 3…
/// within each section likewise.
fn section_numbers(pages: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut sections: Vec<(usize, Vec<usize>)> = Vec::new();
    for (i, page) in pages.iter().enumerate() {
        // From page 2 the first line is the page number.
        for line in lines(page).skip(usize::from(i > 0)) {
            match numbering(line) {
                (Some(r), _) => sections.push((r, Vec::new())),
                (_, Some(a)) => match sections.last_mut() {
                    Some((_, subs)) => subs.push(a),
                    None => out.push(format!("«{}» before any section", line.trim())),
                },
                _ => {}
            }
        }
    }
    let romans: Vec<usize> = sections.iter().map(|(r, _)| *r).collect();
    if romans != (1..=romans.len()).collect::<Vec<_>>() {
        out.push(format!("sections numbered {romans:?}"));
    }
    for (r, subs) in &sections {
        if *subs != (1..=subs.len()).collect::<Vec<_>>() {
            out.push(format!("section {r}: sub-headings numbered {subs:?}"));
        }
    }
    out
}

/// A data table of the .docx: its title (the paragraph before it) and its header's words.
struct TableHead {
    title: String,
    words: Vec<String>,
}

fn tables_of(bytes: &[u8]) -> Vec<TableHead> {
    let doc = docx_rs::read_docx(bytes).expect("read docx");
    let children = &doc.document.children;
    let tables: Vec<usize> = (0..children.len())
        .filter(|&i| matches!(children[i], docx_rs::DocumentChild::Table(_)))
        .collect();
    let mut out = Vec::new();
    // The first and last tables frame the page (letterhead, signature).
    for &i in tables.iter().skip(1).take(tables.len().saturating_sub(2)) {
        let docx_rs::DocumentChild::Table(table) = &children[i] else {
            continue;
        };
        let title = match i.checked_sub(1).map(|j| &children[j]) {
            Some(docx_rs::DocumentChild::Paragraph(p)) => p.raw_text(),
            _ => String::new(),
        };
        let json: serde_json::Value = serde_json::to_value(table.rows.first()).unwrap_or_default();
        let mut words = Vec::new();
        collect_text(&json, &mut words);
        out.push(TableHead {
            title: flat(&title),
            words: words
                .iter()
                .flat_map(|t| t.split_whitespace().map(str::to_string))
                .collect(),
        });
    }
    out
}

fn collect_text(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(map) => {
            if let Some(serde_json::Value::String(t)) = map.get("text") {
                out.push(t.clone());
            }
            map.values().for_each(|v| collect_text(v, out));
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_text(v, out)),
        _ => {}
    }
}

/// The last text of every page but the last is neither a table's title nor its header row:
/// the lines at the foot made only of one table's header words, covering at least half of
/// them (a row ending "Chưa / đạt" under a header "Kết quả cần đạt" is not a header).
fn nothing_left_at_the_foot(pages: &[String], tables: &[TableHead]) -> Vec<String> {
    let mut out = Vec::new();
    let words_of = |line: &str| -> Vec<String> {
        line.split_whitespace()
            .filter(|w| !w.chars().all(|c| c.is_ascii_digit()))
            .map(str::to_string)
            .collect()
    };
    for (i, page) in pages.iter().enumerate().take(pages.len().saturating_sub(1)) {
        let page_lines: Vec<String> = lines(page).map(flat).collect();
        let Some(last) = page_lines.last() else {
            continue;
        };
        for t in tables {
            let title = !t.title.is_empty()
                && (*last == t.title
                    || (t.title.ends_with(last.as_str()) && last.split_whitespace().count() >= 3));
            let in_header = |line: &String| {
                let words = words_of(line);
                !words.is_empty() && words.iter().all(|w| t.words.contains(w))
            };
            let foot: std::collections::BTreeSet<String> = page_lines
                .iter()
                .rev()
                .take_while(|l| in_header(l))
                .flat_map(|l| words_of(l))
                .collect();
            let distinct: std::collections::BTreeSet<&String> = t.words.iter().collect();
            let header = !foot.is_empty() && foot.len() * 2 >= distinct.len();
            if title || header {
                out.push(format!(
                    "page {} ends with the table «{}»'s {}: «{last}»",
                    i + 1,
                    t.title,
                    if title { "title" } else { "header" }
                ));
                break;
            }
        }
    }
    out
}

/// `…, ngày 20 tháng 10 năm 2026` → `2026-10-20`.
fn date_of(place_date: &str) -> Option<String> {
    let (_, rest) = place_date.split_once("ngày ")?;
    let numbers: Vec<u32> = rest
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|n| n.parse().ok())
        .collect();
    match numbers[..] {
        [d, m, y, ..] => Some(format!("{y:04}-{m:02}-{d:02}")),
        _ => None,
    }
}

fn element<'a>(xml: &'a str, tag: &str) -> Option<&'a str> {
    let start = xml.find(&format!("<{tag}"))?;
    let open_end = start + xml[start..].find('>')? + 1;
    let close = open_end + xml[open_end..].find(&format!("</{tag}>"))?;
    Some(&xml[open_end..close])
}

/// Created on the report's date, by the issuing body, in Vietnamese.
fn properties(bytes: &[u8], paragraphs: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let core = docx::part(bytes, "docProps/core.xml").expect("core.xml");
    let date = paragraphs
        .iter()
        .find(|p| p.contains(", ngày ") && p.contains(" năm "))
        .and_then(|p| date_of(p));
    let created = element(&core, "dcterms:created").unwrap_or("");
    match date {
        Some(d) if created.starts_with(&d) => {}
        other => out.push(format!(
            "created «{created}», the report is dated {other:?}"
        )),
    }
    let creator = element(&core, "dc:creator").unwrap_or("").trim();
    if creator.is_empty() || creator == "unknown" {
        out.push(format!("creator «{creator}»"));
    }
    let styles = docx::part(bytes, "word/styles.xml").expect("styles.xml");
    if !styles.contains(r#"w:lang w:val="vi-VN""#) {
        out.push("no vi-VN language tag in the styles".into());
    }
    out
}
