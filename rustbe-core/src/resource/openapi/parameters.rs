//! The parameters of a resource's operations: its list's pagination, sort, search and filters,
//! each typed as its field, and the header parameters.

use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, Schema, SchemaType, Type};
use utoipa::openapi::{RefOr, Required};

use super::super::Resource;
use crate::openapi::{self as kit, bounded, sort_schema, string};

/// The schema of `field` in the object schema `view`, as a parameter takes it (a UUID owner
/// is `format: uuid`, so a client knows a malformed one is a 400); a string when `view`
/// has no such property.
pub(super) fn field_schema(view: &Schema, field: &str) -> Schema {
    if let Schema::Object(object) = view
        && let Some(RefOr::T(Schema::Object(property))) = object.properties.get(field)
    {
        let mut property = property.clone();
        property.read_only = None;
        property.description = None;
        return Schema::Object(property);
    }
    string()
}

pub(super) fn query(
    name: &str,
    schema: Schema,
    description: impl AsRef<str>,
) -> utoipa::openapi::path::Parameter {
    kit::query(name, schema, description.as_ref())
}

pub(super) fn header_parameter(name: &str, description: &str) -> utoipa::openapi::path::Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .schema(Some(string()))
        .description(Some(description))
        .build()
}

/// Pagination, sort, search and every filter of `R` (but `nested`, the path's).
pub(super) fn list_parameters<R: Resource>(
    nested: Option<&str>,
) -> Vec<utoipa::openapi::path::Parameter> {
    let meta = &R::META;
    let mut out = Vec::new();
    if meta.cursor {
        out.push(query(
            "cursor",
            string(),
            "The `next_cursor` of the previous page",
        ));
    } else {
        out.push(query(
            "page",
            bounded(1, i64::from(u32::MAX)),
            "The page, from 1",
        ));
    }
    out.push(query(
        "limit",
        bounded(
            1,
            i64::try_from(crate::extract::PaginationLimits::default().max_limit())
                .unwrap_or(i64::MAX),
        ),
        "Rows per page (default 20, at most 100 unless configured)",
    ));
    if !meta.cursor {
        out.push(kit::offset_parameter());
    }
    if !meta.sorts.is_empty() {
        let default = crate::extract::sort::spelled(meta.default_sort);
        out.push(query(
            "sort",
            sort_schema(meta.sorts),
            format!(
                "Comma-separated fields, `-` for descending; one of: {}{}",
                meta.sorts.join(", "),
                if default.is_empty() {
                    String::new()
                } else {
                    format!(" (default `{default}`)")
                }
            ),
        ));
        let order = ObjectBuilder::new()
            .schema_type(SchemaType::Type(Type::String))
            .enum_values(Some(["asc", "desc"]))
            .into();
        out.push(query(
            "order",
            order,
            "The direction of the `sort` fields without `-`",
        ));
    }
    if !meta.search.is_empty() {
        let q = ObjectBuilder::new()
            .schema_type(SchemaType::Type(Type::String))
            .max_length(Some(super::super::MAX_SEARCH_CHARS))
            .into();
        out.push(query(
            "q",
            q,
            format!("Text search over {}", meta.search.join(", ")),
        ));
    }
    for filter in meta.filters {
        let field = filter.field;
        if Some(field) == nested {
            continue;
        }
        if filter.eq {
            out.push(query(
                field,
                (filter.schema)(),
                format!("Rows whose `{field}` equals this"),
            ));
        }
        if filter.range {
            out.push(query(
                &format!("min_{field}"),
                (filter.schema)(),
                format!("Rows whose `{field}` is at least this"),
            ));
            out.push(query(
                &format!("max_{field}"),
                (filter.schema)(),
                format!("Rows whose `{field}` is at most this"),
            ));
        }
        if filter.any_of {
            out.push(query(
                &format!("{field}_in"),
                string(),
                format!("Rows whose `{field}` is one of these comma-separated values"),
            ));
        }
    }
    for custom in meta.custom_filters {
        out.push(query(custom.name, (custom.schema)(), custom.description));
    }
    out
}
