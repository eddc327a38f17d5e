//! The shop's tables, as SeaORM entities.

pub mod user;
