//! The generated OpenAPI document against the server: every API route is documented, every
//! documented operation answers as its schema says (checked by the `jsonschema` validator),
//! every error is `{"error": …}` with a status the document lists, and the lists keep to the
//! caller's scope. On SQLite and PostgreSQL.

mod common;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{Client, Resp, app, backends, demo_db, first_resident_of};
use serde_json::{Value, json};

/// The schema at `schema` (which may `$ref` the document's components), as a validator.
fn validator(doc: &Value, schema: &Value) -> jsonschema::Validator {
    let root = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "components": doc["components"],
        "allOf": [schema],
    });
    jsonschema::draft202012::new(&root)
        .unwrap_or_else(|e| panic!("the document's schema {schema} compiles: {e}"))
}

/// Fails with every place the body breaks the schema the document gives the answer.
fn check_answer(doc: &Value, method: &str, path: &str, r: &Resp) {
    let status = r.status.as_u16().to_string();
    let response = &doc["paths"][path][method]["responses"][&status];
    assert!(
        response.is_object(),
        "{method} {path}: status {status} is documented ({})",
        r.body
    );
    let schema = &response["content"]["application/json"]["schema"];
    assert!(
        schema.is_object(),
        "{method} {path} {status}: the document gives the answer a JSON schema"
    );
    let body = r.json();
    let errors: Vec<String> = validator(doc, schema)
        .iter_errors(&body)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{method} {path} {status}: the answer does not match its schema: {errors:#?}"
    );
}

#[test]
fn the_validator_catches_a_wrong_body() {
    let doc = json!({"components": {"schemas": {"P": {"type": "object", "required": ["id"],
        "properties": {"id": {"type": "integer"}, "name": {"type": ["string", "null"]}}}}}});
    let schema = json!({"type": "array", "items": {"$ref": "#/components/schemas/P"}});
    let v = validator(&doc, &schema);
    assert!(v.is_valid(&json!([{"id": 1, "name": null}])));
    assert!(!v.is_valid(&json!([{"name": "a"}])));
    assert!(!v.is_valid(&json!([{"id": "1"}])));
    assert!(!v.is_valid(&json!({"id": 1})));
}

/// Every API route goes through `utoipa_axum::routes!`, which documents it: a plain
/// `.route("/api/…")` would serve an operation the document does not describe.
#[test]
fn no_api_route_bypasses_the_document() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/web");
    let mut stack = vec![dir];
    let mut found = Vec::new();
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let text = std::fs::read_to_string(&p).unwrap_or_default();
            for part in text.split(".route(").skip(1) {
                if part.trim_start().starts_with("\"/api/") {
                    found.push(format!("{}: {}", p.display(), &part[..part.len().min(60)]));
                }
            }
        }
    }
    assert!(found.is_empty(), "undocumented API routes: {found:#?}");
    assert!(
        !std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("src/web/openapi.json")
            .exists(),
        "the document is generated, not written by hand"
    );
}

async fn send(c: &mut Client, method: &str, path: &str, body: Body, content: &str) -> Resp {
    let csrf = c.csrf.clone().unwrap_or_default();
    c.send(
        Request::builder()
            .method(method)
            .uri(path)
            .header(header::CONTENT_TYPE, content)
            .header("x-csrf-token", csrf)
            .body(body)
            .unwrap(),
    )
    .await
}

