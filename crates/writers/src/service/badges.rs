//! Badges: what a writer's record earns them, evaluated by a periodic job over every writer's
//! record and awarded once (the table's key decides it, however often the job runs or races
//! itself). A badge stays once earned. One badge is not of the record: `TOP_RATED_MONTH`, from
//! the site's feedback of its last full month ([`top_rated_month`]).

use std::cmp::Ordering;
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use jobs::JobRun;
use kernel::{AppResult, Feature, new_id};
use orders::service::workload::{self, RECENT, Record};
use sea_orm::sea_query::{Expr, ExprTrait, Func, OnConflict};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use tenancy::service::tenants;
use uuid::Uuid;

use crate::entity::writer_badge::{self, Entity as Badges};
use crate::entity::writer_feedback::{self, Entity as Feedback};

/// The job that awards badges, and how often it runs.
pub const EVALUATE: &str = "writers.badges";
pub const EVERY_HOURS: i64 = 1;

/// The badge of the site's best rated writer of the month, and how many public ratings that
/// month a writer needs to be counted.
pub const TOP_RATED_MONTH: &str = "TOP_RATED_MONTH";
pub const TOP_RATED_MIN_RATINGS: i64 = 3;

/// A badge: its code, what it is called, and the rule a writer's record must meet.
pub struct Badge {
    pub code: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    earned: fn(&Record) -> bool,
}

/// Every badge there is.
pub const BADGES: &[Badge] = &[
    Badge {
        code: "FIRST_ORDER",
        name: "First order",
        description: "Completed a first order",
        earned: |r| r.completed >= 1,
    },
    Badge {
        code: "COMPLETED_10",
        name: "10 orders",
        description: "Completed 10 orders",
        earned: |r| r.completed >= 10,
    },
    Badge {
        code: "COMPLETED_50",
        name: "50 orders",
        description: "Completed 50 orders",
        earned: |r| r.completed >= 50,
    },
    Badge {
        code: "COMPLETED_100",
        name: "100 orders",
        description: "Completed 100 orders",
        earned: |r| r.completed >= 100,
    },
    Badge {
        code: "ON_TIME_STREAK",
        name: "On time, every time",
        description: "The last 10 completed orders were all submitted by the deadline",
        earned: |r| r.recent == RECENT && r.recent_on_time == RECENT,
    },
    Badge {
        code: "NO_REVISIONS",
        name: "Right first time",
        description: "None of the last 10 completed orders was sent back for revision",
        earned: |r| r.recent == RECENT && r.recent_revised == 0,
    },
    Badge {
        code: TOP_RATED_MONTH,
        name: "Top rated of the month",
        description: "The highest average public rating on the site in a calendar month, from at least 3 ratings",
        // not from the order record: `top_rated_month` awards it from the month's feedback
        earned: |_| false,
    },
];

/// The badge of `code`, if there is one.
pub fn badge(code: &str) -> Option<&'static Badge> {
    BADGES.iter().find(|b| b.code == code)
}

/// A badge a writer has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Awarded {
    pub code: String,
    pub awarded_at: DateTime<Utc>,
}

/// Awards every badge every writer's record earns and they do not have yet, and this month's
/// `TOP_RATED_MONTH`; answers how many were new. Three statements and one insert a batch of new
/// badges, whatever ran before, then [`top_rated_month`]'s few a site.
pub async fn award(conn: &impl ConnectionTrait, now: DateTime<Utc>) -> AppResult<u64> {
    let earned: Vec<writer_badge::ActiveModel> = workload::records(conn)
        .await?
        .iter()
        .flat_map(|record| {
            BADGES.iter().filter(|b| (b.earned)(record)).map(move |b| {
                writer_badge::ActiveModel::from(writer_badge::Model {
                    id: new_id(),
                    tenant_id: record.tenant,
                    writer_id: record.writer,
                    code: b.code.to_owned(),
                    awarded_at: now,
                })
            })
        })
        .collect();
    let awarded = insert_new(conn, &earned).await?;
    Ok(awarded + top_rated_month(conn, now).await?)
}

/// Inserts the badges a writer does not have yet (the key decides: racing runs insert each
/// once); answers how many were new.
async fn insert_new(conn: &impl ConnectionTrait, badges: &[writer_badge::ActiveModel]) -> AppResult<u64> {
    let mut awarded = 0;
    for batch in badges.chunks(500) {
        awarded += Badges::insert_many(batch.to_vec())
            .on_conflict(
                OnConflict::columns([
                    writer_badge::Column::TenantId,
                    writer_badge::Column::WriterId,
                    writer_badge::Column::Code,
                ])
                .do_nothing()
                .to_owned(),
            )
            .exec_without_returning(conn)
            .await?;
    }
    Ok(awarded)
}

