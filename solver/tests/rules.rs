//! Each rule of the spec, the language-subtag rule, the travel model and the cost of the
//! way home, on a hand-made instance checked by the referee.
use ponte_solver::check::{check_solution, Report};
use ponte_solver::problem::{haversine_minutes, speaks};
use ponte_solver::{Problem, Solution};
use serde_json::{json, Value};

/// Two places 10 km apart in Prato's plain; M1 speaks ar-MA, M2 zh; M1 has two shifts.
fn instance() -> Value {
    json!({
        "format": "mediation-dispatch/1", "name": "rules", "timezone": "Europe/Rome",
        "travel": {"model": "matrix", "minutes": {
            "H": {"A": 20, "B": 30}, "A": {"H": 20, "B": 15}, "B": {"H": 30, "A": 15}}},
        "objective": {"urgency_weight": {"emergency": 10000, "urgent": 1000, "routine": 100},
                      "travel_minute_cost": 1, "preferred_mediator_bonus": 20},
        "locations": [
            {"id": "H", "name": "home", "lat": 43.88, "lon": 11.10},
            {"id": "A", "name": "IC Mazzoni", "lat": 43.87, "lon": 11.09},
            {"id": "B", "name": "Consultorio", "lat": 43.89, "lon": 11.12}],
        "mediators": [
            {"id": "M1", "languages": ["ar-MA"], "tags": ["female"], "home": "H",
             "modalities": ["in_person", "phone"], "max_work_minutes": 150,
             "shifts": [{"start": "2026-03-02T08:00:00+01:00", "end": "2026-03-02T12:00:00+01:00"},
                        {"start": "2026-03-02T12:30:00+01:00", "end": "2026-03-02T16:00:00+01:00"}]},
            {"id": "M2", "languages": ["zh"], "tags": [], "home": "H", "modalities": ["video"],
             "shifts": [{"start": "2026-03-02T08:00:00+01:00", "end": "2026-03-02T12:00:00+01:00"}]}],
        "requests": [
            req("R1", "ar", "in_person", "A", "09:00", "09:00", 60, &[]),
            req("R2", "ar", "in_person", "B", "10:00", "10:30", 60, &[]),
            req("R3", "ar-MA", "phone", "A", "10:30", "11:00", 30, &["female"]),
            req("R4", "zh", "video", "A", "09:00", "09:00", 60, &[]),
            req("R5", "ar", "in_person", "B", "11:00", "11:30", 60, &[])]
    })
}

#[allow(clippy::too_many_arguments)]
fn req(
    id: &str,
    lang: &str,
    modality: &str,
    loc: &str,
    from: &str,
    to: &str,
    dur: i64,
    tags: &[&str],
) -> Value {
    json!({"id": id, "requester": "IC Mazzoni", "kind": "school", "language": lang,
           "required_tags": tags, "modality": modality, "location": loc,
           "earliest_start": format!("2026-03-02T{from}:00+01:00"),
           "latest_start": format!("2026-03-02T{to}:00+01:00"),
           "duration_minutes": dur, "urgency": "routine",
           "preferred_mediators": [], "excluded_mediators": [], "pinned": null})
}

fn check(inst: &Value, assignments: &[(&str, &str, &str)]) -> Report {
    let p = Problem::from_json(&inst.to_string()).expect("valid instance");
    let sol: Solution = serde_json::from_value(json!({
        "format": "mediation-dispatch/1", "instance": "rules",
        "assignments": assignments.iter().map(|(r, m, t)| json!({
            "request": r, "mediator": m, "start": format!("2026-03-02T{t}:00+01:00")})).collect::<Vec<_>>(),
        "unassigned": []
    }))
    .unwrap();
    check_solution(&p, &sol).expect("ids resolve")
}

fn rules(report: &Report) -> Vec<u8> {
    report.violations.iter().map(|v| v.rule).collect()
}

#[test]
fn a_feasible_plan_and_its_cost() {
    // H -> A (20) -> B (15) -> H (30): the way home counts.
    let r = check(
        &instance(),
        &[
            ("R1", "M1", "09:00"),
            ("R2", "M1", "10:15"),
            ("R4", "M2", "09:00"),
        ],
    );
    assert!(r.violations.is_empty(), "{:?}", r.violations);
    assert_eq!(r.metrics.travel_minutes, 65);
    assert_eq!(r.metrics.objective, 300 - 65);
    assert!(r.metrics.feasible);
}

#[test]
fn rule_1_once_and_pins() {
    let r = check(&instance(), &[("R4", "M2", "09:00"), ("R4", "M2", "09:00")]);
    assert_eq!(rules(&r), vec![1]);
    let mut inst = instance();
    inst["requests"][3]["pinned"] = json!({"mediator": "M2", "start": "2026-03-02T09:00:00+01:00"});
    assert_eq!(
        rules(&check(&inst, &[])),
        vec![1],
        "a pinned request left out"
    );
}

