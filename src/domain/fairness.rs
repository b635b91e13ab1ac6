//! How evenly a plan spreads the work: hours per mediator (those available in the plan's
//! window, the idle ones included) summarised as minimum, median, maximum and the Gini
//! coefficient (0 when everyone works the same, towards 1 when one does it all).
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Spread {
    pub mediators: usize,
    pub min: f64,
    pub median: f64,
    pub max: f64,
    pub gini: f64,
}

/// The spread of `hours` (one value per mediator); `None` without any mediator.
pub fn spread(hours: &[f64]) -> Option<Spread> {
    let mut sorted: Vec<f64> = hours.iter().copied().filter(|h| h.is_finite()).collect();
    if sorted.is_empty() {
        return None;
    }
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    let median = if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    };
    let total: f64 = sorted.iter().sum();
    // With the values in ascending order: G = 2 Σ i·x_i / (n Σ x) − (n + 1) / n, i from 1.
    let gini = if total > 0.0 {
        let weighted: f64 = sorted.iter().zip(1..).map(|(x, i)| f64::from(i) * x).sum();
        (2.0 * weighted / (n as f64 * total) - (n as f64 + 1.0) / n as f64).max(0.0)
    } else {
        0.0
    };
    Some(Spread {
        mediators: n,
        min: sorted[0],
        median,
        max: sorted[n - 1],
        gini,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_work_is_zero_and_one_doing_all_approaches_one() {
        let even = spread(&[4.0, 4.0, 4.0, 4.0]).unwrap();
        assert_eq!(
            (even.min, even.median, even.max, even.gini),
            (4.0, 4.0, 4.0, 0.0)
        );
        let one = spread(&[0.0, 0.0, 0.0, 12.0]).unwrap();
        assert!((one.gini - 0.75).abs() < 1e-9, "{one:?}");
        assert_eq!((one.min, one.median, one.max), (0.0, 0.0, 12.0));
    }

    #[test]
    fn the_gini_of_a_known_spread() {
        // 1, 2, 3, 4: Σ|xi − xj| over ordered pairs = 20, n² · 2 · mean = 16 · 2 · 2.5 = 80.
        let s = spread(&[3.0, 1.0, 4.0, 2.0]).unwrap();
        assert!((s.gini - 0.25).abs() < 1e-9, "{s:?}");
        assert_eq!(s.median, 2.5);
        assert!(spread(&[]).is_none());
        assert_eq!(spread(&[0.0, 0.0]).unwrap().gini, 0.0);
    }
}
