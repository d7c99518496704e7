//! Browser tests in headless Chromium (Debian's chromium + chromium-driver): the pages as a
//! person on a 360 px phone uses them. Screenshots go to docs/screenshots/.
//!
//! Skipped with a message when chromedriver is missing, except under CI=true, where a missing
//! browser fails the run.

mod common;
use common::{PASSWORD, app, app_on, demo_db, demo_db_on};
use fantoccini::{Client, ClientBuilder, Locator};
use std::net::TcpListener as StdListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Driver {
    child: Child,
    port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    StdListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts chromedriver, or returns None (skip) when it is not installed outside CI.
fn start_driver() -> Option<Driver> {
    let bin = ["/usr/bin/chromedriver", "chromedriver"]
        .into_iter()
        .find(|b| {
            Command::new(b)
                .arg("--version")
                .stdout(Stdio::null())
                .status()
                .is_ok()
        });
    let Some(bin) = bin else {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("CI=true but chromedriver is not installed (.ci/run installs chromium-driver)");
        }
        eprintln!(
            "browser test skipped: chromedriver not installed (apt-get install chromium chromium-driver)"
        );
        return None;
    };
    let port = free_port();
    let child = Command::new(bin)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    Some(Driver { child, port })
}

async fn connect(driver: &Driver) -> Client {
    let profile = tempfile::tempdir().unwrap().keep();
    let caps = serde_json::json!({
        "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            // A real 360 px viewport: desktop windows have a larger minimum width.
            "mobileEmulation": { "deviceMetrics": { "width": 360, "height": 780, "pixelRatio": 1.0 } },
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--window-size=360,780",
                format!("--user-data-dir={}", profile.display()),
            ]
        }
    });
    let caps = caps.as_object().unwrap().clone();
    // chromedriver needs a moment to listen; retry the connection, bounded.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        match ClientBuilder::native()
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{}", driver.port))
            .await
        {
            Ok(c) => return c,
            Err(e) if Instant::now() > deadline => panic!("cannot reach chromedriver: {e}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
}

/// Serves the demo commune (small) on a free port; returns its base URL.
async fn serve_demo() -> String {
    serve_router(app).await
}

async fn serve_router(make: impl FnOnce(congdongso::db::Db) -> axum::Router) -> String {
    let dir = tempfile::tempdir().unwrap().keep();
    let db = demo_db(&format!("sqlite://{}/browser.db", dir.display())).await;
    serve_db(db, make).await
}

/// Serves the demo commune as it stood on `today`, with the workflow's calendar on that day.
async fn serve_on(today: &'static str) -> String {
    let dir = tempfile::tempdir().unwrap().keep();
    let db = demo_db_on(&format!("sqlite://{}/browser.db", dir.display()), today).await;
    serve_db(db, |db| app_on(db, today)).await
}

async fn serve_db(
    db: congdongso::db::Db,
    make: impl FnOnce(congdongso::db::Db) -> axum::Router,
) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = make(db);
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{addr}")
}

/// Fills a hamlet's public help form (name, phone, consent) and sends it.
async fn send_public_request(c: &Client, base: &str, hamlet: &str, name: &str, phone: &str) {
    c.goto(&format!("{base}/yeu-cau/{hamlet}")).await.unwrap();
    for (field, value) in [("full_name", name), ("phone", phone)] {
        c.find(Locator::Css(&format!("input[name={field}]")))
            .await
            .unwrap()
            .send_keys(value)
            .await
            .unwrap();
    }
    click(c, "input[name=consent]").await;
    click(c, "main form button[type=submit]").await;
}

async fn screenshot(c: &Client, name: &str) {
    let png = c.screenshot().await.expect("screenshot");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
}

async fn page_width(c: &Client) -> i64 {
    c.execute("return document.documentElement.scrollWidth", vec![])
        .await
        .unwrap()
        .as_i64()
        .unwrap()
}

