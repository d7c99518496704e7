//! The JSON API under /api/v1 as one router, and its OpenAPI 3.1 document generated from the
//! handlers' `#[utoipa::path]` and the types they take and answer. A route added here with
//! `routes!` is documented by its types; nothing is written by hand.

use super::api_errors::ErrorBody;
use super::{
    SharedState, accounts, api, api_lists, businesses, field, funding_api, guides, imports,
    indicators, my_account, trainings,
};
use axum::http::header;
use axum::response::IntoResponse;
use std::sync::OnceLock;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Cộng Đồng Số API",
        version = "1",
        description = "API của Cộng Đồng Số. Xác thực bằng phiên (POST /api/v1/login, cookie \
            cds_session; mọi yêu cầu thay đổi dữ liệu gửi X-CSRF-Token) hoặc bằng mã truy cập: \
            Authorization: Bearer cds_… (tạo ở trang Tài khoản của tôi hoặc bằng lệnh congdongso \
            token create; không cần X-CSRF-Token). Tài khoản đăng nhập bằng mật khẩu tạm chỉ được \
            đổi mật khẩu (POST /api/v1/me/password); yêu cầu khác trả về 403. Mọi dữ liệu nằm \
            trong phạm vi vai trò và đơn vị của tài khoản; lỗi trả về {\"error\": \"…\"} bằng \
            tiếng Việt."
    ),
    servers((url = "/")),
    modifiers(&Security),
    components(schemas(ErrorBody)),
    security(("session" = []), ("token" = []))
)]
struct ApiDoc;

/// The two ways in: the session cookie of `POST /api/v1/login`, or a bearer API token.
struct Security;

impl Modify for Security {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                super::SESSION_COOKIE,
                "Phiên đăng nhập từ POST /api/v1/login; yêu cầu thay đổi dữ liệu gửi kèm \
                 X-CSRF-Token.",
            ))),
        );
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "Mã truy cập tạo bằng lệnh congdongso token create (không cần \
                         X-CSRF-Token).",
                    ))
                    .build(),
            ),
        );
    }
}

/// The API's routes, each documented by its handler.
fn api() -> OpenApiRouter<SharedState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(api::login))
        .routes(routes!(api::logout))
        .routes(routes!(api::me))
        .routes(routes!(my_account::api_password))
        .routes(routes!(accounts::api_list, accounts::api_create))
        .routes(routes!(accounts::api_edit))
        .routes(routes!(accounts::api_reset))
        .routes(routes!(accounts::api_active))
        .routes(routes!(api::list_areas))
        .routes(routes!(api::list_residents))
        .routes(routes!(api::get_resident))
        .routes(routes!(imports::api_personal_data))
        .routes(routes!(api_lists::list_households))
        .routes(routes!(api_lists::list_teams))
        .routes(routes!(api_lists::list_members))
        .routes(routes!(api_lists::list_activities))
        .routes(routes!(api_lists::list_help))
        .routes(routes!(api_lists::list_reports))
        .routes(routes!(api_lists::get_report))
        .routes(routes!(indicators::api_indicators))
        .routes(routes!(funding_api::api_summary))
        .routes(routes!(funding_api::api_payments))
        .routes(routes!(funding_api::api_prepare))
        .routes(routes!(funding_api::api_approve))
        .routes(routes!(funding_api::api_paid))
        .routes(routes!(funding_api::api_add_adjustment))
        .routes(routes!(funding_api::api_add_source))
        .routes(routes!(funding_api::api_add_rate))
        .routes(routes!(funding_api::api_add_expense))
        .routes(routes!(
            trainings::api_trainings,
            trainings::api_add_training
        ))
        .routes(routes!(guides::api_guides))
        .routes(routes!(businesses::api_businesses))
        .routes(routes!(guides::api_field_guides))
        .routes(routes!(field::data))
        .routes(routes!(field::sync_records))
        .routes(routes!(imports::api_residents))
        .routes(routes!(imports::api_members))
        .routes(routes!(openapi))
}

pub fn routes() -> axum::Router<SharedState> {
    api().split_for_parts().0
}

/// The document as served, built once.
pub fn document() -> &'static str {
    static DOC: OnceLock<String> = OnceLock::new();
    DOC.get_or_init(|| {
        api()
            .into_openapi()
            .to_json()
            .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    })
}

/// Tài liệu OpenAPI 3.1 của API này
///
/// Sinh từ chính các kiểu dữ liệu và tuyến của máy chủ, nên luôn khớp với máy chủ.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    tag = "API",
    security(()),
    responses(
        (status = 200, description = "Tài liệu OpenAPI 3.1", body = Object),
        (status = 401, description = "Kèm một mã truy cập không hợp lệ", body = ErrorBody),
    )
)]
pub(super) async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], document())
}
