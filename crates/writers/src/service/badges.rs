//! Badges: what a writer's record earns them, evaluated by a periodic job over every writer's
//! record and awarded once (the table's key decides it, however often the job runs or races
//! itself). A badge stays once earned.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use jobs::JobRun;
use kernel::{AppResult, new_id};
use orders::service::workload::{self, RECENT, Record};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::entity::writer_badge::{self, Entity as Badges};

/// The job that awards badges, and how often it runs.
pub const EVALUATE: &str = "writers.badges";
pub const EVERY_HOURS: i64 = 1;

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

/// Awards every badge every writer's record earns and they do not have yet; answers how many
/// were new. Three statements and one insert a batch of new badges, whatever ran before.
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
    let mut awarded = 0;
    for batch in earned.chunks(500) {
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
