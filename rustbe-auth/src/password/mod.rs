//! Passwords: the policy a new password must follow, and argon2id hashing off the async
//! workers.

mod hasher;
mod policy;
mod worker;

pub use hasher::{PasswordHasher, PasswordHasherBuilder};
pub use policy::{DEFAULT_SPECIALS, PasswordPolicy};
