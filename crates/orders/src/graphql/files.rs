//! Files of orders and drafts: attaching instructions, submitting the work, and the files as an
//! order shows them, each with a download URL good for a few minutes.

use std::sync::Arc;

use async_graphql::dataloader::DataLoader;
use async_graphql::{Context, Enum, ID, Object, Result, Upload};
use identity::Person;
use kernel::{ContextExt, Inline, Timestamp, WriteTransaction, parse_id, write};

use super::drafts::OrderDraft;
use super::order::{Order, id};
use crate::entity::order_file::{self, OrderFileKind};
use crate::loaders::OrderFilesLoader;
use crate::service::files::store::ORDER_FILES;
use crate::service::files::{self, FileStore, Incoming, Staged};

/// A file of an order or a draft.
pub struct OrderFile(pub order_file::Model);

#[Object]
impl OrderFile {
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Bytes.
    async fn size(&self) -> i64 {
        self.0.size_bytes
    }
    /// What the content is, as read from it.
    async fn content_type(&self) -> &str {
        &self.0.content_type
    }
    async fn kind(&self) -> OrderFileKind {
        self.0.kind
    }
    /// The submission a deliverable came with (1 for the first); 0 for instructions.
    async fn version(&self) -> i32 {
        self.0.version
    }
    async fn uploaded_by(&self, ctx: &Context<'_>) -> Result<Option<Inline<Person>>> {
        Person::load(ctx, Some(self.0.uploaded_by)).await
    }
    async fn uploaded_at(&self) -> Timestamp {
        self.0.uploaded_at.into()
    }
    /// Where to download it (a path on this API's host): signed, it needs no session, and works
    /// for 15 minutes; ask again for a fresh one.
    async fn url(&self, ctx: &Context<'_>) -> String {
        files::url_for(ctx.data_unchecked::<Arc<FileStore>>(), ctx.request(), &self.0)
    }
    /// SHA-256 of the content (hex), to check a download against.
    async fn sha256(&self) -> &str {
        &self.0.sha256
    }
}

/// Which of an order's files.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum FileVersionFilter {
    /// The deliverable's newest version only (with every instruction file unless `kind` says).
    Latest,
    All,
}

/// An order's files, oldest first (`kind`: only those; `versions: LATEST`: of the deliverable,
/// its newest version only).
pub async fn of_order(
    ctx: &Context<'_>,
    order: uuid::Uuid,
    kind: Option<OrderFileKind>,
    versions: Option<FileVersionFilter>,
) -> Result<Vec<OrderFile>> {
    let mut rows = ctx.data_unchecked::<DataLoader<OrderFilesLoader>>().load_one(order).await?.unwrap_or_default();
    // work an editor has not passed is not the client's yet
    if ctx.request().viewer.as_ref().is_some_and(|v| v.role == kernel::Role::Client) {
        rows.retain(|f| f.released);
    }
    let latest = match versions {
        Some(FileVersionFilter::Latest) => {
            rows.iter().filter(|f| f.kind == OrderFileKind::Deliverable).map(|f| f.version).max()
        }
        _ => None,
    };
    Ok(rows
        .into_iter()
        .filter(|f| kind.is_none_or(|k| f.kind == k))
        .filter(|f| f.kind != OrderFileKind::Deliverable || latest.is_none_or(|v| f.version == v))
        .map(OrderFile)
        .collect())
}

/// A draft's files, oldest first.
pub async fn of_draft(ctx: &Context<'_>, draft: &OrderDraft) -> Result<Vec<OrderFile>> {
    let request = ctx.request();
    Ok(files::of_draft(&request.db, draft.0.tenant_id, draft.0.id).await?.into_iter().map(OrderFile).collect())
}

/// The uploads of `files`, each named by its variable (`files.0`...) for errors.
fn incoming(ctx: &Context<'_>, uploads: Vec<Upload>) -> Result<Vec<Incoming>> {
    uploads.into_iter().enumerate().map(|(i, upload)| incoming_one(ctx, &format!("files.{i}"), upload)).collect()
}

/// One upload, named by its variable `field` for errors (also for other contexts' uploads).
pub fn incoming_one(ctx: &Context<'_>, field: &str, upload: Upload) -> Result<Incoming> {
    let value = upload.value(ctx).map_err(|e| kernel::AppError::bad_input(field, e.to_string()))?;
    Ok(Incoming { field: field.to_owned(), name: value.filename, content: value.content })
}

