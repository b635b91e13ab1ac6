//! Criterion bench of urgent insertion into a solved tuscany-M plan: one emergency placed
//! (best position over every shift) without moving anything.
use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use ponte_solver::insert::Dispatcher;
use ponte_solver::model::Urgency;
use ponte_solver::solve::{solve, Options};
use ponte_solver::Problem;

fn bench(c: &mut Criterion) {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/instances/tuscany-M.json"
    );
    let p = Problem::from_json(&std::fs::read_to_string(path).expect("tuscany-M")).expect("valid");
    let opts = Options {
        time_limit: Duration::from_secs(60),
        iterations: Some(5_000),
        bound: false,
        ..Options::default()
    };
    let plan = solve(&p, &opts, Instant::now()).plan;
    let dispatcher = Dispatcher::new(&p, &plan);
    // An emergency shaped like the first in-person request, two hours of window.
    let mut req = p
        .requests
        .iter()
        .find(|r| r.location.is_some())
        .expect("an in-person request")
        .clone();
    req.urgency = Urgency::Emergency;
    req.weight = p.objective.urgency_weight.emergency;
    req.latest = req.earliest + 2 * 3600;
    req.pinned = None;
    c.bench_function("tuscany-M insert one emergency", |b| {
        b.iter(|| black_box(dispatcher.best(&req).is_ok()))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
