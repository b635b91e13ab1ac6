//! The town of a site. Sites have no town column: an address written the Italian way ends
//! in "…, 59100 Prato", so the town is read from a postcode followed by a name in the
//! address; failing that (free-form addresses such as "Plesso Mazzoni, via Roma 1"), it is
//! the comune of the nearest known place of Ponte's map (`domain::towns`), which
//! covers the provinces Ponte serves. Coordinates are always there; addresses are not always
//! tidy.
use crate::domain::towns::TOWNS;
use crate::entity::site;

/// The known places as (comune, lat, lon). A town's neighbourhoods share its postcode; an
/// area with a postcode of its own (Montemurlo, Agliana, Capannori…) is a comune itself.
pub fn places() -> impl Iterator<Item = (&'static str, f64, f64)> {
    TOWNS.iter().flat_map(|town| {
        let main_postcode = town.areas.first().map(|a| a.postcode);
        town.areas.iter().map(move |area| {
            let comune = if Some(area.postcode) == main_postcode {
                town.name
            } else {
                area.name
            };
            (comune, area.lat, area.lon)
        })
    })
}

/// Farther than this from every known area, the site's town is unknown rather than a
/// guess from another province.
const NEAREST_MAX_KM: f64 = 25.0;

/// The town of `site`, or `None` when neither the address nor the map tells.
pub fn of_site(site: &site::Model) -> Option<String> {
    from_address(&site.address).or_else(|| nearest(site.lat, site.lon))
}

/// "Via Roma 60, 59100 Prato" → "Prato": the words after a five-digit postcode in the
/// last part of the address that has one.
pub fn from_address(address: &str) -> Option<String> {
    address.rsplit(',').find_map(|part| {
        let mut words = part.split_whitespace();
        while let Some(word) = words.next() {
            if word.len() == 5 && word.chars().all(|c| c.is_ascii_digit()) {
                let rest: Vec<&str> = words.by_ref().take_while(|w| !w.starts_with('(')).collect();
                return (!rest.is_empty()).then(|| rest.join(" "));
            }
        }
        None
    })
}

/// The comune of the nearest known place, within [`NEAREST_MAX_KM`].
pub fn nearest(lat: f64, lon: f64) -> Option<String> {
    places()
        .map(|(name, plat, plon)| {
            let km = ponte_solver::problem::haversine_km((lat, lon), (plat, plon));
            (km, name)
        })
        .filter(|(km, _)| *km <= NEAREST_MAX_KM)
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, name)| name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_postcode_names_the_town() {
        assert_eq!(
            from_address("Via Roma 60, 59100 Prato").as_deref(),
            Some("Prato")
        );
        assert_eq!(
            from_address("Piazza Risorgimento 1, 51039 Quarrata (PT)").as_deref(),
            Some("Quarrata")
        );
        assert_eq!(
            from_address("Via X 3, 55012 Capannori, Italia").as_deref(),
            Some("Capannori")
        );
        assert_eq!(from_address("Plesso Mazzoni, via Roma 1"), None);
    }

    #[test]
    fn otherwise_the_nearest_known_town() {
        assert_eq!(nearest(43.8777, 11.0955).as_deref(), Some("Prato"));
        assert_eq!(nearest(43.933, 10.916).as_deref(), Some("Pistoia"));
        assert_eq!(nearest(43.843, 10.505).as_deref(), Some("Lucca"));
        // Rome is far from every known area.
        assert_eq!(nearest(41.9, 12.5), None);
    }
}
