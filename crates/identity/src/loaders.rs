//! DataLoaders for identity's entities: one `IN (...)` query per batch, scoped to the tenant.

use std::collections::HashMap;

use async_graphql::dataloader::{DataLoader, Loader};
use kernel::{AppError, RequestContext};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::entity::user::{self, Entity as Users};

/// Users by id: the request tenant's users, and superadmins (who appear as actors).
pub struct UserLoader {
    db: DatabaseConnection,
    tenant: Option<Uuid>,
}

impl Loader<Uuid> for UserLoader {
    type Value = user::Model;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, user::Model>, AppError> {
        // A primary-key lookup; the tenant wall is applied to the rows, because an OR of
        // tenant conditions in SQL turns the lookup into an index scan of the whole tenant.
        let rows = Users::find().filter(user::Column::Id.is_in(keys.to_vec())).all(&self.db).await?;
        Ok(rows
            .into_iter()
            .filter(|u| u.tenant_id.is_none() || u.tenant_id == self.tenant)
            .map(|u| (u.id, u))
            .collect())
    }
}

/// Attaches this crate's loaders to one GraphQL request.
pub fn attach(request: async_graphql::Request, ctx: &RequestContext) -> async_graphql::Request {
    let users = UserLoader { db: ctx.db.clone(), tenant: ctx.tenant.as_ref().map(|t| t.id) };
    request.data(DataLoader::new(users, tokio::spawn))
}
