//! SQL targets: users (and groups) are rows of a PostgreSQL or SQLite
//! table whose columns are the mapped target paths; a row's target id is
//! its key column's value, as text; group memberships are rows of a
//! memberships table. The tables' columns are read from the catalogue when
//! the connector connects, so a table or column the job names but the
//! database lacks is reported before anything is written. Every value is a
//! bound parameter; only table and column names (validated plain
//! identifiers, or names read from the catalogue) are put into the
//! statement text, double-quoted.

mod batch;
mod errors;
mod schema;
mod values;

use std::str::FromStr as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use provisio_engine::Value;
use provisio_engine::job::{SourceKind, SqlDisable, SqlTarget};
use provisio_engine::matching::TargetObject;
use provisio_engine::scim_path::{AttributeChange, TargetAttributes};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, AssertSqlSafe, Row as _};

use self::errors::from_sqlx;
use self::schema::{Column, Dialect, Kind, Table, placeholder, quote};
use self::values::{Param, param};
use super::{Connector, ConnectorError, ConnectorFuture};

/// How long to wait for a connection before calling the database unreachable.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);
/// The target path that holds a group's members: written through
/// [`Connector::add_members`] and [`Connector::remove_members`] only.
const MEMBERS: &str = "members";

/// Connects to the target's database (the password goes into the connect
/// options, never into the job's URL) and reads the schema of the tables
/// the job names.
pub async fn connect(target: &SqlTarget) -> Result<Arc<dyn Connector>, ConnectorError> {
    Ok(Arc::new(SqlConnector::connect(target).await?))
}

/// A SQL database as a provisioning target.
#[derive(Debug, Clone)]
pub struct SqlConnector {
    pool: AnyPool,
    dialect: Dialect,
    target: SqlTarget,
    users: Table,
    groups: Option<Table>,
    memberships: Option<Table>,
    /// SELECTs of rows sent so far ([`SqlConnector::lookups`]).
    lookups: Arc<AtomicU64>,
}

/// What an object's kind is stored in.
struct Place<'a> {
    table: &'a Table,
    key: &'a Column,
}

