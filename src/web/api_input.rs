//! What an API request carries in its path, query and body, read so that every failure is a
//! JSON error saying in Vietnamese what to fix (axum's own rejections are English text).

use super::ApiError;
use crate::error::AppError;
use axum::body::{Body, Bytes};
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{FromRequestParts, Path, Query};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

/// A small JSON body (at most 64 KB): not JSON, or not the shape asked for, is a 422 saying
/// so in Vietnamese with the field serde names.
pub struct ApiJson<T>(pub T);

/// Account and password bodies are a few hundred bytes.
const MAX_JSON: usize = 64 << 10;

impl<T, S> axum::extract::FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;
    async fn from_request(req: axum::extract::Request, _: &S) -> Result<Self, ApiError> {
        let json = req
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        if !json {
            return Err(AppError::invalid(
                "Cần gửi dữ liệu dạng JSON (Content-Type: application/json).",
            )
            .into());
        }
        let bytes = body_bytes(req.into_body(), MAX_JSON, "Dữ liệu gửi lên").await?;
        serde_json::from_slice(&bytes).map(ApiJson).map_err(|e| {
            let what = match e.classify() {
                serde_json::error::Category::Data => {
                    // serde names the field (missing field `x`, invalid type …) in English; the
                    // field name is what a script needs.
                    let m = e.to_string();
                    let m = m.split(" at line").next().unwrap_or_default();
                    format!(" ({})", m.chars().take(80).collect::<String>())
                }
                _ => String::new(),
            };
            AppError::invalid(format!(
                "Dữ liệu JSON không đúng dạng{what}; xem /api/v1/openapi.json."
            ))
            .into()
        })
    }
}

/// Path parameters; a value of the wrong type is a 400 naming the parameter.
pub struct ApiPath<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, s: &S) -> Result<Self, ApiError> {
        match Path::<T>::from_request_parts(parts, s).await {
            Ok(Path(v)) => Ok(ApiPath(v)),
            Err(e) => Err(path_error(&e).into()),
        }
    }
}

fn path_error(e: &PathRejection) -> AppError {
    use axum::extract::path::ErrorKind;
    let named = match e {
        PathRejection::FailedToDeserializePathParams(d) => match d.kind() {
            ErrorKind::ParseErrorAtKey { key, value, .. } => Some((key.clone(), value.clone())),
            ErrorKind::ParseErrorAtIndex { value, .. } | ErrorKind::ParseError { value, .. } => {
                Some((String::new(), value.clone()))
            }
            _ => None,
        },
        _ => None,
    };
    match named {
        Some((key, value)) if !key.is_empty() => AppError::BadRequest(format!(
            "Tham số «{key}» trong đường dẫn không hợp lệ: «{}» không phải là giá trị đúng \
             kiểu (mã số phải là số nguyên).",
            shorten(&value)
        )),
        Some((_, value)) => AppError::BadRequest(format!(
            "Tham số trong đường dẫn không hợp lệ: «{}».",
            shorten(&value)
        )),
        None => AppError::BadRequest("Đường dẫn không hợp lệ.".into()),
    }
}

/// Query parameters; a value of the wrong type is a 400 naming the parameter.
pub struct ApiQuery<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, s: &S) -> Result<Self, ApiError> {
        match Query::<T>::from_request_parts(parts, s).await {
            Ok(Query(v)) => Ok(ApiQuery(v)),
            Err(e) => Err(query_error(&e).into()),
        }
    }
}

fn query_error(e: &QueryRejection) -> AppError {
    // serde_urlencoded says "<field>: <problem>" for a field it could not read.
    let text = e.body_text();
    let detail = text.split_once(": ").map_or(text.as_str(), |(_, d)| d);
    match detail.split_once(": ") {
        Some((field, _)) if field.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => {
            AppError::BadRequest(format!(
                "Tham số «{field}» trong truy vấn không hợp lệ (sai kiểu, ví dụ cần một số nguyên)."
            ))
        }
        _ => AppError::BadRequest(
            "Tham số trong truy vấn không hợp lệ (sai kiểu hoặc sai dạng).".into(),
        ),
    }
}

fn shorten(v: &str) -> String {
    v.chars().take(40).collect()
}

/// The last page a list may be asked for (the data layer never reads past it).
pub const MAX_PAGE: i64 = 1_000_000;

/// A page of a list: `page` from 1 to `MAX_PAGE`, `per_page` from 1 to `max` (default
/// `default`). Values out of range are refused rather than quietly changed, so a script learns
/// its mistake.
pub fn paging(
    page: Option<i64>,
    per_page: Option<i64>,
    default: i64,
    max: i64,
) -> Result<(i64, i64), ApiError> {
    let page = page.unwrap_or(1);
    if !(1..=MAX_PAGE).contains(&page) {
        return Err(AppError::BadRequest(format!(
            "Tham số «page» phải là số nguyên từ 1 đến {MAX_PAGE}."
        ))
        .into());
    }
    let per_page = per_page.unwrap_or(default);
    if !(1..=max).contains(&per_page) {
        return Err(AppError::BadRequest(format!(
            "Tham số «per_page» phải là số nguyên từ 1 đến {max}."
        ))
        .into());
    }
    Ok((page, per_page))
}

/// The request body, at most `limit` bytes; more is a 413 saying the limit, a body that breaks
/// off is a 400.
pub async fn body_bytes(body: Body, limit: usize, what: &str) -> Result<Bytes, ApiError> {
    axum::body::to_bytes(body, limit).await.map_err(|e| {
        let over = std::error::Error::source(&e)
            .is_some_and(|s| s.is::<http_body_util::LengthLimitError>());
        ApiError(if over {
            AppError::TooLarge(format!(
                "{what} quá lớn: tối đa {} MB mỗi lần gửi.",
                limit >> 20
            ))
        } else {
            AppError::BadRequest(format!("{what} bị ngắt giữa chừng; hãy gửi lại."))
        })
    })
}
