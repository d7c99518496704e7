//! The public help-request form of each hamlet (`/yeu-cau/{code}`): anyone, without an
//! account, asks the hamlet's team for help.
//!
//! The form asks for as little as it can (name, phone, what for), states what the data is used
//! for, and is rate-limited per sender; past a hamlet's usual hourly volume the next senders
//! answer a small question instead of being refused. The sender is known only by a keyed hash
//! of their address, never the address itself. The team works the requests in `request_queue`.

use super::client_addr::ClientKey as SenderKey;
use super::forms::Values;
use super::login::pre_session_csrf;
use super::{MaybeCaller, PRE_CSRF_COOKIE, SharedState, Shell, cookie, render};
use crate::auth::Caller;
use crate::db::help_requests::{self, Counted, NewRequest};
use crate::db::{areas, audit, services};
use crate::error::AppError;
use crate::text;
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;
use std::collections::HashMap;

pub fn routes() -> Router<SharedState> {
    Router::new().route("/yeu-cau/{code}", get(public_form).post(public_submit))
}

pub const NAME_MAX: usize = 100;
pub const MESSAGE_MAX: usize = 500;
/// Public requests one sender may send in an hour.
pub const PER_SENDER_PER_HOUR: i64 = 3;
/// A hamlet's usual public requests in an hour, from everyone together: past it, senders
/// answer a question first (`Question`).
pub const PER_HAMLET_PER_HOUR: i64 = 30;
const HOUR: i64 = 3600;

/// An open hamlet and how the form names it ("Ấp 3, xã Rạch Kiến").
struct PublicHamlet {
    area: areas::Area,
    commune_id: i64,
    place: String,
}

async fn open_hamlet(s: &SharedState, code: &str) -> Result<PublicHamlet, AppError> {
    let area = areas::by_code(&s.db, code)
        .await?
        .filter(|a| a.level == "hamlet" && a.active == 1)
        .ok_or(AppError::NotFound)?;
    let commune = match area.commune_id {
        Some(c) => areas::get(&s.db, c).await?,
        None => None,
    }
    .filter(|c| c.active == 1)
    .ok_or(AppError::NotFound)?;
    let folded = text::fold(&commune.name);
    let commune_name = if folded.starts_with("xa ") || folded.starts_with("phuong ") {
        commune.name.clone()
    } else {
        format!("xã {}", commune.name)
    };
    Ok(PublicHamlet {
        place: format!("{}, {commune_name}", area.name),
        commune_id: commune.id,
        area,
    })
}

#[derive(Default)]
struct PublicValues {
    full_name: String,
    phone: String,
    service: String,
    message: String,
    consent: bool,
}

#[derive(Template)]
#[template(path = "request_form.html")]
struct RequestFormPage {
    shell: Shell,
    hamlet_name: String,
    place: String,
    action: String,
    services: Vec<(String, String)>,
    v: PublicValues,
    error: Option<String>,
    name_max: usize,
    message_max: usize,
    question: Option<Question>,
}

/// Asked when a hamlet's hour is busier than usual, instead of refusing its next senders: the
/// sum of two small numbers written in words, which a person answers at once. The expected
/// answer travels in the form under a keyed hash of the hamlet, the sender and the hour, so
/// nothing is stored and a solved question serves only its sender, for an hour or two.
struct Question {
    a: i64,
    b: i64,
    token: String,
    text: String,
}

const DIGIT_WORDS: [&str; 10] = [
    "không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín",
];

fn question_token(
    s: &SharedState,
    hamlet_id: i64,
    sender: &str,
    a: i64,
    b: i64,
    hour: i64,
) -> String {
    s.keys
        .match_hash(&format!("question:{hamlet_id}:{sender}:{a}:{b}:{hour}"))
}

