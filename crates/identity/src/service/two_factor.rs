//! TOTP two-factor sign-in (RFC 6238 as authenticator apps speak it: SHA-1, 6 digits, 30-second
//! steps, one step of clock skew either way), with `totp-rs`.
//!
//! Enrolment: `begin` makes a secret and answers it with its `otpauth://` URI and a QR code (SVG);
//! `confirm` turns two-factor on once a code from the app matches, and answers 10 single-use
//! recovery codes (only their SHA-256 is kept). Sign-in: with two-factor on, a right password
//! answers a challenge (5 minutes, 5 attempts, once) instead of a session; `verify` opens the
//! session with a code or a recovery code. A code is never accepted twice: the last accepted time
//! step is kept, and a code for it or an earlier one is refused (a conditional update, so two
//! concurrent uses of one code cannot both pass). Wrong codes count: 5 per challenge, and 5 per
//! account in 15 minutes across challenges, enrolment and disabling (the sign-in throttle's
//! rules, under a key of their own), so knowing the password does not buy endless guesses.

use chrono::{DateTime, Duration, Utc};
use kernel::{AppError, AppResult, Reason, RequestContext, Role, new_id};
use rand::RngCore;
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::json;
use tenancy::service::audit::{self, Change};
use totp_rs::{Algorithm, Builder, Secret, Totp};
use uuid::Uuid;

use crate::entity::two_factor::{challenge, recovery_code, secret};
use crate::entity::user::{self, Entity as Users};
use crate::service::sessions::{self, SignedIn};
use crate::service::{password, throttle, token, users};

pub const CHALLENGE_MINUTES: i64 = 5;
pub const MAX_CHALLENGE_ATTEMPTS: i32 = 5;
pub const RECOVERY_CODES: usize = 10;

/// What enrolment answers: the secret to type in, or the URI / QR code to scan.
pub struct Enrollment {
    pub secret: String,
    pub uri: String,
    pub qr_svg: String,
}

/// The TOTP of `secret` (base32) for `account` at `issuer` (the site's name).
fn totp(secret_base32: &str, issuer: &str, account: &str) -> AppResult<Totp> {
    let bytes =
        Secret::try_from_base32(secret_base32).map_err(|_| AppError::internal("a stored TOTP secret is not base32"))?;
    // the URI's label is `issuer:account`; neither may hold a colon
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_step_duration(30)
        .with_skew(1)
        .with_secret(bytes)
        .with_issuer(Some(issuer.replace(':', " ")))
        .with_account_name(account.replace(':', " "))
        .build()
        .map_err(|e| AppError::internal(format!("cannot make a TOTP: {e:?}")))
}

fn unix(now: DateTime<Utc>) -> u64 {
    u64::try_from(now.timestamp()).unwrap_or(0)
}

/// The issuer apps show: the site's name, kept short and plain (a long or non-ASCII name,
/// percent-encoded twice in the URI, would overflow the QR code).
async fn site_name(conn: &impl ConnectionTrait, request: &RequestContext) -> AppResult<String> {
    let name = match request.tenant.as_ref() {
        Some(scope) => tenancy::service::tenants::find(conn, scope.id).await?.name,
        None => String::new(),
    };
    let plain: String =
        name.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | '-' | '_' | '.')).take(40).collect();
    let plain = plain.trim();
    Ok(if plain.is_empty() { "Scriptorium".to_owned() } else { plain.to_owned() })
}

