//! Input types and their conversion to the services' types (parsing ids names the field).

use async_graphql::{ID, InputObject};
use chrono::{DateTime, Utc};
use kernel::{AppResult, parse_id};
use serde::Serialize;
use uuid::Uuid;

use crate::entity::order::{OrderStatus, Spacing};
use crate::entity::revision_request::RevisionSeverity;
use crate::service::orders::{OrderFilter as FilterSpec, RevisionChange, RevisionInput};
use crate::service::spec::OrderSpec;

fn ids(field: &str, value: Option<&ID>) -> AppResult<Option<Uuid>> {
    value.map(|v| parse_id(field, v)).transpose()
}

fn id_list(field: &str, values: Option<&Vec<ID>>) -> AppResult<Option<Vec<Uuid>>> {
    values.map(|list| list.iter().map(|v| parse_id(field, v)).collect()).transpose()
}

/// A complete order: what `quote` prices and `placeOrder` places.
#[derive(InputObject, Serialize)]
pub struct OrderSpecInput {
    pub topic: String,
    pub paper_type_id: ID,
    pub academic_level_id: ID,
    pub subject_id: ID,
    pub work_type_id: ID,
    pub pages: i32,
    #[graphql(default)]
    pub slides: i32,
    #[graphql(default_with = "Spacing::Double")]
    pub spacing: Spacing,
    pub deadline: DateTime<Utc>,
    #[graphql(default)]
    pub extra_service_ids: Vec<ID>,
    pub writer_level_id: Option<ID>,
    pub preferred_writer_id: Option<ID>,
    pub instructions: Option<String>,
    pub citation_style_id: Option<ID>,
    pub english_type_id: Option<ID>,
    pub references: Option<i32>,
    pub tone: Option<String>,
    /// A discount code; the quote shows it as a negative `discount` line.
    pub discount_code: Option<String>,
}

impl OrderSpecInput {
    pub fn to_spec(&self) -> AppResult<OrderSpec> {
        Ok(OrderSpec {
            topic: Some(self.topic.clone()),
            paper_type_id: ids("paperTypeId", Some(&self.paper_type_id))?,
            academic_level_id: ids("academicLevelId", Some(&self.academic_level_id))?,
            subject_id: ids("subjectId", Some(&self.subject_id))?,
            work_type_id: ids("workTypeId", Some(&self.work_type_id))?,
            pages: Some(self.pages),
            slides: Some(self.slides),
            spacing: Some(self.spacing),
            deadline: Some(self.deadline),
            extra_service_ids: id_list("extraServiceIds", Some(&self.extra_service_ids))?,
            writer_level_id: ids("writerLevelId", self.writer_level_id.as_ref())?,
            preferred_writer_id: ids("preferredWriterId", self.preferred_writer_id.as_ref())?,
            instructions: self.instructions.clone(),
            citation_style_id: ids("citationStyleId", self.citation_style_id.as_ref())?,
            english_type_id: ids("englishTypeId", self.english_type_id.as_ref())?,
            references: self.references,
            tone: self.tone.clone(),
            discount_code: self.discount_code.clone(),
        })
    }
}

/// Any subset of an order's fields; saving replaces the draft's fields with these.
#[derive(InputObject, Default)]
pub struct OrderDraftInput {
    pub topic: Option<String>,
    pub paper_type_id: Option<ID>,
    pub academic_level_id: Option<ID>,
    pub subject_id: Option<ID>,
    pub work_type_id: Option<ID>,
    pub pages: Option<i32>,
    pub slides: Option<i32>,
    pub spacing: Option<Spacing>,
    pub deadline: Option<DateTime<Utc>>,
    pub extra_service_ids: Option<Vec<ID>>,
    pub writer_level_id: Option<ID>,
    pub preferred_writer_id: Option<ID>,
    pub instructions: Option<String>,
    pub citation_style_id: Option<ID>,
    pub english_type_id: Option<ID>,
    pub references: Option<i32>,
    pub tone: Option<String>,
}

