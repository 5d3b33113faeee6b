//! The tenant's e-mail templates: the defaults, or their own for a kind, which admins edit and
//! preview. A template is checked against the kind's sample data when saved: one that does not
//! render is `BAD_USER_INPUT`, naming the part and the line, and nothing is saved.

use kernel::{AppError, AppResult, RequestContext, Role, new_id};
use sea_orm::ActiveValue::Set;
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::OnConflict;
use sea_orm::{Iterable, QueryFilter};
use serde_json::json;
use tenancy::service::audit::{self, Change};

use crate::entity::email_template::{self, Entity as EmailTemplates};
use crate::kinds::NotificationKind;
use crate::templates::{Look, Parts, Rendered, render};

/// The longest subject, and the longest body part, a template may have.
const MAX_SUBJECT: usize = 300;
const MAX_BODY: usize = 100_000;

pub fn defaults(kind: NotificationKind) -> Parts {
    let t = kind.default_templates();
    Parts { subject: t.subject.into(), html: t.html.into(), text: t.text.into() }
}

/// The templates `kind` is sent with in `tenant`.
pub async fn parts_for(conn: &impl ConnectionTrait, tenant: Uuid, kind: NotificationKind) -> AppResult<Parts> {
    Ok(EmailTemplates::find()
        .filter(email_template::Column::TenantId.eq(tenant))
        .filter(email_template::Column::Kind.eq(kind))
        .one(conn)
        .await?
        .map_or_else(|| defaults(kind), |t| Parts { subject: t.subject, html: t.html, text: t.text }))
}

/// One kind's templates as an admin sees them.
pub struct TemplateView {
    pub kind: NotificationKind,
    pub parts: Parts,
    /// The tenant's own (else the defaults).
    pub customized: bool,
    pub updated_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Every kind's templates in the viewer's tenant (admins).
pub async fn list(conn: &impl ConnectionTrait, request: &RequestContext) -> AppResult<Vec<TemplateView>> {
    request.require_role(&[Role::Admin, Role::Superadmin])?;
    let tenant = request.tenant()?.id;
    let own: Vec<email_template::Model> =
        EmailTemplates::find().filter(email_template::Column::TenantId.eq(tenant)).all(conn).await?;
    Ok(NotificationKind::iter()
        .map(|kind| match own.iter().find(|t| t.kind == kind) {
            Some(t) => TemplateView {
                kind,
                parts: Parts { subject: t.subject.clone(), html: t.html.clone(), text: t.text.clone() },
                customized: true,
                updated_at: Some(t.updated_at),
            },
            None => TemplateView { kind, parts: defaults(kind), customized: false, updated_at: None },
        })
        .collect())
}

/// `kind` rendered with its sample data, for the viewer's tenant, as `parts` would send it.
async fn sample(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    kind: NotificationKind,
    parts: &Parts,
) -> AppResult<Result<Rendered, crate::templates::TemplateError>> {
    let tenant = tenancy::service::tenants::find(conn, request.tenant()?.id).await?;
    let name = request.viewer()?.display_name.clone();
    Ok(render(parts, &kind.sample(), &Look { site_name: &tenant.name, branding: &tenant.branding }, &name))
}

/// What `kind` looks like in the viewer's tenant, with sample data (admins).
pub async fn preview(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    kind: NotificationKind,
) -> AppResult<Rendered> {
    request.require_role(&[Role::Admin, Role::Superadmin])?;
    let parts = parts_for(conn, request.tenant()?.id, kind).await?;
    sample(conn, request, kind, &parts).await?.map_err(|e| AppError::internal(e.to_string()))
}

/// Saves the tenant's own templates for `kind` (admins; audited), after checking that they
/// render with the kind's sample data.
pub async fn update(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    kind: NotificationKind,
    parts: Parts,
) -> AppResult<()> {
    let viewer = request.require_role(&[Role::Admin, Role::Superadmin])?;
    let tenant = request.tenant()?.id;
    for (field, value, max) in
        [("subject", &parts.subject, MAX_SUBJECT), ("html", &parts.html, MAX_BODY), ("text", &parts.text, MAX_BODY)]
    {
        if value.trim().is_empty() {
            return Err(AppError::bad_input(field, "must not be empty"));
        }
        if value.chars().count() > max {
            return Err(AppError::bad_input(field, format!("at most {max} characters")));
        }
    }
    if let Err(e) = sample(conn, request, kind, &parts).await? {
        return Err(AppError::bad_input(e.part, format!("does not render: {e}")));
    }
    let before = parts_for(conn, tenant, kind).await?;
    EmailTemplates::insert(email_template::ActiveModel {
        id: Set(new_id()),
        tenant_id: Set(tenant),
        kind: Set(kind),
        subject: Set(parts.subject.clone()),
        html: Set(parts.html.clone()),
        text: Set(parts.text.clone()),
        updated_by: Set(Some(viewer.user_id)),
        updated_at: Set(request.now()),
    })
    .on_conflict(
        OnConflict::columns([email_template::Column::TenantId, email_template::Column::Kind])
            .update_columns([
                email_template::Column::Subject,
                email_template::Column::Html,
                email_template::Column::Text,
                email_template::Column::UpdatedBy,
                email_template::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    audit::record(
        conn,
        request,
        Change {
            action: "email_template.update",
            target_type: "email_template",
            target_id: Some(kind.code().to_owned()),
            tenant_id: Some(tenant),
            before: Some(json!({ "subject": before.subject, "html": before.html, "text": before.text })),
            after: Some(json!({ "subject": parts.subject, "html": parts.html, "text": parts.text })),
        },
    )
    .await
}

/// Goes back to the default templates for `kind` (admins; audited).
pub async fn reset(conn: &impl ConnectionTrait, request: &RequestContext, kind: NotificationKind) -> AppResult<()> {
    request.require_role(&[Role::Admin, Role::Superadmin])?;
    let tenant = request.tenant()?.id;
    let removed = EmailTemplates::delete_many()
        .filter(email_template::Column::TenantId.eq(tenant))
        .filter(email_template::Column::Kind.eq(kind))
        .exec(conn)
        .await?
        .rows_affected;
    if removed > 0 {
        audit::record(
            conn,
            request,
            Change {
                action: "email_template.reset",
                target_type: "email_template",
                target_id: Some(kind.code().to_owned()),
                tenant_id: Some(tenant),
                before: None,
                after: None,
            },
        )
        .await?;
    }
    Ok(())
}
