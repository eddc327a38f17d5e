//! `/api/users…`: the admin's list, and each user's own account (`/users/me`,
//! `/users/{id}` for that user or an admin). Another user's account answers 404 to a
//! non-admin, so ids cannot be probed; only an admin may change a role.

use axum::Router;
use axum::extract::State;
use axum::routing::{get, put};
use rustbe_auth::AuthService;
use rustbe_core::access::Principal;
use rustbe_core::envelope::ErrorEnvelope;
use rustbe_core::extract::{Json, Pagination, Path, Query, Sort, SortFields, SortKey};
use rustbe_core::openapi::{Unauthorized, Unavailable, Unsupported};
use rustbe_core::resource::{contains_ignore_case, order_by};
use rustbe_core::response::{NoContent, Page, Single};
use rustbe_core::{Error, FieldError};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, ModelTrait,
    PaginatorTrait, QueryFilter, QueryOrder,
};
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::entities::user;
use crate::users::User;
use rustbe_auth::users::Accounts;

/// The roles a user may have.
///
/// ```
/// assert!(shop::routes::users::ROLES.contains(&"admin"));
/// ```
pub const ROLES: [&str; 2] = ["customer", "admin"];

/// What the routes need.
///
/// ```
/// // Built by `router`; handlers receive it as `State<UsersState>`.
/// fn takes(_: shop::routes::users::UsersState) {}
/// ```
#[derive(Clone)]
pub struct UsersState {
    db: DatabaseConnection,
    auth: AuthService<Accounts>,
}

/// The routes, relative to `/api`.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use rustbe_core::testing::TestRequest;
/// let settings = shop::Settings::for_tests();
/// let db = rustbe_core::db::connect(&settings.core.database).await.unwrap();
/// let router = shop::app(settings, db).await.unwrap().into_router(); // merges `routes::users::router`
/// assert_eq!(TestRequest::get("/api/users").send(&router).await.error_code(), "UNAUTHORIZED");
/// # });
/// ```
pub fn router(db: DatabaseConnection, auth: AuthService<Accounts>) -> Router {
    Router::new()
        .route("/users", get(list))
        .route("/users/me", put(replace_me))
        .route("/users/{id}", get(get_one).put(replace).delete(delete))
        // Personal data: never kept by a browser or shared cache.
        .layer(axum::middleware::map_response(
            rustbe_auth::router::no_store,
        ))
        .with_state(UsersState { db, auth })
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
    #[serde(rename = "page")]
    #[param(ignore)]
    _page: Option<String>,
    #[serde(rename = "limit")]
    #[param(ignore)]
    _limit: Option<String>,
    #[serde(rename = "sort")]
    #[param(ignore)]
    _sort: Option<String>,
    #[serde(rename = "order")]
    #[param(ignore)]
    _order: Option<String>,
}

/// A user's role, as the list's `role` filter takes it (one of `ROLES`).
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)] // documents `ROLES`; the filter reads the string
enum Role {
    Customer,
    Admin,
}

fn is_admin(principal: &Principal) -> bool {
    principal.has_role("admin")
}

fn check_role(role: &str) -> Result<(), Error> {
    if ROLES.contains(&role) {
        Ok(())
    } else {
        Err(Error::validation([FieldError::new(
            "role",
            "must be customer or admin",
        )]))
    }
}

/// List users (admins only)
#[utoipa::path(get, path = "/api/users", operation_id = "list_users", tag = "users", security(("bearer_auth" = [])),
    params(ListQuery, Pagination, Sort<UserSort>),
    responses(Page<User>, Unauthorized, Unavailable,
        (status = 400, description = "An unknown parameter or sort field, or a bad value (`BAD_REQUEST`); `page` or `limit` out of range (`VALIDATION_ERROR`)", body = ErrorEnvelope),
        (status = 403, description = "The caller is not an admin (`FORBIDDEN`)", body = ErrorEnvelope)))]
