//! How much a mediator may still work within a plan's window. Limits belong to calendar
//! weeks (Monday to Sunday on the plan's clock), not to the window: a one-day plan does not
//! get a seventh of the week, it gets what the week has left.
use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Utc};
use chrono_tz::Tz;

use super::local_time::Window;

/// The calendar weeks (Monday 00:00 to the next Monday 00:00, on `zone`'s clock) that
/// `window` touches, in order.
pub fn weeks_touched(window: Window, zone: Tz) -> Vec<Window> {
    let (first, last) = window.local_span(zone);
    let monday = |d: NaiveDate| d - TimeDelta::days(i64::from(d.weekday().num_days_from_monday()));
    let mut weeks = Vec::new();
    let mut start = monday(first);
    while start <= last {
        let sunday = start + TimeDelta::days(6);
        weeks.push(Window::local_dates(start, sunday, zone));
        start += TimeDelta::days(7);
    }
    weeks
}

/// The minutes a mediator with `weekly` minutes a week may be given in `window`: for each
/// week the window touches, the week's limit less what is already live in that week outside
/// the window (`outside`: each live meeting's start and minutes), summed. What is live
/// inside the window is the plan's own to count. Exact for a window within one week; over
/// several weeks the total is right, though the solver does not yet keep each week apart.
pub fn minutes_left(
    weekly: i64,
    window: Window,
    zone: Tz,
    outside: &[(DateTime<Utc>, i64)],
) -> i64 {
    weeks_touched(window, zone)
        .into_iter()
        .map(|week| {
            let used: i64 = outside
                .iter()
                .filter(|(start, _)| week.start <= *start && *start < week.end)
                .map(|(_, minutes)| minutes)
                .sum();
            (weekly - used).max(0)
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use chrono_tz::Europe::Rome;

    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn at(date: NaiveDate, hour: u32) -> DateTime<Utc> {
        super::super::local_time::local_date_time_or_next(
            date,
            chrono::NaiveTime::from_hms_opt(hour, 0, 0).unwrap(),
            Rome,
        )
    }

    #[test]
    fn a_one_day_plan_gets_what_its_week_has_left_not_a_seventh() {
        // Monday 7 December 2026, alone; 20 hours a week.
        let monday = Window::day(day(2026, 12, 7), Rome);
        assert_eq!(minutes_left(1200, monday, Rome, &[]), 1200);
        // Four hours already live on the Wednesday of that week, outside the window.
        let wednesday = at(day(2026, 12, 9), 9);
        assert_eq!(minutes_left(1200, monday, Rome, &[(wednesday, 240)]), 960);
        // Live work of the week before does not count.
        let before = at(day(2026, 12, 4), 9);
        assert_eq!(minutes_left(1200, monday, Rome, &[(before, 240)]), 1200);
        // Never below nothing.
        assert_eq!(minutes_left(100, monday, Rome, &[(wednesday, 240)]), 0);
    }

    #[test]
    fn a_window_across_weeks_sums_each_weeks_limit() {
        // Friday 4 to Tuesday 8 December 2026: two weeks, the first with 8 h live.
        let window = Window::local_dates(day(2026, 12, 4), day(2026, 12, 8), Rome);
        let weeks = weeks_touched(window, Rome);
        assert_eq!(weeks.len(), 2);
        assert_eq!(weeks[0].start, at(day(2026, 11, 30), 0));
        assert_eq!(weeks[1].end, at(day(2026, 12, 14), 0));
        let tuesday = at(day(2026, 12, 1), 9);
        assert_eq!(
            minutes_left(1200, window, Rome, &[(tuesday, 480)]),
            720 + 1200
        );
    }

    #[test]
    fn weeks_follow_the_wall_clock_across_dst() {
        // The week of 22 March 2027, whose Sunday the clocks go forward: Monday midnight
        // to Monday midnight local, one hour short.
        let window = Window::day(day(2027, 3, 24), Rome);
        let weeks = weeks_touched(window, Rome);
        assert_eq!(weeks.len(), 1);
        assert_eq!(weeks[0].start, at(day(2027, 3, 22), 0));
        assert_eq!(weeks[0].end, at(day(2027, 3, 29), 0));
        assert_eq!((weeks[0].end - weeks[0].start).num_hours(), 167);
    }
}
