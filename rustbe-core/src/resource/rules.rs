//! The field rules the derive's validation attributes call (`length`, `range`,
//! `multiple_of`, `email`, `url`, `one_of`, `pattern`, `custom`). Each adds a [`FieldError`] for the field when the value breaks
//! it, so a body's every error is reported at once.
//!
//! ```
//! use rustbe_core::resource::rules;
//!
//! let mut errors = Vec::new();
//! rules::length(&mut errors, "name", "", Some(1), Some(100));
//! rules::range(&mut errors, "price", &-1.0, Some(0.01), None);
//! rules::email(&mut errors, "email", "not an email");
//! assert_eq!(errors.len(), 3);
//! assert_eq!(errors[1].message(), "must be at least 0.01");
//! ```

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock, PoisonError};

use regex::Regex;

use crate::FieldError;

/// Something with a length: characters of text, items of a list.
///
/// ```
/// use rustbe_core::resource::rules::Length;
/// assert_eq!("héllo".length(), 5);
/// assert_eq!(vec![1, 2].length(), 2);
/// ```
pub trait Length {
    /// Characters (of text) or items (of a list).
    fn length(&self) -> usize;
}

impl Length for str {
    fn length(&self) -> usize {
        self.chars().count()
    }
}

impl Length for String {
    fn length(&self) -> usize {
        self.as_str().length()
    }
}

impl<T> Length for Vec<T> {
    fn length(&self) -> usize {
        self.len()
    }
}

impl<T: Length + ?Sized> Length for &T {
    fn length(&self) -> usize {
        (**self).length()
    }
}

/// A number a `range` rule compares.
///
/// ```
/// use rustbe_core::resource::rules::Number;
/// assert_eq!(3_i64.as_f64(), 3.0);
/// ```
pub trait Number {
    /// The value as `f64` (exact for every integer a JSON client sends in practice).
    fn as_f64(&self) -> f64;
}

macro_rules! number {
    ($($t:ty),*) => {$(
        impl Number for $t {
            #[allow(clippy::cast_precision_loss, clippy::cast_lossless, reason = "bounds are compared as f64")]
            fn as_f64(&self) -> f64 {
                *self as f64
            }
        }
    )*};
}
number!(i8, i16, i32, i64, u8, u16, u32, u64, f32, f64);

/// A decimal compares as the `f64` nearest it, and `multiple_of` reads its shortest decimal
/// text, which for money (up to 15 significant digits) is its own.
///
/// ```
/// use rust_decimal::Decimal;
/// let mut errors = Vec::new();
/// rustbe_core::resource::rules::multiple_of(&mut errors, "price", &Decimal::new(1999, 2), 0.01);
/// rustbe_core::resource::rules::multiple_of(&mut errors, "price", &Decimal::new(19999, 3), 0.01);
/// rustbe_core::resource::rules::range(&mut errors, "price", &Decimal::new(0, 2), Some(0.01), None);
/// assert_eq!(errors.len(), 2);
/// ```
impl Number for rust_decimal::Decimal {
    fn as_f64(&self) -> f64 {
        use rust_decimal::prelude::ToPrimitive;
        self.to_f64().unwrap_or(f64::NAN)
    }
}

/// Text values a rule checks one by one: a string, or each string of a list.
///
/// ```
/// use rustbe_core::resource::rules::Texts;
/// let urls = vec!["https://a.example".to_owned(), "b".to_owned()];
/// assert_eq!(urls.texts().count(), 2);
/// ```
pub trait Texts {
    /// Each text, with its index when the value is a list.
    fn texts(&self) -> Box<dyn Iterator<Item = (Option<usize>, &str)> + '_>;
}

impl Texts for str {
    fn texts(&self) -> Box<dyn Iterator<Item = (Option<usize>, &str)> + '_> {
        Box::new(std::iter::once((None, self)))
    }
}

impl Texts for String {
    fn texts(&self) -> Box<dyn Iterator<Item = (Option<usize>, &str)> + '_> {
        self.as_str().texts()
    }
}

impl Texts for Vec<String> {
    fn texts(&self) -> Box<dyn Iterator<Item = (Option<usize>, &str)> + '_> {
        Box::new(self.iter().enumerate().map(|(i, s)| (Some(i), s.as_str())))
    }
}

fn at(field: &str, index: Option<usize>) -> String {
    match index {
        Some(i) => format!("{field}[{i}]"),
        None => field.to_owned(),
    }
}

