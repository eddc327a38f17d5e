//! Serving HTTP/1.1 with graceful shutdown, a header-read timeout, an idle timeout and a cap on
//! connections.
//!
//! `axum::serve` has none of the three: a client that sends its headers a line every 10 s, or
//! nothing at all, keeps a connection (and a file descriptor) for as long as it likes. Here each
//! connection has a watchdog that closes it when
//! - its first request's head is not complete [`ServerConfig::header_read_timeout`] after the
//!   connection was accepted, or a later request's head is not complete that long after its
//!   first byte arrived (slowloris);
//! - it is kept alive with no request in flight and no byte of a next request for
//!   [`ServerConfig::idle_timeout`].
//!
//! While a request is in flight the watchdog leaves the connection alone: the handler is bounded
//! by the request timeout of the stack. At most [`ServerConfig::max_connections`] connections
//! are served at once; the next one is not accepted until one closes (it waits in the listen
//! backlog).

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use http::Request;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, mpsc, watch};
use tokio::time::Instant;
use tower::Service as _;

use crate::config::ServerConfig;

/// Serves `router` on `listener` until `shutdown` completes, with the default
/// [`ServerConfig`] (10 s to send a request head, 60 s idle, 1024 connections); see
/// [`Server`] to choose them.
///
/// ```no_run
/// # async fn run() -> std::io::Result<()> {
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
/// let router = axum::Router::new();
/// rustbe_core::app::serve(listener, router, rustbe_core::app::shutdown_signal()).await
/// # }
/// ```
pub async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    Server::new(ServerConfig::default())
        .serve(listener, router, shutdown)
        .await
}

/// An HTTP/1.1 server with the connection limits of a [`ServerConfig`] (see the module docs).
/// Handlers see the client address as `ConnectInfo<SocketAddr>`.
///
/// ```no_run
/// # async fn run() -> std::io::Result<()> {
/// use std::time::Duration;
/// use rustbe_core::{app::{Server, shutdown_signal}, config::ServerConfig};
///
/// let settings = ServerConfig::default().header_read_timeout(Duration::from_secs(5)).max_connections(256);
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
/// Server::new(settings).serve(listener, axum::Router::new(), shutdown_signal()).await
/// # }
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct Server {
    settings: ServerConfig,
}

impl Server {
    /// A server with `settings` (usually `config.server`).
    ///
    /// ```
    /// let server = rustbe_core::app::Server::new(rustbe_core::config::Config::for_tests("shop").server);
    /// ```
    pub fn new(settings: ServerConfig) -> Self {
        Self { settings }
    }

    /// Serves `router` on `listener` until `shutdown` completes, then stops accepting, closes
    /// idle connections and lets in-flight requests finish (each is bounded by the request
    /// timeout of the stack).
    ///
    /// ```no_run
    /// # async fn run() -> std::io::Result<()> {
    /// let config = rustbe_core::config::Config::from_env("shop").expect("config");
    /// let listener = tokio::net::TcpListener::bind(config.listen_addr()).await?;
    /// rustbe_core::app::Server::new(config.server.clone())
    ///     .serve(listener, axum::Router::new(), rustbe_core::app::shutdown_signal())
    ///     .await
    /// # }
    /// ```
    pub async fn serve(
        self,
        listener: TcpListener,
        router: Router,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let addr = listener.local_addr()?;
        tracing::info!(
            %addr,
            header_read_timeout = ?self.settings.header_read_timeout,
            idle_timeout = ?self.settings.idle_timeout,
            max_connections = self.settings.max_connections,
            "listening"
        );
        // A handler route stays a boxed "handler waiting for its state" until the router's
        // state is given: `Router::call` would turn it into a route, and put every layer of
        // the stack around it again, on every request. Given once here (axum's `serve` does it
        // per connection), each request only clones the finished route.
        let router: Router = router.with_state(());
        let settings = Arc::new(self.settings);
        let slots = Arc::new(Semaphore::new(settings.max_connections));
        let (stop_tx, stop_rx) = watch::channel(());
        // Every connection task holds a sender: when all are gone, every connection is closed.
        let (open_tx, mut open_rx) = mpsc::channel::<()>(1);
        let mut shutdown = std::pin::pin!(shutdown);
        loop {
            let permit = tokio::select! {
                permit = slots.clone().acquire_owned() => match permit {
                    Ok(permit) => permit,
                    Err(_) => break, // never closed
                },
                () = &mut shutdown => break,
            };
            let (stream, remote) = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok(accepted) => accepted,
                    Err(err) => {
                        accept_failed(&err).await;
                        continue;
                    }
                },
                () = &mut shutdown => break,
            };
            if let Err(err) = stream.set_nodelay(true) {
                tracing::debug!(error = %err, "TCP_NODELAY could not be set");
            }
            let connection = Connection {
                settings: settings.clone(),
                remote,
                stop: stop_rx.clone(),
                _open: open_tx.clone(),
                _permit: permit,
            };
            tokio::spawn(connection.serve(stream, router.clone()));
        }
        drop(listener);
        tracing::info!("shutting down: finishing in-flight requests");
        drop(stop_rx);
        let _ = stop_tx.send(());
        drop(open_tx);
        let _ = open_rx.recv().await;
        tracing::info!("shut down cleanly");
        Ok(())
    }
}

