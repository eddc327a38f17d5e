//! `SeaOrmUserStore`: accounts in an app's own SeaORM entity, on SQLite always and on
//! PostgreSQL when `TEST_DATABASE_URL` is set (always under CI). Two entities: `account`
//! (integer key, a role column) and `member` (a `Uuid` key its `ActiveModelBehavior` makes,
//! a unique handle as its name, no roles).

#![allow(clippy::expect_used, reason = "tests fail loudly")]
#![allow(unreachable_pub, reason = "SeaORM entities are public by convention")]

use rustbe_auth::AuthService;
use rustbe_auth::store::SeaOrmTokenStore;
use rustbe_auth::users::{NewUser, SeaOrmUserStore, UserStore};
use rustbe_core::ErrorCode;
use rustbe_core::app::App;
use rustbe_core::config::Config;
use rustbe_core::testing::{TestDb, TestRequest};
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, Schema};
use serde_json::json;

mod account {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "accounts")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        #[sea_orm(unique)]
        pub email: String,
        pub name: String,
        #[serde(skip)]
        pub password_hash: String,
        pub role: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}

    impl rustbe_auth::users::UserEntity for Entity {
        const EMAIL: Column = Column::Email;
        const NAME: Column = Column::Name;
        const PASSWORD_HASH: Column = Column::PasswordHash;
        const ROLE: Option<Column> = Some(Column::Role);
        type User = Model;
    }
}

mod member {
    use sea_orm::ActiveValue::Set;
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "members")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        #[sea_orm(unique)]
        pub email: String,
        #[sea_orm(unique)]
        pub handle: String,
        pub password_hash: String,
        pub changes: i32,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    #[async_trait::async_trait]
    impl ActiveModelBehavior for ActiveModel {
        fn new() -> Self {
            Self {
                id: Set(Uuid::new_v4()),
                changes: Set(0),
                ..ActiveModelTrait::default()
            }
        }

        async fn before_save<C: ConnectionTrait>(
            mut self,
            _: &C,
            insert: bool,
        ) -> Result<Self, DbErr> {
            if !insert {
                let changes = self.changes.clone().take().unwrap_or_default();
                self.changes = Set(changes + 1);
            }
            Ok(self)
        }
    }

    /// What the API shows of a member: never the hash.
    #[derive(Debug, PartialEq, Eq, serde::Serialize)]
    pub struct Member {
        pub id: Uuid,
        pub handle: String,
    }

    impl From<Model> for Member {
        fn from(m: Model) -> Self {
            Self {
                id: m.id,
                handle: m.handle,
            }
        }
    }

    impl rustbe_auth::users::UserEntity for Entity {
        const EMAIL: Column = Column::Email;
        const NAME: Column = Column::Handle;
        const PASSWORD_HASH: Column = Column::PasswordHash;
        type User = Member;
    }
}

async fn tables(db: &DatabaseConnection) {
    let schema = Schema::new(db.get_database_backend());
    for statement in [
        schema.create_table_from_entity(account::Entity),
        schema.create_table_from_entity(member::Entity),
    ] {
        db.execute(&statement).await.expect("a table");
    }
}

fn new(email: &str, name: &str) -> NewUser {
    NewUser {
        email: email.into(),
        name: name.into(),
        password_hash: "$argon2id$first".into(),
    }
}

async fn accounts(db: DatabaseConnection) {
    let users = SeaOrmUserStore::<account::Entity>::new(db);
    let (credentials, ada) = users
        .create(new("ada@example.com", "Ada"))
        .await
        .expect("created");
    assert_eq!(credentials.roles, ["customer"]);
    assert_eq!(credentials.password_hash, "$argon2id$first");
    assert_eq!(credentials.id, ada.id.to_string());
    let (found, user) = users
        .find_by_email("ada@example.com")
        .await
        .expect("read")
        .expect("found");
    assert_eq!((found, user), (credentials.clone(), ada.clone()));
    assert_eq!(
        users
            .find_by_email("nobody@example.com")
            .await
            .expect("read"),
        None
    );
    assert_eq!(
        users.profile(&credentials.id).await.expect("read"),
        Some(ada)
    );
    for id in ["not-a-number", "", "99999"] {
        assert_eq!(users.credentials(id).await.expect("read"), None, "{id}");
    }

    let taken = users
        .create(new("ada@example.com", "Another Ada"))
        .await
        .expect_err("the email is taken");
    assert_eq!(
        (taken.status().as_u16(), taken.code()),
        (409, ErrorCode::DuplicateEntry)
    );
    assert_eq!(taken.message(), "Email is already registered");

    let (admin, _) = users
        .create_with_role(new("root@example.com", "Root"), "admin")
        .await
        .expect("created");
    assert_eq!(admin.roles, ["admin"]);
    assert_ne!(admin.id, credentials.id);

    users
        .set_password(&credentials.id, "$argon2id$second")
        .await
        .expect("changed");
    let changed = users
        .credentials(&credentials.id)
        .await
        .expect("read")
        .expect("there");
    assert_eq!(changed.password_hash, "$argon2id$second");
    let unknown = users
        .set_password("4242", "h")
        .await
        .expect_err("no such account");
    assert!(unknown.is_not_found());
}

