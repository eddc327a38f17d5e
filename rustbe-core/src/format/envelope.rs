//! The default format: `{"success": true, "data": …}`, pages with `pagination`, errors as
//! `{"success": false, "error": {…}}` (the shapes of [`crate::envelope`]).

use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use utoipa::openapi::schema::Schema;
use utoipa::openapi::{Ref, RefOr};

use super::{ErrorFormat, ErrorView, Format, Names, PageKind, Paging, Reply};
#[cfg(doc)]
use crate::envelope::{ErrorBody, ErrorEnvelope};

/// rustbe's envelope, the default format. Names are ignored.
///
/// ```
/// use rustbe_core::format::{Envelope, Format, Names, Reply};
/// let mut out = Reply::default();
/// Envelope.one(Names::new("tag", "tags"), r#"{"id":1}"#, &mut out);
/// assert_eq!(out.body(), r#"{"success":true,"data":{"id":1}}"#);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Envelope;

impl Format for Envelope {
    fn one(&self, _: Names<'_>, data: &str, out: &mut Reply) {
        out.push_str(r#"{"success":true,"data":"#);
        out.push_str(data);
        out.push_str("}");
    }

    fn page(&self, _: Names<'_>, items: &str, paging: Paging<'_>, out: &mut Reply) {
        out.push_str(r#"{"success":true,"data":"#);
        out.push_str(items);
        out.push_str(r#","pagination":"#);
        match paging {
            Paging::Page(meta) => out.push_json(meta),
            Paging::Cursor(meta) => out.push_json(meta),
        }
        out.push_str("}");
    }

    fn errors(&self) -> &dyn ErrorFormat {
        self
    }

    fn one_schema(&self, _: Names<'_>, data: RefOr<Schema>) -> RefOr<Schema> {
        crate::openapi::data(data)
    }

    fn page_schema(&self, _: Names<'_>, item: RefOr<Schema>, kind: PageKind) -> RefOr<Schema> {
        match kind {
            PageKind::Page => crate::openapi::paged(item),
            PageKind::Cursor => crate::openapi::cursor_paged(item),
        }
    }
}

/// [`ErrorEnvelope`] on the wire, borrowing the error's parts instead of copying them.
#[derive(serde::Serialize)]
struct Wire<'a> {
    success: bool,
    error: WireBody<'a>,
}

/// [`ErrorBody`] borrowed: the same members, in the same order.
#[derive(serde::Serialize)]
struct WireBody<'a> {
    code: crate::ErrorCode,
    message: &'a str,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    details: &'a [crate::FieldError],
    request_id: &'a str,
}

impl ErrorFormat for Envelope {
    fn render(&self, error: &ErrorView<'_>, out: &mut Reply) {
        out.push_json(&Wire {
            success: false,
            error: WireBody {
                code: error.code(),
                message: error.message(),
                details: error.details(),
                request_id: error.request_id(),
            },
        });
    }

    fn schema(&self) -> (&'static str, RefOr<Schema>) {
        (
            "ErrorEnvelope",
            Ref::from_schema_name("ErrorEnvelope").into(),
        )
    }
}

/// `{"success":true,"data":…}` around `data`, JSON already rendered: the envelope's fast path,
/// used when no other format is in scope.
pub(super) fn one_response(status: StatusCode, data: &str) -> Response {
    let mut body = String::with_capacity(data.len() + 27);
    body.push_str(r#"{"success":true,"data":"#);
    body.push_str(data);
    body.push('}');
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response()
}
