//! Users: sign-up, staff creation by admins, listing, password changes.
//!
//! Creating a user is two steps so the slow password hash never runs inside a write
//! transaction: [`prepare`] validates and hashes, [`insert`]/[`create_staff`] write.
//!
//! **Superadmin addresses are reserved.** An e-mail address belongs either to one superadmin or
//! to tenant users (one per tenant), never to both: a tenant user cannot be created with a
//! superadmin's address (it answers as a taken address does), and a superadmin cannot be
//! created with an address a tenant user has (`CONFLICT`, reason `EMAIL_IN_USE`). The check and
//! the insert run under a lock on the address, so two creations cannot interleave. Should both
//! exist anyway (rows from before the rule), sign-in tries the superadmin first: a superadmin's
//! sign-in is never shadowed by a tenant account.

use kernel::Reason;
use kernel::pagination::{Order, paginate};
use kernel::{AppError, AppResult, PageArgs, Paged, RequestContext, Role, new_id, validate};
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, Statement};
use serde_json::json;
use uuid::Uuid;

use crate::entity::user::{self, Entity as Users, PasswordHash};
use crate::service::{password, sessions, throttle};
use kernel::TenantScope;
use kernel::db::lock_key;
use tenancy::service::audit::{self, Change};

/// A validated new user whose password is already hashed.
pub struct PreparedUser {
    pub email: String,
    pub email_normalized: String,
    pub display_name: String,
    pub role: Role,
    pub password_hash: String,
}

/// The trimmed address and its lower-cased form, or `BAD_USER_INPUT` on `field`.
pub fn check_email(field: &str, raw: &str) -> AppResult<(String, String)> {
    let email = validate::email(field, raw)?;
    let normalized = email.to_lowercase();
    Ok((email, normalized))
}

/// Validates the fields and hashes the password (on the blocking pool, outside any transaction).
pub async fn prepare(email: &str, display_name: &str, role: Role, password: &str) -> AppResult<PreparedUser> {
    let (email, email_normalized) = check_email("email", email)?;
    let display_name = validate::name("displayName", display_name, 100)?;
    password::check_strength("password", password)?;
    let password_hash = password::hash(password).await?;
    Ok(PreparedUser { email, email_normalized, display_name, role, password_hash })
}

/// Why an address cannot be given to a new user of `tenant_id` (`None`: a superadmin), if it
/// cannot. Run under [`lock_key`] on the address.
async fn email_conflict(
    conn: &impl ConnectionTrait,
    tenant_id: Option<Uuid>,
    email_normalized: &str,
) -> AppResult<Option<AppError>> {
    if superadmin_holds(conn, email_normalized).await? {
        return Ok(Some(duplicate()));
    }
    let holders = Users::find().filter(user::Column::EmailNormalized.eq(email_normalized));
    let conflict = match tenant_id {
        Some(tenant) => holders.filter(user::Column::TenantId.eq(tenant)).one(conn).await?.map(|_| duplicate()),
        None => holders.one(conn).await?.map(|_| {
            AppError::conflict("a user of a tenant has this address; a superadmin needs an address of their own")
                .with_field("email")
                .with_reason(Reason::EmailInUse)
        }),
    };
    Ok(conflict)
}

