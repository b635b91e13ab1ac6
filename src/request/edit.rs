//! Changing a whole request after submission: its notes, preferred and excluded mediators
//! (`PATCH /requests/{id}`). A mediator newly excluded who holds one of its meetings (or an
//! open offer of one) is released from it with notices, and someone else is sought at once
//! for an emergency or urgent request; a routine one waits for the next plan.
use chrono::SubsecRound;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde::Deserialize;
use serde_json::json;

use super::model::Status;
use super::store::{self, Write};
use super::validate::{check_notes, mediators};
use super::view::RequestView;
use crate::audit;
use crate::auth::Caller;
use crate::entity::{assignment, request};
use crate::error::{Error, Validator};
use crate::registry::input::Change;
use crate::startup::AppState;

/// Body of `PATCH /requests/{id}`: any subset; `notes: null` removes the notes.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestPatch {
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub notes: Change<String>,
    /// Replaces the list (mediator ids).
    pub preferred_mediators: Option<Vec<i64>>,
    /// Replaces the list; a mediator added here is released from the request's meetings.
    pub excluded_mediators: Option<Vec<i64>>,
}

/// The states a newly excluded mediator is released from.
const HELD: [crate::domain::assignment::State; 3] = [
    crate::domain::assignment::State::Offered,
    crate::domain::assignment::State::Published,
    crate::domain::assignment::State::Accepted,
];

pub async fn patch(
    state: &AppState,
    caller: &Caller,
    id: i64,
    body: RequestPatch,
) -> Result<RequestView, Error> {
    let db = &state.db;
    let model = store::visible(db, caller, id).await?;
    if model.status != Status::Submitted {
        return Err(Error::Conflict(format!(
            "request {id} is {}: it cannot be changed",
            model.status.as_str()
        )));
    }
    let stored = |v: &serde_json::Value| -> Vec<i64> {
        serde_json::from_value(v.clone()).unwrap_or_default()
    };
    let mut v = Validator::new();
    let notes = body.notes.nullable();
    if let Some(Some(notes)) = &notes {
        check_notes(notes, &mut v);
    }
    let preferred_in = body
        .preferred_mediators
        .clone()
        .unwrap_or_else(|| stored(&model.preferred_mediators));
    let excluded_in = body
        .excluded_mediators
        .clone()
        .unwrap_or_else(|| stored(&model.excluded_mediators));
    let (preferred, excluded) = mediators(db, &preferred_in, &excluded_in, &mut v).await?;
    v.finish()?;

    let now = state.clock.now().trunc_subsecs(6);
    let before = json!({
        "notes": model.notes,
        "preferred_mediators": model.preferred_mediators,
        "excluded_mediators": model.excluded_mediators,
    });
    let newly_excluded: Vec<i64> = {
        let old = stored(&model.excluded_mediators);
        excluded
            .iter()
            .copied()
            .filter(|m| !old.contains(m))
            .collect()
    };
    let w = Write::begin(db).await?;
    let mut row: request::ActiveModel = model.clone().into();
    if let Some(notes) = notes {
        row.notes = Set(notes
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty()));
    }
    row.preferred_mediators = Set(json!(preferred));
    row.excluded_mediators = Set(json!(excluded));
    row.updated_at = Set(now);
    let updated = row.update(&w.txn).await?;
    let released: Vec<assignment::Model> = if newly_excluded.is_empty() {
        Vec::new()
    } else {
        assignment::Entity::find()
            .filter(assignment::Column::RequestId.eq(id))
            .filter(assignment::Column::MediatorId.is_in(newly_excluded.clone()))
            .filter(assignment::Column::State.is_in(HELD))
            .filter(assignment::Column::End.gt(now))
            .all(&w.txn)
            .await?
    };
    let ids: Vec<i64> = released.iter().map(|a| a.id).collect();
    crate::assignment::cancel::release(
        &w.txn,
        &state.links(),
        Some(caller.user_id),
        &ids,
        "mediator_excluded",
    )
    .await?;
    audit::record(
        &w.txn,
        Some(caller.user_id),
        audit::Action::Updated,
        "request",
        id,
        json!({
            "before": before,
            "after": {
                "notes": updated.notes,
                "preferred_mediators": updated.preferred_mediators,
                "excluded_mediators": updated.excluded_mediators,
            },
            "released_assignments": ids,
        }),
    )
    .await?;
    w.commit().await?;
    let occurrences: Vec<(i64, i32)> = released
        .iter()
        .map(|a| (a.request_id, a.occurrence))
        .collect();
    crate::dispatch::after_release(state, &occurrences).await;
    store::view_of(db, &updated).await
}
