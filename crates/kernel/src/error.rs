//! One error type for every service, with a stable machine-readable code.
//!
//! Resolvers return `async_graphql::Result` and use `?` on `AppError`: async-graphql keeps the
//! original error as the `source` of the GraphQL error, and the gateway turns that source into
//! `message` + `extensions` (see [`AppError::extensions`]). Internal causes are logged where the
//! error is created and never reach a client.

use std::fmt;

use sea_orm::{DbErr, SqlErr};

/// The codes a client can rely on (`extensions.code`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr, strum::Display, strum::EnumIter)]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    Unauthenticated,
    Forbidden,
    NotFound,
    BadUserInput,
    Conflict,
    RateLimited,
    Internal,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// The finer reasons a client can rely on (`extensions.reason`), all of them: the README lists
/// each (a test checks), so a new one is added here and there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, strum::IntoStaticStr, strum::Display, strum::EnumIter)]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum Reason {
    // the request as a whole
    UnsupportedMediaType,
    BodyTooLarge,
    InvalidJson,
    BatchTooLarge,
    DocumentTooLarge,
    QueryTooLarge,
    QueryTooDeep,
    TooManyAliases,
    TooManyFragments,
    TooManySpreads,
    FragmentCycle,
    IntrospectionDisabled,
    // live connections (/graphql/ws)
    TooManyConnections,
    TooManySubscriptions,
    SubscriptionsOnly,
    // the site and the viewer
    NoTenant,
    TenantSuspended,
    FeatureDisabled,
    GlobalKillSwitch,
    RegistrationClosed,
    RoleNotGrantable,
    InvalidCredentials,
    WrongPassword,
    TwoFactorEnrollmentRequired,
    TooShort,
    EmailInUse,
    // input
    ControlCharacter,
    BidiControl,
    TooFarAhead,
    Incomplete,
    PriceOutOfRange,
    PricingNotConfigured,
    Duplicate,
    IdempotencyKeyReused,
    // files
    FileTooLarge,
    FileTypeRefused,
    TooManyFiles,
    // state
    InvalidTransition,
    Stale,
    // the workforce
    LevelLimit,
    WriterInactive,
    Blackout,
    CapacityFull,
    DailyLimit,
    SubjectNotAllowed,
    RequestLimit,
    EditorInactive,
    OutsideExpertise,
    NotCompleted,
    // money
    InsufficientFunds,
    ExceedsPaid,
    AmountMismatch,
    InvalidWebhook,
    // discount codes
    NotFound,
    NotStarted,
    Expired,
    UsageLimit,
    FirstOrderOnly,
    MinOrder,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppError {
    pub code: ErrorCode,
    pub message: String,
    /// The input field at fault, in the GraphQL argument's spelling (`email`, `input.password`).
    pub field: Option<String>,
    /// A finer machine-readable reason (`FEATURE_DISABLED`, `INSUFFICIENT_FUNDS`, ...).
    pub reason: Option<Reason>,
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into(), field: None, reason: None }
    }

    pub fn unauthenticated(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Unauthenticated, message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Forbidden, message)
    }

    /// `NOT_FOUND` for a thing of the given kind; the same answer whether it does not exist or
    /// belongs to someone the viewer may not see, so ids cannot be probed.
    pub fn not_found(what: &str) -> Self {
        Self::new(ErrorCode::NotFound, format!("{what} not found"))
    }

    pub fn bad_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: Some(field.into()), ..Self::new(ErrorCode::BadUserInput, message) }
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Conflict, message)
    }

    pub fn rate_limited(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::RateLimited, message)
    }

    /// An unexpected failure. The cause is logged here; the client sees only "internal error".
    pub fn internal(cause: impl fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(ErrorCode::Internal, "internal error")
    }

    pub fn with_reason(mut self, reason: Reason) -> Self {
        self.reason = Some(reason);
        self
    }

    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// The GraphQL `extensions` object of this error.
    pub fn extensions(&self) -> async_graphql::ErrorExtensionValues {
        let mut ext = async_graphql::ErrorExtensionValues::default();
        ext.set("code", self.code.as_str());
        if let Some(field) = &self.field {
            ext.set("field", field.as_str());
        }
        if let Some(reason) = self.reason {
            ext.set("reason", reason.as_str());
        }
        ext
    }

    /// Maps a unique-constraint violation to `CONFLICT` on `field`, anything else to `INTERNAL`.
    pub fn from_db_unique(err: DbErr, field: &str, message: &str) -> Self {
        match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => {
                Self::conflict(message).with_field(field).with_reason(Reason::Duplicate)
            }
            _ => Self::internal(err),
        }
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for AppError {}

impl From<DbErr> for AppError {
    fn from(err: DbErr) -> Self {
        Self::internal(err)
    }
}

impl From<sea_orm::TransactionError<AppError>> for AppError {
    fn from(err: sea_orm::TransactionError<AppError>) -> Self {
        match err {
            sea_orm::TransactionError::Connection(db) => Self::internal(db),
            sea_orm::TransactionError::Transaction(app) => app,
        }
    }
}

/// Converts an `AppError` into the GraphQL error a resolver returns, keeping the source so the
/// gateway can render its extensions.
impl From<AppError> for async_graphql::ServerError {
    fn from(err: AppError) -> Self {
        let mut server = async_graphql::ServerError::new(err.message.clone(), None);
        server.extensions = Some(err.extensions());
        server
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_errors_hide_their_cause() {
        let err = AppError::internal("relation \"users\" does not exist");
        assert_eq!(err.to_string(), "internal error");
        assert_eq!(err.code, ErrorCode::Internal);
    }

    #[test]
    fn extensions_carry_code_field_and_reason() {
        let err = AppError::bad_input("deadline", "too far").with_reason(Reason::TooFarAhead);
        let ext = serde_json::to_value(err.extensions()).unwrap();
        assert_eq!(ext["code"], "BAD_USER_INPUT");
        assert_eq!(ext["field"], "deadline");
        assert_eq!(ext["reason"], "TOO_FAR_AHEAD");
        assert_eq!(ErrorCode::RateLimited.as_str(), "RATE_LIMITED");
    }

    #[test]
    fn the_graphql_error_keeps_the_app_error_as_source() {
        let gql: async_graphql::Error = AppError::conflict("taken").into();
        let source = gql.source.as_ref().and_then(|s| s.downcast_ref::<AppError>());
        assert_eq!(source.map(|e| e.code), Some(ErrorCode::Conflict));
    }

    /// A client relies on the codes and reasons the README documents: a new one is written down
    /// there, in the errors table, or this fails naming it.
    #[test]
    fn the_readme_lists_every_code_and_reason() {
        use strum::IntoEnumIterator;
        let readme = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md"));
        let listed = |name: &str| readme.contains(&format!("`{name}`"));
        let missing: Vec<&str> = ErrorCode::iter()
            .map(ErrorCode::as_str)
            .chain(Reason::iter().map(Reason::as_str))
            .filter(|name| !listed(name))
            .collect();
        assert!(missing.is_empty(), "README.md does not list: {missing:?}");
    }
}
