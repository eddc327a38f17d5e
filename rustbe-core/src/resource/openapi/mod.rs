//! The OpenAPI paths and schemas of a resource, from its [`Meta`](super::Meta) and
//! [`Schemas`](super::Schemas).

use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{
    HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, PathItem,
};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{ArrayBuilder, Schema};
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::{
    ComponentsBuilder, Content, OpenApi, OpenApiBuilder, PathsBuilder, Ref, RefOr, Required,
};

use super::Resource;
use crate::access::AccessRule;
use crate::app::BEARER_SCHEME;
use crate::format::Names;
use crate::openapi::{self as kit, ErrorResponse, INVALID, UNSUPPORTED, string};

mod parameters;

use parameters::{field_schema, header_parameter, list_parameters};

const JSON: &str = "application/json";

/// The document of resource `R` with its routes under `prefix` (where its router is nested,
/// usually `/api`): every route that is on, its parameters (each filter and sort field
/// named), bodies, responses in the envelope, errors and security; and the schemas
/// `{Name}`, `{Name}Create`, `{Name}Replace` and `{Name}Patch`. Merge it into the app's
/// document with [`App::openapi`](crate::app::App::openapi).
///
/// ```
/// # use rustbe_core::Resource;
/// # use sea_orm::entity::prelude::*;
/// # #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Resource)]
/// # #[sea_orm(table_name = "tags")]
/// # #[resource(access(read = public))]
/// # pub struct Model { #[sea_orm(primary_key)] pub id: i32, #[resource(filter)] pub name: String }
/// # #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
/// # pub enum Relation {}
/// # impl ActiveModelBehavior for ActiveModel {}
/// let doc = serde_json::to_value(rustbe_core::resource::openapi::<Model>("/api")).unwrap();
/// let list = &doc["paths"]["/api/tags"]["get"];
/// assert!(list["parameters"].as_array().unwrap().iter().any(|p| p["name"] == "name"));
/// assert!(doc["components"]["schemas"]["TagCreate"].is_object());
/// ```
#[must_use]
pub fn openapi<R: Resource>(prefix: &str) -> OpenApi {
    let meta = &R::META;
    let schemas = R::schemas();
    let name = meta.name;
    let prefix = prefix.trim_end_matches('/');
    let view = || -> RefOr<Schema> { Ref::from_schema_name(name).into() };
    let body =
        |suffix: &str| -> RefOr<Schema> { Ref::from_schema_name(format!("{name}{suffix}")).into() };
    let ctx = Ctx {
        tag: meta.collection,
    };
    let names = Names::new(meta.one, meta.collection);
    // A row in the envelope, named for formats that wrap answers.
    let data = |schema: RefOr<Schema>| kit::named(kit::data(schema), Names::one_only(meta.one));
    let mut paths = PathsBuilder::new();

    // The query parameters and the answer of both list routes.
    let listing = |mut op: OperationBuilder, nested: Option<&str>| {
        for parameter in list_parameters::<R>(nested) {
            op = op.parameter(parameter);
        }
        let ok = ResponseBuilder::new()
            .description("A page of rows, with its `pagination`")
            .content(JSON, Content::new(Some(paged(view(), meta.cursor, names))))
            .build();
        op.response("200", ok)
    };

    let created = || {
        ResponseBuilder::new()
            .description("Created; `Location` names the new row")
            .content(JSON, Content::new(Some(data(view()))))
            .header(
                "Location",
                HeaderBuilder::new().schema(Some(string())).build(),
            )
            .header("ETag", HeaderBuilder::new().schema(Some(string())).build())
            .build()
    };
    let only_nested = meta.nested.is_some_and(|nested| nested.only);
    let mut collection: Option<PathItem> = None;
    if let Some(rule) = meta.list.filter(|_| !only_nested) {
        let op = listing(ctx.op(&format!("List {}", meta.collection), rule), None);
        let op = errors(op, rule, &[BAD_QUERY]);
        add(&mut collection, PathItem::new(HttpMethod::Get, op.build()));
    }
    if let Some(rule) = meta.create.filter(|_| !only_nested) {
        let mut op = ctx.op(&format!("Create {}", a(name)), rule);
        op = op.request_body(Some(request_body(body("Create"))));
        op = op.response("201", created());
        op = errors(op, rule, &[INVALID, CONFLICT, UNSUPPORTED]);
        add(&mut collection, PathItem::new(HttpMethod::Post, op.build()));
    }
    if let Some(item) = collection {
        paths = paths.path(format!("{prefix}{}", meta.path), item);
    }

    let key = || {
        ParameterBuilder::new()
            .name("id")
            .parameter_in(ParameterIn::Path)
            .required(Required::True)
            .schema(Some(schemas.key.clone()))
            .build()
    };
    let mut item: Option<PathItem> = None;
    if let Some(rule) = meta.get {
        let op = ctx
            .op(&format!("Get {}", a(name)), rule)
            .parameter(key())
            .parameter(header_parameter(
                "If-None-Match",
                "Answer 304 if the row still has this ETag",
            ))
            .response("200", ok_with_etag(data(view())))
            .response(
                "304",
                ResponseBuilder::new().description("Not modified").build(),
            );
        add(
            &mut item,
            PathItem::new(
                HttpMethod::Get,
                errors(op, rule, &[BAD_PATH, NOT_FOUND]).build(),
            ),
        );
    }
    for (method, rule, suffix, summary) in [
        (HttpMethod::Put, meta.replace, "Replace", "Replace"),
        (
            HttpMethod::Patch,
            meta.update,
            "Patch",
            "Update some fields of",
        ),
    ] {
        let Some(rule) = rule else { continue };
        let op = ctx
            .op(&format!("{summary} {}", a(name)), rule)
            .parameter(key())
            .parameter(header_parameter(
                "If-Match",
                "Answer 412 unless the row still has this ETag",
            ))
            .request_body(Some(request_body(body(suffix))))
            .response("200", ok_with_etag(data(view())));
        let op = errors(
            op,
            rule,
            &[INVALID, NOT_FOUND, CONFLICT, PRECONDITION, UNSUPPORTED],
        );
        add(&mut item, PathItem::new(method, op.build()));
    }
    if let Some(rule) = meta.delete {
        let op = ctx
            .op(&format!("Delete {}", a(name)), rule)
            .parameter(key())
            .parameter(header_parameter(
                "If-Match",
                "Answer 412 unless the row still has this ETag",
            ))
            .response("204", ResponseBuilder::new().description("Deleted").build());
        let op = errors(op, rule, &[BAD_PATH, NOT_FOUND, CONFLICT, PRECONDITION]);
        add(&mut item, PathItem::new(HttpMethod::Delete, op.build()));
    }
    if let Some(item) = item {
        paths = paths.path(format!("{prefix}{}/{{id}}", meta.path), item);
    }

    if let Some(nested) = meta.nested {
        let parent_name = nested.field.trim_end_matches("_id");
        let parent = || {
            ParameterBuilder::new()
                .name(nested.param)
                .parameter_in(ParameterIn::Path)
                .required(Required::True)
                .schema(Some(field_schema(&schemas.view, nested.field)))
                .build()
        };
        let mut under: Option<PathItem> = None;
        if let Some(rule) = meta.list {
            let summary = format!("List the {} of one {parent_name}", meta.collection);
            let op = listing(
                ctx.op(&summary, rule).parameter(parent()),
                Some(nested.field),
            );
            let op = errors(op, rule, &[BAD_QUERY, NOT_FOUND]);
            add(&mut under, PathItem::new(HttpMethod::Get, op.build()));
        }
        if let Some(rule) = meta.create.filter(|_| nested.create) {
            let summary = format!("Create {} under its {parent_name}", a(name));
            let op = ctx
                .op(&summary, rule)
                .parameter(parent())
                .request_body(Some(request_body(body("Create"))))
                .response("201", created());
            let op = errors(op, rule, &[INVALID, NOT_FOUND, CONFLICT, UNSUPPORTED]);
            add(&mut under, PathItem::new(HttpMethod::Post, op.build()));
        }
        if let Some(under) = under {
            paths = paths.path(format!("{prefix}{}", nested.path), under);
        }
    }

    if let Some(rule) = meta.list {
        for list_view in meta.views {
            let ok = ResponseBuilder::new()
                .description(format!(
                    "At most {} rows, in the view's order",
                    list_view.limit
                ))
                .content(
                    JSON,
                    Content::new(Some(kit::named(
                        kit::data(ArrayBuilder::new().items(view()).into()),
                        Names::one_only(meta.collection),
                    ))),
                )
                .build();
            let op = ctx.op(list_view.summary, rule).response("200", ok);
            let op = errors(op, rule, &[BAD_QUERY]);
            paths = paths.path(
                format!("{prefix}{}/{}", meta.path, list_view.name),
                PathItem::new(HttpMethod::Get, op.build()),
            );
        }
    }

    let components = ComponentsBuilder::new()
        .schema(name, schemas.view)
        .schema(format!("{name}Create"), schemas.create)
        .schema(format!("{name}Replace"), schemas.replace)
        .schema(format!("{name}Patch"), schemas.patch)
        .build();
    OpenApiBuilder::new()
        .paths(paths.build())
        .components(Some(components))
        .tags(Some([utoipa::openapi::tag::Tag::new(meta.collection)]))
        .build()
}

