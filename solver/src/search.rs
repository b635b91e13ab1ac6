//! Construction by regret insertion in urgency order, then large neighbourhood search:
//! remove a handful of related appointments, re-insert by regret with noise, accept by
//! simulated annealing on the spec's objective. Deterministic for a seed as long as it stops
//! on its iteration budget rather than on the clock (the caller sizes the budget so that it
//! does on ordinary hardware; `stats.stopped_by` tells which).
use std::time::Instant;

use std::collections::HashMap;

use crate::exact::Column;
use crate::model::Urgency;
use crate::plan::{Plan, Slot};
use crate::problem::{Problem, Time};
use crate::rng::Rng;
use crate::route::Route;

/// When the search stops: whichever comes first.
#[derive(Debug, Clone)]
pub struct Limits {
    pub deadline: Instant,
    pub max_iterations: u64,
    /// Budget of effort (appointments scheduled while trying insertions) for the improvement
    /// phase: a clock that ticks the same on every run, so that a search stopped by it is
    /// reproducible.
    pub max_effort: u64,
    /// Stop as soon as the objective reaches this (a proven upper bound, published by the
    /// bound's thread when it is done): nothing better is left to find.
    pub target: Option<std::sync::Arc<std::sync::atomic::AtomicI64>>,
}

#[derive(Debug, Clone, Default)]
pub struct SearchStats {
    pub iterations: u64,
    pub effort: u64,
    pub improvements: u64,
    pub construction_objective: i64,
    pub construction_ms: u64,
    pub stopped_by: &'static str,
}

/// The working solution: one route per shift and the bookkeeping the objective needs.
#[derive(Debug, Clone)]
pub struct State {
    pub routes: Vec<Route>,
    pub shift_of: Vec<Option<usize>>,
    /// Seconds of appointments per mediator (rule 6).
    pub work: Vec<Time>,
    /// Σ urgency weight and preferred bonus of the assigned requests.
    pub value: i64,
    /// Σ travel minutes over all routes.
    pub travel: i64,
}

/// What to put back when a move is rejected.
#[derive(Debug, Default)]
struct Journal {
    routes: Vec<(usize, Route)>,
    shift_of: Vec<(usize, Option<usize>)>,
    work: Vec<(usize, Time)>,
    value: i64,
    travel: i64,
}

/// An insertion option for one request.
#[derive(Debug, Clone, Copy)]
struct Opt {
    shift: usize,
    pos: usize,
    score: i64,
}

impl State {
    /// The state holding only the pinned assignments.
    pub fn pinned(p: &Problem) -> State {
        State::from_plan(p, &Plan::pinned_only(p))
    }

    /// Rebuilds a state from a plan: each shift's requests in order of start. The plan must
    /// be feasible (a plan this module produced, or the pinned-only plan).
    pub fn from_plan(p: &Problem, plan: &Plan) -> State {
        let mut per_shift: Vec<Vec<(Time, usize)>> = vec![Vec::new(); p.shifts.len()];
        for (r, slot) in plan.assigned() {
            per_shift[slot.shift].push((slot.start, r));
        }
        let mut state = State {
            routes: Vec::with_capacity(p.shifts.len()),
            shift_of: vec![None; p.requests.len()],
            work: vec![0; p.mediators.len()],
            value: 0,
            travel: 0,
        };
        for (s, mut list) in per_shift.into_iter().enumerate() {
            list.sort();
            let order: Vec<usize> = list.iter().map(|&(_, r)| r).collect();
            let route = Route::build(p, s, order).unwrap_or_default();
            let m = p.shifts[s].mediator;
            for &r in &route.requests {
                state.shift_of[r] = Some(s);
                state.value += p.value(r, m);
            }
            state.work[m] += route.work;
            state.travel += route.travel;
            state.routes.push(route);
        }
        state
    }

    pub fn objective(&self, p: &Problem) -> i64 {
        self.value - p.objective.travel_minute_cost * self.travel
    }

    pub fn to_plan(&self) -> Plan {
        let mut slots = vec![None; self.shift_of.len()];
        for (s, route) in self.routes.iter().enumerate() {
            for (&r, &start) in route.requests.iter().zip(&route.starts) {
                slots[r] = Some(Slot { shift: s, start });
            }
        }
        Plan { slots }
    }

