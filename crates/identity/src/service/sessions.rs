//! Sessions: sign-in, authenticating a bearer token, listing and revoking.

use chrono::Duration;
use kernel::{AppError, AppResult, RequestContext, Role, TenantScope, Viewer, new_id};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::json;
use uuid::Uuid;

use crate::entity::session::{self, Entity as Sessions};
use crate::entity::user::{self, Entity as Users};
use crate::service::{password, throttle, token, users};
use tenancy::service::audit::{self, Change};

/// `last_seen_at` is written at most this often per session, so reads stay reads.
const TOUCH_EVERY_SECONDS: i64 = 60;

pub struct SignedIn {
    /// The bearer token; shown once, never stored.
    pub token: String,
    pub user: user::Model,
    pub session: session::Model,
}

/// Opens a session for `user` and returns its new token.
pub async fn start(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    user: user::Model,
    ttl: Duration,
) -> AppResult<SignedIn> {
    let now = request.now();
    let token = token::generate();
    let model = session::Model {
        id: new_id(),
        user_id: user.id,
        tenant_id: user.tenant_id,
        token_hash: token::digest(&token),
        created_at: now,
        last_seen_at: now,
        expires_at: now + ttl,
        revoked_at: None,
        ip: request.client.ip.clone(),
        user_agent: request.client.user_agent.as_deref().map(|ua| ua.chars().take(512).collect()),
    };
    Sessions::insert(session::ActiveModel::from(model.clone())).exec_without_returning(conn).await?;
    Ok(SignedIn { token, user, session: model })
}

/// Signs in by e-mail and password under the request's tenant (superadmins under any).
/// A wrong password and an unknown e-mail get the same answer, in the same time.
pub async fn sign_in(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    email: &str,
    password_text: &str,
    ttl: Duration,
) -> AppResult<SignedIn> {
    let invalid = || AppError::unauthenticated("wrong e-mail or password").with_reason("INVALID_CREDENTIALS");
    let email_normalized = email.trim().to_lowercase();
    let tenant_id = request.tenant.as_ref().map(|t| t.id);
    let user = users::find_for_sign_in(conn, tenant_id, &email_normalized).await?;
    let realm = match &user {
        Some(u) => u.tenant_id,
        None => tenant_id,
    };
    let account_key = format!("{}:{email_normalized}", realm.map_or_else(|| "-".to_owned(), |t| t.to_string()));
    let attempt = throttle::begin(conn, request, account_key).await?;
    if !password::verify(password_text, user.as_ref().map(|u| u.password_hash.as_str())).await? {
        return Err(invalid());
    }
    let Some(user) = user else { return Err(invalid()) };
    attempt.succeeded(conn).await?;
    start(conn, request, user, ttl).await
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
    let found = Sessions::find()
        .filter(session::Column::TokenHash.eq(token::digest(token_text)))
        .filter(session::Column::RevokedAt.is_null())
        .filter(session::Column::ExpiresAt.gt(now))
        .find_also_related(Users)
        .one(conn)
        .await?;
    let Some((session, Some(user))) = found else { return Err(unauthenticated()) };
    let in_scope =
        user.role == Role::Superadmin || (user.tenant_id.is_some() && user.tenant_id == tenant.map(|t| t.id));
    if !in_scope {
        return Err(unauthenticated());
    }
    if now - session.last_seen_at >= Duration::seconds(TOUCH_EVERY_SECONDS) {
        Sessions::update_many()
            .col_expr(session::Column::LastSeenAt, Expr::value(now))
            .filter(session::Column::Id.eq(session.id))
            .filter(session::Column::LastSeenAt.lt(now - Duration::seconds(TOUCH_EVERY_SECONDS)))
            .exec(conn)
            .await?;
    }
    Ok(Viewer {
        user_id: user.id,
        tenant_id: user.tenant_id,
        role: user.role,
        session_id: session.id,
        email: user.email,
        display_name: user.display_name,
    })
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

async fn revoke_where(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    filter: sea_orm::Condition,
) -> AppResult<u64> {
    let viewer = request.viewer()?;
    let result = Sessions::update_many()
        .col_expr(session::Column::RevokedAt, Expr::value(request.now()))
        .filter(session::Column::UserId.eq(viewer.user_id))
        .filter(session::Column::RevokedAt.is_null())
        .filter(filter)
        .exec(conn)
        .await?;
    Ok(result.rows_affected)
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
    audit::record(
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