/// `min` ≤ length ≤ `max` (characters of text, items of a list).
///
/// ```
/// let mut errors = Vec::new();
/// rustbe_core::resource::rules::length(&mut errors, "name", "Shoes", Some(1), Some(3));
/// assert_eq!(errors[0].message(), "must be between 1 and 3 characters long");
/// ```
pub fn length<T: Length + ?Sized>(
    errors: &mut Vec<FieldError>,
    field: &str,
    value: &T,
    min: Option<usize>,
    max: Option<usize>,
) {
    let n = value.length();
    let ok = min.is_none_or(|m| n >= m) && max.is_none_or(|m| n <= m);
    if ok {
        return;
    }
    let message = match (min, max) {
        (Some(min), Some(max)) if min == max => format!("must be exactly {min} characters long"),
        (Some(min), Some(max)) => format!("must be between {min} and {max} characters long"),
        (Some(1), None) => "must not be empty".to_owned(),
        (Some(min), None) => format!("must be at least {min} characters long"),
        (None, Some(max)) => format!("must be at most {max} characters long"),
        (None, None) => return,
    };
    errors.push(FieldError::new(field.to_owned(), message));
}

/// `min` ≤ value ≤ `max`.
///
/// ```
/// let mut errors = Vec::new();
/// rustbe_core::resource::rules::range(&mut errors, "rating", &6, Some(1.0), Some(5.0));
/// assert_eq!(errors[0].message(), "must be between 1 and 5");
/// ```
pub fn range<T: Number + ?Sized>(
    errors: &mut Vec<FieldError>,
    field: &str,
    value: &T,
    min: Option<f64>,
    max: Option<f64>,
) {
    let n = value.as_f64();
    if n.is_nan() {
        errors.push(FieldError::new(field.to_owned(), "must be a number"));
        return;
    }
    if min.is_none_or(|m| n >= m) && max.is_none_or(|m| n <= m) {
        return;
    }
    let message = match (min, max) {
        (Some(min), Some(max)) => format!("must be between {min} and {max}"),
        (Some(min), None) => format!("must be at least {min}"),
        (None, Some(max)) => format!("must be at most {max}"),
        (None, None) => return,
    };
    errors.push(FieldError::new(field.to_owned(), message));
}

/// A whole multiple of `step` (`multiple_of = 0.01`: at most two decimals), compared on the
/// decimals the numbers are written with, as JSON Schema's `multipleOf` means it: `19.99` is a
/// multiple of `0.01`, `0.1 + 0.2` (`0.30000000000000004`) is not.
///
/// ```
/// let mut errors = Vec::new();
/// rustbe_core::resource::rules::multiple_of(&mut errors, "price", &19.99, 0.01);
/// rustbe_core::resource::rules::multiple_of(&mut errors, "price", &(0.1 + 0.2), 0.01);
/// rustbe_core::resource::rules::multiple_of(&mut errors, "pack", &15, 5.0);
/// assert_eq!(errors.len(), 1);
/// assert_eq!(errors[0].message(), "must be a multiple of 0.01");
/// ```
pub fn multiple_of<T: Number + ?Sized>(
    errors: &mut Vec<FieldError>,
    field: &str,
    value: &T,
    step: f64,
) {
    if !is_multiple(value.as_f64(), step) {
        errors.push(FieldError::new(
            field.to_owned(),
            format!("must be a multiple of {step}"),
        ));
    }
}

fn is_multiple(value: f64, step: f64) -> bool {
    if !value.is_finite() || !step.is_finite() || step <= 0.0 {
        return false;
    }
    match (decimal(value), decimal(step)) {
        (Some((value, value_scale)), Some((step, step_scale))) => {
            let scale = value_scale.max(step_scale);
            let scaled = |mantissa: i128, from: u32| {
                10_i128
                    .checked_pow(scale - from)
                    .and_then(|factor| mantissa.checked_mul(factor))
            };
            match (scaled(value, value_scale), scaled(step, step_scale)) {
                (Some(value), Some(step)) if step != 0 => value % step == 0,
                _ => false,
            }
        }
        // Past 38 digits: a whole number far beyond any step a rule gives.
        _ => value.fract() == 0.0 && (value / step).fract() == 0.0,
    }
}

