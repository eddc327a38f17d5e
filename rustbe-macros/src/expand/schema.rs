//! `Resource::schemas`: the OpenAPI schemas of the view, the three bodies and the key.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};

use super::float;
use crate::model::{Field, Model, RuleKind};

/// The `Schemas` struct literal.
pub(crate) fn schemas(model: &Model<'_>, key: &Field<'_>) -> TokenStream {
    let view = object(model, |f| f.in_view(), |_| true, |f| !f.in_create());
    let create = object(model, |f| f.in_create(), |f| !f.optional, |_| false);
    let replace = object(model, |f| f.in_replace(), |f| !f.optional, |_| false);
    let patch = object(model, |f| f.in_replace(), |_| false, |_| false);
    let key_ty = key.ty;
    quote! {
        ::rustbe_core::resource::Schemas {
            view: #view,
            create: #create,
            replace: #replace,
            patch: #patch,
            key: <#key_ty as ::rustbe_core::resource::FieldSchema>::schema(),
        }
    }
}

fn object(
    model: &Model<'_>,
    include: fn(&Field<'_>) -> bool,
    required: fn(&Field<'_>) -> bool,
    read_only: fn(&Field<'_>) -> bool,
) -> TokenStream {
    let fields = model.fields.iter().filter(|f| include(f)).map(|field| {
        let (ty, json, required) = (field.ty, &field.json, required(field));
        let mut constraints: Vec<TokenStream> = field
            .rules
            .iter()
            .filter_map(|rule| constraint(&rule.kind))
            .collect();
        if read_only(field) {
            constraints.push(quote!(::rustbe_core::resource::Constraint::ReadOnly));
        }
        // A trimmed field with a minimum length refuses white space alone: say so.
        let has_pattern = field
            .rules
            .iter()
            .any(|rule| matches!(rule.kind, RuleKind::Pattern(_)));
        let needs_text = field
            .rules
            .iter()
            .any(|rule| matches!(rule.kind, RuleKind::Length { min: Some(min), .. } if min > 0));
        if field.trim.is_some() && needs_text && !has_pattern && !read_only(field) {
            constraints.push(quote!(::rustbe_core::resource::Constraint::Pattern(
                ::rustbe_core::resource::NOT_BLANK_PATTERN
            )));
        }
        quote!(.field::<#ty>(#json, #required, &[#(#constraints),*]))
    });
    quote!(::rustbe_core::resource::ObjectSchema::new() #(#fields)* .build())
}

fn constraint(kind: &RuleKind) -> Option<TokenStream> {
    let path = quote!(::rustbe_core::resource::Constraint);
    let some = |value: TokenStream| quote!(::core::option::Option::Some(#value));
    let none = quote!(::core::option::Option::None);
    Some(match kind {
        RuleKind::Length { min, max } => {
            let [min, max] = [min, max].map(|bound| {
                bound.map_or_else(
                    || none.clone(),
                    |n| some(proc_macro2::Literal::usize_unsuffixed(n).into_token_stream()),
                )
            });
            quote!(#path::Length(#min, #max))
        }
        RuleKind::Range { min, max } => {
            let [min, max] =
                [min, max].map(|bound| bound.map_or_else(|| none.clone(), |n| some(float(n))));
            quote!(#path::Range(#min, #max))
        }
        RuleKind::MultipleOf(step) => {
            let step = float(*step);
            quote!(#path::MultipleOf(#step))
        }
        RuleKind::Pattern(pattern) => quote!(#path::Pattern(#pattern)),
        RuleKind::Email => quote!(#path::Email),
        RuleKind::Url => quote!(#path::Url),
        RuleKind::OneOf(values) => quote!(#path::OneOf(&[#(#values),*])),
        RuleKind::Custom(_) => return None,
    })
}
