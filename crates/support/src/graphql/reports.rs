//! SLA compliance.

use async_graphql::{Context, ID, Object, Result, SimpleObject};
use kernel::{ContextExt, Timestamp};

use super::STAFF;
use crate::entity::ticket_sla::Metric;
use crate::service::reports::{self, GroupBy};

/// One group's SLA compliance for one metric.
#[derive(SimpleObject)]
pub struct SlaComplianceRow {
    /// The priority or category (`HIGH`, `PAYMENT`); for agents none.
    pub key: Option<String>,
    /// Grouped by agent: the agent's id (none: unassigned).
    pub agent_id: Option<ID>,
    pub metric: Metric,
    /// Clocks met within their target.
    pub met: i64,
    /// Clocks that passed their target.
    pub breached: i64,
    /// Met over all with an outcome, 0 to 1 (none when none has one).
    pub rate: Option<f64>,
}

#[derive(Default)]
pub struct ReportsQuery;

#[Object]
impl ReportsQuery {
    /// SLA compliance of the tickets opened in `[from, to)` (at most a year), per metric and
    /// group (staff). Clocks still running count when they have breached.
    #[graphql(guard = "STAFF")]
    async fn sla_compliance(
        &self,
        ctx: &Context<'_>,
        from: Timestamp,
        to: Timestamp,
        group_by: GroupBy,
    ) -> Result<Vec<SlaComplianceRow>> {
        let request = ctx.request();
        let rows = reports::compliance(&request.db, request, from.into(), to.into(), group_by).await?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let total = r.met + r.breached;
                SlaComplianceRow {
                    key: r.key,
                    agent_id: r.agent.map(|a| ID(a.to_string())),
                    metric: r.metric,
                    met: r.met,
                    breached: r.breached,
                    rate: (total > 0).then(|| r.met as f64 / total as f64),
                }
            })
            .collect())
    }
}