/// A failed `accept`: a connection that went away before it was accepted is nothing; anything
/// else (out of file descriptors …) is logged and waited out, rather than spinning.
async fn accept_failed(err: &std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        err.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    ) {
        return;
    }
    tracing::error!(error = %err, "accept failed; retrying in 1 s");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

/// One accepted connection and what it holds until it closes.
struct Connection {
    settings: Arc<ServerConfig>,
    remote: SocketAddr,
    stop: watch::Receiver<()>,
    _open: mpsc::Sender<()>,
    _permit: OwnedSemaphorePermit,
}

impl Connection {
    async fn serve(mut self, stream: TcpStream, router: Router) {
        let phase = Arc::new(Phase::new());
        let io = TokioIo::new(Watched {
            inner: stream,
            phase: phase.clone(),
        });
        let remote = self.remote;
        let requests = phase.clone();
        let service = hyper::service::service_fn(move |mut req: Request<Incoming>| {
            req.extensions_mut().insert(ConnectInfo(remote));
            let guard = InFlight::start(requests.clone());
            let call = router.clone().call(req);
            async move {
                let response = call.await?;
                Ok::<_, Infallible>(response.map(|body| {
                    Body::new(Guarded {
                        body,
                        _guard: guard,
                    })
                }))
            }
        });
        let connection = hyper::server::conn::http1::Builder::new()
            .keep_alive(true)
            .serve_connection(io, service)
            .with_upgrades();
        let mut connection = std::pin::pin!(connection);
        let mut stopping = false;
        loop {
            let deadline = phase.deadline(&self.settings);
            let expired = async {
                match deadline {
                    Some((at, _)) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                result = connection.as_mut() => {
                    if let Err(err) = result {
                        tracing::debug!(error = %err, remote = %self.remote, "connection ended with an error");
                    }
                    return;
                }
                changed = self.stop.changed(), if !stopping => {
                    let _ = changed;
                    stopping = true;
                    connection.as_mut().graceful_shutdown();
                }
                () = phase.changed.notified() => {}
                () = expired => {
                    if let Some((at, why)) = phase.deadline(&self.settings)
                        && at <= Instant::now()
                    {
                        tracing::debug!(remote = %self.remote, "closing the connection: {why}");
                        return; // dropping the connection closes the socket
                    }
                }
            }
        }
    }
}

/// Where a connection is between requests, as its watchdog needs it.
struct Phase {
    state: Mutex<PhaseState>,
    changed: Notify,
}

struct PhaseState {
    /// Requests whose response is not fully written yet.
    in_flight: usize,
    /// When the connection was accepted or its last response was written.
    since: Instant,
    /// No request was served yet.
    first: bool,
    /// When the first byte of the next request's head arrived.
    head_started: Option<Instant>,
}

impl Phase {
    fn new() -> Self {
        Self {
            state: Mutex::new(PhaseState {
                in_flight: 0,
                since: Instant::now(),
                first: true,
                head_started: None,
            }),
            changed: Notify::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, PhaseState> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// When the connection must be closed and why; `None` while a request is in flight.
    fn deadline(&self, settings: &ServerConfig) -> Option<(Instant, &'static str)> {
        let state = self.lock();
        if state.in_flight > 0 {
            return None;
        }
        Some(match state.head_started {
            Some(at) => (
                at + settings.header_read_timeout,
                "the request head took longer than the header-read timeout",
            ),
            None if state.first => (
                state.since + settings.header_read_timeout,
                "no request head within the header-read timeout",
            ),
            None => (
                state.since + settings.idle_timeout,
                "idle for longer than the idle timeout",
            ),
        })
    }

    /// Bytes arrived: between requests, they start the next head and its timeout.
    fn read(&self) {
        let mut state = self.lock();
        if state.in_flight == 0 && state.head_started.is_none() {
            state.head_started = Some(Instant::now());
            drop(state);
            self.changed.notify_one();
        }
    }
}

/// A request in flight, from its head until its response is written (or dropped).
struct InFlight(Arc<Phase>);

impl InFlight {
    fn start(phase: Arc<Phase>) -> Self {
        {
            let mut state = phase.lock();
            state.in_flight += 1;
            state.first = false;
            state.head_started = None;
        }
        Self(phase)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut state = self.0.lock();
        state.in_flight = state.in_flight.saturating_sub(1);
        if state.in_flight == 0 {
            state.since = Instant::now();
            state.head_started = None;
            drop(state);
            self.0.changed.notify_one();
        }
    }
}

/// A response body that ends its request's [`InFlight`] when hyper is done with it.
struct Guarded {
    body: Body,
    _guard: InFlight,
}

impl http_body::Body for Guarded {
    type Data = bytes::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}

/// The socket, telling the watchdog when bytes arrive.
struct Watched {
    inner: TcpStream,
    phase: Arc<Phase>,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.phase.read();
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

/// Completes on Ctrl-C or SIGTERM.
///
/// ```no_run
/// # async fn run() {
/// rustbe_core::app::shutdown_signal().await;
/// # }
/// ```
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => tracing::info!("Ctrl-C received: finishing in-flight requests"),
        () = terminate => tracing::info!("SIGTERM received: finishing in-flight requests"),
    }
}