/// Starts (or restarts) the viewer's enrolment: a new secret, pending until confirmed.
/// `CONFLICT` when two-factor is on already.
pub async fn begin(conn: &impl ConnectionTrait, request: &RequestContext) -> AppResult<Enrollment> {
    let viewer = request.viewer()?;
    let user = users::find(conn, viewer.user_id).await?;
    if user.two_factor_enabled {
        return Err(AppError::conflict("two-factor sign-in is on already; turn it off first to enrol again"));
    }
    let mut bytes = [0u8; 20];
    rand::rng().fill_bytes(&mut bytes);
    let secret_base32 = Secret::from(bytes.to_vec()).to_base32();
    let now = request.now();
    let written = secret::Entity::insert(secret::ActiveModel {
        user_id: Set(user.id),
        secret: Set(secret_base32.clone()),
        confirmed_at: Set(None),
        last_step: Set(None),
        created_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(secret::Column::UserId)
            .update_columns([
                secret::Column::Secret,
                secret::Column::ConfirmedAt,
                secret::Column::LastStep,
                secret::Column::CreatedAt,
            ])
            // a secret confirmed meanwhile (a concurrent confirm) is not replaced
            .action_and_where(Expr::col((secret::Entity, secret::Column::ConfirmedAt)).is_null())
            .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    if written == 0 {
        return Err(AppError::conflict("two-factor sign-in is on already; turn it off first to enrol again"));
    }
    let totp = totp(&secret_base32, &site_name(conn, request).await?, &user.email)?;
    let uri = totp.to_url().map_err(|e| AppError::internal(format!("cannot make the otpauth URI: {e:?}")))?;
    let qr =
        qrcode::QrCode::new(uri.as_bytes()).map_err(|e| AppError::internal(format!("cannot make the QR code: {e}")))?;
    let qr_svg = qr.render::<qrcode::render::svg::Color>().min_dimensions(200, 200).build();
    Ok(Enrollment { secret: secret_base32, uri, qr_svg })
}

fn wrong_code(field: &str) -> AppError {
    AppError::bad_input(field, "the code is wrong (or too old: use the one the app shows now)")
}

/// Accepts `code` for `user`'s secret once: the time step it matches must be later than the last
/// one accepted. Answers whether it was accepted.
async fn accept_code(
    conn: &impl ConnectionTrait,
    user: Uuid,
    stored: &secret::Model,
    issuer_account: (&str, &str),
    code: &str,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let totp = totp(&stored.secret, issuer_account.0, issuer_account.1)?;
    let Some(step) = totp.check(code.trim(), unix(now)) else {
        return Ok(false);
    };
    let step = i64::try_from(step).unwrap_or(i64::MAX);
    let taken = secret::Entity::update_many()
        .col_expr(secret::Column::LastStep, Expr::value(Some(step)))
        .filter(secret::Column::UserId.eq(user))
        .filter(secret::Column::Secret.eq(stored.secret.clone()))
        .filter(
            sea_orm::Condition::any().add(secret::Column::LastStep.is_null()).add(secret::Column::LastStep.lt(step)),
        )
        .exec(conn)
        .await?
        .rows_affected;
    Ok(taken == 1)
}

/// Counts a code attempt on the account under the sign-in throttle; answers the attempt (to mark
/// as succeeded) or `RATE_LIMITED`.
async fn count_attempt(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    user: &user::Model,
) -> AppResult<throttle::Attempt> {
    let key = format!("2fa:{}", throttle::account_key(user.tenant_id, &user.email_normalized));
    throttle::begin(conn, request, &key, Some(user.id)).await
}

/// Turns two-factor on with a first code from the app; answers the recovery codes (shown once).
/// Run on the request's connection (not in one transaction), so that a wrong code still counts.
pub async fn confirm(conn: &impl ConnectionTrait, request: &RequestContext, code: &str) -> AppResult<Vec<String>> {
    let viewer = request.viewer()?;
    let user = users::find(conn, viewer.user_id).await?;
    let stored = secret::Entity::find_by_id(user.id)
        .filter(secret::Column::ConfirmedAt.is_null())
        .one(conn)
        .await?
        .ok_or_else(|| AppError::conflict("no enrolment in progress: call beginTwoFactorEnrollment first"))?;
    let attempt = count_attempt(conn, request, &user).await?;
    let issuer = site_name(conn, request).await?;
    let now = request.now();
    if !accept_code(conn, user.id, &stored, (&issuer, &user.email), code, now).await? {
        return Err(wrong_code("code"));
    }
    attempt.succeeded(conn).await?;
    let codes = kernel::write(request, async |txn| {
        let confirmed = secret::Entity::update_many()
            .col_expr(secret::Column::ConfirmedAt, Expr::value(Some(now)))
            .filter(secret::Column::UserId.eq(user.id))
            .filter(secret::Column::Secret.eq(stored.secret.clone()))
            .filter(secret::Column::ConfirmedAt.is_null())
            .exec(txn)
            .await?
            .rows_affected;
        if confirmed == 0 {
            return Err(AppError::conflict("this enrolment was confirmed or restarted meanwhile"));
        }
        set_enabled(txn, user.id, true, now).await?;
        tell(txn, request, &user, "on", now).await?;
        new_recovery_codes(txn, user.id).await
    })
    .await?;
    Ok(codes)
}

async fn set_enabled(conn: &impl ConnectionTrait, user: Uuid, on: bool, now: DateTime<Utc>) -> AppResult<()> {
    Users::update_many()
        .col_expr(user::Column::TwoFactorEnabled, Expr::value(on))
        .col_expr(user::Column::UpdatedAt, Expr::value(now))
        .filter(user::Column::Id.eq(user))
        .exec(conn)
        .await?;
    Ok(())
}

fn recovery_code_text() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut bytes = [0u8; 10];
    rand::rng().fill_bytes(&mut bytes);
    let chars: String = bytes.iter().map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char).collect();
    format!("{}-{}", &chars[..5], &chars[5..])
}

