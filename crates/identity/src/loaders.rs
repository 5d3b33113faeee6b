//! DataLoaders for identity's entities: one `IN (...)` query per batch, scoped to the tenant.

use std::collections::HashMap;

use async_graphql::dataloader::{DataLoader, Loader};
use kernel::{AppError, RequestContext};
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QuerySelect, QueryTrait, Statement};
use uuid::Uuid;

use crate::entity::user::{self, Entity as Users};

/// What others may see of a user, and the tenant it belongs to: all a loader reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonRow {
    pub id: Uuid,
    pub tenant_id: Option<Uuid>,
    pub display_name: String,
    pub role: kernel::Role,
}

/// Users by id: the request tenant's users, and superadmins (who appear as actors).
pub struct UserLoader {
    db: kernel::RequestDb,
    tenant: Option<Uuid>,
}

impl Loader<Uuid> for UserLoader {
    type Value = PersonRow;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, PersonRow>, AppError> {
        // A primary-key lookup; the tenant wall is applied to the rows, because an OR of
        // tenant conditions in SQL turns the lookup into an index scan of the whole tenant.
        let query = Users::find()
            .select_only()
            .columns([user::Column::Id, user::Column::TenantId, user::Column::DisplayName, user::Column::Role])
            .filter(user::Column::Id.is_in(kernel::db::in_list(keys)));
        let rows: Vec<(Uuid, Option<Uuid>, String, kernel::Role)> =
            kernel::row::all(&self.db, query.as_query()).await?;
        let mut found: HashMap<Uuid, PersonRow> = rows
            .into_iter()
            .filter(|(_, tenant_id, ..)| tenant_id.is_none() || *tenant_id == self.tenant)
            .map(|(id, tenant_id, display_name, role)| (id, PersonRow { id, tenant_id, display_name, role }))
            .collect();
        let missing: Vec<Uuid> = keys.iter().copied().filter(|id| !found.contains_key(id)).collect();
        if !missing.is_empty() && self.db.get_database_backend() == DbBackend::Postgres {
            // On PostgreSQL a site's request does not see superadmins' rows (row-level
            // security); their names, which timelines show, come through the database's
            // `installation_people`, which answers nothing else.
            found.extend(installation_people(&self.db, &missing).await?.into_iter().map(|p| (p.id, p)));
        }
        Ok(found)
    }
}

async fn installation_people(db: &impl ConnectionTrait, ids: &[Uuid]) -> Result<Vec<PersonRow>, AppError> {
    let list = ids.iter().map(Uuid::to_string).collect::<Vec<_>>().join(",");
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT id, display_name, role FROM installation_people($1)",
            [list.into()],
        ))
        .await?;
    rows.iter()
        .map(|row| {
            let role: String = row.try_get_by_index(2)?;
            Ok(PersonRow {
                id: row.try_get_by_index(0)?,
                tenant_id: None,
                display_name: row.try_get_by_index(1)?,
                role: <kernel::Role as sea_orm::ActiveEnum>::try_from_value(&role)?,
            })
        })
        .collect()
}

/// Attaches this crate's loaders to one GraphQL request.
pub fn attach(request: async_graphql::Request, ctx: &RequestContext) -> async_graphql::Request {
    let users = UserLoader { db: ctx.db.clone(), tenant: ctx.tenant.as_ref().map(|t| t.id) };
    request.data(DataLoader::new(users, tokio::spawn))
}
