//! Per-tenant feature toggles, and the one check every service makes before a feature's work.
//!
//! The toggles travel with the request's [`TenantScope`](crate::TenantScope), so a service reads
//! them from the scope it is given (never from an argument a caller could default). A request
//! with no tenant has no toggles, and every feature is off for it: the check fails closed.

use crate::Reason;
use async_graphql::{Enum, SimpleObject};
use sea_orm::FromJsonQueryResult;
use serde::{Deserialize, Serialize};

use crate::{AppError, AppResult};

/// Per-tenant switches the API enforces. Stored as JSON on the tenant; a toggle missing from an
/// older row takes its default here.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult, SimpleObject)]
#[serde(default, rename_all = "camelCase")]
pub struct FeatureToggles {
    pub magic_link_login: bool,
    pub two_factor_required: bool,
    pub password_reset: bool,
    pub messaging: bool,
    pub allowed_message_types: Vec<MessageType>,
    pub max_pages_per_order: i32,
    pub max_slides_per_order: i32,
    pub drafts: bool,
    pub presets: bool,
    pub portfolios: bool,
    pub writer_feedback: bool,
    pub wallet: bool,
    pub disputes: bool,
    pub escalations: bool,
    pub class_orders: bool,
    pub special_orders: bool,
    /// Writers may take orders from the pool themselves (where their level allows).
    pub direct_take: bool,
}

impl Default for FeatureToggles {
    fn default() -> Self {
        Self {
            magic_link_login: false,
            two_factor_required: false,
            password_reset: true,
            messaging: true,
            allowed_message_types: vec![
                MessageType::ClientWriter,
                MessageType::ClientSupport,
                MessageType::WriterSupport,
            ],
            max_pages_per_order: 200,
            max_slides_per_order: 100,
            drafts: true,
            presets: true,
            portfolios: true,
            writer_feedback: true,
            wallet: true,
            disputes: true,
            escalations: true,
            class_orders: true,
            special_orders: true,
            direct_take: true,
        }
    }
}

/// Who may message whom, when messaging is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Enum)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MessageType {
    ClientWriter,
    ClientSupport,
    WriterSupport,
    ClientEditor,
    WriterEditor,
}

/// A feature a tenant can switch off: one per boolean toggle that gates API fields. A
/// superadmin can also switch one off everywhere at once (a global kill switch).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Enum)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Feature {
    MagicLinkLogin,
    PasswordReset,
    Messaging,
    Drafts,
    Presets,
    Portfolios,
    WriterFeedback,
    Wallet,
    Disputes,
    Escalations,
    ClassOrders,
    SpecialOrders,
    DirectTake,
}

impl Feature {
    /// Every feature.
    pub const ALL: [Feature; 13] = [
        Feature::MagicLinkLogin,
        Feature::PasswordReset,
        Feature::Messaging,
        Feature::Drafts,
        Feature::Presets,
        Feature::Portfolios,
        Feature::WriterFeedback,
        Feature::Wallet,
        Feature::Disputes,
        Feature::Escalations,
        Feature::ClassOrders,
        Feature::SpecialOrders,
        Feature::DirectTake,
    ];

    fn bit(self) -> u32 {
        1 << match self {
            Feature::MagicLinkLogin => 0,
            Feature::PasswordReset => 1,
            Feature::Messaging => 2,
            Feature::Drafts => 3,
            Feature::Presets => 4,
            Feature::Portfolios => 5,
            Feature::WriterFeedback => 6,
            Feature::Wallet => 7,
            Feature::Disputes => 8,
            Feature::Escalations => 9,
            Feature::ClassOrders => 10,
            Feature::SpecialOrders => 11,
            Feature::DirectTake => 12,
        }
    }

    /// How the refusal names it ("this site has drafts turned off").
    pub fn label(self) -> &'static str {
        match self {
            Feature::MagicLinkLogin => "magic-link sign-in",
            Feature::PasswordReset => "password reset",
            Feature::Messaging => "messaging",
            Feature::Drafts => "drafts",
            Feature::Presets => "presets",
            Feature::Portfolios => "portfolios",
            Feature::WriterFeedback => "writer feedback",
            Feature::Wallet => "wallets",
            Feature::Disputes => "disputes",
            Feature::Escalations => "escalations",
            Feature::ClassOrders => "class orders",
            Feature::SpecialOrders => "special orders",
            Feature::DirectTake => "direct takes from the pool",
        }
    }
}

