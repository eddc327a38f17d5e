//! With the features compiled but `METRICS` and `OTEL_EXPORTER_OTLP_ENDPOINT` unset, an app
//! installs nothing: no recorder, no exporter, no scrape route; its answers are unchanged.
//! (A process of its own: nothing else here installs a recorder.)

#![cfg(all(feature = "metrics", feature = "otel"))]

use axum::Router;
use axum::routing::get;
use rustbe_core::app::App;
use rustbe_core::config::Config;
use rustbe_core::response::Single;
use rustbe_core::testing::TestRequest;

#[tokio::test]
async fn nothing_is_installed_when_off() {
    let config = Config::for_tests("quiet");
    assert!(!config.metrics.enabled && config.otel.is_none());
    let telemetry = rustbe_core::app::init_telemetry(&config);
    assert!(!telemetry.exports_traces());
    let api = Router::new().route("/quiet/{id}", get(|| async { Single("shh") }));
    let router = App::new(config).api(api).into_router();
    for _ in 0..3 {
        let answer = TestRequest::get("/api/quiet/1")
            .header(
                "traceparent",
                "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            )
            .send(&router)
            .await;
        assert_eq!(answer.status(), 200);
        assert_eq!(answer.json()["data"], "shh");
        assert!(answer.header("traceparent").is_none());
    }
    assert_eq!(
        TestRequest::get("/metrics").send(&router).await.status(),
        404
    );
    assert!(!rustbe_core::metrics::is_enabled(), "no recorder installed");
    assert!(!rustbe_core::otel::is_active(), "no exporter installed");
    assert_eq!(rustbe_core::otel::trace_id(), None);
    telemetry.shutdown().await;
}
