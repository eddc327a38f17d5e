//! [`SmtpMailer`]: mail over SMTP with lettre.

use std::time::Duration;

use crate::config::{SmtpConfig, SmtpTls};
use futures_util::future::BoxFuture;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use rustbe_core::Error;

use super::{Email, Mailer};

/// Sends mail over SMTP with lettre: plain, STARTTLS or TLS as configured (`SMTP_TLS`), with
/// credentials when `SMTP_USER` and `SMTP_PASS` are set, and a 10 s timeout.
///
/// ```no_run
/// # fn run(config: &rustbe_auth::config::SmtpConfig) -> Result<(), rustbe_core::Error> {
/// let mailer = rustbe_auth::mail::SmtpMailer::new(config)?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpMailer {
    /// A mailer for `config`; an error if the host or the `From` address is unusable. Nothing
    /// is sent and no connection is opened until the first mail.
    ///
    /// ```
    /// use rustbe_auth::mail::SmtpMailer;
    /// use rustbe_auth::AuthConfig;
    ///
    /// let config = AuthConfig::from_lookup("shop", |k| (k == "SMTP_HOST").then(|| "mail.example".into())).unwrap();
    /// let mut smtp = config.smtp.unwrap();
    /// let mailer = SmtpMailer::new(&smtp).unwrap();
    /// assert!(format!("{mailer:?}").contains("no-reply@shop.localhost"));
    /// smtp.from = "not an address".into();
    /// assert_eq!(SmtpMailer::new(&smtp).unwrap_err().status(), 500);
    /// ```
    pub fn new(config: &SmtpConfig) -> Result<Self, Error> {
        let invalid = |what: &str, e: &dyn std::fmt::Display| {
            Error::internal(format!("SMTP configuration: {what}: {e}"))
        };
        let builder = match config.tls {
            SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host),
            SmtpTls::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&config.host)
                .map_err(|e| invalid("SMTP_HOST", &e))?,
            SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&config.host)
                .map_err(|e| invalid("SMTP_HOST", &e))?,
        };
        let mut builder = builder
            .port(config.port)
            .timeout(Some(Duration::from_secs(10)));
        if let (Some(user), Some(pass)) = (&config.user, &config.pass) {
            builder = builder.credentials(Credentials::new(user.clone(), pass.expose().to_owned()));
        }
        let from = config.from.parse().map_err(|e| invalid("SMTP_FROM", &e))?;
        Ok(Self {
            transport: builder.build(),
            from,
        })
    }
}

impl std::fmt::Debug for SmtpMailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpMailer")
            .field("from", &self.from.to_string())
            .finish_non_exhaustive()
    }
}

impl Mailer for SmtpMailer {
    fn send(&self, email: Email) -> BoxFuture<'_, Result<(), Error>> {
        Box::pin(async move {
            let to: Mailbox = email
                .to
                .parse()
                .map_err(|e| Error::bad_request(format!("not an email address: {e}")))?;
            let message = Message::builder()
                .from(self.from.clone())
                .to(to)
                .subject(email.subject)
                .body(email.body)
                .map_err(Error::internal)?;
            self.transport
                .send(message)
                .await
                .map_err(Error::internal)?;
            Ok(())
        })
    }
}
