//! The shop's hand-written routes: what is specific to the shop, beside the auth router and
//! the generated resources.

pub mod orders;
pub mod users;
