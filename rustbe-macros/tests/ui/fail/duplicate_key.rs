//! A key given twice, on the struct, on a field, in a rule list and in `skip`.
use rustbe_core::Resource;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Resource)]
#[sea_orm(table_name = "products")]
#[resource(hooks, cursor, hooks, skip(delete, delete))]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[resource(sort, filter, sort, length(max = 3), length(min = 1), filter(eq, eq))]
    pub name: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

fn main() {}
