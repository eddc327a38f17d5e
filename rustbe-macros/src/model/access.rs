//! Who may do what: the generated operations ([`Op`]) and the `access(...)` and `bypass(...)`
//! options that give each its rule.

use proc_macro2::Span;
use syn::{Expr, ExprCall, ExprPath, Ident, Lit, LitStr};

use super::wrong_form;
use crate::attr::{self, Arg};
use crate::errors::Errors;

/// A generated operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    List,
    Get,
    Create,
    Replace,
    Update,
    Delete,
}

impl Op {
    pub(crate) const ALL: [Self; 6] = [
        Self::List,
        Self::Get,
        Self::Create,
        Self::Replace,
        Self::Update,
        Self::Delete,
    ];

    /// The operation's name in attributes and in `Meta`.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::List => "list",
            Self::Get => "get",
            Self::Create => "create",
            Self::Replace => "replace",
            Self::Update => "update",
            Self::Delete => "delete",
        }
    }

    pub(super) fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|op| op.name() == name)
    }

    /// Whether `read` (list, get) rather than `write` covers it.
    pub(crate) fn is_read(self) -> bool {
        matches!(self, Self::List | Self::Get)
    }
}

/// The left side of an `access(...)` entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AccessKey {
    All,
    Read,
    Write,
    Op(Op),
}

impl AccessKey {
    fn from_name(name: &str) -> Option<Self> {
        match name {
            "all" => Some(Self::All),
            "read" => Some(Self::Read),
            "write" => Some(Self::Write),
            other => Op::from_name(other).map(Self::Op),
        }
    }

    /// Whether the key covers `op`.
    pub(crate) fn covers(self, op: Op) -> bool {
        match self {
            Self::All => true,
            Self::Read => op.is_read(),
            Self::Write => !op.is_read(),
            Self::Op(own) => own == op,
        }
    }

    /// How specific the key is: an operation beats `read`/`write`, which beat `all`.
    pub(crate) fn rank(self) -> u8 {
        match self {
            Self::All => 0,
            Self::Read | Self::Write => 1,
            Self::Op(_) => 2,
        }
    }
}

/// The right side of an `access(...)` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AccessRule {
    Public,
    Authenticated,
    Roles(Vec<String>),
    Owner,
}

/// One `access(...)` entry.
pub(crate) struct Access {
    pub(crate) key: AccessKey,
    pub(crate) key_span: Span,
    pub(crate) rule: AccessRule,
    pub(crate) rule_span: Span,
}

pub(super) fn access(arg: &Arg, errors: &mut Errors) -> Vec<Access> {
    const KEYS: &str = "all, read, write, list, get, create, replace, update, delete";
    let Arg::List(_, entries) = arg else {
        wrong_form(
            arg,
            "access",
            "access(read = public, write = roles(\"admin\"))",
            errors,
        );
        return Vec::new();
    };
    let mut out: Vec<Access> = Vec::new();
    for entry in entries {
        let Arg::Value(key, value) = entry else {
            errors.at(
                entry.span(),
                format!("expected `key = rule`, like `read = public`, with a key among: {KEYS}"),
            );
            continue;
        };
        let Some(access_key) = AccessKey::from_name(&key.to_string()) else {
            let hint = crate::names::hint(&key.to_string(), &KEYS.split(", ").collect::<Vec<_>>());
            errors.at(
                key.span(),
                format!("unknown access key `{key}`; {hint}expected one of: {KEYS}"),
            );
            continue;
        };
        if out.iter().any(|given| given.key == access_key) {
            errors.at(
                key.span(),
                format!("`{key}` is given twice in `access(...)`: give it once"),
            );
            continue;
        }
        if let Some(rule) = access_rule(value, errors) {
            out.push(Access {
                key: access_key,
                key_span: key.span(),
                rule,
                rule_span: attr::span_of(value),
            });
        }
    }
    out
}

fn access_rule(value: &Expr, errors: &mut Errors) -> Option<AccessRule> {
    const EXPECTED: &str =
        "expected an access rule: `public`, `authenticated`, `owner` or `roles(\"admin\", ...)`";
    match value {
        Expr::Path(ExprPath {
            path, qself: None, ..
        }) => {
            let name = path.get_ident().map(ToString::to_string);
            let rule = match name.as_deref() {
                Some("public") => Some(AccessRule::Public),
                Some("authenticated") => Some(AccessRule::Authenticated),
                Some("owner") => Some(AccessRule::Owner),
                _ => None,
            };
            if rule.is_none() {
                let hint = crate::names::hint(
                    name.as_deref().unwrap_or_default(),
                    &["public", "authenticated", "owner", "roles"],
                );
                errors.at(attr::span_of(value), format!("{hint}{EXPECTED}"));
            }
            rule
        }
        Expr::Call(ExprCall { func, args, .. }) => {
            let is_roles = matches!(&**func, Expr::Path(ExprPath { path, qself: None, .. }) if path.is_ident("roles"));
            if !is_roles {
                errors.at(attr::span_of(value), EXPECTED);
                return None;
            }
            if args.is_empty() {
                errors.at(
                    attr::span_of(value),
                    "`roles()` needs at least one role: `roles(\"admin\")`",
                );
                return None;
            }
            let mut roles = Vec::new();
            for arg in args {
                match attr::lit_str(arg).map(LitStr::value) {
                    Some(role) if !role.trim().is_empty() => roles.push(role),
                    _ => errors.at(
                        attr::span_of(arg),
                        "a role is a non-empty string: `roles(\"admin\", \"staff\")`",
                    ),
                }
            }
            (roles.len() == args.len()).then_some(AccessRule::Roles(roles))
        }
        _ => {
            errors.at(attr::span_of(value), EXPECTED);
            None
        }
    }
}

pub(super) fn bypass(arg: &Arg, errors: &mut Errors) -> Option<(Ident, Vec<String>)> {
    let Arg::List(key, entries) = arg else {
        wrong_form(arg, "bypass", "bypass(\"admin\")", errors);
        return None;
    };
    let mut roles = Vec::new();
    for entry in entries {
        match entry {
            Arg::Lit(Lit::Str(lit)) if !lit.value().trim().is_empty() => roles.push(lit.value()),
            _ => errors.at(
                entry.span(),
                "a role is a non-empty string: `bypass(\"admin\", \"support\")`",
            ),
        }
    }
    Some((key.clone(), roles))
}
