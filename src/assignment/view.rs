//! A live assignment as the API shows it, trimmed to what the caller may know: a requester
//! learns who is coming (the name of the mediator of a published or accepted assignment) but
//! nothing of the mediators who were only offered the request or declined it, and no one's
//! contact details.
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};
use serde::Serialize;
use utoipa::ToSchema;

use super::State;
use crate::auth::{Caller, Role};
use crate::domain::closeout::{self, Outcome};
use crate::domain::local_time::Instant;
use crate::entity::{assignment, mediator, request};
use crate::request::store::{zone_in, zones};
use crate::request::view::InstantDoc;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AssignmentView {
    pub id: i64,
    pub request_id: i64,
    /// 1 for a single request; in a series, the index of the occurrence counted from 1.
    pub occurrence: i32,
    pub organisation_id: i64,
    /// Null for a requester when the assignment is not (or no longer) the one that holds
    /// the request.
    pub mediator: Option<MediatorRef>,
    #[schema(value_type = InstantDoc)]
    pub start: Instant,
    #[schema(value_type = InstantDoc)]
    pub end: Instant,
    /// `offered`, `published`, `accepted`, `declined`, `withdrawn`, `cancelled` or
    /// `lapsed` (not answered by `expires_at`).
    #[schema(value_type = String)]
    pub state: State,
    pub plan_id: Option<i64>,
    /// The modality it is served in when that is one of the request's fallback modalities
    /// (by video though asked in person); null: the request's own.
    pub modality: Option<crate::domain::request::Modality>,
    /// iCalendar SEQUENCE: raised on every change.
    pub sequence: i32,
    /// Staff and the mediator only.
    pub decline_reason: Option<String>,
    #[schema(value_type = Option<InstantDoc>)]
    pub responded_at: Option<Instant>,
    /// While it awaits its mediator's answer (`offered`, `published`): when it lapses and
    /// goes to the next candidates. Null once answered, and for rows that never lapse.
    #[schema(value_type = Option<InstantDoc>)]
    pub expires_at: Option<Instant>,
    #[schema(value_type = InstantDoc)]
    pub created_at: Instant,
    #[schema(value_type = InstantDoc)]
    pub updated_at: Instant,
    /// What actually happened, once recorded (`POST /assignments/{id}/closeout`).
    pub closeout: Option<CloseoutView>,
}

/// A meeting's recorded outcome.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CloseoutView {
    pub outcome: Outcome,
    #[schema(value_type = Option<InstantDoc>)]
    pub actual_start: Option<Instant>,
    #[schema(value_type = Option<InstantDoc>)]
    pub actual_end: Option<Instant>,
    /// Minutes counted as delivered: the actual duration of a delivered meeting, else 0.
    pub delivered_minutes: i64,
    /// Staff, the mediator and the organisation.
    pub note: Option<String>,
    #[schema(value_type = Option<InstantDoc>)]
    pub recorded_at: Option<Instant>,
}

/// Who the assignment is for; contact details only for staff and the mediator themself.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MediatorRef {
    pub id: i64,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// One page of `GET /assignments`.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssignmentPage {
    pub items: Vec<AssignmentView>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// What the views of some rows need besides the rows: organisations and zones of their
/// requests, names of their mediators. Three queries for a whole page.
pub struct Context {
    organisation_of: HashMap<i64, i64>,
    zones: HashMap<i64, Tz>,
    mediators: HashMap<i64, mediator::Model>,
}

impl Context {
    pub async fn load<C: ConnectionTrait>(
        db: &C,
        rows: &[assignment::Model],
    ) -> Result<Self, DbErr> {
        let request_ids: Vec<i64> = rows.iter().map(|a| a.request_id).collect();
        let organisation_of: HashMap<i64, i64> = if request_ids.is_empty() {
            HashMap::new()
        } else {
            request::Entity::find()
                .select_only()
                .column(request::Column::Id)
                .column(request::Column::OrganisationId)
                .filter(request::Column::Id.is_in(request_ids))
                .into_tuple::<(i64, i64)>()
                .all(db)
                .await?
                .into_iter()
                .collect()
        };
        let zones = zones(db, organisation_of.values().copied()).await?;
        let mediator_ids: Vec<i64> = rows.iter().map(|a| a.mediator_id).collect();
        let mediators = if mediator_ids.is_empty() {
            HashMap::new()
        } else {
            mediator::Entity::find()
                .filter(mediator::Column::Id.is_in(mediator_ids))
                .all(db)
                .await?
                .into_iter()
                .map(|m| (m.id, m))
                .collect()
        };
        Ok(Context {
            organisation_of,
            zones,
            mediators,
        })
    }

    pub fn organisation_of(&self, a: &assignment::Model) -> Option<i64> {
        self.organisation_of.get(&a.request_id).copied()
    }

    pub fn view(&self, caller: &Caller, a: &assignment::Model) -> AssignmentView {
        let organisation_id = self.organisation_of(a).unwrap_or_default();
        let zone = zone_in(&self.zones, organisation_id);
        let at = |t: DateTime<Utc>| Instant::new(t, zone);
        let full = caller.role.is_staff() || caller.mediator_id == Some(a.mediator_id);
        let holds = a.state.is_live();
        let mediator = self
            .mediators
            .get(&a.mediator_id)
            .filter(|_| full || (caller.role == Role::Requester && holds))
            .map(|m| MediatorRef {
                id: m.id,
                name: m.name.clone(),
                email: m.email.clone().filter(|_| full),
                phone: m.phone.clone().filter(|_| full),
            });
        AssignmentView {
            id: a.id,
            request_id: a.request_id,
            occurrence: a.occurrence,
            organisation_id,
            mediator,
            start: at(a.start),
            end: at(a.end),
            state: a.state,
            plan_id: a.plan_id,
            modality: a.modality,
            sequence: a.sequence,
            decline_reason: a.decline_reason.clone().filter(|_| full),
            responded_at: a.responded_at.map(at),
            expires_at: a
                .expires_at
                .filter(|_| crate::domain::assignment::AWAITING.contains(&a.state))
                .map(at),
            created_at: at(a.created_at),
            updated_at: at(a.updated_at),
            closeout: a.outcome.map(|outcome| CloseoutView {
                outcome,
                actual_start: a.actual_start.map(at),
                actual_end: a.actual_end.map(at),
                delivered_minutes: closeout::delivered_minutes(
                    outcome,
                    a.actual_start.unwrap_or(a.start),
                    a.actual_end.unwrap_or(a.end),
                ),
                note: a.closeout_note.clone(),
                recorded_at: a.closed_out_at.map(at),
            }),
        }
    }
}
