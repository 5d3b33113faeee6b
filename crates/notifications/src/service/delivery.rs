//! Sending: the job that turns an e-mail delivery into a message (rendered now, with the
//! tenant's branding and templates) and hands it to the mailer; what admins see of deliveries,
//! and the retry of a dead one. Every attempt of a delivery carries the same `Message-ID`, the
//! idempotency key mail servers and providers use to drop a repeated message.

use std::path::PathBuf;

use jobs::JobRun;
use kernel::pagination::{Order, paginate};
use kernel::{AppError, AppResult, PageArgs, Paged, RequestContext, Role};
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::{AsyncSmtpTransport, PoolConfig};
use lettre::{AsyncFileTransport, AsyncTransport, Message, Tokio1Executor};
use sea_orm::QueryFilter;
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::{Expr, ExprTrait};

use crate::entity::delivery::{self, Channel, DeliveryStatus, Entity as Deliveries};
use crate::entity::notification::{self, Entity as Notifications};
use crate::service::outbox;
use crate::service::push::{self, Failure, WebPush};
use crate::service::templates::parts_for;
use crate::templates::{Look, render};

/// Where e-mail goes: an SMTP server, or `.eml` files in a folder (the default: nothing to set
/// up, and every message can be read).
#[derive(Clone)]
pub enum Mailer {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Folder(AsyncFileTransport<Tokio1Executor>, PathBuf),
}

impl Mailer {
    /// From `SCRIPTORIUM_SMTP_URL` (`smtps://user:pass@host:465`: TLS;
    /// `smtp://user:pass@host:587?tls=required`: STARTTLS; `smtp://host:25`: plain text, for a
    /// relay on the same machine or network), else the folder. A URL that does not parse, or that
    /// would send a password in plain text, is an error for the operator, at start-up (the
    /// message never repeats the URL, which holds the password).
    pub fn new(smtp_url: Option<&str>, folder: PathBuf) -> Result<Mailer, String> {
        match smtp_url.map(str::trim).filter(|u| !u.is_empty()) {
            Some(url) => {
                let plain = url.starts_with("smtp://") && !url.contains("tls=required");
                let credentials =
                    url.split_once("://").is_some_and(|(_, rest)| rest.split('/').next().unwrap_or("").contains('@'));
                if plain && credentials {
                    return Err("SCRIPTORIUM_SMTP_URL would send the password in plain text: use smtps://, or add ?tls=required (STARTTLS)".into());
                }
                // as many connections as a worker sends at once (its batch)
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map(|builder| Mailer::Smtp(builder.pool_config(PoolConfig::new().max_size(32)).build()))
                    .map_err(|e| {
                        format!("SCRIPTORIUM_SMTP_URL does not parse: {}", e.to_string().replace(url, "<the URL>"))
                    })
            }
            None => {
                std::fs::create_dir_all(&folder)
                    .map_err(|e| format!("cannot create the mail folder {}: {e}", folder.display()))?;
                Ok(Mailer::Folder(AsyncFileTransport::new(&folder), folder))
            }
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Mailer::Smtp(_) => "smtp".into(),
            Mailer::Folder(_, folder) => format!("files in {}", folder.display()),
        }
    }

    async fn send(&self, message: Message) -> Result<(), String> {
        match self {
            Mailer::Smtp(smtp) => {
                smtp.send(message).await.map(|_| ()).map_err(|e| format!("the mail server refused: {e}"))
            }
            Mailer::Folder(files, _) => {
                files.send(message).await.map(|_| ()).map_err(|e| format!("cannot write the message: {e}"))
            }
        }
    }
}

fn mailbox(name: Option<&str>, address: &str) -> Result<Mailbox, String> {
    let address = address.parse().map_err(|e| format!("{address:?} is not an e-mail address: {e}"))?;
    Ok(Mailbox::new(name.map(str::to_owned), address))
}

/// Where deliveries leave: e-mail through the mailer, web push through the push settings.
#[derive(Clone)]
pub struct Outlets {
    pub mailer: Mailer,
    pub push: WebPush,
}

/// E-mail only (web push off).
impl From<Mailer> for Outlets {
    fn from(mailer: Mailer) -> Self {
        Self { mailer, push: WebPush::off() }
    }
}

