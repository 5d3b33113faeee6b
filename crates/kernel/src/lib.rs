//! The shared vocabulary of every context: ids, money, the clock, who is asking (viewer, role,
//! tenant scope and its feature toggles), the error type with its stable codes, pagination,
//! validation, the request context, and the live events of subscriptions.

pub mod clock;
pub mod context;
pub mod db;
pub mod error;
pub mod features;
pub mod id;
pub mod idempotency;
pub mod inline;
pub mod live;
pub mod money;
pub mod pagination;
pub mod request_db;
pub mod row;
pub mod time;
pub mod validate;
pub mod viewer;
pub mod write;

pub use clock::{Clock, ManualClock, SystemClock};
pub use context::{ClientInfo, ContextExt, RequestContext};
pub use error::{AppError, AppResult, ErrorCode, Reason};
pub use features::{Feature, FeatureToggles, KillSwitches, MessageType};
pub use id::{new_id, parse_id};
pub use inline::{Inline, WaitsOnIo};
pub use money::{Money, RATE_ONE, Rate};
pub use pagination::{Cursor, PageArgs, Paged};
pub use request_db::{Reach, RequestDb, WriteTransaction};
pub use time::Timestamp;
pub use viewer::{CLIENT_MONEY_READERS, Role, RoleGuard, TenantScope, Viewer, WRITER_PAY_READERS};
pub use write::{Once, transaction, write, write_once};
