pub mod audit_entry;
pub mod flag_change;
pub mod system_setting;
pub mod tenant;
pub mod tenant_domain;
