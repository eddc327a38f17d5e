//! A `pattern` that is no regular expression, a `multiple_of` step that is not above 0, and
//! both written in the wrong form: each is named at its value.
use rustbe_core::Resource;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Resource)]
#[sea_orm(table_name = "products")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[resource(pattern = "^[A-Z{2}$")]
    pub country: String,
    #[resource(multiple_of = 0)]
    pub price: f64,
    #[resource(pattern("^x$"))]
    pub code: String,
    #[resource(multiple_of = "0.01")]
    pub fee: f64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

fn main() {}
