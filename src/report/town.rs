//! The town of a site. Sites have no town column: an address written the Italian way ends
//! in "…, 59100 Prato", so the town is read from a postcode followed by a name in the
//! address; failing that (free-form addresses such as "Plesso Mazzoni, via Roma 1"), it is
//! the comune of the nearest known place of [`PLACES`] (the neighbourhoods and comuni of the
//! fixtures' map, `fixtures::tuscany`, which is private to the generator), covering the
//! provinces Ponte serves. Coordinates are always there; addresses are not always tidy.
use crate::entity::site;

/// Neighbourhoods (named by their comune) and comuni of Prato, Pistoia and Lucca, at the
/// positions of `fixtures::tuscany`.
#[rustfmt::skip]
pub const PLACES: &[(&str, f64, f64)] = &[
    ("Prato", 43.8805, 11.0970), ("Prato", 43.8845, 11.0855), ("Prato", 43.8885, 11.0890),
    ("Prato", 43.8790, 11.0760), ("Prato", 43.8960, 11.0900), ("Prato", 43.8810, 11.0560),
    ("Prato", 43.8640, 11.0560), ("Prato", 43.8610, 11.0690), ("Prato", 43.8700, 11.1080),
    ("Prato", 43.8640, 11.1170), ("Prato", 43.8930, 11.0960),
    ("Montemurlo", 43.9290, 11.0440), ("Poggio a Caiano", 43.8150, 11.0520),
    ("Pistoia", 43.9330, 10.9170), ("Pistoia", 43.9420, 10.9090), ("Pistoia", 43.9230, 10.9360),
    ("Pistoia", 43.9230, 10.9050), ("Pistoia", 43.9480, 10.9330), ("Pistoia", 43.9050, 10.9430),
    ("Agliana", 43.9030, 11.0060), ("Quarrata", 43.8480, 10.9830),
    ("Montecatini Terme", 43.8830, 10.7730),
    ("Lucca", 43.8430, 10.5050), ("Lucca", 43.8490, 10.4840), ("Lucca", 43.8320, 10.5060),
    ("Lucca", 43.8500, 10.5260), ("Lucca", 43.8400, 10.5220), ("Lucca", 43.8610, 10.4960),
    ("Lucca", 43.9010, 10.5390),
    ("Capannori", 43.8420, 10.5720), ("Porcari", 43.8370, 10.6160), ("Altopascio", 43.8160, 10.6780),
];

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
    PLACES
        .iter()
        .map(|&(name, plat, plon)| {
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
