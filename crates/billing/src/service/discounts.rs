//! Discount codes: admins manage them; a code is checked when an order is quoted or placed and
//! redeemed at placement, where its usage limits are guarded in the database. Other contexts
//! see a code as a [`ValidDiscount`], never as a row.

use chrono::{DateTime, Utc};
use kernel::Reason;
use kernel::pagination::{Order, paginate};
use kernel::{AppError, AppResult, Money, PageArgs, Paged, RATE_ONE, Rate, RequestContext, Role, new_id};
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, PaginatorTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tenancy::service::audit::{self, Change};

use crate::entity::discount::{self, Entity as Discounts};
use crate::entity::discount_usage::{self, Entity as Usages};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum, async_graphql::Enum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum DiscountKind {
    /// A percent of the order's other lines.
    #[sea_orm(string_value = "PERCENT")]
    Percent,
    /// A fixed amount off.
    #[sea_orm(string_value = "FIXED")]
    Fixed,
}

/// What a code takes off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reduction {
    /// A percent of the order's other lines, ×10 000 (10 % is 100 000).
    Percent(i64),
    /// An amount, in minor units.
    Fixed(i64),
}

/// A code that may be used for an order now: what pricing needs of it, and what redemption
/// checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidDiscount {
    pub id: Uuid,
    pub tenant: Uuid,
    pub code: String,
    pub reduction: Reduction,
    /// The most it takes off, in minor units.
    pub max_discount: Option<i64>,
    min_order: Option<i64>,
    max_uses: Option<i32>,
    max_uses_per_client: Option<i32>,
}

impl From<&discount::Model> for ValidDiscount {
    fn from(d: &discount::Model) -> Self {
        Self {
            id: d.id,
            tenant: d.tenant_id,
            code: d.code.clone(),
            reduction: match d.kind {
                DiscountKind::Percent => Reduction::Percent(d.value),
                DiscountKind::Fixed => Reduction::Fixed(d.value),
            },
            max_discount: d.max_discount_minor,
            min_order: d.min_order_minor,
            max_uses: d.max_uses,
            max_uses_per_client: d.max_uses_per_client,
        }
    }
}

/// A discount's settings, as an admin gives them: a `percent` for PERCENT codes, an `amount`
/// for FIXED ones.
#[derive(Debug, Clone)]
pub struct DiscountFields {
    pub code: String,
    pub kind: DiscountKind,
    pub percent: Option<Rate>,
    pub amount: Option<Money>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub max_uses: Option<i32>,
    pub max_uses_per_client: Option<i32>,
    pub first_order_only: bool,
    pub min_order: Option<Money>,
    pub max_discount: Option<Money>,
}

fn rejected(reason: Reason, message: &str) -> AppError {
    AppError::bad_input("discountCode", message).with_reason(reason)
}

fn normalize_code(code: &str) -> String {
    code.trim().to_ascii_uppercase()
}

fn checked(f: &DiscountFields) -> AppResult<(String, i64)> {
    let code = normalize_code(&f.code);
    if !(3..=40).contains(&code.len()) || !code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') {
        return Err(AppError::bad_input("code", "a code has 3-40 letters, digits, '_' or '-'"));
    }
    let value = match (f.kind, f.percent, f.amount) {
        (DiscountKind::Percent, Some(Rate(p)), None) if (1..=100 * RATE_ONE).contains(&p) => p,
        (DiscountKind::Fixed, None, Some(Money(a))) if (1..=crate::service::wallets::MAX_AMOUNT).contains(&a) => a,
        (DiscountKind::Percent, _, Some(_)) => {
            return Err(AppError::bad_input("amount", "a PERCENT code takes a percent, not an amount"));
        }
        (DiscountKind::Fixed, Some(_), _) => {
            return Err(AppError::bad_input("percent", "a FIXED code takes an amount, not a percent"));
        }
        (DiscountKind::Percent, _, _) => {
            return Err(AppError::bad_input("percent", "a percent is more than 0 and at most 100"));
        }
        (DiscountKind::Fixed, _, _) => {
            return Err(AppError::bad_input("amount", "a fixed discount is more than 0.00 and at most 1,000,000.00"));
        }
    };
    if let (Some(start), Some(end)) = (f.starts_at, f.ends_at)
        && end <= start
    {
        return Err(AppError::bad_input("endsAt", "the end must come after the start"));
    }
    for (field, n) in [("maxUses", f.max_uses), ("maxUsesPerClient", f.max_uses_per_client)] {
        if n.is_some_and(|n| n < 1) {
            return Err(AppError::bad_input(field, "a limit is at least 1"));
        }
    }
    for (field, m) in [("minOrderTotal", f.min_order), ("maxDiscount", f.max_discount)] {
        if m.is_some_and(|m| m.0 < 0 || m.0 > crate::service::wallets::MAX_AMOUNT) {
            return Err(AppError::bad_input(field, "must be between 0.00 and 1,000,000.00"));
        }
    }
    Ok((code, value))
}

