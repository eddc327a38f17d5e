//! Every option of `#[derive(Resource)]` on one model, under `#![deny(warnings)]`, with the
//! prelude names that SeaORM's own derive tolerates shadowed in the entity's module (`String`,
//! `Vec`, `ToString`, `Default`, `Box`, `From`). SeaORM's derive itself breaks when `Result`,
//! `Option`, `Some`, `None`, `Ok`, `Err` or `Into` are shadowed; `shadowed.rs` checks this
//! derive's expansion with every one of them shadowed.
#![deny(warnings)]
#![allow(dead_code, reason = "the shadows are never used")]
#![allow(clippy::unwrap_used, reason = "a test")]

struct Result;
struct Option;
struct Some;
struct None;
struct Ok;
struct Err;
struct String;
struct Vec;

pub mod product {
    #![allow(missing_docs, reason = "SeaORM's own derive writes undocumented items")]

    use rustbe_core::resource::{HookContext, Hooks};
    use rustbe_core::{Error, Resource};
    use sea_orm::entity::prelude::*;

    struct String;
    struct Vec;
    struct ToString;
    struct Default;
    struct Box;
    struct From;

    /// The custom rule of `slug`.
    pub fn slug(value: &str) -> ::core::result::Result<(), &'static str> {
        if value.chars().all(|c| c.is_ascii_lowercase() || c == '-') {
            ::core::result::Result::Ok(())
        } else {
            ::core::result::Result::Err("may hold only a-z and -")
        }
    }

    #[derive(
        Clone,
        Debug,
        PartialEq,
        DeriveEntityModel,
        Resource,
        rustbe_core::__private::serde::Serialize,
    )]
    #[serde(crate = "rustbe_core::__private::serde", rename_all = "camelCase")]
    #[sea_orm(table_name = "products")]
    #[resource(
        path = "/catalog/products",
        access(all = authenticated, read = public, write = owner, delete = roles("admin", "staff")),
        bypass("admin", "support"),
        default_sort = "-createdAt,name",
        cache(ttl = "5m"),
        hooks,
        cursor,
        nested = "/users/{userId}/products",
        search_language = "english"
    )]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        /// What the product is called.
        #[resource(filter(eq, in), search, sort, length(min = 1, max = 100))]
        pub name: ::std::string::String,
        #[resource(search, length(max = 2000))]
        pub description: ::core::option::Option<::std::string::String>,
        #[resource(
            filter(range),
            sort,
            range(min = 0.01, max = 100000),
            multiple_of = 0.5
        )]
        #[serde(rename = "unitPrice")]
        pub price: f64,
        #[resource(filter, range(min = -10, max = 1000))]
        pub stock: i32,
        #[resource(email)]
        pub contact: ::std::string::String,
        #[resource(url)]
        pub website: ::core::option::Option<::std::string::String>,
        #[resource(filter(eq, range, in), one_of("draft", "published"))]
        pub status: ::std::string::String,
        #[resource(write_once, custom = slug, pattern = "^[a-z-]*$")]
        pub slug: ::std::string::String,
        #[resource(hidden)]
        pub secret: ::std::string::String,
        #[resource(read_only, sort)]
        pub views: i64,
        #[resource(owner)]
        pub user_id: Uuid,
        #[resource(created_at, sort)]
        pub created_at: DateTimeUtc,
        #[resource(updated_at)]
        pub updated_at: ::core::option::Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}

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

use product::{ProductCreate, ProductPatch, ProductReplace, ProductView};
use rustbe_core::Resource;
use rustbe_core::access::{AccessRule, Principal};
use rustbe_core::resource::{Patch, Validate};
use sea_orm::ActiveValue;

fn json<T: rustbe_core::__private::serde::de::DeserializeOwned>(text: &str) -> T {
    rustbe_core::__private::serde_json::from_str(text).unwrap()
}