/// Stores `uploads` (checked) with no transaction open, then records them with `record` in one
/// write, committed before the answer; when anything fails, the stored bytes are removed again.
pub async fn upload<T>(
    ctx: &Context<'_>,
    area: &str,
    uploads: Vec<Incoming>,
    record: impl AsyncFnOnce(&WriteTransaction, &Staged) -> kernel::AppResult<T>,
) -> Result<T> {
    let request = ctx.request();
    let store = ctx.data_unchecked::<Arc<FileStore>>();
    let tenant = request.tenant()?.id;
    // no connection (nor a lock) is held while the bytes travel
    request.db.commit().await?;
    let staged = files::stage(store, area, tenant, uploads).await?;
    let recorded = async {
        let done = write(request, async |txn| record(txn, &staged).await).await?;
        request.db.commit().await?;
        Ok::<_, kernel::AppError>(done)
    }
    .await;
    if recorded.is_err() {
        staged.discard(store).await;
    }
    Ok(recorded?)
}

/// Runs `remove`, which answers the storage keys of what it removed, commits, then removes those
/// bytes: a removal that did not commit leaves the file whole.
pub async fn remove_stored(
    ctx: &Context<'_>,
    remove: impl AsyncFnOnce(&WriteTransaction) -> kernel::AppResult<Vec<String>>,
) -> Result<()> {
    let request = ctx.request();
    let keys = write(request, remove).await?;
    request.db.commit().await?;
    let store = ctx.data_unchecked::<Arc<FileStore>>();
    for key in keys {
        store.delete(&key).await;
    }
    Ok(())
}

#[derive(Default)]
pub struct FileMutation;

#[Object]
impl FileMutation {
    /// Attaches instruction files to an order (its client, its writer, support, admins; not once
    /// it is completed or cancelled). Sent as a GraphQL multipart request: at most 10 files, each
    /// within the size limit, of an accepted type (read from the content) named as what it is.
    async fn attach_order_files(&self, ctx: &Context<'_>, order_id: ID, files: Vec<Upload>) -> Result<Vec<OrderFile>> {
        let request = ctx.request();
        let order = parse_id("orderId", &order_id)?;
        let uploads = incoming(ctx, files)?;
        let rows = upload(ctx, ORDER_FILES, uploads, async |txn, staged| {
            files::attach_to_order(txn, request, order, staged).await
        })
        .await?;
        Ok(rows.into_iter().map(OrderFile).collect())
    }

    /// Attaches instruction files to one of the client's drafts; placing the draft takes them to
    /// the order.
    async fn attach_draft_files(&self, ctx: &Context<'_>, draft_id: ID, files: Vec<Upload>) -> Result<Vec<OrderFile>> {
        let request = ctx.request();
        let draft = parse_id("draftId", &draft_id)?;
        let uploads = incoming(ctx, files)?;
        let rows = upload(ctx, ORDER_FILES, uploads, async |txn, staged| {
            files::attach_to_draft(txn, request, draft, staged).await
        })
        .await?;
        Ok(rows.into_iter().map(OrderFile).collect())
    }

    /// Removes an instruction file from an order (while it is open) or a draft: who attached it,
    /// support and admins may. Delivered work is not removed (`CONFLICT`): a new submission is
    /// its next version.
    async fn remove_order_file(&self, ctx: &Context<'_>, id: ID) -> Result<bool> {
        let request = ctx.request();
        let file = parse_id("id", &id)?;
        remove_stored(ctx, async |txn| Ok(vec![files::remove(txn, request, file).await?])).await?;
        Ok(true)
    }

    /// The writer delivers the work: the files become the deliverable's next version and the
    /// order is SUBMITTED, in one step (a refused file, or a move that is not possible, stores
    /// nothing).
    async fn submit_order_work(
        &self,
        ctx: &Context<'_>,
        order_id: ID,
        files: Vec<Upload>,
        note: Option<String>,
    ) -> Result<Order> {
        let request = ctx.request();
        let order = parse_id("orderId", &order_id)?;
        let uploads = incoming(ctx, files)?;
        let after = upload(ctx, ORDER_FILES, uploads, async |txn, staged| {
            files::submit_work(txn, request, order, note, staged).await
        })
        .await?;
        Ok(Order::new(after))
    }
}
