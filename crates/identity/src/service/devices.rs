//! Devices: the browsers a user signs in from. A browser carries a long-lived, HttpOnly device
//! cookie (256 random bits; only its SHA-256 is kept); its user agent names it ("Firefox on
//! Windows"). Each sign-in records its device and its place (see `location`), and says whether
//! either is new to the user: the unique keys decide it, so two sign-ins at once cannot both be
//! the first from a device.

use kernel::{AppError, AppResult, RequestContext, new_id};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::entity::device::{self, Entity as Devices};
use crate::entity::login_place::{self, Entity as Places};
use crate::entity::{session, user};
use crate::service::{sessions, token};
use serde_json::json;
use tenancy::service::audit::{self, Change};

/// The browser cookie naming the device (HttpOnly, SameSite=Lax, 400 days: browsers keep a
/// cookie no longer).
pub const DEVICE_COOKIE: &str = "scriptorium_device";
pub const DEVICE_COOKIE_DAYS: i64 = 400;
/// The most devices listed (the most recently seen).
const LIST_LIMIT: u64 = 100;
const NAME_MAX: usize = 60;

/// A device cookie as a client presented it, if it has the shape of one (else a new one is made).
pub fn presented_cookie(value: Option<&str>) -> Option<&str> {
    value.filter(|v| v.len() == 43 && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
}

/// The browser and the system a user agent names, as "Firefox" and "Windows 10".
pub fn describe(user_agent: Option<&str>) -> (String, String) {
    let parsed = user_agent.and_then(|ua| woothee::parser::Parser::new().parse(ua));
    let known = |s: &str| (!s.is_empty() && s != woothee::woothee::VALUE_UNKNOWN).then(|| s.to_owned());
    let browser = parsed.as_ref().and_then(|p| known(p.name)).unwrap_or_else(|| "Unknown browser".into());
    let os = parsed.as_ref().and_then(|p| known(p.os)).unwrap_or_else(|| "unknown system".into());
    (browser, os)
}

/// The name a device goes by: the user's, or its browser on its system.
pub fn display_name(d: &device::Model) -> String {
    d.name.clone().unwrap_or_else(|| format!("{} on {}", d.browser, d.os))
}

/// What a sign-in is, seen from the user's devices and places.
#[derive(Debug, Clone)]
pub struct Seen {
    pub device: device::Model,
    /// The device cookie to (re)set in the browser.
    pub cookie: String,
    /// The user had signed in before, but never from this device.
    pub new_device: bool,
    /// The user had signed in before, but never from this place.
    pub new_place: bool,
    pub place: Option<String>,
}

/// Records a sign-in of `user` from the request's browser and place.
pub async fn recognise(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    user: &user::Model,
    place: Option<String>,
) -> AppResult<Seen> {
    let now = request.now();
    let cookie = presented_cookie(request.client.device.as_deref()).map_or_else(token::generate, str::to_owned);
    let cookie_hash = token::digest(&cookie);
    let (browser, os) = describe(request.client.user_agent.as_deref());
    let inserted = Devices::insert(device::ActiveModel {
        id: Set(new_id()),
        tenant_id: Set(user.tenant_id),
        user_id: Set(user.id),
        cookie_hash: Set(cookie_hash.clone()),
        name: Set(None),
        browser: Set(browser.clone()),
        os: Set(os.clone()),
        first_seen_at: Set(now),
        last_seen_at: Set(now),
        last_ip: Set(request.client.ip.clone()),
        last_place: Set(place.clone()),
    })
    .on_conflict(OnConflict::columns([device::Column::UserId, device::Column::CookieHash]).do_nothing().to_owned())
    .exec_without_returning(conn)
    .await?;
    if inserted == 0 {
        Devices::update_many()
            .col_expr(device::Column::LastSeenAt, Expr::value(now))
            .col_expr(device::Column::LastIp, Expr::value(request.client.ip.clone()))
            .col_expr(device::Column::LastPlace, Expr::value(place.clone()))
            .col_expr(device::Column::Browser, Expr::value(browser))
            .col_expr(device::Column::Os, Expr::value(os))
            .filter(device::Column::UserId.eq(user.id))
            .filter(device::Column::CookieHash.eq(cookie_hash.clone()))
            .exec(conn)
            .await?;
    }
    let device = Devices::find()
        .filter(device::Column::UserId.eq(user.id))
        .filter(device::Column::CookieHash.eq(cookie_hash.clone()))
        .one(conn)
        .await?
        .ok_or_else(|| AppError::internal("a device just recorded is missing"))?;
    let place_inserted = match &place {
        Some(place) => record_place(conn, user, place, now).await?,
        None => false,
    };
    // the first device (or place) of an account is no news: one is new only to an account that
    // has signed in before (a session, or another device or place, is on record)
    let known_before =
        (inserted == 1 || place_inserted) && signed_in_before(conn, user.id, device.id, place.as_deref()).await?;
    let (new_device, new_place) = (inserted == 1 && known_before, place_inserted && known_before);
    Ok(Seen { device, cookie, new_device, new_place, place })
}

/// Records that `user` signed in from `place`; answers whether it is the first time.
async fn record_place(
    conn: &impl ConnectionTrait,
    user: &user::Model,
    place: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<bool> {
    let inserted = Places::insert(login_place::ActiveModel {
        user_id: Set(user.id),
        place: Set(place.to_owned()),
        tenant_id: Set(user.tenant_id),
        first_seen_at: Set(now),
        last_seen_at: Set(now),
    })
    .on_conflict(OnConflict::columns([login_place::Column::UserId, login_place::Column::Place]).do_nothing().to_owned())
    .exec_without_returning(conn)
    .await?;
    if inserted == 0 {
        Places::update_many()
            .col_expr(login_place::Column::LastSeenAt, Expr::value(now))
            .filter(login_place::Column::UserId.eq(user.id))
            .filter(login_place::Column::Place.eq(place))
            .exec(conn)
            .await?;
    }
    Ok(inserted == 1)
}

/// Whether `user` had signed in before this sign-in (from `device`, at `place`): a session, or
/// another device or place, on record.
async fn signed_in_before(
    conn: &impl ConnectionTrait,
    user: Uuid,
    device: Uuid,
    place: Option<&str>,
) -> AppResult<bool> {
    if sessions::has_any(conn, user).await? {
        return Ok(true);
    }
    let other_device = Devices::find()
        .select_only()
        .column(device::Column::Id)
        .filter(device::Column::UserId.eq(user))
        .filter(device::Column::Id.ne(device))
        .into_tuple::<Uuid>()
        .one(conn)
        .await?;
    if other_device.is_some() {
        return Ok(true);
    }
    let mut places =
        Places::find().select_only().column(login_place::Column::Place).filter(login_place::Column::UserId.eq(user));
    if let Some(place) = place {
        places = places.filter(login_place::Column::Place.ne(place));
    }
    Ok(places.into_tuple::<String>().one(conn).await?.is_some())
}

/// The viewer's devices, most recently seen first.
pub async fn list(conn: &impl ConnectionTrait, request: &RequestContext) -> AppResult<Vec<device::Model>> {
    let viewer = request.viewer()?;
    Ok(Devices::find()
        .filter(device::Column::UserId.eq(viewer.user_id))
        .order_by_desc(device::Column::LastSeenAt)
        .limit(LIST_LIMIT)
        .all(conn)
        .await?)
}

/// The devices with these ids (of any user: callers scope them), for labelling sessions.
pub async fn by_ids(conn: &impl ConnectionTrait, ids: Vec<Uuid>) -> AppResult<Vec<device::Model>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(Devices::find().filter(device::Column::Id.is_in(kernel::db::in_list(&ids))).all(conn).await?)
}

/// One of the viewer's devices; another user's (or none) is `NOT_FOUND`.
async fn own(conn: &impl ConnectionTrait, request: &RequestContext, id: Uuid) -> AppResult<device::Model> {
    let viewer = request.viewer()?;
    Devices::find_by_id(id)
        .filter(device::Column::UserId.eq(viewer.user_id))
        .one(conn)
        .await?
        .ok_or_else(|| AppError::not_found("device"))
}

/// Names one of the viewer's devices (1 to 60 characters).
pub async fn rename(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    id: Uuid,
    name: &str,
) -> AppResult<device::Model> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > NAME_MAX || name.chars().any(char::is_control) {
        return Err(AppError::bad_input("name", format!("a device's name is 1 to {NAME_MAX} characters, on one line")));
    }
    let mut found = own(conn, request, id).await?;
    Devices::update_many()
        .col_expr(device::Column::Name, Expr::value(Some(name.to_owned())))
        .filter(device::Column::Id.eq(found.id))
        .exec(conn)
        .await?;
    found.name = Some(name.to_owned());
    Ok(found)
}

