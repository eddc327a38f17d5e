//! Field checks the entities' `#[resource(custom = …)]` attributes name.

/// A slug: lower-case `a-z`, `0-9` and `-`, not starting or ending with `-`.
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

/// Money: at most two decimals.
///
/// ```
/// use shop::entities::checks::cents;
/// assert!(cents(&19.99).is_ok());
/// assert!(cents(&0.001).is_err());
/// ```
///
/// # Errors
/// The message shown under the field.
pub fn cents(value: &f64) -> Result<(), &'static str> {
    let scaled = value * 100.0;
    if (scaled - scaled.round()).abs() < 1e-6 && value.is_finite() {
        Ok(())
    } else {
        Err("must have at most two decimals")
    }
}

/// An ISO 3166-1 alpha-2 country code: two upper-case letters.
///
/// ```
/// use shop::entities::checks::country;
/// assert!(country("DE").is_ok());
/// assert!(country("de").is_err());
/// ```
///
/// # Errors
/// The message shown under the field.
pub fn country(value: &str) -> Result<(), &'static str> {
    if value.len() == 2 && value.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(())
    } else {
        Err("must be an ISO 3166-1 alpha-2 code, such as DE or US")
    }
}
