#![allow(clippy::expect_used, clippy::panic, reason = "tests fail loudly")]
//! The real `shop` binary exports its spans over OTLP/HTTP (protobuf) to a sink on loopback
//! (a tiny axum server collecting `POST /v1/traces`). A request sent with a W3C
//! `traceparent` yields one trace under the caller's trace id: the request span (kind
//! server, child of the caller's span), the handler span inside it and the SQL spans of the
//! handler's statements; and the request's log lines carry that trace id beside the request
//! id. With Redis (`TEST_REDIS_URL`, always under CI) the cache's Redis commands are spans
//! of the trace too.

#[path = "support/http.rs"]
mod http;
#[path = "support/process.rs"]
mod process;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::routing::post;
use http::{exchange, free_port};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value as AnyValue;
use opentelemetry_proto::tonic::trace::v1::Span;
use opentelemetry_proto::tonic::trace::v1::span::SpanKind;
use prost::Message as _;
use serde_json::Value;

type Received = Arc<Mutex<Vec<Bytes>>>;

/// The OTLP/HTTP sink: every body posted to `/v1/traces`, kept in order.
async fn sink() -> (SocketAddr, Received) {
    let received: Received = Arc::default();
    let kept = received.clone();
    let app = Router::new().route(
        "/v1/traces",
        post(move |body: Bytes| {
            let kept = kept.clone();
            async move {
                kept.lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .push(body);
                ([("content-type", "application/x-protobuf")], Bytes::new())
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds loopback");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (addr, received)
}

/// Every span received so far, with the `service.name` of its resource.
fn spans(received: &Received) -> Vec<(String, Span)> {
    let bodies = received
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone();
    let mut all = Vec::new();
    for body in bodies {
        let request = ExportTraceServiceRequest::decode(body).expect("an OTLP protobuf body");
        for resource_spans in request.resource_spans {
            let service = resource_spans
                .resource
                .iter()
                .flat_map(|r| &r.attributes)
                .find(|kv| kv.key == "service.name")
                .and_then(|kv| kv.value.as_ref()?.value.clone())
                .map(|v| match v {
                    AnyValue::StringValue(s) => s,
                    other => format!("{other:?}"),
                })
                .unwrap_or_default();
            for scope in resource_spans.scope_spans {
                all.extend(scope.spans.into_iter().map(|s| (service.clone(), s)));
            }
        }
    }
    all
}

fn attribute(span: &Span, key: &str) -> Option<String> {
    span.attributes
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| match kv.value.as_ref()?.value.as_ref()? {
            AnyValue::StringValue(s) => Some(s.clone()),
            other => Some(format!("{other:?}")),
        })
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

/// The spans of the trace `trace_id` the sink has received, once `complete` says they are
/// all there (within 30 s; the shop's output is shown when they never are).
async fn trace(
    received: &Received,
    trace_id: &str,
    shop: &process::Process,
    complete: impl Fn(&[(String, Span)]) -> bool,
) -> Vec<(String, Span)> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let ours: Vec<(String, Span)> = spans(received)
            .into_iter()
            .filter(|(_, s)| hex(&s.trace_id) == trace_id)
            .collect();
        if complete(&ours) {
            return ours;
        }
        assert!(
            Instant::now() < deadline,
            "no complete trace {trace_id} in 30s: {:?}\n{}",
            ours.iter().map(|(_, s)| &s.name).collect::<Vec<_>>(),
            shop.output()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The shop, exporting to a fresh sink, with `vars` besides; healthy, with the id of its
/// first product.
async fn exporting_shop(
    name: &str,
    vars: &[(&str, &str)],
) -> (
    process::Process,
    SocketAddr,
    Received,
    std::path::PathBuf,
    String,
) {
    let (sink_addr, received) = sink().await;
    let dir = process::temp_dir(name);
    let port = free_port();
    let endpoint = format!("http://{sink_addr}");
    let mut all = vec![
        ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.as_str()),
        ("OTEL_BSP_SCHEDULE_DELAY", "100"),
    ];
    all.extend_from_slice(vars);
    let shop = process::shop(&dir, port, &all);
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().expect("addr");
    process::wait_healthy(addr, &shop).await;
    let list = exchange(addr, None, "GET", "/api/products?limit=1", "", &[], None)
        .await
        .expect("the list answers");
    assert_eq!(list.status, 200, "{}", list.body);
    let id = match &list.body["data"][0]["id"] {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    (shop, addr, received, dir, id)
}

#[tokio::test]
async fn one_trace_with_the_callers_parent_the_handler_and_its_sql() {
    let (shop, addr, received, dir, id) = exporting_shop("shop-otel", &[]).await;

    // The caller's trace: a fresh trace id and the caller's own span id.
    let trace_id = uuid::Uuid::new_v4().simple().to_string();
    let caller_span = uuid::Uuid::new_v4().simple().to_string()[..16].to_owned();
    let traceparent = format!("00-{trace_id}-{caller_span}-01");
    let path = format!("/api/products/{id}");
    let product = exchange(
        addr,
        None,
        "GET",
        &path,
        "",
        &[("traceparent", traceparent.as_str())],
        None,
    )
    .await
    .expect("the product answers");
    assert_eq!(product.status, 200, "{}", product.body);
    let request_id = product
        .header("x-request-id")
        .expect("a request id")
        .to_owned();

    // Wait for the request span (it ends last) and at least one SQL span of the trace.
    let ours = trace(&received, &trace_id, &shop, |ours| {
        ours.iter().any(|(_, s)| s.name == "GET /api/products/{id}")
            && ours.iter().any(|(_, s)| s.name.starts_with("sea_orm."))
    })
    .await;

    let (service, request) = ours
        .iter()
        .find(|(_, s)| s.name == "GET /api/products/{id}")
        .expect("the request span");
    assert_eq!(service, "shop");
    assert_eq!(request.kind, SpanKind::Server as i32);
    assert_eq!(
        hex(&request.parent_span_id),
        caller_span,
        "the caller's span is the parent"
    );
    assert_eq!(
        attribute(request, "request_id").as_deref(),
        Some(request_id.as_str())
    );
    assert_eq!(attribute(request, "path").as_deref(), Some(path.as_str()));
    assert_eq!(
        attribute(request, "http.response.status_code").as_deref(),
        Some("IntValue(200)")
    );

    let (_, handler) = ours
        .iter()
        .find(|(_, s)| s.name == "handler /api/products/{id}")
        .expect("the handler span");
    assert_eq!(
        handler.parent_span_id, request.span_id,
        "handler inside the request"
    );
    assert_eq!(
        attribute(handler, "http.route").as_deref(),
        Some("/api/products/{id}")
    );

    // Every SQL span of the trace descends from the handler and names its statement.
    let by_id = |id: &[u8]| ours.iter().map(|(_, s)| s).find(|s| s.span_id == id);
    let sql: Vec<&Span> = ours
        .iter()
        .map(|(_, s)| s)
        .filter(|s| s.name.starts_with("sea_orm."))
        .collect();
    for span in &sql {
        let mut at = *span;
        let mut hops = 0;
        while at.span_id != handler.span_id {
            at = by_id(&at.parent_span_id)
                .unwrap_or_else(|| panic!("{} is not under the handler", span.name));
            hops += 1;
            assert!(hops < 16, "a cycle of parents");
        }
        assert_eq!(span.kind, SpanKind::Client as i32, "{}", span.name);
        assert_eq!(attribute(span, "db.system").as_deref(), Some("sqlite"));
    }
    assert!(
        sql.iter().any(|s| attribute(s, "db.statement")
            .is_some_and(|q| q.contains("SELECT") && q.contains("products"))),
        "a SELECT of products: {:?}",
        sql.iter()
            .map(|s| attribute(s, "db.statement"))
            .collect::<Vec<_>>()
    );

    // The log line of the answer carries the trace id beside the request id.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let output = shop.output();
        let logged = output.lines().any(|line| {
            line.contains(&format!(r#""trace_id":"{trace_id}""#))
                && line.contains(&format!(r#""request_id":"{request_id}""#))
        });
        if logged {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no log line with trace_id {trace_id} and request_id {request_id}:\n{output}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drop(shop);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn the_caches_redis_commands_are_spans_of_the_trace() {
    let Some(redis) = rustbe_core::testing::service_url("TEST_REDIS_URL", "otel_redis") else {
        return;
    };
    let (shop, addr, received, dir, id) =
        exporting_shop("shop-otel-redis", &[("REDIS_URL", redis.as_str())]).await;
    let trace_id = uuid::Uuid::new_v4().simple().to_string();
    let traceparent = format!("00-{trace_id}-{}-01", &trace_id[..16]);
    let product = exchange(
        addr,
        None,
        "GET",
        &format!("/api/products/{id}"),
        "",
        &[("traceparent", traceparent.as_str())],
        None,
    )
    .await
    .expect("the product answers");
    assert_eq!(product.status, 200, "{}", product.body);

    // The cache reads the row's key from Redis: a `GET` span in the request's trace.
    let ours = trace(&received, &trace_id, &shop, |ours| {
        ours.iter().any(|(_, s)| s.name == "GET")
    })
    .await;
    let (_, get) = ours
        .iter()
        .find(|(_, s)| s.name == "GET")
        .expect("waited for");
    assert_eq!(get.kind, SpanKind::Client as i32);
    assert_eq!(attribute(get, "db.system").as_deref(), Some("redis"));
    assert_eq!(attribute(get, "db.operation").as_deref(), Some("GET"));
    assert!(!get.parent_span_id.is_empty(), "inside the request's spans");
    drop(shop);
    let _ = std::fs::remove_dir_all(&dir);
}
