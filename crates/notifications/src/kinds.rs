//! The kinds of notification: what each says (its default templates, files in
//! `crates/notifications/templates/`), the data its templates are given (the sample shows the
//! shape, and is what previews and template checks render), and on which channels it goes by
//! default.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    async_graphql::Enum,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(40))")]
#[strum(serialize_all = "snake_case")]
pub enum NotificationKind {
    /// A new client's account is ready (sign-up).
    #[sea_orm(string_value = "WELCOME")]
    Welcome,
    /// The client's receipt for a placed order, with its price lines.
    #[sea_orm(string_value = "ORDER_PLACED")]
    OrderPlaced,
    /// The client's payment was received.
    #[sea_orm(string_value = "ORDER_PAID")]
    OrderPaid,
    /// A writer is offered an order (to accept or decline).
    #[sea_orm(string_value = "ORDER_OFFERED")]
    OrderOffered,
    /// The client: a writer accepted the order.
    #[sea_orm(string_value = "ORDER_ACCEPTED")]
    OrderAccepted,
    /// The client: the work is submitted, to review.
    #[sea_orm(string_value = "ORDER_SUBMITTED")]
    OrderSubmitted,
    /// The writer: the client asked for a revision.
    #[sea_orm(string_value = "REVISION_REQUESTED")]
    RevisionRequested,
    /// The client and the writer: the order is completed.
    #[sea_orm(string_value = "ORDER_COMPLETED")]
    OrderCompleted,
    /// The client: money was refunded.
    #[sea_orm(string_value = "ORDER_REFUNDED")]
    OrderRefunded,
    /// The client: a top-up reached the wallet.
    #[sea_orm(string_value = "WALLET_CREDITED")]
    WalletCredited,
    /// The site's admins: a writer did not answer an offer in time; the order is back in the pool.
    #[sea_orm(string_value = "OFFER_LAPSED")]
    OfferLapsed,
    /// A writer: their request for an order was approved or rejected, or it expired (the order
    /// went to another writer).
    #[sea_orm(string_value = "ORDER_REQUEST_UPDATED")]
    OrderRequestUpdated,
    /// The writer and the site's admins: the writer's deadline passed before the work was submitted.
    #[sea_orm(string_value = "ORDER_LATE")]
    OrderLate,
    /// The site's admins: a refund at or above the site's threshold was made.
    #[sea_orm(string_value = "LARGE_REFUND")]
    LargeRefund,
    /// A link to choose a new password (asked for by `requestPasswordReset`).
    #[sea_orm(string_value = "PASSWORD_RESET")]
    PasswordReset,
    /// The account's password was changed (a security alert).
    #[sea_orm(string_value = "PASSWORD_CHANGED")]
    PasswordChanged,
    /// A link that signs in (asked for by `requestMagicLink`).
    #[sea_orm(string_value = "MAGIC_LINK")]
    MagicLink,
    /// An admin turned the user's two-factor sign-in off (a security alert).
    #[sea_orm(string_value = "TWO_FACTOR_RESET")]
    TwoFactorReset,
    /// The user turned two-factor sign-in on or off (a security alert).
    #[sea_orm(string_value = "TWO_FACTOR_CHANGED")]
    TwoFactorChanged,
    /// Someone signed in to the account (from a new device or place, or at all, as the user
    /// chose), with a "this wasn't me" link in the e-mail.
    #[sea_orm(string_value = "SIGN_IN_ALERT")]
    SignInAlert,
    /// An editor: an admin gave them an editing task.
    #[sea_orm(string_value = "EDITING_TASK_ASSIGNED")]
    EditingTaskAssigned,
    /// The task's editor and the site's admins: an editing task passed its deadline unfinished.
    #[sea_orm(string_value = "EDITING_TASK_OVERDUE")]
    EditingTaskOverdue,
    /// A ticket's requester: support answered (or opened a ticket for them).
    #[sea_orm(string_value = "TICKET_REPLIED")]
    TicketReplied,
    /// A support agent: a ticket was given to them.
    #[sea_orm(string_value = "TICKET_ASSIGNED")]
    TicketAssigned,
    /// A ticket's agent: the requester wrote.
    #[sea_orm(string_value = "TICKET_CUSTOMER_REPLIED")]
    TicketCustomerReplied,
    /// A ticket's agent (or the site's admins): an SLA clock reached its warning share.
    #[sea_orm(string_value = "SLA_WARNING")]
    SlaWarning,
    /// A ticket's agent and the site's admins: an SLA clock passed its target.
    #[sea_orm(string_value = "SLA_BREACHED")]
    SlaBreached,
    /// The other party of an order: its client or writer opened a dispute over it.
    #[sea_orm(string_value = "DISPUTE_OPENED")]
    DisputeOpened,
    /// The client and the writer: a dispute over their order ended (decided or withdrawn).
    #[sea_orm(string_value = "DISPUTE_RESOLVED")]
    DisputeResolved,
    /// The client: an admin turned their refund request down.
    #[sea_orm(string_value = "REFUND_REJECTED")]
    RefundRejected,
    /// The writer: the client tipped them for a completed order (their part of the tip).
    #[sea_orm(string_value = "TIP_RECEIVED")]
    TipReceived,
    /// The writer: a fine on their work on an order, and until when they may appeal it.
    #[sea_orm(string_value = "FINE_ISSUED")]
    FineIssued,
    /// The writer: their fine applied, was waived or voided, or their appeal was decided.
    #[sea_orm(string_value = "FINE_UPDATED")]
    FineUpdated,
}

