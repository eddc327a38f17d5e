//! The derive on a tuple struct.
use rustbe_core::Resource;

#[derive(Resource)]
pub struct Model(i32, String);

fn main() {}
