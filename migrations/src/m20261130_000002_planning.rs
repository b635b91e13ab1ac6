//! Planning and publishing: plans (one optimiser run each, with its draft assignments), live
//! assignments (published, offered, accepted…), the email outbox, feed tokens, and the
//! email language of mediators and organisations.
//!
//! "Never two mediators for one request" is kept by the database, not by the code: a partial
//! unique index allows one live (published or accepted) assignment per request occurrence,
//! so that concurrent accepts on any number of processes cannot both win.
use sea_orm_migration::prelude::*;

use crate::m20261130_000001_foundation::{
    fk, id, index, instant, Mediators, Organisations, Requests, Users,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Mediators::Table.into_iden(),
            Organisations::Table.into_iden(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(table)
                        .add_column(
                            ColumnDef::new(Locale::Locale)
                                .string()
                                .not_null()
                                .default("it"),
                        )
                        .to_owned(),
                )
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(Plans::Table)
                    .col(id(Plans::Id))
                    .col(ColumnDef::new(Plans::FromDate).date().not_null())
                    .col(ColumnDef::new(Plans::ToDate).date().not_null())
                    .col(instant(Plans::HorizonStart))
                    .col(instant(Plans::HorizonEnd))
                    .col(ColumnDef::new(Plans::Status).string().not_null())
                    .col(ColumnDef::new(Plans::Progress).json())
                    .col(ColumnDef::new(Plans::TimeLimitMs).big_integer().not_null())
                    .col(ColumnDef::new(Plans::Seed).big_integer().not_null())
                    .col(ColumnDef::new(Plans::CreatedBy).big_integer())
                    .col(instant(Plans::CreatedAt))
                    .col(instant(Plans::UpdatedAt))
                    .col(ColumnDef::new(Plans::StartedAt).timestamp_with_time_zone())
                    .col(ColumnDef::new(Plans::FinishedAt).timestamp_with_time_zone())
                    .col(ColumnDef::new(Plans::ClaimedBy).string())
                    .col(ColumnDef::new(Plans::ClaimedUntil).timestamp_with_time_zone())
                    .col(ColumnDef::new(Plans::Instance).text())
                    .col(ColumnDef::new(Plans::Objective).big_integer())
                    .col(ColumnDef::new(Plans::UpperBound).big_integer())
                    .col(ColumnDef::new(Plans::Gap).double())
                    .col(ColumnDef::new(Plans::Kpis).json())
                    .col(ColumnDef::new(Plans::Unassigned).json())
                    .col(ColumnDef::new(Plans::Conflicts).json())
                    .col(ColumnDef::new(Plans::Error).text())
                    .col(ColumnDef::new(Plans::PublishedAt).timestamp_with_time_zone())
                    .col(ColumnDef::new(Plans::PublishedBy).big_integer())
                    .foreign_key(&mut fk(
                        Plans::Table,
                        Plans::CreatedBy,
                        Users::Table,
                        Users::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            Plans::Table,
            "idx_plans_status",
            &[Plans::Status, Plans::Id],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(PlanAssignments::Table)
                    .col(id(PlanAssignments::Id))
                    .col(
                        ColumnDef::new(PlanAssignments::PlanId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PlanAssignments::RequestId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PlanAssignments::Occurrence)
                            .integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PlanAssignments::MediatorId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(instant(PlanAssignments::Start))
                    .col(instant(PlanAssignments::End))
                    .col(
                        ColumnDef::new(PlanAssignments::TravelMinutes)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(
                        ColumnDef::new(PlanAssignments::Locked)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(ColumnDef::new(PlanAssignments::Origin).string().not_null())
                    .col(ColumnDef::new(PlanAssignments::AssignmentId).big_integer())
                    .foreign_key(
                        &mut fk(
                            PlanAssignments::Table,
                            PlanAssignments::PlanId,
                            Plans::Table,
                            Plans::Id,
                        )
                        .on_delete(ForeignKeyAction::Cascade)
                        .to_owned(),
                    )
                    .foreign_key(&mut fk(
                        PlanAssignments::Table,
                        PlanAssignments::RequestId,
                        Requests::Table,
                        Requests::Id,
                    ))
                    .foreign_key(&mut fk(
                        PlanAssignments::Table,
                        PlanAssignments::MediatorId,
                        Mediators::Table,
                        Mediators::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            PlanAssignments::Table,
            "idx_plan_assignments_plan",
            &[PlanAssignments::PlanId, PlanAssignments::RequestId],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Assignments::Table)
                    .col(id(Assignments::Id))
                    .col(
                        ColumnDef::new(Assignments::RequestId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(Assignments::Occurrence).integer().not_null())
                    .col(
                        ColumnDef::new(Assignments::MediatorId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(instant(Assignments::Start))
                    .col(instant(Assignments::End))
                    .col(ColumnDef::new(Assignments::State).string().not_null())
                    .col(ColumnDef::new(Assignments::PlanId).big_integer())
                    .col(ColumnDef::new(Assignments::Uid).string().not_null())
                    .col(
                        ColumnDef::new(Assignments::Sequence)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(ColumnDef::new(Assignments::ResponseTokenHash).string())
                    .col(ColumnDef::new(Assignments::DeclineReason).string())
                    .col(instant(Assignments::CreatedAt))
                    .col(instant(Assignments::UpdatedAt))
                    .col(ColumnDef::new(Assignments::RespondedAt).timestamp_with_time_zone())
                    .foreign_key(&mut fk(
                        Assignments::Table,
                        Assignments::RequestId,
                        Requests::Table,
                        Requests::Id,
                    ))
                    .foreign_key(&mut fk(
                        Assignments::Table,
                        Assignments::MediatorId,
                        Mediators::Table,
                        Mediators::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            Assignments::Table,
            "idx_assignments_mediator_start",
            &[Assignments::MediatorId, Assignments::Start],
        )
        .await?;
        index(
            manager,
            Assignments::Table,
            "idx_assignments_request",
            &[Assignments::RequestId, Assignments::Occurrence],
        )
        .await?;
        index(
            manager,
            Assignments::Table,
            "idx_assignments_start",
            &[Assignments::Start],
        )
        .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_assignments_uid")
                    .table(Assignments::Table)
                    .col(Assignments::Uid)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // Partial indexes are the same SQL on SQLite and PostgreSQL; sea-query has no
        // builder for the WHERE part.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX uq_assignments_live ON assignments (request_id, occurrence) \
                 WHERE state IN ('published', 'accepted')",
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Notices::Table)
                    .col(id(Notices::Id))
                    .col(ColumnDef::new(Notices::MessageId).string().not_null())
                    .col(ColumnDef::new(Notices::Kind).string().not_null())
                    .col(ColumnDef::new(Notices::RecipientEmail).string().not_null())
                    .col(ColumnDef::new(Notices::RecipientName).string())
                    .col(ColumnDef::new(Notices::Locale).string().not_null())
                    .col(ColumnDef::new(Notices::Subject).string().not_null())
                    .col(ColumnDef::new(Notices::BodyText).text().not_null())
                    .col(ColumnDef::new(Notices::BodyHtml).text().not_null())
                    .col(ColumnDef::new(Notices::Ics).text())
                    .col(ColumnDef::new(Notices::IcsMethod).string())
                    .col(ColumnDef::new(Notices::AssignmentId).big_integer())
                    .col(ColumnDef::new(Notices::RequestId).big_integer())
                    .col(ColumnDef::new(Notices::DedupeKey).string())
                    .col(ColumnDef::new(Notices::State).string().not_null())
                    .col(
                        ColumnDef::new(Notices::Attempts)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(instant(Notices::NextAttemptAt))
                    .col(ColumnDef::new(Notices::ClaimedBy).string())
                    .col(ColumnDef::new(Notices::ClaimedUntil).timestamp_with_time_zone())
                    .col(ColumnDef::new(Notices::LastError).text())
                    .col(instant(Notices::CreatedAt))
                    .col(ColumnDef::new(Notices::SentAt).timestamp_with_time_zone())
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("uq_notices_message_id", Notices::MessageId),
            ("uq_notices_dedupe_key", Notices::DedupeKey),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Notices::Table)
                        .col(column)
                        .unique()
                        .to_owned(),
                )
                .await?;
        }
        index(
            manager,
            Notices::Table,
            "idx_notices_due",
            &[Notices::State, Notices::NextAttemptAt],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(FeedTokens::Table)
                    .col(id(FeedTokens::Id))
                    .col(ColumnDef::new(FeedTokens::TokenHash).string().not_null())
                    .col(ColumnDef::new(FeedTokens::OwnerKind).string().not_null())
                    .col(ColumnDef::new(FeedTokens::OwnerId).big_integer().not_null())
                    .col(ColumnDef::new(FeedTokens::CreatedBy).big_integer())
                    .col(instant(FeedTokens::CreatedAt))
                    .col(ColumnDef::new(FeedTokens::RevokedAt).timestamp_with_time_zone())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_feed_tokens_hash")
                    .table(FeedTokens::Table)
                    .col(FeedTokens::TokenHash)
                    .unique()
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            FeedTokens::Table,
            "idx_feed_tokens_owner",
            &[FeedTokens::OwnerKind, FeedTokens::OwnerId],
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let tables: [DynIden; 5] = [
            FeedTokens::Table.into_iden(),
            Notices::Table.into_iden(),
            Assignments::Table.into_iden(),
            PlanAssignments::Table.into_iden(),
            Plans::Table.into_iden(),
        ];
        for table in tables {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        for table in [
            Organisations::Table.into_iden(),
            Mediators::Table.into_iden(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(table)
                        .drop_column(Locale::Locale)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Locale {
    Locale,
}

#[derive(DeriveIden, Clone, Copy)]
enum Plans {
    Table,
    Id,
    FromDate,
    ToDate,
    HorizonStart,
    HorizonEnd,
    Status,
    Progress,
    TimeLimitMs,
    Seed,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
    StartedAt,
    FinishedAt,
    ClaimedBy,
    ClaimedUntil,
    Instance,
    Objective,
    UpperBound,
    Gap,
    Kpis,
    Unassigned,
    Conflicts,
    Error,
    PublishedAt,
    PublishedBy,
}

#[derive(DeriveIden, Clone, Copy)]
enum PlanAssignments {
    Table,
    Id,
    PlanId,
    RequestId,
    Occurrence,
    MediatorId,
    Start,
    End,
    TravelMinutes,
    Locked,
    Origin,
    AssignmentId,
}

#[derive(DeriveIden, Clone, Copy)]
enum Assignments {
    Table,
    Id,
    RequestId,
    Occurrence,
    MediatorId,
    Start,
    End,
    State,
    PlanId,
    Uid,
    Sequence,
    ResponseTokenHash,
    DeclineReason,
    CreatedAt,
    UpdatedAt,
    RespondedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Notices {
    Table,
    Id,
    MessageId,
    Kind,
    RecipientEmail,
    RecipientName,
    Locale,
    Subject,
    BodyText,
    BodyHtml,
    Ics,
    IcsMethod,
    AssignmentId,
    RequestId,
    DedupeKey,
    State,
    Attempts,
    NextAttemptAt,
    ClaimedBy,
    ClaimedUntil,
    LastError,
    CreatedAt,
    SentAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum FeedTokens {
    Table,
    Id,
    TokenHash,
    OwnerKind,
    OwnerId,
    CreatedBy,
    CreatedAt,
    RevokedAt,
}
