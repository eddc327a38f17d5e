use super::*;

const COOL: u64 = 1000;

fn breaker() -> CircuitBreaker {
    CircuitBreaker::new(Duration::from_millis(COOL))
}

fn timeout() -> RedisError {
    RedisError::new(ErrorKind::Timeout, "timed out")
}

#[test]
fn closed_lets_everything_through() {
    let b = breaker();
    for now in [0, 5, 10_000] {
        assert!(b.admit_at(now));
        assert_eq!(b.state_at(now), BreakerState::Closed);
    }
}

#[test]
fn a_failure_opens_for_the_cool_down_then_one_probe_goes_through() {
    let b = breaker();
    b.failed_at(100, &timeout());
    assert_eq!(b.state_at(100), BreakerState::Open);
    assert!(!b.admit_at(100), "open: fail fast");
    assert!(!b.admit_at(100 + COOL - 1), "still within the cool-down");
    assert_eq!(
        b.state_at(100 + COOL),
        BreakerState::HalfOpen,
        "due a probe"
    );
    assert!(b.admit_at(100 + COOL), "the probe");
    assert_eq!(b.state_at(100 + COOL), BreakerState::HalfOpen);
    assert!(!b.admit_at(100 + COOL), "one probe at a time");
    assert!(
        !b.admit_at(100 + COOL + 400),
        "others fail fast while it runs"
    );
}

#[test]
fn a_successful_probe_closes() {
    let b = breaker();
    b.failed_at(0, &timeout());
    assert!(b.admit_at(COOL));
    b.succeeded();
    assert_eq!(b.state_at(COOL), BreakerState::Closed);
    assert!(b.admit_at(COOL));
    assert!(b.admit_at(COOL));
}

#[test]
fn a_failed_probe_opens_for_another_cool_down() {
    let b = breaker();
    b.failed_at(0, &timeout());
    assert!(b.admit_at(COOL));
    b.failed_at(COOL + 500, &timeout());
    assert_eq!(b.state_at(COOL + 500), BreakerState::Open);
    assert!(
        !b.admit_at(2 * COOL + 499),
        "the cool-down counts from the failure"
    );
    assert!(b.admit_at(2 * COOL + 500), "the next probe");
}

#[test]
fn an_abandoned_probe_is_replaced_after_a_cool_down() {
    let b = breaker();
    b.failed_at(0, &timeout());
    assert!(b.admit_at(COOL), "a probe that never reports back");
    assert!(!b.admit_at(2 * COOL - 1));
    assert!(b.admit_at(2 * COOL), "a new probe");
    assert!(!b.admit_at(2 * COOL));
}

#[test]
fn a_late_success_of_a_command_sent_before_the_failure_closes() {
    // Redis answered after all: it is reachable.
    let b = breaker();
    b.failed_at(0, &timeout());
    b.succeeded();
    assert!(b.admit_at(1));
}

#[test]
fn only_one_of_many_racing_callers_probes() {
    let b = Arc::new(breaker());
    b.failed_at(0, &timeout());
    let admitted: usize = std::thread::scope(|s| {
        let racers: Vec<_> = (0..8)
            .map(|_| s.spawn(|| usize::from(b.admit_at(COOL))))
            .collect();
        racers.into_iter().map(|r| r.join().unwrap()).sum()
    });
    assert_eq!(admitted, 1);
}

#[test]
fn a_zero_cool_down_is_one_millisecond() {
    let b = CircuitBreaker::new(Duration::ZERO);
    b.failed_at(0, &timeout());
    assert!(!b.admit_at(0));
    assert!(b.admit_at(1));
}

#[test]
fn only_outages_count_as_failures() {
    for kind in [ErrorKind::Timeout, ErrorKind::IO, ErrorKind::Canceled] {
        assert!(is_outage(&RedisError::new(kind, "")));
    }
    for kind in [
        ErrorKind::InvalidArgument,
        ErrorKind::InvalidCommand,
        ErrorKind::Parse,
        ErrorKind::NotFound,
        ErrorKind::Unknown,
    ] {
        assert!(!is_outage(&RedisError::new(kind, "")));
    }
}

