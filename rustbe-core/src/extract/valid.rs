//! [`ValidJson`]: a JSON body, validated, with every rule it breaks in one 400.

use axum::extract::{FromRequest, Request};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use validator::{Validate, ValidationErrors};

use super::{Json, JsonRejection};
use crate::Error;

/// A JSON body that is then checked with [`validator::Validate`]: every broken rule of every
/// field is listed at once in a 400 `VALIDATION_ERROR`.
///
/// ```
/// use rustbe_core::extract::ValidJson;
/// use validator::Validate;
///
/// #[derive(serde::Deserialize, Validate)]
/// struct NewReview {
///     #[validate(range(min = 1, max = 5))]
///     rating: u8,
///     #[validate(length(max = 2000))]
///     comment: String,
/// }
///
/// async fn create(ValidJson(review): ValidJson<NewReview>) -> String {
///     format!("{} stars", review.rating)
/// }
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct ValidJson<T>(pub T);

/// Why a [`ValidJson`] body was refused.
///
/// ```
/// use rustbe_core::{Error, ErrorCode, extract::ValidJsonRejection};
/// use validator::Validate;
/// #[derive(Validate)]
/// struct NewReview { #[validate(range(min = 1, max = 5))] rating: u8 }
/// let rejection = ValidJsonRejection::Invalid(NewReview { rating: 9 }.validate().unwrap_err());
/// let err = Error::from(rejection);
/// assert_eq!(err.code(), ErrorCode::ValidationError);
/// assert_eq!(err.details()[0].field(), "rating");
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum ValidJsonRejection {
    /// The body was not acceptable JSON.
    Json(JsonRejection),
    /// The body broke validation rules.
    Invalid(ValidationErrors),
}

impl From<ValidJsonRejection> for Error {
    fn from(rejection: ValidJsonRejection) -> Self {
        match rejection {
            ValidJsonRejection::Json(r) => r.into(),
            ValidJsonRejection::Invalid(e) => e.into(),
        }
    }
}

impl IntoResponse for ValidJsonRejection {
    fn into_response(self) -> Response {
        Error::from(self).into_response()
    }
}

impl<T, S> FromRequest<S> for ValidJson<T>
where
    T: DeserializeOwned + Validate,
    S: Send + Sync,
{
    type Rejection = ValidJsonRejection;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = super::json_bytes(req, state)
            .await
            .map_err(ValidJsonRejection::Json)?;
        let value = match Json::<T>::fitted(&bytes) {
            Ok(Json(value)) => value,
            // Shape errors, and the rules of the other fields, in one answer.
            Err((JsonRejection::Invalid(shape), Some(fitted))) => {
                let rules = fitted
                    .validate()
                    .err()
                    .map(|rules| Error::from(rules).details().to_vec())
                    .unwrap_or_default();
                let all = super::with_rule_errors(shape, rules);
                return Err(ValidJsonRejection::Json(JsonRejection::Invalid(all)));
            }
            Err((rejection, _)) => return Err(ValidJsonRejection::Json(rejection)),
        };
        value.validate().map_err(ValidJsonRejection::Invalid)?;
        Ok(Self(value))
    }
}