/// `value` as `mantissa / 10^scale`, from the shortest decimals that read back as `value`
/// (what `Display` writes); `None` when the mantissa does not fit an `i128`.
fn decimal(value: f64) -> Option<(i128, u32)> {
    let text = value.to_string();
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let mantissa = format!("{whole}{fraction}").parse::<i128>().ok()?;
    Some((mantissa, u32::try_from(fraction.len()).ok()?))
}

/// An email address (each one, for a list).
///
/// ```
/// let mut errors = Vec::new();
/// rustbe_core::resource::rules::email(&mut errors, "email", "ada@example.com");
/// assert!(errors.is_empty());
/// ```
pub fn email<T: Texts + ?Sized>(errors: &mut Vec<FieldError>, field: &str, value: &T) {
    for (index, text) in value.texts() {
        if !validator::ValidateEmail::validate_email(&text) {
            errors.push(FieldError::new(
                at(field, index),
                "must be a valid email address",
            ));
        }
    }
}

/// An absolute `http` or `https` URL with a host (each one, for a list).
///
/// ```
/// let mut errors = Vec::new();
/// let images = vec!["https://cdn.example/a.png".to_owned(), "javascript:alert(1)".to_owned()];
/// rustbe_core::resource::rules::url(&mut errors, "images", &images);
/// assert_eq!(errors[0].field(), "images[1]");
/// ```
pub fn url<T: Texts + ?Sized>(errors: &mut Vec<FieldError>, field: &str, value: &T) {
    for (index, text) in value.texts() {
        if !is_web_url(text) {
            errors.push(FieldError::new(
                at(field, index),
                "must be an http or https URL",
            ));
        }
    }
}

