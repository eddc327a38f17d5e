//! Extractors whose rejections render the error envelope: replacements of axum's keep a named
//! rejection type (as axum's do), rustbe's own reject with [`Error`](crate::Error) itself;
//! every rejection converts into `Error`.
//!
//! | extractor | rejects with |
//! |---|---|
//! | [`Json`] | 415 (not JSON), 413 (over the body limit), 400 `BAD_REQUEST` (malformed), 400 `VALIDATION_ERROR` (wrong shape, naming every missing or mistyped field) |
//! | [`ValidJson`] | as [`Json`], then 400 `VALIDATION_ERROR` listing every broken rule |
//! | [`Path`] | 400 `BAD_REQUEST` |
//! | [`Query`] | 400 `BAD_REQUEST` naming the parameter |
//! | [`Pagination`] | 400 with details for `page` and `limit` |
//! | [`Sort`] | 400 naming the unknown field |

mod json;
mod pagination;
mod params;
mod path;
mod query;
mod shape;
pub(crate) mod sort;
mod valid;

pub(crate) use json::json_bytes;
pub use json::{Json, JsonRejection};
pub use pagination::{PageBy, Pagination, PaginationLimits};
pub use path::{Path, PathRejection};
pub use query::{Filters, Query, QueryRejection};
pub(crate) use shape::with_rule_errors;
pub use sort::{Direction, Sort, SortFields, SortKey, parse_sort};
pub use valid::{ValidJson, ValidJsonRejection};
