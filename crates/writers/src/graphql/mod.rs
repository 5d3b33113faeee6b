//! Thin resolvers over the workforce services, one file a part of the API.

mod dashboard;
mod editing;
mod editor_dashboard;
mod feedback;
mod fines;
mod levels;
mod portfolio;
mod profiles;
mod promotions;
mod work;

use async_graphql::MergedObject;
use kernel::{Role, RoleGuard};

pub use editor_dashboard::AdminDashboardPart;
pub use levels::WriterLevel;
pub use profiles::WriterProfile;
pub use work::{ViewerPart, WorkSubscription as WritersSubscription};

#[derive(MergedObject, Default)]
pub struct WritersQuery(
    profiles::ProfileQuery,
    levels::LevelQuery,
    work::WorkQuery,
    dashboard::WriterDashboardQuery,
    portfolio::PortfolioQuery,
    promotions::PromotionQuery,
    editing::EditingQuery,
    editor_dashboard::EditorDashboardQuery,
    fines::FineQuery,
);

#[derive(MergedObject, Default)]
pub struct WritersMutation(
    profiles::ProfileMutation,
    levels::LevelMutation,
    work::WorkMutation,
    feedback::FeedbackMutation,
    portfolio::PortfolioMutation,
    promotions::PromotionMutation,
    editing::EditingMutation,
    fines::FineMutation,
);

/// Who may call the admins' fields.
const ADMINS: RoleGuard = RoleGuard::new(crate::service::levels::ADMINS);
/// Who acts for themself as a writer.
const WRITERS: RoleGuard = RoleGuard::new(&[Role::Writer]);
