//! The OpenAPI 3.1 document and Swagger UI.

use axum::Router;
use http::{HeaderValue, header};
use tower_http::set_header::SetResponseHeaderLayer;
use utoipa::OpenApi as _;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{InfoBuilder, OpenApi};
use utoipa_swagger_ui::SwaggerUi;

use crate::middleware::DOCS_CSP;

/// The name of the bearer security scheme in the document; operations that need a token list
/// it in their `security`.
///
/// ```
/// use rustbe_core::app::{BEARER_SCHEME, base_openapi};
/// assert_eq!(BEARER_SCHEME, "bearer_auth");
/// let doc = serde_json::to_value(base_openapi("shop", "1.0.0")).unwrap();
/// assert_eq!(doc["components"]["securitySchemes"][BEARER_SCHEME]["scheme"], "bearer");
/// ```
pub const BEARER_SCHEME: &str = "bearer_auth";

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(super::health::health, super::health::ready),
    components(schemas(
        crate::envelope::ErrorEnvelope,
        crate::envelope::ErrorBody,
        crate::envelope::PageMeta,
        crate::FieldError,
        crate::ErrorCode,
    )),
    tags((name = "operations", description = "Liveness and readiness"))
)]
struct BaseDoc;

/// The document every rustbe app starts from: its title and version, `/health` and `/ready`,
/// the envelope schemas and the bearer scheme; the app's own document is merged into it.
///
/// ```
/// let doc = rustbe_core::app::base_openapi("shop", "1.0.0");
/// let json = serde_json::to_value(&doc).unwrap();
/// assert_eq!(json["openapi"], "3.1.0");
/// assert!(json["paths"]["/health"].is_object());
/// assert!(json["components"]["securitySchemes"]["bearer_auth"].is_object());
/// ```
#[must_use]
pub fn base_openapi(title: &str, version: &str) -> OpenApi {
    let mut doc = BaseDoc::openapi();
    doc.info = InfoBuilder::new().title(title).version(version).build();
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        BEARER_SCHEME,
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT")
                .build(),
        ),
    );
    doc
}

/// `GET /openapi.json` and Swagger UI under `/docs`, served from assets compiled into the
/// binary (no CDN), with a Content-Security-Policy that lets the UI run.
pub(crate) fn docs_router(doc: OpenApi) -> Router {
    Router::from(SwaggerUi::new("/docs").url("/openapi.json", doc)).layer(
        SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(DOCS_CSP),
        ),
    )
}

/// Adds a 429 answer (`RATE_LIMITED`, with `Retry-After`) to every operation under `prefix`
/// that does not list one yet: what a rate limit on those paths makes true.
pub(crate) fn document_rate_limit(doc: &mut OpenApi, prefix: &str) {
    use utoipa::openapi::header::HeaderBuilder;
    use utoipa::openapi::response::ResponseBuilder;
    use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
    use utoipa::openapi::{Content, Ref, RefOr};

    let limited = || -> RefOr<utoipa::openapi::response::Response> {
        let seconds = ObjectBuilder::new()
            .schema_type(SchemaType::Type(Type::Integer))
            .minimum(Some(0));
        ResponseBuilder::new()
            .description("Too many requests from this client (`RATE_LIMITED`, with `Retry-After` in seconds)")
            .content(
                "application/json",
                Content::new(Some(Ref::from_schema_name("ErrorEnvelope"))),
            )
            .header("Retry-After", HeaderBuilder::new().schema(Some(seconds)).build())
            .build()
            .into()
    };
    for (path, item) in &mut doc.paths.paths {
        if !path.starts_with(prefix) {
            continue;
        }
        for operation in crate::openapi::operations_mut(item) {
            operation
                .responses
                .responses
                .entry("429".to_owned())
                .or_insert_with(limited);
        }
    }
}

/// Documents the app's paging in `doc`: every list that offers both `page` and `offset` (the
/// kit's and the derive's lists) keeps only the one the app reads, and its `limit` says the
/// app's bounds instead of the defaults.
pub(crate) fn document_pagination(doc: &mut OpenApi, limits: crate::extract::PaginationLimits) {
    use utoipa::openapi::RefOr;
    use utoipa::openapi::path::{Parameter, ParameterIn};

    let unread = limits.by().other().param();
    let (default, max) = (limits.default_limit(), limits.max_limit());
    for item in doc.paths.paths.values_mut() {
        for operation in crate::openapi::operations_mut(item) {
            let Some(parameters) = operation.parameters.as_mut() else {
                continue;
            };
            let query = |p: &RefOr<Parameter>, name: &str| matches!(p, RefOr::T(p) if p.name == name && matches!(p.parameter_in, ParameterIn::Query));
            let paged = ["page", "offset", "limit"]
                .iter()
                .all(|name| parameters.iter().any(|p| query(p, name)));
            if !paged {
                continue;
            }
            parameters.retain(|p| !query(p, unread));
            for limit in parameters.iter_mut().filter_map(|p| match p {
                RefOr::T(p) if p.name == "limit" => Some(p),
                _ => None,
            }) {
                limit.schema =
                    Some(crate::openapi::bounded(1, i64::try_from(max).unwrap_or(i64::MAX)).into());
                limit.description = Some(format!(
                    "Rows per page (default {default}, at most {max}; more is a 400)"
                ));
            }
        }
    }
}
