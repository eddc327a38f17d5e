//! The OpenAPI description of the auth router, built for the app's own user type.

use rustbe_core::openapi::{self as kit, ErrorResponse, INVALID, UNAUTHORIZED, UNSUPPORTED, data};
use utoipa::ToSchema;
use utoipa::openapi::path::{HttpMethod, PathItem};
use utoipa::openapi::schema::{ObjectBuilder, Schema, SchemaType, Type};
use utoipa::openapi::{OpenApi, OpenApiBuilder, Ref, RefOr, Required};

use super::dto::{
    Accepted, ChangePasswordRequest, ForgotPasswordRequest, LoginRequest, LogoutRequest,
    RefreshRequest, RegisterRequest, ResetPasswordRequest, TokenPair,
};
fn reference<T: ToSchema>() -> RefOr<Schema> {
    Ref::from_schema_name(T::name()).into()
}

/// A user and a token pair.
fn session(user: RefOr<Schema>) -> RefOr<Schema> {
    let string = || ObjectBuilder::new().schema_type(SchemaType::Type(Type::String));
    ObjectBuilder::new()
        .property("user", user)
        .property("access_token", string())
        .property("refresh_token", string())
        .property("token_type", string().enum_values(Some(["Bearer"])))
        .property(
            "expires_in",
            ObjectBuilder::new()
                .schema_type(SchemaType::Type(Type::Integer))
                .minimum(Some(0)),
        )
        .required("user")
        .required("access_token")
        .required("refresh_token")
        .required("token_type")
        .required("expires_in")
        .into()
}

struct Op {
    method: HttpMethod,
    path: &'static str,
    summary: &'static str,
    body: Option<RefOr<Schema>>,
    /// Whether the body may be left out (`POST /api/auth/logout`).
    body_optional: bool,
    ok: (&'static str, &'static str, Option<RefOr<Schema>>),
    errors: &'static [ErrorResponse],
    secured: bool,
}

fn operation(op: Op) -> PathItem {
    let mut builder = kit::operation("auth", op.summary, op.secured);
    if let Some(body) = op.body {
        let mut body = kit::body(body);
        if op.body_optional {
            body.required = Some(Required::False);
        }
        builder = builder.request_body(Some(body));
    }
    let (status, description, schema) = op.ok;
    let ok = match schema {
        Some(schema) => kit::ok(description, schema),
        None => kit::no_content(description),
    };
    PathItem::new(
        op.method,
        kit::errors(builder.response(status, ok), op.errors).build(),
    )
}

const BUSY: ErrorResponse = (
    "503",
    "The database or the revocation store is unavailable (with `Retry-After`)",
);

/// A new password under the default [`PasswordPolicy`](crate::password::PasswordPolicy): 8 to
/// 128 characters with an upper-case letter, a lower-case letter, a digit and one of
/// `!@#$%^&*` (each rule a pattern the value must contain, as the policy checks it).
fn new_password() -> Schema {
    let contains = |pattern: &str| {
        ObjectBuilder::new()
            .schema_type(SchemaType::Type(Type::String))
            .pattern(Some(pattern.to_owned()))
            .build()
    };
    let policy = crate::password::PasswordPolicy::default();
    utoipa::openapi::schema::AllOfBuilder::new()
        .item(
            ObjectBuilder::new()
                .schema_type(SchemaType::Type(Type::String))
                .format(Some(utoipa::openapi::schema::SchemaFormat::Custom(
                    "password".into(),
                )))
                .min_length(Some(8))
                .max_length(Some(policy.max_len())),
        )
        .item(contains("[A-Z]"))
        .item(contains("[a-z]"))
        .item(contains("[0-9]"))
        .item(contains("[!@#$%^&*]"))
        .description(Some("The password (see the password rules)"))
        .build()
        .into()
}

