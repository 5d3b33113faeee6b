use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// PostgreSQL row-level security under every tenant-owned table (each with a `tenant_id`), as a
/// second wall behind the services' own tenant filters: a connection sees and writes a row only
/// when its transaction names the row's tenant (`app.tenant_id`), or the row is the
/// installation's own (no tenant) and the transaction may see those (`app.installation`), or it
/// may see every tenant (`app.cross_tenant`). `FORCE` makes the tables' owner obey it too. The
/// settings are read once a statement (the `SELECT` makes each an init plan, not a call a row).
/// `kernel::request_db` sets them. SQLite has no row-level security; nothing happens there.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if db.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        for table in tenant_owned_tables(db).await? {
            protect(db, &table).await?;
        }
        for table in USERS_OWN {
            protect_through_user(db, table).await?;
        }
        // A superadmin's address is taken in every tenant, so creating a tenant's user must
        // learn whether one holds it, past the wall: this answers that and nothing else,
        // widening the view for its one statement and putting it back. (Not a `SET` clause on
        // the function: only a superuser may attach an unregistered setting to a function.)
        db.execute_unprepared(
            "CREATE FUNCTION superadmin_holds(address text) RETURNS boolean LANGUAGE plpgsql AS $$ \
             DECLARE \
               before text := coalesce(current_setting('app.installation', true), ''); \
               held boolean; \
             BEGIN \
               PERFORM set_config('app.installation', 'on', true); \
               SELECT EXISTS (SELECT 1 FROM users WHERE tenant_id IS NULL AND role = 'SUPERADMIN' \
                              AND email_normalized = address) INTO held; \
               PERFORM set_config('app.installation', before, true); \
               RETURN held; \
             END $$",
        )
        .await?;
        // Superadmins appear in a site's timelines as actors: their names (and roles), asked by
        // id, and nothing else of theirs, past the wall the same way.
        db.execute_unprepared(
            "CREATE FUNCTION installation_people(ids text) \
             RETURNS TABLE (id uuid, display_name text, role text) LANGUAGE plpgsql AS $$ \
             DECLARE before text := coalesce(current_setting('app.installation', true), ''); \
             BEGIN \
               PERFORM set_config('app.installation', 'on', true); \
               RETURN QUERY SELECT u.id, u.display_name::text, u.role::text FROM users u \
                 WHERE u.tenant_id IS NULL AND u.id = ANY (string_to_array(ids, ',')::uuid[]); \
               PERFORM set_config('app.installation', before, true); \
             END $$",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if db.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        db.execute_unprepared("DROP FUNCTION IF EXISTS superadmin_holds(text)").await?;
        db.execute_unprepared("DROP FUNCTION IF EXISTS installation_people(text)").await?;
        for table in tenant_owned_tables(db).await?.iter().map(String::as_str).chain(USERS_OWN) {
            db.execute_unprepared(&format!(
                "DROP POLICY IF EXISTS tenant_wall ON \"{table}\"; \
                 ALTER TABLE \"{table}\" NO FORCE ROW LEVEL SECURITY; \
                 ALTER TABLE \"{table}\" DISABLE ROW LEVEL SECURITY"
            ))
            .await?;
        }
        Ok(())
    }
}

/// Tables a tenant's users own through `user_id`, without a `tenant_id` of their own.
const USERS_OWN: [&str; 2] = ["two_factor_secrets", "recovery_codes"];

/// Tables outside the wall, and why: the sites themselves (`tenants`, whose rows name no
/// secret and which finding a request's site reads), the installation's settings and flag
/// changes, sign-in throttling's counters (kept per address across sites, by design), and the
/// migrations' own bookkeeping. A test fails for any other table without the wall.
pub const OUTSIDE_THE_WALL: [&str; 5] =
    ["tenants", "system_settings", "flag_changes", "throttle_events", "seaql_migrations"];

/// The tables with a `tenant_id` column.
pub async fn tenant_owned_tables(db: &impl ConnectionTrait) -> Result<Vec<String>, DbErr> {
    let rows = db
        .query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT table_name::text FROM information_schema.columns \
             WHERE table_schema = current_schema() AND column_name = 'tenant_id' ORDER BY 1",
        ))
        .await?;
    rows.iter().map(|row| row.try_get_by_index::<String>(0)).collect()
}

/// Puts `table` behind the wall. A later migration that adds a tenant-owned table calls this
/// for it (on PostgreSQL); the API tests fail for a table that has a `tenant_id` and no wall.
pub async fn protect(db: &impl ConnectionTrait, table: &str) -> Result<(), DbErr> {
    wall(
        db,
        table,
        "tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid) \
         OR (tenant_id IS NULL AND (SELECT current_setting('app.installation', true) = 'on')) \
         OR (SELECT current_setting('app.cross_tenant', true) = 'on')",
    )
    .await
}

/// Puts `table`, whose rows belong to a user (`user_id`), behind the wall: a row is seen where
/// its user is (the `users` policy applies inside this one's subquery).
pub async fn protect_through_user(db: &impl ConnectionTrait, table: &str) -> Result<(), DbErr> {
    wall(db, table, &format!("EXISTS (SELECT 1 FROM users WHERE users.id = \"{table}\".user_id)")).await
}

/// Row-level security on `table`, forced (the owner obeys it too), with the one policy
/// `tenant_wall`: rows where `visible` holds, for reading and writing alike.
async fn wall(db: &impl ConnectionTrait, table: &str, visible: &str) -> Result<(), DbErr> {
    db.execute_unprepared(&format!(
        "ALTER TABLE \"{table}\" ENABLE ROW LEVEL SECURITY; \
         ALTER TABLE \"{table}\" FORCE ROW LEVEL SECURITY; \
         CREATE POLICY tenant_wall ON \"{table}\" USING ({visible})"
    ))
    .await?;
    Ok(())
}
