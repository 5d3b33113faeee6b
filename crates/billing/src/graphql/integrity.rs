use async_graphql::{Context, Object, Result, SimpleObject};
use kernel::{ContextExt, Role, RoleGuard};

use crate::service::integrity;

#[derive(SimpleObject)]
pub struct LedgerIntegrity {
    /// Every entry sums to zero, every cached balance equals its postings, no wallet is below
    /// zero, and every order's payments and writer earnings match what the order shows.
    pub balanced: bool,
    pub accounts: u64,
    pub entries: u64,
    pub mismatches: Vec<String>,
}

#[derive(Default)]
pub struct IntegrityQuery;

#[Object]
impl IntegrityQuery {
    /// Checks the ledger: an admin's tenant, or for superadmins every tenant.
    #[graphql(guard = "RoleGuard::new(&[Role::Admin, Role::Superadmin])")]
    async fn ledger_integrity(&self, ctx: &Context<'_>) -> Result<LedgerIntegrity> {
        let request = ctx.request();
        let invariants = ctx.data_opt::<integrity::MoneyInvariants>().cloned().unwrap_or_default();
        let i = integrity::check(&request.db, request, &invariants).await?;
        Ok(LedgerIntegrity { balanced: i.balanced, accounts: i.accounts, entries: i.entries, mismatches: i.mismatches })
    }
}
