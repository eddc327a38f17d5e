//! `Resource::META`: names, routes, access rules, list options and caching.

use proc_macro2::TokenStream;
use quote::quote;

use super::{Names, option};
use crate::model::{AccessRule, Model, Op};
use crate::validate::{parent_table, placeholder};

/// The `Meta` struct literal.
pub(crate) fn meta(model: &Model<'_>, names: &Names) -> TokenStream {
    let options = &model.options;
    let name = &names.name;
    let one = lower_camel(&name.to_string());
    let path = &names.path;
    let collection = model
        .table
        .as_ref()
        .map(syn::LitStr::value)
        .unwrap_or_default();
    let [list, get, create, replace, update, delete] = Op::ALL.map(|op| access(model, op));
    let filters = model.fields.iter().filter_map(|field| {
        let filter = field.filter?;
        let (json, eq, range, any_of) = (&field.json, filter.eq, filter.range, filter.any_of);
        let inner = field.inner;
        // The values a `one_of` field's filter takes (`parse_field` refuses the rest).
        let allowed = field.rules.iter().find_map(|rule| match &rule.kind {
            crate::model::RuleKind::OneOf(values) => Some(values),
            _ => None,
        });
        let schema = match allowed {
            Some(values) => quote! {
                || ::rustbe_core::resource::constrained::<#inner>(
                    &[::rustbe_core::resource::Constraint::OneOf(&[#(#values),*])],
                )
            },
            None => quote!(<#inner as ::rustbe_core::resource::FieldSchema>::schema),
        };
        Some(quote! {
            ::rustbe_core::resource::Filter {
                field: #json,
                eq: #eq,
                range: #range,
                any_of: #any_of,
                schema: #schema,
            }
        })
    });
    let sorts = model
        .fields
        .iter()
        .filter(|f| f.sort.is_some())
        .map(|f| &f.json);
    let search = model
        .fields
        .iter()
        .filter(|f| f.search.is_some())
        .map(|f| &f.json);
    let default_sort = options
        .default_sort
        .as_ref()
        .map(|lit| sort_keys(&lit.value()))
        .unwrap_or_default();
    let search_language = options
        .search_language
        .as_ref()
        .map_or_else(|| "simple".to_owned(), syn::LitStr::value);
    let cache_ttl = option(options.cache.as_ref().map(|(_, millis)| {
        let millis = proc_macro2::Literal::u64_unsuffixed(*millis);
        quote!(::core::time::Duration::from_millis(#millis))
    }));
    let hooks = options.hooks.is_some();
    let cursor = options.cursor.is_some();
    let parent = options.parent.as_ref().map(syn::LitStr::value);
    let parent = option(
        parent
            .as_deref()
            .and_then(parent_table)
            .map(|(table, key)| quote!((#table, #key))),
    );
    let nested = option(options.nested.as_ref().and_then(|lit| {
        let path = lit.value();
        let param = placeholder(&path)?.to_owned();
        let field = options.nested_field_name()?;
        let create = options.nested_create.is_some();
        let only = options.nested_only.is_some();
        Some(quote! {
            ::rustbe_core::resource::Nested {
                path: #path,
                param: #param,
                field: #field,
                parent: #parent,
                create: #create,
                only: #only,
            }
        })
    }));
    let owner = option(
        model
            .fields
            .iter()
            .find(|f| f.owner.is_some())
            .map(|f| &f.json),
    );
    let key = model.key().map(|f| f.json.as_str()).unwrap_or_default();
    let scope = option(options.scope.as_ref().map(
        |path| quote!(|principal| ::rustbe_core::resource::scope_condition(#path(principal))),
    ));
    let custom_filters = options.filter_fns.iter().map(|custom| {
        let name = &custom.name;
        let with = &custom.with;
        let description = custom.description.as_ref().map_or_else(
            || format!("Custom filter `{}`", name.value()),
            syn::LitStr::value,
        );
        quote! {
            ::rustbe_core::resource::CustomFilter {
                name: #name,
                description: #description,
                schema: || ::rustbe_core::resource::custom_filter_schema(#with),
                condition: |raw| ::rustbe_core::resource::custom_filter_condition(raw, #with),
            }
        }
    });
    let views = options.views.iter().map(|view| {
        let name = &view.name;
        let sort = sort_keys(&view.sort.value());
        let limit = proc_macro2::Literal::u64_unsuffixed(view.limit as u64);
        let summary = view.summary.as_ref().map_or_else(
            || {
                format!(
                    "The {} {} by `{}`",
                    view.limit,
                    model
                        .table
                        .as_ref()
                        .map(syn::LitStr::value)
                        .unwrap_or_default(),
                    view.sort.value()
                )
            },
            syn::LitStr::value,
        );
        let ttl = option(view.cache.map(|millis| {
            let millis = proc_macro2::Literal::u64_unsuffixed(millis);
            quote!(::core::time::Duration::from_millis(#millis))
        }));
        quote! {
            ::rustbe_core::resource::ListView {
                name: #name,
                summary: #summary,
                sort: &[#(#sort),*],
                limit: #limit,
                cache_ttl: #ttl,
            }
        }
    });
    quote! {
        ::rustbe_core::resource::Meta {
            name: #name,
            one: #one,
            collection: #collection,
            path: #path,
            key: #key,
            list: #list,
            get: #get,
            create: #create,
            replace: #replace,
            update: #update,
            delete: #delete,
            filters: &[#(#filters),*],
            custom_filters: &[#(#custom_filters),*],
            views: &[#(#views),*],
            sorts: &[#(#sorts),*],
            default_sort: &[#(#default_sort),*],
            search: &[#(#search),*],
            search_language: #search_language,
            cache_ttl: #cache_ttl,
            hooks: #hooks,
            cursor: #cursor,
            nested: #nested,
            owner: #owner,
            scope: #scope,
        }
    }
}

/// `Product` → `product`, `OrderItem` → `orderItem`: the name of one row in formats that wrap
/// answers.
fn lower_camel(name: &str) -> String {
    let name = name.trim_matches('"');
    let mut chars = name.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_lowercase().chain(chars).collect()
    })
}

/// The access rule of `op`: `None` when skipped, else the most specific entry's rule
/// (operation > read/write > all), `Authenticated` by default.
fn access(model: &Model<'_>, op: Op) -> TokenStream {
    let options = &model.options;
    if options
        .skip
        .as_ref()
        .is_some_and(|(_, ops)| ops.contains(&op))
    {
        return option(None::<TokenStream>);
    }
    let rule = options
        .access
        .iter()
        .filter(|access| access.key.covers(op))
        .max_by_key(|access| access.key.rank())
        .map_or(&AccessRule::Authenticated, |access| &access.rule);
    let path = quote!(::rustbe_core::access::AccessRule);
    let rule = match rule {
        AccessRule::Public => quote!(#path::Public),
        AccessRule::Authenticated => quote!(#path::Authenticated),
        AccessRule::Roles(roles) => quote!(#path::Roles(&[#(#roles),*])),
        AccessRule::Owner => {
            let default = vec!["admin".to_owned()];
            let bypass = options.bypass.as_ref().map_or(&default, |(_, roles)| roles);
            quote!(#path::Owner { bypass: &[#(#bypass),*] })
        }
    };
    option(Some(rule))
}

/// `SortKey`s of `"-a,b"`.
fn sort_keys(text: &str) -> Vec<TokenStream> {
    text.split(',')
        .map(|entry| {
            let entry = entry.trim();
            match entry.strip_prefix('-') {
                Some(field) => quote!(::rustbe_core::extract::SortKey::desc(#field)),
                None => quote!(::rustbe_core::extract::SortKey::asc(#entry)),
            }
        })
        .collect()
}
