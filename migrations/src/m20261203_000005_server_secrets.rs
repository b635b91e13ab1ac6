//! Secrets of the installation, shared by every process on the database: the key that signs
//! pre-login CSRF tokens. Made at first use (random), never sent anywhere.
use sea_orm_migration::prelude::*;

use crate::m20261130_000001_foundation::instant;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ServerSecrets::Table)
                    .col(
                        ColumnDef::new(ServerSecrets::Name)
                            .string()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(ServerSecrets::Value).string().not_null())
                    .col(instant(ServerSecrets::CreatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ServerSecrets::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum ServerSecrets {
    Table,
    Name,
    Value,
    CreatedAt,
}