async fn members(db: DatabaseConnection) {
    let users = SeaOrmUserStore::<member::Entity>::new(db.clone());
    let (credentials, jake) = users
        .create(new("jake@example.com", "jake"))
        .await
        .expect("created");
    assert!(credentials.roles.is_empty(), "no role column, no roles");
    assert_eq!(credentials.id, jake.id.to_string(), "the key `new` made");
    assert_eq!(jake.handle, "jake");

    // Another unique column keeps the database's own 409, not the email's message.
    let handle = users
        .create(new("other@example.com", "jake"))
        .await
        .expect_err("the handle is taken");
    assert_eq!(handle.code(), ErrorCode::DuplicateEntry);
    assert_ne!(handle.message(), "Email is already registered");

    // The password change goes through `before_save`.
    users
        .set_password(&credentials.id, "h2")
        .await
        .expect("changed");
    let row = member::Entity::find_by_id(jake.id)
        .one(&db)
        .await
        .expect("read")
        .expect("there");
    assert_eq!((row.password_hash.as_str(), row.changes), ("h2", 1));
}

/// Registration, login and `GET /api/users/me` through the auth router over the store.
async fn through_the_router(db: DatabaseConnection) {
    let config = Config::for_tests("users");
    let auth_config = rustbe_auth::AuthConfig::for_tests("users");
    let tokens = SeaOrmTokenStore::new(db.clone());
    tokens.create_tables().await.expect("auth tables");
    let users = SeaOrmUserStore::<account::Entity>::new(db.clone());
    let auth = AuthService::builder(&auth_config, users, tokens).build();
    let router = App::new(config)
        .database(db)
        .api(auth.router().layer(auth.layer()))
        .into_router();
    let body =
        json!({"email": "Grace@Example.com ", "password": "Correct1!horse", "name": "Grace"});
    let registered = TestRequest::post("/api/auth/register")
        .json(&body)
        .send(&router)
        .await;
    assert_eq!(registered.status(), 201, "{}", registered.json());
    let again = TestRequest::post("/api/auth/register")
        .json(&body)
        .send(&router)
        .await;
    assert_eq!(again.status(), 409, "{}", again.json());
    let login = json!({"email": "grace@example.com", "password": "Correct1!horse"});
    let logged_in = TestRequest::post("/api/auth/login")
        .json(&login)
        .send(&router)
        .await;
    assert_eq!(logged_in.status(), 200, "{}", logged_in.json());
    let token = logged_in.json()["data"]["access_token"]
        .as_str()
        .expect("a token")
        .to_owned();
    let me = TestRequest::get("/api/users/me")
        .bearer(&token)
        .send(&router)
        .await;
    assert_eq!(me.status(), 200, "{}", me.json());
    let user = &me.json()["data"];
    assert_eq!(
        (&user["email"], &user["name"], &user["role"]),
        (
            &json!("grace@example.com"),
            &json!("Grace"),
            &json!("customer")
        )
    );
    assert!(user.get("password_hash").is_none(), "{user}");
}

