//! A tiny SMTP sink for the shop's tests: enough of RFC 5321 for lettre, every message kept,
//! so a test reads the mail the shop really sent (the password reset link).

#![allow(dead_code, reason = "each test file uses a part")]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// One message the sink accepted: the envelope recipients and the raw DATA (CRLF lines,
/// dot-stuffing undone).
#[derive(Debug, Clone)]
pub(crate) struct Mail {
    pub(crate) rcpt: Vec<String>,
    pub(crate) data: String,
}

impl Mail {
    /// The body with its transfer encoding undone (quoted-printable soft breaks and `=XX`).
    pub(crate) fn text(&self) -> String {
        let (headers, body) = self
            .data
            .split_once("\r\n\r\n")
            .unwrap_or(("", self.data.as_str()));
        let qp = headers.lines().any(|h| {
            let h = h.to_ascii_lowercase();
            h.starts_with("content-transfer-encoding:") && h.contains("quoted-printable")
        });
        if qp {
            decode_quoted_printable(body)
        } else {
            body.to_owned()
        }
    }

    /// The token of the reset link `…/reset-password?token=…`.
    pub(crate) fn reset_token(&self) -> String {
        let text = self.text();
        let link = "/reset-password?token=";
        let at = text
            .find(link)
            .unwrap_or_else(|| panic!("no reset link in the mail:\n{}", self.data));
        text[at + link.len()..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '%' | '.' | '~'))
            .collect()
    }
}

fn decode_quoted_printable(body: &str) -> String {
    let joined = body.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'=', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub(crate) type Inbox = Arc<Mutex<Vec<Mail>>>;

/// Starts the sink on `127.0.0.1` and returns its port and the messages it receives.
pub(crate) async fn smtp_sink() -> (u16, Inbox) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind the SMTP sink");
    let port = listener.local_addr().expect("sink address").port();
    let inbox = Inbox::default();
    let kept = inbox.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(smtp_session(stream, kept.clone()));
        }
    });
    (port, inbox)
}

async fn smtp_session(stream: tokio::net::TcpStream, inbox: Inbox) {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    if write.write_all(b"220 sink.test ESMTP\r\n").await.is_err() {
        return;
    }
    let mut rcpt = Vec::new();
    while let Ok(Some(line)) = lines.next_line().await {
        let verb = line
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" | "HELO" => b"250-sink.test\r\n250 8BITMIME\r\n",
            "MAIL" | "RSET" => {
                rcpt.clear();
                b"250 2.1.0 ok\r\n"
            }
            "RCPT" => {
                let to = line
                    .split_once(':')
                    .map(|(_, to)| to.trim().trim_matches(['<', '>']).to_owned())
                    .unwrap_or_default();
                rcpt.push(to);
                b"250 2.1.5 ok\r\n"
            }
            "NOOP" => b"250 2.0.0 ok\r\n",
            "DATA" => {
                if write.write_all(b"354 go ahead\r\n").await.is_err() {
                    return;
                }
                let mut data = Vec::new();
                while let Ok(Some(line)) = lines.next_line().await {
                    let line = line.trim_end_matches('\r');
                    if line == "." {
                        break;
                    }
                    data.push(line.strip_prefix('.').unwrap_or(line).to_owned());
                }
                inbox.lock().expect("inbox").push(Mail {
                    rcpt: std::mem::take(&mut rcpt),
                    data: data.join("\r\n"),
                });
                b"250 2.0.0 queued\r\n"
            }
            "QUIT" => {
                let _ = write.write_all(b"221 2.0.0 bye\r\n").await;
                return;
            }
            _ => b"502 5.5.2 unknown\r\n",
        };
        if write.write_all(reply).await.is_err() {
            return;
        }
    }
}

/// Waits (at most 5 s) until the sink holds `n` messages, and returns them.
pub(crate) async fn wait_for_mail(inbox: &Inbox, n: usize) -> Vec<Mail> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let mails = inbox.lock().expect("inbox").clone();
        if mails.len() >= n || tokio::time::Instant::now() >= deadline {
            assert_eq!(mails.len(), n, "mails within 5 s: {mails:#?}");
            return mails;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}
