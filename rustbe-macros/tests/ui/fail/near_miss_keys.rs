//! Misspelt keys get a suggestion.
use rustbe_core::Resource;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Resource)]
#[sea_orm(table_name = "products")]
#[resource(defualt_sort = "id", cahce(ttl = "1m"))]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[resource(filtr, sotr)]
    pub stock: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

fn main() {}
