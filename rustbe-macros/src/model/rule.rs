//! A field's list filter and validation rules, as written in `#[resource(...)]`.

use proc_macro2::Span;
use syn::{Expr, ExprLit, Lit, Path};

use super::{Key, wrong_form};
use crate::attr::{self, Arg};
use crate::errors::Errors;

/// `filter` or `filter(eq, range, in)`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FilterOpts {
    pub(crate) key: Key,
    pub(crate) eq: bool,
    pub(crate) range: bool,
    pub(crate) any_of: bool,
}

/// A validation rule.
#[derive(Clone)]
pub(crate) enum RuleKind {
    Length {
        min: Option<usize>,
        max: Option<usize>,
    },
    Range {
        min: Option<f64>,
        max: Option<f64>,
    },
    MultipleOf(f64),
    Email,
    Url,
    OneOf(Vec<String>),
    Pattern(String),
    Custom(Path),
}

/// A validation rule as written.
#[derive(Clone)]
pub(crate) struct Rule {
    pub(crate) key: Key,
    pub(crate) name: &'static str,
    /// The span of `max = ...`, for `min > max`.
    pub(crate) max_span: Span,
    pub(crate) kind: RuleKind,
}

pub(super) fn filter(arg: &Arg, key: Key, errors: &mut Errors) -> Option<FilterOpts> {
    let mut opts = FilterOpts {
        key,
        eq: false,
        range: false,
        any_of: false,
    };
    match arg {
        Arg::Flag(_) => opts.eq = true,
        Arg::List(_, forms) if !forms.is_empty() => {
            for form in forms {
                let slot = match form {
                    Arg::Flag(ident) if ident == "eq" => &mut opts.eq,
                    Arg::Flag(ident) if ident == "range" => &mut opts.range,
                    Arg::Flag(ident) if ident == "in" => &mut opts.any_of,
                    _ => {
                        let hint = crate::names::hint(
                            &crate::names::key_text(form),
                            &["eq", "range", "in"],
                        );
                        errors.at(
                            form.span(),
                            format!("unknown filter form; {hint}expected `eq`, `range` or `in`"),
                        );
                        continue;
                    }
                };
                if *slot {
                    errors.at(form.span(), "this filter form is given twice: give it once");
                }
                *slot = true;
            }
        }
        _ => {
            wrong_form(arg, "filter", "filter` or `filter(eq, range, in)", errors);
            return None;
        }
    }
    Some(opts)
}

