//! Files of orders: instructions the client, the writer or staff attach (to an order, or to a
//! draft until it is placed), and the work the writer delivers, a version per submission. An
//! upload goes in two steps: [`stage`] checks every file (size, type by content, name agreeing)
//! and stores the bytes in the [`FileStore`] with no transaction open (the caller commits the
//! request's first: a database lock is never held while bytes travel), then one short write
//! records them ([`attach_to_order`], [`attach_to_draft`], [`submit_work`]); when that write
//! fails, the caller [`Staged::discard`]s the bytes. Downloads are signed URLs handed only to
//! those who see the order.

pub mod kinds;
pub mod store;
pub mod sweep;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use kernel::{AppError, AppResult, ErrorCode, Reason, RequestContext, Role, new_id};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use uuid::Uuid;

pub use store::FileStore;

use crate::entity::order::{self, Entity as Orders, OrderStatus};
use crate::entity::order_draft::{self, Entity as Drafts};
use crate::entity::order_file::{self, Entity as Files, OrderFileKind};
use crate::service::access::find_visible;
use crate::service::lifecycle::{self, OrderAction};
use crate::service::{actions, drafts};

/// The most files one request may bring.
pub const MAX_FILES_PER_REQUEST: usize = 10;
/// The most files an order (or a draft) may hold: its `files` list stays a short one.
pub const MAX_FILES_PER_ORDER: u64 = 100;
const MAX_NAME_CHARS: usize = 200;

/// An upload as the transport received it: the variable it came in (for errors), the name the
/// browser gave, and its content in a temporary file.
pub struct Incoming {
    pub field: String,
    pub name: String,
    pub content: std::fs::File,
}

/// An upload that passed the checks: its clean name and its sniffed type.
struct Checked {
    name: String,
    content_type: &'static str,
    content: std::fs::File,
}

/// Uploads checked and stored, not yet recorded.
pub struct Staged {
    pub files: Vec<StagedFile>,
}

/// One staged upload: the id its record takes (the key of its bytes names it), its clean name,
/// sniffed type, size and SHA-256.
pub struct StagedFile {
    pub id: Uuid,
    pub name: String,
    pub content_type: &'static str,
    pub size_bytes: i64,
    pub sha256: String,
    pub storage_key: String,
}

/// Checks every upload, then stores each under `area` of `tenant` (order files:
/// [`store::ORDER_FILES`]). The first refused upload is `BAD_USER_INPUT` naming its variable
/// (`files.1`) and stores nothing; a failure while storing removes what was stored.
pub async fn stage(store: &FileStore, area: &str, tenant: Uuid, uploads: Vec<Incoming>) -> AppResult<Staged> {
    let checked = check_all(store, uploads).await?;
    let mut staged = Staged { files: Vec::with_capacity(checked.len()) };
    for upload in checked {
        let id = new_id();
        let key = FileStore::key_in(area, tenant, id);
        let stored = match store.put(&key, upload.content).await {
            Ok(stored) => stored,
            Err(e) => {
                staged.discard(store).await;
                return Err(AppError::internal(format!("storing a file: {e}")));
            }
        };
        staged.files.push(StagedFile {
            id,
            name: upload.name,
            content_type: upload.content_type,
            size_bytes: i64::try_from(stored.size).map_err(AppError::internal)?,
            sha256: stored.sha256,
            storage_key: key,
        });
    }
    Ok(staged)
}

impl Staged {
    /// Removes the staged bytes (their record was not written).
    pub async fn discard(self, store: &FileStore) {
        for file in &self.files {
            store.delete(&file.storage_key).await;
        }
    }
}

/// Attaches instruction files to an order: its client, its writer, support and admins may, until
/// the order is closed. Returns the new files.
pub async fn attach_to_order(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    order_id: Uuid,
    staged: &Staged,
) -> AppResult<Vec<order_file::Model>> {
    let viewer = request.viewer()?;
    let order = find_visible(conn, request, order_id).await?;
    let party =
        order.client_id == viewer.user_id || order.writer_id == Some(viewer.user_id) || support_or_admin(viewer.role);
    if !party {
        return Err(AppError::forbidden("only the order's client, its writer and staff attach files to it"));
    }
    lock_open_order(conn, &order, "attached").await?;
    let owner = Owner::Order(order.id);
    room_for(conn, order.tenant_id, owner, staged.files.len()).await?;
    let rows = record(conn, request, order.tenant_id, owner, OrderFileKind::Instructions, 0, staged).await?;
    // the timeline says so, and the order's subscribers (its writer) hear of it
    let names = rows.iter().map(|f| f.name.as_str()).collect::<Vec<_>>().join(", ");
    lifecycle::record(conn, request, &order, "FILES_ATTACHED", None, None, Some(names)).await?;
    Ok(rows)
}

