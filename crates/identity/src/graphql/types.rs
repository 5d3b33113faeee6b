use async_graphql::{Context, ID, Object, Result, SimpleObject};
use kernel::{ContextExt, Inline, Role, Timestamp, Viewer};
use tenancy::graphql::{CurrentTenant, TenantView};

use crate::entity::device;
use crate::entity::{session, user};
use crate::service::{alerts, devices, sessions};

/// A user of the tenant, as admins see them.
#[derive(SimpleObject)]
pub struct User {
    pub id: ID,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub created_at: Timestamp,
}

impl From<user::Model> for User {
    fn from(m: user::Model) -> Self {
        Self {
            id: ID(m.id.to_string()),
            email: m.email,
            display_name: m.display_name,
            role: m.role,
            created_at: m.created_at.into(),
        }
    }
}

/// Someone as others see them: name and role, no contact details.
#[derive(SimpleObject, Clone)]
pub struct Person {
    pub id: ID,
    pub display_name: String,
    pub role: Role,
}

impl kernel::WaitsOnIo for Person {}

impl From<&crate::loaders::PersonRow> for Person {
    fn from(u: &crate::loaders::PersonRow) -> Self {
        Person { id: ID(u.id.to_string()), display_name: u.display_name.clone(), role: u.role }
    }
}

impl Person {
    /// Loads a person through the request's user loader (batched with every other lookup).
    /// Resolved inline (see [`Inline`]): pages repeat people hundreds of times.
    pub async fn load(ctx: &Context<'_>, id: Option<uuid::Uuid>) -> Result<Option<Inline<Person>>> {
        let Some(id) = id else { return Ok(None) };
        let loader = ctx.data_unchecked::<async_graphql::dataloader::DataLoader<crate::loaders::UserLoader>>();
        Ok(loader.load_one(id).await?.as_ref().map(|row| Inline(Person::from(row))))
    }

    /// Users by id in one statement, for callers that prefetch a whole page's people.
    pub async fn load_all(
        ctx: &Context<'_>,
        ids: Vec<uuid::Uuid>,
    ) -> Result<std::collections::HashMap<uuid::Uuid, Person>> {
        use async_graphql::dataloader::Loader;
        if ids.is_empty() {
            return Ok(Default::default());
        }
        let loader = ctx.data_unchecked::<async_graphql::dataloader::DataLoader<crate::loaders::UserLoader>>();
        Ok(loader.loader().load(&ids).await?.iter().map(|(id, u)| (*id, Person::from(u))).collect())
    }
}

/// The result of signing in: the bearer token (shown once) and who it is for; or, for a user who
/// signs in with two factors, neither, and the challenge to complete with `verifySecondFactor`.
#[derive(SimpleObject)]
pub struct AuthPayload {
    pub token: Option<String>,
    pub user: Option<User>,
    /// Set when a second factor is needed (5 minutes, 5 attempts).
    pub two_factor_challenge: Option<String>,
}

/// What `signUp` answers, the same whether the address was free or not.
#[derive(SimpleObject)]
pub struct SignUpResult {
    pub message: String,
}

/// One of the viewer's signed-in sessions.
#[derive(SimpleObject)]
#[graphql(name = "Session")]
pub struct SessionView {
    pub id: ID,
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
    pub expires_at: Timestamp,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// Where it was opened from, approximately: "City, Country", or the address's network.
    pub location: Option<String>,
    /// The device it was opened on (none for sessions older than devices).
    pub device_id: Option<ID>,
    /// The device's name ("Firefox on Windows", or the viewer's own).
    pub device_name: Option<String>,
    pub browser: Option<String>,
    pub os: Option<String>,
    /// Whether this is the session making the request.
    pub current: bool,
}

impl SessionView {
    fn new(m: &session::Model, current: uuid::Uuid, devices: &[device::Model]) -> Self {
        let on = m.device_id.and_then(|id| devices.iter().find(|d| d.id == id));
        Self {
            id: ID(m.id.to_string()),
            created_at: m.created_at.into(),
            last_seen_at: m.last_seen_at.into(),
            expires_at: m.expires_at.into(),
            ip: m.ip.clone(),
            user_agent: m.user_agent.clone(),
            location: m.place.clone(),
            device_id: on.map(|d| ID(d.id.to_string())),
            device_name: on.map(crate::service::devices::display_name),
            browser: on.map(|d| d.browser.clone()),
            os: on.map(|d| d.os.clone()),
            current: m.id == current,
        }
    }
}

/// A browser the viewer has signed in from (known by a long-lived cookie).
#[derive(SimpleObject)]
pub struct Device {
    pub id: ID,
    /// The viewer's name for it, or "<browser> on <system>".
    pub name: String,
    pub browser: String,
    pub os: String,
    pub first_seen_at: Timestamp,
    pub last_seen_at: Timestamp,
    pub last_ip: Option<String>,
    /// Where it was last, approximately: "City, Country", or the address's network.
    pub location: Option<String>,
    /// Whether the request comes from it.
    pub current: bool,
    /// Its live sessions, most recently seen first.
    pub sessions: Vec<SessionView>,
}

