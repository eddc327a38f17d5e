//! One call per resource: [`App::resource`] serves its routes under `/api`, lists them in
//! `/openapi.json` and remembers its table for [`App::create_tables`] (and a parent no
//! declared relation vouches for, checked against the database when the app starts);
//! [`App::api_layer`] wraps every `/api` route (the auth layer, say), whenever it was added.

use axum::Router;
use axum::extract::Request;
use axum::response::IntoResponse;
use axum::routing::Route;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query, TableCreateStatement};
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel, Schema};
use std::convert::Infallible;
use tower::{Layer, Service};

use super::App;
use crate::Error;
use crate::config::AppEnv;
use crate::resource::{Hooks, Resource};

/// A deferred `Router::layer` on the `/api` router.
type ApiLayer = Box<dyn FnOnce(Router) -> Router + Send>;

/// What [`App::resource`] and [`App::api_layer`] collected.
#[derive(Default)]
pub(super) struct Registry {
    /// Table statements, in registration order (a parent before its children).
    tables: Vec<fn(&Schema) -> TableCreateStatement>,
    /// Layers around the whole `/api` router, innermost first.
    layers: Vec<ApiLayer>,
    /// `(resource, table, key column)` of each `parent = "…"` that no declared relation of
    /// its entity checks: [`Registry::check_parents`] asks the database instead.
    parents: Vec<(&'static str, &'static str, &'static str)>,
}

impl Registry {
    /// `api` with every layer of [`App::api_layer`] around it.
    pub(super) fn wrap(self, api: Router) -> Router {
        self.layers.into_iter().fold(api, |api, layer| layer(api))
    }

    /// Each unchecked `parent = "table.key"` against `db`: one `SELECT key FROM table WHERE
    /// 1 = 0` each, which reads no row. `Err` names the resource and what to fix when the
    /// table or its column is not there: the app refuses to start, rather than answer 500 to
    /// the first nested request.
    pub(super) async fn check_parents(&self, db: &DatabaseConnection) -> Result<(), String> {
        for &(resource, table, key) in &self.parents {
            let probe = Query::select()
                .column(Alias::new(key))
                .from(Alias::new(table))
                .and_where(Expr::val(1).eq(0))
                .to_owned();
            if let Err(err) = db.query_one(&probe).await {
                return Err(format!(
                    "resource `{resource}`: `#[resource(parent = \"{table}\")]` names `{table}.{key}`, which the database cannot read ({err}): name the parent's table (and key column, `\"{table}.{key}\"`), or declare the relation in `enum Relation`"
                ));
            }
        }
        Ok(())
    }
}

fn table_of<R: Resource>(schema: &Schema) -> TableCreateStatement {
    schema.create_table_from_entity(<R::Entity as Default>::default())
}

impl App {
    /// Registers the `#[resource]` `R` everywhere at once: its routes under `/api`
    /// ([`resource::router`](crate::resource::router)), its paths and schemas in
    /// `/openapi.json` ([`resource::openapi`](crate::resource::openapi)), and its table for
    /// [`App::create_tables`]. Register a parent before the resources nested under it.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # mod tag {
    /// # use rustbe_core::Resource; use sea_orm::entity::prelude::*;
    /// # #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Resource)]
    /// # #[sea_orm(table_name = "tags")]
    /// # #[resource(access(all = public))]
    /// # pub struct Model { #[sea_orm(primary_key)] pub id: i32, #[resource(filter)] pub name: String }
    /// # #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    /// # pub enum Relation {}
    /// # impl ActiveModelBehavior for ActiveModel {}
    /// # }
    /// use rustbe_core::{app::App, config::Config, testing::TestRequest};
    /// let config = Config::for_tests("demo");
    /// let db = rustbe_core::db::connect(&config.database).await.unwrap();
    /// let app = App::new(config).database(db).resource::<tag::Model>();
    /// let router = app.create_tables().await.unwrap().into_router();
    /// let created = TestRequest::post("/api/tags").json(&serde_json::json!({"name": "rust"})).send(&router).await;
    /// assert_eq!(created.status(), 201);
    /// let list = TestRequest::get("/api/tags?name=rust").send(&router).await;
    /// assert_eq!(list.json()["pagination"]["total"], 1);
    /// let doc = TestRequest::get("/openapi.json").send(&router).await.json();
    /// assert!(doc["paths"]["/api/tags"]["post"].is_object());
    /// # });
    /// ```
    pub fn resource<R>(mut self) -> Self
    where
        R: Resource + Hooks + IntoActiveModel<R::ActiveModel>,
        R::Entity: EntityTrait<Model = R>,
    {
        self.api = self.api.merge(crate::resource::router::<R>());
        self.openapi.merge(crate::resource::openapi::<R>("/api"));
        self.resources.tables.push(table_of::<R>);
        if let Some((table, key)) = crate::resource::unchecked_parent::<R>() {
            self.resources.parents.push((R::META.name, table, key));
        }
        self
    }

