//! One mediator shift as an ordered list of appointments. Starts are not stored as choices:
//! for a fixed order, starting every appointment as early as it can is optimal (it leaves
//! the most room for what follows and for the way home), and travel depends on the order
//! alone. So a route is its order, and its schedule is one forward pass.
use crate::problem::{Loc, Problem, Time};

/// The schedule of a feasible order: start of each appointment and the travel minutes of the
/// shift, way home included.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Route {
    pub requests: Vec<usize>,
    pub starts: Vec<Time>,
    /// Travel minutes of the shift (0 when it holds no in-person appointment).
    pub travel: i64,
    /// Sum of the durations, seconds.
    pub work: Time,
    /// Where the forward pass stands after each appointment.
    after: Vec<Cursor>,
    /// `latest_after[k]`: the least latest start among appointments `k..`; `Time::MAX` past
    /// the end.
    latest_after: Vec<Time>,
}

/// The window of starts a request may take in a shift: its own window, or its pin.
#[inline]
pub fn window(p: &Problem, r: usize) -> (Time, Time) {
    let req = &p.requests[r];
    match req.pinned {
        Some(pin) => (pin.start, pin.start),
        None => (req.earliest, req.latest),
    }
}

/// Where the forward pass stands after some appointments.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Cursor {
    /// End of the last appointment (or the shift's start).
    pub(crate) time: Time,
    /// Where the mediator is.
    pub(crate) place: Loc,
    /// Travel minutes so far, way home not included.
    pub(crate) travel: i64,
    pub(crate) in_person: bool,
}

impl Cursor {
    pub(crate) fn start(p: &Problem, s: usize) -> Cursor {
        let sh = &p.shifts[s];
        Cursor {
            time: sh.start,
            place: sh.home,
            travel: 0,
            in_person: false,
        }
    }

    /// Appends request `r`; returns its start, or `None` when it cannot be served next.
    #[inline]
    pub(crate) fn push(&mut self, p: &Problem, s: usize, r: usize) -> Option<Time> {
        let req = &p.requests[r];
        let (lo, hi) = window(p, r);
        let mut arrive = self.time;
        let mut leg = 0;
        if let Some(loc) = req.location {
            leg = p.travel_minutes(self.place, loc);
            arrive += leg * 60;
        }
        let start = arrive.max(lo);
        if start > hi || start + req.duration > p.shifts[s].end {
            return None;
        }
        if let Some(loc) = req.location {
            self.place = loc;
            self.travel += leg;
            self.in_person = true;
        }
        self.time = start + req.duration;
        Some(start)
    }

    /// Closes the shift: the way home, which must fit before the mediator's next shift.
    /// Returns the shift's travel minutes, or `None` when the way home does not fit.
    #[inline]
    pub(crate) fn finish(&self, p: &Problem, s: usize) -> Option<i64> {
        if !self.in_person {
            return Some(0);
        }
        let sh = &p.shifts[s];
        let home = p.travel_minutes(self.place, sh.home);
        if let Some(next) = sh.next_start {
            if self.time + home * 60 > next {
                return None;
            }
        }
        Some(self.travel + home)
    }
}

impl Route {
    /// Schedules `order` in shift `s`; `None` when the order is infeasible (rules 4 and 5;
    /// workload is the caller's concern, as it spans shifts).
    pub fn build(p: &Problem, s: usize, order: Vec<usize>) -> Option<Route> {
        let n = order.len();
        let mut c = Cursor::start(p, s);
        let mut route = Route {
            starts: Vec::with_capacity(n),
            after: Vec::with_capacity(n),
            latest_after: vec![Time::MAX; n + 1],
            ..Route::default()
        };
        for &r in &order {
            route.starts.push(c.push(p, s, r)?);
            route.after.push(c);
            route.work += p.requests[r].duration;
        }
        route.travel = c.finish(p, s)?;
        for k in (0..n).rev() {
            route.latest_after[k] = route.latest_after[k + 1].min(window(p, order[k]).1);
        }
        route.requests = order;
        Some(route)
    }

    pub fn len(&self) -> usize {
        self.requests.len()
    }

    pub fn is_empty(&self) -> bool {
        self.requests.is_empty()
    }

    /// The cursor after the first `k` appointments.
    #[inline]
    fn prefix(&self, p: &Problem, s: usize, k: usize) -> Cursor {
        if k == 0 {
            Cursor::start(p, s)
        } else {
            self.after[k - 1]
        }
    }

    /// The cheapest feasible position for `r` in this route of shift `s`: `(position, added
    /// travel minutes)`. `effort` counts the appointments scheduled on the way.
    pub fn best_insertion(
        &self,
        p: &Problem,
        s: usize,
        r: usize,
        effort: &mut u64,
    ) -> Option<(usize, i64)> {
        let (lo, hi) = window(p, r);
        let dur = p.requests[r].duration;
        let sh = &p.shifts[s];
        if lo.max(sh.start) + dur > sh.end {
            return None;
        }
        // Positions worth trying: every appointment after r must be able to start once r has
        // ended (`latest_after` is the least latest start from k on, non-decreasing in k), and
        // r must be able to start after the appointments before it have ended (their ends
        // increase with k).
        let first = self.latest_after.partition_point(|&l| l < lo + dur);
        let mut best: Option<(usize, i64)> = None;
        for k in first..=self.requests.len() {
            let prefix = self.prefix(p, s, k);
            if prefix.time > hi {
                break;
            }
            if let Some(travel) = self.travel_with(p, s, prefix, k, r, effort) {
                let delta = travel - self.travel;
                if best.is_none_or(|(_, d)| delta < d) {
                    best = Some((k, delta));
                }
            }
        }
        best
    }

    /// Travel of the shift when `r` is inserted at `k`, given the cursor after the first `k`
    /// appointments; `None` when infeasible. Stops early once the schedule rejoins the
    /// current one (same start of an in-person appointment), since the rest is then unchanged.
    fn travel_with(
        &self,
        p: &Problem,
        s: usize,
        prefix: Cursor,
        k: usize,
        r: usize,
        effort: &mut u64,
    ) -> Option<i64> {
        let mut c = prefix;
        *effort += 1;
        c.push(p, s, r)?;
        for i in k..self.requests.len() {
            *effort += 1;
            let q = self.requests[i];
            let start = c.push(p, s, q)?;
            if start == self.starts[i] && p.requests[q].location.is_some() {
                return Some(c.travel + (self.travel - self.after[i].travel));
            }
        }
        c.finish(p, s)
    }

    /// Inserts `r` at `k` and reschedules; `false` (route unchanged) when infeasible.
    pub fn insert(&mut self, p: &Problem, s: usize, k: usize, r: usize) -> bool {
        let mut order = self.requests.clone();
        order.insert(k, r);
        self.replace(p, s, order)
    }

    /// Removes the appointment of `r` and reschedules. With travel times that obey the
    /// triangle inequality this never fails; with a matrix that does not, it can, and then
    /// the route is left unchanged and `false` returned.
    pub fn remove(&mut self, p: &Problem, s: usize, r: usize) -> bool {
        let Some(k) = self.requests.iter().position(|&q| q == r) else {
            return false;
        };
        let mut order = self.requests.clone();
        order.remove(k);
        self.replace(p, s, order)
    }

    fn replace(&mut self, p: &Problem, s: usize, order: Vec<usize>) -> bool {
        match Route::build(p, s, order) {
            Some(route) => {
                *self = route;
                true
            }
            None => false,
        }
    }
}
