//! The installation's settings and global flags: superadmins read and change them; anyone reads
//! the public part (the maintenance banner, whether sign-ups are open).

use std::sync::Arc;

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result, SimpleObject};
use kernel::pagination::IdConnection;
use kernel::{ContextExt, Feature, FeatureToggles, PageArgs, Role, RoleGuard, Timestamp, parse_id, write};

use crate::entity::flag_change::{self, FlagChangeStatus};
use crate::entity::system_setting::Settings;
use crate::service::system::{self, SettingsChange, SystemState};
use crate::service::tenants::FeatureTogglesInput;

/// Whether a feature is on across the installation (off: switched off on every site).
#[derive(SimpleObject)]
pub struct GlobalFlag {
    pub feature: Feature,
    pub enabled: bool,
}

/// The installation's settings.
#[derive(SimpleObject)]
pub struct SystemSettings {
    /// The toggles a new site starts with.
    pub default_feature_toggles: FeatureToggles,
    /// Off: no site takes sign-ups, whatever its own setting.
    pub registration_open: bool,
    /// A notice for every page (planned maintenance, say).
    pub maintenance_banner: Option<String>,
    /// Every feature, and whether it is on across the installation.
    pub global_flags: Vec<GlobalFlag>,
}

impl From<&Settings> for SystemSettings {
    fn from(s: &Settings) -> Self {
        Self {
            default_feature_toggles: s.default_feature_toggles.clone(),
            registration_open: s.registration_open,
            maintenance_banner: s.maintenance_banner.clone(),
            global_flags: Feature::ALL
                .into_iter()
                .map(|feature| GlobalFlag { feature, enabled: !s.disabled_features.contains(&feature) })
                .collect(),
        }
    }
}

/// What every page may show of the installation's state.
#[derive(SimpleObject)]
pub struct SystemStatus {
    pub maintenance_banner: Option<String>,
    pub registration_open: bool,
    /// The features switched off on every site (whatever a site's own toggles say): a page
    /// hides what they offer.
    pub disabled_features: Vec<Feature>,
}

/// A change to the installation's settings: a field left out keeps its value; a null or empty
/// `maintenanceBanner` takes the banner down.
#[derive(InputObject)]
pub struct SystemSettingsInput {
    pub default_feature_toggles: Option<FeatureTogglesInput>,
    pub registration_open: Option<bool>,
    pub maintenance_banner: MaybeUndefined<String>,
}

/// A global flag change scheduled for a time.
#[derive(SimpleObject)]
pub struct ScheduledFlagChange {
    pub id: ID,
    /// Null for a feature this version does not know (scheduled by a later one).
    pub feature: Option<Feature>,
    pub enabled: bool,
    pub at: Timestamp,
    pub status: FlagChangeStatus,
    pub created_at: Timestamp,
    /// When it was applied or cancelled.
    pub done_at: Option<Timestamp>,
}

impl From<flag_change::Model> for ScheduledFlagChange {
    fn from(m: flag_change::Model) -> Self {
        Self {
            id: ID(m.id.to_string()),
            feature: system::feature_of(&m.feature),
            enabled: m.enabled,
            at: m.at.into(),
            status: m.status,
            created_at: m.created_at.into(),
            done_at: m.done_at.map(Timestamp::from),
        }
    }
}

fn state<'a>(ctx: &'a Context<'_>) -> Result<&'a Arc<SystemState>> {
    ctx.data::<Arc<SystemState>>()
}

#[derive(Default)]
pub struct SystemQuery;

#[Object]
impl SystemQuery {
    /// The installation's settings and global flags (superadmins).
    #[graphql(guard = "RoleGuard::new(&[Role::Superadmin])")]
    async fn system_settings(&self, ctx: &Context<'_>) -> Result<SystemSettings> {
        Ok(SystemSettings::from(&system::load(&ctx.request().db).await?))
    }

