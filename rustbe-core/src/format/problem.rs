//! RFC 9457 problem details: `application/problem+json`.

use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema, SchemaType, Type};
use utoipa::openapi::{Ref, RefOr};

use super::plain::Plain;
use super::{ErrorFormat, ErrorView, Format, Names, PageKind, Paging, Reply};

/// Errors as RFC 9457 problem details, `Content-Type: application/problem+json`:
///
/// ```json
/// {"type": "about:blank", "title": "Not Found", "status": 404,
///  "detail": "Resource not found", "instance": "/api/products/9",
///  "code": "NOT_FOUND", "request_id": "…", "errors": [{"field": "…", "message": "…"}]}
/// ```
///
/// `title` is the status's reason phrase, `detail` the error's message, `instance` the
/// request's path; `code`, `request_id` and `errors` (the failing fields, when there are any)
/// are extension members. `type` is `about:blank` unless [`Problem::type_base`] gives a base
/// URI, then it is the base followed by the code in kebab case (`…/validation-error`).
///
/// As a whole [`Format`], values and pages are [`Plain::bare`].
///
/// ```
/// use rustbe_core::{ErrorCode, format::{ErrorFormat, ErrorView, Problem, Reply}};
/// let mut out = Reply::default();
/// Problem::new().render(&ErrorView::new(ErrorCode::NotFound, "No such article", &[], "r1"), &mut out);
/// let json: serde_json::Value = serde_json::from_str(out.body()).unwrap();
/// assert_eq!(json["title"], "Not Found");
/// assert_eq!(json["status"], 404);
/// assert_eq!(json["detail"], "No such article");
/// assert_eq!(json["code"], "NOT_FOUND");
/// ```
#[derive(Debug, Clone, Copy, Default)]
#[must_use]
pub struct Problem {
    type_base: Option<&'static str>,
}

impl Problem {
    /// Problem details with `type: about:blank`.
    ///
    /// ```
    /// let problem = rustbe_core::format::Problem::new();
    /// ```
    pub const fn new() -> Self {
        Self { type_base: None }
    }

    /// `type` is `base` followed by the code in kebab case, a URI the app documents.
    ///
    /// ```
    /// use rustbe_core::{ErrorCode, format::{ErrorFormat, ErrorView, Problem, Reply}};
    /// let mut out = Reply::default();
    /// let problem = Problem::new().type_base("https://api.example.com/problems/");
    /// problem.render(&ErrorView::new(ErrorCode::RateLimited, "Slow down", &[], "r"), &mut out);
    /// assert!(out.body().contains(r#""type":"https://api.example.com/problems/rate-limited""#));
    /// ```
    pub const fn type_base(mut self, base: &'static str) -> Self {
        self.type_base = Some(base);
        self
    }
}

/// The wire shape, in the order RFC 9457 lists its members.
#[derive(serde::Serialize)]
struct Body<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    title: &'a str,
    status: u16,
    detail: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    instance: Option<&'a str>,
    code: crate::ErrorCode,
    request_id: &'a str,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    errors: &'a [crate::FieldError],
}

impl ErrorFormat for Problem {
    fn media_type(&self) -> &'static str {
        "application/problem+json"
    }

    fn render(&self, error: &ErrorView<'_>, out: &mut Reply) {
        let kind = match self.type_base {
            Some(base) => format!(
                "{base}{}",
                error.code().as_str().to_lowercase().replace('_', "-")
            ),
            None => "about:blank".to_owned(),
        };
        out.push_json(&Body {
            kind: &kind,
            title: error.status().canonical_reason().unwrap_or("Error"),
            status: error.status().as_u16(),
            detail: error.message(),
            instance: error.instance(),
            code: error.code(),
            request_id: error.request_id(),
            errors: error.details(),
        });
    }

    fn schema(&self) -> (&'static str, RefOr<Schema>) {
        let text = || ObjectBuilder::new().schema_type(SchemaType::Type(Type::String));
        let schema = ObjectBuilder::new()
            .description(Some(
                "RFC 9457 problem details (`application/problem+json`)",
            ))
            .property(
                "type",
                text().description(Some(
                    "A URI naming the kind of problem; `about:blank` when it is the status alone",
                )),
            )
            .property(
                "title",
                text().description(Some("The status's reason phrase")),
            )
            .property(
                "status",
                ObjectBuilder::new().schema_type(SchemaType::Type(Type::Integer)),
            )
            .property(
                "detail",
                text().description(Some("What went wrong, for a person")),
            )
            .property(
                "instance",
                text().description(Some("The path of the request")),
            )
            .property("code", Ref::from_schema_name("ErrorCode"))
            .property(
                "request_id",
                text().description(Some("The request's `X-Request-Id`")),
            )
            .property(
                "errors",
                ArrayBuilder::new().items(Ref::from_schema_name("FieldError")),
            )
            .required("type")
            .required("title")
            .required("status")
            .required("detail")
            .required("code")
            .required("request_id");
        ("Problem", schema.into())
    }
}

impl Format for Problem {
    fn one(&self, names: Names<'_>, data: &str, out: &mut Reply) {
        Plain::bare().one(names, data, out);
    }

    fn page(&self, names: Names<'_>, items: &str, paging: Paging<'_>, out: &mut Reply) {
        Plain::bare().page(names, items, paging, out);
    }

    fn errors(&self) -> &dyn ErrorFormat {
        self
    }

    fn one_schema(&self, names: Names<'_>, data: RefOr<Schema>) -> RefOr<Schema> {
        Plain::bare().one_schema(names, data)
    }

    fn page_schema(&self, names: Names<'_>, item: RefOr<Schema>, kind: PageKind) -> RefOr<Schema> {
        Plain::bare().page_schema(names, item, kind)
    }

    fn page_headers(&self, kind: PageKind) -> Vec<(&'static str, &'static str)> {
        Plain::bare().page_headers(kind)
    }
}
