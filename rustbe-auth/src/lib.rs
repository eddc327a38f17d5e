//! Authentication for rustbe: passwords, JWT access and refresh tokens, guards, token stores
//! and the auth router.
//!
//! Not written yet: it lands with its own issue. `rustbe-core` already defines what this
//! crate will produce, the [`Principal`] that access rules read.

pub use rustbe_core::access::Principal;
