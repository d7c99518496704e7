//! Applying the records phones send (`POST /api/v1/sync`): each record once, in its own
//! transaction, within the sender's scope; a rejected record does not stop the others.

use super::{Db, audit, conflicts, help, help_requests, households, residents};
use crate::auth::PersonalScope;
use crate::crypto::Keys;
use crate::error::{AppError, Result, is_unique_violation};
use crate::fieldwork::{self, Record, Ref};
use serde::Serialize;
use sqlx::AnyConnection;

/// Who is sending, and where they work.
pub struct Context<'a> {
    pub account_id: i64,
    pub scope: PersonalScope,
    pub hamlet_id: i64,
    pub member_id: Option<i64>,
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

/// Applies one record as sent (`raw` is the JSON object, `id` its client UUID).
pub async fn apply(db: &Db, ctx: &Context<'_>, raw: &serde_json::Value) -> Outcome {
    let id = raw
        .get("id")
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_string();
    if let Err(e) = fieldwork::check_client_id(&id) {
        return Outcome::new(&id, "rejected", e.user_message());
    }
    match earlier(db, &id).await {
        Ok(Some(o)) => return o,
        Ok(None) => {}
        Err(e) => return server_fault(&id, e),
    }
    let record: Record = match serde_json::from_value(raw.clone()) {
        Ok(r) => r,
        Err(e) => {
            return Outcome::new(
                &id,
                "rejected",
                format!(
                    "Bản ghi không đúng định dạng: {}",
                    describe_json_error(&e.to_string())
                ),
            );
        }
    };
    match apply_in_tx(db, ctx, &id, &record).await {
        Ok(a) => Outcome {
            id,
            status: a.status,
            message: a.message,
            server_id: a.target_id,
            retry: false,
        },
        Err(AppError::Db(e)) if is_unique_violation(&e) => match earlier(db, &id).await {
            // Another request delivered the same record at the same moment.
            Ok(Some(o)) => o,
            _ => Outcome::new(&id, "rejected", "Dữ liệu bị trùng với một bản ghi đã có."),
        },
        Err(e @ (AppError::Invalid(_) | AppError::NotFound | AppError::Forbidden)) => {
            Outcome::new(&id, "rejected", reject_message(&e))
        }
        // A record that breaks a constraint will break it every time: no point retrying.
        Err(AppError::Db(sqlx::Error::Database(d)))
            if matches!(
                d.kind(),
                sqlx::error::ErrorKind::ForeignKeyViolation
                    | sqlx::error::ErrorKind::CheckViolation
                    | sqlx::error::ErrorKind::NotNullViolation
            ) =>
        {
            Outcome::new(
                &id,
                "rejected",
                "Bản ghi tham chiếu tới dữ liệu không tồn tại hoặc không hợp lệ.",
            )
        }
        Err(e) => server_fault(&id, e),
    }
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

fn server_fault(id: &str, e: AppError) -> Outcome {
    e.log();
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

/// The answer for a record received before.
async fn earlier(db: &Db, id: &str) -> Result<Option<Outcome>> {
    let row: Option<(String, Option<i64>, Option<String>)> = db
        .fetch_optional(
            "SELECT status, target_id, message FROM sync_records WHERE client_id = $1",
            &[id.into()],
        )
        .await?;
    // A conflict is answered as a conflict again: the phone whose first answer was lost must
    // still show it.
    Ok(row.map(|(status, target, message)| Outcome {
        server_id: target,
        ..if status == "conflict" {
            Outcome::new(id, "conflict", message.unwrap_or_default())
        } else {
            Outcome::new(id, "duplicate", "Đã nhận trước đó, không ghi lại lần nữa.")
        }
    }))
}

async fn apply_in_tx(db: &Db, ctx: &Context<'_>, id: &str, record: &Record) -> Result<Applied> {
    let mut tx = db.begin_write().await?;
    let applied = apply_record(&mut tx, ctx, id, record).await?;
    sqlx::query(
        "INSERT INTO sync_records (client_id, commune_id, account_id, device_id, kind, status, target_id, message, received_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(id.to_string())
    .bind(ctx.scope.commune_id)
    .bind(ctx.account_id)
    .bind(ctx.device_id.map(str::to_string))
    .bind(record.kind().to_string())
    .bind(applied.status.to_string())
    .bind(applied.target_id)
    .bind(applied.message.clone())
    .bind(super::now())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(applied)
}

async fn apply_record(
    conn: &mut AnyConnection,
    ctx: &Context<'_>,
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
            check_service(conn, service).await?;
            let what = HelpWhat {
                service: Some(service),
                dossier: None,
                done: *done,
            };
            let help_id = record_help(
                conn,
                ctx,
                id,
                resident_id,
                what,
                date,
                activity_id,
                *member_id,
            )
            .await?;
            created(
                conn,
                ctx,
                "help_record",
                help_id,
                record,
                "Đã ghi nhận lượt hỗ trợ.",
            )
            .await
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
                id,
                resident_id,
                what,
                date,
                activity_id,
                *member_id,
            )
            .await?;
            let msg = "Đã ghi nhận hồ sơ dịch vụ công trực tuyến.";
            created(conn, ctx, "help_record", help_id, record, msg).await
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
                if let Some(m) = member_of_team(conn, ctx, Some(*m)).await? {
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
                conn,
                ctx,
                "activity",
                activity_id,
                record,
                "Đã ghi nhận buổi hoạt động.",
            )
            .await
        }
        Record::ResidentUpdate {
            resident_id,
            base_version,
            changes,
        } => {
            let r = resident_in_scope(conn, ctx, resident_id).await?;
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
                audit::record(
                    conn,
                    entry(ctx, "update_from_field", "resident", r.id),
                    None::<&()>,
                    Some(&plan.apply),
                )
                .await?;
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
            let hh = household_in_scope(conn, ctx, household_id).await?;
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
            created(conn, ctx, "resident", new_id, &e, "Đã thêm nhân khẩu.").await
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
            created(conn, ctx, "household", hid, &e, "Đã thêm hộ mới.").await
        }
        Record::HelpRequest {
            resident_id,
            name,
            phone,
            service,
            message,
        } => {
            let resident = match resident_id {
                Some(r) => Some(resident_in_scope(conn, ctx, r).await?.id),
                None => None,
            };
            let name = fieldwork::clean_text(Some(name), 100, "Họ và tên")?
                .ok_or_else(|| AppError::invalid("Cần họ và tên người yêu cầu hỗ trợ."))?;
            if let Some(s) = service {
                check_service(conn, s).await?;
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
                conn,
                ctx,
                "help_request",
                rid,
                &after,
                "Đã ghi nhận yêu cầu hỗ trợ.",
            )
            .await
        }
    }
}

