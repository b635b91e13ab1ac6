//! Urgent dispatch: an emergency (or an urgent request for today) is inserted at once into
//! the published plan without moving anything, and the chosen mediator is told.
//!
//! Interface used by the rest of the service; the planning work fills in the bodies.
use crate::startup::AppState;

/// Called after a request was stored (its transaction committed): dispatches it at once when
/// its urgency asks for it.
pub async fn after_submit(_state: &AppState, _request_id: i64) -> anyhow::Result<()> {
    Ok(())
}

/// Called after a mediator declined (or an offer lapsed): tries the occurrence again, never
/// with a mediator who already declined it.
pub async fn redispatch(
    _state: &AppState,
    _request_id: i64,
    _occurrence: i32,
) -> anyhow::Result<()> {
    Ok(())
}
