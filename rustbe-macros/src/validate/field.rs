//! Checks of one field: keys that contradict each other, and rules that cannot apply.

use crate::errors::Errors;
use crate::model::{Field, Key, RuleKind};

/// Two keys of a field that contradict each other, and why.
const CONTRADICTIONS: [(&str, &str, &str); 12] = [
    (
        "hidden",
        "filter",
        "clients cannot filter by a field they never see",
    ),
    (
        "hidden",
        "sort",
        "clients cannot sort by a field they never see",
    ),
    (
        "hidden",
        "search",
        "clients cannot search a field they never see",
    ),
    (
        "hidden",
        "write_once",
        "a hidden field is in no request body",
    ),
    (
        "hidden",
        "owner",
        "owner access rules compare the owner field, so it stays visible",
    ),
    (
        "read_only",
        "write_once",
        "a read-only field is in no request body, a write-once field is in the create body",
    ),
    (
        "owner",
        "write_once",
        "the server sets the owner from the caller, it is in no request body",
    ),
    (
        "owner",
        "created_at",
        "one field cannot hold the owner and a timestamp",
    ),
    (
        "owner",
        "updated_at",
        "one field cannot hold the owner and a timestamp",
    ),
    (
        "created_at",
        "updated_at",
        "a field holds one timestamp, use two fields",
    ),
    (
        "created_at",
        "write_once",
        "the server sets timestamps, they are in no request body",
    ),
    (
        "updated_at",
        "write_once",
        "the server sets timestamps, they are in no request body",
    ),
];

fn key_of(field: &Field<'_>, name: &str) -> Option<Key> {
    match name {
        "hidden" => field.hidden,
        "read_only" => field.read_only,
        "write_once" => field.write_once,
        "owner" => field.owner,
        "created_at" => field.created_at,
        "updated_at" => field.updated_at,
        "filter" => field.filter.map(|f| f.key),
        "sort" => field.sort,
        "search" => field.search,
        _ => None,
    }
}

pub(super) fn contradictions(field: &Field<'_>, errors: &mut Errors) {
    for (a, b, why) in CONTRADICTIONS {
        if let Some(later) = Key::later(key_of(field, a), key_of(field, b)) {
            let (this, other) = if key_of(field, a).is_some_and(|k| k.order == later.order) {
                (a, b)
            } else {
                (b, a)
            };
            errors.at(
                later.span,
                format!("`{this}` contradicts `{other}`: {why}; keep one"),
            );
        }
    }
    if field.is_key() {
        for name in [
            "read_only",
            "hidden",
            "write_once",
            "owner",
            "created_at",
            "updated_at",
        ] {
            if let Some(key) = key_of(field, name) {
                errors.at(
                    key.span,
                    format!("`{name}` cannot be used on the primary key: its type decides how it is set (Uuid: by the server; String or `auto_increment = false`: in the create body only; an integer: by the database), and it is always shown"),
                );
            }
        }
    }
    if !field.has_column() {
        let keys = [
            "write_once",
            "owner",
            "created_at",
            "updated_at",
            "filter",
            "search",
            "sort",
        ];
        for name in keys {
            if let Some(key) = key_of(field, name) {
                errors.at(
                    key.span,
                    format!("`{name}` needs a column and this field is `#[sea_orm(ignore)]`: remove one of them"),
                );
            }
        }
    }
}

pub(super) fn rules(field: &Field<'_>, errors: &mut Errors) {
    if let Some((key, _)) = &field.default
        && (field.in_create() || field.server_set() || field.is_key())
    {
        errors.at(
            key.span,
            format!("`default` sets a field no request body has: mark `{}` `read_only` (a body field takes its value from the body; a key, owner or timestamp is set by the server)", field.json),
        );
    }
    if let Some(trim) = field.trim {
        if crate::model::type_name(field.inner).as_deref() != Some("String") {
            errors.at(
                trim.span,
                format!(
                    "`trim` applies to text: `{}` is not a `String` or `Option<String>`",
                    field.json
                ),
            );
        } else if !field.in_create() {
            errors.at(
                trim.span,
                format!(
                    "`trim` has no effect: the field `{}` is not in any request body",
                    field.json
                ),
            );
        }
    }
    for rule in &field.rules {
        if !field.in_create() {
            errors.at(
                rule.key.span,
                format!("`{}` has no effect: the field `{}` is not in any request body (it is read-only, hidden, server-set or a generated key)", rule.name, field.json),
            );
            continue;
        }
        let inverted = match rule.kind {
            RuleKind::Length {
                min: Some(min),
                max: Some(max),
            } => min > max,
            RuleKind::Range {
                min: Some(min),
                max: Some(max),
            } => min > max,
            _ => false,
        };
        if inverted {
            errors.at(
                rule.max_span,
                format!(
                    "`max` is below `min` in `{}`, so no value passes: make `min` ≤ `max`",
                    rule.name
                ),
            );
        }
    }
}
