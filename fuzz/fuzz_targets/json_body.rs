//! JSON request bodies: the `ValidJson<T>` extractor driven as axum drives it (an
//! `http::Request` with arbitrary bytes and content type, on a current-thread runtime), and
//! the create/replace/patch bodies of `#[derive(Resource)]` sent through the whole app to the
//! generated handlers, which write to SQLite.
//!
//! Input: a selector byte, a content-type byte, then the body. Content-type byte % 8 picks a
//! JSON type, a non-JSON one or none; 7 takes the content type from the body up to the first
//! newline. Selector % 5: 0 `ValidJson<Signup>` only, 1 `POST /api/items`, 2 `PATCH` and 3
//! `PUT` of a seeded item, 4 `POST /api/entries`.
//!
//! Asserts: never a panic or a 5xx; every refusal is 400/413/415 in the envelope, a 400
//! `VALIDATION_ERROR` lists at least one field; `ValidJson` accepts exactly the bodies that
//! are JSON of the type and pass its rules (a whole number written as a float is taken where
//! an integer goes, nothing else serde refuses is); the derive's DTOs parse and validate without
//! panicking and make an active model.
#![no_main]

use std::sync::OnceLock;

use axum::body::Body;
use axum::extract::FromRequest;
use axum::response::IntoResponse;
use http::{HeaderValue, Method, Request, StatusCode};
use http_body_util::BodyExt as _;
use libfuzzer_sys::fuzz_target;
use rustbe_core::extract::{Json, ValidJson};
use rustbe_core::resource::{Resource, Validate as _};
use rustbe_core::{Error, ErrorCode};
use rustbe_fuzz::{assert_envelope, entry, harness, item, send};
use sea_orm::ActiveModelBehavior;
use serde::Deserialize;
use validator::Validate;

#[derive(Debug, Deserialize, serde::Serialize, Validate)]
#[allow(dead_code)]
struct Address {
    #[validate(length(min = 1, max = 200))]
    street: String,
    #[validate(range(min = 1, max = 99_999))]
    zip: u32,
}

#[derive(Debug, Deserialize, Validate)]
#[allow(dead_code)]
struct Signup {
    #[validate(email)]
    email: String,
    #[validate(length(min = 8, max = 128))]
    password: String,
    #[validate(range(min = 13, max = 150))]
    age: u8,
    #[validate(url)]
    website: Option<String>,
    #[validate(length(max = 5), nested)]
    #[serde(default)]
    addresses: Vec<Address>,
    #[validate(length(max = 10))]
    #[serde(default)]
    tags: Vec<String>,
    birthday: Option<chrono::NaiveDate>,
    referrer: Option<uuid::Uuid>,
    #[validate(range(min = 0.0, max = 1.0))]
    score: Option<f64>,
}

const CONTENT_TYPES: [Option<&str>; 7] = [
    Some("application/json"),
    Some("application/json; charset=utf-8"),
    Some("application/merge-patch+json"),
    Some("APPLICATION/JSON"),
    Some("text/plain"),
    None,
    Some("application/x-www-form-urlencoded"),
];

