//! `impl Resource for Model`: the view, the column map, value parsing, and the active models
//! of the three bodies.

use proc_macro2::TokenStream;
use quote::quote;

use super::{Names, meta, option, schema};
use crate::model::{Field, KeyMode, Model, RuleKind};

fn set() -> TokenStream {
    quote!(::rustbe_core::__private::sea_orm::ActiveValue::Set)
}

/// The `Resource` impl.
pub(crate) fn resource_impl(model: &Model<'_>, key: &Field<'_>, names: &Names) -> TokenStream {
    let (create, replace, patch, view) = (&names.create, &names.replace, &names.patch, &names.view);
    let meta = meta::meta(model, names);
    let key_ty = key.ty;
    let key_ident = key.ident;
    let key_column = &key.column;
    let view_fields = model.fields.iter().filter(|f| f.in_view()).map(|f| f.ident);
    let owner = owner(model);
    let column = column(model);
    let parse_field = parse_field(model);
    let field_of_column = field_of_column(model);
    let (cursor_value, parse_cursor_value) = cursor(model);
    let create_model = create_model(model);
    let replace_model = replace_model(model);
    let patch_model = patch_model(model);
    let schemas = schema::schemas(model, key);
    let self_ty = super::model_type();
    quote! {
        #[automatically_derived]
        impl ::rustbe_core::resource::Resource for #self_ty {
            type ActiveModel = ActiveModel;
            type Create = #create;
            type Replace = #replace;
            type Patch = #patch;
            type View<'a> = #view<'a> where Self: 'a;

            const META: ::rustbe_core::resource::Meta = #meta;

            fn view(&self) -> Self::View<'_> {
                #view { #(#view_fields: &self.#view_fields),* }
            }

            fn key_column() -> ::rustbe_core::resource::ColumnOf<Self> {
                Column::#key_column
            }

            fn key(&self) -> ::std::string::String {
                ::std::string::ToString::to_string(&self.#key_ident)
            }

            fn parse_key(
                raw: &str,
            ) -> ::core::result::Result<::rustbe_core::__private::sea_orm::Value, ::std::string::String> {
                <#key_ty as ::rustbe_core::resource::FilterValue>::parse_filter(raw)
            }

            fn owner(&self) -> ::core::option::Option<::std::string::String> {
                #owner
            }

            #column
            #parse_field
            #field_of_column
            #cursor_value
            #parse_cursor_value
            #create_model
            #replace_model
            #patch_model

            fn schemas() -> ::rustbe_core::resource::Schemas {
                #schemas
            }
        }
    }
}