fn snapshot(d: &discount::Model) -> serde_json::Value {
    json!({ "code": d.code, "kind": d.kind, "value": d.value, "startsAt": d.starts_at, "endsAt": d.ends_at, "maxUses": d.max_uses,
        "maxUsesPerClient": d.max_uses_per_client, "firstOrderOnly": d.first_order_only, "minOrderMinor": d.min_order_minor,
        "maxDiscountMinor": d.max_discount_minor, "archived": d.archived })
}

async fn audit_change(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    action: &str,
    before: Option<&discount::Model>,
    after: &discount::Model,
) -> AppResult<()> {
    audit::record(
        conn,
        request,
        Change {
            action,
            target_type: "discount",
            target_id: Some(after.id.to_string()),
            tenant_id: None,
            before: before.map(snapshot),
            after: Some(snapshot(after)),
        },
    )
    .await
}

pub async fn create(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    f: DiscountFields,
) -> AppResult<discount::Model> {
    request.require_role(&[Role::Admin, Role::Superadmin])?;
    let tenant = request.tenant()?.id;
    let now = request.now();
    let blank = discount::Model {
        id: new_id(),
        tenant_id: tenant,
        code: String::new(),
        kind: f.kind,
        value: 0,
        starts_at: None,
        ends_at: None,
        max_uses: None,
        max_uses_per_client: None,
        first_order_only: false,
        min_order_minor: None,
        max_discount_minor: None,
        uses: 0,
        archived: false,
        created_at: now,
        updated_at: now,
    };
    let model = with_fields(blank, &f, now)?;
    Discounts::insert(discount::ActiveModel::from(model.clone()))
        .exec_without_returning(conn)
        .await
        .map_err(|e| AppError::from_db_unique(e, "code", "this code exists already"))?;
    audit_change(conn, request, "discount.create", None, &model).await?;
    Ok(model)
}

/// `model` with every setting of `f` (checked), updated at `now`; its id, tenant and use count stay.
fn with_fields(model: discount::Model, f: &DiscountFields, now: DateTime<Utc>) -> AppResult<discount::Model> {
    let (code, value) = checked(f)?;
    Ok(discount::Model {
        code,
        kind: f.kind,
        value,
        starts_at: f.starts_at,
        ends_at: f.ends_at,
        max_uses: f.max_uses,
        max_uses_per_client: f.max_uses_per_client,
        first_order_only: f.first_order_only,
        min_order_minor: f.min_order.map(|m| m.0),
        max_discount_minor: f.max_discount.map(|m| m.0),
        updated_at: now,
        ..model
    })
}

async fn own(conn: &impl ConnectionTrait, request: &RequestContext, id: Uuid) -> AppResult<discount::Model> {
    request.require_role(&[Role::Admin, Role::Superadmin])?;
    Discounts::find_by_id(id)
        .filter(discount::Column::TenantId.eq(request.tenant()?.id))
        .one(conn)
        .await?
        .ok_or_else(|| AppError::not_found("discount"))
}

/// Replaces a discount's settings (its use count stays).
pub async fn update(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    id: Uuid,
    f: DiscountFields,
) -> AppResult<discount::Model> {
    let before = own(conn, request, id).await?;
    let after = with_fields(before.clone(), &f, request.now())?;
    // Every setting is written; the use count is left to the guarded increment.
    let mut active = discount::ActiveModel::from(after.clone()).reset_all();
    active.uses = sea_orm::ActiveValue::NotSet;
    active.update(conn).await.map_err(|e| AppError::from_db_unique(e, "code", "this code exists already"))?;
    audit_change(conn, request, "discount.update", Some(&before), &after).await?;
    own(conn, request, id).await
}

/// Retires a code: it stops working, its history stays.
pub async fn archive(conn: &impl ConnectionTrait, request: &RequestContext, id: Uuid) -> AppResult<discount::Model> {
    let before = own(conn, request, id).await?;
    Discounts::update_many()
        .col_expr(discount::Column::Archived, Expr::value(true))
        .filter(discount::Column::Id.eq(id))
        .exec(conn)
        .await?;
    let after = own(conn, request, id).await?;
    audit_change(conn, request, "discount.archive", Some(&before), &after).await?;
    Ok(after)
}

/// The tenant's codes, newest first (admins).
pub async fn list(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    page: PageArgs,
) -> AppResult<Paged<discount::Model>> {
    request.require_role(&[Role::Admin, Role::Superadmin])?;
    let query = Discounts::find().filter(discount::Column::TenantId.eq(request.tenant()?.id));
    paginate(conn, query, discount::Column::Id, Order::newest_first(), page).await
}