impl SqlConnector {
    /// Opens a small pool and reads the schema of the tables the job names.
    pub async fn connect(target: &SqlTarget) -> Result<SqlConnector, ConnectorError> {
        let dialect = if target.url.starts_with("sqlite:") {
            Dialect::Sqlite
        } else {
            Dialect::Postgres
        };
        sqlx::any::install_default_drivers();
        let mut options = AnyConnectOptions::from_str(&target.url).map_err(|e| ConnectorError::Invalid {
            detail: format!("the database URL is not usable: {e}"),
        })?;
        if let (Some(password), Dialect::Postgres) = (&target.password, dialect) {
            options
                .database_url
                .set_password(Some(password.expose()))
                .map_err(|()| ConnectorError::Invalid {
                    detail: "the database URL cannot carry a password".to_owned(),
                })?;
        }
        let pool = AnyPoolOptions::new()
            .max_connections(4)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options)
            .await
            .map_err(from_sqlx)?;
        let (users, groups, memberships) = read_schema(&pool, dialect, target).await?;
        Ok(SqlConnector {
            pool,
            dialect,
            target: target.clone(),
            users,
            groups,
            memberships,
            lookups: Arc::default(),
        })
    }

    /// How many statements reading rows of the target's tables (finds,
    /// reads, value checks) this connector has sent: what matching costs
    /// in round trips, for tests and diagnostics. Catalogue reads and
    /// writes are not counted.
    pub fn lookups(&self) -> u64 {
        self.lookups.load(Ordering::Relaxed)
    }

    fn count_lookup(&self) {
        self.lookups.fetch_add(1, Ordering::Relaxed);
    }

    fn place(&self, kind: SourceKind) -> Result<Place<'_>, ConnectorError> {
        let table = match kind {
            SourceKind::User => &self.users,
            SourceKind::Group => self.groups.as_ref().ok_or_else(|| ConnectorError::Incompatible {
                detail: "the job provisions groups, and its SQL target names no `groups_table`".to_owned(),
            })?,
        };
        let key = table.required("key_column", &self.target.key_column)?;
        Ok(Place { table, key })
    }

    fn ph(&self, column: &Column, n: usize) -> String {
        placeholder(self.dialect, column, n)
    }

    /// The rows of `place` whose `column` equals `value`.
    async fn select(
        &self,
        place: &Place<'_>,
        column: &Column,
        value: Param,
    ) -> Result<Vec<TargetObject>, ConnectorError> {
        let sql = format!(
            "SELECT {} FROM {} WHERE {} = {}",
            place.table.select_list(),
            quote(&place.table.name),
            quote(&column.name),
            self.ph(column, 1)
        );
        self.count_lookup();
        let rows = value
            .bind(sqlx::query(AssertSqlSafe(sql)))
            .fetch_all(&self.pool)
            .await
            .map_err(from_sqlx)?;
        rows.iter().map(|row| object(place, row)).collect()
    }

    async fn read_object(&self, kind: SourceKind, id: &str) -> Result<Option<TargetObject>, ConnectorError> {
        let place = self.place(kind)?;
        let Ok(key) = param(place.key, &Value::str(id)) else {
            // An id the key column cannot hold names no row.
            return Ok(None);
        };
        Ok(self.select(&place, place.key, key).await?.into_iter().next())
    }

    async fn find_objects(
        &self,
        kind: SourceKind,
        attribute: &str,
        value: &Value,
    ) -> Result<Vec<TargetObject>, ConnectorError> {
        let place = self.place(kind)?;
        let column = place.table.mapped(attribute)?;
        match param(column, value) {
            Ok(Param::Null) | Err(_) => Ok(Vec::new()),
            Ok(wanted) => self.select(&place, column, wanted).await,
        }
    }

    async fn exists(&self, kind: SourceKind, attribute: &str, value: &Value) -> Result<bool, ConnectorError> {
        let place = self.place(kind)?;
        let column = place.table.mapped(attribute)?;
        let wanted = match param(column, value) {
            Ok(Param::Null) | Err(_) => return Ok(false),
            Ok(wanted) => wanted,
        };
        let sql = format!(
            "SELECT 1 FROM {} WHERE {} = {} LIMIT 1",
            quote(&place.table.name),
            quote(&column.name),
            self.ph(column, 1)
        );
        self.count_lookup();
        let row = wanted
            .bind(sqlx::query(AssertSqlSafe(sql)))
            .fetch_optional(&self.pool)
            .await
            .map_err(from_sqlx)?;
        Ok(row.is_some())
    }

    /// The columns and parameters of these writes, every path checked to
    /// be a column before anything is written; `members` is left out.
    fn writes<'t, 'v>(
        table: &'t Table,
        writes: impl IntoIterator<Item = (&'v str, &'v Value)>,
    ) -> Result<Vec<(&'t Column, Param)>, ConnectorError> {
        let mut out: Vec<(&Column, Param)> = Vec::new();
        for (path, value) in writes {
            if path.eq_ignore_ascii_case(MEMBERS) {
                continue;
            }
            let column = table.mapped(path)?;
            let bound = param(column, value).map_err(|detail| ConnectorError::Rejected {
                status: 400,
                scim_type: None,
                detail,
            })?;
            // A column written twice keeps its last value.
            out.retain(|(c, _)| c.name != column.name);
            out.push((column, bound));
        }
        Ok(out)
    }

    async fn insert(&self, kind: SourceKind, attributes: &TargetAttributes) -> Result<TargetObject, ConnectorError> {
        let place = self.place(kind)?;
        let mut writes = Self::writes(place.table, attributes.iter().map(|(p, v)| (p.as_str(), v)))?;
        writes.retain(|(_, p)| *p != Param::Null);
        if !writes.iter().any(|(c, _)| c.name == place.key.name) && place.key.kind != Kind::Int {
            // An integer key is left to the database (a rowid or identity).
            writes.push((place.key, Param::Text(uuid::Uuid::new_v4().to_string())));
        }
        let columns: Vec<String> = writes.iter().map(|(c, _)| quote(&c.name)).collect();
        let placeholders: Vec<String> = writes.iter().enumerate().map(|(i, (c, _))| self.ph(c, i + 1)).collect();
        // The new row comes back in the insert's answer (RETURNING: PostgreSQL,
        // SQLite 3.35 and later), read as a SELECT reads it.
        let sql = if writes.is_empty() {
            format!(
                "INSERT INTO {} DEFAULT VALUES RETURNING {}",
                quote(&place.table.name),
                place.table.select_list()
            )
        } else {
            format!(
                "INSERT INTO {} ({}) VALUES ({}) RETURNING {}",
                quote(&place.table.name),
                columns.join(", "),
                placeholders.join(", "),
                place.table.select_list()
            )
        };
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for (_, bound) in writes {
            query = bound.bind(query);
        }
        let row = query.fetch_one(&self.pool).await.map_err(from_sqlx)?;
        object(&place, &row)
    }

    /// `UPDATE … SET` these columns of the row `id`; no row is NotFound.
    async fn set(&self, place: &Place<'_>, id: &str, writes: Vec<(&Column, Param)>) -> Result<(), ConnectorError> {
        if writes.is_empty() {
            return Ok(());
        }
        let key = param(place.key, &Value::str(id)).map_err(|_| not_found(place, id))?;
        let sets: Vec<String> = writes
            .iter()
            .enumerate()
            .map(|(i, (c, _))| format!("{} = {}", quote(&c.name), self.ph(c, i + 1)))
            .collect();
        let sql = format!(
            "UPDATE {} SET {} WHERE {} = {}",
            quote(&place.table.name),
            sets.join(", "),
            quote(&place.key.name),
            self.ph(place.key, writes.len() + 1)
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for (_, bound) in writes {
            query = bound.bind(query);
        }
        let done = key.bind(query).execute(&self.pool).await.map_err(from_sqlx)?;
        if done.rows_affected() == 0 {
            return Err(not_found(place, id));
        }
        Ok(())
    }

    async fn update_object(
        &self,
        kind: SourceKind,
        id: &str,
        changes: &[AttributeChange],
    ) -> Result<(), ConnectorError> {
        let place = self.place(kind)?;
        let writes = Self::writes(place.table, changes.iter().map(|c| (&*c.path, &c.new)))?;
        self.set(&place, id, writes).await
    }

    async fn disable_object(&self, kind: SourceKind, id: &str) -> Result<(), ConnectorError> {
        let place = self.place(kind)?;
        match &self.target.disable {
            SqlDisable::Column { column, value } => match place.table.column(column) {
                Some(column) => {
                    let bound = param(column, &values::from_json(value)).map_err(|detail| ConnectorError::Invalid {
                        detail: format!("disable.value: {detail}"),
                    })?;
                    self.set(&place, id, vec![(column, bound)]).await
                }
                // Groups without the column cannot be disabled: deleted.
                None => self.delete_object(kind, id).await,
            },
            SqlDisable::Delete => self.delete_object(kind, id).await,
        }
    }

    /// Deletes the row and the membership rows naming it, in one transaction.
    async fn delete_object(&self, kind: SourceKind, id: &str) -> Result<(), ConnectorError> {
        let place = self.place(kind)?;
        let key = param(place.key, &Value::str(id)).map_err(|_| not_found(&place, id))?;
        let mut tx = self.pool.begin().await.map_err(from_sqlx)?;
        if let (Some(memberships), Some(names)) = (&self.memberships, &self.target.memberships) {
            let name = match kind {
                SourceKind::User => &names.member_column,
                SourceKind::Group => &names.group_column,
            };
            let column = memberships.required("memberships", name)?;
            let sql = format!(
                "DELETE FROM {} WHERE {} = {}",
                quote(&memberships.name),
                quote(&column.name),
                self.ph(column, 1)
            );
            param(column, &Value::str(id))
                .unwrap_or_else(|_| Param::Text(id.to_owned()))
                .bind(sqlx::query(AssertSqlSafe(sql)))
                .execute(&mut *tx)
                .await
                .map_err(from_sqlx)?;
        }
        let sql = format!(
            "DELETE FROM {} WHERE {} = {}",
            quote(&place.table.name),
            quote(&place.key.name),
            self.ph(place.key, 1)
        );
        let done = key
            .bind(sqlx::query(AssertSqlSafe(sql)))
            .execute(&mut *tx)
            .await
            .map_err(from_sqlx)?;
        if done.rows_affected() == 0 {
            return Err(not_found(&place, id));
        }
        tx.commit().await.map_err(from_sqlx)
    }

    /// Adds (`add`) or removes membership rows, in one transaction. Adding
    /// one that exists and removing one that does not are no-ops.
    async fn members(&self, group_id: &str, member_ids: &[String], add: bool) -> Result<(), ConnectorError> {
        let (Some(table), Some(names)) = (&self.memberships, &self.target.memberships) else {
            return Err(ConnectorError::Incompatible {
                detail: "the job provisions group members, and its SQL target names no `memberships` table".to_owned(),
            });
        };
        let group = table.required("memberships.group_column", &names.group_column)?;
        let member = table.required("memberships.member_column", &names.member_column)?;
        let t = quote(&table.name);
        let (g, m) = (quote(&group.name), quote(&member.name));
        let sql = if add {
            format!(
                "INSERT INTO {t} ({g}, {m}) SELECT {}, {} WHERE NOT EXISTS (SELECT 1 FROM {t} WHERE {g} = {} AND {m} = {})",
                self.ph(group, 1),
                self.ph(member, 2),
                self.ph(group, 3),
                self.ph(member, 4)
            )
        } else {
            format!(
                "DELETE FROM {t} WHERE {g} = {} AND {m} = {}",
                self.ph(group, 1),
                self.ph(member, 2)
            )
        };
        let bound = |column: &Column, id: &str| {
            param(column, &Value::str(id)).map_err(|detail| ConnectorError::Rejected {
                status: 400,
                scim_type: None,
                detail,
            })
        };
        let group_id = bound(group, group_id)?;
        let mut tx = self.pool.begin().await.map_err(from_sqlx)?;
        for member_id in member_ids {
            let member_id = bound(member, member_id)?;
            let mut query = sqlx::query(AssertSqlSafe(sql.clone()));
            query = group_id.clone().bind(query);
            query = member_id.clone().bind(query);
            if add {
                query = group_id.clone().bind(query);
                query = member_id.bind(query);
            }
            query.execute(&mut *tx).await.map_err(from_sqlx)?;
        }
        tx.commit().await.map_err(from_sqlx)
    }

    async fn check(&self) -> Result<(), ConnectorError> {
        read_schema(&self.pool, self.dialect, &self.target).await.map(drop)
    }
}

