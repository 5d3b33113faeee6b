//! The shared vocabulary of every context: ids, money, the clock, who is asking (viewer, role,
//! tenant scope), the error type with its stable codes, pagination and the request context.

pub mod clock;
pub mod context;
pub mod db;
pub mod error;
pub mod id;
pub mod idempotency;
pub mod money;
pub mod pagination;
pub mod validate;
pub mod viewer;

pub use clock::{Clock, ManualClock, SystemClock};
pub use context::{ClientInfo, ContextExt, RequestContext};
pub use error::{AppError, AppResult, ErrorCode};
pub use id::{new_id, parse_id};
pub use money::Money;
pub use pagination::{Cursor, PageArgs, Paged};
pub use viewer::{Role, RoleGuard, TenantScope, Viewer};
