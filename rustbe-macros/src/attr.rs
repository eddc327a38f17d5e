//! Plain `syn` parsing of the attributes the derive reads: `#[resource(...)]` into a tree of
//! [`Arg`]s, and the few keys of `#[sea_orm(...)]` and `#[serde(...)]` it needs.

use proc_macro2::Span;
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Attribute, Expr, ExprLit, ExprUnary, Ident, Lit, LitStr, Token, UnOp};

use crate::errors::Errors;

/// One argument of an attribute list.
pub(crate) enum Arg {
    /// `key`
    Flag(Ident),
    /// `key = value`
    Value(Ident, Expr),
    /// `key(args)`
    List(Ident, Vec<Arg>),
    /// A literal in a list: `"admin"`.
    Lit(Lit),
}

impl Arg {
    /// The key, unless this is a literal.
    pub(crate) fn key(&self) -> Option<&Ident> {
        match self {
            Self::Flag(key) | Self::Value(key, _) | Self::List(key, _) => Some(key),
            Self::Lit(_) => None,
        }
    }

    /// Where the argument starts: its key, or the literal.
    pub(crate) fn span(&self) -> Span {
        match self.key() {
            Some(key) => key.span(),
            None => match self {
                Self::Lit(lit) => lit.span(),
                _ => Span::call_site(),
            },
        }
    }
}

impl Parse for Arg {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        if input.peek(Lit) {
            return input.parse().map(Self::Lit);
        }
        if input.peek(Token![-]) {
            return Err(input.error("expected a key, not a number"));
        }
        let key = Ident::parse_any(input)?;
        if input.peek(Token![=]) {
            input.parse::<Token![=]>()?;
            if input.is_empty() || input.peek(Token![,]) {
                return Err(input.error(format!(
                    "expected a value after `{key} =`; a flag is written without `=`: `{key}`"
                )));
            }
            Ok(Self::Value(key, input.parse()?))
        } else if input.peek(syn::token::Paren) {
            let content;
            syn::parenthesized!(content in input);
            let args = Punctuated::<Self, Token![,]>::parse_terminated(&content)?;
            Ok(Self::List(key, args.into_iter().collect()))
        } else {
            Ok(Self::Flag(key))
        }
    }
}

/// The arguments of every `#[name(...)]` attribute, in order. Syntax errors go to `errors`
/// when `strict`, and are dropped otherwise (another derive owns those attributes).
fn args_of(attrs: &[Attribute], name: &str, strict: bool, errors: &mut Errors) -> Vec<Arg> {
    let mut all = Vec::new();
    for attr in attrs.iter().filter(|attr| attr.path().is_ident(name)) {
        let parsed = attr
            .meta
            .require_list()
            .and_then(|list| list.parse_args_with(Punctuated::<Arg, Token![,]>::parse_terminated));
        match parsed {
            Ok(args) => all.extend(args),
            Err(error) if strict => errors.push(error),
            Err(_) => {}
        }
    }
    all
}

/// The arguments of the `#[resource(...)]` attributes.
pub(crate) fn resource_args(attrs: &[Attribute], errors: &mut Errors) -> Vec<Arg> {
    args_of(attrs, "resource", true, errors)
}

/// The `#[sea_orm(...)]` keys of a struct the derive reads.
#[derive(Default)]
pub(crate) struct SeaOrmStruct {
    /// `table_name = "..."`.
    pub(crate) table_name: Option<LitStr>,
}

/// The `#[sea_orm(...)]` keys of a field the derive reads.
#[derive(Default)]
pub(crate) struct SeaOrmField {
    /// `primary_key`, at its token.
    pub(crate) primary_key: Option<Span>,
    /// `auto_increment = bool`.
    pub(crate) auto_increment: Option<bool>,
    /// `ignore`: no column.
    pub(crate) ignore: Option<Span>,
    /// `enum_name = "..."`: the `Column` variant.
    pub(crate) enum_name: Option<String>,
    /// The scale of `column_type = "Decimal(Some((precision, scale)))"`.
    pub(crate) decimal_scale: Option<u32>,
}

/// The scale of a SeaORM column type `Decimal(Some((12, 2)))` (spaces anywhere).
fn decimal_scale(column_type: &str) -> Option<u32> {
    let compact: String = column_type.chars().filter(|c| !c.is_whitespace()).collect();
    let inner = compact
        .strip_prefix("Decimal(Some((")?
        .strip_suffix(")))")?;
    let (_, scale) = inner.split_once(',')?;
    scale.parse().ok()
}