async fn list(
    State(state): State<UsersState>,
    principal: Principal,
    page: Pagination,
    sort: Sort<UserSort>,
    Query(query): Query<ListQuery>,
) -> Result<Page<User>, Error> {
    if !is_admin(&principal) {
        return Err(Error::forbidden());
    }
    let mut select = user::Entity::find();
    if let Some(role) = &query.role {
        check_role(role)?;
        select = select.filter(user::Column::Role.eq(role.as_str()));
    }
    if let Some(q) = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        select = select.filter(contains_ignore_case(
            [user::Column::Name, user::Column::Email],
            q,
        ));
    }
    select = order_by(select, sort.keys(), |field| match field {
        "name" => user::Column::Name,
        "email" => user::Column::Email,
        "role" => user::Column::Role,
        _ => user::Column::CreatedAt,
    });
    let pages = select
        .order_by_asc(user::Column::Id)
        .paginate(&state.db, page.limit());
    let total = pages.num_items().await?;
    let items = pages.fetch_page(page.page() - 1).await?;
    Ok(Page::new(
        items.into_iter().map(User::from).collect(),
        page,
        total,
    ))
}

/// The user `id` as `principal` may see it: their own, or any for an admin; 404 otherwise.
async fn visible(
    state: &UsersState,
    principal: &Principal,
    id: Uuid,
) -> Result<user::Model, Error> {
    if principal.id() != id.to_string() && !is_admin(principal) {
        return Err(Error::not_found());
    }
    rustbe_core::db::first(user::Entity::find_by_id(id), &state.db)
        .await?
        .ok_or_else(Error::not_found)
}

/// Get a user (that user or an admin)
#[utoipa::path(get, path = "/api/users/{id}", operation_id = "get_user", tag = "users", security(("bearer_auth" = [])), params(("id" = Uuid, Path, description = "The user")),
    responses(Single<User>, Unauthorized, Unavailable, (status = 400, description = "The id is not a UUID (`BAD_REQUEST`)", body = ErrorEnvelope), (status = 404, description = "No such user, or another user's account to a non-admin (`NOT_FOUND`)", body = ErrorEnvelope)))]
async fn get_one(
    State(state): State<UsersState>,
    principal: Principal,
    Path(id): Path<Uuid>,
) -> Result<Single<User>, Error> {
    Ok(Single(visible(&state, &principal, id).await?.into()))
}

/// `PUT /api/users/{id}` and `/api/users/me`: every writable field. `role` is taken from
/// admins only; from anyone else it is ignored.
#[derive(Debug, Deserialize, Validate, utoipa::ToSchema)]
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
    /// `customer` or `admin`: taken from admins only, ignored from anyone else.
    #[schema(pattern = "^(customer|admin)$")]
    role: Option<String>,
    /// The caller's current password: required when users change their own email (an admin
    /// changing another user's email does not give that user's password); ignored otherwise.
    #[validate(length(max = 1024))]
    #[schema(max_length = 1024)]
    current_password: Option<String>,
}

async fn save(
    state: &UsersState,
    principal: &Principal,
    row: user::Model,
    mut body: ReplaceUser,
) -> Result<Single<User>, Error> {
    body.email = body.email.trim().to_lowercase();
    body.name = body.name.trim().to_owned();
    body.validate()?;
    // A role that is not one is a 400 for anyone, as the document says; only an admin's is kept.
    if let Some(role) = &body.role {
        check_role(role)?;
    }
    let id = row.id.to_string();
    let old_email = row.email.clone();
    let email_changes = body.email != old_email;
    // A new email is a way into the account (password resets go there): users changing their
    // own prove they still hold the password. An admin changing someone else's does not.
    if email_changes && principal.id() == id {
        state
            .auth
            .confirm_password(&id, body.current_password.as_deref(), "current_password")
            .await?;
    }
    let role_changes = body
        .role
        .as_ref()
        .is_some_and(|role| is_admin(principal) && *role != row.role);
    let mut active: user::ActiveModel = row.into();
    active.email = Set(body.email);
    active.name = Set(body.name);
    if let Some(role) = body.role.filter(|_| role_changes) {
        active.role = Set(role);
    }
    let saved = active
        .update(&state.db)
        .await
        .map_err(crate::users::email_taken)?;
    if role_changes {
        // Tokens carry the role: every session of the user ends at once (on every instance,
        // through the revocation list), so the old role works nowhere, not even on refresh.
        state.auth.revoke_all_sessions(&id).await?;
    }
    if email_changes {
        state.auth.notify_email_changed(&old_email, &saved.email);
    }
    Ok(Single(saved.into()))
}

