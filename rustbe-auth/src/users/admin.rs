//! [`AccountRoutes`]: the accounts of [`Accounts`] as a resource, for the admin and for each
//! user's own: `GET /users` (admins), `GET`/`PUT`/`DELETE /users/{id}` (that user or an admin)
//! and `PUT /users/me`.

use axum::Router;
use axum::extract::State;
use axum::routing::{get, put};
use rustbe_core::access::Principal;
use rustbe_core::envelope::ErrorEnvelope;
use rustbe_core::extract::{Filters, Json, Pagination, Path, Sort, SortFields, SortKey};
use rustbe_core::openapi::{Unauthorized, Unavailable, Unsupported};
use rustbe_core::resource::{contains_ignore_case, order_by, rules};
use rustbe_core::response::{NoContent, Page, Single};
use rustbe_core::{Error, FieldError};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, ModelTrait, PaginatorTrait,
    QueryFilter, QueryOrder,
};
use serde::Deserialize;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, SchemaType, Type};
use utoipa::{IntoParams, OpenApi, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::Accounts;
use super::account::{self, User};
use crate::AuthService;
use crate::router::ADMIN_ROLE;

/// The account routes of an app that keeps its accounts in [`Accounts`], relative to `/api`,
/// with their OpenAPI document ([`AccountRoutes::openapi`]).
///
/// - `GET /users`: admins only (403 for anyone else). Filters `role` (one of the app's roles;
///   another is 400 `VALIDATION_ERROR`) and `q` (name or email contains it, any case), `page`
///   and `limit`, `sort` on `name`, `email`, `role` or `created_at` (default `-created_at`).
/// - `GET`, `PUT`, `DELETE /users/{id}`: that user or an admin. Another user's account is 404
///   to a non-admin, so ids cannot be probed.
/// - `PUT /users/me`: the caller's own account.
///
/// A `PUT` takes `{email, name, role?, current_password?}`. The email is trimmed and
/// lower-cased, the name trimmed, and each is checked after that (a blank name is refused).
/// `role` is kept from an admin only (from anyone else it is ignored, though a value that is
/// no role is a 400 for anyone). Users changing their own email give their `current_password`
/// (400 `VALIDATION_ERROR` on `current_password` when it is missing or wrong), since a new
/// email is a way into the account; an admin changing someone else's does not. The old address
/// is told of the change by mail ([`AuthService::notify_email_changed`]). A change of role
/// ends every session of the user at once, on every instance
/// ([`AuthService::revoke_all_sessions`]): tokens carry the role, so the old one works nowhere,
/// not even on refresh; so does a delete. A taken email is 409 `DUPLICATE_ENTRY` "Email is
/// already registered". Every answer is `Cache-Control: no-store`.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// # use rustbe_auth::{AuthService, password::PasswordHasher, store::SeaOrmTokenStore, users::{Accounts, NewUser, UserStore}};
/// # let config = rustbe_core::config::Config::for_tests("shop");
/// # let db = rustbe_core::db::connect(&config.database).await.unwrap();
/// # let tokens = SeaOrmTokenStore::new(db.clone());
/// # tokens.create_tables().await.unwrap();
/// # let users = Accounts::new(db);
/// # users.create_table().await.unwrap();
/// # let fast = PasswordHasher::builder().memory_kib(1024).passes(1).build().unwrap();
/// # let auth = AuthService::builder(&rustbe_auth::AuthConfig::for_tests("shop"), users, tokens).hasher(fast).build();
/// use rustbe_core::testing::TestRequest;
/// use serde_json::json;
///
/// let accounts = auth.account_routes(&["customer", "admin"]);
/// let router = auth.router().merge(accounts.router()).layer(auth.layer());
/// let ada = json!({"email": "ada@example.com", "password": "Correct1!horse", "name": "Ada"});
/// TestRequest::post("/auth/register").json(&ada).send(&router).await;
/// let login = TestRequest::post("/auth/login").json(&ada).send(&router).await.json();
/// let token = login["data"]["access_token"].as_str().unwrap();
///
/// // Her own account, renamed; a role she sends is ignored.
/// let body = json!({"email": "ada@example.com", "name": "  Ada L. ", "role": "admin"});
/// let me = TestRequest::new(http::Method::PUT, "/users/me").bearer(token).json(&body).send(&router).await.json();
/// assert_eq!((&me["data"]["name"], &me["data"]["role"]), (&json!("Ada L."), &json!("customer")));
/// // The list is the admin's.
/// assert_eq!(TestRequest::get("/users").bearer(token).send(&router).await.error_code(), "FORBIDDEN");
/// assert!(accounts.openapi().paths.paths.contains_key("/api/users/{id}"));
/// # });
/// ```
#[derive(Clone)]
pub struct AccountRoutes {
    auth: AuthService<Accounts>,
    roles: &'static [&'static str],
}

