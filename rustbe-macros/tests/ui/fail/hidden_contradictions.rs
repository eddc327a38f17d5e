//! `hidden` with keys that need a visible field; the error is on the later key.
use rustbe_core::Resource;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Resource)]
#[sea_orm(table_name = "products")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[resource(hidden, filter)]
    pub a: String,
    #[resource(sort, hidden)]
    pub b: String,
    #[resource(hidden, search)]
    pub c: String,
    #[resource(hidden, write_once)]
    pub d: String,
    #[resource(hidden, owner)]
    pub e: i64,
    #[resource(hidden, read_only)]
    pub fine: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

fn main() {}
