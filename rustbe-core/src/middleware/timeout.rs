//! A request timeout that arms no timer per request.
//!
//! tower-http's `TimeoutLayer` gives every request a `tokio::time::Sleep`. Registering it
//! wakes the runtime's timer driver (a write to its eventfd) on almost every request: under
//! load that was one system call and one thread wake-up per request, the largest cost of the
//! stack in a profile of a cached `GET`. Here a request only records its deadline in a shared
//! list; one task per layer looks at the list every [`TICK`] and ends the requests whose
//! deadline has passed. A request is answered at most one tick after its timeout.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use futures_util::task::AtomicWaker;
use http::{Request, Response, StatusCode};
use tower::{Layer, Service};

/// How often the deadlines are checked: the most a request runs past its timeout.
pub const TICK: Duration = Duration::from_millis(100);

/// Ends a request that runs longer than its timeout with an empty 503 (which
/// [`FormatLayer`](crate::format::FormatLayer) renders in the app's format), dropping the handler's future.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use std::time::Duration;
/// use axum::{Router, routing::get};
/// use rustbe_core::middleware::RequestTimeoutLayer;
/// use tower::ServiceExt;
///
/// let app = Router::new()
///     .route("/slow", get(|| async { tokio::time::sleep(Duration::from_secs(5)).await; "late" }))
///     .route("/fast", get(|| async { "on time" }))
///     .layer(RequestTimeoutLayer::new(Duration::from_millis(200)));
/// let get = |uri| http::Request::get(uri).body(axum::body::Body::empty()).unwrap();
/// let started = std::time::Instant::now();
/// assert_eq!(app.clone().oneshot(get("/slow")).await.unwrap().status(), 503);
/// assert!(started.elapsed() < Duration::from_secs(2));
/// assert_eq!(app.oneshot(get("/fast")).await.unwrap().status(), 200);
/// # });
/// ```
#[derive(Debug, Clone)]
pub struct RequestTimeoutLayer {
    timeout: Duration,
    deadlines: Arc<Deadlines>,
}

impl RequestTimeoutLayer {
    /// Requests end after `timeout` (and at most [`TICK`] more).
    #[must_use]
    pub fn new(timeout: Duration) -> Self {
        Self {
            timeout,
            deadlines: Arc::new(Deadlines::default()),
        }
    }
}

impl<S> Layer<S> for RequestTimeoutLayer {
    type Service = RequestTimeout<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RequestTimeout {
            inner,
            timeout: self.timeout,
            deadlines: self.deadlines.clone(),
        }
    }
}

/// The service of [`RequestTimeoutLayer`].
#[derive(Debug, Clone)]
pub struct RequestTimeout<S> {
    inner: S,
    timeout: Duration,
    deadlines: Arc<Deadlines>,
}

/// One request's state, shared by its future and the list of deadlines.
#[derive(Debug, Default)]
struct Watch {
    expired: AtomicBool,
    waker: AtomicWaker,
}

/// The deadlines of the requests under way, and whether a task checks them.
#[derive(Debug, Default)]
struct Deadlines {
    list: Mutex<Vec<(Instant, Weak<Watch>)>>,
    checking: AtomicBool,
}

impl Deadlines {
    fn watch(self: &Arc<Self>, deadline: Instant) -> Arc<Watch> {
        let watch = Arc::new(Watch::default());
        self.list
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((deadline, Arc::downgrade(&watch)));
        if !self.checking.swap(true, Ordering::AcqRel) {
            self.start_checking();
        }
        watch
    }

    /// One task per layer, for as long as the layer lives, outside any request's task.
    fn start_checking(self: &Arc<Self>) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            // No runtime: let the next request try again.
            self.checking.store(false, Ordering::Release);
            return;
        };
        let deadlines = Arc::downgrade(self);
        runtime.spawn(async move {
            let mut tick = tokio::time::interval(TICK);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let Some(deadlines) = deadlines.upgrade() else {
                    return;
                };
                deadlines.expire(Instant::now());
            }
        });
    }

    /// Wakes the requests whose deadline is past and forgets them and the finished ones.
    fn expire(&self, now: Instant) {
        let mut list = self.list.lock().unwrap_or_else(PoisonError::into_inner);
        list.retain(|(deadline, watch)| {
            let Some(watch) = watch.upgrade() else {
                return false;
            };
            if *deadline > now {
                return true;
            }
            watch.expired.store(true, Ordering::Release);
            watch.waker.wake();
            false
        });
    }
}

impl<S, B, ResBody> Service<Request<B>> for RequestTimeout<S>
where
    S: Service<Request<B>, Response = Response<ResBody>>,
    ResBody: Default,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let watch = self.deadlines.watch(Instant::now() + self.timeout);
        ResponseFuture {
            inner: self.inner.call(request),
            watch,
        }
    }
}

pin_project_lite::pin_project! {
    /// The future of [`RequestTimeout`].
    #[derive(Debug)]
    pub struct ResponseFuture<F> {
        #[pin]
        inner: F,
        watch: Arc<Watch>,
    }
}

impl<F, E, ResBody> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<ResBody>, E>>,
    ResBody: Default,
{
    type Output = Result<Response<ResBody>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if let Poll::Ready(out) = this.inner.poll(cx) {
            return Poll::Ready(out);
        }
        this.watch.waker.register(cx.waker());
        if this.watch.expired.load(Ordering::Acquire) {
            let mut response = Response::new(ResBody::default());
            *response.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
            return Poll::Ready(Ok(response));
        }
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expire_wakes_only_past_deadlines_and_forgets_finished_requests() {
        let deadlines = Arc::new(Deadlines::default());
        let now = Instant::now();
        // No runtime here: the checking task is not started, `expire` is called by hand.
        let late = deadlines.watch(now);
        let early = deadlines.watch(now + Duration::from_secs(60));
        drop(deadlines.watch(now));
        deadlines.expire(now + Duration::from_millis(1));
        assert!(late.expired.load(Ordering::Acquire));
        assert!(!early.expired.load(Ordering::Acquire));
        let left = deadlines
            .list
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len();
        assert_eq!(left, 1, "only the request still under way is kept");
    }
}
