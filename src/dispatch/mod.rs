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

/// Runs `after_submit` on its own task, so that a client hanging up cannot cut it short,
/// and waits for it; a failure is logged, never returned: the request is stored.
pub async fn after_submit_detached(state: &AppState, request_id: i64) {
    let state = state.clone();
    let task = tokio::spawn(async move { after_submit(&state, request_id).await });
    match task.await {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => tracing::error!(error = %e, request_id, "urgent dispatch failed"),
        Err(e) => tracing::error!(error = %e, request_id, "urgent dispatch task failed"),
    }
}
