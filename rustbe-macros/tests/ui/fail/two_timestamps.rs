//! Two `created_at` and two `updated_at` fields.
use rustbe_core::Resource;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Resource)]
#[sea_orm(table_name = "products")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[resource(created_at)]
    pub created_at: DateTimeUtc,
    #[resource(created_at)]
    pub inserted_at: DateTimeUtc,
    #[resource(updated_at)]
    pub updated_at: DateTimeUtc,
    #[resource(updated_at)]
    pub changed_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

fn main() {}
