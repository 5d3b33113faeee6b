use async_graphql::{Context, ID, Object, Result, SimpleObject};
use kernel::pagination::IdConnection;
use kernel::{ContextExt, PageArgs, Role, RoleGuard, Timestamp, parse_id, write};

use crate::entity::delivery::{self, Channel, DeliveryStatus};
use crate::kinds::NotificationKind;
use crate::service::{delivery as deliveries, templates};
use crate::templates::Parts;

/// One kind's e-mail templates in the tenant (minijinja; the variables are the kind's, see
/// `previewEmail`).
#[derive(SimpleObject)]
pub struct EmailTemplate {
    pub kind: NotificationKind,
    pub subject: String,
    pub html: String,
    pub text: String,
    /// The tenant's own, rather than the defaults.
    pub customized: bool,
    pub updated_at: Option<Timestamp>,
}

impl From<templates::TemplateView> for EmailTemplate {
    fn from(v: templates::TemplateView) -> Self {
        Self {
            kind: v.kind,
            subject: v.parts.subject,
            html: v.parts.html,
            text: v.parts.text,
            customized: v.customized,
            updated_at: v.updated_at.map(Into::into),
        }
    }
}

/// A kind's e-mail as the tenant sends it, with sample data.
#[derive(SimpleObject)]
pub struct EmailPreview {
    pub subject: String,
    pub html: String,
    pub text: String,
}

/// One sending of a notification.
#[derive(SimpleObject)]
pub struct NotificationDelivery {
    pub id: ID,
    pub notification_id: ID,
    pub channel: Channel,
    pub address: String,
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub created_at: Timestamp,
    pub sent_at: Option<Timestamp>,
}

impl From<delivery::Model> for NotificationDelivery {
    fn from(m: delivery::Model) -> Self {
        Self {
            id: ID(m.id.to_string()),
            notification_id: ID(m.notification_id.to_string()),
            channel: m.channel,
            address: m.address,
            status: m.status,
            attempts: m.attempts,
            last_error: m.last_error,
            created_at: m.created_at.into(),
            sent_at: m.sent_at.map(Into::into),
        }
    }
}

async fn template(ctx: &Context<'_>, kind: NotificationKind) -> Result<EmailTemplate> {
    let request = ctx.request();
    let all = templates::list(&request.db, request).await?;
    Ok(all.into_iter().find(|t| t.kind == kind).map(EmailTemplate::from).ok_or("unknown kind")?)
}

#[derive(Default)]
pub struct AdminQuery;

#[Object]
impl AdminQuery {
    /// Every kind's e-mail templates in the tenant (admins).
    #[graphql(guard = "RoleGuard::new(&[Role::Admin, Role::Superadmin])")]
    async fn email_templates(&self, ctx: &Context<'_>) -> Result<Vec<EmailTemplate>> {
        let request = ctx.request();
        Ok(templates::list(&request.db, request).await?.into_iter().map(EmailTemplate::from).collect())
    }

    /// A kind's e-mail as the tenant sends it, rendered with sample data (admins).
    #[graphql(guard = "RoleGuard::new(&[Role::Admin, Role::Superadmin])")]
    async fn preview_email(&self, ctx: &Context<'_>, kind: NotificationKind) -> Result<EmailPreview> {
        let request = ctx.request();
        let r = templates::preview(&request.db, request, kind).await?;
        Ok(EmailPreview { subject: r.subject, html: r.html, text: r.text })
    }

    /// The tenant's notification deliveries, newest first (admins): `status: DEAD` lists those
    /// that failed every attempt, with the last error.
    #[graphql(guard = "RoleGuard::new(&[Role::Admin, Role::Superadmin])")]
    async fn notification_deliveries(
        &self,
        ctx: &Context<'_>,
        status: Option<DeliveryStatus>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<IdConnection<NotificationDelivery>> {
        let request = ctx.request();
        let page = PageArgs::of_field(ctx, first, after)?;
        let paged = deliveries::list(&request.db, request, status, page).await?;
        Ok(paged.into_connection(|d| d.id, NotificationDelivery::from))
    }
}

#[derive(Default)]
pub struct AdminMutation;

#[Object]
impl AdminMutation {
    /// Saves the tenant's own templates for a kind (admins). A template that does not render
    /// with the kind's sample data is `BAD_USER_INPUT` naming the part (`subject`, `html`,
    /// `text`) and the line; nothing is saved.
    #[graphql(guard = "RoleGuard::new(&[Role::Admin, Role::Superadmin])")]
    async fn update_email_template(
        &self,
        ctx: &Context<'_>,
        kind: NotificationKind,
        subject: String,
        html: String,
        text: String,
    ) -> Result<EmailTemplate> {
        let request = ctx.request();
        let parts = Parts { subject, html, text };
        write(request, async |txn| templates::update(txn, request, kind, parts).await).await?;
        template(ctx, kind).await
    }

    /// Goes back to the default templates for a kind (admins).
    #[graphql(guard = "RoleGuard::new(&[Role::Admin, Role::Superadmin])")]
    async fn reset_email_template(&self, ctx: &Context<'_>, kind: NotificationKind) -> Result<EmailTemplate> {
        let request = ctx.request();
        write(request, async |txn| templates::reset(txn, request, kind).await).await?;
        template(ctx, kind).await
    }

    /// Sends a dead delivery again (admins).
    #[graphql(guard = "RoleGuard::new(&[Role::Admin, Role::Superadmin])")]
    async fn retry_notification_delivery(&self, ctx: &Context<'_>, id: ID) -> Result<NotificationDelivery> {
        let request = ctx.request();
        let id = parse_id("id", &id)?;
        Ok(write(request, async |txn| deliveries::retry(txn, request, id).await).await?.into())
    }
}
