//! A static map of the Tuscan plain from Lucca to Prato, drawn by Ponte itself as inline SVG
//! (no tiles from outside: the service runs on closed municipal networks). It shows the
//! known towns and neighbourhoods of `domain::towns`, the sites, and a marker; a small
//! script (`static/map.js`, in the shared bundle) lets a click on the map fill the latitude
//! and longitude inputs, which stay the way to enter coordinates without JavaScript or a
//! pointer.
use maud::{html, Markup};

use crate::domain::towns::TOWNS;
use crate::web::session::Ctx;

/// The area drawn, in degrees: the towns of the fixtures with a margin around them.
const MIN_LON: f64 = 10.40;
const MAX_LON: f64 = 11.20;
const MIN_LAT: f64 = 43.76;
const MAX_LAT: f64 = 44.00;
/// Drawing units; the height keeps a degree of longitude at its true width at 43.9° N
/// (cos 43.9° ≈ 0.72), so that distances look right.
const WIDTH: f64 = 960.0;
const HEIGHT: f64 = 400.0;

fn x(lon: f64) -> f64 {
    (lon - MIN_LON) / (MAX_LON - MIN_LON) * WIDTH
}

fn y(lat: f64) -> f64 {
    (MAX_LAT - lat) / (MAX_LAT - MIN_LAT) * HEIGHT
}

fn inside(lat: f64, lon: f64) -> bool {
    (MIN_LAT..=MAX_LAT).contains(&lat) && (MIN_LON..=MAX_LON).contains(&lon)
}

/// A point shown on the map.
pub struct Dot<'a> {
    pub lat: f64,
    pub lon: f64,
    pub label: &'a str,
}

/// The motorway A11 through the plain, for orientation: Lucca, Altopascio, Montecatini,
/// Pistoia, Prato, towards Florence.
const A11: [(f64, f64); 7] = [
    (43.853, 10.44),
    (43.845, 10.515),
    (43.829, 10.66),
    (43.875, 10.775),
    (43.917, 10.93),
    (43.873, 11.07),
    (43.838, 11.2),
];

/// The map. With `pick`, the ids of the latitude and longitude inputs that a click fills,
/// and the marker starts at their values.
/// The ids of the latitude and longitude inputs a click fills, and their current point.
pub type Pick<'a> = (&'a str, &'a str, Option<(f64, f64)>);

pub fn map(ctx: &Ctx, sites: &[Dot], pick: Option<Pick>) -> Markup {
    let marker = pick
        .and_then(|(_, _, at)| at)
        .filter(|(lat, lon)| inside(*lat, *lon));
    let road: Vec<String> = A11
        .iter()
        .map(|(lat, lon)| format!("{:.1},{:.1}", x(*lon), y(*lat)))
        .collect();
    html! {
        figure.map {
            svg #site-map viewBox=(format!("0 0 {WIDTH} {HEIGHT}")) role="img"
                aria-label=(ctx.t("reg.map_label"))
                tabindex=[pick.map(|_| "0")]
                data-bounds=(format!("{MIN_LON},{MAX_LON},{MIN_LAT},{MAX_LAT},{WIDTH},{HEIGHT}"))
                data-lat=[pick.map(|(lat, _, _)| lat)]
                data-lon=[pick.map(|(_, lon, _)| lon)]
                class=[pick.map(|_| "pickable")] {
                rect.land width=(WIDTH) height=(HEIGHT) {}
                // The Apennines in the north and Montalbano between Pistoia and Florence.
                path.hills d="M0 0 H960 V62 C880 80 800 58 720 74 C640 92 560 60 480 70 C400 82 330 52 250 66 C170 80 90 58 0 70 Z" {}
                ellipse.hills cx=(x(10.93)) cy=(y(43.80)) rx="70" ry="26" {}
                text.region x="480" y="36" { "Appennino" }
                text.region x=(x(10.93)) y=(y(43.80) + 5.0) { "Montalbano" }
                @for lon in [10.5, 10.6, 10.7, 10.8, 10.9, 11.0, 11.1] {
                    line.grid x1=(x(lon)) x2=(x(lon)) y1="0" y2=(HEIGHT) {}
                    text.grid-label x=(x(lon) + 4.0) y=(HEIGHT - 6.0) { (format!("{lon:.1}° E")) }
                }
                @for lat in [43.8, 43.9] {
                    line.grid x1="0" x2=(WIDTH) y1=(y(lat)) y2=(y(lat)) {}
                    text.grid-label x="6" y=(y(lat) - 4.0) { (format!("{lat:.1}° N")) }
                }
                polyline.road points=(road.join(" ")) {}
                text.road-label x=(x(10.70)) y=(y(43.845)) { "A11" }
                @for town in &TOWNS {
                    @for area in town.areas {
                        circle.area cx=(x(area.lon)) cy=(y(area.lat)) r="3" {
                            title { (area.name) " (" (town.name) ")" }
                        }
                    }
                    @if let Some(centre) = town.areas.first() {
                        text.town x=(x(centre.lon)) y=(y(centre.lat) - 14.0) { (town.name) }
                    }
                }
                @for dot in sites.iter().filter(|d| inside(d.lat, d.lon)) {
                    circle.site cx=(x(dot.lon)) cy=(y(dot.lat)) r="5" {
                        title { (dot.label) }
                    }
                }
                @if pick.is_some() {
                    g #map-marker visibility=(if marker.is_some() { "visible" } else { "hidden" })
                        transform=(marker.map_or(String::new(), |(lat, lon)| format!("translate({:.1} {:.1})", x(lon), y(lat)))) {
                        path.pin d="M0 0 C-4 -10 -12 -14 -12 -22 A12 12 0 1 1 12 -22 C12 -14 4 -10 0 0 Z" {}
                        circle.pin-dot cy="-22" r="4.5" {}
                    }
                }
            }
            figcaption {
                span.key { span.swatch.site-swatch {} (ctx.t("reg.map_sites")) }
                span.key { span.swatch.area-swatch {} (ctx.t("reg.map_areas")) }
                @if pick.is_some() { span.pick-hint { (ctx.t("reg.map_hint")) } }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_projection_keeps_the_corners_and_every_town_inside() {
        assert_eq!((x(MIN_LON), y(MAX_LAT)), (0.0, 0.0));
        assert_eq!((x(MAX_LON), y(MIN_LAT)), (WIDTH, HEIGHT));
        for town in &TOWNS {
            for area in town.areas {
                assert!(inside(area.lat, area.lon), "{} is off the map", area.name);
            }
        }
        // A degree of longitude is about 0.72 of a degree of latitude at these latitudes.
        let ratio = (WIDTH / (MAX_LON - MIN_LON)) / (HEIGHT / (MAX_LAT - MIN_LAT));
        assert!((ratio - 0.72).abs() < 0.01, "{ratio}");
    }
}
