//! A JSON body that did not fit, read again: as integers where it wrote whole numbers as
//! floats, and then for every shape error, not only the first: serde stops at the first
//! missing field or wrong type, so on that error path the body is walked again, each error
//! recorded and patched with a placeholder that gets past it, until the body fits or nothing
//! moves.

use serde::de::DeserializeOwned;
use serde_json::Value;
use serde_path_to_error::Segment;

use crate::FieldError;

/// Bodies larger than this report their first shape error only (the walk re-reads the body a
/// bounded number of times).
const MAX_WALKED_BODY: usize = 64 * 1024;
/// At most this many errors are reported.
const MAX_ERRORS: usize = 32;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Key(String),
    Index(usize),
}

type Error = serde_path_to_error::Error<serde_json::Error>;

/// A body that failed to fit `T` with the data error `first`, read again as a JSON tree.
///
/// It fits after all when the only trouble was a whole number written as a float (`2.0`,
/// `1e3`) where `T` has an integer: JSON does not tell `2` from `2.0`, and JSON Schema's
/// `integer` admits both, while serde's integers refuse a float. So every such number is read
/// as the integer it equals, and `T` is tried again. When it still does not fit, the answer is
/// every shape error: each is recorded and patched over with a placeholder, until the body
/// fits or nothing moves.
/// The shape errors of a body that does not fit, and, when placeholders at those errors made
/// it fit, the value it then reads as: what the rules of the other fields can still be
/// checked on.
pub(crate) type Misfit<T> = (Vec<FieldError>, Option<T>);

pub(crate) fn refit<T: DeserializeOwned>(bytes: &[u8], first: FieldError) -> Result<T, Misfit<T>> {
    let Ok(mut value) = serde_json::from_slice::<Value>(bytes) else {
        return Err((vec![first], None));
    };
    // A `Value` keeps the last of two equal keys; serde's derive refuses them: so must we.
    if let Err(err) = serde_json::from_slice::<NoDuplicateKeys>(bytes) {
        return Err((vec![FieldError::new("body", err.to_string())], None));
    }
    let first = if whole_numbers_as_integers(&mut value) {
        match serde_path_to_error::deserialize::<_, T>(&value) {
            Ok(fitted) => return Ok(fitted),
            Err(err) => data_error(&err.path().to_string(), err.inner()),
        }
    } else {
        first
    };
    if bytes.len() > MAX_WALKED_BODY {
        return Err((vec![first], None));
    }
    Err(all_shape_errors::<T>(value, first))
}

/// Turns every float in `value` that is a whole number within the 64-bit integers into that
/// integer; whether any was.
fn whole_numbers_as_integers(value: &mut Value) -> bool {
    match value {
        Value::Number(number) => {
            let Some(float) = number.as_f64().filter(|_| number.is_f64()) else {
                return false;
            };
            // 2^63 and 2^64: the bounds of i64 and u64, exact as f64.
            const I64_END: f64 = 9_223_372_036_854_775_808.0;
            const U64_END: f64 = 18_446_744_073_709_551_616.0;
            if float.fract() != 0.0 || !(-I64_END..U64_END).contains(&float) {
                return false;
            }
            #[allow(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                reason = "a whole number inside the target's range, checked above"
            )]
            let whole = if float < 0.0 {
                serde_json::Number::from(float as i64)
            } else {
                serde_json::Number::from(float as u64)
            };
            *number = whole;
            true
        }
        Value::Array(items) => items
            .iter_mut()
            .fold(false, |any, item| whole_numbers_as_integers(item) | any),
        Value::Object(map) => map
            .values_mut()
            .fold(false, |any, item| whole_numbers_as_integers(item) | any),
        _ => false,
    }
}

/// Every shape error of `value` as `T`, starting with `first` (the one already found), and
/// the value with placeholders over them, if it then fits.
fn all_shape_errors<T: DeserializeOwned>(mut value: Value, first: FieldError) -> Misfit<T> {
    let mut found = vec![first];
    let mut visited: Vec<Vec<Step>> = Vec::new();
    let mut fitted = None;
    while found.len() < MAX_ERRORS {
        let err = match serde_path_to_error::deserialize::<_, T>(&value) {
            Ok(value) => {
                fitted = Some(value);
                break;
            }
            Err(err) => err,
        };
        let Some(target) = target_of(&err) else { break };
        if visited.contains(&target) {
            break;
        }
        let detail = data_error(&err.path().to_string(), err.inner());
        if !found.contains(&detail) {
            found.push(detail);
        }
        let Some(patched) = get_past::<T>(&value, &target) else {
            break;
        };
        value = patched;
        visited.push(target);
    }
    // The same order as the details of rule checks: by field.
    found.sort_by(|a, b| a.field().cmp(b.field()));
    (found, fitted)
}

