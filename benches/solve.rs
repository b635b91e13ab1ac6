//! Criterion benches of the optimisation core on tuscany-M: one search of a fixed number of
//! iterations (so each sample does the same work), the bound, and the greedy baseline.
use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use ponte_solver::bound::{upper_bound, BoundOptions};
use ponte_solver::solve::{solve, Algorithm, Options};
use ponte_solver::Problem;

fn problem() -> Problem {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/instances/tuscany-M.json"
    );
    Problem::from_json(&std::fs::read_to_string(path).expect("tuscany-M")).expect("valid")
}

fn bench(c: &mut Criterion) {
    let p = problem();
    let mut g = c.benchmark_group("tuscany-M");
    g.sample_size(10);
    g.bench_function("search 20k iterations", |b| {
        let opts = Options {
            time_limit: Duration::from_secs(60),
            iterations: Some(20_000),
            bound: false,
            ..Options::default()
        };
        b.iter(|| black_box(solve(&p, &opts, Instant::now()).objective))
    });
    g.bench_function("bound", |b| {
        let opts = BoundOptions {
            time_limit: Duration::from_secs(60),
        };
        b.iter(|| black_box(upper_bound(&p, &opts).value))
    });
    g.bench_function("greedy", |b| {
        let opts = Options {
            algorithm: Algorithm::Greedy,
            bound: false,
            ..Options::default()
        };
        b.iter(|| black_box(solve(&p, &opts, Instant::now()).objective))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