fn normalize_recovery(code: &str) -> String {
    code.trim().to_lowercase()
}

async fn new_recovery_codes(conn: &impl ConnectionTrait, user: Uuid) -> AppResult<Vec<String>> {
    recovery_code::Entity::delete_many().filter(recovery_code::Column::UserId.eq(user)).exec(conn).await?;
    let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| recovery_code_text()).collect();
    recovery_code::Entity::insert_many(codes.iter().map(|code| recovery_code::ActiveModel {
        id: Set(new_id()),
        user_id: Set(user),
        code_hash: Set(token::digest(&normalize_recovery(code))),
        used_at: Set(None),
    }))
    .exec_without_returning(conn)
    .await?;
    Ok(codes)
}

/// A challenge for `user`, whose password was right: its token (shown once).
pub async fn challenge(conn: &impl ConnectionTrait, request: &RequestContext, user: &user::Model) -> AppResult<String> {
    let secret_token = token::generate();
    let now = request.now();
    challenge::Entity::insert(challenge::ActiveModel {
        id: Set(new_id()),
        user_id: Set(user.id),
        tenant_id: Set(user.tenant_id),
        token_hash: Set(token::digest(&secret_token)),
        attempts: Set(0),
        expires_at: Set(now + Duration::minutes(CHALLENGE_MINUTES)),
        used_at: Set(None),
        created_at: Set(now),
    })
    .exec_without_returning(conn)
    .await?;
    Ok(secret_token)
}

/// The user's secret once confirmed (two-factor on).
async fn confirmed_secret(conn: &impl ConnectionTrait, user: Uuid) -> AppResult<Option<secret::Model>> {
    Ok(secret::Entity::find_by_id(user).filter(secret::Column::ConfirmedAt.is_not_null()).one(conn).await?)
}

