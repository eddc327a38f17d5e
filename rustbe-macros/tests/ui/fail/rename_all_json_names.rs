//! After `rename_all`, `default_sort` and the nested placeholder take the JSON names; the
//! Rust names are refused with the JSON name to write.
use rustbe_core::Resource;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Resource)]
#[sea_orm(table_name = "orders")]
#[resource(
    rename_all = "camelCase",
    default_sort = "-created_at",
    nested = "/users/{user_id}/orders"
)]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub user_id: i32,
    #[resource(created_at, sort)]
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

fn main() {}
