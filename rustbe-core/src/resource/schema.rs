//! OpenAPI schemas of a resource's view and bodies, built from its field types.

use utoipa::openapi::schema::{
    ArrayBuilder, ArrayItems, ObjectBuilder, Schema, SchemaFormat, SchemaType, Type,
};
use utoipa::openapi::{KnownFormat, RefOr};

/// A field type's JSON schema. Implemented for numbers, `bool`, `String`, `Uuid`, chrono's
/// dates and times, `serde_json::Value`, and `Option` and `Vec` of those; implement it for
/// a field of another type (an enum, say).
///
/// ```
/// use rustbe_core::resource::FieldSchema;
/// use utoipa::openapi::schema::{ObjectBuilder, Schema, SchemaType, Type};
///
/// enum Status { Pending, Paid }
/// impl FieldSchema for Status {
///     fn schema() -> Schema {
///         ObjectBuilder::new()
///             .schema_type(SchemaType::Type(Type::String))
///             .enum_values(Some(["pending", "paid"]))
///             .into()
///     }
/// }
/// let json = serde_json::to_value(Option::<Status>::schema()).unwrap();
/// assert_eq!(json["type"], serde_json::json!(["string", "null"]));
/// ```
pub trait FieldSchema {
    /// The schema of a value.
    fn schema() -> Schema;
    /// Whether `null` is a value (true only for `Option`).
    const NULLABLE: bool = false;
}

fn typed(ty: Type, format: Option<KnownFormat>) -> Schema {
    ObjectBuilder::new()
        .schema_type(SchemaType::Type(ty))
        .format(format.map(SchemaFormat::KnownFormat))
        .into()
}

macro_rules! field_schema {
    ($($t:ty => $ty:ident $(, $format:ident)?;)*) => {$(
        impl FieldSchema for $t {
            fn schema() -> Schema {
                typed(Type::$ty, None$(.or(Some(KnownFormat::$format)))?)
            }
        }
    )*};
}

field_schema! {
    bool => Boolean;
    i8 => Integer, Int32;
    i16 => Integer, Int32;
    i32 => Integer, Int32;
    i64 => Integer, Int64;
    u8 => Integer, Int32;
    u16 => Integer, Int32;
    u32 => Integer, Int64;
    u64 => Integer, Int64;
    f32 => Number, Float;
    f64 => Number, Double;
    String => String;
    sea_orm::prelude::ChronoDateTimeUtc => String, DateTime;
    sea_orm::prelude::ChronoDateTimeWithTimeZone => String, DateTime;
    sea_orm::prelude::ChronoDateTime => String, DateTime;
    sea_orm::prelude::ChronoDate => String, Date;
}

/// The `pattern` of a UUID in its hyphenated form, as every UUID schema states it next to
/// `format: uuid`: in OpenAPI 3.1 (JSON Schema 2020-12) a `format` is an annotation a
/// validator need not check, so without the pattern an empty string is a schema-valid id.
///
/// ```
/// let json = serde_json::to_value(<uuid::Uuid as rustbe_core::resource::FieldSchema>::schema()).unwrap();
/// assert_eq!(json["format"], "uuid");
/// assert_eq!(json["pattern"], rustbe_core::resource::UUID_PATTERN);
/// ```
pub const UUID_PATTERN: &str =
    "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";

/// The `pattern` of text that is not blank: it holds a character that is not white space
/// (Unicode `White_Space`, what [`str::trim`] removes). A field the server trims before
/// checking its length states it next to `minLength: 1`, so that `" "` is not schema-valid.
/// The class is spelled out because `\S` means different things to different regex engines
/// (ECMA-262 counts U+FEFF as space, Python counts U+001C to U+001F).
///
/// ```
/// use rustbe_core::resource::NOT_BLANK_PATTERN;
/// let regex = regex::Regex::new(NOT_BLANK_PATTERN).unwrap();
/// assert!(regex.is_match(" Ada "));
/// assert!(!regex.is_match(" \n\u{3000}\u{a0}"));
/// assert!(regex.is_match("\u{feff}") && regex.is_match("\u{1c}"), "not trimmed by str::trim");
/// ```
pub const NOT_BLANK_PATTERN: &str =
    r"[^\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]";

impl FieldSchema for uuid::Uuid {
    fn schema() -> Schema {
        ObjectBuilder::new()
            .schema_type(SchemaType::Type(Type::String))
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid)))
            .pattern(Some(UUID_PATTERN))
            .into()
    }
}

