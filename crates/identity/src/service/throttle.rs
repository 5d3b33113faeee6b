//! Throttling, counted in the database over a window, so every replica sees the same counts.
//!
//! **Password checks** (sign-in, and the current password of a password change) are limited to
//! 5 failures per account and 20 per client address within 15 minutes. An attempt is written
//! before the password is checked and removed if it succeeds or is refused by a limit, so
//! concurrent guesses see each other and only real failures count.
//!
//! The per-account limit must not let anyone lock a victim out from anywhere by failing on
//! purpose. Past it, an attempt from an address that has signed in to the account before (it
//! holds or held a session from there) is still checked, under a limit of its own (5 failures of
//! that account from that address); attempts from other addresses are refused until the window
//! passes. (Device cookies, once they exist, will count as a known address too.)
//!
//! **Sign-ups** are limited to 20 per client address an hour, whether or not the address asked
//! for was free, so sign-up cannot be used to probe for accounts at speed.

use chrono::Duration;
use kernel::{AppError, AppResult, RequestContext, new_id};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Select};
use uuid::Uuid;

use crate::entity::throttle_event::{self, Entity as Events, ThrottleKind};
use crate::service::sessions;

pub const WINDOW_MINUTES: i64 = 15;
pub const MAX_PER_ACCOUNT: u64 = 5;
pub const MAX_PER_IP: u64 = 20;
pub const SIGN_UP_WINDOW_MINUTES: i64 = 60;
pub const MAX_SIGN_UPS_PER_IP: u64 = 20;

/// The key password attempts on an account are counted under: its tenant (`-` for
/// superadmins) and normalized e-mail, whether or not the account exists.
pub fn account_key(tenant: Option<Uuid>, email_normalized: &str) -> String {
    format!("{}:{email_normalized}", tenant.map_or_else(|| "-".to_owned(), |t| t.to_string()))
}

/// A password attempt in flight; it becomes a counted failure unless [`Attempt::succeeded`]
/// removes it.
pub struct Attempt {
    id: Uuid,
    counters: Option<kernel::RequestDb>,
}

fn too_many() -> AppError {
    AppError::rate_limited(format!("too many failed attempts; try again in {WINDOW_MINUTES} minutes"))
}

/// Records an event where concurrent requests see it at once ([`kernel::RequestDb::counters`]:
/// on PostgreSQL committed as it is written, not with the request), else on `conn`.
async fn record(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    kind: ThrottleKind,
    key: &str,
) -> AppResult<Uuid> {
    let id = new_id();
    let insert = Events::insert(throttle_event::ActiveModel {
        id: Set(id),
        kind: Set(kind),
        account_key: Set(key.to_owned()),
        ip: Set(request.client.ip.clone()),
        at: Set(request.now()),
    });
    match request.db.counters() {
        Some(counters) => insert.exec_without_returning(&counters).await?,
        None => insert.exec_without_returning(conn).await?,
    };
    Ok(id)
}

/// Forgets event `id`, where [`record`] wrote it.
async fn forget(conn: &impl ConnectionTrait, counters: Option<&kernel::RequestDb>, id: Uuid) -> AppResult<()> {
    match counters {
        Some(counters) => Events::delete_by_id(id).exec(counters).await?,
        None => Events::delete_by_id(id).exec(conn).await?,
    };
    Ok(())
}

/// Events of `kind` in the window before `id` (which is the caller's own, just recorded).
fn earlier(kind: ThrottleKind, id: Uuid, since: chrono::DateTime<chrono::Utc>) -> Select<Events> {
    Events::find()
        .filter(throttle_event::Column::Kind.eq(kind))
        .filter(throttle_event::Column::At.gt(since))
        .filter(throttle_event::Column::Id.lt(id))
}

/// Records a password attempt on `account_key`, or refuses it with `RATE_LIMITED` when a limit
/// is reached. `user` is the account's user when it exists (its known addresses are looked up
/// only once the account's own limit is reached).
pub async fn begin(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    account_key: &str,
    user: Option<Uuid>,
) -> AppResult<Attempt> {
    let since = request.now() - Duration::minutes(WINDOW_MINUTES);
    let id = record(conn, request, ThrottleKind::Password, account_key).await?;
    let ip = request.client.ip.as_deref();
    let of_account =
        || earlier(ThrottleKind::Password, id, since).filter(throttle_event::Column::AccountKey.eq(account_key));
    let allowed = async {
        if let Some(ip) = ip
            && earlier(ThrottleKind::Password, id, since).filter(throttle_event::Column::Ip.eq(ip)).count(conn).await?
                >= MAX_PER_IP
        {
            return Ok::<bool, AppError>(false);
        }
        if of_account().count(conn).await? < MAX_PER_ACCOUNT {
            return Ok(true);
        }
        let (Some(user), Some(ip)) = (user, ip) else { return Ok(false) };
        Ok(sessions::has_signed_in_from(conn, user, ip).await?
            && of_account().filter(throttle_event::Column::Ip.eq(ip)).count(conn).await? < MAX_PER_ACCOUNT)
    }
    .await?;
    let counters = request.db.counters();
    if !allowed {
        forget(conn, counters.as_ref(), id).await?;
        return Err(too_many());
    }
    Ok(Attempt { id, counters })
}

