//! The OpenAPI document in the app's format: rustbe documents every answer in the envelope
//! (the kit in [`crate::openapi`], the derive, rustbe-auth), naming the schemas it wraps;
//! this pass rewrites them into the format's own shapes once the document is whole.

use std::collections::BTreeMap;

use utoipa::openapi::extensions::Extensions;
use utoipa::openapi::path::Operation;
use utoipa::openapi::schema::Schema;
use utoipa::openapi::{Content, OpenApi, RefOr};

use super::{Format, Names, PageKind};
use crate::ErrorCode;

/// The extension member the kit tags an envelope schema with: the [`Names`] of the answer.
pub(crate) const NAMES: &str = "x-rustbe-names";

/// The envelope schema `schema`, tagged with `names` for formats that wrap answers.
pub(crate) fn tag(schema: RefOr<Schema>, names: Names<'_>) -> RefOr<Schema> {
    let RefOr::T(Schema::Object(mut object)) = schema else {
        return schema;
    };
    let mut extensions = Extensions::default();
    extensions.insert(
        NAMES.to_owned(),
        serde_json::json!({"one": names.one(), "many": names.many()}),
    );
    object.extensions = Some(extensions);
    RefOr::T(Schema::Object(object))
}

/// Rewrites `doc` into `format` (`None`: the envelope, whose shapes it already has; only the
/// tags are removed).
pub(crate) fn apply(format: Option<&dyn Format>, doc: &mut OpenApi) {
    for item in doc.paths.paths.values_mut() {
        for operation in crate::openapi::operations_mut(item) {
            rewrite(format, operation);
        }
    }
    if let Some(format) = format {
        let (name, schema) = format.errors().schema();
        if !matches!(schema, RefOr::Ref(_)) {
            doc.components
                .get_or_insert_with(Default::default)
                .schemas
                .insert(name.to_owned(), schema);
        }
    }
}

fn rewrite(format: Option<&dyn Format>, operation: &mut Operation) {
    let responses = std::mem::take(&mut operation.responses.responses);
    let mut out = BTreeMap::new();
    for (status, response) in responses {
        let RefOr::T(mut response) = response else {
            out.insert(status, response);
            continue;
        };
        let mut status = status;
        let mut content = std::mem::take(&mut response.content);
        let mut paged = None;
        for body in content.values_mut() {
            if let RefOr::T(body) = body
                && let Some(schema) = body.schema.take()
            {
                let (schema, kind) = success(format, schema);
                paged = paged.or(kind);
                body.schema = Some(schema);
            }
        }
        if let (Some(format), Some(kind)) = (format, paged) {
            for (name, description) in format.page_headers(kind) {
                response.headers.insert(
                    name.to_owned(),
                    utoipa::openapi::header::HeaderBuilder::new()
                        .schema(Some(match kind {
                            PageKind::Page => crate::openapi::bounded(0, i64::MAX),
                            PageKind::Cursor => crate::openapi::string(),
                        }))
                        .description(Some(description))
                        .build()
                        .into(),
                );
            }
        }
        if let Some(format) = format
            && let Some(RefOr::T(json)) = content.get("application/json")
            && is_error_envelope(json)
        {
            let errors = format.errors();
            let code = status
                .parse::<u16>()
                .ok()
                .and_then(|s| http::StatusCode::from_u16(s).ok())
                .map(ErrorCode::from_status);
            if let Some(code) = code {
                status = errors.status(code).as_u16().to_string();
            }
            let (name, schema) = errors.schema();
            let schema = match schema {
                RefOr::Ref(reference) => RefOr::Ref(reference),
                RefOr::T(_) => utoipa::openapi::Ref::from_schema_name(name).into(),
            };
            content.clear();
            content.insert(
                errors.media_type().to_owned(),
                RefOr::T(Content::new(Some(schema))),
            );
        }
        response.content = content;
        match out.get_mut(&status) {
            // Two statuses the format answers alike (400 and 422 as 422): one response
            // whose description says both.
            Some(RefOr::T(existing)) => {
                existing.description =
                    format!("{} Or: {}", existing.description, response.description);
            }
            _ => {
                out.insert(status, RefOr::T(response));
            }
        }
    }
    operation.responses.responses = out;
}

fn is_error_envelope(content: &Content) -> bool {
    matches!(&content.schema, Some(RefOr::Ref(r)) if r.ref_location.ends_with("/ErrorEnvelope"))
}

/// A success schema in `format`: an envelope object (`success` + `data`, maybe
/// `pagination`) becomes the format's shape, with the kind of page it was; anything else
/// stays.
fn success(
    format: Option<&dyn Format>,
    schema: RefOr<Schema>,
) -> (RefOr<Schema>, Option<PageKind>) {
    let RefOr::T(Schema::Object(mut object)) = schema else {
        return (schema, None);
    };
    let tagged = object.extensions.as_mut().and_then(|e| e.remove(NAMES));
    let names = tagged.as_ref().map_or(Names::NONE, |value| Names {
        one: value["one"].as_str(),
        many: value["many"].as_str(),
    });
    if object.extensions.as_ref().is_some_and(|e| e.is_empty()) {
        object.extensions = None;
    }
    let Some(format) = format else {
        return (RefOr::T(Schema::Object(object)), None);
    };
    if !(object.properties.contains_key("success") && object.properties.contains_key("data")) {
        return (RefOr::T(Schema::Object(object)), None);
    }
    let Some(data) = object.properties.remove("data") else {
        return (RefOr::T(Schema::Object(object)), None);
    };
    match object.properties.remove("pagination") {
        None => (format.one_schema(names, data), None),
        Some(pagination) => {
            let kind = match &pagination {
                RefOr::Ref(r) if r.ref_location.ends_with("/PageMeta") => PageKind::Page,
                _ => PageKind::Cursor,
            };
            let item = match data {
                RefOr::T(Schema::Array(array)) => match array.items {
                    utoipa::openapi::schema::ArrayItems::RefOrSchema(item) => *item,
                    utoipa::openapi::schema::ArrayItems::False => RefOr::T(Schema::default()),
                },
                other => other,
            };
            (format.page_schema(names, item, kind), Some(kind))
        }
    }
}
