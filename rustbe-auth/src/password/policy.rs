//! [`PasswordPolicy`]: the rules a new password must pass, each broken one named.

use rustbe_core::{Error, FieldError};

/// The special characters of the default policy.
///
/// ```
/// use rustbe_auth::password::{DEFAULT_SPECIALS, PasswordPolicy};
///
/// let policy = PasswordPolicy::default();
/// assert!(DEFAULT_SPECIALS.chars().all(|c| policy.check(&format!("Abcdefg1{c}")).is_ok()));
/// assert!(policy.check("Abcdefg1+").is_err(), "`+` is not one of them");
/// ```
pub const DEFAULT_SPECIALS: &str = "!@#$%^&*";

/// Rules a new password must follow. Every broken rule is reported at once, under one field.
///
/// The default is the shop's contract: 8 to 128 characters, with an upper-case letter, a
/// lower-case letter, a digit and one of `!@#$%^&*`. The letters and digits asked for are
/// ASCII (`A-Z`, `a-z`, `0-9`), exactly what the OpenAPI document's patterns say, so a client
/// can check a password before sending it; any other character is allowed and counts toward
/// the length. Lengths count characters, not bytes; nothing is truncated.
///
/// ```
/// use rustbe_auth::password::PasswordPolicy;
///
/// let policy = PasswordPolicy::default();
/// assert!(policy.check("Correct1!horse").is_ok());
/// let err = policy.check("short").unwrap_err();
/// let broken: Vec<_> = err.details().iter().map(|d| d.message()).collect();
/// assert_eq!(broken, [
///     "must be at least 8 characters long",
///     "must contain an upper-case letter",
///     "must contain a digit",
///     "must contain one of !@#$%^&*",
/// ]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub struct PasswordPolicy {
    min_len: usize,
    max_len: usize,
    upper: bool,
    lower: bool,
    digit: bool,
    specials: Option<String>,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        Self {
            min_len: 8,
            max_len: 128,
            upper: true,
            lower: true,
            digit: true,
            specials: Some(DEFAULT_SPECIALS.into()),
        }
    }
}

impl PasswordPolicy {
    /// Only lengths, no character classes.
    ///
    /// ```
    /// let p = rustbe_auth::password::PasswordPolicy::lengths(12, 64);
    /// assert!(p.check("all lower case words").is_ok());
    /// assert_eq!(p.max_len(), 64);
    /// ```
    pub fn lengths(min_len: usize, max_len: usize) -> Self {
        Self {
            min_len,
            max_len,
            upper: false,
            lower: false,
            digit: false,
            specials: None,
        }
    }

    /// Requires an upper-case ASCII letter, `A-Z` (or not).
    ///
    /// ```
    /// let p = rustbe_auth::password::PasswordPolicy::lengths(1, 10).upper(true);
    /// assert!(p.check("abc").is_err());
    /// ```
    pub fn upper(mut self, on: bool) -> Self {
        self.upper = on;
        self
    }

    /// Requires a lower-case ASCII letter, `a-z` (or not).
    ///
    /// ```
    /// let p = rustbe_auth::password::PasswordPolicy::lengths(1, 10).lower(true);
    /// assert!(p.check("ABC").is_err());
    /// ```
    pub fn lower(mut self, on: bool) -> Self {
        self.lower = on;
        self
    }

    /// Requires a digit (or not).
    ///
    /// ```
    /// let p = rustbe_auth::password::PasswordPolicy::lengths(1, 10).digit(true);
    /// assert!(p.check("abc1").is_ok());
    /// ```
    pub fn digit(mut self, on: bool) -> Self {
        self.digit = on;
        self
    }

    /// Requires one of `chars` (`None`: no special character needed).
    ///
    /// ```
    /// let p = rustbe_auth::password::PasswordPolicy::lengths(1, 10).specials(Some("+-"));
    /// assert!(p.check("a+b").is_ok());
    /// assert!(p.check("a!b").is_err());
    /// ```
    pub fn specials(mut self, chars: Option<&str>) -> Self {
        self.specials = chars.map(str::to_owned);
        self
    }

