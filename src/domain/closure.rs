//! Days when meetings do not happen: Italy's national holidays (computed, Easter Monday
//! included), each town's patron day, and the closures coordinators or organisations enter
//! (a school's holidays, a desk closed for a move). A series skips its occurrences on them
//! and plans never place one there; a mediator's weekly hours do not apply on a national
//! holiday (extra hours entered for that day still do).
//!
//! One calendar, [`Calendar::closed`], answers for every caller: the planner's snapshot,
//! urgent dispatch, the request pages and the API.
use chrono::{Datelike, NaiveDate};

/// Why a day is closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A national holiday.
    National,
    /// The town's patron saint.
    Patron,
    /// Entered for one organisation.
    Organisation,
    /// Entered for everyone.
    Everyone,
}

/// A closed day and its name, as people say it ("Natale", "Vacanze di Natale").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Closed {
    pub kind: Kind,
    pub name: String,
}

/// The national holidays, each (month, day, Italian name, English name): law 260/1949 and
/// its amendments. 4 October (Saints Francis and Catherine) is a holiday again from 2026
/// (law 151/2025).
const FIXED: [(u32, u32, &str, &str); 10] = [
    (1, 1, "Capodanno", "New Year's Day"),
    (1, 6, "Epifania", "Epiphany"),
    (4, 25, "Festa della Liberazione", "Liberation Day"),
    (5, 1, "Festa del Lavoro", "Labour Day"),
    (6, 2, "Festa della Repubblica", "Republic Day"),
    (8, 15, "Ferragosto", "Assumption Day"),
    (11, 1, "Ognissanti", "All Saints' Day"),
    (12, 8, "Immacolata Concezione", "Immaculate Conception"),
    (12, 25, "Natale", "Christmas Day"),
    (12, 26, "Santo Stefano", "St Stephen's Day"),
];

const SAN_FRANCESCO: (u32, u32, &str, &str) = (
    10,
    4,
    "San Francesco d'Assisi e Santa Caterina da Siena",
    "Saints Francis and Catherine",
);

/// Patron days of the towns Ponte serves: (town, month, day, name).
const PATRONS: [(&str, u32, u32, &str); 4] = [
    ("Prato", 12, 26, "Santo Stefano, patrono di Prato"),
    ("Pistoia", 7, 25, "San Jacopo, patrono di Pistoia"),
    ("Lucca", 7, 12, "San Paolino, patrono di Lucca"),
    ("Grosseto", 8, 10, "San Lorenzo, patrono di Grosseto"),
];

/// Easter Sunday of `year` in the Gregorian calendar (the anonymous algorithm of 1876,
/// Meeus/Jones/Butcher). `None` outside chrono's range.
pub fn easter_sunday(year: i32) -> Option<NaiveDate> {
    let a = year.rem_euclid(19);
    let b = year.div_euclid(100);
    let c = year.rem_euclid(100);
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15).rem_euclid(30);
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k).rem_euclid(7);
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, month as u32, day as u32)
}

/// The national holiday on `date`, by its Italian and English names.
pub fn national_holiday(date: NaiveDate) -> Option<(&'static str, &'static str)> {
    let (m, d) = (date.month(), date.day());
    if let Some((_, _, it, en)) = FIXED.iter().find(|(fm, fd, _, _)| (*fm, *fd) == (m, d)) {
        return Some((it, en));
    }
    if date.year() >= 2026 && (m, d) == (SAN_FRANCESCO.0, SAN_FRANCESCO.1) {
        return Some((SAN_FRANCESCO.2, SAN_FRANCESCO.3));
    }
    let easter = easter_sunday(date.year())?;
    if date == easter {
        return Some(("Pasqua", "Easter Sunday"));
    }
    if easter.succ_opt() == Some(date) {
        return Some(("Lunedì dell'Angelo", "Easter Monday"));
    }
    None
}

/// The national holidays of `year`, in date order.
pub fn national_holidays(year: i32) -> Vec<(NaiveDate, &'static str, &'static str)> {
    let Some(first) = NaiveDate::from_ymd_opt(year, 1, 1) else {
        return Vec::new();
    };
    first
        .iter_days()
        .take_while(|d| d.year() == year)
        .filter_map(|d| national_holiday(d).map(|(it, en)| (d, it, en)))
        .collect()
}

/// The patron day of `town` (case and spacing ignored) on `date`, if it is one.
pub fn patron_day(town: &str, date: NaiveDate) -> Option<&'static str> {
    let town = town.trim();
    PATRONS
        .iter()
        .find(|(t, m, d, _)| t.eq_ignore_ascii_case(town) && (*m, *d) == (date.month(), date.day()))
        .map(|(_, _, _, name)| *name)
}

/// The towns with a patron day Ponte knows, with its (month, day).
pub fn patron_towns() -> impl Iterator<Item = (&'static str, u32, u32, &'static str)> {
    PATRONS.iter().copied()
}

/// A closure entered by a coordinator or an organisation: `first..=last`, for one
/// organisation or (none) for everyone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entered {
    pub organisation_id: Option<i64>,
    pub first: NaiveDate,
    pub last: NaiveDate,
    pub name: String,
}

