//! Reading single parameters out of a raw query string.

use std::borrow::Cow;

use crate::{Error, FieldError};

/// The value of `key` in `query`, or `None`. A key given twice is a 400: which one was meant?
pub(crate) fn single<'q>(query: Option<&'q str>, key: &str) -> Result<Option<Cow<'q, str>>, Error> {
    let mut found = None;
    for (k, v) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        if k == key {
            if found.is_some() {
                return Err(Error::bad_request("Invalid query string").with_details([
                    FieldError::new(key.to_owned(), "must be given at most once"),
                ]));
            }
            found = Some(v);
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_decodes_and_rejects_repeats() {
        assert_eq!(
            single(Some("a=1&b=x%20y"), "b").ok().flatten().as_deref(),
            Some("x y")
        );
        assert_eq!(single(None, "a").ok().flatten(), None);
        let err = single(Some("a=1&a=2"), "a")
            .err()
            .map(|e| e.details()[0].field().to_owned());
        assert_eq!(err.as_deref(), Some("a"));
    }
}