/// The job `notifications.deliver`: sends one delivery, once it is sent never again.
pub async fn deliver(run: JobRun, outlets: &Outlets) -> AppResult<()> {
    let id: Uuid = run
        .payload
        .get("delivery")
        .and_then(|v| v.as_str())
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| AppError::internal(format!("job {} has no delivery id", run.id)))?;
    let db = &run.db;
    let Some(found) = Deliveries::find_by_id(id).one(db).await? else {
        return Ok(()); // its notification was removed: nothing to send
    };
    if found.status == DeliveryStatus::Sent {
        return Ok(());
    }
    let Some(note) = Notifications::find_by_id(found.notification_id).one(db).await? else {
        return Ok(()); // removed meanwhile: nothing to send
    };
    let kind = note.kind.code();
    let site = tenancy::service::tenants::find(db, found.tenant_id).await?;
    let outcome = if site.deleted_at.is_some() {
        // a deleted site sends nothing: its pages, which the message would point to, are gone
        Err(Failure::Final("the site is deleted".into()))
    } else {
        match found.channel {
            Channel::Email => send(db, &outlets.mailer, &found, &note).await.map_err(Failure::Retry),
            Channel::Push => push::send(db, &outlets.push, &found, &note, run.clock.now()).await?,
        }
    };
    let now = run.clock.now();
    let last = run.attempt >= run.max_attempts;
    let (status, error) = match &outcome {
        Ok(()) => (DeliveryStatus::Sent, None),
        Err(Failure::Retry(e)) => (if last { DeliveryStatus::Dead } else { DeliveryStatus::Failed }, Some(e.clone())),
        Err(Failure::Final(e)) => (DeliveryStatus::Dead, Some(e.clone())),
    };
    let mut update = Deliveries::update_many()
        .col_expr(delivery::Column::Status, Expr::value(status))
        .col_expr(delivery::Column::Attempts, Expr::col(delivery::Column::Attempts).add(1))
        .col_expr(delivery::Column::LastError, Expr::value(error))
        .col_expr(delivery::Column::UpdatedAt, Expr::value(now))
        .filter(delivery::Column::Id.eq(id))
        .filter(delivery::Column::Status.ne(DeliveryStatus::Sent));
    if outcome.is_ok() {
        update = update.col_expr(delivery::Column::SentAt, Expr::value(Some(now)));
    }
    update.exec(db).await?;
    // a secret (a link that acts once) leaves the outbox once it is sent or given up
    if note.kind.carries_secret() && status != DeliveryStatus::Failed {
        Notifications::update_many()
            .col_expr(notification::Column::Data, Expr::value(serde_json::json!({ "wiped": true })))
            .col_expr(notification::Column::Body, Expr::value(String::new()))
            .col_expr(notification::Column::Title, Expr::value(note.kind.code().to_owned()))
            .filter(notification::Column::Id.eq(note.id))
            .exec(db)
            .await?;
    } else if found.channel == Channel::Email
        && !note.kind.email_only_data().is_empty()
        && status != DeliveryStatus::Failed
    {
        Notifications::update_many()
            .col_expr(
                notification::Column::Data,
                Expr::value(crate::service::outbox::without(&note.data, note.kind.email_only_data())),
            )
            .filter(notification::Column::Id.eq(note.id))
            .exec(db)
            .await?;
    }
    let channel = match found.channel {
        Channel::Email => "email",
        Channel::Push => "push",
    };
    match outcome {
        Ok(()) => {
            metrics::counter!("scriptorium_deliveries_sent_total", "channel" => channel, "kind" => kind).increment(1);
            metrics::histogram!("scriptorium_delivery_seconds", "channel" => channel)
                .record(Ord::max((now - found.created_at).num_milliseconds(), 0) as f64 / 1000.0);
            Ok(())
        }
        Err(Failure::Final(_)) => {
            metrics::counter!("scriptorium_delivery_failures_total", "channel" => channel, "kind" => kind).increment(1);
            Ok(()) // nothing to try again
        }
        Err(Failure::Retry(e)) => {
            metrics::counter!("scriptorium_delivery_failures_total", "channel" => channel, "kind" => kind).increment(1);
            // a plain reason the admin sees on the job and the delivery
            Err(AppError::conflict(e))
        }
    }
}

