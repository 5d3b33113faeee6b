//! Sessions: sign-in, authenticating a bearer token, listing and revoking.

use chrono::Duration;
use kernel::Reason;
use kernel::context::no_tenant;
use kernel::{AppError, AppResult, RequestContext, Role, TenantScope, Viewer, new_id};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait};
use serde_json::json;
use uuid::Uuid;

use crate::entity::session::{self, Entity as Sessions};
use crate::entity::user::{self, Entity as Users};
use crate::service::{alerts, devices, password, throttle, token, users};
use crate::settings::IdentitySettings;
use tenancy::service::audit::{self, Change};

/// `last_seen_at` is written at most this often per session, so reads stay reads.
const TOUCH_EVERY_SECONDS: i64 = 60;

pub struct SignedIn {
    /// The bearer token; shown once, never stored.
    pub token: String,
    pub user: user::Model,
    pub session: session::Model,
    /// The device cookie to (re)set in the browser.
    pub device_cookie: String,
}

/// Opens a session for `user` and returns its new token. The sign-in is recorded against the
/// browser's device and the address's place, and the user is alerted when either is new to them
/// (as they chose).
pub async fn start(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    user: user::Model,
    settings: &IdentitySettings,
) -> AppResult<SignedIn> {
    let now = request.now();
    let token = token::generate();
    let place = request.client.ip.as_deref().and_then(|ip| settings.locator.place(ip));
    // boxed: a sign-in's future would otherwise carry these inline, past a thread's stack in
    // debug builds
    let seen = Box::pin(devices::recognise(conn, request, &user, place)).await?;
    let model = session::Model {
        id: new_id(),
        user_id: user.id,
        tenant_id: user.tenant_id,
        token_hash: token::digest(&token),
        created_at: now,
        last_seen_at: now,
        expires_at: now + settings.session_ttl,
        revoked_at: None,
        ip: request.client.ip.clone(),
        user_agent: request.client.user_agent.as_deref().map(|ua| ua.chars().take(512).collect()),
        device_id: Some(seen.device.id),
        place: seen.place.clone(),
    };
    Sessions::insert(session::ActiveModel::from(model.clone())).exec_without_returning(conn).await?;
    Box::pin(alerts::on_sign_in(conn, request, &user, &model, &seen, &settings.public_url)).await?;
    if user.role == Role::Superadmin {
        Box::pin(audit_superadmin_session(conn, request, &user, &model)).await?;
    }
    Ok(SignedIn { token, user, session: model, device_cookie: seen.cookie })
}

/// A superadmin's session is the path past every site's wall (their requests read every
/// tenant): each one's start is audited in the installation's chain, with the site it began at.
async fn audit_superadmin_session(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    user: &user::Model,
    session: &session::Model,
) -> AppResult<()> {
    let as_them = RequestContext {
        viewer: Some(Viewer {
            user_id: user.id,
            tenant_id: None,
            role: user.role,
            session_id: session.id,
            email: user.email.clone(),
            display_name: user.display_name.clone(),
            two_factor: user.two_factor_enabled,
        }),
        ..request.clone()
    };
    let site = request.tenant.as_ref().map(|t| t.id.to_string());
    audit::record_own(
        conn,
        &as_them,
        Change {
            action: "session.sign_in",
            target_type: "session",
            target_id: Some(session.id.to_string()),
            tenant_id: None,
            before: None,
            after: Some(json!({ "site": site, "reach": "every site" })),
        },
    )
    .await
}

/// What a first factor (a password, a magic link) opens: the session, or, when the user signs in
/// with two factors, a challenge to complete with `verifySecondFactor`.
pub enum SignInOutcome {
    Signed(Box<SignedIn>),
    /// The challenge's token (shown once).
    SecondFactor(String),
}

/// Opens what `user`'s first factor earns: a session, or a second-factor challenge.
pub async fn open(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    user: user::Model,
    settings: &IdentitySettings,
) -> AppResult<SignInOutcome> {
    if user.two_factor_enabled {
        return Ok(SignInOutcome::SecondFactor(super::two_factor::challenge(conn, request, &user).await?));
    }
    Ok(SignInOutcome::Signed(Box::new(start(conn, request, user, settings).await?)))
}

