//! Money as exact decimals: `products.price`, `order_items.unit_price` and `orders.total`
//! become `numeric(12,2)` on PostgreSQL (rounded to the cent, which every stored value
//! already was: the rules allow two decimals). SQLite has no column types to change: its
//! columns keep their numeric affinity and the entities read them as `Decimal`, written back
//! with two decimals.
#![allow(
    elided_lifetimes_in_paths,
    reason = "async_trait expands the trait's own signature"
)]

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub(super) struct Migration;

const COLUMNS: [(&str, &str); 3] = [
    ("products", "price"),
    ("order_items", "unit_price"),
    ("orders", "total"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        for (table, column) in COLUMNS {
            manager
                .get_connection()
                .execute_unprepared(&format!(
                    "ALTER TABLE {table} ALTER COLUMN {column} TYPE numeric(12, 2) USING round({column}::numeric, 2)"
                ))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        for (table, column) in COLUMNS {
            manager
                .get_connection()
                .execute_unprepared(&format!(
                    "ALTER TABLE {table} ALTER COLUMN {column} TYPE double precision"
                ))
                .await?;
        }
        Ok(())
    }
}
