//! The workforce's tables, one file each, and `writer_directory`, the view every writer is
//! listed through.

pub mod editing_order_flag;
pub mod editing_review;
pub mod editing_setting;
pub mod editing_task;
pub mod editing_task_event;
pub mod editor_profile;
pub mod fine;
pub mod fine_policy;
pub mod fine_settings;
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
