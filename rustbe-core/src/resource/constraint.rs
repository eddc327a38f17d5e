//! A unique or foreign key violation of a write, named by field: the columns the database
//! reports (PostgreSQL's `Key (a, b)=(…)` detail, SQLite's `UNIQUE constraint failed: t.a,
//! t.b`) mapped to the resource's JSON fields, each a detail of the 409.

use sea_orm::sqlx;
use sea_orm::{DbErr, RuntimeErr};

use super::Resource;
use crate::{Error, ErrorCode, FieldError};

/// `err` with a detail per field the violated constraint covers, when the database names its
/// columns and they are fields of `R`; `err` as it was otherwise (SQLite does not say which
/// foreign key failed).
pub(crate) fn name_fields<R: Resource>(err: Error) -> Error {
    let duplicate = match err.code() {
        ErrorCode::DuplicateEntry => true,
        ErrorCode::Conflict => false,
        _ => return err,
    };
    if !err.details().is_empty() {
        return err;
    }
    let Some(columns) = std::error::Error::source(&err)
        .and_then(|source| source.downcast_ref::<DbErr>())
        .and_then(columns_of)
    else {
        return err;
    };
    let fields: Vec<&'static str> = columns
        .iter()
        .filter_map(|column| R::field_of_column(column))
        .collect();
    if fields.is_empty() || fields.len() != columns.len() {
        return err;
    }
    let details = fields.iter().map(|field| {
        let others: Vec<String> = fields
            .iter()
            .filter(|other| *other != field)
            .map(|other| format!("`{other}`"))
            .collect();
        let message = match (duplicate, others.is_empty()) {
            (true, true) => "is already taken".to_owned(),
            (true, false) => format!("is already taken together with {}", others.join(", ")),
            (false, _) => "refers to a row that does not exist".to_owned(),
        };
        FieldError::new(*field, message)
    });
    let message = if duplicate {
        "A row with these values already exists"
    } else {
        "A referenced resource does not exist"
    };
    err.with_message(message)
        .with_details(details.collect::<Vec<_>>())
}

/// The columns a constraint violation names.
fn columns_of(err: &DbErr) -> Option<Vec<String>> {
    let (DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e))) = err
    else {
        return None;
    };
    let sqlx::Error::Database(db) = e.as_ref() else {
        return None;
    };
    if let Some(pg) = db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
        return pg.detail().and_then(key_columns);
    }
    sqlite_columns(db.message())
}

/// `Key (product_id, user_id)=(…) already exists.` → `["product_id", "user_id"]`.
fn key_columns(detail: &str) -> Option<Vec<String>> {
    let rest = detail.strip_prefix("Key (")?;
    let (columns, _) = rest.split_once(")=(")?;
    Some(
        columns
            .split(',')
            .map(|c| c.trim().trim_matches('"').to_owned())
            .collect(),
    )
}

/// `UNIQUE constraint failed: reviews.product_id, reviews.user_id` → the columns.
fn sqlite_columns(message: &str) -> Option<Vec<String>> {
    let (_, list) = message.split_once("UNIQUE constraint failed: ")?;
    Some(
        list.split(',')
            .map(|c| {
                let c = c.trim();
                c.rsplit_once('.')
                    .map_or(c, |(_, column)| column)
                    .to_owned()
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_read_from_both_databases() {
        assert_eq!(
            key_columns("Key (product_id, user_id)=(1, 2) already exists.").unwrap(),
            ["product_id", "user_id"]
        );
        assert_eq!(
            key_columns(r#"Key ("slug")=(x) already exists."#).unwrap(),
            ["slug"]
        );
        assert_eq!(
            key_columns("Key (category_id)=(9) is not present in table \"categories\".").unwrap(),
            ["category_id"]
        );
        assert!(key_columns("Failing row contains (…).").is_none());
        assert_eq!(
            sqlite_columns("UNIQUE constraint failed: reviews.product_id, reviews.user_id")
                .unwrap(),
            ["product_id", "user_id"]
        );
        assert!(sqlite_columns("FOREIGN KEY constraint failed").is_none());
    }
}
