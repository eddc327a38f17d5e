//! How the options fit together: contradictions within a field, and checks across fields and
//! struct-level options. Every problem is reported, at the token that causes it.

mod extend;
mod field;

use proc_macro2::Span;

use crate::errors::Errors;
use crate::model::{AccessRule, Field, Key, Model, Op};

/// Checks `model`, adding every problem to `errors`.
pub(crate) fn check(model: &Model<'_>, errors: &mut Errors) {
    names(model, errors);
    keys(model, errors);
    operations(model, errors);
    for field in &model.fields {
        field::contradictions(field, errors);
        field::rules(field, errors);
    }
    single(model, "owner", |f| f.owner, errors);
    single(model, "created_at", |f| f.created_at, errors);
    single(model, "updated_at", |f| f.updated_at, errors);
    default_sort(model, errors);
    nested(model, errors);
    list_options(model, errors);
    extend::check(model, errors);
}

fn names(model: &Model<'_>, errors: &mut Errors) {
    let name = model.name();
    let mut chars = name.chars();
    let type_name = chars.next().is_some_and(|c| c.is_ascii_uppercase())
        && chars.all(|c| c.is_ascii_alphanumeric());
    if (model.table.is_some() || model.options.name.is_some()) && !type_name {
        errors.at(
            model.name_span(),
            format!("`{name}` is not an UpperCamelCase type name (A-Z, then letters and digits), which the DTOs (`{name}Create` …) need: give one with `#[resource(name = \"Product\")]`"),
        );
    }
    if let Some(path) = &model.options.path {
        let value = path.value();
        check_path(&value, path.span(), "path = \"/products\"", errors);
        if value.contains(['{', '}']) {
            errors.at(
                path.span(),
                "`path` is the collection's route and takes no `{placeholder}`: `{id}` is added for single rows, and `nested = \"/users/{user_id}/orders\"` routes under a parent",
            );
        }
    }
    let mut seen: Vec<&str> = Vec::new();
    for field in &model.fields {
        if seen.contains(&field.json.as_str()) {
            errors.at(
                field.ident.span(),
                format!("two fields are named `{}` in JSON: rename one with `#[resource(rename = \"...\")]`", field.json),
            );
        }
        seen.push(&field.json);
    }
}

fn check_path(path: &str, span: Span, example: &str, errors: &mut Errors) {
    if !path.starts_with('/') || path.len() < 2 || path.ends_with('/') {
        errors.at(
            span,
            format!("a route starts with `/` and does not end with one: `{example}`"),
        );
    } else if path.contains(char::is_whitespace) || path.contains(['?', '#', '*']) {
        errors.at(
            span,
            format!("a route holds no spaces, `?`, `#` or `*`: `{example}`"),
        );
    }
}

fn keys(model: &Model<'_>, errors: &mut Errors) {
    let keys: Vec<&Field<'_>> = model.fields.iter().filter(|f| f.is_key()).collect();
    if keys.is_empty() {
        errors.at(
            model.ident.span(),
            "a resource needs a primary key: mark one field `#[sea_orm(primary_key)]`",
        );
    }
    for extra in keys.iter().skip(1) {
        if let Some(span) = extra.sea_orm.primary_key {
            errors.at(
                span,
                "a resource needs a single-column primary key: keep `primary_key` on one field",
            );
        }
    }
}

