//! The sample instances of `shared/bench/instances` parse, and the coverable weight (requests
//! some mediator could serve alone) agrees with the figure the peers' referee published in
//! `shared/bench/peers.md`: an independent check of eligibility, travel and the reasons.
use std::path::PathBuf;

use ponte_solver::Problem;

pub fn instance_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/bench/instances")
        .join(format!("{name}.json"))
}

#[test]
fn coverable_weight_matches_the_referee() {
    for (name, coverable_pct) in [
        ("tuscany-S", 67.5),
        ("tuscany-M", 87.1),
        ("shortage-M", 72.0),
        ("urgent-M", 84.6),
        ("tuscany-L", 90.5),
        ("tuscany-XL", 96.5),
    ] {
        let text = std::fs::read_to_string(instance_path(name)).expect("sample instance readable");
        let p = Problem::from_json(&text).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        let pct = 100.0 * p.coverable_weight() as f64 / p.total_weight() as f64;
        assert!(
            (pct - coverable_pct).abs() < 0.051,
            "{name}: coverable {pct:.2}% vs referee {coverable_pct}%"
        );
    }
}