async fn send(
    db: &DatabaseConnection,
    mailer: &Mailer,
    found: &delivery::Model,
    note: &notification::Model,
) -> Result<(), String> {
    let message = message(db, found, note).await.map_err(|e| e.message)?;
    mailer.send(message?).await
}

/// The message for a delivery, rendered now. The outer error is the database's, the inner one
/// the message's (an address that is not one).
async fn message(
    db: &DatabaseConnection,
    found: &delivery::Model,
    note: &notification::Model,
) -> AppResult<Result<Message, String>> {
    let tenant = tenancy::service::tenants::find(db, found.tenant_id).await?;
    let look = Look { site_name: &tenant.name, branding: &tenant.branding };
    let name = note.recipient_name.clone();
    let parts = parts_for(db, found.tenant_id, note.kind).await?;
    let rendered = render(&parts, &note.data, &look, &name)
        .or_else(|_| render(&crate::service::templates::defaults(note.kind), &note.data, &look, &name))
        .map_err(|e| AppError::internal(e.to_string()))?;
    let domain = tenant.domains.first().cloned().unwrap_or_else(|| "scriptorium.invalid".into());
    let b = &tenant.branding;
    let from_address = b.from_address.clone().unwrap_or_else(|| format!("no-reply@{domain}"));
    let build = || -> Result<Message, String> {
        let mut builder = Message::builder()
            .from(mailbox(Some(b.from_name.as_deref().unwrap_or(&tenant.name)), &from_address)?)
            .to(mailbox(Some(&name), &found.address)?)
            .subject(rendered.subject.clone());
        if let Some(reply_to) = b.reply_to.as_deref().or(tenant.contact_email.as_deref()) {
            builder = builder.reply_to(mailbox(None, reply_to)?);
        }
        if let Some(message_id) = &found.message_id {
            builder = builder.message_id(Some(message_id.clone()));
        }
        let builder = builder.raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("X-Scriptorium-Kind"),
            note.kind.code().to_owned(),
        ));
        builder
            .multipart(MultiPart::alternative_plain_html(rendered.text.clone(), rendered.html.clone()))
            .map_err(|e| format!("cannot build the message: {e}"))
    };
    Ok(build())
}

/// The tenant's deliveries, newest first, of one status or all (admins).
pub async fn list(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    status: Option<DeliveryStatus>,
    page: PageArgs,
) -> AppResult<Paged<delivery::Model>> {
    request.require_role(&[Role::Admin, Role::Superadmin])?;
    let mut query = Deliveries::find().filter(delivery::Column::TenantId.eq(request.tenant()?.id));
    if let Some(status) = status {
        query = query.filter(delivery::Column::Status.eq(status));
    }
    paginate(conn, query, delivery::Column::Id, Order::newest_first(), page).await
}

/// Sends a dead delivery again (admins): queued, with a new job. `NOT_FOUND` for another
/// tenant's, `CONFLICT` unless it is dead (a failed one is still being retried).
pub async fn retry(conn: &impl ConnectionTrait, request: &RequestContext, id: Uuid) -> AppResult<delivery::Model> {
    request.require_role(&[Role::Admin, Role::Superadmin])?;
    let tenant = request.tenant()?.id;
    let now = request.now();
    let found = Deliveries::find_by_id(id)
        .filter(delivery::Column::TenantId.eq(tenant))
        .one(conn)
        .await?
        .ok_or_else(|| AppError::not_found("delivery"))?;
    let requeued = Deliveries::update_many()
        .col_expr(delivery::Column::Status, Expr::value(DeliveryStatus::Queued))
        .col_expr(delivery::Column::UpdatedAt, Expr::value(now))
        .filter(delivery::Column::Id.eq(id))
        .filter(delivery::Column::Status.eq(DeliveryStatus::Dead))
        .exec(conn)
        .await?
        .rows_affected;
    if requeued == 0 {
        return Err(AppError::conflict("only a dead delivery can be retried; this one is not dead"));
    }
    outbox::enqueue_delivery(conn, tenant, id, &format!("retry-{}", found.attempts), now).await?;
    Deliveries::find_by_id(id).one(conn).await?.ok_or_else(|| AppError::not_found("delivery"))
}
