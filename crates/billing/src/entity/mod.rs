pub mod account;
pub mod discount;
pub mod discount_usage;
pub mod journal_entry;
pub mod payment;
pub mod posting;
pub mod refund;
