use async_graphql::{Context, ID, Object, Result, SimpleObject};
use kernel::pagination::IdConnection;
use kernel::{ContextExt, PageArgs, Role, RoleGuard, Timestamp, parse_id};

use crate::entity::job::{self, JobStatus};
use crate::service::admin;

/// A piece of background work (an e-mail to send, an offer to expire, a purge). Its payload is
/// not shown: it is the program's, not the admin's.
#[derive(SimpleObject)]
pub struct Job {
    pub id: ID,
    /// What it does, e.g. `housekeeping.purge`.
    pub kind: String,
    pub status: JobStatus,
    /// When it is (or was) due.
    pub run_at: Timestamp,
    /// Attempts made so far.
    pub attempts: i32,
    pub max_attempts: i32,
    /// Why the last attempt failed, if it did.
    pub last_error: Option<String>,
    /// Whose work it is: none for the system's own.
    pub tenant_id: Option<ID>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub finished_at: Option<Timestamp>,
}

impl From<job::Model> for Job {
    fn from(m: job::Model) -> Self {
        Self {
            id: ID(m.id.to_string()),
            kind: m.kind,
            status: m.status,
            run_at: m.run_at.into(),
            attempts: m.attempts,
            max_attempts: m.max_attempts,
            last_error: m.last_error,
            tenant_id: m.tenant_id.map(|t| ID(t.to_string())),
            created_at: m.created_at.into(),
            updated_at: m.updated_at.into(),
            finished_at: m.finished_at.map(Into::into),
        }
    }
}

#[derive(Default)]
pub struct JobsQuery;

#[Object]
impl JobsQuery {
    /// Background jobs, newest first, of one status or all (admins: their tenant's; superadmins
    /// also the system's). `status: DEAD` lists what failed every attempt, to retry.
    #[graphql(guard = "RoleGuard::new(&[Role::Admin, Role::Superadmin])")]
    async fn jobs(
        &self,
        ctx: &Context<'_>,
        status: Option<JobStatus>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<IdConnection<Job>> {
        let request = ctx.request();
        let page = PageArgs::of_field(ctx, first, after)?;
        let paged = admin::list(&request.db, request, status, page).await?;
        Ok(paged.into_connection(|j| j.id, Job::from))
    }
}

#[derive(Default)]
pub struct JobsMutation;

#[Object]
impl JobsMutation {
    /// Queues a dead job again, due now, with a fresh count of attempts.
    #[graphql(guard = "RoleGuard::new(&[Role::Admin, Role::Superadmin])")]
    async fn retry_job(&self, ctx: &Context<'_>, id: ID) -> Result<Job> {
        let request = ctx.request();
        let id = parse_id("id", &id)?;
        Ok(admin::retry(&request.db, request, id).await?.into())
    }
}