#[tokio::test]
async fn call_skips_the_command_while_open_and_reports_canceled() {
    let b = breaker();
    let sent = std::sync::atomic::AtomicUsize::new(0);
    let failing = || async {
        sent.fetch_add(1, Ordering::SeqCst);
        Err::<(), _>(timeout())
    };
    assert_eq!(
        b.call(failing).await.unwrap_err().kind(),
        &ErrorKind::Timeout
    );
    for _ in 0..100 {
        let err = b.call(failing).await.unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::Canceled);
        assert_eq!(err.details(), OPEN);
    }
    assert_eq!(sent.load(Ordering::SeqCst), 1, "Redis was asked once");
    assert_eq!(b.state(), BreakerState::Open);
}

#[tokio::test]
async fn call_keeps_the_breaker_closed_on_answers() {
    let b = breaker();
    let noscript = RedisError::new(ErrorKind::Unknown, "NOSCRIPT");
    assert!(b.call(|| async { Err::<(), _>(noscript) }).await.is_err());
    assert_eq!(b.state(), BreakerState::Closed);
    assert_eq!(
        b.call(|| async { Ok::<_, RedisError>(1) }).await.unwrap(),
        1
    );
}

#[tokio::test]
async fn call_closes_on_a_successful_probe() {
    let b = CircuitBreaker::new(Duration::from_millis(20));
    assert!(b.call(|| async { Err::<(), _>(timeout()) }).await.is_err());
    assert_eq!(b.state(), BreakerState::Open);
    tokio::time::sleep(Duration::from_millis(30)).await;
    assert_eq!(b.state(), BreakerState::HalfOpen);
    assert_eq!(
        b.call(|| async { Ok::<_, RedisError>(2) }).await.unwrap(),
        2
    );
    assert_eq!(b.state(), BreakerState::Closed);
}

#[test]
fn for_client_shares_one_breaker_per_client() {
    let client = fred::prelude::Builder::default_centralized()
        .build()
        .unwrap();
    let copy = client.clone();
    let one = CircuitBreaker::for_client(&client);
    let same = CircuitBreaker::for_client(&copy);
    assert!(Arc::ptr_eq(&one, &same));
    one.failed_at(one.now(), &timeout());
    assert_eq!(same.state(), BreakerState::Open, "one outage, seen by all");
    let other = fred::prelude::Builder::default_centralized()
        .build()
        .unwrap();
    assert_eq!(
        CircuitBreaker::for_client(&other).state(),
        BreakerState::Closed
    );
}

/// The spans a subscriber with `filter` sees made: (name, target, `db.operation`).
fn spans_made(filter: &str, run: impl FnOnce()) -> Vec<(String, String, Option<String>)> {
    use std::fmt::Debug;
    use tracing::field::{Field, Visit};
    use tracing::span::{Attributes, Id};
    use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

    type Seen = Arc<Mutex<Vec<(String, String, Option<String>)>>>;
    struct Spans(Seen);
    impl<S: tracing::Subscriber> Layer<S> for Spans {
        fn on_new_span(&self, attrs: &Attributes<'_>, _: &Id, _: Context<'_, S>) {
            struct Operation(Option<String>);
            impl Visit for Operation {
                fn record_str(&mut self, field: &Field, value: &str) {
                    if field.name() == "db.operation" {
                        self.0 = Some(value.to_owned());
                    }
                }
                fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
                    if field.name() == "db.operation" {
                        self.0 = Some(format!("{value:?}"));
                    }
                }
            }
            let mut operation = Operation(None);
            attrs.record(&mut operation);
            let meta = attrs.metadata();
            self.0.lock().unwrap_or_else(PoisonError::into_inner).push((
                meta.name().to_owned(),
                meta.target().to_owned(),
                operation.0,
            ));
        }
    }
    let seen = Seen::default();
    let filter = tracing_subscriber::EnvFilter::new(filter);
    let subscriber = tracing_subscriber::registry().with(Spans(seen.clone()).with_filter(filter));
    tracing::subscriber::with_default(subscriber, run);
    seen.lock().unwrap_or_else(PoisonError::into_inner).clone()
}

fn one_get() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    let b = breaker();
    let got = runtime.block_on(b.command("GET", || async { Ok::<_, RedisError>(3) }));
    assert_eq!(got.expect("answered"), 3);
}

#[test]
fn a_command_is_a_span_when_traces_are_exported_and_nothing_otherwise() {
    let exported = spans_made("info,rustbe::redis=debug", one_get);
    assert_eq!(
        exported,
        [(
            "redis".to_owned(),
            SPAN_TARGET.to_owned(),
            Some("GET".to_owned())
        )]
    );
    assert!(
        spans_made("info", one_get).is_empty(),
        "the log's default makes none"
    );
}