/// Longest closure one entry may cover: a school's summer is about three months.
pub const MAX_DAYS: i64 = 120;

/// The closures that apply over some dates: the computed holidays and what was entered.
#[derive(Debug, Clone, Default)]
pub struct Calendar {
    entered: Vec<Entered>,
}

impl Calendar {
    pub fn new(entered: Vec<Entered>) -> Calendar {
        Calendar { entered }
    }

    /// Whether a meeting of `organisation_id`, in `town` (where the meeting is, when
    /// known), on local `date` cannot take place, and why. National holidays first, then
    /// the town's patron, then what was entered (for everyone, then the organisation's).
    pub fn closed(
        &self,
        organisation_id: i64,
        town: Option<&str>,
        date: NaiveDate,
    ) -> Option<Closed> {
        if let Some((it, _)) = national_holiday(date) {
            return Some(Closed {
                kind: Kind::National,
                name: it.to_string(),
            });
        }
        if let Some(name) = town.and_then(|t| patron_day(t, date)) {
            return Some(Closed {
                kind: Kind::Patron,
                name: name.to_string(),
            });
        }
        self.entered
            .iter()
            .filter(|e| e.first <= date && date <= e.last)
            .filter(|e| e.organisation_id.is_none_or(|o| o == organisation_id))
            .min_by_key(|e| e.organisation_id.is_some())
            .map(|e| Closed {
                kind: if e.organisation_id.is_some() {
                    Kind::Organisation
                } else {
                    Kind::Everyone
                },
                name: e.name.clone(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn easter_matches_the_published_dates() {
        for (y, m, d) in [
            (2000, 4, 23),
            (2019, 4, 21),
            (2024, 3, 31),
            (2025, 4, 20),
            (2026, 4, 5),
            (2027, 3, 28),
            (2038, 4, 25),
            (2285, 3, 22),
        ] {
            assert_eq!(easter_sunday(y), Some(date(y, m, d)), "{y}");
        }
    }

    #[test]
    fn the_national_holidays_of_2027() {
        let days: Vec<NaiveDate> = national_holidays(2027).iter().map(|h| h.0).collect();
        assert_eq!(
            days,
            [
                date(2027, 1, 1),
                date(2027, 1, 6),
                date(2027, 3, 28),
                date(2027, 3, 29),
                date(2027, 4, 25),
                date(2027, 5, 1),
                date(2027, 6, 2),
                date(2027, 8, 15),
                date(2027, 10, 4),
                date(2027, 11, 1),
                date(2027, 12, 8),
                date(2027, 12, 25),
                date(2027, 12, 26),
            ]
        );
        assert_eq!(
            national_holiday(date(2027, 3, 29)),
            Some(("Lunedì dell'Angelo", "Easter Monday"))
        );
        // San Francesco is a holiday again from 2026 only.
        assert_eq!(national_holiday(date(2025, 10, 4)), None);
        assert!(national_holiday(date(2026, 10, 4)).is_some());
        assert_eq!(national_holiday(date(2027, 3, 30)), None);
    }

    #[test]
    fn patron_days_by_town() {
        assert!(patron_day("Pistoia", date(2027, 7, 25)).is_some());
        assert!(patron_day(" lucca ", date(2027, 7, 12)).is_some());
        assert!(patron_day("Grosseto", date(2027, 8, 10)).is_some());
        assert_eq!(patron_day("Prato", date(2027, 7, 25)), None);
        assert_eq!(patron_day("Firenze", date(2027, 6, 24)), None);
    }

    #[test]
    fn the_calendar_tells_each_organisation_its_own_closures() {
        let school = 7;
        let calendar = Calendar::new(vec![
            Entered {
                organisation_id: Some(school),
                first: date(2027, 12, 23),
                last: date(2028, 1, 6),
                name: "Vacanze di Natale".into(),
            },
            Entered {
                organisation_id: None,
                first: date(2027, 11, 2),
                last: date(2027, 11, 2),
                name: "Sciopero generale".into(),
            },
        ]);
        let closed = |org, town, d| calendar.closed(org, town, d).map(|c| (c.kind, c.name));
        assert_eq!(
            closed(school, None, date(2027, 12, 23)),
            Some((Kind::Organisation, "Vacanze di Natale".into()))
        );
        assert_eq!(closed(8, None, date(2027, 12, 23)), None);
        // A national holiday inside the school's closure is named as such.
        assert_eq!(
            closed(school, None, date(2027, 12, 25)).map(|c| c.0),
            Some(Kind::National)
        );
        assert_eq!(
            closed(8, Some("Pistoia"), date(2027, 7, 25)).map(|c| c.0),
            Some(Kind::Patron)
        );
        assert_eq!(
            closed(8, None, date(2027, 11, 2)),
            Some((Kind::Everyone, "Sciopero generale".into()))
        );
        assert_eq!(closed(school, Some("Prato"), date(2027, 12, 22)), None);
    }
}
