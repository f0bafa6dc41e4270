//! Administrator-defined user attributes: defining, listing and removing
//! them (a removed attribute disappears from every user in the same write).

use std::sync::{Arc, Mutex, PoisonError};

use sqlx::Row;

use super::attributes::{AttributeSpec, AttributeType, check_extension_name, user_catalogue};
use super::changes::Write;
use super::{Directory, DirectoryError};

impl Directory {
    /// The extension attributes, by name.
    pub async fn extension_attributes(&self) -> Result<Vec<AttributeSpec>, DirectoryError> {
        read_extensions(self.store.pool()).await
    }

    /// Defines a new user attribute.
    pub async fn define_extension(&self, spec: AttributeSpec) -> Result<AttributeSpec, DirectoryError> {
        check_extension_name(&spec.name)?;
        let mut write = self.begin().await?;
        let taken = read_extensions(&mut *write.tx)
            .await?
            .into_iter()
            .any(|existing| existing.name.eq_ignore_ascii_case(&spec.name));
        if taken {
            return Err(DirectoryError::Conflict {
                attribute: spec.name.clone(),
                message: format!("the extension attribute `{}` already exists", spec.name),
            });
        }
        sqlx::query(
            "INSERT INTO directory_extension_attributes (name, type, multi_valued, description, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&spec.name)
        .bind(spec.kind.as_str())
        .bind(i64::from(spec.multi_valued))
        .bind(&spec.description)
        .bind(&write.at)
        .execute(&mut *write.tx)
        .await?;
        bump_version(&mut write).await?;
        write.audit(
            crate::audit::Event::new("attribute.create", "attribute")
                .target(spec.name.clone(), Some(spec.name.clone()))
                .details(serde_json::json!({"type": spec.kind.as_str(), "multi_valued": spec.multi_valued})),
        );
        write.commit().await?;
        Ok(spec)
    }

    /// Removes an extension attribute and its values from every user; each
    /// user that held a value gets a change-log entry.
    pub async fn remove_extension(&self, name: &str) -> Result<(), DirectoryError> {
        let mut write = self.begin().await?;
        let removed = sqlx::query("DELETE FROM directory_extension_attributes WHERE name = $1")
            .bind(name)
            .execute(&mut *write.tx)
            .await?;
        if removed.rows_affected() == 0 {
            return Err(DirectoryError::invalid(name, "is not an extension attribute"));
        }
        self.strip_attribute(&mut write, name).await?;
        bump_version(&mut write).await?;
        write.audit(crate::audit::Event::new("attribute.delete", "attribute").target(name, Some(name.to_owned())));
        write.commit().await
    }
}

/// The user attribute catalogue (the built-in attributes and the
/// extensions) as a write last read it, with the extension attributes'
/// version it was read at: the next write reads it again only when the
/// version it reads differs.
#[derive(Debug, Clone, Default)]
pub(super) struct CatalogueCache(Arc<Mutex<Option<VersionedCatalogue>>>);

/// A catalogue and the extension attributes' version it was read at.
type VersionedCatalogue = (i64, Arc<Vec<AttributeSpec>>);

impl Directory {
    /// The user attribute catalogue as of this write.
    pub(super) async fn catalogue(&self, write: &mut Write) -> Result<Arc<Vec<AttributeSpec>>, DirectoryError> {
        let cached = self.catalogue.0.lock().unwrap_or_else(PoisonError::into_inner).clone();
        if let Some((version, catalogue)) = cached
            && version == write.extensions_version
        {
            return Ok(catalogue);
        }
        let catalogue = Arc::new(user_catalogue(&read_extensions(&mut *write.tx).await?));
        *self.catalogue.0.lock().unwrap_or_else(PoisonError::into_inner) =
            Some((write.extensions_version, catalogue.clone()));
        Ok(catalogue)
    }
}

/// Marks the extension attributes as changed, in the write that changes them.
async fn bump_version(write: &mut Write) -> Result<(), DirectoryError> {
    sqlx::query("UPDATE directory_sequence SET value = value + 1 WHERE name = 'extensions'")
        .execute(&mut *write.tx)
        .await?;
    Ok(())
}

pub(super) async fn read_extensions<'e, E>(executor: E) -> Result<Vec<AttributeSpec>, DirectoryError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let rows =
        sqlx::query("SELECT name, type, multi_valued, description FROM directory_extension_attributes ORDER BY name")
            .fetch_all(executor)
            .await?;
    rows.iter()
        .map(|row| {
            let kind: String = row.try_get("type")?;
            let multi_valued: i64 = row.try_get("multi_valued")?;
            Ok(AttributeSpec {
                name: row.try_get("name")?,
                kind: AttributeType::parse(&kind).unwrap_or(AttributeType::String),
                multi_valued: multi_valued != 0,
                description: row.try_get("description")?,
            })
        })
        .collect()
}

impl Directory {
    async fn strip_attribute(&self, write: &mut Write, name: &str) -> Result<(), DirectoryError> {
        let pattern = format!("%\"{name}\"%");
        let rows = sqlx::query("SELECT id, attributes FROM directory_users WHERE attributes LIKE $1")
            .bind(&pattern)
            .fetch_all(&mut *write.tx)
            .await?;
        for row in rows {
            let id: String = row.try_get("id")?;
            let mut attributes = super::rows::json_map(&row, "attributes")?;
            if attributes.remove(name).is_none() {
                continue;
            }
            sqlx::query(
                "UPDATE directory_users SET attributes = $1, version = version + 1, modified_at = $2 WHERE id = $3",
            )
            .bind(serde_json::to_string(&attributes)?)
            .bind(&write.at)
            .bind(&id)
            .execute(&mut *write.tx)
            .await?;
            write
                .log(super::ObjectType::User, &id, super::ChangeKind::Updated)
                .await?;
        }
        Ok(())
    }
}