/// Signs in by e-mail and password under the request's tenant (superadmins under any).
/// A wrong password and an unknown e-mail get the same answer, in the same time. Without a
/// tenant only a superadmin can sign in; anything else is `NOT_FOUND` (`NO_TENANT`, naming the
/// host), so a visitor at a bare address learns that they are at no site, not that their
/// password is wrong. `conn` is the request's database itself, not a transaction: the attempt is
/// counted whatever happens, and the session is opened in a write transaction of its own.
pub async fn sign_in(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    email: &str,
    password_text: &str,
    settings: &IdentitySettings,
) -> AppResult<SignInOutcome> {
    let email_normalized = email.trim().to_lowercase();
    let tenant_id = request.tenant.as_ref().map(|t| t.id);
    // a superadmin signs in at any site: on PostgreSQL the request then sees the installation's
    // rows too (their account, and the session, challenge and audit entries it writes)
    if conn.get_database_backend() == DbBackend::Postgres && users::superadmin_holds(conn, &email_normalized).await? {
        request.db.include_installation().await?;
    }
    let user = users::find_for_sign_in(conn, tenant_id, &email_normalized).await?;
    let realm = user.as_ref().map_or(tenant_id, |u| u.tenant_id);
    let attempt =
        throttle::begin(conn, request, &throttle::account_key(realm, &email_normalized), user.as_ref().map(|u| u.id))
            .await?;
    // the hash takes a while: the request's connection goes back to the pool meanwhile (`conn`
    // is the request's own handle, never a write transaction)
    request.db.commit().await?;
    let verified = password::verify(password_text, user.as_ref().map(|u| u.password_hash.0.as_str())).await?;
    match user {
        Some(user) if verified => {
            attempt.succeeded(conn).await?;
            // the session, its device and place, and the alert: all or nothing
            kernel::write(request, async |txn| open(txn, request, user, settings).await).await
        }
        _ if request.tenant.is_none() => Err(no_tenant(request.client.host.as_deref())),
        _ => Err(AppError::unauthenticated("wrong e-mail or password").with_reason(Reason::InvalidCredentials)),
    }
}

/// Whether `user` has ever had a session opened from `ip` (kept until sessions are purged,
/// 30 days after they end).
pub async fn has_signed_in_from(conn: &impl ConnectionTrait, user: Uuid, ip: &str) -> AppResult<bool> {
    Ok(Sessions::find()
        .select_only()
        .column(session::Column::Id)
        .filter(session::Column::UserId.eq(user))
        .filter(session::Column::Ip.eq(ip))
        .into_tuple::<Uuid>()
        .one(conn)
        .await?
        .is_some())
}

/// Whether `user` has any session on record (live, or ended less than [`KEEP_ENDED_DAYS`] ago).
pub async fn has_any(conn: &impl ConnectionTrait, user: Uuid) -> AppResult<bool> {
    Ok(Sessions::find()
        .select_only()
        .column(session::Column::Id)
        .filter(session::Column::UserId.eq(user))
        .into_tuple::<Uuid>()
        .one(conn)
        .await?
        .is_some())
}

/// How long an ended (expired or revoked) session is kept: the security page shows it, and
/// its address counts as known to the account.
pub const KEEP_ENDED_DAYS: i64 = 30;

/// Deletes sessions that ended more than [`KEEP_ENDED_DAYS`] ago; returns how many.
pub async fn purge(conn: &impl ConnectionTrait, now: chrono::DateTime<chrono::Utc>) -> AppResult<u64> {
    let before = now - Duration::days(KEEP_ENDED_DAYS);
    let ended =
        sea_orm::Condition::any().add(session::Column::ExpiresAt.lt(before)).add(session::Column::RevokedAt.lt(before));
    Ok(Sessions::delete_many().filter(ended).exec(conn).await?.rows_affected)
}

