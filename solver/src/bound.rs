//! A proven upper bound on the objective, from a linear relaxation solved with good_lp and
//! HiGHS, one independent part of the problem at a time.
//!
//! Variables `x[r,s]` in [0, 1] for each candidate (request, shift). Constraints, each valid
//! for every feasible plan:
//! - a request is served at most once (a pinned one exactly as pinned);
//! - a mediator's durations fit `max_work_minutes`, a shift's durations fit its length;
//! - **cliques**: requests no two of which fit together in a shift (checked exactly, pair by
//!   pair, with travel from home, between them and home again) take at most one place in it.
//!   One constraint per clique rather than per pair is what makes the relaxation tight.
//!
//! The objective gives each `x[r,s]` its value less a lower bound on the travel it causes:
//! a route's travel is at least half the sum, over its in-person appointments, of the
//! shortest way in and the shortest way out (from home or another candidate's place), since
//! every leg is the way out of one stop and the way in of the next.
//!
//! The objective of a plan is an integer, so the LP optimum, rounded down after a margin for
//! floating-point error, is a bound. A part whose LP does not finish in time falls back to
//! every request at its best coefficient with all coupling dropped, which is weaker but
//! still valid.
use std::time::{Duration, Instant};

use good_lp::solvers::highs::highs;
use good_lp::{
    constraint, variable, Expression, ProblemVariables, Solution, SolutionStatus, SolverModel,
    Variable,
};

use crate::problem::Problem;
use crate::route::Route;

pub struct BoundOptions {
    pub time_limit: Duration,
}

#[derive(Debug, Clone)]
pub struct Bound {
    /// No feasible plan has a larger objective.
    pub value: i64,
    /// Sum of the relaxations' optima (before rounding).
    pub lp_value: f64,
    /// `lp-cliques`, or `lp-cliques+travel-relaxed` when some part fell back.
    pub method: &'static str,
    pub millis: u64,
    pub parts: usize,
    /// Per part: one of its requests and the part's share of `value`.
    pub per_part: Vec<(usize, i64)>,
}

