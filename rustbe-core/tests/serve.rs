//! `Server` on a real listener on 127.0.0.1: a slow or silent client is cut after the
//! header-read timeout, an idle kept-alive connection after the idle timeout, connections over
//! the cap wait, normal requests (kept alive, with `ConnectInfo`) are unaffected, and shutdown
//! lets an in-flight request finish. Bounded: a handful of connections, a few seconds each.

#![allow(clippy::expect_used, clippy::panic, reason = "tests fail loudly")]

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use axum::routing::get;
use rustbe_core::app::Server;
use rustbe_core::config::ServerConfig;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::time::Instant;

const REQUEST: &[u8] = b"GET /peer HTTP/1.1\r\nhost: test\r\n\r\n";

fn router() -> Router {
    Router::new()
        .route(
            "/peer",
            get(|ConnectInfo(peer): ConnectInfo<SocketAddr>| async move { peer.to_string() }),
        )
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_millis(500)).await;
                "done"
            }),
        )
}

/// A server with `settings` on a free port, and the sender that shuts it down.
async fn start(
    settings: ServerConfig,
) -> (
    SocketAddr,
    oneshot::Sender<()>,
    tokio::task::JoinHandle<std::io::Result<()>>,
) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(Server::new(settings).serve(listener, router(), async {
        let _ = stopped.await;
    }));
    (addr, stop, server)
}

fn settings(header_read: u64, idle: u64) -> ServerConfig {
    ServerConfig::default()
        .header_read_timeout(Duration::from_millis(header_read))
        .idle_timeout(Duration::from_millis(idle))
}

/// How long after `since` the server closed `stream` (read gives 0 or an error), or `None`
/// if it was still open after `budget`. Bytes the server sends are read and dropped.
async fn closed_after(
    stream: &mut TcpStream,
    since: Instant,
    budget: Duration,
) -> Option<Duration> {
    let mut buf = [0_u8; 1024];
    let deadline = since + budget;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Err(_) => return None,
            Ok(Ok(0) | Err(_)) => return Some(since.elapsed()),
            Ok(Ok(_)) => {}
        }
    }
}

/// Reads one response with a `content-length` body; returns the status line and the body.
async fn response(stream: &mut TcpStream) -> (String, String) {
    let mut data = Vec::new();
    let mut buf = [0_u8; 1024];
    loop {
        let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf))
            .await
            .expect("an answer within 5 s")
            .expect("read");
        assert!(
            n > 0,
            "closed before the answer: {}",
            String::from_utf8_lossy(&data)
        );
        data.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&data).into_owned();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length: usize = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse().unwrap_or(0))
                })
                .unwrap_or(0);
            if body.len() >= length {
                return (
                    head.lines().next().unwrap_or_default().to_owned(),
                    body[..length].to_owned(),
                );
            }
        }
    }
}

#[tokio::test]
async fn a_client_sending_its_headers_slowly_is_cut_after_the_header_read_timeout() {
    let (addr, _stop, _server) = start(settings(1000, 3000)).await;
    let mut slow = TcpStream::connect(addr).await.expect("connect");
    let started = Instant::now();
    slow.write_all(b"GET /peer HTTP/1.1\r\n")
        .await
        .expect("request line");
    // One header line every 200 ms, never the blank line that ends the head.
    let mut cut = None;
    for n in 0..20 {
        if let Some(after) =
            closed_after(&mut slow, started, Duration::from_millis(200 * (n + 1))).await
        {
            cut = Some(after);
            break;
        }
        if slow
            .write_all(format!("x-slow-{n}: 1\r\n").as_bytes())
            .await
            .is_err()
        {
            cut = Some(started.elapsed());
            break;
        }
    }
    let cut = cut.expect("the slow client is cut within 4 s");
    eprintln!(
        "slow client (a header line every 200 ms, header-read timeout 1 s) cut after {cut:?}"
    );
    assert!(
        cut >= Duration::from_millis(950) && cut < Duration::from_millis(1600),
        "{cut:?}"
    );

    // A client that sends nothing at all is cut the same.
    let mut silent = TcpStream::connect(addr).await.expect("connect");
    let started = Instant::now();
    let cut = closed_after(&mut silent, started, Duration::from_secs(4))
        .await
        .expect("cut");
    eprintln!("silent client cut after {cut:?}");
    assert!(
        cut >= Duration::from_millis(950) && cut < Duration::from_millis(1600),
        "{cut:?}"
    );
}