impl Device {
    fn new(d: &device::Model, viewer: &Viewer, live: &[session::Model], all: &[device::Model]) -> Self {
        let current = live.iter().any(|s| s.id == viewer.session_id && s.device_id == Some(d.id));
        Self {
            id: ID(d.id.to_string()),
            name: crate::service::devices::display_name(d),
            browser: d.browser.clone(),
            os: d.os.clone(),
            first_seen_at: d.first_seen_at.into(),
            last_seen_at: d.last_seen_at.into(),
            last_ip: d.last_ip.clone(),
            location: d.last_place.clone(),
            current,
            sessions: live
                .iter()
                .filter(|s| s.device_id == Some(d.id))
                .map(|s| SessionView::new(s, viewer.session_id, all))
                .collect(),
        }
    }

    /// The view of one of the viewer's devices, with its live sessions.
    pub async fn load_one(ctx: &Context<'_>, d: device::Model) -> Result<Self> {
        let request = ctx.request();
        let live = sessions::list_live(&request.db, request).await?;
        let all = std::slice::from_ref(&d);
        Ok(Self::new(&d, me(ctx)?, &live, all))
    }
}

/// Which sign-ins the viewer is alerted of (from a new device, from a new place, every one), and
/// on which channels.
#[derive(SimpleObject)]
pub struct LoginAlertPreferences {
    pub new_login: bool,
    pub new_device: bool,
    pub new_location: bool,
    pub email: bool,
    pub push: bool,
    pub in_app: bool,
}

impl From<alerts::LoginAlerts> for LoginAlertPreferences {
    fn from(a: alerts::LoginAlerts) -> Self {
        Self {
            new_login: a.new_login,
            new_device: a.new_device,
            new_location: a.new_location,
            email: a.channels.email,
            push: a.channels.push,
            in_app: a.channels.in_app,
        }
    }
}

/// Identity's part of `viewer`: the signed-in user, and what only they may see of themselves.
/// The gateway merges it with the other contexts' parts and answers `viewer` only when someone
/// is signed in.
#[derive(Default)]
pub struct ViewerPart;

fn me<'a>(ctx: &'a Context<'_>) -> Result<&'a Viewer> {
    Ok(ctx.request().viewer()?)
}

#[Object(name = "IdentityViewerPart")]
impl ViewerPart {
    async fn id(&self, ctx: &Context<'_>) -> Result<ID> {
        Ok(ID(me(ctx)?.user_id.to_string()))
    }
    async fn email(&self, ctx: &Context<'_>) -> Result<String> {
        Ok(me(ctx)?.email.clone())
    }
    async fn display_name(&self, ctx: &Context<'_>) -> Result<String> {
        Ok(me(ctx)?.display_name.clone())
    }
    async fn role(&self, ctx: &Context<'_>) -> Result<Role> {
        Ok(me(ctx)?.role)
    }
    /// Whether the user signs in with a second factor (an authenticator app).
    async fn two_factor_enabled(&self, ctx: &Context<'_>) -> Result<bool> {
        Ok(me(ctx)?.two_factor)
    }
    /// The tenant the user belongs to; null for superadmins, who belong to none.
    async fn tenant(&self, ctx: &Context<'_>) -> Result<Option<TenantView>> {
        if me(ctx)?.tenant_id.is_none() {
            return Ok(None);
        }
        Ok(ctx.data_opt::<CurrentTenant>().and_then(|c| c.0.clone()).map(TenantView))
    }
    /// Live sessions, most recently seen first.
    async fn sessions(&self, ctx: &Context<'_>) -> Result<Vec<SessionView>> {
        let request = ctx.request();
        let current = me(ctx)?.session_id;
        let live = sessions::list_live(&request.db, request).await?;
        let ids: Vec<uuid::Uuid> = live.iter().filter_map(|s| s.device_id).collect();
        let on = devices::by_ids(&request.db, ids).await?;
        Ok(live.iter().map(|s| SessionView::new(s, current, &on)).collect())
    }
    /// The browsers the user has signed in from, most recently seen first (at most 100).
    async fn devices(&self, ctx: &Context<'_>) -> Result<Vec<Device>> {
        let request = ctx.request();
        let viewer = me(ctx)?;
        let known = devices::list(&request.db, request).await?;
        let live = sessions::list_live(&request.db, request).await?;
        Ok(known.iter().map(|d| Device::new(d, viewer, &live, &known)).collect())
    }
    /// Which sign-ins the user is alerted of, and how (a superadmin, who belongs to no site,
    /// has none: `FORBIDDEN`).
    async fn login_alert_preferences(&self, ctx: &Context<'_>) -> Result<LoginAlertPreferences> {
        let request = ctx.request();
        Ok(alerts::preferences(&request.db, request).await?.into())
    }
}
