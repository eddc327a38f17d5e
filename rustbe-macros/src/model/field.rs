//! A field and its `#[resource(...)]` options.

use syn::{Attribute, Ident, Type, Visibility};

use super::rule::{FilterOpts, Rule, filter, rule};
use super::{Key, option_inner, type_name};
use crate::attr::{self, Arg, SeaOrmField};
use crate::errors::Errors;
use crate::names::{self, RenameRule};

const KEYS: &str = "rename, read_only, hidden, write_once, created_at, updated_at, owner, default, filter, search, sort, trim, length, range, multiple_of, email, url, one_of, pattern, custom";

/// How the primary key gets its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyMode {
    /// A `Uuid`, made by the server.
    Generated,
    /// Given in the create body (`String`, or `auto_increment = false`).
    Client,
    /// Made by the database (an auto-increment integer).
    Database,
}

/// A field of the model.
pub(crate) struct Field<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) vis: &'a Visibility,
    pub(crate) ty: &'a Type,
    /// The type without its outer `Option`.
    pub(crate) inner: &'a Type,
    pub(crate) optional: bool,
    pub(crate) docs: Vec<&'a Attribute>,
    /// The JSON name.
    pub(crate) json: String,
    /// The `Column` variant.
    pub(crate) column: Ident,
    pub(crate) sea_orm: SeaOrmField,
    pub(crate) read_only: Option<Key>,
    pub(crate) hidden: Option<Key>,
    pub(crate) write_once: Option<Key>,
    pub(crate) created_at: Option<Key>,
    pub(crate) updated_at: Option<Key>,
    pub(crate) owner: Option<Key>,
    pub(crate) filter: Option<FilterOpts>,
    pub(crate) search: Option<Key>,
    pub(crate) sort: Option<Key>,
    /// `trim`: surrounding white space is removed before the rules run and the row is written.
    pub(crate) trim: Option<Key>,
    /// `default = expr`: the value a create gives a field no body has.
    pub(crate) default: Option<(Key, syn::Expr)>,
    /// `rename = "..."`: the JSON name, over `rename_all` and `#[serde(rename)]`.
    pub(crate) rename: Option<syn::LitStr>,
    pub(crate) rules: Vec<Rule>,
}

impl<'a> Field<'a> {
    /// The field, or `None` if it has no name (the struct is checked to have named fields).
    pub(crate) fn parse(
        field: &'a syn::Field,
        rename_all: Option<RenameRule>,
        errors: &mut Errors,
    ) -> Option<Self> {
        let ident = field.ident.as_ref()?;
        let sea_orm = attr::sea_orm_field(&field.attrs);
        let raw = names::unraw(ident);
        let variant = names::column_variant(&raw, sea_orm.enum_name.as_deref());
        let column = match syn::parse_str::<Ident>(&variant) {
            Ok(mut column) => {
                column.set_span(ident.span());
                column
            }
            Err(_) => {
                errors.at(
                    ident.span(),
                    format!("SeaORM names this field's column `{variant}`, which is not an identifier: rename the field or give `#[sea_orm(enum_name = \"...\")]`"),
                );
                ident.clone()
            }
        };
        let inner = option_inner(&field.ty);
        let mut out = Self {
            ident,
            vis: &field.vis,
            ty: &field.ty,
            inner: inner.unwrap_or(&field.ty),
            optional: inner.is_some(),
            docs: field
                .attrs
                .iter()
                .filter(|attr| attr.path().is_ident("doc"))
                .collect(),
            json: String::new(),
            column,
            sea_orm,
            read_only: None,
            hidden: None,
            write_once: None,
            created_at: None,
            updated_at: None,
            owner: None,
            filter: None,
            search: None,
            sort: None,
            trim: None,
            default: None,
            rename: None,
            rules: Vec::new(),
        };
        for (order, arg) in attr::resource_args(&field.attrs, errors).iter().enumerate() {
            out.parse_one(arg, order, errors);
        }
        // The field's own name wins over the struct's casing.
        out.json = out
            .rename
            .as_ref()
            .map(syn::LitStr::value)
            .or_else(|| attr::serde_rename(&field.attrs))
            .unwrap_or_else(|| rename_all.map_or_else(|| raw.clone(), |rule| rule.apply(&raw)));
        Some(out)
    }