/// Writes a user of `tenant_id` (`None`: a superadmin). A taken or reserved address is
/// `CONFLICT` on `email` (see the module's rule) and writes nothing.
pub async fn insert(
    conn: &impl ConnectionTrait,
    tenant_id: Option<Uuid>,
    user: PreparedUser,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<user::Model> {
    lock_key(conn, &format!("user-email:{}", user.email_normalized)).await?;
    if let Some(conflict) = email_conflict(conn, tenant_id, &user.email_normalized).await? {
        return Err(conflict);
    }
    let model = user::Model {
        id: new_id(),
        tenant_id,
        email: user.email,
        email_normalized: user.email_normalized,
        display_name: user.display_name,
        role: user.role,
        password_hash: PasswordHash(user.password_hash),
        created_at: now,
        updated_at: now,
        two_factor_enabled: false,
    };
    Users::insert(user::ActiveModel::from(model.clone()))
        .exec_without_returning(conn)
        .await
        .map_err(|e| AppError::from_db_unique(e, "email", "an account with this e-mail already exists"))?;
    Ok(model)
}

fn duplicate() -> AppError {
    AppError::conflict("an account with this e-mail already exists").with_field("email").with_reason(Reason::Duplicate)
}

/// What signing up answers, whether the address was free or not, so sign-up does not tell
/// anyone which addresses have accounts. (When e-mail exists, the owner of a taken address is
/// told by e-mail that someone tried.)
pub const SIGN_UP_ANSWER: &str = "If this address was new, the account is ready: sign in with it. If it has an account already, sign in or reset its password.";

/// Sign-up of a client, where the tenant allows registration. Returns the new user, or `None`
/// when the address was taken (or reserved); the caller answers the same either way.
pub async fn sign_up(
    conn: &impl ConnectionTrait,
    tenant: &TenantScope,
    allow_registration: bool,
    user: PreparedUser,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<Option<user::Model>> {
    if !allow_registration {
        return Err(AppError::forbidden("sign-ups are closed here").with_reason(Reason::RegistrationClosed));
    }
    match insert(conn, Some(tenant.id), PreparedUser { role: Role::Client, ..user }, now).await {
        Ok(created) => {
            let notice = notifications::Notice {
                tenant_id: tenant.id,
                kind: notifications::NotificationKind::Welcome,
                cause: format!("user:{}:welcome", created.id),
                data: serde_json::json!({}),
                recipient: recipient_of(&created),
            };
            notifications::notify(conn, notice, now).await?;
            Ok(Some(created))
        }
        Err(err) if err.reason == Some(Reason::Duplicate) => Ok(None),
        Err(err) => Err(err),
    }
}

/// Whether the viewer may create users of `role` in the request's tenant (`FORBIDDEN` on
/// `input.role` otherwise). Checked before the password is hashed, and again on writing.
pub fn authorize_grant(request: &RequestContext, role: Role) -> AppResult<()> {
    let viewer = request.require_role(&[Role::Admin, Role::Superadmin])?;
    request.tenant()?;
    if viewer.role.may_grant(role) {
        Ok(())
    } else {
        Err(AppError::forbidden("your role may not grant this role")
            .with_field("role")
            .with_reason(Reason::RoleNotGrantable))
    }
}

/// An admin (or superadmin) creates a user of a role they may grant, in the request's tenant.
pub async fn create_staff(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    user: PreparedUser,
) -> AppResult<user::Model> {
    authorize_grant(request, user.role)?;
    let tenant = request.tenant()?;
    let created = insert(conn, Some(tenant.id), user, request.now()).await?;
    audit::record(conn, request, Change {
        action: "user.create",
        target_type: "user",
        target_id: Some(created.id.to_string()),
        tenant_id: None,
        before: None,
        after: Some(json!({ "id": created.id, "email": created.email, "displayName": created.display_name, "role": created.role })),
    })
    .await?;
    Ok(created)
}

/// The request tenant's users, oldest first, optionally of one role (admins and superadmins).
pub async fn list(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    role: Option<Role>,
    page: PageArgs,
) -> AppResult<Paged<user::Model>> {
    request.require_role(&[Role::Admin, Role::Superadmin])?;
    let tenant = request.tenant()?;
    let mut query = Users::find().filter(user::Column::TenantId.eq(tenant.id));
    if let Some(role) = role {
        query = query.filter(user::Column::Role.eq(role));
    }
    paginate(conn, query, user::Column::Id, Order::oldest_first(), page).await
}

/// Whether a superadmin has this address, asked from any tenant: on PostgreSQL through the
/// database's `superadmin_holds`, which alone looks past the row-level security wall (a
/// tenant's request does not see superadmins' rows), and answers only yes or no.
pub(crate) async fn superadmin_holds(conn: &impl ConnectionTrait, email_normalized: &str) -> AppResult<bool> {
    if conn.get_database_backend() != DbBackend::Postgres {
        return Ok(find_superadmin(conn, email_normalized).await?.is_some());
    }
    let row = conn
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT superadmin_holds($1)",
            [email_normalized.into()],
        ))
        .await?;
    Ok(row.map(|r| r.try_get_by_index::<bool>(0)).transpose()?.unwrap_or(false))
}

pub async fn find_superadmin(conn: &impl ConnectionTrait, email_normalized: &str) -> AppResult<Option<user::Model>> {
    Ok(Users::find()
        .filter(user::Column::TenantId.is_null())
        .filter(user::Column::Role.eq(Role::Superadmin))
        .filter(user::Column::EmailNormalized.eq(email_normalized))
        .one(conn)
        .await?)
}

/// The account an e-mail signs in to under `tenant`: a superadmin (who signs in under any host,
/// and whose address no tenant user may have), else the tenant's user.
pub async fn find_for_sign_in(
    conn: &impl ConnectionTrait,
    tenant: Option<Uuid>,
    email_normalized: &str,
) -> AppResult<Option<user::Model>> {
    if let Some(superadmin) = find_superadmin(conn, email_normalized).await? {
        return Ok(Some(superadmin));
    }
    let Some(tenant) = tenant else { return Ok(None) };
    Ok(Users::find()
        .filter(user::Column::TenantId.eq(tenant))
        .filter(user::Column::EmailNormalized.eq(email_normalized))
        .one(conn)
        .await?)
}

