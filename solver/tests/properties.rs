//! Properties on random small instances: every plan from `solve` passes the referee, the
//! bound is never below a feasible plan, and on instances of at most 7 requests the plan
//! is as good as the optimum found by brute force.
mod common;

use std::time::{Duration, Instant};

use ponte_solver::bound::{upper_bound, BoundOptions};
use ponte_solver::check::{check_assignments, check_plan};
use ponte_solver::problem::Time;
use ponte_solver::solve::{solve, Algorithm, Options};
use ponte_solver::Problem;

fn problem(seed: u64, n: usize) -> Problem {
    Problem::from_json(&common::random_instance(seed, n).to_string()).expect("valid instance")
}

fn problem_with_fallbacks(seed: u64, n: usize) -> Problem {
    Problem::from_json(&common::random_instance_with_fallbacks(seed, n).to_string())
        .expect("valid instance")
}

/// The exact method alone (route enumeration and set partitioning), with room to finish.
fn solve_exactly(p: &Problem) -> ponte_solver::exact::Exact {
    use ponte_solver::exact::{solve_parts, ExactLimits};
    solve_parts(
        p,
        &ExactLimits {
            deadline: Instant::now() + Duration::from_secs(20),
            max_steps: 1_000_000,
            max_routes: 100_000,
        },
    )
}

fn options(algorithm: Algorithm) -> Options {
    Options {
        time_limit: Duration::from_secs(5),
        seed: 7,
        algorithm,
        iterations: Some(3000),
        bound: true,
    }
}

/// Earliest-start schedule of an order in a shift, checked by the referee; written here
/// rather than taken from the solver so that the brute force is independent of it.
fn best_by_brute_force(p: &Problem) -> i64 {
    let n = p.requests.len();
    let shifts = p.shifts.len();
    let mut best = i64::MIN;
    // Each request: unassigned (== shifts) or a shift index; then every order per shift.
    let mut choice = vec![0usize; n];
    loop {
        if let Some(v) = best_orders(p, &choice) {
            best = best.max(v);
        }
        // Next combination.
        let mut i = 0;
        loop {
            if i == n {
                return best;
            }
            choice[i] += 1;
            if choice[i] <= shifts {
                break;
            }
            choice[i] = 0;
            i += 1;
        }
    }
}

/// Best objective over all orders within each shift for a given request→shift choice.
fn best_orders(p: &Problem, choice: &[usize]) -> Option<i64> {
    let shifts = p.shifts.len();
    let mut per_shift: Vec<Vec<usize>> = vec![Vec::new(); shifts];
    for (r, &s) in choice.iter().enumerate() {
        if s < shifts {
            if !p.candidates[r].iter().any(|c| c.shift == s) {
                return None;
            }
            per_shift[s].push(r);
        }
    }
    // Orders are independent per shift except for workload, which the referee checks on
    // the whole: enumerate the product of permutations (small: at most 7 requests).
    let mut lists: Vec<Vec<Vec<(usize, usize, Time)>>> = Vec::new();
    for (s, reqs) in per_shift.iter().enumerate() {
        let mut options = Vec::new();
        permutations(reqs.clone(), &mut |order| {
            if let Some(a) = schedule(p, s, order) {
                options.push(a);
            }
        });
        if options.is_empty() {
            return None;
        }
        lists.push(options);
    }
    let mut best = None;
    product(&lists, 0, &mut Vec::new(), &mut |all| {
        let report = check_assignments(p, all);
        if report.violations.is_empty() {
            best = Some(best.map_or(report.metrics.objective, |b: i64| {
                b.max(report.metrics.objective)
            }));
        }
    });
    best
}

fn schedule(p: &Problem, s: usize, order: &[usize]) -> Option<Vec<(usize, usize, Time)>> {
    let sh = &p.shifts[s];
    let (mut time, mut place) = (sh.start, sh.home);
    let mut out = Vec::new();
    for &r in order {
        let req = &p.requests[r];
        let arrive = time + req.location.map_or(0, |l| p.travel_secs(place, l));
        let start = arrive.max(req.earliest);
        if start > req.latest {
            return None;
        }
        out.push((r, sh.mediator, start));
        time = start + req.duration;
        if let Some(l) = req.location {
            place = l;
        }
    }
    Some(out)
}

fn permutations(mut v: Vec<usize>, f: &mut dyn FnMut(&[usize])) {
    fn go(k: usize, v: &mut Vec<usize>, f: &mut dyn FnMut(&[usize])) {
        if k == v.len() {
            f(v);
            return;
        }
        for i in k..v.len() {
            v.swap(k, i);
            go(k + 1, v, f);
            v.swap(k, i);
        }
    }
    go(0, &mut v, f);
}

/// Assignments as (request, mediator, start).
type Assignment = (usize, usize, Time);

