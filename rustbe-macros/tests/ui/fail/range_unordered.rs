//! A range filter on types without a meaningful order.
use rustbe_core::Resource;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Resource)]
#[sea_orm(table_name = "products")]
#[resource(access(read = public))]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[resource(filter(range))]
    pub active: bool,
    #[resource(filter(range, eq))]
    pub batch: Uuid,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

fn main() {}
