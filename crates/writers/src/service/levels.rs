//! Writer levels: the tenant's `WRITER_LEVEL` catalogue entries (the orders context keeps the
//! names and the per-page pay) with what each allows and how it pays (kept here). A level whose
//! rules were never written has [`Rules::default`].

use std::collections::HashMap;

use kernel::{AppError, AppResult, RequestContext, Role};
use orders::service::catalog::{self, CatalogKind, NamedEntry};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::json;
use tenancy::service::audit::{self, Change};
use uuid::Uuid;

use crate::entity::writer_level_rule::{self, Entity as LevelRules, PayMode};

/// Who may read the levels: writers (their ladder) and staff.
pub const READERS: &[Role] = &[Role::Writer, Role::Editor, Role::Support, Role::Admin, Role::Superadmin];
pub const ADMINS: &[Role] = &[Role::Admin, Role::Superadmin];

/// The most a level may allow at once, and the largest order it may take.
pub const MAX_ACTIVE_LIMIT: i32 = 100;
pub const MAX_PAGES_LIMIT: i32 = 1000;
/// 100 % as a rate in ten-thousandths.
const PERCENT_100: i64 = 100 * kernel::RATE_ONE;

/// What a level allows and pays. Percents in ten-thousandths (`10_000` = 1%), ratings in
/// hundredths (`450` = 4.5 of 5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    pub pay_mode: PayMode,
    /// With `PayMode::Percent`: the share of the order's total the writer earns.
    pub pay_percent_e4: i64,
    pub max_active_orders: i32,
    pub max_open_requests: i32,
    pub may_take_directly: bool,
    pub max_pages_per_order: i32,
    pub promotion: Thresholds,
}

/// What a writer must reach to be proposed for the next level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    pub completed_orders: i32,
    pub average_rating_e2: i32,
    pub on_time_rate_e4: i64,
    /// The highest share of orders sent back for revision.
    pub max_revision_rate_e4: i64,
}

impl Default for Rules {
    /// A new writer's limits: three orders at a time, no direct takes, paid per page.
    fn default() -> Self {
        Rules {
            pay_mode: PayMode::PerPage,
            pay_percent_e4: 0,
            max_active_orders: 3,
            max_open_requests: 5,
            may_take_directly: false,
            max_pages_per_order: 50,
            promotion: Thresholds {
                completed_orders: 20,
                average_rating_e2: 450,
                on_time_rate_e4: 900_000,
                max_revision_rate_e4: 100_000,
            },
        }
    }
}

impl From<writer_level_rule::Model> for Rules {
    fn from(m: writer_level_rule::Model) -> Self {
        Rules {
            pay_mode: m.pay_mode,
            pay_percent_e4: m.pay_percent_e4,
            max_active_orders: m.max_active_orders,
            max_open_requests: m.max_open_requests,
            may_take_directly: m.may_take_directly,
            max_pages_per_order: m.max_pages_per_order,
            promotion: Thresholds {
                completed_orders: m.promote_completed,
                average_rating_e2: m.promote_rating_e2,
                on_time_rate_e4: m.promote_on_time_e4,
                max_revision_rate_e4: m.promote_max_revision_e4,
            },
        }
    }
}

/// A writer level: its catalogue entry and its rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Level {
    pub entry: NamedEntry,
    pub rules: Rules,
}

/// The tenant's writer levels in display order, archived ones too (two statements).
pub async fn of_tenant(conn: &impl ConnectionTrait, tenant: Uuid) -> AppResult<Vec<Level>> {
    let entries = catalog::entries_of(conn, tenant, CatalogKind::WriterLevel).await?;
    let mut rules: HashMap<Uuid, Rules> = LevelRules::find()
        .filter(writer_level_rule::Column::TenantId.eq(tenant))
        .all(conn)
        .await?
        .into_iter()
        .map(|m| (m.level_id, Rules::from(m)))
        .collect();
    Ok(entries.into_iter().map(|entry| Level { rules: rules.remove(&entry.id).unwrap_or_default(), entry }).collect())
}

/// The levels, for writers and staff.
pub async fn list(conn: &impl ConnectionTrait, request: &RequestContext) -> AppResult<Vec<Level>> {
    request.require_role(READERS)?;
    of_tenant(conn, request.tenant()?.id).await
}

/// New rules for a level; `None` keeps a value.
#[derive(Debug, Clone, Default)]
pub struct RuleFields {
    pub pay_mode: Option<PayMode>,
    pub pay_percent_e4: Option<i64>,
    pub max_active_orders: Option<i32>,
    pub max_open_requests: Option<i32>,
    pub may_take_directly: Option<bool>,
    pub max_pages_per_order: Option<i32>,
    pub promote_completed: Option<i32>,
    pub promote_rating_e2: Option<i32>,
    pub promote_on_time_e4: Option<i64>,
    pub promote_max_revision_e4: Option<i64>,
}

