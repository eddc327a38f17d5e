//! A `String` key (given in the create body, never changed), some operations skipped, an
//! owner of `Option` type, integer timestamps-free model with roles and `bypass()`.
#![deny(warnings)]
#![allow(clippy::unwrap_used, reason = "a test")]

/// Coupons.
pub mod coupon {
    #![allow(missing_docs, reason = "SeaORM's own derive writes undocumented items")]

    use rustbe_core::Resource;
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Resource)]
    #[sea_orm(table_name = "coupons")]
    #[resource(
        name = "Voucher",
        skip(delete, replace),
        access(read = owner, create = roles("admin", "sales")),
        bypass(),
        cache(ttl = "250ms")
    )]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        #[resource(sort, length(min = 3, max = 20))]
        pub code: String,
        #[resource(range(min = 1, max = 100), filter(range))]
        pub percent: i16,
        #[resource(owner)]
        pub issued_by: Option<i64>,
        #[resource(write_once)]
        pub campaign: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

use rustbe_core::Resource;
use rustbe_core::access::{AccessRule, Principal};
use rustbe_core::resource::{Patch, Validate};

/// Checks what the derive wrote.
pub fn main() {
    type M = coupon::Model;
    let meta = M::META;
    assert_eq!((meta.name, meta.key), ("Voucher", "code"));
    assert_eq!((meta.delete, meta.replace), (None, None));
    assert_eq!(meta.update, Some(AccessRule::Authenticated));
    assert_eq!(meta.get, Some(AccessRule::Owner { bypass: &[] }));
    assert_eq!(meta.create, Some(AccessRule::Roles(&["admin", "sales"])));
    assert_eq!(meta.cache_ttl, Some(std::time::Duration::from_millis(250)));
    assert_eq!(meta.owner, Some("issued_by"));

    let body: coupon::VoucherCreate = rustbe_core::__private::serde_json::from_str(
        r#"{"code": "AB", "percent": 0, "campaign": "spring"}"#,
    )
    .unwrap();
    assert_eq!(body.validate().len(), 2);
    let admin = Principal::new("42", ["admin"]);
    let row = M::create_model(body, Some(&admin)).unwrap();
    assert_eq!(row.code, sea_orm::ActiveValue::Set("AB".to_owned()));
    assert_eq!(row.issued_by, sea_orm::ActiveValue::Set(Some(42)));
    assert_eq!(
        M::create_model(
            rustbe_core::__private::serde_json::from_str(r#"{"code": "ABC", "percent": 5}"#)
                .unwrap(),
            Some(&Principal::new("not a number", ["admin"])),
        )
        .unwrap_err()
        .status(),
        403
    );

    let patch: coupon::VoucherPatch =
        rustbe_core::__private::serde_json::from_str(r#"{"percent": 5}"#).unwrap();
    assert_eq!(patch.percent, Patch::Value(5));
    let replace_fields =
        rustbe_core::__private::serde_json::to_value(M::schemas().replace).unwrap();
    assert!(replace_fields["properties"].get("code").is_none());
    assert!(replace_fields["properties"].get("campaign").is_none());
    assert!(M::parse_field("issued_by", "7").is_ok());
    assert!(M::parse_field("code", "x").is_ok());
    assert!(M::parse_field("campaign", "x").is_err());
    let model = coupon::Model {
        code: "AB".to_owned(),
        percent: 5,
        issued_by: Some(42),
        campaign: None,
    };
    assert_eq!(model.owner(), Some("42".to_owned()));
    assert_eq!(model.key(), "AB");
}
