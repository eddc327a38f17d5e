//! Cursor pagination with a nullable sort field.
use rustbe_core::Resource;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Resource)]
#[sea_orm(table_name = "products")]
#[resource(cursor)]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[resource(sort)]
    pub name: String,
    #[resource(sort)]
    pub released: Option<Date>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

fn main() {}