/// A kind's default templates.
pub struct DefaultTemplates {
    pub subject: &'static str,
    pub html: &'static str,
    pub text: &'static str,
}

macro_rules! templates {
    ($name:literal) => {
        DefaultTemplates {
            subject: include_str!(concat!("../templates/", $name, ".subject")),
            html: include_str!(concat!("../templates/", $name, ".html")),
            text: include_str!(concat!("../templates/", $name, ".txt")),
        }
    };
}

/// A sample order for previews: what the order kinds' templates are given. Kinds that may reach a
/// writer get no money (`total`, `lines`): a writer never sees what the client pays, whatever a
/// tenant's template asks for (a template that prints it is refused when saved).
fn sample_order(money: bool) -> Value {
    let mut order = json!({
        "id": "0193a6f0-0000-7000-8000-000000000001",
        "topic": "The economics of lighthouses",
        "status": "PAID",
        "pages": 3,
        "deadline": "2026-12-24 18:00 UTC",
        "writer_deadline": "2026-12-23 18:00 UTC",
        "currency": "USD",
    });
    if money {
        order["total"] = json!("80.49");
        order["lines"] = json!([
            { "label": "Essay, undergraduate, 3 pages", "amount": "72.00" },
            { "label": "Plagiarism report", "amount": "8.49" },
        ]);
    }
    order
}