/// Adds to `shape` (a body's shape errors) the rule errors of the fields that have none (a
/// field of the wrong shape holds a placeholder, whose rule errors say nothing), by field.
pub(crate) fn with_rule_errors(
    mut shape: Vec<FieldError>,
    rules: impl IntoIterator<Item = FieldError>,
) -> Vec<FieldError> {
    let broken: Vec<String> = shape.iter().map(|e| e.field().to_owned()).collect();
    let under = |field: &str, at: &str| {
        field == at
            || field
                .strip_prefix(at)
                .is_some_and(|rest| rest.starts_with(['.', '[']))
    };
    shape.extend(
        rules
            .into_iter()
            .filter(|rule| !broken.iter().any(|at| under(rule.field(), at))),
    );
    shape.sort_by(|a, b| a.field().cmp(b.field()));
    shape
}

/// Whether `T` reads itself from a JSON object (a struct, or a map): serde's derive also
/// takes a struct from an array of its fields in order, so `[]` is a valid patch of nothing
/// and `["ada@example.com", "pw"]` a login; a body for such a `T` must be an object. Found by
/// asking `T` to deserialize from a probe that records what `T` asks for first.
pub(crate) fn reads_an_object<T: DeserializeOwned>() -> bool {
    let asked = std::cell::Cell::new(false);
    let _ = T::deserialize(Probe(&asked));
    asked.get()
}

/// A deserializer that has nothing to give and notes whether it was asked for a map.
struct Probe<'a>(&'a std::cell::Cell<bool>);

impl<'de> serde::Deserializer<'de> for Probe<'_> {
    type Error = serde::de::value::Error;

    fn deserialize_any<V: serde::de::Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
        Err(serde::de::Error::custom("probe"))
    }

    fn deserialize_map<V: serde::de::Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
        self.0.set(true);
        Err(serde::de::Error::custom("probe"))
    }

    fn deserialize_struct<V: serde::de::Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.deserialize_map(visitor)
    }

    // A newtype reads what its field reads.
    fn deserialize_newtype_struct<V: serde::de::Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        visitor.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct seq tuple tuple_struct enum identifier ignored_any
    }
}

/// A copy of `value` with a placeholder at `target` that makes the error there go away.
fn get_past<T: DeserializeOwned>(value: &Value, target: &[Step]) -> Option<Value> {
    let candidates = [
        Value::from(""),
        Value::from(0),
        Value::from(false),
        Value::Array(Vec::new()),
        Value::Object(Default::default()),
        Value::from(0.5),
        // Past a UUID, a date-time or a date.
        Value::from("00000000-0000-0000-0000-000000000000"),
        Value::from("1970-01-01T00:00:00Z"),
        Value::from("1970-01-01"),
    ];
    for candidate in candidates {
        let mut trial = value.clone();
        if !set_at(&mut trial, target, candidate) {
            return None;
        }
        match serde_path_to_error::deserialize::<_, T>(&trial) {
            Ok(_) => return Some(trial),
            Err(err) if target_of(&err).as_deref() != Some(target) => return Some(trial),
            Err(_) => {}
        }
    }
    None
}

/// Where a data error is: the path, plus the field's name for a missing field (serde reports
/// it at the parent).
fn target_of(err: &Error) -> Option<Vec<Step>> {
    if !err.inner().is_data() {
        return None;
    }
    let mut steps = Vec::new();
    for segment in err.path().iter() {
        match segment {
            Segment::Map { key } => steps.push(Step::Key(key.clone())),
            Segment::Seq { index } => steps.push(Step::Index(*index)),
            _ => return None,
        }
    }
    if let Some(field) = missing_field(&err.inner().to_string()) {
        steps.push(Step::Key(field.to_owned()));
    }
    Some(steps)
}