pub async fn find(conn: &impl ConnectionTrait, id: Uuid) -> AppResult<user::Model> {
    Users::find_by_id(id).one(conn).await?.ok_or_else(|| AppError::not_found("user"))
}

/// Whom to notify: `user`, with their address and name.
pub fn recipient_of(user: &user::Model) -> notifications::Recipient {
    notifications::Recipient { user_id: user.id, email: user.email.clone(), name: user.display_name.clone() }
}

/// Whom to notify for user `id`: their address and name as they are now.
pub async fn recipient(conn: &impl ConnectionTrait, id: Uuid) -> AppResult<notifications::Recipient> {
    Ok(recipient_of(&find(conn, id).await?))
}

/// The tenant's admins, to notify (at most 50: a site has a few).
pub async fn admins(conn: &impl ConnectionTrait, tenant: Uuid) -> AppResult<Vec<notifications::Recipient>> {
    use sea_orm::QuerySelect;
    Ok(Users::find()
        .filter(user::Column::TenantId.eq(tenant))
        .filter(user::Column::Role.eq(Role::Admin))
        .limit(50)
        .all(conn)
        .await?
        .iter()
        .map(recipient_of)
        .collect())
}

/// Changes the viewer's password after checking the current one, and signs out their other
/// sessions (whoever knew the old password is logged out). Returns how many were revoked.
pub async fn change_password(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    new_hash: String,
) -> AppResult<u64> {
    let viewer = request.viewer()?;
    Users::update_many()
        .col_expr(user::Column::PasswordHash, sea_orm::sea_query::Expr::value(new_hash))
        .col_expr(user::Column::UpdatedAt, sea_orm::sea_query::Expr::value(request.now()))
        .filter(user::Column::Id.eq(viewer.user_id))
        .exec(conn)
        .await?;
    let revoked = sessions::revoke_others(conn, request).await?;
    super::links::spend_all_of(conn, viewer.user_id, request.now()).await?;
    super::two_factor::end_challenges(conn, viewer.user_id, request.now()).await?;
    audit::record_own(
        conn,
        request,
        Change {
            action: "user.change_password",
            target_type: "user",
            target_id: Some(viewer.user_id.to_string()),
            tenant_id: None,
            before: None,
            after: Some(json!({ "otherSessionsRevoked": revoked })),
        },
    )
    .await?;
    Ok(revoked)
}

/// Checks the viewer's current password and the new one, and hashes the new one (outside any
/// transaction). A wrong current password is `BAD_USER_INPUT` on `currentPassword` and counts
/// as a failed sign-in of the account (the same throttle: a stolen session cannot be used to
/// guess the password faster than the sign-in form allows).
pub async fn prepare_password_change(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    current: &str,
    new: &str,
) -> AppResult<String> {
    let viewer = request.viewer()?;
    password::check_strength("newPassword", new)?;
    let user = find(conn, viewer.user_id).await?;
    let key = throttle::account_key(user.tenant_id, &user.email_normalized);
    let attempt = throttle::begin(conn, request, &key, Some(user.id)).await?;
    if !password::verify(current, Some(&user.password_hash.0)).await? {
        return Err(
            AppError::bad_input("currentPassword", "the current password is wrong").with_reason(Reason::WrongPassword)
        );
    }
    attempt.succeeded(conn).await?;
    password::hash(new).await
}