/// `AccountRoutes` over `Accounts` with roles of the app's choosing: the filter, the document
/// and the role a `PUT` may give follow them.
async fn account_routes(db: DatabaseConnection) {
    const ROLES: &[&str] = &["customer", "editor", "admin"];
    let auth_config = rustbe_auth::AuthConfig::for_tests("users");
    let tokens = SeaOrmTokenStore::new(db.clone());
    let users = rustbe_auth::users::Accounts::new(db.clone());
    users.create_table().await.expect("users table");
    let auth = AuthService::builder(&auth_config, users, tokens).build();
    let accounts = auth.account_routes(ROLES);
    let router = App::new(Config::for_tests("users"))
        .database(db.clone())
        .api(auth.router().merge(accounts.router()).layer(auth.layer()))
        .into_router();
    let login = async |email: &str| {
        let body = json!({"email": email, "password": "Correct1!horse"});
        let r = TestRequest::post("/api/auth/login")
            .json(&body)
            .send(&router)
            .await;
        assert_eq!(r.status(), 200, "{}", r.json());
        let data = &r.json()["data"];
        let token = data["access_token"].as_str().expect("token").to_owned();
        (data["user"]["id"].as_str().expect("id").to_owned(), token)
    };
    for (email, name) in [("ada@example.com", "Ada"), ("root@example.com", "Root")] {
        let body = json!({"email": email, "password": "Correct1!horse", "name": name});
        let r = TestRequest::post("/api/auth/register")
            .json(&body)
            .send(&router)
            .await;
        assert_eq!(r.status(), 201, "{}", r.json());
    }
    db.execute_unprepared("UPDATE users SET role = 'admin' WHERE email = 'root@example.com'")
        .await
        .expect("an admin");
    let (ada, ada_token) = login("ada@example.com").await;
    let (root, admin) = login("root@example.com").await;

    // The list is the admin's; its `role` filter takes the app's roles only.
    let editors = TestRequest::get("/api/users?role=editor")
        .bearer(&admin)
        .send(&router)
        .await;
    assert_eq!(editors.json()["data"], json!([]));
    let members = TestRequest::get("/api/users?role=member")
        .bearer(&admin)
        .send(&router)
        .await;
    assert_eq!(members.status(), 400);
    assert_eq!(
        members.json()["error"]["details"][0]["message"],
        "must be one of: customer, editor, admin"
    );
    let listed = TestRequest::get("/api/users?q=ADA")
        .bearer(&ada_token)
        .send(&router)
        .await;
    assert_eq!(listed.error_code(), "FORBIDDEN");

    // Another user's account is no account at all to a non-admin.
    let other = TestRequest::get(&format!("/api/users/{root}")).bearer(&ada_token);
    assert_eq!(other.send(&router).await.status(), 404);

    // An admin gives a role of the app's; the document names the same ones.
    let put = |uri: &str, token: &str, body: serde_json::Value| {
        TestRequest::new(http::Method::PUT, uri)
            .bearer(token)
            .json(&body)
    };
    let uri = format!("/api/users/{ada}");
    let body = json!({"email": "ada@example.com", "name": "Ada", "role": "editor"});
    let promoted = put(&uri, &admin, body).send(&router).await;
    assert_eq!(
        promoted.json()["data"]["role"],
        "editor",
        "{}",
        promoted.json()
    );
    let bad = json!({"email": "ada@example.com", "name": " ", "role": "owner"});
    let refused = put(&uri, &admin, bad).send(&router).await;
    let refused = refused.json();
    let fields: Vec<&str> = refused["error"]["details"]
        .as_array()
        .expect("details")
        .iter()
        .filter_map(|d| d["field"].as_str())
        .collect();
    assert_eq!(fields, ["name", "role"], "every broken rule at once");
    let doc = serde_json::to_value(accounts.openapi()).expect("json");
    assert_eq!(doc["components"]["schemas"]["Role"]["enum"], json!(ROLES));
    assert_eq!(
        doc["components"]["schemas"]["UserReplace"]["properties"]["role"]["pattern"],
        "^(customer|editor|admin)$"
    );

    // Her own email: only with her password; the role she sends is ignored.
    let (_, ada_token) = login("ada@example.com").await;
    let moved = json!({"email": "lovelace@example.com", "name": "Ada", "role": "admin"});
    let without = put("/api/users/me", &ada_token, moved.clone())
        .send(&router)
        .await;
    assert_eq!(
        without.json()["error"]["details"][0]["field"],
        "current_password"
    );
    let mut with = moved;
    with["current_password"] = json!("Correct1!horse");
    let changed = put("/api/users/me", &ada_token, with).send(&router).await;
    assert_eq!(
        (
            &changed.json()["data"]["email"],
            &changed.json()["data"]["role"]
        ),
        (&json!("lovelace@example.com"), &json!("editor"))
    );
    assert_eq!(changed.header("cache-control"), Some("no-store"));

    // Deleting the account ends it: no login any more.
    let gone = TestRequest::new(http::Method::DELETE, &uri).bearer(&ada_token);
    assert_eq!(gone.send(&router).await.status(), 204);
    let body = json!({"email": "lovelace@example.com", "password": "Correct1!horse"});
    let r = TestRequest::post("/api/auth/login")
        .json(&body)
        .send(&router)
        .await;
    assert_eq!(r.status(), 401);
}

async fn all(db: DatabaseConnection) {
    tables(&db).await;
    accounts(db.clone()).await;
    members(db.clone()).await;
    through_the_router(db.clone()).await;
    account_routes(db).await;
}

#[tokio::test]
async fn on_sqlite() {
    all(TestDb::sqlite().await.db).await;
}

#[tokio::test]
async fn on_postgres() {
    let Some(test_db) = TestDb::postgres("auth_users", |_| {}).await else {
        return;
    };
    all(test_db.db.clone()).await;
    test_db.cleanup().await;
}