/// Checks what the derive wrote.
pub fn main() {
    type M = product::Model;
    let meta = M::META;
    assert_eq!(
        (meta.name, meta.collection, meta.path),
        ("Product", "products", "/catalog/products")
    );
    assert_eq!(meta.list, ::core::option::Option::Some(AccessRule::Public));
    assert_eq!(
        meta.create,
        ::core::option::Option::Some(AccessRule::Owner {
            bypass: &["admin", "support"]
        })
    );
    assert_eq!(
        meta.delete,
        ::core::option::Option::Some(AccessRule::Roles(&["admin", "staff"]))
    );
    assert_eq!(meta.sorts, ["name", "unitPrice", "views", "createdAt"]);
    assert_eq!(meta.search, ["name", "description"]);
    assert_eq!(meta.filters.len(), 4);
    assert!(meta.filters[0].eq && meta.filters[0].any_of && !meta.filters[0].range);
    assert_eq!(meta.default_sort[0].field, "createdAt");
    assert_eq!(
        meta.cache_ttl,
        ::core::option::Option::Some(::core::time::Duration::from_secs(300))
    );
    assert!(meta.hooks && meta.cursor);
    assert_eq!(
        meta.nested.map(|n| n.param),
        ::core::option::Option::Some("userId")
    );
    assert_eq!(meta.owner, ::core::option::Option::Some("userId"));
    assert_eq!(meta.search_language, "english");

    assert_eq!(meta.key, "id");
    assert!(matches!(
        M::column("unitPrice"),
        ::core::option::Option::Some(product::Column::Price)
    ));
    assert!(matches!(
        M::column("userId"),
        ::core::option::Option::Some(product::Column::UserId)
    ));
    assert!(matches!(
        M::column("id"),
        ::core::option::Option::Some(product::Column::Id)
    ));
    assert!(M::column("secret").is_none());
    assert!(M::column("price").is_none());
    assert!(M::parse_field("stock", "7").is_ok());
    assert!(M::parse_field("stock", "seven").is_err());
    assert!(M::parse_field("contact", "x").is_err());
    assert!(M::parse_key("not-a-uuid").is_err());

    let body: ProductCreate = json(
        r#"{"name": "", "unitPrice": 0, "stock": -11, "contact": "nope", "website": "ftp://x",
            "status": "gone", "slug": "Bad Slug", "views": 5, "secret": "x"}"#,
    );
    let fields: ::std::vec::Vec<_> = body
        .validate()
        .iter()
        .map(|e| e.field().to_owned())
        .collect();
    assert_eq!(
        fields,
        [
            "name",
            "unitPrice",
            "stock",
            "contact",
            "website",
            "status",
            "slug",
            "slug"
        ]
    );

    let body: ProductCreate = json(
        r#"{"name": "Shoes", "unitPrice": 10.5, "stock": 3, "contact": "a@b.example",
            "status": "draft", "slug": "shoes"}"#,
    );
    assert!(body.validate().is_empty());
    let owner = Principal::new("0b6c6a8e-2f7e-4a57-8f8e-0f5c8b1c2d3e", ["customer"]);
    let row = M::create_model(body, ::core::option::Option::Some(&owner)).unwrap();
    assert!(matches!(row.id, ActiveValue::Set(_)));
    assert!(matches!(row.created_at, ActiveValue::Set(_)));
    assert!(matches!(
        row.updated_at,
        ActiveValue::Set(::core::option::Option::Some(_))
    ));
    assert_eq!(row.user_id, ActiveValue::Set(owner.id().parse().unwrap()));
    assert!(matches!(row.views, ActiveValue::NotSet));
    assert!(matches!(row.secret, ActiveValue::NotSet));

    let body: ProductCreate = json(
        r#"{"name": "Shoes", "unitPrice": 10.5, "stock": 3, "contact": "a@b.example", "status": "draft", "slug": "shoes"}"#,
    );
    assert_eq!(
        M::create_model(body, ::core::option::Option::None)
            .unwrap_err()
            .status(),
        401
    );

    let body: ProductCreate = json(
        r#"{"name": "Shoes", "unitPrice": 10.25, "stock": 3, "contact": "a@b.example", "status": "draft", "slug": "sh0es"}"#,
    );
    let errors = body.validate();
    let found: ::std::vec::Vec<_> = errors.iter().map(|e| (e.field(), e.message())).collect();
    assert_eq!(
        found,
        [
            ("unitPrice", "must be a multiple of 0.5"),
            ("slug", "may hold only a-z and -"),
            ("slug", "must match the pattern ^[a-z-]*$")
        ]
    );

    let patch: ProductPatch = json(r#"{"name": null, "description": null, "unitPrice": -1}"#);
    let fields: ::std::vec::Vec<_> = patch
        .validate()
        .iter()
        .map(|e| e.field().to_owned())
        .collect();
    assert_eq!(fields, ["name", "unitPrice"]);
    let patch: ProductPatch = json(r#"{"description": null, "stock": 4}"#);
    assert_eq!(patch.stock, Patch::Value(4));
    let mut changes = <product::ActiveModel as sea_orm::ActiveModelTrait>::default();
    M::patch_model(patch, &mut changes);
    assert_eq!(
        changes.description,
        ActiveValue::Set(::core::option::Option::None)
    );
    assert_eq!(changes.stock, ActiveValue::Set(4));
    assert!(matches!(changes.name, ActiveValue::NotSet));
    assert!(matches!(
        changes.updated_at,
        ActiveValue::Set(::core::option::Option::Some(_))
    ));

    let replace: ProductReplace = json(
        r#"{"name": "Boots", "unitPrice": 20, "stock": 1, "contact": "a@b.example", "status": "published"}"#,
    );
    assert!(replace.validate().is_empty());
    let mut changes = <product::ActiveModel as sea_orm::ActiveModelTrait>::default();
    M::replace_model(replace, &mut changes);
    assert_eq!(changes.name, ActiveValue::Set("Boots".to_owned()));
    assert!(matches!(changes.slug, ActiveValue::NotSet));

    let model = product::Model {
        id: sea_orm::prelude::Uuid::nil(),
        name: "Shoes".to_owned(),
        description: ::core::option::Option::None,
        price: 10.5,
        stock: 3,
        contact: "a@b.example".to_owned(),
        website: ::core::option::Option::None,
        status: "draft".to_owned(),
        slug: "shoes".to_owned(),
        secret: "hash".to_owned(),
        views: 0,
        user_id: sea_orm::prelude::Uuid::nil(),
        created_at: ::core::default::Default::default(),
        updated_at: ::core::option::Option::None,
    };
    let view: ProductView<'_> = model.view();
    let shown = rustbe_core::__private::serde_json::to_value(&view).unwrap();
    assert_eq!(shown["unitPrice"], 10.5);
    assert!(shown.get("secret").is_none());
    assert_eq!(model.key(), sea_orm::prelude::Uuid::nil().to_string());
    assert_eq!(
        model.owner(),
        ::core::option::Option::Some(sea_orm::prelude::Uuid::nil().to_string())
    );
    let cursor = model.cursor_value("unitPrice");
    assert_eq!(
        M::parse_cursor_value("unitPrice", cursor),
        ::core::result::Result::Ok(sea_orm::Value::from(10.5_f64))
    );
    assert!(
        M::parse_cursor_value("unitPrice", rustbe_core::__private::serde_json::json!("x")).is_err()
    );
    assert_eq!(
        model.cursor_value("secret"),
        rustbe_core::__private::serde_json::Value::Null
    );

    let schemas = rustbe_core::__private::serde_json::to_value(M::schemas().create).unwrap();
    assert_eq!(schemas["properties"]["name"]["maxLength"], 100);
    assert_eq!(schemas["properties"]["status"]["enum"][1], "published");
    assert!(schemas["properties"].get("views").is_none());
    let required = schemas["required"].as_array().unwrap();
    assert!(required.iter().any(|r| r == "slug") && !required.iter().any(|r| r == "description"));
    let view = rustbe_core::__private::serde_json::to_value(M::schemas().view).unwrap();
    assert_eq!(view["properties"]["views"]["readOnly"], true);
    assert!(view["properties"]["slug"].get("readOnly").is_none());
    let patch = rustbe_core::__private::serde_json::to_value(M::schemas().patch).unwrap();
    assert!(patch.get("required").is_none());
    assert!(patch["properties"].get("slug").is_none());
}
