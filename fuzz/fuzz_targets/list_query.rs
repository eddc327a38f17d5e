//! The list query of `#[derive(Resource)]` lists: filters (`eq`, `min_`/`max_`, `_in`), `q`,
//! `sort`/`order`, `page`/`limit` and `cursor`, sent as an arbitrary query string through
//! the whole app to the generated list handler, which runs the SQL on SQLite.
//!
//! Input: one selector byte, then the query string (bytes `http::Uri` refuses are
//! percent-encoded, nothing else is touched). Selector % 4: 0 the page-mode `items`, 1 the
//! cursor-mode `entries`, 2 `entries` under board 1, 3 `entries` under a parent segment taken
//! from the input up to the first `?`.
//!
//! Every answer must be 200 or 400 in the envelope (never a panic, a 5xx or a bare body); a
//! 200 with a `next_cursor` must take that cursor back with 200. The public parsers the
//! handler is built from (`Pagination::parse`, `parse_sort`, `Query::parse`, `text_search`
//! for PostgreSQL) are fed the same string and must answer `Ok` or a 400 error.
#![no_main]

use axum::body::Body;
use http::{Request, StatusCode};
use libfuzzer_sys::fuzz_target;
use rustbe_core::extract::{Pagination, PaginationLimits, Query, Sort, SortFields, SortKey};
use rustbe_core::resource::{Resource, text_search};
use rustbe_fuzz::{assert_envelope, harness, item, path_segment, raw_query, send};
use sea_orm::DbBackend;

struct ItemSort;
impl SortFields for ItemSort {
    const FIELDS: &'static [&'static str] = item::Model::META.sorts;
    const DEFAULT: &'static [SortKey] = &[SortKey::desc("created_at")];
}

#[derive(serde::Deserialize, Debug)]
#[allow(dead_code)]
struct Filters {
    name: Option<String>,
    min_price: Option<f64>,
    stock: Option<i32>,
    views: Option<i64>,
    active: Option<bool>,
    page: Option<u64>,
}

fn get(uri: &str) -> Option<Request<Body>> {
    Request::get(uri).body(Body::empty()).ok()
}

fn check_parsers(query: &str) {
    // `Pagination::parse` and `Sort::parse` percent-decode for themselves.
    let tight = PaginationLimits::new(1, 1).expect("valid limits");
    for limits in [PaginationLimits::default(), tight] {
        if let Err(err) = Pagination::parse(Some(query), limits) {
            assert_eq!(err.status(), StatusCode::BAD_REQUEST, "{query}: {err:?}");
        }
    }
    if let Err(err) = Sort::<ItemSort>::parse(Some(query)) {
        assert_eq!(err.status(), StatusCode::BAD_REQUEST, "{query}: {err:?}");
    }
    if let Err(rejection) = Query::<Filters>::parse(query) {
        let err = rustbe_core::Error::from(rejection);
        assert_eq!(err.status(), StatusCode::BAD_REQUEST, "{query}: {err:?}");
    }
    for (_, value) in form_pairs(query) {
        let columns = [item::Column::Name, item::Column::Description];
        for backend in [DbBackend::Postgres, DbBackend::Sqlite] {
            let _ = text_search(&columns, "simple", &value, backend);
        }
    }
}

fn form_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter_map(|pair| {
            let (k, v) = pair.split_once('=')?;
            Some((k.to_owned(), v.to_owned()))
        })
        .take(8)
        .collect()
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let h = harness();
    let uri = match selector % 4 {
        0 => format!("/api/items?{}", raw_query(rest)),
        1 => format!("/api/entries?{}", raw_query(rest)),
        2 => format!("/api/boards/1/entries?{}", raw_query(rest)),
        _ => {
            let split = rest.iter().position(|&b| b == b'?').unwrap_or(rest.len());
            let (parent, query) = rest.split_at(split);
            if parent.is_empty() {
                return;
            }
            let query = query.get(1..).unwrap_or_default();
            format!(
                "/api/boards/{}/entries?{}",
                path_segment(parent),
                raw_query(query)
            )
        }
    };
    let Some(request) = get(&uri) else {
        return;
    };
    let query = uri.split_once('?').map_or("", |(_, q)| q).to_owned();
    check_parsers(&query);
    h.runtime.block_on(async {
        let (status, json) = send(&h.router, request).await;
        assert_envelope(&uri, status, &json);
        assert!(
            matches!(status, StatusCode::OK | StatusCode::BAD_REQUEST),
            "{uri}: {status} {json}"
        );
        // A query-string error names the parameter; a parent segment that is not UTF-8 is
        // refused by the `Path` extractor, whose message says what is wrong instead.
        let path_error = json["error"]["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("Invalid path parameter: "));
        if status == StatusCode::BAD_REQUEST && !path_error {
            let details = json["error"]["details"].as_array();
            assert!(
                details.is_some_and(|d| !d.is_empty()),
                "{uri}: a 400 names the parameter: {json}"
            );
        }
        // Follow the cursor once: the server's own cursor must be taken back (in place of
        // the one sent, if any: a parameter given twice is a 400 by design).
        if let Some(cursor) = json["pagination"]["next_cursor"].as_str() {
            let path = uri.split_once('?').map_or(uri.as_str(), |(p, _)| p);
            let mut kept: Vec<&str> = query
                .split('&')
                .filter(|pair| {
                    let key = pair.split('=').next().unwrap_or_default();
                    form_urlencoded::parse(key.as_bytes())
                        .next()
                        .is_none_or(|(k, _)| k != "cursor")
                })
                .collect();
            let cursor = format!("cursor={cursor}");
            kept.push(&cursor);
            let next = format!("{path}?{}", kept.join("&"));
            if let Some(request) = get(&next) {
                let (status, json) = send(&h.router, request).await;
                assert_envelope(&next, status, &json);
                assert_eq!(status, StatusCode::OK, "{next}: {json}");
            }
        }
    });
});
