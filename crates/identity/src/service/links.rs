//! Links e-mailed to a user that act once: a password reset (30 minutes), a magic sign-in
//! (15 minutes), and the "this wasn't me" link of a sign-in alert (7 days; see `alerts`). A
//! request answers the same whether or not the address has an account (no one learns who is a
//! user), counts against the account's and the address's hourly allowance, and e-mails a link to
//! the account when there is one. The token is 256 random bits; only its SHA-256 is kept, bound
//! to the tenant and the user; it is spent by the one conditional update that uses it, so two
//! uses of one link cannot both succeed. The link itself travels in the outbox until the e-mail
//! is sent, then is wiped (`NotificationKind::carries_secret`, `email_only_data`).

use chrono::Duration;
use kernel::{AppError, AppResult, Feature, RequestContext, new_id};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::json;

use crate::entity::login_link::{self, Entity as Links, LinkPurpose};
use crate::entity::user;
use crate::service::sessions::{self, SignInOutcome};
use crate::service::{throttle, token, users};

/// What every link request answers.
pub const REQUEST_ANSWER: &str = "If an account has this address, a link is on its way to it.";

impl LinkPurpose {
    fn minutes(self) -> i64 {
        match self {
            LinkPurpose::PasswordReset => 30,
            LinkPurpose::MagicLink => 15,
            LinkPurpose::NotMe => super::alerts::NOT_ME_DAYS * 24 * 60,
        }
    }

    /// The toggle a link needs (a "this wasn't me" link works on every site).
    fn feature(self) -> Option<Feature> {
        match self {
            LinkPurpose::PasswordReset => Some(Feature::PasswordReset),
            LinkPurpose::MagicLink => Some(Feature::MagicLinkLogin),
            LinkPurpose::NotMe => None,
        }
    }

    fn require_feature(self, request: &RequestContext) -> AppResult<()> {
        self.feature().map_or(Ok(()), |feature| request.require_feature(feature))
    }

    /// The site's page that takes the token.
    fn path(self) -> &'static str {
        match self {
            LinkPurpose::PasswordReset => "/reset-password",
            LinkPurpose::MagicLink => "/sign-in/link",
            LinkPurpose::NotMe => "/not-me",
        }
    }

    fn kind(self) -> notifications::NotificationKind {
        match self {
            LinkPurpose::PasswordReset => notifications::NotificationKind::PasswordReset,
            LinkPurpose::MagicLink => notifications::NotificationKind::MagicLink,
            LinkPurpose::NotMe => notifications::NotificationKind::SignInAlert,
        }
    }
}

/// The address of a site's pages: `https://` and its first domain; a development domain
/// (`localhost`, `*.localhost`) with the scheme and port of `public_url`. Never the request's
/// `Host`, which the asker chooses (a reset link pointing at their own server would hand them
/// the token).
pub fn site_url(domain: &str, public_url: &str) -> String {
    if domain == "localhost" || domain.ends_with(".localhost") {
        let (scheme, rest) = public_url.split_once("://").unwrap_or(("http", public_url));
        let authority = rest.split('/').next().unwrap_or("");
        let port = authority.rsplit_once(':').map(|(_, p)| p).filter(|p| p.chars().all(|c| c.is_ascii_digit()));
        return match port {
            Some(port) => format!("{scheme}://{domain}:{port}"),
            None => format!("{scheme}://{domain}"),
        };
    }
    format!("https://{domain}")
}

/// Asks for a link of `purpose` to be e-mailed to the account with this address in the
/// request's tenant. `public_url` places development sites (see [`site_url`]).
pub async fn request(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    purpose: LinkPurpose,
    email: &str,
    public_url: &str,
) -> AppResult<()> {
    let tenant = request.tenant()?;
    purpose.require_feature(request)?;
    let (_, normalized) = users::check_email("email", email)?;
    throttle::link_request(conn, request, &throttle::account_key(Some(tenant.id), &normalized)).await?;
    // a superadmin (no tenant) gets no link from a tenant's site
    let Some(user) =
        users::find_for_sign_in(conn, Some(tenant.id), &normalized).await?.filter(|u| u.tenant_id == Some(tenant.id))
    else {
        return Ok(());
    };
    send(conn, request, &user, purpose, public_url).await
}