/// Parts of the problem that share no candidate: requests and shifts linked by candidacy.
fn components(p: &Problem) -> Vec<(Vec<usize>, Vec<usize>)> {
    let n = p.requests.len();
    let mut parent: Vec<usize> = (0..n + p.shifts.len()).collect();
    fn find(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    for (r, cands) in p.candidates.iter().enumerate() {
        for c in cands {
            let (a, b) = (find(&mut parent, r), find(&mut parent, n + c.shift));
            if a != b {
                parent[a] = b;
            }
        }
    }
    // A request's modalities share the constraint that serves it at most once.
    for g in &p.groups {
        for r in g.clone().skip(1) {
            let (a, b) = (find(&mut parent, g.start), find(&mut parent, r));
            if a != b {
                parent[a] = b;
            }
        }
    }
    let mut groups: std::collections::BTreeMap<usize, (Vec<usize>, Vec<usize>)> =
        Default::default();
    for (r, cands) in p.candidates.iter().enumerate() {
        if !cands.is_empty() {
            let root = find(&mut parent, r);
            groups.entry(root).or_default().0.push(r);
        }
    }
    for s in 0..p.shifts.len() {
        let root = find(&mut parent, n + s);
        if let Some(g) = groups.get_mut(&root) {
            g.1.push(s);
        }
    }
    groups.into_values().collect()
}

/// Bound of a part without the LP: each request at its best coefficient (value less the
/// least travel it causes), every coupling constraint dropped.
fn coverable(p: &Problem, requests: &[usize], shifts: &[usize]) -> i64 {
    let mut best: std::collections::HashMap<usize, f64> = Default::default();
    let mut per_shift: std::collections::HashMap<usize, Vec<usize>> = Default::default();
    for &r in requests {
        for c in &p.candidates[r] {
            per_shift.entry(c.shift).or_default().push(r);
        }
    }
    for &s in shifts {
        let list = per_shift.remove(&s).unwrap_or_default();
        for (&r, coef) in list.iter().zip(shift_terms(p, s, &list)) {
            // One value per request of the instance, whatever modality serves it.
            let b = best.entry(p.siblings(r).start).or_insert(f64::MIN);
            *b = b.max(coef);
        }
    }
    let total: f64 = best.values().map(|v| v.max(0.0)).sum();
    // Pinned requests count even when their coefficient is negative: they are always served.
    let pinned_loss: f64 = requests
        .iter()
        .filter(|&&r| p.requests[r].pinned.is_some())
        .map(|r| best.get(r).copied().unwrap_or(0.0).min(0.0))
        .sum();
    (total + pinned_loss + 1e-6 * total.abs().max(1.0)).floor() as i64
}

pub fn upper_bound(p: &Problem, opts: &BoundOptions) -> Bound {
    upper_bound_with(p, opts, |_| {})
}

/// Each request at its best value, travel and every coupling dropped: the quickest valid
/// bound of a part (values are never negative, and travel only lowers a plan's objective).
fn trivial(p: &Problem, requests: &[usize]) -> i64 {
    let mut best: std::collections::HashMap<usize, i64> = Default::default();
    for &r in requests {
        let v = p.candidates[r].iter().map(|c| c.value).max().unwrap_or(0);
        let b = best.entry(p.siblings(r).start).or_insert(0);
        *b = (*b).max(v);
    }
    best.values().sum()
}

/// [`upper_bound`], handing `progress` a valid bound after every part: the parts done so
/// far at their LP (or coverable) value, the others at their trivial value. A caller that
/// cannot wait for the end takes the last one.
pub fn upper_bound_with(
    p: &Problem,
    opts: &BoundOptions,
    mut progress: impl FnMut(&Bound),
) -> Bound {
    let started = Instant::now();
    let deadline = started + opts.time_limit;
    let parts = components(p);
    let mut values: Vec<i64> = parts.iter().map(|(r, _)| trivial(p, r)).collect();
    let mut lp_values: Vec<f64> = values.iter().map(|&v| v as f64).collect();
    let mut fell_back = false;
    let snapshot = |values: &[i64], lp_values: &[f64], method: &'static str| Bound {
        value: values.iter().sum(),
        lp_value: lp_values.iter().sum(),
        method,
        millis: started.elapsed().as_millis() as u64,
        parts: parts.len(),
        per_part: parts
            .iter()
            .zip(values)
            .map(|((r, _), &v)| (r[0], v))
            .collect(),
    };
    progress(&snapshot(&values, &lp_values, "trivial"));
    for (i, (requests, shifts)) in parts.iter().enumerate() {
        let remaining = deadline.saturating_duration_since(Instant::now());
        let solved = if remaining.is_zero() {
            None
        } else {
            relax(p, requests, shifts, deadline)
        };
        match solved {
            Some(lp) => {
                // Floating-point error of the simplex is far below this margin.
                let safe = lp + 1e-6 * lp.abs().max(1.0);
                values[i] = safe.floor() as i64;
                lp_values[i] = lp;
            }
            None => {
                fell_back = true;
                let c = coverable(p, requests, shifts);
                values[i] = c.min(values[i]);
                lp_values[i] = values[i] as f64;
            }
        }
        let method = if i + 1 < parts.len() {
            "lp-cliques+trivial"
        } else if fell_back {
            "lp-cliques+travel-relaxed"
        } else {
            "lp-cliques"
        };
        progress(&snapshot(&values, &lp_values, method));
    }
    snapshot(
        &values,
        &lp_values,
        if fell_back {
            "lp-cliques+travel-relaxed"
        } else {
            "lp-cliques"
        },
    )
}

/// The quickest valid bound, for a caller that has nothing else by its deadline.
pub fn trivial_bound(p: &Problem, started: Instant) -> Bound {
    let parts = components(p);
    let per_part: Vec<(usize, i64)> = parts.iter().map(|(r, _)| (r[0], trivial(p, r))).collect();
    let value = per_part.iter().map(|x| x.1).sum();
    Bound {
        value,
        lp_value: value as f64,
        method: "trivial",
        millis: started.elapsed().as_millis() as u64,
        parts: parts.len(),
        per_part,
    }
}

