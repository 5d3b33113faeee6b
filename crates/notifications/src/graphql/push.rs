use async_graphql::{Context, ID, Object, Result, SimpleObject};
use kernel::{ContextExt, Timestamp, write};

use crate::entity::push_subscription;
use crate::service::push::{self, WebPush};

/// A browser of the viewer's that takes web push.
#[derive(SimpleObject)]
pub struct PushSubscription {
    pub id: ID,
    /// The push service's URL for the browser.
    pub endpoint: String,
    pub created_at: Timestamp,
    /// When a message was last accepted for it.
    pub last_used_at: Option<Timestamp>,
}

impl From<push_subscription::Model> for PushSubscription {
    fn from(m: push_subscription::Model) -> Self {
        Self {
            id: ID(m.id.to_string()),
            endpoint: m.endpoint,
            created_at: m.created_at.into(),
            last_used_at: m.last_used_at.map(Into::into),
        }
    }
}

#[derive(Default)]
pub struct PushQuery;

#[Object]
impl PushQuery {
    /// The key browsers subscribe with (`pushManager.subscribe({ applicationServerKey })`),
    /// base64url; null when this server does not send web push.
    async fn web_push_public_key(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        Ok(ctx.data::<WebPush>()?.public_key().map(str::to_owned))
    }
}

#[derive(Default)]
pub struct PushMutation;

#[Object]
impl PushMutation {
    /// Registers the viewer's browser for web push, with what its `pushManager.subscribe`
    /// answered (`endpoint`, and the base64url keys `p256dh` and `auth`). The same endpoint again
    /// replaces its keys; a user keeps their 20 latest browsers.
    async fn register_push_subscription(
        &self,
        ctx: &Context<'_>,
        endpoint: String,
        #[graphql(name = "p256dh")] p256dh: String,
        auth: String,
    ) -> Result<PushSubscription> {
        let request = ctx.request();
        let settings = ctx.data::<WebPush>()?;
        let saved =
            write(request, async |txn| push::register(txn, request, settings, &endpoint, &p256dh, &auth).await).await?;
        Ok(saved.into())
    }

    /// Stops web push to the viewer's browser at `endpoint`; answers whether it was registered.
    async fn unregister_push_subscription(&self, ctx: &Context<'_>, endpoint: String) -> Result<bool> {
        let request = ctx.request();
        Ok(write(request, async |txn| push::unregister(txn, request, &endpoint).await).await?)
    }
}
