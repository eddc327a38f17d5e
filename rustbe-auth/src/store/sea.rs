//! [`SeaOrmTokenStore`]: refresh and reset tokens at rest in the app's database.

use futures_util::future::BoxFuture;
use rustbe_core::Error;
use sea_orm::sea_query::{Expr, Index, OnConflict, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, Schema,
};

use super::entity::{password_reset as reset, refresh_token as refresh, session};
use super::{Consumed, RefreshRecord, RefreshTokenStore, ResetTokenStore};
use crate::token::now_secs;

/// Refresh and reset tokens in the app's database (SQLite or PostgreSQL), in the tables
/// `auth_refresh_tokens` and `auth_password_resets`.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use rustbe_auth::store::{Consumed, RefreshRecord, RefreshTokenStore, SeaOrmTokenStore};
///
/// let db = rustbe_core::db::connect(&rustbe_core::config::DatabaseConfig::new("sqlite::memory:")).await.unwrap();
/// let store = SeaOrmTokenStore::new(db);
/// store.create_tables().await.unwrap();
/// let record = RefreshRecord { token_hash: "h".into(), user_id: "7".into(), family: "f".into(), expires_at: u64::MAX / 2 };
/// store.insert(record).await.unwrap();
/// assert!(matches!(store.consume("h").await.unwrap(), Consumed::Fresh { .. }));
/// assert!(matches!(store.consume("h").await.unwrap(), Consumed::Reused { .. }));
/// # });
/// ```
#[derive(Debug, Clone)]
pub struct SeaOrmTokenStore {
    db: DatabaseConnection,
}

