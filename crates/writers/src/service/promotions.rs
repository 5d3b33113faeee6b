//! Level proposals: a periodic job (`writers.promotions`) measures every active writer of every
//! site against the thresholds of the levels' ladder and proposes a move up (every threshold
//! that leads from their level to the next met) or down (their last 10 orders' work no longer
//! meeting the thresholds that led to their level; never down from the lowest); an admin approves (the writer's level changes
//! through `profiles::set_level`, audited) or rejects, saying why (audited).
//!
//! A level's thresholds (`Rules::promotion`) are what a writer at that level must reach to be
//! proposed for the next active level, as the writer's dashboard reads them (`standing`). So the
//! move up from level L is measured against L's thresholds, and holding L against the thresholds
//! of the active level below it, the bar the writer passed to reach L. A threshold of 0 asks
//! nothing (a maximum revision rate of 0 or of 100% too); ratings ask nothing on a site whose
//! `writerFeedback` feature is off (there are none to count).
//!
//! At most one proposal per writer is pending, by a partial unique index, and the job inserts
//! with `ON CONFLICT ... DO NOTHING`: running it again, or two runs racing, adds nothing twice.
//! A pending proposal that no longer stands (the writer's level changed, they no longer qualify,
//! they stopped being active) is superseded when the job runs. A move an admin rejected is not
//! proposed again for `REJECTED_REST_DAYS` days. Decisions are conditional updates of a pending
//! proposal: of two admins deciding at once, one wins and the other is `CONFLICT`.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use jobs::JobRun;
use kernel::pagination::{Order, paginate};
use kernel::{AppError, AppResult, Feature, PageArgs, Paged, Reason, RequestContext, new_id, validate};
use orders::service::catalog::{self, CatalogKind};
use orders::service::workload::{self, Record};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::json;
use tenancy::service::audit::{self, Change};
use tenancy::service::tenants;
use uuid::Uuid;

use crate::entity::writer_directory::{self, Entity as Directory};
use crate::entity::writer_feedback_total::{self, Entity as Totals};
use crate::entity::writer_level_proposal::{
    self as proposal, Entity as Proposals, Model as ProposalRow, ProposalDirection, ProposalStatus,
};
use crate::entity::writer_profile::WriterStatus;
use crate::service::levels::{self, ADMINS, Level, Thresholds};
use crate::service::profiles;

/// The job that proposes level changes, and how often it runs.
pub const EVALUATE: &str = "writers.promotions";
pub const EVERY_HOURS: i64 = 1;
/// How long a move an admin rejected is not proposed again.
pub const REJECTED_REST_DAYS: i64 = 30;
/// 100 % as a rate in ten-thousandths.
const PERCENT_100: i64 = 100 * kernel::RATE_ONE;

/// Why the job ended a pending proposal.
const NOT_ACTIVE: &str = "the writer is not active";
const LEVEL_CHANGED: &str = "the writer's level changed";
const NO_LONGER: &str = "the writer's record no longer calls for it";

/// A writer's record as the thresholds measure it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Measured {
    /// Completed orders in all.
    pub completed_orders: i64,
    /// The latest completed orders (at most `workload::RECENT`) the two rates are over.
    pub recent_orders: i64,
    /// Shares of those first submitted by the writer's deadline and sent back for revision, in
    /// ten-thousandths of a percent; none without a completed order.
    pub on_time_rate_e4: Option<i64>,
    pub revision_rate_e4: Option<i64>,
    /// Feedbacks received (public and private), and their overall average in hundredths,
    /// rounded down (a threshold of 4.50 needs 4.50); none before the first.
    pub ratings: i64,
    pub average_rating_e2: Option<i32>,
}

impl Measured {
    /// From the writer's order record (none: no completed order) and their feedback totals
    /// (how many, and the sum of all four ratings of each).
    pub fn of(record: Option<&Record>, totals: Option<(i64, i64)>) -> Measured {
        let (completed, recent, on_time, revised) =
            record.map_or((0, 0, 0, 0), |r| (r.completed, r.recent, r.recent_on_time, r.recent_revised));
        let share = |n: i64| (recent > 0).then(|| n.saturating_mul(PERCENT_100) / recent);
        let (ratings, points) = totals.unwrap_or((0, 0));
        Measured {
            completed_orders: completed,
            recent_orders: recent,
            on_time_rate_e4: share(on_time),
            revision_rate_e4: share(revised),
            ratings,
            average_rating_e2: (ratings > 0)
                .then(|| i32::try_from(points.saturating_mul(100) / ratings.saturating_mul(4)).unwrap_or(i32::MAX)),
        }
    }
}

