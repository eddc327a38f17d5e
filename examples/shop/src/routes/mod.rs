//! The shop's hand-written routes: what is specific to the shop, beside the auth router.

pub mod users;
