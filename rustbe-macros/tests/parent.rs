//! `#[resource(parent = "…")]` is checked against the entity's declared SeaORM relations when
//! the router is built, and against the database when the app starts if the entity declares
//! none: a misspelt parent fails at start-up, never as a 500 on a request.

#![allow(
    missing_docs,
    unreachable_pub,
    reason = "SeaORM entities are public by convention"
)]
#![allow(clippy::expect_used, reason = "tests fail loudly")]

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

/// A nested resource with no relation declared: checked against the database at start-up.
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

/// The app of `db` serving the author and note resources (the author's table only when
/// `with_authors`), after `create_tables`.
async fn notes_app(with_authors: bool) -> Result<rustbe_core::app::App, rustbe_core::Error> {
    let config = rustbe_core::config::Config::for_tests("parents");
    let db = rustbe_core::db::connect(&config.database)
        .await
        .expect("in-memory SQLite");
    let mut app = rustbe_core::app::App::new(config).database(db);
    if with_authors {
        app = app.resource::<author::Model>();
    }
    app.resource::<note::Model>().create_tables().await
}

#[tokio::test]
async fn a_parent_no_relation_vouches_for_is_checked_against_the_database() {
    assert!(notes_app(true).await.is_ok(), "`authors.id` is there");
    let err = notes_app(false)
        .await
        .err()
        .expect("no `authors` table: the app does not start");
    assert!(
        err.message().starts_with(
            "resource `Note`: `#[resource(parent = \"authors\")]` names `authors.id`, which the database cannot read"
        ),
        "{err}"
    );
    assert!(err.message().contains("declare the relation"), "{err}");
}

#[tokio::test]
async fn serve_refuses_to_start_on_a_parent_the_database_does_not_have() {
    let config = rustbe_core::config::Config::for_tests("parents");
    let db = rustbe_core::db::connect(&config.database)
        .await
        .expect("in-memory SQLite");
    // No `create_tables`: not even the notes' own table, and no `authors`.
    let app = rustbe_core::app::App::new(config)
        .database(db)
        .resource::<note::Model>();
    let served = tokio::time::timeout(std::time::Duration::from_secs(30), app.serve()).await;
    let err = served
        .expect("serve returns at once")
        .expect_err("nothing is served");
    assert!(err.to_string().contains("names `authors.id`"), "{err}");
}
