//! Login alerts: a user hears of a sign-in to their account from a device or a place not seen
//! before (and of every sign-in, if they ask), through the outbox on the channels they chose for
//! `SIGN_IN_ALERT`. The e-mail carries a single-use "this wasn't me" link that ends that session
//! and sends a password reset link. One alert per session at most (the outbox's unique cause).

use kernel::{AppError, AppResult, RequestContext, Role};
use notifications::NotificationKind;
use notifications::service::preferences::{self, Channels};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, EntityTrait};
use serde_json::json;

use crate::entity::alert_preference::{self, Entity as AlertPreferences};
use crate::entity::login_link::LinkPurpose;
use crate::entity::{session, user};
use crate::service::devices::{self, Seen};
use crate::service::{links, users};

/// Which sign-ins a user hears of, and on which channels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginAlerts {
    pub new_login: bool,
    pub new_device: bool,
    pub new_location: bool,
    pub channels: Channels,
}

/// The defaults: a new device or a new place, on every channel; not every sign-in (that would
/// be noise for someone who signs in daily).
const DEFAULT_TRIGGERS: (bool, bool, bool) = (false, true, true);

/// A change to the viewer's login alerts; a field left out keeps its value.
#[derive(Debug, Clone, Copy, Default, async_graphql::InputObject)]
#[graphql(name = "LoginAlertPreferencesInput")]
pub struct LoginAlertsChange {
    pub new_login: Option<bool>,
    pub new_device: Option<bool>,
    pub new_location: Option<bool>,
    pub email: Option<bool>,
    pub push: Option<bool>,
    pub in_app: Option<bool>,
}

async fn triggers(conn: &impl ConnectionTrait, user: uuid::Uuid) -> AppResult<(bool, bool, bool)> {
    Ok(AlertPreferences::find_by_id(user)
        .one(conn)
        .await?
        .map_or(DEFAULT_TRIGGERS, |p| (p.new_login, p.new_device, p.new_location)))
}

/// Login alerts come from a site: a superadmin, who belongs to none, has none.
fn site_user(request: &RequestContext) -> AppResult<(uuid::Uuid, uuid::Uuid)> {
    let viewer = request.viewer()?;
    match viewer.tenant_id {
        Some(tenant) if viewer.role != Role::Superadmin => Ok((viewer.user_id, tenant)),
        _ => Err(AppError::forbidden("login alerts are sent by a site; a superadmin has none")),
    }
}

/// The viewer's login alert preferences.
pub async fn preferences(conn: &impl ConnectionTrait, request: &RequestContext) -> AppResult<LoginAlerts> {
    let (user, tenant) = site_user(request)?;
    let (new_login, new_device, new_location) = triggers(conn, user).await?;
    let channels = preferences::channels(conn, tenant, user, NotificationKind::SignInAlert).await?;
    Ok(LoginAlerts { new_login, new_device, new_location, channels })
}

