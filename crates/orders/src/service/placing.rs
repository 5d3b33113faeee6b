//! Placing an order: the spec priced now, its lines and what priced them frozen, the writer's deadline and pay fixed,
//! the discount redeemed and the timeline started, in the caller's transaction.

use chrono::{DateTime, Utc};
use kernel::{AppError, AppResult, RequestContext, Role, TenantScope, new_id, validate};
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};
use uuid::Uuid;

use crate::entity::order::{self, CatalogIds, Entity as Orders, OrderStatus, PaymentStatus};
use crate::entity::order_line::{self, Entity as OrderLines};
use crate::entity::order_price::{self, Entity as OrderPrices};
use crate::service::lifecycle;
use crate::service::spec::{self, OrderSpec, Priced};

/// Places an order for the viewing client: prices it now, freezes the lines, computes the
/// writer's deadline and pay, and starts the timeline.
pub async fn place(conn: &impl ConnectionTrait, request: &RequestContext, spec: &OrderSpec) -> AppResult<order::Model> {
    let viewer = request.require_role(&[Role::Client])?;
    let tenant = request.tenant()?;
    let now = request.now();
    let priced = spec::price(conn, tenant, spec, Some(viewer.user_id), now).await?;
    let order = order_row(tenant, viewer.user_id, spec, &priced, now)?;
    Orders::insert(order::ActiveModel::from(order.clone())).exec_without_returning(conn).await?;
    OrderLines::insert_many(line_rows(&order, &priced)).exec_without_returning(conn).await?;
    OrderPrices::insert(price_row(&order, &priced)).exec_without_returning(conn).await?;
    if let Some((discount, off)) = &priced.discount {
        billing::service::discounts::redeem(conn, discount, viewer.user_id, order.id, *off, now).await?;
    }
    let placed = lifecycle::record(conn, request, &order, "PLACED", None, Some(OrderStatus::Unpaid), None).await?;
    super::notices::placed(conn, request, &order, placed).await?;
    Ok(order)
}

/// The order row of a checked, complete, priced spec: the one place a spec field becomes a
/// column. UNPAID, with no writer yet.
pub fn order_row(
    tenant: &TenantScope,
    client: Uuid,
    spec: &OrderSpec,
    priced: &Priced,
    now: DateTime<Utc>,
) -> AppResult<order::Model> {
    let required = |field: &str, id: &Option<async_graphql::ID>| {
        spec::id_of(field, id)?.ok_or_else(|| AppError::internal("a placed spec lacks a field"))
    };
    Ok(order::Model {
        id: new_id(),
        tenant_id: tenant.id,
        client_id: client,
        writer_id: None,
        topic: validate::name("topic", spec.topic.as_deref().unwrap_or_default(), 300)?,
        paper_type_id: required("paperTypeId", &spec.paper_type_id)?,
        academic_level_id: required("academicLevelId", &spec.academic_level_id)?,
        subject_id: required("subjectId", &spec.subject_id)?,
        work_type_id: required("workTypeId", &spec.work_type_id)?,
        pages: spec.pages.unwrap_or_default(),
        slides: spec.slides.unwrap_or(0),
        spacing: spec.spacing.unwrap_or_default(),
        deadline: spec.deadline.map_or(now, |d| d.0),
        writer_deadline: priced.writer_deadline,
        extra_service_ids: CatalogIds(priced.extra_service_ids.clone()),
        writer_level_id: spec::id_of("writerLevelId", &spec.writer_level_id)?,
        preferred_writer_id: spec::id_of("preferredWriterId", &spec.preferred_writer_id)?,
        instructions: validate::optional_text("instructions", spec.instructions.as_deref(), spec::MAX_INSTRUCTIONS)?,
        citation_style_id: spec::id_of("citationStyleId", &spec.citation_style_id)?,
        english_type_id: spec::id_of("englishTypeId", &spec.english_type_id)?,
        reference_count: spec.references,
        tone: validate::optional_name("tone", spec.tone.as_deref(), 100)?,
        status: OrderStatus::Unpaid,
        status_before_hold: None,
        payment_status: PaymentStatus::Unpaid,
        currency: tenant.currency.clone(),
        total_minor: priced.quote.total.0,
        writer_compensation_minor: priced.writer_compensation.0,
        paid_minor: 0,
        refunded_minor: 0,
        placed_at: now,
        updated_at: now,
        completed_at: None,
        first_submitted_at: None,
        writer_assigned_at: None,
        preferred_fee_minor: priced
            .quote
            .lines
            .iter()
            .find(|l| l.code == super::pricing::PREFERRED_WRITER_LINE)
            .map_or(0, |l| l.amount.0),
        forfeited_minor: 0,
        writer_forfeit_minor: 0,
        tip_minor: 0,
        tip_writer_minor: 0,
        rate_pay_minor: priced.writer_compensation.0,
    })
}

/// The order's priced lines, frozen.
pub fn line_rows(order: &order::Model, priced: &Priced) -> Vec<order_line::ActiveModel> {
    priced
        .quote
        .lines
        .iter()
        .enumerate()
        .map(|(i, line)| order_line::ActiveModel {
            id: Set(new_id()),
            tenant_id: Set(order.tenant_id),
            order_id: Set(order.id),
            position: Set(i as i32),
            code: Set(line.code.clone()),
            label: Set(line.label.clone()),
            amount_minor: Set(line.amount.0),
        })
        .collect()
}

/// What priced the order, kept with it.
pub fn price_row(order: &order::Model, priced: &Priced) -> order_price::ActiveModel {
    order_price::ActiveModel {
        order_id: Set(order.id),
        tenant_id: Set(order.tenant_id),
        frozen: Set(priced.frozen.clone()),
    }
}