impl std::fmt::Debug for AccountRoutes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountRoutes")
            .field("roles", &self.roles)
            .finish_non_exhaustive()
    }
}

impl AuthService<Accounts> {
    /// The account routes over these accounts, whose roles are `roles` (the role a new account
    /// gets, `customer`, and [`ADMIN_ROLE`] among them). See [`AccountRoutes`].
    #[must_use]
    pub fn account_routes(&self, roles: &'static [&'static str]) -> AccountRoutes {
        AccountRoutes {
            auth: self.clone(),
            roles,
        }
    }
}

impl AccountRoutes {
    /// The routes, relative to `/api`. They read the caller from the request, as the app's
    /// auth layer ([`AuthService::layer`]) puts it there.
    ///
    /// See [`AccountRoutes`] for an example.
    pub fn router(&self) -> Router {
        Router::new()
            .route("/users", get(list))
            .route("/users/me", put(replace_me))
            .route("/users/{id}", get(get_one).put(replace).delete(delete))
            .layer(axum::middleware::map_response(crate::router::no_store))
            .with_state(self.clone())
    }

    /// The OpenAPI document of [`AccountRoutes::router`], paths as served under `/api` (tag
    /// `users`), with `Role` the enumeration of the app's roles.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # use rustbe_auth::{AuthService, store::SeaOrmTokenStore, users::Accounts};
    /// # let db = rustbe_core::db::connect(&rustbe_core::config::DatabaseConfig::new("sqlite::memory:")).await.unwrap();
    /// # let auth = AuthService::builder(&rustbe_auth::AuthConfig::for_tests("shop"), Accounts::new(db.clone()), SeaOrmTokenStore::new(db)).build();
    /// let doc = serde_json::to_value(auth.account_routes(&["customer", "admin"]).openapi()).unwrap();
    /// assert_eq!(doc["components"]["schemas"]["Role"]["enum"], serde_json::json!(["customer", "admin"]));
    /// let role = &doc["components"]["schemas"]["UserReplace"]["properties"]["role"];
    /// assert_eq!(role["pattern"], "^(customer|admin)$");
    /// assert_eq!(doc["paths"]["/api/users"]["get"]["responses"]["403"]["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/ErrorEnvelope");
    /// # });
    /// ```
    #[must_use]
    pub fn openapi(&self) -> utoipa::openapi::OpenApi {
        #[derive(OpenApi)]
        #[openapi(
            paths(list, replace_me, get_one, replace, delete),
            components(schemas(User, ReplaceUser, Role)),
            tags((name = "users", description = "Accounts: the admin's list and each user's own"))
        )]
        struct UsersDoc;
        let mut doc = UsersDoc::openapi();
        let alternatives = self
            .roles
            .iter()
            .map(|role| escape(role))
            .collect::<Vec<_>>()
            .join("|");
        if let Some(components) = doc.components.as_mut() {
            let role = ObjectBuilder::new()
                .schema_type(SchemaType::Type(Type::String))
                .description(Some("A role an account may have."))
                .enum_values(Some(self.roles.iter().copied()));
            components
                .schemas
                .insert("Role".to_owned(), Schema::Object(role.build()).into());
            if let Some(RefOr::T(Schema::Object(replace))) =
                components.schemas.get_mut("UserReplace")
                && let Some(RefOr::T(Schema::Object(role))) = replace.properties.get_mut("role")
            {
                role.pattern = Some(format!("^({alternatives})$"));
            }
        }
        doc
    }

    fn check_role(&self, errors: &mut Vec<FieldError>, role: &str) {
        rules::one_of(errors, "role", role, self.roles);
    }

    fn db(&self) -> &sea_orm::DatabaseConnection {
        self.auth.users().db()
    }

    /// Account `id` as `principal` may see it: their own, or any for an admin; 404 otherwise.
    async fn visible(&self, principal: &Principal, id: Uuid) -> Result<account::Model, Error> {
        if principal.id() != id.to_string() && !is_admin(principal) {
            return Err(Error::not_found());
        }
        rustbe_core::db::first(account::Entity::find_by_id(id), self.db())
            .await?
            .ok_or_else(Error::not_found)
    }

    async fn save(
        &self,
        principal: &Principal,
        row: account::Model,
        mut body: ReplaceUser,
    ) -> Result<Single<User>, Error> {
        body.email = crate::router::account::normalize_email(&body.email);
        body.name = body.name.trim().to_owned();
        let mut errors = match body.validate() {
            Ok(()) => Vec::new(),
            Err(broken) => Error::from(broken).details().to_vec(),
        };
        // A role that is not one is a 400 for anyone, as the document says; only an admin's is kept.
        if let Some(role) = &body.role {
            self.check_role(&mut errors, role);
        }
        if !errors.is_empty() {
            return Err(Error::validation(errors));
        }
        let id = row.id.to_string();
        let old_email = row.email.clone();
        let email_changes = body.email != old_email;
        if email_changes && principal.id() == id {
            self.auth
                .confirm_password(&id, body.current_password.as_deref(), "current_password")
                .await?;
        }
        let role_changes = body
            .role
            .as_ref()
            .is_some_and(|role| is_admin(principal) && *role != row.role);
        let mut active: account::ActiveModel = row.into();
        active.email = Set(body.email);
        active.name = Set(body.name);
        if let Some(role) = body.role.filter(|_| role_changes) {
            active.role = Set(role);
        }
        let saved = active.update(self.db()).await.map_err(email_taken)?;
        if role_changes {
            self.auth.revoke_all_sessions(&id).await?;
        }
        if email_changes {
            self.auth.notify_email_changed(&old_email, &saved.email);
        }
        Ok(Single(saved.into()))
    }
}

