//! Live support: a ticket's updates for those who read it, and SLA alerts for agents.

use async_graphql::{Context, ID, Result, SimpleObject, Subscription};
use futures::{Stream, StreamExt};
use kernel::live::{self, LiveConnection, Topic};
use kernel::{AppError, ContextExt, Role, RoleGuard, Timestamp, parse_id};
use std::sync::Arc;

use super::tickets::Ticket;
use crate::entity::ticket_sla::Metric;
use crate::service::alerts;
use crate::service::tickets;

/// An SLA clock of a ticket warned or breached.
#[derive(SimpleObject)]
pub struct SlaAlert {
    pub ticket_id: ID,
    pub subject: String,
    pub metric: Metric,
    /// `WARNED` or `BREACHED`.
    pub kind: String,
    /// The ticket's agent (none: unassigned).
    pub assignee_id: Option<ID>,
    pub at: Timestamp,
}

#[derive(Default)]
pub struct SupportSubscription;

#[Subscription]
impl SupportSubscription {
    /// The ticket each time it changes (a message, a step), for those who read it: its
    /// requester (not for staff's notes and SLA steps) and staff. `NOT_FOUND` for anyone else.
    async fn ticket_updated(&self, ctx: &Context<'_>, id: ID) -> Result<impl Stream<Item = Result<Ticket>> + use<>> {
        let request = ctx.request();
        let ticket = parse_id("id", &id)?;
        let connection = ctx
            .data::<LiveConnection>()
            .map_err(|_| AppError::bad_input("query", "subscriptions are served at /graphql/ws"))?;
        tickets::find(&request.db, request, ticket).await?;
        let events = live::events(connection, request, Topic::Ticket(ticket)).await?;
        Ok(events.filter_map(move |item| async move {
            let result = match item {
                Ok((request, event)) => tickets::event_for_viewer(&request.db, &request, ticket, event.item).await,
                Err(e) => Err(e),
            };
            match result {
                Ok(Some(found)) => Some(Ok(Ticket { ticket: found, related: Arc::default() })),
                Ok(None) => None,
                Err(e) => Some(Err(e.into())),
            }
        }))
    }

    /// The site's SLA warnings and breaches as the job finds them (support and admins); `mine`:
    /// only those of the viewer's tickets.
    #[graphql(guard = "RoleGuard::new(&[Role::Support, Role::Admin, Role::Superadmin])")]
    async fn sla_alert(
        &self,
        ctx: &Context<'_>,
        mine: Option<bool>,
    ) -> Result<impl Stream<Item = Result<SlaAlert>> + use<>> {
        let request = ctx.request();
        let mine = mine.unwrap_or(false);
        let tenant = request.tenant()?.id;
        let connection = ctx
            .data::<LiveConnection>()
            .map_err(|_| AppError::bad_input("query", "subscriptions are served at /graphql/ws"))?;
        let events = live::events(connection, request, Topic::Sla(tenant)).await?;
        Ok(events.filter_map(move |item| async move {
            let result = match item {
                Ok((request, event)) => alerts::for_viewer(&request.db, &request, event.item, mine).await,
                Err(e) => Err(e),
            };
            match result {
                Ok(Some(alert)) => Some(Ok(SlaAlert {
                    ticket_id: ID(alert.ticket_id.to_string()),
                    subject: alert.subject,
                    metric: alert.metric,
                    kind: alert.kind,
                    assignee_id: alert.assignee_id.map(|a| ID(a.to_string())),
                    at: alert.at.into(),
                })),
                Ok(None) => None,
                Err(e) => Some(Err(e.into())),
            }
        }))
    }
}
