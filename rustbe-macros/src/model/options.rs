//! The struct-level `#[resource(...)]` options.

use syn::{Expr, ExprPath, Ident, LitStr};

use super::access::{Access, Op, access, bypass};
use super::extend::{self, FilterFn, View};
use super::wrong_form;
use crate::attr::{self, Arg};
use crate::errors::Errors;
use crate::names::RenameRule;

const KEYS: &str = "name, path, skip, access, bypass, default_sort, cache, hooks, cursor, nested, parent, search_language, filter_fn, view, scope, rename_all";
const KEY_LIST: [&str; 16] = [
    "name",
    "path",
    "skip",
    "access",
    "bypass",
    "default_sort",
    "cache",
    "hooks",
    "cursor",
    "nested",
    "parent",
    "search_language",
    "filter_fn",
    "view",
    "scope",
    "rename_all",
];

/// The struct-level options.
#[derive(Default)]
pub(crate) struct Options {
    pub(crate) name: Option<LitStr>,
    pub(crate) path: Option<LitStr>,
    /// The `skip` key and the operations it lists.
    pub(crate) skip: Option<(Ident, Vec<Op>)>,
    pub(crate) access: Vec<Access>,
    /// The `bypass` key and its roles.
    pub(crate) bypass: Option<(Ident, Vec<String>)>,
    pub(crate) default_sort: Option<LitStr>,
    /// The `cache` key and its TTL in milliseconds.
    pub(crate) cache: Option<(Ident, u64)>,
    pub(crate) hooks: Option<Ident>,
    pub(crate) cursor: Option<Ident>,
    pub(crate) nested: Option<LitStr>,
    /// `nested(field = "…")`: the field the placeholder matches, when its name differs.
    pub(crate) nested_field: Option<LitStr>,
    /// `nested(create)`: `POST` under the parent.
    pub(crate) nested_create: Option<Ident>,
    /// `nested(only)`: the collection's own list and create are off.
    pub(crate) nested_only: Option<Ident>,
    /// The parent table of the nested route, and its key column (`"users"` or `"users.id"`).
    pub(crate) parent: Option<LitStr>,
    pub(crate) search_language: Option<LitStr>,
    /// `filter_fn(...)`, each a custom list filter.
    pub(crate) filter_fns: Vec<FilterFn>,
    /// `view(...)`, each a named list view.
    pub(crate) views: Vec<View>,
    /// `scope = path`: the read hook.
    pub(crate) scope: Option<ExprPath>,
    /// `rename_all = "camelCase"`: the JSON names of the fields.
    pub(crate) rename_all: Option<RenameRule>,
}

impl Options {
    /// The options of the struct's `#[resource(...)]` arguments.
    pub(crate) fn parse(args: &[Arg], errors: &mut Errors) -> Self {
        let mut options = Self::default();
        let mut seen: Vec<String> = Vec::new();
        for arg in args {
            let Some(key) = arg.key() else {
                errors.at(
                    arg.span(),
                    format!(
                        "expected a key; the keys of `#[resource(...)]` on the struct are: {KEYS}"
                    ),
                );
                continue;
            };
            let name = key.to_string();
            if seen.contains(&name) && !matches!(name.as_str(), "filter_fn" | "view") {
                errors.at(key.span(), format!("`{name}` is given twice: give it once"));
                continue;
            }
            seen.push(name.clone());
            options.parse_one(&name, arg, errors);
        }
        options
    }

    fn parse_one(&mut self, name: &str, arg: &Arg, errors: &mut Errors) {
        match name {
            "name" => self.name = string(arg, "name = \"Product\"", errors),
            "path" => self.path = string(arg, "path = \"/products\"", errors),
            "default_sort" => {
                self.default_sort = string(arg, "default_sort = \"-created_at,name\"", errors);
            }
            "nested" => self.nested_routes(arg, errors),
            "parent" => self.parent = string(arg, "parent = \"users\"", errors),
            "search_language" => {
                self.search_language = string(arg, "search_language = \"english\"", errors);
            }
            "hooks" => self.hooks = flag(arg, "hooks", errors),
            "cursor" => self.cursor = flag(arg, "cursor", errors),
            "skip" => self.skip = skip(arg, errors),
            "access" => self.access = access(arg, errors),
            "bypass" => self.bypass = bypass(arg, errors),
            "cache" => self.cache = cache(arg, errors),
            "filter_fn" => self.filter_fns.extend(extend::filter_fn(arg, errors)),
            "view" => self.views.extend(extend::view(arg, errors)),
            "rename_all" => self.rename_all = rename_all(arg, errors),
            "scope" => match arg {
                Arg::Value(_, Expr::Path(path)) => self.scope = Some(path.clone()),
                _ => wrong_form(arg, "scope", "scope = crate::scopes::published", errors),
            },
            _ => {
                let hint = crate::names::did_you_mean(name, &KEY_LIST)
                    .map(|near| format!("did you mean `{near}`? "))
                    .unwrap_or_default();
                errors.at(
                    arg.span(),
                    format!(
                        "unknown key `{name}`; {hint}the keys of `#[resource(...)]` on the struct are: {KEYS}"
                    ),
                );
            }
        }
    }
}

