//! First come, first served: the status quo, what a coordinator does by hand, as the peers'
//! benchmark defines it. Pinned requests first; then by urgency and earliest start (input
//! order on ties), each to the first eligible mediator in the instance's order, at the
//! earliest start that keeps the plan feasible; nothing already planned moves.
use crate::insert::Timelines;
use crate::plan::{Plan, Slot};
use crate::problem::Problem;

pub fn greedy(p: &Problem) -> Plan {
    let mut plan = Plan::pinned_only(p);
    let mut timelines = Timelines::from_plan(p, &plan);
    let mut order: Vec<usize> = (0..p.requests.len())
        .filter(|&r| p.requests[r].pinned.is_none())
        .collect();
    order.sort_by_key(|&r| (p.requests[r].urgency, p.requests[r].earliest));
    // A request's modalities come in its order of preference (its own first): the first
    // that fits is taken.
    for r in order {
        if p.sibling_held(r, |q| plan.slots[q].is_some()) {
            continue;
        }
        let req = &p.requests[r];
        // Candidates come grouped by mediator, in the instance's order.
        let mut chosen = None;
        for c in &p.candidates[r] {
            let m = p.shifts[c.shift].mediator;
            if chosen.is_some_and(|(cm, _, _)| cm != m) {
                break;
            }
            if let Some(fit) = timelines
                .fits(p, c.shift, req, c.earliest, c.latest)
                .into_iter()
                .next()
            {
                if chosen
                    .is_none_or(|(_, _, f): (usize, usize, crate::insert::Fit)| fit.start < f.start)
                {
                    chosen = Some((m, c.shift, fit));
                }
            }
        }
        if let Some((_, shift, fit)) = chosen {
            timelines.add(p, shift, &fit, req);
            plan.slots[r] = Some(Slot {
                shift,
                start: fit.start,
            });
        }
    }
    plan
}
