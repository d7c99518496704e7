//! The data layer on both databases: migrations from empty, search folding, Vietnamese order.

mod common;
use axum::http::StatusCode;
use common::{Client, app, backends, demo_db, keys, migrated};
use congdongso::auth::PersonalScope;
use congdongso::db::residents::{self, ListFilter, ResidentEdit};
use congdongso::db::{areas, households};

async fn migrations(url: String) {
    let db = congdongso::db::Db::connect(&url).await.unwrap();
    assert_eq!(
        db.migrate().await.unwrap(),
        24,
        "every migration runs on an empty database"
    );
    assert_eq!(db.migrate().await.unwrap(), 0, "and only once");
    assert_eq!(db.schema_version().await.unwrap(), 24);
    let services = congdongso::db::services::active(&db).await.unwrap();
    assert_eq!(services.len(), 12);
    assert_eq!(services[0].code, "vneid");
    for table in [
        "areas",
        "teams",
        "members",
        "households",
        "residents",
        "resident_services",
        "service_status_history",
        "help_records",
        "activities",
        "accounts",
        "sessions",
        "audit_log",
        "monthly_reports",
        "award_nominations",
        "communications",
        "api_tokens",
        "commune_reports",
    ] {
        let n = db
            .scalar_i64(&format!("SELECT COUNT(*) FROM {table}"), &[])
            .await
            .unwrap();
        assert_eq!(n, 0, "{table} exists and is empty");
    }
}

#[tokio::test]
async fn migrations_run_from_empty() {
    for url in backends().await {
        migrations(url).await;
    }
}

/// A commune with one hamlet and one household holding the given names.
async fn with_names(url: &str, names: &[&str]) -> (congdongso::db::Db, PersonalScope) {
    let db = migrated(url).await;
    let mut tx = db.pool.begin().await.unwrap();
    let p = areas::insert(&mut tx, "p", "Tỉnh", "province", None, 0)
        .await
        .unwrap();
    let province = areas::Area {
        id: p,
        code: "p".into(),
        name: "Tỉnh".into(),
        level: "province".into(),
        parent_id: None,
        commune_id: None,
        sort_order: 0,
        active: 1,
    };
    let c = areas::insert(&mut tx, "c", "Xã", "commune", Some(&province), 0)
        .await
        .unwrap();
    let commune = areas::Area {
        id: c,
        code: "c".into(),
        name: "Xã".into(),
        level: "commune".into(),
        parent_id: Some(p),
        commune_id: Some(c),
        sort_order: 0,
        active: 1,
    };
    let h = areas::insert(&mut tx, "c-ap-1", "Ấp 1", "hamlet", Some(&commune), 1)
        .await
        .unwrap();
    let hh = households::insert(
        &mut tx,
        c,
        &households::HouseholdEdit {
            hamlet_id: h,
            code: "H1".into(),
            address: None,
            head_name: None,
        },
    )
    .await
    .unwrap();
    for n in names {
        let e = ResidentEdit {
            household_id: hh,
            full_name: congdongso::text::clean(n),
            status: "living".into(),
            ..Default::default()
        };
        residents::insert(&mut tx, &keys(), c, h, &e).await.unwrap();
    }
    tx.commit().await.unwrap();
    (
        db,
        PersonalScope {
            commune_id: c,
            hamlet_id: None,
            assigned_to: None,
            consented_only: false,
        },
    )
}