/// Whether `m` reaches every threshold of `t` (0 asks nothing; ratings only where `ratings`
/// are collected).
pub fn meets(t: &Thresholds, m: &Measured, ratings: bool) -> bool {
    let completed = t.completed_orders <= 0 || m.completed_orders >= i64::from(t.completed_orders);
    let rating = !ratings || t.average_rating_e2 <= 0 || m.average_rating_e2.is_some_and(|r| r >= t.average_rating_e2);
    let on_time = t.on_time_rate_e4 <= 0 || m.on_time_rate_e4.is_some_and(|r| r >= t.on_time_rate_e4);
    let revisions = t.max_revision_rate_e4 <= 0
        || t.max_revision_rate_e4 >= PERCENT_100
        || m.revision_rate_e4.is_some_and(|r| r <= t.max_revision_rate_e4);
    completed && rating && on_time && revisions
}

/// A move a writer's record calls for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Move {
    pub from: Uuid,
    pub to: Uuid,
    pub direction: ProposalDirection,
}

/// Where a writer at `level` (of the tenant's `levels`, in order) should go, if anywhere: up to
/// the next active level when they meet their level's thresholds; else down to the active level
/// below when their work no longer meets that level's thresholds (the ones that led here). A
/// move down judges the work (ratings, on-time and revision rates), never the number of orders,
/// which only grows, and only over a full window of recent orders: a writer an admin placed high
/// without a record here is not proposed down for having none. A level that is not among
/// `levels` moves nowhere.
pub fn move_for(levels: &[Level], level: Uuid, m: &Measured, ratings: bool) -> Option<Move> {
    let at = levels.iter().position(|l| l.entry.id == level)?;
    let current = &levels[at];
    if let Some(next) = levels[at + 1..].iter().find(|l| l.entry.active)
        && meets(&current.rules.promotion, m, ratings)
    {
        return Some(Move { from: level, to: next.entry.id, direction: ProposalDirection::Promote });
    }
    if m.recent_orders >= workload::RECENT
        && let Some(below) = levels[..at].iter().rev().find(|l| l.entry.active)
        && !meets(&Thresholds { completed_orders: 0, ..below.rules.promotion }, m, ratings)
    {
        return Some(Move { from: level, to: below.entry.id, direction: ProposalDirection::Demote });
    }
    None
}

/// What a run of the job did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Proposed {
    /// New pending proposals.
    pub proposed: u64,
    /// Pending proposals that no longer stood.
    pub superseded: u64,
}

/// Measures every active writer of every live site and proposes the moves their records call
/// for (for a job on the system pool): two statements for every writer's order record, then a
/// few a site, whatever its number of writers.
pub async fn propose(conn: &impl ConnectionTrait, now: DateTime<Utc>) -> AppResult<Proposed> {
    let records: HashMap<(Uuid, Uuid), Record> =
        workload::records(conn).await?.into_iter().map(|r| ((r.tenant, r.writer), r)).collect();
    let mut done = Proposed::default();
    for id in tenants::all_ids(conn).await? {
        let tenant = tenants::find(conn, id).await?;
        if tenant.deleted_at.is_some() || !tenant.is_active() {
            continue;
        }
        let ratings = tenant.scope().features.is_on(Feature::WriterFeedback);
        let site = for_tenant(conn, id, ratings, &records, now).await?;
        done.proposed += site.proposed;
        done.superseded += site.superseded;
    }
    Ok(done)
}

/// `writers.promotions`: the periodic evaluation.
pub async fn evaluate(run: JobRun) -> AppResult<()> {
    propose(&run.db, run.clock.now()).await.map(|_| ())
}

