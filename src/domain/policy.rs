//! What Ponte values when it plans, as the solver's exchange format states it: the weight of
//! each urgency against a minute of travel, the bonus for continuity, and the travel model.
//! One home for these, so that plans, dispatch, the fixtures and the shortage what-if weigh
//! alike.
use ponte_solver::model::{Objective, Travel, UrgencyWeight};

/// The spec's defaults (as the fixtures use them): urgency far above travel, so a request is
/// dropped for travel only when it is routine and far away.
pub fn objective() -> Objective {
    Objective {
        urgency_weight: UrgencyWeight {
            emergency: 10_000,
            urgent: 1_000,
            routine: 100,
        },
        travel_minute_cost: 1,
        // A family who knows its mediator is worth an hour's driving: at 20 a preferred
        // mediator 20 minutes further away was never chosen, so continuity never happened.
        preferred_mediator_bonus: 60,
        // "In person, or video if needed": a meeting by video is worth less to a family
        // than one in person, by half an hour of travel. So a mediator drives up to 30 more
        // minutes to meet them, and a routine request too far for anyone is still served.
        fallback_cost: 30,
    }
}

/// Driving in and around Tuscan towns: 30 km/h on average, roads 30 % longer than the
/// straight line, at least 5 minutes to go anywhere.
pub fn travel() -> Travel {
    Travel::Haversine {
        speed_kmh: 30.0,
        detour_factor: 1.3,
        min_minutes: 5.0,
    }
}
