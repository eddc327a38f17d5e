//! The request and response bodies of the order routes, and the lifecycle of an order.

use std::collections::HashMap;

use rustbe_core::{Error, FieldError};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use utoipa::ToSchema;
use uuid::Uuid;

/// The most lines an order may hold.
///
/// ```
/// assert_eq!(shop::routes::orders::MAX_LINES, 50);
/// ```
pub const MAX_LINES: usize = 50;

/// The largest quantity of one line of the request (lines for the same product are summed
/// after this check; stock bounds the sum).
///
/// ```
/// assert_eq!(shop::routes::orders::MAX_QUANTITY, 1000);
/// ```
pub const MAX_QUANTITY: i64 = 1000;

/// Where an order is in its lifecycle.
///
/// ```
/// use shop::routes::orders::OrderStatus;
/// assert_eq!(OrderStatus::Pending.as_str(), "pending");
/// assert_eq!(OrderStatus::parse("shipped"), Some(OrderStatus::Shipped));
/// assert_eq!(OrderStatus::parse("lost"), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum OrderStatus {
    /// Placed, not paid yet: the stock is reserved.
    Pending,
    /// Paid.
    Paid,
    /// Handed to the carrier.
    Shipped,
    /// Arrived: final.
    Delivered,
    /// Cancelled, the stock put back: final.
    Cancelled,
}

impl OrderStatus {
    /// Every status, in lifecycle order.
    ///
    /// ```
    /// assert_eq!(shop::routes::orders::OrderStatus::ALL.len(), 5);
    /// ```
    pub const ALL: [Self; 5] = [
        Self::Pending,
        Self::Paid,
        Self::Shipped,
        Self::Delivered,
        Self::Cancelled,
    ];

    /// The name stored and shown.
    ///
    /// ```
    /// assert_eq!(shop::routes::orders::OrderStatus::Cancelled.as_str(), "cancelled");
    /// ```
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Paid => "paid",
            Self::Shipped => "shipped",
            Self::Delivered => "delivered",
            Self::Cancelled => "cancelled",
        }
    }

    /// The status named `name`, if there is one.
    ///
    /// ```
    /// use shop::routes::orders::OrderStatus;
    /// assert_eq!(OrderStatus::parse("paid"), Some(OrderStatus::Paid));
    /// assert_eq!(OrderStatus::parse("Paid"), None);
    /// ```
    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// The next step forward, if any.
    ///
    /// ```
    /// use shop::routes::orders::OrderStatus;
    /// assert_eq!(OrderStatus::Paid.next(), Some(OrderStatus::Shipped));
    /// assert_eq!(OrderStatus::Delivered.next(), None);
    /// assert_eq!(OrderStatus::Cancelled.next(), None);
    /// ```
    #[must_use]
    pub fn next(self) -> Option<Self> {
        match self {
            Self::Pending => Some(Self::Paid),
            Self::Paid => Some(Self::Shipped),
            Self::Shipped => Some(Self::Delivered),
            Self::Delivered | Self::Cancelled => None,
        }
    }

    /// Whether an admin may move an order from `self` to `to`: one step forward, or to
    /// `cancelled` before delivery. Staying put is not a move.
    ///
    /// ```
    /// use shop::routes::orders::OrderStatus::*;
    /// assert!(Pending.can_move_to(Paid));
    /// assert!(Shipped.can_move_to(Cancelled));
    /// assert!(!Pending.can_move_to(Shipped)); // one step at a time
    /// assert!(!Paid.can_move_to(Pending)); // never backwards
    /// assert!(!Delivered.can_move_to(Cancelled));
    /// assert!(!Paid.can_move_to(Paid));
    /// ```
    #[must_use]
    pub fn can_move_to(self, to: Self) -> bool {
        self.next() == Some(to)
            || (to == Self::Cancelled && matches!(self, Self::Pending | Self::Paid | Self::Shipped))
    }
}

/// One line of a new order.
///
/// ```
/// let line: shop::routes::orders::CreateOrderLine = serde_json::from_str(
///     r#"{"product_id": "6f1c9a4e-3c1b-4bde-9b55-2a4f3c0d9e11", "quantity": 2}"#,
/// ).unwrap();
/// assert_eq!(line.quantity, 2);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CreateOrderLine {
    /// The product.
    pub product_id: Uuid,
    /// How many, 1 to 1000.
    #[schema(minimum = 1, maximum = 1000)]
    pub quantity: i64,
}

/// `POST /api/orders`. Prices, the total, the owner and the status come from the server.
///
/// ```
/// use shop::routes::orders::CreateOrder;
/// let body: CreateOrder = serde_json::from_str(
///     r#"{"items": [{"product_id": "6f1c9a4e-3c1b-4bde-9b55-2a4f3c0d9e11", "quantity": 2}]}"#,
/// ).unwrap();
/// assert!(body.check().is_ok());
/// assert_eq!(body.address_id, None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CreateOrder {
    /// The lines: 1 to 50; lines for the same product are merged (quantities summed).
    #[schema(min_items = 1, max_items = 50)]
    pub items: Vec<CreateOrderLine>,
    /// One of the caller's addresses. (The pattern is `rustbe_core::resource::UUID_PATTERN`:
    /// `format` alone is an annotation in OpenAPI 3.1, and `""` would be a valid value.)
    #[serde(default)]
    #[schema(
        pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
    )]
    pub address_id: Option<Uuid>,
}