#[test]
fn rule_2_language_subtags() {
    assert!(
        speaks(&["ar-MA".into()], "ar"),
        "a bare tag is served by its subtags"
    );
    assert!(speaks(&["AR-ma".into()], "ar-MA"), "case does not matter");
    assert!(
        !speaks(&["ar".into()], "ar-MA"),
        "ar-MA needs a mediator who lists ar-MA"
    );
    assert!(
        !speaks(&["arn".into()], "ar"),
        "a primary subtag is compared whole"
    );
    let r = check(&instance(), &[("R4", "M1", "09:00")]);
    assert!(rules(&r).contains(&2));
}

#[test]
fn rule_3_tags_modality_exclusion() {
    let mut inst = instance();
    inst["mediators"][0]["tags"] = json!([]);
    assert_eq!(
        rules(&check(&inst, &[("R3", "M1", "10:30")])),
        vec![3],
        "missing tag"
    );
    let mut inst = instance();
    inst["requests"][0]["modality"] = json!("video");
    assert_eq!(
        rules(&check(&inst, &[("R1", "M1", "09:00")])),
        vec![3],
        "modality"
    );
    let mut inst = instance();
    inst["requests"][0]["excluded_mediators"] = json!(["M1"]);
    assert_eq!(
        rules(&check(&inst, &[("R1", "M1", "09:00")])),
        vec![3],
        "excluded"
    );
}

#[test]
fn rule_4_window_and_shift() {
    assert_eq!(
        rules(&check(&instance(), &[("R2", "M1", "10:45")])),
        vec![4],
        "after latest"
    );
    assert_eq!(
        rules(&check(&instance(), &[("R5", "M1", "11:30")])),
        vec![4],
        "past the shift end"
    );
}

#[test]
fn rule_5_overlap_travel_and_way_home() {
    // Overlap.
    let r = check(&instance(), &[("R1", "M1", "09:00"), ("R3", "M1", "09:30")]);
    assert!(rules(&r).contains(&5) || rules(&r).contains(&4));
    // 15 minutes from A to B do not fit between 10:00 and 10:00.
    let mut inst = instance();
    inst["requests"][1]["earliest_start"] = json!("2026-03-02T10:00:00+01:00");
    assert_eq!(
        rules(&check(
            &inst,
            &[("R1", "M1", "09:00"), ("R2", "M1", "10:00")]
        )),
        vec![5]
    );
    // A phone call leaves the mediator where they are: at A after R1, so B is 15 min away.
    let mut inst = instance();
    inst["requests"][4]["duration_minutes"] = json!(45);
    let r = check(
        &inst,
        &[
            ("R1", "M1", "09:00"),
            ("R3", "M1", "10:30"),
            ("R5", "M1", "11:15"),
        ],
    );
    assert!(r.violations.is_empty(), "{:?}", r.violations);
    assert_eq!(r.metrics.travel_minutes, 20 + 15 + 30);
    let r = check(
        &inst,
        &[
            ("R1", "M1", "09:00"),
            ("R3", "M1", "10:30"),
            ("R5", "M1", "11:10"),
        ],
    );
    assert_eq!(rules(&r), vec![5], "A to B takes 15 minutes, not 10");
    // From home at the shift's start: 20 minutes to A.
    let mut inst = instance();
    inst["requests"][0]["earliest_start"] = json!("2026-03-02T08:10:00+01:00");
    assert_eq!(rules(&check(&inst, &[("R1", "M1", "08:10")])), vec![5]);
    // The way home (30 min from B) must fit before the next shift: at 12:30 it does, at
    // 12:20 it does not.
    assert!(check(&instance(), &[("R5", "M1", "11:00")])
        .violations
        .is_empty());
    let mut inst = instance();
    inst["mediators"][0]["shifts"][1]["start"] = json!("2026-03-02T12:20:00+01:00");
    assert_eq!(rules(&check(&inst, &[("R5", "M1", "11:00")])), vec![5]);
}

#[test]
fn rule_6_workload() {
    let r = check(
        &instance(),
        &[
            ("R1", "M1", "09:00"),
            ("R2", "M1", "10:15"),
            ("R5", "M1", "11:30"),
        ],
    );
    assert!(rules(&r).contains(&6));
}

#[test]
fn haversine_travel_model() {
    // Prato to Pistoia, about 16.5 km as the crow flies: 16.5 * 1.3 / 30 * 60 ≈ 43 min.
    let m = haversine_minutes((43.8777, 11.0955), (43.9303, 10.9073), 30.0, 1.3, 5.0);
    assert!((42..=45).contains(&m), "{m}");
    // Short hops take at least min_minutes.
    assert_eq!(
        haversine_minutes((43.8777, 11.0955), (43.8778, 11.0955), 30.0, 1.3, 5.0),
        5
    );
}

#[test]
fn infeasible_pins_make_the_instance_malformed() {
    let mut inst = instance();
    inst["requests"][3]["pinned"] = json!({"mediator": "M1", "start": "2026-03-02T09:00:00+01:00"});
    let errors = Problem::from_json(&inst.to_string()).unwrap_err();
    assert!(
        errors
            .iter()
            .any(|e| e.path == "requests[3].pinned" && e.message.contains("rule 2")),
        "{errors:?}"
    );
}