/// A database error, with the message that names the column when the email is taken (the
/// only unique column of the table besides the key).
fn email_taken(err: sea_orm::DbErr) -> Error {
    let err = Error::from(err);
    if err.code() == rustbe_core::ErrorCode::DuplicateEntry {
        err.with_message(super::EMAIL_TAKEN)
    } else {
        err
    }
}

/// `text` with the syntax characters of an ECMA-262 regular expression (JSON Schema's
/// `pattern` dialect) escaped: only those, since under the `u` flag an escaped other
/// character is an error.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\^$.*+?()[]{}|/".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn is_admin(principal: &Principal) -> bool {
    principal.has_role(ADMIN_ROLE)
}

struct UserSort;

impl SortFields for UserSort {
    const FIELDS: &'static [&'static str] = &["name", "email", "role", "created_at"];
    const DEFAULT: &'static [SortKey] = &[SortKey::desc("created_at")];
}

/// The query parameters `GET /api/users` accepts; anything else is a 400.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// Users with this role.
    #[param(value_type = Option<Role>)]
    role: Option<String>,
    /// Users whose name or email contains this (case-insensitive).
    q: Option<String>,
}

/// A role, as the list's `role` filter takes it: [`AccountRoutes::openapi`] replaces this
/// schema with the enumeration of the app's roles.
#[derive(ToSchema)]
#[allow(dead_code, reason = "documents the filter, which reads the string")]
struct Role(String);

/// List users (admins only)
#[utoipa::path(get, path = "/api/users", operation_id = "list_users", tag = "users", security(("bearer_auth" = [])),
    params(ListQuery, Pagination, Sort<UserSort>),
    responses(Page<User>, Unauthorized, Unavailable,
        (status = 400, description = "An unknown parameter or sort field, or a bad value (`BAD_REQUEST`); `page` or `limit` out of range, or no such role (`VALIDATION_ERROR`)", body = ErrorEnvelope),
        (status = 403, description = "The caller is not an admin (`FORBIDDEN`)", body = ErrorEnvelope)))]
async fn list(
    State(routes): State<AccountRoutes>,
    principal: Principal,
    page: Pagination,
    sort: Sort<UserSort>,
    Filters(query): Filters<ListQuery>,
) -> Result<Page<User>, Error> {
    if !is_admin(&principal) {
        return Err(Error::forbidden());
    }
    let mut select = account::Entity::find();
    if let Some(role) = &query.role {
        let mut errors = Vec::new();
        routes.check_role(&mut errors, role);
        if !errors.is_empty() {
            return Err(Error::validation(errors));
        }
        select = select.filter(account::Column::Role.eq(role.as_str()));
    }
    if let Some(q) = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        select = select.filter(contains_ignore_case(
            [account::Column::Name, account::Column::Email],
            q,
        ));
    }
    select = order_by(select, sort.keys(), |field| match field {
        "name" => account::Column::Name,
        "email" => account::Column::Email,
        "role" => account::Column::Role,
        _ => account::Column::CreatedAt,
    });
    let pages = select
        .order_by_asc(account::Column::Id)
        .paginate(routes.db(), page.limit());
    let total = pages.num_items().await?;
    let items = pages.fetch_page(page.page() - 1).await?;
    Ok(Page::new(
        items.into_iter().map(User::from).collect(),
        page,
        total,
    ))
}

/// Get a user (that user or an admin)
#[utoipa::path(get, path = "/api/users/{id}", operation_id = "get_user", tag = "users", security(("bearer_auth" = [])), params(("id" = Uuid, Path, description = "The user")),
    responses(Single<User>, Unauthorized, Unavailable, (status = 400, description = "The id is not a UUID (`BAD_REQUEST`)", body = ErrorEnvelope), (status = 404, description = "No such user, or another user's account to a non-admin (`NOT_FOUND`)", body = ErrorEnvelope)))]