fn operations(model: &Model<'_>, errors: &mut Errors) {
    let options = &model.options;
    let skipped = |op: Op| {
        options
            .skip
            .as_ref()
            .is_some_and(|(_, ops)| ops.contains(&op))
    };
    if let Some((key, ops)) = &options.skip
        && ops.len() == Op::ALL.len()
    {
        errors.at(
            key.span(),
            "every operation is skipped, which leaves no route: remove at least one from `skip(...)`",
        );
    }
    for access in &options.access {
        if let crate::model::AccessKey::Op(op) = access.key
            && skipped(op)
        {
            errors.at(
                access.key_span,
                format!("`{}` is skipped, so it has no access rule: remove this entry or `{}` from `skip(...)`", op.name(), op.name()),
            );
        }
    }
    let owner_field = model.fields.iter().any(|f| f.owner.is_some());
    let owner_rules: Vec<_> = options
        .access
        .iter()
        .filter(|a| a.rule == AccessRule::Owner)
        .collect();
    if !owner_field {
        for access in &owner_rules {
            errors.at(
                access.rule_span,
                "the `owner` rule needs an owner field: mark the field holding the owner's id `#[resource(owner)]`",
            );
        }
    }
    if let Some((key, _)) = &options.bypass
        && owner_rules.is_empty()
    {
        errors.at(
            key.span(),
            "`bypass` applies to `owner` access rules and there is none: remove it, or use `owner` in `access(...)`",
        );
    }
}

