use sea_orm::entity::prelude::*;

/// One step of an editing task (created, claimed, assigned, started, unclaimed, reviewed,
/// completed, rejected, overdue, cancelled): an editor's recent activity. The order's timeline
/// has the same steps.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "editing_task_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub task_id: Uuid,
    pub order_id: Uuid,
    /// The editor the step concerns (none while the task is in the pool).
    pub editor_id: Option<Uuid>,
    /// Who took it (none: the system).
    pub actor_id: Option<Uuid>,
    pub kind: String,
    pub at: DateTimeUtc,
    pub note: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
