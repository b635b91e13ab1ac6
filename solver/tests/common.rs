//! Small random instances for property tests, written as JSON like any other instance.
#![allow(dead_code)]
use ponte_solver::rng::Rng;
use serde_json::{json, Value};

/// A random instance: a few places around Prato, 2–3 mediators with one or two shifts,
/// `n` requests with fixed times or windows, every modality and urgency.
pub fn random_instance(seed: u64, n: usize) -> Value {
    let mut rng = Rng::new(seed);
    let places = 5;
    let locations: Vec<Value> = (0..places)
        .map(|i| {
            json!({"id": format!("L{i}"), "name": format!("place {i}"),
                   "lat": 43.85 + 0.02 * rng.unit(), "lon": 11.08 + 0.03 * rng.unit()})
        })
        .collect();
    let langs = ["ar", "ar-MA", "zh"];
    let mediators: Vec<Value> = (0..rng.range(2, 3))
        .map(|i| {
            let mut languages = vec![langs[rng.below(3)]];
            if rng.below(2) == 0 {
                languages.push(langs[rng.below(3)]);
            }
            let mut modalities = vec!["in_person"];
            if rng.below(2) == 0 {
                modalities.push("phone");
            }
            if rng.below(3) == 0 {
                modalities.push("video");
            }
            let mut shifts = vec![json!({"start": "2026-03-02T08:00:00+01:00", "end": "2026-03-02T12:00:00+01:00"})];
            if rng.below(2) == 0 {
                shifts.push(json!({"start": "2026-03-02T12:30:00+01:00", "end": "2026-03-02T16:00:00+01:00"}));
            }
            let mut m = json!({"id": format!("M{i}"), "name": format!("mediator {i}"),
                "languages": languages, "tags": if rng.below(2) == 0 { vec!["female"] } else { vec![] },
                "home": format!("L{}", rng.below(places)), "modalities": modalities, "shifts": shifts});
            if rng.below(3) == 0 {
                m["max_work_minutes"] = json!(90 + 30 * rng.below(4));
            }
            m
        })
        .collect();
    let urgencies = ["emergency", "urgent", "routine", "routine"];
    let modalities = ["in_person", "in_person", "phone", "video"];
    let requests: Vec<Value> = (0..n)
        .map(|i| {
            let start = 8 * 60 + 15 * rng.below(28) as i64;
            let window = if rng.below(2) == 0 {
                0
            } else {
                15 * rng.below(8) as i64
            };
            let t = |min: i64| format!("2026-03-02T{:02}:{:02}:00+01:00", min / 60, min % 60);
            json!({"id": format!("R{i}"), "requester": "IC Mazzoni", "kind": "school",
                "language": langs[rng.below(3)],
                "required_tags": if rng.below(5) == 0 { vec!["female"] } else { vec![] },
                "modality": modalities[rng.below(4)], "location": format!("L{}", rng.below(places)),
                "earliest_start": t(start), "latest_start": t(start + window),
                "duration_minutes": 30 + 15 * rng.below(5), "urgency": urgencies[rng.below(4)],
                "preferred_mediators": if rng.below(4) == 0 { vec!["M0"] } else { vec![] },
                "excluded_mediators": if rng.below(6) == 0 { vec!["M1"] } else { vec![] },
                "pinned": null})
        })
        .collect();
    json!({
        "format": "mediation-dispatch/1", "name": format!("random-{seed}"), "timezone": "Europe/Rome",
        "travel": {"model": "haversine", "speed_kmh": 30, "detour_factor": 1.3, "min_minutes": 5},
        "objective": {"urgency_weight": {"emergency": 10000, "urgent": 1000, "routine": 100},
                      "travel_minute_cost": 1, "preferred_mediator_bonus": 20},
        "locations": locations, "mediators": mediators, "requests": requests
    })
}

/// [`random_instance`] where about half the requests also accept another modality
/// (Ponte's `fallback_modalities`), at a fallback cost of 30.
pub fn random_instance_with_fallbacks(seed: u64, n: usize) -> Value {
    let mut inst = random_instance(seed, n);
    let mut rng = Rng::new(seed ^ 0xfa11_bac4);
    inst["objective"]["fallback_cost"] = json!(30);
    for r in inst["requests"].as_array_mut().unwrap() {
        if rng.below(2) == 0 {
            let own = r["modality"].as_str().unwrap().to_string();
            let other = ["in_person", "phone", "video"]
                .into_iter()
                .filter(|m| *m != own)
                .nth(rng.below(2))
                .unwrap();
            r["fallback_modalities"] = json!([other]);
        }
    }
    inst
}