fn secs(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

impl SeaOrmTokenStore {
    /// A store over `db`. Cheap to clone: clones share the connection pool.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use rustbe_auth::store::{ResetTokenStore, SeaOrmTokenStore};
    /// use rustbe_core::{config::DatabaseConfig, db};
    ///
    /// let store = SeaOrmTokenStore::new(db::connect(&DatabaseConfig::new("sqlite::memory:")).await.unwrap());
    /// store.create_tables().await.unwrap();
    /// store.clone().insert_reset("h", "7", u64::MAX / 2).await.unwrap();
    /// assert_eq!(store.consume_reset("h").await.unwrap().as_deref(), Some("7"));
    /// # });
    /// ```
    #[must_use]
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    /// Creates the two tables and their indexes if they do not exist (for apps without
    /// migrations of their own, and tests).
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let db = rustbe_core::db::connect(&rustbe_core::config::DatabaseConfig::new("sqlite::memory:")).await.unwrap();
    /// use rustbe_auth::store::{ResetTokenStore, SeaOrmTokenStore};
    ///
    /// let store = SeaOrmTokenStore::new(db);
    /// assert!(store.insert_reset("h", "7", u64::MAX / 2).await.is_err(), "no table yet");
    /// store.create_tables().await.unwrap();
    /// store.create_tables().await.unwrap(); // a second time changes nothing
    /// store.insert_reset("h", "7", u64::MAX / 2).await.unwrap();
    /// # });
    /// ```
    pub async fn create_tables(&self) -> Result<(), Error> {
        let schema = Schema::new(self.db.get_database_backend());
        self.db
            .execute(
                schema
                    .create_table_from_entity(refresh::Entity)
                    .if_not_exists(),
            )
            .await?;
        self.db
            .execute(
                schema
                    .create_table_from_entity(reset::Entity)
                    .if_not_exists(),
            )
            .await?;
        self.db
            .execute(
                schema
                    .create_table_from_entity(session::Entity)
                    .if_not_exists(),
            )
            .await?;
        for (name, table, column) in [
            (
                "idx_auth_refresh_tokens_user",
                "auth_refresh_tokens",
                "user_id",
            ),
            (
                "idx_auth_refresh_tokens_family",
                "auth_refresh_tokens",
                "family",
            ),
            (
                "idx_auth_password_resets_user",
                "auth_password_resets",
                "user_id",
            ),
            ("idx_auth_sessions_user", "auth_sessions", "user_id"),
        ] {
            let index = Index::create()
                .if_not_exists()
                .name(name)
                .table(sea_orm::sea_query::Alias::new(table))
                .col(sea_orm::sea_query::Alias::new(column))
                .to_owned();
            self.db.execute(&index).await?;
        }
        Ok(())
    }

    /// Deletes refresh and reset tokens that have expired (they can never be spent), and
    /// revoked sessions left without tokens. Run it now and then (daily is plenty); returns
    /// how many rows went.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use rustbe_auth::store::{RefreshRecord, RefreshTokenStore, SeaOrmTokenStore};
    /// # let db = rustbe_core::db::connect(&rustbe_core::config::DatabaseConfig::new("sqlite::memory:")).await.unwrap();
    /// let store = SeaOrmTokenStore::new(db);
    /// store.create_tables().await.unwrap();
    /// let old = RefreshRecord { token_hash: "h".into(), user_id: "7".into(), family: "f".into(), expires_at: 1 };
    /// store.insert(old).await.unwrap();
    /// assert_eq!(store.purge_expired().await.unwrap(), 1);
    /// # });
    /// ```
    pub async fn purge_expired(&self) -> Result<u64, Error> {
        let now = secs(now_secs());
        let tokens = refresh::Entity::delete_many()
            .filter(refresh::Column::ExpiresAt.lte(now))
            .exec(&self.db)
            .await?;
        let resets = reset::Entity::delete_many()
            .filter(reset::Column::ExpiresAt.lte(now))
            .exec(&self.db)
            .await?;
        let with_tokens = Query::select()
            .column(refresh::Column::Family)
            .from(refresh::Entity)
            .to_owned();
        let sessions = session::Entity::delete_many()
            .filter(session::Column::RevokedAt.is_not_null())
            .filter(session::Column::Family.not_in_subquery(with_tokens))
            .exec(&self.db)
            .await?;
        Ok(tokens.rows_affected + resets.rows_affected + sessions.rows_affected)
    }
}

impl RefreshTokenStore for SeaOrmTokenStore {
    fn insert(&self, record: RefreshRecord) -> BoxFuture<'_, Result<(), Error>> {
        Box::pin(async move {
            let now = secs(now_secs());
            let session = session::ActiveModel {
                family: Set(record.family.clone()),
                user_id: Set(record.user_id.clone()),
                revoked_at: Set(None),
                created_at: Set(now),
            };
            // The first token of a session creates it; a revoked session stays revoked.
            let insert = session::Entity::insert(session)
                .on_conflict(
                    OnConflict::column(session::Column::Family)
                        .do_nothing()
                        .to_owned(),
                )
                .exec_without_returning(&self.db)
                .await;
            match insert {
                Ok(_) | Err(DbErr::RecordNotInserted) => {}
                Err(err) => return Err(err.into()),
            }
            let row = refresh::ActiveModel {
                token_hash: Set(record.token_hash),
                user_id: Set(record.user_id),
                family: Set(record.family),
                expires_at: Set(secs(record.expires_at)),
                used_at: Set(None),
                revoked_at: Set(None),
                created_at: Set(now),
            };
            refresh::Entity::insert(row)
                .exec_without_returning(&self.db)
                .await?;
            Ok(())
        })
    }

    fn consume<'a>(&'a self, token_hash: &'a str) -> BoxFuture<'a, Result<Consumed, Error>> {
        Box::pin(async move {
            let now = secs(now_secs());
            let live_sessions = Query::select()
                .column(session::Column::Family)
                .from(session::Entity)
                .and_where(session::Column::RevokedAt.is_null())
                .to_owned();
            let spent = refresh::Entity::update_many()
                .col_expr(refresh::Column::UsedAt, Expr::value(now))
                .filter(refresh::Column::TokenHash.eq(token_hash))
                .filter(refresh::Column::UsedAt.is_null())
                .filter(refresh::Column::RevokedAt.is_null())
                .filter(refresh::Column::ExpiresAt.gt(now))
                .filter(refresh::Column::Family.in_subquery(live_sessions))
                .exec(&self.db)
                .await?;
            let row = rustbe_core::db::first(
                refresh::Entity::find_by_id(token_hash.to_owned()),
                &self.db,
            )
            .await?;
            Ok(match row {
                Some(row) if spent.rows_affected == 1 => Consumed::Fresh {
                    user_id: row.user_id,
                    family: row.family,
                },
                // Spent, revoked, or of a revoked session: a replay.
                Some(row)
                    if row.used_at.is_some()
                        || row.revoked_at.is_some()
                        || row.expires_at > now =>
                {
                    Consumed::Reused {
                        user_id: row.user_id,
                        family: row.family,
                    }
                }
                _ => Consumed::Unknown,
            })
        })
    }

    fn revoke_family<'a>(&'a self, family: &'a str) -> BoxFuture<'a, Result<u64, Error>> {
        Box::pin(async move {
            let now = secs(now_secs());
            let sessions = session::Entity::update_many()
                .col_expr(session::Column::RevokedAt, Expr::value(now))
                .filter(session::Column::Family.eq(family))
                .filter(session::Column::RevokedAt.is_null())
                .exec(&self.db)
                .await?;
            refresh::Entity::update_many()
                .col_expr(refresh::Column::RevokedAt, Expr::value(now))
                .filter(refresh::Column::Family.eq(family))
                .filter(refresh::Column::RevokedAt.is_null())
                .exec(&self.db)
                .await?;
            Ok(sessions.rows_affected)
        })
    }

    fn revoke_user<'a>(
        &'a self,
        user_id: &'a str,
        keep: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Vec<String>, Error>> {
        Box::pin(async move {
            let now = secs(now_secs());
            let mut live = session::Entity::find()
                .filter(session::Column::UserId.eq(user_id))
                .filter(session::Column::RevokedAt.is_null());
            if let Some(keep) = keep {
                live = live.filter(session::Column::Family.ne(keep));
            }
            let families: Vec<String> = live
                .all(&self.db)
                .await?
                .into_iter()
                .map(|s| s.family)
                .collect();
            let mut sessions = session::Entity::update_many()
                .col_expr(session::Column::RevokedAt, Expr::value(now))
                .filter(session::Column::UserId.eq(user_id))
                .filter(session::Column::RevokedAt.is_null());
            let mut tokens = refresh::Entity::update_many()
                .col_expr(refresh::Column::RevokedAt, Expr::value(now))
                .filter(refresh::Column::UserId.eq(user_id))
                .filter(refresh::Column::RevokedAt.is_null());
            if let Some(keep) = keep {
                sessions = sessions.filter(session::Column::Family.ne(keep));
                tokens = tokens.filter(refresh::Column::Family.ne(keep));
            }
            sessions.exec(&self.db).await?;
            tokens.exec(&self.db).await?;
            Ok(families)
        })
    }

    fn ended_sessions(&self, since: u64) -> BoxFuture<'_, Result<Vec<(String, u64)>, Error>> {
        Box::pin(async move {
            let rows = session::Entity::find()
                .filter(session::Column::RevokedAt.gte(secs(since)))
                .all(&self.db)
                .await?;
            Ok(rows
                .into_iter()
                .filter_map(|row| {
                    let at = u64::try_from(row.revoked_at?).ok()?;
                    Some((row.family, at))
                })
                .collect())
        })
    }
}