impl OrderDraftInput {
    pub fn to_spec(&self) -> AppResult<OrderSpec> {
        Ok(OrderSpec {
            topic: self.topic.clone(),
            paper_type_id: ids("paperTypeId", self.paper_type_id.as_ref())?,
            academic_level_id: ids("academicLevelId", self.academic_level_id.as_ref())?,
            subject_id: ids("subjectId", self.subject_id.as_ref())?,
            work_type_id: ids("workTypeId", self.work_type_id.as_ref())?,
            pages: self.pages,
            slides: self.slides,
            spacing: self.spacing,
            deadline: self.deadline,
            extra_service_ids: id_list("extraServiceIds", self.extra_service_ids.as_ref())?,
            writer_level_id: ids("writerLevelId", self.writer_level_id.as_ref())?,
            preferred_writer_id: ids("preferredWriterId", self.preferred_writer_id.as_ref())?,
            instructions: self.instructions.clone(),
            citation_style_id: ids("citationStyleId", self.citation_style_id.as_ref())?,
            english_type_id: ids("englishTypeId", self.english_type_id.as_ref())?,
            references: self.references,
            tone: self.tone.clone(),
            discount_code: None,
        })
    }
}

/// A client's reusable defaults.
#[derive(InputObject)]
pub struct OrderPresetInput {
    pub name: String,
    pub paper_type_id: Option<ID>,
    pub academic_level_id: Option<ID>,
    pub subject_id: Option<ID>,
    pub work_type_id: Option<ID>,
    pub spacing: Option<Spacing>,
    pub extra_service_ids: Option<Vec<ID>>,
    pub writer_level_id: Option<ID>,
    pub preferred_writer_id: Option<ID>,
    pub citation_style_id: Option<ID>,
    pub english_type_id: Option<ID>,
    pub references: Option<i32>,
    pub tone: Option<String>,
    /// Make it the default (the previous default stops being one).
    pub is_default: Option<bool>,
}

impl OrderPresetInput {
    pub fn to_spec(&self) -> AppResult<OrderSpec> {
        OrderDraftInput {
            paper_type_id: self.paper_type_id.clone(),
            academic_level_id: self.academic_level_id.clone(),
            subject_id: self.subject_id.clone(),
            work_type_id: self.work_type_id.clone(),
            spacing: self.spacing,
            extra_service_ids: self.extra_service_ids.clone(),
            writer_level_id: self.writer_level_id.clone(),
            preferred_writer_id: self.preferred_writer_id.clone(),
            citation_style_id: self.citation_style_id.clone(),
            english_type_id: self.english_type_id.clone(),
            references: self.references,
            tone: self.tone.clone(),
            ..OrderDraftInput::default()
        }
        .to_spec()
    }
}

#[derive(InputObject, Default)]
pub struct OrderFilter {
    pub status: Option<OrderStatus>,
    /// Words of the topic (case-insensitive).
    pub search: Option<String>,
    pub placed_from: Option<DateTime<Utc>>,
    pub placed_to: Option<DateTime<Utc>>,
}

impl From<OrderFilter> for FilterSpec {
    fn from(f: OrderFilter) -> Self {
        Self { status: f.status, search: f.search, placed_from: f.placed_from, placed_to: f.placed_to }
    }
}

#[derive(InputObject)]
pub struct RevisionChangeInput {
    pub section: String,
    pub description: String,
}

#[derive(InputObject)]
pub struct RevisionRequestInput {
    pub severity: RevisionSeverity,
    pub reason: String,
    #[graphql(default)]
    pub changes: Vec<RevisionChangeInput>,
    /// When the revision is wanted by.
    pub deadline: DateTime<Utc>,
}

impl From<RevisionRequestInput> for RevisionInput {
    fn from(i: RevisionRequestInput) -> Self {
        Self {
            severity: i.severity,
            reason: i.reason,
            changes: i
                .changes
                .into_iter()
                .map(|c| RevisionChange { section: c.section, description: c.description })
                .collect(),
            deadline: i.deadline,
        }
    }
}
