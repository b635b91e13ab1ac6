//! Turning an outbox row into a MIME message and handing it to lettre: SMTP (plain, STARTTLS
//! or TLS, with credentials) or a folder of `.eml` files for the demo.
use std::time::{Duration, SystemTime};

use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::MailConfig;
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
    let address = row
        .recipient_email
        .parse()
        .map_err(|e| format!("bad recipient `{}`: {e}", row.recipient_email))?;
    let to = Mailbox::new(row.recipient_name.clone(), address);
    let body = MultiPart::alternative_plain_html(row.body_text.clone(), row.body_html.clone());
    let builder = Message::builder()
        .from(from)
        .to(to)
        .subject(row.subject.clone())
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
