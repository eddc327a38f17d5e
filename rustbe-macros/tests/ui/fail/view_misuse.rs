//! Views over fields that are not sortable, with a bad name, twice, without a limit, and under skip(list).
use rustbe_core::Resource;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Resource)]
#[sea_orm(table_name = "products")]
#[resource(
    view(name = "top", sort = "-stock", limit = 10),
    view(name = "top", sort = "-colour", limit = 10),
    view(name = "Best Sellers", sort = "id", limit = 10),
    view(name = "recent", sort = "id"),
    view(name = "cheap", sort = "id", limit = 0, cache = "soon")
)]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub stock: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

fn main() {}