fn new_question(s: &SharedState, hamlet_id: i64, sender: &str, now: i64) -> Question {
    use rand::Rng;
    let mut rng = rand::thread_rng();
    let (a, b) = (rng.gen_range(1..=9), rng.gen_range(1..=9));
    Question {
        a,
        b,
        token: question_token(s, hamlet_id, sender, a, b, now / HOUR),
        text: format!(
            "Để gửi được, xin trả lời: {} cộng {} bằng mấy? (ghi bằng chữ số)",
            DIGIT_WORDS[a as usize], DIGIT_WORDS[b as usize]
        ),
    }
}

/// Whether the form carries a question of this hour or the last, for this hamlet and sender,
/// answered right.
fn answered(s: &SharedState, hamlet_id: i64, sender: &str, raw: &Values, now: i64) -> bool {
    let num = |k: &str| raw.get(k).trim().parse::<i64>().ok();
    let (Some(a), Some(b), Some(answer)) = (num("q_a"), num("q_b"), num("q_answer")) else {
        return false;
    };
    let token = raw.get("q_token");
    (1..=9).contains(&a)
        && (1..=9).contains(&b)
        && answer == a + b
        && [now / HOUR, now / HOUR - 1]
            .iter()
            .any(|hour| question_token(s, hamlet_id, sender, a, b, *hour) == token)
}

#[derive(Template)]
#[template(path = "request_sent.html")]
struct RequestSentPage {
    shell: Shell,
    hamlet_name: String,
    place: String,
    form_href: String,
    phone_masked: String,
}

fn public_title(place: &str) -> String {
    format!("Yêu cầu hỗ trợ chuyển đổi số — {place}")
}

/// The page shell: the visitor's session when logged in (its token protects the form),
/// otherwise the double-submit token of `cds_csrf`.
fn public_shell(caller: Option<&Caller>, title: String, pre_csrf: String) -> Shell {
    match caller {
        Some(c) => Shell::new(c, title, ""),
        None => Shell::public(title, pre_csrf),
    }
}

async fn service_options(s: &SharedState) -> Result<Vec<(String, String)>, AppError> {
    let mut options: Vec<(String, String)> = services::active(&s.db)
        .await?
        .into_iter()
        .map(|sv| (sv.code, sv.name))
        .collect();
    options.push((String::new(), "Việc khác".into()));
    Ok(options)
}

fn form_page(
    h: &PublicHamlet,
    shell: Shell,
    services: Vec<(String, String)>,
    v: PublicValues,
    error: Option<String>,
) -> RequestFormPage {
    RequestFormPage {
        shell,
        hamlet_name: h.area.name.clone(),
        place: h.place.clone(),
        action: format!("/yeu-cau/{}", h.area.code),
        services,
        v,
        error,
        name_max: NAME_MAX,
        message_max: MESSAGE_MAX,
        question: None,
    }
}

async fn public_form(
    State(s): State<SharedState>,
    MaybeCaller(caller): MaybeCaller,
    Path(code): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let h = open_hamlet(&s, &code).await?;
    let (token, set_cookie) = match caller {
        Some(_) => (String::new(), None),
        None => pre_session_csrf(&s, &headers),
    };
    let shell = public_shell(caller.as_ref(), public_title(&h.place), token);
    let page = form_page(
        &h,
        shell,
        service_options(&s).await?,
        PublicValues::default(),
        None,
    );
    let mut res = render(&page)?.into_response();
    if let Some(c) = set_cookie {
        res.headers_mut().insert(header::SET_COOKIE, c);
    }
    Ok(res)
}

