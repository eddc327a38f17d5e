//! Checks of the extension points: custom filter names that clash with no other parameter,
//! views over sortable fields, and range filters only on ordered types.

use crate::errors::Errors;
use crate::model::{Model, Op, type_name};

/// Parameters every list has, or may have.
const RESERVED: [&str; 6] = ["page", "limit", "sort", "order", "cursor", "q"];

/// Whether `name` is a plain query parameter: ASCII letters, digits, `_` and `-`, not
/// starting with a digit or `-` (`in_stock`, `inStock`, `in-stock`).
fn plain(name: &str) -> bool {
    name.bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// The query parameters the fields' own filters take.
fn field_parameters(model: &Model<'_>) -> Vec<String> {
    let mut out = Vec::new();
    for field in &model.fields {
        let Some(filter) = field.filter else { continue };
        if filter.eq {
            out.push(field.json.clone());
        }
        if filter.range {
            out.push(format!("min_{}", field.json));
            out.push(format!("max_{}", field.json));
        }
        if filter.any_of {
            out.push(format!("{}_in", field.json));
        }
    }
    out
}

pub(super) fn check(model: &Model<'_>, errors: &mut Errors) {
    let options = &model.options;
    let taken = field_parameters(model);
    let mut seen: Vec<String> = Vec::new();
    for custom in &options.filter_fns {
        let name = custom.name.value();
        if !plain(&name) {
            errors.at(
                custom.name.span(),
                "a filter parameter is a plain name (ASCII letters, digits, `_`, `-`): `name = \"in_stock\"`",
            );
        } else if RESERVED.contains(&name.as_str()) {
            errors.at(
                custom.name.span(),
                format!("`{name}` is a parameter of every list (page, limit, sort, order, cursor, q): name the filter otherwise"),
            );
        } else if taken.contains(&name) {
            errors.at(
                custom.name.span(),
                format!("`{name}` is already the parameter of a field's `filter`: name the custom filter otherwise or remove the field's form"),
            );
        } else if seen.contains(&name) {
            errors.at(
                custom.name.span(),
                format!("two `filter_fn`s are named `{name}`: give each its own name"),
            );
        }
        seen.push(name);
    }
    let list_skipped = options
        .skip
        .as_ref()
        .is_some_and(|(_, ops)| ops.contains(&Op::List));
    if list_skipped {
        for custom in &options.filter_fns {
            errors.at(
                custom.key.span(),
                "`filter_fn` filters the list route, which `skip(list)` switches off",
            );
        }
    }
    let mut views: Vec<String> = Vec::new();
    for view in &options.views {
        if list_skipped {
            errors.at(
                view.key.span(),
                "a view is served under the list's access rule, and `skip(list)` switches the list off: remove `list` from `skip`",
            );
        }
        let name = view.name.value();
        let segment = name
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if !segment {
            errors.at(
                view.name.span(),
                "a view's name is one path segment (`a-z`, `0-9`, `-`, `_`): `name = \"popular\"`",
            );
        } else if views.contains(&name) {
            errors.at(
                view.name.span(),
                format!("two views are named `{name}`: give each its own name"),
            );
        }
        views.push(name);
        for entry in view.sort.value().split(',') {
            let entry = entry.trim();
            let field = entry.strip_prefix('-').unwrap_or(entry);
            match model.field(field) {
                _ if field.is_empty() => errors.at(
                    view.sort.span(),
                    "`sort` lists fields separated by commas, `-` for descending: `sort = \"-popularity_score,name\"`",
                ),
                Some(f) if f.sort.is_some() || f.is_key() => {}
                Some(_) => errors.at(
                    view.sort.span(),
                    format!("`{field}` is not sortable: add `sort` to its `#[resource(...)]`"),
                ),
                None => errors.at(
                    view.sort.span(),
                    format!("no field is named `{field}` in JSON; a view's `sort` lists sortable fields by their JSON names{}", model.json_hint(field)),
                ),
            }
        }
    }
    if let Some(scope) = &options.scope {
        let span = syn::spanned::Spanned::span(scope);
        if options.cache.is_some() {
            errors.at(
                span,
                "`scope` and `cache` together would share one caller's rows with every caller: remove `cache`",
            );
        }
        if options.views.iter().any(|view| view.cache.is_some()) {
            errors.at(
                span,
                "`scope` and a cached `view` together would share one caller's rows with every caller: remove the view's `cache`",
            );
        }
    }
    for field in &model.fields {
        let Some(filter) = field.filter else { continue };
        let unordered = matches!(type_name(field.inner).as_deref(), Some("bool" | "Uuid"));
        if filter.range && unordered {
            errors.at(
                filter.key.span,
                format!("`filter(range)` needs a type with a meaningful order (numbers, dates, text, decimals); `{}` has none: use `filter` or `filter(in)`", field.json),
            );
        }
    }
}
