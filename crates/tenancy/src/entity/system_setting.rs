use kernel::{Feature, FeatureToggles};
use sea_orm::FromJsonQueryResult;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// The installation's settings, one row (id 1), its fields JSON so that new ones need no
/// migration; a field missing from an older row takes its default.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "system_settings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i32,
    pub settings: Settings,
    pub updated_at: DateTimeUtc,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult)]
#[serde(default, rename_all = "camelCase")]
pub struct Settings {
    /// The toggles a new site starts with.
    pub default_feature_toggles: FeatureToggles,
    /// Off: no site takes sign-ups, whatever its own setting.
    pub registration_open: bool,
    /// A notice every page shows (planned maintenance, say); none when empty.
    pub maintenance_banner: Option<String>,
    /// The features switched off on every site (global kill switches). A name this version does
    /// not know (written by a later one) is skipped, not an error that would stop every request.
    #[serde(deserialize_with = "known_features")]
    pub disabled_features: Vec<Feature>,
}

fn known_features<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<Feature>, D::Error> {
    let names = Vec::<serde_json::Value>::deserialize(d)?;
    Ok(names.into_iter().filter_map(|name| serde_json::from_value(name).ok()).collect())
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            default_feature_toggles: FeatureToggles::default(),
            registration_open: true,
            maintenance_banner: None,
            disabled_features: Vec::new(),
        }
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
