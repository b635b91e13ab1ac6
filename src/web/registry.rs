//! The registry in the browser: organisations and their sites (with a map to pick
//! coordinates), mediators, users. Handlers parse forms and call the registry's operations
//! (`crate::registry`), which validate, write and record the audit event.
use axum::routing::{get, post};
use axum::Router;

use crate::startup::AppState;

pub mod form;
mod map;
mod mediators;
mod organisations;
mod users;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/coord/organisations", get(organisations::list))
        .route(
            "/coord/organisations/new",
            get(organisations::new_form).post(organisations::create),
        )
        .route(
            "/coord/organisations/{id}",
            get(organisations::edit_form).post(organisations::update),
        )
        .route(
            "/coord/organisations/{id}/sites/new",
            get(organisations::new_site_form).post(organisations::create_site),
        )
        .route(
            "/coord/sites/{id}",
            get(organisations::edit_site_form).post(organisations::update_site),
        )
        .route("/coord/mediators", get(mediators::list))
        .route(
            "/coord/mediators/new",
            get(mediators::new_form).post(mediators::create),
        )
        .route(
            "/coord/mediators/{id}",
            get(mediators::edit_form).post(mediators::update),
        )
        .route("/coord/users", get(users::list))
        .route("/coord/users/new", get(users::new_form).post(users::create))
        .route(
            "/coord/users/{id}",
            get(users::edit_form).post(users::update),
        )
        .route("/coord/users/{id}/password", post(users::reset_password))
        .route("/coord/locks/lift", post(users::lift_lock))
}

