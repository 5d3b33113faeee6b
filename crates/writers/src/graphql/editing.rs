//! Editing: the site's settings and an admin's choice per order, editors' profiles, and the
//! editing tasks with each of their steps.

use std::collections::HashMap;

use async_graphql::{Context, ID, InputObject, Lookahead, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use kernel::pagination::IdConnection;
use kernel::{AppError, ContextExt, PageArgs, RequestContext, Role, RoleGuard, Timestamp, parse_id, write};
use orders::graphql::{CatalogEntry, Order};
use uuid::Uuid;

use super::ADMINS;
use crate::entity::editing_review::{self, Issue, IssueCategory, IssueSeverity};
use crate::entity::editing_setting::EditingPolicy;
use crate::entity::editing_task::{Assignment, Model as Task, TaskStatus};
use crate::entity::editor_profile::EditorStatus;
use crate::service::editing::editors::{self, EditorLoad, EditorRecord, ProfileChange};
use crate::service::editing::reviews::{self, ReviewInput};
use crate::service::editing::settings::{self, Settings, SettingsChange};
use crate::service::editing::tasks::{self, TaskFilter};

/// Who works on tasks: editors.
const EDITORS: RoleGuard = RoleGuard::new(&[Role::Editor]);
/// Who reads tasks: editors (the pool and their own) and staff.
const TASK_READERS: RoleGuard = RoleGuard::new(&[Role::Editor, Role::Support, Role::Admin, Role::Superadmin]);

fn ids(list: &[Uuid]) -> Vec<ID> {
    list.iter().map(|id| ID(id.to_string())).collect()
}

fn parse_ids(field: &str, list: &[ID]) -> Result<Vec<Uuid>> {
    Ok(list.iter().map(|id| parse_id(field, id)).collect::<Result<Vec<_>, _>>()?)
}

/// The site's editing settings.
#[derive(SimpleObject)]
pub struct EditingSettings {
    /// Which submitted work goes to an editor before the client sees it.
    pub policy: EditingPolicy,
    /// `NEW_WRITERS`: a writer's work is edited until they have completed this many orders.
    pub new_writer_orders: i32,
    /// `BY_LEVEL`: the writer levels whose work is edited.
    pub level_ids: Vec<ID>,
    /// The editor's deadline: this percent of the time from the submission to the client's
    /// deadline.
    pub editor_share_percent: i32,
    /// Editors may claim only tasks within their expertise.
    pub require_expertise_match: bool,
}

impl From<Settings> for EditingSettings {
    fn from(s: Settings) -> Self {
        EditingSettings {
            policy: s.policy,
            new_writer_orders: s.new_writer_orders,
            level_ids: ids(&s.level_ids),
            editor_share_percent: s.editor_share_percent,
            require_expertise_match: s.require_expertise,
        }
    }
}

/// Changes to the editing settings (a missing field keeps its value).
#[derive(InputObject)]
pub struct EditingSettingsInput {
    pub policy: Option<EditingPolicy>,
    /// 1 to 1000.
    pub new_writer_orders: Option<i32>,
    pub level_ids: Option<Vec<ID>>,
    /// 1 to 99.
    pub editor_share_percent: Option<i32>,
    pub require_expertise_match: Option<bool>,
}

/// An editor's profile, with their load.
#[derive(SimpleObject)]
pub struct EditorProfile {
    /// The editor's user id.
    pub id: ID,
    pub name: String,
    /// The subjects they edit (none listed: any).
    pub subject_ids: Vec<ID>,
    /// The work types they edit (none listed: any).
    pub work_type_ids: Vec<ID>,
    /// How many tasks they hold at once at most.
    pub max_concurrent_tasks: i32,
    /// Whether they claim tasks from the pool themselves (else only admins assign them tasks).
    pub may_claim: bool,
    pub status: EditorStatus,
    /// Why they are inactive or suspended.
    pub status_reason: Option<String>,
    /// The tasks they hold now (claimed or in progress).
    pub active_tasks: i64,
}

fn profile_view(e: EditorRecord, active_tasks: i64) -> EditorProfile {
    EditorProfile {
        id: ID(e.id.to_string()),
        name: e.display_name,
        subject_ids: ids(&e.subject_ids),
        work_type_ids: ids(&e.work_type_ids),
        max_concurrent_tasks: e.max_concurrent_tasks,
        may_claim: e.may_claim,
        status: e.status,
        status_reason: e.status_reason,
        active_tasks,
    }
}

async fn profile(request: &RequestContext, id: Option<Uuid>) -> Result<EditorProfile> {
    let editor = editors::get(&request.db, request, id).await?;
    let held = editors::held(&request.db, editor.tenant_id, &[editor.id]).await?;
    let active = held.get(&editor.id).copied().unwrap_or(0);
    Ok(profile_view(editor, active))
}

/// Changes to an editor's profile (a missing field keeps its value).
#[derive(InputObject)]
pub struct EditorProfileInput {
    pub subject_ids: Option<Vec<ID>>,
    pub work_type_ids: Option<Vec<ID>>,
    /// 0 to 100.
    pub max_concurrent_tasks: Option<i32>,
    pub may_claim: Option<bool>,
    pub status: Option<EditorStatus>,
    /// Why (required to suspend; the editor sees it).
    pub reason: Option<String>,
}

/// One issue an editor found.
#[derive(SimpleObject, InputObject)]
#[graphql(input_name = "EditingIssueInput")]
pub struct EditingIssue {
    pub category: IssueCategory,
    pub severity: IssueSeverity,
    pub note: String,
}

/// The editor's review of a task's work.
#[derive(SimpleObject)]
pub struct EditingReview {
    pub editor_id: ID,
    /// From 1 to 10.
    pub quality_score: i32,
    pub issues: Vec<EditingIssue>,
    pub corrections: String,
    pub summary: String,
    pub submitted_at: Timestamp,
}

impl From<editing_review::Model> for EditingReview {
    fn from(r: editing_review::Model) -> Self {
        EditingReview {
            editor_id: ID(r.editor_id.to_string()),
            quality_score: r.quality_score.into(),
            issues: r
                .issues
                .0
                .into_iter()
                .map(|i| EditingIssue { category: i.category, severity: i.severity, note: i.note })
                .collect(),
            corrections: r.corrections,
            summary: r.summary,
            submitted_at: r.submitted_at.into(),
        }
    }
}

/// A review as the editor submits it.
#[derive(InputObject)]
pub struct EditingReviewInput {
    /// From 1 to 10.
    pub quality_score: i32,
    #[graphql(default)]
    pub issues: Vec<EditingIssue>,
    /// The corrections made (may be empty).
    #[graphql(default)]
    pub corrections: String,
    pub summary: String,
}

/// What narrows a list of editing tasks.
#[derive(InputObject, Default)]
pub struct EditingTaskFilter {
    pub status: Option<TaskStatus>,
    /// Due (the editor's deadline) before this moment.
    pub deadline_before: Option<DateTime<Utc>>,
    pub pages_min: Option<i32>,
    pub pages_max: Option<i32>,
    pub work_type: Option<ID>,
    pub subject: Option<ID>,
    /// Only the viewer's own (editors).
    #[graphql(default)]
    pub mine: bool,
}

impl EditingTaskFilter {
    pub(super) fn parse(self) -> Result<TaskFilter> {
        Ok(TaskFilter {
            status: self.status,
            deadline_before: self.deadline_before,
            pages_min: self.pages_min,
            pages_max: self.pages_max,
            work_type: self.work_type.map(|id| parse_id("filter.workType", &id)).transpose()?,
            subject: self.subject.map(|id| parse_id("filter.subject", &id)).transpose()?,
            mine: self.mine,
        })
    }
}

/// What tasks show besides themselves, read once for a page (a fixed number of statements
/// whatever its length), and only what the selection asks for.
#[derive(Default)]
pub(super) struct Related {
    topics: HashMap<Uuid, String>,
    names: HashMap<Uuid, String>,
    catalog: HashMap<Uuid, CatalogEntry>,
    reviews: HashMap<Uuid, editing_review::Model>,
    orders: HashMap<Uuid, Order>,
}

pub(super) async fn related(ctx: &Context<'_>, tasks: &[Task], node: &Lookahead<'_>) -> Result<Related> {
    let request = ctx.request();
    let mut related = Related::default();
    let Some(first) = tasks.first() else { return Ok(related) };
    let tenant = first.tenant_id;
    let order_ids: Vec<Uuid> = tasks.iter().map(|t| t.order_id).collect();
    if node.field("topic").exists() {
        related.topics = orders::service::access::topics(&request.db, tenant, &order_ids).await?;
    }
    if node.field("editorName").exists() {
        let editors: Vec<Uuid> = tasks.iter().filter_map(|t| t.editor_id).collect();
        related.names = identity::service::users::names_of(&request.db, tenant, &editors).await?;
    }
    if node.field("workType").exists() || node.field("subject").exists() {
        let entries: Vec<Uuid> = tasks.iter().flat_map(|t| [t.work_type_id, t.subject_id]).flatten().collect();
        related.catalog = orders::graphql::catalog_entries(ctx, entries).await?;
    }
    if node.field("review").exists() {
        let ids: Vec<Uuid> = tasks.iter().map(|t| t.id).collect();
        related.reviews =
            reviews::of_tasks(&request.db, tenant, &ids).await?.into_iter().map(|r| (r.task_id, r)).collect();
    }
    if node.field("order").exists() {
        related.orders = orders::service::access::visible_among(&request.db, request, &order_ids)
            .await?
            .into_iter()
            .map(|o| (o.id, Order::new(o)))
            .collect();
    }
    Ok(related)
}

/// An editing task: one submission of an order's work for an editor to check.
#[derive(SimpleObject)]
pub struct EditingTask {
    pub id: ID,
    pub status: TaskStatus,
    /// How its editor got it (none while in the pool).
    pub assignment: Option<Assignment>,
    pub order_id: ID,
    /// The order's topic.
    pub topic: Option<String>,
    pub pages: i32,
    pub work_type: Option<CatalogEntry>,
    pub subject: Option<CatalogEntry>,
    /// The editor's deadline.
    pub deadline: Timestamp,
    /// The client's deadline.
    pub client_deadline: Timestamp,
    /// Open and past the editor's deadline.
    pub is_overdue: bool,
    /// When the overdue check flagged it (and told its editor and the admins).
    pub overdue_flagged_at: Option<Timestamp>,
    pub editor_id: Option<ID>,
    pub editor_name: Option<String>,
    pub created_at: Timestamp,
    pub claimed_at: Option<Timestamp>,
    pub started_at: Option<Timestamp>,
    pub finished_at: Option<Timestamp>,
    /// Why it was last given back, rejected or cancelled.
    pub note: Option<String>,
    /// The editor's review (their own task's, for an editor).
    pub review: Option<EditingReview>,
    /// The order, with the work, files and instructions: for the editor who holds or held the
    /// task, and staff; null for a task in the pool.
    pub order: Option<Order>,
}

pub(super) fn task_view(t: Task, related: &mut Related, now: DateTime<Utc>) -> EditingTask {
    let entry = |id: Option<Uuid>, related: &Related| id.and_then(|id| related.catalog.get(&id).cloned());
    EditingTask {
        id: ID(t.id.to_string()),
        status: t.status,
        assignment: t.assignment,
        order_id: ID(t.order_id.to_string()),
        topic: related.topics.get(&t.order_id).cloned(),
        pages: t.pages,
        work_type: entry(t.work_type_id, related),
        subject: entry(t.subject_id, related),
        deadline: t.deadline.into(),
        client_deadline: t.client_deadline.into(),
        is_overdue: tasks::is_overdue(&t, now),
        overdue_flagged_at: t.overdue_at.map(Into::into),
        editor_id: t.editor_id.map(|id| ID(id.to_string())),
        editor_name: t.editor_id.and_then(|id| related.names.get(&id).cloned()),
        created_at: t.created_at.into(),
        claimed_at: t.claimed_at.map(Into::into),
        started_at: t.started_at.map(Into::into),
        finished_at: t.finished_at.map(Into::into),
        note: t.note,
        review: related.reviews.remove(&t.id).map(Into::into),
        order: related.orders.remove(&t.order_id),
    }
}

/// The connection's node selection (`edges { node }` or `nodes`).
pub(super) fn node_of<'a>(look: &Lookahead<'a>) -> Lookahead<'a> {
    let node = look.field("edges").field("node");
    if node.exists() { node } else { look.field("nodes") }
}

