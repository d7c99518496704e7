//! Applying the records phones send (`POST /api/v1/sync`): each record once, within the
//! sender's scope, a request's records in one transaction; a rejected record does not stop
//! the others.

use super::write_group::WriteGroup;
use super::{
    Db, audit, businesses, conflicts, field_changes, help, help_requests, households,
    indicator_sources, residents,
};
use crate::auth::PersonalScope;
use crate::crypto::Keys;
use crate::error::{AppError, Result, is_unique_violation};
use crate::fieldwork::{self, Record, Ref};
use serde::Serialize;
use sqlx::AnyConnection;
use std::collections::{HashMap, HashSet};

/// Who is sending, and where they work.
#[derive(Clone)]
pub struct Context<'a> {
    pub account_id: i64,
    pub scope: PersonalScope,
    pub hamlet_id: i64,
    pub member_id: Option<i64>,
    /// The hamlet's team: `apply_all` reads it inside its own transaction (whatever is here).
    pub team_id: Option<i64>,
    pub today: String,
    pub device_id: Option<&'a str>,
    pub keys: &'a Keys,
}

#[derive(Clone, Debug, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Outcome {
    pub id: String,
    /// `applied`, `duplicate`, `conflict` or `rejected`.
    #[schema(value_type = String)]
    pub status: &'static str,
    pub message: String,
    /// The row the record created (help, activity, resident, household, request), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_id: Option<i64>,
    /// A server fault, not the record's: the phone should send it again later.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub retry: bool,
}

impl Outcome {
    fn new(id: &str, status: &'static str, message: impl Into<String>) -> Outcome {
        Outcome {
            id: id.to_string(),
            status,
            message: message.into(),
            server_id: None,
            retry: false,
        }
    }
}

/// What applying a record did.
#[derive(Clone)]
struct Applied {
    status: &'static str,
    target_id: Option<i64>,
    message: String,
}

impl Applied {
    fn ok(target_id: i64, message: impl Into<String>) -> Applied {
        Applied {
            status: "applied",
            target_id: Some(target_id),
            message: message.into(),
        }
    }
}