/// Removes an instruction file from an order or a draft: its uploader, support and admins may,
/// while the order is open. A deliverable stays (it is what was delivered; a new submission
/// supersedes it). Returns the storage key, whose bytes the caller removes once this has been
/// written; an order's timeline records the removal.
pub async fn remove(conn: &impl ConnectionTrait, request: &RequestContext, file_id: Uuid) -> AppResult<String> {
    let viewer = request.viewer()?;
    let tenant = request.tenant()?.id;
    let file = Files::find_by_id(file_id)
        .filter(order_file::Column::TenantId.eq(tenant))
        .one(conn)
        .await?
        .ok_or_else(|| AppError::not_found("file"))?;
    // the file is found only through what the viewer sees: its order, or their own draft
    // (a draft is its client's alone: to anyone else, as to someone not seeing the order, the
    // file does not exist; a switched-off feature and a failing database still say so)
    let hidden = |e: AppError| match (e.code, e.reason) {
        (ErrorCode::NotFound, _) | (ErrorCode::Forbidden, None) => AppError::not_found("file"),
        _ => e,
    };
    let order = match (file.order_id, file.draft_id) {
        (Some(order), _) => Some(find_visible(conn, request, order).await.map_err(hidden)?),
        (None, Some(draft)) => {
            drafts::get(conn, request, draft).await.map_err(hidden)?;
            None
        }
        (None, None) => return Err(AppError::not_found("file")),
    };
    if file.kind == OrderFileKind::Deliverable {
        return Err(AppError::conflict("delivered work stays with the order: submit a new version instead")
            .with_reason(Reason::InvalidTransition));
    }
    if file.uploaded_by != viewer.user_id && !support_or_admin(viewer.role) {
        return Err(AppError::forbidden("only who attached a file, support and admins remove it"));
    }
    if let Some(order) = &order {
        lock_open_order(conn, order, "removed").await?;
    }
    // conditional on the row still being there: of two removals at once, one removes it
    let removed = Files::delete_many()
        .filter(order_file::Column::Id.eq(file.id))
        .filter(order_file::Column::TenantId.eq(tenant))
        .exec(conn)
        .await?;
    if removed.rows_affected == 0 {
        return Err(AppError::not_found("file"));
    }
    if let Some(order) = &order {
        lifecycle::record(conn, request, order, "FILE_REMOVED", None, None, Some(file.name.clone())).await?;
    }
    Ok(file.storage_key)
}

/// Attaches instruction files to one of the client's drafts (the `drafts` feature); they move to
/// the order when the draft is placed.
pub async fn attach_to_draft(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    draft_id: Uuid,
    staged: &Staged,
) -> AppResult<Vec<order_file::Model>> {
    let draft = drafts::get(conn, request, draft_id).await?;
    // the draft's row is held to the end: a placing or a deletion at once either comes after
    // (and takes these files along) or went first (and this finds no draft)
    let held = Drafts::update_many()
        .col_expr(order_draft::Column::UpdatedAt, Expr::col(order_draft::Column::UpdatedAt))
        .filter(order_draft::Column::Id.eq(draft.id))
        .filter(order_draft::Column::TenantId.eq(draft.tenant_id))
        .exec(conn)
        .await?;
    if held.rows_affected == 0 {
        return Err(AppError::not_found("draft"));
    }
    let owner = Owner::Draft(draft.id);
    room_for(conn, draft.tenant_id, owner, staged.files.len()).await?;
    record(conn, request, draft.tenant_id, owner, OrderFileKind::Instructions, 0, staged).await
}

