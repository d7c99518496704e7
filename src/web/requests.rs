//! Help requests: the public form of each hamlet and the hamlet's queue.

use super::SharedState;
use axum::Router;

pub fn routes() -> Router<SharedState> {
    Router::new()
}
