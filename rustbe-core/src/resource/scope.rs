//! Which rows a caller reaches: the operation's access rule, and the owner rule as a check of
//! one row or a condition on a query.

use sea_orm::{ColumnTrait, QueryFilter};

use super::Resource;
use crate::Error;
use crate::access::{AccessRule, Grant, Principal};

/// The rule of an operation that is routed (so it is on).
pub(super) fn rule(op: Option<AccessRule>) -> AccessRule {
    op.unwrap_or(AccessRule::Authenticated)
}

/// A row of another owner is a 404, as is a row without an owner to a caller limited to
/// their own.
pub(super) fn check_owner(grant: &Grant, owner: Option<&str>) -> Result<(), Error> {
    match (grant, owner) {
        (Grant::All, _) => Ok(()),
        (Grant::OwnedBy(_), Some(owner)) => grant.check_owner(owner),
        (Grant::OwnedBy(_), None) => Err(Error::not_found()),
    }
}

/// Which rows a grant reaches, as a condition on the owner field.
pub(super) enum Owned {
    /// Every row.
    All,
    /// Rows owned by the caller.
    Only(sea_orm::Condition),
    /// None: the caller's id is not a value of the owner field.
    Nothing,
}

impl Owned {
    pub(super) fn of<R: Resource>(grant: &Grant) -> Result<Self, Error> {
        let Some(me) = grant.owner() else {
            return Ok(Self::All);
        };
        let field = R::META
            .owner
            .ok_or_else(|| Error::internal("an owner rule on a resource without an owner field"))?;
        let column = R::column(field)
            .ok_or_else(|| Error::internal(format!("owner field `{field}` has no column")))?;
        Ok(match R::parse_field(field, me) {
            Ok(value) => Self::Only(sea_orm::Condition::all().add(column.eq(value))),
            Err(_) => Self::Nothing,
        })
    }

    /// `query` limited to these rows; `None` when no row can match.
    pub(super) fn restrict<Q: QueryFilter>(self, query: Q) -> Option<Q> {
        match self {
            Self::All => Some(query),
            Self::Only(condition) => Some(query.filter(condition)),
            Self::Nothing => None,
        }
    }
}

/// The read hook's condition for `principal`, if the resource has one.
pub(super) fn read_scope<R: Resource>(principal: Option<&Principal>) -> Option<sea_orm::Condition> {
    R::META.scope.map(|scope| scope(principal))
}

/// `query` limited by the read hook's `scope`, if any.
pub(super) fn in_scope<Q: QueryFilter>(query: Q, scope: Option<sea_orm::Condition>) -> Q {
    match scope {
        Some(condition) => query.filter(condition),
        None => query,
    }
}
