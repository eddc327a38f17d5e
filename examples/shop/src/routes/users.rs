//! `/api/users…`: the admin's list, and each user's own account (`/users/me`,
//! `/users/{id}` for that user or an admin). Another user's account answers 404 to a
//! non-admin, so ids cannot be probed; only an admin may change a role.

use axum::Router;
use axum::extract::State;
use axum::routing::{get, put};
use chrono::Utc;
use rustbe_auth::AuthService;
use rustbe_core::access::Principal;
use rustbe_core::extract::{Direction, Json, Pagination, Path, Query, Sort, SortFields, SortKey};
use rustbe_core::response::{NoContent, Page, Single};
use rustbe_core::{Error, FieldError};
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, DatabaseConnection, EntityTrait,
    ModelTrait, PaginatorTrait, QueryFilter, QueryOrder,
};
use serde::Deserialize;
use uuid::Uuid;
use validator::Validate;

use crate::entities::user;
use crate::users::{SeaOrmUsers, User};

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
    auth: AuthService<SeaOrmUsers>,
}

/// The routes, relative to `/api`.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use rustbe_core::testing::TestRequest;
/// let config = rustbe_core::config::Config::for_tests(shop::APP_NAME);
/// let db = rustbe_core::db::connect(&config.database).await.unwrap();
/// let router = shop::app(config, db).await.unwrap().into_router(); // merges `routes::users::router`
/// assert_eq!(TestRequest::get("/api/users").send(&router).await.error_code(), "UNAUTHORIZED");
/// # });
/// ```
pub fn router(db: DatabaseConnection, auth: AuthService<SeaOrmUsers>) -> Router {
    Router::new()
        .route("/users", get(list))
        .route("/users/me", put(replace_me))
        .route("/users/{id}", get(get_one).put(replace).delete(delete))
        .with_state(UsersState { db, auth })
}

struct UserSort;

impl SortFields for UserSort {
    const FIELDS: &'static [&'static str] = &["name", "email", "role", "created_at"];
    const DEFAULT: &'static [SortKey] = &[SortKey::desc("created_at")];
}

/// The query parameters `GET /api/users` accepts; anything else is a 400.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    role: Option<String>,
    q: Option<String>,
    #[serde(rename = "page")]
    _page: Option<String>,
    #[serde(rename = "limit")]
    _limit: Option<String>,
    #[serde(rename = "sort")]
    _sort: Option<String>,
    #[serde(rename = "order")]
    _order: Option<String>,
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
        let pattern = format!(
            "%{}%",
            q.to_lowercase()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        let like = |column: user::Column| {
            Expr::expr(Func::lower(Expr::col(column)))
                .like(LikeExpr::new(pattern.as_str()).escape('\\'))
        };
        select = select.filter(
            Condition::any()
                .add(like(user::Column::Name))
                .add(like(user::Column::Email)),
        );
    }
    for key in sort.keys() {
        let column = match key.field {
            "name" => user::Column::Name,
            "email" => user::Column::Email,
            "role" => user::Column::Role,
            _ => user::Column::CreatedAt,
        };
        select = match key.direction {
            Direction::Asc => select.order_by_asc(column),
            Direction::Desc => select.order_by_desc(column),
        };
    }
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
    user::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or_else(Error::not_found)
}

async fn get_one(
    State(state): State<UsersState>,
    principal: Principal,
    Path(id): Path<Uuid>,
) -> Result<Single<User>, Error> {
    Ok(Single(visible(&state, &principal, id).await?.into()))
}

/// `PUT /api/users/{id}` and `/api/users/me`: every writable field. `role` is taken from
/// admins only; from anyone else it is ignored.
#[derive(Debug, Deserialize, Validate)]
struct ReplaceUser {
    #[validate(email(message = "must be a valid email address"), length(max = 254))]
    email: String,
    #[validate(length(min = 1, max = 100))]
    name: String,
    role: Option<String>,
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
    let mut active: user::ActiveModel = row.into();
    active.email = Set(body.email);
    active.name = Set(body.name);
    if let Some(role) = body.role.filter(|_| is_admin(principal)) {
        check_role(&role)?;
        active.role = Set(role);
    }
    active.updated_at = Set(Utc::now());
    let saved = active
        .update(&state.db)
        .await
        .map_err(crate::users::email_taken)?;
    Ok(Single(saved.into()))
}

async fn replace(
    State(state): State<UsersState>,
    principal: Principal,
    Path(id): Path<Uuid>,
    Json(body): Json<ReplaceUser>,
) -> Result<Single<User>, Error> {
    let row = visible(&state, &principal, id).await?;
    save(&state, &principal, row, body).await
}

async fn replace_me(
    State(state): State<UsersState>,
    principal: Principal,
    Json(body): Json<ReplaceUser>,
) -> Result<Single<User>, Error> {
    let id = Uuid::parse_str(principal.id()).map_err(|_| Error::not_found())?;
    let row = visible(&state, &principal, id).await?;
    save(&state, &principal, row, body).await
}

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

/// The OpenAPI document of these routes.
///
/// ```
/// let doc = shop::routes::users::openapi();
/// ```
#[must_use]
pub fn openapi() -> utoipa::openapi::OpenApi {
    utoipa::openapi::OpenApi::default()
}