fn set_at(value: &mut Value, target: &[Step], new: Value) -> bool {
    let Some((last, parents)) = target.split_last() else {
        *value = new;
        return true;
    };
    let mut current = value;
    for step in parents {
        let next = match (step, current) {
            (Step::Key(key), Value::Object(map)) => map.get_mut(key),
            (Step::Index(index), Value::Array(items)) => items.get_mut(*index),
            _ => None,
        };
        let Some(next) = next else { return false };
        current = next;
    }
    match (last, current) {
        (Step::Key(key), Value::Object(map)) => {
            map.insert(key.clone(), new);
            true
        }
        (Step::Index(index), Value::Array(items)) if *index < items.len() => {
            items[*index] = new;
            true
        }
        _ => false,
    }
}

fn missing_field(message: &str) -> Option<&str> {
    message
        .strip_prefix("missing field `")
        .and_then(|m| m.split('`').next())
}

/// Names the field of a data error: serde reports a missing field at its parent, so the
/// field's name is taken from the message.
pub(crate) fn data_error(path: &str, err: &serde_json::Error) -> FieldError {
    let message = err.to_string();
    // serde_json appends " at line L column C"; the field path says more to an API client.
    let message = match message.rfind(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message,
    };
    let parent = if path == "." { "" } else { path };
    if let Some(field) = missing_field(&message) {
        let field = if parent.is_empty() {
            field.to_owned()
        } else {
            format!("{parent}.{field}")
        };
        return FieldError::new(field, "is required");
    }
    let field = if parent.is_empty() {
        "body".to_owned()
    } else {
        parent.to_owned()
    };
    let mut message = message;
    if message.len() > 200 {
        let cut = (0..=200)
            .rev()
            .find(|&i| message.is_char_boundary(i))
            .unwrap_or(0);
        message.truncate(cut);
        message.push('…');
    }
    FieldError::new(field, message)
}

/// Reads any JSON and fails on an object with the same key twice (found by `fuzz/`'s
/// `json_body` target: the re-read tree had silently kept the last one).
struct NoDuplicateKeys;

impl<'de> serde::Deserialize<'de> for NoDuplicateKeys {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NoDuplicateKeysVisitor)
    }
}

struct NoDuplicateKeysVisitor;

