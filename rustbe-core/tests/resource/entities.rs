//! The resources under test, one per feature group.

/// Public reads, admin writes, a renamed and a hidden field, every filter form, search,
/// sorting, validation (a `pattern` and a `multiple_of` among the rules), a cached single
/// read, a UUID key and server timestamps.
pub mod product {
    use rustbe_core::Resource;
    use sea_orm::entity::prelude::*;
    use serde::{Deserialize, Serialize};

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Resource, Serialize, Deserialize)]
    #[sea_orm(table_name = "products")]
    #[resource(
        access(read = public, write = roles("admin")),
        default_sort = "name",
        cache(ttl = "60s")
    )]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        #[resource(filter(eq, in), sort, search, length(min = 1, max = 100))]
        pub name: String,
        #[resource(search, length(max = 2000))]
        pub description: Option<String>,
        #[resource(filter(range), sort, range(min = 0.01), multiple_of = 0.01)]
        pub price: f64,
        #[resource(filter(eq, in), one_of("shoes", "hats", "bags"))]
        pub category: String,
        #[resource(filter(range), sort, range(min = 0))]
        pub stock: i32,
        /// The stock-keeping unit, shown as `sku`.
        #[serde(rename = "sku")]
        #[resource(filter, pattern = "^[A-Z]+(-[A-Z0-9]+)?$")]
        pub code: String,
        #[resource(hidden)]
        pub supplier: Option<String>,
        #[resource(created_at, sort)]
        pub created_at: DateTimeUtc,
        #[resource(updated_at)]
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Rows owned by their creator: an integer key and an owner rule that admins bypass.
pub mod note {
    use rustbe_core::Resource;
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Resource)]
    #[sea_orm(table_name = "notes")]
    #[resource(
        access(all = owner),
        default_sort = "id",
        nested = "/users/{user_id}/notes",
        parent = "users"
    )]
    pub struct Model {
        #[sea_orm(primary_key)]
        #[resource(sort)]
        pub id: i64,
        #[resource(owner, filter)]
        pub user_id: String,
        #[resource(length(min = 1))]
        pub body: String,
        #[resource(filter)]
        pub pinned: bool,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A string key the client chooses, and hooks that write in the same transaction.
pub mod tag {
    use rustbe_core::resource::{HookContext, Hooks};
    use rustbe_core::{Error, Resource};
    use sea_orm::ActiveValue::Set;
    use sea_orm::entity::prelude::*;
    use sea_orm::{ConnectionTrait, Statement};

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Resource)]
    #[sea_orm(table_name = "tags")]
    #[resource(access(read = public, write = authenticated), hooks)]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub slug: String,
        #[resource(length(min = 1, max = 50))]
        pub name: String,
        #[resource(read_only)]
        pub label: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}

    async fn audit(ctx: &HookContext<'_>, what: &str) -> Result<(), Error> {
        let who = ctx.principal().map_or("anonymous", |p| p.id());
        let backend = ctx.txn().get_database_backend();
        let sql = match backend {
            sea_orm::DbBackend::Postgres => "INSERT INTO audit (what, who) VALUES ($1, $2)",
            _ => "INSERT INTO audit (what, who) VALUES (?, ?)",
        };
        ctx.txn()
            .execute_raw(Statement::from_sql_and_values(
                backend,
                sql,
                [what.into(), who.into()],
            ))
            .await?;
        Ok(())
    }

    impl Hooks for Model {
        async fn before_create(ctx: &HookContext<'_>, row: &mut ActiveModel) -> Result<(), Error> {
            let name = row.name.clone().take().unwrap_or_default();
            row.label = Set(name.to_uppercase());
            audit(ctx, "before_create").await
        }

        async fn after_create(ctx: &HookContext<'_>, row: &Self) -> Result<(), Error> {
            audit(ctx, &format!("after_create {}", row.slug)).await
        }

        async fn before_update(
            ctx: &HookContext<'_>,
            old: &Self,
            changes: &mut ActiveModel,
        ) -> Result<(), Error> {
            if let Some(name) = changes.name.clone().take() {
                if name == "locked" {
                    audit(ctx, "refused").await?;
                    return Err(Error::conflict(format!("{} may not be locked", old.slug)));
                }
                changes.label = Set(name.to_uppercase());
            }
            Ok(())
        }

        async fn after_update(ctx: &HookContext<'_>, row: &Self) -> Result<(), Error> {
            audit(ctx, &format!("after_update {}", row.name)).await
        }

        async fn before_delete(ctx: &HookContext<'_>, row: &Self) -> Result<(), Error> {
            audit(ctx, &format!("before_delete {}", row.slug)).await
        }

        async fn after_delete(ctx: &HookContext<'_>, row: &Self) -> Result<(), Error> {
            audit(ctx, &format!("after_delete {}", row.slug)).await
        }
    }
}

