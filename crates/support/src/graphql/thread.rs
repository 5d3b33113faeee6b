//! What tickets and disputes share in the API: a message of a thread, the people a page
//! prefetched, and where a connection's nodes are in the selection.

use std::collections::HashMap;

use async_graphql::{ComplexObject, Context, ID, Lookahead, Result, SimpleObject};
use identity::graphql::Person;
use kernel::pagination::IdConnection;
use kernel::{Paged, Timestamp};
use uuid::Uuid;

use crate::entity::{dispute_message, ticket_message};

/// A message on a ticket's or a dispute's thread.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct SupportMessage {
    pub id: ID,
    /// A note among staff (only staff read them).
    pub internal: bool,
    pub body: String,
    pub created_at: Timestamp,
    #[graphql(skip)]
    pub(super) author_id: Uuid,
    /// The author, when the page prefetched them.
    #[graphql(skip)]
    pub(super) author: Option<Person>,
}

#[ComplexObject]
impl SupportMessage {
    async fn author(&self, ctx: &Context<'_>) -> Result<Option<kernel::Inline<Person>>> {
        match &self.author {
            Some(person) => Ok(Some(kernel::Inline(person.clone()))),
            None => Person::load(ctx, Some(self.author_id)).await,
        }
    }
}

/// A ticket's and a dispute's message rows have the same columns.
macro_rules! message_from {
    ($($model:ty),*) => {$(
        impl From<$model> for SupportMessage {
            fn from(m: $model) -> Self {
                SupportMessage {
                    id: ID(m.id.to_string()),
                    internal: m.internal,
                    body: m.body,
                    created_at: m.created_at.into(),
                    author_id: m.author_id,
                    author: None,
                }
            }
        }
    )*};
}

message_from!(ticket_message::Model, dispute_message::Model);

/// A page of a thread, its authors read in one statement; `keys` gives a row's id and author.
pub(super) async fn message_page<M>(
    ctx: &Context<'_>,
    paged: Paged<M>,
    keys: impl Fn(&M) -> (Uuid, Uuid),
) -> Result<IdConnection<SupportMessage>>
where
    SupportMessage: From<M>,
{
    let authors = page_people(ctx, "author", paged.items.iter().map(|m| keys(m).1)).await?;
    Ok(paged.into_connection(
        |m| keys(m).0,
        |m| {
            let author = authors.get(&keys(&m).1).cloned();
            SupportMessage { author, ..SupportMessage::from(m) }
        },
    ))
}

/// One item of a bulk action (`bulkResolveDisputes`, `bulkAssignTickets`): done, or why not.
#[derive(SimpleObject)]
pub struct BulkOutcome {
    pub id: ID,
    pub ok: bool,
    /// The refusal's code (`CONFLICT`, `BAD_USER_INPUT`...), when not done.
    pub code: Option<String>,
    /// The refusal's reason (`STALE`, `INVALID_TRANSITION`...), when it has one.
    pub reason: Option<String>,
    pub message: Option<String>,
}

impl BulkOutcome {
    /// Each of `results` (an id and what refused it, if anything), in order.
    pub fn all(results: Vec<(Uuid, Option<kernel::AppError>)>) -> Vec<BulkOutcome> {
        results
            .into_iter()
            .map(|(id, error)| BulkOutcome {
                id: ID(id.to_string()),
                ok: error.is_none(),
                code: error.as_ref().map(|e| e.code.as_str().to_owned()),
                reason: error.as_ref().and_then(|e| e.reason).map(|r| r.as_str().to_owned()),
                message: error.map(|e| e.message),
            })
            .collect()
    }
}

/// Where a connection's nodes are in its selection (`edges.node` or `nodes`).
pub(super) fn node_of<'a>(look: &Lookahead<'a>) -> Lookahead<'a> {
    let node = look.field("edges").field("node");
    if node.exists() { node } else { look.field("nodes") }
}

/// The people a page needs, in one statement: those of `ids` its selection asks for.
pub(super) async fn people(ctx: &Context<'_>, mut ids: Vec<Uuid>) -> Result<HashMap<Uuid, Person>> {
    ids.sort_unstable();
    ids.dedup();
    Person::load_all(ctx, ids).await
}

/// Person `id`, from what the page prefetched, else through the request's loader.
pub(super) async fn person(
    ctx: &Context<'_>,
    prefetched: &HashMap<Uuid, Person>,
    id: Option<Uuid>,
) -> Result<Option<kernel::Inline<Person>>> {
    let Some(id) = id else { return Ok(None) };
    if let Some(person) = prefetched.get(&id) {
        return Ok(Some(kernel::Inline(person.clone())));
    }
    Person::load(ctx, Some(id)).await
}

/// The people of a page of a thread's items (messages' authors, steps' actors) that its
/// selection asks for (`field` of the connection's nodes), in one statement: a page does not
/// leave them to the loader, whose batches a busy machine can split.
pub(super) async fn page_people(
    ctx: &Context<'_>,
    field: &str,
    ids: impl Iterator<Item = Uuid>,
) -> Result<HashMap<Uuid, Person>> {
    if !node_of(&ctx.look_ahead()).field(field).exists() {
        return Ok(HashMap::new());
    }
    people(ctx, ids.collect()).await
}