/// The features a superadmin switched off on every site at once.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KillSwitches(u32);

impl KillSwitches {
    pub fn of(features: &[Feature]) -> Self {
        Self(features.iter().fold(0, |bits, f| bits | f.bit()))
    }

    pub fn contains(self, feature: Feature) -> bool {
        self.0 & feature.bit() != 0
    }

    /// `toggles` as they hold under these switches: what is switched off everywhere is off.
    pub fn apply(self, toggles: &FeatureToggles) -> FeatureToggles {
        let mut out = toggles.clone();
        for feature in Feature::ALL.into_iter().filter(|f| self.contains(*f)) {
            *out.slot(feature) = false;
        }
        out
    }
}

impl FeatureToggles {
    fn slot(&mut self, feature: Feature) -> &mut bool {
        match feature {
            Feature::MagicLinkLogin => &mut self.magic_link_login,
            Feature::PasswordReset => &mut self.password_reset,
            Feature::Messaging => &mut self.messaging,
            Feature::Drafts => &mut self.drafts,
            Feature::Presets => &mut self.presets,
            Feature::Portfolios => &mut self.portfolios,
            Feature::WriterFeedback => &mut self.writer_feedback,
            Feature::Wallet => &mut self.wallet,
            Feature::Disputes => &mut self.disputes,
            Feature::Escalations => &mut self.escalations,
            Feature::ClassOrders => &mut self.class_orders,
            Feature::SpecialOrders => &mut self.special_orders,
            Feature::DirectTake => &mut self.direct_take,
        }
    }

    pub fn is_on(&self, feature: Feature) -> bool {
        match feature {
            Feature::MagicLinkLogin => self.magic_link_login,
            Feature::PasswordReset => self.password_reset,
            Feature::Messaging => self.messaging,
            Feature::Drafts => self.drafts,
            Feature::Presets => self.presets,
            Feature::Portfolios => self.portfolios,
            Feature::WriterFeedback => self.writer_feedback,
            Feature::Wallet => self.wallet,
            Feature::Disputes => self.disputes,
            Feature::Escalations => self.escalations,
            Feature::ClassOrders => self.class_orders,
            Feature::SpecialOrders => self.special_orders,
            Feature::DirectTake => self.direct_take,
        }
    }

    /// `FORBIDDEN` with reason `FEATURE_DISABLED` unless `feature` is on.
    pub fn require(&self, feature: Feature) -> AppResult<()> {
        if self.is_on(feature) { Ok(()) } else { Err(disabled(feature)) }
    }
}

/// The refusal of a feature switched off on every site (`FORBIDDEN`, reason `GLOBAL_KILL_SWITCH`).
pub fn killed(feature: Feature) -> AppError {
    AppError::forbidden(format!("every site has {} turned off for now", feature.label()))
        .with_reason(Reason::GlobalKillSwitch)
}

/// The refusal of a switched-off feature.
pub fn disabled(feature: Feature) -> AppError {
    AppError::forbidden(format!("this site has {} turned off", feature.label())).with_reason(Reason::FeatureDisabled)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_missing_toggles_takes_the_defaults_and_off_means_forbidden() {
        let stored: FeatureToggles = serde_json::from_str(r#"{"drafts": false}"#).unwrap();
        assert!(!stored.drafts);
        assert!(stored.wallet);
        let err = stored.require(Feature::Drafts).unwrap_err();
        assert_eq!(err.code, crate::ErrorCode::Forbidden);
        assert_eq!(err.reason, Some(Reason::FeatureDisabled));
        assert!(stored.require(Feature::Wallet).is_ok());
    }

    #[test]
    fn a_kill_switch_turns_its_feature_off_and_only_it() {
        let switches = KillSwitches::of(&[Feature::Wallet, Feature::Drafts]);
        assert!(switches.contains(Feature::Wallet) && switches.contains(Feature::Drafts));
        assert!(!switches.contains(Feature::Presets));
        let toggles = switches.apply(&FeatureToggles::default());
        assert!(!toggles.wallet && !toggles.drafts && toggles.presets && toggles.password_reset);
        for feature in Feature::ALL {
            assert!(!KillSwitches::of(&[feature]).apply(&FeatureToggles::default()).is_on(feature));
            assert!(KillSwitches::of(&[feature]).contains(feature));
        }
        assert_eq!(KillSwitches::default().apply(&FeatureToggles::default()), FeatureToggles::default());
    }
}