impl NotificationKind {
    /// The file stem of its templates, and its name in logs (`order_placed`).
    pub fn code(self) -> &'static str {
        self.into()
    }

    pub fn default_templates(self) -> DefaultTemplates {
        use NotificationKind::*;
        match self {
            Welcome => templates!("welcome"),
            OrderPlaced => templates!("order_placed"),
            OrderPaid => templates!("order_paid"),
            OrderOffered => templates!("order_offered"),
            OrderAccepted => templates!("order_accepted"),
            OrderSubmitted => templates!("order_submitted"),
            RevisionRequested => templates!("revision_requested"),
            OrderCompleted => templates!("order_completed"),
            OrderRefunded => templates!("order_refunded"),
            WalletCredited => templates!("wallet_credited"),
            OfferLapsed => templates!("offer_lapsed"),
            OrderRequestUpdated => templates!("order_request_updated"),
            OrderLate => templates!("order_late"),
            LargeRefund => templates!("large_refund"),
            PasswordReset => templates!("password_reset"),
            PasswordChanged => templates!("password_changed"),
            MagicLink => templates!("magic_link"),
            TwoFactorReset => templates!("two_factor_reset"),
            TwoFactorChanged => templates!("two_factor_changed"),
            SignInAlert => templates!("sign_in_alert"),
            EditingTaskAssigned => templates!("editing_task_assigned"),
            EditingTaskOverdue => templates!("editing_task_overdue"),
            TicketReplied => templates!("ticket_replied"),
            TicketAssigned => templates!("ticket_assigned"),
            TicketCustomerReplied => templates!("ticket_customer_replied"),
            SlaWarning => templates!("sla_warning"),
            SlaBreached => templates!("sla_breached"),
            DisputeOpened => templates!("dispute_opened"),
            DisputeResolved => templates!("dispute_resolved"),
            RefundRejected => templates!("refund_rejected"),
            TipReceived => templates!("tip_received"),
            FineIssued => templates!("fine_issued"),
            FineUpdated => templates!("fine_updated"),
        }
    }

    /// The data its templates are given, as a sample (besides `site`, `brand` and `recipient`,
    /// which every template has).
    pub fn sample(self) -> Value {
        use NotificationKind::*;
        let order = sample_order(!self.reaches_writers());
        match self {
            Welcome => json!({}),
            OrderPlaced | OrderPaid | OrderOffered | OrderAccepted | OrderSubmitted | OrderCompleted | OfferLapsed
            | OrderLate => json!({ "order": order }),
            EditingTaskAssigned | EditingTaskOverdue => {
                json!({ "order": order, "task": { "deadline": "2026-12-23 06:00 UTC" } })
            }
            TicketReplied | TicketAssigned | TicketCustomerReplied => {
                json!({ "ticket": { "id": "0193a1b2-0000-7000-8000-000000000001", "subject": "Where is my order?", "priority": "MEDIUM" } })
            }
            SlaWarning | SlaBreached => json!({
                "ticket": { "id": "0193a1b2-0000-7000-8000-000000000001", "subject": "Where is my order?", "priority": "HIGH" },
                "metric": "first response",
            }),
            DisputeOpened => json!({ "order": order }),
            RefundRejected => json!({ "order": order, "amount": "20.00", "reason": "The work was delivered on time." }),
            DisputeResolved => json!({ "order": order, "status": "completed", "note": "The work met the brief." }),
            TipReceived => json!({ "order": order, "amount": "4.50" }),
            FineIssued => json!({
                "order": order, "amount": "3.15", "kind": "late work",
                "reason": "submitted 3 hour(s) after the writer's deadline", "appeal_until": "2026-12-26 18:00 UTC",
            }),
            FineUpdated => {
                json!({ "order": order, "amount": "3.15", "kind": "late work", "status": "appeal granted", "note": "The client moved the deadline." })
            }
            RevisionRequested => json!({ "order": order, "note": "Please cite two more sources." }),
            OrderRequestUpdated => json!({ "order": order, "status": "rejected", "reason": "needs a senior writer" }),
            OrderRefunded => json!({ "order": order, "amount": "20.00", "destination": "to your wallet" }),
            LargeRefund => json!({ "order": order, "amount": "150.00", "by": "Demo Admin", "reason": "late delivery" }),
            WalletCredited => json!({ "amount": "50.00", "currency": "USD" }),
            PasswordReset => json!({ "link": "https://essays.example/reset-password?token=SAMPLE", "minutes": 30 }),
            MagicLink => json!({ "link": "https://essays.example/sign-in/link?token=SAMPLE", "minutes": 15 }),
            PasswordChanged => json!({ "at": "2026-12-06 15:00 UTC" }),
            TwoFactorReset => json!({ "by": "Demo Admin", "at": "2026-12-06 15:00 UTC" }),
            TwoFactorChanged => json!({ "state": "on", "at": "2026-12-06 15:00 UTC", "ip": "203.0.113.7" }),
            SignInAlert => json!({
                "at": "2026-12-06 15:00 UTC",
                "device": "Firefox on Windows",
                "place": "Lisbon, Portugal",
                "ip": "203.0.113.7",
                "why": "a new device",
                "link": "https://essays.example/not-me?token=SAMPLE",
                "days": 7,
            }),
        }
    }

    /// Whether it carries a secret (a link that acts once): it goes by e-mail only, whatever the
    /// user's choices, and once sent (or given up) its data and text are wiped from the outbox.
    pub fn carries_secret(self) -> bool {
        matches!(self, NotificationKind::PasswordReset | NotificationKind::MagicLink)
    }

    /// The parts of its data only the e-mail carries (a link that acts once, in a notification that
    /// also goes in-app or by push): the in-app text and the push are written without them, and
    /// they are wiped from the outbox once the e-mail is sent or given up. Templates test them
    /// with `is defined`.
    pub fn email_only_data(self) -> &'static [&'static str] {
        match self {
            NotificationKind::SignInAlert => &["link", "days"],
            _ => &[],
        }
    }

    /// Whether e-mail is always sent (the user cannot turn it off): secrets, and security
    /// alerts.
    pub fn always_emailed(self) -> bool {
        self.carries_secret()
            || matches!(
                self,
                NotificationKind::PasswordChanged
                    | NotificationKind::TwoFactorReset
                    | NotificationKind::TwoFactorChanged
            )
    }

    /// Whether it may be sent to a writer: then its order data carries no money.
    pub fn reaches_writers(self) -> bool {
        use NotificationKind::*;
        matches!(
            self,
            OrderOffered
                | RevisionRequested
                | OrderCompleted
                | OrderLate
                | OrderRequestUpdated
                | EditingTaskAssigned
                | EditingTaskOverdue
                | TicketReplied
                | DisputeOpened
                | DisputeResolved
                | TipReceived
                | FineIssued
                | FineUpdated
        )
    }
}
