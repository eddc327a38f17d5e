//! `#[resource(trim)]`: text with its surrounding white space removed as the body is read, so
//! the rules see (and the row stores) what a person meant: `" Ada "` is `"Ada"`, and `" "` is
//! empty, which `length(min = 1)` refuses.
//!
//! ```
//! #[derive(serde::Deserialize)]
//! struct Body {
//!     #[serde(deserialize_with = "rustbe_core::resource::trimmed::string")]
//!     name: String,
//! }
//! let body: Body = serde_json::from_str(r#"{"name": "  Ada\n"}"#).unwrap();
//! assert_eq!(body.name, "Ada");
//! ```

use serde::{Deserialize, Deserializer};

use super::Patch;

/// A string, trimmed.
///
/// # Errors
/// When the value is not a string.
pub fn string<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    let text = String::deserialize(deserializer)?;
    Ok(trim(text))
}

/// A string or `null`, trimmed.
///
/// ```
/// #[derive(serde::Deserialize)]
/// struct Body {
///     #[serde(default, deserialize_with = "rustbe_core::resource::trimmed::option")]
///     note: Option<String>,
/// }
/// let body: Body = serde_json::from_str(r#"{"note": " hi "}"#).unwrap();
/// assert_eq!(body.note.as_deref(), Some("hi"));
/// ```
///
/// # Errors
/// When the value is neither.
pub fn option<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<String>::deserialize(deserializer)?.map(trim))
}

/// A `PATCH` field of text, trimmed.
///
/// ```
/// use rustbe_core::resource::Patch;
/// #[derive(serde::Deserialize)]
/// struct Changes {
///     #[serde(default, deserialize_with = "rustbe_core::resource::trimmed::patch")]
///     name: Patch<String>,
/// }
/// let changes: Changes = serde_json::from_str(r#"{"name": " Bo "}"#).unwrap();
/// assert_eq!(changes.name, Patch::Value("Bo".to_owned()));
/// ```
///
/// # Errors
/// When the value is neither text nor `null`.
pub fn patch<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Patch<String>, D::Error> {
    Ok(match option(deserializer)? {
        Some(text) => Patch::Value(text),
        None => Patch::Null,
    })
}

fn trim(text: String) -> String {
    let trimmed = text.trim();
    if trimmed.len() == text.len() {
        text
    } else {
        trimmed.to_owned()
    }
}
