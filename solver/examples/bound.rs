use ponte_solver::bound::{upper_bound, BoundOptions};
use ponte_solver::Problem;
fn main() {
    let path = std::env::args().nth(1).unwrap();
    let p = Problem::from_json(&std::fs::read_to_string(path).unwrap()).unwrap();
    let t = std::time::Instant::now();
    let b = upper_bound(
        &p,
        &BoundOptions {
            time_limit: std::time::Duration::from_secs(60),
        },
    );
    println!(
        "bound {} lp {:.1} {} parts {} {} ms",
        b.value,
        b.lp_value,
        b.method,
        b.parts,
        t.elapsed().as_millis()
    );
}
