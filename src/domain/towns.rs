//! The towns Ponte knows and their neighbourhoods: Prato, Pistoia and Lucca. Street names
//! and neighbourhoods are real; positions are approximate (within a few hundred metres),
//! which is all the travel model needs. The reports name a site's comune by the nearest
//! place here, the site picker draws this map, and the fixtures generate data on it; the
//! places reuse the coordinates of the sample instance `tuscany-M.json`, so that generated
//! data and the benchmarks share one map.

pub const PRATO: usize = 0;
pub const PISTOIA: usize = 1;
pub const LUCCA: usize = 2;

pub struct Town {
    pub name: &'static str,
    /// Prefix of case references (`PO-2026-0142`), as on Italian number plates.
    pub code: &'static str,
    /// Share of the requests: Prato has by far the largest foreign-born population.
    pub share: f64,
    pub areas: &'static [Area],
}

pub struct Area {
    pub name: &'static str,
    pub postcode: &'static str,
    pub lat: f64,
    pub lon: f64,
    /// Homes and generated schools fall within this distance of the centre.
    pub radius_km: f64,
    /// How many mediators live and how many schools stand here, relatively.
    pub weight: f64,
    pub streets: &'static [&'static str],
}

#[rustfmt::skip]
pub const TOWNS: [Town; 3] = [
    Town {
        name: "Prato",
        code: "PO",
        share: 0.55,
        areas: &[
            Area { name: "Centro storico", postcode: "59100", lat: 43.8805, lon: 11.0970, radius_km: 0.5, weight: 1.0, streets: &["Via Guasti", "Via Santa Trinita", "Via Ricasoli", "Piazza Mercatale"] },
            Area { name: "Macrolotto Zero", postcode: "59100", lat: 43.8845, lon: 11.0855, radius_km: 0.6, weight: 2.5, streets: &["Via Fabio Filzi", "Via Pistoiese", "Via Cristoforo Colombo", "Via Giordano Bruno"] },
            Area { name: "Via Pistoiese", postcode: "59100", lat: 43.8885, lon: 11.0890, radius_km: 0.5, weight: 2.0, streets: &["Via Pistoiese", "Via Niccolò Machiavelli", "Via Francesco Ferrucci"] },
            Area { name: "San Paolo", postcode: "59100", lat: 43.8790, lon: 11.0760, radius_km: 0.6, weight: 1.5, streets: &["Via Galcianese", "Via Pier Cironi", "Via Filippino Lippi"] },
            Area { name: "Chiesanuova", postcode: "59100", lat: 43.8960, lon: 11.0900, radius_km: 0.6, weight: 1.0, streets: &["Via Bologna", "Via di Chiesanuova", "Via Maliseti"] },
            Area { name: "Galciana", postcode: "59100", lat: 43.8810, lon: 11.0560, radius_km: 0.7, weight: 0.8, streets: &["Via di Galciana", "Via Galcianese", "Via Roncioni"] },
            Area { name: "Narnali", postcode: "59100", lat: 43.8640, lon: 11.0560, radius_km: 0.6, weight: 0.7, streets: &["Via di Narnali", "Via Pistoiese", "Via del Ferro"] },
            Area { name: "Iolo", postcode: "59100", lat: 43.8610, lon: 11.0690, radius_km: 0.6, weight: 0.6, streets: &["Via di Iolo", "Via Traversa di Iolo"] },
            Area { name: "Soccorso", postcode: "59100", lat: 43.8700, lon: 11.1080, radius_km: 0.6, weight: 0.8, streets: &["Via Roma", "Viale della Repubblica", "Via Ciulli"] },
            Area { name: "Mezzana", postcode: "59100", lat: 43.8640, lon: 11.1170, radius_km: 0.6, weight: 0.6, streets: &["Via Mozza", "Via Firenze", "Via di Mezzana"] },
            Area { name: "Serraglio", postcode: "59100", lat: 43.8930, lon: 11.0960, radius_km: 0.5, weight: 0.6, streets: &["Via Bologna", "Via del Serraglio", "Via Lazzerini"] },
            Area { name: "Montemurlo", postcode: "59013", lat: 43.9290, lon: 11.0440, radius_km: 0.8, weight: 0.5, streets: &["Via Montalese", "Via Scarpettini"] },
            Area { name: "Poggio a Caiano", postcode: "59016", lat: 43.8150, lon: 11.0520, radius_km: 0.7, weight: 0.3, streets: &["Via Pratese", "Via Roma"] },
        ],
    },
    Town {
        name: "Pistoia",
        code: "PT",
        share: 0.25,
        areas: &[
            Area { name: "Centro", postcode: "51100", lat: 43.9330, lon: 10.9170, radius_km: 0.5, weight: 1.2, streets: &["Corso Gramsci", "Via Cavour", "Via degli Orafi"] },
            Area { name: "Porta al Borgo", postcode: "51100", lat: 43.9420, lon: 10.9090, radius_km: 0.6, weight: 0.8, streets: &["Via Porta al Borgo", "Via Dalmazia"] },
            Area { name: "Sant'Agostino", postcode: "51100", lat: 43.9230, lon: 10.9360, radius_km: 0.6, weight: 1.2, streets: &["Via Fiorentina", "Via Sestini", "Via Enrico Fermi"] },
            Area { name: "Le Fornaci", postcode: "51100", lat: 43.9230, lon: 10.9050, radius_km: 0.5, weight: 0.7, streets: &["Via Pratese", "Viale Adua"] },
            Area { name: "Candeglia", postcode: "51100", lat: 43.9480, lon: 10.9330, radius_km: 0.6, weight: 0.5, streets: &["Via di Candeglia", "Via Modenese"] },
            Area { name: "Bottegone", postcode: "51100", lat: 43.9050, lon: 10.9430, radius_km: 0.6, weight: 0.5, streets: &["Via Fiorentina", "Via del Bottegone"] },
            Area { name: "Agliana", postcode: "51031", lat: 43.9030, lon: 11.0060, radius_km: 0.7, weight: 0.6, streets: &["Via Roma", "Via Selva"] },
            Area { name: "Quarrata", postcode: "51039", lat: 43.8480, lon: 10.9830, radius_km: 0.8, weight: 0.6, streets: &["Via Montalbano", "Piazza Risorgimento"] },
            Area { name: "Montecatini Terme", postcode: "51016", lat: 43.8830, lon: 10.7730, radius_km: 0.8, weight: 0.3, streets: &["Viale Verdi", "Corso Roma"] },
        ],
    },
    Town {
        name: "Lucca",
        code: "LU",
        share: 0.20,
        areas: &[
            Area { name: "Centro storico", postcode: "55100", lat: 43.8430, lon: 10.5050, radius_km: 0.4, weight: 0.8, streets: &["Via Fillungo", "Via San Paolino", "Via Santa Croce"] },
            Area { name: "Sant'Anna", postcode: "55100", lat: 43.8490, lon: 10.4840, radius_km: 0.6, weight: 1.2, streets: &["Via Sant'Anna", "Viale Puccini", "Via Luporini"] },
            Area { name: "San Concordio", postcode: "55100", lat: 43.8320, lon: 10.5060, radius_km: 0.6, weight: 1.0, streets: &["Viale San Concordio", "Via Savonarola", "Via Carlo del Prete"] },
            Area { name: "San Vito", postcode: "55100", lat: 43.8500, lon: 10.5260, radius_km: 0.5, weight: 0.6, streets: &["Via di San Vito", "Via Romana"] },
            Area { name: "Arancio", postcode: "55100", lat: 43.8400, lon: 10.5220, radius_km: 0.5, weight: 0.6, streets: &["Viale Luigi Cadorna", "Via Romana"] },
            Area { name: "Monte San Quirico", postcode: "55100", lat: 43.8610, lon: 10.4960, radius_km: 0.6, weight: 0.5, streets: &["Via della Chiesa XXXII", "Via Sarzanese"] },
            Area { name: "Ponte a Moriano", postcode: "55100", lat: 43.9010, lon: 10.5390, radius_km: 0.6, weight: 0.4, streets: &["Via Lodovica", "Via di Sesto"] },
            Area { name: "Capannori", postcode: "55012", lat: 43.8420, lon: 10.5720, radius_km: 0.8, weight: 0.6, streets: &["Via Romana", "Piazza Aldo Moro"] },
            Area { name: "Porcari", postcode: "55016", lat: 43.8370, lon: 10.6160, radius_km: 0.6, weight: 0.4, streets: &["Via Roma", "Via Catalani"] },
            Area { name: "Altopascio", postcode: "55011", lat: 43.8160, lon: 10.6780, radius_km: 0.6, weight: 0.4, streets: &["Via Cavour", "Via Marconi"] },
        ],
    },
];
