//! Responses for `#[utoipa::path(responses(…))]`: the success answers of
//! [`response`](crate::response) (`Single<T>`, `Created<T>`, `Page<T>`, `NoContent`, and
//! [`Tagged<T>`] for a value with its `ETag`) and the errors every route shares, each in the
//! envelope and rewritten into the app's format when the document is served.
//!
//! ```
//! use rustbe_core::openapi::{Unauthorized, Unavailable};
//! use rustbe_core::response::Created;
//! use utoipa::OpenApi;
//!
//! #[derive(serde::Serialize, utoipa::ToSchema)]
//! struct Order { id: u32 }
//!
//! /// Place an order.
//! #[utoipa::path(post, path = "/api/orders",
//!     responses(Created<Order>, Unauthorized, Unavailable,
//!         (status = 409, description = "Not enough stock (`CONFLICT`)", body = rustbe_core::envelope::ErrorEnvelope)))]
//! async fn place() -> Created<Order> {
//!     Created::new("/api/orders/1", Order { id: 1 })
//! }
//!
//! #[derive(OpenApi)]
//! #[openapi(paths(place), components(schemas(Order)))]
//! struct Doc;
//!
//! let doc = serde_json::to_value(Doc::openapi()).unwrap();
//! let responses = &doc["paths"]["/api/orders"]["post"]["responses"];
//! assert_eq!(responses["201"]["content"]["application/json"]["schema"]["properties"]["data"]["$ref"], "#/components/schemas/Order");
//! assert!(responses["201"]["headers"]["Location"].is_object());
//! for status in ["401", "409", "503"] {
//!     assert_eq!(responses[status]["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/ErrorEnvelope");
//! }
//! ```

use std::collections::BTreeMap;

use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::{Content, RefOr, Schema};
use utoipa::{IntoResponses, ToSchema};

use super::{ErrorResponse, JSON, data, paged, reference, string};
use crate::response::{Created, NoContent, Page, Single};

type Responses = BTreeMap<String, RefOr<Response>>;

/// One response: `status`, `description`, a JSON body and described headers.
fn one(
    status: &str,
    description: String,
    body: Option<RefOr<Schema>>,
    headers: &[(&str, &str)],
) -> Responses {
    let mut response = ResponseBuilder::new().description(description);
    if let Some(body) = body {
        response = response.content(JSON, Content::new(Some(body)));
    }
    for (name, description) in headers {
        response = response.header(
            *name,
            HeaderBuilder::new()
                .schema(Some(string()))
                .description(Some(*description))
                .build(),
        );
    }
    BTreeMap::from([(status.to_owned(), RefOr::T(response.build()))])
}

fn of<T: ToSchema>() -> RefOr<Schema> {
    reference(&T::name())
}

/// 200 with the `T`.
impl<T: ToSchema> IntoResponses for Single<T> {
    fn responses() -> Responses {
        one(
            "200",
            format!("The {}", T::name()),
            Some(data(of::<T>())),
            &[],
        )
    }
}

/// 201 with the created `T`, `Location` naming it.
impl<T: ToSchema> IntoResponses for Created<T> {
    fn responses() -> Responses {
        one(
            "201",
            format!("The created {}; `Location` names it", T::name()),
            Some(data(of::<T>())),
            &[("Location", "Where the created value is read")],
        )
    }
}

/// 200 with a page of `T` and its `pagination`.
impl<T: ToSchema> IntoResponses for Page<T> {
    fn responses() -> Responses {
        one(
            "200",
            format!("A page of {}, with its `pagination`", T::name()),
            Some(paged(of::<T>())),
            &[],
        )
    }
}

/// 204, no body.
impl IntoResponses for NoContent {
    fn responses() -> Responses {
        one("204", "Done; no body".to_owned(), None, &[])
    }
}

/// 200 with the `T` and its strong `ETag`: a value read or changed under conditional requests
/// (`If-None-Match`, `If-Match`). With [`NotModified`] beside it for a read.
///
/// ```
/// use utoipa::IntoResponses;
/// #[derive(utoipa::ToSchema)]
/// struct Order;
/// let r = serde_json::to_value(rustbe_core::openapi::Tagged::<Order>::responses()).unwrap();
/// assert!(r["200"]["headers"]["ETag"].is_object());
/// ```
#[derive(Debug)]
pub struct Tagged<T>(std::marker::PhantomData<T>);

impl<T: ToSchema> IntoResponses for Tagged<T> {
    fn responses() -> Responses {
        one(
            "200",
            format!("The {}", T::name()),
            Some(data(of::<T>())),
            &[("ETag", "Strong entity tag of this state")],
        )
    }
}

/// 304: the `If-None-Match` tag is current (no body).
///
/// ```
/// use utoipa::IntoResponses;
/// assert!(rustbe_core::openapi::NotModified::responses().contains_key("304"));
/// ```
#[derive(Debug)]
pub struct NotModified;

impl IntoResponses for NotModified {
    fn responses() -> Responses {
        one(
            "304",
            "Not modified: the `If-None-Match` tag is current (no body)".to_owned(),
            None,
            &[],
        )
    }
}

/// An error response of the kit as an `ErrorEnvelope` answer.
fn error((status, description): ErrorResponse) -> Responses {
    one(
        status,
        description.to_owned(),
        Some(reference("ErrorEnvelope")),
        &[],
    )
}

macro_rules! error_responses {
    ($($(#[$doc:meta])* $name:ident = $kit:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Debug)]
        pub struct $name;

        impl IntoResponses for $name {
            fn responses() -> Responses {
                error(super::$kit)
            }
        }
    )*};
}

error_responses! {
    /// 401 for a route behind the bearer scheme ([`UNAUTHORIZED`](super::UNAUTHORIZED)).
    Unauthorized = UNAUTHORIZED;
    /// 400 for a route with a JSON body: malformed, or breaking the rules
    /// ([`INVALID`](super::INVALID)).
    Invalid = INVALID;
    /// 415 for a route with a JSON body ([`UNSUPPORTED`](super::UNSUPPORTED)).
    Unsupported = UNSUPPORTED;
    /// 503 for a route that reads the database ([`UNAVAILABLE`](super::UNAVAILABLE)).
    Unavailable = UNAVAILABLE;
}
