//! `#[sea_orm(...)]` and `#[resource(...)]` on a struct that does not derive
//! `DeriveEntityModel`.
use rustbe_core::Resource;

#[derive(Clone, Debug, PartialEq, Resource)]
#[sea_orm(table_name = "products")]
#[resource(access(read = public))]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[resource(filter, sort)]
    pub name: String,
}

fn main() {}
