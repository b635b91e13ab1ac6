//! The pages' words in Italian (the default) and English, and dates in each language's
//! format. Both catalogues hold the same keys (a unit test checks it), so a missing
//! translation is a failing test rather than a key shown to a user.
use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};
use chrono_tz::Tz;

use crate::domain::language::{self, LanguageTag};

pub use crate::domain::locale::Locale;

// The pages' side of the locale: the catalogue and the formats of dates.
impl Locale {
    /// The key's text; the key itself if a catalogue lacks it (the test forbids that).
    pub fn t(self, key: &'static str) -> &'static str {
        let catalogue = match self {
            Locale::It => IT,
            Locale::En => EN,
        };
        if let Some((_, text)) = catalogue.iter().find(|(k, _)| *k == key) {
            return text;
        }
        AREAS
            .iter()
            .flat_map(|area| area.iter())
            .find(|(k, _, _)| *k == key)
            .map(|(_, it, en)| match self {
                Locale::It => *it,
                Locale::En => *en,
            })
            .unwrap_or(key)
    }

    /// "lun 30 mar 2026, 09:00" / "Mon 30 Mar 2026, 09:00", on the wall clock of `zone`.
    pub fn date_time(self, instant: DateTime<Utc>, zone: Tz) -> String {
        let local = instant.with_timezone(&zone);
        format!(
            "{}, {:02}:{:02}",
            self.date(local.date_naive()),
            local.hour(),
            local.minute()
        )
    }

    /// "lun 30 mar 2026".
    pub fn date(self, date: NaiveDate) -> String {
        format!(
            "{} {} {} {}",
            self.weekday_short(date.weekday()),
            date.day(),
            self.month_short(date.month0()),
            date.year()
        )
    }

    /// "09:00" on the wall clock of `zone`.
    pub fn time(self, instant: DateTime<Utc>, zone: Tz) -> String {
        let local = instant.with_timezone(&zone);
        format!("{:02}:{:02}", local.hour(), local.minute())
    }

    /// "Arabo marocchino · الدارجة": the name in the page's language and in the language's
    /// own script (once when they are the same); the tag itself when unknown.
    pub fn language_name(self, tag: &str) -> String {
        let Some(names) = language::parse_tag(tag).ok().as_ref().and_then(names_of) else {
            return tag.to_string();
        };
        let own = match self {
            Locale::It => names.italian,
            Locale::En => names.english,
        };
        if own == names.native {
            own.to_string()
        } else {
            format!("{own} · {}", names.native)
        }
    }

    /// A word of the domain (status, modality, urgency, role, state): its translation.
    pub fn word(self, word: &str) -> &'static str {
        match WORDS.iter().find(|(w, _, _)| *w == word) {
            Some((_, it, en)) => match self {
                Locale::It => it,
                Locale::En => en,
            },
            None => "—",
        }
    }
}

fn names_of(tag: &LanguageTag) -> Option<language::LanguageNames> {
    language::names(tag)
}

/// The words of each area's pages, kept beside those pages as (key, Italian, English) so
/// that a page and its words change together.
const AREAS: &[&[(&str, &str, &str)]] = &[
    super::board::WORDS,
    super::reports::WORDS,
    super::registry::WORDS,
    super::audit::WORDS,
    super::mediator::WORDS,
    super::requester::WORDS,
    super::meeting_change::WORDS,
];

/// Domain words: (stored value, Italian, English).
const WORDS: &[(&str, &str, &str)] = &[
    ("submitted", "Inviata", "Submitted"),
    ("cancelled", "Annullata", "Cancelled"),
    ("assigned", "Assegnata", "Assigned"),
    ("in_person", "In presenza", "In person"),
    ("phone", "Telefono", "Phone"),
    ("video", "Video", "Video"),
    ("emergency", "Emergenza", "Emergency"),
    ("urgent", "Urgente", "Urgent"),
    ("routine", "Programmata", "Routine"),
    ("requester", "Richiedente", "Requester"),
    ("mediator", "Mediatore", "Mediator"),
    ("coordinator", "Coordinamento", "Coordinator"),
    ("admin", "Amministrazione", "Administrator"),
    ("offered", "Proposta", "Offered"),
    ("published", "Pubblicata", "Published"),
    ("accepted", "Accettata", "Accepted"),
    ("declined", "Rifiutata", "Declined"),
    ("withdrawn", "Ritirata", "Withdrawn"),
    ("lapsed", "Scaduta", "Lapsed"),
    ("absence", "Assenza", "Absence"),
    ("extra", "Ore in più", "Extra hours"),
    ("school", "Scuola", "School"),
    ("social_services", "Servizi sociali", "Social services"),
    ("health", "Sanità", "Health"),
    ("desk", "Sportello", "Desk"),
];

