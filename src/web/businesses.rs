//! Kinh tế số pages and API (issue 20): the hamlets' household businesses, their digital steps
//! with history, the work list of those not yet online, the register to Excel. Owners' names
//! and phones are personal data: the commune's offices and the hamlet's own team see them
//! (phones masked outside the hamlet team and the commune admin); finance and the province do
//! not. Every change is audited.

use super::api_errors::ReadErrors;
use super::api_input::ApiQuery;
use super::{ApiCaller, ApiError, SharedState, Shell, render, see_other};
use crate::auth::{Caller, PersonalScope};
use crate::businesses::{self as rules, StepChange};
use crate::db::businesses::{self as store, Business, NewBusiness, Query as ListQuery};
use crate::error::AppError;
use crate::xlsx::Cell;
use askama::Template;
use axum::Json;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use utoipa::{IntoParams, ToSchema};

use super::forms::TypedBack;

type Result<T, E = AppError> = std::result::Result<T, E>;

pub fn routes() -> Router<SharedState> {
    Router::new()
        .route("/businesses", get(list_page).post(add))
        .route("/businesses/new", get(new_page))
        .route("/businesses/export", get(export))
        .route("/businesses/{id}", get(business_page))
        .route("/businesses/{id}/steps", post(set_step))
        .route("/businesses/{id}/edit", post(edit))
        .route("/businesses/{id}/delete", post(remove))
        .route("/businesses/{id}/conflicts/{cid}", post(resolve))
}

/// The hamlet a commune-wide caller picked (by code), or the caller's own hamlet.
async fn hamlet_of(
    s: &SharedState,
    c: &Caller,
    scope: PersonalScope,
    code: &str,
) -> Result<Option<i64>> {
    if let Some(h) = scope.hamlet_id {
        return Ok(Some(h));
    }
    let code = code.trim();
    if code.is_empty() {
        return Ok(None);
    }
    let area = crate::db::areas::visible_by_code(&s.db, c, code).await?;
    if area.commune_id != Some(scope.commune_id) {
        return Err(AppError::NotFound);
    }
    Ok((area.level == "hamlet").then_some(area.id))
}

fn phone_of(c: &Caller, b: &Business) -> Option<String> {
    b.phone.as_ref().map(|p| {
        if c.sees_full_phone(b.hamlet_id) {
            p.clone()
        } else {
            crate::text::mask_phone(p)
        }
    })
}

#[derive(Template)]
#[template(path = "businesses.html")]
struct ListPage {
    shell: Shell,
    items: Vec<(Business, Option<String>)>,
    hamlets: Vec<crate::db::areas::Area>,
    area: String,
    q: String,
    offline: bool,
    counts: Counts,
    conflicts: i64,
    adds: bool,
}

impl ListPage {
    fn is_area(&self, code: &str) -> bool {
        self.area == code
    }
}

#[derive(Default)]
struct Counts {
    all: usize,
    online: usize,
    einvoice: usize,
    cashless: usize,
}

