//! The numbers on a tenant (`Tenant.stats`), counted across the contexts that own them: users
//! (identity), orders (orders), revenue (billing). One statement each for every tenant a
//! response shows.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use kernel::AppResult;
use sea_orm::{ActiveEnum, Iterable};
use tenancy::service::stats::{RoleCount, StatsKey, StatsSource, StatusCount, TenantStats};
use uuid::Uuid;

pub struct SiteStats {
    pub db: kernel::RequestDb,
    pub now: DateTime<Utc>,
}

#[async_trait::async_trait]
impl StatsSource for SiteStats {
    async fn stats(&self, tenants: &[StatsKey]) -> AppResult<HashMap<Uuid, TenantStats>> {
        let ids: Vec<Uuid> = tenants.iter().map(|(id, _)| *id).collect();
        let mut stats: HashMap<Uuid, TenantStats> = ids.iter().map(|id| (*id, TenantStats::default())).collect();
        for (tenant, role, count) in identity::service::users::count_by_role(&self.db, &ids).await? {
            if let Some(s) = stats.get_mut(&tenant) {
                s.users_by_role.push(RoleCount { role, count });
            }
        }
        for (tenant, status, count) in orders::service::stats::count_by_status(&self.db, &ids).await? {
            if let Some(s) = stats.get_mut(&tenant) {
                s.orders_by_status.push(StatusCount { status: status.to_value(), count });
            }
        }
        for (tenant, revenue) in billing::service::dashboard::revenue_since(&self.db, tenants, self.now).await? {
            if let Some(s) = stats.get_mut(&tenant) {
                s.revenue_this_month = revenue;
            }
        }
        for s in stats.values_mut() {
            s.users_by_role.sort_by_key(|c| kernel::Role::iter().position(|r| r == c.role));
            s.orders_by_status.sort_by(|a, b| a.status.cmp(&b.status));
        }
        Ok(stats)
    }
}
