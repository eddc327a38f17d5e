//! [`FieldError`]: what is wrong with one field of a request, the `details` of a 400.

use std::borrow::Cow;

use validator::{ValidationError, ValidationErrors, ValidationErrorsKind};

use super::Error;

/// One failing field in the `details` of an error envelope.
///
/// `field` is a path into the request: `price`, `items[0].quantity`, or a query parameter's
/// name.
///
/// ```
/// let detail = rustbe_core::FieldError::new("items[0].quantity", "must be at least 1");
/// assert_eq!(detail.field(), "items[0].quantity");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct FieldError {
    field: Cow<'static, str>,
    message: Cow<'static, str>,
}

impl FieldError {
    /// A detail for `field` saying `message`.
    ///
    /// ```
    /// let detail = rustbe_core::FieldError::new("price", format!("must be at most {}", 100));
    /// assert_eq!(detail.field(), "price");
    /// assert_eq!(detail.message(), "must be at most 100");
    /// ```
    #[must_use]
    pub fn new(field: impl Into<Cow<'static, str>>, message: impl Into<Cow<'static, str>>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }

    /// The path of the failing field.
    ///
    /// ```
    /// assert_eq!(rustbe_core::FieldError::new("items[2].sku", "is required").field(), "items[2].sku");
    /// ```
    #[must_use]
    pub fn field(&self) -> &str {
        &self.field
    }

    /// What is wrong with it.
    ///
    /// ```
    /// assert_eq!(rustbe_core::FieldError::new("email", "is required").message(), "is required");
    /// ```
    #[must_use]
    pub fn message(&self) -> &str {
        &self.message
    }
}

/// Every failing field of a `validator` check, flattened to paths, sorted by path.
///
/// ```
/// use validator::Validate;
///
/// #[derive(Validate)]
/// struct Signup {
///     #[validate(email(message = "must be a valid email"))]
///     email: String,
///     #[validate(length(min = 8))]
///     password: String,
/// }
///
/// let errors = Signup { email: "nope".into(), password: "short".into() }.validate().unwrap_err();
/// let err = rustbe_core::Error::from(errors);
/// let fields: Vec<_> = err.details().iter().map(|d| d.field()).collect();
/// assert_eq!(fields, ["email", "password"]);
/// assert_eq!(err.details()[1].message(), "must be at least 8 characters long");
/// ```
impl From<ValidationErrors> for Error {
    fn from(errors: ValidationErrors) -> Self {
        let mut details = Vec::new();
        flatten(&errors, "", &mut details);
        details.sort_by(|a, b| a.field.cmp(&b.field));
        Error::validation(details)
    }
}

fn flatten(errors: &ValidationErrors, prefix: &str, out: &mut Vec<FieldError>) {
    for (field, kind) in errors.errors() {
        let path = if prefix.is_empty() {
            field.to_string()
        } else {
            format!("{prefix}.{field}")
        };
        match kind {
            ValidationErrorsKind::Field(list) => {
                out.extend(
                    list.iter()
                        .map(|e| FieldError::new(path.clone(), describe(e))),
                );
            }
            ValidationErrorsKind::Struct(inner) => flatten(inner, &path, out),
            ValidationErrorsKind::List(items) => {
                for (index, inner) in items {
                    flatten(inner, &format!("{path}[{index}]"), out);
                }
            }
        }
    }
}

/// The error's own message, or a sentence built from its code and parameters.
fn describe(error: &ValidationError) -> Cow<'static, str> {
    if let Some(message) = &error.message {
        return message.clone();
    }
    let param = |name: &str| error.params.get(name).map(ToString::to_string);
    let (min, max) = (param("min"), param("max"));
    match error.code.as_ref() {
        "length" => match (min, max, param("equal")) {
            (_, _, Some(n)) => format!("must be exactly {n} characters long").into(),
            (Some(min), Some(max), _) => {
                format!("must be between {min} and {max} characters long").into()
            }
            (Some(min), None, _) => format!("must be at least {min} characters long").into(),
            (None, Some(max), _) => format!("must be at most {max} characters long").into(),
            (None, None, _) => "has an invalid length".into(),
        },
        "range" => match (min, max) {
            (Some(min), Some(max)) => format!("must be between {min} and {max}").into(),
            (Some(min), None) => format!("must be at least {min}").into(),
            (None, Some(max)) => format!("must be at most {max}").into(),
            (None, None) => "is out of range".into(),
        },
        "email" => "must be a valid email address".into(),
        "url" => "must be a valid URL".into(),
        "required" => "is required".into(),
        "regex" => "has an invalid format".into(),
        "must_match" => "does not match".into(),
        other => format!("is invalid ({other})").into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use validator::Validate;

    #[derive(Validate)]
    struct Item {
        #[validate(range(min = 1, max = 99))]
        quantity: u32,
    }

    #[derive(Validate)]
    struct Order {
        #[validate(nested)]
        items: Vec<Item>,
        #[validate(length(max = 3))]
        note: String,
        #[validate(length(equal = 2))]
        country: String,
        #[validate(url)]
        link: String,
    }

    #[test]
    fn nested_lists_flatten_to_indexed_paths_with_readable_messages() {
        let order = Order {
            items: vec![Item { quantity: 1 }, Item { quantity: 0 }],
            note: "toolong".into(),
            country: "FRA".into(),
            link: "not a url".into(),
        };
        let err = Error::from(order.validate().unwrap_err());
        let details: Vec<_> = err
            .details()
            .iter()
            .map(|d| (d.field(), d.message()))
            .collect();
        assert_eq!(
            details,
            [
                ("country", "must be exactly 2 characters long"),
                ("items[1].quantity", "must be between 1 and 99"),
                ("link", "must be a valid URL"),
                ("note", "must be at most 3 characters long"),
            ]
        );
    }

    #[test]
    fn custom_codes_are_named() {
        let e = ValidationError::new("no_emoji");
        assert_eq!(describe(&e), "is invalid (no_emoji)");
    }
}