async fn login(c: &Client, base: &str, user: &str) {
    c.goto(&format!("{base}/login")).await.unwrap();
    c.find(Locator::Id("username"))
        .await
        .unwrap()
        .send_keys(user)
        .await
        .unwrap();
    c.find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys(PASSWORD)
        .await
        .unwrap();
    c.find(Locator::Css("#login-form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(c, Locator::Css("nav.nav"))
        .await
        .expect("the home page after login");
}

#[tokio::test]
async fn logs_in_and_searches_residents_on_a_phone() {
    let Some(driver) = start_driver() else { return };
    let base = serve_demo().await;
    let c = connect(&driver).await;
    let result = async {
        c.goto(&format!("{base}/login")).await.unwrap();
        screenshot(&c, "login").await;
        // A wrong password shows a Vietnamese message and keeps the username typed.
        c.find(Locator::Id("username"))
            .await
            .unwrap()
            .send_keys("vhxh")
            .await
            .unwrap();
        c.find(Locator::Id("password"))
            .await
            .unwrap()
            .send_keys("sai")
            .await
            .unwrap();
        c.find(Locator::Css("#login-form button"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let err = wait_for(&c, Locator::Css("p.error"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(err.contains("không đúng"), "{err}");
        assert_eq!(
            c.find(Locator::Id("username"))
                .await
                .unwrap()
                .prop("value")
                .await
                .unwrap()
                .as_deref(),
            Some("vhxh")
        );

        login(&c, &base, "vhxh").await;
        let home = c.source().await.unwrap();
        assert!(
            home.contains("Xã Rạch Kiến"),
            "the commune admin's home names the commune"
        );
        screenshot(&c, "home-commune").await;

        c.goto(&format!("{base}/areas")).await.unwrap();
        let rows = c.find_all(Locator::Css("#hamlets tbody tr")).await.unwrap();
        assert_eq!(rows.len(), 17, "17 hamlets");
        screenshot(&c, "areas").await;
        let w = page_width(&c).await;
        assert!(
            w <= 360,
            "the areas page fits a 360 px screen (is {w} px wide)"
        );

        c.goto(&format!("{base}/residents")).await.unwrap();
        let q = c.find(Locator::Id("q")).await.unwrap();
        q.send_keys("nguyen van duc").await.unwrap();
        c.find(Locator::Css("form.search button"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        c.wait()
            .for_url(&url::Url::parse(&format!("{base}/residents?q=nguyen+van+duc&area=")).unwrap())
            .await
            .expect("the search results page");
        let names: Vec<String> = {
            let mut v = Vec::new();
            for e in c.find_all(Locator::Css("a.resident-name")).await.unwrap() {
                v.push(e.text().await.unwrap());
            }
            v
        };
        assert!(
            names.iter().any(|n| n == "Nguyễn Văn Đức"),
            "found: {names:?}"
        );
        assert!(
            names
                .iter()
                .all(|n| congdongso::text::fold(n).contains("nguyen van duc"))
        );
        screenshot(&c, "residents-search").await;
        let w = page_width(&c).await;
        assert!(
            w <= 360,
            "the resident list fits a 360 px screen (is {w} px wide)"
        );

        // Open one of them: the statuses of the 10+ services are there.
        c.find(Locator::Css("a.resident-name"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let rows = wait_for(&c, Locator::Css("#services tbody")).await.unwrap();
        assert_eq!(rows.find_all(Locator::Css("tr")).await.unwrap().len(), 12);
        screenshot(&c, "resident").await;
    }
    .await;
    c.close().await.ok();
    result
}

/// Waits for an element, looking again when the page was navigating at the time: chromedriver
/// answers "aborted by navigation" to a look made while a submitted form's answer is loading.
async fn wait_for(
    c: &Client,
    locator: Locator<'_>,
) -> Result<fantoccini::elements::Element, fantoccini::error::CmdError> {
    let mut attempt = 0;
    loop {
        match c.wait().for_element(locator).await {
            Err(e) if attempt < 5 && e.to_string().contains("navigation") => {
                eprintln!("looking again for {locator:?}: {e}");
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// Clicks the element, finding it again if the app re-rendered it in between.
async fn click(c: &Client, css: &str) {
    for attempt in 0.. {
        let found = wait_for(c, Locator::Css(css)).await;
        match found {
            Ok(el) => match el.click().await {
                Ok(()) => return,
                Err(e) if attempt < 5 => eprintln!("retrying click on {css}: {e}"),
                Err(e) => panic!("click {css}: {e}"),
            },
            Err(e) => panic!("find {css}: {e}"),
        }
    }
}

/// Follows a navigation item as a phone user does: the menu button first, then the item.
async fn nav_to(c: &Client, href: &str) {
    click(c, "#menu-button").await;
    click(c, &format!("nav.nav a[href='{href}']")).await;
}

/// What on the page is wider than the screen or cut off by an overflow box (a script run in
/// the page): empty when everything fits.
const OVERFLOWS: &str = r#"
  var W = document.documentElement.clientWidth, bad = [];
  function name(el) { return el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : ''); }
  document.querySelectorAll('body *').forEach(function (el) {
    if (el.closest('.skip, .menu-toggle, .visually-hidden, .hp, script, style, noscript')) return;
    var cs = getComputedStyle(el);
    if (cs.display === 'none' || cs.visibility === 'hidden') return;
    var r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) return;
    if (r.right > W + 1 || r.left < -1) bad.push(name(el) + ' spans ' + Math.round(r.left) + '..' + Math.round(r.right));
    var tag = el.tagName;
    if (tag === 'INPUT' && el.type === 'radio' && r.width > 28) bad.push(name(el) + ' radio ' + Math.round(r.width) + ' px');
    if (tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || cs.textOverflow === 'ellipsis') return;
    var clipping = /hidden|auto|scroll|clip/.test(cs.overflowX) && tag !== 'svg';
    if (clipping && el.scrollWidth > el.clientWidth + 1) bad.push(name(el) + ' cuts off ' + el.scrollWidth + ' > ' + el.clientWidth);
  });
  return bad.slice(0, 8);
"#;

/// Status words, dots and badges whose text contrasts with its background less than 4.5:1.
const LOW_CONTRAST: &str = r#"
  function rgb(s) { var m = s.match(/[\d.]+/g); return m ? m.map(Number) : [0, 0, 0, 0]; }
  function lum(c) { var a = c.slice(0, 3).map(function (v) { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * a[0] + 0.7152 * a[1] + 0.0722 * a[2]; }
  function bg(el) { for (; el; el = el.parentElement) { var c = rgb(getComputedStyle(el).backgroundColor); if (c.length < 4 || c[3] > 0) return c; } return [255, 255, 255]; }
  var bad = [];
  document.querySelectorAll('.badge, .f-tag, .f-net, .st-done, .st-in_progress, .st-none, .warn, .muted, .chip, .tab, .menu-button, .nav a').forEach(function (el) {
    var cs = getComputedStyle(el);
    if (cs.display === 'none' || !el.textContent.trim()) return;
    var a = lum(rgb(cs.color)), b = lum(bg(el));
    var ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 4.5) bad.push(el.className + ' "' + el.textContent.trim().slice(0, 20) + '" ' + ratio.toFixed(2));
  });
  return bad.slice(0, 8);
"#;

async fn overflows(c: &Client) -> Vec<String> {
    let v = c.execute(OVERFLOWS, vec![]).await.unwrap();
    serde_json::from_value(v).unwrap()
}

/// Header and navigation height with the menu closed, and whether the menu, opened, shows
/// every navigation item whole on the screen.
async fn menu_check(c: &Client) -> (f64, Vec<String>) {
    let top = c
        .execute(
            "var m = document.querySelector('main'); return m.getBoundingClientRect().top + window.scrollY",
            vec![],
        )
        .await
        .unwrap()
        .as_f64()
        .unwrap();
    let mut hidden = vec![];
    if c.find(Locator::Id("menu-button")).await.is_ok() {
        click(c, "#menu-button").await;
        let v = c
            .execute(
                "var W = document.documentElement.clientWidth;                  return Array.prototype.filter.call(document.querySelectorAll('#site-nav a'), function (a) {                    var r = a.getBoundingClientRect(); return !(r.width > 0 && r.height > 0 && r.left >= 0 && r.right <= W + 1);                  }).map(function (a) { return a.textContent; })",
                vec![],
            )
            .await
            .unwrap();
        hidden = serde_json::from_value(v).unwrap();
        click(c, "#menu-button").await;
    }
    (top, hidden)
}

/// The field app's work-list tabs count what the hamlet's work lists on the dashboard count.
async fn field_work_lists_match_the_dashboard(c: &Client, base: &str) {
    for list in ["unguided", "no_app", "no_smartphone"] {
        let tab = c
            .find(Locator::Id(&format!("tab-wl-{list}")))
            .await
            .expect("a work-list tab in the field app");
        let text = tab.text().await.unwrap();
        let in_app: i64 = text
            .rsplit_once('(')
            .and_then(|(_, n)| n.trim_end_matches(')').parse().ok())
            .unwrap_or_else(|| panic!("a count in {text:?}"));
        tab.click().await.unwrap();
        let shown = c
            .find_all(Locator::Css("#worklist li"))
            .await
            .unwrap()
            .len() as i64;
        assert_eq!(
            shown,
            in_app.min(60),
            "{list}: the tab lists what it counts"
        );
        let dashboard: String = c
            .execute_async(
                "const done = arguments[1]; fetch(arguments[0]).then(r => r.text()).then(t => \
                   done(new DOMParser().parseFromString(t, 'text/html').getElementById('worklist-total').textContent))",
                vec![serde_json::json!(format!("{base}/worklists/rach-kien-ap-03?list={list}"))],
            )
            .await
            .unwrap()
            .as_str()
            .unwrap()
            .to_string();
        assert!(
            dashboard.contains(&format!(" {in_app} dòng")),
            "{list}: field app {in_app}, dashboard {dashboard:?}"
        );
    }
    click(c, "#tab-todo").await;
}

#[tokio::test]
async fn every_page_fits_a_phone_and_the_menu_reaches_every_item() {
    let Some(driver) = start_driver() else { return };
    let base = serve_demo().await;
    let c = connect(&driver).await;
    let result = async {
        let visits: &[(&str, &[(&str, &str)])] = &[
            (
                "vhxh",
                &[
                    ("/", "home-commune"),
                    ("/dashboard", "dashboard-commune-360"),
                    ("/areas", "areas"),
                    ("/residents", "residents"),
                    ("/households", "households"),
                    ("/teams", "teams"),
                    ("/reports", "reports-commune"),
                    ("/plan", "plan"),
                    ("/activities", "activities"),
                    ("/activities/calendar", "calendar"),
                    ("/requests", "requests"),
                    ("/assignments", "assignments"),
                    ("/import", "import"),
                    ("/accounts", "accounts-commune"),
                    ("/account", "my-account-commune"),
                    ("/settings", "settings-commune"),
                    ("/trainings", "trainings"),
                    ("/trainings/needs", "training-needs"),
                    ("/guides", "guides"),
                    // The demo's first guide: the province's VNeID starter.
                    ("/guides/1", "guide-vneid"),
                    // The commune's own guide (after the twelve of the province).
                    ("/guides/13/edit", "guide-edit"),
                    ("/businesses", "businesses"),
                    ("/businesses/new", "business-new"),
                    // The demo's first business.
                    ("/businesses/1", "business"),
                    ("/worklists/rach-kien-ap-03?list=unguided", "worklist-paged"),
                    ("/dashboard?area=rach-kien-ap-03", "dashboard-hamlet-360"),
                ],
            ),
            (
                "truongap03",
                &[
                    ("/", "home-hamlet"),
                    ("/dashboard", "dashboard-hamlet-head"),
                    ("/reports", "reports-hamlet"),
                    ("/activities", "activities-hamlet"),
                    ("/field", "field-home"),
                ],
            ),
            ("quantri", &[("/server", "server")]),
            (
                "kinhte",
                &[
                    ("/funding", "funding"),
                    ("/funding/payments/2026-11", "funding-list"),
                    ("/funding/setup", "funding-setup"),
                    ("/funding/expenses", "funding-expenses"),
                ],
            ),
            (
                "so",
                &[
                    ("/province", "province"),
                    ("/reports", "reports-province"),
                    ("/areas", "areas-province"),
                ],
            ),
        ];
        for (user, pages) in visits {
            login(&c, &base, user).await;
            for (path, shot) in pages.iter() {
                c.goto(&format!("{base}{path}")).await.unwrap();
                wait_for(&c, Locator::Css("main h1, #field-app h1"))
                    .await
                    .expect(path);
                if *path == "/field" {
                    wait_for(&c, Locator::Css("#households"))
                        .await
                        .expect("the field app's list");
                }
                let bad = overflows(&c).await;
                assert!(bad.is_empty(), "{user} {path} at 360 px: {bad:?}");
                let low: Vec<String> =
                    serde_json::from_value(c.execute(LOW_CONTRAST, vec![]).await.unwrap()).unwrap();
                assert!(
                    low.is_empty(),
                    "{user} {path}: contrast under 4.5:1: {low:?}"
                );
                assert!(page_width(&c).await <= 360, "{user} {path}");
                let (top, hidden) = menu_check(&c).await;
                assert!(
                    top < 100.0,
                    "{user} {path}: header and navigation take {top} px"
                );
                assert!(
                    hidden.is_empty(),
                    "{user} {path}: the menu hides {hidden:?}"
                );
                screenshot(&c, &format!("phone-{shot}")).await;
                if *path == "/field" {
                    field_work_lists_match_the_dashboard(&c, &base).await;
                }
            }
            logout(&c).await;
        }
        // Pages reached from a list: a team, and last month's report of a hamlet (its
        // approve and return buttons at the top).
        login(&c, &base, "vhxh").await;
        c.goto(&format!("{base}/teams")).await.unwrap();
        let team: String = c
            .execute(
                "return document.querySelector('main a[href^=\"/teams/\"]').getAttribute('href')",
                vec![],
            )
            .await
            .unwrap()
            .as_str()
            .unwrap()
            .to_string();
        let today = congdongso::db::today();
        let (y, m): (i32, u32) = (today[..4].parse().unwrap(), today[5..7].parse().unwrap());
        let last = if m == 1 {
            format!("{}-12", y - 1)
        } else {
            format!("{y}-{:02}", m - 1)
        };
        // A resident asks for help through the hamlet's public form, so the queue has a request
        // whose closing form (with its radio buttons) can be measured.
        send_public_request(&c, &base, "rach-kien-ap-03", "Trần Văn Hỏi", "0901234567").await;
        wait_for(&c, Locator::XPath("//h1"))
            .await
            .unwrap();
        c.goto(&format!("{base}/requests")).await.unwrap();
        let request: String = c
            .execute(
                "var a = document.querySelector('main a[href^=\"/requests/\"]'); return a ? a.getAttribute('href') : '/requests'",
                vec![],
            )
            .await
            .unwrap()
            .as_str()
            .unwrap()
            .to_string();
        assert_ne!(request, "/requests", "the demo has help requests to open");
        for (path, shot) in [
            (team, "team".to_string()),
            (
                format!("/reports/rach-kien-ap-03/{last}"),
                "report-hamlet".to_string(),
            ),
            (request, "request".to_string()),
        ] {
            c.goto(&format!("{base}{path}")).await.unwrap();
            wait_for(&c, Locator::Css("main h1"))
                .await
                .expect(&path);
            let bad = overflows(&c).await;
            assert!(bad.is_empty(), "{path} at 360 px: {bad:?}");
            let (top, hidden) = menu_check(&c).await;
            assert!(
                top < 100.0 && hidden.is_empty(),
                "{path}: {top} px, hidden {hidden:?}"
            );
            screenshot(&c, &format!("phone-{shot}")).await;
        }
        logout(&c).await;
    }
    .await;
    c.close().await.ok();
    result
}

/// A server in its own runtime, so stopping it drops every open connection too: from the
/// browser's side the server is gone, as when the phone loses signal.
struct Server {
    stop: Option<std::sync::mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    fn start(db_url: &str, port: u16) -> Server {
        let (stop_tx, stop_rx) = std::sync::mpsc::channel::<()>();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<()>();
        let url = db_url.to_string();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                let db = congdongso::db::Db::connect(&url).await.unwrap();
                let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
                    .await
                    .expect("bind the port again");
                let router = app(db);
                tokio::spawn(async move { axum::serve(listener, router).await.ok() });
            });
            ready_tx.send(()).unwrap();
            let _ = stop_rx.recv();
            rt.shutdown_background();
        });
        ready_rx.recv().expect("server started");
        Server {
            stop: Some(stop_tx),
            thread: Some(thread),
        }
    }

    fn stop(mut self) {
        self.halt();
    }

    fn halt(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.halt();
    }
}

async fn count_synced(db_url: &str) -> (i64, i64) {
    let db = congdongso::db::Db::connect(db_url).await.unwrap();
    let help = db
        .scalar_i64(
            "SELECT COUNT(*) FROM help_records WHERE client_id IS NOT NULL",
            &[],
        )
        .await
        .unwrap();
    let records = db
        .scalar_i64("SELECT COUNT(*) FROM sync_records", &[])
        .await
        .unwrap();
    db.close().await;
    (help, records)
}

#[tokio::test]
async fn records_a_visit_offline_and_sends_it_once_when_the_server_is_back() {
    let Some(driver) = start_driver() else { return };
    let dir = tempfile::tempdir().unwrap().keep();
    let db_url = format!("sqlite://{}/field.db", dir.display());
    demo_db(&db_url).await.close().await;
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let server = Server::start(&db_url, port);
    let c = connect(&driver).await;
    let result = async {
        login(&c, &base, "tovien03").await;
        c.goto(&format!("{base}/field")).await.unwrap();
        wait_for(&c, Locator::Id("tab-all"))
            .await
            .expect("the field app, loaded online")
            .click()
            .await
            .unwrap();
        wait_for(&c, Locator::Css("a.hh"))
            .await
            .expect("the hamlet's households");
        // Wait until the service worker controls the page, so the app opens offline.
        c.execute_async(
            "const done = arguments[0]; navigator.serviceWorker.ready.then(() => { \
               if (navigator.serviceWorker.controller) done(true); \
               else navigator.serviceWorker.addEventListener('controllerchange', () => done(true)); })",
            vec![],
        )
        .await
        .expect("service worker active");
        screenshot(&c, "field-home").await;

        server.stop();
        // Reopen the app with the server unreachable: page from the service worker, data from IndexedDB.
        c.goto(&format!("{base}/field")).await.unwrap();
        wait_for(&c, Locator::XPath(
                "//span[@id='net-status' and contains(., 'Mất kết nối')]",
            ))
            .await
            .expect("the app says it is offline");
        click(&c, "#tab-all").await;
        click(&c, "a.hh").await;
        wait_for(&c, Locator::Css("section.f-res"))
            .await
            .unwrap();
        let rids: Vec<String> = serde_json::from_value(
            c.execute(
                "return Array.from(document.querySelectorAll('section.f-res')).map(s => s.dataset.rid)",
                vec![],
            )
            .await
            .unwrap(),
        )
        .unwrap();
        assert!(rids.len() >= 2, "a household with two residents");
        let rids: Vec<String> = rids.into_iter().take(2).collect();
        for (rid, service) in rids.iter().zip(["vneid", "province_app"]) {
            click(&c, &format!("button.chip[data-rid='{rid}'][data-service='{service}']")).await;
            click(&c, "button[data-act=done]").await;
            wait_for(&c, Locator::Css(&format!(
                    "button.chip[data-rid='{rid}'][data-service='{service}'][data-status='done']"
                )))
                .await
                .expect("the status changes on the phone at once");
        }
        wait_for(&c, Locator::Css("#queue-count[data-pending='2']"))
            .await
            .expect("two records wait on the phone");
        screenshot(&c, "field-offline").await;
        assert_eq!(count_synced(&db_url).await, (0, 0), "nothing reached the server");

        // The server comes back on the same address; the queue empties, each record once.
        let server = Server::start(&db_url, port);
        click(&c, "#sync-now").await;
        wait_for(&c, Locator::Css("#queue-count[data-pending='0']"))
            .await
            .expect("the queue is sent");
        click(&c, "#sync-now").await;
        wait_for(&c, Locator::XPath(
                "//span[@id='net-status' and contains(., 'Đã kết nối')]",
            ))
            .await
            .unwrap();
        assert_eq!(count_synced(&db_url).await, (2, 2), "each record arrived exactly once");
        // The statuses came back from the server as done.
        for (rid, service) in rids.iter().zip(["vneid", "province_app"]) {
            c.find(Locator::Css(&format!(
                "button.chip[data-rid='{rid}'][data-service='{service}'][data-status='done']"
            )))
            .await
            .expect("status done after sync");
        }
        screenshot(&c, "field-synced").await;
        let w = page_width(&c).await;
        assert!(w <= 360, "the field app fits a 360 px screen (is {w} px wide)");
        drop(server);
    }
    .await;
    c.close().await.ok();
    result
}

#[tokio::test]
async fn opens_the_commune_dashboard_and_a_hamlet_work_list_on_a_phone() {
    let Some(driver) = start_driver() else { return };
    let base = serve_demo().await;
    let c = connect(&driver).await;
    let result = async {
        login(&c, &base, "vhxh").await;
        nav_to(&c, "/dashboard").await;
        wait_for(&c, Locator::Css("table#figures"))
            .await
            .expect("the commune dashboard");
        let title = c
            .find(Locator::Css("h1"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(title.starts_with("Xã Rạch Kiến"), "{title}");
        let bars = c.find_all(Locator::Css("#figures progress")).await.unwrap();
        assert_eq!(bars.len(), 28, "one bar per indicator");
        // The chart is drawn by the browser from the server's SVG.
        let chart_width = c
            .execute(
                "return document.querySelector('.chart-box svg').getBoundingClientRect().width",
                vec![],
            )
            .await
            .unwrap()
            .as_f64()
            .unwrap();
        assert!(chart_width > 200.0, "chart width {chart_width}");
        let ranking = c.find_all(Locator::Css("#ranking tbody tr")).await.unwrap();
        assert_eq!(ranking.len(), 17);
        assert!(
            page_width(&c).await <= 360,
            "no sideways scrolling of the page"
        );
        screenshot(&c, "dashboard-commune").await;

        // Another period from the selector.
        c.find(Locator::Css("#period option[value='2026-Q2']"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        click(&c, ".period-form button").await;
        let h1 = wait_for(&c, Locator::XPath("//h1[contains(., 'Quý II/2026')]"))
            .await
            .expect("the quarter's dashboard");
        assert!(h1.text().await.unwrap().contains("Rạch Kiến"));

        // Ấp 3 from the ranking, then its list of adults not yet guided.
        click(&c, "#ranking tr[data-code='rach-kien-ap-03'] a").await;
        wait_for(&c, Locator::Css("ul.worklists"))
            .await
            .expect("the hamlet's page with its work lists");
        screenshot(&c, "dashboard-hamlet").await;
        click(&c, "ul.worklists a[href*='list=unguided']").await;
        let rows = wait_for(&c, Locator::Css("table#worklist"))
            .await
            .expect("the work list")
            .find_all(Locator::Css("tbody tr"))
            .await
            .unwrap();
        assert!(!rows.is_empty(), "someone to visit in the demo");
        let first = rows[0].text().await.unwrap();
        assert!(first.starts_with('1'), "numbered rows: {first}");
        assert!(
            c.find(Locator::Id("download-xlsx")).await.is_ok(),
            "an Excel download"
        );
        assert!(page_width(&c).await <= 360);
        screenshot(&c, "worklist").await;
    }
    .await;
    c.close().await.ok();
    result
}

async fn logout(c: &Client) {
    click(c, "header form[action='/logout'] button").await;
    wait_for(c, Locator::Id("login-form"))
        .await
        .expect("the login page after logging out");
}

#[tokio::test]
async fn a_hamlet_head_submits_the_monthly_report_and_the_commune_approves_it() {
    let Some(driver) = start_driver() else { return };
    // The commune on the 20th of May: the report goes in before its due day.
    let base = serve_on("2026-05-20").await;
    let c = connect(&driver).await;
    let result = async {
        login(&c, &base, "truongap03").await;
        nav_to(&c, "/reports").await;
        click(&c, "#my-reports tr[data-month='2026-05'] a").await;
        wait_for(&c, Locator::Id("report-form"))
            .await
            .expect("the report form");
        c.find(Locator::Css("textarea[name=results]"))
            .await
            .unwrap()
            .send_keys("Ra quân hướng dẫn VNeID, Tây Ninh Smart cho 40 hộ.")
            .await
            .unwrap();
        c.find(Locator::Css("textarea[name=difficulties]"))
            .await
            .unwrap()
            .send_keys("Nhiều người cao tuổi chưa có điện thoại thông minh.")
            .await
            .unwrap();
        assert!(page_width(&c).await <= 360, "no sideways scrolling");
        screenshot(&c, "report-hamlet-draft").await;
        click(&c, "#submit-report").await;
        // The submission asks for confirmation first.
        let text = c.get_alert_text().await.expect("a confirmation");
        assert!(text.contains("Nộp báo cáo tháng 5/2026"), "{text}");
        c.accept_alert().await.unwrap();
        wait_for(&c, Locator::Css("#report-status[data-status='submitted']"))
            .await
            .expect("the report is submitted");
        assert!(
            c.find(Locator::Id("report-form")).await.is_err(),
            "a submitted report can no longer be edited"
        );
        logout(&c).await;

        login(&c, &base, "vhxh").await;
        c.goto(&format!("{base}/reports?month=2026-05"))
            .await
            .unwrap();
        let row = wait_for(
            &c,
            Locator::Css("#hamlet-reports tr[data-hamlet='rach-kien-ap-03']"),
        )
        .await
        .expect("Ấp 3 in the month's list");
        assert!(row.text().await.unwrap().contains("Đã nộp, chờ duyệt"));
        assert!(page_width(&c).await <= 360);
        screenshot(&c, "reports-commune").await;
        click(&c, "#hamlet-reports tr[data-hamlet='rach-kien-ap-03'] a").await;
        let texts = wait_for(&c, Locator::Id("report-texts"))
            .await
            .expect("the head's text")
            .text()
            .await
            .unwrap();
        assert!(texts.contains("Ra quân hướng dẫn VNeID, Tây Ninh Smart cho 40 hộ."));
        click(&c, "#approve-report").await;
        c.accept_alert().await.unwrap();
        wait_for(&c, Locator::Css("#report-status[data-status='approved']"))
            .await
            .expect("the report is approved");
        // The year-end and communications pages on the same phone.
        for (path, table, shot) in [
            ("/year-end?year=2026", "#evaluations", "year-end"),
            (
                "/communications?month=2026-05",
                "#communication-form",
                "communications",
            ),
        ] {
            c.goto(&format!("{base}{path}")).await.unwrap();
            wait_for(&c, Locator::Css(table))
                .await
                .unwrap_or_else(|e| panic!("{path}: {e}"));
            assert!(page_width(&c).await <= 360, "{path} fits the phone");
            screenshot(&c, shot).await;
        }
        logout(&c).await;

        login(&c, &base, "truongap03").await;
        c.goto(&format!("{base}/reports/rach-kien-ap-03/2026-05"))
            .await
            .unwrap();
        let status = wait_for(&c, Locator::Id("report-status"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(status, "Đã duyệt", "the head sees it approved");
        assert!(page_width(&c).await <= 360);
        screenshot(&c, "report-hamlet-approved").await;
    }
    .await;
    c.close().await.ok();
    result
}

#[tokio::test]
async fn the_commune_admin_imports_an_excel_list_on_a_phone() {
    let Some(driver) = start_driver() else {
        return;
    };
    let base = serve_demo().await;
    let c = connect(&driver).await;
    login(&c, &base, "vhxh").await;
    c.goto(&format!("{base}/import")).await.unwrap();
    assert!(page_width(&c).await <= 360, "the import page fits a phone");
    screenshot(&c, "import").await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ap3.csv");
    std::fs::write(
        &file,
        "STT;Họ và tên;Ấp;Ngày sinh;Số CCCD;Số điện thoại;VNeID mức 2\n\
         1;Phan Thị Trình Duyệt;ấp 03;05/06/1991;072191000777;0912.000.333;Có\n\
         2;Phan Văn Sai Số;Ấp 3;1990;0721;;\n\
         3;Mai Văn Mới;3;1975;;01681112233;x\n",
    )
    .unwrap();
    c.find(Locator::Css("#import-residents input[type=file]"))
        .await
        .unwrap()
        .send_keys(file.to_str().unwrap())
        .await
        .unwrap();
    click(&c, "#import-residents button[type=submit]").await;
    let preview = wait_for(&c, Locator::Id("import-preview"))
        .await
        .expect("the preview after reading");
    let text = preview.text().await.unwrap();
    assert!(text.contains("Thêm mới: 2"), "{text}");
    assert!(
        text.contains("Số CCCD") && text.contains("12 chữ số"),
        "{text}"
    );
    assert!(page_width(&c).await <= 360, "the preview fits a phone");
    screenshot(&c, "import-preview").await;
    click(&c, "#import-preview form button[type=submit]").await;
    let question = c.get_alert_text().await.expect("a confirmation");
    assert!(question.contains("2 dòng thêm mới"), "{question}");
    c.accept_alert().await.unwrap();
    let done = wait_for(&c, Locator::Id("import-done"))
        .await
        .expect("the result after writing");
    assert!(done.text().await.unwrap().contains("thêm 2 nhân khẩu"));
    screenshot(&c, "import-done").await;
    c.close().await.unwrap();
}

#[tokio::test]
async fn the_commune_sends_its_report_up_and_the_province_acknowledges_it_on_a_phone() {
    let Some(driver) = start_driver() else { return };
    // December 2nd: November's commune report is written and sent to the Sở.
    let base = serve_on("2026-12-02").await;
    let c = connect(&driver).await;
    let result = async {
        login(&c, &base, "vhxh").await;
        c.goto(&format!("{base}/reports/commune/rach-kien/2026-11"))
            .await
            .unwrap();
        wait_for(&c, Locator::Id("report-form"))
            .await
            .expect("the commune's report form");
        assert!(
            page_width(&c).await <= 360,
            "the commune report fits the phone"
        );
        screenshot(&c, "report-commune-to-province").await;
        click(&c, "#report-form input[name=confirm]").await;
        click(&c, "#submit-report").await;
        let text = c.get_alert_text().await.expect("a confirmation");
        assert!(text.contains("tháng 11/2026"), "{text}");
        c.accept_alert().await.unwrap();
        wait_for(&c, Locator::Css("#report-status[data-status='submitted']"))
            .await
            .expect("the report is sent");
        // The year-end scored sheet on the same phone.
        c.goto(&format!("{base}/year-end?year=2026")).await.unwrap();
        wait_for(&c, Locator::Id("score-sheet"))
            .await
            .expect("the scored sheet");
        assert!(
            page_width(&c).await <= 360,
            "the scored sheet fits the phone"
        );
        // The sheet is below the self-evaluations: show it, not the page's top.
        c.execute(
            "document.getElementById('scores').scrollIntoView({block: 'start', behavior: 'instant'})",
            vec![],
        )
        .await
        .unwrap();
        screenshot(&c, "year-end-scores").await;
        logout(&c).await;

        login(&c, &base, "so").await;
        nav_to(&c, "/reports").await;
        wait_for(&c, Locator::Id("commune-reports"))
            .await
            .expect("the communes' reports");
        assert!(
            page_width(&c).await <= 360,
            "the province's reports fit the phone"
        );
        screenshot(&c, "reports-province").await;
        c.goto(&format!("{base}/reports/commune/rach-kien/2026-11"))
            .await
            .unwrap();
        click(&c, "#acknowledge-report").await;
        c.accept_alert().await.unwrap();
        wait_for(&c, Locator::Css("#report-status[data-status='acknowledged']"))
            .await
            .expect("the Sở acknowledges it");
        assert!(page_width(&c).await <= 360);
        screenshot(&c, "report-commune-acknowledged").await;
    }
    .await;
    c.close().await.ok();
    result
}

/// chromedriver's own command for Chrome DevTools network conditions: a throttled phone line.
#[derive(Debug)]
struct NetworkConditions(serde_json::Value);

impl fantoccini::wd::WebDriverCompatibleCommand for NetworkConditions {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/chromium/network_conditions",
            session_id.unwrap_or_default()
        ))
    }
    fn method_and_body(&self, _: &url::Url) -> (axum::http::Method, Option<String>) {
        (axum::http::Method::POST, Some(self.0.to_string()))
    }
}

/// Bytes on the wire (headers and compressed body) of the requests the page made whose URL
/// contains `part`, from the browser's Resource Timing entries.
async fn wire_bytes(c: &Client, part: &str) -> i64 {
    c.execute(
        "return performance.getEntriesByType('resource') \
           .filter(e => e.name.indexOf(arguments[0]) >= 0) \
           .reduce((n, e) => n + e.transferSize, 0)",
        vec![serde_json::json!(part)],
    )
    .await
    .unwrap()
    .as_i64()
    .unwrap()
}

/// `wire_bytes` once the browser has recorded `count` matching entries (it records an entry
/// when a response ends, which may come just after the script saw the body).
async fn settled_bytes(c: &Client, part: &str, count: i64) -> i64 {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let n = c
            .execute(
                "return performance.getEntriesByType('resource').filter(e => e.name.indexOf(arguments[0]) >= 0).length",
                vec![serde_json::json!(part)],
            )
            .await
            .unwrap()
            .as_i64()
            .unwrap();
        if n >= count {
            return wire_bytes(c, part).await;
        }
        assert!(
            Instant::now() < deadline,
            "{count} requests for {part:?} recorded"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn the_field_app_stays_within_its_budget_on_a_throttled_line() {
    let Some(driver) = start_driver() else { return };
    // A hamlet of 600 households, as the budget is stated for.
    let dir = tempfile::tempdir().unwrap().keep();
    let db = common::migrated(&format!("sqlite://{}/budget.db", dir.display())).await;
    congdongso::demo::seed(
        &db,
        &common::keys(),
        PASSWORD,
        &congdongso::demo::DemoOptions {
            households_per_hamlet: 600,
            seed: 7,
        },
    )
    .await
    .unwrap()
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let router = app(db);
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    let c = connect(&driver).await;
    let result = async {
        login(&c, &base, "tovien03").await;
        // A slow 3G line: 400 ms, 400 kbit/s down, 200 kbit/s up.
        c.issue_cmd(NetworkConditions(serde_json::json!({"network_conditions": {
            "offline": false, "latency": 400,
            "download_throughput": 50_000, "upload_throughput": 25_000
        }})))
        .await
        .expect("chromedriver sets the network conditions");

        // The first load, measured from a page the service worker does not control (so every
        // request goes to the network): the field page, every file the worker keeps, the worker.
        c.goto(&format!("{base}/")).await.unwrap();
        let fetched = c
            .execute_async(
                "const done = arguments[0]; \
                 fetch('/sw.js', {cache: 'no-store'}).then(r => r.text()).then(sw => { \
                   const list = JSON.parse(sw.match(/var ASSETS = (\\[[^\\]]*\\])/)[1].replace(/'/g, '\"')); \
                   performance.clearResourceTimings(); \
                   const all = ['/field', '/sw.js'].concat(list); \
                   return Promise.all(all.map(u => fetch(u, {cache: 'no-store'}).then(r => r.arrayBuffer()))).then(() => all.length); \
                 }).then(done)",
                vec![],
            )
            .await
            .unwrap()
            .as_i64()
            .unwrap();
        assert!(fetched >= 8, "the page, the worker and the files it keeps");
        let first = settled_bytes(&c, "", fetched).await;
        // The hamlet's first snapshot, as the app asks for it.
        let households = c
            .execute_async(
                "const done = arguments[0]; performance.clearResourceTimings(); \
                 fetch('/api/v1/field/data', {cache: 'no-store', headers: {Accept: 'application/json'}}) \
                   .then(r => r.json()).then(d => done(d.households.length))",
                vec![],
            )
            .await
            .unwrap()
            .as_i64()
            .unwrap();
        let snapshot = settled_bytes(&c, "/api/v1/field/data", 1).await;
        assert!(households >= 600, "a 600-household hamlet ({households})");

        // The app itself, loaded on the throttled line, then one help recorded and sent.
        c.goto(&format!("{base}/field")).await.unwrap();
        wait_for(&c, Locator::Css("#households a.hh"))
            .await
            .expect("the field app with the hamlet's households");
        wait_for(&c, Locator::Css("#queue-count[data-pending='0']"))
            .await
            .unwrap();
        click(&c, "#households a.hh").await;
        wait_for(&c, Locator::Css("section.f-res"))
            .await
            .unwrap();
        c.execute("performance.clearResourceTimings()", vec![])
            .await
            .unwrap();
        click(&c, "section.f-res button.chip[data-service='vneid']").await;
        click(&c, "button[data-act=done]").await;
        // Sent, then the changes fetched after it.
        wait_for(&c, Locator::Css("#queue-count[data-pending='0']"))
            .await
            .expect("the help is sent");
        let deadline = Instant::now() + Duration::from_secs(30);
        while wire_bytes(&c, "/api/v1/field/data").await == 0 {
            assert!(Instant::now() < deadline, "the changes are fetched after the sync");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let round_trip = wire_bytes(&c, "/api/v1/").await;
        eprintln!(
            "field budget on a throttled line: first load {first} B, snapshot of {households} households {snapshot} B, help round trip {round_trip} B"
        );
        assert!(first > 0 && first < 60 * 1024, "first load {first} B");
        assert!(snapshot > 0 && snapshot < 120 * 1024, "snapshot {snapshot} B");
        assert!(round_trip > 0 && round_trip < 10 * 1024, "help round trip {round_trip} B");
    }
    .await;
    c.close().await.ok();
    result
}

#[tokio::test]
async fn the_field_app_says_each_state_in_words_and_undoes_a_change() {
    let Some(driver) = start_driver() else { return };
    let base = serve_demo().await;
    let c = connect(&driver).await;
    let result = async {
        login(&c, &base, "truongap03").await;
        c.goto(&format!("{base}/field")).await.unwrap();
        click(&c, "#tab-all").await;
        click(&c, "#households a.hh").await;
        let card = wait_for(&c, Locator::Css("section.f-res"))
            .await
            .unwrap();
        let rid = card.attr("data-rid").await.unwrap().unwrap();
        // A chip names its state, not only by colour.
        let service = c
            .find(Locator::Css(&format!(
                "button.chip[data-rid='{rid}'][data-status='none']"
            )))
            .await
            .expect("a service not yet started")
            .attr("data-service")
            .await
            .unwrap()
            .unwrap();
        let chip = format!("button.chip[data-rid='{rid}'][data-service='{service}']");
        click(&c, &chip).await;
        click(&c, "button[data-act=progress]").await;
        wait_for(&c, Locator::Css(&format!("{chip}[data-status='in_progress']")))
            .await
            .expect("the status changes at once");
        // Read in one go: a sync answer may redraw the list in between.
        let (text, said): (String, String) = serde_json::from_value(
            c.execute(
                "const el = document.querySelector(arguments[0]); return [el.textContent, el.getAttribute('aria-label')]",
                vec![serde_json::json!(chip)],
            )
            .await
            .unwrap(),
        )
        .unwrap();
        assert!(text.starts_with('◐'), "{text}");
        assert!(said.ends_with(": đang hướng dẫn"), "{said}");
        wait_for(&c, Locator::Css("#queue-count[data-pending='0']"))
            .await
            .expect("the help is sent");
        // The smartphone toggle can be undone within a few seconds, and then nothing is sent.
        let before: serde_json::Value = c
            .execute_async(
                "const done = arguments[1]; fetch('/api/v1/residents/' + arguments[0]).then(r => r.json()).then(done)",
                vec![serde_json::json!(rid)],
            )
            .await
            .unwrap();
        let toggle = format!("section.f-res[data-rid='{rid}'] button[data-act=smartphone]");
        let text_of = |css: String| {
            let c = c.clone();
            async move {
                c.execute(
                    "return document.querySelector(arguments[0]).textContent",
                    vec![serde_json::json!(css)],
                )
                .await
                .unwrap()
                .as_str()
                .unwrap()
                .to_string()
            }
        };
        let label = text_of(toggle.clone()).await;
        click(&c, &toggle).await;
        wait_for(&c, Locator::Css("#queue-count[data-pending='1']"))
            .await
            .unwrap();
        click(&c, "#undo").await;
        wait_for(&c, Locator::Css("#queue-count[data-pending='0']"))
            .await
            .expect("the change is gone from the queue");
        let now = text_of(toggle.clone()).await;
        assert_eq!(now, label, "the phone shows the value as it was");
        let after: serde_json::Value = c
            .execute_async(
                "const done = arguments[1]; fetch('/api/v1/residents/' + arguments[0]).then(r => r.json()).then(done)",
                vec![serde_json::json!(rid)],
            )
            .await
            .unwrap();
        assert_eq!(after["has_smartphone"], before["has_smartphone"]);
        assert_eq!(after["version"], before["version"], "nothing reached the server");

        // A finger on a button: an answer from the server arriving meanwhile does not redraw
        // it (nor move the page); the redraw waits until the finger is lifted.
        let refreshed = |c: Client| async move {
            c.execute(
                "return Number(document.getElementById('field-app').getAttribute('data-refreshed') || 0)",
                vec![],
            )
            .await
            .unwrap()
            .as_i64()
            .unwrap()
        };
        let before_answer = refreshed(c.clone()).await;
        c.execute(
            "window.held = document.querySelector(arguments[0]); \
             window.heldY = window.scrollY; \
             window.held.dispatchEvent(new PointerEvent('pointerdown', {bubbles: true})); \
             document.getElementById('sync-now').click();",
            vec![serde_json::json!(toggle)],
        )
        .await
        .unwrap();
        // The app has taken the server's answer in (and asked for a redraw).
        let deadline = Instant::now() + Duration::from_secs(20);
        while refreshed(c.clone()).await <= before_answer {
            assert!(Instant::now() < deadline, "the app takes in an answer");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let kept = c
            .execute("return window.held.isConnected && window.scrollY === window.heldY", vec![])
            .await
            .unwrap();
        assert_eq!(kept, serde_json::json!(true), "the touched button stays in place");
        c.execute(
            "window.held.dispatchEvent(new PointerEvent('pointerup', {bubbles: true}))",
            vec![],
        )
        .await
        .unwrap();
        // Once the finger is up, the view catches up.
        let deadline = Instant::now() + Duration::from_secs(10);
        while c
            .execute("return window.held.isConnected", vec![])
            .await
            .unwrap()
            == serde_json::json!(true)
        {
            assert!(Instant::now() < deadline, "the deferred redraw happens");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        screenshot(&c, "field-household").await;
    }
    .await;
    c.close().await.ok();
    result
}

/// A hamlet whose hour is busier than usual: its public form asks a small sum, which fits a
/// 360 px phone, and answered, the request is sent.
#[tokio::test]
async fn a_busy_hamlet_asks_a_question_that_fits_a_phone() {
    let Some(driver) = start_driver() else { return };
    let dir = tempfile::tempdir().unwrap().keep();
    let db = demo_db(&format!("sqlite://{}/busy.db", dir.display())).await;
    common::busy_hour(
        &db,
        "rach-kien-ap-05",
        congdongso::web::PUBLIC_REQUESTS_USUAL_PER_HOUR,
    )
    .await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let router = app(db);
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    let c = connect(&driver).await;
    let result = async {
        send_public_request(&c, &base, "rach-kien-ap-05", "Lê Thị Bận", "0912345678").await;
        wait_for(&c, Locator::Css("input[name=q_answer]"))
            .await
            .expect("the question is asked");
        let bad = overflows(&c).await;
        assert!(bad.is_empty(), "the question at 360 px: {bad:?}");
        screenshot(&c, "phone-request-question").await;
        let sum: i64 = c
            .execute(
                "return Number(document.querySelector('input[name=q_a]').value) + \
                 Number(document.querySelector('input[name=q_b]').value)",
                vec![],
            )
            .await
            .unwrap()
            .as_i64()
            .unwrap();
        c.find(Locator::Css("input[name=q_answer]"))
            .await
            .unwrap()
            .send_keys(&sum.to_string())
            .await
            .unwrap();
        click(&c, "main form button[type=submit]").await;
        wait_for(&c, Locator::XPath("//h1[contains(., 'Đã gửi')]"))
            .await
            .expect("sent once answered");
    }
    .await;
    c.close().await.ok();
    result
}

#[tokio::test]
async fn the_commune_admin_makes_a_member_account_and_the_member_sets_a_password_on_a_phone() {
    let Some(driver) = start_driver() else { return };
    let base = serve_demo().await;
    let c = connect(&driver).await;
    let result = async {
        login(&c, &base, "vhxh").await;
        c.goto(&format!("{base}/teams")).await.unwrap();
        click(&c, "#teams tbody tr:nth-child(4) a").await;
        wait_for(&c, Locator::Css("#members .make-account"))
            .await
            .expect("a member's line offers an account");
        let bad = overflows(&c).await;
        assert!(bad.is_empty(), "the team page at 360 px: {bad:?}");
        click(&c, "#members .make-account").await;
        let question = c.get_alert_text().await.expect("a confirmation");
        assert!(question.contains("Tạo tài khoản"), "{question}");
        c.accept_alert().await.unwrap();
        let password = wait_for(&c, Locator::Id("temporary-password"))
            .await
            .expect("the one-time password is shown")
            .text()
            .await
            .unwrap();
        let username = c
            .find(Locator::Id("new-username"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let bad = overflows(&c).await;
        assert!(bad.is_empty(), "the one-time password at 360 px: {bad:?}");
        screenshot(&c, "phone-account-created").await;
        nav_to(&c, "/accounts").await;
        wait_for(
            &c,
            Locator::Css(&format!("#accounts tr[data-username='{username}']")),
        )
        .await
        .expect("the new account is listed");
        let bad = overflows(&c).await;
        assert!(bad.is_empty(), "the accounts page at 360 px: {bad:?}");
        screenshot(&c, "phone-accounts").await;
        logout(&c).await;

        // The member, on a phone: the one-time password leads to the change form only.
        c.goto(&format!("{base}/login")).await.unwrap();
        for (id, value) in [
            ("username", username.as_str()),
            ("password", password.as_str()),
        ] {
            c.find(Locator::Id(id))
                .await
                .unwrap()
                .send_keys(value)
                .await
                .unwrap();
        }
        click(&c, "#login-form button[type=submit]").await;
        wait_for(&c, Locator::Id("password-form"))
            .await
            .expect("the change form comes first");
        assert!(c.find(Locator::Id("forced")).await.is_ok());
        let bad = overflows(&c).await;
        assert!(bad.is_empty(), "the password form at 360 px: {bad:?}");
        screenshot(&c, "phone-password-change").await;
        c.goto(&format!("{base}/residents")).await.unwrap();
        wait_for(&c, Locator::Id("password-form"))
            .await
            .expect("other pages lead back to the change form");
        let new = "mùa nước nổi về đồng";
        for (name, value) in [
            ("current_password", password.as_str()),
            ("new_password", new),
            ("repeat_password", new),
        ] {
            c.find(Locator::Css(&format!("input[name={name}]")))
                .await
                .unwrap()
                .send_keys(value)
                .await
                .unwrap();
        }
        click(&c, "#password-form button[type=submit]").await;
        wait_for(&c, Locator::Css("nav.nav"))
            .await
            .expect("the day's work after the change");
        c.goto(&format!("{base}/field")).await.unwrap();
        wait_for(&c, Locator::Css("#households"))
            .await
            .expect("the field app opens with the new password");
        c.goto(&format!("{base}/account")).await.unwrap();
        wait_for(&c, Locator::Id("sessions"))
            .await
            .expect("own sessions");
        let bad = overflows(&c).await;
        assert!(bad.is_empty(), "the own account page at 360 px: {bad:?}");
        screenshot(&c, "phone-my-account").await;
    }
    .await;
    c.close().await.ok();
    result
}

/// The "?" of three pages, as three roles use them, opens the user guide at the page's own
/// chapter; the guide fits a phone and its pictures are the screenshots the tests take.
#[tokio::test]
async fn the_question_mark_opens_the_guide_at_the_pages_chapter() {
    let Some(driver) = start_driver() else { return };
    let base = serve_demo().await;
    let c = connect(&driver).await;
    let result = async {
        for (user, page, ready, chapter) in [
            ("vhxh", "/plan", "main h1", "ke-hoach"),
            ("truongap03", "/reports", "main h1", "truong-ap"),
            ("tovien03", "/field", "#households", "tinh-nguyen-vien"),
        ] {
            login(&c, &base, user).await;
            c.goto(&format!("{base}{page}")).await.unwrap();
            wait_for(&c, Locator::Css(ready)).await.expect(page);
            click(&c, "#help-link").await;
            wait_for(&c, Locator::Css(".guide"))
                .await
                .expect("the guide");
            let url = c.current_url().await.unwrap();
            assert_eq!(url.path(), "/huong-dan", "{user} {page}");
            assert_eq!(url.fragment(), Some(chapter), "{user} {page}");
            // The chapter's heading is on screen, at the top.
            let top: f64 = serde_json::from_value(
                c.execute(
                    "return document.getElementById(arguments[0]).getBoundingClientRect().top",
                    vec![serde_json::json!(chapter)],
                )
                .await
                .unwrap(),
            )
            .unwrap();
            assert!(
                (-2.0..200.0).contains(&top),
                "{user} {page}: chapter at {top}"
            );
            let bad = overflows(&c).await;
            assert!(bad.is_empty(), "the guide at 360 px: {bad:?}");
            if user == "vhxh" {
                // Every picture of the guide loaded.
                let broken: Vec<String> = serde_json::from_value(
                    c.execute(
                        "return [...document.querySelectorAll('.guide img')].map(i => { \
                           i.loading = 'eager'; return i; }).filter(i => i.complete && \
                           i.naturalWidth === 0).map(i => i.getAttribute('src'))",
                        vec![],
                    )
                    .await
                    .unwrap(),
                )
                .unwrap();
                assert!(broken.is_empty(), "pictures that did not load: {broken:?}");
                screenshot(&c, "phone-guide").await;
            }
            c.goto(&format!("{base}/")).await.unwrap();
            logout(&c).await;
        }
    }
    .await;
    c.close().await.ok();
    result
}

#[tokio::test]
async fn finance_prepares_the_month_the_leader_approves_and_finance_pays_on_a_phone() {
    let Some(driver) = start_driver() else { return };
    // The commune on 20 November: the month's list is a draft waiting for approval.
    let base = serve_on("2026-11-20").await;
    let c = connect(&driver).await;
    let result = async {
        login(&c, &base, "kinhte").await;
        nav_to(&c, "/funding").await;
        wait_for(&c, Locator::Css("#budget"))
            .await
            .expect("the budget per source");
        c.goto(&format!("{base}/funding/payments/2026-11"))
            .await
            .unwrap();
        click(&c, "#prepare").await;
        let text = c.get_alert_text().await.expect("a confirmation");
        assert!(text.contains("Lập lại danh sách"), "{text}");
        c.accept_alert().await.unwrap();
        wait_for(&c, Locator::Css("#list-status[data-status='draft']"))
            .await
            .expect("the draft, prepared again");
        assert!(page_width(&c).await <= 360, "the list fits the phone");
        logout(&c).await;

        login(&c, &base, "chutich").await;
        c.goto(&format!("{base}/funding/payments/2026-11"))
            .await
            .unwrap();
        wait_for(&c, Locator::Id("approve-form"))
            .await
            .expect("the leader's approve button");
        if c.find(Locator::Css("input[name=overrun_ok]")).await.is_ok() {
            click(&c, "input[name=overrun_ok]").await;
        }
        click(&c, "#approve").await;
        let text = c.get_alert_text().await.expect("a confirmation");
        assert!(text.contains("Duyệt danh sách chi tháng 11/2026"), "{text}");
        c.accept_alert().await.unwrap();
        wait_for(&c, Locator::Css("#list-status[data-status='approved']"))
            .await
            .expect("approved");
        assert!(
            c.find(Locator::Id("approve-form")).await.is_err(),
            "an approved list is approved once"
        );
        logout(&c).await;

        login(&c, &base, "kinhte").await;
        c.goto(&format!("{base}/funding/payments/2026-11"))
            .await
            .unwrap();
        wait_for(&c, Locator::Css("#paid-form input[name=voucher_no]"))
            .await
            .unwrap()
            .send_keys("UNC-11/2026")
            .await
            .unwrap();
        click(&c, "#mark-paid").await;
        let text = c.get_alert_text().await.expect("a confirmation");
        assert!(text.contains("không hoàn tác"), "{text}");
        c.accept_alert().await.unwrap();
        let status = wait_for(&c, Locator::Css("#list-status[data-status='paid']"))
            .await
            .expect("paid")
            .text()
            .await
            .unwrap();
        assert!(status.contains("UNC-11/2026"), "{status}");
        assert!(page_width(&c).await <= 360);
        screenshot(&c, "phone-funding-paid").await;
        // The signature list prints: its PDF comes from the page's link.
        let head = c
            .execute(
                "return fetch(document.querySelector('#list-files a[href$=\"format=pdf\"]').href)\
                 .then(r => r.arrayBuffer()).then(b => Array.from(new Uint8Array(b).slice(0, 5)))",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(head, serde_json::json!([37, 80, 68, 70, 45]), "a PDF");
    }
    .await;
    c.close().await.ok();
    result
}

#[tokio::test]
async fn offline_a_volunteer_opens_the_vneid_guide_and_records_a_business_and_its_shop() {
    let Some(driver) = start_driver() else { return };
    let dir = tempfile::tempdir().unwrap().keep();
    let db_url = format!("sqlite://{}/guides.db", dir.display());
    demo_db(&db_url).await.close().await;
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let server = Server::start(&db_url, port);
    let c = connect(&driver).await;
    let result = async {
        login(&c, &base, "tovien03").await;
        c.goto(&format!("{base}/field")).await.unwrap();
        click(&c, "#tab-all").await;
        wait_for(&c, Locator::Css("a.hh"))
            .await
            .expect("the hamlet's households");
        // The guides and their pictures are on the phone once the app says so.
        wait_for(&c, Locator::Css("#field-app[data-guides]"))
            .await
            .expect("guides stored on the phone");
        c.execute_async(
            "const done = arguments[0]; navigator.serviceWorker.ready.then(() => { \
               if (navigator.serviceWorker.controller) done(true); \
               else navigator.serviceWorker.addEventListener('controllerchange', () => done(true)); })",
            vec![],
        )
        .await
        .expect("service worker active");

        server.stop();
        c.goto(&format!("{base}/field")).await.unwrap();
        wait_for(&c, Locator::XPath(
                "//span[@id='net-status' and contains(., 'Mất kết nối')]",
            ))
            .await
            .expect("the app says it is offline");
        click(&c, "#tab-all").await;
        click(&c, "a.hh").await;
        wait_for(&c, Locator::Css("section.f-res")).await.unwrap();
        let rid: String = serde_json::from_value(
            c.execute("return document.querySelector('section.f-res').dataset.rid", vec![])
                .await
                .unwrap(),
        )
        .unwrap();
        click(&c, &format!("button.chip[data-rid='{rid}'][data-service='vneid']")).await;
        click(&c, "a[data-act=guide]").await;
        wait_for(&c, Locator::XPath(
                "//article[contains(@class,'f-guide')]/h1[contains(., 'VNeID mức 2')]",
            ))
            .await
            .expect("the VNeID guide, offline");
        // Its pictures come from the copy on the phone: drawn, with no server to ask.
        let drawn: serde_json::Value = c
            .execute_async(
                "const done = arguments[0]; const t0 = Date.now(); (function check() { \
                   const imgs = Array.from(document.querySelectorAll('article.f-guide img.step-picture')); \
                   const ok = imgs.length > 0 && imgs.every(i => i.complete && i.naturalWidth > 0); \
                   if (ok || Date.now() - t0 > 10000) done([imgs.length, ok]); else setTimeout(check, 100); })()",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(drawn, serde_json::json!([5, true]), "the five steps' pictures");
        assert!(
            c.source().await.unwrap().contains("Mẫu — cần kiểm tra lại trước khi dùng"),
            "the starter is marked a sample"
        );
        // The guides' list searches on the phone, without diacritics.
        c.goto(&format!("{base}/field#/guides")).await.unwrap();
        wait_for(&c, Locator::Id("gq"))
            .await
            .unwrap()
            .send_keys("nhom zalo")
            .await
            .unwrap();
        let shown: Vec<String> = serde_json::from_value(
            c.execute(
                "return Array.from(document.querySelectorAll('#guide-list a')).map(a => a.textContent)",
                vec![],
            )
            .await
            .unwrap(),
        )
        .unwrap();
        assert_eq!(shown, ["Tham gia nhóm Zalo của ấp"], "offline search");
        c.back().await.unwrap();
        wait_for(&c, Locator::Css("article.f-guide")).await.unwrap();
        screenshot(&c, "phone-field-guide").await;
        let w = page_width(&c).await;
        assert!(w <= 360, "the guide fits a 360 px screen (is {w} px wide)");

        // Still offline: a new business of the hamlet, then its shop on voso.vn.
        c.goto(&format!("{base}/field#/businesses")).await.unwrap();
        click(&c, "#new-business-link").await;
        let form = wait_for(&c, Locator::Id("new-business")).await.unwrap();
        form.find(Locator::Css("input[name=name]"))
            .await
            .unwrap()
            .send_keys("Cơ sở bánh tráng Út Hiền")
            .await
            .unwrap();
        form.find(Locator::Css("input[name=products]"))
            .await
            .unwrap()
            .send_keys("Bánh tráng phơi sương")
            .await
            .unwrap();
        click(&c, "#new-business button[type=submit]").await;
        let shop = wait_for(&c, Locator::Id("shop-form")).await.expect("the new business's steps");
        shop.find(Locator::Css("select[name=platform] option[value=voso]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        shop.find(Locator::Css("input[name=link]"))
            .await
            .unwrap()
            .send_keys("https://voso.vn/shop/banh-trang-ut-hien")
            .await
            .unwrap();
        click(&c, "#shop-form button[type=submit]").await;
        wait_for(&c, Locator::Css("li[data-step=ecommerce][data-done=true]"))
            .await
            .expect("the shop shows on the phone at once");
        wait_for(&c, Locator::Css("#queue-count[data-pending='2']"))
            .await
            .expect("two records wait on the phone");
        screenshot(&c, "phone-field-business").await;
        let db = congdongso::db::Db::connect(&db_url).await.unwrap();
        let named = "SELECT COUNT(*) FROM businesses WHERE name = 'Cơ sở bánh tráng Út Hiền'";
        assert_eq!(db.scalar_i64(named, &[]).await.unwrap(), 0, "nothing reached the server");

        // Back online: both arrive, once.
        let server = Server::start(&db_url, port);
        click(&c, "#sync-now").await;
        wait_for(&c, Locator::Css("#queue-count[data-pending='0']"))
            .await
            .expect("the queue is sent");
        click(&c, "#sync-now").await;
        wait_for(&c, Locator::XPath(
                "//span[@id='net-status' and contains(., 'Đã kết nối')]",
            ))
            .await
            .unwrap();
        assert_eq!(db.scalar_i64(named, &[]).await.unwrap(), 1, "the business, once");
        let shop = "SELECT COUNT(*) FROM businesses WHERE name = 'Cơ sở bánh tráng Út Hiền' \
                    AND ecommerce_on IS NOT NULL AND platform = 'voso' \
                    AND shop_url = 'https://voso.vn/shop/banh-trang-ut-hien'";
        assert_eq!(db.scalar_i64(shop, &[]).await.unwrap(), 1, "its shop");
        let kinds = "SELECT COUNT(*) FROM sync_records WHERE kind IN ('business_new', 'business_update')";
        assert_eq!(db.scalar_i64(kinds, &[]).await.unwrap(), 2, "each record once");
        db.close().await;
        drop(server);
    }
    .await;
    c.close().await.ok();
    result
}