async fn list_page(
    State(s): State<SharedState>,
    caller: Caller,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Html<String>> {
    let scope = caller.require_personal()?;
    let area = q.get("area").map_or("", |v| v.trim()).to_string();
    let text = q.get("q").map_or("", |v| v.trim()).to_string();
    if text.chars().count() > 100 {
        return Err(AppError::invalid("Từ khóa tìm tối đa 100 ký tự."));
    }
    let offline = q.get("list").is_some_and(|v| v == "offline");
    let hamlet = hamlet_of(&s, &caller, scope, &area).await?;
    let all = store::list(
        &s.db,
        scope,
        &ListQuery {
            hamlet,
            q: &text,
            not_online: false,
        },
    )
    .await?;
    let counts = Counts {
        all: all.len(),
        online: all.iter().filter(|b| b.is_online()).count(),
        einvoice: all.iter().filter(|b| b.einvoice_on.is_some()).count(),
        cashless: all.iter().filter(|b| b.cashless_on.is_some()).count(),
    };
    let items = all
        .into_iter()
        .filter(|b| !offline || !b.is_online())
        .map(|b| {
            let p = phone_of(&caller, &b);
            (b, p)
        })
        .collect();
    let hamlets = match scope.hamlet_id {
        Some(_) => Vec::new(),
        None => crate::db::areas::children(&s.db, scope.commune_id).await?,
    };
    render(&ListPage {
        shell: Shell::new(&caller, "Cơ sở kinh doanh · kinh tế số", "/businesses"),
        items,
        hamlets,
        area,
        q: text,
        offline,
        counts,
        conflicts: store::open_conflicts(&s.db, scope).await?,
        adds: caller.role != crate::auth::Role::CommuneLeader,
    })
}

#[derive(Template)]
#[template(path = "business_form.html")]
struct FormPage {
    shell: Shell,
    hamlets: Vec<crate::db::areas::Area>,
    typed: HashMap<String, String>,
    error: Option<String>,
}

impl TypedBack for FormPage {
    fn typed_fields(&self) -> &HashMap<String, String> {
        &self.typed
    }
}

async fn form_view(
    s: &SharedState,
    caller: &Caller,
    typed: HashMap<String, String>,
    error: Option<String>,
) -> Result<Response> {
    let scope = caller.require_personal()?;
    let hamlets = match scope.hamlet_id {
        Some(_) => Vec::new(),
        None => crate::db::areas::children(&s.db, scope.commune_id).await?,
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = render(&FormPage {
        shell: Shell::new(caller, "Thêm cơ sở kinh doanh", "/businesses"),
        hamlets,
        typed,
        error,
    })?;
    Ok((status, page).into_response())
}

/// The form, or with `?owner=` (a resident's page) the form for that resident's business.
async fn new_page(
    State(s): State<SharedState>,
    caller: Caller,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response> {
    let scope = caller.require_personal()?;
    if caller.role == crate::auth::Role::CommuneLeader {
        return Err(AppError::Forbidden);
    }
    let mut typed = HashMap::new();
    if let Some(rid) = q.get("owner") {
        let rid: i64 = rid.parse().map_err(|_| AppError::NotFound)?;
        let (r, code) = owner(&s, scope, rid).await?;
        if !caller.can_record_services(r.commune_id, r.hamlet_id) {
            return Err(AppError::Forbidden);
        }
        typed.insert("owner_resident_id".to_string(), rid.to_string());
        typed.insert("owner_name".to_string(), r.full_name.clone());
        typed.insert("hamlet".to_string(), code);
        if caller.sees_full_phone(r.hamlet_id)
            && let Some(p) = &r.phone
        {
            typed.insert("phone".to_string(), p.clone());
        }
    }
    form_view(&s, &caller, typed, None).await
}

/// A resident in the caller's scope who owns a business, and their hamlet's code.
async fn owner(
    s: &SharedState,
    scope: PersonalScope,
    rid: i64,
) -> Result<(crate::db::residents::Resident, String)> {
    let r = crate::db::residents::get(&s.db, scope, rid)
        .await?
        .ok_or(AppError::NotFound)?;
    let code = crate::db::areas::get(&s.db, r.hamlet_id)
        .await?
        .map(|a| a.code)
        .unwrap_or_default();
    Ok((r, code))
}

/// The details of a business as typed on the page, checked.
struct Typed {
    name: String,
    owner_name: Option<String>,
    kind: String,
    products: Option<String>,
    address: Option<String>,
    phone: Option<String>,
}

fn checked(f: &HashMap<String, String>) -> Result<Typed> {
    let get = |k: &str| f.get(k).map_or("", |v| v.trim());
    let name = crate::fieldwork::clean_text(Some(get("name")), 150, "Tên cơ sở")?
        .ok_or_else(|| AppError::invalid("Cần nhập tên cơ sở kinh doanh."))?;
    let kind = get("kind");
    if rules::kind_label(kind).is_empty() {
        return Err(AppError::invalid("Chọn loại cơ sở."));
    }
    Ok(Typed {
        name,
        owner_name: crate::fieldwork::clean_text(Some(get("owner_name")), 100, "Chủ cơ sở")?,
        kind: kind.to_string(),
        products: crate::fieldwork::clean_text(Some(get("products")), 300, "Sản phẩm")?,
        address: crate::fieldwork::clean_text(Some(get("address")), 200, "Địa chỉ")?,
        phone: crate::fieldwork::optional_phone(Some(get("phone")))?,
    })
}

async fn add(
    State(s): State<SharedState>,
    caller: Caller,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response> {
    let scope = caller.require_personal()?;
    let area = f.get("hamlet").map_or("", |v| v.trim()).to_string();
    let result = async {
        let hamlet = hamlet_of(&s, &caller, scope, &area)
            .await?
            .ok_or_else(|| AppError::invalid("Chọn ấp của cơ sở."))?;
        if !caller.can_record_services(scope.commune_id, hamlet) {
            return Err(AppError::Forbidden);
        }
        let t = checked(&f)?;
        // The owner, when a resident: of the business's hamlet, within the caller's reach.
        let owner_id = match f
            .get("owner_resident_id")
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
        {
            None => None,
            Some(v) => {
                let rid: i64 = v
                    .parse()
                    .map_err(|_| AppError::invalid("Chủ cơ sở không hợp lệ."))?;
                let (r, _) = owner(&s, scope, rid).await?;
                if r.hamlet_id != hamlet {
                    return Err(AppError::invalid(
                        "Chủ cơ sở phải là nhân khẩu của ấp có cơ sở.",
                    ));
                }
                Some(rid)
            }
        };
        Ok((hamlet, t, owner_id))
    }
    .await;
    let (hamlet, t, owner_id) = match result {
        Ok(v) => v,
        Err(AppError::Invalid(msg)) => return form_view(&s, &caller, f, Some(msg)).await,
        Err(e) => return Err(e),
    };
    let today = s.settings.today();
    let mut tx = s.db.begin_write().await?;
    let id = store::insert(
        &mut tx,
        scope.commune_id,
        Some(caller.account_id),
        &NewBusiness {
            hamlet_id: hamlet,
            name: &t.name,
            owner_name: t.owner_name.as_deref(),
            owner_resident_id: owner_id,
            kind: &t.kind,
            products: t.products.as_deref(),
            address: t.address.as_deref(),
            phone: t.phone.as_deref(),
            registered_on: &today,
            import_key: None,
        },
    )
    .await?;
    super::audited(
        &mut tx,
        &caller,
        scope.commune_id,
        ("add", "businesses", Some(id)),
        None::<&serde_json::Value>,
        Some(&serde_json::json!({"hamlet_id": hamlet, "kind": t.kind, "owner_resident_id": owner_id})),
    )
    .await?;
    tx.commit().await?;
    Ok(see_other(&format!("/businesses/{id}")))
}

#[derive(Template)]
#[template(path = "business.html")]
struct BusinessPage {
    shell: Shell,
    b: Business,
    phone: Option<String>,
    records: bool,
    edits: bool,
    history: Vec<store::Change>,
    conflicts: Vec<store::Conflict>,
    today: String,
    error: Option<String>,
}

async fn page_view(
    s: &SharedState,
    caller: &Caller,
    id: i64,
    error: Option<String>,
) -> Result<Response> {
    let scope = caller.require_personal()?;
    let b = store::get(&s.db, scope, id).await?;
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    // The phone numbers a change or a conflict quotes are masked as the business's own is.
    let full = caller.sees_full_phone(b.hamlet_id);
    let mask = |field: &str, v: &mut Option<String>| {
        if field == "phone" && !full {
            *v = v.as_deref().map(crate::text::mask_phone);
        }
    };
    let mut history = store::history(&s.db, id).await?;
    for h in &mut history {
        mask(&h.field, &mut h.old_value);
        mask(&h.field, &mut h.new_value);
    }
    let mut conflicts = store::conflicts(&s.db, id).await?;
    for c in &mut conflicts {
        mask(&c.field, &mut c.proposed_value);
        mask(&c.field, &mut c.current_value);
    }
    let page = render(&BusinessPage {
        shell: Shell::new(caller, b.name.clone(), "/businesses"),
        phone: phone_of(caller, &b),
        records: caller.can_record_services(b.commune_id, b.hamlet_id),
        edits: caller.can_edit_residents(b.commune_id, b.hamlet_id),
        history,
        conflicts,
        today: crate::text::format_date(&s.settings.today()),
        error,
        b,
    })?;
    Ok((status, page).into_response())
}

async fn business_page(
    State(s): State<SharedState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response> {
    page_view(&s, &caller, id, None).await
}

/// Applies changes made on a page (no conflict: the page shows the business as it stands).
async fn apply_from_page(
    s: &SharedState,
    caller: &Caller,
    b: &Business,
    changes: Vec<(&'static str, Option<String>)>,
    action: &str,
) -> Result<()> {
    if changes.is_empty() {
        return Ok(());
    }
    let mut tx = s.db.begin_write().await?;
    // The row as it stands inside the write: the version moves from there.
    let now = store::get_on(&mut tx, b.id)
        .await?
        .ok_or(AppError::NotFound)?;
    store::apply(&mut tx, &now, &changes, Some(caller.account_id), "web").await?;
    let fields: Vec<&str> = changes.iter().map(|(f, _)| *f).collect();
    super::audited(
        &mut tx,
        caller,
        b.commune_id,
        (action, "businesses", Some(b.id)),
        None::<&serde_json::Value>,
        Some(&fields),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

async fn set_step(
    State(s): State<SharedState>,
    caller: Caller,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response> {
    let scope = caller.require_personal()?;
    let b = store::get(&s.db, scope, id).await?;
    if !caller.can_record_services(b.commune_id, b.hamlet_id) {
        return Err(AppError::Forbidden);
    }
    let get = |k: &str| f.get(k).map_or("", |v| v.trim());
    let today = s.settings.today();
    let result = async {
        let date = match get("date") {
            "" => None,
            d => Some(super::funding::day_until_today(d, &today, "Ngày")?),
        };
        let mut steps = BTreeMap::new();
        steps.insert(
            get("step").to_string(),
            StepChange {
                done: get("done") != "0",
                date,
                platform: Some(get("platform").to_string()),
                link: Some(get("link").to_string()),
            },
        );
        let changes =
            rules::normalized(&steps, &Default::default(), |d| Ok(d.to_string()), &today)?;
        Ok(rules::keep_first_day(changes, |f| b.value(f)))
    }
    .await;
    match result {
        Ok(changes) => {
            apply_from_page(&s, &caller, &b, changes, "set_step").await?;
            Ok(see_other(&format!("/businesses/{id}")))
        }
        Err(AppError::Invalid(msg)) => page_view(&s, &caller, id, Some(msg)).await,
        Err(e) => Err(e),
    }
}

async fn edit(
    State(s): State<SharedState>,
    caller: Caller,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response> {
    let scope = caller.require_personal()?;
    let b = store::get(&s.db, scope, id).await?;
    if !caller.can_edit_residents(b.commune_id, b.hamlet_id) {
        return Err(AppError::Forbidden);
    }
    let t = match checked(&f) {
        Ok(t) => t,
        Err(AppError::Invalid(msg)) => return page_view(&s, &caller, id, Some(msg)).await,
        Err(e) => return Err(e),
    };
    // One transaction: the office's details and the tracked ones, and one audit entry saying
    // what changed (not the values: the owner and phone are personal data).
    let mut tx = s.db.begin_write().await?;
    let now = store::get_on(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let tracked: Vec<(&'static str, Option<String>)> = [
        ("products", t.products.clone()),
        ("address", t.address.clone()),
        ("phone", t.phone.clone()),
    ]
    .into_iter()
    .filter(|(f, v)| now.value(f) != *v)
    .collect();
    let renamed = now.name != t.name;
    let owner_changed = now.owner_name != t.owner_name;
    let kind_changed = now.kind.as_deref() != Some(t.kind.as_str());
    if renamed || owner_changed || kind_changed {
        store::rename(&mut tx, &now, &t.name, t.owner_name.as_deref(), &t.kind).await?;
    }
    if !tracked.is_empty() {
        // Read again: the new name goes into the search text the change rewrites.
        let now = store::get_on(&mut tx, id)
            .await?
            .ok_or(AppError::NotFound)?;
        store::apply(&mut tx, &now, &tracked, Some(caller.account_id), "web").await?;
    }
    let fields: Vec<&str> = tracked.iter().map(|(f, _)| *f).collect();
    super::audited(
        &mut tx,
        &caller,
        b.commune_id,
        ("edit", "businesses", Some(id)),
        None::<&serde_json::Value>,
        Some(
            &serde_json::json!({"name": renamed, "owner": owner_changed, "kind": kind_changed,
            "fields": fields}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(see_other(&format!("/businesses/{id}")))
}

async fn remove(
    State(s): State<SharedState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response> {
    let scope = caller.require_personal()?;
    let b = store::get(&s.db, scope, id).await?;
    if !caller.can_edit_residents(b.commune_id, b.hamlet_id) {
        return Err(AppError::Forbidden);
    }
    let mut tx = s.db.begin_write().await?;
    store::deactivate(&mut tx, id).await?;
    super::audited(
        &mut tx,
        &caller,
        b.commune_id,
        ("remove", "businesses", Some(id)),
        None::<&serde_json::Value>,
        Some(&serde_json::json!({"hamlet_id": b.hamlet_id})),
    )
    .await?;
    tx.commit().await?;
    Ok(see_other("/businesses"))
}

/// The hamlet head (or the commune admin) picks a conflict's value: the server's stays, or the
/// phone's replaces it.
async fn resolve(
    State(s): State<SharedState>,
    caller: Caller,
    Path((id, cid)): Path<(i64, i64)>,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response> {
    let scope = caller.require_personal()?;
    let b = store::get(&s.db, scope, id).await?;
    if !caller.can_edit_residents(b.commune_id, b.hamlet_id) {
        return Err(AppError::Forbidden);
    }
    let accept = f.get("choice").is_some_and(|c| c == "accept");
    let mut tx = s.db.begin_write().await?;
    let (field, proposed) = store::conflict_on(&mut tx, id, cid).await?;
    let field = rules::TRACKED
        .iter()
        .copied()
        .find(|f| *f == field)
        .ok_or_else(|| AppError::Internal(format!("conflict on {field}")))?;
    // Closed first: of two choices made at once, the second finds it closed (404).
    store::close_conflict(&mut tx, cid, accept, caller.account_id).await?;
    if accept {
        let now = store::get_on(&mut tx, id)
            .await?
            .ok_or(AppError::NotFound)?;
        if now.value(field) != proposed {
            store::apply(
                &mut tx,
                &now,
                &[(field, proposed)],
                Some(caller.account_id),
                "web",
            )
            .await?;
        }
    }
    super::audited(
        &mut tx,
        &caller,
        b.commune_id,
        ("resolve_conflict", "businesses", Some(id)),
        None::<&serde_json::Value>,
        Some(&serde_json::json!({"conflict": cid, "field": field, "accepted": accept})),
    )
    .await?;
    tx.commit().await?;
    Ok(see_other(&format!("/businesses/{id}")))
}

/// The register to Excel (the hamlet's, or the commune's), phones as the caller may see them.
async fn export(
    State(s): State<SharedState>,
    caller: Caller,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response> {
    let scope = caller.require_personal()?;
    let area = q.get("area").map_or("", |v| v.trim());
    let hamlet = hamlet_of(&s, &caller, scope, area).await?;
    let list = store::list(
        &s.db,
        scope,
        &ListQuery {
            hamlet,
            ..Default::default()
        },
    )
    .await?;
    let date = |d: &Option<String>| {
        Cell::Text(
            d.as_deref()
                .map(crate::text::format_date)
                .unwrap_or_default(),
        )
    };
    let rows: Vec<Vec<Cell>> = list
        .iter()
        .enumerate()
        .map(|(i, b)| {
            vec![
                Cell::Number(i as f64 + 1.0),
                Cell::Text(b.hamlet_name.clone()),
                Cell::Text(b.name.clone()),
                Cell::Text(b.owner_name.clone().unwrap_or_default()),
                Cell::Text(b.kind_label().to_string()),
                Cell::Text(b.products.clone().unwrap_or_default()),
                Cell::Text(b.address.clone().unwrap_or_default()),
                Cell::Text(phone_of(&caller, b).unwrap_or_default()),
                date(&b.ecommerce_on),
                Cell::Text(b.platform_label().to_string()),
                Cell::Text(b.shop_url.clone().unwrap_or_default()),
                date(&b.listed_on),
                date(&b.einvoice_on),
                date(&b.cashless_on),
                date(&b.social_on),
            ]
        })
        .collect();
    let bytes = crate::xlsx::table(
        "Cơ sở kinh doanh",
        "Danh sách cơ sở kinh doanh và chuyển đổi số",
        &HEADERS,
        &rows,
    )?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"co-so-kinh-doanh.xlsx\"; filename*=UTF-8''c%C6%A1-s%E1%BB%9F-kinh-doanh.xlsx".to_string(),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// The register's columns, as exported and as the import reads them.
pub const HEADERS: [&str; 15] = [
    "STT",
    "Ấp",
    "Tên cơ sở",
    "Chủ cơ sở",
    "Loại",
    "Sản phẩm",
    "Địa chỉ",
    "Số điện thoại",
    "Gian hàng TMĐT từ ngày",
    "Sàn TMĐT",
    "Địa chỉ gian hàng",
    "Đăng sản phẩm từ ngày",
    "Hóa đơn điện tử từ ngày",
    "Thanh toán không dùng tiền mặt từ ngày",
    "Mạng xã hội từ ngày",
];

// ---------- API ----------

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct BusinessesQuery {
    /// Mã ấp hoặc xã; mặc định địa bàn của tài khoản.
    #[serde(default)]
    area: String,
}

#[derive(Serialize, ToSchema)]
pub struct BusinessOut {
    id: i64,
    /// Mã ấp.
    hamlet: String,
    name: String,
    owner_name: Option<String>,
    owner_resident_id: Option<i64>,
    /// household, producer, cooperative, enterprise.
    kind: Option<String>,
    products: Option<String>,
    address: Option<String>,
    /// Đầy đủ cho Phòng VH-XH và tổ của ấp; che bớt với người khác.
    phone: Option<String>,
    /// yyyy-mm-dd: ngày vào danh sách.
    registered_on: Option<String>,
    /// Mỗi bước chuyển đổi số: ngày hoàn thành (ecommerce, listed, einvoice, cashless, social).
    steps: BTreeMap<String, Option<String>>,
    platform: Option<String>,
    shop_url: Option<String>,
    /// Gửi kèm khi ứng dụng thực địa sửa (base_version).
    version: i64,
}

pub(super) fn business_out(c: &Caller, b: &Business, hamlet_code: String) -> BusinessOut {
    BusinessOut {
        id: b.id,
        hamlet: hamlet_code,
        name: b.name.clone(),
        owner_name: b.owner_name.clone(),
        owner_resident_id: b.owner_resident_id,
        kind: b.kind.clone(),
        products: b.products.clone(),
        address: b.address.clone(),
        phone: phone_of(c, b),
        registered_on: b.registered_on.clone(),
        steps: b
            .steps()
            .into_iter()
            .map(|(code, _, on)| (code.to_string(), on))
            .collect(),
        platform: b.platform.clone(),
        shop_url: b.shop_url.clone(),
        version: b.version,
    }
}

/// Cơ sở kinh doanh của ấp hoặc xã
///
/// Tên, chủ cơ sở, loại, sản phẩm và các bước chuyển đổi số (gian hàng TMĐT, đăng sản phẩm,
/// hóa đơn điện tử, thanh toán không dùng tiền mặt, mạng xã hội) với ngày hoàn thành. Phòng
/// VH-XH, lãnh đạo xã, trưởng ấp và Tổ CNSCĐ của ấp.
#[utoipa::path(
    get,
    path = "/api/v1/businesses",
    tag = "Kinh tế số",
    params(BusinessesQuery),
    responses((status = 200, description = "Các cơ sở kinh doanh", body = Vec<BusinessOut>), ReadErrors)
)]
pub(super) async fn api_businesses(
    State(s): State<SharedState>,
    ApiCaller(c): ApiCaller,
    ApiQuery(q): ApiQuery<BusinessesQuery>,
) -> Result<Json<Vec<BusinessOut>>, ApiError> {
    let scope = c.require_personal()?;
    let hamlet = hamlet_of(&s, &c, scope, &q.area).await?;
    let list = store::list(
        &s.db,
        scope,
        &ListQuery {
            hamlet,
            ..Default::default()
        },
    )
    .await?;
    let codes: HashMap<i64, String> = crate::db::areas::children(&s.db, scope.commune_id)
        .await?
        .into_iter()
        .map(|a| (a.id, a.code))
        .collect();
    Ok(Json(
        list.iter()
            .map(|b| business_out(&c, b, codes.get(&b.hamlet_id).cloned().unwrap_or_default()))
            .collect(),
    ))
}
