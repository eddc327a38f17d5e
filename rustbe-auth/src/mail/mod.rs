//! Sending mail: a [`Mailer`] trait with an SMTP implementation (feature `smtp`), a log mailer
//! for development and an in-memory one for tests.

#[cfg(feature = "smtp")]
mod smtp;

use std::sync::{Arc, Mutex};

use futures_util::future::BoxFuture;
use rustbe_core::Error;

#[cfg(feature = "smtp")]
pub use smtp::SmtpMailer;

/// A plain-text email.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use rustbe_auth::mail::{Email, Mailer, MemoryMailer};
///
/// let email = Email { to: "ada@example.com".into(), subject: "Welcome".into(), body: "Hello, Ada".into() };
/// let mailer = MemoryMailer::new();
/// mailer.send(email.clone()).await.unwrap();
/// assert_eq!(mailer.sent(), [email]);
/// # });
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    /// The recipient.
    pub to: String,
    /// The subject line.
    pub subject: String,
    /// The text body.
    pub body: String,
}

/// Sends email.
///
/// ```
/// use futures_util::future::BoxFuture;
/// use rustbe_auth::mail::{Email, Mailer};
///
/// struct Discard;
/// impl Mailer for Discard {
///     fn send(&self, _: Email) -> BoxFuture<'_, Result<(), rustbe_core::Error>> {
///         Box::pin(async { Ok(()) })
///     }
/// }
/// ```
pub trait Mailer: Send + Sync + 'static {
    /// Sends `email`.
    fn send(&self, email: Email) -> BoxFuture<'_, Result<(), Error>>;
}

/// Writes mail to the log instead of sending it. The recipient and subject are logged at
/// `info`; the body (which may hold a reset link) only when `show_bodies` is on, which is
/// meant for development and nowhere else.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use rustbe_auth::mail::{Email, LogMailer, Mailer};
/// let mailer = LogMailer::new(false);
/// mailer.send(Email { to: "a@b.co".into(), subject: "Hi".into(), body: "…".into() }).await.unwrap();
/// # });
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct LogMailer {
    show_bodies: bool,
}

impl LogMailer {
    /// A log mailer; `show_bodies` logs the body too.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use rustbe_auth::mail::{Email, LogMailer, Mailer};
    ///
    /// let mailer = LogMailer::new(true); // development only: bodies may hold reset links
    /// assert_eq!(format!("{mailer:?}"), "LogMailer { show_bodies: true }");
    /// let email = Email { to: "a@b.co".into(), subject: "Hi".into(), body: "secret link".into() };
    /// assert!(mailer.send(email).await.is_ok());
    /// # });
    /// ```
    #[must_use]
    pub fn new(show_bodies: bool) -> Self {
        Self { show_bodies }
    }
}

impl Mailer for LogMailer {
    fn send(&self, email: Email) -> BoxFuture<'_, Result<(), Error>> {
        Box::pin(async move {
            if self.show_bodies {
                tracing::info!(to = %email.to, subject = %email.subject, "mail (log mailer, development):\n{}", email.body);
            } else {
                tracing::info!(to = %email.to, subject = %email.subject, "mail (log mailer): body not logged");
            }
            Ok(())
        })
    }
}

/// Keeps mail in memory, for tests to read.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use rustbe_auth::mail::{Email, Mailer, MemoryMailer};
/// let mailer = MemoryMailer::new();
/// mailer.send(Email { to: "a@b.co".into(), subject: "Hi".into(), body: "x".into() }).await.unwrap();
/// assert_eq!(mailer.sent()[0].to, "a@b.co");
/// # });
/// ```
#[derive(Debug, Clone, Default)]
pub struct MemoryMailer {
    sent: Arc<Mutex<Vec<Email>>>,
}

impl MemoryMailer {
    /// An empty mailbox. Clones share it, so a test keeps one and hands the other out.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use rustbe_auth::mail::{Email, Mailer, MemoryMailer};
    ///
    /// let mailer = MemoryMailer::new();
    /// assert!(mailer.sent().is_empty());
    /// let handed_out = mailer.clone();
    /// handed_out.send(Email { to: "a@b.co".into(), subject: "Hi".into(), body: "x".into() }).await.unwrap();
    /// assert_eq!(mailer.sent().len(), 1);
    /// # });
    /// ```
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Every email sent so far, oldest first.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use rustbe_auth::mail::{Email, Mailer, MemoryMailer};
    ///
    /// let mailer = MemoryMailer::new();
    /// for subject in ["first", "second"] {
    ///     mailer.send(Email { to: "a@b.co".into(), subject: subject.into(), body: String::new() }).await.unwrap();
    /// }
    /// let subjects: Vec<_> = mailer.sent().into_iter().map(|e| e.subject).collect();
    /// assert_eq!(subjects, ["first", "second"]);
    /// # });
    /// ```
    #[must_use]
    pub fn sent(&self) -> Vec<Email> {
        self.sent
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

impl Mailer for MemoryMailer {
    fn send(&self, email: Email) -> BoxFuture<'_, Result<(), Error>> {
        Box::pin(async move {
            self.sent
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(email);
            Ok(())
        })
    }
}