fn entry<'a>(ctx: &Context<'_>, action: &'a str, entity: &'a str, id: i64) -> audit::Entry<'a> {
    audit::Entry {
        commune_id: Some(ctx.scope.commune_id),
        account_id: Some(ctx.account_id),
        action,
        entity,
        entity_id: Some(id),
    }
}

/// Audits a row the record created and answers it applied.
async fn created<T: Serialize>(
    conn: &mut AnyConnection,
    ctx: &Context<'_>,
    entity: &str,
    id: i64,
    after: &T,
    message: &str,
) -> Result<Applied> {
    audit::record(
        conn,
        entry(ctx, "create_from_field", entity, id),
        None::<&()>,
        Some(after),
    )
    .await?;
    Ok(Applied::ok(id, message))
}

/// What a help was about: a service (done or in progress) or an online dossier.
struct HelpWhat<'a> {
    service: Option<&'a str>,
    dossier: Option<&'a str>,
    done: bool,
}

/// Checks a help's resident, date, member and activity, then appends it.
#[allow(clippy::too_many_arguments)] // the fields of the record, already destructured
async fn record_help(
    conn: &mut AnyConnection,
    ctx: &Context<'_>,
    id: &str,
    resident_id: &Ref,
    what: HelpWhat<'_>,
    date: &str,
    activity_id: &Option<Ref>,
    member_id: Option<i64>,
) -> Result<i64> {
    let r = resident_in_scope(conn, ctx, resident_id).await?;
    let date = fieldwork::check_date(date, &ctx.today)?;
    let member = member_of_team(conn, ctx, member_id).await?;
    let activity = activity_for(conn, ctx, activity_id.as_ref(), &date).await?;
    help::insert(
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
    .await
}

/// The server id a reference stands for: a number, or the client UUID of an applied record
/// of the given kind sent earlier (a resident added offline, then helped).
async fn resolve(conn: &mut AnyConnection, ctx: &Context<'_>, r: &Ref, kind: &str) -> Result<i64> {
    match r {
        Ref::Id(id) => Ok(*id),
        Ref::Client(uuid) => {
            let row: Option<(Option<i64>,)> = sqlx::query_as(
                "SELECT target_id FROM sync_records WHERE client_id = $1 AND kind = $2 \
                 AND commune_id = $3 AND status = 'applied'",
            )
            .bind(uuid.clone())
            .bind(kind.to_string())
            .bind(ctx.scope.commune_id)
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
    commune_id: i64,
    hamlet_id: i64,
    household_id: i64,
) -> Result<bool> {
    if commune_id != scope.commune_id || scope.hamlet_id.is_some_and(|h| h != hamlet_id) {
        return Ok(false);
    }
    if let Some(m) = scope.assigned_to {
        let row: Option<(i64,)> = sqlx::query_as(
            "SELECT household_id FROM household_assignments WHERE household_id = $1 AND member_id = $2",
        )
        .bind(household_id)
        .bind(m)
        .fetch_optional(&mut *conn)
        .await?;
        return Ok(row.is_some());
    }
    Ok(true)
}

async fn resident_in_scope(
    conn: &mut AnyConnection,
    ctx: &Context<'_>,
    r: &Ref,
) -> Result<residents::Tracked> {
    let id = resolve(conn, ctx, r, "resident_new").await?;
    let r = residents::tracked(conn, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if r.active != 1
        || !in_scope(conn, ctx.scope, r.commune_id, r.hamlet_id, r.household_id).await?
    {
        return Err(AppError::NotFound);
    }
    Ok(r)
}

/// (household id, commune id, hamlet id)
async fn household_in_scope(
    conn: &mut AnyConnection,
    ctx: &Context<'_>,
    r: &Ref,
) -> Result<(i64, i64, i64)> {
    let id = resolve(conn, ctx, r, "household_new").await?;
    let row: Option<(i64, i64, i64, i64)> =
        sqlx::query_as("SELECT id, commune_id, hamlet_id, active FROM households WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
    let Some((id, commune, hamlet, active)) = row else {
        return Err(AppError::NotFound);
    };
    if active != 1 || !in_scope(conn, ctx.scope, commune, hamlet, id).await? {
        return Err(AppError::NotFound);
    }
    Ok((id, commune, hamlet))
}

async fn check_service(conn: &mut AnyConnection, code: &str) -> Result<()> {
    let row: Option<(i64,)> =
        sqlx::query_as("SELECT active FROM services WHERE code = $1 AND active = 1")
            .bind(code.to_string())
            .fetch_optional(&mut *conn)
            .await?;
    match row {
        Some(_) => Ok(()),
        None => Err(AppError::invalid(format!(
            "Nền tảng số «{code}» không có trong danh sách đang theo dõi."
        ))),
    }
}

/// The member credited: the one named (who must be in the sender's team), else the sender.
async fn member_of_team(
    conn: &mut AnyConnection,
    ctx: &Context<'_>,
    member_id: Option<i64>,
) -> Result<Option<i64>> {
    let Some(m) = member_id else {
        return Ok(ctx.member_id);
    };
    let row: Option<(i64,)> =
        sqlx::query_as("SELECT team_id FROM members WHERE id = $1 AND active = 1")
            .bind(m)
            .fetch_optional(&mut *conn)
            .await?;
    match (row, ctx.team_id) {
        (Some((team,)), Some(mine)) if team == mine => Ok(Some(m)),
        _ => Err(AppError::invalid(format!(
            "Thành viên số {m} không thuộc Tổ CNSCĐ của ấp bạn."
        ))),
    }
}

/// The activity named (of the sender's hamlet), or the team's door-to-door round of the day.
async fn activity_for(
    conn: &mut AnyConnection,
    ctx: &Context<'_>,
    activity: Option<&Ref>,
    date: &str,
) -> Result<Option<i64>> {
    match activity {
        Some(r) => {
            let id = resolve(conn, ctx, r, "activity").await?;
            let row: Option<(i64,)> = sqlx::query_as(
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
            Some(team) => Ok(Some(
                super::activities::round_of_day(
                    conn,
                    ctx.scope.commune_id,
                    ctx.hamlet_id,
                    team,
                    date,
                    Some(ctx.account_id),
                )
                .await?,
            )),
            None => Ok(None),
        },
    }
}
