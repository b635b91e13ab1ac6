//! One meeting of a series changed: the changed meetings become a request of their own (one
//! meeting, or a series for "this one and the following"), remembering which request and
//! occurrence they came from; the original's occurrences are then called off as "moved",
//! naming the request that took them over.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per statement.
        for column in [
            ColumnDef::new(Requests::ChangedFromRequestId)
                .big_integer()
                .null()
                .to_owned(),
            ColumnDef::new(Requests::ChangedFromOccurrence)
                .integer()
                .null()
                .to_owned(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Requests::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(OccurrenceCancellations::Table)
                    .add_column(
                        ColumnDef::new(OccurrenceCancellations::MovedToRequestId)
                            .big_integer()
                            .null(),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(OccurrenceCancellations::Table)
                    .drop_column(OccurrenceCancellations::MovedToRequestId)
                    .to_owned(),
            )
            .await?;
        for column in [
            Requests::ChangedFromOccurrence,
            Requests::ChangedFromRequestId,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Requests::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Requests {
    Table,
    ChangedFromRequestId,
    ChangedFromOccurrence,
}

#[derive(DeriveIden)]
enum OccurrenceCancellations {
    Table,
    MovedToRequestId,
}
