// The model of `tests/ui/pass/shadowed.rs`. Its `#[resource(...)]` attributes are switched off
// with `cfg_attr(any(), ...)` so that SeaORM's derive can run on it where `Resource` is not
// derived; the unit test `expand::snapshot` switches them on, expands the model and compares
// the result with `product.rs` (`RUSTBE_BLESS=1` rewrites it).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[derive(rustbe_core::__private::serde::Serialize)]
#[serde(crate = "rustbe_core::__private::serde")]
#[sea_orm(table_name = "products")]
#[cfg_attr(
    any(),
    resource(
        rename_all = "camelCase",
        access(all = authenticated, read = public, write = owner, delete = roles("admin")),
        bypass("admin", "support"),
        default_sort = "-createdAt,name",
        cache(ttl = "90s"),
        hooks,
        cursor,
        nested = "/users/{userId}/products",
        search_language = "english"
    )
)]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// What the product is called.
    #[cfg_attr(any(), resource(filter(eq, in), search, sort, length(min = 1, max = 100)))]
    pub name: ::std::string::String,
    #[cfg_attr(any(), resource(search, length(max = 2000)))]
    pub description: ::core::option::Option<::std::string::String>,
    #[cfg_attr(
        any(),
        resource(rename = "unitPrice", filter(range), sort, range(min = 0.01, max = 100000))
    )]
    pub price: f64,
    #[cfg_attr(any(), resource(filter, range(min = -10, max = 1000)))]
    pub stock: i32,
    #[cfg_attr(any(), resource(email))]
    pub contact: ::std::string::String,
    #[cfg_attr(any(), resource(url))]
    pub website: ::core::option::Option<::std::string::String>,
    #[cfg_attr(any(), resource(filter(eq, range, in), one_of("draft", "published")))]
    pub status: ::std::string::String,
    #[cfg_attr(any(), resource(write_once, custom = slug))]
    pub slug: ::std::string::String,
    #[cfg_attr(any(), resource(hidden))]
    pub secret: ::std::string::String,
    #[cfg_attr(any(), resource(read_only, sort))]
    pub views: i64,
    #[cfg_attr(any(), resource(owner))]
    pub user_id: ::core::option::Option<Uuid>,
    #[cfg_attr(any(), resource(created_at, sort))]
    pub created_at: DateTimeUtc,
    #[cfg_attr(any(), resource(updated_at))]
    pub updated_at: ::core::option::Option<DateTimeUtc>,
}