/// What the public form says, checked; every problem is named in one message.
fn parse_public(v: &PublicValues, services: &[(String, String)]) -> Result<String, AppError> {
    let mut problems: Vec<String> = Vec::new();
    if v.full_name.is_empty() {
        problems.push("Vui lòng nhập họ và tên.".into());
    } else if v.full_name.chars().count() > NAME_MAX {
        problems.push(format!("Họ và tên dài quá {NAME_MAX} ký tự."));
    }
    let phone = if v.phone.is_empty() {
        problems.push("Vui lòng nhập số điện thoại để Tổ gọi lại cho bạn.".into());
        None
    } else {
        let p = text::normalize_phone(&v.phone);
        if p.is_none() {
            problems.push(format!(
                "Số điện thoại «{}» không hợp lệ: cần 10 chữ số, ví dụ 0901234567.",
                v.phone
            ));
        }
        p
    };
    if !services.iter().any(|(code, _)| *code == v.service) {
        problems.push("Vui lòng chọn việc cần hỗ trợ trong danh sách.".into());
    }
    if v.message.chars().count() > MESSAGE_MAX {
        problems.push(format!(
            "Nội dung dài quá {MESSAGE_MAX} ký tự, vui lòng viết ngắn lại."
        ));
    }
    if !v.consent {
        problems.push(
            "Vui lòng đánh dấu ô đồng ý để Tổ CNSCĐ được dùng họ tên và số điện thoại của bạn \
             để liên hệ."
                .into(),
        );
    }
    match (problems.is_empty(), phone) {
        (true, Some(p)) => Ok(p),
        _ => Err(AppError::invalid(problems.join(" "))),
    }
}

/// What the audit log keeps of a public request (never the sender's key).
#[derive(Serialize)]
struct PublicAudit<'a> {
    source: &'a str,
    hamlet_id: i64,
    requester_name: &'a str,
    phone: &'a str,
    service_code: Option<&'a str>,
    message: Option<&'a str>,
}

fn wait_minutes(oldest: Option<i64>, now: i64) -> i64 {
    let free_at = oldest.unwrap_or(now) + HOUR;
    ((free_at - now + 59) / 60).clamp(1, 60)
}