    fn save_route(&self, j: &mut Option<&mut Journal>, s: usize) {
        if let Some(j) = j {
            if !j.routes.iter().any(|(t, _)| *t == s) {
                j.routes.push((s, self.routes[s].clone()));
            }
        }
    }

    fn save_request(&self, j: &mut Option<&mut Journal>, r: usize, m: usize) {
        if let Some(j) = j {
            j.shift_of.push((r, self.shift_of[r]));
            if !j.work.iter().any(|(t, _)| *t == m) {
                j.work.push((m, self.work[m]));
            }
        }
    }

    /// Takes `r` out of its route; `false` when it is not assigned or cannot be removed.
    fn remove(&mut self, p: &Problem, r: usize, mut j: Option<&mut Journal>) -> bool {
        let Some(s) = self.shift_of[r] else {
            return false;
        };
        let m = p.shifts[s].mediator;
        let old_travel = self.routes[s].travel;
        self.save_route(&mut j, s);
        if !self.routes[s].remove(p, s, r) {
            return false;
        }
        self.save_request(&mut j, r, m);
        self.travel += self.routes[s].travel - old_travel;
        self.value -= p.value(r, m);
        self.work[m] -= p.requests[r].duration;
        self.shift_of[r] = None;
        true
    }

    fn insert(
        &mut self,
        p: &Problem,
        r: usize,
        s: usize,
        k: usize,
        mut j: Option<&mut Journal>,
    ) -> bool {
        let m = p.shifts[s].mediator;
        if p.sibling_held(r, |q| self.shift_of[q].is_some()) {
            return false;
        }
        let old_travel = self.routes[s].travel;
        self.save_route(&mut j, s);
        if !self.routes[s].insert(p, s, k, r) {
            return false;
        }
        self.save_request(&mut j, r, m);
        self.travel += self.routes[s].travel - old_travel;
        self.value += p.value(r, m);
        self.work[m] += p.requests[r].duration;
        self.shift_of[r] = Some(s);
        true
    }

    fn undo(&mut self, j: Journal) {
        for (s, route) in j.routes.into_iter().rev() {
            self.routes[s] = route;
        }
        for (r, s) in j.shift_of.into_iter().rev() {
            self.shift_of[r] = s;
        }
        for (m, w) in j.work.into_iter().rev() {
            self.work[m] = w;
        }
        self.value = j.value;
        self.travel = j.travel;
    }

    /// Best and second-best insertion of `r` over its candidate shifts.
    /// With `only`, shifts not marked in it are skipped.
    fn options(
        &self,
        p: &Problem,
        r: usize,
        only: Option<&[bool]>,
        effort: &mut u64,
    ) -> (Option<Opt>, Option<i64>) {
        let cost = p.objective.travel_minute_cost;
        let dur = p.requests[r].duration;
        let (mut best, mut second): (Option<Opt>, Option<i64>) = (None, None);
        // The same request in another modality is already in the plan.
        if p.sibling_held(r, |q| self.shift_of[q].is_some()) {
            return (None, None);
        }
        for c in &p.candidates[r] {
            if only.is_some_and(|open| !open[c.shift]) {
                continue;
            }
            *effort += 2;
            let m = p.shifts[c.shift].mediator;
            if p.mediators[m]
                .max_work
                .is_some_and(|w| self.work[m] + dur > w)
            {
                continue;
            }
            let Some((pos, dtravel)) = self.routes[c.shift].best_insertion(p, c.shift, r, effort)
            else {
                continue;
            };
            let score = c.value - cost * dtravel;
            // An appointment whose travel costs more than it is worth lowers the objective:
            // leaving it out is the better plan.
            if score <= 0 {
                continue;
            }
            match best {
                Some(b) if b.score >= score => {
                    if second.is_none_or(|s2| score > s2) {
                        second = Some(score);
                    }
                }
                _ => {
                    second = best.map(|b| b.score).or(second);
                    best = Some(Opt {
                        shift: c.shift,
                        pos,
                        score,
                    });
                }
            }
        }
        (best, second)
    }
}

