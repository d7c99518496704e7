//! The OpenAPI document against the server: every documented operation answers, every API
//! route in the code is documented, and the new lists keep to the caller's scope.

mod common;
use axum::http::StatusCode;
use common::{Client, app, backends, demo_db, first_resident_of};
use serde_json::Value;

/// The `/api/v1/…` routes the code registers, read from the router's source.
fn routes_in_code() -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/web");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap_or_default();
        for part in text.split(".route(").skip(1) {
            // `.route("/x", …)` or, formatted over lines, `.route(\n "/x",`.
            let Some(quoted) = part.trim_start().strip_prefix('"') else {
                continue;
            };
            let route = quoted.split('"').next().unwrap();
            if route.starts_with("/api/") {
                out.push(route.to_string());
            }
        }
    }
    out.sort();
    out
}

/// The part of JSON Schema the document uses: `$ref`, `type` (one or several), `enum`,
/// `properties`, `required` and `items`.
fn conforms(v: &Value, schema: &Value, doc: &Value, at: &str) -> Result<(), String> {
    if let Some(r) = schema["$ref"].as_str() {
        let target = r
            .trim_start_matches("#/")
            .split('/')
            .fold(doc, |node, key| &node[key]);
        return conforms(v, target, doc, at);
    }
    let kind = |t: &str| match t {
        "null" => v.is_null(),
        "boolean" => v.is_boolean(),
        "integer" => v.is_i64() || v.is_u64(),
        "number" => v.is_number(),
        "string" => v.is_string(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        _ => false,
    };
    let ok = match &schema["type"] {
        Value::String(t) => kind(t),
        Value::Array(ts) => ts.iter().any(|t| t.as_str().is_some_and(kind)),
        _ => true,
    };
    if !ok {
        return Err(format!("{at}: {v} is not of type {}", schema["type"]));
    }
    if let Some(allowed) = schema["enum"].as_array()
        && !allowed.contains(v)
    {
        return Err(format!("{at}: {v} is not one of {allowed:?}"));
    }
    if let Some(obj) = v.as_object() {
        for key in schema["required"].as_array().into_iter().flatten() {
            let key = key.as_str().unwrap_or_default();
            if !obj.contains_key(key) {
                return Err(format!("{at}: missing \"{key}\""));
            }
        }
        if let Some(props) = schema["properties"].as_object() {
            for (k, sub) in props {
                if let Some(x) = obj.get(k) {
                    conforms(x, sub, doc, &format!("{at}.{k}"))?;
                }
            }
        }
    }
    if let (Some(items), Some(arr)) = (schema.get("items"), v.as_array()) {
        for (i, x) in arr.iter().enumerate() {
            conforms(x, items, doc, &format!("{at}[{i}]"))?;
        }
    }
    Ok(())
}

#[test]
fn the_schema_check_catches_a_wrong_body() {
    let doc = serde_json::json!({"components": {"schemas": {"P": {"type": "object", "required": ["id"],
        "properties": {"id": {"type": "integer"}, "name": {"type": ["string", "null"]}}}}}});
    let schema = serde_json::json!({"type": "array", "items": {"$ref": "#/components/schemas/P"}});
    assert!(
        conforms(
            &serde_json::json!([{"id": 1, "name": null}]),
            &schema,
            &doc,
            "$"
        )
        .is_ok()
    );
    assert!(conforms(&serde_json::json!([{"name": "a"}]), &schema, &doc, "$").is_err());
    assert!(conforms(&serde_json::json!([{"id": "1"}]), &schema, &doc, "$").is_err());
    assert!(conforms(&serde_json::json!({"id": 1}), &schema, &doc, "$").is_err());
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
    let code = routes_in_code();
    assert!(code.len() >= 17, "{code:?}");
    for route in &code {
        assert!(paths.contains_key(route), "{route} is documented");
    }
    for p in paths.keys() {
        assert!(code.contains(p), "{p} exists in the code");
    }

    let resident = first_resident_of(&app, "rach-kien-ap-03").await;
    let mut vhxh = Client::login(app.clone(), "vhxh").await;
    // The field app's data and sync are for hamlet teams.
    let mut field = Client::login(app.clone(), "truongap03").await;
    for (p, ops) in paths {
        let concrete = p
            .replace("{id}", &resident.to_string())
            .replace("{hamlet}", "rach-kien-ap-03")
            .replace("{month}", "2026-05");
        for method in ops.as_object().unwrap().keys() {
            let r = match (method.as_str(), p.as_str()) {
                ("get", "/api/v1/field/data") => field.get(&concrete).await,
                ("get", _) => vhxh.get(&concrete).await,
                ("post", "/api/v1/sync") => {
                    field
                        .post_json(
                            &concrete,
                            &serde_json::json!({"device_id": "t", "records": []}),
                        )
                        .await
                }
                ("post", "/api/v1/login") => {
                    let mut c = Client::new(app.clone());
                    c.api_login("vhxh", common::PASSWORD).await
                }
                ("post", "/api/v1/imports/residents") => {
                    let csv = "Họ và tên,Ấp\nNgười Thử,Ấp 3\n".as_bytes().to_vec();
                    vhxh.post_bytes(&format!("{concrete}?name=a.csv&dry_run=true"), csv)
                        .await
                }
                ("post", "/api/v1/imports/members") => {
                    let csv = "Họ và tên,Ấp\nNgười Thử,Ấp 3\n".as_bytes().to_vec();
                    vhxh.post_bytes(&format!("{concrete}?name=a.csv&dry_run=true"), csv)
                        .await
                }
                ("post", "/api/v1/logout") => {
                    let mut c = Client::login(app.clone(), "kinhte").await;
                    c.post_json(&concrete, &serde_json::json!({})).await
                }
                other => panic!("undocumented test for {other:?}"),
            };
            assert_eq!(r.status, StatusCode::OK, "{method} {concrete}: {}", r.body);
            // The body has the shape the document gives it.
            let schema = &ops[method]["responses"]["200"]["content"]["application/json"]["schema"];
            if !schema.is_null()
                && let Err(e) = conforms(&r.json(), schema, &doc, "$")
            {
                panic!("{method} {p}: the response does not match its schema: {e}");
            }
        }
    }

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
    assert_eq!(report["status"], "none");
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