/// The writer submits the work: the files become the next version of the deliverable and the
/// order moves on (`SUBMIT`, as `performOrderAction` would) in one transaction.
pub async fn submit_work(
    conn: &kernel::WriteTransaction,
    request: &RequestContext,
    order_id: Uuid,
    note: Option<String>,
    staged: &Staged,
) -> AppResult<order::Model> {
    // the move is conditional on the order's status: of two submissions at once one wins, and
    // its row stays locked until commit, so the version below is read after the other's
    let after = actions::perform(conn, request, order_id, OrderAction::Submit, note).await?;
    let latest: Option<i32> = Files::find()
        .select_only()
        .column_as(order_file::Column::Version.max(), "v")
        .filter(order_file::Column::TenantId.eq(after.tenant_id))
        .filter(order_file::Column::OrderId.eq(after.id))
        .filter(order_file::Column::Kind.eq(OrderFileKind::Deliverable))
        .into_tuple::<Option<i32>>()
        .one(conn)
        .await?
        .flatten();
    let version = latest.unwrap_or(0).checked_add(1).ok_or_else(|| AppError::internal("version overflow"))?;
    let owner = Owner::Order(after.id);
    room_for(conn, after.tenant_id, owner, staged.files.len()).await?;
    let rows = record(conn, request, after.tenant_id, owner, OrderFileKind::Deliverable, version, staged).await?;
    if after.status == OrderStatus::UnderEditing {
        // the editor's to check first: the client sees it once they pass it
        let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
        Files::update_many()
            .col_expr(order_file::Column::Released, Expr::value(false))
            .filter(order_file::Column::Id.is_in(ids))
            .exec(conn)
            .await?;
    }
    Ok(after)
}

/// Releases to the client the delivered work of `order` the editor passed: its latest version
/// (one the editor sent back before stays the writer's and the editors').
pub async fn release(conn: &impl ConnectionTrait, tenant: Uuid, order: Uuid) -> AppResult<()> {
    let latest: Option<i32> = Files::find()
        .select_only()
        .column_as(order_file::Column::Version.max(), "v")
        .filter(order_file::Column::TenantId.eq(tenant))
        .filter(order_file::Column::OrderId.eq(order))
        .filter(order_file::Column::Kind.eq(OrderFileKind::Deliverable))
        .into_tuple::<Option<i32>>()
        .one(conn)
        .await?
        .flatten();
    let Some(latest) = latest else { return Ok(()) };
    Files::update_many()
        .col_expr(order_file::Column::Released, Expr::value(true))
        .filter(order_file::Column::TenantId.eq(tenant))
        .filter(order_file::Column::OrderId.eq(order))
        .filter(order_file::Column::Kind.eq(OrderFileKind::Deliverable))
        .filter(order_file::Column::Version.eq(latest))
        .exec(conn)
        .await?;
    Ok(())
}

/// A stored file as a download serves it: its name, its type, its size and where its bytes are
/// (an order's file, or another context's, such as a portfolio sample's).
pub struct StoredFile {
    pub name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub storage_key: String,
}

/// Whether a download URL's signature is the store's for `file` of `tenant` and not expired.
pub fn signed(store: &FileStore, tenant: Uuid, file: Uuid, expires: i64, signature: &str, now: DateTime<Utc>) -> bool {
    expires > now.timestamp() && store.verify(tenant, file, expires, signature)
}

/// The order file `file` of `tenant`, if there is one.
pub async fn find(conn: &impl ConnectionTrait, tenant: Uuid, file: Uuid) -> AppResult<Option<StoredFile>> {
    let row = Files::find_by_id(file).filter(order_file::Column::TenantId.eq(tenant)).one(conn).await?;
    Ok(row.map(|row| StoredFile {
        name: row.name,
        content_type: row.content_type,
        size_bytes: row.size_bytes,
        storage_key: row.storage_key,
    }))
}

/// A download URL (path and query) for a file the viewer sees, valid for [`store::URL_TTL`].
pub fn url_for(store: &FileStore, request: &RequestContext, file: &order_file::Model) -> String {
    url_of(store, request, file.tenant_id, file.id)
}

/// A download URL for stored file `id` of `tenant` (an order's, or a portfolio sample's).
pub fn url_of(store: &FileStore, request: &RequestContext, tenant: Uuid, id: Uuid) -> String {
    store.download_path(tenant, id, request.now() + store::URL_TTL)
}

