//! Schema migrations, one set for SQLite and PostgreSQL, each with a working `down`.
pub use sea_orm_migration::prelude::*;

mod m20261130_000001_foundation;
mod m20261130_000002_planning;
mod m20261201_000003_occurrence_cancellations;
mod m20261203_000004_change_times;
mod m20261203_000005_server_secrets;
mod m20261204_000006_offer_expiry;
mod m20261204_000007_closures;
mod m20261204_000008_closeouts;
mod m20261205_000009_occurrence_changes;
mod m20261206_000010_fallback_modalities;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261130_000001_foundation::Migration),
            Box::new(m20261130_000002_planning::Migration),
            Box::new(m20261201_000003_occurrence_cancellations::Migration),
            Box::new(m20261203_000004_change_times::Migration),
            Box::new(m20261203_000005_server_secrets::Migration),
            Box::new(m20261204_000006_offer_expiry::Migration),
            Box::new(m20261204_000007_closures::Migration),
            Box::new(m20261204_000008_closeouts::Migration),
            Box::new(m20261205_000009_occurrence_changes::Migration),
            Box::new(m20261206_000010_fallback_modalities::Migration),
        ]
    }
}
