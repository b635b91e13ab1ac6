//! Offers lapse: every assignment that waits for its mediator's answer (an emergency's
//! offers, a published meeting) gets `expires_at`, after which the expiry worker asks the
//! next candidates. Rows written before it have none and never lapse.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Assignments::Table)
                    .add_column(
                        ColumnDef::new(Assignments::ExpiresAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        // The worker's question, every few seconds: which waiting rows are due. A partial
        // index keeps it to the few rows that wait (the same SQL on both databases).
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX ix_assignments_awaiting ON assignments (expires_at) \
                 WHERE state IN ('offered', 'published') AND expires_at IS NOT NULL",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_assignments_awaiting")
                    .table(Assignments::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Assignments::Table)
                    .drop_column(Assignments::ExpiresAt)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Assignments {
    Table,
    ExpiresAt,
}