/// `name` lower-cased after its article: "a product", "an author".
fn a(name: &str) -> String {
    let lower = name.to_lowercase();
    let article = if lower.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {lower}")
}

struct Ctx {
    tag: &'static str,
}

impl Ctx {
    fn op(&self, summary: &str, rule: AccessRule) -> OperationBuilder {
        let mut op = OperationBuilder::new().tag(self.tag).summary(Some(summary));
        if rule != AccessRule::Public {
            op = op.security(SecurityRequirement::new(
                BEARER_SCHEME,
                Vec::<String>::new(),
            ));
        }
        op
    }
}

fn add(slot: &mut Option<PathItem>, item: PathItem) {
    match slot {
        Some(existing) => existing.merge_operations(item),
        None => *slot = Some(item),
    }
}

fn request_body(schema: RefOr<Schema>) -> utoipa::openapi::request_body::RequestBody {
    RequestBodyBuilder::new()
        .content(JSON, Content::new(Some(schema)))
        .required(Some(Required::True))
        .build()
}

fn ok_with_etag(schema: RefOr<Schema>) -> utoipa::openapi::response::Response {
    ResponseBuilder::new()
        .description("The row")
        .content(JSON, Content::new(Some(schema)))
        .header("ETag", HeaderBuilder::new().schema(Some(string())).build())
        .build()
}