/// A [`Decimal`](rust_decimal::Decimal) is a JSON number (written with its scale, see
/// [`crate::decimal`]).
///
/// ```
/// use rustbe_core::resource::FieldSchema;
/// let json = serde_json::to_value(<rust_decimal::Decimal as FieldSchema>::schema()).unwrap();
/// assert_eq!(json["type"], "number");
/// ```
impl FieldSchema for rust_decimal::Decimal {
    fn schema() -> Schema {
        typed(Type::Number, None)
    }
}

impl FieldSchema for serde_json::Value {
    fn schema() -> Schema {
        Schema::default()
    }
}

impl<T: FieldSchema> FieldSchema for Vec<T> {
    fn schema() -> Schema {
        ArrayBuilder::new().items(RefOr::T(T::schema())).into()
    }
}

impl<T: FieldSchema> FieldSchema for Option<T> {
    const NULLABLE: bool = true;

    fn schema() -> Schema {
        let mut schema = T::schema();
        if let Schema::Object(object) = &mut schema {
            object.schema_type = match std::mem::take(&mut object.schema_type) {
                SchemaType::Type(ty) => SchemaType::from_iter([ty, Type::Null]),
                SchemaType::Array(mut types) => {
                    types.push(Type::Null);
                    SchemaType::Array(types)
                }
                SchemaType::AnyValue => SchemaType::AnyValue,
            };
        }
        schema
    }
}

/// A rule of a field, shown in its schema.
///
/// ```
/// use rustbe_core::resource::{Constraint, ObjectSchema};
/// let schema = ObjectSchema::new()
///     .field::<String>("name", true, &[Constraint::Length(Some(1), Some(100))])
///     .build();
/// let json = serde_json::to_value(schema).unwrap();
/// assert_eq!(json["properties"]["name"]["maxLength"], 100);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Constraint {
    /// `minLength`/`maxLength` (or `minItems`/`maxItems` of a list).
    Length(Option<usize>, Option<usize>),
    /// `minimum`/`maximum`.
    Range(Option<f64>, Option<f64>),
    /// `multipleOf`.
    MultipleOf(f64),
    /// `pattern` (of each item, for a list).
    Pattern(&'static str),
    /// `format: email`.
    Email,
    /// `format: uri`.
    Url,
    /// `enum`.
    OneOf(&'static [&'static str]),
    /// `readOnly`.
    ReadOnly,
}

/// An object schema built field by field.
///
/// ```
/// use rustbe_core::resource::ObjectSchema;
/// let schema = ObjectSchema::new().field::<Option<String>>("description", false, &[]).build();
/// let json = serde_json::to_value(schema).unwrap();
/// assert!(json.get("required").is_none());
/// ```
#[derive(Default)]
#[must_use]
pub struct ObjectSchema {
    object: ObjectBuilder,
}

impl std::fmt::Debug for ObjectSchema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ObjectSchema").finish_non_exhaustive()
    }
}

impl ObjectSchema {
    /// An object with no fields yet.
    ///
    /// ```
    /// let schema = rustbe_core::resource::ObjectSchema::new().build();
    /// assert_eq!(serde_json::to_value(schema).unwrap()["type"], "object");
    /// ```
    pub fn new() -> Self {
        Self {
            object: ObjectBuilder::new().schema_type(SchemaType::Type(Type::Object)),
        }
    }

    /// Adds field `name` of type `T`, required or not, with its rules.
    ///
    /// ```
    /// use rustbe_core::resource::{Constraint, ObjectSchema};
    /// let schema = ObjectSchema::new()
    ///     .field::<f64>("price", true, &[Constraint::Range(Some(0.01), None)])
    ///     .build();
    /// let json = serde_json::to_value(schema).unwrap();
    /// assert_eq!(json["required"][0], "price");
    /// assert_eq!(json["properties"]["price"]["minimum"], 0.01);
    /// ```
    pub fn field<T: FieldSchema>(
        mut self,
        name: &str,
        required: bool,
        constraints: &[Constraint],
    ) -> Self {
        self.object = self.object.property(name, constrained::<T>(constraints));
        if required {
            self.object = self.object.required(name);
        }
        self
    }

    /// The schema.
    ///
    /// ```
    /// let schema: utoipa::openapi::schema::Schema = rustbe_core::resource::ObjectSchema::new().build();
    /// ```
    pub fn build(self) -> Schema {
        self.object.into()
    }
}

