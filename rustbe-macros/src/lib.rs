//! The `#[derive(Resource)]` macro of rustbe, re-exported by `rustbe-core` (feature
//! `macros`).
//!
//! Not written yet: the derive lands with its own issue. This crate is an empty shell so the
//! workspace has its final shape and `rustbe-core`'s `macros` feature already names it.