    /// Wraps every route under `/api`, those added before this call and after it alike, in
    /// `layer` (rustbe-auth's `AuthService::layer`, which turns a bearer token into a
    /// [`Principal`](crate::access::Principal)). Layers added later wrap earlier ones.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use axum::{Router, routing::get};
    /// use rustbe_core::{app::App, config::Config, response::Single, testing::TestRequest};
    /// use tower_http::set_header::SetResponseHeaderLayer;
    /// let marked = SetResponseHeaderLayer::overriding(
    ///     http::HeaderName::from_static("x-api"), http::HeaderValue::from_static("yes"));
    /// let router = App::new(Config::for_tests("demo"))
    ///     .api_layer(marked)
    ///     .api(Router::new().route("/late", get(|| async { Single("added after") })))
    ///     .into_router();
    /// let response = TestRequest::get("/api/late").send(&router).await;
    /// assert_eq!(response.header("x-api"), Some("yes"));
    /// assert_eq!(TestRequest::get("/health").send(&router).await.header("x-api"), None);
    /// # });
    /// ```
    pub fn api_layer<L>(mut self, layer: L) -> Self
    where
        L: Layer<Route> + Clone + Send + Sync + 'static,
        L::Service: Service<Request> + Clone + Send + Sync + 'static,
        <L::Service as Service<Request>>::Response: IntoResponse + 'static,
        <L::Service as Service<Request>>::Error: Into<Infallible> + 'static,
        <L::Service as Service<Request>>::Future: Send + 'static,
    {
        self.resources
            .layers
            .push(Box::new(move |api: Router| api.layer(layer)));
        self
    }

    /// Creates the table of every [`App::resource`] that does not exist yet
    /// (`Schema::create_table_from_entity(…).if_not_exists()`, in registration order), for
    /// development and tests. It never alters an existing table, and under
    /// `APP_ENV=production` it creates nothing and logs a warning: deploy with migrations.
    ///
    /// Then it checks each `parent = "…"` that no declared relation vouches for against the
    /// database, as [`App::serve`] does.
    ///
    /// # Errors
    /// The database's error, when a statement fails; a parent table or key column that is
    /// not there, naming the resource.
    ///
    /// See [`App::resource`] for an example.
    pub async fn create_tables(self) -> Result<Self, Error> {
        if self.config.env == AppEnv::Production {
            tracing::warn!(
                "App::create_tables does nothing in production: create tables with migrations"
            );
            return Ok(self);
        }
        if let Some(db) = &self.db {
            let schema = Schema::new(db.get_database_backend());
            for table in &self.resources.tables {
                let mut statement = table(&schema);
                db.execute(statement.if_not_exists()).await?;
            }
            // A start-up error, never an answer: the message is the whole point.
            if let Err(message) = self.resources.check_parents(db).await {
                return Err(Error::internal(message.clone()).with_message(message));
            }
        } else if !self.resources.tables.is_empty() {
            tracing::warn!("App::create_tables before App::database: no table was created");
        }
        Ok(self)
    }
}
