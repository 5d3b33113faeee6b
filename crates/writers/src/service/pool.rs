//! What a writer is shown of the pool: the orders they could get (within their level's pages
//! and their subjects), each with their pay, and a ranking of them by fit.

use chrono::{DateTime, Utc};
use kernel::{AppResult, PageArgs, Paged, RequestContext, Role};
use orders::service::pool::{self, PoolFilter, PoolOrder};
use orders::service::workload;
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use crate::service::gate;
use crate::service::levels::Rules;
use crate::service::profiles::{self, WriterRecord};

/// How many of the soonest orders a recommendation ranks.
const CANDIDATES: u64 = 200;
/// A writer's pace before they have one: pages a day.
const DEFAULT_PAGES_PER_DAY: i64 = 5;

/// What a writer narrows the pool to.
#[derive(Debug, Clone, Default)]
pub struct WorkFilter {
    pub subject: Option<Uuid>,
    pub work_type: Option<Uuid>,
    pub academic_level: Option<Uuid>,
    pub pages_min: Option<i32>,
    pub pages_max: Option<i32>,
    pub deadline_before: Option<DateTime<Utc>>,
}

/// An order of the pool with what the viewer would earn for it.
#[derive(Debug, Clone)]
pub struct Offered {
    pub order: PoolOrder,
    pub pay_minor: i64,
    /// With recommendations: the score and why.
    pub fit: i32,
    pub reasons: Vec<&'static str>,
}

fn bounds(writer: &WriterRecord, rules: &Rules, f: WorkFilter) -> PoolFilter {
    PoolFilter {
        subject: f.subject,
        work_type: f.work_type,
        academic_level: f.academic_level,
        pages_min: f.pages_min,
        pages_max: f.pages_max,
        deadline_before: f.deadline_before,
        level_max_pages: rules.max_pages_per_order,
        subjects: (!writer.subject_ids.is_empty()).then(|| writer.subject_ids.clone()),
    }
}

async fn viewer_writer(conn: &impl ConnectionTrait, request: &RequestContext) -> AppResult<(WriterRecord, Rules)> {
    let viewer = request.require_role(&[Role::Writer])?;
    let writer = profiles::find(conn, request.tenant()?.id, viewer.user_id).await?;
    let rules = gate::rules_of(conn, &writer).await?;
    Ok((writer, rules))
}

/// The pool as the viewer (a writer) may see it, the soonest deadline first.
pub async fn available(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    filter: WorkFilter,
    page: PageArgs,
) -> AppResult<Paged<Offered>> {
    let (writer, rules) = viewer_writer(conn, request).await?;
    let found = pool::list(conn, request.tenant()?.id, &bounds(&writer, &rules, filter), page).await?;
    let mut items = Vec::with_capacity(found.items.len());
    for order in found.items {
        items.push(Offered { pay_minor: gate::pay(&rules, &order)?, order, fit: 0, reasons: Vec::new() });
    }
    Ok(Paged { items, total: found.total, has_previous: found.has_previous, has_next: found.has_next })
}

/// The orders of the pool that fit the viewer (a writer) best, at most `first`: their preferred
/// subjects and work types, subjects they have completed before, and whether the deadline
/// leaves them time at their own pace with what they have due. Ranks the soonest
/// `CANDIDATES` orders they may see, in four statements.
pub async fn recommended(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    first: usize,
) -> AppResult<Vec<Offered>> {
    let (writer, rules) = viewer_writer(conn, request).await?;
    let tenant = request.tenant()?.id;
    let now = request.now();
    let candidates = pool::soonest(conn, tenant, &bounds(&writer, &rules, WorkFilter::default()), CANDIDATES).await?;
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    let done = workload::subjects_completed(conn, tenant, writer.id).await?;
    let due = workload::pages_due(conn, tenant, &[writer.id], now).await?.remove(&writer.id).unwrap_or_default();
    let pace = if due.submitted_30d > 0 { (due.submitted_30d / 30).max(1) } else { DEFAULT_PAGES_PER_DAY };
    let mut ranked = Vec::with_capacity(candidates.len());
    for order in candidates {
        let mut fit = 0;
        let mut reasons = Vec::new();
        if writer.preferred_subject_ids.contains(&order.subject_id) {
            fit += 3;
            reasons.push("PREFERRED_SUBJECT");
        }
        if writer.preferred_work_type_ids.contains(&order.work_type_id) {
            fit += 2;
            reasons.push("PREFERRED_WORK_TYPE");
        }
        if done.contains(&order.subject_id) {
            fit += 2;
            reasons.push("DONE_BEFORE");
        }
        // days of work it adds to what is due within a week, against the days left
        let hours_left = (order.writer_deadline - now).num_hours();
        let hours_needed = (due.next_7d + i64::from(order.pages)) * 24 / pace;
        if hours_left >= hours_needed {
            fit += 1;
            reasons.push("TIME_ENOUGH");
        } else {
            fit -= 3;
            reasons.push("TIGHT_DEADLINE");
        }
        ranked.push(Offered { pay_minor: gate::pay(&rules, &order)?, order, fit, reasons });
    }
    // the best fit first; among equals the soonest deadline (the candidates' order, kept)
    ranked.sort_by_key(|o| std::cmp::Reverse(o.fit));
    ranked.truncate(first);
    Ok(ranked)
}
