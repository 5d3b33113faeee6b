use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// The editor's review of a task's work (one per task; submitted again, it replaces the last).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "editing_reviews")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub task_id: Uuid,
    pub tenant_id: Uuid,
    pub editor_id: Uuid,
    /// From 1 to 10.
    pub quality_score: i16,
    pub issues: Issues,
    pub corrections: String,
    pub summary: String,
    pub submitted_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// One problem the editor found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Issue {
    pub category: IssueCategory,
    pub severity: IssueSeverity,
    pub note: String,
}

/// The problems found, stored as JSON.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult)]
#[serde(transparent)]
pub struct Issues(pub Vec<Issue>);

#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[graphql(name = "EditingIssueCategory")]
pub enum IssueCategory {
    Grammar,
    Style,
    Structure,
    Content,
    Citations,
    Formatting,
    /// The client's instructions not followed (counts against the writer's "following
    /// instructions").
    Instructions,
    Plagiarism,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[graphql(name = "EditingIssueSeverity")]
pub enum IssueSeverity {
    Minor,
    Major,
    Critical,
}