impl CreateOrder {
    /// Checks the rules of the body, naming every broken one: `items` not empty and at most
    /// [`MAX_LINES`], each `quantity` 1 to [`MAX_QUANTITY`]. A product may appear on several
    /// lines: [`CreateOrder::merged`] sums them.
    ///
    /// ```
    /// use shop::routes::orders::{CreateOrder, CreateOrderLine};
    /// let id = uuid::Uuid::nil();
    /// let line = |quantity| CreateOrderLine { product_id: id, quantity };
    /// let body = CreateOrder { items: vec![line(0), line(1), line(1001)], address_id: None };
    /// let err = body.check().unwrap_err();
    /// let fields: Vec<_> = err.details().iter().map(|d| d.field()).collect();
    /// assert_eq!(fields, ["items[0].quantity", "items[2].quantity"]);
    /// let twice = CreateOrder { items: vec![line(1), line(2)], address_id: None };
    /// assert!(twice.check().is_ok());
    /// let empty = CreateOrder { items: vec![], address_id: None };
    /// assert_eq!(empty.check().unwrap_err().details()[0].field(), "items");
    /// ```
    ///
    /// # Errors
    /// `VALIDATION_ERROR` with the details.
    pub fn check(&self) -> Result<(), Error> {
        let mut problems = Vec::new();
        if self.items.is_empty() {
            problems.push(FieldError::new("items", "must hold at least one item"));
        } else if self.items.len() > MAX_LINES {
            problems.push(FieldError::new(
                "items",
                format!("must hold at most {MAX_LINES} items"),
            ));
        }
        for (i, line) in self.items.iter().enumerate() {
            if !(1..=MAX_QUANTITY).contains(&line.quantity) {
                problems.push(FieldError::new(
                    format!("items[{i}].quantity"),
                    format!("must be between 1 and {MAX_QUANTITY}"),
                ));
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(Error::validation(problems))
        }
    }

    /// One [`MergedLine`] per product, in the order of each product's first line, with the
    /// quantities of all its lines summed. Stock is then checked against the sum.
    ///
    /// ```
    /// use shop::routes::orders::{CreateOrder, CreateOrderLine};
    /// let (a, b) = (uuid::Uuid::from_u128(1), uuid::Uuid::from_u128(2));
    /// let line = |product_id, quantity| CreateOrderLine { product_id, quantity };
    /// let body = CreateOrder { items: vec![line(b, 2), line(a, 1), line(b, 5)], address_id: None };
    /// let merged: Vec<_> = body.merged().iter().map(|l| (l.first, l.product_id, l.quantity)).collect();
    /// assert_eq!(merged, [(0, b, 7), (1, a, 1)]);
    /// ```
    #[must_use]
    pub fn merged(&self) -> Vec<MergedLine> {
        let mut merged: Vec<MergedLine> = Vec::with_capacity(self.items.len());
        let mut at: HashMap<Uuid, usize> = HashMap::with_capacity(self.items.len());
        for (i, line) in self.items.iter().enumerate() {
            if let Some(&index) = at.get(&line.product_id) {
                let into = &mut merged[index];
                into.quantity = into.quantity.saturating_add(line.quantity);
            } else {
                at.insert(line.product_id, merged.len());
                merged.push(MergedLine {
                    first: i,
                    product_id: line.product_id,
                    quantity: line.quantity,
                });
            }
        }
        merged
    }

    /// The hex SHA-256 of the canonical form of the body (fields in a fixed order, UUIDs in
    /// lower case, no whitespace): what an `Idempotency-Key` is bound to.
    ///
    /// ```
    /// use shop::routes::orders::CreateOrder;
    /// let a: CreateOrder = serde_json::from_str(
    ///     r#"{"items": [{"quantity": 1, "product_id": "6F1C9A4E-3C1B-4BDE-9B55-2A4F3C0D9E11"}]}"#,
    /// ).unwrap();
    /// let b: CreateOrder = serde_json::from_str(
    ///     r#"{"address_id": null, "items":[{"product_id":"6f1c9a4e-3c1b-4bde-9b55-2a4f3c0d9e11","quantity":1}]}"#,
    /// ).unwrap();
    /// assert_eq!(a.fingerprint(), b.fingerprint());
    /// assert_eq!(a.fingerprint().len(), 64);
    /// ```
    #[must_use]
    pub fn fingerprint(&self) -> String {
        // Serialising the parsed struct gives its fields in declaration order; it cannot fail.
        let canonical = serde_json::to_string(self).unwrap_or_default();
        let digest = Sha256::digest(canonical.as_bytes());
        rustbe_core::hex::encode(&digest)
    }
}

/// The lines of one product in a [`CreateOrder`], summed by [`CreateOrder::merged`].
///
/// ```
/// let line = shop::routes::orders::MergedLine { first: 0, product_id: uuid::Uuid::nil(), quantity: 3 };
/// assert_eq!(line.quantity, 3);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MergedLine {
    /// The index of the product's first line in `items`: errors about the product name it.
    pub first: usize,
    /// The product.
    pub product_id: Uuid,
    /// The sum of the quantities of its lines.
    pub quantity: i64,
}

/// `PATCH /api/orders/{id}`.
///
/// ```
/// use shop::routes::orders::{OrderStatus, UpdateOrder};
/// let body: UpdateOrder = serde_json::from_str(r#"{"status": "cancelled"}"#).unwrap();
/// assert_eq!(body.status, OrderStatus::Cancelled);
/// assert!(serde_json::from_str::<UpdateOrder>(r#"{"status": "lost"}"#).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UpdateOrder {
    /// The new status.
    pub status: OrderStatus,
}