/// One site's run of the job.
async fn for_tenant(
    conn: &impl ConnectionTrait,
    tenant: Uuid,
    ratings: bool,
    records: &HashMap<(Uuid, Uuid), Record>,
    now: DateTime<Utc>,
) -> AppResult<Proposed> {
    use proposal::Column as P;
    let levels = levels::of_tenant(conn, tenant).await?;
    // the active writers and their levels, in key order (racing runs then write in one order)
    let writers: Vec<(Uuid, Option<Uuid>)> = Directory::find()
        .select_only()
        .column(writer_directory::Column::UserId)
        .column(writer_directory::Column::LevelId)
        .filter(writer_directory::Column::TenantId.eq(tenant))
        .filter(writer_directory::Column::Status.eq(WriterStatus::Active))
        .order_by_asc(writer_directory::Column::UserId)
        .into_tuple()
        .all(conn)
        .await?;
    // feedback counts (and is shown) only where the site collects it
    let totals: HashMap<Uuid, (i64, i64)> = if ratings {
        Totals::find()
            .filter(writer_feedback_total::Column::TenantId.eq(tenant))
            .all(conn)
            .await?
            .into_iter()
            .map(|t| {
                let points = t.quality_sum + t.communication_sum + t.timeliness_sum + t.following_instructions_sum;
                (t.writer_id, (t.count, points))
            })
            .collect()
    } else {
        HashMap::new()
    };
    // the pending proposals, and the moves rejected lately
    let (pending, rejected): (Vec<ProposalRow>, Vec<ProposalRow>) = Proposals::find()
        .filter(P::TenantId.eq(tenant))
        .filter(
            Condition::any().add(P::Status.eq(ProposalStatus::Pending)).add(
                Condition::all()
                    .add(P::Status.eq(ProposalStatus::Rejected))
                    .add(P::DecidedAt.gte(now - Duration::days(REJECTED_REST_DAYS))),
            ),
        )
        .all(conn)
        .await?
        .into_iter()
        .partition(|p| p.status == ProposalStatus::Pending);
    let refused: HashSet<(Uuid, Uuid, Uuid)> =
        rejected.iter().map(|p| (p.writer_id, p.from_level_id, p.to_level_id)).collect();
    let mut wanted: BTreeMap<Uuid, (Move, Measured)> = BTreeMap::new();
    for (writer, level) in &writers {
        let Some(level) = level else { continue };
        let measured = Measured::of(records.get(&(tenant, *writer)), totals.get(writer).copied());
        if let Some(m) = move_for(&levels, *level, &measured, ratings)
            && !refused.contains(&(*writer, m.from, m.to))
        {
            wanted.insert(*writer, (m, measured));
        }
    }
    // a pending proposal stands while it is the move the writer's record calls for now
    let level_of: HashMap<Uuid, Option<Uuid>> = writers.iter().copied().collect();
    let mut standing: HashSet<Uuid> = HashSet::new();
    let mut ended: Vec<(Uuid, &'static str)> = Vec::new();
    for p in &pending {
        let stands = wanted
            .get(&p.writer_id)
            .is_some_and(|(m, _)| m.from == p.from_level_id && m.to == p.to_level_id && m.direction == p.direction);
        if stands {
            standing.insert(p.writer_id);
            continue;
        }
        let why = match level_of.get(&p.writer_id) {
            None => NOT_ACTIVE,
            Some(level) if *level != Some(p.from_level_id) => LEVEL_CHANGED,
            Some(_) => NO_LONGER,
        };
        ended.push((p.id, why));
    }
    let mut done = Proposed::default();
    for why in [NOT_ACTIVE, LEVEL_CHANGED, NO_LONGER] {
        let ids: Vec<Uuid> = ended.iter().filter(|(_, w)| *w == why).map(|(id, _)| *id).collect();
        done.superseded += supersede(conn, &ids, why, now).await?;
    }
    let new: Vec<proposal::ActiveModel> = wanted
        .into_iter()
        .filter(|(writer, _)| !standing.contains(writer))
        .map(|(writer, (m, measured))| {
            proposal::ActiveModel::from(ProposalRow {
                id: new_id(),
                tenant_id: tenant,
                writer_id: writer,
                from_level_id: m.from,
                to_level_id: m.to,
                direction: m.direction,
                status: ProposalStatus::Pending,
                completed_orders: measured.completed_orders,
                recent_orders: measured.recent_orders,
                on_time_rate_e4: measured.on_time_rate_e4,
                revision_rate_e4: measured.revision_rate_e4,
                ratings: measured.ratings,
                average_rating_e2: measured.average_rating_e2,
                created_at: now,
                decided_at: None,
                decided_by: None,
                reason: None,
            })
        })
        .collect();
    for batch in new.chunks(500) {
        done.proposed += Proposals::insert_many(batch.to_vec())
            .on_conflict(
                // the partial unique index of pending proposals, named by its predicate (written
                // out: a bound value would not let PostgreSQL infer the index)
                OnConflict::columns([P::TenantId, P::WriterId])
                    .target_and_where(Expr::cust("status = 'PENDING'"))
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(conn)
            .await?;
    }
    Ok(done)
}

/// Ends the pending proposals `ids` (those still pending) as superseded, for `why`.
async fn supersede(conn: &impl ConnectionTrait, ids: &[Uuid], why: &str, now: DateTime<Utc>) -> AppResult<u64> {
    if ids.is_empty() {
        return Ok(0);
    }
    let ended = Proposals::update_many()
        .col_expr(proposal::Column::Status, Expr::value(ProposalStatus::Superseded))
        .col_expr(proposal::Column::Reason, Expr::value(why))
        .col_expr(proposal::Column::DecidedAt, Expr::value(now))
        .filter(proposal::Column::Id.is_in(kernel::db::in_list(ids)))
        .filter(proposal::Column::Status.eq(ProposalStatus::Pending))
        .exec(conn)
        .await?;
    Ok(ended.rows_affected)
}

/// A level proposal, as admins read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    pub id: Uuid,
    pub writer_id: Uuid,
    pub from_level_id: Uuid,
    pub to_level_id: Uuid,
    pub direction: ProposalDirection,
    pub status: ProposalStatus,
    /// The record when it was proposed.
    pub measured: Measured,
    pub created_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decided_by: Option<Uuid>,
    pub reason: Option<String>,
}

impl From<ProposalRow> for Proposal {
    fn from(p: ProposalRow) -> Self {
        Proposal {
            id: p.id,
            writer_id: p.writer_id,
            from_level_id: p.from_level_id,
            to_level_id: p.to_level_id,
            direction: p.direction,
            status: p.status,
            measured: Measured {
                completed_orders: p.completed_orders,
                recent_orders: p.recent_orders,
                on_time_rate_e4: p.on_time_rate_e4,
                revision_rate_e4: p.revision_rate_e4,
                ratings: p.ratings,
                average_rating_e2: p.average_rating_e2,
            },
            created_at: p.created_at,
            decided_at: p.decided_at,
            decided_by: p.decided_by,
            reason: p.reason,
        }
    }
}

/// The site's proposals, newest first, optionally of one status (admins).
pub async fn list(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    status: Option<ProposalStatus>,
    page: PageArgs,
) -> AppResult<Paged<Proposal>> {
    request.require_role(ADMINS)?;
    let mut query = Proposals::find().filter(proposal::Column::TenantId.eq(request.tenant()?.id));
    if let Some(status) = status {
        query = query.filter(proposal::Column::Status.eq(status));
    }
    Ok(paginate(conn, query, proposal::Column::Id, Order::newest_first(), page).await?.map(Proposal::from))
}

/// The site's proposal `id` (admins), or `NOT_FOUND`.
pub async fn get(conn: &impl ConnectionTrait, request: &RequestContext, id: Uuid) -> AppResult<Proposal> {
    request.require_role(ADMINS)?;
    find(conn, request.tenant()?.id, id).await.map(Proposal::from)
}

/// The names of the site's writers `ids` (admins; one statement), for a page of proposals.
pub async fn writer_names(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, String>> {
    request.require_role(ADMINS)?;
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(Uuid, String)> = Directory::find()
        .select_only()
        .column(writer_directory::Column::UserId)
        .column(writer_directory::Column::DisplayName)
        .filter(writer_directory::Column::TenantId.eq(request.tenant()?.id))
        .filter(writer_directory::Column::UserId.is_in(kernel::db::in_list(ids)))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows.into_iter().collect())
}

async fn find(conn: &impl ConnectionTrait, tenant: Uuid, id: Uuid) -> AppResult<ProposalRow> {
    Proposals::find_by_id(id)
        .filter(proposal::Column::TenantId.eq(tenant))
        .one(conn)
        .await?
        .ok_or_else(|| AppError::not_found("level proposal"))
}

fn no_longer_pending() -> AppError {
    AppError::conflict("the proposal is no longer pending").with_reason(Reason::Stale)
}

/// Moves a pending proposal to `to`, by the viewer, now: a conditional update, so that of two
/// racing decisions one wins and the other is `CONFLICT`.
async fn decide(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    found: &ProposalRow,
    to: ProposalStatus,
    reason: Option<String>,
) -> AppResult<()> {
    let by = request.viewer()?.user_id;
    let moved = Proposals::update_many()
        .col_expr(proposal::Column::Status, Expr::value(to))
        .col_expr(proposal::Column::Reason, Expr::value(reason))
        .col_expr(proposal::Column::DecidedAt, Expr::value(request.now()))
        .col_expr(proposal::Column::DecidedBy, Expr::value(Some(by)))
        .filter(proposal::Column::Id.eq(found.id))
        .filter(proposal::Column::TenantId.eq(found.tenant_id))
        .filter(proposal::Column::Status.eq(ProposalStatus::Pending))
        .exec(conn)
        .await?;
    if moved.rows_affected == 0 {
        return Err(no_longer_pending());
    }
    Ok(())
}

/// An admin approves a pending proposal: it is approved and the writer is put at the proposed
/// level by `profiles::set_level` (audited), in the caller's transaction. `CONFLICT` when it is
/// no longer pending, when the writer's level changed since (the job will supersede it), or when
/// the proposed level was archived since.
pub async fn approve(conn: &impl ConnectionTrait, request: &RequestContext, id: Uuid) -> AppResult<Uuid> {
    request.require_role(ADMINS)?;
    let tenant = request.tenant()?.id;
    let found = find(conn, tenant, id).await?;
    if found.status != ProposalStatus::Pending {
        return Err(no_longer_pending());
    }
    // the writer's profile lock, the one `set_level` takes (it holds again within a
    // transaction): their level is read as the change will find it
    kernel::db::lock_key(conn, &format!("writer_profile:{}", found.writer_id)).await?;
    let writer = profiles::find(conn, tenant, found.writer_id).await?;
    if writer.level_id != Some(found.from_level_id) {
        return Err(AppError::conflict("the writer's level changed since the proposal").with_reason(Reason::Stale));
    }
    // proposals are for active writers (the job supersedes the others within the hour)
    if writer.status != WriterStatus::Active {
        return Err(AppError::conflict(format!(
            "the writer is {}: a level is changed by hand meanwhile",
            sea_orm::ActiveEnum::to_value(&writer.status)
        ))
        .with_reason(Reason::Stale));
    }
    let levels = catalog::entries_of(conn, tenant, CatalogKind::WriterLevel).await?;
    if !levels.iter().any(|l| l.id == found.to_level_id && l.active) {
        return Err(AppError::conflict("the proposed level is archived").with_reason(Reason::Stale));
    }
    decide(conn, request, &found, ProposalStatus::Approved, None).await?;
    let why = match found.direction {
        ProposalDirection::Promote => format!("promotion proposal {id}"),
        ProposalDirection::Demote => format!("demotion proposal {id}"),
    };
    profiles::set_level(conn, request, found.writer_id, found.to_level_id, Some(why.as_str())).await?;
    Ok(id)
}

/// An admin rejects a pending proposal, saying why (audited). The same move is not proposed
/// again for `REJECTED_REST_DAYS` days.
pub async fn reject(conn: &impl ConnectionTrait, request: &RequestContext, id: Uuid, reason: &str) -> AppResult<Uuid> {
    request.require_role(ADMINS)?;
    let reason = validate::text("reason", reason, 500)?;
    let found = find(conn, request.tenant()?.id, id).await?;
    decide(conn, request, &found, ProposalStatus::Rejected, Some(reason.clone())).await?;
    audit::record(
        conn,
        request,
        Change {
            action: "writer_level_proposal.reject",
            target_type: "writer_level_proposal",
            target_id: Some(id.to_string()),
            tenant_id: None,
            before: Some(json!({ "status": sea_orm::ActiveEnum::to_value(&found.status) })),
            after: Some(json!({
                "status": sea_orm::ActiveEnum::to_value(&ProposalStatus::Rejected),
                "reason": reason,
                "writerId": found.writer_id,
                "direction": sea_orm::ActiveEnum::to_value(&found.direction),
                "fromLevelId": found.from_level_id,
                "toLevelId": found.to_level_id,
            })),
        },
    )
    .await?;
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::levels::Rules;
    use orders::service::catalog::NamedEntry;

    /// A level that leads to the next at `completed` orders, 90 % of the recent ones on time.
    fn level(n: u128, active: bool, completed: i32) -> Level {
        let promotion = Thresholds { completed_orders: completed, on_time_rate_e4: 900_000, ..nothing() };
        Level {
            entry: NamedEntry {
                id: Uuid::from_u128(n),
                code: format!("l{n}"),
                name: format!("Level {n}"),
                active,
                pay_per_page_minor: 0,
                pay_per_slide_minor: 0,
            },
            rules: Rules { promotion, ..Rules::default() },
        }
    }

    /// Thresholds that ask nothing.
    fn nothing() -> Thresholds {
        Thresholds { completed_orders: 0, average_rating_e2: 0, on_time_rate_e4: 0, max_revision_rate_e4: 0 }
    }

    /// `completed` orders, all of the recent ones on time.
    fn done(completed: i64) -> Measured {
        let recent = completed.min(workload::RECENT);
        Measured {
            completed_orders: completed,
            recent_orders: recent,
            on_time_rate_e4: Some(1_000_000),
            ..Measured::default()
        }
    }

    /// `completed` orders, `on_time` of the last ten on time.
    fn late(completed: i64, on_time: i64) -> Measured {
        Measured { on_time_rate_e4: Some(on_time * 100_000), ..done(completed) }
    }

    #[test]
    fn a_level_is_left_up_by_its_own_thresholds_and_held_by_those_below() {
        // 1 -> 2 at 5 orders, 2 -> 3 (archived) -> 4 at 10
        let ladder = [level(1, true, 5), level(2, true, 10), level(3, false, 15), level(4, true, 20)];
        let id = Uuid::from_u128;
        let up = |from, to| Some(Move { from: id(from), to: id(to), direction: ProposalDirection::Promote });
        let down = |from, to| Some(Move { from: id(from), to: id(to), direction: ProposalDirection::Demote });
        assert_eq!(move_for(&ladder, id(1), &late(40, 5), true), None, "the lowest is never left down");
        assert_eq!(move_for(&ladder, id(1), &done(5), true), up(1, 2));
        assert_eq!(move_for(&ladder, id(1), &late(5, 8), true), None, "5 orders, but too many late");
        // the archived level is skipped either way
        assert_eq!(move_for(&ladder, id(2), &done(10), true), up(2, 4));
        assert_eq!(move_for(&ladder, id(4), &late(30, 8), true), down(4, 2), "below level 2's bar to level 4");
        assert_eq!(move_for(&ladder, id(4), &done(30), true), None, "the top has no next");
        assert_eq!(move_for(&ladder, id(2), &late(12, 7), true), down(2, 1));
        assert_eq!(move_for(&ladder, id(2), &done(7), true), None);
        // the count of orders never demotes, and nine recent orders are too few to judge
        assert_eq!(move_for(&ladder, id(4), &done(3), true), None, "placed high by an admin");
        assert_eq!(move_for(&ladder, id(4), &late(9, 0), true), None, "not a full window yet");
        assert_eq!(move_for(&ladder, Uuid::from_u128(9), &done(100), true), None, "an unknown level");
    }

    #[test]
    fn every_threshold_set_must_be_met_and_zero_asks_nothing() {
        let t = Thresholds {
            completed_orders: 2,
            average_rating_e2: 450,
            on_time_rate_e4: 900_000,
            max_revision_rate_e4: 100_000,
        };
        let record = Record {
            tenant: Uuid::nil(),
            writer: Uuid::nil(),
            completed: 12,
            recent: 10,
            recent_on_time: 9,
            recent_revised: 1,
        };
        // two feedbacks of four ratings each, 36 points: 4.5
        let m = Measured::of(Some(&record), Some((2, 36)));
        assert_eq!(m.on_time_rate_e4, Some(900_000));
        assert_eq!(m.revision_rate_e4, Some(100_000));
        assert_eq!(m.average_rating_e2, Some(450));
        assert!(meets(&t, &m, true));
        let low = Measured::of(Some(&record), Some((2, 35)));
        assert_eq!(low.average_rating_e2, Some(437), "rounded down");
        assert!(!meets(&t, &low, true));
        assert!(meets(&t, &low, false), "ratings ask nothing where they are not collected");
        let unrated = Measured::of(Some(&record), None);
        assert!(!meets(&t, &unrated, true), "no rating does not reach 4.5");
        let late = Measured::of(Some(&Record { recent_on_time: 8, ..record }), Some((2, 36)));
        assert!(!meets(&t, &late, true));
        let revised = Measured::of(Some(&Record { recent_revised: 2, ..record }), Some((2, 36)));
        assert!(!meets(&t, &revised, true));
        assert!(meets(&nothing(), &Measured::of(None, None), true), "nothing asked, nothing needed");
        assert!(!meets(&t, &Measured::of(None, None), false), "no orders: no rates to reach");
    }
}
