//! Answering in the request's format: the format [`FormatLayer`](super::FormatLayer) set
//! for the request being served (task-local), and the renderers the response types and the
//! derive's handlers call.

use std::sync::Arc;

use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderValue, StatusCode, Uri};
use serde::Serialize;

use super::{Envelope, ErrorFormat, ErrorView, Format, Names, Paging, Reply, envelope};
use crate::{Error, ErrorCode, FieldError};

/// The format a request is answered in, set by [`FormatLayer`] for the requests under it.
#[derive(Clone)]
pub(super) struct Scope {
    pub(super) format: Arc<dyn Format>,
    pub(super) uri: Uri,
}

tokio::task_local! {
    pub(super) static CURRENT: Scope;
}

/// The format of the request being served, when it is not the default envelope.
fn current() -> Option<Scope> {
    CURRENT.try_with(Scope::clone).ok()
}

/// The format alone (no copy of the request's URI), for the success paths.
fn current_format() -> Option<Arc<dyn Format>> {
    CURRENT.try_with(|scope| Arc::clone(&scope.format)).ok()
}

/// `data` (JSON text) as a single value in the current format.
pub(crate) fn one_json(status: StatusCode, names: Names<'_>, data: &str) -> Response {
    match current_format() {
        None => envelope::one_response(status, data),
        Some(format) => {
            let mut reply = Reply::with_capacity(data.len() + 32);
            format.one(names, data, &mut reply);
            reply.into_response(status, json_type())
        }
    }
}

/// `value` as a single value in the current format.
pub(crate) fn one_value<T: Serialize>(status: StatusCode, names: Names<'_>, value: &T) -> Response {
    match current_format() {
        None => crate::response::json_response(status, &crate::envelope::Data::new(value)),
        Some(format) => match serde_json::to_string(value) {
            Ok(data) => {
                let mut reply = Reply::with_capacity(data.len() + 32);
                format.one(names, &data, &mut reply);
                reply.into_response(status, json_type())
            }
            Err(err) => Error::internal(err).into_response(),
        },
    }
}

/// `items` (a JSON array) as a page in the current format.
pub(crate) fn page_json(names: Names<'_>, items: &str, paging: Paging<'_>) -> Response {
    let format = current_format();
    let format: &dyn Format = format.as_deref().unwrap_or(&Envelope);
    let mut reply = Reply::with_capacity(items.len() + 96);
    format.page(names, items, paging, &mut reply);
    reply.into_response(StatusCode::OK, json_type())
}

/// `items` as a page in the current format.
pub(crate) fn page_values<T: Serialize>(
    names: Names<'_>,
    items: &[T],
    paging: Paging<'_>,
) -> Response {
    match serde_json::to_string(items) {
        Ok(json) => page_json(names, &json, paging),
        Err(err) => Error::internal(err).into_response(),
    }
}

/// The parts of an error, for [`error_body`].
pub(crate) struct ErrorParts<'a> {
    pub(crate) code: ErrorCode,
    pub(crate) message: &'a str,
    pub(crate) details: &'a [FieldError],
    pub(crate) request_id: &'a str,
}

/// The status, media type, body and extra headers of an error in the current format.
pub(crate) fn error_body(parts: &ErrorParts<'_>) -> (StatusCode, HeaderValue, String, HeaderMap) {
    let scope = current();
    let errors: &dyn ErrorFormat = match &scope {
        Some(scope) => scope.format.errors(),
        None => &Envelope,
    };
    let status = errors.status(parts.code);
    let view = ErrorView {
        status,
        instance: scope.as_ref().map(|s| s.uri.path()),
        ..ErrorView::new(parts.code, parts.message, parts.details, parts.request_id)
    };
    let mut reply = Reply::with_capacity(128);
    errors.render(&view, &mut reply);
    let media = HeaderValue::from_static(errors.media_type());
    (status, media, reply.body, reply.headers)
}

fn json_type() -> HeaderValue {
    HeaderValue::from_static("application/json")
}
