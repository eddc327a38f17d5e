//! Tower layers in the tower-http style, one per module: [`AuthLayer`] turns a bearer token
//! into a [`Principal`](rustbe_core::access::Principal) with the [`Authenticator`];
//! [`RequireAuthLayer`] and [`RequireRoleLayer`] guard routes; [`AccessClaims`] and
//! [`OptionalPrincipal`] read what the layer found.
//!
//! The modules of the two layers are public so that their services' futures can be named:
//! `layer::auth::ResponseFuture` and `layer::require::ResponseFuture`.

pub mod auth;
mod authenticator;
mod extract;
pub mod require;
mod verified;

pub use auth::{Auth, AuthLayer};
pub use authenticator::{Authenticator, BEARER};
pub use extract::{AccessClaims, OptionalPrincipal};
pub use require::{Require, RequireAuthLayer, RequireRoleLayer};

#[cfg(test)]
mod tests;
