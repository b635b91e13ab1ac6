//! Table `plans`: one optimiser run over a horizon, its snapshot and its results.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "plans")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// First and last local dates of the horizon, both included.
    pub from_date: Date,
    pub to_date: Date,
    pub horizon_start: ChronoDateTimeUtc,
    pub horizon_end: ChronoDateTimeUtc,
    /// `queued`, `running`, `finished`, `failed`.
    pub status: String,
    /// `{phase, fraction, message}` while it runs.
    pub progress: Option<Json>,
    pub time_limit_ms: i64,
    pub seed: i64,
    pub created_by: Option<i64>,
    pub created_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
    pub started_at: Option<ChronoDateTimeUtc>,
    pub finished_at: Option<ChronoDateTimeUtc>,
    /// The worker (process) that runs it, and until when its claim holds.
    pub claimed_by: Option<String>,
    pub claimed_until: Option<ChronoDateTimeUtc>,
    /// The solver instance (`mediation-dispatch/1`), as JSON text.
    #[sea_orm(column_type = "Text", nullable)]
    pub instance: Option<String>,
    pub objective: Option<i64>,
    pub upper_bound: Option<i64>,
    pub gap: Option<f64>,
    pub kpis: Option<Json>,
    /// Unassigned occurrences with their reasons.
    pub unassigned: Option<Json>,
    /// Published assignments that no longer fit (absence added, request moved…).
    pub conflicts: Option<Json>,
    #[sea_orm(column_type = "Text", nullable)]
    pub error: Option<String>,
    pub published_at: Option<ChronoDateTimeUtc>,
    pub published_by: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
