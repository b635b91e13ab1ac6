//! The page shell (header, navigation by role, language switch, skip link) and the form
//! pieces every page uses, so that labels, hints and errors are wired the same way
//! everywhere (`aria-describedby` to the hint and the error, `aria-invalid` on errors).
use maud::{html, Markup, PreEscaped, DOCTYPE};

use super::error::ErrorPage;
use super::session::Ctx;
use crate::auth::Role;

/// The whole page around `content`. `current` is the path, for the navigation's
/// `aria-current` and for coming back after switching language.
pub fn page(ctx: &Ctx, title: &str, current: &str, content: Markup) -> Markup {
    let nav: &[(&str, &'static str)] = match ctx.caller.as_ref().map(|c| c.role) {
        Some(Role::Requester) => &[
            ("/requests", "nav.requests"),
            ("/requests/new", "nav.new_request"),
        ],
        Some(Role::Mediator) => &[
            ("/today", "nav.today"),
            ("/week", "nav.week"),
            ("/availability", "nav.availability"),
            ("/preferences", "nav.preferences"),
        ],
        Some(Role::Coordinator | Role::Admin) => &[
            ("/coord", "nav.home"),
            ("/coord/board", "nav.board"),
            ("/requests", "nav.requests"),
            ("/coord/reports", "nav.reports"),
            ("/coord/shortage", "nav.shortage"),
            ("/coord/organisations", "nav.organisations"),
            ("/coord/mediators", "nav.mediators"),
            ("/coord/users", "nav.users"),
            ("/coord/audit", "nav.audit"),
        ],
        None => &[],
    };
    html! {
        (DOCTYPE)
        html lang=(ctx.locale.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Ponte" }
                link rel="stylesheet" href="/static/ponte.css";
                link rel="icon" href="/static/icon.svg" type="image/svg+xml";
                script src="/static/ponte.js" defer {}
            }
            body {
                a.skip href="#main" { (ctx.t("nav.skip")) }
                header.top {
                    div.bar {
                        a.brand href="/" {
                            (logo())
                            span { "Ponte" }
                            small { (ctx.t("app.tagline")) }
                        }
                        div.tools {
                            @if !ctx.user_name.is_empty() {
                                span.who { (ctx.user_name) }
                            }
                            form.inline method="post" action="/lang" {
                                (csrf_field(ctx))
                                input type="hidden" name="to" value=(ctx.locale.other().code());
                                input type="hidden" name="back" value=(ctx.path);
                                button.link type="submit" lang=(ctx.locale.other().code())
                                    aria-label=(ctx.t("lang.switch_label")) { (ctx.t("lang.switch")) }
                            }
                            @if ctx.caller.is_some() {
                                form.inline method="post" action="/logout" {
                                    (csrf_field(ctx))
                                    button.link type="submit" { (ctx.t("nav.logout")) }
                                }
                            }
                        }
                    }
                    @if !nav.is_empty() {
                        nav.main aria-label=(ctx.t("nav.main")) {
                            @for (href, key) in nav {
                                @let here = *href == current;
                                a href=(href) aria-current=[here.then_some("page")] { (ctx.t(key)) }
                            }
                        }
                    }
                }
                main #main tabindex="-1" {
                    (content)
                }
                footer.foot {
                    "Ponte · " (ctx.t("app.tagline"))
                }
            }
        }
    }
}

pub fn logo() -> Markup {
    html! {
        svg.logo viewBox="0 0 32 32" aria-hidden="true" width="28" height="28" {
            rect width="32" height="32" rx="8" fill="currentColor" {}
            path d="M5 21c4-8 18-8 22 0" stroke="#fff" stroke-width="2.5" fill="none" stroke-linecap="round" {}
            path d="M5 21h22M10 21v-4M16 21v-6M22 21v-4" stroke="#fff" stroke-width="2" stroke-linecap="round" {}
        }
    }
}

pub fn csrf_field(ctx: &Ctx) -> Markup {
    html! { input type="hidden" name="csrf" value=(ctx.csrf); }
}

/// A success message, announced to screen readers.
pub fn notice(text: &str) -> Markup {
    html! { p.notice role="status" { (text) } }
}

/// A summary of errors at the top of a form, announced and focusable.
pub fn error_summary(text: &str) -> Markup {
    html! { div.error-summary role="alert" tabindex="-1" { (text) } }
}

/// The ids an input is described by: its hint and its error, when present.
pub fn described_by(id: &str, hint: bool, error: bool) -> Option<String> {
    let mut ids = Vec::new();
    if hint {
        ids.push(format!("{id}-hint"));
    }
    if error {
        ids.push(format!("{id}-error"));
    }
    (!ids.is_empty()).then(|| ids.join(" "))
}

/// A labelled field around `input` (whose id must be `id` and which should carry
/// `described_by(id, …)`), with its hint and its error.
pub fn field(
    id: &str,
    label: &str,
    hint: Option<&str>,
    error: Option<&str>,
    input: Markup,
) -> Markup {
    html! {
        div.field.invalid[error.is_some()] {
            label for=(id) { (label) }
            @if let Some(hint) = hint {
                p.hint id=(format!("{id}-hint")) { (hint) }
            }
            (input)
            @if let Some(error) = error {
                p.error id=(format!("{id}-error")) { (error) }
            }
        }
    }
}

/// A text-like input with the usual attributes.
pub fn input(kind: &str, id: &str, value: &str, hint: bool, error: bool, required: bool) -> Markup {
    html! {
        input type=(kind) id=(id) name=(id) value=(value)
            required[required]
            aria-invalid=[error.then_some("true")]
            aria-describedby=[described_by(id, hint, error)];
    }
}

pub fn error_page(ctx: &Ctx, page_kind: ErrorPage) -> Markup {
    let (title, text) = match page_kind {
        ErrorPage::NotFound => (ctx.t("err.404"), ctx.t("err.404_text").to_string()),
        ErrorPage::Forbidden => (ctx.t("err.403"), ctx.t("err.403_text").to_string()),
        ErrorPage::Csrf => (ctx.t("err.403"), ctx.t("form.csrf").to_string()),
        ErrorPage::Nul(Some(field)) => (
            ctx.t("err.400"),
            ctx.t("err.nul_field").replace("{field}", &field),
        ),
        ErrorPage::Nul(None) => (ctx.t("err.400"), ctx.t("err.nul_url").to_string()),
        ErrorPage::Internal => (ctx.t("err.500"), ctx.t("err.500_text").to_string()),
    };
    page(
        ctx,
        title,
        "",
        html! {
            section.card.narrow {
                h1 { (title) }
                p { (text) }
                p { a.button href="/" { (ctx.t("err.back")) } }
            }
        },
    )
}

/// A small status badge; the class carries the colour, the text the meaning.
pub fn badge(ctx: &Ctx, word: &str) -> Markup {
    html! { span class=(format!("badge b-{word}")) { (ctx.locale.word(word)) } }
}

pub fn raw(s: &'static str) -> PreEscaped<&'static str> {
    PreEscaped(s)
}
