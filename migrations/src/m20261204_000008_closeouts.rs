//! What actually happened: each live assignment can record its outcome (delivered, family
//! or mediator no-show, cancelled late), its actual times and a note, after it began. The
//! reports count delivered hours from these, beside the planned ones.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per statement.
        for column in [
            ColumnDef::new(Assignments::Outcome)
                .string()
                .null()
                .to_owned(),
            ColumnDef::new(Assignments::ActualStart)
                .timestamp_with_time_zone()
                .null()
                .to_owned(),
            ColumnDef::new(Assignments::ActualEnd)
                .timestamp_with_time_zone()
                .null()
                .to_owned(),
            ColumnDef::new(Assignments::CloseoutNote)
                .string()
                .null()
                .to_owned(),
            ColumnDef::new(Assignments::ClosedOutBy)
                .big_integer()
                .null()
                .to_owned(),
            ColumnDef::new(Assignments::ClosedOutAt)
                .timestamp_with_time_zone()
                .null()
                .to_owned(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Assignments::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            Assignments::ClosedOutAt,
            Assignments::ClosedOutBy,
            Assignments::CloseoutNote,
            Assignments::ActualEnd,
            Assignments::ActualStart,
            Assignments::Outcome,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Assignments::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Assignments {
    Table,
    Outcome,
    ActualStart,
    ActualEnd,
    CloseoutNote,
    ClosedOutBy,
    ClosedOutAt,
}