async fn get_one(
    State(routes): State<AccountRoutes>,
    principal: Principal,
    Path(id): Path<Uuid>,
) -> Result<Single<User>, Error> {
    Ok(Single(routes.visible(&principal, id).await?.into()))
}

/// `PUT /api/users/{id}` and `/api/users/me`: every writable field. `role` is taken from
/// admins only; from anyone else it is ignored.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(as = UserReplace)]
struct ReplaceUser {
    /// A valid email address, stored lower-cased; unique.
    #[validate(email(message = "must be a valid email address"), length(max = 254))]
    #[schema(format = Email, max_length = 254)]
    email: String,
    /// Display name, 1 to 100 characters once trimmed.
    #[validate(length(min = 1, max = 100))]
    // `rustbe_core::resource::NOT_BLANK_PATTERN`: the name is trimmed before it is checked.
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"[^\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
    )]
    name: String,
    /// One of the app's roles: taken from admins only, ignored from anyone else.
    role: Option<String>,
    /// The caller's current password: required when users change their own email (an admin
    /// changing another user's email does not give that user's password); ignored otherwise.
    #[validate(length(max = 1024))]
    #[schema(max_length = 1024)]
    current_password: Option<String>,
}

/// Replace a user (that user or an admin; only an admin may change `role`)
///
/// A user changing their own email gives their `current_password` (400 `VALIDATION_ERROR` on
/// `current_password` when it is missing or wrong); an admin changing another user's email
/// does not. The old address is told of the change by mail. A change of `role` ends every session of that user at once.
#[utoipa::path(put, path = "/api/users/{id}", operation_id = "replace_user", tag = "users", security(("bearer_auth" = [])), params(("id" = Uuid, Path, description = "The user")), request_body = ReplaceUser,
    responses(Single<User>, Unauthorized, Unsupported, Unavailable, (status = 400, description = "The id is not a UUID or the body is malformed (`BAD_REQUEST`), or it breaks rules (`VALIDATION_ERROR`, with `details`)", body = ErrorEnvelope), (status = 404, description = "No such user, or another user's account to a non-admin (`NOT_FOUND`)", body = ErrorEnvelope), (status = 409, description = "The email is taken (`DUPLICATE_ENTRY`)", body = ErrorEnvelope)))]
async fn replace(
    State(routes): State<AccountRoutes>,
    principal: Principal,
    Path(id): Path<Uuid>,
    Json(body): Json<ReplaceUser>,
) -> Result<Single<User>, Error> {
    let row = routes.visible(&principal, id).await?;
    routes.save(&principal, row, body).await
}

/// Replace the signed-in user's name and email
///
/// Users changing their own email give their `current_password` (400 `VALIDATION_ERROR` on
/// `current_password` when it is missing or wrong). The old address is told of the change by
/// mail. A `role` is kept from an admin only.
#[utoipa::path(put, path = "/api/users/me", operation_id = "replace_me", tag = "users", security(("bearer_auth" = [])), request_body = ReplaceUser,
    responses(Single<User>, Unauthorized, Unsupported, Unavailable, (status = 400, description = "The body is malformed (`BAD_REQUEST`), or it breaks rules (`VALIDATION_ERROR`, with `details`)", body = ErrorEnvelope), (status = 409, description = "The email is taken (`DUPLICATE_ENTRY`)", body = ErrorEnvelope)))]
async fn replace_me(
    State(routes): State<AccountRoutes>,
    principal: Principal,
    Json(body): Json<ReplaceUser>,
) -> Result<Single<User>, Error> {
    let id = Uuid::parse_str(principal.id()).map_err(|_| Error::not_found())?;
    let row = routes.visible(&principal, id).await?;
    routes.save(&principal, row, body).await
}

/// Delete a user and end their sessions (that user or an admin)
#[utoipa::path(delete, path = "/api/users/{id}", operation_id = "delete_user", tag = "users", security(("bearer_auth" = [])), params(("id" = Uuid, Path, description = "The user")),
    responses(NoContent, Unauthorized, Unavailable, (status = 400, description = "The id is not a UUID (`BAD_REQUEST`)", body = ErrorEnvelope), (status = 404, description = "No such user, or another user's account to a non-admin (`NOT_FOUND`)", body = ErrorEnvelope)))]
async fn delete(
    State(routes): State<AccountRoutes>,
    principal: Principal,
    Path(id): Path<Uuid>,
) -> Result<NoContent, Error> {
    let row = routes.visible(&principal, id).await?;
    row.delete(routes.db()).await?;
    routes.auth.revoke_all_sessions(&id.to_string()).await?;
    Ok(NoContent)
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn roles_are_escaped_in_the_pattern() {
        assert_eq!(escape("admin"), "admin");
        assert_eq!(escape("a.b|c"), r"a\.b\|c");
        assert_eq!(escape("read-only"), "read-only");
    }
}
