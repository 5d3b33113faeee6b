use std::sync::Arc;

use async_graphql::{Context, Object, Result};
use identity::Person;
use kernel::{Inline, Timestamp, WaitsOnIo};

use super::order::Prefetched;
use crate::entity::order::OrderStatus;
use crate::loaders::TimelineEntry;

/// One thing that happened to an order.
pub struct TimelineEvent(pub TimelineEntry, pub Option<Arc<Prefetched>>);

/// Only `actor` loads (when its page did not prefetch people).
impl WaitsOnIo for TimelineEvent {}

#[Object]
impl TimelineEvent {
    async fn at(&self) -> Timestamp {
        self.0.at.into()
    }
    /// `PLACED`, the action taken (`MARK_PAID`, `SUBMIT`, ...), `REFUND`, or a change of its
    /// instruction files (`FILES_ATTACHED`, `FILE_REMOVED`, the names in `note`).
    async fn kind(&self) -> &str {
        &self.0.kind
    }
    async fn actor(&self, ctx: &Context<'_>) -> Result<Option<Inline<Person>>> {
        Prefetched::person(&self.1, ctx, self.0.actor_id).await
    }
    async fn from_status(&self) -> Option<OrderStatus> {
        self.0.from_status
    }
    async fn to_status(&self) -> Option<OrderStatus> {
        self.0.to_status
    }
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
}
