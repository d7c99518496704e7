//! The user guide: public, one chapter per role, each picture one of the screenshots the
//! browser tests take, and every page's "?" pointing at its own chapter.

mod common;
use axum::http::StatusCode;
use common::{Client, app, backends, demo_db};

const CHAPTERS: &[&str] = &[
    "bat-dau",
    "tinh-nguyen-vien",
    "truong-ap",
    "bang-chi-tieu",
    "ke-hoach",
    "bao-cao",
    "nhap-excel",
    "quan-tri",
    "tap-huan",
    "cam-nang",
    "kinh-phi",
    "tinh",
];

#[tokio::test]
async fn the_guide_has_every_chapter_and_each_page_points_at_its_own() {
    // Pages and static text only: the database does not matter here.
    let url = backends().await.remove(0);
    let app = app(demo_db(&url).await);

    // Readable before logging in.
    let mut anyone = Client::new(app.clone());
    let guide = anyone.get("/huong-dan").await;
    assert_eq!(guide.status, StatusCode::OK);
    for id in CHAPTERS {
        assert!(guide.body.contains(&format!("id=\"{id}\"")), "chapter {id}");
        assert!(
            guide.body.contains(&format!("href=\"#{id}\"")),
            "contents: {id}"
        );
    }
    // Every picture is served, and is a screenshot from docs/screenshots.
    let pictures: Vec<&str> = guide
        .body
        .split("src=\"/huong-dan/anh/")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .collect();
    assert!(pictures.len() >= 15, "{pictures:?}");
    for p in &pictures {
        let r = anyone.get(&format!("/huong-dan/anh/{p}")).await;
        assert_eq!(r.status, StatusCode::OK, "{p}");
        let on_disk = std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("docs/screenshots")
                .join(p),
        )
        .unwrap();
        assert!(r.bytes.starts_with(b"\x89PNG"), "{p}");
        assert_eq!(
            r.bytes.len(),
            on_disk.len(),
            "{p}: the screenshot as the tests took it"
        );
    }
    // Nothing else of the folder or beyond.
    for bad in ["..%2FCargo.toml", "phone-residents.png", "nope.png"] {
        assert_eq!(
            anyone.get(&format!("/huong-dan/anh/{bad}")).await.status,
            StatusCode::NOT_FOUND,
            "{bad}"
        );
    }

    // Each page's "?" opens its own chapter.
    for (user, page, chapter) in [
        ("vhxh", "/plan", "ke-hoach"),
        ("vhxh", "/dashboard", "bang-chi-tieu"),
        ("vhxh", "/reports", "bao-cao"),
        ("vhxh", "/import", "nhap-excel"),
        ("vhxh", "/settings", "quan-tri"),
        ("truongap03", "/reports", "truong-ap"),
        ("tovien03", "/field", "tinh-nguyen-vien"),
        ("so", "/province", "tinh"),
        ("kinhte", "/funding", "kinh-phi"),
        ("vhxh", "/trainings", "tap-huan"),
        ("tovien03", "/guides", "cam-nang"),
        ("vhxh", "/guides", "cam-nang"),
        ("chutich", "/funding/setup", "kinh-phi"),
    ] {
        let mut c = Client::login(app.clone(), user).await;
        let r = c.get(page).await;
        assert_eq!(r.status, StatusCode::OK, "{user} {page}");
        assert!(
            r.body.contains(&format!("href=\"/huong-dan#{chapter}\"")),
            "{user} {page}: the ? should open #{chapter}"
        );
    }
}
