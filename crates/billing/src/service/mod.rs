//! Billing rules, free of GraphQL; functions take `&impl ConnectionTrait` so money moves in
//! the caller's transaction.

pub mod dashboard;
pub mod discounts;
pub mod integrity;
pub mod ledger;
pub mod order_money;
pub mod payouts;
pub mod provider;
pub mod refunds;
pub mod topups;
pub mod wallets;
