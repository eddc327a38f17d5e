//! Custom filters without a function, with a quoted one, with a misspelt key, and under skip(list).
use rustbe_core::Resource;
use sea_orm::entity::prelude::*;

fn in_stock(yes: bool) -> sea_orm::Condition {
    let _ = yes;
    sea_orm::Condition::all()
}
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Resource)]
#[sea_orm(table_name = "products")]
#[resource(
    skip(list),
    filter_fn(name = "in_stock"),
    filter_fn(name = "fresh", with = "in_stock"),
    filter_fn(name = "new", with = in_stock, descripton = "New ones")
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
