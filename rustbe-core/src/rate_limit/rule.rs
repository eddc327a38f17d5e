//! What a limit is: a [`RateLimitRule`] (its name, its rate and what it counts requests by,
//! [`KeyBy`]).

use crate::config::Rate;

/// What a rule counts requests by.
///
/// ```
/// use rustbe_core::rate_limit::KeyBy;
/// let behind_proxy = KeyBy::ClientIp { trust_proxy: true };
/// assert_ne!(behind_proxy, KeyBy::PrincipalOrIp { trust_proxy: true });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyBy {
    /// The client's address: the peer address, or with `trust_proxy` the last address of
    /// `X-Forwarded-For` (the one the trusted proxy appended; anything before it was written
    /// by the client and is ignored).
    ClientIp {
        /// Honour `X-Forwarded-For` (`TRUST_PROXY`).
        trust_proxy: bool,
    },
    /// The signed-in caller, or the client's address for anonymous requests.
    PrincipalOrIp {
        /// Honour `X-Forwarded-For` (`TRUST_PROXY`).
        trust_proxy: bool,
    },
}

/// A limit: its name (part of the key, so rules never share counts), its rate and its key.
///
/// ```
/// use rustbe_core::rate_limit::{KeyBy, RateLimitRule};
/// let rule = RateLimitRule::new("auth", "5/15m".parse().unwrap(), KeyBy::ClientIp { trust_proxy: false });
/// assert_eq!(rule.rate.count, 5);
/// ```
#[derive(Debug, Clone)]
pub struct RateLimitRule {
    /// The rule's name.
    pub name: &'static str,
    /// At most this many requests per window.
    pub rate: Rate,
    /// Counted per what.
    pub key: KeyBy,
}

impl RateLimitRule {
    /// A rule.
    ///
    /// ```
    /// use rustbe_core::rate_limit::{KeyBy, RateLimitRule};
    /// let rule = RateLimitRule::new("api", "100/15m".parse().unwrap(), KeyBy::PrincipalOrIp { trust_proxy: false });
    /// assert_eq!(rule.name, "api");
    /// ```
    #[must_use]
    pub fn new(name: &'static str, rate: Rate, key: KeyBy) -> Self {
        Self { name, rate, key }
    }
}