const IT: &[(&str, &str)] = &[
    ("app.tagline", "Mediazione linguistico-culturale"),
    ("nav.skip", "Vai al contenuto"),
    ("nav.requests", "Richieste"),
    ("nav.new_request", "Nuova richiesta"),
    ("nav.week", "La mia settimana"),
    ("nav.availability", "Disponibilità"),
    ("nav.preferences", "Preferenze"),
    ("nav.home", "Panoramica"),
    ("nav.organisations", "Enti"),
    ("nav.mediators", "Mediatori"),
    ("nav.users", "Utenti"),
    ("nav.board", "Tabellone"),
    ("nav.today", "Oggi"),
    ("nav.reports", "Report"),
    ("nav.shortage", "Carenze"),
    ("nav.audit", "Registro attività"),
    ("nav.logout", "Esci"),
    ("nav.main", "Navigazione principale"),
    ("lang.switch", "English"),
    ("lang.switch_label", "Switch to English"),
    ("login.title", "Accedi"),
    ("login.intro", "Accedi con l'indirizzo email e la password del tuo account."),
    ("login.email", "Email"),
    ("login.password", "Password"),
    ("login.submit", "Accedi"),
    ("login.failed", "Email o password non corretti."),
    ("login.locked", "Troppi tentativi non riusciti: per sicurezza l'accesso è sospeso. Riprova tra {minutes} min; se non ricordi la password, chiedi a chi coordina di reimpostarla."),
    ("login.expired", "La sessione è scaduta: accedi di nuovo."),
    ("login.logged_out", "Sei uscito."),
    ("form.errors", "Controlla i campi segnalati."),
    ("form.csrf", "Il modulo è scaduto: ricarica la pagina e riprova."),
    ("form.save", "Salva"),
    ("form.optional", "facoltativo"),
    ("form.required", "obbligatorio"),
    ("form.saved", "Salvato."),
    ("req.new_title", "Richiedi un mediatore"),
    ("req.new_intro", "Compila il modulo: il coordinamento assegna un mediatore e ti avvisa."),
    ("req.language", "Lingua"),
    ("req.language_hint", "Scrivi per cercare: italiano, inglese o nella lingua stessa."),
    ("req.urgency", "Urgenza"),
    ("req.urgency.emergency", "Serve oggi, entro poche ore: crisi, pronto soccorso, tutela."),
    ("req.urgency.urgent", "Entro due giorni lavorativi."),
    ("req.urgency.routine", "Appuntamento programmato con anticipo."),
    ("req.modality", "Modalità"),
    ("req.fallback", "Se necessario, anche"),
    ("req.fallback_hint", "Se nessun mediatore può esserci nella modalità scelta, Ponte propone queste (costano un po' al piano: si usano solo quando servono)."),
    ("req.site", "Sede"),
    ("req.site_hint", "Obbligatoria per gli incontri in presenza."),
    ("req.site_none", "— nessuna (telefono o video) —"),
    ("req.date", "Data"),
    ("req.time", "Ora di inizio"),
    ("req.latest", "Oppure fino alle"),
    ("req.latest_hint", "Se l'orario è flessibile: l'ultima ora di inizio accettabile."),
    ("req.duration", "Durata"),
    ("req.minutes", "min"),
    ("req.recurrence", "Ripetizione"),
    ("req.rec.none", "Nessuna: un solo incontro"),
    ("req.rec.weekly", "Ogni settimana"),
    ("req.rec.biweekly", "Ogni due settimane"),
    ("req.rec.weekdays", "Ogni giorno feriale (lun–ven)"),
    ("req.until", "Fino al"),
    ("req.until_hint", "Ultimo giorno della serie (entro un anno)."),
    ("req.preferred", "Mediatore preferito"),
    ("req.preferred_none", "— nessuna preferenza —"),
    ("req.case", "Riferimento pratica"),
    ("req.notes", "Note per il coordinamento"),
    ("req.submit", "Invia la richiesta"),
    ("req.created", "Richiesta inviata."),
    ("req.list_title", "Richieste"),
    ("req.list_empty", "Nessuna richiesta per ora."),
    ("req.when", "Quando"),
    ("req.status", "Stato"),
    ("req.mediator", "Mediatore"),
    ("req.organisation", "Ente"),
    ("req.not_assigned", "Da assegnare"),
    ("req.next_page", "Richieste precedenti →"),
    ("req.first_page", "← Più recenti"),
    ("req.detail_title", "Richiesta"),
    ("req.occurrences", "Incontri"),
    ("req.series_of", "incontri in serie"),
    ("req.cancel", "Annulla la richiesta"),
    ("req.cancel_reason", "Motivo (facoltativo)"),
    ("req.cancel_confirm", "Annullare tutta la richiesta?"),
    ("req.cancelled_ok", "Richiesta annullata."),
    ("req.cancelled_reason", "Motivo dell'annullamento"),
    ("req.filter_status", "Filtra per stato"),
    ("req.all", "Tutte"),
    ("req.filter", "Filtra"),
    ("week.title", "La mia settimana"),
    ("week.prev", "← Settimana precedente"),
    ("week.next", "Settimana successiva →"),
    ("week.empty", "Nessun incontro questa settimana."),
    ("week.free", "Libero"),
    ("avail.title", "Disponibilità"),
    ("avail.intro", "Le fasce settimanali in cui puoi essere chiamato, e le eccezioni per singole date. Lascia vuota una riga per eliminarla."),
    ("avail.weekly", "Orario settimanale"),
    ("avail.weekday", "Giorno"),
    ("avail.from", "Dalle"),
    ("avail.to", "Alle"),
    ("avail.exceptions", "Assenze e ore in più"),
    ("avail.date", "Data"),
    ("avail.kind", "Tipo"),
    ("avail.note", "Nota"),
    ("avail.add_rule", "Aggiungi una fascia"),
    ("avail.add_exception", "Aggiungi un'eccezione"),
    ("avail.saved", "Disponibilità salvata."),
    ("avail.incomplete", "Compila giorno, inizio e fine (o svuota la riga)."),
    ("prefs.title", "Preferenze"),
    ("prefs.email_locale", "Lingua delle email"),
    ("prefs.page_locale", "Lingua delle pagine"),
    ("home.title", "Panoramica della settimana"),
    ("home.week_of", "Settimana dal"),
    ("home.requests", "Richieste"),
    ("home.unfilled", "Senza mediatore"),
    ("home.by_status", "Richieste per stato"),
    ("home.total", "Totale"),
    ("orgs.title", "Enti e sedi"),
    ("orgs.kind", "Tipo"),
    ("orgs.sites", "Sedi"),
    ("meds.title", "Mediatori"),
    ("meds.languages", "Lingue"),
    ("meds.modalities", "Modalità"),
    ("meds.active", "Attivo"),
    ("meds.inactive", "Non attivo"),
    ("users.title", "Utenti"),
    ("users.name", "Nome"),
    ("users.role", "Ruolo"),
    ("users.reset", "Nuova password"),
    ("users.reset_done", "Nuova password per"),
    ("users.reset_hint", "Comunicala all'utente: non verrà mostrata di nuovo."),
    ("users.locks", "Accessi sospesi per troppi tentativi"),
    ("users.locks_none", "Nessun account né indirizzo è sospeso in questo momento."),
    ("users.locks_hint", "Dopo troppe password sbagliate o link non validi l'account o l'indirizzo di rete aspetta qualche minuto. Togli il blocco solo se sai chi ha sbagliato."),
    ("users.locked_until", "fino alle"),
    ("users.lift", "Togli il blocco"),
    ("users.revoked", "Sessioni chiuse: {sessions}. Token API revocati: {tokens}. Le vecchie credenziali non funzionano più."),
    ("err.404", "Pagina non trovata"),
    ("err.404_text", "La pagina non esiste, o non è visibile con il tuo account."),
    ("err.403", "Accesso non consentito"),
    ("err.403_text", "Il tuo account non può aprire questa pagina."),
    ("err.400", "Richiesta non valida"),
    ("err.nul_field", "Il campo «{field}» contiene il carattere NUL (%00), che nessun campo accetta: toglilo e riprova."),
    ("err.nul_url", "L'indirizzo contiene il carattere NUL (%00), che nessuna pagina accetta."),
    ("err.500", "Si è verificato un errore"),
    ("err.500_text", "Riprova tra poco. Se il problema continua, avvisa il coordinamento."),
    ("err.back", "Torna alla pagina iniziale"),
];

