//! The workforce's tables, one file each, and `writer_directory`, the view every writer is
//! listed through.

pub mod portfolio_sample;
pub mod writer_badge;
pub mod writer_blackout;
pub mod writer_calendar_feed;
pub mod writer_directory;
pub mod writer_feedback;
pub mod writer_feedback_total;
pub mod writer_level_proposal;
pub mod writer_level_rule;
pub mod writer_order_request;
pub mod writer_portfolio;
pub mod writer_profile;