/// The second factor: a code, or a recovery code (exactly one).
pub enum Factor<'a> {
    Code(&'a str),
    Recovery(&'a str),
}

/// Completes a sign-in: checks the challenge and the factor, and opens the session. `conn` is the
/// request's database itself, not a transaction: the checks run statement by statement (each
/// guard a conditional update), so that a wrong code counts even though the call fails; the
/// challenge is spent and the session opened together, in a write transaction of their own.
pub async fn verify(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    challenge_token: &str,
    factor: Factor<'_>,
    settings: &crate::settings::IdentitySettings,
) -> AppResult<SignedIn> {
    let now = request.now();
    let invalid = || AppError::unauthenticated("the sign-in challenge is invalid or has expired; sign in again");
    let hash = token::digest(challenge_token.trim());
    let lookup = || {
        challenge::Entity::find()
            .filter(challenge::Column::TokenHash.eq(hash.clone()))
            .filter(challenge::Column::UsedAt.is_null())
            .filter(challenge::Column::ExpiresAt.gt(now))
            .one(conn)
    };
    let mut found = lookup().await?;
    // a superadmin's challenge has no tenant: on PostgreSQL a site's request sees it only once
    // widened to the installation's rows (a token no one holds costs a second look, no more)
    if found.is_none() && request.viewer.is_none() && request.db.include_installation().await? {
        found = lookup().await?;
    }
    let found = found.ok_or_else(invalid)?;
    // a superadmin's challenge answers anywhere; a tenant user's on their own site only
    if found.tenant_id.is_some() && found.tenant_id != request.tenant.as_ref().map(|t| t.id) {
        return Err(invalid());
    }
    let counted = challenge::Entity::update_many()
        .col_expr(challenge::Column::Attempts, Expr::col(challenge::Column::Attempts).add(1))
        .filter(challenge::Column::Id.eq(found.id))
        .filter(challenge::Column::Attempts.lt(MAX_CHALLENGE_ATTEMPTS))
        .filter(challenge::Column::UsedAt.is_null())
        .exec(conn)
        .await?
        .rows_affected;
    if counted == 0 {
        return Err(AppError::rate_limited("too many wrong codes for this sign-in; sign in again"));
    }
    let user = users::find(conn, found.user_id).await?;
    // and per account, across challenges: knowing the password must not buy endless guesses
    let attempt = count_attempt(conn, request, &user).await?;
    let accepted = match factor {
        Factor::Code(code) => {
            let stored = confirmed_secret(conn, user.id).await?.ok_or_else(invalid)?;
            let issuer = site_name(conn, request).await?;
            if !accept_code(conn, user.id, &stored, (&issuer, &user.email), code, now).await? {
                return Err(wrong_code("code"));
            }
            true
        }
        Factor::Recovery(code) => {
            recovery_code::Entity::update_many()
                .col_expr(recovery_code::Column::UsedAt, Expr::value(Some(now)))
                .filter(recovery_code::Column::UserId.eq(user.id))
                .filter(recovery_code::Column::CodeHash.eq(token::digest(&normalize_recovery(code))))
                .filter(recovery_code::Column::UsedAt.is_null())
                .exec(conn)
                .await?
                .rows_affected
                == 1
        }
    };
    if !accepted {
        return Err(AppError::bad_input("recoveryCode", "this recovery code is wrong or was used"));
    }
    attempt.succeeded(conn).await?;
    // the challenge spent and the session opened (with its device, place and alert): all or nothing
    kernel::write(request, async |txn| {
        let spent = challenge::Entity::update_many()
            .col_expr(challenge::Column::UsedAt, Expr::value(Some(now)))
            .filter(challenge::Column::Id.eq(found.id))
            .filter(challenge::Column::UsedAt.is_null())
            .exec(txn)
            .await?
            .rows_affected;
        if spent == 0 {
            return Err(invalid());
        }
        sessions::start(txn, request, user, settings).await
    })
    .await
}

/// Turns the viewer's two-factor off, with their password and a current code.
pub async fn disable(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    password_text: &str,
    code: &str,
) -> AppResult<()> {
    let viewer = request.viewer()?;
    let user = users::find(conn, viewer.user_id).await?;
    let stored =
        confirmed_secret(conn, user.id).await?.ok_or_else(|| AppError::conflict("two-factor sign-in is not on"))?;
    if request.tenant.as_ref().is_some_and(|t| t.features.two_factor_required) && viewer.role != Role::Superadmin {
        return Err(AppError::conflict("this site requires two-factor sign-in; it cannot be turned off here"));
    }
    let attempt = count_attempt(conn, request, &user).await?;
    request.db.commit().await?; // the connection is not held while the password is hashed
    if !password::verify(password_text, Some(&user.password_hash.0)).await? {
        return Err(AppError::bad_input("password", "the password is wrong").with_reason(Reason::WrongPassword));
    }
    let issuer = site_name(conn, request).await?;
    if !accept_code(conn, user.id, &stored, (&issuer, &user.email), code, request.now()).await? {
        return Err(wrong_code("code"));
    }
    attempt.succeeded(conn).await?;
    let now = request.now();
    kernel::write(request, async |txn| {
        remove(txn, user.id, now).await?;
        tell(txn, request, &user, "off", now).await
    })
    .await
}

/// Tells the user by e-mail that their two-factor sign-in was turned `state` (a security alert:
/// whoever holds a stolen session cannot do it unseen).
async fn tell(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    user: &user::Model,
    state: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let Some(tenant) = user.tenant_id else { return Ok(()) };
    notifications::notify(
        conn,
        notifications::Notice {
            tenant_id: tenant,
            kind: notifications::NotificationKind::TwoFactorChanged,
            cause: format!("2fa-{state}:{}:{}", user.id, now.timestamp_micros()),
            data: json!({ "state": state, "at": now.format("%Y-%m-%d %H:%M UTC").to_string(), "ip": request.client.ip }),
            recipient: users::recipient_of(user),
        },
        now,
    )
    .await?;
    Ok(())
}

/// Ends the user's pending sign-in challenges (their password changed).
pub async fn end_challenges(conn: &impl ConnectionTrait, user: Uuid, now: DateTime<Utc>) -> AppResult<u64> {
    Ok(challenge::Entity::update_many()
        .col_expr(challenge::Column::UsedAt, Expr::value(Some(now)))
        .filter(challenge::Column::UserId.eq(user))
        .filter(challenge::Column::UsedAt.is_null())
        .exec(conn)
        .await?
        .rows_affected)
}

async fn remove(conn: &impl ConnectionTrait, user: Uuid, now: DateTime<Utc>) -> AppResult<()> {
    secret::Entity::delete_by_id(user).exec(conn).await?;
    recovery_code::Entity::delete_many().filter(recovery_code::Column::UserId.eq(user)).exec(conn).await?;
    set_enabled(conn, user, false, now).await
}

/// An admin turns a user's two-factor off (a lost phone): audited, and the user is told by
/// e-mail. Admins for their site's users below them, superadmins for anyone's.
pub async fn reset(conn: &impl ConnectionTrait, request: &RequestContext, user_id: Uuid) -> AppResult<user::Model> {
    let viewer = request.require_role(&[Role::Admin, Role::Superadmin])?;
    let user = users::find(conn, user_id).await.map_err(|_| AppError::not_found("user"))?;
    let reachable = match viewer.role {
        Role::Superadmin => true,
        _ => user.tenant_id.is_some() && user.tenant_id == viewer.tenant_id && viewer.role.may_grant(user.role),
    };
    if !reachable {
        return Err(AppError::not_found("user"));
    }
    if !user.two_factor_enabled {
        return Err(AppError::conflict("this user does not sign in with two-factor"));
    }
    let now = request.now();
    remove(conn, user.id, now).await?;
    audit::record(
        conn,
        request,
        Change {
            action: "user.reset_two_factor",
            target_type: "user",
            target_id: Some(user.id.to_string()),
            tenant_id: user.tenant_id,
            before: Some(json!({ "twoFactor": true })),
            after: Some(json!({ "twoFactor": false })),
        },
    )
    .await?;
    if let Some(tenant) = user.tenant_id {
        notifications::notify(
            conn,
            notifications::Notice {
                tenant_id: tenant,
                kind: notifications::NotificationKind::TwoFactorReset,
                cause: format!("2fa-reset:{}:{}", user.id, now.timestamp_micros()),
                data: json!({ "by": viewer.display_name, "at": now.format("%Y-%m-%d %H:%M UTC").to_string() }),
                recipient: users::recipient_of(&user),
            },
            now,
        )
        .await?;
    }
    users::find(conn, user.id).await
}

/// Forgets challenges a day past their expiry; answers how many.
pub async fn purge(conn: &impl ConnectionTrait, now: DateTime<Utc>) -> AppResult<u64> {
    Ok(challenge::Entity::delete_many()
        .filter(challenge::Column::ExpiresAt.lt(now - Duration::days(1)))
        .exec(conn)
        .await?
        .rows_affected)
}
