use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use kernel::pagination::IdConnection;
use kernel::{ContextExt, PageArgs, Timestamp, parse_id, write};

use crate::entity::notification;
use crate::kinds::NotificationKind;
use crate::service::inbox;
use crate::service::preferences::{self, Channels};

/// Something the platform told the viewer.
#[derive(SimpleObject)]
pub struct Notification {
    pub id: ID,
    pub kind: NotificationKind,
    /// One line, as the e-mail's subject (without the site's prefix).
    pub title: String,
    /// The plain-text message.
    pub body: String,
    pub read: bool,
    pub read_at: Option<Timestamp>,
    pub created_at: Timestamp,
}

impl From<notification::Model> for Notification {
    fn from(m: notification::Model) -> Self {
        Self {
            id: ID(m.id.to_string()),
            kind: m.kind,
            title: m.title,
            body: m.body,
            read: m.read_at.is_some(),
            read_at: m.read_at.map(Into::into),
            created_at: m.created_at.into(),
        }
    }
}

/// The channels the viewer takes one kind on.
#[derive(SimpleObject, InputObject)]
#[graphql(input_name = "NotificationPreferenceInput")]
pub struct NotificationPreference {
    pub kind: NotificationKind,
    pub email: bool,
    pub in_app: bool,
    /// Web push to the browsers the viewer registered.
    pub push: bool,
}

impl NotificationPreference {
    fn of((kind, c): (NotificationKind, Channels)) -> Self {
        Self { kind, email: c.email, in_app: c.in_app, push: c.push }
    }
}

/// The notifications' part of `viewer`.
#[derive(Default)]
pub struct ViewerPart;

#[Object(name = "NotificationsViewerPart")]
impl ViewerPart {
    /// The viewer's in-app notifications, newest first.
    async fn notifications(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        unread_only: Option<bool>,
    ) -> Result<IdConnection<Notification>> {
        let request = ctx.request();
        let page = PageArgs::of_field(ctx, first, after)?;
        let paged = inbox::list(&request.db, request, unread_only.unwrap_or(false), page).await?;
        Ok(paged.into_connection(|n| n.id, Notification::from))
    }

    async fn unread_notification_count(&self, ctx: &Context<'_>) -> Result<u64> {
        let request = ctx.request();
        Ok(inbox::unread_count(&request.db, request).await?)
    }

    /// The viewer's browsers that take web push, newest first.
    async fn push_subscriptions(&self, ctx: &Context<'_>) -> Result<Vec<super::PushSubscription>> {
        let request = ctx.request();
        Ok(crate::service::push::list(&request.db, request).await?.into_iter().map(Into::into).collect())
    }

    /// The channels the viewer takes each kind on (every channel unless they chose otherwise).
    async fn notification_preferences(&self, ctx: &Context<'_>) -> Result<Vec<NotificationPreference>> {
        let request = ctx.request();
        Ok(preferences::list(&request.db, request).await?.into_iter().map(NotificationPreference::of).collect())
    }
}

#[derive(Default)]
pub struct InboxMutation;

#[Object]
impl InboxMutation {
    /// Marks these of the viewer's notifications read (1 to 100 ids); answers how many were
    /// unread. Ids that are not the viewer's change nothing.
    async fn mark_notifications_read(&self, ctx: &Context<'_>, ids: Vec<ID>) -> Result<u64> {
        let request = ctx.request();
        let ids = ids.iter().map(|id| parse_id("ids", id)).collect::<Result<Vec<_>, _>>()?;
        Ok(write(request, async |txn| inbox::mark_read(txn, request, Some(&ids)).await).await?)
    }

    /// Marks all the viewer's notifications read; answers how many were unread.
    async fn mark_all_notifications_read(&self, ctx: &Context<'_>) -> Result<u64> {
        let request = ctx.request();
        Ok(write(request, async |txn| inbox::mark_read(txn, request, None).await).await?)
    }

    /// Sets the channels of the kinds given; answers every kind's.
    async fn update_notification_preferences(
        &self,
        ctx: &Context<'_>,
        input: Vec<NotificationPreference>,
    ) -> Result<Vec<NotificationPreference>> {
        let request = ctx.request();
        let changes: Vec<_> =
            input.iter().map(|p| (p.kind, Channels { email: p.email, in_app: p.in_app, push: p.push })).collect();
        write(request, async |txn| preferences::update(txn, request, &changes).await).await?;
        Ok(preferences::list(&request.db, request).await?.into_iter().map(NotificationPreference::of).collect())
    }
}

#[derive(Default)]
pub struct InboxSubscription;

#[async_graphql::Subscription]
impl InboxSubscription {
    /// Each new in-app notification of the viewer as it is written (over `/graphql/ws`); a
    /// session that ends ends the subscription.
    async fn notification_added(
        &self,
        ctx: &Context<'_>,
    ) -> Result<impl futures::Stream<Item = Result<Notification>> + use<>> {
        use futures::StreamExt;
        use kernel::live::{self, LiveConnection, Topic};
        let request = ctx.request();
        let user = request.viewer()?.user_id;
        let connection = ctx
            .data::<LiveConnection>()
            .map_err(|_| kernel::AppError::bad_input("query", "subscriptions are served at /graphql/ws"))?;
        let events = live::events(connection, request, Topic::User(user)).await?;
        Ok(events.filter_map(|item| async move {
            let result = match item {
                Ok((request, event)) => inbox::one(&request.db, &request, event.item).await,
                Err(e) => Err(e),
            };
            match result {
                Ok(found) => found.map(|n| Ok(Notification::from(n))),
                Err(e) => Some(Err(e.into())),
            }
        }))
    }
}
