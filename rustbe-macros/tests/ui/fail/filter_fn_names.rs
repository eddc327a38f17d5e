//! Custom filters whose names clash with another parameter, twice, or are not plain.
use rustbe_core::Resource;
use sea_orm::entity::prelude::*;

fn in_stock(yes: bool) -> sea_orm::Condition {
    let _ = yes;
    sea_orm::Condition::all()
}
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Resource)]
#[sea_orm(table_name = "products")]
#[resource(
    filter_fn(name = "page", with = in_stock),
    filter_fn(name = "stock", with = in_stock),
    filter_fn(name = "Stock Level", with = in_stock),
    filter_fn(name = "fresh", with = in_stock),
    filter_fn(name = "fresh", with = in_stock)
)]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[resource(filter)]
    pub stock: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

fn main() {}