/// Solves the relaxation of one part; `None` when it does not finish in time or fails.
fn relax(p: &Problem, requests: &[usize], shifts: &[usize], deadline: Instant) -> Option<f64> {
    let built = Instant::now();
    // Covering every conflict by a clique tightens the bound by about 0.3 % on the M
    // instances, but makes the LP of a large part several times slower.
    let cover = requests.len() <= 400;
    let mut vars = ProblemVariables::new();
    // Per shift: (request, variable) of its candidates.
    let mut in_shift: std::collections::HashMap<usize, Vec<(usize, Variable)>> =
        shifts.iter().map(|&s| (s, Vec::new())).collect();
    let mut per_request: Vec<(usize, Vec<Variable>)> = Vec::with_capacity(requests.len());
    for &r in requests {
        let pinned = p.requests[r].pinned.is_some();
        let mut list = Vec::new();
        for c in &p.candidates[r] {
            let v = vars.add(variable().min(if pinned { 1.0 } else { 0.0 }).max(1.0));
            in_shift.get_mut(&c.shift)?.push((r, v));
            list.push(v);
        }
        per_request.push((r, list));
    }

    let mut objective = Expression::from(0.0);
    let mut constraints = Vec::new();
    // Served at most once, in whichever modality: one constraint per request of the instance.
    let mut per_group: std::collections::BTreeMap<usize, Vec<Variable>> = Default::default();
    for (r, list) in &per_request {
        per_group
            .entry(p.requests[*r].group)
            .or_default()
            .extend(list.iter().copied());
    }
    for list in per_group.values() {
        if list.len() > 1 {
            constraints.push(constraint!(list.iter().copied().sum::<Expression>() <= 1.0));
        }
    }
    // Workload per mediator.
    let mut per_mediator: std::collections::BTreeMap<usize, Expression> = Default::default();
    for &s in shifts {
        let m = p.shifts[s].mediator;
        let sh = &p.shifts[s];
        let list = &in_shift[&s];
        let dur: Expression = list
            .iter()
            .map(|&(r, v)| (p.requests[r].duration as f64 / 60.0) * v)
            .sum();
        constraints.push(constraint!(
            dur.clone() <= (sh.end - sh.start) as f64 / 60.0
        ));
        if p.mediators[m].max_work.is_some() {
            *per_mediator.entry(m).or_default() += dur;
        }
        let requests: Vec<usize> = list.iter().map(|&(r, _)| r).collect();
        for (&(_, v), coef) in list.iter().zip(shift_terms(p, s, &requests)) {
            objective += coef * v;
        }
        // Building the model of a large part takes seconds: give up at the deadline.
        if Instant::now() >= deadline {
            return None;
        }
        for clique in cliques(p, s, list, cover) {
            constraints.push(constraint!(clique.into_iter().sum::<Expression>() <= 1.0));
        }
    }
    for (m, dur) in per_mediator {
        let max = p.mediators[m].max_work.unwrap_or(0) as f64 / 60.0;
        constraints.push(constraint!(dur <= max));
    }

    if std::env::var_os("PONTE_DEBUG_BOUND").is_some() {
        eprintln!(
            "part: {} requests, {} shifts, {} constraints built in {:?}",
            requests.len(),
            shifts.len(),
            constraints.len(),
            built.elapsed()
        );
    }
    let mut model = vars
        .maximise(objective.clone())
        .using(highs)
        .set_time_limit(
            deadline
                .saturating_duration_since(Instant::now())
                .as_secs_f64()
                .max(0.01),
        )
        .set_threads(1);
    // Interior point: on tuscany-L's largest part (809 requests, 9k rows) it took 12.6 s
    // where the dual simplex took 25 s (measured on the 2-core reference machine).
    let solver = std::env::var("PONTE_LP_SOLVER").unwrap_or_else(|_| "ipm".into());
    model = model.set_option("solver", solver.as_str());
    for c in constraints {
        model = model.with(c);
    }
    if std::env::var_os("PONTE_DEBUG_BOUND").is_some() {
        eprintln!("  model in {:?}", built.elapsed());
    }
    let solution = model.solve().ok()?;
    if std::env::var_os("PONTE_DEBUG_BOUND").is_some() {
        eprintln!("  solved in {:?}: {:?}", built.elapsed(), solution.status());
    }
    if !matches!(solution.status(), SolutionStatus::Optimal) {
        return None;
    }
    Some(solution.eval(&objective))
}