/// Replace a user (that user or an admin; only an admin may change `role`)
///
/// A user changing their own email gives their `current_password` (400 `VALIDATION_ERROR` on
/// `current_password` when it is missing or wrong); an admin changing another user's email
/// does not. The old address is told of the change by mail. A change of `role` ends every session of that user at once.
#[utoipa::path(put, path = "/api/users/{id}", operation_id = "replace_user", tag = "users", security(("bearer_auth" = [])), params(("id" = Uuid, Path, description = "The user")), request_body = ReplaceUser,
    responses(Single<User>, Unauthorized, Unsupported, Unavailable, (status = 400, description = "The id is not a UUID or the body is malformed (`BAD_REQUEST`), or it breaks rules (`VALIDATION_ERROR`, with `details`)", body = ErrorEnvelope), (status = 404, description = "No such user, or another user's account to a non-admin (`NOT_FOUND`)", body = ErrorEnvelope), (status = 409, description = "The email is taken (`DUPLICATE_ENTRY`)", body = ErrorEnvelope)))]
async fn replace(
    State(state): State<UsersState>,
    principal: Principal,
    Path(id): Path<Uuid>,
    Json(body): Json<ReplaceUser>,
) -> Result<Single<User>, Error> {
    let row = visible(&state, &principal, id).await?;
    save(&state, &principal, row, body).await
}

/// Replace the signed-in user's name and email
///
/// A user changing their own email gives their `current_password` (400 `VALIDATION_ERROR` on
/// `current_password` when it is missing or wrong); an admin changing another user's email
/// does not. The old address is told of the change by mail.
#[utoipa::path(put, path = "/api/users/me", operation_id = "replace_me", tag = "users", security(("bearer_auth" = [])), request_body = ReplaceUser,
    responses(Single<User>, Unauthorized, Unsupported, Unavailable, (status = 400, description = "The body is malformed (`BAD_REQUEST`), or it breaks rules (`VALIDATION_ERROR`, with `details`)", body = ErrorEnvelope), (status = 409, description = "The email is taken (`DUPLICATE_ENTRY`)", body = ErrorEnvelope)))]
async fn replace_me(
    State(state): State<UsersState>,
    principal: Principal,
    Json(body): Json<ReplaceUser>,
) -> Result<Single<User>, Error> {
    let id = Uuid::parse_str(principal.id()).map_err(|_| Error::not_found())?;
    let row = visible(&state, &principal, id).await?;
    save(&state, &principal, row, body).await
}

/// Delete a user and end their sessions (that user or an admin)
#[utoipa::path(delete, path = "/api/users/{id}", operation_id = "delete_user", tag = "users", security(("bearer_auth" = [])), params(("id" = Uuid, Path, description = "The user")),
    responses(NoContent, Unauthorized, Unavailable, (status = 400, description = "The id is not a UUID (`BAD_REQUEST`)", body = ErrorEnvelope), (status = 404, description = "No such user, or another user's account to a non-admin (`NOT_FOUND`)", body = ErrorEnvelope)))]
async fn delete(
    State(state): State<UsersState>,
    principal: Principal,
    Path(id): Path<Uuid>,
) -> Result<NoContent, Error> {
    let row = visible(&state, &principal, id).await?;
    row.delete(&state.db).await?;
    state.auth.revoke_all_sessions(&id.to_string()).await?;
    Ok(NoContent)
}

/// The OpenAPI document of these routes (tag `users`): `GET /api/users` with its filters
/// `role` and `q`, `page`, `limit`, `sort` and `order`; `PUT /api/users/me`; `GET`, `PUT` and
/// `DELETE /api/users/{id}`. (`GET /api/users/me` and `PUT /api/users/me/password` are in the
/// auth router's document.)
///
/// ```
/// let doc = serde_json::to_value(shop::routes::users::openapi()).unwrap();
/// let list = &doc["paths"]["/api/users"]["get"];
/// assert_eq!(list["tags"][0], "users");
/// assert_eq!(list["responses"]["403"]["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/ErrorEnvelope");
/// for method in ["get", "put", "delete"] {
///     assert!(doc["paths"]["/api/users/{id}"][method].is_object(), "{method}");
/// }
/// assert!(doc["paths"]["/api/users/me"]["put"].is_object());
/// ```
#[must_use]
pub fn openapi() -> utoipa::openapi::OpenApi {
    #[derive(OpenApi)]
    #[openapi(
        paths(list, replace_me, get_one, replace, delete),
        components(schemas(User, ReplaceUser, Role)),
        tags((name = "users", description = "Accounts: the admin's list and each user's own"))
    )]
    struct UsersDoc;
    UsersDoc::openapi()
}
