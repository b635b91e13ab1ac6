//! Exact solution of small independent parts: every feasible route of each shift is
//! enumerated, then a set-partitioning MILP (HiGHS through good_lp) picks at most one route
//! per shift, each request at most once (a pinned one exactly once), within each mediator's
//! workload.
//!
//! Why this is exact: for a fixed order the earliest-start forward pass of [`crate::route`]
//! is optimal, the value of a route depends only on its set of requests and its shift, and
//! the rules that tie shifts together are the workload (a row of the MILP) and the way home
//! before the mediator's next shift, which depends only on the shift's own route and the
//! next shift's start (checked by the forward pass). So the cheapest feasible order of every
//! feasible set, per shift, is all the MILP needs. The enumeration keeps, for each set and
//! state reached (end time, place), only the least travel: any order that reaches the same
//! state with more travel is dominated.
//!
//! A part is linked by candidacy (a request and the shifts that could serve it) and by
//! mediator (shifts of one mediator share a workload), so parts are independent and their
//! objectives add up.
use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use good_lp::solvers::highs::highs;
use good_lp::{
    constraint, variable, Expression, ProblemVariables, Solution, SolutionStatus, SolverModel,
    Variable,
};

use crate::bound::Bound;
use crate::plan::{Plan, Slot};
use crate::problem::{Problem, Time};
use crate::route::{Cursor, Route};

/// Requests and shifts that share nothing with the rest of the problem: no candidacy and no
/// mediator.
#[derive(Debug, Clone, Default)]
pub struct Part {
    pub requests: Vec<usize>,
    pub shifts: Vec<usize>,
}

/// One route of a shift, as a column of the set partitioning.
#[derive(Debug, Clone)]
pub struct Column {
    pub shift: usize,
    /// In the order of the route.
    pub requests: Vec<usize>,
    /// Value of the requests less the cost of the travel.
    pub objective: i64,
    /// Sum of durations, seconds.
    pub work: Time,
}

impl Column {
    pub fn of_route(p: &Problem, s: usize, route: &Route) -> Column {
        let m = p.shifts[s].mediator;
        let value: i64 = route.requests.iter().map(|&r| p.value(r, m)).sum();
        Column {
            shift: s,
            requests: route.requests.clone(),
            objective: value - p.objective.travel_minute_cost * route.travel,
            work: route.work,
        }
    }
}

/// The routes chosen for a part.
#[derive(Debug, Clone)]
pub struct PartPlan {
    pub routes: Vec<(usize, Route)>,
    pub objective: i64,
    /// Every feasible route was enumerated and the MILP proved optimal: no plan does better
    /// on this part.
    pub optimal: bool,
}

/// How much an exact solution may cost.
#[derive(Debug, Clone)]
pub struct ExactLimits {
    pub deadline: Instant,
    /// Appointments scheduled while enumerating the routes of one part.
    pub max_steps: usize,
    /// Routes (columns) of one part.
    pub max_routes: usize,
}

/// Branch-and-bound nodes an exact part may take.
const EXACT_MAX_NODES: i32 = 5_000;

