//! DataLoaders for identity's entities: one `IN (...)` query per batch, scoped to the tenant.

use std::collections::HashMap;

use async_graphql::dataloader::{DataLoader, Loader};
use kernel::{AppError, RequestContext};
use sea_orm::{ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter};
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
        let scope = match self.tenant {
            Some(t) => Condition::any().add(user::Column::TenantId.eq(t)).add(user::Column::TenantId.is_null()),
            None => Condition::all().add(user::Column::TenantId.is_null()),
        };
        let rows = Users::find().filter(user::Column::Id.is_in(keys.to_vec())).filter(scope).all(&self.db).await?;
        Ok(rows.into_iter().map(|u| (u.id, u)).collect())
    }
}

/// Attaches this crate's loaders to one GraphQL request.
pub fn attach(request: async_graphql::Request, ctx: &RequestContext) -> async_graphql::Request {
    let users = UserLoader { db: ctx.db.clone(), tenant: ctx.tenant.as_ref().map(|t| t.id) };
    request.data(DataLoader::new(users, tokio::spawn))
}
