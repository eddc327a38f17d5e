//! Demo data: two accounts, categories, products, reviews, an address and an order, put into
//! an empty database by `shop seed`, and at start when `SEED_DEMO_DATA` is on (the default in
//! development).
//!
//! The demo accounts' credentials are public (they are in the README): never seed a database
//! that faces the internet. Production does not seed unless `SEED_DEMO_DATA=true` is set.

use chrono::Utc;
use rust_decimal::Decimal;
use rustbe_auth::password::PasswordHasher;
use rustbe_core::Error;
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ActiveModelTrait, DatabaseConnection, EntityTrait, PaginatorTrait, TransactionTrait,
};
use uuid::Uuid;

use crate::entities::product::Images;
use crate::entities::{address, category, order, order_item, product, review, user};

/// The demo administrator: email and password.
///
/// ```
/// assert_eq!(shop::seed::DEMO_ADMIN.0, "admin@shop.example");
/// ```
pub const DEMO_ADMIN: (&str, &str) = ("admin@shop.example", "Admin123!demo");

/// The demo customer: email and password.
///
/// ```
/// assert_eq!(shop::seed::DEMO_CUSTOMER.0, "customer@shop.example");
/// ```
pub const DEMO_CUSTOMER: (&str, &str) = ("customer@shop.example", "Customer123!demo");

const CATEGORIES: [(&str, &str, &str); 3] = [
    ("Shoes", "shoes", "Running, trail and everyday shoes"),
    ("Hats", "hats", "Caps, beanies and sun hats"),
    ("Bags", "bags", "Backpacks and totes"),
];

/// (category slug, name, description, price in cents, stock, popularity)
const PRODUCTS: [(&str, &str, &str, i64, i32, i32); 10] = [
    (
        "shoes",
        "Red Running Shoes",
        "Light running shoes with a breathable mesh upper",
        7950,
        25,
        40,
    ),
    (
        "shoes",
        "Trail Runner",
        "Grippy trail shoes for wet rocks and mud",
        11900,
        12,
        31,
    ),
    (
        "shoes",
        "City Sneaker",
        "Everyday leather sneakers",
        6499,
        40,
        22,
    ),
    (
        "shoes",
        "Hiking Boot",
        "Waterproof boots for long walks",
        14900,
        0,
        18,
    ),
    ("hats", "Sun Hat", "Wide-brimmed straw hat", 1500, 30, 12),
    ("hats", "Wool Beanie", "Warm merino beanie", 2200, 50, 27),
    ("hats", "Baseball Cap", "Adjustable cotton cap", 1850, 60, 9),
    (
        "bags",
        "Canvas Tote",
        "A canvas tote for groceries",
        3000,
        35,
        15,
    ),
    (
        "bags",
        "Daypack",
        "A 20 litre backpack with a laptop sleeve",
        6400,
        20,
        33,
    ),
    (
        "bags",
        "Weekender",
        "A duffel bag for short trips",
        8900,
        8,
        6,
    ),
];

/// Puts the demo data into `db` if it holds no user and no product yet; `Ok(false)` when it
/// was not empty. One transaction: all of it or none.
///
/// # Errors
/// A database error, or the hasher's.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let db = rustbe_core::db::connect(&rustbe_core::config::DatabaseConfig::new("sqlite::memory:")).await.unwrap();
/// shop::migrate(&db).await.unwrap();
/// let hasher = rustbe_auth::password::PasswordHasher::builder().memory_kib(64).passes(1).build().unwrap();
/// assert!(shop::seed::seed(&db, &hasher).await.unwrap());
/// assert!(!shop::seed::seed(&db, &hasher).await.unwrap(), "only into an empty database");
/// # });
/// ```
pub async fn seed(db: &DatabaseConnection, hasher: &PasswordHasher) -> Result<bool, Error> {
    if user::Entity::find().count(db).await? > 0 || product::Entity::find().count(db).await? > 0 {
        return Ok(false);
    }
    let admin_hash = hasher.hash(DEMO_ADMIN.1).await?;
    let customer_hash = hasher.hash(DEMO_CUSTOMER.1).await?;
    let now = Utc::now();
    let txn = db.begin().await?;
    let account = |email: &str, name: &str, role: &str, hash: String| user::ActiveModel {
        id: Set(Uuid::new_v4()),
        email: Set(email.to_owned()),
        name: Set(name.to_owned()),
        role: Set(role.to_owned()),
        password_hash: Set(hash),
        created_at: Set(now),
        updated_at: Set(now),
    };
    account(DEMO_ADMIN.0, "Demo Admin", "admin", admin_hash)
        .insert(&txn)
        .await?;
    let customer = account(DEMO_CUSTOMER.0, "Demo Customer", "customer", customer_hash)
        .insert(&txn)
        .await?;

    let mut categories = Vec::new();
    for (name, slug, description) in CATEGORIES {
        let row = category::ActiveModel {
            id: Set(Uuid::new_v4()),
            name: Set(name.to_owned()),
            slug: Set(slug.to_owned()),
            description: Set(Some(description.to_owned())),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&txn)
        .await?;
        categories.push(row);
    }
    let mut products = Vec::new();
    for (slug, name, description, price, stock, popularity) in PRODUCTS {
        let category_id = categories
            .iter()
            .find(|c| c.slug == slug)
            .map_or_else(Uuid::nil, |c| c.id);
        let image = format!(
            "https://images.shop.example/{}.jpg",
            name.to_lowercase().replace(' ', "-")
        );
        let row = product::ActiveModel {
            id: Set(Uuid::new_v4()),
            name: Set(name.to_owned()),
            description: Set(description.to_owned()),
            price: Set(Decimal::new(price, 2)),
            category_id: Set(category_id),
            stock_quantity: Set(stock),
            images: Set(Images(vec![image])),
            popularity_score: Set(popularity),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&txn)
        .await?;
        products.push(row);
    }
    for (product, rating, comment) in [
        (&products[0], 5, "Comfortable from the first run."),
        (&products[5], 4, "Warm, a little itchy."),
        (&products[8], 5, "Fits a 15 inch laptop."),
    ] {
        review::ActiveModel {
            id: Set(Uuid::new_v4()),
            product_id: Set(product.id),
            user_id: Set(customer.id),
            rating: Set(rating),
            comment: Set(comment.to_owned()),
            created_at: Set(now),
        }
        .insert(&txn)
        .await?;
    }
    let home = address::ActiveModel {
        id: Set(Uuid::new_v4()),
        user_id: Set(customer.id),
        line1: Set("1 Demo Street".to_owned()),
        line2: Set(None),
        city: Set("Berlin".to_owned()),
        state: Set(None),
        postal_code: Set("10115".to_owned()),
        country: Set("DE".to_owned()),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    // An order of two lines, its stock already taken from the numbers above.
    let lines = [(&products[0], 1_i32), (&products[4], 2)];
    let total: Decimal = lines.iter().map(|(p, q)| p.price * Decimal::from(*q)).sum();
    let demo_order = order::ActiveModel {
        id: Set(Uuid::new_v4()),
        user_id: Set(customer.id),
        address_id: Set(Some(home.id)),
        status: Set("pending".to_owned()),
        total: Set(total),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    for (product, quantity) in lines {
        order_item::ActiveModel {
            id: Set(Uuid::new_v4()),
            order_id: Set(demo_order.id),
            product_id: Set(product.id),
            quantity: Set(quantity),
            unit_price: Set(product.price),
        }
        .insert(&txn)
        .await?;
    }
    txn.commit().await?;
    Ok(true)
}
