//! The sample instances of `fixtures/instances`: they parse, their coverable weight and
//! the greedy baseline's objective agree with what the peers' independent referee published
//! (`fixtures/instances/README.md`: a check of eligibility, travel and rules against an
//! outside implementation), and Ponte solves each to a feasible plan better than greedy.
use std::path::PathBuf;
use std::time::{Duration, Instant};

use ponte_solver::check::check_plan;
use ponte_solver::solve::{solve, Algorithm, Options};
use ponte_solver::Problem;

pub fn instance_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/instances")
        .join(format!("{name}.json"))
}

fn load(name: &str) -> Problem {
    let text = std::fs::read_to_string(instance_path(name)).expect("sample instance readable");
    Problem::from_json(&text).unwrap_or_else(|e| panic!("{name}: {e:?}"))
}

/// (instance, coverable weight %, greedy objective) from peers.md.
const PEERS: [(&str, f64, i64); 6] = [
    ("tuscany-S", 67.5, 24602),
    ("tuscany-M", 87.1, 155163),
    ("shortage-M", 72.0, 106012),
    ("urgent-M", 84.6, 488634),
    ("tuscany-L", 90.5, 947787),
    ("tuscany-XL", 96.5, 3631768),
];

#[test]
fn coverable_weight_matches_the_referee() {
    for (name, coverable_pct, _) in PEERS {
        let p = load(name);
        let pct = 100.0 * p.coverable_weight() as f64 / p.total_weight() as f64;
        assert!(
            (pct - coverable_pct).abs() < 0.051,
            "{name}: coverable {pct:.2}% vs referee {coverable_pct}%"
        );
    }
}

#[test]
fn greedy_matches_the_peers_greedy() {
    for (name, _, greedy) in PEERS {
        let p = load(name);
        let opts = Options {
            algorithm: Algorithm::Greedy,
            bound: false,
            ..Options::default()
        };
        let out = solve(&p, &opts, Instant::now());
        let report = check_plan(&p, &out.plan);
        assert!(
            report.violations.is_empty(),
            "{name}: {:?}",
            report.violations
        );
        assert_eq!(report.metrics.objective, greedy, "{name}");
    }
}

#[test]
fn ponte_solves_every_sample_feasibly_and_beats_greedy() {
    for (name, _, greedy) in PEERS {
        let p = load(name);
        let opts = Options {
            time_limit: Duration::from_millis(if name == "tuscany-XL" { 6000 } else { 1500 }),
            bound: false,
            ..Options::default()
        };
        let out = solve(&p, &opts, Instant::now());
        let report = check_plan(&p, &out.plan);
        assert!(
            report.violations.is_empty(),
            "{name}: {:?}",
            report.violations
        );
        assert_eq!(report.metrics.objective, out.objective, "{name}");
        assert!(
            out.objective > greedy,
            "{name}: {} <= greedy {greedy}",
            out.objective
        );
        // Every pinned request keeps its pin.
        for (r, req) in p.requests.iter().enumerate() {
            if let Some(pin) = req.pinned {
                let slot = out.plan.slots[r].expect("pinned requests stay assigned");
                assert_eq!((slot.shift, slot.start), (pin.shift, pin.start), "{name}");
            }
        }
    }
}

#[test]
fn the_bound_holds_on_the_medium_instances() {
    for (name, best_peer) in [
        ("tuscany-S", 24788),
        ("tuscany-M", 155163),
        ("shortage-M", 106012),
        ("urgent-M", 488634),
    ] {
        let p = load(name);
        let out = solve(
            &p,
            &Options {
                time_limit: Duration::from_secs(2),
                ..Options::default()
            },
            Instant::now(),
        );
        let bound = out.upper_bound.expect("a bound");
        assert!(
            bound >= out.objective && bound >= best_peer,
            "{name}: bound {bound}"
        );
        assert!(
            bound <= p.coverable_weight() + p.requests.len() as i64 * 20,
            "{name}"
        );
    }
}
