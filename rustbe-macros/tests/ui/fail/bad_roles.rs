//! Role lists that are empty or not strings.
use rustbe_core::Resource;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Resource)]
#[sea_orm(table_name = "products")]
#[resource(access(list = roles(), get = roles(admin), create = roles(""), delete = role("admin"), update = owner), bypass(admin))]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[resource(owner)]
    pub user_id: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

fn main() {}
