//! The seeded Tuscan data generator: determinism, counts, references, realism, and that its
//! instances are valid and plannable by the solver.
use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use chrono::{Datelike, NaiveDate, Timelike, Utc, Weekday};
use ponte::fixtures::{self, Dataset, Params};
use ponte_solver::solve::{self, Options};
use ponte_solver::{check, Problem};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn params(requests: usize, mediators: usize, seed: u64) -> Params {
    Params {
        requests,
        mediators,
        seed,
        start: date(2026, 3, 2),
        days: 7,
    }
}

fn problem(dataset: &Dataset) -> Problem {
    let inst = fixtures::to_instance(dataset, "test");
    let json = serde_json::to_string(&inst).unwrap();
    match Problem::from_json(&json) {
        Ok(p) => p,
        Err(errors) => panic!("instance rejected: {errors:?}"),
    }
}

#[test]
fn the_same_seed_gives_the_same_data_and_another_seed_other_data() {
    let a = fixtures::generate(&params(300, 60, 7));
    let b = fixtures::generate(&params(300, 60, 7));
    let c = fixtures::generate(&params(300, 60, 8));
    assert_eq!(a, b);
    assert_ne!(a.mediators, c.mediators);
    assert_ne!(a.requests, c.requests);
    assert_eq!(
        fixtures::to_instance(&a, "x"),
        fixtures::to_instance(&b, "x")
    );
}

#[test]
fn more_requests_keep_the_same_team() {
    let small = fixtures::generate(&params(100, 40, 3));
    let large = fixtures::generate(&params(900, 40, 3));
    assert_eq!(small.mediators, large.mediators);
}

#[test]
fn counts_match_the_parameters() {
    for (requests, mediators) in [
        (0, 0),
        (1, 0),
        (0, 5),
        (9, 3),
        (10, 1),
        (300, 60),
        (1500, 250),
    ] {
        let d = fixtures::generate(&params(requests, mediators, 1));
        assert_eq!(d.requests.len(), requests);
        assert_eq!(d.mediators.len(), mediators);
        assert!(!d.organisations.is_empty());
    }
    let small = fixtures::generate(&params(300, 60, 1)).organisations.len();
    let large = fixtures::generate(&params(1500, 60, 1)).organisations.len();
    assert!(
        large > small,
        "organisations grow with the load: {small} → {large}"
    );
}

#[test]
fn every_key_resolves_and_in_person_requests_have_a_site_of_their_organisation() {
    let d = fixtures::generate(&params(1500, 250, 11));
    let orgs: HashMap<&str, &fixtures::Organisation> = d
        .organisations
        .iter()
        .map(|o| (o.key.as_str(), o))
        .collect();
    let mediators: HashSet<&str> = d.mediators.iter().map(|m| m.key.as_str()).collect();
    assert_eq!(
        orgs.len(),
        d.organisations.len(),
        "organisation keys are unique"
    );
    assert_eq!(
        mediators.len(),
        d.mediators.len(),
        "mediator keys are unique"
    );
    let sites: HashSet<&str> = d
        .organisations
        .iter()
        .flat_map(|o| o.sites.iter().map(|s| s.key.as_str()))
        .collect();
    assert_eq!(
        sites.len(),
        d.organisations.iter().map(|o| o.sites.len()).sum::<usize>(),
        "site keys are unique"
    );
    let requests: HashSet<&str> = d.requests.iter().map(|r| r.key.as_str()).collect();
    assert_eq!(requests.len(), d.requests.len(), "request keys are unique");

    for o in &d.organisations {
        assert!((1..=3).contains(&o.sites.len()), "{} has 1-3 sites", o.name);
        assert!(["school", "social_services", "health", "desk", "other"].contains(&o.kind.as_str()));
        assert_eq!(o.timezone, "Europe/Rome");
    }
    for r in &d.requests {
        let org = orgs
            .get(r.organisation.as_str())
            .expect("organisation exists");
        if let Some(site) = &r.site {
            assert!(
                org.sites.iter().any(|s| &s.key == site),
                "{}: own site",
                r.key
            );
        }
        assert_eq!(
            r.modality.as_str() == "in_person",
            r.site.is_some(),
            "{}",
            r.key
        );
        for m in r.preferred_mediators.iter().chain(&r.excluded_mediators) {
            assert!(mediators.contains(m.as_str()), "{}: mediator {m}", r.key);
        }
        assert!(r
            .preferred_mediators
            .iter()
            .all(|m| !r.excluded_mediators.contains(m)));
    }
}

