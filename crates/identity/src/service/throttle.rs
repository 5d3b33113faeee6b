//! Sign-in throttling: 5 failures of one account, or 20 from one IP, within 15 minutes answer
//! `RATE_LIMITED` until the window has passed.
//!
//! An attempt is written before the password is checked and removed if it succeeds or is
//! refused by the limit, so concurrent guesses see each other and only real failures count.

use chrono::Duration;
use kernel::{AppError, AppResult, RequestContext, new_id};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};
use uuid::Uuid;

use crate::entity::sign_in_failure::{self, Entity as Failures};

pub const WINDOW_MINUTES: i64 = 15;
pub const MAX_PER_ACCOUNT: u64 = 5;
pub const MAX_PER_IP: u64 = 20;

/// An attempt in flight; it becomes a counted failure unless [`Attempt::succeeded`] removes it.
pub struct Attempt {
    id: Uuid,
}

/// Records an attempt, or refuses it with `RATE_LIMITED` when the account or IP is over its limit.
pub async fn begin(conn: &impl ConnectionTrait, request: &RequestContext, account_key: String) -> AppResult<Attempt> {
    let now = request.now();
    let since = now - Duration::minutes(WINDOW_MINUTES);
    let id = new_id();
    let ip = request.client.ip.clone();
    Failures::insert(sign_in_failure::ActiveModel {
        id: Set(id),
        account_key: Set(account_key.clone()),
        ip: Set(ip.clone()),
        at: Set(now),
    })
    .exec_without_returning(conn)
    .await?;
    let earlier =
        || Failures::find().filter(sign_in_failure::Column::At.gt(since)).filter(sign_in_failure::Column::Id.lt(id));
    let by_account = earlier().filter(sign_in_failure::Column::AccountKey.eq(&account_key)).count(conn).await?;
    let by_ip = match &ip {
        Some(ip) => earlier().filter(sign_in_failure::Column::Ip.eq(ip)).count(conn).await?,
        None => 0,
    };
    if by_account >= MAX_PER_ACCOUNT || by_ip >= MAX_PER_IP {
        Failures::delete_by_id(id).exec(conn).await?;
        return Err(AppError::rate_limited(format!("too many failed sign-ins; try again in {WINDOW_MINUTES} minutes")));
    }
    Ok(Attempt { id })
}

impl Attempt {
    /// The password was right: this attempt is not a failure. Earlier failures still count
    /// until their window passes, as the rule says.
    pub async fn succeeded(self, conn: &impl ConnectionTrait) -> AppResult<()> {
        Failures::delete_by_id(self.id).exec(conn).await?;
        Ok(())
    }
}
