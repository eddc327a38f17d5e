//! `#[resource(parent = "…")]` is checked against the entity's declared SeaORM relations when
//! the router is built: a misspelt parent fails at start-up, never as a 500 on a request.

#![allow(
    missing_docs,
    unreachable_pub,
    reason = "SeaORM entities are public by convention"
)]

pub mod author {
    use rustbe_core::Resource;
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Resource)]
    #[sea_orm(table_name = "authors")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A book entity whose nested route names `$parent`, with a relation to `authors.id`.
macro_rules! book {
    ($module:ident, $parent:literal) => {
        pub mod $module {
            use rustbe_core::Resource;
            use sea_orm::entity::prelude::*;

            #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Resource)]
            #[sea_orm(table_name = "books")]
            #[resource(nested = "/authors/{author_id}/books", parent = $parent)]
            pub struct Model {
                #[sea_orm(primary_key)]
                pub id: i32,
                pub author_id: i32,
            }

            #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
            pub enum Relation {
                #[sea_orm(
                    belongs_to = "super::author::Entity",
                    from = "Column::AuthorId",
                    to = "super::author::Column::Id"
                )]
                Author,
            }

            impl ActiveModelBehavior for ActiveModel {}
        }
    };
}

book!(book, "authors");
book!(with_key, "authors.id");
book!(misspelt, "writers");
book!(other_key, "authors.code");

/// A nested resource with no relation declared: nothing to check the name against.
pub mod note {
    use rustbe_core::Resource;
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Resource)]
    #[sea_orm(table_name = "notes")]
    #[resource(nested = "/authors/{author_id}/notes", parent = "authors")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub author_id: i32,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

#[test]
fn a_parent_a_relation_reaches_builds() {
    let _ = rustbe_core::resource::router::<book::Model>();
    let _ = rustbe_core::resource::router::<with_key::Model>();
    let _ = rustbe_core::resource::router::<note::Model>();
    let _ = rustbe_core::resource::router::<author::Model>();
}

#[test]
#[should_panic(
    expected = "resource `Book`: `#[resource(parent = \"writers\")]` names `writers.id`, which no relation of its entity reaches (its relations reach `authors.id`)"
)]
fn a_misspelt_parent_fails_when_the_router_is_built() {
    let _ = rustbe_core::resource::router::<misspelt::Model>();
}

#[test]
#[should_panic(expected = "names `authors.code`, which no relation of its entity reaches")]
fn a_parent_key_no_relation_reaches_fails_when_the_router_is_built() {
    let _ = rustbe_core::resource::router::<other_key::Model>();
}
