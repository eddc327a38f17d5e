//! The tables: users, who follows whom, articles with their tags, favourites and comments.

/// An account: rustbe-auth's user (email, password hash) plus the Conduit profile.
pub mod user {
    use sea_orm::entity::prelude::*;

    /// A user.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "users")]
    pub struct Model {
        /// The key.
        #[sea_orm(primary_key)]
        pub id: i32,
        /// Lower-cased, unique.
        #[sea_orm(unique)]
        pub email: String,
        /// Unique; profiles and `?author=` name users by it.
        #[sea_orm(unique)]
        pub username: String,
        /// argon2id (rustbe-auth's `PasswordHasher`); never serialised.
        #[serde(skip)]
        pub password_hash: String,
        /// Free text.
        pub bio: Option<String>,
        /// An image URL.
        pub image: Option<String>,
    }

    /// No relation is walked from a user.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}

    /// rustbe-auth's accounts: the username is the name; Conduit has no roles.
    impl rustbe_auth::users::UserEntity for Entity {
        const EMAIL: Column = Column::Email;
        const NAME: Column = Column::Username;
        const PASSWORD_HASH: Column = Column::PasswordHash;
        type User = Model;
    }
}

/// `follower_id` follows `followee_id`.
pub mod follow {
    use sea_orm::entity::prelude::*;

    /// A follow.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "follows")]
    pub struct Model {
        /// Who follows.
        #[sea_orm(primary_key, auto_increment = false)]
        pub follower_id: i32,
        /// Who is followed.
        #[sea_orm(primary_key, auto_increment = false, indexed)]
        pub followee_id: i32,
    }

    /// Both ends are users; a deleted user takes their follows along.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        /// `follower_id` → `users.id`.
        #[sea_orm(
            belongs_to = "super::user::Entity",
            from = "Column::FollowerId",
            to = "super::user::Column::Id",
            on_delete = "Cascade"
        )]
        Follower,
        /// `followee_id` → `users.id`.
        #[sea_orm(
            belongs_to = "super::user::Entity",
            from = "Column::FolloweeId",
            to = "super::user::Column::Id",
            on_delete = "Cascade"
        )]
        Followee,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

/// An article, found by its slug.
pub mod article {
    use sea_orm::entity::prelude::*;

    /// An article.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "articles")]
    pub struct Model {
        /// The key.
        #[sea_orm(primary_key)]
        pub id: i32,
        /// From the title, unique.
        #[sea_orm(unique)]
        pub slug: String,
        /// Title.
        pub title: String,
        /// Description.
        pub description: String,
        /// Body (Markdown).
        pub body: String,
        /// The author.
        #[sea_orm(indexed)]
        pub author_id: i32,
        /// Set on create.
        #[sea_orm(indexed)]
        pub created_at: DateTimeUtc,
        /// Set on every write.
        pub updated_at: DateTimeUtc,
    }

    /// An article belongs to its author.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        /// `author_id` → `users.id`.
        #[sea_orm(
            belongs_to = "super::user::Entity",
            from = "Column::AuthorId",
            to = "super::user::Column::Id",
            on_delete = "Cascade"
        )]
        Author,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

/// The tags of an article (`tagList`).
pub mod article_tag {
    use sea_orm::entity::prelude::*;

    /// One tag of one article.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "article_tags")]
    pub struct Model {
        /// The article.
        #[sea_orm(primary_key, auto_increment = false)]
        pub article_id: i32,
        /// The tag.
        #[sea_orm(primary_key, auto_increment = false, indexed)]
        pub tag: String,
    }

    /// A tag goes with its article.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        /// `article_id` → `articles.id`.
        #[sea_orm(
            belongs_to = "super::article::Entity",
            from = "Column::ArticleId",
            to = "super::article::Column::Id",
            on_delete = "Cascade"
        )]
        Article,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

/// `user_id` favourited `article_id`.
pub mod favorite {
    use sea_orm::entity::prelude::*;

    /// A favourite.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "favorites")]
    pub struct Model {
        /// Who.
        #[sea_orm(primary_key, auto_increment = false)]
        pub user_id: i32,
        /// Which article.
        #[sea_orm(primary_key, auto_increment = false, indexed)]
        pub article_id: i32,
    }

    /// Both ends go with their rows.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        /// `user_id` → `users.id`.
        #[sea_orm(
            belongs_to = "super::user::Entity",
            from = "Column::UserId",
            to = "super::user::Column::Id",
            on_delete = "Cascade"
        )]
        User,
        /// `article_id` → `articles.id`.
        #[sea_orm(
            belongs_to = "super::article::Entity",
            from = "Column::ArticleId",
            to = "super::article::Column::Id",
            on_delete = "Cascade"
        )]
        Article,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

/// A comment on an article.
pub mod comment {
    use sea_orm::entity::prelude::*;

    /// A comment.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "comments")]
    pub struct Model {
        /// The key (`id` in the API).
        #[sea_orm(primary_key)]
        pub id: i32,
        /// The article.
        #[sea_orm(indexed)]
        pub article_id: i32,
        /// The author.
        pub author_id: i32,
        /// Text.
        pub body: String,
        /// Set on create.
        pub created_at: DateTimeUtc,
        /// Set on create (comments are not edited).
        pub updated_at: DateTimeUtc,
    }

    /// A comment goes with its article and its author.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        /// `article_id` → `articles.id`.
        #[sea_orm(
            belongs_to = "super::article::Entity",
            from = "Column::ArticleId",
            to = "super::article::Column::Id",
            on_delete = "Cascade"
        )]
        Article,
        /// `author_id` → `users.id`.
        #[sea_orm(
            belongs_to = "super::user::Entity",
            from = "Column::AuthorId",
            to = "super::user::Column::Id",
            on_delete = "Cascade"
        )]
        Author,
    }

    impl ActiveModelBehavior for ActiveModel {}
}