/// This area's words: (key, Italian, English).
pub const WORDS: &[(&str, &str, &str)] = &[
    ("reg.search", "Cerca", "Search"),
    ("reg.search_clear", "Mostra tutti", "Show all"),
    ("reg.pages", "Pagine", "Pages"),
    ("reg.page", "Pagina", "Page"),
    ("reg.prev", "← Precedenti", "← Previous"),
    ("reg.next", "Successivi →", "Next →"),
    ("reg.results", "risultati", "results"),
    ("reg.none_found", "Nessun risultato. Prova con altre parole.", "Nothing found. Try other words."),
    ("reg.none", "— nessuno —", "— none —"),
    ("reg.cancel", "Annulla", "Cancel"),
    ("reg.crumbs", "Percorso", "Breadcrumb"),
    ("reg.history", "Storico delle modifiche", "History of changes"),
    ("reg.orgs_count", "enti", "organisations"),
    ("reg.sites_count", "sedi", "sites"),
    ("reg.org_new", "Nuovo ente", "New organisation"),
    ("reg.org_create", "Crea l'ente", "Create the organisation"),
    ("reg.org_created", "Ente creato. Ora aggiungi le sue sedi.", "Organisation created. Now add its sites."),
    ("reg.org_details", "Dati dell'ente", "Organisation details"),
    ("reg.org_search_hint", "Nome, email o sede", "Name, email or site"),
    ("reg.kind_other", "Altro", "Other"),
    ("reg.timezone", "Fuso orario", "Time zone"),
    ("reg.timezone_hint", "Per gli orari delle richieste; di solito Europe/Rome.", "For the times of its requests; usually Europe/Rome."),
    ("reg.email_locale", "Lingua delle email", "Language of emails"),
    ("reg.email_locale_hint", "Gli avvisi all'ente sono scritti in questa lingua.", "Notices to the organisation are written in this language."),
    ("reg.med_email_locale_hint", "Gli avvisi al mediatore sono scritti in questa lingua.", "Notices to the mediator are written in this language."),
    ("reg.contact_email", "Email di contatto", "Contact email"),
    ("reg.contact_email_hint", "Riceve le conferme e i cambi degli incontri (facoltativa).", "Receives confirmations and changes of meetings (optional)."),
    ("reg.no_sites", "Nessuna sede ancora.", "No sites yet."),
    ("reg.site_new", "Nuova sede", "New site"),
    ("reg.site_create", "Aggiungi la sede", "Add the site"),
    ("reg.site_saved", "Sede salvata.", "Site saved."),
    ("reg.site_name", "Nome della sede", "Site name"),
    ("reg.address", "Indirizzo", "Address"),
    ("reg.address_hint", "Via, numero civico, CAP e comune.", "Street, number, postcode and town."),
    ("reg.coordinates", "Posizione", "Position"),
    ("reg.coordinates_hint", "Latitudine e longitudine in gradi decimali (Prato: 43,88 e 11,10). Servono a calcolare i tempi di viaggio.", "Latitude and longitude in decimal degrees (Prato: 43.88 and 11.10). They give the travel times."),
    ("reg.lat", "Latitudine", "Latitude"),
    ("reg.lon", "Longitudine", "Longitude"),
    ("reg.map_label", "Mappa della piana tra Lucca, Pistoia e Prato con le sedi", "Map of the plain between Lucca, Pistoia and Prato with the sites"),
    ("reg.map_sites", "Sedi", "Sites"),
    ("reg.map_areas", "Quartieri e comuni", "Neighbourhoods and towns"),
    ("reg.map_hint", "Fai clic sulla mappa (o usa le frecce) per impostare la posizione.", "Click the map (or use the arrow keys) to set the position."),
    ("reg.med_new", "Nuovo mediatore", "New mediator"),
    ("reg.med_create", "Crea il profilo", "Create the profile"),
    ("reg.med_created", "Profilo creato.", "Profile created."),
    ("reg.med_profile", "Profilo e contatti", "Profile and contacts"),
    ("reg.med_work", "Modalità, qualifiche e carico", "Modalities, tags and workload"),
    ("reg.med_search_hint", "Nome, email o lingua (es. urdu, 中文)", "Name, email or language (e.g. Urdu, 中文)"),
    ("reg.phone", "Telefono", "Phone"),
    ("reg.active_hint", "Chi non è attivo non riceve incarichi; lo storico resta.", "Inactive mediators get no assignments; their history stays."),
    ("reg.languages_hint", "Le lingue in cui il mediatore lavora.", "The languages the mediator works in."),
    ("reg.languages_search", "Cerca una lingua", "Find a language"),
    ("reg.languages_search_hint", "Scrivi in italiano, in inglese o nella lingua stessa", "Type in Italian, English or the language itself"),
    ("reg.languages_none", "Nessuna lingua dell'elenco corrisponde: scrivila qui sotto.", "No listed language matches: type it below."),
    ("reg.languages_other", "Altre lingue o varianti", "Other languages or variants"),
    ("reg.languages_other_hint", "Separate da virgole, come codici BCP 47 o nomi: ar-TN, pt-AO.", "Comma-separated, as BCP 47 tags or names: ar-TN, pt-AO."),
    ("reg.tags", "Qualifiche", "Tags"),
    ("reg.tags_none", "Il catalogo delle qualifiche è vuoto.", "The tag catalogue is empty."),
    ("reg.weekly_hours", "Ore massime a settimana", "Maximum hours per week"),
    ("reg.weekly_hours_short", "Ore/sett.", "Hours/week"),
    ("reg.weekly_hours_hint", "Vuoto se non c'è un limite; anche con decimali, come 22,5.", "Empty for no limit; decimals allowed, such as 22.5."),
    ("reg.home", "Casa", "Home"),
    ("reg.home_hint", "Da dove parte il mediatore: una delle sedi, oppure un indirizzo con le sue coordinate.", "Where the mediator sets off from: one of the sites, or an address with its coordinates."),
    ("reg.home_site", "Una sede", "A site"),
    ("reg.home_own", "— un indirizzo proprio (qui sotto) —", "— an address of their own (below) —"),
    ("reg.home_address", "Indirizzo di casa", "Home address"),
    ("reg.user_new", "Nuovo utente", "New user"),
    ("reg.user_new_intro", "Ponte genera la password e te la mostra una volta sola, da comunicare all'utente.", "Ponte generates the password and shows it to you once, for you to give to the user."),
    ("reg.user_create", "Crea l'utente", "Create the user"),
    ("reg.user_created", "Utente creato", "User created"),
    ("reg.user_password_once", "Comunica la password all'utente adesso: non verrà mostrata di nuovo. Potrà cambiarla con una nuova password dal coordinamento.", "Give the password to the user now: it will not be shown again. The coordinators can issue a new one."),
    ("reg.user_password_hint", "La password viene generata da Ponte e mostrata dopo la creazione.", "Ponte generates the password and shows it after creation."),
    ("reg.user_open", "Apri l'utente", "Open the user"),
    ("reg.user_org_hint", "Per chi fa richieste.", "For requesters."),
    ("reg.user_med_hint", "Per un mediatore: il suo profilo.", "For a mediator: their profile."),
    ("reg.user_search_hint", "Email, nome o ruolo", "Email, name or role"),
    ("reg.user_active", "Account attivo", "Active account"),
    ("reg.user_active_hint", "Togli la spunta per disattivarlo: l'utente non può più entrare e le sue sessioni vengono chiuse.", "Untick to deactivate: the user can no longer log in and their sessions are closed."),
    ("reg.user_admin_only", "Solo l'amministrazione può modificare questo account.", "Only an administrator can change this account."),
    ("reg.page_locale", "Lingua delle pagine", "Language of the pages"),
    ("reg.linked_to", "Ente o profilo", "Organisation or profile"),
    ("reg.reset_confirm", "Generare una nuova password? Quella attuale smetterà di funzionare.", "Generate a new password? The current one will stop working."),
    ("reg.reset_explain", "Genera una password nuova, mostrata una volta sola; l'utente viene disconnesso.", "Generates a new password, shown once; the user is logged out."),
    ("reg.role_requester", "Scuole, servizi, sportelli: chiede mediatori.", "Schools, services, desks: asks for mediators."),
    ("reg.role_mediator", "Vede i suoi incontri e la disponibilità.", "Sees their meetings and availability."),
    ("reg.role_coordinator", "Pianifica e gestisce l'anagrafica.", "Plans and manages the registry."),
    ("reg.role_admin", "Come il coordinamento, più gli account.", "As coordinators, plus accounts."),
];