impl<'de> serde::de::Visitor<'de> for NoDuplicateKeysVisitor {
    type Value = NoDuplicateKeys;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(NoDuplicateKeys)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(NoDuplicateKeys)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(NoDuplicateKeys)
    }

    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(NoDuplicateKeys)
    }

    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(NoDuplicateKeys)
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(NoDuplicateKeys)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<NoDuplicateKeys>()?.is_some() {}
        Ok(NoDuplicateKeys)
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut seen = std::collections::HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            map.next_value::<NoDuplicateKeys>()?;
            if !seen.insert(key) {
                return Err(serde::de::Error::custom("an object has the same key twice"));
            }
        }
        Ok(NoDuplicateKeys)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Line {
        product_id: u32,
        quantity: u32,
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Signup {
        email: String,
        age: u8,
        agreed: bool,
        lines: Vec<Line>,
    }

    fn fields(body: &str) -> Vec<(String, String)> {
        let first = match serde_path_to_error::deserialize::<_, Signup>(
            &mut serde_json::Deserializer::from_str(body),
        ) {
            Err(err) => data_error(&err.path().to_string(), err.inner()),
            Ok(_) => return Vec::new(),
        };
        refit::<Signup>(body.as_bytes(), first)
            .err()
            .map(|(details, _)| details)
            .unwrap_or_default()
            .into_iter()
            .map(|d| (d.field().to_owned(), d.message().to_owned()))
            .collect()
    }

    #[test]
    fn a_body_with_placeholders_over_its_shape_errors_is_given_back() {
        let body = br#"{"email": 7}"#;
        let first = FieldError::new("email", "invalid type");
        let Err((details, fitted)) = refit::<Signup>(body, first) else {
            panic!("a number is no email");
        };
        assert!(details.iter().any(|d| d.field() == "email"));
        assert!(fitted.is_some(), "placeholders make it fit");
        let merged = with_rule_errors(
            details,
            [
                FieldError::new("email", "placeholder's rule"),
                FieldError::new("zzz", "another field's rule"),
            ],
        );
        assert!(merged.iter().all(|d| d.message() != "placeholder's rule"));
        assert_eq!(merged.last().map(FieldError::field), Some("zzz"));
    }

    #[test]
    fn every_missing_field_is_named() {
        let found: Vec<_> = fields("{}")
            .into_iter()
            .map(|(f, m)| format!("{f}: {m}"))
            .collect();
        assert_eq!(
            found,
            [
                "age: is required",
                "agreed: is required",
                "email: is required",
                "lines: is required"
            ]
        );
    }

    #[test]
    fn wrong_types_and_nested_errors_are_all_named() {
        let found = fields(
            r#"{"email": 5, "age": "old", "agreed": true, "lines": [{"product_id": 1}, {"quantity": "x"}]}"#,
        );
        let names: Vec<_> = found.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            names,
            [
                "age",
                "email",
                "lines[0].quantity",
                "lines[1].product_id",
                "lines[1].quantity"
            ]
        );
        assert!(
            found[0].1.starts_with("invalid type: string \"old\""),
            "{found:?}"
        );
    }

    #[test]
    fn whole_numbers_written_as_floats_are_integers() {
        assert!(fields(r#"{"email": "a", "age": 30.0, "agreed": false, "lines": [{"product_id": 1e2, "quantity": 2.0}]}"#).is_empty());
        // Only whole ones: a fraction, or a number past the 64-bit integers, is still an error.
        let names = |body| fields(body).into_iter().map(|(f, _)| f).collect::<Vec<_>>();
        assert_eq!(
            names(
                r#"{"email": "a", "age": 30.5, "agreed": false, "lines": [{"product_id": 1e20, "quantity": 2.0}]}"#
            ),
            ["age", "lines[0].product_id"]
        );
        // Out of the field's range once whole: the integer's own error.
        let found = fields(r#"{"email": "a", "age": 300.0, "agreed": false, "lines": []}"#);
        assert_eq!(found.len(), 1);
        assert!(found[0].1.contains("300"), "{found:?}");
        let mut value = serde_json::json!([-0.0, 2.5, 7, -3.0, {"x": 1e3}]);
        assert!(whole_numbers_as_integers(&mut value));
        assert_eq!(value, serde_json::json!([0, 2.5, 7, -3, {"x": 1000}]));
    }

    #[test]
    fn a_fitting_body_has_no_errors_and_big_bodies_stop_at_the_first() {
        assert!(fields(r#"{"email": "a", "age": 1, "agreed": false, "lines": []}"#).is_empty());
        let big = format!(r#"{{"email": "{}"}}"#, "x".repeat(MAX_WALKED_BODY));
        assert_eq!(fields(&big).len(), 1);
    }
}

#[cfg(test)]
mod objects {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Patch {
        name: Option<String>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Wrapped(Patch);

    #[derive(Debug, serde::Deserialize)]
    #[serde(untagged)]
    #[allow(dead_code)]
    enum Either {
        One(Patch),
        Many(Vec<Patch>),
    }

    #[test]
    fn structs_and_maps_read_objects_and_nothing_else_is_asked_to() {
        assert!(reads_an_object::<Patch>());
        assert!(reads_an_object::<Wrapped>());
        assert!(reads_an_object::<std::collections::HashMap<String, i32>>());
        assert!(!reads_an_object::<Vec<Patch>>());
        assert!(!reads_an_object::<Value>());
        assert!(!reads_an_object::<Either>());
        assert!(!reads_an_object::<Option<Patch>>());
        assert!(!reads_an_object::<(String, i32)>());
    }
}

#[cfg(test)]
mod typed_strings {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct OrderLine {
        product_id: uuid::Uuid,
        quantity: u32,
        at: chrono::DateTime<chrono::Utc>,
    }

    #[test]
    fn errors_after_a_bad_uuid_or_time_are_named_too() {
        let body = br#"{"product_id": "nope", "quantity": "x", "at": "yesterday"}"#;
        let first = match serde_path_to_error::deserialize::<_, OrderLine>(
            &mut serde_json::Deserializer::from_slice(body),
        ) {
            Err(err) => data_error(&err.path().to_string(), err.inner()),
            Ok(_) => panic!("the body does not fit"),
        };
        let fields: Vec<_> = refit::<OrderLine>(body, first)
            .err()
            .map(|(details, _)| details)
            .unwrap_or_default()
            .into_iter()
            .map(|d| d.field().to_owned())
            .collect();
        assert_eq!(fields, ["at", "product_id", "quantity"]);
    }
}