    /// The longest password accepted, checked before any hashing.
    ///
    /// ```
    /// assert_eq!(rustbe_auth::password::PasswordPolicy::default().max_len(), 128);
    /// ```
    #[must_use]
    pub fn max_len(&self) -> usize {
        self.max_len
    }

    /// Checks `password`, naming the field `password` in the details.
    ///
    /// ```
    /// use rustbe_core::ErrorCode;
    ///
    /// let policy = rustbe_auth::password::PasswordPolicy::default();
    /// assert!(policy.check("Correct1!horse").is_ok());
    /// let err = policy.check("correct1!horse").unwrap_err();
    /// assert_eq!((err.code(), err.status().as_u16()), (ErrorCode::ValidationError, 400));
    /// assert_eq!(err.details()[0].field(), "password");
    /// assert_eq!(err.details()[0].message(), "must contain an upper-case letter");
    /// ```
    pub fn check(&self, password: &str) -> Result<(), Error> {
        self.check_field(password, "password")
    }

    /// Checks `password`, naming `field` in the details: one detail per broken rule.
    ///
    /// ```
    /// let err = rustbe_auth::password::PasswordPolicy::default().check_field("x", "new_password").unwrap_err();
    /// assert!(err.details().iter().all(|d| d.field() == "new_password"));
    /// ```
    pub fn check_field(&self, password: &str, field: &'static str) -> Result<(), Error> {
        let broken = self.broken_rules(password);
        if broken.is_empty() {
            Ok(())
        } else {
            Err(Error::validation(
                broken.into_iter().map(|rule| FieldError::new(field, rule)),
            ))
        }
    }

    /// The messages of every rule `password` breaks (empty when it is acceptable).
    ///
    /// ```
    /// assert!(rustbe_auth::password::PasswordPolicy::default().broken_rules("Aa1!aaaa").is_empty());
    /// ```
    #[must_use]
    pub fn broken_rules(&self, password: &str) -> Vec<String> {
        let len = password.chars().count();
        let mut broken = Vec::new();
        if len < self.min_len {
            broken.push(format!("must be at least {} characters long", self.min_len));
        }
        if len > self.max_len {
            broken.push(format!("must be at most {} characters long", self.max_len));
        }
        if self.upper && !password.chars().any(|c| c.is_ascii_uppercase()) {
            broken.push("must contain an upper-case letter".to_owned());
        }
        if self.lower && !password.chars().any(|c| c.is_ascii_lowercase()) {
            broken.push("must contain a lower-case letter".to_owned());
        }
        if self.digit && !password.chars().any(|c| c.is_ascii_digit()) {
            broken.push("must contain a digit".to_owned());
        }
        if let Some(specials) = &self.specials
            && !password.chars().any(|c| specials.contains(c))
        {
            broken.push(format!("must contain one of {specials}"));
        }
        broken
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_is_reported_and_lengths_count_characters() {
        let p = PasswordPolicy::default();
        assert_eq!(p.broken_rules("").len(), 5);
        assert_eq!(
            p.broken_rules("Aa1!äöüß"),
            Vec::<String>::new(),
            "8 characters, 12 bytes"
        );
        // The letters asked for are ASCII, as the OpenAPI patterns `[A-Z]` and `[a-z]` say.
        assert_eq!(
            p.broken_rules("ÄÖÜäöü1!"),
            [
                "must contain an upper-case letter",
                "must contain a lower-case letter"
            ]
        );
        let long = format!("Aa1!{}", "x".repeat(125));
        assert_eq!(
            p.broken_rules(&long),
            ["must be at most 128 characters long"]
        );
        assert!(
            p.broken_rules(&format!("Aa1!{}", "x".repeat(124)))
                .is_empty()
        );
    }
}