/// Parts linked by candidacy and by mediator, each with its requests and shifts sorted.
pub fn parts(p: &Problem) -> Vec<Part> {
    let n = p.requests.len();
    let mut parent: Vec<usize> = (0..n + p.shifts.len()).collect();
    fn find(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    let union = |parent: &mut Vec<usize>, a: usize, b: usize| {
        let (a, b) = (find(parent, a), find(parent, b));
        if a != b {
            parent[a] = b;
        }
    };
    for (r, cands) in p.candidates.iter().enumerate() {
        for c in cands {
            union(&mut parent, r, n + c.shift);
        }
    }
    for m in &p.mediators {
        for s in m.shifts.clone().skip(1) {
            union(&mut parent, n + m.shifts.start, n + s);
        }
    }
    // The modalities of one request are one choice: they are solved together.
    for g in &p.groups {
        for r in g.clone().skip(1) {
            union(&mut parent, g.start, r);
        }
    }
    let mut groups: BTreeMap<usize, Part> = BTreeMap::new();
    for (r, cands) in p.candidates.iter().enumerate() {
        if !cands.is_empty() {
            let root = find(&mut parent, r);
            groups.entry(root).or_default().requests.push(r);
        }
    }
    for s in 0..p.shifts.len() {
        let root = find(&mut parent, n + s);
        if let Some(g) = groups.get_mut(&root) {
            g.shifts.push(s);
        }
    }
    groups.into_values().collect()
}

/// Every feasible route of shift `s` over `cands` (the cheapest order of each feasible set),
/// or `None` when the enumeration would exceed `steps` or the deadline.
fn enumerate_shift(
    p: &Problem,
    s: usize,
    cands: &[usize],
    steps: &mut usize,
    deadline: Instant,
) -> Option<Vec<Column>> {
    if cands.len() > 128 {
        return None;
    }
    let m = p.shifts[s].mediator;
    let max_work = p.mediators[m].max_work.unwrap_or(Time::MAX);
    struct Walk<'a> {
        p: &'a Problem,
        s: usize,
        cands: &'a [usize],
        max_work: Time,
        steps: &'a mut usize,
        deadline: Instant,
        /// Least travel (way home not included) seen per (set, end time, place, in person).
        seen: HashMap<(u128, Time, usize, bool), i64>,
        /// Best (travel, order) per set.
        best: HashMap<u128, (i64, Vec<usize>)>,
        order: Vec<usize>,
    }
    impl Walk<'_> {
        fn go(&mut self, c: Cursor, mask: u128, work: Time) -> bool {
            for i in 0..self.cands.len() {
                if mask & (1u128 << i) != 0 {
                    continue;
                }
                let r = self.cands[i];
                let dur = self.p.requests[r].duration;
                if work + dur > self.max_work {
                    continue;
                }
                if *self.steps == 0 {
                    return false;
                }
                *self.steps -= 1;
                if (*self.steps).is_multiple_of(4096) && Instant::now() >= self.deadline {
                    return false;
                }
                let mut next = c;
                if next.push(self.p, self.s, r).is_none() {
                    continue;
                }
                let set = mask | (1u128 << i);
                let key = (set, next.time, next.place, next.in_person);
                match self.seen.get(&key) {
                    Some(&t) if t <= next.travel => continue,
                    _ => {
                        self.seen.insert(key, next.travel);
                    }
                }
                self.order.push(r);
                if let Some(travel) = next.finish(self.p, self.s) {
                    let better = self.best.get(&set).is_none_or(|(t, _)| travel < *t);
                    if better {
                        self.best.insert(set, (travel, self.order.clone()));
                    }
                }
                let ok = self.go(next, set, work + dur);
                self.order.pop();
                if !ok {
                    return false;
                }
            }
            true
        }
    }
    let mut walk = Walk {
        p,
        s,
        cands,
        max_work,
        steps,
        deadline,
        seen: HashMap::new(),
        best: HashMap::new(),
        order: Vec::new(),
    };
    if !walk.go(Cursor::start(p, s), 0, 0) {
        return None;
    }
    let cost = p.objective.travel_minute_cost;
    let mut out: Vec<Column> = walk
        .best
        .into_values()
        .map(|(travel, order)| {
            let value: i64 = order.iter().map(|&r| p.value(r, m)).sum();
            let work = order.iter().map(|&r| p.requests[r].duration).sum();
            Column {
                shift: s,
                requests: order,
                objective: value - cost * travel,
                work,
            }
        })
        // A route worth nothing is never better than no route, unless it holds a pin.
        .filter(|c| c.objective > 0 || c.requests.iter().any(|&r| p.requests[r].pinned.is_some()))
        .collect();
    // Deterministic column order (the maps iterate in no fixed order).
    out.sort_by(|a, b| a.requests.cmp(&b.requests));
    Some(out)
}

/// Every feasible route of every shift of the part; `None` past the limits.
pub fn enumerate_part(p: &Problem, part: &Part, limits: &ExactLimits) -> Option<Vec<Column>> {
    let mut per_shift: HashMap<usize, Vec<usize>> = HashMap::new();
    for &r in &part.requests {
        for c in &p.candidates[r] {
            per_shift.entry(c.shift).or_default().push(r);
        }
    }
    let mut steps = limits.max_steps;
    let mut columns = Vec::new();
    let debug = std::env::var_os("PONTE_DEBUG_EXACT").is_some();
    for &s in &part.shifts {
        let Some(cands) = per_shift.get(&s) else {
            continue;
        };
        let Some(more) = enumerate_shift(p, s, cands, &mut steps, limits.deadline) else {
            if debug {
                eprintln!(
                    "  enumeration stopped: shift {s} with {} candidates, {} steps left",
                    cands.len(),
                    steps
                );
            }
            return None;
        };
        columns.extend(more);
        if columns.len() > limits.max_routes {
            if debug {
                eprintln!("  too many routes: {}", columns.len());
            }
            return None;
        }
    }
    if debug {
        eprintln!(
            "  {} routes, {} steps",
            columns.len(),
            limits.max_steps - steps
        );
    }
    Some(columns)
}