#[test]
fn the_data_passes_the_services_own_validation() {
    use ponte::domain::{availability, recurrence};
    let d = fixtures::generate(&params(1500, 250, 12));
    for m in &d.mediators {
        availability::validate_rules(&m.weekly).unwrap();
        availability::validate_exceptions(&m.exceptions).unwrap();
        for l in &m.languages {
            assert!(ponte_solver::problem::valid_language_tag(l), "{l}");
        }
    }
    let zone = chrono_tz::Europe::Rome;
    for r in d.requests.iter().filter(|r| r.rrule.is_some()) {
        let start = r
            .earliest_start
            .and_local_timezone(zone)
            .unwrap()
            .with_timezone(&Utc);
        let n = recurrence::validate(r.rrule.as_deref().unwrap(), start, zone).unwrap();
        assert!(n >= 4, "{:?}: {n}", r.rrule);
    }
}

#[test]
fn requests_look_like_real_ones() {
    let d = fixtures::generate(&params(3000, 100, 5));
    let n = d.requests.len() as f64;
    let share = |urgency: &str| {
        d.requests
            .iter()
            .filter(|r| r.urgency.as_str() == urgency)
            .count() as f64
            / n
    };
    assert!(
        (0.03..0.07).contains(&share("emergency")),
        "{}",
        share("emergency")
    );
    assert!(
        (0.16..0.24).contains(&share("urgent")),
        "{}",
        share("urgent")
    );
    let in_person = d
        .requests
        .iter()
        .filter(|r| r.modality.as_str() == "in_person")
        .count() as f64
        / n;
    assert!((0.62..0.80).contains(&in_person), "{in_person}");

    let mut series = 0;
    for r in &d.requests {
        assert!(r.earliest_start <= r.latest_start, "{}", r.key);
        assert_eq!(r.earliest_start.date(), r.latest_start.date(), "{}", r.key);
        assert_eq!(r.earliest_start.minute() % 15, 0);
        assert_eq!(r.duration_minutes % 15, 0);
        if let Some(rule) = &r.rrule {
            series += 1;
            assert!(rule.starts_with("FREQ=WEEKLY;BYDAY="), "{rule}");
            assert!(r.case_reference.is_none());
        } else {
            assert!((30..=180).contains(&r.duration_minutes), "{}", r.key);
        }
        if let Some(case) = &r.case_reference {
            // `PO-2026-0142`: town, year, number; never a name.
            let parts: Vec<&str> = case.split('-').collect();
            assert_eq!(parts.len(), 3, "{case}");
            assert!(["PO", "PT", "LU"].contains(&parts[0]), "{case}");
            assert_eq!(parts[1], r.earliest_start.year().to_string());
            assert!(parts[2].len() == 4 && parts[2].chars().all(|c| c.is_ascii_digit()));
        }
    }
    assert!(series >= 3, "a few weekly series: {series}");
    let weekend = d
        .requests
        .iter()
        .filter(|r| matches!(r.earliest_start.weekday(), Weekday::Sat | Weekday::Sun))
        .count() as f64;
    assert!(weekend / n < 0.05, "mostly working days");
    assert!(d.requests.iter().any(|r| r.notes.is_some()));
    assert!(d.requests.iter().any(|r| !r.preferred_mediators.is_empty()));
}

