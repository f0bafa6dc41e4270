//! The SQL target's tables as the database's catalogue describes them
//! (`information_schema.columns` on PostgreSQL, `pragma_table_info` on
//! SQLite), and the statement fragments built from them: quoted names,
//! typed placeholders and select lists. Only names read from the catalogue
//! or validated as plain identifiers are ever put into statement text.

use sqlx::AnyPool;
use sqlx::Row as _;

use super::errors::from_sqlx;
use crate::ConnectorError;

/// The database kinds a SQL target may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Dialect {
    Postgres,
    Sqlite,
}

/// How a column's values are bound and read back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Bool,
    Int,
    Time,
    /// Text and everything else (numeric, uuid, json…): bound as text, which
    /// PostgreSQL casts to the declared type and SQLite stores as it is.
    Text,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Column {
    pub(super) name: String,
    pub(super) kind: Kind,
    /// The declared type (PostgreSQL: `udt_name`, such as `int4` or
    /// `timestamptz`), which placeholders are cast to on PostgreSQL.
    pub(super) declared: String,
}

/// One table and its columns, in declaration order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Table {
    pub(super) name: String,
    pub(super) columns: Vec<Column>,
}

impl Table {
    /// Reads the table's columns; a table the database does not have is
    /// [`ConnectorError::Invalid`], naming it.
    pub(super) async fn read(pool: &AnyPool, dialect: Dialect, name: &str) -> Result<Table, ConnectorError> {
        let sql = match dialect {
            Dialect::Postgres => {
                "SELECT CAST(column_name AS TEXT), CAST(udt_name AS TEXT) FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position"
            }
            Dialect::Sqlite => "SELECT CAST(name AS TEXT), CAST(type AS TEXT) FROM pragma_table_info($1) ORDER BY cid",
        };
        let rows = sqlx::query(sql).bind(name).fetch_all(pool).await.map_err(from_sqlx)?;
        let mut columns = Vec::with_capacity(rows.len());
        for row in rows {
            let column: String = row.try_get(0).map_err(from_sqlx)?;
            let declared: Option<String> = row.try_get(1).map_err(from_sqlx)?;
            let declared = declared.unwrap_or_default();
            columns.push(Column {
                name: column,
                kind: kind_of(&declared),
                declared,
            });
        }
        if columns.is_empty() {
            return Err(ConnectorError::Invalid {
                detail: format!("the database has no table `{name}`"),
            });
        }
        Ok(Table {
            name: name.to_owned(),
            columns,
        })
    }

    /// The column a target path names: exactly, or else ignoring case.
    pub(super) fn column(&self, path: &str) -> Option<&Column> {
        self.columns
            .iter()
            .find(|c| c.name == path)
            .or_else(|| self.columns.iter().find(|c| c.name.eq_ignore_ascii_case(path)))
    }

    /// Like [`Table::column`], for a name the job's definition gives
    /// (`key_column`, `disable.column`…): a missing one is a definition error.
    pub(super) fn required(&self, field: &str, name: &str) -> Result<&Column, ConnectorError> {
        self.column(name).ok_or_else(|| ConnectorError::Invalid {
            detail: format!(
                "{field}: the table `{}` has no column `{name}` (it has {})",
                self.name,
                self.column_list()
            ),
        })
    }

    /// Like [`Table::column`], for a mapped target path: a missing one is
    /// the target refusing the request, before anything is written.
    pub(super) fn mapped(&self, path: &str) -> Result<&Column, ConnectorError> {
        self.column(path).ok_or_else(|| ConnectorError::Rejected {
            status: 400,
            scim_type: None,
            detail: format!(
                "the mapped target attribute `{path}` is not a column of the table `{}` (its columns: {})",
                self.name,
                self.column_list()
            ),
        })
    }

    pub(super) fn column_list(&self) -> String {
        self.columns
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// `CAST("a" AS TEXT) AS "a", …`: every column read back as text, which
    /// both drivers decode whatever the declared type.
    pub(super) fn select_list(&self) -> String {
        self.columns
            .iter()
            .map(|c| format!("CAST({0} AS TEXT) AS {0}", quote(&c.name)))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// A validated or catalogue name, double-quoted (inner quotes doubled).
pub(super) fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The `n`th placeholder for a value of `column`: cast to the declared
/// type on PostgreSQL (values are bound as text, integer or boolean).
pub(super) fn placeholder(dialect: Dialect, column: &Column, n: usize) -> String {
    match dialect {
        Dialect::Postgres if !column.declared.is_empty() => format!("CAST(${n} AS {})", quote(&column.declared)),
        _ => format!("${n}"),
    }
}

/// The kind of a declared type, PostgreSQL's `udt_name` or SQLite's
/// declaration (`BOOLEAN`, `INTEGER`, `VARCHAR(64)`, `TIMESTAMP`…).
fn kind_of(declared: &str) -> Kind {
    let lower = declared.to_ascii_lowercase();
    let base = lower.split('(').next().unwrap_or_default().trim();
    match base {
        "bool" | "boolean" => Kind::Bool,
        "int" | "int2" | "int4" | "int8" | "integer" | "smallint" | "bigint" | "tinyint" | "mediumint" => Kind::Int,
        "timestamp"
        | "timestamptz"
        | "datetime"
        | "date"
        | "timestamp with time zone"
        | "timestamp without time zone" => Kind::Time,
        _ => Kind::Text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_types_have_kinds() {
        for (declared, kind) in [
            ("BOOLEAN", Kind::Bool),
            ("bool", Kind::Bool),
            ("int4", Kind::Int),
            ("BIGINT", Kind::Int),
            ("timestamptz", Kind::Time),
            ("VARCHAR(64)", Kind::Text),
            ("interval", Kind::Text),
            ("", Kind::Text),
        ] {
            assert_eq!(kind_of(declared), kind, "{declared}");
        }
    }

    #[test]
    fn names_are_quoted_and_placeholders_cast_on_postgres() {
        assert_eq!(quote("user_name"), "\"user_name\"");
        assert_eq!(quote("a\"b"), "\"a\"\"b\"");
        let column = Column {
            name: "active".into(),
            kind: Kind::Bool,
            declared: "bool".into(),
        };
        assert_eq!(placeholder(Dialect::Postgres, &column, 2), "CAST($2 AS \"bool\")");
        assert_eq!(placeholder(Dialect::Sqlite, &column, 2), "$2");
    }
}
