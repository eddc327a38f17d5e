//! Conduit's wire format: rustbe's `Plain::wrapped()` (`{"article": …}`,
//! `{"articles": […], "articlesCount": n}`) with Conduit's errors, `{"errors": {"body": […]}}`,
//! answered 422 for every bad input.

use axum::response::{IntoResponse, Response};
use rustbe_core::ErrorCode;
use rustbe_core::format::{ErrorFormat, ErrorView, Plain, Reply};
use rustbe_core::response::{Created, Single};
use serde::Serialize;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema, SchemaType, Type};

/// The format of the whole app, framework rejections included.
pub fn conduit() -> Plain<ConduitErrors> {
    Plain::wrapped().with_errors(ConduitErrors)
}

/// `{"errors": {"body": ["email must be a valid email address", …]}}`.
#[derive(Debug, Clone, Copy)]
pub struct ConduitErrors;

impl ErrorFormat for ConduitErrors {
    /// 422 for a malformed body, broken rules and a taken email, username or slug.
    fn status(&self, code: ErrorCode) -> http::StatusCode {
        match code {
            ErrorCode::ValidationError | ErrorCode::BadRequest | ErrorCode::DuplicateEntry => {
                http::StatusCode::UNPROCESSABLE_ENTITY
            }
            other => other.status(),
        }
    }

    fn render(&self, error: &ErrorView<'_>, out: &mut Reply) {
        let body: Vec<String> = match error.details() {
            [] => vec![error.message().to_owned()],
            details => details
                .iter()
                .map(|d| format!("{} {}", d.field(), d.message()))
                .collect(),
        };
        out.push_json(&serde_json::json!({"errors": {"body": body}}));
    }

    fn schema(&self) -> (&'static str, RefOr<Schema>) {
        let text = ObjectBuilder::new().schema_type(SchemaType::Type(Type::String));
        let errors = ObjectBuilder::new()
            .property("body", ArrayBuilder::new().items(text))
            .required("body");
        (
            "GenericError",
            ObjectBuilder::new()
                .property("errors", errors)
                .required("errors")
                .into(),
        )
    }
}

/// `{"<name>": value}`, 200.
pub fn named(name: &'static str, value: impl Serialize) -> Response {
    Single::named(name, value).into_response()
}

/// `{"<name>": value}`, 201 with `Location: location`.
pub fn created(location: String, name: &'static str, value: impl Serialize) -> Response {
    Created::new(location, value).named(name).into_response()
}
