//! Matching many values on a SQL target in few statements:
//! `SELECT … WHERE "col" IN ($1, $2, …)`, 500 values a statement, each a
//! bound parameter typed for the column as in a single find. Objects are
//! given to values by [`crate::batch`]'s rules: columns compare exactly
//! (PostgreSQL's and SQLite's default), and a column whose collation
//! ignores case (SQLite `NOCASE`, a PostgreSQL `citext`) is handled by the
//! same rules, so a value is never given a row a single find would not give.

use provisio_engine::Value;
use provisio_engine::job::SourceKind;
use provisio_engine::matching::TargetObject;
use sqlx::AssertSqlSafe;

use super::errors::from_sqlx;
use super::schema::{Column, Dialect, placeholder, quote};
use super::values::{Param, param};
use super::{SqlConnector, object};
use crate::batch::{self as rules, Plan};
use crate::{Connector, ConnectorError, ConnectorFuture};

/// Values bound in one statement at most (SQLite allows 32,766, PostgreSQL 65,535).
pub(super) const MAX_VALUES: usize = 500;

/// The text a bound value is compared by; `None` for a value that matches
/// nothing (null, or one the column cannot hold).
fn key(column: &Column, value: &Value) -> Option<String> {
    match param(column, value).ok()? {
        Param::Null => None,
        Param::Bool(b) => Some(b.to_string()),
        Param::Int(i) => Some(i.to_string()),
        Param::Text(text) => Some(text),
    }
}

/// `"col" IN (…)` with `count` placeholders typed for the column.
fn in_list(dialect: Dialect, column: &Column, count: usize) -> String {
    let placeholders: Vec<String> = (1..=count).map(|n| placeholder(dialect, column, n)).collect();
    format!("{} IN ({})", quote(&column.name), placeholders.join(", "))
}

impl SqlConnector {
    /// [`Connector::find_many`] for SQL.
    pub(super) async fn find_batched(
        &self,
        kind: SourceKind,
        target_attribute: &str,
        values: &[Value],
    ) -> Result<Vec<Vec<TargetObject>>, ConnectorError> {
        let place = self.place(kind)?;
        let column = place.table.mapped(target_attribute)?;
        let keys: Vec<Option<String>> = values.iter().map(|v| key(column, v)).collect();
        let plan = if values.len() > 1 {
            rules::plan(&keys, MAX_VALUES, usize::MAX, |_| 0)
        } else {
            Plan {
                singles: (0..values.len()).collect(),
                ..Plan::default()
            }
        };
        let place = &place;
        let query = |batch: Vec<usize>| -> ConnectorFuture<'_, Option<Vec<TargetObject>>> {
            let bound: Vec<Param> = batch
                .iter()
                .filter_map(|&i| values.get(i).and_then(|v| param(column, v).ok()))
                .collect();
            let sql = format!(
                "SELECT {} FROM {} WHERE {}",
                place.table.select_list(),
                quote(&place.table.name),
                in_list(self.dialect, column, bound.len())
            );
            Box::pin(async move {
                self.count_lookup();
                let mut query = sqlx::query(AssertSqlSafe(sql));
                for value in bound {
                    query = value.bind(query);
                }
                let rows = query.fetch_all(&self.pool).await.map_err(from_sqlx)?;
                rows.iter()
                    .map(|row| object(place, row))
                    .collect::<Result<Vec<_>, _>>()
                    .map(Some)
            })
        };
        let single = |value| self.find(kind, target_attribute, value);
        let texts = |found: &TargetObject| rules::attribute_texts(found, &column.name, |v: &Value| key(column, v));
        rules::run(values, &keys, plan, query, single, texts).await
    }
}

#[cfg(test)]
mod tests {
    use super::super::schema::Kind;
    use super::*;

    #[test]
    fn keys_follow_the_column_type() {
        let int = Column {
            name: "n".into(),
            kind: Kind::Int,
            declared: "int4".into(),
        };
        assert_eq!(key(&int, &Value::str(" 42 ")), Some("42".into()));
        assert_eq!(key(&int, &Value::Int(42)), Some("42".into()));
        assert_eq!(key(&int, &Value::str("x")), None);
        assert_eq!(key(&int, &Value::Null), None);
    }

    #[test]
    fn in_lists_bind_every_value_typed_for_the_column() {
        let int = Column {
            name: "n".into(),
            kind: Kind::Int,
            declared: "int4".into(),
        };
        assert_eq!(
            in_list(Dialect::Postgres, &int, 3),
            r#""n" IN (CAST($1 AS "int4"), CAST($2 AS "int4"), CAST($3 AS "int4"))"#
        );
        assert_eq!(in_list(Dialect::Sqlite, &int, 2), r#""n" IN ($1, $2)"#);
    }
}
