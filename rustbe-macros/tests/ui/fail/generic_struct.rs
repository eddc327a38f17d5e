//! A struct with generic parameters, which a SeaORM model never has.
use rustbe_core::Resource;

#[derive(Resource)]
pub struct Model<T> {
    pub id: T,
}

fn main() {}
