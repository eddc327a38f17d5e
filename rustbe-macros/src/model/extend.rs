//! The struct-level extension points: `filter_fn(...)` (a custom list filter backed by an app
//! function) and `view(...)` (a named list view). Each may be given several times.

use syn::{Expr, ExprPath, Ident, LitStr};

use super::wrong_form;
use crate::attr::{self, Arg};
use crate::errors::Errors;

const FILTER_FN: &str =
    "filter_fn(name = \"in_stock\", with = crate::filters::in_stock, description = \"…\")";
const VIEW: &str =
    "view(name = \"popular\", sort = \"-popularity_score\", limit = 10, cache = \"15m\")";

/// `filter_fn(name = "…", with = path, description = "…")`.
pub(crate) struct FilterFn {
    pub(crate) key: Ident,
    pub(crate) name: LitStr,
    pub(crate) with: ExprPath,
    pub(crate) description: Option<LitStr>,
}

/// `view(name = "…", sort = "…", limit = N, cache = "…", summary = "…")`.
pub(crate) struct View {
    pub(crate) key: Ident,
    pub(crate) name: LitStr,
    pub(crate) sort: LitStr,
    pub(crate) limit: usize,
    /// The TTL in milliseconds.
    pub(crate) cache: Option<u64>,
    pub(crate) summary: Option<LitStr>,
}

/// The `key = value` entries of a list argument, each key once and among `keys`.
fn entries<'a>(
    arg: &'a Arg,
    what: &str,
    keys: &[&str],
    example: &str,
    errors: &mut Errors,
) -> Option<(&'a Ident, Vec<(&'a Ident, &'a Expr)>)> {
    let Arg::List(key, list) = arg else {
        wrong_form(arg, what, example, errors);
        return None;
    };
    let mut out: Vec<(&Ident, &Expr)> = Vec::new();
    for entry in list {
        let Arg::Value(name, value) = entry else {
            errors.at(
                entry.span(),
                format!(
                    "`{what}` takes `key = value` entries among {}: `{example}`",
                    keys.join(", ")
                ),
            );
            continue;
        };
        let text = name.to_string();
        if !keys.contains(&text.as_str()) {
            let hint = crate::names::did_you_mean(&text, keys)
                .map(|near| format!("did you mean `{near}`? "))
                .unwrap_or_default();
            errors.at(
                name.span(),
                format!(
                    "unknown key `{text}` of `{what}`; {hint}the keys are: {}",
                    keys.join(", ")
                ),
            );
        } else if out.iter().any(|(given, _)| *given == name) {
            errors.at(
                name.span(),
                format!("`{text}` is given twice: give it once"),
            );
        } else {
            out.push((name, value));
        }
    }
    Some((key, out))
}

fn string_of(value: &Expr, key: &str, example: &str, errors: &mut Errors) -> Option<LitStr> {
    let lit = attr::lit_str(value).cloned();
    if lit.is_none() {
        errors.at(
            attr::span_of(value),
            format!("`{key}` is a string: `{example}`"),
        );
    }
    lit
}

/// A `filter_fn(...)` argument.
pub(crate) fn filter_fn(arg: &Arg, errors: &mut Errors) -> Option<FilterFn> {
    let (key, entries) = entries(
        arg,
        "filter_fn",
        &["name", "with", "description"],
        FILTER_FN,
        errors,
    )?;
    let given: Vec<String> = entries.iter().map(|(k, _)| k.to_string()).collect();
    let (mut name, mut with, mut description) = (None, None, None);
    for (entry, value) in entries {
        match entry.to_string().as_str() {
            "name" => name = string_of(value, "name", FILTER_FN, errors),
            "description" => description = string_of(value, "description", FILTER_FN, errors),
            _ => match value {
                Expr::Path(path) => with = Some(path.clone()),
                _ => errors.at(
                    attr::span_of(value),
                    format!("`with` is the path of a function, unquoted: `{FILTER_FN}`"),
                ),
            },
        }
    }
    match (name, with) {
        (Some(name), Some(with)) => Some(FilterFn {
            key: key.clone(),
            name,
            with,
            description,
        }),
        _ => {
            for needed in ["name", "with"] {
                if !given.iter().any(|g| g == needed) {
                    errors.at(
                        key.span(),
                        format!("`filter_fn` needs `{needed}`: `{FILTER_FN}`"),
                    );
                }
            }
            None
        }
    }
}

/// A `view(...)` argument.
pub(crate) fn view(arg: &Arg, errors: &mut Errors) -> Option<View> {
    let (key, entries) = entries(
        arg,
        "view",
        &["name", "sort", "limit", "cache", "summary"],
        VIEW,
        errors,
    )?;
    let entries_given: Vec<String> = entries.iter().map(|(k, _)| k.to_string()).collect();
    let (mut name, mut sort, mut limit, mut cache, mut summary) = (None, None, None, None, None);
    for (entry, value) in entries {
        match entry.to_string().as_str() {
            "name" => name = string_of(value, "name", VIEW, errors),
            "sort" => sort = string_of(value, "sort", VIEW, errors),
            "summary" => summary = string_of(value, "summary", VIEW, errors),
            "cache" => {
                if let Some(lit) = string_of(value, "cache", VIEW, errors) {
                    match attr::parse_duration(&lit.value()) {
                        Ok(millis) => cache = Some(millis),
                        Err(message) => errors.at(lit.span(), message),
                    }
                }
            }
            _ => match attr::count(value) {
                Some(n) if (1..=1000).contains(&n) => limit = Some(n),
                _ => errors.at(
                    attr::span_of(value),
                    format!("`limit` is a whole number from 1 to 1000: `{VIEW}`"),
                ),
            },
        }
    }
    let given: Vec<String> = entries_given;
    match (name, sort, limit) {
        (Some(name), Some(sort), Some(limit)) => Some(View {
            key: key.clone(),
            name,
            sort,
            limit,
            cache,
            summary,
        }),
        _ => {
            for needed in ["name", "sort", "limit"] {
                if !given.iter().any(|g| g == needed) {
                    errors.at(key.span(), format!("`view` needs `{needed}`: `{VIEW}`"));
                }
            }
            None
        }
    }
}
