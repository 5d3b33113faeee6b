//! Rows decoded by position, for the statements every page runs (list pages, their loaders, the
//! session lookup).
//!
//! sea-orm decodes each cell through sqlx's `try_get`, which first checks the column's type
//! against every PostgreSQL type the Rust type accepts (for a `String`: six, one of them looked
//! up by name), and turns a NULL into a formatted error before `Option` turns it back into
//! `None`. On the orders page that was about 550 instructions a text cell, over 700 cells a
//! request: more than the decoding itself. Here, on PostgreSQL, a cell is decoded with
//! `try_get_unchecked` after a NULL check. The check it skips guards against a Rust type that
//! does not match the column; the columns are the entities' own, and debug builds (every test,
//! on both backends in CI) still assert the match. On SQLite cells go through sea-orm as before.

use chrono::{DateTime, Utc};
use sea_orm::sqlx::{self, Decode, Postgres, Row, Type, TypeInfo, ValueRef, postgres::PgRow};
use sea_orm::{ActiveEnum, ConnectionTrait, DbErr, QueryResult, RuntimeErr, StatementBuilder, TryGetError, TryGetable};
use uuid::Uuid;

/// A value read from one cell of a row, by the column's position in the select list.
pub trait Cell: Sized {
    /// The cell at `index`, `None` when it holds NULL.
    fn read_optional(row: &QueryResult, index: usize) -> Result<Option<Self>, TryGetError>;

    /// The cell at `index`; [`TryGetError::Null`] when it holds NULL.
    fn read(row: &QueryResult, index: usize) -> Result<Self, TryGetError> {
        Self::read_optional(row, index)?.ok_or_else(|| TryGetError::Null(index.to_string()))
    }
}

/// An enum stored as its text value (sea-orm's `DeriveActiveEnum` with `rs_type = "String"`),
/// read as a [`Cell`] through its text.
pub trait TextEnum: ActiveEnum<Value = String> {}

/// A row read as a tuple of cells, in select-list order.
pub trait Cells: Sized {
    fn read_row(row: &QueryResult) -> Result<Self, DbErr>;
}

/// Every row of `query`, decoded by position.
pub async fn all<T: Cells>(conn: &impl ConnectionTrait, query: &impl StatementBuilder) -> Result<Vec<T>, DbErr> {
    conn.query_all(query).await?.iter().map(T::read_row).collect()
}

/// The first row of `query` (which should ask for one: `.limit(1)`), decoded by position.
pub async fn one<T: Cells>(conn: &impl ConnectionTrait, query: &impl StatementBuilder) -> Result<Option<T>, DbErr> {
    conn.query_one(query).await?.as_ref().map(T::read_row).transpose()
}

/// The cell at `index`, decoded by position.
pub fn get<T: Cell>(row: &QueryResult, index: usize) -> Result<T, DbErr> {
    Ok(T::read(row, index)?)
}

/// As sea-orm reports a cell it cannot read.
fn decode_error(e: sqlx::Error) -> TryGetError {
    TryGetError::DbErr(DbErr::Query(RuntimeErr::SqlxError(std::sync::Arc::new(e))))
}

/// The cell of a PostgreSQL row, `None` for NULL, decoded without sqlx's type check (asserted in
/// debug builds).
fn decode_pg<'r, T: Decode<'r, Postgres> + Type<Postgres>>(
    row: &'r PgRow,
    index: usize,
) -> Result<Option<T>, TryGetError> {
    let value = row.try_get_raw(index).map_err(decode_error)?;
    if value.is_null() {
        return Ok(None);
    }
    debug_assert!(
        T::compatible(&value.type_info()),
        "column {index} is {}, which {} does not decode",
        value.type_info().name(),
        std::any::type_name::<T>()
    );
    T::decode(value).map(Some).map_err(|e| decode_error(sqlx::Error::Decode(e)))
}

macro_rules! sqlx_cells {
    ($($t:ty),* $(,)?) => {$(
        impl Cell for $t {
            fn read_optional(row: &QueryResult, index: usize) -> Result<Option<Self>, TryGetError> {
                match row.try_as_pg_row() {
                    Some(pg) => decode_pg::<$t>(pg, index),
                    None => <Option<$t> as TryGetable>::try_get_by_index(row, index),
                }
            }
        }
    )*};
}

sqlx_cells!(Uuid, String, i16, i32, i64, bool, f64, DateTime<Utc>);

impl<T: Cell> Cell for Option<T> {
    fn read(row: &QueryResult, index: usize) -> Result<Self, TryGetError> {
        T::read_optional(row, index)
    }

    fn read_optional(row: &QueryResult, index: usize) -> Result<Option<Self>, TryGetError> {
        Ok(T::read_optional(row, index)?.map(Some))
    }
}

impl<E: TextEnum> Cell for E {
    fn read_optional(row: &QueryResult, index: usize) -> Result<Option<Self>, TryGetError> {
        String::read_optional(row, index)?.map(|text| E::try_from_value(&text).map_err(TryGetError::DbErr)).transpose()
    }
}

macro_rules! tuple_cells {
    ($($name:ident $index:tt),+) => {
        impl<$($name: Cell),+> Cells for ($($name,)+) {
            fn read_row(row: &QueryResult) -> Result<Self, DbErr> {
                Ok(($($name::read(row, $index)?,)+))
            }
        }
    };
}

tuple_cells!(A 0);
tuple_cells!(A 0, B 1);
tuple_cells!(A 0, B 1, C 2);
tuple_cells!(A 0, B 1, C 2, D 3);
tuple_cells!(A 0, B 1, C 2, D 3, E 4);
tuple_cells!(A 0, B 1, C 2, D 3, E 4, F 5);
tuple_cells!(A 0, B 1, C 2, D 3, E 4, F 5, G 6);
tuple_cells!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);