/// Immutable indices the search needs beyond the problem.
pub struct Search<'p> {
    p: &'p Problem,
    /// Requests having each shift as a candidate.
    by_shift: Vec<Vec<usize>>,
    /// Requests that can be moved: coverable and not pinned.
    movable: Vec<usize>,
    rng: Rng,
    /// Scratch for `repair`: each request's index in its pending list, `usize::MAX` if none.
    slot: Vec<usize>,
    /// Requests offered again in an iteration only on the shifts it opened (`open`): they
    /// did not fit elsewhere before, and nothing else changed.
    local: Vec<bool>,
    open: Vec<bool>,
    /// Repairs (the construction above all, which can take seconds on a large instance)
    /// stop inserting once this passes: the plan stays feasible, only less full.
    deadline: Option<Instant>,
    /// Insertions since the clock was last read.
    ticks: u32,
    /// Routes the search accepted, for a set partitioning over them (see
    /// [`crate::exact::set_partition`]): `(shift, requests sorted)` → index in `pool`.
    pool_index: HashMap<(usize, Vec<usize>), usize>,
    pub pool: Vec<Column>,
    /// Most routes kept; 0: none.
    pool_cap: usize,
    pub stats: SearchStats,
}

/// Destroy operators; each picks a set of assigned requests to take out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Destroy {
    Random,
    Related,
    Shifts,
    Targeted,
    Worst,
}

const DESTROYS: [Destroy; 5] = [
    Destroy::Random,
    Destroy::Related,
    Destroy::Shifts,
    Destroy::Targeted,
    Destroy::Worst,
];