type Schema = (Table, Option<Table>, Option<Table>);

/// The tables the job names, each checked to have the columns it names.
async fn read_schema(pool: &AnyPool, dialect: Dialect, target: &SqlTarget) -> Result<Schema, ConnectorError> {
    let users = Table::read(pool, dialect, &target.users_table).await?;
    users.required("key_column", &target.key_column)?;
    if let SqlDisable::Column { column, .. } = &target.disable {
        users.required("disable.column", column)?;
    }
    let groups = match &target.groups_table {
        Some(name) => {
            let groups = Table::read(pool, dialect, name).await?;
            groups.required("key_column", &target.key_column)?;
            Some(groups)
        }
        None => None,
    };
    let memberships = match &target.memberships {
        Some(names) => {
            let table = Table::read(pool, dialect, &names.table).await?;
            table.required("memberships.group_column", &names.group_column)?;
            table.required("memberships.member_column", &names.member_column)?;
            Some(table)
        }
        None => None,
    };
    Ok((users, groups, memberships))
}

/// A row as a target object: its key as the id, its non-null columns as
/// attributes keyed by column name.
fn object(place: &Place<'_>, row: &AnyRow) -> Result<TargetObject, ConnectorError> {
    let mut attributes = TargetAttributes::new();
    let mut id = None;
    for (i, column) in place.table.columns.iter().enumerate() {
        let text: Option<String> = row.try_get(i).map_err(from_sqlx)?;
        let Some(text) = text else { continue };
        if column.name == place.key.name {
            id = Some(text.clone());
        }
        attributes.insert(column.name.clone(), values::value(column.kind, text));
    }
    let id = id.ok_or_else(|| ConnectorError::Invalid {
        detail: format!("a row of `{}` has no `{}`", place.table.name, place.key.name),
    })?;
    Ok(TargetObject { id, attributes })
}

