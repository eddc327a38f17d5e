//! What the derive cannot know: code run around writes, inside their transaction.

use std::future::Future;

use sea_orm::DatabaseTransaction;

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
}