/// Objective coefficient of each candidate of shift `s`: value less the least travel it
/// causes (half the shortest way in plus half the shortest way out, for in-person ones).
fn shift_terms(p: &Problem, s: usize, list: &[usize]) -> Vec<f64> {
    let cost = p.objective.travel_minute_cost as f64;
    let home = p.shifts[s].home;
    list.iter()
        .map(|&r| {
            let req = &p.requests[r];
            let value = p.value(r, p.shifts[s].mediator) as f64;
            let Some(loc) = req.location else {
                return value;
            };
            let (lo, hi) = crate::route::window(p, r);
            let mut min_in = p.travel_minutes(home, loc);
            let mut min_out = p.travel_minutes(loc, home);
            for &q in list {
                if q == r {
                    continue;
                }
                let Some(ql) = p.requests[q].location else {
                    continue;
                };
                let (qlo, qhi) = crate::route::window(p, q);
                // q can come before r only if it can end before r's latest start, and after
                // r only if r can end before q's latest start.
                if qlo + p.requests[q].duration <= hi {
                    min_in = min_in.min(p.travel_minutes(ql, loc));
                }
                if lo + req.duration <= qhi {
                    min_out = min_out.min(p.travel_minutes(loc, ql));
                }
            }
            value - cost * (min_in + min_out) as f64 / 2.0
        })
        .collect()
}

/// Cliques of candidates of shift `s` no two of which fit together in it, covering every
/// such pair.
fn cliques(p: &Problem, s: usize, list: &[(usize, Variable)], cover: bool) -> Vec<Vec<Variable>> {
    let n = list.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&i| crate::route::window(p, list[i].0).0);
    // Conflicts, checked exactly for pairs close enough in time to matter.
    const REACH: i64 = 4 * 3600;
    let mut adj = vec![vec![false; n]; n];
    let mut any = false;
    for (a, &i) in order.iter().enumerate() {
        let (ri, _) = list[i];
        let (_, hi_i) = crate::route::window(p, ri);
        let end_i = hi_i + p.requests[ri].duration;
        for &j in &order[a + 1..] {
            let rj = list[j].0;
            if crate::route::window(p, rj).0 > end_i + REACH {
                break;
            }
            let together = Route::build(p, s, vec![ri, rj]).is_some()
                || Route::build(p, s, vec![rj, ri]).is_some();
            if !together {
                adj[i][j] = true;
                adj[j][i] = true;
                any = true;
            }
        }
    }
    if !any {
        return Vec::new();
    }
    // Greedy maximal cliques grown in time order: from every conflicting pair not yet in a
    // clique when `cover` (every conflict is then in some clique: tighter, more rows), else
    // one from each request. Duplicates and cliques inside an earlier one are dropped. A
    // conflict left out of every clique only weakens the bound, never breaks it.
    let mut out: Vec<Vec<usize>> = Vec::new();
    let mut covered = vec![vec![false; if cover { n } else { 0 }]; if cover { n } else { 0 }];
    let grow = |mut clique: Vec<usize>, out: &mut Vec<Vec<usize>>| {
        for &k in &order {
            if !clique.contains(&k) && clique.iter().all(|&c| adj[c][k]) {
                clique.push(k);
            }
        }
        clique.sort_unstable();
        if clique.len() >= 2
            && !out
                .iter()
                .any(|c| clique.iter().all(|k| c.binary_search(k).is_ok()))
        {
            out.push(clique);
        }
    };
    for &i in &order {
        if cover {
            for &j in &order {
                if i < j && adj[i][j] && !covered[i][j] {
                    grow(vec![i, j], &mut out);
                    if let Some(c) = out.last() {
                        for &a in c {
                            for &b in c {
                                covered[a][b] = true;
                            }
                        }
                    }
                    covered[i][j] = true;
                }
            }
        } else {
            grow(vec![i], &mut out);
        }
    }
    let out: Vec<Vec<Variable>> = out
        .into_iter()
        .map(|c| c.into_iter().map(|k| list[k].1).collect())
        .collect();
    out
}