/// Creates the user unless one with that e-mail exists in that tenant (for the demo seed and
/// `create-superadmin`). Returns whether it was created.
pub async fn ensure(
    conn: &impl ConnectionTrait,
    tenant_id: Option<Uuid>,
    user: PreparedUser,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<bool> {
    let exists = match tenant_id {
        Some(t) => Users::find()
            .filter(user::Column::TenantId.eq(t))
            .filter(user::Column::EmailNormalized.eq(&user.email_normalized))
            .one(conn)
            .await?
            .is_some(),
        None => find_superadmin(conn, &user.email_normalized).await?.is_some(),
    };
    if exists {
        return Ok(false);
    }
    insert(conn, tenant_id, user, now).await?;
    Ok(true)
}

/// Whether `user` is a user of `tenant` with `role`.
pub async fn has_role_in_tenant(conn: &impl ConnectionTrait, tenant: Uuid, user: Uuid, role: Role) -> AppResult<bool> {
    Ok(Users::find_by_id(user)
        .filter(user::Column::TenantId.eq(tenant))
        .filter(user::Column::Role.eq(role))
        .one(conn)
        .await?
        .is_some())
}

/// Inserts many users of one tenant at once (benchmark seeding); their hash is shared.
pub async fn insert_many(
    conn: &impl ConnectionTrait,
    tenant_id: Uuid,
    users: Vec<PreparedUser>,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<Vec<Uuid>> {
    let mut ids = Vec::with_capacity(users.len());
    let rows: Vec<user::ActiveModel> = users
        .into_iter()
        .map(|u| {
            let id = new_id();
            ids.push(id);
            user::ActiveModel::from(user::Model {
                id,
                tenant_id: Some(tenant_id),
                email: u.email,
                email_normalized: u.email_normalized,
                display_name: u.display_name,
                role: u.role,
                password_hash: PasswordHash(u.password_hash),
                created_at: now,
                updated_at: now,
                two_factor_enabled: false,
            })
        })
        .collect();
    for chunk in rows.chunks(500) {
        Users::insert_many(chunk.to_vec()).exec_without_returning(conn).await?;
    }
    Ok(ids)
}

/// Ids of the tenant's users whose e-mail starts with `prefix` (benchmark seeding).
pub async fn ids_with_email_prefix(conn: &impl ConnectionTrait, tenant_id: Uuid, prefix: &str) -> AppResult<Vec<Uuid>> {
    use sea_orm::QuerySelect;
    Ok(Users::find()
        .select_only()
        .column(user::Column::Id)
        .filter(user::Column::TenantId.eq(tenant_id))
        .filter(user::Column::EmailNormalized.starts_with(prefix))
        .into_tuple()
        .all(conn)
        .await?)
}

/// The display names of `tenant`'s users `ids` (one statement).
pub async fn names_of(
    conn: &impl ConnectionTrait,
    tenant_id: Uuid,
    ids: &[Uuid],
) -> AppResult<std::collections::HashMap<Uuid, String>> {
    use sea_orm::QuerySelect;
    if ids.is_empty() {
        return Ok(std::collections::HashMap::new());
    }
    let rows: Vec<(Uuid, String)> = Users::find()
        .select_only()
        .column(user::Column::Id)
        .column(user::Column::DisplayName)
        .filter(user::Column::TenantId.eq(tenant_id))
        .filter(user::Column::Id.is_in(kernel::db::in_list(ids)))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows.into_iter().collect())
}

/// The display names and e-mail addresses of `tenant`'s users `ids` (for exports to the bank:
/// one statement a thousand users).
pub async fn contacts_of(
    conn: &impl ConnectionTrait,
    tenant_id: Uuid,
    ids: &[Uuid],
) -> AppResult<std::collections::HashMap<Uuid, (String, String)>> {
    use sea_orm::QuerySelect;
    let mut contacts = std::collections::HashMap::new();
    for chunk in ids.chunks(1000) {
        let rows: Vec<(Uuid, String, String)> = Users::find()
            .select_only()
            .columns([user::Column::Id, user::Column::DisplayName, user::Column::Email])
            .filter(user::Column::TenantId.eq(tenant_id))
            .filter(user::Column::Id.is_in(kernel::db::in_list(chunk)))
            .into_tuple()
            .all(conn)
            .await?;
        contacts.extend(rows.into_iter().map(|(id, name, email)| (id, (name, email))));
    }
    Ok(contacts)
}

/// The tenant, display name and role of user `id`, if any: what another context needs to know
/// of a person (never their credentials).
pub async fn person(conn: &impl ConnectionTrait, id: Uuid) -> AppResult<Option<(Option<Uuid>, String, Role)>> {
    use sea_orm::QuerySelect;
    Ok(Users::find_by_id(id)
        .select_only()
        .columns([user::Column::TenantId, user::Column::DisplayName, user::Column::Role])
        .into_tuple()
        .one(conn)
        .await?)
}

/// How many users of `tenant` have `role`.
pub async fn count_with_role(conn: &impl ConnectionTrait, tenant_id: Uuid, role: Role) -> AppResult<u64> {
    use sea_orm::PaginatorTrait;
    Ok(Users::find()
        .filter(user::Column::TenantId.eq(tenant_id))
        .filter(user::Column::Role.eq(role))
        .count(conn)
        .await?)
}

/// How many users of each role each of `tenants` has, in one statement.
pub async fn count_by_role(conn: &impl ConnectionTrait, tenants: &[Uuid]) -> AppResult<Vec<(Uuid, Role, u64)>> {
    use sea_orm::QuerySelect;
    if tenants.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<(Option<Uuid>, Role, i64)> = Users::find()
        .select_only()
        .column(user::Column::TenantId)
        .column(user::Column::Role)
        .column_as(user::Column::Id.count(), "n")
        .filter(user::Column::TenantId.is_in(kernel::db::in_list(tenants)))
        .group_by(user::Column::TenantId)
        .group_by(user::Column::Role)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows.into_iter().filter_map(|(t, role, n)| t.map(|t| (t, role, n.max(0) as u64))).collect())
}