impl<'p> Search<'p> {
    pub fn new(p: &'p Problem, seed: u64) -> Search<'p> {
        let mut by_shift = vec![Vec::new(); p.shifts.len()];
        for (r, cands) in p.candidates.iter().enumerate() {
            for c in cands {
                by_shift[c.shift].push(r);
            }
        }
        let movable = (0..p.requests.len())
            .filter(|&r| p.requests[r].pinned.is_none() && !p.candidates[r].is_empty())
            .collect();
        Search {
            p,
            by_shift,
            movable,
            rng: Rng::new(seed),
            slot: vec![usize::MAX; p.requests.len()],
            local: vec![false; p.requests.len()],
            open: vec![false; p.shifts.len()],
            deadline: None,
            ticks: 0,
            pool_index: HashMap::new(),
            pool: Vec::new(),
            pool_cap: 0,
            stats: SearchStats::default(),
        }
    }

    /// Repairs stop inserting once `deadline` passes.
    pub fn set_deadline(&mut self, deadline: Instant) {
        self.deadline = Some(deadline);
    }

    /// Keeps up to `cap` distinct routes accepted by the search in [`Search::pool`].
    pub fn keep_routes(&mut self, cap: usize) {
        self.pool_cap = cap;
    }

    /// Adds the route of shift `s` to the pool (the cheaper of two orders of one set).
    pub fn add_route(&mut self, s: usize, route: &Route) {
        if route.is_empty() {
            return;
        }
        let mut key = route.requests.clone();
        key.sort_unstable();
        self.stats.effort += key.len() as u64;
        let column = Column::of_route(self.p, s, route);
        match self.pool_index.get(&(s, key)) {
            Some(&i) if column.objective > self.pool[i].objective => {
                self.pool[i] = column;
            }
            Some(_) => {}
            None if self.pool.len() < self.pool_cap => {
                let mut key = route.requests.clone();
                key.sort_unstable();
                self.pool_index.insert((s, key), self.pool.len());
                self.pool.push(column);
            }
            None => {}
        }
    }

    /// Greedy construction: every movable request offered by regret insertion, most urgent
    /// first.
    pub fn construct(&mut self) -> State {
        let started = Instant::now();
        let mut state = State::pinned(self.p);
        let pool = self.movable.clone();
        self.repair(&mut state, pool, 0.0, true, None);
        self.stats.construction_ms = started.elapsed().as_millis() as u64;
        self.stats.construction_objective = state.objective(self.p);
        state
    }

    /// Inserts the requests of `pool` by regret, most urgent tier first when `tiered`.
    /// `noise` (0 = none) perturbs the choice of which request goes next, for diversity.
    fn repair(
        &mut self,
        state: &mut State,
        pool: Vec<usize>,
        noise: f64,
        tiered: bool,
        mut j: Option<&mut Journal>,
    ) {
        let p = self.p;
        let jitter = noise * p.objective.urgency_weight.routine.max(1) as f64;
        // Tier by tier of urgency, or all at once: the regret then sees that an emergency
        // with two options should leave the one an urgent request needs.
        let tiers: &[Option<Urgency>] = if tiered {
            &[
                Some(Urgency::Emergency),
                Some(Urgency::Urgent),
                Some(Urgency::Routine),
            ]
        } else {
            &[None]
        };
        for &tier in tiers {
            let mut pending: Vec<usize> = pool
                .iter()
                .copied()
                .filter(|&r| {
                    tier.is_none_or(|t| p.requests[r].urgency == t) && state.shift_of[r].is_none()
                })
                .collect();
            // Cached options per pending request; `None` means recompute. `slot[r]` is r's
            // index in `pending` (scratch kept across calls, reset before returning).
            let mut cache: Vec<Option<(Option<Opt>, Option<i64>)>> = vec![None; pending.len()];
            for (i, &r) in pending.iter().enumerate() {
                self.slot[r] = i;
            }
            loop {
                let mut choice: Option<(f64, usize, Opt)> = None;
                let mut i = 0;
                while i < pending.len() {
                    let r = pending[i];
                    let (best, second) = *cache[i].get_or_insert_with(|| {
                        let only = self.local[r].then_some(&self.open[..]);
                        state.options(p, r, only, &mut self.stats.effort)
                    });
                    let Some(best) = best else {
                        // Nothing fits now; it will not fit later in this repair either, as
                        // insertions only fill routes.
                        self.take(&mut pending, &mut cache, i);
                        continue;
                    };
                    let regret = match second {
                        Some(s2) => (best.score - s2) as f64,
                        None => 1e9 + best.score as f64,
                    };
                    let key = regret
                        + if jitter > 0.0 {
                            jitter * self.rng.unit()
                        } else {
                            0.0
                        };
                    if choice.is_none_or(|(k, _, _)| key > k) {
                        choice = Some((key, i, best));
                    }
                    i += 1;
                }
                let Some((_, i, opt)) = choice else {
                    for &r in &pending {
                        self.slot[r] = usize::MAX;
                    }
                    break;
                };
                self.ticks += 1;
                if self.ticks >= 64 {
                    self.ticks = 0;
                    if self.deadline.is_some_and(|d| Instant::now() >= d) {
                        for &r in &pending {
                            self.slot[r] = usize::MAX;
                        }
                        return;
                    }
                }
                let r = pending[i];
                if !state.insert(p, r, opt.shift, opt.pos, j.as_deref_mut()) {
                    // The cached option was stale in a way the invalidation missed; recompute.
                    cache[i] = None;
                    continue;
                }
                self.take(&mut pending, &mut cache, i);
                // Options on the changed shift, and on the mediator's other shifts when a
                // workload bound ties them, are stale.
                let m = p.shifts[opt.shift].mediator;
                let shifts = if p.mediators[m].max_work.is_some() {
                    p.mediators[m].shifts.clone()
                } else {
                    opt.shift..opt.shift + 1
                };
                for s in shifts {
                    for &q in &self.by_shift[s] {
                        if let Some(c) = cache.get_mut(self.slot[q]) {
                            *c = None;
                        }
                    }
                }
            }
        }
    }

    /// Drops entry `i` of the pending list (swap-remove, keeping `slot` in step).
    fn take(
        &mut self,
        pending: &mut Vec<usize>,
        cache: &mut Vec<Option<(Option<Opt>, Option<i64>)>>,
        i: usize,
    ) {
        self.slot[pending[i]] = usize::MAX;
        pending.swap_remove(i);
        cache.swap_remove(i);
        if i < pending.len() {
            self.slot[pending[i]] = i;
        }
    }

    /// Large neighbourhood search from `state` until the limits; returns the best plan found.
    pub fn improve(&mut self, mut state: State, limits: &Limits) -> State {
        let p = self.p;
        let mut current = state.objective(p);
        let mut best = current;
        let mut best_plan = state.to_plan();
        if self.movable.is_empty() {
            self.stats.stopped_by = "nothing_to_move";
            return state;
        }
        let mut weights = [1.0f64; DESTROYS.len()];
        let w_min = p.objective.urgency_weight.routine.max(1) as f64;
        let (t0, t1) = (0.2 * w_min, 0.01 * w_min);
        let max_q = (self.movable.len() / 6).clamp(2, 30);
        let effort_end = self.stats.effort.saturating_add(limits.max_effort);
        self.stats.stopped_by = "iterations";
        let mut it = 0u64;
        while it < limits.max_iterations {
            if self.stats.effort >= effort_end {
                self.stats.stopped_by = "effort";
                break;
            }
            if it.is_multiple_of(16) && Instant::now() >= limits.deadline {
                self.stats.stopped_by = "time";
                break;
            }
            if it.is_multiple_of(16)
                && limits
                    .target
                    .as_ref()
                    .is_some_and(|t| best >= t.load(std::sync::atomic::Ordering::Relaxed))
            {
                self.stats.stopped_by = "optimal";
                break;
            }
            it += 1;
            // Fixed cost of an iteration (destroy, bookkeeping, acceptance) in effort units.
            self.stats.effort += 20;
            let progress = it as f64 / limits.max_iterations as f64;
            let temperature = t0 * (t1 / t0).powf(progress);

            let op = self.pick(&weights);
            let q = self.rng.range(2, max_q);
            let mut journal = Journal {
                value: state.value,
                travel: state.travel,
                ..Journal::default()
            };
            let (removed, extra) = self.destroy(DESTROYS[op], &mut state, q, &mut journal);
            if removed.is_empty() && extra.is_empty() {
                continue;
            }
            let mut pool = removed;
            pool.extend(extra);
            // Unassigned requests that could use the freed room.
            let touched: Vec<usize> = journal.routes.iter().map(|(s, _)| *s).collect();
            let mut more = Vec::new();
            for s in touched {
                self.stats.effort += self.by_shift[s].len() as u64 / 4;
                for &r in &self.by_shift[s] {
                    if state.shift_of[r].is_none() && p.requests[r].pinned.is_none() {
                        more.push(r);
                    }
                }
            }
            more.sort_unstable();
            more.dedup();
            more.retain(|r| !pool.contains(r));
            self.rng.shuffle(&mut more);
            more.truncate(4 * q + 8);
            for &r in &more {
                self.local[r] = true;
            }
            for (s, _) in &journal.routes {
                self.open[*s] = true;
            }
            pool.extend(more.iter().copied());
            self.stats.effort += 2 * pool.len() as u64;
            self.rng.shuffle(&mut pool);
            let noise = if self.rng.unit() < 0.5 { 0.0 } else { 0.3 };
            let tiered = self.rng.unit() < 0.5;
            self.repair(&mut state, pool, noise, tiered, Some(&mut journal));
            for &r in &more {
                self.local[r] = false;
            }
            for (s, _) in &journal.routes {
                self.open[*s] = false;
            }

            let candidate = state.objective(p);
            let changed: Vec<usize> = if self.pool_cap > 0 {
                journal.routes.iter().map(|(s, _)| *s).collect()
            } else {
                Vec::new()
            };
            let reward;
            if candidate > best {
                best = candidate;
                best_plan = state.to_plan();
                self.stats.effort += (p.requests.len() + p.shifts.len()) as u64 / 8;
                current = candidate;
                self.stats.improvements += 1;
                reward = 6.0;
            } else if candidate >= current
                || self.rng.unit() < ((candidate - current) as f64 / temperature).exp()
            {
                reward = if candidate > current { 3.0 } else { 0.5 };
                current = candidate;
            } else {
                state.undo(journal);
                reward = 0.0;
            }
            if reward > 0.0 {
                for s in changed {
                    self.add_route(s, &state.routes[s]);
                }
            }
            weights[op] = (0.97 * weights[op] + 0.03 * reward).max(0.05);
        }
        self.stats.iterations += it;
        State::from_plan(p, &best_plan)
    }

    fn pick(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().sum();
        let mut x = self.rng.unit() * total;
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        weights.len() - 1
    }

    fn random_assigned(&mut self, state: &State) -> Option<usize> {
        for _ in 0..32 {
            let r = self.movable[self.rng.below(self.movable.len())];
            if state.shift_of[r].is_some() {
                return Some(r);
            }
        }
        None
    }

    fn random_unassigned(&mut self, state: &State) -> Option<usize> {
        for _ in 0..32 {
            let r = self.movable[self.rng.below(self.movable.len())];
            if state.shift_of[r].is_none() {
                return Some(r);
            }
        }
        None
    }

    /// Removes up to `q` requests chosen by `op`; returns the removed ones and any unassigned
    /// request the operator wants offered again.
    fn destroy(
        &mut self,
        op: Destroy,
        state: &mut State,
        q: usize,
        j: &mut Journal,
    ) -> (Vec<usize>, Vec<usize>) {
        let p = self.p;
        let mut chosen: Vec<usize> = Vec::new();
        let mut extra = Vec::new();
        match op {
            Destroy::Random => {
                for _ in 0..q {
                    if let Some(r) = self.random_assigned(state) {
                        if !chosen.contains(&r) {
                            chosen.push(r);
                        }
                    }
                }
            }
            Destroy::Related | Destroy::Targeted => {
                let seed = if op == Destroy::Targeted {
                    self.random_unassigned(state)
                } else {
                    self.random_assigned(state)
                };
                let Some(seed) = seed else {
                    return (chosen, extra);
                };
                if state.shift_of[seed].is_none() {
                    extra.push(seed);
                }
                let sr = &p.requests[seed];
                let t0 = match state.shift_of[seed] {
                    Some(s) => {
                        let route = &state.routes[s];
                        let k = route.requests.iter().position(|&x| x == seed).unwrap_or(0);
                        route.starts.get(k).copied().unwrap_or(sr.earliest)
                    }
                    None => (sr.earliest + sr.latest) / 2,
                };
                // Requests in the seed's candidate shifts, closest in time and place first.
                let mut scored: Vec<(i64, usize)> = Vec::new();
                let mut cands: Vec<usize> = p.candidates[seed].iter().map(|c| c.shift).collect();
                if op == Destroy::Targeted {
                    self.rng.shuffle(&mut cands);
                    cands.truncate(4);
                }
                let (lo, hi) = (sr.earliest - 3600, sr.latest + sr.duration + 3600);
                for s in cands {
                    let route = &state.routes[s];
                    for (&r, &start) in route.requests.iter().zip(&route.starts) {
                        if r == seed || p.requests[r].pinned.is_some() {
                            continue;
                        }
                        let end = start + p.requests[r].duration;
                        if op == Destroy::Targeted && (end <= lo || start >= hi) {
                            continue;
                        }
                        let dt = (start - t0).abs() / 60;
                        let dx = match (sr.location, p.requests[r].location) {
                            (Some(a), Some(b)) => p.travel_minutes(a, b),
                            _ => 15,
                        };
                        let jitter = self.rng.below(30) as i64;
                        scored.push((dt + dx + jitter, r));
                    }
                }
                scored.sort_unstable();
                if op == Destroy::Related {
                    chosen.push(seed);
                }
                for (_, r) in scored {
                    if chosen.len() >= q {
                        break;
                    }
                    if !chosen.contains(&r) {
                        chosen.push(r);
                    }
                }
            }
            Destroy::Shifts => {
                let Some(seed) = self.random_assigned(state) else {
                    return (chosen, extra);
                };
                let mut shifts: Vec<usize> = p.candidates[seed].iter().map(|c| c.shift).collect();
                self.rng.shuffle(&mut shifts);
                shifts.truncate(2);
                if let Some(s) = state.shift_of[seed] {
                    if !shifts.contains(&s) {
                        shifts.push(s);
                    }
                }
                for s in shifts {
                    for &r in &state.routes[s].requests {
                        if p.requests[r].pinned.is_none() && !chosen.contains(&r) {
                            chosen.push(r);
                        }
                    }
                }
                chosen.truncate(q.max(4) * 2);
            }
            Destroy::Worst => {
                // Travel saved by taking each sampled request out of its route.
                let mut scored: Vec<(i64, usize)> = Vec::new();
                for _ in 0..3 * q {
                    let Some(r) = self.random_assigned(state) else {
                        break;
                    };
                    let Some(s) = state.shift_of[r] else { continue };
                    let route = &state.routes[s];
                    let order: Vec<usize> =
                        route.requests.iter().copied().filter(|&x| x != r).collect();
                    if let Some(without) = Route::build(p, s, order) {
                        let saving = route.travel - without.travel - self.rng.below(5) as i64;
                        scored.push((-saving, r));
                    }
                }
                scored.sort_unstable();
                scored.dedup_by_key(|x| x.1);
                chosen.extend(scored.into_iter().take(q).map(|(_, r)| r));
            }
        }
        let mut removed = Vec::with_capacity(chosen.len());
        for r in chosen {
            if state.remove(p, r, Some(&mut *j)) {
                removed.push(r);
            }
        }
        (removed, extra)
    }
}

/// Construction then improvement under `limits`.
pub fn run(p: &Problem, seed: u64, limits: &Limits) -> (Plan, SearchStats) {
    let mut search = Search::new(p, seed);
    search.deadline = Some(limits.deadline);
    let state = search.construct();
    let state = search.improve(state, limits);
    (state.to_plan(), search.stats)
}
