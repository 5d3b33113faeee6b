//! Rows decoded by position (`kernel::row`, which on PostgreSQL skips sqlx's per-cell type check)
//! must read exactly what sea-orm's own decoding reads, NULLs included, and must refuse, not
//! panic, when a cell cannot be what the caller asked for.

use identity::entity::user::{self, Entity as Users};
use kernel::Role;
use orders::entity::order;
use sea_orm::{EntityTrait, Iterable, QuerySelect, QueryTrait};
use uuid::Uuid;

use crate::common::*;

type UserRow = (Uuid, Option<Uuid>, String, Role, bool, chrono::DateTime<chrono::Utc>);

fn user_columns() -> sea_orm::Select<Users> {
    use user::Column as C;
    Users::find().select_only().columns([
        C::Id,
        C::TenantId,
        C::DisplayName,
        C::Role,
        C::TwoFactorEnabled,
        C::CreatedAt,
    ])
}

#[tokio::test]
async fn cells_read_by_position_match_sea_orms_decoding() {
    let world = World::new().await;
    let client = world.as_user("essays", "client@essays.test").await;
    let spec = world.spec(&client, None).await;
    let placed = place(&client, &spec).await.unwrap();

    // texts, ids, a NULL id (the superadmin has no tenant), a text enum, a boolean, a timestamp
    let users: Vec<UserRow> = user_columns().into_tuple().all(&world.db).await.unwrap();
    let by_position: Vec<UserRow> = kernel::row::all(&world.db, user_columns().as_query()).await.unwrap();
    assert_eq!(by_position, users);
    assert!(users.iter().any(|u| u.1.is_none()), "a NULL is read as None");
    assert!(users.iter().any(|u| u.1.is_some()));
    assert!(users.iter().any(|u| u.3 == Role::Client) && users.iter().any(|u| u.3 == Role::Admin));

    // the first row alone
    let first: Option<UserRow> = kernel::row::one(&world.db, user_columns().limit(1).as_query()).await.unwrap();
    assert!(users.contains(&first.expect("a first row")));

    // a whole order, every column by position (integers of both sizes, text enums, an optional
    // enum that is NULL, optional texts), against the model sea-orm decodes by name
    let columns: Vec<order::Column> = order::Column::iter().collect();
    let query = order::Entity::find().select_only().columns(columns.clone());
    let rows = sea_orm::ConnectionTrait::query_all(&world.db, query.as_query()).await.unwrap();
    let mut by_position: Vec<order::Model> =
        rows.iter().map(|row| order::Model::from_columns(row, &columns)).collect::<Result<_, _>>().unwrap();
    let mut by_sea_orm = order::Entity::find().all(&world.db).await.unwrap();
    by_position.sort_by_key(|o| o.id);
    by_sea_orm.sort_by_key(|o| o.id);
    assert_eq!(by_position, by_sea_orm);
    let ours = by_position.iter().find(|o| o.id == placed.id).expect("the placed order is read");
    assert_eq!((ours.total_minor, ours.status_before_hold), (placed.total_minor, None));
}

#[tokio::test]
async fn a_cell_that_cannot_be_what_was_asked_is_an_error_not_a_panic() {
    let world = World::new().await;
    // NULL where a value is required: the superadmin's tenant read as a plain id
    let tenants = Users::find().select_only().column(user::Column::TenantId);
    let result: Result<Vec<(Uuid,)>, _> = kernel::row::all(&world.db, tenants.as_query()).await;
    assert!(result.is_err(), "a NULL read as a required id is refused");

    // text that is no variant of the enum asked for: display names read as roles
    let names = Users::find().select_only().column(user::Column::DisplayName);
    let result: Result<Vec<(Role,)>, _> = kernel::row::all(&world.db, names.as_query()).await;
    assert!(result.is_err(), "a display name is no role");
}
