//! The typed input: the `Model` struct, its struct-level options ([`Options`]) and each
//! field's options ([`Field`]). Building it reports malformed attributes; how the options fit
//! together is [`crate::validate`]'s job.

mod access;
mod extend;
mod field;
mod options;
mod rule;

use proc_macro2::Span;
use syn::{
    Attribute, Data, DeriveInput, Fields, GenericArgument, Ident, LitStr, PathArguments, Type,
    Visibility,
};

use crate::attr::{self, Arg};
use crate::errors::Errors;
use crate::names::{self, RenameRule};

pub(crate) use access::{AccessKey, AccessRule, Op};
pub(crate) use field::{Field, KeyMode};
pub(crate) use options::Options;
pub(crate) use rule::RuleKind;

/// Where a key was written and its position among its attribute's keys, so that of two keys
/// that contradict each other the later one carries the error.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Key {
    pub(crate) span: Span,
    pub(crate) order: usize,
}

impl Key {
    /// Of two keys given together, the one written later.
    pub(crate) fn later(a: Option<Self>, b: Option<Self>) -> Option<Self> {
        match (a, b) {
            (Some(a), Some(b)) => Some(if a.order > b.order { a } else { b }),
            _ => None,
        }
    }
}

/// A `#[derive(Resource)]` input.
pub(crate) struct Model<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) vis: &'a Visibility,
    /// `#[sea_orm(table_name = "...")]`.
    pub(crate) table: Option<LitStr>,
    pub(crate) options: Options,
    pub(crate) fields: Vec<Field<'a>>,
}

impl<'a> Model<'a> {
    /// The typed input; `None` when `input` is not a struct with named fields (the only
    /// error then). Every other malformed attribute goes to `errors` and is left out.
    pub(crate) fn parse(input: &'a DeriveInput, errors: &mut Errors) -> Option<Self> {
        let named = match &input.data {
            Data::Struct(data) => match &data.fields {
                Fields::Named(named) => named,
                Fields::Unnamed(_) | Fields::Unit => {
                    errors.at(
                        input.ident.span(),
                        "`Resource` needs a struct with named fields: a SeaORM `Model` such as `pub struct Model { pub id: i32, ... }`",
                    );
                    return None;
                }
            },
            Data::Enum(data) => {
                errors.at(
                    data.enum_token.span,
                    "`Resource` is derived on a SeaORM `Model` struct, not on an enum",
                );
                return None;
            }
            Data::Union(data) => {
                errors.at(
                    data.union_token.span,
                    "`Resource` is derived on a SeaORM `Model` struct, not on a union",
                );
                return None;
            }
        };
        if let Some(param) = input.generics.params.first() {
            errors.at(
                syn::spanned::Spanned::span(param),
                "a SeaORM `Model` has no generic parameters: remove them",
            );
            return None;
        }

        let table = attr::sea_orm_struct(&input.attrs).table_name;
        if table.is_none() {
            errors.at(
                input.ident.span(),
                "`Resource` needs the table: add `#[sea_orm(table_name = \"...\")]` to the struct",
            );
        }
        let options = Options::parse(&attr::resource_args(&input.attrs, errors), errors);
        // `#[resource(rename_all)]` names the API's fields; a serde `rename_all` of the
        // model's own is the fallback.
        let rename_all = options.rename_all.or_else(|| rename_all(&input.attrs));
        let fields = named
            .named
            .iter()
            .filter_map(|field| Field::parse(field, rename_all, errors))
            .collect();
        Some(Self {
            ident: &input.ident,
            vis: &input.vis,
            table,
            options,
            fields,
        })
    }

