//! Every role sees and changes only what its area allows, in pages and in the API alike.

mod common;
use axum::http::StatusCode;
use common::{Client, app, backends, demo_db, first_resident_of};

async fn hamlet_scoping(url: String) {
    let app = app(demo_db(&url).await);
    let ap5 = first_resident_of(&app, "rach-kien-ap-05").await;
    let ap3 = first_resident_of(&app, "rach-kien-ap-03").await;
    for user in ["truongap03", "tovien03"] {
        let mut c = Client::login(app.clone(), user).await;
        // API: only Ấp 3 in lists, 404 for a resident of Ấp 5.
        let list = c.get("/api/v1/residents?per_page=500").await;
        assert_eq!(list.status, StatusCode::OK);
        let items = list.json()["items"].as_array().unwrap().clone();
        assert!(!items.is_empty());
        assert!(
            items.iter().all(|r| r["hamlet_name"] == "Ấp 3"),
            "{user} sees only Ấp 3"
        );
        assert_eq!(
            c.get(&format!("/api/v1/residents/{ap3}")).await.status,
            StatusCode::OK
        );
        assert_eq!(
            c.get(&format!("/api/v1/residents/{ap5}")).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            c.get("/api/v1/residents?area=rach-kien-ap-05").await.status,
            StatusCode::NOT_FOUND
        );
        // Pages alike.
        assert_eq!(
            c.get(&format!("/residents/{ap3}")).await.status,
            StatusCode::OK
        );
        assert_eq!(
            c.get(&format!("/residents/{ap5}")).await.status,
            StatusCode::NOT_FOUND
        );
        let page = c.get("/residents").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            !page.body.contains("Ấp 5<"),
            "{user}'s list shows no Ấp 5 resident"
        );
        // Areas: only their own hamlet.
        let areas = c.get("/api/v1/areas").await.json();
        let codes: Vec<&str> = areas
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["code"].as_str().unwrap())
            .collect();
        assert_eq!(codes, vec!["rach-kien-ap-03"]);
    }
    // The hamlet head edits Ấp 3's residents, not Ấp 5's; a team member edits neither.
    let mut head = Client::login(app.clone(), "truongap03").await;
    let edit = [("full_name", "Nguyễn Thị Thử"), ("status", "living")];
    assert_eq!(
        head.post_form(&format!("/residents/{ap3}"), &edit)
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        head.post_form(&format!("/residents/{ap5}"), &edit)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let mut member = Client::login(app.clone(), "tovien03").await;
    assert_eq!(
        member
            .post_form(&format!("/residents/{ap3}"), &edit)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // ... but records a service status in their hamlet.
    let svc = [("service", "vneid"), ("status", "done"), ("date", "")];
    assert_eq!(
        member
            .post_form(&format!("/residents/{ap3}/services"), &svc)
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        member
            .post_form(&format!("/residents/{ap5}/services"), &svc)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn hamlet_roles_see_and_change_only_their_hamlet() {
    for url in backends().await {
        hamlet_scoping(url).await;
    }
}

async fn commune_scoping(url: String) {
    let app = app(demo_db(&url).await);
    let ap5 = first_resident_of(&app, "rach-kien-ap-05").await;
    let mut admin = Client::login(app.clone(), "vhxh").await;
    let all = admin.get("/api/v1/residents?per_page=1").await.json();
    let total = all["total"].as_i64().unwrap();
    let ap3 = admin
        .get("/api/v1/residents?area=rach-kien-ap-03&per_page=1")
        .await
        .json();
    assert!(
        total > ap3["total"].as_i64().unwrap(),
        "the commune admin sees every hamlet"
    );
    assert_eq!(
        admin.get(&format!("/api/v1/residents/{ap5}")).await.status,
        StatusCode::OK
    );
    let areas = admin.get("/api/v1/areas").await.json();
    assert_eq!(
        areas.as_array().unwrap().len(),
        18,
        "the commune and its 17 hamlets"
    );
    let edit = [("full_name", "Trần Văn Sửa"), ("status", "living")];
    assert_eq!(
        admin
            .post_form(&format!("/residents/{ap5}"), &edit)
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let page = admin.get("/areas").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Ấp 17"));

    // The leader reads everything in the commune but edits nothing.
    let mut leader = Client::login(app.clone(), "chutich").await;
    assert_eq!(
        leader.get("/api/v1/residents?per_page=1").await.json()["total"],
        total
    );
    assert_eq!(
        leader.get(&format!("/residents/{ap5}")).await.status,
        StatusCode::OK
    );
    assert_eq!(
        leader
            .post_form(&format!("/residents/{ap5}"), &edit)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        leader
            .post_form("/areas", &[("name", "Ấp 18"), ("code", "rach-kien-ap-18")])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn commune_roles_see_the_whole_commune() {
    for url in backends().await {
        commune_scoping(url).await;
    }
}

async fn no_personal_data(url: String) {
    let app = app(demo_db(&url).await);
    let ap3 = first_resident_of(&app, "rach-kien-ap-03").await;
    let mut admin = Client::login(app.clone(), "vhxh").await;
    let name = admin.get(&format!("/api/v1/residents/{ap3}")).await.json()["full_name"]
        .as_str()
        .unwrap()
        .to_string();
    for user in ["so", "kinhte", "quantri"] {
        let mut c = Client::login(app.clone(), user).await;
        assert_eq!(
            c.get("/api/v1/residents").await.status,
            StatusCode::FORBIDDEN,
            "{user}"
        );
        assert_eq!(
            c.get(&format!("/api/v1/residents/{ap3}")).await.status,
            StatusCode::FORBIDDEN,
            "{user}"
        );
        for page in ["/residents", "/households", "/teams"] {
            assert_eq!(
                c.get(page).await.status,
                StatusCode::FORBIDDEN,
                "{user} {page}"
            );
        }
        assert_eq!(
            c.get(&format!("/residents/{ap3}")).await.status,
            StatusCode::FORBIDDEN
        );
        for page in ["/", "/areas"] {
            let r = c.get(page).await;
            assert_eq!(r.status, StatusCode::OK, "{user} {page}");
            assert!(
                !r.body.contains(&name),
                "{user} sees no resident name on {page}"
            );
            assert!(
                !r.body.contains("/residents/"),
                "{user} gets no link to a resident"
            );
        }
    }
    // The province viewer still sees every area's aggregates.
    let mut so = Client::login(app.clone(), "so").await;
    let areas = so.get("/api/v1/areas").await.json();
    assert_eq!(
        areas.as_array().unwrap().len(),
        19,
        "province, commune and 17 hamlets"
    );
    let areas_page = so.get("/areas").await;
    assert!(areas_page.body.contains("Ấp 3") && areas_page.body.contains("nhân khẩu"));
}

#[tokio::test]
async fn province_finance_and_operator_see_no_personal_data() {
    for url in backends().await {
        no_personal_data(url).await;
    }
}

async fn anonymous(url: String) {
    let app = app(demo_db(&url).await);
    let mut c = Client::new(app);
    assert_eq!(
        c.get("/api/v1/residents").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        c.get("/api/v1/areas").await.status,
        StatusCode::UNAUTHORIZED
    );
    let page = c.get("/residents").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.headers["location"], "/login");
    let health = c.get("/healthz").await;
    assert_eq!(
        (health.status, health.body.as_str()),
        (StatusCode::OK, "ok")
    );
}

#[tokio::test]
async fn anonymous_callers_get_nothing_but_login_and_health() {
    for url in backends().await {
        anonymous(url).await;
    }
}
