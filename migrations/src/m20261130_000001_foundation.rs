//! The foundation: registry (organisations, sites, mediators and their availability),
//! accounts (users, API tokens, sessions), requests, idempotency keys and the audit trail.
//!
//! Portable across SQLite and PostgreSQL: instants are `timestamp with time zone` (text in
//! SQLite, always written in UTC by the service, so text order is time order), lists are
//! JSON, identifiers are 64-bit auto-increment keys.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Organisations::Table)
                    .col(id(Organisations::Id))
                    .col(ColumnDef::new(Organisations::Name).string().not_null())
                    .col(ColumnDef::new(Organisations::Kind).string().not_null())
                    .col(ColumnDef::new(Organisations::Timezone).string().not_null())
                    .col(ColumnDef::new(Organisations::ContactEmail).string())
                    .col(instant(Organisations::CreatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Sites::Table)
                    .col(id(Sites::Id))
                    .col(
                        ColumnDef::new(Sites::OrganisationId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(Sites::Name).string().not_null())
                    .col(ColumnDef::new(Sites::Address).string().not_null())
                    .col(ColumnDef::new(Sites::Lat).double().not_null())
                    .col(ColumnDef::new(Sites::Lon).double().not_null())
                    .col(instant(Sites::CreatedAt))
                    .foreign_key(&mut fk(
                        Sites::Table,
                        Sites::OrganisationId,
                        Organisations::Table,
                        Organisations::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            Sites::Table,
            "idx_sites_organisation",
            &[Sites::OrganisationId],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Tags::Table)
                    .col(ColumnDef::new(Tags::Name).string().not_null().primary_key())
                    .col(ColumnDef::new(Tags::Description).string())
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Mediators::Table)
                    .col(id(Mediators::Id))
                    .col(ColumnDef::new(Mediators::Name).string().not_null())
                    .col(ColumnDef::new(Mediators::Email).string())
                    .col(ColumnDef::new(Mediators::Phone).string())
                    .col(ColumnDef::new(Mediators::Languages).json().not_null())
                    .col(ColumnDef::new(Mediators::Tags).json().not_null())
                    .col(ColumnDef::new(Mediators::Modalities).json().not_null())
                    .col(ColumnDef::new(Mediators::HomeSiteId).big_integer())
                    .col(ColumnDef::new(Mediators::HomeAddress).string())
                    .col(ColumnDef::new(Mediators::HomeLat).double())
                    .col(ColumnDef::new(Mediators::HomeLon).double())
                    .col(ColumnDef::new(Mediators::MaxWeeklyMinutes).integer())
                    .col(ColumnDef::new(Mediators::Timezone).string().not_null())
                    .col(
                        ColumnDef::new(Mediators::Active)
                            .boolean()
                            .not_null()
                            .default(true),
                    )
                    .col(instant(Mediators::CreatedAt))
                    .col(instant(Mediators::UpdatedAt))
                    .foreign_key(&mut fk(
                        Mediators::Table,
                        Mediators::HomeSiteId,
                        Sites::Table,
                        Sites::Id,
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AvailabilityRules::Table)
                    .col(id(AvailabilityRules::Id))
                    .col(
                        ColumnDef::new(AvailabilityRules::MediatorId)
                            .big_integer()
                            .not_null(),
                    )
                    // ISO weekday, 1 = Monday.
                    .col(
                        ColumnDef::new(AvailabilityRules::Weekday)
                            .small_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AvailabilityRules::StartTime)
                            .time()
                            .not_null(),
                    )
                    .col(ColumnDef::new(AvailabilityRules::EndTime).time().not_null())
                    .foreign_key(&mut fk(
                        AvailabilityRules::Table,
                        AvailabilityRules::MediatorId,
                        Mediators::Table,
                        Mediators::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            AvailabilityRules::Table,
            "idx_availability_rules_mediator",
            &[AvailabilityRules::MediatorId],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(AvailabilityExceptions::Table)
                    .col(id(AvailabilityExceptions::Id))
                    .col(
                        ColumnDef::new(AvailabilityExceptions::MediatorId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AvailabilityExceptions::Date)
                            .date()
                            .not_null(),
                    )
                    // `absence` or `extra`.
                    .col(
                        ColumnDef::new(AvailabilityExceptions::Kind)
                            .string()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AvailabilityExceptions::StartTime)
                            .time()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AvailabilityExceptions::EndTime)
                            .time()
                            .not_null(),
                    )
                    .col(ColumnDef::new(AvailabilityExceptions::Note).string())
                    .foreign_key(&mut fk(
                        AvailabilityExceptions::Table,
                        AvailabilityExceptions::MediatorId,
                        Mediators::Table,
                        Mediators::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            AvailabilityExceptions::Table,
            "idx_availability_exceptions_mediator",
            &[
                AvailabilityExceptions::MediatorId,
                AvailabilityExceptions::Date,
            ],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(id(Users::Id))
                    .col(
                        ColumnDef::new(Users::Email)
                            .string()
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(Users::Name).string().not_null())
                    // Absent for accounts that only use API tokens.
                    .col(ColumnDef::new(Users::PasswordHash).string())
                    // `requester`, `mediator`, `coordinator` or `admin`.
                    .col(ColumnDef::new(Users::Role).string().not_null())
                    .col(ColumnDef::new(Users::OrganisationId).big_integer())
                    .col(ColumnDef::new(Users::MediatorId).big_integer())
                    // `it` or `en`.
                    .col(ColumnDef::new(Users::Locale).string().not_null())
                    .col(
                        ColumnDef::new(Users::Active)
                            .boolean()
                            .not_null()
                            .default(true),
                    )
                    .col(instant(Users::CreatedAt))
                    .foreign_key(&mut fk(
                        Users::Table,
                        Users::OrganisationId,
                        Organisations::Table,
                        Organisations::Id,
                    ))
                    .foreign_key(&mut fk(
                        Users::Table,
                        Users::MediatorId,
                        Mediators::Table,
                        Mediators::Id,
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ApiTokens::Table)
                    .col(id(ApiTokens::Id))
                    .col(ColumnDef::new(ApiTokens::UserId).big_integer().not_null())
                    // SHA-256 of the token, hex: a leaked database does not leak tokens.
                    .col(
                        ColumnDef::new(ApiTokens::TokenHash)
                            .string()
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(ApiTokens::Label).string())
                    .col(instant(ApiTokens::CreatedAt))
                    .col(ColumnDef::new(ApiTokens::LastUsedAt).timestamp_with_time_zone())
                    .col(ColumnDef::new(ApiTokens::RevokedAt).timestamp_with_time_zone())
                    .foreign_key(&mut fk(
                        ApiTokens::Table,
                        ApiTokens::UserId,
                        Users::Table,
                        Users::Id,
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Sessions::Table)
                    // SHA-256 of the cookie value, hex.
                    .col(
                        ColumnDef::new(Sessions::IdHash)
                            .string()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Sessions::UserId).big_integer().not_null())
                    .col(ColumnDef::new(Sessions::CsrfToken).string().not_null())
                    .col(instant(Sessions::CreatedAt))
                    .col(instant(Sessions::ExpiresAt))
                    .foreign_key(&mut fk(
                        Sessions::Table,
                        Sessions::UserId,
                        Users::Table,
                        Users::Id,
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Requests::Table)
                    .col(id(Requests::Id))
                    .col(
                        ColumnDef::new(Requests::OrganisationId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(Requests::SiteId).big_integer())
                    .col(ColumnDef::new(Requests::CreatedBy).big_integer())
                    .col(ColumnDef::new(Requests::Language).string().not_null())
                    .col(ColumnDef::new(Requests::RequiredTags).json().not_null())
                    .col(ColumnDef::new(Requests::Modality).string().not_null())
                    .col(instant(Requests::EarliestStart))
                    .col(instant(Requests::LatestStart))
                    .col(
                        ColumnDef::new(Requests::DurationMinutes)
                            .integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(Requests::Urgency).string().not_null())
                    .col(
                        ColumnDef::new(Requests::PreferredMediators)
                            .json()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Requests::ExcludedMediators)
                            .json()
                            .not_null(),
                    )
                    .col(ColumnDef::new(Requests::CaseReference).string())
                    .col(ColumnDef::new(Requests::Notes).text())
                    .col(ColumnDef::new(Requests::Rrule).string())
                    .col(
                        ColumnDef::new(Requests::Occurrences)
                            .integer()
                            .not_null()
                            .default(1),
                    )
                    .col(ColumnDef::new(Requests::Status).string().not_null())
                    .col(ColumnDef::new(Requests::CancelReason).string())
                    .col(instant(Requests::CreatedAt))
                    .col(instant(Requests::UpdatedAt))
                    .foreign_key(&mut fk(
                        Requests::Table,
                        Requests::OrganisationId,
                        Organisations::Table,
                        Organisations::Id,
                    ))
                    .foreign_key(&mut fk(
                        Requests::Table,
                        Requests::SiteId,
                        Sites::Table,
                        Sites::Id,
                    ))
                    .foreign_key(&mut fk(
                        Requests::Table,
                        Requests::CreatedBy,
                        Users::Table,
                        Users::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            Requests::Table,
            "idx_requests_organisation",
            &[Requests::OrganisationId, Requests::Id],
        )
        .await?;
        index(
            manager,
            Requests::Table,
            "idx_requests_start",
            &[Requests::EarliestStart],
        )
        .await?;
        index(
            manager,
            Requests::Table,
            "idx_requests_status",
            &[Requests::Status],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(IdempotencyKeys::Table)
                    .col(
                        ColumnDef::new(IdempotencyKeys::UserId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(IdempotencyKeys::Key).string().not_null())
                    // SHA-256 of the request body: the same key with another body is a conflict.
                    .col(
                        ColumnDef::new(IdempotencyKeys::BodyHash)
                            .string()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(IdempotencyKeys::ResponseStatus)
                            .small_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(IdempotencyKeys::ResponseBody)
                            .text()
                            .not_null(),
                    )
                    .col(instant(IdempotencyKeys::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(IdempotencyKeys::UserId)
                            .col(IdempotencyKeys::Key),
                    )
                    .foreign_key(&mut fk(
                        IdempotencyKeys::Table,
                        IdempotencyKeys::UserId,
                        Users::Table,
                        Users::Id,
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AuditEvents::Table)
                    .col(id(AuditEvents::Id))
                    .col(instant(AuditEvents::At))
                    .col(ColumnDef::new(AuditEvents::ActorUserId).big_integer())
                    .col(ColumnDef::new(AuditEvents::Action).string().not_null())
                    .col(ColumnDef::new(AuditEvents::Entity).string().not_null())
                    .col(ColumnDef::new(AuditEvents::EntityId).string().not_null())
                    .col(ColumnDef::new(AuditEvents::Detail).json().not_null())
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            AuditEvents::Table,
            "idx_audit_events_entity",
            &[AuditEvents::Entity, AuditEvents::EntityId],
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Reverse order of creation, so that no foreign key points into a dropped table.
        let tables: [DynIden; 12] = [
            AuditEvents::Table.into_iden(),
            IdempotencyKeys::Table.into_iden(),
            Requests::Table.into_iden(),
            Sessions::Table.into_iden(),
            ApiTokens::Table.into_iden(),
            Users::Table.into_iden(),
            AvailabilityExceptions::Table.into_iden(),
            AvailabilityRules::Table.into_iden(),
            Mediators::Table.into_iden(),
            Tags::Table.into_iden(),
            Sites::Table.into_iden(),
            Organisations::Table.into_iden(),
        ];
        for table in tables {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

pub(crate) fn id<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name)
        .big_integer()
        .not_null()
        .auto_increment()
        .primary_key()
        .to_owned()
}

pub(crate) fn instant<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

pub(crate) fn fk<A: IntoIden + Copy, B: IntoIden, C: IntoIden, D: IntoIden>(
    table: A,
    column: B,
    to_table: C,
    to_column: D,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, column)
        .to(to_table, to_column)
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

pub(crate) async fn index<T: IntoIden + Copy, C: IntoIden + Copy>(
    manager: &SchemaManager<'_>,
    table: T,
    name: &str,
    columns: &[C],
) -> Result<(), DbErr> {
    let mut statement = Index::create().name(name).table(table).to_owned();
    for column in columns {
        statement.col(*column);
    }
    manager.create_index(statement).await
}

#[derive(DeriveIden, Clone, Copy)]
pub(crate) enum Organisations {
    Table,
    Id,
    Name,
    Kind,
    Timezone,
    ContactEmail,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
pub(crate) enum Sites {
    Table,
    Id,
    OrganisationId,
    Name,
    Address,
    Lat,
    Lon,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Tags {
    Table,
    Name,
    Description,
}

#[derive(DeriveIden, Clone, Copy)]
pub(crate) enum Mediators {
    Table,
    Id,
    Name,
    Email,
    Phone,
    Languages,
    Tags,
    Modalities,
    HomeSiteId,
    HomeAddress,
    HomeLat,
    HomeLon,
    MaxWeeklyMinutes,
    Timezone,
    Active,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum AvailabilityRules {
    Table,
    Id,
    MediatorId,
    Weekday,
    StartTime,
    EndTime,
}

#[derive(DeriveIden, Clone, Copy)]
enum AvailabilityExceptions {
    Table,
    Id,
    MediatorId,
    Date,
    Kind,
    StartTime,
    EndTime,
    Note,
}

#[derive(DeriveIden, Clone, Copy)]
pub(crate) enum Users {
    Table,
    Id,
    Email,
    Name,
    PasswordHash,
    Role,
    OrganisationId,
    MediatorId,
    Locale,
    Active,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum ApiTokens {
    Table,
    Id,
    UserId,
    TokenHash,
    Label,
    CreatedAt,
    LastUsedAt,
    RevokedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Sessions {
    Table,
    IdHash,
    UserId,
    CsrfToken,
    CreatedAt,
    ExpiresAt,
}

#[derive(DeriveIden, Clone, Copy)]
pub(crate) enum Requests {
    Table,
    Id,
    OrganisationId,
    SiteId,
    CreatedBy,
    Language,
    RequiredTags,
    Modality,
    EarliestStart,
    LatestStart,
    DurationMinutes,
    Urgency,
    PreferredMediators,
    ExcludedMediators,
    CaseReference,
    Notes,
    Rrule,
    Occurrences,
    Status,
    CancelReason,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum IdempotencyKeys {
    Table,
    UserId,
    Key,
    BodyHash,
    ResponseStatus,
    ResponseBody,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum AuditEvents {
    Table,
    Id,
    At,
    ActorUserId,
    Action,
    Entity,
    EntityId,
    Detail,
}