/// The live discount for `code` at `now`, or `BAD_USER_INPUT` on `discountCode` with the reason
/// (`NOT_FOUND`, `NOT_STARTED`, `EXPIRED`, `USAGE_LIMIT`, `FIRST_ORDER_ONLY`). `first_order` is
/// whether the buyer has no earlier order (unknown for anonymous quotes).
pub async fn evaluate(
    conn: &impl ConnectionTrait,
    tenant: Uuid,
    code: &str,
    now: DateTime<Utc>,
    first_order: Option<bool>,
) -> AppResult<ValidDiscount> {
    let found = Discounts::find()
        .filter(discount::Column::TenantId.eq(tenant))
        .filter(discount::Column::Code.eq(normalize_code(code)))
        .filter(discount::Column::Archived.eq(false))
        .one(conn)
        .await?
        .ok_or_else(|| rejected(Reason::NotFound, "no such discount code"))?;
    if found.starts_at.is_some_and(|s| now < s) {
        return Err(rejected(Reason::NotStarted, "this code is not valid yet"));
    }
    if found.ends_at.is_some_and(|e| now >= e) {
        return Err(rejected(Reason::Expired, "this code has expired"));
    }
    if found.max_uses.is_some_and(|m| found.uses >= m) {
        return Err(rejected(Reason::UsageLimit, "this code has been used up"));
    }
    if found.first_order_only && first_order == Some(false) {
        return Err(rejected(Reason::FirstOrderOnly, "this code is for a first order only"));
    }
    Ok(ValidDiscount::from(&found))
}

/// The minimum order the discount needs, checked against the order's total before it.
pub fn check_minimum(found: &ValidDiscount, subtotal: Money) -> AppResult<()> {
    match found.min_order {
        Some(min) if subtotal.0 < min => {
            Err(rejected(Reason::MinOrder, &format!("this code needs an order of at least {}", Money(min))))
        }
        _ => Ok(()),
    }
}

/// Redeems the discount for a placed order. The global limit is a guarded increment on the
/// discount's row, which also holds other redemptions of it until this transaction ends, so the
/// per-client count that follows sees them all.
pub async fn redeem(
    conn: &impl ConnectionTrait,
    found: &ValidDiscount,
    client: Uuid,
    order: Uuid,
    amount: Money,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let mut claim = Discounts::update_many()
        .col_expr(discount::Column::Uses, Expr::col(discount::Column::Uses).add(1))
        .filter(discount::Column::Id.eq(found.id))
        .filter(discount::Column::Archived.eq(false));
    if let Some(max) = found.max_uses {
        claim = claim.filter(Expr::col(discount::Column::Uses).lt(max));
    }
    if claim.exec(conn).await?.rows_affected == 0 {
        return Err(rejected(Reason::UsageLimit, "this code has been used up"));
    }
    if let Some(per_client) = found.max_uses_per_client {
        let used = Usages::find()
            .filter(discount_usage::Column::DiscountId.eq(found.id))
            .filter(discount_usage::Column::ClientId.eq(client))
            .count(conn)
            .await?;
        if used >= per_client as u64 {
            return Err(rejected(Reason::UsageLimit, "you have used this code as often as it allows"));
        }
    }
    Usages::insert(discount_usage::ActiveModel {
        id: Set(new_id()),
        tenant_id: Set(found.tenant),
        discount_id: Set(found.id),
        client_id: Set(client),
        order_id: Set(order),
        amount_minor: Set(amount.0),
        created_at: Set(now),
    })
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

/// The demo codes: WELCOME10 (10 %, first order only) and FLAT5 (5.00 off orders of 50.00 or
/// more), unless the tenant has codes already.
pub async fn seed_demo(conn: &impl ConnectionTrait, tenant: Uuid, now: DateTime<Utc>) -> AppResult<()> {
    if Discounts::find().filter(discount::Column::TenantId.eq(tenant)).one(conn).await?.is_some() {
        return Ok(());
    }
    let base = discount::Model {
        id: new_id(),
        tenant_id: tenant,
        code: "WELCOME10".into(),
        kind: DiscountKind::Percent,
        value: 100_000,
        starts_at: None,
        ends_at: None,
        max_uses: None,
        max_uses_per_client: Some(1),
        first_order_only: true,
        min_order_minor: None,
        max_discount_minor: None,
        uses: 0,
        archived: false,
        created_at: now,
        updated_at: now,
    };
    let flat = discount::Model {
        id: new_id(),
        code: "FLAT5".into(),
        kind: DiscountKind::Fixed,
        value: 500,
        max_uses_per_client: None,
        first_order_only: false,
        min_order_minor: Some(5000),
        ..base.clone()
    };
    Discounts::insert_many([discount::ActiveModel::from(base), discount::ActiveModel::from(flat)])
        .exec_without_returning(conn)
        .await?;
    Ok(())
}
