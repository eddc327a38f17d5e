//! The shop's migrations (sea-orm-migration), run at start and by `shop migrate`. The auth
//! tables of rustbe-auth are created next to them by `SeaOrmTokenStore::create_tables`.

mod m20261124_000001_users;
mod m20261124_000002_catalogue;
mod m20261203_000003_money;

use sea_orm_migration::{MigrationTrait, MigratorTrait};

/// Every migration of the shop, in order.
#[derive(Debug)]
pub struct Migrator;

#[sea_orm_migration::async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261124_000001_users::Migration),
            Box::new(m20261124_000002_catalogue::Migration),
            Box::new(m20261203_000003_money::Migration),
        ]
    }
}
