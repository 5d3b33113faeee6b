use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use kernel::{AppError, ContextExt, Money, Rate, RoleGuard, WRITER_PAY_READERS, parse_id, write};

use crate::entity::writer_level_rule::PayMode;
use crate::service::levels::{self, Level, RuleFields};

use super::ADMINS;

const READERS: RoleGuard = RoleGuard::new(levels::READERS);
const WRITER_PAY: RoleGuard = RoleGuard::new(WRITER_PAY_READERS);

/// A writer level: its catalogue entry, what it allows and how it pays (pay: writers and staff
/// who may read writers' pay; never editors).
pub struct WriterLevel(pub Level);

/// What a writer must reach to be proposed for the next level.
#[derive(SimpleObject)]
pub struct PromotionThresholds {
    pub completed_orders: i32,
    /// Of 5.
    pub average_rating: Rate,
    /// Percent of completed orders first submitted by their deadline.
    pub on_time_rate: Rate,
    /// The highest percent of orders sent back for revision.
    pub max_revision_rate: Rate,
}

#[Object]
impl WriterLevel {
    async fn id(&self) -> ID {
        ID(self.0.entry.id.to_string())
    }
    async fn code(&self) -> &str {
        &self.0.entry.code
    }
    async fn name(&self) -> &str {
        &self.0.entry.name
    }
    /// Whether writers may be put at it (archived levels keep their writers).
    async fn active(&self) -> bool {
        self.0.entry.active
    }
    #[graphql(guard = "WRITER_PAY")]
    async fn pay_mode(&self) -> Option<PayMode> {
        Some(self.0.rules.pay_mode)
    }
    /// With `PERCENT`: the percent of the order's total the writer earns.
    #[graphql(guard = "WRITER_PAY")]
    async fn pay_percent(&self) -> Option<Rate> {
        (self.0.rules.pay_mode == PayMode::Percent).then_some(Rate(self.0.rules.pay_percent_e4))
    }
    /// With `PER_PAGE`: what the writer earns per page and per slide.
    #[graphql(guard = "WRITER_PAY")]
    async fn pay_per_page(&self) -> Option<Money> {
        (self.0.rules.pay_mode == PayMode::PerPage).then_some(Money(self.0.entry.pay_per_page_minor))
    }
    #[graphql(guard = "WRITER_PAY")]
    async fn pay_per_slide(&self) -> Option<Money> {
        (self.0.rules.pay_mode == PayMode::PerPage).then_some(Money(self.0.entry.pay_per_slide_minor))
    }
    async fn max_active_orders(&self) -> i32 {
        self.0.rules.max_active_orders
    }
    async fn max_open_requests(&self) -> i32 {
        self.0.rules.max_open_requests
    }
    /// Whether its writers may take an order from the pool without asking.
    async fn may_take_directly(&self) -> bool {
        self.0.rules.may_take_directly
    }
    async fn max_pages_per_order(&self) -> i32 {
        self.0.rules.max_pages_per_order
    }
    async fn promotion(&self) -> PromotionThresholds {
        let p = self.0.rules.promotion;
        PromotionThresholds {
            completed_orders: p.completed_orders,
            average_rating: Rate(i64::from(p.average_rating_e2) * 100),
            on_time_rate: Rate(p.on_time_rate_e4),
            max_revision_rate: Rate(p.max_revision_rate_e4),
        }
    }
}

/// New rules for a writer level; what is left out stays.
#[derive(InputObject, Default)]
pub struct WriterLevelRulesInput {
    pub pay_mode: Option<PayMode>,
    /// Percent of the order's total (with `PERCENT`).
    pub pay_percent: Option<Rate>,
    pub max_active_orders: Option<i32>,
    pub max_open_requests: Option<i32>,
    pub may_take_directly: Option<bool>,
    pub max_pages_per_order: Option<i32>,
    pub promote_completed_orders: Option<i32>,
    /// Of 5, at most two decimals.
    pub promote_average_rating: Option<Rate>,
    pub promote_on_time_rate: Option<Rate>,
    pub promote_max_revision_rate: Option<Rate>,
}

impl WriterLevelRulesInput {
    fn into_fields(self) -> Result<RuleFields, AppError> {
        let rating = match self.promote_average_rating {
            Some(Rate(e4)) if e4 % 100 != 0 => {
                return Err(AppError::bad_input("input.promoteAverageRating", "at most two decimals"));
            }
            Some(Rate(e4)) => Some(i32::try_from(e4 / 100).map_err(|_| {
                AppError::bad_input("input.promoteAverageRating", "promotion.averageRating must be between 0 and 5")
            })?),
            None => None,
        };
        Ok(RuleFields {
            pay_mode: self.pay_mode,
            pay_percent_e4: self.pay_percent.map(|r| r.0),
            max_active_orders: self.max_active_orders,
            max_open_requests: self.max_open_requests,
            may_take_directly: self.may_take_directly,
            max_pages_per_order: self.max_pages_per_order,
            promote_completed: self.promote_completed_orders,
            promote_rating_e2: rating,
            promote_on_time_e4: self.promote_on_time_rate.map(|r| r.0),
            promote_max_revision_e4: self.promote_max_revision_rate.map(|r| r.0),
        })
    }
}

#[derive(Default)]
pub struct LevelQuery;

#[Object]
impl LevelQuery {
    /// The tenant's writer levels in order, with what each allows (writers and staff).
    #[graphql(guard = "READERS")]
    async fn writer_levels(&self, ctx: &Context<'_>) -> Result<Vec<WriterLevel>> {
        let request = ctx.request();
        Ok(levels::list(&request.db, request).await?.into_iter().map(WriterLevel).collect())
    }
}

#[derive(Default)]
pub struct LevelMutation;

#[Object]
impl LevelMutation {
    /// Changes what a writer level allows and pays (admins; audited). Orders already given keep
    /// the pay fixed when they were given.
    #[graphql(guard = "ADMINS")]
    async fn update_writer_level_rules(
        &self,
        ctx: &Context<'_>,
        level_id: ID,
        input: WriterLevelRulesInput,
    ) -> Result<WriterLevel> {
        let request = ctx.request();
        let level_id = parse_id("levelId", &level_id)?;
        let fields = input.into_fields()?;
        let level = write(request, async |txn| levels::update(txn, request, level_id, fields).await).await?;
        Ok(WriterLevel(level))
    }
}