pub(super) fn rule(arg: &Arg, key: Key, errors: &mut Errors) -> Option<Rule> {
    let mut rule = Rule {
        key,
        name: "",
        max_span: key.span,
        kind: RuleKind::Email,
    };
    match arg {
        Arg::Flag(ident) if ident == "email" => {
            rule.name = "email";
        }
        Arg::Flag(ident) if ident == "url" => {
            rule.name = "url";
            rule.kind = RuleKind::Url;
        }
        Arg::List(ident, args) if ident == "length" => {
            rule.name = "length";
            let (min, max, max_span) =
                bounds(arg, args, "length(min = 1, max = 100)", attr::count, errors)?;
            rule.max_span = max_span;
            rule.kind = RuleKind::Length { min, max };
        }
        Arg::List(ident, args) if ident == "range" => {
            rule.name = "range";
            let (min, max, max_span) = bounds(
                arg,
                args,
                "range(min = 0.01, max = 1000)",
                attr::number,
                errors,
            )?;
            rule.max_span = max_span;
            rule.kind = RuleKind::Range { min, max };
        }
        Arg::List(ident, args) if ident == "one_of" => {
            rule.name = "one_of";
            let mut values = Vec::new();
            for value in args {
                match value {
                    Arg::Lit(Lit::Str(lit)) => values.push(lit.value()),
                    _ => errors.at(
                        value.span(),
                        "`one_of` lists strings: `one_of(\"draft\", \"published\")`",
                    ),
                }
            }
            if args.is_empty() {
                errors.at(
                    key.span,
                    "`one_of` needs at least one value: `one_of(\"draft\", \"published\")`",
                );
                return None;
            }
            rule.kind = RuleKind::OneOf(values);
        }
        Arg::Value(ident, value) if ident == "multiple_of" && attr::number(value).is_some() => {
            rule.name = "multiple_of";
            let step = attr::number(value).unwrap_or_default();
            if step <= 0.0 || !step.is_finite() {
                errors.at(
                    attr::span_of(value),
                    "`multiple_of` needs a step above 0: `multiple_of = 0.01`",
                );
                return None;
            }
            rule.kind = RuleKind::MultipleOf(step);
        }
        Arg::Value(
            ident,
            Expr::Lit(ExprLit {
                lit: Lit::Str(lit), ..
            }),
        ) if ident == "pattern" => {
            rule.name = "pattern";
            let pattern = lit.value();
            if let Err(err) = regex_syntax::Parser::new().parse(&pattern) {
                let why = match &err {
                    regex_syntax::Error::Parse(err) => err.kind().to_string(),
                    regex_syntax::Error::Translate(err) => err.kind().to_string(),
                    _ => err.to_string(),
                };
                errors.at(
                    lit.span(),
                    format!("`pattern` is not a regular expression: {why}"),
                );
                return None;
            }
            rule.kind = RuleKind::Pattern(pattern);
        }
        Arg::Value(ident, Expr::Path(path)) if ident == "custom" && path.qself.is_none() => {
            rule.name = "custom";
            rule.kind = RuleKind::Custom(path.path.clone());
        }
        _ => {
            let (name, example) = match arg.key().map(ToString::to_string).as_deref() {
                Some("email") => ("email", "email"),
                Some("url") => ("url", "url"),
                Some("length") => ("length", "length(min = 1, max = 100)"),
                Some("range") => ("range", "range(min = 0.01, max = 1000)"),
                Some("one_of") => ("one_of", "one_of(\"draft\", \"published\")"),
                Some("multiple_of") => ("multiple_of", "multiple_of = 0.01"),
                Some("pattern") => ("pattern", "pattern = \"^[a-z0-9-]+$\""),
                _ => ("custom", "custom = path::to::check"),
            };
            wrong_form(arg, name, example, errors);
            return None;
        }
    }
    Some(rule)
}

type Bounds<T> = (Option<T>, Option<T>, Span);

fn bounds<T>(
    arg: &Arg,
    args: &[Arg],
    example: &str,
    parse: fn(&Expr) -> Option<T>,
    errors: &mut Errors,
) -> Option<Bounds<T>> {
    let mut min = None;
    let mut max = None;
    let mut max_span = arg.span();
    let mut ok = true;
    for bound in args {
        let (slot, value) = match bound {
            Arg::Value(name, value) if name == "min" && min.is_none() => (&mut min, value),
            Arg::Value(name, value) if name == "max" && max.is_none() => {
                max_span = attr::span_of(value);
                (&mut max, value)
            }
            _ => {
                let given = crate::names::key_text(bound);
                let hint = if given == "min" || given == "max" {
                    String::new()
                } else {
                    crate::names::hint(&given, &["min", "max"])
                };
                errors.at(
                    bound.span(),
                    format!(
                        "{hint}expected `min = ...` and/or `max = ...`, once each: `{example}`"
                    ),
                );
                ok = false;
                continue;
            }
        };
        match parse(value) {
            Some(parsed) => *slot = Some(parsed),
            None => {
                errors.at(
                    attr::span_of(value),
                    format!("expected a number: `{example}`"),
                );
                ok = false;
            }
        }
    }
    if ok && min.is_none() && max.is_none() {
        errors.at(arg.span(), format!("give a bound: `{example}`"));
        ok = false;
    }
    ok.then_some((min, max, max_span))
}
