//! Every shape error of a JSON body, not only the first: serde stops at the first missing
//! field or wrong type, so on that error path the body is walked again, each error recorded
//! and patched with a placeholder that gets past it, until the body fits or nothing moves.

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

/// Every shape error of `bytes` as `T`, starting with `first` (the one already found).
pub(crate) fn all_shape_errors<T: DeserializeOwned>(
    bytes: &[u8],
    first: FieldError,
) -> Vec<FieldError> {
    let mut found = vec![first];
    if bytes.len() > MAX_WALKED_BODY {
        return found;
    }
    let Ok(mut value) = serde_json::from_slice::<Value>(bytes) else {
        return found;
    };
    let mut visited: Vec<Vec<Step>> = Vec::new();
    while found.len() < MAX_ERRORS {
        let err = match serde_path_to_error::deserialize::<_, T>(&value) {
            Ok(_) => break,
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
    found
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
        all_shape_errors::<Signup>(body.as_bytes(), first)
            .into_iter()
            .map(|d| (d.field().to_owned(), d.message().to_owned()))
            .collect()
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
    fn a_fitting_body_has_no_errors_and_big_bodies_stop_at_the_first() {
        assert!(fields(r#"{"email": "a", "age": 1, "agreed": false, "lines": []}"#).is_empty());
        let big = format!(r#"{{"email": "{}"}}"#, "x".repeat(MAX_WALKED_BODY));
        assert_eq!(fields(&big).len(), 1);
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
        let fields: Vec<_> = all_shape_errors::<OrderLine>(body, first)
            .into_iter()
            .map(|d| d.field().to_owned())
            .collect();
        assert_eq!(fields, ["at", "product_id", "quantity"]);
    }
}
