//! The library's own counters, each behind [`is_enabled`]: without an installed recorder they
//! build no key and allocate nothing. Public for rustbe-auth, not for apps (hidden).

use super::{AUTH_FAILURES, PASSWORD_HASH_QUEUE, RATE_LIMITED, is_enabled};

/// One request refused by the rate-limit rule `rule`.
pub(crate) fn rate_limited(rule: &'static str) {
    if is_enabled() {
        ::metrics::counter!(RATE_LIMITED, "rule" => rule).increment(1);
    }
}

/// One bearer token refused: `reason` is `expired`, `invalid` or `revoked`.
///
/// ```
/// let metrics = rustbe_core::metrics::Metrics::install().unwrap();
/// rustbe_core::metrics::record::auth_failure("expired");
/// assert!(metrics.render().contains(r#"rustbe_auth_failures_total{reason="expired"} "#));
/// ```
pub fn auth_failure(reason: &'static str) {
    if is_enabled() {
        ::metrics::counter!(AUTH_FAILURES, "reason" => reason).increment(1);
    }
}

/// A Redis circuit breaker opened.
#[cfg(feature = "redis")]
pub(crate) fn breaker_opened() {
    if is_enabled() {
        ::metrics::counter!(super::REDIS_BREAKER_OPENED).increment(1);
    }
}

/// The password hashes waiting for a hashing thread now, in the process.
///
/// ```
/// let metrics = rustbe_core::metrics::Metrics::install().unwrap();
/// rustbe_core::metrics::record::password_hash_queue(3);
/// assert!(metrics.render().contains("rustbe_password_hash_queue 3"));
/// ```
pub fn password_hash_queue(waiting: usize) {
    if is_enabled() {
        ::metrics::gauge!(PASSWORD_HASH_QUEUE).set(waiting as f64);
    }
}