/// `T`'s schema with `constraints` applied: the schema of a filter parameter whose field has a
/// rule a query value is checked by (`one_of`).
///
/// ```
/// use rustbe_core::resource::{Constraint, constrained};
/// let schema = constrained::<String>(&[Constraint::OneOf(&["paid", "shipped"])]);
/// assert_eq!(serde_json::to_value(schema).unwrap()["enum"], serde_json::json!(["paid", "shipped"]));
/// ```
#[must_use]
pub fn constrained<T: FieldSchema>(constraints: &[Constraint]) -> Schema {
    let mut schema = T::schema();
    for constraint in constraints {
        apply(&mut schema, *constraint);
    }
    schema
}

fn apply(schema: &mut Schema, constraint: Constraint) {
    match schema {
        Schema::Object(object) => match constraint {
            Constraint::Length(min, max) => {
                object.min_length = min;
                object.max_length = max;
            }
            Constraint::Range(min, max) => {
                object.minimum = min.map(Into::into);
                object.maximum = max.map(Into::into);
            }
            Constraint::MultipleOf(step) => object.multiple_of = Some(step.into()),
            Constraint::Pattern(pattern) => object.pattern = Some(pattern.to_owned()),
            Constraint::Email => {
                object.format = Some(SchemaFormat::KnownFormat(KnownFormat::Email));
            }
            Constraint::Url => object.format = Some(SchemaFormat::Custom("uri".to_owned())),
            Constraint::OneOf(values) => {
                object.enum_values = Some(values.iter().map(|v| (*v).into()).collect());
            }
            Constraint::ReadOnly => object.read_only = Some(true),
        },
        Schema::Array(array) => match constraint {
            Constraint::Length(min, max) => {
                array.min_items = min;
                array.max_items = max;
            }
            // A rule of each item.
            other => {
                if let ArrayItems::RefOrSchema(item) = &mut array.items
                    && let RefOr::T(item) = item.as_mut()
                {
                    apply(item, other);
                }
            }
        },
        _ => {}
    }
}

/// The schemas of a resource: its view, its three bodies and its key.
///
/// ```
/// use rustbe_core::resource::{ObjectSchema, Schemas};
/// use rustbe_core::resource::FieldSchema;
/// let schemas = Schemas {
///     view: ObjectSchema::new().build(),
///     create: ObjectSchema::new().build(),
///     replace: ObjectSchema::new().build(),
///     patch: ObjectSchema::new().build(),
///     key: i64::schema(),
/// };
/// ```
#[derive(Clone)]
pub struct Schemas {
    /// A row as responses show it.
    pub view: Schema,
    /// The `POST` body.
    pub create: Schema,
    /// The `PUT` body.
    pub replace: Schema,
    /// The `PATCH` body.
    pub patch: Schema,
    /// The primary key (the `{id}` path parameter).
    pub key: Schema,
}

impl std::fmt::Debug for Schemas {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Schemas").finish_non_exhaustive()
    }
}

/// A derived resource's view as a utoipa schema, named as the resource's document names it
/// (`Order` for `#[resource(name = "Order")]`): for the `#[utoipa::path]`s of hand-written
/// routes over the resource, `responses(Created<ViewSchema<order::Model>>)`.
///
/// ```
/// # use sea_orm::entity::prelude::*;
/// #[derive(Clone, Debug, PartialEq, DeriveEntityModel, rustbe_core::Resource)]
/// #[sea_orm(table_name = "notes")]
/// pub struct Model {
///     #[sea_orm(primary_key)]
///     pub id: i32,
///     pub text: String,
/// }
/// # #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
/// # pub enum Relation {}
/// # impl ActiveModelBehavior for ActiveModel {}
/// use utoipa::ToSchema;
/// use rustbe_core::resource::ViewSchema;
/// assert_eq!(ViewSchema::<Model>::name(), "Note");
/// let schema = serde_json::to_value(<ViewSchema<Model> as utoipa::PartialSchema>::schema()).unwrap();
/// assert!(schema["properties"]["text"].is_object());
/// ```
pub struct ViewSchema<R>(std::marker::PhantomData<fn() -> R>);

impl<R> std::fmt::Debug for ViewSchema<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ViewSchema")
    }
}

impl<R: super::Resource> utoipa::PartialSchema for ViewSchema<R> {
    fn schema() -> RefOr<Schema> {
        R::schemas().view.into()
    }
}

impl<R: super::Resource> utoipa::ToSchema for ViewSchema<R> {
    fn name() -> std::borrow::Cow<'static, str> {
        R::META.name.into()
    }
}
