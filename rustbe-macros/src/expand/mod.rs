//! Code generation, once the input is known to be sound: the DTOs ([`dto`]), the `Resource`
//! impl ([`resource_impl`]) with its `Meta` ([`meta`]) and schemas ([`schema`]).

mod dto;
mod meta;
mod resource_impl;
mod schema;
#[cfg(test)]
mod snapshot;

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::{DeriveInput, Ident};

use crate::errors::Errors;
use crate::model::{Field, Model};
use crate::validate;

/// The expansion of `#[derive(Resource)]` on `input`, or every error found in it.
#[cfg(test)]
pub(crate) fn derive(input: &DeriveInput) -> syn::Result<TokenStream> {
    derive_or_fallback(input).map_err(|(err, _)| err)
}

/// The expansion of `#[derive(Resource)]` on `input`; on an error, the errors and the DTOs
/// the struct would have had, as thiserror keeps its impls: the user's code that names
/// `ProductCreate` still compiles, so one mistake is one message.
pub(crate) fn derive_with_names(input: &DeriveInput) -> TokenStream {
    derive_or_fallback(input).unwrap_or_else(|(err, dtos)| {
        let err = err.into_compile_error();
        quote!(#err #dtos)
    })
}

/// The expansion, or every error with the fallback DTOs (empty when the struct is beyond
/// naming them).
fn derive_or_fallback(input: &DeriveInput) -> Result<TokenStream, (syn::Error, TokenStream)> {
    let mut errors = Errors::default();
    let model = Model::parse(input, &mut errors);
    if let Some(model) = &model {
        validate::check(model, &mut errors);
    }
    if let Err(err) = errors.finish() {
        let dtos = model.as_ref().map(fallback).unwrap_or_default();
        return Err((err, dtos));
    }
    let Some(model) = model else {
        let err = syn::Error::new(input.ident.span(), "`Resource` cannot be derived here");
        return Err((err, TokenStream::new()));
    };
    let Some(key) = model.key() else {
        let err = syn::Error::new(input.ident.span(), "a resource needs a primary key");
        return Err((err, fallback(&model)));
    };
    Ok(expand(&model, key))
}

/// The names the expansion uses.
pub(crate) struct Names {
    /// The singular name (`Product`).
    pub(crate) name: String,
    /// The collection path (`/products`).
    pub(crate) path: String,
    pub(crate) create: Ident,
    pub(crate) replace: Ident,
    pub(crate) patch: Ident,
    pub(crate) view: Ident,
}

/// The fallback DTOs of a refused `model`, when its name makes type names (a bad `name` is
/// one of the errors, and has no DTOs).
fn fallback(model: &Model<'_>) -> TokenStream {
    if syn::parse_str::<Ident>(&model.name()).is_ok() {
        dto::fallback(model, &names(model))
    } else {
        TokenStream::new()
    }
}

/// The DTO names of `model` and its singular name and path.
fn names(model: &Model<'_>) -> Names {
    let name = model.name();
    Names {
        create: format_ident!("{name}Create", span = Span::call_site()),
        replace: format_ident!("{name}Replace", span = Span::call_site()),
        patch: format_ident!("{name}Patch", span = Span::call_site()),
        view: format_ident!("{name}View", span = Span::call_site()),
        path: model.path(),
        name,
    }
}

fn expand(model: &Model<'_>, key: &Field<'_>) -> TokenStream {
    let names = names(model);
    let ident = model.ident;
    let structs = dto::structs(model, &names);
    let validate = dto::validate_impls(model, &names);
    let resource = resource_impl::resource_impl(model, key, &names);
    let self_ty = model_type();
    let hooks = model.options.hooks.is_none().then(|| {
        quote! {
            #[automatically_derived]
            impl ::rustbe_core::resource::Hooks for #self_ty {}
        }
    });
    let entity = entity_names(ident);
    quote! {
        #structs

        const _: () = {
            #entity
            #validate
            #resource
            #hooks
        };
    }
}

/// The model as the impls name it: through the entity SeaORM's `DeriveEntityModel` makes
/// (see [`entity_names`]), so that without that derive the impls are not checked at all.
pub(crate) fn model_type() -> TokenStream {
    quote!(<__RustbeEntity as ::rustbe_core::__private::sea_orm::EntityTrait>::Model)
}

/// The names of SeaORM's `DeriveEntityModel` the expansion uses, each reached through one
/// alias of `Entity`, and a probe that says what to do when the struct does not derive it.
///
/// Without `DeriveEntityModel` there is no `Entity`: the one alias is one "cannot find type
/// `Entity`", its uses are of an erroneous type that the compiler checks no further (rather
/// than a dozen errors about `Column`, `ActiveModel`, `ModelTrait` and `FromQueryResult`), and
/// the probe picks its deprecated method, whose note is rustbe's message with the fix. With
/// the derive, the probe picks the other method and everything is what the module defines.
fn entity_names(ident: &Ident) -> TokenStream {
    let sea_orm = quote!(::rustbe_core::__private::sea_orm);
    let span = ident.span();
    let entity = quote_spanned!(span=> Entity);
    let message = format!(
        "`{ident}` derives `Resource` but not SeaORM's `DeriveEntityModel`, which makes the entity (`Entity`, `Column`, `ActiveModel`) the resource is served from: write `#[derive(DeriveEntityModel, Resource)]`"
    );
    let check = quote_spanned!(span=> check);
    quote! {
        type __RustbeEntity = #entity;
        type Column = <__RustbeEntity as #sea_orm::EntityTrait>::Column;
        type ActiveModel = <__RustbeEntity as #sea_orm::EntityTrait>::ActiveModel;

        // The borrow picks the method: it is not needless.
        #[deny(deprecated)]
        #[allow(clippy::needless_borrow)]
        const _: () = {
            struct Probe<T>(::core::marker::PhantomData<T>);
            trait EntityModel {
                fn #check(&self) {}
            }
            impl<T: #sea_orm::ModelTrait> EntityModel for Probe<T> {}
            #[allow(dead_code)]
            trait NotEntityModel {
                #[deprecated(note = #message)]
                fn #check(&self) {}
            }
            impl<T> NotEntityModel for &Probe<T> {}
            let _ = || (&Probe::<#ident>(::core::marker::PhantomData)).#check();
        };
    }
}

/// `Some(value)` or `None`, `::`-rooted.
pub(crate) fn option<T: ToTokens>(value: Option<T>) -> TokenStream {
    match value {
        Some(value) => quote!(::core::option::Option::Some(#value)),
        None => quote!(::core::option::Option::None),
    }
}

/// An `f64` literal, the sign as its own token.
pub(crate) fn float(value: f64) -> TokenStream {
    let literal = proc_macro2::Literal::f64_suffixed(value.abs());
    if value.is_sign_negative() && value != 0.0 {
        quote!(-#literal)
    } else {
        quote!(#literal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand_source(source: &str) -> TokenStream {
        let input: DeriveInput = syn::parse_str(source).unwrap();
        derive(&input).unwrap()
    }

    /// The names in `tokens` that a user may shadow, or crate roots, not preceded by `::`.
    pub(super) fn unrooted(tokens: TokenStream, found: &mut Vec<String>) {
        const NAMES: [&str; 20] = [
            "Result",
            "Option",
            "Some",
            "None",
            "Ok",
            "Err",
            "String",
            "Vec",
            "ToString",
            "Into",
            "From",
            "Default",
            "Box",
            "Debug",
            "Clone",
            "Serialize",
            "Deserialize",
            "core",
            "std",
            "rustbe_core",
        ];
        let mut colons = 0;
        for token in tokens {
            match token {
                proc_macro2::TokenTree::Group(group) => {
                    unrooted(group.stream(), found);
                    colons = 0;
                }
                proc_macro2::TokenTree::Punct(punct) if punct.as_char() == ':' => colons += 1,
                proc_macro2::TokenTree::Ident(ident) => {
                    if colons < 2 && NAMES.contains(&ident.to_string().as_str()) {
                        found.push(ident.to_string());
                    }
                    colons = 0;
                }
                _ => colons = 0,
            }
        }
    }

    #[test]
    fn odd_input_gives_errors_not_panics() {
        let cases = [
            r#"#[sea_orm(table_name = "t")] struct Model { #[sea_orm(primary_key)] _1: i32 }"#,
            r#"#[sea_orm(table_name = "t")] struct Model { #[sea_orm(primary_key, enum_name = "no way")] id: i32 }"#,
            r#"#[sea_orm(table_name = "t")] #[resource(name = "r#X")] struct Model { #[sea_orm(primary_key)] id: i32 }"#,
            r#"#[sea_orm(table_name = "t")] #[resource(name = "")] struct Model { #[sea_orm(primary_key)] id: i32 }"#,
            r#"#[sea_orm(table_name = "")] struct Model { #[sea_orm(primary_key)] id: i32 }"#,
            r#"#[sea_orm(table_name = "t")] struct Model { #[sea_orm(primary_key)] #[resource(length(min = 99999999999999999999999))] id: String }"#,
            r#"#[sea_orm(table_name = "t")] struct Model { #[sea_orm(primary_key)] id: i32, #[resource(range(min = 1e400))] x: f64 }"#,
            r#"#[sea_orm(table_name = "t")] #[resource(default_sort = ",-,", nested = "{", cache(ttl = "99999999999999999999d"))] struct Model { #[sea_orm(primary_key)] id: i32 }"#,
            r#"#[sea_orm(table_name = "t")] #[resource(access(read = roles("a", 1), write = r#owner), skip())] struct Model { #[sea_orm(primary_key)] id: i32 }"#,
            r#"#[sea_orm(table_name = "t")] #[resource(nested = "/a/{}/b", path = "//")] struct Model { #[sea_orm(primary_key)] id: i32 }"#,
            r#"#[sea_orm(table_name = "t")] struct Model { #[sea_orm(primary_key)] r#type: i32, #[resource(filter(in, in), custom = <T as X>::f)] r#in: String }"#,
            "struct Model {}",
            "union U { a: u8 }",
        ];
        for source in cases {
            let input: DeriveInput = syn::parse_str(source).unwrap();
            // With the fallback DTOs of a refused struct, which must not panic either.
            let _ = derive_with_names(&input);
        }
    }

    #[test]
    fn floats_keep_their_sign() {
        assert_eq!(float(-1.5).to_string(), "- 1.5f64");
        assert_eq!(float(2.0).to_string(), "2f64");
    }

    #[test]
    fn expansion_names_the_dtos_and_roots_every_path() {
        let out = expand_source(
            r#"
            #[sea_orm(table_name = "order_items")]
            pub struct Model {
                #[sea_orm(primary_key)]
                pub id: i32,
                #[resource(filter, length(min = 1))]
                pub name: ::std::string::String,
            }"#,
        );
        let text = out.to_string();
        for dto in [
            "OrderItemCreate",
            "OrderItemReplace",
            "OrderItemPatch",
            "OrderItemView",
        ] {
            assert!(text.contains(&format!("struct {dto}")), "{dto}");
        }
        assert!(text.contains("impl :: rustbe_core :: resource :: Hooks for < __RustbeEntity as :: rustbe_core :: __private :: sea_orm :: EntityTrait > :: Model { }"));
        assert!(text.contains("type __RustbeEntity = Entity ;"));
        let mut found = Vec::new();
        unrooted(out, &mut found);
        assert!(found.is_empty(), "{found:?}");
    }
}
