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
/// kit's and the derive's lists) keeps only the one the app reads, and the `limit` of every
/// list (by page or by cursor) says the app's bounds instead of the defaults.
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
            let has = |name: &str| parameters.iter().any(|p| query(p, name));
            let by_page = has("page") && has("offset");
            if !(has("limit") && (by_page || has("cursor"))) {
                continue;
            }
            if by_page {
                parameters.retain(|p| !query(p, unread));
            }
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

#[cfg(test)]
mod tests {
    use utoipa::openapi::path::{HttpMethod, OperationBuilder, PathItem};
    use utoipa::openapi::{OpenApiBuilder, PathsBuilder};

    use super::*;
    use crate::extract::{PageBy, PaginationLimits};
    use crate::openapi::{bounded, page_parameters, query, string};

    fn list(parameters: Vec<utoipa::openapi::path::Parameter>) -> PathItem {
        let mut op = OperationBuilder::new();
        for p in parameters {
            op = op.parameter(p);
        }
        PathItem::new(HttpMethod::Get, op.build())
    }

    /// Lists by page keep the app's one paging parameter; lists by page and by cursor both
    /// say the configured `limit` bounds.
    #[test]
    fn every_list_says_the_configured_paging() {
        let cursor = vec![
            query("cursor", string(), "The next page"),
            query("limit", bounded(1, 100), "Rows"),
        ];
        let mut doc = OpenApiBuilder::new()
            .paths(
                PathsBuilder::new()
                    .path("/paged", list(page_parameters().into()))
                    .path("/cursor", list(cursor)),
            )
            .build();
        let limits = PaginationLimits::new(10, 40)
            .map(|l| l.paged_by(PageBy::Offset))
            .unwrap_or_default();
        document_pagination(&mut doc, limits);
        let json = serde_json::to_value(&doc).unwrap_or_default();
        let names = |path: &str| -> Vec<String> {
            json["paths"][path]["get"]["parameters"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|p| p["name"].as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default()
        };
        assert_eq!(names("/paged"), ["limit", "offset"]);
        assert_eq!(names("/cursor"), ["cursor", "limit"]);
        for path in ["/paged", "/cursor"] {
            let limit = json["paths"][path]["get"]["parameters"]
                .as_array()
                .and_then(|a| a.iter().find(|p| p["name"] == "limit"))
                .cloned()
                .unwrap_or_default();
            assert_eq!(limit["schema"]["maximum"], 40, "{path}: {limit}");
        }
    }
}