#[test]
fn chinese_is_the_most_demanded_and_the_largest_group_of_mediators() {
    let d = fixtures::generate(&params(1500, 250, 2));
    let mut demand: HashMap<&str, usize> = HashMap::new();
    for r in &d.requests {
        *demand.entry(r.language.as_str()).or_default() += 1;
    }
    let top = demand.iter().max_by_key(|(_, n)| **n).map(|(l, _)| *l);
    assert_eq!(top, Some("zh"), "{demand:?}");
    for lang in ["ur", "sq", "ar", "ar-MA", "ro", "si", "pa", "bn"] {
        assert!(demand.contains_key(lang), "{lang} is asked for");
    }
    let mut first: HashMap<&str, usize> = HashMap::new();
    for m in &d.mediators {
        *first.entry(m.languages[0].as_str()).or_default() += 1;
    }
    assert_eq!(
        first.iter().max_by_key(|(_, n)| **n).map(|(l, _)| *l),
        Some("zh")
    );
    let italian = d
        .mediators
        .iter()
        .filter(|m| m.languages.iter().any(|l| l == "it"));
    assert!(
        italian.count() * 10 >= d.mediators.len() * 8,
        "most speak Italian"
    );
    assert!(d
        .mediators
        .iter()
        .any(|m| m.modalities == ["phone", "video"]));
    assert!(d
        .mediators
        .iter()
        .any(|m| m.tags.iter().any(|t| t == "court-certified")));
}

#[test]
fn every_place_lies_in_tuscany_and_addresses_are_fictitious() {
    let inside = |lat: f64, lon: f64| (42.2..=44.5).contains(&lat) && (9.6..=12.4).contains(&lon);
    let d = fixtures::generate(&params(1500, 250, 4));
    for o in &d.organisations {
        assert!(o.email.ends_with(".example"), "{}", o.email);
        for s in &o.sites {
            assert!(inside(s.lat, s.lon), "{} at {} {}", s.name, s.lat, s.lon);
        }
    }
    for m in &d.mediators {
        assert!(
            inside(m.home_lat, m.home_lon),
            "{} at {} {}",
            m.key,
            m.home_lat,
            m.home_lon
        );
        assert!(m.email.ends_with("@mediatori.example"), "{}", m.email);
        assert!(["Prato", "Pistoia", "Lucca"].contains(&m.town.as_str()));
    }
    let inst = fixtures::to_instance(&d, "t");
    assert!(inst.locations.iter().all(|l| inside(l.lat, l.lon)));
}

#[test]
fn generating_a_large_data_set_is_fast() {
    let started = Instant::now();
    let d = fixtures::generate(&params(1500, 250, 9));
    let generated = started.elapsed();
    let inst = fixtures::to_instance(&d, "large");
    let converted = started.elapsed() - generated;
    eprintln!("1500 requests, 250 mediators: generate {generated:?}, to_instance {converted:?}");
    assert!(generated < Duration::from_secs(1), "{generated:?}");
    assert!(inst.requests.len() >= 1500);
    let p = problem(&d);
    assert!(
        p.coverable_weight() * 10 > p.total_weight() * 8,
        "mostly coverable"
    );
}

#[test]
fn any_parameters_give_a_valid_instance() {
    let cases = [
        Params {
            days: 0,
            ..params(20, 5, 1)
        },
        Params {
            days: 1,
            start: date(2026, 3, 7),
            ..params(30, 5, 1)
        },
        Params {
            days: u32::MAX,
            ..params(3, 2, 1)
        },
        Params {
            start: NaiveDate::MAX,
            ..params(12, 3, 1)
        },
        Params {
            start: NaiveDate::MIN,
            days: 3,
            ..params(12, 3, 1)
        },
        params(0, 0, u64::MAX),
        params(25, 0, 0),
    ];
    for p in cases {
        let d = fixtures::generate(&p);
        assert_eq!(d.requests.len(), p.requests);
        assert!(d.days >= 1);
        if p.start.year() > 1 && p.start.year() < 9000 {
            problem(&d);
        } else {
            // Still no panic, even if chrono cannot place those dates in time.
            let _ = fixtures::to_instance(&d, "edge");
        }
    }
}

