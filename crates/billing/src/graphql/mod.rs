//! Thin resolvers over the billing services, one file a part of the API.

mod dashboard;
mod discounts;
mod integrity;
mod payouts;
mod refunds;
mod topups;
mod wallets;

use async_graphql::MergedObject;

pub use dashboard::AdminDashboardPart;
pub use refunds::Refund;
pub use wallets::{ClientDashboardPart, ViewerPart};

#[derive(MergedObject, Default)]
pub struct BillingQuery(
    topups::TopUpQuery,
    discounts::DiscountQuery,
    refunds::RefundQuery,
    integrity::IntegrityQuery,
    payouts::PayoutQuery,
);

#[derive(MergedObject, Default)]
pub struct BillingMutation(
    topups::TopUpMutation,
    discounts::DiscountMutation,
    wallets::WalletMutation,
    payouts::PayoutMutation,
);