    /// The maintenance banner and whether sign-ups are open: for every page, anyone.
    async fn system_status(&self, ctx: &Context<'_>) -> Result<SystemStatus> {
        let settings = state(ctx)?.settings().await?;
        Ok(SystemStatus {
            maintenance_banner: settings.maintenance_banner.clone(),
            registration_open: settings.registration_open,
            disabled_features: settings.disabled_features.clone(),
        })
    }

    /// Global flag changes scheduled for a time, oldest first (superadmins).
    #[graphql(guard = "RoleGuard::new(&[Role::Superadmin])")]
    async fn scheduled_flag_changes(
        &self,
        ctx: &Context<'_>,
        status: Option<FlagChangeStatus>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<IdConnection<ScheduledFlagChange>> {
        let request = ctx.request();
        let page = PageArgs::of_field(ctx, first, after)?;
        let paged = system::list(&request.db, request, status, page).await?;
        Ok(paged.into_connection(|c| c.id, ScheduledFlagChange::from))
    }
}

#[derive(Default)]
pub struct SystemMutation;

/// After a change this process made: it serves the new settings at once (others within a second).
async fn changed(ctx: &Context<'_>, settings: Settings) -> Result<SystemSettings> {
    ctx.request().db.commit().await?; // only committed settings are served
    state(ctx)?.refresh(&ctx.request().db).await?;
    Ok(SystemSettings::from(&settings))
}

#[Object]
impl SystemMutation {
    /// Changes the installation's settings (superadmins); what is left out stays. Audited.
    #[graphql(guard = "RoleGuard::new(&[Role::Superadmin])")]
    async fn update_system_settings(&self, ctx: &Context<'_>, input: SystemSettingsInput) -> Result<SystemSettings> {
        let request = ctx.request();
        let change = SettingsChange {
            default_feature_toggles: input.default_feature_toggles,
            registration_open: input.registration_open,
            maintenance_banner: match input.maintenance_banner {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(text) => Some(Some(text)),
            },
        };
        let settings = write(request, async |txn| system::update(txn, request, change).await).await?;
        changed(ctx, settings).await
    }

    /// Switches a feature off on every site at once (a kill switch: every operation the feature
    /// gates answers `FORBIDDEN`, reason `GLOBAL_KILL_SWITCH`, whatever the site's toggle; a
    /// feature with no operations yet has nothing to refuse), or back on (each site's own toggle
    /// rules again). Superadmins; audited.
    #[graphql(guard = "RoleGuard::new(&[Role::Superadmin])")]
    async fn set_global_flag(&self, ctx: &Context<'_>, feature: Feature, enabled: bool) -> Result<SystemSettings> {
        let request = ctx.request();
        let settings = write(request, async |txn| system::set_flag(txn, request, feature, enabled).await).await?;
        changed(ctx, settings).await
    }

    /// Schedules `setGlobalFlag(feature, enabled)` for `at` (after now, within a year; else
    /// `BAD_USER_INPUT` on `at`): a job applies it then. Superadmins; audited.
    #[graphql(guard = "RoleGuard::new(&[Role::Superadmin])")]
    async fn schedule_flag_change(
        &self,
        ctx: &Context<'_>,
        feature: Feature,
        enabled: bool,
        at: Timestamp,
    ) -> Result<ScheduledFlagChange> {
        let request = ctx.request();
        let change =
            write(request, async |txn| system::schedule(txn, request, feature, enabled, at.into()).await).await?;
        Ok(change.into())
    }

    /// Cancels a scheduled change that has not been applied (`CONFLICT` once applied or
    /// cancelled). Superadmins; audited.
    #[graphql(guard = "RoleGuard::new(&[Role::Superadmin])")]
    async fn cancel_flag_change(&self, ctx: &Context<'_>, id: ID) -> Result<ScheduledFlagChange> {
        let request = ctx.request();
        let id = parse_id("id", &id)?;
        Ok(write(request, async |txn| system::cancel(txn, request, id).await).await?.into())
    }
}
