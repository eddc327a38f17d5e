#![allow(
    elided_lifetimes_in_paths,
    reason = "async_trait expands the trait's own signature"
)]

//! Categories, products, reviews, addresses, orders, order items and idempotency keys, with
//! an index on every foreign key, the `(category_id, price)` listing index, a full-text GIN
//! index over product name and description and a partial index of pending orders (both on
//! PostgreSQL; SQLite gets a plain name index and a full index instead).

use sea_orm::DbBackend;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(super) struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Categories {
    Table,
    Id,
    Name,
    Slug,
    Description,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Products {
    Table,
    Id,
    Name,
    Description,
    Price,
    CategoryId,
    StockQuantity,
    Images,
    PopularityScore,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Reviews {
    Table,
    Id,
    ProductId,
    UserId,
    Rating,
    Comment,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Addresses {
    Table,
    Id,
    UserId,
    Line1,
    Line2,
    City,
    State,
    PostalCode,
    Country,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Orders {
    Table,
    Id,
    UserId,
    AddressId,
    Status,
    Total,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum OrderItems {
    Table,
    Id,
    OrderId,
    ProductId,
    Quantity,
    UnitPrice,
}

#[derive(DeriveIden)]
enum IdempotencyKeys {
    Table,
    UserId,
    Key,
    RequestHash,
    OrderId,
    CreatedAt,
}

fn timestamps(
    table: &mut TableCreateStatement,
    created: impl IntoIden,
    updated: Option<impl IntoIden>,
) {
    table.col(
        ColumnDef::new(created)
            .timestamp_with_time_zone()
            .not_null(),
    );
    if let Some(updated) = updated {
        table.col(
            ColumnDef::new(updated)
                .timestamp_with_time_zone()
                .not_null(),
        );
    }
}

fn fk(
    name: &str,
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(on_delete)
        .to_owned()
}

fn index(name: &str, table: impl IntoIden, columns: &[&'static str]) -> IndexCreateStatement {
    let mut index = Index::create();
    index.name(name).table(table).if_not_exists();
    for column in columns {
        index.col(Alias::new(*column));
    }
    index.to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut categories = Table::create();
        categories
            .table(Categories::Table)
            .if_not_exists()
            .col(
                ColumnDef::new(Categories::Id)
                    .uuid()
                    .not_null()
                    .primary_key(),
            )
            .col(ColumnDef::new(Categories::Name).string_len(100).not_null())
            .col(
                ColumnDef::new(Categories::Slug)
                    .string_len(100)
                    .not_null()
                    .unique_key(),
            )
            .col(ColumnDef::new(Categories::Description).text().null());
        timestamps(
            &mut categories,
            Categories::CreatedAt,
            Some(Categories::UpdatedAt),
        );
        manager.create_table(categories.to_owned()).await?;

        let mut products = Table::create();
        products
            .table(Products::Table)
            .if_not_exists()
            .col(ColumnDef::new(Products::Id).uuid().not_null().primary_key())
            .col(ColumnDef::new(Products::Name).string_len(200).not_null())
            .col(ColumnDef::new(Products::Description).text().not_null())
            .col(ColumnDef::new(Products::Price).double().not_null())
            .col(ColumnDef::new(Products::CategoryId).uuid().not_null())
            .col(ColumnDef::new(Products::StockQuantity).integer().not_null())
            .col(ColumnDef::new(Products::Images).json_binary().not_null())
            .col(
                ColumnDef::new(Products::PopularityScore)
                    .integer()
                    .not_null()
                    .default(0),
            )
            .foreign_key(&mut fk(
                "fk_products_category",
                (Products::Table, Products::CategoryId),
                (Categories::Table, Categories::Id),
                ForeignKeyAction::Restrict,
            ));
        timestamps(
            &mut products,
            Products::CreatedAt,
            Some(Products::UpdatedAt),
        );
        manager.create_table(products.to_owned()).await?;

        let mut reviews = Table::create();
        reviews
            .table(Reviews::Table)
            .if_not_exists()
            .col(ColumnDef::new(Reviews::Id).uuid().not_null().primary_key())
            .col(ColumnDef::new(Reviews::ProductId).uuid().not_null())
            .col(ColumnDef::new(Reviews::UserId).uuid().not_null())
            .col(ColumnDef::new(Reviews::Rating).integer().not_null())
            .col(ColumnDef::new(Reviews::Comment).text().not_null())
            .foreign_key(&mut fk(
                "fk_reviews_product",
                (Reviews::Table, Reviews::ProductId),
                (Products::Table, Products::Id),
                ForeignKeyAction::Cascade,
            ))
            .foreign_key(&mut fk(
                "fk_reviews_user",
                (Reviews::Table, Reviews::UserId),
                (Users::Table, Users::Id),
                ForeignKeyAction::Cascade,
            ));
        timestamps(&mut reviews, Reviews::CreatedAt, None::<Reviews>);
        manager.create_table(reviews.to_owned()).await?;

        let mut addresses = Table::create();
        addresses
            .table(Addresses::Table)
            .if_not_exists()
            .col(
                ColumnDef::new(Addresses::Id)
                    .uuid()
                    .not_null()
                    .primary_key(),
            )
            .col(ColumnDef::new(Addresses::UserId).uuid().not_null())
            .col(ColumnDef::new(Addresses::Line1).string_len(200).not_null())
            .col(ColumnDef::new(Addresses::Line2).string_len(200).null())
            .col(ColumnDef::new(Addresses::City).string_len(100).not_null())
            .col(ColumnDef::new(Addresses::State).string_len(100).null())
            .col(
                ColumnDef::new(Addresses::PostalCode)
                    .string_len(20)
                    .not_null(),
            )
            .col(ColumnDef::new(Addresses::Country).string_len(2).not_null())
            .foreign_key(&mut fk(
                "fk_addresses_user",
                (Addresses::Table, Addresses::UserId),
                (Users::Table, Users::Id),
                ForeignKeyAction::Cascade,
            ));
        timestamps(
            &mut addresses,
            Addresses::CreatedAt,
            Some(Addresses::UpdatedAt),
        );
        manager.create_table(addresses.to_owned()).await?;

        let mut orders = Table::create();
        orders
            .table(Orders::Table)
            .if_not_exists()
            .col(ColumnDef::new(Orders::Id).uuid().not_null().primary_key())
            .col(ColumnDef::new(Orders::UserId).uuid().not_null())
            .col(ColumnDef::new(Orders::AddressId).uuid().null())
            .col(ColumnDef::new(Orders::Status).string_len(20).not_null())
            .col(ColumnDef::new(Orders::Total).double().not_null())
            .foreign_key(&mut fk(
                "fk_orders_user",
                (Orders::Table, Orders::UserId),
                (Users::Table, Users::Id),
                ForeignKeyAction::Cascade,
            ))
            .foreign_key(&mut fk(
                "fk_orders_address",
                (Orders::Table, Orders::AddressId),
                (Addresses::Table, Addresses::Id),
                ForeignKeyAction::SetNull,
            ));
        timestamps(&mut orders, Orders::CreatedAt, Some(Orders::UpdatedAt));
        manager.create_table(orders.to_owned()).await?;

        manager
            .create_table(
                Table::create()
                    .table(OrderItems::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(OrderItems::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(OrderItems::OrderId).uuid().not_null())
                    .col(ColumnDef::new(OrderItems::ProductId).uuid().not_null())
                    .col(ColumnDef::new(OrderItems::Quantity).integer().not_null())
                    .col(ColumnDef::new(OrderItems::UnitPrice).double().not_null())
                    .foreign_key(&mut fk(
                        "fk_order_items_order",
                        (OrderItems::Table, OrderItems::OrderId),
                        (Orders::Table, Orders::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "fk_order_items_product",
                        (OrderItems::Table, OrderItems::ProductId),
                        (Products::Table, Products::Id),
                        ForeignKeyAction::Restrict,
                    ))
                    .to_owned(),
            )
            .await?;

        let mut keys = Table::create();
        keys.table(IdempotencyKeys::Table)
            .if_not_exists()
            .col(ColumnDef::new(IdempotencyKeys::UserId).uuid().not_null())
            .col(
                ColumnDef::new(IdempotencyKeys::Key)
                    .string_len(200)
                    .not_null(),
            )
            .col(
                ColumnDef::new(IdempotencyKeys::RequestHash)
                    .string_len(64)
                    .not_null(),
            )
            .col(ColumnDef::new(IdempotencyKeys::OrderId).uuid().not_null())
            .primary_key(
                Index::create()
                    .col(IdempotencyKeys::UserId)
                    .col(IdempotencyKeys::Key),
            )
            .foreign_key(&mut fk(
                "fk_idempotency_keys_order",
                (IdempotencyKeys::Table, IdempotencyKeys::OrderId),
                (Orders::Table, Orders::Id),
                ForeignKeyAction::Cascade,
            ));
        timestamps(
            &mut keys,
            IdempotencyKeys::CreatedAt,
            None::<IdempotencyKeys>,
        );
        manager.create_table(keys.to_owned()).await?;

        for statement in [
            index(
                "idx_products_category_price",
                Products::Table,
                &["category_id", "price"],
            ),
            index(
                "idx_products_popularity",
                Products::Table,
                &["popularity_score"],
            ),
            index("idx_products_name", Products::Table, &["name"]),
            index("idx_reviews_user", Reviews::Table, &["user_id"]),
            index("idx_addresses_user", Addresses::Table, &["user_id"]),
            index("idx_orders_address", Orders::Table, &["address_id"]),
            index("idx_order_items_order", OrderItems::Table, &["order_id"]),
            index(
                "idx_order_items_product",
                OrderItems::Table,
                &["product_id"],
            ),
            index(
                "idx_idempotency_keys_order",
                IdempotencyKeys::Table,
                &["order_id"],
            ),
            index("idx_orders_user", Orders::Table, &["user_id", "created_at"]),
        ] {
            manager.create_index(statement).await?;
        }
        // One review per user and product; it also indexes reviews by product.
        manager
            .create_index(
                index(
                    "uq_reviews_product_user",
                    Reviews::Table,
                    &["product_id", "user_id"],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        if manager.get_database_backend() == DbBackend::Postgres {
            db.execute_unprepared(
                "CREATE INDEX IF NOT EXISTS idx_products_search ON products USING GIN \
                 (to_tsvector('simple', coalesce(\"name\", '') || ' ' || coalesce(\"description\", '')))",
            )
            .await?;
            db.execute_unprepared(
                "CREATE INDEX IF NOT EXISTS idx_orders_pending ON orders (user_id, created_at) \
                 WHERE status = 'pending'",
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            IdempotencyKeys::Table.into_iden(),
            OrderItems::Table.into_iden(),
            Orders::Table.into_iden(),
            Addresses::Table.into_iden(),
            Reviews::Table.into_iden(),
            Products::Table.into_iden(),
            Categories::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