/// Result of a set partitioning: the chosen columns and whether HiGHS proved them optimal.
pub struct Chosen {
    pub columns: Vec<usize>,
    pub objective: i64,
    pub optimal: bool,
}

/// Picks at most one column per shift, each request at most once (pinned ones exactly
/// once), within workloads, maximising the objective. `warm` (indices of columns forming a
/// feasible choice) starts HiGHS from a known plan. `max_nodes` bounds the branch and
/// bound: a limit that, unlike the clock (`deadline`, a safety net), gives the same answer
/// on every run. `None` when HiGHS fails, finds nothing or returns a fractional value.
pub fn set_partition(
    p: &Problem,
    columns: &[Column],
    warm: Option<&[usize]>,
    deadline: Instant,
    max_nodes: i32,
) -> Option<Chosen> {
    let time = deadline.saturating_duration_since(Instant::now());
    if time.is_zero() {
        return None;
    }
    let mut vars = ProblemVariables::new();
    let ys: Vec<Variable> = columns
        .iter()
        .map(|_| vars.add(variable().binary()))
        .collect();
    let mut objective = Expression::from(0.0);
    let mut per_shift: BTreeMap<usize, Expression> = BTreeMap::new();
    let mut per_request: BTreeMap<usize, Expression> = BTreeMap::new();
    let mut per_mediator: BTreeMap<usize, Expression> = BTreeMap::new();
    for (c, &y) in columns.iter().zip(&ys) {
        objective += c.objective as f64 * y;
        *per_shift.entry(c.shift).or_default() += y;
        for &r in &c.requests {
            *per_request.entry(p.requests[r].group).or_default() += y;
        }
        let m = p.shifts[c.shift].mediator;
        if p.mediators[m].max_work.is_some() {
            *per_mediator.entry(m).or_default() += (c.work as f64 / 60.0) * y;
        }
    }
    let mut model = vars
        .maximise(objective)
        .using(highs)
        .set_time_limit(time.as_secs_f64().max(0.01))
        .set_threads(1)
        .set_option("mip_rel_gap", 0.0)
        .set_option("mip_abs_gap", 1e-6)
        .set_option("random_seed", 1)
        .set_option("mip_max_nodes", max_nodes);
    if let Some(warm) = warm {
        let mut init = vec![0.0; ys.len()];
        for &k in warm {
            init[k] = 1.0;
        }
        model = good_lp::WithInitialSolution::with_initial_solution(
            model,
            ys.iter().copied().zip(init),
        );
    }
    for (_, e) in per_shift {
        model = model.with(constraint!(e <= 1.0));
    }
    // Pinned requests appear in a part only through their pin's shift. A request served in
    // several modalities takes one of them at most.
    for (g, e) in per_request {
        if p.requests[p.groups[g].start].pinned.is_some() {
            model = model.with(constraint!(e == 1.0));
        } else {
            model = model.with(constraint!(e <= 1.0));
        }
    }
    for (m, e) in per_mediator {
        let max = p.mediators[m].max_work.unwrap_or(0) as f64 / 60.0;
        model = model.with(constraint!(e <= max));
    }
    let solution = model.solve().ok()?;
    let optimal = matches!(solution.status(), SolutionStatus::Optimal);
    let mut chosen = Vec::new();
    for (k, &y) in ys.iter().enumerate() {
        let v = solution.value(y);
        if (v - v.round()).abs() > 1e-6 {
            return None;
        }
        if v > 0.5 {
            chosen.push(k);
        }
    }
    let objective = chosen.iter().map(|&k| columns[k].objective).sum();
    Some(Chosen {
        columns: chosen,
        objective,
        optimal,
    })
}

/// Solves a part exactly: `None` when the enumeration exceeds the limits or HiGHS fails.
pub fn solve_part(p: &Problem, part: &Part, limits: &ExactLimits) -> Option<PartPlan> {
    let columns = enumerate_part(p, part, limits)?;
    if columns.is_empty() {
        // No route is worth anything and none holds a pin: the empty plan is optimal.
        return Some(PartPlan {
            routes: Vec::new(),
            objective: 0,
            optimal: true,
        });
    }
    let chosen = set_partition(p, &columns, None, limits.deadline, EXACT_MAX_NODES)?;
    let mut routes = Vec::new();
    let mut objective = 0;
    for &k in &chosen.columns {
        let c = &columns[k];
        let route = Route::build(p, c.shift, c.requests.clone())?;
        objective += Column::of_route(p, c.shift, &route).objective;
        routes.push((c.shift, route));
    }
    if objective != chosen.objective {
        return None;
    }
    Some(PartPlan {
        routes,
        objective,
        optimal: chosen.optimal,
    })
}