/// SeaORM's own derive checks its attributes; this reads them leniently.
pub(crate) fn sea_orm_struct(attrs: &[Attribute]) -> SeaOrmStruct {
    let mut out = SeaOrmStruct::default();
    for arg in args_of(attrs, "sea_orm", false, &mut Errors::default()) {
        if let Arg::Value(key, value) = &arg
            && key == "table_name"
            && let Some(lit) = lit_str(value)
        {
            out.table_name = Some(lit.clone());
        }
    }
    out
}

/// See [`sea_orm_struct`].
pub(crate) fn sea_orm_field(attrs: &[Attribute]) -> SeaOrmField {
    let mut out = SeaOrmField::default();
    for arg in args_of(attrs, "sea_orm", false, &mut Errors::default()) {
        match &arg {
            Arg::Flag(key) if key == "primary_key" => out.primary_key = Some(key.span()),
            Arg::Flag(key) if key == "ignore" => out.ignore = Some(key.span()),
            Arg::Value(
                key,
                Expr::Lit(ExprLit {
                    lit: Lit::Bool(value),
                    ..
                }),
            ) if key == "auto_increment" => {
                out.auto_increment = Some(value.value);
            }
            Arg::Value(key, value) if key == "enum_name" => {
                out.enum_name = lit_str(value).map(LitStr::value);
            }
            Arg::Value(key, value) if key == "column_type" => {
                out.decimal_scale = lit_str(value).and_then(|lit| decimal_scale(&lit.value()));
            }
            _ => {}
        }
    }
    out
}

/// A field's serialized name from `#[serde(rename = "x")]` or
/// `#[serde(rename(serialize = "x"))]`.
pub(crate) fn serde_rename(attrs: &[Attribute]) -> Option<String> {
    serde_value(attrs, "rename").map(|lit| lit.value())
}

/// A container's `#[serde(rename_all = "...")]` (or its `serialize` half).
pub(crate) fn serde_rename_all(attrs: &[Attribute]) -> Option<LitStr> {
    serde_value(attrs, "rename_all")
}

fn serde_value(attrs: &[Attribute], name: &str) -> Option<LitStr> {
    let mut found = None;
    for arg in args_of(attrs, "serde", false, &mut Errors::default()) {
        match &arg {
            Arg::Value(key, value) if key == name => {
                if let Some(lit) = lit_str(value) {
                    found = Some(lit.clone());
                }
            }
            Arg::List(key, inner) if key == name => {
                for arg in inner {
                    if let Arg::Value(key, value) = arg
                        && key == "serialize"
                        && let Some(lit) = lit_str(value)
                    {
                        found = Some(lit.clone());
                    }
                }
            }
            _ => {}
        }
    }
    found
}

/// The string literal `value` is, if it is one (also when a `macro_rules!` passed it in, in
/// an invisible group).
pub(crate) fn lit_str(value: &Expr) -> Option<&LitStr> {
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Str(lit), ..
        }) => Some(lit),
        Expr::Group(group) => lit_str(&group.expr),
        _ => None,
    }
}

/// The number `value` is: an integer or float literal, maybe negated.
pub(crate) fn number(value: &Expr) -> Option<f64> {
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Int(lit), ..
        }) => lit.base10_parse::<f64>().ok(),
        Expr::Lit(ExprLit {
            lit: Lit::Float(lit),
            ..
        }) => lit.base10_parse::<f64>().ok(),
        Expr::Unary(ExprUnary {
            op: UnOp::Neg(_),
            expr,
            ..
        }) => number(expr).map(|n| -n),
        Expr::Group(group) => number(&group.expr),
        _ => None,
    }
    .filter(|n| n.is_finite())
}

/// The non-negative integer `value` is.
pub(crate) fn count(value: &Expr) -> Option<usize> {
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Int(lit), ..
        }) => lit.base10_parse::<usize>().ok(),
        Expr::Group(group) => count(&group.expr),
        _ => None,
    }
}

/// The span of an expression, for errors about a value.
pub(crate) fn span_of(value: &Expr) -> Span {
    value.span()
}