/// Applies a request's records in order, in one transaction with a savepoint per record: one
/// commit for the batch, yet a rejected record leaves nothing behind and does not stop the
/// others. The counts of the residents helped are refreshed once, before the commit. An
/// outcome says `applied` only if the commit succeeded; otherwise the phone is told to retry.
pub async fn apply_all(db: &Db, ctx: &Context<'_>, raws: &[serde_json::Value]) -> Vec<Outcome> {
    let ids: Vec<String> = raws
        .iter()
        .map(|r| {
            r.get("id")
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    let mut out: Vec<Option<Outcome>> = vec![None; raws.len()];
    let mut valid = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        match fieldwork::check_client_id(id) {
            Ok(()) => valid.push(i),
            Err(e) => out[i] = Some(Outcome::new(id, "rejected", e.user_message())),
        }
    }
    // The earlier records and the team are read in the batch's own transaction: one
    // connection from the pool for the request instead of three (each taken with a round trip
    // to check it, issue 16).
    let mut tx = match db.begin_write().await {
        Ok(tx) => tx,
        Err(e) => return faults(e, &ids, out, &valid),
    };
    let known = match earlier_many(&mut tx, valid.iter().map(|&i| ids[i].as_str())).await {
        Ok(k) => k,
        Err(e) => return faults(e, &ids, out, &valid),
    };
    let team_id = match super::activities::hamlet_team_in(&mut tx, ctx.hamlet_id).await {
        Ok(t) => t,
        Err(e) => return faults(e, &ids, out, &valid),
    };
    let ctx = &Context {
        team_id,
        ..ctx.clone()
    };
    let mut pending = Vec::new();
    for i in valid {
        if let Some(o) = known.get(&ids[i]) {
            out[i] = Some(o.clone());
            continue;
        }
        match serde_json::from_value::<Record>(raws[i].clone()) {
            Ok(r) => pending.push((i, r)),
            Err(e) => {
                out[i] = Some(Outcome::new(
                    &ids[i],
                    "rejected",
                    format!(
                        "Bản ghi không đúng định dạng: {}",
                        describe_json_error(&e.to_string())
                    ),
                ))
            }
        }
    }
    if pending.is_empty() {
        if let Err(e) = tx.commit().await {
            AppError::from(e).log();
        }
        return finished(out);
    }
    let todo: Vec<usize> = pending.iter().map(|(i, _)| *i).collect();
    if let Err(e) = apply_pending(db, tx, ctx, &ids, &pending, &mut out).await {
        // The transaction did not commit: nothing it did happened.
        return faults(e, &ids, out, &todo);
    }
    finished(out)
}

/// Every outcome in `which` becomes "send it again later"; the error is logged once.
fn faults(
    e: AppError,
    ids: &[String],
    mut out: Vec<Option<Outcome>>,
    which: &[usize],
) -> Vec<Outcome> {
    e.log();
    for &i in which {
        out[i] = Some(fault(&ids[i]));
    }
    finished(out)
}

/// The outcomes, once every record has one.
fn finished(out: Vec<Option<Outcome>>) -> Vec<Outcome> {
    out.into_iter()
        .map(|o| o.expect("every record has an outcome"))
        .collect()
}

async fn apply_pending(
    db: &Db,
    tx: sqlx::Transaction<'static, sqlx::Any>,
    ctx: &Context<'_>,
    ids: &[String],
    pending: &[(usize, Record)],
    out: &mut [Option<Outcome>],
) -> Result<()> {
    // Most batches are all valid: first without a savepoint per record. A record that fails
    // rolls that attempt back whole, and the batch runs again with savepoints.
    if run(tx, ctx, ids, pending, out, false).await? {
        return Ok(());
    }
    run(db.begin_write().await?, ctx, ids, pending, out, true)
        .await
        .map(|_| ())
}

/// Applies the batch in the transaction. Without savepoints, returns false (having committed
/// nothing) at the first record that fails.
async fn run(
    mut tx: sqlx::Transaction<'static, sqlx::Any>,
    ctx: &Context<'_>,
    ids: &[String],
    pending: &[(usize, Record)],
    out: &mut [Option<Outcome>],
    savepoints: bool,
) -> Result<bool> {
    let mut shared = Shared {
        log_each: savepoints,
        ..Shared::default()
    };
    shared.prefetch(&mut tx, pending).await?;
    // The same record twice in one request: the second is answered as a repeat of the first.
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (i, record) in pending {
        let (i, id) = (*i, ids[*i].as_str());
        if let Some(first) = seen.get(id).and_then(|&j| out[j].as_ref())
            && (first.status == "applied" || first.status == "conflict")
        {
            out[i] = Some(repeat_of(first));
            continue;
        }
        let outcome = if savepoints {
            apply_one(&mut tx, ctx, &mut shared, id, record).await?
        } else {
            match apply_logged(&mut tx, ctx, &mut shared, id, record).await {
                Ok(a) => outcome_of(id, a),
                Err(_) => return Ok(false),
            }
        };
        out[i] = Some(outcome);
        seen.insert(id, i);
    }
    if let Err(e) = shared.flush(&mut tx, ctx).await {
        // Without savepoints a log row can collide with the same record delivered by another
        // request at this moment; the run with savepoints tells which record that was.
        if savepoints {
            return Err(e);
        }
        return Ok(false);
    }
    tx.commit().await?;
    Ok(true)
}

fn outcome_of(id: &str, a: Applied) -> Outcome {
    Outcome {
        id: id.to_string(),
        status: a.status,
        message: a.message,
        server_id: a.target_id,
        retry: false,
    }
}

/// The answer to a record already applied (or in conflict) being sent again.
fn repeat_of(first: &Outcome) -> Outcome {
    Outcome {
        server_id: first.server_id,
        ..if first.status == "conflict" {
            Outcome::new(&first.id, "conflict", first.message.clone())
        } else {
            Outcome::new(
                &first.id,
                "duplicate",
                "Đã nhận trước đó, không ghi lại lần nữa.",
            )
        }
    }
}

/// One record inside its savepoint. An error is the record's answer; only an error that
/// leaves the transaction unusable is returned as an error.
async fn apply_one(
    conn: &mut AnyConnection,
    ctx: &Context<'_>,
    shared: &mut Shared,
    id: &str,
    record: &Record,
) -> Result<Outcome> {
    crate::db::query("SAVEPOINT sync_record")
        .execute(&mut *conn)
        .await?;
    let mark = shared.mark();
    match apply_logged(conn, ctx, shared, id, record).await {
        Ok(a) => {
            crate::db::query("RELEASE SAVEPOINT sync_record")
                .execute(&mut *conn)
                .await?;
            Ok(outcome_of(id, a))
        }
        Err(e) => {
            crate::db::query("ROLLBACK TO SAVEPOINT sync_record")
                .execute(&mut *conn)
                .await?;
            crate::db::query("RELEASE SAVEPOINT sync_record")
                .execute(&mut *conn)
                .await?;
            shared.rolled_back(mark);
            shared.applied.remove(id);
            rejection(conn, id, e).await
        }
    }
}

/// Why a record was not applied, in words the volunteer can act on.
async fn rejection(conn: &mut AnyConnection, id: &str, e: AppError) -> Result<Outcome> {
    Ok(match e {
        AppError::Db(e) if is_unique_violation(&e) => match earlier_one(conn, id).await? {
            // Another request delivered the same record at the same moment.
            Some(o) => o,
            None => Outcome::new(id, "rejected", "Dữ liệu bị trùng với một bản ghi đã có."),
        },
        e @ (AppError::Invalid(_) | AppError::NotFound | AppError::Forbidden) => {
            Outcome::new(id, "rejected", reject_message(&e))
        }
        // A record that breaks a constraint will break it every time: no point retrying.
        AppError::Db(sqlx::Error::Database(d))
            if matches!(
                d.kind(),
                sqlx::error::ErrorKind::ForeignKeyViolation
                    | sqlx::error::ErrorKind::CheckViolation
                    | sqlx::error::ErrorKind::NotNullViolation
            ) =>
        {
            Outcome::new(
                id,
                "rejected",
                "Bản ghi tham chiếu tới dữ liệu không tồn tại hoặc không hợp lệ.",
            )
        }
        e => {
            e.log();
            fault(id)
        }
    })
}

/// What the records of one request share inside its transaction, so a batch asks once and
/// writes its log rows together.
#[derive(Default)]
struct Shared {
    /// The services in force in the caller's commune, loaded at the first service named.
    services: Option<HashSet<String>>,
    /// Member → team (active members only), as asked.
    teams: HashMap<i64, Option<i64>>,
    /// The team's round of each day, found or created in this transaction.
    rounds: HashMap<String, i64>,
    /// The residents the batch's helps name, read (and on PostgreSQL locked) in one query.
    residents: HashMap<i64, residents::Tracked>,
    /// The earliest committed help of each resident the batch's helps name, if any.
    first_helps: HashMap<i64, String>,
    /// The status each (resident, service) had before the batch; `None` for none.
    statuses: HashMap<(i64, String), Option<(String, String)>>,
    /// Ids reserved for the batch's helps (without savepoints only).
    help_ids: std::collections::VecDeque<i64>,
    /// Helps written together before the commit (without savepoints only).
    helps: Vec<help::HelpRow>,
    /// Status steps the helps made, written together before the commit.
    status_writes: Vec<residents::StatusWrite>,
    /// Whether a household is among the sender's, under assignment.
    assigned: HashMap<i64, bool>,
    /// (activity, member) pairs already credited in this transaction.
    credited: HashSet<(i64, i64)>,
    /// (activity, member, commune) credits written together before the commit.
    credits: Vec<(i64, i64, i64)>,
    /// Residents whose counts are refreshed before the commit.
    touched: Vec<i64>,
    /// Audit entries written before the commit.
    audit: Vec<audit::Pending>,
    /// Records applied in this transaction: kind and the row created, for references to them.
    applied: HashMap<String, (&'static str, Option<i64>)>,
    /// `sync_records` rows written before the commit (unless `log_each`).
    log: Vec<(String, &'static str, Applied)>,
    /// Each record's `sync_records` row is written with it, so a duplicate delivered by another
    /// request at the same moment is told apart inside its savepoint.
    log_each: bool,
}

/// How far each list of `Shared` had grown when a record began.
#[derive(Clone, Copy)]
struct Mark {
    touched: usize,
    credits: usize,
    helps: usize,
    status_writes: usize,
    audit: usize,
    log: usize,
}

impl Shared {
    fn audit<A: Serialize>(
        &mut self,
        ctx: &Context<'_>,
        action: &'static str,
        entity: &'static str,
        id: i64,
        after: &A,
    ) {
        self.audit.push(audit::Pending {
            commune_id: Some(ctx.scope.commune_id),
            account_id: Some(ctx.account_id),
            action,
            entity,
            entity_id: Some(id),
            after_json: serde_json::to_string(after).ok(),
        });
    }

    /// Reads what the batch's helps will ask about (the residents, their statuses, their
    /// first helps), in three queries instead of several per help.
    async fn prefetch(
        &mut self,
        conn: &mut AnyConnection,
        pending: &[(usize, Record)],
    ) -> Result<()> {
        let mut ids = Vec::new();
        let mut pairs = Vec::new();
        let mut helped = Vec::new();
        if !self.log_each {
            let helps = pending
                .iter()
                .filter(|(_, r)| matches!(r, Record::Help { .. } | Record::Dossier { .. }))
                .count();
            self.help_ids = help::reserve_ids(conn, helps).await?.into();
        }
        for (_, record) in pending {
            if let Record::Help {
                resident_id: Ref::Id(r),
                service,
                ..
            }
            | Record::Dossier {
                resident_id: Ref::Id(r),
                kind: service,
                ..
            } = record
            {
                ids.push(*r);
                helped.push(*r);
                if matches!(record, Record::Help { .. }) {
                    pairs.push((*r, service.clone()));
                }
            }
            // Every resident the batch names by id is locked here, together and in order, so
            // two batches never wait for each other's residents in opposite orders.
            if let Record::ResidentUpdate {
                resident_id: Ref::Id(r),
                ..
            }
            | Record::HelpRequest {
                resident_id: Some(Ref::Id(r)),
                ..
            } = record
            {
                ids.push(*r);
            }
        }
        if ids.is_empty() {
            return Ok(());
        }
        for t in residents::tracked_many(conn, &ids).await? {
            self.residents.insert(t.id, t);
        }
        for pair in &pairs {
            self.statuses.insert(pair.clone(), None);
        }
        for (r, code, status, date) in residents::service_statuses(conn, &pairs).await? {
            self.statuses.insert((r, code), Some((status, date)));
        }
        helped.sort_unstable();
        helped.dedup();
        self.first_helps = help::first_dates(conn, &helped).await?;
        Ok(())
    }

    /// A resident's status for a service as this batch left it so far.
    async fn current_status(
        &mut self,
        conn: &mut AnyConnection,
        resident_id: i64,
        service: &str,
    ) -> Result<Option<(String, String)>> {
        if let Some(w) = self
            .status_writes
            .iter()
            .rev()
            .find(|w| w.resident_id == resident_id && w.service_code == service)
        {
            return Ok(Some((w.status.to_string(), w.status_date.clone())));
        }
        let key = (resident_id, service.to_string());
        if let Some(known) = self.statuses.get(&key) {
            return Ok(known.clone());
        }
        let row: Option<(String, String)> = crate::db::query_as(
            "SELECT status, status_date FROM resident_services WHERE resident_id = $1 AND service_code = $2",
        )
        .bind(resident_id)
        .bind(service.to_string())
        .fetch_optional(&mut *conn)
        .await?;
        self.statuses.insert(key, row.clone());
        Ok(row)
    }

    fn mark(&self) -> Mark {
        Mark {
            touched: self.touched.len(),
            credits: self.credits.len(),
            helps: self.helps.len(),
            status_writes: self.status_writes.len(),
            audit: self.audit.len(),
            log: self.log.len(),
        }
    }

    /// A record's savepoint was rolled back: forget what it did.
    fn rolled_back(&mut self, mark: Mark) {
        self.rounds.clear();
        self.credited.clear();
        self.assigned.clear();
        self.touched.truncate(mark.touched);
        self.credits.truncate(mark.credits);
        self.helps.truncate(mark.helps);
        self.status_writes.truncate(mark.status_writes);
        self.audit.truncate(mark.audit);
        self.log.truncate(mark.log);
    }

    /// Writes what the batch kept for the end: the helps, the log rows, the audit entries, the
    /// statuses and the members credited (with the households' stamp on PostgreSQL), then the
    /// counts of the residents it touched.
    async fn flush(&mut self, conn: &mut AnyConnection, ctx: &Context<'_>) -> Result<()> {
        // The helps, log, audit rows and statuses read nothing of each other: one statement
        // on PostgreSQL. The counts read the helps, so they follow.
        let mut group = WriteGroup::new();
        help::insert_rows(&mut group, &self.helps);
        for chunk in self.log.chunks(100) {
            let (sql, params) = log_statement(ctx, chunk);
            group.push(sql, params);
        }
        audit::record_many(&mut group, &self.audit);
        residents::write_statuses(&mut group, &self.status_writes);
        self.credits.sort_unstable();
        self.credits.dedup();
        super::activities::add_members(&mut group, &self.credits);
        // The helps and the statuses stamp the same households: once, as the last part.
        let mut stamped: Vec<i64> = self.helps.iter().map(|h| h.resident_id).collect();
        stamped.extend(self.status_writes.iter().map(|w| w.resident_id));
        stamped.sort_unstable();
        stamped.dedup();
        field_changes::stamp_residents(&mut group, conn, &stamped);
        group.run(conn).await?;
        self.touched.sort_unstable();
        self.touched.dedup();
        indicator_sources::refresh_residents(conn, &self.touched).await
    }
}

/// `sync_records` rows, so a record sent again is recognised: (client id, kind, outcome).
async fn insert_log(
    conn: &mut AnyConnection,
    ctx: &Context<'_>,
    rows: &[(String, &'static str, Applied)],
) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let (sql, params) = log_statement(ctx, rows);
    super::bind(crate::db::query(&sql), &params)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

fn log_statement(
    ctx: &Context<'_>,
    rows: &[(String, &'static str, Applied)],
) -> (String, Vec<super::Param>) {
    let sql = format!(
        "INSERT INTO sync_records (client_id, kind, status, target_id, message, commune_id, account_id, device_id, received_at) VALUES {}",
        super::value_rows(rows.len(), 5, 4)
    );
    let mut params: Vec<super::Param> = Vec::with_capacity(rows.len() * 5 + 4);
    for (id, kind, a) in rows {
        params.extend([
            id.clone().into(),
            (*kind).into(),
            a.status.into(),
            a.target_id.into(),
            a.message.clone().into(),
        ]);
    }
    params.extend([
        ctx.scope.commune_id.into(),
        ctx.account_id.into(),
        ctx.device_id.map(str::to_string).into(),
        super::now().into(),
    ]);
    (sql, params)
}

fn reject_message(e: &AppError) -> String {
    match e {
        AppError::NotFound => {
            "Không tìm thấy, hoặc không thuộc phạm vi (ấp, hộ được giao) của bạn.".into()
        }
        AppError::Forbidden => "Bạn không có quyền ghi nhận bản ghi này.".into(),
        other => other.user_message(),
    }
}

fn fault(id: &str) -> Outcome {
    Outcome {
        retry: true,
        ..Outcome::new(
            id,
            "rejected",
            "Máy chủ đang gặp lỗi; bản ghi sẽ được gửi lại sau.",
        )
    }
}

/// serde's messages are English; keep the field name they quote, in Vietnamese words.
fn describe_json_error(msg: &str) -> String {
    if let Some(rest) = msg.strip_prefix("missing field `") {
        let field = rest.split('`').next().unwrap_or("");
        return format!("thiếu trường «{field}».");
    }
    if msg.starts_with("unknown variant") {
        return "loại bản ghi (type) không được hỗ trợ.".into();
    }
    if msg.contains("missing field `type`") {
        return "thiếu loại bản ghi (type).".into();
    }
    "một trường có kiểu dữ liệu sai.".into()
}

/// The answer for a record received before, from its row in `sync_records`. A conflict is
/// answered as a conflict again: the phone whose first answer was lost must still show it.
fn answer_of(id: &str, status: &str, target: Option<i64>, message: Option<String>) -> Outcome {
    Outcome {
        server_id: target,
        ..if status == "conflict" {
            Outcome::new(id, "conflict", message.unwrap_or_default())
        } else {
            Outcome::new(id, "duplicate", "Đã nhận trước đó, không ghi lại lần nữa.")
        }
    }
}

/// The records among `ids` received before, in one query (a few for a very long list): the
/// answer each was given, by client id.
pub async fn earlier_many(
    conn: &mut AnyConnection,
    ids: impl Iterator<Item = &str>,
) -> Result<HashMap<String, Outcome>> {
    let ids: Vec<&str> = ids.collect();
    let mut known = HashMap::new();
    for chunk in ids.chunks(500) {
        let marks: Vec<String> = (1..=chunk.len()).map(|n| format!("${n}")).collect();
        let params: Vec<super::Param> = chunk.iter().map(|&id| id.into()).collect();
        let sql = format!(
            "SELECT client_id, status, target_id, message FROM sync_records \
             WHERE client_id IN ({})",
            marks.join(", ")
        );
        // Planned anew each time (unnamed): this table starts empty and grows with every
        // batch. Analysed while empty (the demo's seed and a restore analyse every table), a
        // named statement's plan kept after its first executions scans the whole table for
        // good unless something analyses it again, which autovacuum would and this server's
        // does not (issue 16: 24.7 M rows read for 1,075 batches).
        let rows: Vec<(String, String, Option<i64>, Option<String>)> =
            super::bind_as(crate::db::query_as(&sql), &params)
                .persistent(false)
                .fetch_all(&mut *conn)
                .await?;
        for (id, status, target, message) in rows {
            let o = answer_of(&id, &status, target, message);
            known.insert(id, o);
        }
    }
    Ok(known)
}

/// The record received before, read inside the transaction.
async fn earlier_one(conn: &mut AnyConnection, id: &str) -> Result<Option<Outcome>> {
    let row: Option<(String, Option<i64>, Option<String>)> = crate::db::query_as(
        "SELECT status, target_id, message FROM sync_records WHERE client_id = $1",
    )
    .bind(id.to_string())
    .persistent(false)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(|(status, target, message)| answer_of(id, &status, target, message)))
}

/// Applies the record and keeps its answer for `sync_records`, so a repeat is recognised.
async fn apply_logged(
    conn: &mut AnyConnection,
    ctx: &Context<'_>,
    shared: &mut Shared,
    id: &str,
    record: &Record,
) -> Result<Applied> {
    let applied = apply_record(conn, ctx, shared, id, record).await?;
    let kind = record.kind();
    if applied.status == "applied" {
        shared
            .applied
            .insert(id.to_string(), (kind, applied.target_id));
    }
    let row = (id.to_string(), kind, applied.clone());
    if shared.log_each {
        insert_log(conn, ctx, std::slice::from_ref(&row)).await?;
    } else {
        shared.log.push(row);
    }
    Ok(applied)
}

async fn apply_record(
    conn: &mut AnyConnection,
    ctx: &Context<'_>,
    shared: &mut Shared,
    id: &str,
    record: &Record,
) -> Result<Applied> {
    match record {
        Record::Help {
            resident_id,
            service,
            done,
            date,
            activity_id,
            member_id,
        } => {
            check_service(conn, ctx.scope.commune_id, shared, service).await?;
            let what = HelpWhat {
                service: Some(service),
                dossier: None,
                done: *done,
            };
            let help_id = record_help(
                conn,
                ctx,
                shared,
                id,
                resident_id,
                what,
                date,
                activity_id,
                *member_id,
            )
            .await?;
            created(
                shared,
                ctx,
                "help_record",
                help_id,
                record,
                "Đã ghi nhận lượt hỗ trợ.",
            )
        }
        Record::Dossier {
            resident_id,
            kind,
            date,
            activity_id,
            member_id,
        } => {
            if fieldwork::dossier_kind_label(kind).is_empty() {
                return Err(AppError::invalid(
                    "Loại hồ sơ phải là: đăng ký khai sinh, xác nhận tình trạng hôn nhân hoặc hồ sơ khác.",
                ));
            }
            let what = HelpWhat {
                service: None,
                dossier: Some(kind),
                done: true,
            };
            let help_id = record_help(
                conn,
                ctx,
                shared,
                id,
                resident_id,
                what,
                date,
                activity_id,
                *member_id,
            )
            .await?;
            let msg = "Đã ghi nhận hồ sơ dịch vụ công trực tuyến.";
            created(shared, ctx, "help_record", help_id, record, msg)
        }
        Record::Activity {
            kind,
            date,
            place,
            member_ids,
            residents_reached,
            notes,
        } => {
            let team_id = ctx.team_id.ok_or_else(|| {
                AppError::invalid("Ấp của bạn chưa có Tổ CNSCĐ; hãy báo trưởng ấp lập tổ.")
            })?;
            if fieldwork::activity_kind_label(kind).is_empty() {
                return Err(AppError::invalid(
                    "Loại hoạt động không có trong danh sách.",
                ));
            }
            let date = fieldwork::check_date(date, &ctx.today)?;
            let place = fieldwork::clean_text(place.as_deref(), 200, "Địa điểm")?;
            let notes = fieldwork::clean_text(notes.as_deref(), 2000, "Ghi chú")?;
            let reached = residents_reached.unwrap_or(0);
            if !(0..=100_000).contains(&reached) {
                return Err(AppError::invalid("Số người được tiếp cận không hợp lệ."));
            }
            let mut present = Vec::new();
            for m in member_ids {
                if let Some(m) = member_of_team(conn, ctx, shared, Some(*m)).await? {
                    present.push(m);
                }
            }
            if present.is_empty() {
                present.extend(ctx.member_id);
            }
            let activity_id = super::activities::insert(
                conn,
                &super::activities::NewActivity {
                    client_id: Some(id),
                    commune_id: ctx.scope.commune_id,
                    hamlet_id: ctx.hamlet_id,
                    team_id,
                    kind,
                    date: &date,
                    place: place.as_deref(),
                    residents_reached: reached,
                    notes: notes.as_deref(),
                    created_by: Some(ctx.account_id),
                    confirmed: true,
                },
                &present,
            )
            .await?;
            created(
                shared,
                ctx,
                "activity",
                activity_id,
                record,
                "Đã ghi nhận buổi hoạt động.",
            )
        }
        Record::ResidentUpdate {
            resident_id,
            base_version,
            changes,
        } => {
            let r = resident_in_scope(conn, ctx, shared, resident_id).await?;
            let changes = changes.normalized()?;
            if *base_version < 1 || *base_version > r.version {
                return Err(AppError::invalid(
                    "Phiên bản dữ liệu (base_version) không hợp lệ; hãy tải lại dữ liệu của ấp.",
                ));
            }
            let since = residents::changed_since(conn, r.id, *base_version, ctx.account_id).await?;
            let plan = fieldwork::plan_update(changes, &since, |f| r.value(f));
            if !plan.apply.is_empty() {
                residents::apply_tracked(conn, &r, &plan.apply, Some(ctx.account_id)).await?;
                // Its version moved: later records of the batch read it afresh.
                shared.residents.remove(&r.id);
                shared.audit(ctx, "update_from_field", "resident", r.id, &plan.apply);
            }
            if plan.conflicts.is_empty() {
                return Ok(Applied::ok(
                    r.id,
                    if plan.apply.is_empty() {
                        "Không có gì thay đổi so với dữ liệu trên máy chủ."
                    } else {
                        "Đã cập nhật thông tin nhân khẩu."
                    },
                ));
            }
            let mut parts = Vec::new();
            for (field, proposed, current) in &plan.conflicts {
                conflicts::insert(
                    conn,
                    conflicts::NewConflict {
                        commune_id: r.commune_id,
                        hamlet_id: r.hamlet_id,
                        resident_id: r.id,
                        client_id: id,
                        account_id: ctx.account_id,
                        field,
                        base_version: *base_version,
                        proposed_value: proposed.clone(),
                        current_value: current.clone(),
                    },
                )
                .await?;
                parts.push(format!(
                    "{} (bạn ghi «{}», trên máy chủ đã là «{}»)",
                    fieldwork::field_label(field),
                    conflicts::value_label(field, proposed.as_deref()),
                    conflicts::value_label(field, current.as_deref()),
                ));
            }
            Ok(Applied {
                status: "conflict",
                target_id: Some(r.id),
                message: format!(
                    "Người khác đã sửa cùng thông tin trước bạn: {}. Trưởng ấp sẽ xem và chọn giá trị đúng.",
                    parts.join("; ")
                ),
            })
        }
        Record::ResidentNew {
            household_id,
            full_name,
            birth_date,
            birth_year,
            gender,
            phone,
            has_smartphone,
            relation,
        } => {
            let hh = household_in_scope(conn, ctx, shared, household_id).await?;
            let birth_date = match birth_date.as_deref().filter(|d| !d.trim().is_empty()) {
                Some(d) => Some(fieldwork::check_birth_date(d, &ctx.today)?),
                None => None,
            };
            if gender
                .as_deref()
                .is_some_and(|g| g != "male" && g != "female")
            {
                return Err(AppError::invalid("Giới tính phải là nam hoặc nữ."));
            }
            let phone = fieldwork::optional_phone(phone.as_deref())?;
            let e = residents::ResidentEdit {
                household_id: hh.0,
                full_name: crate::text::clean(full_name),
                birth_date,
                birth_year: *birth_year,
                gender: gender.clone(),
                cccd: None,
                phone,
                relation: fieldwork::clean_text(relation.as_deref(), 50, "Quan hệ với chủ hộ")?,
                has_smartphone: has_smartphone.map(i64::from),
                status: "living".into(),
                notes: None,
            };
            let new_id = residents::insert(conn, ctx.keys, hh.1, hh.2, &e).await?;
            created(shared, ctx, "resident", new_id, &e, "Đã thêm nhân khẩu.")
        }
        Record::HouseholdNew {
            code,
            address,
            head_name,
        } => {
            let code = match fieldwork::clean_text(code.as_deref(), 30, "Mã hộ")? {
                Some(c) => c,
                // A code the hamlet head can change later; unique because the id is.
                None => format!("MOI-{}", id[..8].to_uppercase()),
            };
            let e = households::HouseholdEdit {
                hamlet_id: ctx.hamlet_id,
                code,
                address: fieldwork::clean_text(address.as_deref(), 200, "Địa chỉ")?,
                head_name: fieldwork::clean_text(head_name.as_deref(), 100, "Tên chủ hộ")?,
            };
            let hid = households::insert(conn, ctx.scope.commune_id, &e).await?;
            // Under assignment the member would otherwise lose sight of the household they added.
            if let Some(m) = ctx.scope.assigned_to.filter(|m| *m > 0) {
                super::assignments::set(conn, ctx.scope.commune_id, hid, Some(m), ctx.account_id)
                    .await?;
            }
            created(shared, ctx, "household", hid, &e, "Đã thêm hộ mới.")
        }
        Record::Consent {
            resident_id,
            given,
            date,
            note,
        } => {
            let r = resident_reachable(conn, ctx, shared, resident_id).await?;
            // The team no longer sees someone who withdrew: a renewed consent is recorded by
            // the commune office, which does.
            if *given && ctx.scope.consented_only && r.consent != 1 {
                return Err(AppError::NotFound);
            }
            let date = crate::text::parse_date(date)
                .ok_or_else(|| AppError::invalid("Ngày ghi nhận không hợp lệ."))?;
            super::consents::check("field_app", &date, &ctx.today)?;
            let note = fieldwork::clean_text(note.as_deref(), 500, "Ghi chú")?;
            let cid = super::consents::record(
                conn,
                &super::consents::NewConsent {
                    commune_id: r.commune_id,
                    resident_id: r.id,
                    given: *given,
                    on_date: &date,
                    method: "field_app",
                    note: note.as_deref(),
                    account_id: Some(ctx.account_id),
                },
            )
            .await?;
            // The batch's later records see the new state.
            shared.residents.remove(&r.id);
            let after = serde_json::json!({"resident_id": r.id, "given": given, "date": date});
            created(
                shared,
                ctx,
                "consent",
                cid,
                &after,
                if *given {
                    "Đã ghi nhận sự đồng ý."
                } else {
                    "Đã ghi nhận việc rút lại đồng ý; người này sẽ không còn trong danh sách của tổ."
                },
            )
        }
        Record::BusinessNew {
            name,
            owner_name,
            owner_resident_id,
            kind,
            products,
            address,
            phone,
        } => {
            let name = fieldwork::clean_text(Some(name), 150, "Tên cơ sở")?
                .ok_or_else(|| AppError::invalid("Cần tên cơ sở kinh doanh."))?;
            let kind = kind.as_deref().unwrap_or("household");
            if crate::businesses::kind_label(kind).is_empty() {
                return Err(AppError::invalid(
                    "Loại cơ sở phải là: household, producer, cooperative hoặc enterprise.",
                ));
            }
            let owner = match owner_resident_id {
                Some(r) => Some(resident_in_scope(conn, ctx, shared, r).await?.id),
                None => None,
            };
            let owner_name = fieldwork::clean_text(owner_name.as_deref(), 100, "Chủ cơ sở")?;
            let products = fieldwork::clean_text(products.as_deref(), 300, "Sản phẩm")?;
            let address = fieldwork::clean_text(address.as_deref(), 200, "Địa chỉ")?;
            let phone = fieldwork::optional_phone(phone.as_deref())?;
            let bid = businesses::insert(
                conn,
                ctx.scope.commune_id,
                Some(ctx.account_id),
                &businesses::NewBusiness {
                    hamlet_id: ctx.hamlet_id,
                    name: &name,
                    owner_name: owner_name.as_deref(),
                    owner_resident_id: owner,
                    kind,
                    products: products.as_deref(),
                    address: address.as_deref(),
                    phone: phone.as_deref(),
                    registered_on: &ctx.today,
                    import_key: None,
                },
            )
            .await?;
            // The business and its kind; the owner's name and phone stay out of the audit log.
            let after = serde_json::json!({"hamlet_id": ctx.hamlet_id, "kind": kind});
            created(
                shared,
                ctx,
                "business",
                bid,
                &after,
                "Đã thêm cơ sở kinh doanh.",
            )
        }
        Record::BusinessUpdate {
            business_id,
            base_version,
            steps,
            changes,
        } => {
            let bid = resolve(conn, ctx, shared, business_id, "business_new").await?;
            let b = businesses::get_on(conn, bid)
                .await?
                .ok_or(AppError::NotFound)?;
            businesses::in_scope(ctx.scope, &b)?;
            if *base_version < 1 || *base_version > b.version {
                return Err(AppError::invalid(
                    "Phiên bản dữ liệu (base_version) không hợp lệ; hãy tải lại dữ liệu của ấp.",
                ));
            }
            let wanted = crate::businesses::normalized(
                steps,
                changes,
                |d| fieldwork::check_date(d, &ctx.today),
                &ctx.today,
            )?;
            let wanted = crate::businesses::keep_first_day(wanted, |f| b.value(f));
            let since =
                businesses::changed_since(conn, b.id, *base_version, ctx.account_id).await?;
            let plan = fieldwork::plan_update(wanted, &since, |f| b.value(f));
            if !plan.apply.is_empty() {
                businesses::apply(conn, &b, &plan.apply, Some(ctx.account_id), "field").await?;
                let fields: Vec<&str> = plan.apply.iter().map(|(f, _)| *f).collect();
                shared.audit(ctx, "update_from_field", "business", b.id, &fields);
            }
            if plan.conflicts.is_empty() {
                return Ok(Applied::ok(
                    b.id,
                    if plan.apply.is_empty() {
                        "Không có gì thay đổi so với dữ liệu trên máy chủ."
                    } else {
                        "Đã cập nhật cơ sở kinh doanh."
                    },
                ));
            }
            let mut parts = Vec::new();
            for (field, proposed, current) in &plan.conflicts {
                businesses::add_conflict(
                    conn,
                    businesses::NewConflict {
                        business: &b,
                        client_id: id,
                        account_id: ctx.account_id,
                        field,
                        base_version: *base_version,
                        proposed_value: proposed.clone(),
                        current_value: current.clone(),
                    },
                )
                .await?;
                parts.push(format!(
                    "{} (bạn ghi «{}», trên máy chủ đã là «{}»)",
                    crate::businesses::field_label(field),
                    crate::businesses::value_label(field, proposed.as_deref()),
                    crate::businesses::value_label(field, current.as_deref()),
                ));
            }
            Ok(Applied {
                status: "conflict",
                target_id: Some(b.id),
                message: format!(
                    "Người khác đã sửa cùng thông tin của cơ sở trước bạn: {}. Trưởng ấp sẽ xem và chọn giá trị đúng.",
                    parts.join("; ")
                ),
            })
        }
        Record::HelpRequest {
            resident_id,
            name,
            phone,
            service,
            message,
        } => {
            let resident = match resident_id {
                Some(r) => Some(resident_in_scope(conn, ctx, shared, r).await?.id),
                None => None,
            };
            let name = fieldwork::clean_text(Some(name), 100, "Họ và tên")?
                .ok_or_else(|| AppError::invalid("Cần họ và tên người yêu cầu hỗ trợ."))?;
            if let Some(s) = service {
                check_service(conn, ctx.scope.commune_id, shared, s).await?;
            }
            let phone = fieldwork::optional_phone(phone.as_deref())?;
            let message = fieldwork::clean_text(message.as_deref(), 1000, "Nội dung")?;
            let rid = help_requests::insert(
                conn,
                &help_requests::NewRequest {
                    client_id: Some(id),
                    commune_id: ctx.scope.commune_id,
                    hamlet_id: ctx.hamlet_id,
                    requester_name: &name,
                    phone: phone.as_deref(),
                    service_code: service.as_deref(),
                    message: message.as_deref(),
                    resident_id: resident,
                    source: "member",
                    assigned_member_id: ctx.member_id,
                    sender_key: None,
                },
            )
            .await?;
            // Only what identifies the request: the name and phone stay out of the audit log.
            let after = serde_json::json!({"service": service, "resident_id": resident});
            created(
                shared,
                ctx,
                "help_request",
                rid,
                &after,
                "Đã ghi nhận yêu cầu hỗ trợ.",
            )
        }
    }
}

/// Audits a row the record created (with the batch's other entries, before the commit) and
/// answers it applied.
fn created<T: Serialize>(
    shared: &mut Shared,
    ctx: &Context<'_>,
    entity: &'static str,
    id: i64,
    after: &T,
    message: &str,
) -> Result<Applied> {
    shared.audit(ctx, "create_from_field", entity, id, after);
    Ok(Applied::ok(id, message))
}

/// What a help was about: a service (done or in progress) or an online dossier.
struct HelpWhat<'a> {
    service: Option<&'a str>,
    dossier: Option<&'a str>,
    done: bool,
}

/// Checks a help's resident, date, member and activity, then appends it; its resident's
/// counts are refreshed with the others' before the commit.
#[allow(clippy::too_many_arguments)] // the fields of the record, already destructured
async fn record_help(
    conn: &mut AnyConnection,
    ctx: &Context<'_>,
    shared: &mut Shared,
    id: &str,
    resident_id: &Ref,
    what: HelpWhat<'_>,
    date: &str,
    activity_id: &Option<Ref>,
    member_id: Option<i64>,
) -> Result<i64> {
    let r = resident_in_scope(conn, ctx, shared, resident_id).await?;
    let date = fieldwork::check_date(date, &ctx.today)?;
    let member = member_of_team(conn, ctx, shared, member_id).await?;
    let activity = activity_for(conn, ctx, shared, activity_id.as_ref(), &date).await?;
    let help_id = match shared.help_ids.pop_front() {
        // Written with the batch's other helps, in one statement before the commit.
        Some(help_id) => {
            shared.helps.push(help::HelpRow {
                id: help_id,
                client_id: Some(id.to_string()),
                commune_id: r.commune_id,
                hamlet_id: r.hamlet_id,
                resident_id: r.id,
                member_id: member,
                account_id: Some(ctx.account_id),
                service_code: what.service.map(str::to_string),
                dossier_kind: what.dossier.map(str::to_string),
                done: what.done,
                date: date.clone(),
                activity_id: activity,
            });
            help_id
        }
        // With a savepoint per record: written now, so a duplicate shows inside its savepoint.
        None => {
            help::insert_row(
                conn,
                &help::NewHelp {
                    client_id: Some(id),
                    commune_id: r.commune_id,
                    hamlet_id: r.hamlet_id,
                    resident_id: r.id,
                    member_id: member,
                    account_id: Some(ctx.account_id),
                    service_code: what.service,
                    dossier_kind: what.dossier,
                    done: what.done,
                    date: &date,
                    activity_id: activity,
                },
            )
            .await?
        }
    };
    let mut new_status = None;
    if let Some(service) = what.service {
        let current = shared.current_status(conn, r.id, service).await?;
        let current = current.as_ref().map(|(s, d)| (s.as_str(), d.as_str()));
        if let Some(status) = help::next_status(current, what.done, &date) {
            new_status = Some(status);
            shared.status_writes.push(residents::StatusWrite {
                commune_id: r.commune_id,
                resident_id: r.id,
                service_code: service.to_string(),
                status,
                status_date: date.clone(),
                account_id: Some(ctx.account_id),
                help_id: Some(help_id),
            });
        }
    }
    // The member joins the activity once per batch, not once per help, with the batch's
    // other writes.
    if let (Some(a), Some(m)) = (activity, member)
        && shared.credited.insert((a, m))
    {
        shared.credits.push((a, m, r.commune_id));
    }
    // Most helps in the field are not a resident's first: their counts stay as they are.
    let first = shared.first_helps.get(&r.id).map(String::as_str);
    if help::moves_counts(first, &date, new_status) {
        shared.touched.push(r.id);
    }
    Ok(help_id)
}

/// The server id a reference stands for: a number, or the client UUID of an applied record
/// of the given kind sent earlier (a resident added offline, then helped).
async fn resolve(
    conn: &mut AnyConnection,
    ctx: &Context<'_>,
    shared: &Shared,
    r: &Ref,
    kind: &str,
) -> Result<i64> {
    match r {
        Ref::Id(id) => Ok(*id),
        // Sent earlier in the same request: its row may not be written yet.
        Ref::Client(uuid) if shared.applied.contains_key(uuid.as_str()) => {
            match shared.applied.get(uuid.as_str()) {
                Some((k, Some(target))) if *k == kind => Ok(*target),
                _ => Err(AppError::invalid(
                    "Bản ghi này dựa vào một bản ghi khác chưa được gửi lên hoặc đã bị từ chối.",
                )),
            }
        }
        Ref::Client(uuid) => {
            let row: Option<(Option<i64>,)> = crate::db::query_as(
                "SELECT target_id FROM sync_records WHERE client_id = $1 AND kind = $2 \
                 AND commune_id = $3 AND status = 'applied'",
            )
            .bind(uuid.clone())
            .bind(kind.to_string())
            .bind(ctx.scope.commune_id)
            // Planned each time, as in `earlier_many`: the log grows from empty.
            .persistent(false)
            .fetch_optional(&mut *conn)
            .await?;
            row.and_then(|(t,)| t).ok_or_else(|| {
                AppError::invalid(
                    "Bản ghi này dựa vào một bản ghi khác chưa được gửi lên hoặc đã bị từ chối.",
                )
            })
        }
    }
}

/// Inside the sender's hamlet, and among their households when assignment is on.
async fn in_scope(
    conn: &mut AnyConnection,
    scope: PersonalScope,
    shared: &mut Shared,
    commune_id: i64,
    hamlet_id: i64,
    household_id: i64,
) -> Result<bool> {
    if commune_id != scope.commune_id || scope.hamlet_id.is_some_and(|h| h != hamlet_id) {
        return Ok(false);
    }
    if let Some(m) = scope.assigned_to {
        if let Some(&mine) = shared.assigned.get(&household_id) {
            return Ok(mine);
        }
        let row: Option<(i64,)> = crate::db::query_as(
            "SELECT household_id FROM household_assignments WHERE household_id = $1 AND member_id = $2",
        )
        .bind(household_id)
        .bind(m)
        .fetch_optional(&mut *conn)
        .await?;
        shared.assigned.insert(household_id, row.is_some());
        return Ok(row.is_some());
    }
    Ok(true)
}

/// A resident in scope to record about: someone who withdrew their consent is no longer
/// recorded by the hamlet's team (a phone may still hold them until it refreshes).
async fn resident_in_scope(
    conn: &mut AnyConnection,
    ctx: &Context<'_>,
    shared: &mut Shared,
    r: &Ref,
) -> Result<residents::Tracked> {
    let r = resident_reachable(conn, ctx, shared, r).await?;
    if ctx.scope.consented_only && r.consent != 1 {
        return Err(AppError::invalid(
            "Người này đã rút lại đồng ý được ghi nhận thông tin; không ghi thêm về họ.",
        ));
    }
    Ok(r)
}

async fn resident_reachable(
    conn: &mut AnyConnection,
    ctx: &Context<'_>,
    shared: &mut Shared,
    r: &Ref,
) -> Result<residents::Tracked> {
    let id = resolve(conn, ctx, shared, r, "resident_new").await?;
    let r = match shared.residents.get(&id) {
        Some(t) => t.clone(),
        None => residents::tracked(conn, id)
            .await?
            .ok_or(AppError::NotFound)?,
    };
    if r.active != 1
        || !in_scope(
            conn,
            ctx.scope,
            shared,
            r.commune_id,
            r.hamlet_id,
            r.household_id,
        )
        .await?
    {
        return Err(AppError::NotFound);
    }
    Ok(r)
}

/// (household id, commune id, hamlet id)
async fn household_in_scope(
    conn: &mut AnyConnection,
    ctx: &Context<'_>,
    shared: &mut Shared,
    r: &Ref,
) -> Result<(i64, i64, i64)> {
    let id = resolve(conn, ctx, shared, r, "household_new").await?;
    let row: Option<(i64, i64, i64, i64)> = crate::db::query_as(
        "SELECT id, commune_id, hamlet_id, active FROM households WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((id, commune, hamlet, active)) = row else {
        return Err(AppError::NotFound);
    };
    if active != 1 || !in_scope(conn, ctx.scope, shared, commune, hamlet, id).await? {
        return Err(AppError::NotFound);
    }
    Ok((id, commune, hamlet))
}

async fn check_service(
    conn: &mut AnyConnection,
    commune_id: i64,
    shared: &mut Shared,
    code: &str,
) -> Result<()> {
    if shared.services.is_none() {
        shared.services = Some(super::services::codes_in_force(conn, commune_id).await?);
    }
    if shared.services.as_ref().is_some_and(|s| s.contains(code)) {
        Ok(())
    } else {
        Err(AppError::invalid(format!(
            "Nền tảng số «{code}» không có trong danh sách đang theo dõi."
        )))
    }
}

/// The member credited: the one named (who must be in the sender's team), else the sender.
async fn member_of_team(
    conn: &mut AnyConnection,
    ctx: &Context<'_>,
    shared: &mut Shared,
    member_id: Option<i64>,
) -> Result<Option<i64>> {
    let Some(m) = member_id else {
        return Ok(ctx.member_id);
    };
    let team = match shared.teams.get(&m) {
        Some(t) => *t,
        None => {
            let row: Option<(i64,)> =
                crate::db::query_as("SELECT team_id FROM members WHERE id = $1 AND active = 1")
                    .bind(m)
                    .fetch_optional(&mut *conn)
                    .await?;
            let t = row.map(|(t,)| t);
            shared.teams.insert(m, t);
            t
        }
    };
    match (team, ctx.team_id) {
        (Some(team), Some(mine)) if team == mine => Ok(Some(m)),
        _ => Err(AppError::invalid(format!(
            "Thành viên số {m} không thuộc Tổ CNSCĐ của ấp bạn."
        ))),
    }
}

/// The activity named (of the sender's hamlet), or the team's door-to-door round of the day.
async fn activity_for(
    conn: &mut AnyConnection,
    ctx: &Context<'_>,
    shared: &mut Shared,
    activity: Option<&Ref>,
    date: &str,
) -> Result<Option<i64>> {
    match activity {
        Some(r) => {
            let id = resolve(conn, ctx, shared, r, "activity").await?;
            let row: Option<(i64,)> = crate::db::query_as(
                "SELECT id FROM activities WHERE id = $1 AND commune_id = $2 AND hamlet_id = $3 AND active = 1",
            )
            .bind(id)
            .bind(ctx.scope.commune_id)
            .bind(ctx.hamlet_id)
            .fetch_optional(&mut *conn)
            .await?;
            row.map(|(id,)| Some(id)).ok_or_else(|| {
                AppError::invalid("Buổi hoạt động không tồn tại hoặc không thuộc ấp của bạn.")
            })
        }
        None => match ctx.team_id {
            Some(_) if shared.rounds.contains_key(date) => Ok(shared.rounds.get(date).copied()),
            Some(team) => {
                let round = super::activities::round_of_day(
                    conn,
                    ctx.scope.commune_id,
                    ctx.hamlet_id,
                    team,
                    date,
                    Some(ctx.account_id),
                )
                .await?;
                shared.rounds.insert(date.to_string(), round);
                Ok(Some(round))
            }
            None => Ok(None),
        },
    }
}