/// Changes the viewer's login alert preferences; answers them as they now are.
pub async fn update(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    change: LoginAlertsChange,
) -> AppResult<LoginAlerts> {
    let (user, tenant) = site_user(request)?;
    let current = preferences(conn, request).await?;
    let next = LoginAlerts {
        new_login: change.new_login.unwrap_or(current.new_login),
        new_device: change.new_device.unwrap_or(current.new_device),
        new_location: change.new_location.unwrap_or(current.new_location),
        channels: Channels {
            email: change.email.unwrap_or(current.channels.email),
            push: change.push.unwrap_or(current.channels.push),
            in_app: change.in_app.unwrap_or(current.channels.in_app),
        },
    };
    AlertPreferences::insert(alert_preference::ActiveModel {
        user_id: Set(user),
        tenant_id: Set(Some(tenant)),
        new_login: Set(next.new_login),
        new_device: Set(next.new_device),
        new_location: Set(next.new_location),
        updated_at: Set(request.now()),
    })
    .on_conflict(
        OnConflict::column(alert_preference::Column::UserId)
            .update_columns([
                alert_preference::Column::NewLogin,
                alert_preference::Column::NewDevice,
                alert_preference::Column::NewLocation,
                alert_preference::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    if next.channels != current.channels {
        preferences::update(conn, request, &[(NotificationKind::SignInAlert, next.channels)]).await?;
    }
    Ok(next)
}

/// Why a sign-in is news to its user, given what they asked to hear of.
fn news(seen: &Seen, (new_login, new_device, new_location): (bool, bool, bool)) -> Option<&'static str> {
    match (new_device && seen.new_device, new_location && seen.new_place) {
        (true, true) => Some("a new device, in a new place"),
        (true, false) => Some("a new device"),
        (false, true) => Some("a new place"),
        (false, false) => new_login.then_some("a sign-in"),
    }
}

/// How long a "this wasn't me" link works.
pub const NOT_ME_DAYS: i64 = 7;

/// Tells `user` of the sign-in that opened `session`, when it is news to them.
pub async fn on_sign_in(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    user: &user::Model,
    session: &session::Model,
    seen: &Seen,
    public_url: &str,
) -> AppResult<()> {
    let Some(tenant_id) = user.tenant_id.filter(|_| user.role != Role::Superadmin) else {
        return Ok(());
    };
    let Some(why) = news(seen, triggers(conn, user.id).await?) else { return Ok(()) };
    let channels = preferences::channels(conn, tenant_id, user.id, NotificationKind::SignInAlert).await?;
    if !channels.email && !channels.in_app && !channels.push {
        return Ok(());
    }
    let now = request.now();
    let mut data = json!({
        "at": now.format("%Y-%m-%d %H:%M UTC").to_string(),
        "device": devices::display_name(&seen.device),
        "place": seen.place,
        "ip": session.ip,
        "why": why,
    });
    // the link goes by e-mail alone (see `NotificationKind::email_only_data`): none without one,
    // and none from a site without a domain (no page to open it on)
    let site = tenancy::service::tenants::find(conn, tenant_id).await?;
    if let (true, Some(domain)) = (channels.email, site.domains.first()) {
        let (_, link) =
            links::mint(conn, request, user, LinkPurpose::NotMe, Some(session.id), (domain, public_url)).await?;
        data["link"] = json!(link);
        data["days"] = json!(NOT_ME_DAYS);
    }
    notifications::notify(
        conn,
        notifications::Notice {
            tenant_id,
            kind: NotificationKind::SignInAlert,
            cause: format!("session:{}", session.id),
            data,
            recipient: users::recipient_of(user),
        },
        now,
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(new_device: bool, new_place: bool) -> Seen {
        let now = chrono::Utc::now();
        Seen {
            device: crate::entity::device::Model {
                id: kernel::new_id(),
                tenant_id: None,
                user_id: kernel::new_id(),
                cookie_hash: String::new(),
                name: None,
                browser: "Firefox".into(),
                os: "Linux".into(),
                first_seen_at: now,
                last_seen_at: now,
                last_ip: None,
                last_place: None,
            },
            cookie: String::new(),
            new_device,
            new_place,
            place: None,
        }
    }

    #[test]
    fn a_sign_in_is_news_only_as_the_user_chose() {
        assert_eq!(news(&seen(true, true), DEFAULT_TRIGGERS), Some("a new device, in a new place"));
        assert_eq!(news(&seen(false, true), DEFAULT_TRIGGERS), Some("a new place"));
        assert_eq!(news(&seen(false, false), DEFAULT_TRIGGERS), None);
        assert_eq!(news(&seen(true, false), (false, false, true)), None);
        assert_eq!(news(&seen(false, false), (true, false, false)), Some("a sign-in"));
        assert_eq!(news(&seen(true, false), (true, true, false)), Some("a new device"));
    }
}
