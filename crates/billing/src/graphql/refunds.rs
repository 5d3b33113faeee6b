use async_graphql::{Context, ID, Object, Result, SimpleObject};
use kernel::pagination::IdConnection;
use kernel::{ContextExt, Money, PageArgs, Role, RoleGuard, Timestamp};

use crate::service::refunds::{self, RefundDestination, RefundRecord, RefundStatus};

/// Money given back for an order. Only for those who may read the client's money.
#[derive(SimpleObject)]
pub struct Refund {
    pub id: ID,
    pub order_id: ID,
    pub amount: Money,
    pub currency: String,
    pub destination: RefundDestination,
    pub reason: String,
    pub status: RefundStatus,
    pub created_at: Timestamp,
    /// A client's request: when it was decided, and why (a rejection's reason).
    pub decided_at: Option<Timestamp>,
    pub decision_note: Option<String>,
}

impl From<RefundRecord> for Refund {
    fn from(r: RefundRecord) -> Self {
        Self {
            id: ID(r.id.to_string()),
            order_id: ID(r.order_id.to_string()),
            amount: r.amount,
            currency: r.currency,
            destination: r.destination,
            reason: r.reason,
            status: r.status,
            created_at: r.created_at.into(),
            decided_at: r.decided_at.map(Into::into),
            decision_note: r.decision_note,
        }
    }
}

#[derive(async_graphql::InputObject, Default)]
pub struct RefundFilter {
    pub status: Option<RefundStatus>,
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
}

#[derive(Default)]
pub struct RefundQuery;

#[Object]
impl RefundQuery {
    /// The tenant's refunds, newest first (admins).
    #[graphql(guard = "RoleGuard::new(&[Role::Admin, Role::Superadmin])")]
    async fn refunds(
        &self,
        ctx: &Context<'_>,
        filter: Option<RefundFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<IdConnection<Refund>> {
        let request = ctx.request();
        let page = PageArgs::of_field(ctx, first, after)?;
        let filter = filter.unwrap_or_default();
        let filter = refunds::RefundFilter {
            status: filter.status,
            from: filter.from.map(Into::into),
            to: filter.to.map(Into::into),
        };
        let paged = refunds::list(&request.db, request, filter, page).await?;
        Ok(paged.into_connection(|r| r.id, Refund::from))
    }
}
