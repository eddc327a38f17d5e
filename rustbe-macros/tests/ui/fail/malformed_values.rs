//! Keys written in the wrong form: each error shows the right one.
use rustbe_core::Resource;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Resource)]
#[sea_orm(table_name = "products")]
#[resource(name = Product, hooks = true, path, default_sort("name"), "loose", access = public, bypass = "admin")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[resource(filter(between), one_of(), custom = "check", length(minimum = 1), range(min = "a"), sort = true, email(strict))]
    pub name: String,
    #[resource(length(), filter = eq, one_of(draft), url = true)]
    pub status: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

fn main() {}
