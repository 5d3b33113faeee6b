//! Relay connections, keyset-paginated: `first` (1..=100, default 20) and an opaque `after`
//! cursor naming the last row seen.

use async_graphql::SimpleObject;
use async_graphql::connection::{Connection, Edge};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use uuid::Uuid;

use crate::AppError;

pub const DEFAULT_PAGE: u64 = 20;
pub const MAX_PAGE: u64 = 100;

/// A validated page request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageArgs {
    pub limit: u64,
    pub after: Option<Uuid>,
}

impl PageArgs {
    pub fn parse(first: Option<i32>, after: Option<String>) -> Result<Self, AppError> {
        let limit = match first {
            None => DEFAULT_PAGE,
            Some(n) if (1..=MAX_PAGE as i32).contains(&n) => n as u64,
            Some(_) => return Err(AppError::bad_input("first", "first must be between 1 and 100")),
        };
        let after = after
            .map(|c| Cursor::decode(&c).ok_or_else(|| AppError::bad_input("after", "invalid cursor")))
            .transpose()?;
        Ok(Self { limit, after })
    }

    /// How many rows to fetch: one more than the page, to learn whether another page follows.
    pub fn fetch(&self) -> u64 {
        self.limit + 1
    }
}

/// Opaque cursors: the row id, base64url-encoded so clients do not build them.
pub struct Cursor;

impl Cursor {
    pub fn encode(id: Uuid) -> String {
        URL_SAFE_NO_PAD.encode(id.as_bytes())
    }

    pub fn decode(cursor: &str) -> Option<Uuid> {
        let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
        Uuid::from_slice(&bytes).ok()
    }
}

/// The connection-level fields every list carries besides edges and `pageInfo`.
#[derive(SimpleObject, Debug, Clone, Copy)]
pub struct ConnectionTotals {
    pub total_count: u64,
}

pub type IdConnection<N> = Connection<String, N, ConnectionTotals>;

/// One page of a service's list: the rows (at most `limit`), the total and whether more follow.
#[derive(Debug, Clone)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub total: u64,
    pub has_previous: bool,
    pub has_next: bool,
}

impl<T> Paged<T> {
    /// From `rows` fetched with [`PageArgs::fetch`], so possibly one more than the page.
    pub fn new(page: PageArgs, mut rows: Vec<T>, total: u64) -> Self {
        let has_next = rows.len() as u64 > page.limit;
        rows.truncate(page.limit as usize);
        Self { items: rows, total, has_previous: page.after.is_some(), has_next }
    }

    /// The Relay connection of this page: each row becomes a node, its cursor naming its id.
    pub fn into_connection<N: async_graphql::OutputType>(
        self,
        id_of: impl Fn(&T) -> Uuid,
        mut to_node: impl FnMut(T) -> N,
    ) -> IdConnection<N> {
        let mut conn = Connection::with_additional_fields(
            self.has_previous,
            self.has_next,
            ConnectionTotals { total_count: self.total },
        );
        conn.edges.extend(self.items.into_iter().map(|row| Edge::new(Cursor::encode(id_of(&row)), to_node(row))));
        conn
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_is_bounded() {
        assert_eq!(PageArgs::parse(None, None).unwrap().limit, 20);
        assert_eq!(PageArgs::parse(Some(100), None).unwrap().limit, 100);
        assert_eq!(PageArgs::parse(Some(0), None).unwrap_err().field.as_deref(), Some("first"));
        assert_eq!(PageArgs::parse(Some(101), None).unwrap_err().field.as_deref(), Some("first"));
    }

    #[test]
    fn a_page_fetched_one_too_long_knows_more_follow() {
        let page = PageArgs::parse(Some(2), None).unwrap();
        let paged = Paged::new(page, vec![1, 2, 3], 7);
        assert_eq!(paged.items, vec![1, 2]);
        assert!(paged.has_next && !paged.has_previous);
        assert_eq!(paged.total, 7);
        let last = Paged::new(page, vec![1], 1);
        assert!(!last.has_next);
    }

    #[test]
    fn cursors_round_trip_and_garbage_is_rejected() {
        let id = crate::new_id();
        let page = PageArgs::parse(Some(5), Some(Cursor::encode(id))).unwrap();
        assert_eq!(page.after, Some(id));
        assert_eq!(PageArgs::parse(None, Some("%%".into())).unwrap_err().field.as_deref(), Some("after"));
    }
}
