//! A read scope beside a shared cache, and `default` on a field a body has.
use rustbe_core::Resource;
use rustbe_core::access::Principal;
use sea_orm::entity::prelude::*;

fn mine(_: Option<&Principal>) -> sea_orm::Condition {
    sea_orm::Condition::all()
}

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Resource)]
#[sea_orm(table_name = "docs")]
#[resource(scope = mine, cache(ttl = "1m"), view(name = "top", sort = "id", limit = 5, cache = "1m"))]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[resource(default = 3)]
    pub size: i32,
    #[resource(read_only, default = false)]
    pub archived: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

fn main() {}
