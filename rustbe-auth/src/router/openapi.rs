//! The OpenAPI description of the auth router, from its handlers' `#[utoipa::path]`s, with
//! the app's own user type put in the place of [`AppUser`].

use utoipa::openapi::schema::{ObjectBuilder, Schema, SchemaType, Type};
use utoipa::openapi::{OpenApi, Ref, RefOr, Required};
use utoipa::{OpenApi as _, ToSchema};

use super::dto::{
    Accepted, ChangePasswordRequest, ForgotPasswordRequest, LoginRequest, LogoutRequest,
    RefreshRequest, RegisterRequest, ResetPasswordRequest, TokenPair,
};
use super::handlers;

/// Stands for the app's user type in the handlers' `#[utoipa::path]`s (which cannot name a
/// type parameter): [`document`] puts the app's schema in its place.
pub(super) struct AppUser;

impl utoipa::PartialSchema for AppUser {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new().into()
    }
}

impl ToSchema for AppUser {
    fn name() -> std::borrow::Cow<'static, str> {
        "AuthAppUser".into()
    }
}

/// A user and a token pair, the answer of register and login: [`Session`](super::Session) as
/// the document shows it, its tokens next to `user`.
#[derive(ToSchema)]
#[schema(as = AuthSession)]
#[allow(dead_code, reason = "a schema only")]
pub(super) struct SessionDoc {
    /// The user.
    user: AppUser,
    /// Send as `Authorization: Bearer …` (or the app's scheme).
    access_token: String,
    /// Spend once at `/auth/refresh`.
    refresh_token: String,
    /// The token scheme, `Bearer` unless the app chose another.
    token_type: String,
    /// Seconds until the access token expires.
    #[schema(minimum = 0)]
    expires_in: u64,
}

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
    #[derive(utoipa::OpenApi)]
    #[openapi(
        paths(handlers::register, handlers::login, handlers::refresh, handlers::logout,
            handlers::forgot_password, handlers::reset_password, handlers::me,
            handlers::change_password),
        components(schemas(SessionDoc, RegisterRequest, LoginRequest, RefreshRequest, LogoutRequest,
            ForgotPasswordRequest, ResetPasswordRequest, ChangePasswordRequest, TokenPair, Accepted)),
        tags((name = "auth", description = "Accounts, sessions and passwords"))
    )]
    struct AuthDoc;

    let mut doc = AuthDoc::openapi();
    let placeholder = format!("#/components/schemas/{}", AppUser::name());
    let user = Ref::from_schema_name(User::name());
    if let Some(RefOr::T(body)) = doc
        .paths
        .paths
        .get_mut("/api/auth/logout")
        .and_then(|item| item.post.as_mut())
        .and_then(|op| op.request_body.as_mut())
    {
        body.required = Some(Required::False); // no body, or one naming a second session
    }
    for item in doc.paths.paths.values_mut() {
        for op in [&mut item.get, &mut item.put, &mut item.post]
            .into_iter()
            .flatten()
        {
            for response in op.responses.responses.values_mut() {
                if let RefOr::T(response) = response {
                    response.description = response
                        .description
                        .replace(AppUser::name().as_ref(), User::name().as_ref());
                    for content in response.content.values_mut() {
                        if let RefOr::T(content) = content
                            && let Some(schema) = content.schema.as_mut()
                        {
                            swap_ref(schema, &placeholder, &user);
                        }
                    }
                }
            }
        }
    }
    let components = doc.components.get_or_insert_with(Default::default);
    components.schemas.remove(AppUser::name().as_ref());
    if let Some(session) = components.schemas.get_mut(SessionDoc::name().as_ref()) {
        swap_ref(session, &placeholder, &user);
    }
    let mut schemas = vec![(User::name().into_owned(), User::schema())];
    User::schemas(&mut schemas);
    components.schemas.extend(schemas);
    for (name, field) in [
        (RegisterRequest::name(), "password"),
        (ResetPasswordRequest::name(), "password"),
        (ChangePasswordRequest::name(), "new_password"),
    ] {
        if let Some(RefOr::T(Schema::Object(object))) = components.schemas.get_mut(name.as_ref()) {
            object
                .properties
                .insert(field.to_owned(), new_password().into());
        }
    }
    doc
}

/// Every `$ref` to `from` in `schema` (its properties, items and compositions), made `to`.
fn swap_ref(schema: &mut RefOr<Schema>, from: &str, to: &Ref) {
    match schema {
        RefOr::Ref(r) if r.ref_location == from => *r = to.clone(),
        RefOr::Ref(_) => {}
        RefOr::T(Schema::Object(object)) => {
            for property in object.properties.values_mut() {
                swap_ref(property, from, to);
            }
        }
        RefOr::T(Schema::Array(array)) => {
            if let utoipa::openapi::schema::ArrayItems::RefOrSchema(item) = &mut array.items {
                swap_ref(item, from, to);
            }
        }
        RefOr::T(Schema::AllOf(all)) => all.items.iter_mut().for_each(|s| swap_ref(s, from, to)),
        RefOr::T(Schema::OneOf(one)) => one.items.iter_mut().for_each(|s| swap_ref(s, from, to)),
        RefOr::T(Schema::AnyOf(any)) => any.items.iter_mut().for_each(|s| swap_ref(s, from, to)),
        RefOr::T(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(ToSchema)]
    #[allow(dead_code)]
    struct Member {
        id: String,
    }

    #[test]
    fn the_app_user_takes_the_placeholder_s_place() {
        let doc = serde_json::to_value(document::<Member>()).unwrap();
        let text = doc.to_string();
        assert!(!text.contains("AuthAppUser"), "{text}");
        let login = &doc["paths"]["/api/auth/login"]["post"]["responses"]["200"];
        let data = &login["content"]["application/json"]["schema"]["properties"]["data"];
        assert_eq!(data["$ref"], "#/components/schemas/AuthSession");
        let session = &doc["components"]["schemas"]["AuthSession"];
        assert_eq!(
            session["properties"]["user"]["$ref"],
            "#/components/schemas/Member"
        );
        let me = &doc["paths"]["/api/users/me"]["get"]["responses"]["200"];
        assert_eq!(
            me["content"]["application/json"]["schema"]["properties"]["data"]["$ref"],
            "#/components/schemas/Member"
        );
        assert!(doc["components"]["schemas"]["Member"].is_object());
        let password = &doc["components"]["schemas"]["RegisterRequest"]["properties"]["password"];
        assert_eq!(password["allOf"][1]["pattern"], "[A-Z]");
        let logout = &doc["paths"]["/api/auth/logout"]["post"];
        assert_eq!(logout["security"][0]["bearer_auth"], serde_json::json!([]));
        assert_eq!(logout["requestBody"]["required"], false);
        let body = &logout["requestBody"]["content"]["application/json"]["schema"];
        assert_eq!(body["$ref"], "#/components/schemas/LogoutRequest");
    }
}
