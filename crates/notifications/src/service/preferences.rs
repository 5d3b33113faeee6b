//! Which channels a user takes for each kind: every channel unless they chose otherwise. Links
//! that act once go by e-mail alone, and security alerts always by e-mail.

use kernel::{AppError, AppResult, RequestContext, new_id};
use sea_orm::ActiveValue::Set;
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::OnConflict;
use sea_orm::{Iterable, QueryFilter};

use crate::entity::preference::{self, Entity as Preferences};
use crate::kinds::NotificationKind;

/// The channels a kind goes to for a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Channels {
    pub email: bool,
    pub in_app: bool,
    /// Web push, to every browser the user registered.
    pub push: bool,
}

impl Default for Channels {
    fn default() -> Self {
        Self { email: true, in_app: true, push: true }
    }
}

impl From<&preference::Model> for Channels {
    fn from(p: &preference::Model) -> Self {
        Self { email: p.email, in_app: p.in_app, push: p.push }
    }
}

impl Channels {
    /// What a kind really goes to, given the user's choice: a secret by e-mail alone, a security
    /// alert by e-mail always.
    fn within(self, kind: NotificationKind) -> Self {
        if kind.carries_secret() {
            Self { email: true, in_app: false, push: false }
        } else if kind.always_emailed() {
            Self { email: true, ..self }
        } else {
            self
        }
    }
}

/// The user's channels for `kind`.
pub async fn channels(
    conn: &impl ConnectionTrait,
    tenant: Uuid,
    user: Uuid,
    kind: NotificationKind,
) -> AppResult<Channels> {
    Ok(Preferences::find()
        .filter(preference::Column::TenantId.eq(tenant))
        .filter(preference::Column::UserId.eq(user))
        .filter(preference::Column::Kind.eq(kind))
        .one(conn)
        .await?
        .map_or_else(Channels::default, |p| Channels::from(&p))
        .within(kind))
}

/// The viewer's channels for every kind.
pub async fn list(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
) -> AppResult<Vec<(NotificationKind, Channels)>> {
    let viewer = request.viewer()?;
    let tenant = request.tenant()?.id;
    let chosen: Vec<preference::Model> = Preferences::find()
        .filter(preference::Column::TenantId.eq(tenant))
        .filter(preference::Column::UserId.eq(viewer.user_id))
        .all(conn)
        .await?;
    Ok(NotificationKind::iter()
        .map(|kind| {
            let channels = chosen.iter().find(|p| p.kind == kind).map_or_else(Channels::default, Channels::from);
            (kind, channels)
        })
        .collect())
}

/// Sets the viewer's channels for the kinds given (the others keep theirs).
pub async fn update(
    conn: &impl ConnectionTrait,
    request: &RequestContext,
    changes: &[(NotificationKind, Channels)],
) -> AppResult<()> {
    let viewer = request.viewer()?;
    let tenant = request.tenant()?.id;
    for (i, (kind, channels)) in changes.iter().enumerate() {
        if changes[..i].iter().any(|(k, _)| k == kind) {
            return Err(AppError::bad_input(format!("input.{i}.kind"), "a kind may be given once"));
        }
        if kind.always_emailed() && !channels.email {
            return Err(AppError::bad_input(format!("input.{i}.email"), "this kind is always sent by e-mail"));
        }
    }
    for (kind, channels) in changes {
        Preferences::insert(preference::ActiveModel {
            id: Set(new_id()),
            tenant_id: Set(tenant),
            user_id: Set(viewer.user_id),
            kind: Set(*kind),
            email: Set(channels.email),
            in_app: Set(channels.in_app),
            push: Set(channels.push),
            updated_at: Set(request.now()),
        })
        .on_conflict(
            OnConflict::columns([preference::Column::TenantId, preference::Column::UserId, preference::Column::Kind])
                .update_columns([
                    preference::Column::Email,
                    preference::Column::InApp,
                    preference::Column::Push,
                    preference::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    }
    Ok(())
}
