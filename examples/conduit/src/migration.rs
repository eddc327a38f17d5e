//! The schema, one sea-orm-migration step: the tables and indexes of [`crate::entities`].

#![allow(
    elided_lifetimes_in_paths,
    reason = "async_trait expands the trait's own signature"
)]

use sea_orm::Schema;
use sea_orm_migration::prelude::*;

use crate::entities::{article, article_tag, comment, favorite, follow, user};

/// Every migration of Conduit, in order.
#[derive(Debug)]
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(Init)]
    }
}

struct Init;

impl MigrationName for Init {
    fn name(&self) -> &str {
        "m20261203_000001_conduit"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Init {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let schema = Schema::new(manager.get_database_backend());
        macro_rules! table {
            ($($entity:path),*) => {$(
                manager.create_table(schema.create_table_from_entity($entity)).await?;
                for index in schema.create_index_from_entity($entity) {
                    manager.create_index(index).await?;
                }
            )*};
        }
        table!(
            user::Entity,
            follow::Entity,
            article::Entity,
            article_tag::Entity
        );
        table!(favorite::Entity, comment::Entity);
        Ok(())
    }
}
