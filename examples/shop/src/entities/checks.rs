//! Field checks the routes share with the entities' rules.

/// A slug: lower-case `a-z`, `0-9` and `-`, not starting or ending with `-`; the same rule
/// as the `pattern` of [`category`](crate::entities::category)'s `slug`, for the product list,
/// which tells a category slug from an id.
///
/// ```
/// use shop::entities::checks::slug;
/// assert!(slug("running-shoes").is_ok());
/// assert!(slug("Running Shoes").is_err());
/// assert!(slug("-x").is_err());
/// ```
///
/// # Errors
/// The message shown under the field.
pub fn slug(value: &str) -> Result<(), &'static str> {
    let ok = value
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !value.starts_with('-')
        && !value.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err("may hold only a-z, 0-9 and -, and may not start or end with -")
    }
}
