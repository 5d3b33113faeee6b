pub mod audit_entry;
pub mod tenant;
pub mod tenant_domain;
