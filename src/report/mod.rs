//! Figures for coordinators and funders: coverage, hours, travel and response times per
//! language, organisation and mediator over a date range, and the shortage analysis
//! (unmet demand, and what one more mediator would fill). No HTTP here: the pages and the
//! API call these functions.
//!
//! - [`range`]: the local date range of a report (default: the current month in Rome).
//! - [`occurrences`]: every request occurrence of the range with its live assignment, its
//!   cancellation and the travel of the plan that placed it, read in a handful of queries.
//! - [`figures`]: the tables, grouped per language, organisation or mediator.
//! - [`overview`]: the week on the coordinators' home page.
//! - [`csv`]: the tables as CSV for spreadsheets (UTF-8 with BOM; separators by locale).
//! - [`chart`]: horizontal bar charts as inline SVG.
//! - [`town`]: the town of a site (from its address, else the nearest known town).
//! - [`shortage`]: unmet demand by language × weekday × slot × town, and the what-if of one
//!   more mediator, by re-solving the range's instance.
pub mod chart;
pub mod csv;
pub mod figures;
pub mod occurrences;
pub mod overview;
pub mod range;
pub mod shortage;
pub mod town;

/// The middle value of `values` (the mean of the two middle ones for an even count), in
/// whole minutes; `None` when there are none.
pub fn median(values: &mut [i64]) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let n = values.len();
    Some(if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]).div_euclid(2)
    })
}

#[cfg(test)]
mod tests {
    use super::median;

    #[test]
    fn median_of_odd_even_and_none() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [7, 1, 3]), Some(3));
        assert_eq!(median(&mut [10, 2, 4, 30]), Some(7));
        assert_eq!(median(&mut [-10, 20]), Some(5));
    }
}