const EN: &[(&str, &str)] = &[
    ("app.tagline", "Cultural-linguistic mediation"),
    ("nav.skip", "Skip to content"),
    ("nav.requests", "Requests"),
    ("nav.new_request", "New request"),
    ("nav.week", "My week"),
    ("nav.availability", "Availability"),
    ("nav.preferences", "Preferences"),
    ("nav.home", "Overview"),
    ("nav.organisations", "Organisations"),
    ("nav.mediators", "Mediators"),
    ("nav.users", "Users"),
    ("nav.board", "Board"),
    ("nav.today", "Today"),
    ("nav.reports", "Reports"),
    ("nav.shortage", "Shortages"),
    ("nav.audit", "Audit log"),
    ("nav.logout", "Log out"),
    ("nav.main", "Main navigation"),
    ("lang.switch", "Italiano"),
    ("lang.switch_label", "Passa all'italiano"),
    ("login.title", "Log in"),
    ("login.intro", "Log in with your account's email address and password."),
    ("login.email", "Email"),
    ("login.password", "Password"),
    ("login.submit", "Log in"),
    ("login.failed", "Wrong email or password."),
    ("login.locked", "Too many failed attempts: signing in is paused for safety. Try again in {minutes} min; if you do not remember your password, ask a coordinator to reset it."),
    ("login.expired", "Your session has expired: please log in again."),
    ("login.logged_out", "You have logged out."),
    ("form.errors", "Please check the marked fields."),
    ("form.csrf", "The form has expired: reload the page and try again."),
    ("form.save", "Save"),
    ("form.optional", "optional"),
    ("form.required", "required"),
    ("form.saved", "Saved."),
    ("req.new_title", "Request a mediator"),
    ("req.new_intro", "Fill in the form: the coordinators assign a mediator and let you know."),
    ("req.language", "Language"),
    ("req.language_hint", "Type to search: in Italian, English or the language itself."),
    ("req.urgency", "Urgency"),
    ("req.urgency.emergency", "Needed today, within hours: crisis, emergency room, protection."),
    ("req.urgency.urgent", "Within two working days."),
    ("req.urgency.routine", "An appointment planned ahead."),
    ("req.modality", "Modality"),
    ("req.fallback", "If needed, also"),
    ("req.fallback_hint", "If no mediator can serve it in the chosen modality, Ponte uses these (at a small cost to the plan: only when needed)."),
    ("req.site", "Site"),
    ("req.site_hint", "Required for in-person meetings."),
    ("req.site_none", "— none (phone or video) —"),
    ("req.date", "Date"),
    ("req.time", "Start time"),
    ("req.latest", "Or up to"),
    ("req.latest_hint", "If the time is flexible: the latest acceptable start."),
    ("req.duration", "Duration"),
    ("req.minutes", "min"),
    ("req.recurrence", "Repeat"),
    ("req.rec.none", "No: a single meeting"),
    ("req.rec.weekly", "Every week"),
    ("req.rec.biweekly", "Every two weeks"),
    ("req.rec.weekdays", "Every working day (Mon–Fri)"),
    ("req.until", "Until"),
    ("req.until_hint", "Last day of the series (within a year)."),
    ("req.preferred", "Preferred mediator"),
    ("req.preferred_none", "— no preference —"),
    ("req.case", "Case reference"),
    ("req.notes", "Notes for the coordinators"),
    ("req.submit", "Send the request"),
    ("req.created", "Request sent."),
    ("req.list_title", "Requests"),
    ("req.list_empty", "No requests yet."),
    ("req.when", "When"),
    ("req.status", "Status"),
    ("req.mediator", "Mediator"),
    ("req.organisation", "Organisation"),
    ("req.not_assigned", "Not yet assigned"),
    ("req.next_page", "Older requests →"),
    ("req.first_page", "← Newest"),
    ("req.detail_title", "Request"),
    ("req.occurrences", "Meetings"),
    ("req.series_of", "meetings in a series"),
    ("req.cancel", "Cancel the request"),
    ("req.cancel_reason", "Reason (optional)"),
    ("req.cancel_confirm", "Cancel the whole request?"),
    ("req.cancelled_ok", "Request cancelled."),
    ("req.cancelled_reason", "Reason for cancelling"),
    ("req.filter_status", "Filter by status"),
    ("req.all", "All"),
    ("req.filter", "Filter"),
    ("week.title", "My week"),
    ("week.prev", "← Previous week"),
    ("week.next", "Next week →"),
    ("week.empty", "No meetings this week."),
    ("week.free", "Free"),
    ("avail.title", "Availability"),
    ("avail.intro", "The weekly hours when you can be called, and exceptions for single dates. Leave a row empty to remove it."),
    ("avail.weekly", "Weekly hours"),
    ("avail.weekday", "Day"),
    ("avail.from", "From"),
    ("avail.to", "To"),
    ("avail.exceptions", "Absences and extra hours"),
    ("avail.date", "Date"),
    ("avail.kind", "Kind"),
    ("avail.note", "Note"),
    ("avail.add_rule", "Add hours"),
    ("avail.add_exception", "Add an exception"),
    ("avail.saved", "Availability saved."),
    ("avail.incomplete", "Fill in day, start and end (or empty the row)."),
    ("prefs.title", "Preferences"),
    ("prefs.email_locale", "Language of emails"),
    ("prefs.page_locale", "Language of the pages"),
    ("home.title", "This week at a glance"),
    ("home.week_of", "Week of"),
    ("home.requests", "Requests"),
    ("home.unfilled", "Without a mediator"),
    ("home.by_status", "Requests by status"),
    ("home.total", "Total"),
    ("orgs.title", "Organisations and sites"),
    ("orgs.kind", "Kind"),
    ("orgs.sites", "Sites"),
    ("meds.title", "Mediators"),
    ("meds.languages", "Languages"),
    ("meds.modalities", "Modalities"),
    ("meds.active", "Active"),
    ("meds.inactive", "Inactive"),
    ("users.title", "Users"),
    ("users.name", "Name"),
    ("users.role", "Role"),
    ("users.reset", "New password"),
    ("users.reset_done", "New password for"),
    ("users.reset_hint", "Give it to the user: it will not be shown again."),
    ("users.locks", "Sign-ins paused after too many attempts"),
    ("users.locks_none", "No account or address is paused right now."),
    ("users.locks_hint", "After too many wrong passwords or unknown links, the account or network address waits a few minutes. Lift a lock only if you know who made the mistakes."),
    ("users.locked_until", "until"),
    ("users.lift", "Lift the lock"),
    ("users.revoked", "Sessions closed: {sessions}. API tokens revoked: {tokens}. The old credentials no longer work."),
    ("err.404", "Page not found"),
    ("err.404_text", "The page does not exist, or your account cannot see it."),
    ("err.403", "Not allowed"),
    ("err.403_text", "Your account cannot open this page."),
    ("err.400", "Invalid request"),
    ("err.nul_field", "The field «{field}» contains the NUL character (%00), which no field accepts: remove it and try again."),
    ("err.nul_url", "The address contains the NUL character (%00), which no page accepts."),
    ("err.500", "Something went wrong"),
    ("err.500_text", "Try again shortly. If the problem persists, tell the coordinators."),
    ("err.back", "Back to the start page"),
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn catalogues_have_the_same_keys_once() {
        let it: BTreeSet<_> = IT.iter().map(|(k, _)| *k).collect();
        let en: BTreeSet<_> = EN.iter().map(|(k, _)| *k).collect();
        assert_eq!(it.len(), IT.len(), "a key repeated in IT");
        assert_eq!(en.len(), EN.len(), "a key repeated in EN");
        let missing_en: Vec<_> = it.difference(&en).collect();
        let missing_it: Vec<_> = en.difference(&it).collect();
        assert!(missing_en.is_empty(), "missing in EN: {missing_en:?}");
        assert!(missing_it.is_empty(), "missing in IT: {missing_it:?}");
        let mut all = it.clone();
        for area in AREAS {
            for (key, italian, english) in area.iter() {
                assert!(all.insert(key), "key {key} defined twice");
                assert!(
                    !italian.is_empty() && !english.is_empty(),
                    "key {key} lacks a translation"
                );
            }
        }
    }

    #[test]
    fn dates_in_italian_format_and_local_time_across_dst() {
        let rome = chrono_tz::Europe::Rome;
        // 07:00 UTC is 09:00 in Rome after the switch to summer time on 29 March 2026.
        let summer = "2026-03-30T07:00:00Z".parse::<DateTime<Utc>>().unwrap();
        assert_eq!(Locale::It.date_time(summer, rome), "lun 30 mar 2026, 09:00");
        assert_eq!(Locale::En.date_time(summer, rome), "Mon 30 Mar 2026, 09:00");
        let winter = "2026-03-27T08:00:00Z".parse::<DateTime<Utc>>().unwrap();
        assert_eq!(Locale::It.date_time(winter, rome), "ven 27 mar 2026, 09:00");
    }

    #[test]
    fn language_names_in_the_page_language_and_their_own_script() {
        assert_eq!(Locale::It.language_name("ur"), "Urdu · اردو");
        assert_eq!(Locale::En.language_name("sq"), "Albanian · Shqip");
        assert_eq!(Locale::It.language_name("wo"), "Wolof");
        assert_eq!(Locale::It.language_name("xx-unknown"), "xx-unknown");
    }
}
