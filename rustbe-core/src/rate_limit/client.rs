//! Who a client is to a rate limit: its address (the peer, or the last `X-Forwarded-For` entry
//! behind a trusted proxy) and the bucket that address is counted in.

use std::net::{IpAddr, SocketAddr};

use axum::extract::ConnectInfo;
use http::Request;

/// The client's address: with `trust_proxy`, the last entry of `X-Forwarded-For` (the one the
/// trusted proxy appended; a port is ignored); otherwise, or when that entry is not an
/// address, the peer address. Entries before the last were written by the client and are never
/// used.
///
/// ```
/// use rustbe_core::rate_limit::client_ip;
/// let req = http::Request::builder().header("x-forwarded-for", "1.1.1.1, 10.0.0.7").body(()).unwrap();
/// assert_eq!(client_ip(&req, true), "10.0.0.7".parse().ok());
/// assert_eq!(client_ip(&req, false), None, "no peer address in this request, and the header is not trusted");
/// let spoofed = http::Request::builder().header("x-forwarded-for", "6.6.6.6, unknown").body(()).unwrap();
/// assert_eq!(client_ip(&spoofed, true), None, "never the client-written entry");
/// let with_port = http::Request::builder().header("x-forwarded-for", "1.1.1.1, 10.0.0.7:51234").body(()).unwrap();
/// assert_eq!(client_ip(&with_port, true), "10.0.0.7".parse().ok());
/// ```
pub fn client_ip<B>(req: &Request<B>, trust_proxy: bool) -> Option<IpAddr> {
    if trust_proxy
        && let Some(ip) = req
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .next_back()
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .and_then(parse_forwarded)
    {
        return Some(ip);
    }
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip())
}

/// The bucket `ip` is counted in: an IPv4 address as itself, in whatever spelling it came
/// (`::ffff:192.0.2.1` is `192.0.2.1`); an IPv6 address by its /64, the prefix one customer
/// gets (a host picks fresh addresses within it at will, so counting each apart would give one
/// client 2^64 budgets).
///
/// ```
/// use rustbe_core::rate_limit::client_bucket;
/// assert_eq!(client_bucket("192.0.2.1".parse().unwrap()), "192.0.2.1");
/// assert_eq!(client_bucket("::ffff:192.0.2.1".parse().unwrap()), "192.0.2.1");
/// assert_eq!(client_bucket("::ffff:c000:201".parse().unwrap()), "192.0.2.1");
/// assert_eq!(client_bucket("2001:db8:1:2:aaaa::1".parse().unwrap()), "2001:db8:1:2::/64");
/// assert_eq!(client_bucket("2001:db8:1:2:ffff::9".parse().unwrap()), "2001:db8:1:2::/64");
/// ```
#[must_use]
pub fn client_bucket(ip: IpAddr) -> String {
    let mut bucket = String::with_capacity(24);
    write_bucket(&mut bucket, ip);
    bucket
}

pub(super) fn write_bucket(out: &mut String, ip: IpAddr) {
    use std::fmt::Write as _;
    let _ = match ip.to_canonical() {
        IpAddr::V4(v4) => write!(out, "{v4}"),
        IpAddr::V6(v6) => {
            let prefix = u128::from(v6) & !u128::from(u64::MAX);
            write!(out, "{}/64", std::net::Ipv6Addr::from(prefix))
        }
    };
}

/// One `X-Forwarded-For` entry: an address, possibly with a port (`1.2.3.4:5678`,
/// `[2001:db8::1]:443`).
fn parse_forwarded(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    if let Ok(ip) = entry.parse() {
        return Some(ip);
    }
    entry.parse::<SocketAddr>().ok().map(|addr| addr.ip())
}