async fn search(url: String) {
    use unicode_normalization::UnicodeNormalization;
    let nfd: String = "Nguyễn Văn Đức".nfd().collect();
    let (db, scope) = with_names(
        &url,
        &[
            "Nguyễn Văn Đức",
            "Nguyễn Văn Dực",
            "Nguyễn Văn Hùng",
            "Trần Đức Anh",
            &nfd,
            "Lê Thị 100%_x",
        ],
    )
    .await;
    let find = |q: &'static str| {
        let db = db.clone();
        async move {
            let lf = ListFilter {
                q,
                ..Default::default()
            };
            residents::list(&db, scope, &lf, 1, 50)
                .await
                .unwrap()
                .items
                .into_iter()
                .map(|r| r.full_name)
                .collect::<Vec<_>>()
        }
    };
    let hits = find("nguyen van duc").await;
    assert_eq!(hits.len(), 3, "ignores diacritics and đ/d: {hits:?}");
    assert!(
        hits.iter().filter(|n| *n == "Nguyễn Văn Đức").count() == 2,
        "NFD input was stored as NFC"
    );
    assert_eq!(find("NGUYỄN VĂN ĐỨC").await.len(), 3, "ignores case");
    assert_eq!(find("duc").await.len(), 4, "a word anywhere in the name");
    assert_eq!(find("đức  nguyễn").await.len(), 3, "words in any order");
    assert_eq!(find("hung").await, vec!["Nguyễn Văn Hùng"]);
    assert_eq!(
        find("100%").await,
        vec!["Lê Thị 100%_x"],
        "% is a literal, not a wildcard"
    );
    assert!(find("1%0").await.is_empty());
    assert!(find("xyz").await.is_empty());
}

#[tokio::test]
async fn search_ignores_case_and_diacritics_including_d() {
    for url in backends().await {
        search(url).await;
    }
}

async fn order(url: String) {
    let expected = [
        "Trần Thị An",
        "Lê Văn Ăn",
        "Phạm Thị Ân",
        "Nguyễn Văn Bình",
        "Võ Thị Dung",
        "Bùi Văn Đào",
        "Lê Minh Hùng",
        "Nguyễn Văn Hùng",
        "Trần Văn Hùng",
        "Hồ Thị On",
        "Hồ Thị Ôn",
        "Hồ Thị Ơn",
        "Lý Văn Uy",
        "Lý Văn Ưng",
    ];
    let mut shuffled = expected.to_vec();
    shuffled.reverse();
    shuffled.swap(0, 5);
    let (db, scope) = with_names(&url, &shuffled).await;
    let page = residents::list(&db, scope, &ListFilter::default(), 1, 50)
        .await
        .unwrap();
    let got: Vec<String> = page.items.into_iter().map(|r| r.full_name).collect();
    assert_eq!(got, expected, "given name first, Vietnamese letter order");
    // Paging keeps the order.
    let p2 = residents::list(&db, scope, &ListFilter::default(), 2, 5)
        .await
        .unwrap();
    assert_eq!(p2.total, expected.len() as i64);
    let names: Vec<String> = p2.items.into_iter().map(|r| r.full_name).collect();
    assert_eq!(names, expected[5..10]);
}

#[tokio::test]
async fn residents_sort_the_vietnamese_way() {
    for url in backends().await {
        order(url).await;
    }
}

async fn demo_search(url: String) {
    let app = app(demo_db(&url).await);
    let mut c = Client::login(app, "vhxh").await;
    let r = c.get("/api/v1/residents?q=nguyen%20van%20duc").await;
    assert_eq!(r.status, StatusCode::OK);
    let items = r.json()["items"].as_array().unwrap().clone();
    assert!(items.iter().any(|i| i["full_name"] == "Nguyễn Văn Đức"));
    let page = c.get("/residents?q=nguyen+van+duc").await;
    assert!(page.body.contains("Nguyễn Văn Đức"));
    assert!(page.body.contains("class=\"pager\""));
}

#[tokio::test]
async fn demo_search_finds_nguyen_van_duc() {
    for url in backends().await {
        demo_search(url).await;
    }
}

/// A loaded demo leaves the planner informed: statistics describe the tables as loaded.
#[tokio::test]
async fn the_demo_leaves_planner_statistics() {
    for url in backends().await {
        let db = demo_db(&url).await;
        let rows = db
            .scalar_i64("SELECT COUNT(*) FROM residents", &[])
            .await
            .unwrap();
        let planned = common::planner_rows(&db, "residents").await;
        assert_eq!(planned, rows, "{url}");
    }
}

