//! The derive on an enum.
use rustbe_core::Resource;

#[derive(Resource)]
pub enum Status {
    Draft,
    Published,
}

fn main() {}
