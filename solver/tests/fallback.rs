//! Ponte's extension of the exchange format: `fallback_modalities` ("in person, or video if
//! needed"), `objective.fallback_cost`, and `modality` on assignments and pins. An instance
//! without them means what it meant before.
use std::time::{Duration, Instant};

use ponte_solver::check::check_solution;
use ponte_solver::model::{Instance, Modality, Reason};
use ponte_solver::solve::{solve, Algorithm, Options};
use ponte_solver::{Problem, Solution};
use serde_json::{json, Value};

/// One Tigrinya speaker at home H, 120 minutes from the school S; in person a 09:00 meeting
/// cannot be reached from an 08:00 shift start, by video it can.
fn instance(fallback: Value, earliest: &str) -> Value {
    json!({
        "format": "mediation-dispatch/1", "name": "fallback", "timezone": "Europe/Rome",
        "travel": {"model": "matrix", "minutes": {"H": {"S": 120}, "S": {"H": 120}}},
        "objective": {"urgency_weight": {"emergency": 10000, "urgent": 1000, "routine": 100},
                      "travel_minute_cost": 1, "preferred_mediator_bonus": 20,
                      "fallback_cost": 30},
        "locations": [{"id": "H", "lat": 43.0, "lon": 11.0}, {"id": "S", "lat": 43.9, "lon": 11.1}],
        "mediators": [{"id": "M1", "languages": ["ti"], "home": "H",
            "modalities": ["in_person", "video"],
            "shifts": [{"start": "2026-03-02T08:00:00+01:00", "end": "2026-03-02T18:00:00+01:00"}]}],
        "requests": [{"id": "R1", "kind": "school", "language": "ti", "modality": "in_person",
            "location": "S", "fallback_modalities": fallback,
            "earliest_start": format!("2026-03-02T{earliest}:00+01:00"),
            "latest_start": format!("2026-03-02T{earliest}:00+01:00"),
            "duration_minutes": 60, "urgency": "routine"}]
    })
}

fn run(inst: &Value, algorithm: Algorithm) -> (Problem, Solution) {
    let p = Problem::from_json(&inst.to_string()).expect("valid instance");
    let out = solve(
        &p,
        &Options {
            time_limit: Duration::from_secs(5),
            seed: 1,
            algorithm,
            iterations: Some(500),
            bound: true,
        },
        Instant::now(),
    );
    let sol = out.solution(&p);
    let report = check_solution(&p, &sol).expect("ids resolve");
    assert!(report.violations.is_empty(), "{:?}", report.violations);
    assert_eq!(report.metrics.objective, out.objective);
    (p, sol)
}

#[test]
fn falls_back_only_when_it_must() {
    for algorithm in [Algorithm::Greedy, Algorithm::Ponte] {
        // 09:00: in person is out of reach (08:00 + 120 min), so it is served by video.
        let (_, sol) = run(&instance(json!(["video"]), "09:00"), algorithm);
        assert_eq!(sol.assignments.len(), 1, "{algorithm:?}");
        assert_eq!(sol.assignments[0].modality, Some(Modality::Video));
        assert_eq!(sol.stats["fallbacks"], json!(1));
        // 09:00 without a fallback: the spec's reason, as before.
        let (_, sol) = run(&instance(json!([]), "09:00"), algorithm);
        assert!(sol.assignments.is_empty());
        assert_eq!(sol.unassigned[0].reason, Reason::TravelInfeasible);
        assert!(sol.stats.get("fallbacks").is_none());
    }
    // 11:00 is reachable, but 240 minutes of travel cost more than a routine request is
    // worth (100), less the 30 the fallback costs: the optimiser serves it by video...
    let (_, sol) = run(&instance(json!(["video"]), "11:00"), Algorithm::Ponte);
    assert_eq!(sol.assignments[0].modality, Some(Modality::Video));
    assert_eq!(sol.stats["objective"], json!(70));
    // ...and in person when the trip is cheap.
    let mut near = instance(json!(["video"]), "11:00");
    near["travel"]["minutes"] = json!({"H": {"S": 10}, "S": {"H": 10}});
    let (_, sol) = run(&near, Algorithm::Ponte);
    assert_eq!(sol.assignments[0].modality, None);
    assert_eq!(sol.stats["objective"], json!(80));
}

#[test]
fn the_referee_checks_the_served_modality() {
    let inst = instance(json!(["video"]), "11:00");
    let p = Problem::from_json(&inst.to_string()).unwrap();
    let sol = |modality: Value| -> Solution {
        serde_json::from_value(
            json!({"format": "mediation-dispatch/1", "instance": "fallback",
            "assignments": [{"request": "R1", "mediator": "M1",
                "start": "2026-03-02T11:00:00+01:00", "modality": modality}]}),
        )
        .unwrap()
    };
    let video = check_solution(&p, &sol(json!("video"))).unwrap();
    assert!(video.violations.is_empty());
    assert_eq!(video.metrics.fallbacks, 1);
    assert_eq!(video.metrics.travel_minutes, 0);
    assert_eq!(video.metrics.objective, 70);
    let phone = check_solution(&p, &sol(json!("phone"))).unwrap();
    assert_eq!(phone.violations.len(), 1);
    assert_eq!(phone.violations[0].rule, 3);
    assert!(phone.violations[0]
        .message
        .contains("accepts in_person, video"));
    let in_person = check_solution(&p, &sol(Value::Null)).unwrap();
    assert!(in_person.violations.is_empty());
    assert_eq!(in_person.metrics.travel_minutes, 240);
}

#[test]
fn bad_fallbacks_name_their_field() {
    let mut inst = instance(json!(["in_person"]), "09:00");
    let errors = Problem::from_json(&inst.to_string()).unwrap_err();
    assert_eq!(errors[0].path, "requests[0].fallback_modalities[0]");
    inst["requests"][0]["fallback_modalities"] = json!(["video"]);
    inst["requests"][0]["pinned"] =
        json!({"mediator": "M1", "start": "2026-03-02T09:00:00+01:00", "modality": "phone"});
    let errors = Problem::from_json(&inst.to_string()).unwrap_err();
    assert!(
        errors
            .iter()
            .any(|e| e.path == "requests[0].pinned.modality"),
        "{errors:?}"
    );
    inst["objective"]["fallback_cost"] = json!(-1);
    let errors = Problem::from_json(&inst.to_string()).unwrap_err();
    assert!(errors.iter().any(|e| e.path == "objective.fallback_cost"));
}

#[test]
fn a_pin_keeps_its_modality() {
    let mut inst = instance(json!(["video"]), "09:00");
    inst["requests"][0]["pinned"] =
        json!({"mediator": "M1", "start": "2026-03-02T09:00:00+01:00", "modality": "video"});
    let (_, sol) = run(&inst, Algorithm::Ponte);
    assert_eq!(sol.assignments[0].modality, Some(Modality::Video));
    // Pinned in person at 09:00 cannot be reached: a malformed instance, as before.
    inst["requests"][0]["pinned"]["modality"] = json!("in_person");
    assert!(Problem::from_json(&inst.to_string()).is_err());
}

#[test]
fn instances_without_the_extension_read_and_write_as_before() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fixtures/instances/tuscany-S.json"
    ))
    .unwrap();
    let inst: Instance = serde_json::from_str(&text).unwrap();
    let again: Value = serde_json::to_value(&inst).unwrap();
    assert!(!again.to_string().contains("fallback"));
    let p = Problem::new(inst).unwrap();
    assert_eq!(p.requests.len(), p.groups.len());
}
