pub mod catalog_item;
pub mod order;
pub mod order_draft;
pub mod order_event;
pub mod order_line;
pub mod order_preset;
pub mod pricing_settings;
pub mod revision_request;