async fn parent_table(conn: &mut sqlx::AnyConnection) {
    congdongso::db::query("CREATE TEMPORARY TABLE pipe_parent (id BIGINT PRIMARY KEY, v TEXT)")
        .execute(&mut *conn)
        .await
        .unwrap();
}

/// `batch::pipeline` writes every pushed row in the order pushed (a later statement may rely on
/// an earlier one), and when the database refuses a statement the caller gets the database's
/// error, not the producer's "writer stopped", and nothing waits forever on a full queue.
async fn pipelined_rows(url: String) {
    use congdongso::db::batch::{Rows, pipeline};
    use congdongso::error::AppError;
    let db = migrated(&url).await;
    let mut tx = db.begin_write().await.unwrap();
    let conn: &mut sqlx::AnyConnection = &mut tx;
    parent_table(conn).await;
    congdongso::db::query(
        "CREATE TEMPORARY TABLE pipe_child (id BIGINT PRIMARY KEY, \
         parent BIGINT NOT NULL REFERENCES pipe_parent(id))",
    )
    .execute(&mut *conn)
    .await
    .unwrap();
    let n = pipeline(conn, async |q| {
        let mut parents = Rows::new("pipe_parent", "id, v");
        let mut children = Rows::new("pipe_child", "id, parent");
        for i in 1..=1001i64 {
            q.push(&mut parents, vec![i.into(), format!("hàng {i}").into()])
                .await?;
        }
        q.finish(&mut parents).await?;
        // Each child names a parent written by an earlier statement.
        for i in 1..=1001i64 {
            q.push(&mut children, vec![i.into(), (1002 - i).into()])
                .await?;
        }
        q.finish(&mut children).await?;
        Ok(1001)
    })
    .await
    .unwrap();
    assert_eq!(n, 1001);
    let (count, last): (i64, String) = congdongso::db::query_as(
        "SELECT (SELECT COUNT(*) FROM pipe_child), (SELECT v FROM pipe_parent WHERE id = 1001)",
    )
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    assert_eq!((count, last.as_str()), (1001, "hàng 1001"));
    drop(tx);

    // A duplicate key in the first statement; the producer goes on pushing thousands of rows.
    let mut tx = db.begin_write().await.unwrap();
    let conn: &mut sqlx::AnyConnection = &mut tx;
    parent_table(conn).await;
    let err = pipeline(conn, async |q| {
        let mut parents = Rows::new("pipe_parent", "id, v");
        q.push(&mut parents, vec![1i64.into(), "a".into()]).await?;
        for i in 1..=20_000i64 {
            q.push(&mut parents, vec![i.into(), "b".into()]).await?;
        }
        q.finish(&mut parents).await?;
        Ok(())
    })
    .await
    .unwrap_err();
    assert!(
        matches!(err, AppError::Db(_)),
        "the database's refusal is reported: {err:?}"
    );
}

#[tokio::test]
async fn pipelined_rows_are_written_in_order_and_errors_reach_the_caller() {
    for url in backends().await {
        pipelined_rows(url).await;
    }
}

/// The error a statement gave, if it is a broken reference.
fn broke_reference(r: Result<sqlx::any::AnyQueryResult, sqlx::Error>) -> bool {
    matches!(r, Err(sqlx::Error::Database(d))
        if d.kind() == sqlx::error::ErrorKind::ForeignKeyViolation)
}

