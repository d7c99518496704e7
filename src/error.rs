//! The one error type. Each variant knows its HTTP status and its Vietnamese message;
//! pages render it as an HTML page, the API as JSON (see `web::ApiError`).

use axum::http::StatusCode;

pub type Result<T, E = AppError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("Bạn cần đăng nhập.")]
    Unauthenticated,
    #[error("Bạn không có quyền thực hiện việc này.")]
    Forbidden,
    #[error("Không tìm thấy.")]
    NotFound,
    /// Logged in with a temporary password: only changing it is allowed.
    #[error(
        "Bạn đang dùng mật khẩu tạm: hãy đổi mật khẩu trước khi làm việc khác \
         (trang /account/password, hoặc POST /api/v1/me/password)."
    )]
    PasswordChangeRequired,
    #[error("{0}")]
    Invalid(String),
    /// A request the server cannot read: a parameter of the wrong type or out of range.
    #[error("{0}")]
    BadRequest(String),
    /// A body over the limit of its route.
    #[error("{0}")]
    TooLarge(String),
    #[error("{0}")]
    BadCredentials(String),
    #[error("{0}")]
    Csrf(String),
    #[error("{0}")]
    TooManyAttempts(String),
    #[error("{0}")]
    Config(String),
    #[error("Lỗi cơ sở dữ liệu")]
    Db(#[from] sqlx::Error),
    #[error("Lỗi hệ thống: {0}")]
    Internal(String),
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Unauthenticated | AppError::BadCredentials(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::Csrf(_) | AppError::PasswordChangeRequired => {
                StatusCode::FORBIDDEN
            }
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::TooManyAttempts(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::Db(e) if is_unique_violation(e) => StatusCode::CONFLICT,
            AppError::Config(_) | AppError::Db(_) | AppError::Internal(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }

    /// The message shown to a user: never database internals.
    pub fn user_message(&self) -> String {
        match self {
            AppError::Db(e) if is_unique_violation(e) => {
                "Dữ liệu bị trùng với một bản ghi đã có (mã hoặc tên đăng nhập đã tồn tại).".into()
            }
            AppError::Db(_) | AppError::Internal(_) => {
                "Đã có lỗi trong hệ thống. Vui lòng thử lại; nếu vẫn lỗi, báo cho quản trị viên."
                    .into()
            }
            other => other.to_string(),
        }
    }

    pub fn invalid(msg: impl Into<String>) -> Self {
        AppError::Invalid(msg.into())
    }
}

pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(d) => {
            d.is_unique_violation() || d.message().contains("UNIQUE constraint failed")
        }
        _ => false,
    }
}

impl AppError {
    /// Logs a server fault (5xx) for the operator; the user's own mistakes (4xx) are not
    /// logged. Here rather than in `web` so the sync's per-record faults (`db::sync`), which
    /// answer 200 with the record rejected, log the same way as a failed request.
    pub fn log(&self) {
        if !self.status().is_server_error() {
            return;
        }
        match self {
            // A database error's message can quote the failing row (PostgreSQL's "Failing row
            // contains …"): log only its code, constraint and table, never the values.
            AppError::Db(sqlx::Error::Database(d)) => tracing::error!(
                code = d.code().as_deref().unwrap_or(""),
                constraint = d.constraint().unwrap_or(""),
                table = d.table().unwrap_or(""),
                "database error"
            ),
            AppError::Db(other) => tracing::error!(kind = db_error_kind(other), "database error"),
            other => tracing::error!(error = %other, "request failed"),
        }
    }

    /// For the operator at the command line, database errors are shown in full.
    pub fn user_message_for_cli(&self) -> String {
        match self {
            AppError::Db(e) => format!("Lỗi cơ sở dữ liệu: {e}"),
            other => other.user_message(),
        }
    }
}

fn db_error_kind(e: &sqlx::Error) -> &'static str {
    match e {
        sqlx::Error::PoolTimedOut => "pool timed out",
        sqlx::Error::Io(_) => "io",
        sqlx::Error::RowNotFound => "row not found",
        sqlx::Error::ColumnDecode { .. } | sqlx::Error::Decode(_) => "decode",
        _ => "other",
    }
}
