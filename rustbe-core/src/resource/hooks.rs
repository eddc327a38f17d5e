//! What the derive cannot know: code run around writes, inside their transaction.

use std::future::Future;

use sea_orm::{DatabaseExecutor, DatabaseTransaction};

use super::Resource;
use crate::Error;
use crate::access::Principal;

/// The caller and the transaction a hook runs in.
///
/// ```
/// use rustbe_core::resource::HookContext;
/// fn who(ctx: &HookContext<'_>) -> Option<String> {
///     ctx.principal().map(|p| p.id().to_owned())
/// }
/// ```
#[derive(Clone, Copy)]
pub struct HookContext<'a> {
    pub(crate) principal: Option<&'a Principal>,
    pub(crate) txn: &'a DatabaseTransaction,
}

impl std::fmt::Debug for HookContext<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HookContext")
            .field("principal", &self.principal)
            .finish_non_exhaustive()
    }
}

impl<'a> HookContext<'a> {
    /// The caller, if signed in.
    ///
    /// ```
    /// fn is_admin(ctx: &rustbe_core::resource::HookContext<'_>) -> bool {
    ///     ctx.principal().is_some_and(|p| p.has_role("admin"))
    /// }
    /// ```
    #[must_use]
    pub fn principal(&self) -> Option<&'a Principal> {
        self.principal
    }

    /// The write's transaction: what a hook writes commits or rolls back with it.
    ///
    /// ```
    /// use sea_orm::ConnectionTrait;
    /// async fn audit(ctx: &rustbe_core::resource::HookContext<'_>) -> Result<(), sea_orm::DbErr> {
    ///     ctx.txn().execute_unprepared("SELECT 1").await?;
    ///     Ok(())
    /// }
    /// ```
    #[must_use]
    pub fn txn(&self) -> &'a DatabaseTransaction {
        self.txn
    }
}

/// The caller and the connection a read hook ([`Hooks::after_read`]) runs with: the pool for
/// a read, the write's transaction for the row a write compares or answers with.
///
/// ```
/// use rustbe_core::resource::ReadContext;
/// use sea_orm::ConnectionTrait;
/// fn backend(ctx: &ReadContext<'_>) -> sea_orm::DbBackend {
///     ctx.db().get_database_backend()
/// }
/// ```
pub struct ReadContext<'a> {
    pub(crate) principal: Option<&'a Principal>,
    pub(crate) db: DatabaseExecutor<'a>,
}

impl std::fmt::Debug for ReadContext<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadContext")
            .field("principal", &self.principal)
            .finish_non_exhaustive()
    }
}

impl<'a> ReadContext<'a> {
    /// The caller, if signed in.
    ///
    /// ```
    /// fn caller(ctx: &rustbe_core::resource::ReadContext<'_>) -> Option<String> {
    ///     ctx.principal().map(|p| p.id().to_owned())
    /// }
    /// ```
    #[must_use]
    pub fn principal(&self) -> Option<&'a Principal> {
        self.principal
    }

    /// Where to read: a [`ConnectionTrait`](sea_orm::ConnectionTrait) for SeaORM's queries.
    ///
    /// See [`ReadContext`] for an example.
    #[must_use]
    pub fn db(&self) -> &DatabaseExecutor<'a> {
        &self.db
    }
}

/// Runs `R`'s read hook over `rows` (nothing to do for none).
pub(crate) async fn after_read<'a, R: Hooks>(
    principal: Option<&'a Principal>,
    db: impl Into<DatabaseExecutor<'a>>,
    rows: &mut [R],
) -> Result<(), Error> {
    if rows.is_empty() {
        return Ok(());
    }
    let ctx = ReadContext {
        principal,
        db: db.into(),
    };
    R::after_read(&ctx, rows).await
}

/// Code run around the generated writes. With `#[resource(hooks)]` the app implements it
/// (every method has a default that does nothing); otherwise the derive writes an empty
/// implementation and writes run without a transaction.
///
/// With hooks, each write runs in one transaction: the `before_*` hook, the statement and the
/// `after_*` hook. An error from a hook rolls everything back and is the answer.
///
/// ```
/// use rustbe_core::{Error, Resource};
/// use rustbe_core::resource::{HookContext, Hooks};
/// use sea_orm::entity::prelude::*;
/// use sea_orm::ActiveValue::Set;
///
/// #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Resource)]
/// #[sea_orm(table_name = "posts")]
/// #[resource(hooks)]
/// pub struct Model {
///     #[sea_orm(primary_key)]
///     pub id: i32,
///     pub title: String,
///     #[resource(read_only)]
///     pub slug: String,
/// }
/// #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
/// pub enum Relation {}
/// impl ActiveModelBehavior for ActiveModel {}
///
/// impl Hooks for Model {
///     async fn before_create(_: &HookContext<'_>, row: &mut ActiveModel) -> Result<(), Error> {
///         let title = row.title.clone().unwrap();
///         row.slug = Set(title.to_lowercase().replace(' ', "-"));
///         Ok(())
///     }
/// }
/// ```
pub trait Hooks: Resource {
    /// Before the `INSERT`, with the row the body and the server made.
    fn before_create(
        _ctx: &HookContext<'_>,
        _row: &mut Self::ActiveModel,
    ) -> impl Future<Output = Result<(), Error>> + Send {
        async { Ok(()) }
    }
    /// After the `INSERT`, with the stored row.
    fn after_create(
        _ctx: &HookContext<'_>,
        _row: &Self,
    ) -> impl Future<Output = Result<(), Error>> + Send {
        async { Ok(()) }
    }
    /// Before the `UPDATE` of a `PUT` or `PATCH`, with the row as it is and the changes.
    fn before_update(
        _ctx: &HookContext<'_>,
        _old: &Self,
        _changes: &mut Self::ActiveModel,
    ) -> impl Future<Output = Result<(), Error>> + Send {
        async { Ok(()) }
    }
    /// After the `UPDATE`, with the stored row.
    fn after_update(
        _ctx: &HookContext<'_>,
        _row: &Self,
    ) -> impl Future<Output = Result<(), Error>> + Send {
        async { Ok(()) }
    }
    /// Before the `DELETE`, with the row.
    fn before_delete(
        _ctx: &HookContext<'_>,
        _row: &Self,
    ) -> impl Future<Output = Result<(), Error>> + Send {
        async { Ok(()) }
    }
    /// After the `DELETE`, with the row that was deleted.
    fn after_delete(
        _ctx: &HookContext<'_>,
        _row: &Self,
    ) -> impl Future<Output = Result<(), Error>> + Send {
        async { Ok(()) }
    }
    /// After rows are read and before they are shown: every generated answer that shows rows
    /// (a get, each page of a list, a named view, and the row a create, `PUT` or `PATCH`
    /// answers with) passes them here first, a whole page at once, and the `ETag` is of what
    /// this leaves. Fill `#[sea_orm(ignore)]` fields from other tables here, in one statement
    /// for all of `rows` (`WHERE parent_id IN (…)`), so that a page costs a fixed number of
    /// statements whatever its size. With `cache(ttl = …)` what it fills is cached with the
    /// row: a resource whose rows show something of the caller's is not cached. Without
    /// `#[resource(hooks)]` the derive writes an empty implementation of this trait, so a
    /// resource with a read hook declares `hooks` (which also runs its writes in a
    /// transaction).
    fn after_read(
        _ctx: &ReadContext<'_>,
        _rows: &mut [Self],
    ) -> impl Future<Output = Result<(), Error>> + Send {
        async { Ok(()) }
    }
}