/// Objective of a plan restricted to a part (value less travel of its shifts).
pub fn part_objective(p: &Problem, part: &Part, routes: &[Route]) -> i64 {
    part.shifts
        .iter()
        .map(|&s| Column::of_route(p, s, &routes[s]).objective)
        .sum()
}

/// `plan` with the assignments of `part` replaced by `part_plan`.
pub fn apply(plan: &Plan, part: &Part, part_plan: &PartPlan) -> Plan {
    let mut out = plan.clone();
    for &r in &part.requests {
        out.slots[r] = None;
    }
    for (s, route) in &part_plan.routes {
        for (&r, &start) in route.requests.iter().zip(&route.starts) {
            out.slots[r] = Some(Slot { shift: *s, start });
        }
    }
    out
}

/// The exact solutions found for the parts small enough, within the limits (spread over the
/// parts, smallest first).
pub struct Exact {
    pub parts: Vec<Part>,
    /// Per part, its exact plan when it was solved.
    pub solved: Vec<Option<PartPlan>>,
}

impl Exact {
    /// Every part solved and proved optimal: the combined plan is optimal.
    pub fn all_optimal(&self) -> bool {
        self.solved
            .iter()
            .all(|s| s.as_ref().is_some_and(|s| s.optimal))
    }

    /// The combined objective of the solved parts.
    pub fn objective(&self) -> i64 {
        self.solved.iter().flatten().map(|s| s.objective).sum()
    }

    /// `plan` with every solved part replaced by its exact plan where that is better.
    pub fn improve(&self, p: &Problem, plan: &Plan) -> Plan {
        let state = crate::search::State::from_plan(p, plan);
        let mut out = plan.clone();
        for (part, solved) in self.parts.iter().zip(&self.solved) {
            if let Some(sp) = solved {
                if sp.objective > part_objective(p, part, &state.routes) {
                    out = apply(&out, part, sp);
                }
            }
        }
        out
    }

    /// `bound` with the share of every part solved to optimality replaced by its optimum
    /// (the bound's parts are finer than these: each lies inside one of them).
    pub fn tighten(&self, p: &Problem, mut bound: Bound) -> Bound {
        let mut part_of = vec![usize::MAX; p.requests.len()];
        for (i, part) in self.parts.iter().enumerate() {
            for &r in &part.requests {
                part_of[r] = i;
            }
        }
        let exact = |i: usize| {
            self.solved
                .get(i)
                .and_then(|s| s.as_ref())
                .filter(|s| s.optimal)
                .map(|s| s.objective)
        };
        let mut total = 0;
        let mut replaced = false;
        for &(r, v) in &bound.per_part {
            if exact(part_of[r]).is_some() {
                replaced = true;
            } else {
                total += v;
            }
        }
        if !replaced {
            return bound;
        }
        for i in 0..self.parts.len() {
            if let Some(v) = exact(i) {
                total += v;
            }
        }
        // Never looser than what was proven without the exact parts.
        if total < bound.value {
            bound.value = total;
            bound.method = match bound.method {
                "lp-cliques" => "lp-cliques+exact",
                "trivial" => "trivial+exact",
                "lp-cliques+trivial" => "lp-cliques+trivial+exact",
                _ => "lp-cliques+travel-relaxed+exact",
            };
        }
        bound
    }

    /// The plan made of the solved parts alone (pins of unsolved parts kept).
    pub fn plan(&self, p: &Problem) -> Plan {
        self.improve(p, &Plan::pinned_only(p))
    }
}

/// Solves exactly every part whose routes can be enumerated within the limits.
pub fn solve_parts(p: &Problem, limits: &ExactLimits) -> Exact {
    let parts = parts(p);
    let mut solved: Vec<Option<PartPlan>> = vec![None; parts.len()];
    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.sort_by_key(|&i| (parts[i].requests.len(), i));
    for i in order {
        if Instant::now() >= limits.deadline {
            break;
        }
        let t = Instant::now();
        // Only proven optima are kept: a plan cut short by a limit may depend on the clock,
        // and runs must not.
        solved[i] = solve_part(p, &parts[i], limits).filter(|s| s.optimal);
        if std::env::var_os("PONTE_DEBUG_EXACT").is_some() {
            eprintln!(
                "exact part: {} requests, {} shifts: {:?} in {:?}",
                parts[i].requests.len(),
                parts[i].shifts.len(),
                solved[i].as_ref().map(|s| (s.objective, s.optimal)),
                t.elapsed()
            );
        }
    }
    Exact { parts, solved }
}