    /// The primary key field (the first, if several are marked).
    pub(crate) fn key(&self) -> Option<&Field<'a>> {
        self.fields.iter().find(|field| field.is_key())
    }

    /// The field whose JSON name is `json`.
    pub(crate) fn field(&self, json: &str) -> Option<&Field<'a>> {
        self.fields.iter().find(|field| field.json == json)
    }

    /// `: the field `created_at` is `createdAt` in JSON` when `name` is a field's Rust name
    /// and not its JSON name (after `rename_all`), else nothing: the end of a "no field is
    /// named" message.
    pub(crate) fn json_hint(&self, name: &str) -> String {
        self.fields
            .iter()
            .find(|field| names::unraw(field.ident) == name && field.json != name)
            .map(|field| format!(": the field `{name}` is `{}` in JSON", field.json))
            .unwrap_or_default()
    }

    /// The singular name: `name = "..."` or the table's.
    pub(crate) fn name(&self) -> String {
        match (&self.options.name, &self.table) {
            (Some(name), _) => name.value(),
            (None, Some(table)) => names::resource_name(&table.value()),
            (None, None) => self.ident.to_string(),
        }
    }

    /// The collection path: `path = "..."` or `/` and the table.
    pub(crate) fn path(&self) -> String {
        match (&self.options.path, &self.table) {
            (Some(path), _) => path.value(),
            (None, Some(table)) => format!("/{}", table.value()),
            (None, None) => String::new(),
        }
    }

    /// Where errors about the resource's name belong: `name = "..."`, else the table.
    pub(crate) fn name_span(&self) -> Span {
        self.options
            .name
            .as_ref()
            .or(self.table.as_ref())
            .map_or_else(|| self.ident.span(), LitStr::span)
    }
}

/// The container's `rename_all` rule. An unknown rule is left to serde's derive to report
/// (a `#[serde]` attribute needs one), so that one mistake gives one message.
fn rename_all(attrs: &[Attribute]) -> Option<RenameRule> {
    RenameRule::from_name(&attr::serde_rename_all(attrs)?.value())
}

/// The `T` of `Option<T>`.
pub(crate) fn option_inner(ty: &Type) -> Option<&Type> {
    let Type::Path(path) = ty else { return None };
    if path.qself.is_some() {
        return None;
    }
    let last = path.path.segments.last()?;
    if last.ident != "Option" {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.iter().collect::<Vec<_>>().as_slice() {
        [GenericArgument::Type(inner)] => Some(inner),
        _ => None,
    }
}

/// The last segment's name of a path type: `Uuid` of `uuid::Uuid`.
pub(crate) fn type_name(ty: &Type) -> Option<String> {
    match ty {
        Type::Path(path) if path.qself.is_none() => {
            path.path.segments.last().map(|last| last.ident.to_string())
        }
        Type::Group(group) => type_name(&group.elem),
        Type::Paren(paren) => type_name(&paren.elem),
        _ => None,
    }
}

/// What went wrong with an attribute argument's form, with an example of the right one.
pub(crate) fn wrong_form(arg: &Arg, key: &str, example: &str, errors: &mut Errors) {
    errors.at(arg.span(), format!("`{key}` is written `{example}`"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn option_types() {
        let ty: Type = syn::parse_quote!(Option<String>);
        assert!(option_inner(&ty).is_some());
        let ty: Type = syn::parse_quote!(::core::option::Option<Vec<u8>>);
        assert_eq!(
            type_name(option_inner(&ty).unwrap()).as_deref(),
            Some("Vec")
        );
        let ty: Type = syn::parse_quote!(Vec<Option<u8>>);
        assert!(option_inner(&ty).is_none());
        let ty: Type = syn::parse_quote!(sea_orm::prelude::Uuid);
        assert_eq!(type_name(&ty).as_deref(), Some("Uuid"));
    }

    #[test]
    fn key_order_picks_the_later() {
        let a = Key {
            span: Span::call_site(),
            order: 1,
        };
        let b = Key {
            span: Span::call_site(),
            order: 4,
        };
        assert_eq!(Key::later(Some(a), Some(b)).map(|k| k.order), Some(4));
        assert_eq!(Key::later(Some(b), Some(a)).map(|k| k.order), Some(4));
        assert!(Key::later(Some(a), None).is_none());
    }
}
