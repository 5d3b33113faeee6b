use async_graphql::{Context, Object, Result};
use kernel::pagination::IdConnection;
use kernel::{ContextExt, PageArgs, Role, RoleGuard};

use super::User;
use crate::service::users;

#[derive(Default)]
pub struct IdentityQuery;

#[Object]
impl IdentityQuery {
    /// The tenant's users, oldest first, optionally of one role.
    #[graphql(guard = "RoleGuard::new(&[Role::Admin, Role::Superadmin])")]
    async fn users(
        &self,
        ctx: &Context<'_>,
        role: Option<Role>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<IdConnection<User>> {
        let request = ctx.request();
        let page = PageArgs::of_field(ctx, first, after)?;
        let paged = users::list(&request.db, request, role, page).await?;
        Ok(paged.into_connection(|u| u.id, User::from))
    }
}
