//! Conduit through its whole router, written from the RealWorld spec (`api/openapi.yml`): on
//! in-memory SQLite always, and on a PostgreSQL database of its own with Redis (revocation,
//! rate limits) when `TEST_DATABASE_URL` and `TEST_REDIS_URL` are set (always under CI).

#![allow(clippy::expect_used, reason = "tests fail loudly")]

use axum::Router;
use http::Method;
use rustbe_core::config::{Config, Secret};
use rustbe_core::testing::{TestDb, TestRequest, TestResponse, service_url};
use sea_orm::DatabaseConnection;
use serde_json::{Value, json};

/// The app as `main` builds it; limits raised so that the tests' own traffic (shared in
/// Redis between tests) never hits them.
async fn router(db: DatabaseConnection, redis: Option<String>) -> Router {
    let mut config = Config::for_tests(conduit::APP_NAME);
    config.rate_limit = "10000/1m".parse().expect("a rate");
    config.redis_url = redis.map(Secret::new);
    let mut auth = rustbe_auth::AuthConfig::for_tests(conduit::APP_NAME);
    auth.rate_limit_auth = "1000/1m".parse().expect("a rate");
    conduit::app(config, auth, db)
        .await
        .expect("the app starts")
        .into_router()
}

/// A request with `Authorization: Token <token>` when `token` is given.
async fn call(
    router: &Router,
    method: Method,
    uri: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> TestResponse {
    let mut request = TestRequest::new(method, uri);
    if let Some(token) = token {
        request = request.header("authorization", &format!("Token {token}"));
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send(router).await
}

/// Registers `name` (`name@example.com`, password `password`) and returns the token.
async fn register(router: &Router, name: &str) -> String {
    let user = json!({"user": {"username": name, "email": format!("{name}@example.com"), "password": "password"}});
    let response = call(router, Method::POST, "/api/users", None, Some(user)).await;
    assert_eq!(response.status(), 201, "{:?}", response.json());
    response.json()["user"]["token"]
        .as_str()
        .expect("a token")
        .to_owned()
}

/// `{"errors": {"body": [...]}}`, the messages.
fn errors(response: &TestResponse) -> Vec<String> {
    let body = response.json();
    assert!(
        body["errors"]["body"].is_array(),
        "a Conduit error body: {body}"
    );
    let messages = body["errors"]["body"].as_array().expect("an array");
    assert!(!messages.is_empty(), "at least one message: {body}");
    messages
        .iter()
        .map(|m| m.as_str().expect("text").to_owned())
        .collect()
}

/// `2026-12-03T10:00:00.123Z`: ISO 8601 with fractional seconds, as the collection checks.
fn is_timestamp(value: &Value) -> bool {
    let text = value.as_str().unwrap_or_default();
    let (date, time) = text.split_once('T').unwrap_or_default();
    date.len() == 10
        && time.len() == 13
        && time.ends_with('Z')
        && time.as_bytes()[8] == b'.'
        && chrono::DateTime::parse_from_rfc3339(text).is_ok()
}

async fn users(router: Router) {
    let user =
        json!({"user": {"username": "jake", "email": "Jake@Example.com", "password": "password"}});
    let created = call(
        &router,
        Method::POST,
        "/api/users",
        None,
        Some(user.clone()),
    )
    .await;
    assert_eq!(created.status(), 201, "{:?}", created.json());
    let body = created.json();
    assert_eq!(body["user"]["email"], "jake@example.com");
    assert_eq!(body["user"]["username"], "jake");
    assert!(body["user"]["bio"].is_null() && body["user"]["image"].is_null());
    assert!(body["user"].get("password_hash").is_none());

    let again = call(&router, Method::POST, "/api/users", None, Some(user)).await;
    assert_eq!(again.status(), 422, "a taken email");
    errors(&again);
    let invalid = json!({"user": {"username": "x", "email": "not-an-email", "password": "short"}});
    let invalid = call(&router, Method::POST, "/api/users", None, Some(invalid)).await;
    assert_eq!(invalid.status(), 422);
    let messages = errors(&invalid);
    assert!(
        messages.iter().any(|m| m.starts_with("email ")),
        "{messages:?}"
    );
    assert!(
        messages.iter().any(|m| m.starts_with("password ")),
        "{messages:?}"
    );
    let malformed = call(
        &router,
        Method::POST,
        "/api/users",
        None,
        Some(json!({"user": 1})),
    )
    .await;
    assert_eq!(malformed.status(), 422);
    errors(&malformed);

    let login = json!({"user": {"email": "jake@example.com", "password": "password"}});
    let login = call(&router, Method::POST, "/api/users/login", None, Some(login)).await;
    assert_eq!(login.status(), 200);
    let token = login.json()["user"]["token"]
        .as_str()
        .expect("a token")
        .to_owned();
    let wrong = json!({"user": {"email": "jake@example.com", "password": "guess-again"}});
    let wrong = call(&router, Method::POST, "/api/users/login", None, Some(wrong)).await;
    assert_eq!(wrong.status(), 401);
    errors(&wrong);

    let me = call(&router, Method::GET, "/api/user", Some(&token), None).await;
    assert_eq!(me.status(), 200);
    assert_eq!(me.json()["user"]["username"], "jake");
    assert!(me.json()["user"]["token"].is_string());
    let anonymous = call(&router, Method::GET, "/api/user", None, None).await;
    assert_eq!(anonymous.status(), 401);
    assert_eq!(anonymous.header("www-authenticate"), Some("Token"));
    errors(&anonymous);
    let bearer = TestRequest::get("/api/user")
        .bearer(&token)
        .send(&router)
        .await;
    assert_eq!(
        bearer.status(),
        401,
        "Conduit's scheme is `Token`, not `Bearer`"
    );
    let forged = call(
        &router,
        Method::GET,
        "/api/user",
        Some("forged.token.here"),
        None,
    )
    .await;
    assert_eq!(forged.status(), 401);
    assert_eq!(
        forged.header("www-authenticate"),
        Some(r#"Token error="invalid_token""#)
    );
    errors(&forged);

    let change =
        json!({"user": {"bio": "I work at statefarm", "image": "https://example.com/jake.png"}});
    let updated = call(
        &router,
        Method::PUT,
        "/api/user",
        Some(&token),
        Some(change),
    )
    .await;
    assert_eq!(updated.status(), 200, "{:?}", updated.json());
    assert_eq!(updated.json()["user"]["bio"], "I work at statefarm");
    let password = json!({"user": {"password": "a new password"}});
    let changed = call(
        &router,
        Method::PUT,
        "/api/user",
        Some(&token),
        Some(password),
    )
    .await;
    assert_eq!(changed.status(), 200);
    let login = json!({"user": {"email": "jake@example.com", "password": "a new password"}});
    let login = call(&router, Method::POST, "/api/users/login", None, Some(login)).await;
    assert_eq!(login.status(), 200, "the new password works");
    let short = json!({"user": {"password": "short"}});
    let short = call(&router, Method::PUT, "/api/user", Some(&token), Some(short)).await;
    assert_eq!(short.status(), 422);
    errors(&short);
}

async fn profiles(router: Router) {
    let jake = register(&router, "jake").await;
    register(&router, "celeb").await;
    let anonymous = call(&router, Method::GET, "/api/profiles/celeb", None, None).await;
    assert_eq!(anonymous.status(), 200);
    assert_eq!(
        anonymous.json(),
        json!({"profile": {"username": "celeb", "bio": null, "image": null, "following": false}})
    );
    let follow = call(
        &router,
        Method::POST,
        "/api/profiles/celeb/follow",
        Some(&jake),
        None,
    )
    .await;
    assert_eq!(follow.status(), 200);
    assert_eq!(follow.json()["profile"]["following"], true);
    let twice = call(
        &router,
        Method::POST,
        "/api/profiles/celeb/follow",
        Some(&jake),
        None,
    )
    .await;
    assert_eq!(twice.json()["profile"]["following"], true, "idempotent");
    let seen = call(
        &router,
        Method::GET,
        "/api/profiles/celeb",
        Some(&jake),
        None,
    )
    .await;
    assert_eq!(seen.json()["profile"]["following"], true);
    let anonymous = call(&router, Method::GET, "/api/profiles/celeb", None, None).await;
    assert_eq!(anonymous.json()["profile"]["following"], false);
    let forged = call(
        &router,
        Method::GET,
        "/api/profiles/celeb",
        Some("forged"),
        None,
    )
    .await;
    assert_eq!(
        forged.status(),
        401,
        "optional auth: a bad token is refused"
    );
    let unfollow = call(
        &router,
        Method::DELETE,
        "/api/profiles/celeb/follow",
        Some(&jake),
        None,
    )
    .await;
    assert_eq!(unfollow.json()["profile"]["following"], false);

    let unknown = call(&router, Method::GET, "/api/profiles/nobody", None, None).await;
    assert_eq!(unknown.status(), 404);
    errors(&unknown);
    let signed_out = call(
        &router,
        Method::POST,
        "/api/profiles/celeb/follow",
        None,
        None,
    )
    .await;
    assert_eq!(signed_out.status(), 401);
    errors(&signed_out);
}

async fn articles(router: Router) {
    let jake = register(&router, "jake").await;
    let anna = register(&router, "anna").await;
    let dragon = json!({"article": {"title": "How to train your dragon", "description": "Ever wonder how?",
        "body": "Very carefully.", "tagList": ["training", "dragons"]}});
    let created = call(
        &router,
        Method::POST,
        "/api/articles",
        Some(&jake),
        Some(dragon.clone()),
    )
    .await;
    assert_eq!(created.status(), 201, "{:?}", created.json());
    let article = created.json()["article"].clone();
    assert_eq!(article["slug"], "how-to-train-your-dragon");
    assert_eq!(article["tagList"], json!(["dragons", "training"]), "sorted");
    assert!(
        is_timestamp(&article["createdAt"]),
        "{}",
        article["createdAt"]
    );
    assert!(is_timestamp(&article["updatedAt"]));
    assert_eq!(
        (
            article["favorited"].clone(),
            article["favoritesCount"].clone()
        ),
        (json!(false), json!(0))
    );
    assert_eq!(article["author"]["username"], "jake");
    let same_title = call(
        &router,
        Method::POST,
        "/api/articles",
        Some(&jake),
        Some(dragon),
    )
    .await;
    let other_slug = same_title.json()["article"]["slug"]
        .as_str()
        .expect("a slug")
        .to_owned();
    assert!(
        other_slug.starts_with("how-to-train-your-dragon-"),
        "unique: {other_slug}"
    );

    let blank = json!({"article": {"title": " ", "description": "d", "body": "b"}});
    let blank = call(
        &router,
        Method::POST,
        "/api/articles",
        Some(&jake),
        Some(blank),
    )
    .await;
    assert_eq!(blank.status(), 422);
    assert_eq!(errors(&blank), ["title can't be blank"]);
    let signed_out = call(
        &router,
        Method::POST,
        "/api/articles",
        None,
        Some(json!({"article": {}})),
    )
    .await;
    assert_eq!(signed_out.status(), 401);

    // Favourites, counted for two users.
    let slug = "how-to-train-your-dragon";
    let uri = format!("/api/articles/{slug}/favorite");
    let liked = call(&router, Method::POST, &uri, Some(&anna), None).await;
    assert_eq!(liked.status(), 200);
    assert_eq!(
        (
            liked.json()["article"]["favorited"].clone(),
            liked.json()["article"]["favoritesCount"].clone()
        ),
        (json!(true), json!(1))
    );
    let liked = call(&router, Method::POST, &uri, Some(&jake), None).await;
    assert_eq!(liked.json()["article"]["favoritesCount"], 2);
    let read = call(
        &router,
        Method::GET,
        &format!("/api/articles/{slug}"),
        None,
        None,
    )
    .await;
    assert_eq!(
        (
            read.json()["article"]["favorited"].clone(),
            read.json()["article"]["favoritesCount"].clone()
        ),
        (json!(false), json!(2))
    );
    assert_eq!(read.json()["article"]["body"], "Very carefully.");
    let unliked = call(&router, Method::DELETE, &uri, Some(&jake), None).await;
    assert_eq!(
        (
            unliked.json()["article"]["favorited"].clone(),
            unliked.json()["article"]["favoritesCount"].clone()
        ),
        (json!(false), json!(1))
    );

    // Lists: newest first, filters, paging, no bodies.
    let all = call(&router, Method::GET, "/api/articles", None, None)
        .await
        .json();
    assert_eq!(all["articlesCount"], 2);
    assert_eq!(
        all["articles"][0]["slug"],
        other_slug.as_str(),
        "newest first"
    );
    assert!(
        all["articles"][0].get("body").is_none(),
        "lists leave the body out"
    );
    for (query, count) in [
        ("tag=dragons", 2),
        ("tag=cats", 0),
        ("author=jake", 2),
        ("author=anna", 0),
        ("author=nobody", 0),
        ("favorited=anna", 1),
        ("favorited=jake", 0),
        ("limit=1", 2),
    ] {
        let page = call(
            &router,
            Method::GET,
            &format!("/api/articles?{query}"),
            None,
            None,
        )
        .await;
        assert_eq!(page.status(), 200, "{query}");
        assert_eq!(page.json()["articlesCount"], count, "{query}");
    }
    let page = call(
        &router,
        Method::GET,
        "/api/articles?limit=1&offset=1",
        None,
        None,
    )
    .await
    .json();
    assert_eq!(page["articles"].as_array().map(Vec::len), Some(1));
    assert_eq!(page["articles"][0]["slug"], slug);
    let mine = call(
        &router,
        Method::GET,
        "/api/articles?favorited=anna",
        Some(&anna),
        None,
    )
    .await
    .json();
    assert_eq!(mine["articles"][0]["favorited"], true);
    let bad = call(&router, Method::GET, "/api/articles?limit=0", None, None).await;
    assert_eq!(bad.status(), 422);

    // The feed: the articles of followed authors only.
    let feed = call(
        &router,
        Method::GET,
        "/api/articles/feed",
        Some(&anna),
        None,
    )
    .await
    .json();
    assert_eq!(
        (feed["articlesCount"].clone(), feed["articles"].clone()),
        (json!(0), json!([]))
    );
    call(
        &router,
        Method::POST,
        "/api/profiles/jake/follow",
        Some(&anna),
        None,
    )
    .await;
    let feed = call(
        &router,
        Method::GET,
        "/api/articles/feed?limit=1",
        Some(&anna),
        None,
    )
    .await
    .json();
    assert_eq!(feed["articlesCount"], 2);
    assert_eq!(feed["articles"][0]["author"]["following"], true);
    assert_eq!(
        call(&router, Method::GET, "/api/articles/feed", None, None)
            .await
            .status(),
        401
    );

    // Only the author writes; 403 for another user, 404 for an unknown slug.
    let change = json!({"article": {"body": "With two hands"}});
    let other = call(
        &router,
        Method::PUT,
        &format!("/api/articles/{slug}"),
        Some(&anna),
        Some(change.clone()),
    )
    .await;
    assert_eq!(other.status(), 403);
    errors(&other);
    let updated = call(
        &router,
        Method::PUT,
        &format!("/api/articles/{slug}"),
        Some(&jake),
        Some(change),
    )
    .await;
    assert_eq!(updated.status(), 200);
    assert_eq!(updated.json()["article"]["body"], "With two hands");
    assert_eq!(
        updated.json()["article"]["slug"],
        slug,
        "the title did not change"
    );
    let retitled = json!({"article": {"title": "Dragons, trained"}});
    let retitled = call(
        &router,
        Method::PUT,
        &format!("/api/articles/{slug}"),
        Some(&jake),
        Some(retitled),
    )
    .await;
    assert_eq!(retitled.json()["article"]["slug"], "dragons-trained");
    let slug = "dragons-trained";
    let missing = call(
        &router,
        Method::GET,
        "/api/articles/no-such-article",
        None,
        None,
    )
    .await;
    assert_eq!(missing.status(), 404);
    errors(&missing);
    let other = call(
        &router,
        Method::DELETE,
        &format!("/api/articles/{slug}"),
        Some(&anna),
        None,
    )
    .await;
    assert_eq!(other.status(), 403);
    let deleted = call(
        &router,
        Method::DELETE,
        &format!("/api/articles/{slug}"),
        Some(&jake),
        None,
    )
    .await;
    assert_eq!(deleted.status(), 204);
    assert_eq!(
        call(
            &router,
            Method::GET,
            &format!("/api/articles/{slug}"),
            None,
            None
        )
        .await
        .status(),
        404
    );

    let tags = call(&router, Method::GET, "/api/tags", None, None).await;
    assert_eq!(
        tags.json(),
        json!({"tags": ["dragons", "training"]}),
        "the other article keeps them"
    );
}

async fn comments(router: Router) {
    let jake = register(&router, "jake").await;
    let anna = register(&router, "anna").await;
    let article = json!({"article": {"title": "Comments", "description": "d", "body": "b"}});
    call(
        &router,
        Method::POST,
        "/api/articles",
        Some(&jake),
        Some(article),
    )
    .await;
    let uri = "/api/articles/comments/comments";
    let text = json!({"comment": {"body": "Thank you so much!"}});
    let created = call(&router, Method::POST, uri, Some(&anna), Some(text)).await;
    assert_eq!(created.status(), 200, "{:?}", created.json());
    let comment = created.json()["comment"].clone();
    assert!(comment["id"].is_i64());
    assert!(is_timestamp(&comment["createdAt"]) && is_timestamp(&comment["updatedAt"]));
    assert_eq!(comment["author"]["username"], "anna");
    let blank = call(
        &router,
        Method::POST,
        uri,
        Some(&anna),
        Some(json!({"comment": {"body": ""}})),
    )
    .await;
    assert_eq!(blank.status(), 422);
    errors(&blank);
    let signed_out = call(
        &router,
        Method::POST,
        uri,
        None,
        Some(json!({"comment": {"body": "hi"}})),
    )
    .await;
    assert_eq!(signed_out.status(), 401);

    let listed = call(&router, Method::GET, uri, None, None).await;
    assert_eq!(listed.status(), 200);
    assert_eq!(listed.json()["comments"].as_array().map(Vec::len), Some(1));
    assert_eq!(listed.json()["comments"][0]["body"], "Thank you so much!");
    let unknown = call(
        &router,
        Method::GET,
        "/api/articles/nope/comments",
        None,
        None,
    )
    .await;
    assert_eq!(unknown.status(), 404);

    let one = format!("{uri}/{}", comment["id"]);
    let other = call(&router, Method::DELETE, &one, Some(&jake), None).await;
    assert_eq!(
        other.status(),
        403,
        "the article's author is not the comment's"
    );
    errors(&other);
    let deleted = call(&router, Method::DELETE, &one, Some(&anna), None).await;
    assert_eq!(deleted.status(), 204);
    let gone = call(&router, Method::DELETE, &one, Some(&anna), None).await;
    assert_eq!(gone.status(), 404);
    let listed = call(&router, Method::GET, uri, None, None).await;
    assert_eq!(listed.json(), json!({"comments": []}));
}

async fn documented(router: Router) {
    let doc = TestRequest::get("/openapi.json").send(&router).await.json();
    assert_eq!(doc["openapi"], "3.1.0");
    let scheme = &doc["components"]["securitySchemes"]["bearer_auth"];
    assert_eq!(
        (scheme["type"].as_str(), scheme["in"].as_str()),
        (Some("apiKey"), Some("header"))
    );
    for path in [
        "/api/users",
        "/api/users/login",
        "/api/user",
        "/api/profiles/{username}/follow",
        "/api/articles",
        "/api/articles/feed",
        "/api/articles/{slug}/favorite",
        "/api/articles/{slug}/comments/{id}",
        "/api/tags",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} documented");
    }
    assert_eq!(
        doc["paths"]["/api/user"]["get"]["security"][0]["bearer_auth"],
        json!([])
    );
    let params = |path: &str| -> Vec<String> {
        doc["paths"][path]["get"]["parameters"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|p| p["name"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(
        params("/api/articles"),
        ["tag", "author", "favorited", "limit", "offset"],
        "Conduit pages by offset: no `page`"
    );
    assert_eq!(params("/api/articles/feed"), ["limit", "offset"]);
    assert_eq!(TestRequest::get("/docs/").send(&router).await.status(), 200);
    let error =
        &doc["paths"]["/api/articles"]["post"]["responses"]["422"]["content"]["application/json"];
    assert!(
        error["schema"].is_object(),
        "errors documented in Conduit's shape: {error}"
    );

    // The framework's own rejections answer in Conduit's format too.
    let unknown = TestRequest::get("/api/no-such-route").send(&router).await;
    assert_eq!(unknown.status(), 404);
    errors(&unknown);
    let method = TestRequest::post("/api/tags").send(&router).await;
    assert_eq!(method.status(), 405);
    errors(&method);
}

async fn on_sqlite(test: impl AsyncFnOnce(Router)) {
    test(router(TestDb::sqlite().await.db, None).await).await;
}

async fn on_postgres(name: &str, test: impl AsyncFnOnce(Router)) {
    let Some(redis) = service_url("TEST_REDIS_URL", name) else {
        return;
    };
    let Some(test_db) = TestDb::postgres(name, |_| {}).await else {
        return;
    };
    test(router(test_db.db.clone(), Some(redis)).await).await;
    test_db.cleanup().await;
}

#[tokio::test]
async fn users_on_sqlite() {
    on_sqlite(users).await;
}

#[tokio::test]
async fn profiles_on_sqlite() {
    on_sqlite(profiles).await;
}

#[tokio::test]
async fn articles_on_sqlite() {
    on_sqlite(articles).await;
}

#[tokio::test]
async fn comments_on_sqlite() {
    on_sqlite(comments).await;
}

#[tokio::test]
async fn documented_on_sqlite() {
    on_sqlite(documented).await;
}

#[tokio::test]
async fn users_on_postgres() {
    on_postgres("conduit_users", users).await;
}

#[tokio::test]
async fn profiles_on_postgres() {
    on_postgres("conduit_profiles", profiles).await;
}

#[tokio::test]
async fn articles_on_postgres() {
    on_postgres("conduit_articles", articles).await;
}

#[tokio::test]
async fn comments_on_postgres() {
    on_postgres("conduit_comments", comments).await;
}

/// With `METRICS=on` Conduit serves `/metrics`: the requests by route template (never the
/// slug a client sent) and its pool, under its app name.
#[tokio::test]
async fn metrics_when_on() {
    let mut config = Config::for_tests(conduit::APP_NAME);
    config.metrics.enabled = true;
    let auth = rustbe_auth::AuthConfig::for_tests(conduit::APP_NAME);
    let router = conduit::app(config, auth, TestDb::sqlite().await.db)
        .await
        .expect("the app starts")
        .into_router();
    let slug = "no-such-article-for-metrics";
    let missing = call(
        &router,
        Method::GET,
        &format!("/api/articles/{slug}"),
        None,
        None,
    )
    .await;
    assert_eq!(missing.status(), 404);
    let scrape = call(&router, Method::GET, "/metrics", None, None).await;
    assert_eq!(scrape.status(), 200);
    let text = String::from_utf8(scrape.body().to_vec()).expect("UTF-8");
    let series = r#"rustbe_http_requests_total{method="GET",route="/api/articles/{slug}",status_class="4xx"}"#;
    let count = text
        .lines()
        .find_map(|line| line.strip_prefix(series)?.trim().parse::<f64>().ok());
    assert!(count.is_some_and(|n| n >= 1.0), "{text}");
    assert!(!text.contains(slug), "a raw path became a label");
    let pool = format!(
        r#"rustbe_db_pool_max_connections{{app="{}"}}"#,
        conduit::APP_NAME
    );
    assert!(text.contains(&pool), "{text}");
}
