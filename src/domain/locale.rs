//! The two languages of Ponte's pages and emails, and the calendar's names in each. Pages
//! (`web::i18n`) and notices (`notice::compose`) both read these, so a weekday is spelt
//! one way everywhere.
use chrono::Weekday;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Locale {
    It,
    En,
}

const WEEKDAYS_SHORT: [[&str; 7]; 2] = [
    ["lun", "mar", "mer", "gio", "ven", "sab", "dom"],
    ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
];
const WEEKDAYS_LONG: [[&str; 7]; 2] = [
    [
        "lunedì",
        "martedì",
        "mercoledì",
        "giovedì",
        "venerdì",
        "sabato",
        "domenica",
    ],
    [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ],
];
const MONTHS_SHORT: [[&str; 12]; 2] = [
    [
        "gen", "feb", "mar", "apr", "mag", "giu", "lug", "ago", "set", "ott", "nov", "dic",
    ],
    [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ],
];
const MONTHS_LONG: [[&str; 12]; 2] = [
    [
        "gennaio",
        "febbraio",
        "marzo",
        "aprile",
        "maggio",
        "giugno",
        "luglio",
        "agosto",
        "settembre",
        "ottobre",
        "novembre",
        "dicembre",
    ],
    [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
];

impl Locale {
    pub fn parse(s: &str) -> Option<Locale> {
        match s.trim() {
            "it" => Some(Locale::It),
            "en" => Some(Locale::En),
            _ => None,
        }
    }

    /// A stored locale; anything unknown is Italian, the default.
    pub fn or_default(s: &str) -> Locale {
        Locale::parse(s).unwrap_or(Locale::It)
    }

    pub fn code(self) -> &'static str {
        match self {
            Locale::It => "it",
            Locale::En => "en",
        }
    }

    pub fn other(self) -> Locale {
        match self {
            Locale::It => Locale::En,
            Locale::En => Locale::It,
        }
    }

    fn index(self) -> usize {
        match self {
            Locale::It => 0,
            Locale::En => 1,
        }
    }

    pub fn weekday_short(self, day: Weekday) -> &'static str {
        WEEKDAYS_SHORT[self.index()][day.num_days_from_monday() as usize]
    }

    pub fn weekday_long(self, day: Weekday) -> &'static str {
        WEEKDAYS_LONG[self.index()][day.num_days_from_monday() as usize]
    }

    pub fn month_short(self, month0: u32) -> &'static str {
        MONTHS_SHORT[self.index()][month0 as usize % 12]
    }

    pub fn month_long(self, month0: u32) -> &'static str {
        MONTHS_LONG[self.index()][month0 as usize % 12]
    }
}