/// The document of the auth router for users shown as `User`.
pub(super) fn document<User: ToSchema>() -> OpenApi {
    let user = reference::<User>();
    let ops = [
        Op {
            method: HttpMethod::Post,
            path: "/api/auth/register",
            summary: "Create an account and start a session",
            body: Some(reference::<RegisterRequest>()),
            body_optional: false,
            ok: (
                "201",
                "Registered; `Location` names the user",
                Some(data(session(user.clone()))),
            ),
            errors: &[
                INVALID,
                ("409", "The email is taken (`DUPLICATE_ENTRY`)"),
                UNSUPPORTED,
                BUSY,
            ],
            secured: false,
        },
        Op {
            method: HttpMethod::Post,
            path: "/api/auth/login",
            summary: "Start a session with email and password",
            body: Some(reference::<LoginRequest>()),
            body_optional: false,
            ok: ("200", "Signed in", Some(data(session(user.clone())))),
            errors: &[
                INVALID,
                (
                    "401",
                    "Unknown email or wrong password (`INVALID_CREDENTIALS`, the same for both)",
                ),
                UNSUPPORTED,
                BUSY,
            ],
            secured: false,
        },
        Op {
            method: HttpMethod::Post,
            path: "/api/auth/refresh",
            summary: "Spend a refresh token for a new pair (a spent token revokes its whole session)",
            body: Some(reference::<RefreshRequest>()),
            body_optional: false,
            ok: ("200", "A new pair", Some(data(reference::<TokenPair>()))),
            errors: &[
                INVALID,
                (
                    "401",
                    "A bad, spent, revoked or expired refresh token (`INVALID_TOKEN`, `TOKEN_EXPIRED`)",
                ),
                UNSUPPORTED,
                BUSY,
            ],
            secured: false,
        },
        Op {
            method: HttpMethod::Post,
            path: "/api/auth/logout",
            summary: "End the session: the access token and the session's refresh tokens stop working at once",
            body: Some(reference::<LogoutRequest>()),
            body_optional: true,
            ok: ("204", "Signed out", None),
            errors: &[INVALID, UNAUTHORIZED, BUSY],
            secured: true,
        },
        Op {
            method: HttpMethod::Post,
            path: "/api/auth/forgot-password",
            summary: "Email a reset link; the same answer whether or not the account exists",
            body: Some(reference::<ForgotPasswordRequest>()),
            body_optional: false,
            ok: ("202", "Accepted", Some(data(reference::<Accepted>()))),
            errors: &[INVALID, UNSUPPORTED],
            secured: false,
        },
        Op {
            method: HttpMethod::Post,
            path: "/api/auth/reset-password",
            summary: "Choose a new password with a reset token (single use, 1 h); revokes every session",
            body: Some(reference::<ResetPasswordRequest>()),
            body_optional: false,
            ok: ("204", "Password changed", None),
            errors: &[
                (
                    "400",
                    "Malformed body (`BAD_REQUEST`); a password that breaks the rules, or a token that is unknown, already used or expired (`VALIDATION_ERROR`, with `details` on `password` or `token`)",
                ),
                UNSUPPORTED,
                BUSY,
            ],
            secured: false,
        },
        Op {
            method: HttpMethod::Get,
            path: "/api/users/me",
            summary: "The signed-in user",
            body: None,
            body_optional: false,
            ok: ("200", "The user", Some(data(user))),
            errors: &[UNAUTHORIZED, BUSY],
            secured: true,
        },
        Op {
            method: HttpMethod::Put,
            path: "/api/users/me/password",
            summary: "Change the password; other sessions are revoked",
            body: Some(reference::<ChangePasswordRequest>()),
            body_optional: false,
            ok: ("204", "Password changed", None),
            errors: &[
                (
                    "400",
                    "Malformed body (`BAD_REQUEST`); a new password that breaks the rules, or a wrong `current_password` (`VALIDATION_ERROR`, with `details` on `new_password` or `current_password`)",
                ),
                UNAUTHORIZED,
                UNSUPPORTED,
                BUSY,
            ],
            secured: true,
        },
    ];
    let mut paths = utoipa::openapi::path::PathsBuilder::new();
    for op in ops {
        let path = op.path;
        paths = paths.path(path, operation(op));
    }
    let mut schemas: Vec<(String, RefOr<Schema>)> = Vec::new();
    fn add<T: ToSchema>(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((T::name().into_owned(), T::schema()));
        T::schemas(schemas);
    }
    add::<User>(&mut schemas);
    add::<RegisterRequest>(&mut schemas);
    add::<LoginRequest>(&mut schemas);
    add::<RefreshRequest>(&mut schemas);
    add::<LogoutRequest>(&mut schemas);
    add::<ForgotPasswordRequest>(&mut schemas);
    add::<ResetPasswordRequest>(&mut schemas);
    add::<ChangePasswordRequest>(&mut schemas);
    add::<TokenPair>(&mut schemas);
    add::<Accepted>(&mut schemas);
    for (name, field) in [
        (RegisterRequest::name(), "password"),
        (ResetPasswordRequest::name(), "password"),
        (ChangePasswordRequest::name(), "new_password"),
    ] {
        if let Some((_, RefOr::T(Schema::Object(object)))) =
            schemas.iter_mut().find(|(n, _)| *n == name)
        {
            object
                .properties
                .insert(field.to_owned(), new_password().into());
        }
    }
    let components = utoipa::openapi::ComponentsBuilder::new()
        .schemas_from_iter(schemas)
        .build();
    OpenApiBuilder::new()
        .paths(paths.build())
        .components(Some(components))
        .tags(Some([utoipa::openapi::tag::TagBuilder::new()
            .name("auth")
            .description(Some("Accounts, sessions and passwords"))
            .build()]))
        .build()
}
