//! Validation rules on fields that are in no request body.
use rustbe_core::Resource;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Resource)]
#[sea_orm(table_name = "products")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    #[resource(url)]
    pub id: Uuid,
    #[resource(read_only, length(max = 10))]
    pub a: String,
    #[resource(hidden, email)]
    pub b: String,
    #[resource(owner, range(min = 1))]
    pub c: i64,
    #[resource(created_at, custom = check)]
    pub d: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

fn main() {}