/// The viewer a bearer token stands for under the request's tenant. A token that is unknown,
/// revoked, expired, or presented under another tenant is `UNAUTHENTICATED`.
pub async fn authenticate(
    conn: &impl ConnectionTrait,
    token_text: &str,
    tenant: Option<&TenantScope>,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<Viewer> {
    let unauthenticated = || AppError::unauthenticated("the session is invalid or has ended; sign in again");
    // Every request makes this lookup, so it reads only what a viewer is (no password hash, no
    // session bookkeeping), decoded by position.
    let query = Sessions::find()
        .select_only()
        .columns([session::Column::Id, session::Column::LastSeenAt])
        .columns([user::Column::Id, user::Column::TenantId, user::Column::Role, user::Column::Email])
        .columns([user::Column::DisplayName, user::Column::TwoFactorEnabled])
        .inner_join(Users)
        .filter(session::Column::TokenHash.eq(token::digest(token_text)))
        .filter(session::Column::RevokedAt.is_null())
        .filter(session::Column::ExpiresAt.gt(now))
        .limit(1);
    type Found = (Uuid, chrono::DateTime<chrono::Utc>, Uuid, Option<Uuid>, Role, String, String, bool);
    let found: Option<Found> = kernel::row::one(conn, query.as_query()).await?;
    let Some((session_id, last_seen_at, user_id, tenant_id, role, email, display_name, two_factor)) = found else {
        return Err(unauthenticated());
    };
    let in_scope = role == Role::Superadmin || (tenant_id.is_some() && tenant_id == tenant.map(|t| t.id));
    if !in_scope {
        return Err(unauthenticated());
    }
    if now - last_seen_at >= Duration::seconds(TOUCH_EVERY_SECONDS) {
        Sessions::update_many()
            .col_expr(session::Column::LastSeenAt, Expr::value(now))
            .filter(session::Column::Id.eq(session_id))
            .filter(session::Column::LastSeenAt.lt(now - Duration::seconds(TOUCH_EVERY_SECONDS)))
            .exec(conn)
            .await?;
    }
    Ok(Viewer { user_id, tenant_id, role, session_id, email, display_name, two_factor })
}

/// The viewer's live sessions, most recently seen first.
pub async fn list_live(conn: &impl ConnectionTrait, request: &RequestContext) -> AppResult<Vec<session::Model>> {
    let viewer = request.viewer()?;
    Ok(Sessions::find()
        .filter(session::Column::UserId.eq(viewer.user_id))
        .filter(session::Column::RevokedAt.is_null())
        .filter(session::Column::ExpiresAt.gt(request.now()))
        .order_by_desc(session::Column::LastSeenAt)
        .limit(100)
        .all(conn)
        .await?)
}

/// Ends the live sessions of `user` that match `filter`, and forgets the browsers they
/// registered for web push; answers how many ended.
async fn end_sessions(
    conn: &impl ConnectionTrait,
    user: Uuid,
    filter: sea_orm::Condition,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<u64> {
    let live = sea_orm::Condition::all()
        .add(session::Column::UserId.eq(user))
        .add(session::Column::RevokedAt.is_null())
        .add(filter);
    let ended: Vec<Uuid> =
        Sessions::find().select_only().column(session::Column::Id).filter(live.clone()).into_tuple().all(conn).await?;
    if ended.is_empty() {
        return Ok(0);
    }
    let result = Sessions::update_many()
        .col_expr(session::Column::RevokedAt, Expr::value(now))
        .filter(live)
        .filter(session::Column::Id.is_in(ended.clone()))
        .exec(conn)
        .await?;
    notifications::service::push::forget_sessions(conn, ended).await?;
    Ok(result.rows_affected)
}

/// Ends the sessions of `user` opened on `device`; answers how many.
pub async fn end_of_device(
    conn: &impl ConnectionTrait,
    user: Uuid,
    device: Uuid,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<u64> {
    end_sessions(conn, user, sea_orm::Condition::all().add(session::Column::DeviceId.eq(device)), now).await
}

/// Ends one session of `user`, if it still lives; answers whether it did.
pub async fn end_one_of(
    conn: &impl ConnectionTrait,
    user: Uuid,
    session: Uuid,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<bool> {
    Ok(end_sessions(conn, user, sea_orm::Condition::all().add(session::Column::Id.eq(session)), now).await? > 0)
}

async fn revoke_where(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    filter: sea_orm::Condition,
) -> AppResult<u64> {
    end_sessions(conn, request.viewer()?.user_id, filter, request.now()).await
}

/// Ends every session of `user` (a password reset: whoever held one is out); answers how many.
pub async fn revoke_all_of(
    conn: &impl ConnectionTrait,
    user: Uuid,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<u64> {
    end_sessions(conn, user, sea_orm::Condition::all(), now).await
}

/// Forgets the web-push browsers of sessions that have expired (sign-out and revocation forget
/// theirs at once); answers how many. Run by the hourly housekeeping.
pub async fn forget_push_of_expired(conn: &impl ConnectionTrait, now: chrono::DateTime<chrono::Utc>) -> AppResult<u64> {
    use sea_orm::QueryTrait;
    let expired = Sessions::find()
        .select_only()
        .column(session::Column::Id)
        .filter(session::Column::ExpiresAt.lt(now))
        .into_query();
    notifications::service::push::forget_sessions_in(conn, expired).await
}

/// Ends one of the viewer's own sessions; anyone else's (or an ended one) is `NOT_FOUND`.
pub async fn revoke(conn: &impl ConnectionTrait, request: &RequestContext, id: Uuid) -> AppResult<()> {
    let revoked = revoke_where(conn, request, sea_orm::Condition::all().add(session::Column::Id.eq(id))).await?;
    if revoked == 0 {
        return Err(AppError::not_found("session"));
    }
    audit_session_change(conn, request, "session.revoke", Some(id), revoked).await
}

/// Ends every session of the viewer but the current one; returns how many.
pub async fn revoke_others(conn: &impl ConnectionTrait, request: &RequestContext) -> AppResult<u64> {
    let current = request.viewer()?.session_id;
    let revoked = revoke_where(conn, request, sea_orm::Condition::all().add(session::Column::Id.ne(current))).await?;
    audit_session_change(conn, request, "session.revoke_others", None, revoked).await?;
    Ok(revoked)
}

/// Ends the current session.
pub async fn sign_out(conn: &impl ConnectionTrait, request: &RequestContext) -> AppResult<()> {
    let current = request.viewer()?.session_id;
    let revoked = revoke_where(conn, request, sea_orm::Condition::all().add(session::Column::Id.eq(current))).await?;
    audit_session_change(conn, request, "session.sign_out", Some(current), revoked).await
}

async fn audit_session_change(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    action: &str,
    id: Option<Uuid>,
    revoked: u64,
) -> AppResult<()> {
    audit::record_own(
        conn,
        request,
        Change {
            action,
            target_type: "session",
            target_id: id.map(|i| i.to_string()),
            tenant_id: None,
            before: None,
            after: Some(json!({ "revoked": revoked })),
        },
    )
    .await
}
