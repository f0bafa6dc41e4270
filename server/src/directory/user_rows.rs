//! A user's row as the directory writes it (its attributes as JSON and the
//! columns indexed for look-ups), and the statements that write many rows
//! at once: new users inserted together, their managers checked together.

use std::collections::HashSet;

use serde_json::{Map, Value};
// Dynamic SQL here only splices `$n` placeholders; values are always bound.
use sqlx::AssertSqlSafe;

use super::DirectoryError;
use super::changes::Write;
use super::model::User;
use super::rows::{key, placeholders, text};
use super::users::check_upn_free;

/// A user's row as it is written: its attributes and the columns indexed
/// for look-ups.
pub(super) struct UserRow {
    pub(super) id: String,
    upn: String,
    pub(super) upn_key: String,
    pub(super) external_id: Option<String>,
    pub(super) employee_id: Option<String>,
    pub(super) mail_key: Option<String>,
    pub(super) display_name_key: Option<String>,
    pub(super) attributes_json: String,
    pub(super) extra_json: Option<String>,
    pub(super) attributes: Map<String, Value>,
    pub(super) scim_extra: Option<Value>,
}

impl UserRow {
    pub(super) fn new(
        id: &str,
        attributes: Map<String, Value>,
        scim_extra: Option<Value>,
        upn: &str,
    ) -> Result<UserRow, DirectoryError> {
        let scim_extra = scim_extra.filter(|extra| !is_empty(extra));
        Ok(UserRow {
            id: id.to_owned(),
            upn: upn.to_owned(),
            upn_key: upn.to_lowercase(),
            external_id: text(&attributes, "externalId"),
            employee_id: text(&attributes, "employeeId"),
            mail_key: key(&attributes, "mail"),
            display_name_key: key(&attributes, "displayName"),
            attributes_json: serde_json::to_string(&attributes)?,
            extra_json: scim_extra.as_ref().map(serde_json::to_string).transpose()?,
            attributes,
            scim_extra,
        })
    }

    /// The user this row is, as `write` created it.
    pub(super) fn created(self, write: &Write) -> User {
        User {
            id: self.id,
            attributes: self.attributes,
            scim_extra: self.scim_extra,
            meta: super::Meta {
                version: 1,
                created: write.at.clone(),
                modified: write.at.clone(),
                deleted: None,
            },
        }
    }
}

/// Rows per insert statement, ten parameters each.
pub(super) const ROWS_PER_INSERT: usize = crate::store::rows_per_statement(10);

/// Inserts new users' rows. A userPrincipalName already held (ids are new
/// UUIDs, so nothing else conflicts) leaves its row out: the first such
/// row is the error, naming who holds the name.
pub(super) async fn insert_rows(write: &mut Write, rows: &[UserRow]) -> Result<(), DirectoryError> {
    let values: Vec<String> = (0..rows.len())
        .map(|i| {
            let first = i * 10 + 1;
            format!("({}, 1, {})", placeholders(first, 8), placeholders(first + 8, 2))
        })
        .collect();
    let sql = format!(
        "INSERT INTO directory_users (id, upn_key, external_id, employee_id, mail_key, display_name_key, \
         attributes, scim_extra, version, created_at, modified_at) VALUES {} ON CONFLICT DO NOTHING RETURNING id",
        values.join(", ")
    );
    let mut query = sqlx::query_scalar::<_, String>(AssertSqlSafe(sql));
    for row in rows {
        query = query
            .bind(&row.id)
            .bind(&row.upn_key)
            .bind(&row.external_id)
            .bind(&row.employee_id)
            .bind(&row.mail_key)
            .bind(&row.display_name_key)
            .bind(&row.attributes_json)
            .bind(&row.extra_json)
            .bind(&write.at)
            .bind(&write.at);
    }
    let inserted: HashSet<String> = query.fetch_all(&mut *write.tx).await?.into_iter().collect();
    let Some(refused) = rows.iter().find(|row| !inserted.contains(&row.id)) else {
        return Ok(());
    };
    // Who holds the name is said by the check; one of the rows themselves
    // (the same name twice) only by the message.
    check_upn_free(write, &refused.id, &refused.upn).await?;
    Err(DirectoryError::Conflict {
        attribute: "userPrincipalName".to_owned(),
        message: format!(
            "the userPrincipalName `{}` is already used by another user",
            refused.upn
        ),
    })
}

/// New users' managers are users of the directory (live) or new users
/// themselves: checked in one query.
pub(super) async fn check_managers_exist(write: &mut Write, rows: &[UserRow]) -> Result<(), DirectoryError> {
    let new: HashSet<&str> = rows.iter().map(|row| row.id.as_str()).collect();
    let mut named: Vec<String> = rows
        .iter()
        .filter_map(|row| text(&row.attributes, "manager"))
        .filter(|manager| !new.contains(manager.as_str()))
        .collect();
    named.sort();
    named.dedup();
    for chunk in named.chunks(ROWS_PER_INSERT) {
        let sql = format!(
            "SELECT id FROM directory_users WHERE deleted_at IS NULL AND id IN ({})",
            placeholders(1, chunk.len())
        );
        let mut query = sqlx::query_scalar::<_, String>(AssertSqlSafe(sql));
        for manager in chunk {
            query = query.bind(manager);
        }
        let live: HashSet<String> = query.fetch_all(&mut *write.tx).await?.into_iter().collect();
        if let Some(missing) = chunk.iter().find(|manager| !live.contains(*manager)) {
            return Err(DirectoryError::invalid(
                "manager",
                &format!("names no user: `{missing}`"),
            ));
        }
    }
    Ok(())
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Object(map) => map.is_empty(),
        _ => false,
    }
}