/// E-mails `user` (of the request's site) a new link of `purpose`.
async fn send(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    user: &user::Model,
    purpose: LinkPurpose,
    public_url: &str,
) -> AppResult<()> {
    let tenant = request.tenant()?;
    let site = tenancy::service::tenants::find(conn, tenant.id).await?;
    let Some(domain) = site.domains.first() else {
        return Ok(()); // a site without a domain has no page to send anyone to
    };
    let now = request.now();
    let (id, link) = mint(conn, request, user, purpose, None, (domain, public_url)).await?;
    notifications::notify(
        conn,
        notifications::Notice {
            tenant_id: tenant.id,
            kind: purpose.kind(),
            cause: format!("link:{id}"),
            data: json!({ "link": link, "minutes": purpose.minutes() }),
            recipient: users::recipient_of(user),
        },
        now,
    )
    .await?;
    Ok(())
}

/// A new link of `purpose` for `user` (of the request's site), acting on `session` if it is about
/// one; answers its id and its address on the site's `domain` (see [`site_url`]).
pub(crate) async fn mint(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    user: &user::Model,
    purpose: LinkPurpose,
    session: Option<uuid::Uuid>,
    (domain, public_url): (&str, &str),
) -> AppResult<(uuid::Uuid, String)> {
    let secret = token::generate();
    let now = request.now();
    let id = new_id();
    Links::insert(login_link::ActiveModel {
        id: Set(id),
        tenant_id: Set(request.tenant()?.id),
        user_id: Set(user.id),
        purpose: Set(purpose),
        token_hash: Set(token::digest(&secret)),
        created_at: Set(now),
        expires_at: Set(now + Duration::minutes(purpose.minutes())),
        used_at: Set(None),
        ip: Set(request.client.ip.clone()),
        session_id: Set(session),
    })
    .exec_without_returning(conn)
    .await?;
    Ok((id, format!("{}{}?token={secret}", site_url(domain, public_url), purpose.path())))
}

fn invalid() -> AppError {
    AppError::bad_input("token", "this link does not work: it was used, it expired, or it is for another site")
}

/// Whether `secret` is a live link of `purpose` on the request's site (a cheap look, before the
/// expensive work a use of it needs: hashing a new password).
pub async fn is_live(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    purpose: LinkPurpose,
    secret: &str,
) -> AppResult<()> {
    let tenant = request.tenant()?;
    purpose.require_feature(request)?;
    Links::find()
        .filter(login_link::Column::TokenHash.eq(token::digest(secret.trim())))
        .filter(login_link::Column::Purpose.eq(purpose))
        .filter(login_link::Column::TenantId.eq(tenant.id))
        .filter(login_link::Column::UsedAt.is_null())
        .filter(login_link::Column::ExpiresAt.gt(request.now()))
        .one(conn)
        .await?
        .map(|_| ())
        .ok_or_else(invalid)
}

/// Spends the link of `purpose` whose token this is, in the request's tenant; answers it and its
/// user.
async fn redeem(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    purpose: LinkPurpose,
    secret: &str,
) -> AppResult<(login_link::Model, user::Model)> {
    let tenant = request.tenant()?;
    purpose.require_feature(request)?;
    let hash = token::digest(secret.trim());
    let now = request.now();
    let spent = Links::update_many()
        .col_expr(login_link::Column::UsedAt, Expr::value(Some(now)))
        .filter(login_link::Column::TokenHash.eq(hash.clone()))
        .filter(login_link::Column::Purpose.eq(purpose))
        .filter(login_link::Column::TenantId.eq(tenant.id))
        .filter(login_link::Column::UsedAt.is_null())
        .filter(login_link::Column::ExpiresAt.gt(now))
        .exec(conn)
        .await?
        .rows_affected;
    if spent == 0 {
        return Err(invalid());
    }
    let link = Links::find().filter(login_link::Column::TokenHash.eq(hash)).one(conn).await?.ok_or_else(invalid)?;
    let user = users::find(conn, link.user_id).await?;
    if user.tenant_id != Some(tenant.id) {
        return Err(invalid());
    }
    Ok((link, user))
}

