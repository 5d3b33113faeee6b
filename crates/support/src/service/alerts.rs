//! SLA alerts as agents hear them (`slaAlert`): an event of a ticket's SLA log, re-read for the
//! subscriber each time.

use chrono::{DateTime, Utc};
use kernel::{AppResult, RequestContext};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::STAFF;
use crate::entity::ticket::{self, Entity as Tickets};
use crate::entity::ticket_event::{self, Entity as Events};
use crate::entity::ticket_sla::Metric;

/// A warning or a breach of one ticket's clock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    pub ticket_id: Uuid,
    pub subject: String,
    pub metric: Metric,
    pub kind: String,
    pub assignee_id: Option<Uuid>,
    pub at: DateTime<Utc>,
}

/// The alert of SLA event `event` for the viewer: none when they may not read it now (no longer
/// staff), it is not a warning or a breach, or (`mine`) the ticket is not theirs.
pub async fn for_viewer(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    event: Uuid,
    mine: bool,
) -> AppResult<Option<Alert>> {
    let Ok(viewer) = request.require_role(STAFF) else { return Ok(None) };
    let tenant = request.tenant()?.id;
    let Some(row) = Events::find_by_id(event).filter(ticket_event::Column::TenantId.eq(tenant)).one(conn).await? else {
        return Ok(None);
    };
    let Some(metric) = row.metric.filter(|_| matches!(row.kind.as_str(), "WARNED" | "BREACHED")) else {
        return Ok(None);
    };
    let Some(found) = Tickets::find_by_id(row.ticket_id).filter(ticket::Column::TenantId.eq(tenant)).one(conn).await?
    else {
        return Ok(None);
    };
    if mine && found.assignee_id != Some(viewer.user_id) {
        return Ok(None);
    }
    Ok(Some(Alert {
        ticket_id: found.id,
        subject: found.subject,
        metric,
        kind: row.kind,
        assignee_id: found.assignee_id,
        at: row.at,
    }))
}