/// Awards `TOP_RATED_MONTH` on every live site whose `writerFeedback` feature is on: to the
/// writers whose average public rating over the site's last full calendar month (midnight to
/// midnight in the site's time zone), from at least `TOP_RATED_MIN_RATINGS` ratings, is the
/// highest there, all of them on a tie. One grouped statement a site (after the site's own
/// lookup) and one insert; answers how many were new.
///
/// Only a finished month is judged: the month in progress could be topped by a writer's first
/// three ratings of it, and the badge, once earned, stays. The badges' key is (site, writer,
/// code): a writer who topped a month keeps it, `awardedAt` says when it was first given (in the
/// first hour of the next month), and a later month's best earns it beside them.
pub async fn top_rated_month(conn: &impl ConnectionTrait, now: DateTime<Utc>) -> AppResult<u64> {
    let mut earned = Vec::new();
    for id in tenants::all_ids(conn).await? {
        let tenant = tenants::find(conn, id).await?;
        let scope = tenant.scope();
        if tenant.deleted_at.is_some() || !tenant.is_active() || !scope.features.is_on(Feature::WriterFeedback) {
            continue;
        }
        let (_, this_month) = kernel::time::day_and_month_start(now, scope.time_zone);
        let (_, last_month) =
            kernel::time::day_and_month_start(this_month - chrono::Duration::seconds(1), scope.time_zone);
        for writer in top_rated(conn, id, last_month, this_month).await? {
            earned.push(writer_badge::ActiveModel::from(writer_badge::Model {
                id: new_id(),
                tenant_id: id,
                writer_id: writer,
                code: TOP_RATED_MONTH.to_owned(),
                awarded_at: now,
            }));
        }
    }
    insert_new(conn, &earned).await
}

/// The writers of `tenant` with the highest average public rating given from `since` until
/// `until`, of those with at least `TOP_RATED_MIN_RATINGS` public ratings then (one statement,
/// grouped by writer).
async fn top_rated(
    conn: &impl ConnectionTrait,
    tenant: Uuid,
    since: DateTime<Utc>,
    until: DateTime<Utc>,
) -> AppResult<Vec<Uuid>> {
    use writer_feedback::Column as F;
    let points = Expr::col(F::Quality)
        .add(Expr::col(F::Communication))
        .add(Expr::col(F::Timeliness))
        .add(Expr::col(F::FollowingInstructions));
    // bound values only in WHERE and HAVING, grouped by a plain column: the same statement on
    // both backends (a sum of SMALLINT is a BIGINT on PostgreSQL)
    let rows: Vec<(Uuid, Option<i64>, i64)> = Feedback::find()
        .select_only()
        .column(F::WriterId)
        .column_as(Expr::expr(Func::sum(points)), "points")
        .column_as(F::Id.count(), "n")
        .filter(F::TenantId.eq(tenant))
        .filter(F::Public.eq(true))
        .filter(F::CreatedAt.gte(since))
        .filter(F::CreatedAt.lt(until))
        .group_by(F::WriterId)
        .having(Expr::col(F::Id).count().gte(TOP_RATED_MIN_RATINGS))
        .order_by_asc(F::WriterId)
        .into_tuple()
        .all(conn)
        .await?;
    // the highest average, points over ratings compared as fractions in integers
    let mut best: Vec<Uuid> = Vec::new();
    let mut top: Option<(i128, i128)> = None;
    for (writer, points, n) in rows {
        let (points, n) = (i128::from(points.unwrap_or(0)), i128::from(n));
        let order = top.map_or(Ordering::Greater, |(p, m)| (points * m).cmp(&(p * n)));
        match order {
            Ordering::Greater => {
                top = Some((points, n));
                best = vec![writer];
            }
            Ordering::Equal => best.push(writer),
            Ordering::Less => {}
        }
    }
    Ok(best)
}

/// `writers.badges`: the periodic evaluation.
pub async fn evaluate(run: JobRun) -> AppResult<()> {
    award(&run.db, run.clock.now()).await.map(|_| ())
}

/// The badges of each of `writers`, oldest first (one statement).
pub async fn of_writers(
    conn: &impl ConnectionTrait,
    tenant: Uuid,
    writers: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<Awarded>>> {
    let mut by_writer: HashMap<Uuid, Vec<Awarded>> = HashMap::new();
    for row in Badges::find()
        .filter(writer_badge::Column::TenantId.eq(tenant))
        .filter(writer_badge::Column::WriterId.is_in(kernel::db::in_list(writers)))
        .order_by_asc(writer_badge::Column::AwardedAt)
        .order_by_asc(writer_badge::Column::Code)
        .all(conn)
        .await?
    {
        by_writer.entry(row.writer_id).or_default().push(Awarded { code: row.code, awarded_at: row.awarded_at });
    }
    Ok(by_writer)
}
