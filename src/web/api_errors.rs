//! The API's error answer, `{"error": "…"}`, and the sets of error responses operations list
//! in the document.

use serde::Serialize;
use utoipa::{IntoResponses, ToSchema};

/// Every error of the API: a Vietnamese message saying what to fix.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    /// Thông báo lỗi bằng tiếng Việt.
    pub error: String,
}

/// The errors of an operation that reads: documented once, listed by every read.
#[derive(IntoResponses)]
#[allow(dead_code)] // documentation only: answers are built by `ApiError`
pub enum ReadErrors {
    /// Tham số trong đường dẫn hoặc truy vấn sai kiểu hoặc ngoài khoảng cho phép.
    #[response(status = 400)]
    BadRequest(ErrorBody),
    /// Chưa đăng nhập, phiên hết hạn hoặc mã truy cập không hợp lệ.
    #[response(status = 401)]
    Unauthenticated(ErrorBody),
    /// Vai trò của tài khoản không được xem dữ liệu này.
    #[response(status = 403)]
    Forbidden(ErrorBody),
    /// Không tìm thấy, hoặc ngoài phạm vi của tài khoản.
    #[response(status = 404)]
    NotFound(ErrorBody),
    /// Giá trị không hợp lệ (ví dụ kỳ hoặc tháng sai dạng).
    #[response(status = 422)]
    Invalid(ErrorBody),
    /// Lỗi hệ thống.
    #[response(status = 500)]
    Internal(ErrorBody),
}

/// The errors of an operation that writes.
#[derive(IntoResponses)]
#[allow(dead_code)] // documentation only: answers are built by `ApiError`
pub enum WriteErrors {
    /// Tham số sai kiểu hoặc ngoài khoảng cho phép.
    #[response(status = 400)]
    BadRequest(ErrorBody),
    /// Chưa đăng nhập, phiên hết hạn hoặc mã truy cập không hợp lệ.
    #[response(status = 401)]
    Unauthenticated(ErrorBody),
    /// Không có quyền, hoặc thiếu mã chống giả mạo (X-CSRF-Token) khi dùng phiên.
    #[response(status = 403)]
    Forbidden(ErrorBody),
    /// Không tìm thấy, hoặc ngoài phạm vi của tài khoản.
    #[response(status = 404)]
    NotFound(ErrorBody),
    /// Trùng với dữ liệu đã có (ví dụ mã đã tồn tại).
    #[response(status = 409)]
    Conflict(ErrorBody),
    /// Dữ liệu gửi lên quá lớn.
    #[response(status = 413)]
    TooLarge(ErrorBody),
    /// Dữ liệu không hợp lệ; thông báo nói cần sửa gì.
    #[response(status = 422)]
    Invalid(ErrorBody),
    /// Lỗi hệ thống.
    #[response(status = 500)]
    Internal(ErrorBody),
}