fn single(
    model: &Model<'_>,
    name: &str,
    key: impl Fn(&Field<'_>) -> Option<Key>,
    errors: &mut Errors,
) {
    for key in model.fields.iter().filter_map(&key).skip(1) {
        errors.at(
            key.span,
            format!("only one field can be `{name}`: remove this one"),
        );
    }
}

fn default_sort(model: &Model<'_>, errors: &mut Errors) {
    let Some(lit) = &model.options.default_sort else {
        return;
    };
    for entry in lit.value().split(',') {
        let entry = entry.trim();
        let name = entry.strip_prefix('-').unwrap_or(entry);
        match model.field(name) {
            _ if name.is_empty() => errors.at(
                lit.span(),
                "`default_sort` lists fields separated by commas, `-` for descending: `default_sort = \"-created_at,name\"`",
            ),
            Some(field) if field.sort.is_some() => {}
            Some(_) => errors.at(
                lit.span(),
                format!("`{name}` is not sortable: add `sort` to its `#[resource(...)]`, or leave it out of `default_sort`"),
            ),
            None => errors.at(
                lit.span(),
                format!("no field is named `{name}` in JSON; `default_sort` lists sortable fields by their JSON names{}", model.json_hint(name)),
            ),
        }
    }
}

/// The one `{placeholder}` of a nested route, if it has exactly one.
pub(crate) fn placeholder(path: &str) -> Option<&str> {
    let (_, rest) = path.split_once('{')?;
    let (name, rest) = rest.split_once('}')?;
    (!rest.contains(['{', '}']) && !name.is_empty() && !name.contains('{')).then_some(name)
}

/// `parent = "users"` or `"users.id"`: the parent's table and key column (`id` when left
/// out), each a plain SQL identifier.
pub(crate) fn parent_table(text: &str) -> Option<(&str, &str)> {
    let (table, key) = text.split_once('.').unwrap_or((text, "id"));
    let plain = |name: &str| {
        name.bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    };
    (plain(table) && plain(key)).then_some((table, key))
}

fn nested(model: &Model<'_>, errors: &mut Errors) {
    const EXAMPLE: &str = "nested = \"/users/{user_id}/orders\"";
    if let Some(parent) = &model.options.parent {
        if model.options.nested.is_none() {
            errors.at(
                parent.span(),
                "`parent` names the table of a nested route's parent, and there is no `nested`: add `nested = \"/users/{user_id}/orders\"` or remove `parent`",
            );
        } else if parent_table(&parent.value()).is_none() {
            errors.at(
                parent.span(),
                "`parent` is a table, optionally with its key column, each a plain SQL name: `parent = \"users\"` or `parent = \"users.id\"`",
            );
        }
    }
    let Some(lit) = &model.options.nested else {
        return;
    };
    let path = lit.value();
    check_path(&path, lit.span(), EXAMPLE, errors);
    let Some(param) = placeholder(&path) else {
        errors.at(
            lit.span(),
            format!("a nested route has exactly one `{{placeholder}}`, named like the field it matches: `{EXAMPLE}`"),
        );
        return;
    };
    let field_span = options_field_span(model).unwrap_or_else(|| lit.span());
    let name = model
        .options
        .nested_field_name()
        .unwrap_or_else(|| param.to_owned());
    match model.field(&name) {
        Some(field) if field.in_view() && field.has_column() => {
            if let Some(create) = &model.options.nested_create
                && field.in_create()
            {
                errors.at(
                    create.span(),
                    format!("`nested(create)` takes `{name}` from the path, never the body: mark the field `read_only`"),
                );
            }
        }
        Some(_) => errors.at(
            field_span,
            format!("`{name}` is hidden or has no column, so it cannot select the rows of a nested route"),
        ),
        None if model.options.nested_field.is_some() => errors.at(
            field_span,
            format!("no field is named `{name}` in JSON: `field` names the field the placeholder matches{}", model.json_hint(&name)),
        ),
        None => errors.at(
            lit.span(),
            format!("`{{{param}}}` names no field: the placeholder is the JSON name of the field it matches, like `{{user_id}}`, or give `nested(path = \"…\", field = \"user_id\")`{}", model.json_hint(param)),
        ),
    }
}

/// Where `nested(field = "…")` was written.
fn options_field_span(model: &Model<'_>) -> Option<Span> {
    model.options.nested_field.as_ref().map(syn::LitStr::span)
}

fn list_options(model: &Model<'_>, errors: &mut Errors) {
    let options = &model.options;
    if options.cursor.is_some() {
        for field in model.fields.iter().filter(|f| f.optional) {
            if let Some(sort) = field.sort {
                errors.at(
                    sort.span,
                    format!("cursor pagination cannot sort by `{}`: it is an `Option`, and keyset cursors need non-null sort fields; remove `sort` or `cursor`", field.json),
                );
            }
        }
    }
    if let Some(lit) = &options.search_language {
        let value = lit.value();
        if value.is_empty() || !value.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
            errors.at(
                lit.span(),
                "a text search configuration is a lowercase name like \"english\" or \"simple\" (a-z and _)",
            );
        }
        if !model.fields.iter().any(|f| f.search.is_some()) {
            errors.at(
                lit.span(),
                "`search_language` has no effect: no field is marked `search`; add `#[resource(search)]` to a text field or remove it",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders() {
        assert_eq!(placeholder("/users/{user_id}/orders"), Some("user_id"));
        assert_eq!(placeholder("/users/{id}"), Some("id"));
        assert_eq!(placeholder("/users/orders"), None);
        assert_eq!(placeholder("/users/{}/orders"), None);
        assert_eq!(placeholder("/a/{x}/b/{y}"), None);
        assert_eq!(placeholder("/a/{x{y}}"), None);
    }

    fn check_source(source: &str) -> Vec<String> {
        let input: syn::DeriveInput = syn::parse_str(source).unwrap();
        let mut errors = Errors::default();
        if let Some(model) = Model::parse(&input, &mut errors) {
            check(&model, &mut errors);
        }
        match errors.finish() {
            Ok(()) => Vec::new(),
            Err(error) => error.into_iter().map(|e| e.to_string()).collect(),
        }
    }

    #[test]
    fn a_sound_model_passes() {
        let errors = check_source(
            r#"
            #[sea_orm(table_name = "products")]
            #[resource(access(read = public, write = owner), default_sort = "-created_at", cursor)]
            pub struct Model {
                #[sea_orm(primary_key)]
                pub id: i32,
                #[resource(filter(eq, range), sort, length(min = 1, max = 10))]
                pub name: String,
                #[resource(owner)]
                pub owner_id: i64,
                #[resource(created_at, sort)]
                pub created_at: DateTimeUtc,
            }"#,
        );
        assert!(errors.is_empty(), "{errors:?}");
    }

    #[test]
    fn every_problem_is_reported() {
        let errors = check_source(
            r#"
            #[sea_orm(table_name = "products")]
            #[resource(access(read = owner), skip(list, get, create, replace, update, delete))]
            pub struct Model {
                pub id: i32,
                #[resource(hidden, sort, length(min = 3, max = 1))]
                pub name: String,
            }"#,
        );
        assert_eq!(errors.len(), 5, "{errors:?}");
        assert!(errors[0].contains("primary key"));
    }
}
