//! The shop's hand-written routes: what is specific to the shop, beside the auth router, rustbe-auth's
//! account routes and the generated resources.

pub mod orders;