#[test]
fn the_demo_covers_the_week_of_today() {
    let p = fixtures::demo_params(date(2027, 1, 14));
    assert_eq!(p.start, date(2027, 1, 11));
    assert_eq!(p.start.weekday(), Weekday::Mon);
    assert_eq!((p.days, p.seed, p.requests, p.mediators), (7, 1, 300, 60));
    assert_eq!(
        fixtures::demo_params(date(2027, 1, 11)).start,
        date(2027, 1, 11)
    );
    assert_eq!(
        fixtures::demo_params(date(2027, 1, 17)).start,
        date(2027, 1, 11)
    );
}

#[test]
fn the_demo_instance_is_valid_and_mostly_plannable() {
    let d = fixtures::generate(&fixtures::demo_params(date(2026, 11, 30)));
    let p = problem(&d);
    let opts = Options {
        time_limit: Duration::from_secs(20),
        iterations: Some(300),
        bound: false,
        ..Options::default()
    };
    let outcome = solve::solve(&p, &opts, Instant::now());
    let report = check::check_plan(&p, &outcome.plan);
    assert!(report.violations.is_empty(), "{:?}", report.violations);
    let m = &report.metrics;
    eprintln!(
        "demo: {}/{} assigned, weighted coverage {:.3}, coverable {:.3}, travel {} min",
        m.assigned, m.requests, m.weighted_coverage, m.coverable_coverage, m.travel_minutes
    );
    assert!(m.weighted_coverage > 0.5, "{m:?}");
    assert!(m.coverable_coverage > 0.8, "{m:?}");
}

#[test]
fn series_become_one_request_per_occurrence_within_the_horizon() {
    let d = fixtures::generate(&Params {
        days: 28,
        ..params(300, 60, 1)
    });
    let inst = fixtures::to_instance(&d, "four-weeks");
    for (i, r) in d.requests.iter().enumerate() {
        let id = format!("R{}", i + 1);
        let own: Vec<_> = inst
            .requests
            .iter()
            .filter(|x| x.id == id || x.id.starts_with(&format!("{id}#")))
            .collect();
        match &r.rrule {
            None => assert!(own.len() == 1 && own[0].id == id),
            Some(rule) => {
                // Weekly, first in the first week: 4 weeks hold 2 to 4 occurrences.
                assert!((2..=4).contains(&own.len()), "{id} {rule}: {}", own.len());
                assert_eq!(own[0].id, format!("{id}#1"));
                for x in &own {
                    let local = x.earliest_start.naive_local();
                    assert_eq!(local.time(), r.earliest_start.time(), "{}", x.id);
                    assert_eq!(local.weekday(), r.earliest_start.weekday(), "{}", x.id);
                }
            }
        }
    }
}

#[test]
fn shifts_keep_their_local_time_across_the_change_to_summer_time() {
    // Summer time starts on Sunday 29 March 2026 in Rome.
    let d = fixtures::generate(&Params {
        start: date(2026, 3, 23),
        days: 14,
        ..params(100, 40, 6)
    });
    let inst = fixtures::to_instance(&d, "dst");
    let mut checked = 0;
    for (m, im) in d.mediators.iter().zip(&inst.mediators) {
        if !m.exceptions.is_empty() || !m.weekly.iter().any(|r| r.weekday == Weekday::Mon) {
            continue;
        }
        let monday = |day: NaiveDate| {
            im.shifts
                .iter()
                .find(|s| s.start.date_naive() == day)
                .map(|s| s.start)
                .expect("a Monday shift")
        };
        let (before, after) = (monday(date(2026, 3, 23)), monday(date(2026, 3, 30)));
        assert_eq!(before.time(), after.time(), "same wall-clock time");
        assert_eq!(before.offset().local_minus_utc(), 3600);
        assert_eq!(after.offset().local_minus_utc(), 7200);
        let (b, a) = (before.with_timezone(&Utc), after.with_timezone(&Utc));
        assert_eq!(b.hour(), a.hour() + 1, "one hour earlier in UTC");
        checked += 1;
    }
    assert!(checked >= 10, "{checked} mediators checked");
}
