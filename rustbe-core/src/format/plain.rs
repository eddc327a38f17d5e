//! Plain objects: the value itself, or wrapped in its name; errors in RFC 9457 by default.

use http::HeaderValue;
use http::header::HeaderName;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema, SchemaType, Type};

use super::{ErrorFormat, Format, Names, PageKind, Paging, Problem, Reply};

/// `X-Total-Count`: the rows in all pages of a bare page.
static TOTAL_COUNT: HeaderName = HeaderName::from_static("x-total-count");
/// `X-Next-Cursor`: the cursor of the next page of a bare cursor page.
static NEXT_CURSOR: HeaderName = HeaderName::from_static("x-next-cursor");

/// Plain JSON: no envelope.
///
/// - [`Plain::bare`]: a value is itself, a page is its array with the total in
///   `X-Total-Count` (a cursor page: the next cursor in `X-Next-Cursor`).
/// - [`Plain::wrapped`]: a value is `{"<one>": …}` and a page `{"<many>": […],
///   "<many>Count": n}` (a cursor page: `"nextCursor"` instead of the count), with the
///   [`Names`] of the answer; an answer without names is bare.
///
/// Errors are RFC 9457 problem details ([`Problem`]) unless [`Plain::with_errors`] says otherwise.
///
/// ```
/// use rustbe_core::envelope::PageMeta;
/// use rustbe_core::format::{Format, Names, Paging, Plain, Reply};
///
/// let names = Names::new("article", "articles");
/// let mut out = Reply::default();
/// Plain::wrapped().page(names, "[]", Paging::Page(&PageMeta::new(1, 20, 0)), &mut out);
/// assert_eq!(out.body(), r#"{"articles":[],"articlesCount":0}"#);
///
/// let mut out = Reply::default();
/// Plain::bare().one(names, r#"{"slug":"a"}"#, &mut out);
/// assert_eq!(out.body(), r#"{"slug":"a"}"#);
/// ```
#[derive(Debug, Clone, Copy)]
#[must_use]
pub struct Plain<E = Problem> {
    wrapped: bool,
    count_suffix: &'static str,
    errors: E,
}

impl Plain {
    /// Bare values and arrays, the total in `X-Total-Count`.
    ///
    /// ```
    /// let format = rustbe_core::format::Plain::bare();
    /// ```
    pub fn bare() -> Self {
        Self {
            wrapped: false,
            count_suffix: "Count",
            errors: Problem::new(),
        }
    }

    /// Values and pages wrapped in their names, `{"articles": […], "articlesCount": n}`.
    ///
    /// ```
    /// let format = rustbe_core::format::Plain::wrapped();
    /// ```
    pub fn wrapped() -> Self {
        Self {
            wrapped: true,
            ..Self::bare()
        }
    }
}

impl<E: ErrorFormat> Plain<E> {
    /// The suffix of a wrapped page's count member: `Count` (`articlesCount`) by default,
    /// `_count` for snake-case APIs.
    ///
    /// ```
    /// use rustbe_core::{envelope::PageMeta, format::{Format, Names, Paging, Plain, Reply}};
    /// let mut out = Reply::default();
    /// let format = Plain::wrapped().count_suffix("_count");
    /// format.page(Names::many_only("tags"), "[]", Paging::Page(&PageMeta::new(1, 5, 0)), &mut out);
    /// assert_eq!(out.body(), r#"{"tags":[],"tags_count":0}"#);
    /// ```
    pub fn count_suffix(mut self, suffix: &'static str) -> Self {
        self.count_suffix = suffix;
        self
    }

    /// Errors written by `errors` instead of [`Problem`].
    ///
    /// ```
    /// use rustbe_core::format::{Envelope, Plain};
    /// // Plain values, but errors in rustbe's envelope.
    /// let format = Plain::bare().with_errors(Envelope);
    /// ```
    pub fn with_errors<F: ErrorFormat>(self, errors: F) -> Plain<F> {
        Plain {
            wrapped: self.wrapped,
            count_suffix: self.count_suffix,
            errors,
        }
    }

    fn count_key(&self, many: &str) -> String {
        format!("{many}{}", self.count_suffix)
    }
}

impl<E: ErrorFormat> Format for Plain<E> {
    fn one(&self, names: Names<'_>, data: &str, out: &mut Reply) {
        match names.one().filter(|_| self.wrapped) {
            Some(one) => {
                out.push_str("{");
                out.push_json(one);
                out.push_str(":");
                out.push_str(data);
                out.push_str("}");
            }
            None => out.push_str(data),
        }
    }

    fn page(&self, names: Names<'_>, items: &str, paging: Paging<'_>, out: &mut Reply) {
        let Some(many) = names.many().filter(|_| self.wrapped) else {
            out.push_str(items);
            match paging {
                Paging::Page(meta) => {
                    out.header(TOTAL_COUNT.clone(), HeaderValue::from(meta.total));
                }
                Paging::Cursor(meta) => {
                    if let Some(next) = meta
                        .next_cursor
                        .as_deref()
                        .and_then(|c| HeaderValue::from_str(c).ok())
                    {
                        out.header(NEXT_CURSOR.clone(), next);
                    }
                }
            }
            return;
        };
        out.push_str("{");
        out.push_json(many);
        out.push_str(":");
        out.push_str(items);
        out.push_str(",");
        match paging {
            Paging::Page(meta) => {
                out.push_json(&self.count_key(many));
                out.push_str(":");
                out.push_json(&meta.total);
            }
            Paging::Cursor(meta) => {
                out.push_str(r#""nextCursor":"#);
                out.push_json(&meta.next_cursor);
            }
        }
        out.push_str("}");
    }

    fn errors(&self) -> &dyn ErrorFormat {
        &self.errors
    }

    fn one_schema(&self, names: Names<'_>, data: RefOr<Schema>) -> RefOr<Schema> {
        match names.one().filter(|_| self.wrapped) {
            Some(one) => ObjectBuilder::new()
                .property(one, data)
                .required(one)
                .into(),
            None => data,
        }
    }

    fn page_headers(&self, kind: PageKind) -> Vec<(&'static str, &'static str)> {
        match kind {
            _ if self.wrapped => Vec::new(),
            PageKind::Page => vec![("X-Total-Count", "The rows of all pages")],
            PageKind::Cursor => vec![(
                "X-Next-Cursor",
                "The `cursor` of the next page; absent on the last page",
            )],
        }
    }

    fn page_schema(&self, names: Names<'_>, item: RefOr<Schema>, kind: PageKind) -> RefOr<Schema> {
        let array: RefOr<Schema> = ArrayBuilder::new().items(item).into();
        let Some(many) = names.many().filter(|_| self.wrapped) else {
            return array;
        };
        let object = ObjectBuilder::new().property(many, array).required(many);
        match kind {
            PageKind::Page => {
                let count = self.count_key(many);
                object
                    .property(
                        &count,
                        ObjectBuilder::new()
                            .schema_type(SchemaType::Type(Type::Integer))
                            .minimum(Some(0)),
                    )
                    .required(count)
                    .into()
            }
            PageKind::Cursor => object
                .property(
                    "nextCursor",
                    ObjectBuilder::new()
                        .schema_type(SchemaType::from_iter([Type::String, Type::Null])),
                )
                .required("nextCursor")
                .into(),
        }
    }
}
