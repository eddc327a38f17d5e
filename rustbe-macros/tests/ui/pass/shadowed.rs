//! The expansion of `#[derive(Resource)]` compiled where every prelude name it could trip on is
//! shadowed, under `#![deny(warnings)]`.
//!
//! SeaORM's own derive does not compile where `Result`, `Option`, `Some`, `None`, `Ok`, `Err`
//! or `Into` are shadowed, so the entity lives in `entity` and the expansion of the same model
//! (`tests/expanded/product.rs`, kept equal to the derive's output by the unit test
//! `expand::snapshot`) is included into `resource`, beside the shadows.
#![deny(warnings)]
#![allow(clippy::unwrap_used, reason = "a test")]

/// The SeaORM entity.
pub mod entity {
    #![allow(missing_docs, reason = "SeaORM's own derive writes undocumented items")]

    use sea_orm::entity::prelude::*;

    include!("../../expanded/product.model.rs");

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The resource, with the prelude shadowed.
pub mod resource {
    #![allow(dead_code, reason = "the shadows are never used")]

    use rustbe_core::Error;
    use rustbe_core::resource::{HookContext, Hooks};
    use sea_orm::prelude::{DateTimeUtc, Uuid};

    use super::entity::{ActiveModel, Entity, Model};

    struct Result;
    struct Option;
    struct Some;
    struct None;
    struct Ok;
    struct Err;
    struct String;
    struct Vec;
    struct ToString;
    struct Into;
    struct From;
    struct Default;
    struct Box;
    struct Debug;
    struct Clone;
    struct Serialize;
    struct Deserialize;

    fn slug(value: &str) -> ::core::result::Result<(), &'static str> {
        if value.chars().all(|c| c.is_ascii_lowercase() || c == '-') {
            ::core::result::Result::Ok(())
        } else {
            ::core::result::Result::Err("may hold only a-z and -")
        }
    }

    include!("../../expanded/product.rs");

    impl Hooks for Model {
        async fn before_create(
            _ctx: &HookContext<'_>,
            row: &mut ActiveModel,
        ) -> ::core::result::Result<(), Error> {
            row.secret = sea_orm::ActiveValue::Set("s3cret".to_owned());
            ::core::result::Result::Ok(())
        }
    }
}

use rustbe_core::Resource;
use rustbe_core::access::Principal;
use rustbe_core::resource::Validate;

/// Checks what the expansion does.
pub fn main() {
    type M = entity::Model;
    assert_eq!(M::META.name, "Product");
    assert!(matches!(
        M::column("unitPrice"),
        ::core::option::Option::Some(entity::Column::Price)
    ));
    let body: resource::ProductCreate = rustbe_core::__private::serde_json::from_str(
        r#"{"name": "Shoes", "unitPrice": 10.5, "stock": 3, "contact": "a@b.example",
            "status": "draft", "slug": "Not A Slug"}"#,
    )
    .unwrap();
    assert_eq!(body.validate().len(), 1);
    let owner = Principal::new("0b6c6a8e-2f7e-4a57-8f8e-0f5c8b1c2d3e", ["customer"]);
    let row = M::create_model(body, ::core::option::Option::Some(&owner)).unwrap();
    assert_eq!(
        row.user_id,
        sea_orm::ActiveValue::Set(::core::option::Option::Some(owner.id().parse().unwrap()))
    );
}
