//! The audit trail: who changed what, when. Written in the same transaction as the change,
//! so that the trail never claims a change that was rolled back, nor misses one that was not.
use chrono::Utc;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Set};
use serde_json::Value;

use crate::entity::audit_event;

pub use action::Action;

/// Records one event. `entity` is the kind (`request`, `mediator`…), `action` what
/// happened, `detail` what a reviewer needs.
pub async fn record<C: ConnectionTrait>(
    db: &C,
    actor_user_id: Option<i64>,
    action: Action,
    entity: &str,
    entity_id: impl ToString,
    detail: Value,
) -> Result<(), DbErr> {
    // No RETURNING: nobody reads the event back, and PostgreSQL would ship the row.
    let event = audit_event::ActiveModel {
        at: Set(Utc::now()),
        actor_user_id: Set(actor_user_id),
        action: Set(action.as_str().to_string()),
        entity: Set(entity.to_string()),
        entity_id: Set(entity_id.to_string()),
        detail: Set(detail),
        ..Default::default()
    };
    audit_event::Entity::insert(event)
        .exec_without_returning(db)
        .await
        .map(|_| ())
}

pub mod action;
pub mod list;
