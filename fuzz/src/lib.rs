//! Shared pieces of the fuzz targets: the resources under test, the app that serves them on
//! an in-memory SQLite database, and the checks every answer must pass.
//!
//! The targets panic (and libFuzzer reports a crash) on anything the framework promises not
//! to do with untrusted input: a panic of its own, a 5xx, or an answer outside the envelope.

use std::sync::OnceLock;

use axum::Router;
use axum::body::Body;
use http::{Request, Response, StatusCode};
use http_body_util::BodyExt as _;
use rustbe_core::app::App;
use rustbe_core::config::Config;
use rustbe_core::resource::router;
use sea_orm::{ConnectionTrait, DatabaseConnection, Schema};
use serde_json::{Value, json};
use tower::ServiceExt as _;

/// A page-mode resource with a filter of every common field type, search and sorts.
pub mod item {
    use rustbe_core::Resource;
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Resource)]
    #[sea_orm(table_name = "items")]
    #[resource(access(all = public), default_sort = "-created_at")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        #[resource(filter(eq, in), sort, search, length(min = 1, max = 100))]
        pub name: String,
        #[resource(search, length(max = 2000))]
        pub description: Option<String>,
        #[resource(filter(range), sort, range(min = 0.01, max = 1e6))]
        pub price: f64,
        #[resource(filter(eq, in, range), sort, range(min = 0))]
        pub stock: i32,
        #[resource(filter(eq, in, range), sort)]
        pub views: i64,
        #[resource(filter(eq, range))]
        pub weight: i64,
        #[resource(filter(eq, in), one_of("new", "used", "refurbished"))]
        pub state: String,
        #[resource(filter)]
        pub active: bool,
        #[resource(filter(eq, range))]
        pub rating: Option<i16>,
        #[resource(filter(range), sort)]
        pub released: Date,
        #[resource(created_at, sort, filter(range))]
        pub created_at: DateTimeUtc,
        #[resource(updated_at)]
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A keyset (cursor) resource, also listed under a parent.
pub mod entry {
    use rustbe_core::Resource;
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Resource)]
    #[sea_orm(table_name = "entries")]
    #[resource(
        access(all = public),
        cursor,
        nested = "/boards/{board_id}/entries",
        default_sort = "-score"
    )]
    pub struct Model {
        #[sea_orm(primary_key)]
        #[resource(sort)]
        pub id: i32,
        #[resource(filter)]
        pub board_id: i32,
        #[resource(sort, filter(range))]
        pub score: i32,
        #[resource(sort, filter(eq, in), search, length(min = 1, max = 50))]
        pub title: String,
        #[resource(sort, filter(range))]
        pub ratio: f64,
        #[resource(sort, filter(range))]
        pub hits: i64,
        #[resource(created_at, sort)]
        pub at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A current-thread runtime and the app, made once per process.
pub struct Harness {
    /// The runtime every request runs on.
    pub runtime: tokio::runtime::Runtime,
    /// The whole app stack with both resources under `/api`.
    pub router: Router,
    /// Its database.
    pub db: DatabaseConnection,
}

/// With `FUZZ_LOG` set (an `EnvFilter`, e.g. `error`), the server's logs go to stderr: what
/// is behind a 500 when replaying a reproducer.
pub fn init_logs() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        if let Ok(filter) = std::env::var("FUZZ_LOG") {
            tracing_subscriber::fmt()
                .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
                .with_writer(std::io::stderr)
                .init();
        }
    });
}