fn product(
    lists: &[Vec<Vec<Assignment>>],
    i: usize,
    acc: &mut Vec<Assignment>,
    f: &mut dyn FnMut(&[Assignment]),
) {
    if i == lists.len() {
        f(acc);
        return;
    }
    for option in &lists[i] {
        let len = acc.len();
        acc.extend_from_slice(option);
        product(lists, i + 1, acc, f);
        acc.truncate(len);
    }
}

#[test]
fn plans_pass_the_referee_and_the_bound_holds() {
    for seed in 0..60 {
        let p = problem(seed, 12);
        for algorithm in [Algorithm::Greedy, Algorithm::Ponte] {
            let out = solve(&p, &options(algorithm), Instant::now());
            let report = check_plan(&p, &out.plan);
            assert!(
                report.violations.is_empty(),
                "seed {seed}: {:?}",
                report.violations
            );
            assert_eq!(report.metrics.objective, out.objective, "seed {seed}");
            let ub = upper_bound(
                &p,
                &BoundOptions {
                    time_limit: Duration::from_secs(5),
                },
            );
            assert!(
                ub.value >= out.objective,
                "seed {seed}: bound {} < objective {}",
                ub.value,
                out.objective
            );
        }
    }
}

#[test]
fn small_instances_reach_the_brute_force_optimum() {
    let mut equal_bound = 0;
    for seed in 100..140 {
        let p = problem(seed, 6);
        let optimum = best_by_brute_force(&p);
        let out = solve(&p, &options(Algorithm::Ponte), Instant::now());
        assert!(check_plan(&p, &out.plan).violations.is_empty());
        assert_eq!(
            out.objective, optimum,
            "seed {seed}: solver {} vs optimum {optimum}",
            out.objective
        );
        let ub = upper_bound(
            &p,
            &BoundOptions {
                time_limit: Duration::from_secs(5),
            },
        );
        assert!(
            ub.value >= optimum,
            "seed {seed}: bound {} below the optimum {optimum}",
            ub.value
        );
        equal_bound += usize::from(ub.value == optimum);
    }
    eprintln!("bound equal to the optimum on {equal_bound} of 40 instances");
}

#[test]
fn same_seed_same_plan() {
    let p = problem(3, 12);
    let a = solve(&p, &options(Algorithm::Ponte), Instant::now());
    let b = solve(&p, &options(Algorithm::Ponte), Instant::now());
    assert_eq!(a.plan, b.plan);
}

/// The exact method (route enumeration and set partitioning) alone, against the brute
/// force: on every small instance it solves every part, proves it optimal, and its plan
/// passes the referee with the brute-force optimum as its objective. The search is not
/// involved, so a mistake in the enumeration or the MILP cannot hide behind it.
#[test]
fn exact_parts_match_the_brute_force() {
    for seed in 200..240 {
        let p = problem(seed, 6);
        let optimum = best_by_brute_force(&p);
        let ex = solve_exactly(&p);
        assert!(ex.all_optimal(), "seed {seed}: some part not solved");
        let report = check_plan(&p, &ex.plan(&p));
        assert!(
            report.violations.is_empty(),
            "seed {seed}: {:?}",
            report.violations
        );
        assert_eq!(report.metrics.objective, optimum, "seed {seed}");
        assert_eq!(ex.objective(), optimum, "seed {seed}");
    }
}

/// With `fallback_modalities` each such request is one choice among its modalities: every
/// plan (search, greedy, exact parts) passes the referee, which allows one of them at most,
/// reaches the brute-force optimum over all modalities, and the bound holds.
#[test]
fn fallback_modalities_reach_the_brute_force_optimum() {
    let mut fell_back = 0;
    for seed in 300..330 {
        let p = problem_with_fallbacks(seed, 5);
        let optimum = best_by_brute_force(&p);
        for algorithm in [Algorithm::Greedy, Algorithm::Ponte] {
            let out = solve(&p, &options(algorithm), Instant::now());
            let report = check_plan(&p, &out.plan);
            assert!(
                report.violations.is_empty(),
                "seed {seed}: {:?}",
                report.violations
            );
            assert_eq!(report.metrics.objective, out.objective, "seed {seed}");
            assert!(out.objective <= optimum, "seed {seed}");
            if algorithm == Algorithm::Ponte {
                assert_eq!(out.objective, optimum, "seed {seed}");
                fell_back += report.metrics.fallbacks;
            }
        }
        let ex = solve_exactly(&p);
        assert!(ex.all_optimal(), "seed {seed}");
        let report = check_plan(&p, &ex.plan(&p));
        assert!(
            report.violations.is_empty(),
            "seed {seed}: {:?}",
            report.violations
        );
        assert_eq!(report.metrics.objective, optimum, "seed {seed}");
        let ub = upper_bound(
            &p,
            &BoundOptions {
                time_limit: Duration::from_secs(5),
            },
        );
        assert!(
            ub.value >= optimum,
            "seed {seed}: bound {} < {optimum}",
            ub.value
        );
    }
    // The case is exercised, not only allowed.
    assert!(fell_back > 0);
}
