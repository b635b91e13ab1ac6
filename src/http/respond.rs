//! The pages behind the accept/decline links of emails (`/respond/{token}`).
//!
//! Mail scanners and link previews fetch every URL in a message, so a GET only shows a
//! confirmation page with a form; the answer is given by that form's POST. The token is the
//! clear secret whose SHA-256 the assignment keeps; it names one assignment and, through it,
//! its mediator, so it stands for their signature. Italian by default, English by `lang=en`.
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono_tz::Tz;
use serde::Deserialize;

use super::client::ClientAddress;
use crate::account::throttle::{resolve_token, Guarded, Scope};
use crate::assignment::respond::{self, RespondError, MAX_REASON_CHARS};
use crate::assignment::State as AssignmentState;
use crate::domain::local_time::{to_local, DEFAULT_ZONE};
use crate::entity::{assignment, organisation, request};
use crate::startup::AppState;
use sea_orm::EntityTrait;

pub fn router() -> Router<AppState> {
    Router::new().route("/respond/{token}", get(confirm).post(perform))
}

#[derive(Debug, Default, Deserialize)]
pub struct Ask {
    action: Option<String>,
    lang: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct Answer {
    action: Option<String>,
    lang: Option<String>,
    reason: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lang {
    It,
    En,
}

impl Lang {
    fn of(raw: Option<&str>) -> Lang {
        match raw.map(str::trim) {
            Some(l) if l.eq_ignore_ascii_case("en") => Lang::En,
            _ => Lang::It,
        }
    }

    fn code(self) -> &'static str {
        match self {
            Lang::It => "it",
            Lang::En => "en",
        }
    }

    fn t(self, it: &'static str, en: &'static str) -> &'static str {
        match self {
            Lang::It => it,
            Lang::En => en,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Accept,
    Decline,
}

impl Action {
    fn parse(raw: Option<&str>) -> Option<Action> {
        match raw.map(str::trim) {
            Some("accept") => Some(Action::Accept),
            Some("decline") => Some(Action::Decline),
            _ => None,
        }
    }
}

/// GET: what the link would do, and a button to do it. Changes nothing.
async fn confirm(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    Path(token): Path<String>,
    Query(ask): Query<Ask>,
) -> Response {
    let lang = Lang::of(ask.lang.as_deref());
    let a = match assignment_of(&state, address, &token, lang).await {
        Ok(a) => a,
        Err(page) => return page,
    };
    let when = match describe(&state, &a).await {
        Ok(when) => when,
        Err(e) => return failure(lang, &e.to_string()),
    };
    let current = Some(a.state);
    if !matches!(
        current,
        Some(AssignmentState::Offered | AssignmentState::Published)
    ) {
        return answered(lang, a.state.as_str(), &when);
    }
    let action = Action::parse(ask.action.as_deref()).unwrap_or(Action::Accept);
    let (title, button, reason_field) = match action {
        Action::Accept => (
            lang.t("Accettare l'incarico?", "Accept the assignment?"),
            lang.t("Accetto", "Accept"),
            String::new(),
        ),
        Action::Decline => (
            lang.t("Rifiutare l'incarico?", "Decline the assignment?"),
            lang.t("Rifiuto", "Decline"),
            format!(
                "<p><label for=\"reason\">{}</label><br><textarea id=\"reason\" name=\"reason\" maxlength=\"{MAX_REASON_CHARS}\" rows=\"3\" cols=\"40\"></textarea></p>",
                lang.t("Motivo (facoltativo)", "Reason (optional)")
            ),
        ),
    };
    let action_value = match action {
        Action::Accept => "accept",
        Action::Decline => "decline",
    };
    let body = format!(
        "<h1>{title}</h1><p>{}</p>\
         <form method=\"post\" action=\"/respond/{}\">\
         <input type=\"hidden\" name=\"action\" value=\"{action_value}\">\
         <input type=\"hidden\" name=\"lang\" value=\"{}\">{reason_field}\
         <p><button type=\"submit\" id=\"confirm\">{button}</button></p></form>",
        escape(&when),
        escape(&token),
        lang.code(),
    );
    page(StatusCode::OK, lang, title, &body)
}

/// POST: the answer itself.
async fn perform(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    Path(token): Path<String>,
    Form(answer): Form<Answer>,
) -> Response {
    let lang = Lang::of(answer.lang.as_deref());
    let Some(action) = Action::parse(answer.action.as_deref()) else {
        let title = lang.t("Richiesta non valida", "Invalid request");
        return page(
            StatusCode::UNPROCESSABLE_ENTITY,
            lang,
            title,
            &format!(
                "<h1>{title}</h1><p>{}</p>",
                lang.t(
                    "Scegli se accettare o rifiutare.",
                    "Choose whether to accept or decline."
                )
            ),
        );
    };
    let a = match assignment_of(&state, address, &token, lang).await {
        Ok(a) => a,
        Err(page) => return page,
    };
    let when = describe(&state, &a).await.unwrap_or_default();
    let who = match respond::link_responder(&state.db, &a).await {
        Ok(who) => who,
        Err(e) => return failure(lang, &e.to_string()),
    };
    let result = match action {
        Action::Accept => respond::accept(&state, who, a.id).await,
        Action::Decline => {
            respond::decline_and_redispatch(&state, who, a.id, answer.reason.as_deref()).await
        }
    };
    match result {
        Ok(_) => {
            let title = match action {
                Action::Accept => lang.t("Incarico accettato", "Assignment accepted"),
                Action::Decline => lang.t("Incarico rifiutato", "Assignment declined"),
            };
            let text = match action {
                Action::Accept => lang.t(
                    "Grazie: l'incarico è tuo.",
                    "Thank you: the assignment is yours.",
                ),
                Action::Decline => lang.t(
                    "Grazie per averlo detto: cercheremo un'altra persona.",
                    "Thank you for letting us know: we will look for someone else.",
                ),
            };
            page(
                StatusCode::OK,
                lang,
                title,
                &format!("<h1>{title}</h1><p>{}</p><p>{text}</p>", escape(&when)),
            )
        }
        Err(RespondError::Taken) => {
            let title = lang.t("Già assegnato", "Already taken");
            page(
                StatusCode::CONFLICT,
                lang,
                title,
                &format!(
                    "<h1>{title}</h1><p>{}</p><p>{}</p>",
                    escape(&when),
                    lang.t(
                        "Un'altra persona ha accettato prima di te. Grazie comunque.",
                        "Someone else accepted first. Thank you all the same."
                    )
                ),
            )
        }
        Err(RespondError::Answered(state)) => answered(lang, state, &when),
        Err(RespondError::Busy(_)) => {
            let title = lang.t("Hai già un incontro", "You are already booked");
            page(
                StatusCode::CONFLICT,
                lang,
                title,
                &format!(
                    "<h1>{title}</h1><p>{}</p><p>{}</p>",
                    escape(&when),
                    lang.t(
                        "A quell'ora hai già un altro incontro confermato: questa offerta non si può accettare.",
                        "You already have another confirmed meeting at that time: this offer cannot be accepted."
                    )
                ),
            )
        }
        Err(RespondError::Yours(_)) => {
            let title = lang.t("Incontro già tuo", "Already yours");
            page(
                StatusCode::OK,
                lang,
                title,
                &format!(
                    "<h1>{title}</h1><p>{}</p><p>{}</p>",
                    escape(&when),
                    lang.t(
                        "Questo incontro ti è già stato assegnato: non serve accettare l'offerta.",
                        "This meeting has already been given to you: there is no offer to accept."
                    )
                ),
            )
        }
        Err(RespondError::NotFound) => unknown(lang),
        Err(RespondError::BadReason(_)) => {
            let title = lang.t("Motivo non accettato", "Reason not accepted");
            let text = lang.t(
                "Il motivo può avere al massimo {max} caratteri, senza caratteri di controllo. Torna indietro e accorcialo.",
                "The reason can have at most {max} characters, and no control characters. Go back and shorten it.",
            )
            .replace("{max}", &MAX_REASON_CHARS.to_string());
            page(
                StatusCode::UNPROCESSABLE_ENTITY,
                lang,
                title,
                &format!("<h1>{title}</h1><p>{}</p>", escape(&text)),
            )
        }
        Err(RespondError::Db(e)) => failure(lang, &e.to_string()),
    }
}

/// When and for whom, in the organisation's zone: what the mediator needs to recognise it.
async fn describe(state: &AppState, a: &assignment::Model) -> Result<String, sea_orm::DbErr> {
    let r = request::Entity::find_by_id(a.request_id)
        .one(&state.db)
        .await?;
    let (zone, name) = match &r {
        Some(r) => {
            let o = organisation::Entity::find_by_id(r.organisation_id)
                .one(&state.db)
                .await?;
            let zone = o
                .as_ref()
                .and_then(|o| o.timezone.parse::<Tz>().ok())
                .unwrap_or(DEFAULT_ZONE);
            (zone, o.map(|o| o.name).unwrap_or_default())
        }
        None => (DEFAULT_ZONE, String::new()),
    };
    let language = r.map(|r| r.language).unwrap_or_default();
    Ok(format!(
        "{}–{}, {language}, {name}",
        to_local(a.start, zone).format("%d/%m/%Y %H:%M"),
        to_local(a.end, zone).format("%H:%M")
    ))
}

fn answered(lang: Lang, state: &str, when: &str) -> Response {
    let title = lang.t("Già risposto", "Already answered");
    let what = match (lang, state) {
        (Lang::It, "accepted") => "accettato",
        (Lang::It, "declined") => "rifiutato",
        (Lang::It, "withdrawn") => "assegnato a un'altra persona",
        (Lang::It, "cancelled") => "annullato",
        (Lang::It, "lapsed") => "chiuso: il tempo per rispondere è scaduto",
        (Lang::It, _) => "chiuso",
        (Lang::En, "withdrawn") => "taken by someone else",
        (Lang::En, "lapsed") => "closed: the time to answer ran out",
        (Lang::En, s) => match s {
            "accepted" | "declined" | "cancelled" => s,
            _ => "closed",
        },
    };
    let text = match lang {
        Lang::It => format!("Questo incarico è già stato {what}."),
        Lang::En => format!("This assignment was already {what}."),
    };
    page(
        StatusCode::CONFLICT,
        lang,
        title,
        &format!("<h1>{title}</h1><p>{}</p><p>{text}</p>", escape(when)),
    )
}

/// The assignment a link's token names, under the throttle of unknown tokens; otherwise the
/// page to answer with.
async fn assignment_of(
    state: &AppState,
    address: std::net::IpAddr,
    token: &str,
    lang: Lang,
) -> Result<assignment::Model, Response> {
    let now = state.clock.now();
    let found = resolve_token(
        &state.db,
        &state.throttle,
        Scope::Respond,
        address,
        now,
        respond::by_token(&state.db, token),
    )
    .await;
    match found {
        Ok(Guarded::Found(a)) => Ok(a),
        Ok(Guarded::Unknown) => Err(unknown(lang)),
        Ok(Guarded::Locked(locked)) => Err(too_many(lang, locked.retry_after_secs(now))),
        Err(e) => Err(failure(lang, &e.to_string())),
    }
}

fn too_many(lang: Lang, retry_after_secs: u64) -> Response {
    let title = lang.t("Troppi tentativi", "Too many attempts");
    let mut response = page(
        StatusCode::TOO_MANY_REQUESTS,
        lang,
        title,
        &format!(
            "<h1>{title}</h1><p>{}</p>",
            lang.t(
                "Da questa rete sono arrivati troppi link non validi. Riprova tra qualche minuto.",
                "Too many unknown links came from this network. Try again in a few minutes."
            )
        ),
    );
    response.headers_mut().insert(
        axum::http::header::RETRY_AFTER,
        axum::http::HeaderValue::from(retry_after_secs),
    );
    response
}

fn unknown(lang: Lang) -> Response {
    let title = lang.t("Link non valido", "Unknown link");
    page(
        StatusCode::NOT_FOUND,
        lang,
        title,
        &format!(
            "<h1>{title}</h1><p>{}</p>",
            lang.t(
                "Questo link non corrisponde a nessun incarico.",
                "This link matches no assignment."
            )
        ),
    )
}

fn failure(lang: Lang, cause: &str) -> Response {
    tracing::error!(error = %cause, "answering an assignment by link failed");
    let title = lang.t("Errore", "Error");
    page(
        StatusCode::INTERNAL_SERVER_ERROR,
        lang,
        title,
        &format!(
            "<h1>{title}</h1><p>{}</p>",
            lang.t(
                "Non è stato possibile registrare la risposta. Riprova più tardi.",
                "Your answer could not be recorded. Please try again later."
            )
        ),
    )
}

fn page(status: StatusCode, lang: Lang, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"robots\" content=\"noindex\"><title>{} – Ponte</title></head>\
         <body>{body}</body></html>",
        lang.code(),
        escape(title)
    );
    let mut response = (status, Html(html)).into_response();
    // The token is in the URL: keep it out of other sites' Referer headers and caches.
    let headers = response.headers_mut();
    headers.insert("referrer-policy", "no-referrer".parse().expect("static"));
    headers.insert("cache-control", "no-store".parse().expect("static"));
    response
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
