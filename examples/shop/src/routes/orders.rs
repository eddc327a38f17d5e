//! Not written yet.

use axum::Router;
use sea_orm::DatabaseConnection;

/// The routes, relative to `/api`.
pub fn router(db: DatabaseConnection) -> Router {
    let _ = db;
    Router::new()
}

/// Their OpenAPI document.
#[must_use]
pub fn openapi() -> utoipa::openapi::OpenApi {
    utoipa::openapi::OpenApi::default()
}