/// A status history row names a stored resident and a service status a known service, on both
/// databases (PostgreSQL checks these two per statement, migration 0022, SQLite per row): a
/// statement naming anything else is refused whole, and a resident still named by history
/// cannot be removed.
async fn references(url: String) {
    use congdongso::db::query;
    let db = migrated(&url).await;
    congdongso::demo::seed(
        &db,
        &keys(),
        "tham chiếu",
        &congdongso::demo::DemoOptions {
            households_per_hamlet: 1,
            seed: 3,
        },
    )
    .await
    .unwrap()
    .unwrap();
    let (resident, missing): (i64, i64) =
        congdongso::db::query_as("SELECT MIN(id), MAX(id) + 1000 FROM residents")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    let (service,): (String,) = congdongso::db::query_as("SELECT MIN(code) FROM services")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let count = async |sql: &str| db.scalar_i64(sql, &[]).await.unwrap();
    let history_before = count("SELECT COUNT(*) FROM service_status_history").await;
    let history = "INSERT INTO service_status_history \
                   (commune_id, resident_id, service_code, status, status_date, recorded_at) \
                   VALUES (1, $1, $3, 'done', '2026-12-01', 0), (1, $2, $3, 'done', '2026-12-01', 0)";
    let mut conn = db.pool.acquire().await.unwrap();
    // One good row and one naming no resident: neither is written.
    let r = query(history)
        .bind(resident)
        .bind(missing)
        .bind(service.clone())
        .execute(&mut *conn)
        .await;
    assert!(broke_reference(r), "{url}");
    assert_eq!(
        count("SELECT COUNT(*) FROM service_status_history").await,
        history_before,
        "{url}"
    );
    let status = "INSERT INTO resident_services \
                  (commune_id, resident_id, service_code, status, status_date, updated_at) \
                  VALUES (1, $1, $2, 'done', '2026-12-01', 0)";
    let r = query(status)
        .bind(resident)
        .bind("dich-vu-khong-co".to_string())
        .execute(&mut *conn)
        .await;
    assert!(broke_reference(r), "{url}");
    // A resident with history (and nothing else) cannot be removed until the history is.
    let (lone,): (i64,) = congdongso::db::query_as(
        "INSERT INTO residents (commune_id, hamlet_id, household_id, full_name, search_text, \
         sort_key, created_at, updated_at) \
         SELECT commune_id, hamlet_id, id, 'Thử Tham Chiếu', 'thu tham chieu', 'thu', 0, 0 \
         FROM households ORDER BY id LIMIT 1 RETURNING id",
    )
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    query(history)
        .bind(lone)
        .bind(lone)
        .bind(service.clone())
        .execute(&mut *conn)
        .await
        .unwrap();
    let r = query("DELETE FROM residents WHERE id = $1")
        .bind(lone)
        .execute(&mut *conn)
        .await;
    assert!(broke_reference(r), "{url}");
    query("DELETE FROM service_status_history WHERE resident_id = $1")
        .bind(lone)
        .execute(&mut *conn)
        .await
        .unwrap();
    query("DELETE FROM residents WHERE id = $1")
        .bind(lone)
        .execute(&mut *conn)
        .await
        .unwrap();
}

#[tokio::test]
async fn history_and_statuses_name_what_exists() {
    for url in backends().await {
        references(url).await;
    }
}

/// Client ids a sync batch asks about: `n` of them, starting at `from`.
fn client_ids(from: u32, n: u32) -> Vec<String> {
    (from..from + n)
        .map(|i| format!("00000000-0000-4000-8000-{i:012}"))
        .collect()
}

