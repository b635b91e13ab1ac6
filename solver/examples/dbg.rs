use ponte_solver::search::{Search, State};
use ponte_solver::Problem;
fn main() {
    let path = std::env::args().nth(1).unwrap();
    let p = Problem::from_json(&std::fs::read_to_string(path).unwrap()).unwrap();
    stats(&p);
    if std::env::args().nth(2).is_some() {
        return;
    }
    let mut s = Search::new(&p, 1);
    let st = s.construct();
    println!(
        "obj {} value {} travel {}",
        st.objective(&p),
        st.value,
        st.travel
    );
    for (i, r) in st.routes.iter().enumerate() {
        if !r.is_empty() {
            println!(
                "shift {i} m{} travel {} reqs {:?}",
                p.shifts[i].mediator,
                r.travel,
                r.requests
                    .iter()
                    .map(|&q| &p.requests[q].id)
                    .collect::<Vec<_>>()
            );
        }
    }
    let st2 = State::from_plan(&p, &st.to_plan());
    println!("rebuilt obj {}", st2.objective(&p));
}
#[allow(dead_code)]
fn stats(p: &Problem) {
    let n: usize = p.candidates.iter().map(|c| c.len()).sum();
    let mx = p.candidates.iter().map(|c| c.len()).max().unwrap();
    println!(
        "requests {} shifts {} cand pairs {} avg {:.1} max {}",
        p.requests.len(),
        p.shifts.len(),
        n,
        n as f64 / p.requests.len() as f64,
        mx
    );
}
