//! One mistake, one message: when the derive refuses the struct it still defines the DTOs,
//! so the code that names them does not add errors of its own.
use rustbe_core::Resource;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Resource)]
#[sea_orm(table_name = "products")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[resource(filtr)]
    pub name: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

fn main() {
    let body = ProductCreate {
        name: "Gizmo".to_owned(),
    };
    let replace = ProductReplace {
        name: "Gadget".to_owned(),
    };
    println!("{body:?} {replace:?}");
}