/// Forgets one of the viewer's devices and ends its sessions (the current one too, when it is
/// this device); a later sign-in from it is a new device again. Answers how many sessions ended.
pub async fn forget(conn: &impl ConnectionTrait, request: &RequestContext, id: Uuid) -> AppResult<u64> {
    let found = own(conn, request, id).await?;
    let ended = forget_of(conn, found.user_id, found.id, request.now()).await?;
    audit::record_own(
        conn,
        request,
        Change {
            action: "device.forget",
            target_type: "device",
            target_id: Some(found.id.to_string()),
            tenant_id: None,
            before: Some(json!({ "name": display_name(&found), "sessionsEnded": ended })),
            after: None,
        },
    )
    .await?;
    Ok(ended)
}

/// Forgets `user`'s device `device` and ends its sessions; answers how many ended.
pub async fn forget_of(
    conn: &impl ConnectionTrait,
    user: Uuid,
    device: Uuid,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<u64> {
    let ended = sessions::end_of_device(conn, user, device, now).await?;
    Devices::delete_many()
        .filter(device::Column::Id.eq(device))
        .filter(device::Column::UserId.eq(user))
        .exec(conn)
        .await?;
    Ok(ended)
}

/// The device of a session, if it has one.
pub async fn of_session(conn: &impl ConnectionTrait, session_id: Uuid) -> AppResult<Option<Uuid>> {
    Ok(session::Entity::find_by_id(session_id)
        .select_only()
        .column(session::Column::DeviceId)
        .into_tuple::<Option<Uuid>>()
        .one(conn)
        .await?
        .flatten())
}

/// Forgets devices and places unseen for longer than a browser keeps the device cookie (a sign-in
/// from them would be new anyway); answers how many of each. Run by the housekeeping.
pub async fn purge(conn: &impl ConnectionTrait, now: chrono::DateTime<chrono::Utc>) -> AppResult<(u64, u64)> {
    let before = now - chrono::Duration::days(DEVICE_COOKIE_DAYS);
    let devices = Devices::delete_many().filter(device::Column::LastSeenAt.lt(before)).exec(conn).await?.rows_affected;
    let places =
        Places::delete_many().filter(login_place::Column::LastSeenAt.lt(before)).exec(conn).await?.rows_affected;
    Ok((devices, places))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_agents_name_the_browser_and_system() {
        let firefox = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";
        let (browser, os) = describe(Some(firefox));
        assert_eq!(browser, "Firefox");
        assert!(os.starts_with("Windows"), "{os}");
        let safari = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
        assert_eq!(describe(Some(safari)), ("Safari".into(), "iPhone".into()));
        assert_eq!(describe(None), ("Unknown browser".into(), "unknown system".into()));
        assert_eq!(describe(Some("curl/8.5.0")).0, "HTTP Library");
        assert_eq!(describe(Some("")).0, "Unknown browser");
    }

    #[test]
    fn only_a_cookie_of_the_right_shape_is_taken() {
        let good = token::generate();
        assert_eq!(presented_cookie(Some(&good)), Some(good.as_str()));
        assert_eq!(presented_cookie(Some("short")), None);
        assert_eq!(presented_cookie(Some(&format!("{}!", &good[..42]))), None);
        assert_eq!(presented_cookie(None), None);
    }
}
