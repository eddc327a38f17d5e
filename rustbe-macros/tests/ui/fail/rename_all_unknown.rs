//! An unknown casing, one written in the wrong case, and a field's `rename` that is no
//! string.
use rustbe_core::Resource;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Resource)]
#[sea_orm(table_name = "products")]
#[resource(rename_all = "camel")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[resource(rename = 3)]
    pub name: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

mod other {
    use rustbe_core::Resource;
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Resource)]
    #[sea_orm(table_name = "others")]
    #[resource(rename_all = "camelcase")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

fn main() {}
