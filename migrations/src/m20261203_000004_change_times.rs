//! Organisations and sites get `updated_at`, like requests, assignments and mediators
//! already have: a feed's validator is the latest change of the rows it shows, and an
//! organisation's or site's name is shown in every feed that lists its meetings. Existing
//! rows take their creation time.
use sea_orm_migration::prelude::*;

use crate::m20261130_000001_foundation::{Organisations, Sites};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// SQLite adds a NOT NULL column only with a constant default; every row is then set to its
/// creation time, and every insert names the column.
const EPOCH: &str = "2000-01-01 00:00:00+00:00";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, created) in [
            (
                Organisations::Table.into_iden(),
                Organisations::CreatedAt.into_iden(),
            ),
            (Sites::Table.into_iden(), Sites::CreatedAt.into_iden()),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(table.clone())
                        .add_column(
                            ColumnDef::new(UpdatedAt)
                                .timestamp_with_time_zone()
                                .not_null()
                                .default(EPOCH),
                        )
                        .to_owned(),
                )
                .await?;
            manager
                .exec_stmt(
                    Query::update()
                        .table(table)
                        .value(UpdatedAt, Expr::col(created))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [Organisations::Table.into_iden(), Sites::Table.into_iden()] {
            manager
                .alter_table(
                    Table::alter()
                        .table(table)
                        .drop_column(UpdatedAt)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
struct UpdatedAt;