async fn earlier_records(url: String) {
    use sqlx::Acquire;
    let db = migrated(&url).await;
    let postgres = url.starts_with("postgres");
    let mut pooled = db.pool.acquire().await.unwrap();
    // As after the demo's seed or a restore, which analyse every table: the statistics say the
    // log is empty.
    sqlx::query("ANALYZE sync_records")
        .execute(&mut *pooled)
        .await
        .unwrap();
    let mut tx = pooled.begin().await.unwrap();
    let asked = client_ids(1, 20);
    // A log still empty, asked by the same connection more often than PostgreSQL needs before
    // it keeps one plan for a named statement.
    for _ in 0..8 {
        let known = congdongso::db::sync::earlier_many(&mut tx, asked.iter().map(String::as_str))
            .await
            .unwrap();
        assert!(known.is_empty());
    }
    // The log grows (nothing analyses it in between: this server runs without autovacuum).
    sqlx::query(
        "INSERT INTO sync_records (client_id, commune_id, account_id, kind, status, target_id, received_at) \
         SELECT '00000000-0000-4000-8000-' || SUBSTR(CAST(1000000000000 + i AS TEXT), 2), 1, 1, 'help', 'applied', i, 0 \
         FROM (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000) SELECT i FROM n) x",
    )
    .execute(&mut *tx)
    .await
    .unwrap();
    let read_before = if postgres {
        seq_rows_read(&mut tx).await
    } else {
        0
    };
    let known = congdongso::db::sync::earlier_many(
        &mut tx,
        client_ids(19_990, 20).iter().map(String::as_str),
    )
    .await
    .unwrap();
    let found: std::collections::BTreeSet<&str> = known.keys().map(String::as_str).collect();
    assert_eq!(
        found,
        client_ids(19_990, 11).iter().map(String::as_str).collect()
    );
    assert_eq!(
        known["00000000-0000-4000-8000-000000019995"].server_id,
        Some(19_995)
    );
    assert_eq!(
        known["00000000-0000-4000-8000-000000019995"].status,
        "duplicate"
    );
    if postgres {
        let read = seq_rows_read(&mut tx).await - read_before;
        assert!(
            read < 1_000,
            "the check found 20 ids by the key, not by reading the log: {read} rows scanned"
        );
    }
}

/// Rows this transaction has read from `sync_records` by scanning it (PostgreSQL).
async fn seq_rows_read(conn: &mut sqlx::AnyConnection) -> i64 {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT CAST(COALESCE(seq_tup_read, 0) AS BIGINT) FROM pg_stat_xact_user_tables \
         WHERE relname = 'sync_records'",
    )
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    n
}

#[tokio::test]
async fn earlier_records_are_found_by_key_as_the_log_grows() {
    for url in backends().await {
        earlier_records(url).await;
    }
}

/// A resident's first help (read for every resident a sync batch refreshes) is one probe of
/// the index on (resident, date), however many helps the resident has had.
async fn first_help(url: String) {
    let db = demo_db(&url).await;
    let resident = db
        .scalar_i64(
            "SELECT resident_id FROM help_records GROUP BY resident_id ORDER BY COUNT(*) DESC, resident_id LIMIT 1",
            &[],
        )
        .await
        .unwrap();
    // A year of helps for this resident, and the planner told.
    db.execute(
        "INSERT INTO help_records (commune_id, hamlet_id, resident_id, member_id, account_id, \
         service_code, dossier_kind, done, help_date, activity_id, created_at) \
         SELECT h.commune_id, h.hamlet_id, h.resident_id, h.member_id, h.account_id, h.service_code, \
         h.dossier_kind, h.done, h.help_date, h.activity_id, h.created_at \
         FROM help_records h, (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000) \
         SELECT i FROM n) x WHERE h.id = (SELECT MIN(id) FROM help_records WHERE resident_id = $1)",
        &[resident.into()],
    )
    .await
    .unwrap();
    db.execute("ANALYZE help_records", &[]).await.unwrap();
    let query = format!("SELECT MIN(help_date) FROM help_records WHERE resident_id = {resident}");
    let plan: Vec<String> = if url.starts_with("postgres") {
        let rows: Vec<(String,)> = db
            .fetch_all(&format!("EXPLAIN {query}"), &[])
            .await
            .unwrap();
        rows.into_iter().map(|(l,)| l).collect()
    } else {
        let rows: Vec<(i64, i64, i64, String)> = db
            .fetch_all(&format!("EXPLAIN QUERY PLAN {query}"), &[])
            .await
            .unwrap();
        rows.into_iter().map(|(_, _, _, l)| l).collect()
    };
    let plan = plan.join("\n");
    assert!(plan.contains("help_resident_date"), "{url}: {plan}");
    if url.starts_with("postgres") {
        // The smallest date of the resident's entries, not an aggregate over all of them.
        assert!(
            plan.contains("Limit") && !plan.contains("Aggregate"),
            "{plan}"
        );
    }
}

#[tokio::test]
async fn a_residents_first_help_is_one_index_probe() {
    for url in backends().await {
        first_help(url).await;
    }
}
