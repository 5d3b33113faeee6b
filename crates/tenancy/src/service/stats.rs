//! A tenant's numbers for the superadmins' tenant management: users by role, orders by status,
//! revenue this month (from midnight on the 1st in the tenant's time zone). The other contexts
//! own those tables, so the gateway provides the [`StatsSource`] that counts them; the loader
//! asks it once for every tenant a response shows (a statement per table, however many tenants).

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::SimpleObject;
use async_graphql::dataloader::Loader;
use chrono::{DateTime, Utc};
use kernel::{AppError, AppResult, Money, Role};
use uuid::Uuid;

/// How many users of a role a tenant has.
#[derive(Debug, Clone, PartialEq, Eq, SimpleObject)]
pub struct RoleCount {
    pub role: Role,
    pub count: u64,
}

/// How many orders of a status a tenant has.
#[derive(Debug, Clone, PartialEq, Eq, SimpleObject)]
#[graphql(name = "OrderStatusCount")]
pub struct StatusCount {
    /// An `OrderStatus` value.
    pub status: String,
    pub count: u64,
}

/// A tenant's numbers. Roles and statuses it has none of are left out.
#[derive(Debug, Clone, Default, PartialEq, Eq, SimpleObject)]
pub struct TenantStats {
    pub users_by_role: Vec<RoleCount>,
    pub orders_by_status: Vec<StatusCount>,
    /// Payments received this month (wallet and recorded), in the tenant's currency.
    pub revenue_this_month: Money,
}

/// A tenant, and when its month began (in its time zone).
pub type StatsKey = (Uuid, DateTime<Utc>);

/// Counts the numbers of many tenants at once.
#[async_trait::async_trait]
pub trait StatsSource: Send + Sync + 'static {
    async fn stats(&self, tenants: &[StatsKey]) -> AppResult<HashMap<Uuid, TenantStats>>;
}

/// The request's loader of tenant numbers.
pub struct TenantStatsLoader(pub Arc<dyn StatsSource>);

impl Loader<StatsKey> for TenantStatsLoader {
    type Value = TenantStats;
    type Error = AppError;

    async fn load(&self, keys: &[StatsKey]) -> Result<HashMap<StatsKey, TenantStats>, AppError> {
        let found = self.0.stats(keys).await?;
        Ok(keys.iter().map(|key| (*key, found.get(&key.0).cloned().unwrap_or_default())).collect())
    }
}