/// `{"success": true, "data": [item], "pagination": …}`, named for wrapping formats.
fn paged(item: RefOr<Schema>, cursor: bool, names: Names<'_>) -> RefOr<Schema> {
    let page = if cursor {
        kit::cursor_paged(item)
    } else {
        kit::paged(item)
    };
    kit::named(page, names)
}

const BAD_QUERY: ErrorResponse = (
    "400",
    "An unknown parameter, filter or sort field, or a bad value (`BAD_REQUEST`, `VALIDATION_ERROR`)",
);
const BAD_PATH: ErrorResponse = (
    "400",
    "The id is not a key of this resource (`BAD_REQUEST`)",
);
const NOT_FOUND: ErrorResponse = (
    "404",
    "No such row, or one the caller may not see (`NOT_FOUND`)",
);
const CONFLICT: ErrorResponse = (
    "409",
    "A unique value is taken, a referenced row is missing, or the row is still referenced (`DUPLICATE_ENTRY`, `CONFLICT`)",
);
const PRECONDITION: ErrorResponse = (
    "412",
    "`If-Match` does not match the row's ETag (`PRECONDITION_FAILED`)",
);

/// The operation's own errors, then those of its access rule, then 503.
fn errors(op: OperationBuilder, rule: AccessRule, own: &[ErrorResponse]) -> OperationBuilder {
    let mut all: Vec<ErrorResponse> = own.to_vec();
    if rule != AccessRule::Public {
        all.push(kit::UNAUTHORIZED);
    }
    if matches!(rule, AccessRule::Roles(_)) {
        all.push(("403", "The caller lacks the role (`FORBIDDEN`)"));
    }
    all.push(kit::UNAVAILABLE);
    kit::errors(op, &all)
}