fn not_found(place: &Place<'_>, id: &str) -> ConnectorError {
    ConnectorError::NotFound {
        detail: format!(
            "the table `{}` has no row whose `{}` is `{id}`",
            place.table.name, place.key.name
        ),
    }
}

impl Connector for SqlConnector {
    fn test_connection(&self) -> ConnectorFuture<'_, ()> {
        Box::pin(self.check())
    }

    fn find<'a>(
        &'a self,
        kind: SourceKind,
        target_attribute: &'a str,
        value: &'a Value,
    ) -> ConnectorFuture<'a, Vec<TargetObject>> {
        Box::pin(self.find_objects(kind, target_attribute, value))
    }

    fn find_many<'a>(
        &'a self,
        kind: SourceKind,
        target_attribute: &'a str,
        values: &'a [Value],
    ) -> ConnectorFuture<'a, Vec<Vec<TargetObject>>> {
        Box::pin(self.find_batched(kind, target_attribute, values))
    }

    fn read<'a>(&'a self, kind: SourceKind, id: &'a str) -> ConnectorFuture<'a, Option<TargetObject>> {
        Box::pin(self.read_object(kind, id))
    }

    fn create<'a>(&'a self, kind: SourceKind, attributes: &'a TargetAttributes) -> ConnectorFuture<'a, TargetObject> {
        Box::pin(self.insert(kind, attributes))
    }

    fn update<'a>(&'a self, kind: SourceKind, id: &'a str, changes: &'a [AttributeChange]) -> ConnectorFuture<'a, ()> {
        Box::pin(self.update_object(kind, id, changes))
    }

    fn disable<'a>(&'a self, kind: SourceKind, id: &'a str) -> ConnectorFuture<'a, ()> {
        Box::pin(self.disable_object(kind, id))
    }

    fn delete<'a>(&'a self, kind: SourceKind, id: &'a str) -> ConnectorFuture<'a, ()> {
        Box::pin(self.delete_object(kind, id))
    }

    fn add_members<'a>(&'a self, group_id: &'a str, member_ids: &'a [String]) -> ConnectorFuture<'a, ()> {
        Box::pin(self.members(group_id, member_ids, true))
    }

    fn remove_members<'a>(&'a self, group_id: &'a str, member_ids: &'a [String]) -> ConnectorFuture<'a, ()> {
        Box::pin(self.members(group_id, member_ids, false))
    }

    fn value_exists<'a>(
        &'a self,
        kind: SourceKind,
        target_attribute: &'a str,
        value: &'a Value,
    ) -> ConnectorFuture<'a, bool> {
        Box::pin(self.exists(kind, target_attribute, value))
    }
}