impl Attempt {
    /// The password was right: this attempt is not a failure. Earlier failures still count
    /// until their window passes, as the rule says.
    pub async fn succeeded(self, conn: &impl ConnectionTrait) -> AppResult<()> {
        forget(conn, self.counters.as_ref(), self.id).await
    }
}

/// Counts a sign-up attempt from the client's address, or refuses it with `RATE_LIMITED` when
/// the address has made [`MAX_SIGN_UPS_PER_IP`] within the hour.
pub async fn sign_up(conn: &impl ConnectionTrait, request: &RequestContext, tenant: Uuid) -> AppResult<()> {
    let since = request.now() - Duration::minutes(SIGN_UP_WINDOW_MINUTES);
    let id = record(conn, request, ThrottleKind::SignUp, &tenant.to_string()).await?;
    let Some(ip) = request.client.ip.as_deref() else { return Ok(()) };
    if earlier(ThrottleKind::SignUp, id, since).filter(throttle_event::Column::Ip.eq(ip)).count(conn).await?
        >= MAX_SIGN_UPS_PER_IP
    {
        forget(conn, request.db.counters().as_ref(), id).await?;
        return Err(AppError::rate_limited(format!(
            "too many sign-ups from this address; try again in {SIGN_UP_WINDOW_MINUTES} minutes"
        )));
    }
    Ok(())
}

/// How many link requests (password reset, magic sign-in) an account and an address may make in
/// an hour.
pub const LINK_WINDOW_MINUTES: i64 = 60;
pub const MAX_LINKS_PER_ACCOUNT: u64 = 3;
pub const MAX_LINKS_PER_IP: u64 = 10;

/// Counts a request for an e-mailed link to `account_key` (whether or not the account exists,
/// so the limit says nothing about it), or refuses it with `RATE_LIMITED` past
/// [`MAX_LINKS_PER_ACCOUNT`] for the account or [`MAX_LINKS_PER_IP`] from the address.
pub async fn link_request(conn: &impl ConnectionTrait, request: &RequestContext, account_key: &str) -> AppResult<()> {
    // concurrent requests for one account or from one address count one after another (the
    // caller's write transaction holds the locks)
    kernel::db::lock_key(conn, &format!("links:{account_key}")).await?;
    if let Some(ip) = request.client.ip.as_deref() {
        kernel::db::lock_key(conn, &format!("links-ip:{ip}")).await?;
    }
    let since = request.now() - Duration::minutes(LINK_WINDOW_MINUTES);
    let id = record(conn, request, ThrottleKind::LinkRequest, account_key).await?;
    let of_account = earlier(ThrottleKind::LinkRequest, id, since)
        .filter(throttle_event::Column::AccountKey.eq(account_key))
        .count(conn)
        .await?;
    let of_ip = match request.client.ip.as_deref() {
        Some(ip) => {
            earlier(ThrottleKind::LinkRequest, id, since).filter(throttle_event::Column::Ip.eq(ip)).count(conn).await?
        }
        None => 0,
    };
    if of_account >= MAX_LINKS_PER_ACCOUNT || of_ip >= MAX_LINKS_PER_IP {
        forget(conn, request.db.counters().as_ref(), id).await?;
        return Err(AppError::rate_limited(format!(
            "too many links asked for; try again in {LINK_WINDOW_MINUTES} minutes"
        )));
    }
    Ok(())
}

/// Forgets events older than any window (a day is ample); returns how many.
pub async fn purge(conn: &impl ConnectionTrait, now: chrono::DateTime<chrono::Utc>) -> AppResult<u64> {
    Ok(Events::delete_many()
        .filter(throttle_event::Column::At.lt(now - Duration::days(1)))
        .exec(conn)
        .await?
        .rows_affected)
}