    fn parse_one(&mut self, arg: &Arg, order: usize, errors: &mut Errors) {
        let Some(ident) = arg.key() else {
            errors.at(
                arg.span(),
                format!("expected a key; the keys of `#[resource(...)]` on a field are: {KEYS}"),
            );
            return;
        };
        let name = ident.to_string();
        let key = Key {
            span: ident.span(),
            order,
        };
        let slot = match name.as_str() {
            "read_only" => &mut self.read_only,
            "hidden" => &mut self.hidden,
            "write_once" => &mut self.write_once,
            "created_at" => &mut self.created_at,
            "updated_at" => &mut self.updated_at,
            "owner" => &mut self.owner,
            "search" => &mut self.search,
            "sort" => &mut self.sort,
            "trim" => &mut self.trim,
            "default" => {
                match (arg, &self.default) {
                    (_, Some(_)) => twice(&name, key, errors),
                    (Arg::Value(_, value), None) => self.default = Some((key, value.clone())),
                    _ => errors.at(
                        arg.span(),
                        "`default` is written `default = value`, like `default = false`",
                    ),
                }
                return;
            }
            "rename" => {
                match (arg, &self.rename) {
                    (_, Some(_)) => twice(&name, key, errors),
                    (Arg::Value(_, value), None) => match attr::lit_str(value) {
                        Some(lit) if !lit.value().is_empty() => self.rename = Some(lit.clone()),
                        _ => errors.at(
                            attr::span_of(value),
                            "`rename` is a non-empty string: `rename = \"unitPrice\"`",
                        ),
                    },
                    _ => errors.at(arg.span(), "`rename` is written `rename = \"unitPrice\"`"),
                }
                return;
            }
            "filter" => {
                if self.filter.is_some() {
                    twice(&name, key, errors);
                } else {
                    self.filter = filter(arg, key, errors);
                }
                return;
            }
            "length" | "range" | "multiple_of" | "email" | "url" | "one_of" | "pattern"
            | "custom" => {
                if self.rules.iter().any(|rule| rule.name == name) {
                    twice(&name, key, errors);
                } else if let Some(rule) = rule(arg, key, errors) {
                    self.rules.push(rule);
                }
                return;
            }
            _ => {
                let candidates: Vec<&str> = KEYS.split(", ").collect();
                let hint = crate::names::did_you_mean(&name, &candidates)
                    .map(|near| format!("did you mean `{near}`? "))
                    .unwrap_or_default();
                errors.at(
                    key.span,
                    format!("unknown key `{name}`; {hint}the keys of `#[resource(...)]` on a field are: {KEYS}"),
                );
                return;
            }
        };
        if slot.is_some() {
            twice(&name, key, errors);
        } else if matches!(arg, Arg::Flag(_)) {
            *slot = Some(key);
        } else {
            errors.at(
                arg.span(),
                format!("`{name}` takes no value: write `{name}`"),
            );
        }
    }

    /// Whether this is the primary key.
    pub(crate) fn is_key(&self) -> bool {
        self.sea_orm.primary_key.is_some()
    }

    /// How the primary key gets its value (meaningful for the key only).
    pub(crate) fn key_mode(&self) -> KeyMode {
        match type_name(self.ty).as_deref() {
            Some("Uuid") => KeyMode::Generated,
            Some("String") => KeyMode::Client,
            _ if self.sea_orm.auto_increment == Some(false) => KeyMode::Client,
            _ => KeyMode::Database,
        }
    }

    /// Whether the server sets it on writes (owner, timestamps).
    pub(crate) fn server_set(&self) -> bool {
        self.owner.is_some() || self.created_at.is_some() || self.updated_at.is_some()
    }

    /// Whether it has a column (is not `#[sea_orm(ignore)]`).
    pub(crate) fn has_column(&self) -> bool {
        self.sea_orm.ignore.is_none()
    }

    /// Whether the create body has it.
    pub(crate) fn in_create(&self) -> bool {
        let key_ok = !self.is_key() || self.key_mode() == KeyMode::Client;
        key_ok
            && self.read_only.is_none()
            && self.hidden.is_none()
            && !self.server_set()
            && self.has_column()
    }

    /// Whether the replace and patch bodies have it.
    pub(crate) fn in_replace(&self) -> bool {
        self.in_create() && !self.is_key() && self.write_once.is_none()
    }

    /// Whether responses show it.
    pub(crate) fn in_view(&self) -> bool {
        self.hidden.is_none()
    }
}

fn twice(name: &str, key: Key, errors: &mut Errors) {
    errors.at(key.span, format!("`{name}` is given twice: give it once"));
}
