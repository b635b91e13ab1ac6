//! Cancelled occurrences of a series: one row per occurrence a requester (or staff) called
//! off, so that "only the 12th of March" and "from the 12th of March on" are both rows of
//! one shape. The series' RRULE stays as it was submitted: the occurrence numbers of plans,
//! assignments and feeds keep meaning the same appointment.
//!
//! A unique index on (request, occurrence) makes cancelling twice, concurrently or not,
//! a conflict rather than a second row.
use sea_orm_migration::prelude::*;

use crate::m20261130_000001_foundation::{fk, id, instant, Requests, Users};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(OccurrenceCancellations::Table)
                    .col(id(OccurrenceCancellations::Id))
                    .col(
                        ColumnDef::new(OccurrenceCancellations::RequestId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(OccurrenceCancellations::Occurrence)
                            .integer()
                            .not_null(),
                    )
                    .col(instant(OccurrenceCancellations::CancelledAt))
                    .col(ColumnDef::new(OccurrenceCancellations::Reason).string())
                    .col(ColumnDef::new(OccurrenceCancellations::ActorUserId).big_integer())
                    .foreign_key(&mut fk(
                        OccurrenceCancellations::Table,
                        OccurrenceCancellations::RequestId,
                        Requests::Table,
                        Requests::Id,
                    ))
                    .foreign_key(&mut fk(
                        OccurrenceCancellations::Table,
                        OccurrenceCancellations::ActorUserId,
                        Users::Table,
                        Users::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_occurrence_cancellations")
                    .table(OccurrenceCancellations::Table)
                    .col(OccurrenceCancellations::RequestId)
                    .col(OccurrenceCancellations::Occurrence)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(OccurrenceCancellations::Table)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum OccurrenceCancellations {
    Table,
    Id,
    RequestId,
    Occurrence,
    CancelledAt,
    Reason,
    ActorUserId,
}