impl ResetTokenStore for SeaOrmTokenStore {
    fn insert_reset<'a>(
        &'a self,
        token_hash: &'a str,
        user_id: &'a str,
        expires_at: u64,
    ) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            let row = reset::ActiveModel {
                token_hash: Set(token_hash.to_owned()),
                user_id: Set(user_id.to_owned()),
                expires_at: Set(secs(expires_at)),
                used_at: Set(None),
                created_at: Set(secs(now_secs())),
            };
            reset::Entity::insert(row)
                .exec_without_returning(&self.db)
                .await?;
            Ok(())
        })
    }

    fn consume_reset<'a>(
        &'a self,
        token_hash: &'a str,
    ) -> BoxFuture<'a, Result<Option<String>, Error>> {
        Box::pin(async move {
            let now = secs(now_secs());
            let spent = reset::Entity::update_many()
                .col_expr(reset::Column::UsedAt, Expr::value(now))
                .filter(reset::Column::TokenHash.eq(token_hash))
                .filter(reset::Column::UsedAt.is_null())
                .filter(reset::Column::ExpiresAt.gt(now))
                .exec(&self.db)
                .await?;
            if spent.rows_affected != 1 {
                return Ok(None);
            }
            Ok(
                rustbe_core::db::first(reset::Entity::find_by_id(token_hash.to_owned()), &self.db)
                    .await?
                    .map(|row| row.user_id),
            )
        })
    }

    fn invalidate_resets<'a>(&'a self, user_id: &'a str) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            reset::Entity::update_many()
                .col_expr(reset::Column::UsedAt, Expr::value(secs(now_secs())))
                .filter(reset::Column::UserId.eq(user_id))
                .filter(reset::Column::UsedAt.is_null())
                .exec(&self.db)
                .await?;
            Ok(())
        })
    }
}