/// The task `id` as the selection asks for it (after a step).
async fn one(ctx: &Context<'_>, id: Uuid) -> Result<EditingTask> {
    let request = ctx.request();
    let found = tasks::get(&request.db, request, id).await?;
    let found = vec![found];
    let mut related = related(ctx, &found, &ctx.look_ahead()).await?;
    let task = found.into_iter().next().ok_or_else(|| AppError::internal("no task"))?;
    Ok(task_view(task, &mut related, request.now()))
}

#[derive(Default)]
pub struct EditingQuery;

#[Object]
impl EditingQuery {
    /// The site's editing settings (admins).
    #[graphql(guard = "ADMINS")]
    async fn editing_settings(&self, ctx: &Context<'_>) -> Result<EditingSettings> {
        let request = ctx.request();
        Ok(settings::get(&request.db, request).await?.into())
    }

    /// The site's editors with their load, oldest account first (admins).
    #[graphql(guard = "ADMINS")]
    async fn editors(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<IdConnection<EditorProfile>> {
        let request = ctx.request();
        let page = PageArgs::of_field(ctx, first, after)?;
        let paged = editors::list(&request.db, request, page).await?;
        Ok(paged
            .into_connection(|e| e.editor.id, |EditorLoad { editor, active_tasks }| profile_view(editor, active_tasks)))
    }

    /// An editor's profile: the viewer's own (editors, without `id`), or any editor's (admins).
    #[graphql(guard = "RoleGuard::new(&[Role::Editor, Role::Admin, Role::Superadmin])")]
    async fn editor_profile(&self, ctx: &Context<'_>, id: Option<ID>) -> Result<EditorProfile> {
        let id = id.map(|id| parse_id("id", &id)).transpose()?;
        profile(ctx.request(), id).await
    }

    /// Editing tasks, soonest editor's deadline first: for an editor the pool and their own
    /// tasks, for staff all of the site's; narrowed by `filter`.
    #[graphql(guard = "TASK_READERS")]
    async fn editing_tasks(
        &self,
        ctx: &Context<'_>,
        filter: Option<EditingTaskFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<IdConnection<EditingTask>> {
        let request = ctx.request();
        let page = PageArgs::of_field(ctx, first, after)?;
        let filter = filter.unwrap_or_default().parse()?;
        let paged = tasks::list(&request.db, request, &filter, page).await?;
        let mut related = related(ctx, &paged.items, &node_of(&ctx.look_ahead())).await?;
        let now = request.now();
        Ok(paged.into_connection(|t| t.id, |t| task_view(t, &mut related, now)))
    }

    /// One editing task (as `editingTasks` shows it to the viewer).
    #[graphql(guard = "TASK_READERS")]
    async fn editing_task(&self, ctx: &Context<'_>, id: ID) -> Result<EditingTask> {
        one(ctx, parse_id("id", &id)?).await
    }
}

#[derive(Default)]
pub struct EditingMutation;

#[Object]
impl EditingMutation {
    /// Changes the site's editing settings (admins; audited).
    #[graphql(guard = "ADMINS")]
    async fn update_editing_settings(&self, ctx: &Context<'_>, input: EditingSettingsInput) -> Result<EditingSettings> {
        let request = ctx.request();
        let change = SettingsChange {
            policy: input.policy,
            new_writer_orders: input.new_writer_orders,
            level_ids: input.level_ids.as_deref().map(|l| parse_ids("input.levelIds", l)).transpose()?,
            editor_share_percent: input.editor_share_percent,
            require_expertise: input.require_expertise_match,
        };
        write(request, async |txn| settings::update(txn, request, change).await).await?;
        Ok(settings::get(&request.db, request).await?.into())
    }

    /// Whether one order's work goes to an editor, whatever the site's policy: `true` always,
    /// `false` never, null as the policy says (admins; audited; until its work is submitted).
    /// Answers the choice.
    #[graphql(guard = "ADMINS")]
    async fn set_order_editing(&self, ctx: &Context<'_>, order_id: ID, required: Option<bool>) -> Result<Option<bool>> {
        let request = ctx.request();
        let order = parse_id("orderId", &order_id)?;
        write(request, async |txn| settings::set_order_flag(txn, request, order, required).await).await?;
        Ok(required)
    }

    /// Changes an editor's profile (admins; audited).
    #[graphql(guard = "ADMINS")]
    async fn update_editor_profile(
        &self,
        ctx: &Context<'_>,
        editor_id: ID,
        input: EditorProfileInput,
    ) -> Result<EditorProfile> {
        let request = ctx.request();
        let editor = parse_id("editorId", &editor_id)?;
        let change = ProfileChange {
            subject_ids: input.subject_ids.as_deref().map(|l| parse_ids("input.subjectIds", l)).transpose()?,
            work_type_ids: input.work_type_ids.as_deref().map(|l| parse_ids("input.workTypeIds", l)).transpose()?,
            max_concurrent_tasks: input.max_concurrent_tasks,
            may_claim: input.may_claim,
            status: input.status,
            reason: input.reason,
        };
        write(request, async |txn| editors::update(txn, request, editor, change).await).await?;
        profile(request, Some(editor)).await
    }

    /// The viewing editor claims a task from the pool. Of editors claiming one task at once,
    /// one gets it and the others `CONFLICT`; refused past their limit (`CAPACITY_FULL`), while
    /// they do not work (`EDITOR_INACTIVE`), outside their expertise when the site requires it
    /// (`OUTSIDE_EXPERTISE`), or to an editor who takes tasks only by assignment (`FORBIDDEN`).
    #[graphql(guard = "EDITORS")]
    async fn claim_editing_task(&self, ctx: &Context<'_>, id: ID) -> Result<EditingTask> {
        let request = ctx.request();
        let id = parse_id("id", &id)?;
        write(request, async |txn| tasks::claim(txn, request, id).await).await?;
        one(ctx, id).await
    }

    /// Gives an open task to an editor (admins): from the pool, or from another editor (a
    /// reassignment: it starts over). The editor is told.
    #[graphql(guard = "ADMINS")]
    async fn assign_editing_task(&self, ctx: &Context<'_>, id: ID, editor_id: ID) -> Result<EditingTask> {
        let request = ctx.request();
        let id = parse_id("id", &id)?;
        let editor = parse_id("editorId", &editor_id)?;
        write(request, async |txn| tasks::assign(txn, request, id, editor).await).await?;
        one(ctx, id).await
    }

    /// The editor starts the task they hold.
    #[graphql(guard = "EDITORS")]
    async fn start_editing_task(&self, ctx: &Context<'_>, id: ID) -> Result<EditingTask> {
        let request = ctx.request();
        let id = parse_id("id", &id)?;
        write(request, async |txn| tasks::start(txn, request, id).await).await?;
        one(ctx, id).await
    }

    /// The editor gives the task they hold back to the pool, saying why.
    #[graphql(guard = "EDITORS")]
    async fn unclaim_editing_task(&self, ctx: &Context<'_>, id: ID, reason: String) -> Result<EditingTask> {
        let request = ctx.request();
        let id = parse_id("id", &id)?;
        write(request, async |txn| tasks::unclaim(txn, request, id, &reason).await).await?;
        one(ctx, id).await
    }

    /// The editor submits (or replaces) their review of the task they work on (started).
    #[graphql(guard = "EDITORS")]
    async fn submit_editing_review(
        &self,
        ctx: &Context<'_>,
        task_id: ID,
        input: EditingReviewInput,
    ) -> Result<EditingTask> {
        let request = ctx.request();
        let id = parse_id("taskId", &task_id)?;
        let review = ReviewInput {
            quality_score: input.quality_score,
            issues: input
                .issues
                .into_iter()
                .map(|i| Issue { category: i.category, severity: i.severity, note: i.note })
                .collect(),
            corrections: input.corrections,
            summary: input.summary,
        };
        write(request, async |txn| reviews::submit(txn, request, id, review).await).await?;
        one(ctx, id).await
    }

    /// The editor passes the work (after their review): it goes to the client, who is told.
    #[graphql(guard = "EDITORS")]
    async fn complete_editing_task(&self, ctx: &Context<'_>, id: ID) -> Result<EditingTask> {
        let request = ctx.request();
        let id = parse_id("id", &id)?;
        write(request, async |txn| tasks::complete(txn, request, id).await).await?;
        one(ctx, id).await
    }

    /// The editor sends the work back to the writer as a revision, saying why; the writer's new
    /// deadline is `writerDeadline` (before the client's), by default half the time left.
    #[graphql(guard = "EDITORS")]
    async fn reject_editing_task(
        &self,
        ctx: &Context<'_>,
        id: ID,
        reason: String,
        writer_deadline: Option<DateTime<Utc>>,
    ) -> Result<EditingTask> {
        let request = ctx.request();
        let id = parse_id("id", &id)?;
        write(request, async |txn| tasks::reject(txn, request, id, &reason, writer_deadline).await).await?;
        one(ctx, id).await
    }
}