/// Changes a level's rules (admins; audited). Every value is checked before anything is written.
pub async fn update(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    level_id: Uuid,
    f: RuleFields,
) -> AppResult<Level> {
    request.require_role(ADMINS)?;
    let tenant = request.tenant()?.id;
    // every column is rewritten from the merged rules, so two admins' edits must not interleave
    kernel::db::lock_key(conn, &format!("writer_level:{level_id}")).await?;
    let level = of_tenant(conn, tenant)
        .await?
        .into_iter()
        .find(|l| l.entry.id == level_id)
        .ok_or_else(|| AppError::not_found("writer level"))?;
    let before = level.rules;
    let next = Rules {
        pay_mode: f.pay_mode.unwrap_or(before.pay_mode),
        pay_percent_e4: f.pay_percent_e4.unwrap_or(before.pay_percent_e4),
        max_active_orders: f.max_active_orders.unwrap_or(before.max_active_orders),
        max_open_requests: f.max_open_requests.unwrap_or(before.max_open_requests),
        may_take_directly: f.may_take_directly.unwrap_or(before.may_take_directly),
        max_pages_per_order: f.max_pages_per_order.unwrap_or(before.max_pages_per_order),
        promotion: Thresholds {
            completed_orders: f.promote_completed.unwrap_or(before.promotion.completed_orders),
            average_rating_e2: f.promote_rating_e2.unwrap_or(before.promotion.average_rating_e2),
            on_time_rate_e4: f.promote_on_time_e4.unwrap_or(before.promotion.on_time_rate_e4),
            max_revision_rate_e4: f.promote_max_revision_e4.unwrap_or(before.promotion.max_revision_rate_e4),
        },
    };
    check(&next)?;
    let now = request.now();
    let row = writer_level_rule::Model {
        level_id,
        tenant_id: tenant,
        pay_mode: next.pay_mode,
        pay_percent_e4: next.pay_percent_e4,
        max_active_orders: next.max_active_orders,
        max_open_requests: next.max_open_requests,
        may_take_directly: next.may_take_directly,
        max_pages_per_order: next.max_pages_per_order,
        promote_completed: next.promotion.completed_orders,
        promote_rating_e2: next.promotion.average_rating_e2,
        promote_on_time_e4: next.promotion.on_time_rate_e4,
        promote_max_revision_e4: next.promotion.max_revision_rate_e4,
        updated_at: now,
    };
    LevelRules::insert(writer_level_rule::ActiveModel::from(row))
        .on_conflict(
            OnConflict::column(writer_level_rule::Column::LevelId)
                .update_columns([
                    writer_level_rule::Column::PayMode,
                    writer_level_rule::Column::PayPercentE4,
                    writer_level_rule::Column::MaxActiveOrders,
                    writer_level_rule::Column::MaxOpenRequests,
                    writer_level_rule::Column::MayTakeDirectly,
                    writer_level_rule::Column::MaxPagesPerOrder,
                    writer_level_rule::Column::PromoteCompleted,
                    writer_level_rule::Column::PromoteRatingE2,
                    writer_level_rule::Column::PromoteOnTimeE4,
                    writer_level_rule::Column::PromoteMaxRevisionE4,
                    writer_level_rule::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    audit::record(
        conn,
        request,
        Change {
            action: "writer_level.update",
            target_type: "catalog_item",
            target_id: Some(level_id.to_string()),
            tenant_id: None,
            before: Some(snapshot(&before)),
            after: Some(snapshot(&next)),
        },
    )
    .await?;
    Ok(Level { entry: level.entry, rules: next })
}

/// Each value within its range, or `BAD_USER_INPUT` naming the first that is not.
fn check(r: &Rules) -> AppResult<()> {
    let max_active = format!("between 1 and {MAX_ACTIVE_LIMIT}");
    let max_pages = format!("between 1 and {MAX_PAGES_LIMIT}");
    let checks: [(&str, bool, &str); 9] = [
        ("input.payPercent", (0..=PERCENT_100).contains(&r.pay_percent_e4), "between 0 and 100"),
        (
            "input.payPercent",
            r.pay_mode == PayMode::PerPage || r.pay_percent_e4 > 0,
            "above 0 when the level pays a percent",
        ),
        ("input.maxActiveOrders", (1..=MAX_ACTIVE_LIMIT).contains(&r.max_active_orders), &max_active),
        ("input.maxOpenRequests", (0..=MAX_ACTIVE_LIMIT).contains(&r.max_open_requests), "between 0 and 100"),
        ("input.maxPagesPerOrder", (1..=MAX_PAGES_LIMIT).contains(&r.max_pages_per_order), &max_pages),
        ("input.promoteCompletedOrders", (0..=100_000).contains(&r.promotion.completed_orders), "between 0 and 100000"),
        ("input.promoteAverageRating", (0..=500).contains(&r.promotion.average_rating_e2), "between 0 and 5"),
        ("input.promoteOnTimeRate", (0..=PERCENT_100).contains(&r.promotion.on_time_rate_e4), "between 0 and 100"),
        (
            "input.promoteMaxRevisionRate",
            (0..=PERCENT_100).contains(&r.promotion.max_revision_rate_e4),
            "between 0 and 100",
        ),
    ];
    match checks.iter().find(|(_, ok, _)| !ok) {
        Some((field, _, range)) => {
            Err(AppError::bad_input(*field, format!("{} must be {range}", field.trim_start_matches("input."))))
        }
        None => Ok(()),
    }
}

fn snapshot(r: &Rules) -> serde_json::Value {
    json!({
        "payMode": r.pay_mode,
        "payPercentE4": r.pay_percent_e4,
        "maxActiveOrders": r.max_active_orders,
        "maxOpenRequests": r.max_open_requests,
        "mayTakeDirectly": r.may_take_directly,
        "maxPagesPerOrder": r.max_pages_per_order,
        "promoteCompleted": r.promotion.completed_orders,
        "promoteRatingE2": r.promotion.average_rating_e2,
        "promoteOnTimeE4": r.promotion.on_time_rate_e4,
        "promoteMaxRevisionE4": r.promotion.max_revision_rate_e4,
    })
}
