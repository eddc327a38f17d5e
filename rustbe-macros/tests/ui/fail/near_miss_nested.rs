//! Misspelt keys inside a key's own list get a suggestion too.
use rustbe_core::Resource;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Resource)]
#[sea_orm(table_name = "products")]
#[resource(
    access(raed = public, write = pubilc),
    skip(delte),
    cache(tll = "1m"),
    nested(path = "/users/{user_id}/products", feild = "user_id")
)]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub user_id: i32,
    #[resource(filter(rnage), length(mni = 1))]
    pub name: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

fn main() {}