fn owner(model: &Model<'_>) -> TokenStream {
    let Some(field) = model.fields.iter().find(|f| f.owner.is_some()) else {
        return option(None::<TokenStream>);
    };
    let ident = field.ident;
    if field.optional {
        quote!(self.#ident.as_ref().map(::std::string::ToString::to_string))
    } else {
        quote!(::core::option::Option::Some(::std::string::ToString::to_string(&self.#ident)))
    }
}

/// The fields named by `pick`, each once, in order.
fn fields<'m, 'a>(model: &'m Model<'a>, pick: impl Fn(&Field<'a>) -> bool) -> Vec<&'m Field<'a>> {
    model
        .fields
        .iter()
        .filter(|f| f.has_column() && pick(f))
        .collect()
}

fn nested_field(model: &Model<'_>) -> Option<String> {
    model.options.nested_field_name()
}

/// `field_of_column`: the JSON name of each column, so that a constraint violation names
/// fields.
fn field_of_column(model: &Model<'_>) -> TokenStream {
    let arms = fields(model, |_| true).into_iter().map(|f| {
        let (json, column) = (&f.json, &f.column);
        quote! {
            if ::rustbe_core::__private::sea_orm::IdenStatic::as_str(&Column::#column) == column {
                return ::core::option::Option::Some(#json);
            }
        }
    });
    quote! {
        fn field_of_column(column: &str) -> ::core::option::Option<&'static str> {
            #(#arms)*
            ::core::option::Option::None
        }
    }
}

fn column(model: &Model<'_>) -> TokenStream {
    let nested = nested_field(model);
    let arms = fields(model, |f| {
        f.is_key()
            || f.filter.is_some()
            || f.sort.is_some()
            || f.search.is_some()
            || f.owner.is_some()
            || nested.as_deref() == Some(&f.json)
    })
    .into_iter()
    .map(|f| {
        let (json, column) = (&f.json, &f.column);
        quote!(#json => ::core::option::Option::Some(Column::#column),)
    });
    quote! {
        fn column(field: &str) -> ::core::option::Option<::rustbe_core::resource::ColumnOf<Self>> {
            match field {
                #(#arms)*
                _ => ::core::option::Option::None,
            }
        }
    }
}

fn parse_field(model: &Model<'_>) -> TokenStream {
    let nested = nested_field(model);
    let arms = fields(model, |f| {
        f.is_key() || f.filter.is_some() || f.owner.is_some() || nested.as_deref() == Some(&f.json)
    })
    .into_iter()
    .map(|f| {
        let (json, inner) = (&f.json, f.inner);
        // A decimal filter takes any JSON Schema number (`1e-300`, `1e300`), not only what
        // `Decimal`'s `FromStr` reads.
        if crate::model::type_name(inner).as_deref() == Some("Decimal") {
            return quote!(#json => ::rustbe_core::decimal::parse_filter(raw),);
        }
        let parse = quote!(<#inner as ::rustbe_core::resource::FilterValue>::parse_filter(raw));
        // A value `one_of` refuses in a body is refused in a filter too (400), not an empty list.
        let allowed = f.rules.iter().find_map(|rule| match &rule.kind {
            RuleKind::OneOf(values) => Some(values),
            _ => None,
        });
        if let Some(values) = allowed {
            let message = format!("must be one of: {}", values.join(", "));
            return quote! {
                #json => if [#(#values),*].contains(&raw) {
                    #parse
                } else {
                    ::core::result::Result::Err(::std::string::String::from(#message))
                },
            };
        }
        quote!(#json => #parse,)
    });
    quote! {
        fn parse_field(
            field: &str,
            raw: &str,
        ) -> ::core::result::Result<::rustbe_core::__private::sea_orm::Value, ::std::string::String> {
            match field {
                #(#arms)*
                _ => ::core::result::Result::Err(::std::string::String::from("is not a filter")),
            }
        }
    }
}

fn cursor(model: &Model<'_>) -> (TokenStream, TokenStream) {
    let json_path = quote!(::rustbe_core::__private::serde_json);
    let sortable = fields(model, |f| f.is_key() || f.sort.is_some());
    let values = sortable.iter().map(|f| {
        let (json, ident) = (&f.json, f.ident);
        quote! {
            #json => ::rustbe_core::__private::serde::Serialize::serialize(
                &self.#ident,
                #json_path::value::Serializer,
            )
            .unwrap_or(#json_path::Value::Null),
        }
    });
    let parses = sortable.iter().map(|f| {
        let (json, ty) = (&f.json, f.ty);
        quote! {
            #json => #json_path::from_value::<#ty>(value)
                .map(::core::convert::Into::into)
                .map_err(|error| ::std::string::ToString::to_string(&error)),
        }
    });
    let cursor_value = quote! {
        fn cursor_value(&self, field: &str) -> #json_path::Value {
            match field {
                #(#values)*
                _ => #json_path::Value::Null,
            }
        }
    };
    let parse_cursor_value = quote! {
        fn parse_cursor_value(
            field: &str,
            value: #json_path::Value,
        ) -> ::core::result::Result<::rustbe_core::__private::sea_orm::Value, ::std::string::String> {
            match field {
                #(#parses)*
                _ => ::core::result::Result::Err(::std::string::String::from("is not a sort field")),
            }
        }
    };
    (cursor_value, parse_cursor_value)
}

/// `row.field = Set(now)` for the timestamps `pick` selects.
fn timestamps(model: &Model<'_>, pick: impl Fn(&Field<'_>) -> bool) -> Vec<TokenStream> {
    let set = set();
    model
        .fields
        .iter()
        .filter(|f| f.has_column() && pick(f))
        .map(|f| {
            let (ident, ty) = (f.ident, f.ty);
            quote!(row.#ident = #set(<#ty as ::rustbe_core::resource::Timestamp>::now());)
        })
        .collect()
}

fn create_model(model: &Model<'_>) -> TokenStream {
    let set = set();
    let mut statements: Vec<TokenStream> = model
        .fields
        .iter()
        .filter(|f| f.in_create())
        .map(|f| {
            let ident = f.ident;
            quote!(row.#ident = #set(body.#ident);)
        })
        .collect();
    let uses_body = !statements.is_empty();
    for field in &model.fields {
        if let Some((_, value)) = &field.default {
            let (ident, ty) = (field.ident, field.ty);
            statements
                .push(quote!(row.#ident = #set(<#ty as ::core::convert::From<_>>::from(#value));));
        }
    }
    if let Some(key) = model
        .key()
        .filter(|key| key.key_mode() == KeyMode::Generated)
    {
        let (ident, ty) = (key.ident, key.ty);
        statements.push(
            quote!(row.#ident = #set(<#ty as ::rustbe_core::resource::GeneratedKey>::generate());),
        );
    }
    let owner = model
        .fields
        .iter()
        .find(|f| f.owner.is_some() && f.has_column());
    if let Some(owner) = owner {
        let (ident, inner) = (owner.ident, owner.inner);
        let id = quote!(::rustbe_core::resource::owner_id::<#inner>(principal)?);
        let value = if owner.optional { option(Some(id)) } else { id };
        statements.push(quote!(row.#ident = #set(#value);));
    }
    statements.extend(timestamps(model, |f| {
        f.created_at.is_some() || f.updated_at.is_some()
    }));
    let body = if uses_body {
        quote!(body)
    } else {
        quote!(_body)
    };
    let principal = if owner.is_some() {
        quote!(principal)
    } else {
        quote!(_principal)
    };
    let mutability = (!statements.is_empty()).then(|| quote!(mut));
    quote! {
        fn create_model(
            #body: Self::Create,
            #principal: ::core::option::Option<&::rustbe_core::access::Principal>,
        ) -> ::core::result::Result<Self::ActiveModel, ::rustbe_core::Error> {
            let #mutability row =
                <ActiveModel as ::rustbe_core::__private::sea_orm::ActiveModelTrait>::default();
            #(#statements)*
            ::core::result::Result::Ok(row)
        }
    }
}

fn replace_model(model: &Model<'_>) -> TokenStream {
    let set = set();
    let statements: Vec<TokenStream> = model
        .fields
        .iter()
        .filter(|f| f.in_replace())
        .map(|f| {
            let ident = f.ident;
            quote!(row.#ident = #set(body.#ident);)
        })
        .collect();
    changes_method(
        model,
        &quote!(replace_model),
        &quote!(Self::Replace),
        statements,
    )
}

/// `fn name(body: Body, row: &mut Self::ActiveModel)`: the body's `statements`, then
/// `updated_at`; a parameter nothing reads is named `_…`.
fn changes_method(
    model: &Model<'_>,
    name: &TokenStream,
    body_type: &TokenStream,
    mut statements: Vec<TokenStream>,
) -> TokenStream {
    let body = if statements.is_empty() {
        quote!(_body)
    } else {
        quote!(body)
    };
    statements.extend(timestamps(model, |f| f.updated_at.is_some()));
    let row = if statements.is_empty() {
        quote!(_row)
    } else {
        quote!(row)
    };
    quote! {
        fn #name(#body: #body_type, #row: &mut Self::ActiveModel) {
            #(#statements)*
        }
    }
}

fn patch_model(model: &Model<'_>) -> TokenStream {
    let set = set();
    let patch = quote!(::rustbe_core::resource::Patch);
    let statements: Vec<TokenStream> = model
        .fields
        .iter()
        .filter(|f| f.in_replace())
        .map(|f| {
            let ident = f.ident;
            if f.optional {
                quote! {
                    match body.#ident {
                        #patch::Value(value) => row.#ident = #set(::core::option::Option::Some(value)),
                        #patch::Null => row.#ident = #set(::core::option::Option::None),
                        #patch::Absent => {}
                    }
                }
            } else {
                quote! {
                    if let #patch::Value(value) = body.#ident {
                        row.#ident = #set(value);
                    }
                }
            }
        })
        .collect();
    changes_method(
        model,
        &quote!(patch_model),
        &quote!(Self::Patch),
        statements,
    )
}