/// Sets a new password with a reset link (`new_hash`: the new password, checked and hashed): every
/// session of the user ends, the user's other links die, and they are told by e-mail.
pub async fn reset_password(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    secret: &str,
    new_hash: String,
) -> AppResult<()> {
    let (_, user) = redeem(conn, request, LinkPurpose::PasswordReset, secret).await?;
    let now = request.now();
    user::Entity::update_many()
        .col_expr(user::Column::PasswordHash, Expr::value(new_hash))
        .col_expr(user::Column::UpdatedAt, Expr::value(now))
        .filter(user::Column::Id.eq(user.id))
        .exec(conn)
        .await?;
    sessions::revoke_all_of(conn, user.id, now).await?;
    super::two_factor::end_challenges(conn, user.id, now).await?;
    spend_all_of(conn, user.id, now).await?;
    notifications::notify(
        conn,
        notifications::Notice {
            tenant_id: request.tenant()?.id,
            kind: notifications::NotificationKind::PasswordChanged,
            cause: format!("password:{}:{}", user.id, now.timestamp_micros()),
            data: json!({ "at": now.format("%Y-%m-%d %H:%M UTC").to_string() }),
            recipient: users::recipient_of(&user),
        },
        now,
    )
    .await?;
    Ok(())
}

/// Answers a "this wasn't me" link of a sign-in alert: ends the session it told of (and every
/// other of that browser, which is forgotten) and, where the site lets users reset their
/// password, e-mails the account a reset link. A used, expired or
/// other site's link is `BAD_USER_INPUT` on `token` and changes nothing.
pub async fn not_me(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    secret: &str,
    public_url: &str,
) -> AppResult<()> {
    let (link, user) = redeem(conn, request, LinkPurpose::NotMe, secret).await?;
    if let Some(session) = link.session_id {
        // the browser is forgotten with every session it holds, so that a sign-in from it again
        // is a new device (and alerts) however the user's alerts are set
        match super::devices::of_session(conn, session).await? {
            Some(device) => {
                super::devices::forget_of(conn, user.id, device, request.now()).await?;
            }
            None => {
                sessions::end_one_of(conn, user.id, session, request.now()).await?;
            }
        }
    }
    if request.require_feature(Feature::PasswordReset).is_ok() {
        send(conn, request, &user, LinkPurpose::PasswordReset, public_url).await?;
    }
    Ok(())
}

/// Spends every live link of `user` (their password changed: an old link must not change it
/// again), but for "this wasn't me" links: whoever changed it may be the one to throw out.
pub async fn spend_all_of(
    conn: &impl ConnectionTrait,
    user: uuid::Uuid,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<u64> {
    Ok(Links::update_many()
        .col_expr(login_link::Column::UsedAt, Expr::value(Some(now)))
        .filter(login_link::Column::UserId.eq(user))
        .filter(login_link::Column::UsedAt.is_null())
        .filter(login_link::Column::Purpose.ne(LinkPurpose::NotMe))
        .exec(conn)
        .await?
        .rows_affected)
}

/// Signs in with a magic link: what a password gives (a session, or the second-factor
/// challenge when the user signs in with two factors).
pub async fn sign_in(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    secret: &str,
    settings: &crate::settings::IdentitySettings,
) -> AppResult<SignInOutcome> {
    let (_, user) = redeem(conn, request, LinkPurpose::MagicLink, secret).await?;
    sessions::open(conn, request, user, settings).await
}

/// Forgets links expired more than a day ago; answers how many.
pub async fn purge(conn: &impl ConnectionTrait, now: chrono::DateTime<chrono::Utc>) -> AppResult<u64> {
    Ok(Links::delete_many()
        .filter(login_link::Column::ExpiresAt.lt(now - Duration::days(1)))
        .exec(conn)
        .await?
        .rows_affected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_go_to_the_sites_own_domain() {
        assert_eq!(site_url("essays.example", "http://localhost:8080"), "https://essays.example");
        assert_eq!(site_url("localhost", "http://localhost:8080"), "http://localhost:8080");
        assert_eq!(site_url("papers.localhost", "http://localhost:8080/"), "http://papers.localhost:8080");
        assert_eq!(site_url("papers.localhost", "https://example.org"), "https://papers.localhost");
    }
}