async fn public_submit(
    State(s): State<SharedState>,
    MaybeCaller(caller): MaybeCaller,
    Path(code): Path<String>,
    SenderKey(sender): SenderKey,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let h = open_hamlet(&s, &code).await?;
    let raw = Values(form);
    let v = PublicValues {
        full_name: raw.get("full_name"),
        phone: raw.get("phone"),
        service: raw.get("service"),
        message: raw.get("message"),
        consent: raw.checked("consent"),
    };
    let title = public_title(&h.place);
    let token = cookie(&headers, PRE_CSRF_COOKIE)
        .unwrap_or_default()
        .to_string();
    // The honeypot: a person never sees the `website` field; a robot that fills it is told
    // that all went well, and nothing is kept.
    if !raw.get("website").is_empty() {
        return sent_page(&h, caller.as_ref(), token, &v.phone);
    }
    let services = service_options(&s).await?;
    let phone = match parse_public(&v, &services) {
        Ok(p) => p,
        Err(e) => return public_error(&h, caller.as_ref(), title, token, services, v, e),
    };
    let now = crate::db::now();
    let service = Some(v.service.as_str()).filter(|c| !c.is_empty());
    let message = Some(v.message.as_str()).filter(|m| !m.is_empty());
    let request = NewRequest {
        client_id: None,
        commune_id: h.commune_id,
        hamlet_id: h.area.id,
        requester_name: &v.full_name,
        phone: Some(&phone),
        service_code: service,
        message,
        resident_id: None,
        source: "public",
        assigned_member_id: None,
        sender_key: Some(&sender),
    };
    let mut tx = s.db.begin_write().await?;
    // The same request again within the hour is the one already received.
    if help_requests::repeat_of(&mut tx, &request, now - HOUR)
        .await?
        .is_some()
    {
        tx.rollback().await?;
        return sent_page(&h, caller.as_ref(), token, &phone);
    }
    let by_sender =
        help_requests::count_recent(&mut tx, Counted::Sender(&sender), now - HOUR).await?;
    if by_sender.count >= PER_SENDER_PER_HOUR {
        tx.rollback().await?;
        tracing::warn!(
            hamlet_id = h.area.id,
            "public help request over the sender's rate limit"
        );
        let e = AppError::TooManyAttempts(format!(
            "Bạn đã gửi quá nhiều yêu cầu trong một giờ qua (tối đa {PER_SENDER_PER_HOUR} yêu cầu), \
             vui lòng thử lại sau khoảng {} phút. Tổ CNSCĐ đã nhận các yêu cầu trước của bạn và \
             sẽ liên hệ lại.",
            wait_minutes(by_sender.oldest, now)
        ));
        return public_error(&h, caller.as_ref(), title, token, services, v, e);
    }
    // A busier hour than usual: the next senders answer a question a person answers at once,
    // so a flood from many addresses cannot close the form for the hamlet's people.
    let by_hamlet =
        help_requests::count_recent(&mut tx, Counted::Hamlet(h.area.id), now - HOUR).await?;
    if by_hamlet.count >= PER_HAMLET_PER_HOUR && !answered(&s, h.area.id, &sender, &raw, now) {
        tx.rollback().await?;
        tracing::warn!(
            hamlet_id = h.area.id,
            "public help requests over the hamlet's usual volume: question asked"
        );
        let tried = !raw.get("q_answer").trim().is_empty();
        let note = if tried {
            "Câu trả lời chưa đúng. Vui lòng trả lời câu hỏi mới bên dưới rồi bấm Gửi yêu cầu."
        } else {
            "Ấp đang nhận nhiều yêu cầu hơn thường lệ. Vui lòng trả lời câu hỏi nhỏ bên dưới rồi \
             bấm Gửi yêu cầu; thông tin bạn đã nhập được giữ nguyên."
        };
        let shell = public_shell(caller.as_ref(), title, token);
        let mut page = form_page(&h, shell, services, v, Some(note.to_string()));
        page.question = Some(new_question(&s, h.area.id, &sender, now));
        return Ok(render(&page)?.into_response());
    }
    let id = help_requests::insert(&mut tx, &request).await?;
    audit::record(
        &mut tx,
        audit::Entry {
            commune_id: Some(h.commune_id),
            account_id: caller.as_ref().map(|c| c.account_id),
            action: "create",
            entity: "help_request",
            entity_id: Some(id),
        },
        None::<&()>,
        Some(&PublicAudit {
            source: "public",
            hamlet_id: h.area.id,
            requester_name: &v.full_name,
            phone: &phone,
            service_code: service,
            message,
        }),
    )
    .await?;
    tx.commit().await?;
    sent_page(&h, caller.as_ref(), token, &phone)
}

fn public_error(
    h: &PublicHamlet,
    caller: Option<&Caller>,
    title: String,
    token: String,
    services: Vec<(String, String)>,
    v: PublicValues,
    e: AppError,
) -> Result<Response, AppError> {
    let status = e.status();
    let shell = public_shell(caller, title, token);
    let page = form_page(h, shell, services, v, Some(e.user_message()));
    Ok((status, render(&page)?).into_response())
}

fn sent_page(
    h: &PublicHamlet,
    caller: Option<&Caller>,
    token: String,
    phone: &str,
) -> Result<Response, AppError> {
    let shown = text::normalize_phone(phone).unwrap_or_else(|| phone.to_string());
    let page = RequestSentPage {
        shell: public_shell(caller, "Đã gửi yêu cầu hỗ trợ".into(), token),
        hamlet_name: h.area.name.clone(),
        place: h.place.clone(),
        form_href: format!("/yeu-cau/{}", h.area.code),
        phone_masked: text::mask_phone(&shown),
    };
    Ok(render(&page)?.into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_are_in_whole_minutes() {
        assert_eq!(wait_minutes(Some(1000), 1000), 60);
        assert_eq!(wait_minutes(Some(1000), 1000 + HOUR - 30), 1);
        assert_eq!(wait_minutes(None, 5), 60);
    }
}
