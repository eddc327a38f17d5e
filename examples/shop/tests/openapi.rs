//! The shop's `/openapi.json` against the server: every documented operation is routed,
//! every parameter is where it says and required only in the path (and a UUID there), every
//! operation is tagged, the routes that need a token say so, and the rules the server checks
//! are in the schemas.

#![allow(clippy::expect_used, clippy::panic, reason = "tests fail loudly")]

mod common;

use rustbe_core::testing::{TestDb, TestRequest};
use serde_json::Value;

#[tokio::test]
async fn the_document_matches_the_routes() {
    let db = TestDb::sqlite().await;
    let app = common::shop(&db, None).await;
    let doc = TestRequest::get("/openapi.json").send(&app).await.json();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().expect("paths");
    let mut operations = 0;
    for (path, item) in paths {
        for (method, op) in item.as_object().expect("a path item") {
            if !["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                continue;
            }
            operations += 1;
            let tags = op["tags"].as_array().map_or(0, Vec::len);
            assert!(tags > 0, "{method} {path} has no tag");
            for parameter in op["parameters"].as_array().into_iter().flatten() {
                let name = parameter["name"].as_str().unwrap_or_default();
                let place = parameter["in"].as_str().unwrap_or_default();
                let required = parameter["required"].as_bool().unwrap_or(false);
                if place == "path" {
                    assert!(
                        path.contains(&format!("{{{name}}}")),
                        "{method} {path}: {name}"
                    );
                    assert!(required, "{method} {path}: path parameter {name}");
                    // Every id of the shop is a UUID, and a malformed one is a 400: the
                    // document must say so, or a fuzzer's valid-looking id is refused.
                    assert_eq!(
                        parameter["schema"]["format"], "uuid",
                        "{method} {path}: path parameter {name} is a UUID"
                    );
                } else {
                    assert!(
                        !required,
                        "{method} {path}: {place} parameter {name} is optional"
                    );
                }
            }
            // Routed: the router answers something other than "no route" and 405.
            let concrete = path
                .split('/')
                .map(|s| {
                    if s.starts_with('{') {
                        "00000000-0000-0000-0000-000000000000"
                    } else {
                        s
                    }
                })
                .collect::<Vec<_>>()
                .join("/");
            let method_name = method.to_uppercase();
            let r = TestRequest::new(method_name.parse().expect("a method"), &concrete)
                .send(&app)
                .await;
            assert_ne!(
                r.status(),
                405,
                "{method} {path} is documented but not routed"
            );
            if r.status() == 404 {
                let message = r.json()["error"]["message"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                assert!(
                    !message.contains("No route"),
                    "{method} {path} is documented but not routed"
                );
            }
            // Operations that answer 401 to a request without a token document the bearer scheme.
            if r.status() == 401 {
                let security: Value = op["security"].clone();
                assert!(
                    security.to_string().contains("bearer_auth"),
                    "{method} {path} needs a token but documents no security"
                );
            }
        }
    }
    assert!(operations >= 35, "only {operations} operations documented");
    db.cleanup().await;
}

/// What the server checks beyond `format` is stated in the document, so a client (or a
/// fuzzer) reading the schema does not send what the server refuses: text that is trimmed
/// before its length is checked is not blank, a nullable id is a UUID however `format` is
/// read, and the rules of the generated resources are there (`pattern`, `multipleOf`).
#[tokio::test]
async fn the_rules_the_server_checks_are_in_the_schemas() {
    use rustbe_core::resource::{NOT_BLANK_PATTERN, UUID_PATTERN};
    use serde_json::json;

    let db = TestDb::sqlite().await;
    let app = common::shop(&db, None).await;
    let doc = TestRequest::get("/openapi.json").send(&app).await.json();
    let schemas = &doc["components"]["schemas"];
    for (schema, field) in [
        ("RegisterRequest", "name"),
        ("UserReplace", "name"),
        ("ReviewCreate", "comment"),
    ] {
        let property = &schemas[schema]["properties"][field];
        assert_eq!(property["pattern"], NOT_BLANK_PATTERN, "{schema}.{field}");
        assert_eq!(property["minLength"], 1, "{schema}.{field}");
    }
    assert_eq!(
        schemas["RegisterRequest"]["properties"]["email"]["maxLength"],
        254
    );
    assert_eq!(
        schemas["CreateOrder"]["properties"]["address_id"]["pattern"],
        UUID_PATTERN
    );
    assert_eq!(
        schemas["ProductCreate"]["properties"]["category_id"]["pattern"],
        UUID_PATTERN
    );
    assert_eq!(
        schemas["ProductCreate"]["properties"]["price"]["multipleOf"],
        json!(0.01)
    );
    assert_eq!(
        schemas["AddressCreate"]["properties"]["country"]["pattern"],
        "^[A-Z]{2}$"
    );
    // `q` is at most 200 characters as sent, spaces included.
    let q = doc["paths"]["/api/products"]["get"]["parameters"]
        .as_array()
        .and_then(|p| p.iter().find(|p| p["name"] == "q"))
        .expect("q");
    assert_eq!(q["schema"]["maxLength"], 200);
    assert_eq!(
        schemas["CategoryCreate"]["properties"]["slug"]["pattern"],
        "^[a-z0-9]([a-z0-9-]*[a-z0-9])?$"
    );
    db.cleanup().await;
}
