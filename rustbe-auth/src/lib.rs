//! rustbe-auth: authentication for rustbe apps.
//!
//! - [`password`]: the password policy and argon2id hashing off the async workers, bounded;
//! - [`token`]: JWT access and refresh tokens (HS256 pinned, different secrets, a type claim);
//! - [`layer`]: [`AuthLayer`](layer::AuthLayer) turns a bearer token into a
//!   [`Principal`](rustbe_core::access::Principal); [`RequireAuthLayer`](layer::RequireAuthLayer)
//!   and [`RequireRoleLayer`](layer::RequireRoleLayer) guard routes;
//! - [`store`]: refresh tokens (rotation, reuse detection) and reset tokens, stored hashed;
//! - [`revocation`]: revoked access tokens in memory or Redis, failing closed;
//! - [`mail`]: SMTP, log and in-memory mailers;
//! - [`users`]: the [`UserStore`](users::UserStore) an app implements for its own users;
//! - [`router`]: the ready auth router and its OpenAPI document.
//!
//! See `docs/auth.md` for the guide.
//!
//! # Features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `metrics` | no | refused bearer tokens counted by reason (`rustbe_auth_failures_total`) |
//! | `redis` | no | [`revocation::RedisRevocationList`], shared by every instance |
//! | `smtp` | no | [`mail::SmtpMailer`] (lettre; plain, STARTTLS or TLS) |

pub mod config;
pub mod layer;
pub mod mail;
pub mod password;
pub mod revocation;
pub mod router;
pub mod service;
pub mod store;
pub mod token;
pub mod users;

pub use config::AuthConfig;
pub use service::AuthService;

/// The README's code, compiled here because it uses both crates.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;

/// The guides of `docs/` that use rustbe-auth, included so that their code compiles.
pub mod guides {
    /// Authentication: `docs/auth.md`.
    #[doc = include_str!("../../docs/auth.md")]
    pub mod auth {}
    /// From `cargo add` to a running API: `docs/getting-started.md`.
    #[doc = include_str!("../../docs/getting-started.md")]
    pub mod getting_started {}
    /// Who may do what: `docs/access-rules.md`.
    #[doc = include_str!("../../docs/access-rules.md")]
    pub mod access_rules {}
    /// Testing an app built on rustbe: `docs/testing.md`.
    #[doc = include_str!("../../docs/testing.md")]
    pub mod testing {}
    /// The crates, their modules and one request's path: `docs/architecture.md`.
    #[doc = include_str!("../../docs/architecture.md")]
    pub mod architecture {}
    /// Every variable of rustbe-core's and rustbe-auth's sections: `docs/configuration.md`.
    #[doc = include_str!("../../docs/configuration.md")]
    pub mod configuration {}
    /// Several instances on PostgreSQL and Redis: `docs/deploying.md`.
    #[doc = include_str!("../../docs/deploying.md")]
    pub mod deploying {}
}