#[tokio::test]
async fn an_idle_kept_alive_connection_is_closed_after_the_idle_timeout() {
    let (addr, _stop, _server) = start(settings(1000, 3000)).await;
    let mut client = TcpStream::connect(addr).await.expect("connect");
    client.write_all(REQUEST).await.expect("request");
    let (status, _) = response(&mut client).await;
    assert_eq!(status, "HTTP/1.1 200 OK");
    let idle = Instant::now();
    // Idle, not slow: the header-read timeout (1 s) does not apply between requests.
    assert_eq!(
        closed_after(&mut client, idle, Duration::from_millis(2000)).await,
        None,
        "open after 2 s"
    );
    let closed = closed_after(&mut client, idle, Duration::from_secs(5))
        .await
        .expect("closed");
    eprintln!("idle kept-alive connection closed after {closed:?} (idle timeout 3 s)");
    assert!(
        closed >= Duration::from_millis(2950) && closed < Duration::from_millis(3600),
        "{closed:?}"
    );
}

#[tokio::test]
async fn requests_on_a_kept_alive_connection_are_unaffected_and_see_the_client_address() {
    let (addr, _stop, _server) = start(settings(1000, 3000)).await;
    let mut client = TcpStream::connect(addr).await.expect("connect");
    let local = client.local_addr().expect("local addr");
    // Five requests 600 ms apart: 3 s in all, longer than the header-read timeout.
    for n in 0..5 {
        if n > 0 {
            tokio::time::sleep(Duration::from_millis(600)).await;
        }
        client.write_all(REQUEST).await.expect("request");
        let (status, body) = response(&mut client).await;
        assert_eq!(
            (status.as_str(), body),
            ("HTTP/1.1 200 OK", local.to_string()),
            "request {n}"
        );
    }
}

#[tokio::test]
async fn connections_over_the_cap_wait_until_one_closes() {
    let (addr, _stop, _server) = start(settings(10_000, 10_000).max_connections(2)).await;
    let mut first = TcpStream::connect(addr).await.expect("connect");
    first.write_all(REQUEST).await.expect("request");
    assert_eq!(response(&mut first).await.0, "HTTP/1.1 200 OK");
    let second = TcpStream::connect(addr).await.expect("connect");
    // The kernel completes the handshake, but the server does not take the third connection.
    let mut third = TcpStream::connect(addr).await.expect("connect");
    third.write_all(REQUEST).await.expect("request");
    let mut buf = [0_u8; 64];
    let early = tokio::time::timeout(Duration::from_millis(700), third.read(&mut buf)).await;
    assert!(
        early.is_err(),
        "no answer while two connections are open: {early:?}"
    );
    drop(first);
    let waited = Instant::now();
    let (status, _) = response(&mut third).await;
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert!(
        waited.elapsed() < Duration::from_secs(1),
        "{:?}",
        waited.elapsed()
    );
    drop(second);
}

#[tokio::test]
async fn shutdown_finishes_the_request_in_flight_and_closes_idle_connections() {
    let (addr, stop, server) = start(settings(5000, 10_000)).await;
    let mut idle = TcpStream::connect(addr).await.expect("connect");
    idle.write_all(REQUEST).await.expect("request");
    response(&mut idle).await;
    let mut busy = TcpStream::connect(addr).await.expect("connect");
    busy.write_all(b"GET /slow HTTP/1.1\r\nhost: test\r\n\r\n")
        .await
        .expect("request");
    tokio::time::sleep(Duration::from_millis(100)).await;
    stop.send(()).expect("the server is running");
    let (status, body) = response(&mut busy).await;
    assert_eq!(
        (status.as_str(), body.as_str()),
        ("HTTP/1.1 200 OK", "done")
    );
    let closed = closed_after(&mut idle, Instant::now(), Duration::from_secs(2)).await;
    assert!(
        closed.is_some(),
        "the idle connection is closed at shutdown"
    );
    let finished = tokio::time::timeout(Duration::from_secs(3), server).await;
    assert!(matches!(finished, Ok(Ok(Ok(())))), "{finished:?}");
}
