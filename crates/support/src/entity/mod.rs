//! Support's tables, one file each.

pub mod dispute;
pub mod dispute_event;
pub mod dispute_message;
pub mod escalation;
pub mod sla_policy;
pub mod support_holiday;
pub mod support_setting;
pub mod ticket;
pub mod ticket_event;
pub mod ticket_message;
pub mod ticket_sla;
