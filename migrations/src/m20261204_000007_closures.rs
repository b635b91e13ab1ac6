//! Closures entered by coordinators or organisations: a school's holidays, a desk closed
//! for a move, a general strike. National holidays and patron days are computed
//! (`domain::closure`), never stored. One row covers `first_day..=last_day`, for one
//! organisation or, with none, for everyone.
use sea_orm_migration::prelude::*;

use crate::m20261130_000001_foundation::{fk, id, index, instant, Organisations, Users};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Closures::Table)
                    .col(id(Closures::Id))
                    .col(ColumnDef::new(Closures::OrganisationId).big_integer())
                    .col(ColumnDef::new(Closures::FirstDay).date().not_null())
                    .col(ColumnDef::new(Closures::LastDay).date().not_null())
                    .col(ColumnDef::new(Closures::Name).string().not_null())
                    .col(ColumnDef::new(Closures::CreatedBy).big_integer())
                    .col(instant(Closures::CreatedAt))
                    .foreign_key(&mut fk(
                        Closures::Table,
                        Closures::OrganisationId,
                        Organisations::Table,
                        Organisations::Id,
                    ))
                    .foreign_key(&mut fk(
                        Closures::Table,
                        Closures::CreatedBy,
                        Users::Table,
                        Users::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            Closures::Table,
            "ix_closures_days",
            &[Closures::LastDay],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Closures::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Closures {
    Table,
    Id,
    OrganisationId,
    FirstDay,
    LastDay,
    Name,
    CreatedBy,
    CreatedAt,
}
