//! The shop's own error descriptions for its hand-written routes' documents; the builders
//! are rustbe's OpenAPI kit, [`rustbe_core::openapi`].

pub(crate) use rustbe_core::openapi::*;

pub(crate) const BAD_PATH: ErrorResponse = ("400", "The id is not a UUID (`BAD_REQUEST`)");
pub(crate) const FORBIDDEN: ErrorResponse = ("403", "The caller is not an admin (`FORBIDDEN`)");
