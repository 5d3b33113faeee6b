//! Who is asking: the role vocabulary, the authenticated viewer and the tenant scope.

use async_graphql::{Context, Guard};
use sea_orm::entity::prelude::StringLen;
use sea_orm::{DeriveActiveEnum, EnumIter};
use uuid::Uuid;

use crate::RequestContext;

/// A user's role. Every role but `SUPERADMIN` belongs to one tenant.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, async_graphql::Enum, EnumIter, DeriveActiveEnum, serde::Serialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Role {
    #[sea_orm(string_value = "CLIENT")]
    Client,
    #[sea_orm(string_value = "WRITER")]
    Writer,
    #[sea_orm(string_value = "EDITOR")]
    Editor,
    #[sea_orm(string_value = "SUPPORT")]
    Support,
    #[sea_orm(string_value = "ADMIN")]
    Admin,
    #[sea_orm(string_value = "SUPERADMIN")]
    Superadmin,
}

impl crate::row::TextEnum for Role {}

impl Role {
    /// Staff and admins act on other people's data; clients only on their own.
    pub fn is_staff(self) -> bool {
        !matches!(self, Role::Client)
    }

    /// Whether a user of this role may create users of role `other`: admins create the roles
    /// below ADMIN, superadmins those and ADMIN. Nobody creates superadmins through the API.
    pub fn may_grant(self, other: Role) -> bool {
        match self {
            Role::Superadmin => other != Role::Superadmin,
            Role::Admin => !matches!(other, Role::Admin | Role::Superadmin),
            _ => false,
        }
    }

    /// Mutations by these roles are written to the audit log.
    pub fn is_audited(self) -> bool {
        matches!(self, Role::Admin | Role::Superadmin)
    }
}

/// Who may read a client's money: what an order costs, its price lines, payments and refunds.
/// Writers and editors see the work and their own pay, never what the client paid.
pub const CLIENT_MONEY_READERS: &[Role] = &[Role::Client, Role::Support, Role::Admin, Role::Superadmin];

/// Who may read what a writer is paid for an order: the writer, and staff. Not the client.
pub const WRITER_PAY_READERS: &[Role] = &[Role::Writer, Role::Support, Role::Admin, Role::Superadmin];

/// The tenant a request runs in, resolved from its host or `X-Tenant` header, with the feature
/// toggles its services check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantScope {
    pub id: Uuid,
    pub slug: String,
    pub currency: String,
    /// Where its days and months begin (dashboards count "today" in it).
    pub time_zone: chrono_tz::Tz,
    /// The site's toggles, with what is switched off on every site off.
    pub features: std::sync::Arc<crate::FeatureToggles>,
    /// What a superadmin switched off on every site (the refusal says so).
    pub killed: crate::features::KillSwitches,
}

impl TenantScope {
    /// `Ok` when `feature` is on here; `FORBIDDEN` with reason `GLOBAL_KILL_SWITCH` when it is
    /// off on every site, `FEATURE_DISABLED` when this site turned it off.
    pub fn require(&self, feature: crate::Feature) -> crate::AppResult<()> {
        if self.killed.contains(feature) {
            return Err(crate::features::killed(feature));
        }
        self.features.require(feature)
    }
}

/// The authenticated user of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Viewer {
    pub user_id: Uuid,
    /// `None` for superadmins, who belong to no tenant.
    pub tenant_id: Option<Uuid>,
    pub role: Role,
    pub session_id: Uuid,
    pub email: String,
    pub display_name: String,
    /// Signs in with a second factor.
    pub two_factor: bool,
}

/// A field guard: the viewer must hold one of `roles`. Services still check ownership.
pub struct RoleGuard(&'static [Role]);

impl RoleGuard {
    pub const fn new(roles: &'static [Role]) -> Self {
        Self(roles)
    }
}

impl Guard for RoleGuard {
    async fn check(&self, ctx: &Context<'_>) -> async_graphql::Result<()> {
        let request = ctx.data::<RequestContext>()?;
        request.require_role(self.0)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_admins_and_superadmins_grant_roles_and_never_superadmin() {
        assert!(Role::Admin.may_grant(Role::Writer));
        assert!(Role::Admin.may_grant(Role::Support));
        assert!(!Role::Admin.may_grant(Role::Admin));
        assert!(Role::Superadmin.may_grant(Role::Admin));
        assert!(!Role::Superadmin.may_grant(Role::Superadmin));
        assert!(!Role::Support.may_grant(Role::Client));
        assert!(!Role::Client.may_grant(Role::Client));
    }
}