async fn documented(url: String) {
    let db = demo_db(&url).await;
    let app = app(db.clone());
    let mut anon = Client::new(app.clone());
    let r = anon.get("/api/v1/openapi.json").await;
    assert_eq!(r.status, StatusCode::OK);
    let doc: Value = r.json();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.len() >= 20, "{:?}", paths.keys());
    // OpenAPI asks every operationId to be unique (handlers of two modules may share a name).
    let mut ids = std::collections::HashSet::new();
    for ops in paths.values() {
        for op in ops.as_object().unwrap().values() {
            if let Some(id) = op["operationId"].as_str() {
                assert!(ids.insert(id.to_string()), "operationId {id} used twice");
            }
        }
    }

    let resident = first_resident_of(&app, "rach-kien-ap-03").await;
    let mut vhxh = Client::login(app.clone(), "vhxh").await;
    // The field app's data and sync are for hamlet teams.
    let mut field = Client::login(app.clone(), "truongap03").await;
    let account = |username: &'static str| {
        let db = db.clone();
        async move {
            let (id,): (i64,) = db
                .fetch_one(
                    "SELECT id FROM accounts WHERE username = $1",
                    &[username.into()],
                )
                .await
                .unwrap();
            id
        }
    };
    let mut operations = 0;
    for (p, ops) in paths {
        let concrete = p
            .replace("{id}", &resident.to_string())
            .replace("{hamlet}", "rach-kien-ap-03")
            .replace("{month}", "2026-05");
        for method in ops.as_object().unwrap().keys() {
            operations += 1;
            let r = match (method.as_str(), p.as_str()) {
                ("get", "/api/v1/field/data") => field.get(&concrete).await,
                ("get", "/api/v1/funding/payments") => {
                    vhxh.get(&format!("{concrete}?month=2026-05")).await
                }
                ("post", "/api/v1/funding/payments/{month}/prepare") => {
                    let mut finance = Client::login(app.clone(), "kinhte").await;
                    finance
                        .post_json("/api/v1/funding/payments/2025-08/prepare", &json!({}))
                        .await
                }
                ("post", "/api/v1/funding/payments/{month}/approve") => {
                    let mut finance = Client::login(app.clone(), "kinhte").await;
                    let r = finance
                        .post_json("/api/v1/funding/payments/2025-09/prepare", &json!({}))
                        .await;
                    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
                    let mut leader = Client::login(app.clone(), "chutich").await;
                    leader
                        .post_json(
                            "/api/v1/funding/payments/2025-09/approve",
                            &json!({"overrun_ok": true}),
                        )
                        .await
                }
                ("post", "/api/v1/funding/payments/{month}/paid") => {
                    let mut finance = Client::login(app.clone(), "kinhte").await;
                    finance
                        .post_json("/api/v1/funding/payments/2025-10/prepare", &json!({}))
                        .await;
                    let mut leader = Client::login(app.clone(), "chutich").await;
                    let r = leader
                        .post_json("/api/v1/funding/payments/2025-10/approve", &json!({}))
                        .await;
                    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
                    let body = json!({"paid_on": "2025-11-10", "method": "transfer",
                        "voucher_no": "UNC-10/2025"});
                    finance
                        .post_json("/api/v1/funding/payments/2025-10/paid", &body)
                        .await
                }
                ("post", "/api/v1/funding/payments/{month}/adjustments") => {
                    let mut finance = Client::login(app.clone(), "kinhte").await;
                    finance
                        .post_json("/api/v1/funding/payments/2025-11/prepare", &json!({}))
                        .await;
                    let team = db
                        .scalar_i64("SELECT MIN(id) FROM teams", &[])
                        .await
                        .unwrap();
                    let source = db
                        .scalar_i64("SELECT MIN(id) FROM funding_sources", &[])
                        .await
                        .unwrap();
                    let body = json!({"team_id": team, "source_id": source, "amount": -50000,
                        "for_month": "2025-10", "reason": "Thu hồi khoản chi trùng"});
                    finance
                        .post_json("/api/v1/funding/payments/2025-11/adjustments", &body)
                        .await
                }
                ("post", "/api/v1/trainings") => {
                    let topic = db
                        .scalar_i64("SELECT MIN(id) FROM training_topics", &[])
                        .await
                        .unwrap();
                    let member = db
                        .scalar_i64("SELECT MIN(id) FROM members WHERE active = 1", &[])
                        .await
                        .unwrap();
                    let body = json!({"topic_id": topic, "date": "2026-05-06",
                        "organiser": "telecom", "organiser_name": "VNPT", "method": "hands_on",
                        "present": [member]});
                    vhxh.post_json(&concrete, &body).await
                }
                ("post", "/api/v1/funding/sources") => {
                    let mut finance = Client::login(app.clone(), "kinhte").await;
                    let body = json!({"kind": "other", "name": "Tài trợ của doanh nghiệp viễn thông",
                        "allotted": 5000000});
                    finance.post_json(&concrete, &body).await
                }
                ("post", "/api/v1/funding/rates") => {
                    let mut finance = Client::login(app.clone(), "kinhte").await;
                    let source = db
                        .scalar_i64("SELECT MIN(id) FROM funding_sources", &[])
                        .await
                        .unwrap();
                    let body = json!({"source_id": source, "kind": "member_month",
                        "amount": 50000, "from_month": "2027-01"});
                    finance.post_json(&concrete, &body).await
                }
                ("post", "/api/v1/funding/expenses") => {
                    let mut finance = Client::login(app.clone(), "kinhte").await;
                    let source = db
                        .scalar_i64("SELECT MIN(id) FROM funding_sources", &[])
                        .await
                        .unwrap();
                    let body = json!({"source_id": source, "spent_on": "2026-11-03",
                        "kind": "stationery", "amount": 450000,
                        "description": "Sổ ghi chép cho các tổ", "voucher_no": "PC-99"});
                    finance.post_json(&concrete, &body).await
                }
                ("get", _) => vhxh.get(&concrete).await,
                ("post", "/api/v1/sync") => {
                    // One good record and one malformed: each is answered on its own.
                    let records = json!({"device_id": "t", "records": [
                        {"id": "9b2d6f7e-0000-4000-8000-000000000001", "type": "help",
                         "resident_id": resident, "service": "vneid", "done": false,
                         "date": "2026-05-02"},
                        {"id": "9b2d6f7e-0000-4000-8000-000000000002", "type": "nothing"},
                    ]});
                    let r = field.post_json(&concrete, &records).await;
                    let results = r.json()["results"].as_array().unwrap().clone();
                    assert_eq!(results.len(), 2, "{}", r.body);
                    assert_eq!(results[1]["status"], "rejected");
                    r
                }
                ("post", "/api/v1/login") => {
                    let mut c = Client::new(app.clone());
                    c.api_login("vhxh", common::PASSWORD).await
                }
                ("post", "/api/v1/imports/residents" | "/api/v1/imports/members") => {
                    let csv = "Họ và tên,Ấp\nNgười Thử,Ấp 3\n".as_bytes().to_vec();
                    vhxh.post_bytes(&format!("{concrete}?name=a.csv&dry_run=true"), csv)
                        .await
                }
                ("post", "/api/v1/logout") => {
                    let mut c = Client::login(app.clone(), "kinhte").await;
                    c.post_json(&concrete, &json!({})).await
                }
                ("post", "/api/v1/accounts") => {
                    let body = json!({"username": "ketoan.moi", "full_name": "Kế toán mới",
                        "role": "finance", "area": "rach-kien", "member_id": null});
                    vhxh.post_json(&concrete, &body).await
                }
                ("post", "/api/v1/accounts/{id}") => {
                    let id = account("truongap05").await;
                    let body = json!({"full_name": "Trưởng ấp Năm", "role": "hamlet_head",
                        "area": "rach-kien-ap-05"});
                    vhxh.post_json(&format!("/api/v1/accounts/{id}"), &body)
                        .await
                }
                ("post", "/api/v1/accounts/{id}/reset-password") => {
                    let id = account("truongap06").await;
                    vhxh.post_json(&format!("/api/v1/accounts/{id}/reset-password"), &json!({}))
                        .await
                }
                ("post", "/api/v1/accounts/{id}/active") => {
                    let id = account("truongap07").await;
                    vhxh.post_json(
                        &format!("/api/v1/accounts/{id}/active"),
                        &json!({"active": false}),
                    )
                    .await
                }
                ("post", "/api/v1/me/password") => {
                    let mut c = Client::login(app.clone(), "chutich").await;
                    let body = json!({"current_password": common::PASSWORD,
                        "new_password": "cánh đồng lúa Rạch Kiến"});
                    c.post_json(&concrete, &body).await
                }
                other => panic!("no call written for the documented operation {other:?}"),
            };
            let created = [
                "/api/v1/accounts",
                "/api/v1/funding/payments/{month}/adjustments",
                "/api/v1/funding/sources",
                "/api/v1/funding/rates",
                "/api/v1/funding/expenses",
                "/api/v1/trainings",
            ];
            let expected = if method == "post" && created.contains(&p.as_str()) {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            assert_eq!(r.status, expected, "{method} {concrete}: {}", r.body);
            if p != "/api/v1/openapi.json" {
                check_answer(&doc, method, p, &r);
            }
        }
    }
    assert!(operations >= 20);

    // A household never visited has `last_visit: null`, as documented.
    let new_household = json!({"device_id": "t", "records": [
        {"id": "9b2d6f7e-0000-4000-8000-000000000003", "type": "household_new",
         "address": "Tổ 9, Ấp 3"},
    ]});
    let r = field.post_json("/api/v1/sync", &new_household).await;
    assert_eq!(r.json()["results"][0]["status"], "applied", "{}", r.body);
    let r = field.get("/api/v1/field/data").await;
    check_answer(&doc, "get", "/api/v1/field/data", &r);
    let data = r.json();
    assert!(
        data["households"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["last_visit"].is_null()),
        "the new household, not yet visited"
    );

    // Errors: JSON with a Vietnamese message and a status the document lists.
    let errors: Vec<(&str, &str, String, StatusCode)> = vec![
        (
            "get",
            "/api/v1/residents/{id}",
            "/api/v1/residents/1e3".into(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "get",
            "/api/v1/residents/{id}",
            "/api/v1/residents/999999999".into(),
            StatusCode::NOT_FOUND,
        ),
        (
            "get",
            "/api/v1/residents",
            "/api/v1/residents?page=-1".into(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "get",
            "/api/v1/residents",
            "/api/v1/residents?per_page=-5".into(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "get",
            "/api/v1/residents",
            "/api/v1/residents?per_page=501".into(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "get",
            "/api/v1/households",
            "/api/v1/households?page=0".into(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "get",
            "/api/v1/households",
            "/api/v1/households?page=abc".into(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "get",
            "/api/v1/help",
            "/api/v1/help?per_page=0".into(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "get",
            "/api/v1/help",
            "/api/v1/help?month=2026-13".into(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "get",
            "/api/v1/indicators",
            "/api/v1/indicators?area=khong-co".into(),
            StatusCode::NOT_FOUND,
        ),
        (
            "get",
            "/api/v1/field/data",
            "/api/v1/field/data".into(),
            StatusCode::FORBIDDEN,
        ),
    ];
    for (method, documented_path, concrete, status) in errors {
        let r = vhxh.get(&concrete).await;
        assert_eq!(r.status, status, "{concrete}: {}", r.body);
        check_answer(&doc, method, documented_path, &r);
        let message = r.json()["error"].as_str().unwrap().to_string();
        assert!(
            !message.contains("Invalid") && !message.contains("Failed"),
            "{concrete}: a Vietnamese message, not axum's: {message}"
        );
    }
    let r = anon.get("/api/v1/residents").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    check_answer(&doc, "get", "/api/v1/residents", &r);

    // A body over the limit is a documented 413, in JSON.
    let big = vec![b'a'; (64 << 20) + 1];
    let r = send(
        &mut vhxh,
        "POST",
        "/api/v1/imports/residents?name=a.csv&dry_run=true",
        Body::from(big),
        "application/octet-stream",
    )
    .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body);
    check_answer(&doc, "post", "/api/v1/imports/residents", &r);
    let big = format!(
        "{{\"device_id\": \"t\", \"records\": [], \"pad\": \"{}\"}}",
        "a".repeat(3 << 20)
    );
    let r = send(
        &mut field,
        "POST",
        "/api/v1/sync",
        Body::from(big),
        "application/json",
    )
    .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body);
    check_answer(&doc, "post", "/api/v1/sync", &r);

    // What no handler answers is JSON too: an unknown route, a method not allowed; the
    // security headers stay. Pages keep their HTML error page.
    for (method, path, status) in [
        ("GET", "/api/v1/khong-co", StatusCode::NOT_FOUND),
        ("DELETE", "/api/v1/me", StatusCode::METHOD_NOT_ALLOWED),
    ] {
        let r = send(&mut vhxh, method, path, Body::empty(), "application/json").await;
        assert_eq!(r.status, status, "{method} {path}");
        assert_eq!(r.headers[header::CONTENT_TYPE], "application/json");
        assert_eq!(r.headers[header::X_FRAME_OPTIONS], "DENY");
        assert!(
            r.json()["error"].as_str().is_some_and(|m| !m.is_empty()),
            "{method} {path}: {}",
            r.body
        );
    }
    let page = vhxh.get("/khong-co").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(
        page.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html"),
        "a page's 404 stays a page"
    );
    // A bad token is a documented 401, even where no account is needed.
    for path in ["/api/v1/residents", "/api/v1/openapi.json"] {
        let r = anon
            .send(
                Request::get(path)
                    .header(header::AUTHORIZATION, "Bearer cds_khong-hop-le")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{path}");
        check_answer(&doc, "get", path, &r);
    }
    // A sync that is not JSON, and a page past the last, are documented errors.
    let r = send(
        &mut field,
        "POST",
        "/api/v1/sync",
        Body::from("x"),
        "text/plain",
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    check_answer(&doc, "post", "/api/v1/sync", &r);
    let r = vhxh.get("/api/v1/residents?page=1000001").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    check_answer(&doc, "get", "/api/v1/residents", &r);

    // Assigned households are keyed by id in JSON (a string key), as documented.
    let on = vhxh
        .post_form("/settings/assignment", &[("enabled", "on")])
        .await;
    assert_eq!(on.status, StatusCode::SEE_OTHER, "{}", on.body);
    let household = data["households"][0]["id"].as_i64().unwrap();
    let (member_id,): (i64,) = db
        .fetch_one(
            "SELECT member_id FROM accounts WHERE username = 'tovien03'",
            &[],
        )
        .await
        .unwrap();
    let assigned = field
        .post_form(
            "/assignments",
            &[
                ("member_id", &member_id.to_string()),
                ("household", &household.to_string()),
            ],
        )
        .await;
    assert_eq!(assigned.status, StatusCode::SEE_OTHER, "{}", assigned.body);
    let r = field.get("/api/v1/field/data").await;
    assert_eq!(
        r.json()["assigned"][household.to_string()].as_i64(),
        Some(member_id)
    );
    check_answer(&doc, "get", "/api/v1/field/data", &r);

    // The lists keep to the caller's area and rights.
    let mut head = Client::login(app.clone(), "truongap03").await;
    let teams = head.get("/api/v1/teams").await.json();
    assert_eq!(teams.as_array().unwrap().len(), 1, "the head's own team");
    let help = head.get("/api/v1/help?month=2026-05").await.json();
    assert!(
        help.as_array()
            .unwrap()
            .iter()
            .all(|h| h["resident_name"].is_string()),
        "help records with the resident"
    );
    // Paged, newest first, the pages together the whole month.
    let all = vhxh.get("/api/v1/help?month=2026-05").await.json();
    let all = all.as_array().unwrap().clone();
    assert!(all.len() >= 3, "the demo has help records in May");
    let mut paged = Vec::new();
    for page in 1.. {
        let part = vhxh
            .get(&format!(
                "/api/v1/help?month=2026-05&per_page=2&page={page}"
            ))
            .await
            .json();
        let part = part.as_array().unwrap().clone();
        if part.is_empty() {
            break;
        }
        assert!(part.len() <= 2);
        paged.extend(part);
    }
    assert_eq!(paged, all);
    let hh = head.get("/api/v1/households?per_page=500").await.json();
    let in_hamlet = db
        .scalar_i64(
            "SELECT COUNT(*) FROM households h JOIN areas a ON a.id = h.hamlet_id \
             WHERE a.code = 'rach-kien-ap-03' AND h.active = 1",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(hh["total"].as_i64(), Some(in_hamlet));
    assert_eq!(
        head.get("/api/v1/reports/rach-kien-ap-01/2026-05")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let report = head
        .get("/api/v1/reports/rach-kien-ap-03/2026-05")
        .await
        .json();
    // The demo's May report of Ấp 3 was approved: its figures are the frozen ones.
    assert_eq!(report["status"], "approved");
    assert!(report["figures"]["indicators"].as_array().unwrap().len() > 20);
    let mut so = Client::login(app.clone(), "so").await;
    assert_eq!(
        so.get("/api/v1/members").await.status,
        StatusCode::FORBIDDEN
    );
    let province = so.get("/api/v1/reports?area=rach-kien&month=2026-05").await;
    assert_eq!(
        province.status,
        StatusCode::OK,
        "aggregates for the province"
    );
    assert_eq!(province.json()["expected"], 17);
}

#[tokio::test]
async fn the_openapi_document_matches_the_server() {
    for url in backends().await {
        documented(url).await;
    }
}