/// The harness, seeded with a few rows of each resource on first use.
pub fn harness() -> &'static Harness {
    static HARNESS: OnceLock<Harness> = OnceLock::new();
    HARNESS.get_or_init(|| {
        init_logs();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let (router, db) = runtime.block_on(async {
            let config = Config::for_tests("fuzz");
            let db = rustbe_core::db::connect(&config.database)
                .await
                .expect("sqlite");
            let schema = Schema::new(db.get_database_backend());
            db.execute(&schema.create_table_from_entity(item::Entity))
                .await
                .expect("items");
            db.execute(&schema.create_table_from_entity(entry::Entity))
                .await
                .expect("entries");
            let api = Router::new()
                .merge(router::<item::Model>())
                .merge(router::<entry::Model>());
            let router = App::new(config).database(db.clone()).api(api).into_router();
            (router, db)
        });
        let harness = Harness {
            runtime,
            router,
            db,
        };
        harness.runtime.block_on(seed(&harness.router));
        harness
    })
}

async fn seed(router: &Router) {
    for (i, (name, price, state)) in [
        ("Red shoes", 79.5, "new"),
        ("Blue hat", 15.0, "used"),
        ("Tote 50%_off", 30.0, "refurbished"),
        ("Wool scarf", 22.25, "new"),
    ]
    .into_iter()
    .enumerate()
    {
        let body = json!({
            "name": name, "description": (i % 2 == 0).then_some("a thing"), "price": price,
            "stock": i, "views": i * 1000, "weight": -(i as i64), "state": state,
            "active": i % 2 == 1, "rating": (i > 0).then_some(i),
            "released": format!("2024-0{}-1{i}", i + 1),
        });
        let (status, json) = send(router, post("/api/items", &body)).await;
        assert_eq!(status, StatusCode::CREATED, "{json}");
    }
    for (board, score, title) in [
        (1, 50, "alpha"),
        (1, 40, "beta"),
        (1, 40, "gamma"),
        (1, 10, "delta"),
        (2, 45, "epsilon"),
        (2, 5, "zeta"),
    ] {
        let body = json!({"board_id": board, "score": score, "title": title,
                          "ratio": f64::from(score) / 7.0, "hits": score * 3});
        let (status, json) = send(router, post("/api/entries", &body)).await;
        assert_eq!(status, StatusCode::CREATED, "{json}");
    }
}

fn post(path: &str, body: &Value) -> Request<Body> {
    Request::post(path)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .expect("request")
}

/// Sends `request` through `router`; the status and the body as JSON (`Null` if it is not).
pub async fn send(router: &Router, request: Request<Body>) -> (StatusCode, Value) {
    let response: Response<Body> = router.clone().oneshot(request).await.expect("infallible");
    let status = response.status();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// `bytes` as a URI query: bytes `http::Uri` does not take are percent-encoded, everything
/// else (including stray `%`) is kept as sent, so the server's own decoding is what is fuzzed.
#[must_use]
pub fn raw_query(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        if (0x21..=0x7e).contains(&b) && b != b'#' {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `bytes` as one path segment, fully percent-encoded outside `[A-Za-z0-9-_.~]`.
#[must_use]
pub fn path_segment(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The envelope's promises for an answer of `status` with body `json`: success with `data`,
/// or failure with an `error.code` and `error.message`; `details` entries name a field.
pub fn assert_envelope(what: &str, status: StatusCode, json: &Value) {
    assert!(
        !status.is_server_error(),
        "{what}: {status} is a server error: {json}"
    );
    if status == StatusCode::NO_CONTENT {
        assert!(json.is_null(), "{what}: 204 with a body: {json}");
    } else if status.is_success() {
        assert_eq!(json["success"], true, "{what}: {json}");
        assert!(json.get("data").is_some(), "{what}: {json}");
    } else {
        assert_eq!(json["success"], false, "{what}: {status} {json}");
        let error = &json["error"];
        assert!(
            error["code"].as_str().is_some_and(|c| !c.is_empty()),
            "{what}: {json}"
        );
        assert!(error["message"].as_str().is_some(), "{what}: {json}");
        if let Some(details) = error.get("details").and_then(Value::as_array) {
            for detail in details {
                assert!(detail["field"].as_str().is_some(), "{what}: {json}");
                assert!(detail["message"].as_str().is_some(), "{what}: {json}");
            }
        }
    }
}
