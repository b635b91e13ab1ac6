//! Turning an outbox row into a MIME message and handing it to lettre: SMTP (plain, STARTTLS
//! or TLS, with credentials) or a folder of `.eml` files for the demo.
use std::time::{Duration, SystemTime};

use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::MailConfig;
use crate::domain::text::one_line;
use crate::entity::notice;

/// Where messages go.
#[derive(Clone)]
pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Folder(AsyncFileTransport<Tokio1Executor>, std::path::PathBuf),
}

/// The outcome of a failed send.
#[derive(Debug)]
pub struct SendError {
    /// The server refused for good (5xx) or the message cannot be built: retrying is useless.
    pub permanent: bool,
    pub message: String,
}

impl Transport {
    /// The configured transport; `None` when mail is not configured.
    pub fn from_config(config: &MailConfig) -> anyhow::Result<Option<Transport>> {
        if let Some(dir) = &config.mail_dir {
            std::fs::create_dir_all(dir)
                .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))?;
            return Ok(Some(Transport::Folder(
                AsyncFileTransport::new(dir),
                dir.clone(),
            )));
        }
        let Some(host) = config.smtp_host.as_deref() else {
            return Ok(None);
        };
        let mut builder = match config.smtp_security.as_str() {
            // Plain SMTP, for a relay on the same machine or network (and the tests).
            "none" => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host).port(25),
            "tls" => AsyncSmtpTransport::<Tokio1Executor>::relay(host)?,
            _ => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)?,
        };
        if let Some(port) = config.smtp_port {
            builder = builder.port(port);
        }
        if let (Some(user), Some(password)) = (&config.smtp_user, &config.smtp_password) {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        builder = builder.timeout(Some(Duration::from_millis(config.smtp_timeout_ms)));
        Ok(Some(Transport::Smtp(builder.build())))
    }

    pub async fn send(&self, row: &notice::Model, from: &str) -> Result<(), SendError> {
        let message = message(row, from).map_err(|message| SendError {
            permanent: true,
            message,
        })?;
        match self {
            Transport::Smtp(smtp) => smtp.send(message).await.map(|_| ()).map_err(|e| SendError {
                permanent: e.is_permanent(),
                message: e.to_string(),
            }),
            Transport::Folder(folder, _) => {
                folder
                    .send(message)
                    .await
                    .map(|_| ())
                    .map_err(|e| SendError {
                        permanent: false,
                        message: e.to_string(),
                    })
            }
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Transport::Smtp(_) => "SMTP".into(),
            Transport::Folder(_, dir) => format!("folder {}", dir.display()),
        }
    }
}

/// The MIME message of a row: multipart/mixed of (text | HTML) and the ICS. Everything comes
/// from the row, including Message-ID and Date, so every attempt sends the same message.
pub fn message(row: &notice::Model, from: &str) -> Result<Message, String> {
    let from: Mailbox = from
        .parse()
        .map_err(|e| format!("bad From address `{from}`: {e}"))?;
    // lettre's address parser lets a line break through, and an SMTP command line must
    // never carry one.
    if row.recipient_email.chars().any(char::is_control) {
        return Err(format!(
            "bad recipient `{}`: control characters",
            row.recipient_email.escape_debug()
        ));
    }
    let address = row
        .recipient_email
        .parse()
        .map_err(|e| format!("bad recipient `{}`: {e}", row.recipient_email))?;
    // Names and subjects are checked at input; a row from before that check (or written by
    // hand) must still not break the header, which lettre would refuse with a panic.
    let name = row
        .recipient_name
        .as_deref()
        .map(|n| one_line(n).into_owned());
    let to = Mailbox::new(name, address);
    let body = MultiPart::alternative_plain_html(row.body_text.clone(), row.body_html.clone());
    let builder = Message::builder()
        .from(from)
        .to(to)
        .subject(one_line(&row.subject).into_owned())
        .message_id(Some(row.message_id.clone()))
        .date(SystemTime::from(row.created_at));
    let built = match &row.ics {
        Some(ics) => {
            let method = row.ics_method.as_deref().unwrap_or("REQUEST");
            let kind =
                ContentType::parse(&format!("text/calendar; method={method}; charset=UTF-8"))
                    .map_err(|e| e.to_string())?;
            let attachment: SinglePart =
                Attachment::new("invite.ics".into()).body(ics.clone(), kind);
            builder.multipart(MultiPart::mixed().multipart(body).singlepart(attachment))
        }
        None => builder.multipart(body),
    };
    built.map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, subject: &str) -> notice::Model {
        let now = chrono::Utc::now();
        notice::Model {
            id: 1,
            message_id: "<n1@ponte.test>".into(),
            kind: "published".into(),
            recipient_email: "li.wei@mediatori.example".into(),
            recipient_name: Some(name.into()),
            locale: "it".into(),
            subject: subject.into(),
            body_text: "Gentile Li Wei".into(),
            body_html: "<p>Gentile Li Wei</p>".into(),
            ics: None,
            ics_method: None,
            assignment_id: None,
            request_id: None,
            dedupe_key: None,
            state: "pending".into(),
            attempts: 0,
            next_attempt_at: now,
            claimed_by: None,
            claimed_until: None,
            last_error: None,
            created_at: now,
            sent_at: None,
        }
    }

    /// A name with a line break, stored before names were checked, made lettre panic and
    /// the outbox worker with it.
    #[test]
    fn a_stored_line_break_does_not_break_the_headers() {
        let m = message(
            &row("Turno\nserale", "Nuovo\r\nincarico"),
            "Ponte <p@ponte.test>",
        )
        .expect("a message");
        let raw = String::from_utf8(m.formatted()).unwrap();
        let headers = &raw[..raw.find("\r\n\r\n").unwrap()];
        assert!(
            headers.contains("To: \"Turno serale\" <li.wei@mediatori.example>")
                || headers.contains("To: Turno serale <li.wei@mediatori.example>"),
            "{headers}"
        );
        assert!(headers.contains("Subject: Nuovo incarico"), "{headers}");
    }
}
