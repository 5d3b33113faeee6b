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

/// A feature a tenant can switch off: one per boolean toggle that gates API fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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
}

impl Feature {
    /// How the refusal names it ("drafts are turned off on this site").
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
        }
    }
}

impl FeatureToggles {
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
        }
    }

    /// `FORBIDDEN` with reason `FEATURE_DISABLED` unless `feature` is on.
    pub fn require(&self, feature: Feature) -> AppResult<()> {
        if self.is_on(feature) { Ok(()) } else { Err(disabled(feature)) }
    }
}

/// The refusal of a switched-off feature.
pub fn disabled(feature: Feature) -> AppError {
    AppError::forbidden(format!("{} are turned off on this site", feature.label())).with_reason(Reason::FeatureDisabled)
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
}