/// The files of `orders` (of one tenant), oldest first.
pub async fn of_orders(
    conn: &impl ConnectionTrait,
    tenant: Uuid,
    orders: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<order_file::Model>>> {
    let rows = Files::find()
        .filter(order_file::Column::TenantId.eq(tenant))
        .filter(order_file::Column::OrderId.is_in(kernel::db::in_list(orders)))
        .order_by_asc(order_file::Column::UploadedAt)
        .order_by_asc(order_file::Column::Id)
        .all(conn)
        .await?;
    let mut by_order: HashMap<Uuid, Vec<order_file::Model>> = HashMap::new();
    for row in rows {
        if let Some(order) = row.order_id {
            by_order.entry(order).or_default().push(row);
        }
    }
    Ok(by_order)
}

/// The files of one of the viewer's drafts, oldest first.
pub async fn of_draft(conn: &impl ConnectionTrait, tenant: Uuid, draft: Uuid) -> AppResult<Vec<order_file::Model>> {
    Ok(Files::find()
        .filter(order_file::Column::TenantId.eq(tenant))
        .filter(order_file::Column::DraftId.eq(draft))
        .order_by_asc(order_file::Column::UploadedAt)
        .order_by_asc(order_file::Column::Id)
        .limit(MAX_FILES_PER_ORDER)
        .all(conn)
        .await?)
}

/// A placed draft's files become its order's (in the placing transaction).
pub async fn move_to_order(conn: &impl ConnectionTrait, tenant: Uuid, draft: Uuid, order: Uuid) -> AppResult<()> {
    Files::update_many()
        .col_expr(order_file::Column::OrderId, Expr::value(order))
        .col_expr(order_file::Column::DraftId, Expr::value(Option::<Uuid>::None))
        .filter(order_file::Column::TenantId.eq(tenant))
        .filter(order_file::Column::DraftId.eq(draft))
        .exec(conn)
        .await?;
    Ok(())
}

/// A deleted draft's files go with it; their stored bytes are returned for removal once the
/// deletion has committed.
pub async fn delete_of_draft(conn: &impl ConnectionTrait, tenant: Uuid, draft: Uuid) -> AppResult<Vec<String>> {
    let keys: Vec<String> = Files::find()
        .select_only()
        .column(order_file::Column::StorageKey)
        .filter(order_file::Column::TenantId.eq(tenant))
        .filter(order_file::Column::DraftId.eq(draft))
        .into_tuple()
        .all(conn)
        .await?;
    Files::delete_many()
        .filter(order_file::Column::TenantId.eq(tenant))
        .filter(order_file::Column::DraftId.eq(draft))
        .exec(conn)
        .await?;
    Ok(keys)
}

/// Who handles any order's files besides its parties (`Role::is_staff` counts writers too).
fn support_or_admin(role: Role) -> bool {
    matches!(role, Role::Support | Role::Admin | Role::Superadmin)
}

/// The statuses in which an order's files no longer change.
const CLOSED: [OrderStatus; 3] = [OrderStatus::Completed, OrderStatus::Cancelled, OrderStatus::Archived];

/// Files change only while the order is open.
fn still_open(order: &order::Model, what: &str) -> AppResult<()> {
    if CLOSED.contains(&order.status) {
        return Err(AppError::conflict(format!(
            "the order is {}: files can no longer be {what}",
            <&str>::from(order.status)
        ))
        .with_reason(Reason::InvalidTransition));
    }
    Ok(())
}

#[derive(Clone, Copy)]
enum Owner {
    Order(Uuid),
    Draft(Uuid),
}

/// Checks every upload before anything is stored: `BAD_USER_INPUT` on the first bad one, naming
/// its variable (`files.1`), with reason `FILE_TOO_LARGE` or `FILE_TYPE_REFUSED`.
async fn check_all(store: &FileStore, uploads: Vec<Incoming>) -> AppResult<Vec<Checked>> {
    if uploads.is_empty() {
        return Err(AppError::bad_input("files", "at least one file"));
    }
    if uploads.len() > MAX_FILES_PER_REQUEST {
        return Err(AppError::bad_input("files", format!("at most {MAX_FILES_PER_REQUEST} files at once"))
            .with_reason(Reason::TooManyFiles));
    }
    let mut checked = Vec::with_capacity(uploads.len());
    for upload in uploads {
        checked.push(check(store, upload).await?);
    }
    Ok(checked)
}

async fn check(store: &FileStore, upload: Incoming) -> AppResult<Checked> {
    let Incoming { field, name, content } = upload;
    let bad = |message: String| AppError::bad_input(field.clone(), message);
    // a browser may send a path; only its last part is the name
    let name = name.rsplit(['/', '\\']).next().unwrap_or_default().trim().to_owned();
    if name.is_empty() {
        return Err(bad("the file has no name".into()));
    }
    // one line, no control or bidirectional characters (`x\u{202E}fdp.exe` shows as `xexe.pdf`)
    let name = kernel::validate::name(&field, &name, MAX_NAME_CHARS)?;
    let mut file = tokio::fs::File::from_std(content);
    let size = file.metadata().await.map_err(AppError::internal)?.len();
    if size > store.max_file_bytes {
        return Err(bad(format!("{name} is larger than {} MiB", store.max_file_bytes / (1024 * 1024)))
            .with_reason(Reason::FileTooLarge));
    }
    if size == 0 {
        return Err(bad(format!("{name} is empty")).with_reason(Reason::FileTypeRefused));
    }
    let mut head = Vec::with_capacity(kinds::HEAD_BYTES);
    (&mut file).take(kinds::HEAD_BYTES as u64).read_to_end(&mut head).await.map_err(AppError::internal)?;
    file.rewind().await.map_err(AppError::internal)?;
    let Some(kind) = kinds::sniff(&head) else {
        return Err(bad(format!(
            "{name}: this type of file is not accepted (documents, spreadsheets, slides, images, text, ZIP)"
        ))
        .with_reason(Reason::FileTypeRefused));
    };
    let extension = kinds::extension(&name);
    if !extension.as_deref().is_some_and(|e| kind.extensions.contains(&e)) {
        return Err(bad(format!("{name} is {}: name it .{}", kind.label, kind.extensions[0]))
            .with_reason(Reason::FileTypeRefused));
    }
    Ok(Checked { name, content_type: kind.mime, content: file.into_std().await })
}

/// Takes the order's row for the rest of the transaction (a touch, which PostgreSQL locks and
/// SQLite serialises), so two uploads cannot both pass the count below, on the condition that
/// the order is still open: one closed meanwhile (approved at the same moment) is `CONFLICT`.
async fn lock_open_order(conn: &impl ConnectionTrait, order: &order::Model, what: &str) -> AppResult<()> {
    still_open(order, what)?;
    let held = Orders::update_many()
        .col_expr(order::Column::UpdatedAt, Expr::col(order::Column::UpdatedAt))
        .filter(order::Column::Id.eq(order.id))
        .filter(order::Column::TenantId.eq(order.tenant_id))
        .filter(order::Column::Status.is_not_in(CLOSED))
        .exec(conn)
        .await?;
    if held.rows_affected == 0 {
        return Err(AppError::conflict(format!("the order was closed: files can no longer be {what}"))
            .with_reason(Reason::InvalidTransition));
    }
    Ok(())
}

async fn room_for(conn: &impl ConnectionTrait, tenant: Uuid, owner: Owner, adding: usize) -> AppResult<()> {
    let held = Files::find().filter(order_file::Column::TenantId.eq(tenant));
    let held = match owner {
        Owner::Order(id) => held.filter(order_file::Column::OrderId.eq(id)),
        Owner::Draft(id) => held.filter(order_file::Column::DraftId.eq(id)),
    }
    .count(conn)
    .await?;
    if held.saturating_add(adding as u64) > MAX_FILES_PER_ORDER {
        return Err(AppError::conflict(format!("an order holds at most {MAX_FILES_PER_ORDER} files ({held} now)"))
            .with_reason(Reason::TooManyFiles));
    }
    Ok(())
}

/// Records staged uploads as files of `owner`.
async fn record(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    tenant: Uuid,
    owner: Owner,
    kind: OrderFileKind,
    version: i32,
    staged: &Staged,
) -> AppResult<Vec<order_file::Model>> {
    let viewer = request.viewer()?.user_id;
    let now = request.now();
    let rows: Vec<order_file::Model> = staged
        .files
        .iter()
        .map(|file| order_file::Model {
            id: file.id,
            tenant_id: tenant,
            order_id: match owner {
                Owner::Order(order) => Some(order),
                Owner::Draft(_) => None,
            },
            draft_id: match owner {
                Owner::Draft(draft) => Some(draft),
                Owner::Order(_) => None,
            },
            kind,
            version,
            name: file.name.clone(),
            content_type: file.content_type.to_owned(),
            size_bytes: file.size_bytes,
            sha256: file.sha256.clone(),
            storage_key: file.storage_key.clone(),
            uploaded_by: viewer,
            uploaded_at: now,
            released: true,
        })
        .collect();
    Files::insert_many(rows.iter().cloned().map(order_file::ActiveModel::from)).exec_without_returning(conn).await?;
    Ok(rows)
}
