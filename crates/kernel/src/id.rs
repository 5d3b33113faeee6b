//! Identifiers are UUIDv7: unique, and ordered by creation, which keyset pagination relies on.

use async_graphql::ID;
use uuid::Uuid;

use crate::AppError;

pub fn new_id() -> Uuid {
    Uuid::now_v7()
}

/// Parses a GraphQL `ID` argument; a malformed one is `BAD_USER_INPUT` on `field`.
pub fn parse_id(field: &str, id: &ID) -> Result<Uuid, AppError> {
    Uuid::parse_str(id.as_str()).map_err(|_| AppError::bad_input(field, "not a valid id"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_sort_by_creation() {
        let a = new_id();
        let b = new_id();
        assert!(a < b);
    }

    #[test]
    fn malformed_ids_name_their_field() {
        let err = parse_id("userId", &ID::from("nope")).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("userId"));
    }
}
