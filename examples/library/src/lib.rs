//! A small library API on rustbe, the app that `docs/getting-started.md` builds: authors,
//! their books (nested under `/authors/{author_id}/books`), and loans that belong to the
//! signed-in caller. Admins write authors and books; everyone reads them.

use std::sync::Arc;

use rustbe_auth::{AuthConfig, AuthService, store::SeaOrmTokenStore, users::Accounts};
use rustbe_core::{Error, app::App, config::Config, rate_limit::MemoryRateLimiter};
use sea_orm::DatabaseConnection;

/// `/api/authors`: everyone reads, admins write.
pub mod author {
    use rustbe_core::Resource;
    use sea_orm::entity::prelude::*;

    /// An author.
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Resource)]
    #[sea_orm(table_name = "authors")]
    #[resource(access(read = public, write = roles("admin")), default_sort = "name")]
    pub struct Model {
        /// The key, an integer the database assigns.
        #[sea_orm(primary_key)]
        pub id: i32,
        /// Filtered by `?name=`, searched by `?q=`, sorted by `?sort=name`.
        #[resource(filter, sort, search, length(min = 1, max = 200))]
        pub name: String,
    }

    /// No relations are walked from an author.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// `/api/books`, and `/api/authors/{author_id}/books`: everyone reads, admins write.
pub mod book {
    use rustbe_core::Resource;
    use sea_orm::entity::prelude::*;

    /// A book by one author.
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Resource)]
    #[sea_orm(table_name = "books")]
    #[resource(
        access(read = public, write = roles("admin")),
        nested = "/authors/{author_id}/books",
        parent = "authors",
        default_sort = "title"
    )]
    pub struct Model {
        /// The key.
        #[sea_orm(primary_key)]
        pub id: i32,
        /// The author's key (a foreign key: an unknown author is refused).
        #[resource(filter)]
        pub author_id: i32,
        /// Filtered, searched and sorted.
        #[resource(filter, sort, search, length(min = 1, max = 300))]
        pub title: String,
        /// `?min_year=1900&max_year=1999`.
        #[resource(filter(range), sort)]
        pub year: i32,
    }

    /// A book belongs to its author.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        /// `author_id` → `authors.id`.
        #[sea_orm(
            belongs_to = "super::author::Entity",
            from = "Column::AuthorId",
            to = "super::author::Column::Id"
        )]
        Author,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

/// `/api/loans`: each caller sees and changes only their own loans.
pub mod loan {
    use rustbe_core::Resource;
    use sea_orm::entity::prelude::*;

    /// A book lent to the caller.
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Resource)]
    #[sea_orm(table_name = "loans")]
    #[resource(access(all = owner), default_sort = "-created_at")]
    pub struct Model {
        /// The key.
        #[sea_orm(primary_key)]
        pub id: i32,
        /// Set from the caller on create, never read from a body.
        #[resource(owner)]
        pub user_id: Uuid,
        /// The book lent.
        #[resource(filter)]
        pub book_id: i32,
        /// Set by the server.
        #[resource(created_at, sort)]
        pub created_at: DateTimeUtc,
    }

    /// A loan belongs to a book.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        /// `book_id` → `books.id`.
        #[sea_orm(
            belongs_to = "super::book::Entity",
            from = "Column::BookId",
            to = "super::book::Column::Id"
        )]
        Book,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

/// The whole app on `db`: accounts and tokens from rustbe-auth (configured by `auth_config`),
/// the first admin from `ADMIN_EMAIL` / `ADMIN_PASSWORD`, the three resources and their tables.
///
/// # Errors
/// When the database refuses a table, or `ADMIN_EMAIL` belongs to an account that is not an
/// admin.
pub async fn app(
    config: Config,
    auth_config: AuthConfig,
    db: DatabaseConnection,
) -> Result<App, Error> {
    let users = Accounts::new(db.clone());
    users.create_table().await?; // accounts: rustbe-auth's ready `users` table
    let tokens = SeaOrmTokenStore::new(db.clone());
    tokens.create_tables().await?; // refresh tokens, sessions, password resets
    let limiter = Arc::new(MemoryRateLimiter::new());
    let auth = AuthService::builder(&auth_config, users, tokens)
        .rate_limit(&config, limiter.clone()) // RATE_LIMIT_AUTH on register, login, resets
        .build();
    auth.bootstrap_admin(&auth_config).await?; // ADMIN_EMAIL / ADMIN_PASSWORD, when set
    let auth_doc = auth.openapi();
    App::new(config)
        .database(db)
        .rate_limiter(limiter) // RATE_LIMIT on all of /api
        .api(auth.router()) // /api/auth/*, /api/users/me
        .openapi(auth_doc)
        .resource::<author::Model>() // routes, OpenAPI paths, table
        .resource::<book::Model>()
        .resource::<loan::Model>()
        .api_layer(auth.layer()) // bearer token → Principal, on every /api route
        .create_tables() // missing tables from the entities; nothing in production
        .await
}