fn is_web_url(text: &str) -> bool {
    let rest = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"));
    let Some(rest) = rest else { return false };
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = host.rsplit('@').next().unwrap_or_default();
    text.len() <= 2048
        && !host.is_empty()
        && !host.starts_with(':')
        && !text.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// One of `allowed` (each one, for a list).
///
/// ```
/// let mut errors = Vec::new();
/// rustbe_core::resource::rules::one_of(&mut errors, "role", "root", &["customer", "admin"]);
/// assert_eq!(errors[0].message(), "must be one of: customer, admin");
/// ```
pub fn one_of<T: Texts + ?Sized>(
    errors: &mut Vec<FieldError>,
    field: &str,
    value: &T,
    allowed: &[&str],
) {
    for (index, text) in value.texts() {
        if !allowed.contains(&text) {
            errors.push(FieldError::new(
                at(field, index),
                format!("must be one of: {}", allowed.join(", ")),
            ));
        }
    }
}

/// Text the regular expression `pattern` matches somewhere (each one, for a list), as JSON
/// Schema's `pattern` means it: anchor it (`^…$`) to match the whole text. The derive checks
/// the pattern when it compiles; one that does not compile here fails every value.
///
/// ```
/// let mut errors = Vec::new();
/// rustbe_core::resource::rules::pattern(&mut errors, "country", "DE", "^[A-Z]{2}$");
/// rustbe_core::resource::rules::pattern(&mut errors, "country", "de", "^[A-Z]{2}$");
/// assert_eq!(errors.len(), 1);
/// assert_eq!(errors[0].message(), "must match the pattern ^[A-Z]{2}$");
/// ```
pub fn pattern<T: Texts + ?Sized>(
    errors: &mut Vec<FieldError>,
    field: &str,
    value: &T,
    pattern: &'static str,
) {
    let regex = compiled(pattern);
    for (index, text) in value.texts() {
        if !regex.is_some_and(|r| r.is_match(text)) {
            errors.push(FieldError::new(
                at(field, index),
                format!("must match the pattern {pattern}"),
            ));
        }
    }
}

/// The compiled `pattern`, compiled once per process and kept for its life: the patterns are
/// the program's own literals, so they are few. The regex is shared, never cloned (a clone
/// starts with an empty match cache, which the next match would allocate again).
fn compiled(pattern: &'static str) -> Option<&'static Regex> {
    static COMPILED: OnceLock<Mutex<HashMap<&'static str, Option<&'static Regex>>>> =
        OnceLock::new();
    let mut compiled = COMPILED
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    *compiled.entry(pattern).or_insert_with(|| {
        Regex::new(pattern)
            .ok()
            .map(|regex| &*Box::leak(Box::new(regex)))
    })
}

/// The app's own check: `check` returns a message when the value is wrong.
///
/// ```
/// fn slug(value: &String) -> Result<(), String> {
///     if value.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
///         Ok(())
///     } else {
///         Err("may hold only a-z, 0-9 and -".into())
///     }
/// }
/// let mut errors = Vec::new();
/// rustbe_core::resource::rules::custom(&mut errors, "slug", &"Shoes!".to_owned(), slug);
/// assert_eq!(errors[0].message(), "may hold only a-z, 0-9 and -");
/// ```
pub fn custom<T: ?Sized, M: Into<String>>(
    errors: &mut Vec<FieldError>,
    field: &str,
    value: &T,
    check: impl FnOnce(&T) -> Result<(), M>,
) {
    if let Err(message) = check(value) {
        errors.push(FieldError::new(field.to_owned(), message.into()));
    }
}

/// A `PATCH` of a field that may not be `null` sent `null`.
///
/// ```
/// use rustbe_core::resource::{Patch, rules};
/// let mut errors = Vec::new();
/// rules::not_null(&mut errors, "name", &Patch::<String>::Null);
/// assert_eq!(errors[0].message(), "may not be null");
/// ```
pub fn not_null<T>(errors: &mut Vec<FieldError>, field: &str, value: &super::Patch<T>) {
    if matches!(value, super::Patch::Null) {
        errors.push(FieldError::new(field.to_owned(), "may not be null"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multiples_are_exact_in_decimals() {
        for (value, step) in [
            (19.99, 0.01),
            (0.07, 0.01),
            (992_088.77, 0.01),
            (-4.35, 0.05),
            (0.0, 0.01),
            (15.0, 5.0),
            (1e30, 0.01),
            (2.5, 0.5),
        ] {
            assert!(is_multiple(value, step), "{value} of {step}");
        }
        for (value, step) in [
            (0.1 + 0.2, 0.01),
            (0.001, 0.01),
            (992_088.771_238_166_4, 0.01),
            (16.0, 5.0),
            (f64::NAN, 0.01),
            (f64::INFINITY, 1.0),
            (1.0, 0.0),
            (1e-300, 0.01),
        ] {
            assert!(!is_multiple(value, step), "{value} of {step}");
        }
    }

    #[test]
    fn patterns_match_each_text_and_an_invalid_one_fails_all() {
        let mut errors = Vec::new();
        let codes = vec!["DE".to_owned(), "deu".to_owned()];
        pattern(&mut errors, "codes", &codes, "^[A-Z]{2}$");
        pattern(&mut errors, "slug", "a-b", "^[a-z0-9]+(-[a-z0-9]+)*$");
        pattern(&mut errors, "x", "anything", "(");
        let fields: Vec<_> = errors.iter().map(FieldError::field).collect();
        assert_eq!(fields, ["codes[1]", "x"]);
    }

    #[test]
    fn urls_need_a_scheme_and_a_host() {
        for good in [
            "https://a.example/x.png",
            "http://a.example",
            "https://u@h:80/p?q#f",
        ] {
            assert!(is_web_url(good), "{good}");
        }
        for bad in [
            "",
            "https://",
            "ftp://a.example",
            "javascript:alert(1)",
            "https:// a",
            "https://:80",
        ] {
            assert!(!is_web_url(bad), "{bad}");
        }
    }

    #[test]
    fn lengths_count_characters_and_items() {
        let mut errors = Vec::new();
        length(&mut errors, "a", "ééé", Some(3), Some(3));
        length(&mut errors, "b", &vec![1, 2, 3], None, Some(2));
        length(&mut errors, "c", "", Some(1), None);
        length(&mut errors, "d", "abcd", Some(5), None);
        let messages: Vec<_> = errors.iter().map(|e| (e.field(), e.message())).collect();
        assert_eq!(
            messages,
            [
                ("b", "must be at most 2 characters long"),
                ("c", "must not be empty"),
                ("d", "must be at least 5 characters long"),
            ]
        );
    }

    #[test]
    fn ranges_and_choices() {
        let mut errors = Vec::new();
        range(&mut errors, "a", &f64::NAN, Some(0.0), None);
        range(&mut errors, "b", &101_u32, None, Some(100.0));
        range(&mut errors, "c", &5_i32, Some(1.0), Some(5.0));
        one_of(
            &mut errors,
            "d",
            &vec!["x".to_owned(), "z".to_owned()],
            &["x", "y"],
        );
        let fields: Vec<_> = errors.iter().map(|e| e.field()).collect();
        assert_eq!(fields, ["a", "b", "d[1]"]);
        assert_eq!(errors[1].message(), "must be at most 100");
    }
}
