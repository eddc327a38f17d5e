//! Strong ETags of representations, and the conditional request headers that use them.

use http::{HeaderMap, header};
use sha2::{Digest, Sha256};

use crate::{Error, ErrorCode};

/// The strong ETag of a representation's bytes: a quoted, 128-bit SHA-256 prefix in hex,
/// the same in every instance for the same bytes.
///
/// ```
/// let tag = rustbe_core::resource::etag_of(br#"{"id":1}"#);
/// assert_eq!(tag.len(), 34);
/// assert!(tag.starts_with('"') && tag.ends_with('"'));
/// assert_ne!(tag, rustbe_core::resource::etag_of(br#"{"id":2}"#));
/// ```
#[must_use]
pub fn etag_of(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut tag = String::with_capacity(34);
    tag.push('"');
    crate::hex::push(&mut tag, &digest[..16]);
    tag.push('"');
    tag
}

/// The entity tags of a header (`*` is kept as is).
fn tags<'h>(headers: &'h HeaderMap, name: &header::HeaderName) -> Option<Vec<&'h str>> {
    let mut found = None::<Vec<&str>>;
    for value in headers.get_all(name) {
        let list = found.get_or_insert_with(Vec::new);
        let text = value.to_str().unwrap_or_default();
        list.extend(text.split(',').map(str::trim).filter(|t| !t.is_empty()));
    }
    found
}

/// `If-None-Match` matches `etag` (weak comparison, RFC 9110 §13.1.2): answer 304.
pub(crate) fn not_modified(headers: &HeaderMap, etag: &str) -> bool {
    tags(headers, &header::IF_NONE_MATCH).is_some_and(|tags| {
        tags.iter()
            .any(|t| *t == "*" || t.strip_prefix("W/").unwrap_or(t) == etag)
    })
}

/// Whether the request carries `If-Match`.
pub(crate) fn has_if_match(headers: &HeaderMap) -> bool {
    headers.contains_key(header::IF_MATCH)
}

/// `If-Match` against the current `etag` (strong comparison, RFC 9110 §13.1.1): 412 when no
/// tag matches.
pub(crate) fn check_if_match(headers: &HeaderMap, etag: &str) -> Result<(), Error> {
    match tags(headers, &header::IF_MATCH) {
        None => Ok(()),
        Some(tags) if tags.iter().any(|t| *t == "*" || *t == etag) => Ok(()),
        Some(_) => Err(Error::new(ErrorCode::PreconditionFailed)
            .with_message("The resource has changed: If-Match does not match its ETag")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(name: header::HeaderName, value: &'static str) -> HeaderMap {
        let mut map = HeaderMap::new();
        map.insert(name, http::HeaderValue::from_static(value));
        map
    }

    #[test]
    fn conditional_headers() {
        let tag = etag_of(b"x");
        let none = HeaderMap::new();
        assert!(!not_modified(&none, &tag));
        assert!(check_if_match(&none, &tag).is_ok());
        assert!(not_modified(&headers(header::IF_NONE_MATCH, "*"), &tag));
        let list = format!("\"nope\", W/{tag}");
        let mut map = HeaderMap::new();
        map.insert(
            header::IF_NONE_MATCH,
            list.parse().unwrap_or(http::HeaderValue::from_static("")),
        );
        assert!(not_modified(&map, &tag));
        // A weak tag never matches If-Match.
        let mut map = HeaderMap::new();
        map.insert(
            header::IF_MATCH,
            format!("W/{tag}")
                .parse()
                .unwrap_or(http::HeaderValue::from_static("")),
        );
        assert_eq!(
            check_if_match(&map, &tag).map_err(|e| e.status().as_u16()),
            Err(412)
        );
        assert!(check_if_match(&headers(header::IF_MATCH, "*"), &tag).is_ok());
        assert!(has_if_match(&headers(header::IF_MATCH, "*")));
    }
}
