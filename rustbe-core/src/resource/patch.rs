//! A `PATCH` field: absent, `null` or a value.

use serde::{Deserialize, Deserializer};

/// One field of a `PATCH` body: left out (no change), `null` (clear a nullable field) or a
/// value. Put `#[serde(default)]` on the field so that a missing key is [`Patch::Absent`].
///
/// ```
/// use rustbe_core::resource::Patch;
///
/// #[derive(serde::Deserialize)]
/// struct ProductPatch {
///     #[serde(default)]
///     description: Patch<String>,
/// }
/// let absent: ProductPatch = serde_json::from_str("{}").unwrap();
/// let null: ProductPatch = serde_json::from_str(r#"{"description": null}"#).unwrap();
/// let value: ProductPatch = serde_json::from_str(r#"{"description": "Red"}"#).unwrap();
/// assert_eq!(absent.description, Patch::Absent);
/// assert_eq!(null.description, Patch::Null);
/// assert_eq!(value.description, Patch::Value("Red".to_owned()));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Patch<T> {
    /// The key was not in the body: leave the field as it is.
    #[default]
    Absent,
    /// `null`: clear the field (a non-nullable field refuses it).
    Null,
    /// A new value.
    Value(T),
}

impl<T> Patch<T> {
    /// The new value, if one was sent.
    ///
    /// ```
    /// use rustbe_core::resource::Patch;
    /// assert_eq!(Patch::Value(3).value(), Some(&3));
    /// assert_eq!(Patch::<u8>::Null.value(), None);
    /// ```
    #[must_use]
    pub fn value(&self) -> Option<&T> {
        match self {
            Self::Value(value) => Some(value),
            Self::Absent | Self::Null => None,
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Patch<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(match Option::<T>::deserialize(deserializer)? {
            Some(value) => Self::Value(value),
            None => Self::Null,
        })
    }
}
