pub mod account;
pub mod journal_entry;
pub mod posting;
pub mod refund;