/// Keyset pagination, nesting under a parent, an integer key, and switched-off operations.
pub mod entry {
    use rustbe_core::Resource;
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Resource)]
    #[sea_orm(table_name = "entries")]
    #[resource(
        path = "/entries",
        access(all = public),
        skip(replace, delete),
        cursor,
        nested = "/boards/{board_id}/entries",
        default_sort = "-score"
    )]
    pub struct Model {
        #[sea_orm(primary_key)]
        #[resource(sort)]
        pub id: i32,
        #[resource(filter)]
        pub board_id: i32,
        #[resource(sort, filter(range))]
        pub score: i32,
        pub title: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Money and the extension points: `Decimal` fields (exact, `numeric(12,2)`), a custom filter
/// and a named view.
pub mod item {
    use rust_decimal::Decimal;
    use rustbe_core::Resource;
    use sea_orm::entity::prelude::*;
    use sea_orm::sea_query::SimpleExpr;

    /// `?cheap=true`: under 1.00; `false`: 1.00 or more.
    pub fn cheap(yes: bool) -> SimpleExpr {
        let one = Decimal::new(100, 2);
        if yes {
            Column::Price.lt(one)
        } else {
            Column::Price.gte(one)
        }
    }

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Resource)]
    #[sea_orm(table_name = "items")]
    #[resource(
        access(all = public),
        default_sort = "id",
        filter_fn(name = "cheap", with = cheap, description = "Items under 1.00 (`true`) or not"),
        view(name = "priciest", sort = "-price", limit = 2, cache = "1m")
    )]
    pub struct Model {
        #[sea_orm(primary_key)]
        #[resource(sort)]
        pub id: i32,
        pub name: String,
        #[sea_orm(column_type = "Decimal(Some((12, 2)))")]
        #[resource(
            filter(range),
            sort,
            range(min = 0.01, max = 1000000),
            multiple_of = 0.01
        )]
        pub price: Decimal,
        #[sea_orm(column_type = "Decimal(Some((12, 2)))")]
        pub discount: Option<Decimal>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The read hook: soft-deleted memos are gone for everyone, and a caller sees only their
/// team's (an admin sees every team's).
pub mod memo {
    use rustbe_core::Resource;
    use rustbe_core::access::Principal;
    use sea_orm::Condition;
    use sea_orm::entity::prelude::*;

    pub fn visible(principal: Option<&Principal>) -> Condition {
        let live = Condition::all().add(Column::Deleted.eq(false));
        match principal {
            Some(p) if p.has_role("admin") => live,
            Some(p) => live.add(Column::Team.eq(p.id())),
            None => live.add(Column::Team.eq("public")),
        }
    }

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Resource)]
    #[sea_orm(table_name = "memos")]
    #[resource(
        access(all = public),
        default_sort = "id",
        scope = visible,
        view(name = "first", sort = "id", limit = 1)
    )]
    pub struct Model {
        #[sea_orm(primary_key)]
        #[resource(sort)]
        pub id: i32,
        pub team: String,
        pub text: String,
        #[resource(read_only, default = false)]
        pub deleted: bool,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Boards whose `pins` come from the table `pins` through the read hook: one statement for
/// every row an answer shows.
pub mod board {
    use rustbe_core::resource::{Hooks, ReadContext};
    use rustbe_core::{Error, Resource};
    use sea_orm::entity::prelude::*;
    use sea_orm::{ConnectionTrait, Statement};

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Resource)]
    #[sea_orm(table_name = "boards")]
    #[resource(
        access(all = public),
        default_sort = "id",
        view(name = "first", sort = "id", limit = 1),
        hooks
    )]
    pub struct Model {
        #[sea_orm(primary_key)]
        #[resource(sort)]
        pub id: i32,
        #[resource(length(min = 1, max = 50))]
        pub name: String,
        /// Shown, never written: the read hook fills it.
        #[sea_orm(ignore)]
        pub pins: Vec<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}

    impl Hooks for Model {
        async fn after_read(ctx: &ReadContext<'_>, rows: &mut [Self]) -> Result<(), Error> {
            // A hook that fails: what the write that answers with the row did is undone.
            if rows.iter().any(|r| r.name == "unreadable") {
                return Err(Error::conflict("this board cannot be shown"));
            }
            let backend = ctx.db().get_database_backend();
            let ids: Vec<String> = rows.iter().map(|r| r.id.to_string()).collect();
            let sql = format!(
                "SELECT board_id, text FROM pins WHERE board_id IN ({}) ORDER BY text",
                ids.join(", ")
            );
            let pins = ctx
                .db()
                .query_all_raw(Statement::from_string(backend, sql))
                .await?;
            for row in rows.iter_mut() {
                row.pins = pins
                    .iter()
                    .filter(|p| p.try_get::<i32>("", "board_id").ok() == Some(row.id))
                    .filter_map(|p| p.try_get::<String>("", "text").ok())
                    .collect();
            }
            Ok(())
        }
    }
}
