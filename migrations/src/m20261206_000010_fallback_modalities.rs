//! "In person, or video if needed": a request lists the modalities it also accepts, and
//! each draft and live assignment remembers the modality it is served in (absent: the
//! request's own), so that the mediator knows not to travel and the calendar says so.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Requests::Table)
                    .add_column(
                        ColumnDef::new(Requests::FallbackModalities)
                            .json()
                            .not_null()
                            .default("[]"),
                    )
                    .to_owned(),
            )
            .await?;
        for table in [Tables::Assignments, Tables::PlanAssignments] {
            manager
                .alter_table(
                    Table::alter()
                        .table(table)
                        .add_column(ColumnDef::new(Tables::Modality).string().null())
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [Tables::Assignments, Tables::PlanAssignments] {
            manager
                .alter_table(
                    Table::alter()
                        .table(table)
                        .drop_column(Tables::Modality)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Requests::Table)
                    .drop_column(Requests::FallbackModalities)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Requests {
    Table,
    FallbackModalities,
}

#[derive(DeriveIden, Clone, Copy)]
enum Tables {
    Assignments,
    PlanAssignments,
    Modality,
}