impl Options {
    /// `nested = "/users/{user_id}/orders"`, or
    /// `nested(path = "/products/{id}/reviews", field = "product_id", create, only)`.
    fn nested_routes(&mut self, arg: &Arg, errors: &mut Errors) {
        const EXAMPLE: &str = "nested = \"/users/{user_id}/orders\" or nested(path = \"/products/{id}/reviews\", field = \"product_id\", create, only)";
        let Arg::List(key, entries) = arg else {
            self.nested = string(arg, EXAMPLE, errors);
            return;
        };
        for entry in entries {
            match entry {
                Arg::Value(name, value) if name == "path" || name == "field" => {
                    let Some(lit) = attr::lit_str(value).cloned() else {
                        errors.at(
                            attr::span_of(value),
                            format!("`{name}` is a string: `{EXAMPLE}`"),
                        );
                        continue;
                    };
                    if name == "path" {
                        self.nested = Some(lit);
                    } else {
                        self.nested_field = Some(lit);
                    }
                }
                Arg::Flag(name) if name == "create" => self.nested_create = Some(name.clone()),
                Arg::Flag(name) if name == "only" => self.nested_only = Some(name.clone()),
                _ => {
                    let hint = crate::names::hint(
                        &crate::names::key_text(entry),
                        &["path", "field", "create", "only"],
                    );
                    errors.at(
                        entry.span(),
                        format!("{hint}`nested(...)` takes `path = \"…\"`, `field = \"…\"`, `create` and `only`: `{EXAMPLE}`"),
                    );
                }
            }
        }
        if self.nested.is_none() {
            errors.at(
                key.span(),
                format!("`nested(...)` needs `path`: `{EXAMPLE}`"),
            );
        }
    }

    /// The field (JSON name) a nested route's placeholder matches.
    pub(crate) fn nested_field_name(&self) -> Option<String> {
        if let Some(field) = &self.nested_field {
            return Some(field.value());
        }
        let path = self.nested.as_ref()?.value();
        crate::validate::placeholder(&path).map(str::to_owned)
    }
}

fn string(arg: &Arg, example: &str, errors: &mut Errors) -> Option<LitStr> {
    if let Arg::Value(_, value) = arg
        && let Some(lit) = attr::lit_str(value)
    {
        return Some(lit.clone());
    }
    let key = arg.key().map(ToString::to_string).unwrap_or_default();
    wrong_form(arg, &key, example, errors);
    None
}

/// `rename_all = "camelCase"`: one of serde's casings.
fn rename_all(arg: &Arg, errors: &mut Errors) -> Option<RenameRule> {
    let lit = string(arg, "rename_all = \"camelCase\"", errors)?;
    let value = lit.value();
    if let Some(rule) = RenameRule::from_name(&value) {
        return Some(rule);
    }
    let names: Vec<&str> = RenameRule::ALL.iter().map(|(name, _)| *name).collect();
    let hint = crate::names::did_you_mean(&value, &names)
        .or_else(|| {
            // `camelcase`, `Snake_Case`: the right casing, written in another.
            names
                .iter()
                .find(|name| name.eq_ignore_ascii_case(&value))
                .copied()
        })
        .map(|near| format!("did you mean `{near}`? "))
        .unwrap_or_default();
    errors.at(
        lit.span(),
        format!(
            "unknown casing `{value}`; {hint}`rename_all` takes one of serde's: {}",
            names.join(", ")
        ),
    );
    None
}

fn flag(arg: &Arg, example: &str, errors: &mut Errors) -> Option<Ident> {
    if let Arg::Flag(key) = arg {
        return Some(key.clone());
    }
    errors.at(
        arg.span(),
        format!("`{example}` takes no value: write `{example}`"),
    );
    None
}

fn skip(arg: &Arg, errors: &mut Errors) -> Option<(Ident, Vec<Op>)> {
    let Arg::List(key, entries) = arg else {
        wrong_form(arg, "skip", "skip(delete, replace)", errors);
        return None;
    };
    let mut ops = Vec::new();
    for entry in entries {
        let op = match entry {
            Arg::Flag(ident) => Op::from_name(&ident.to_string()),
            _ => None,
        };
        match op {
            Some(op) if ops.contains(&op) => {
                errors.at(
                    entry.span(),
                    format!("`{}` is skipped twice: list it once", op.name()),
                );
            }
            Some(op) => ops.push(op),
            None => {
                let names: Vec<&str> = Op::ALL.iter().map(|op| op.name()).collect();
                let hint = crate::names::hint(&crate::names::key_text(entry), &names);
                errors.at(
                    entry.span(),
                    format!("unknown operation; {hint}`skip(...)` lists operations among: list, get, create, replace, update, delete"),
                );
            }
        }
    }
    Some((key.clone(), ops))
}

fn cache(arg: &Arg, errors: &mut Errors) -> Option<(Ident, u64)> {
    const EXAMPLE: &str = "cache(ttl = \"60s\")";
    let Arg::List(key, entries) = arg else {
        wrong_form(arg, "cache", EXAMPLE, errors);
        return None;
    };
    let mut ttl = None;
    for entry in entries {
        match entry {
            Arg::Value(name, value) if name == "ttl" && ttl.is_none() => {
                let Some(lit) = attr::lit_str(value) else {
                    errors.at(
                        attr::span_of(value),
                        format!("`ttl` is a string: `{EXAMPLE}`"),
                    );
                    continue;
                };
                match attr::parse_duration(&lit.value()) {
                    Ok(millis) => ttl = Some(millis),
                    Err(message) => errors.at(lit.span(), message),
                }
            }
            _ => {
                let given = crate::names::key_text(entry);
                let hint = if given == "ttl" {
                    String::new()
                } else {
                    crate::names::hint(&given, &["ttl"])
                };
                errors.at(
                    entry.span(),
                    format!("{hint}`cache` takes one key, `ttl`: `{EXAMPLE}`"),
                );
            }
        }
    }
    if ttl.is_none() && entries.is_empty() {
        errors.at(key.span(), format!("`cache` needs a TTL: `{EXAMPLE}`"));
    }
    ttl.map(|millis| (key.clone(), millis))
}