/// A duration such as `"60s"`: an integer and one unit of `ms`, `s`, `m`, `h`, `d`, in
/// milliseconds; zero is refused.
pub(crate) fn parse_duration(text: &str) -> Result<u64, String> {
    const EXPECTED: &str = "expected a whole number and a unit of ms, s, m, h or d, like \"60s\"";
    let text = text.trim();
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    let (number, unit) = text.split_at(digits);
    let factor: u64 = match unit {
        "ms" => 1,
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => return Err(format!("`{text}` is not a duration: {EXPECTED}")),
    };
    let number: u64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration: {EXPECTED}"))?;
    match number.checked_mul(factor) {
        Some(0) => Err("a cache TTL of zero caches nothing: give a positive duration, like \"60s\", or leave `cache` out".to_owned()),
        Some(millis) => Ok(millis),
        None => Err(format!("`{text}` is too long a duration")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(tokens: &str) -> Vec<Arg> {
        let attr: Attribute = syn::parse_quote!(#[resource(dummy)]);
        let attr = Attribute {
            meta: syn::parse_str(&format!("resource({tokens})")).unwrap_or(attr.meta),
            ..attr
        };
        let mut errors = Errors::default();
        let args = resource_args(&[attr], &mut errors);
        assert!(errors.is_empty(), "{tokens}");
        args
    }

    #[test]
    fn args_take_flags_values_lists_and_keywords() {
        let args = parse(
            r#"read_only, filter(eq, range, in), length(min = 1, max = 3), one_of("a", "b"), custom = crate::checks::slug, range(min = -1.5)"#,
        );
        assert_eq!(args.len(), 6);
        assert!(matches!(&args[0], Arg::Flag(key) if key == "read_only"));
        let Arg::List(key, inner) = &args[1] else {
            unreachable!()
        };
        assert_eq!(key, "filter");
        assert!(matches!(&inner[2], Arg::Flag(key) if key == "in"));
        let Arg::List(_, inner) = &args[3] else {
            unreachable!()
        };
        assert!(matches!(&inner[1], Arg::Lit(Lit::Str(lit)) if lit.value() == "b"));
        assert!(matches!(&args[4], Arg::Value(_, Expr::Path(_))));
        let Arg::List(_, inner) = &args[5] else {
            unreachable!()
        };
        let Arg::Value(_, min) = &inner[0] else {
            unreachable!()
        };
        assert_eq!(number(min), Some(-1.5));
    }

    #[test]
    fn access_rules_parse_as_expressions() {
        let args =
            parse(r#"access(read = public, write = roles("admin", "staff"), delete = owner)"#);
        let Arg::List(_, inner) = &args[0] else {
            unreachable!()
        };
        assert!(matches!(&inner[1], Arg::Value(_, Expr::Call(_))));
    }

    #[test]
    fn syntax_errors_are_collected() {
        let attr: Attribute = syn::parse_quote!(#[resource(read_only = )]);
        let mut errors = Errors::default();
        resource_args(&[attr], &mut errors);
        assert!(!errors.is_empty());
    }

    #[test]
    fn sea_orm_keys() {
        let attr: Attribute = syn::parse_quote!(#[sea_orm(primary_key, auto_increment = false, column_type = "Text", enum_name = "Kind")]);
        let field = sea_orm_field(&[attr]);
        assert!(field.primary_key.is_some());
        assert_eq!(field.auto_increment, Some(false));
        assert_eq!(field.enum_name.as_deref(), Some("Kind"));
        let attr: Attribute =
            syn::parse_quote!(#[sea_orm(table_name = "products", schema_name = "shop")]);
        assert_eq!(
            sea_orm_struct(&[attr])
                .table_name
                .map(|l| l.value())
                .as_deref(),
            Some("products")
        );
    }

    #[test]
    fn serde_renames() {
        let plain: Attribute = syn::parse_quote!(#[serde(rename = "x", default)]);
        let split: Attribute =
            syn::parse_quote!(#[serde(rename(deserialize = "d", serialize = "s"))]);
        let all: Attribute = syn::parse_quote!(#[serde(rename_all(serialize = "camelCase"))]);
        assert_eq!(serde_rename(&[plain]).as_deref(), Some("x"));
        assert_eq!(serde_rename(&[split]).as_deref(), Some("s"));
        assert_eq!(
            serde_rename_all(&[all]).map(|l| l.value()).as_deref(),
            Some("camelCase")
        );
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("250ms"), Ok(250));
        assert_eq!(parse_duration("60s"), Ok(60_000));
        assert_eq!(parse_duration("5m"), Ok(300_000));
        assert_eq!(parse_duration("2h"), Ok(7_200_000));
        assert_eq!(parse_duration("1d"), Ok(86_400_000));
        for bad in [
            "",
            "s",
            "60",
            "1.5s",
            "-1s",
            "60 sec",
            "10w",
            "0s",
            "99999999999999999999d",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}