/// The extractor's rule, restated: the essence of a readable `Content-Type` is
/// `application/json` or `application/…+json`.
fn is_json(content_type: Option<&HeaderValue>) -> bool {
    let Some(value) = content_type.and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

fn request(method: Method, uri: &str, content_type: Option<&[u8]>, body: &[u8]) -> Request<Body> {
    let mut request = Request::builder()
        .method(method)
        .uri(uri)
        .body(Body::from(body.to_vec()))
        .expect("request");
    if let Some(value) = content_type.and_then(|v| HeaderValue::from_bytes(v).ok()) {
        request.headers_mut().insert("content-type", value);
    }
    request
}

fn check_error(what: &str, err: &Error) {
    let status = err.status();
    assert!(
        matches!(
            status,
            StatusCode::BAD_REQUEST
                | StatusCode::PAYLOAD_TOO_LARGE
                | StatusCode::UNSUPPORTED_MEDIA_TYPE
        ),
        "{what}: {status} {err:?}"
    );
    if err.code() == ErrorCode::ValidationError {
        assert!(!err.details().is_empty(), "{what}: {err:?}");
    }
}

async fn valid_json(content_type: Option<&[u8]>, body: &[u8]) {
    let req = request(Method::POST, "/", content_type, body);
    let json_type = is_json(req.headers().get("content-type"));
    let outcome = ValidJson::<Signup>::from_request(req, &()).await;
    let parsed = serde_json::from_slice::<Signup>(body);
    let fits = json_type && parsed.as_ref().is_ok_and(|s| s.validate().is_ok());
    match outcome {
        Ok(ValidJson(signup)) => {
            // Accepted: a JSON content type, rules kept, and serde took the body as sent, or
            // refused it only for a whole number written as a float where an integer goes
            // (`Json` reads `35.0` as `35`, on purpose). Anything else serde refuses (a
            // duplicate field, …) must stay refused.
            assert!(
                json_type,
                "accepted without a JSON content type: {signup:?}"
            );
            assert!(
                signup.validate().is_ok(),
                "accepted a body the rules refuse: {signup:?}"
            );
            if let Err(err) = &parsed {
                assert!(
                    err.to_string().starts_with("invalid type: floating point"),
                    "accepted a body serde refuses ({err}): {signup:?}"
                );
            }
        }
        Err(rejection) => {
            assert!(!fits, "refused a fitting body: {rejection:?}");
            let err = Error::from(rejection);
            check_error("ValidJson", &err);
            let response = err.into_response();
            let status = response.status();
            let bytes = response
                .into_body()
                .collect()
                .await
                .expect("body")
                .to_bytes();
            let json = serde_json::from_slice(&bytes).unwrap_or_default();
            assert_envelope("ValidJson", status, &json);
        }
    }
}

/// The derive's DTOs, parsed and validated as the handlers do, then applied.
fn dtos(body: &[u8]) {
    let model = |what: &str, errors: Vec<rustbe_core::FieldError>| {
        if !errors.is_empty() {
            check_error(what, &Error::validation(errors));
        }
    };
    match Json::<<item::Model as Resource>::Create>::from_bytes(body) {
        Ok(Json(create)) => {
            model("item create", create.validate());
            let _ = item::Model::create_model(create, None);
        }
        Err(rejection) => check_error("item create", &Error::from(rejection)),
    }
    match Json::<<item::Model as Resource>::Patch>::from_bytes(body) {
        Ok(Json(patch)) => {
            model("item patch", patch.validate());
            let mut row = <item::ActiveModel as ActiveModelBehavior>::new();
            item::Model::patch_model(patch, &mut row);
        }
        Err(rejection) => check_error("item patch", &Error::from(rejection)),
    }
    match Json::<<entry::Model as Resource>::Replace>::from_bytes(body) {
        Ok(Json(replace)) => {
            model("entry replace", replace.validate());
            let mut row = <entry::ActiveModel as ActiveModelBehavior>::new();
            entry::Model::replace_model(replace, &mut row);
        }
        Err(rejection) => check_error("entry replace", &Error::from(rejection)),
    }
}

/// The id of a seeded item, for `PUT` and `PATCH`.
fn item_id() -> &'static str {
    static ID: OnceLock<String> = OnceLock::new();
    ID.get_or_init(|| {
        let h = harness();
        h.runtime.block_on(async {
            let req = Request::get("/api/items?limit=1")
                .body(Body::empty())
                .expect("request");
            let (_, json) = send(&h.router, req).await;
            json["data"][0]["id"]
                .as_str()
                .expect("a seeded item")
                .to_owned()
        })
    })
}

fuzz_target!(|data: &[u8]| {
    let [selector, ct, rest @ ..] = data else {
        return;
    };
    let (content_type, body): (Option<&[u8]>, &[u8]) = match ct % 8 {
        7 => {
            let split = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
            (
                Some(&rest[..split]),
                rest.get(split + 1..).unwrap_or_default(),
            )
        }
        n => (CONTENT_TYPES[usize::from(n)].map(str::as_bytes), rest),
    };
    let h = harness();
    let id = item_id();
    dtos(body);
    h.runtime.block_on(async {
        let (method, uri) = match selector % 5 {
            0 => return valid_json(content_type, body).await,
            1 => (Method::POST, "/api/items".to_owned()),
            2 => (Method::PATCH, format!("/api/items/{id}")),
            3 => (Method::PUT, format!("/api/items/{id}")),
            _ => (Method::POST, "/api/entries".to_owned()),
        };
        let req = request(method.clone(), &uri, content_type, body);
        let (status, json) = send(&h.router, req).await;
        let what = format!("{method} {uri}");
        assert_envelope(&what, status, &json);
        assert!(
            matches!(
                status,
                StatusCode::OK
                    | StatusCode::CREATED
                    | StatusCode::BAD_REQUEST
                    | StatusCode::PAYLOAD_TOO_LARGE
                    | StatusCode::UNSUPPORTED_MEDIA_TYPE
            ),
            "{what}: {status} {json}"
        );
        if json["error"]["code"] == "VALIDATION_ERROR" {
            assert!(
                json["error"]["details"]
                    .as_array()
                    .is_some_and(|d| !d.is_empty()),
                "{what}: {json}"
            );
        }
    });
});
