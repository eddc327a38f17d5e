//! An auto-increment integer key (made by the database), no options at all, and the DTOs'
//! docs checked with `missing_docs`.
#![deny(warnings, missing_docs)]
#![allow(clippy::unwrap_used, reason = "a test")]

/// Tags.
pub mod tag {
    use rustbe_core::Resource;
    use sea_orm::entity::prelude::*;

    /// A tag.
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Resource)]
    #[sea_orm(table_name = "categories")]
    pub struct Model {
        /// The key.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// The label.
        pub label: String,
        /// A colour, maybe.
        pub colour: Option<String>,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

use rustbe_core::Resource;
use rustbe_core::access::AccessRule;

/// Checks what the derive wrote.
pub fn main() {
    type M = tag::Model;
    assert_eq!(
        (M::META.name, M::META.path, M::META.key),
        ("Category", "/categories", "id")
    );
    assert_eq!(M::META.list, Some(AccessRule::Authenticated));
    assert_eq!(M::META.search_language, "simple");
    assert!(M::META.filters.is_empty() && M::META.owner.is_none() && M::META.cache_ttl.is_none());
    let body: tag::CategoryCreate =
        rustbe_core::__private::serde_json::from_str(r#"{"label": "x"}"#).unwrap();
    let row = M::create_model(body, None).unwrap();
    assert!(matches!(row.id, sea_orm::ActiveValue::NotSet));
    assert_eq!(row.colour, sea_orm::ActiveValue::Set(None));
    assert!(M::parse_key("12").is_ok() && M::parse_key("x").is_err());
    assert!(matches!(M::column("id"), Some(tag::Column::Id)));
    assert!(M::column("label").is_none());
    let model = tag::Model {
        id: 3,
        label: "x".to_owned(),
        colour: None,
    };
    assert_eq!(model.key(), "3");
    assert_eq!(model.owner(), None);
    assert_eq!(
        model.cursor_value("id"),
        rustbe_core::__private::serde_json::json!(3)
    );
    let schema = rustbe_core::__private::serde_json::to_value(M::schemas().view).unwrap();
    assert_eq!(schema["properties"]["id"]["readOnly"], true);
    assert_eq!(
        schema["properties"]["colour"]["type"],
        rustbe_core::__private::serde_json::json!(["string", "null"])
    );
}
