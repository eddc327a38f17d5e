//! The routes every format is tested on: one per kind of answer and of error, the same for
//! the envelope (tests/envelope.rs) and the other formats (tests/formats.rs).

#![allow(dead_code, reason = "each test binary uses its part")]

use std::time::Duration;

use axum::Router;
use axum::routing::{get, post};
use http::StatusCode;
use rustbe_core::access::{AccessRule, Principal};
use rustbe_core::config::Config;
use rustbe_core::extract::{Json, Pagination, Path, Query, Sort, SortFields, SortKey, ValidJson};
use rustbe_core::response::{Created, NoContent, Page, Single};
use rustbe_core::{Error, ErrorCode};
use serde_json::json;

#[derive(serde::Deserialize, validator::Validate)]
struct NewItem {
    #[validate(length(min = 1, max = 10))]
    name: String,
    #[validate(range(exclusive_min = 0.0, message = "Price must be a positive number"))]
    price: f64,
    #[validate(email)]
    contact: String,
}

#[derive(serde::Deserialize)]
struct Filters {
    min_price: Option<f64>,
}

struct ItemSort;
impl SortFields for ItemSort {
    const FIELDS: &'static [&'static str] = &["name", "price"];
    const DEFAULT: &'static [SortKey] = &[SortKey::asc("name")];
}

pub(crate) fn code_named(name: &str) -> Option<ErrorCode> {
    ErrorCode::ALL.into_iter().find(|c| c.as_str() == name)
}

/// The routes of the contract: one per kind of answer and of error.
pub(crate) fn api() -> Router {
    Router::new()
        .route(
            "/items",
            get(|p: Pagination, s: Sort<ItemSort>| async move {
                let names: Vec<String> = s.keys().iter().map(|k| k.field.to_owned()).collect();
                Page::new(names, p, 57)
            })
            .post(|ValidJson(item): ValidJson<NewItem>| async move {
                Created::new(
                    "/api/items/1",
                    json!({"id": 1, "name": item.name, "price": item.price}),
                )
            }),
        )
        .route(
            "/items/{id}",
            get(|Path(id): Path<u32>| async move { Single(id) }).delete(|| async { NoContent }),
        )
        .route(
            "/raw",
            post(|Json(v): Json<serde_json::Value>| async move { Single(v) }),
        )
        .route(
            "/search",
            get(|Query(f): Query<Filters>| async move { Single(f.min_price) }),
        )
        .route(
            "/panic",
            get(|| async {
                if true {
                    panic!("boom: secret-panic-detail")
                } else {
                    "unreachable"
                }
            }),
        )
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                "late"
            }),
        )
        .route(
            "/error/{code}",
            get(|Path(name): Path<String>| async move {
                code_named(&name).map_or_else(|| Error::bad_request("unknown code"), Error::new)
            }),
        )
        .route(
            "/bare/{status}",
            get(|Path(status): Path<u16>| async move {
                StatusCode::from_u16(status).unwrap_or(StatusCode::IM_A_TEAPOT)
            }),
        )
        .route(
            "/admin",
            get(|p: Option<Principal>| async move {
                AccessRule::Roles(&["admin"])
                    .authorize(p.as_ref())
                    .map(|_| Single("welcome"))
            }),
        )
        .route(
            "/me",
            get(|p: Principal| async move { Single(p.id().to_owned()) }),
        )
        .layer(axum::middleware::from_fn(
            |mut req: axum::extract::Request, next: axum::middleware::Next| async move {
                // A stand-in authentication layer: `X-Test-User: id:role`.
                let user = req
                    .headers()
                    .get("x-test-user")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                if let Some((id, role)) = user.as_deref().and_then(|u| u.split_once(':')) {
                    req.extensions_mut().insert(Principal::new(id, [role]));
                }
                next.run(req).await
            },
        ))
}

/// A short timeout and a small body limit, so both rejections are quick to provoke.
pub(crate) fn test_config() -> Config {
    let mut config = Config::for_tests("envelope");
    config.request_timeout = Duration::from_millis(300);
    config.body_limit = 1024;
    config
}
