//! Child processes of the tests that talk to the real `shop` binary (and to the tools next to
//! it): spawned on loopback, killed when the guard drops, their output kept for failures.

#![allow(dead_code, reason = "each test file uses a part")]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A child process, killed and reaped on drop; `output` collects its stdout and stderr.
pub(crate) struct Process {
    child: Child,
    output: Arc<Mutex<String>>,
}

impl Process {
    /// Starts `command` with piped output.
    pub(crate) fn spawn(mut command: Command, what: &str) -> Self {
        command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command
            .spawn()
            .unwrap_or_else(|e| panic!("{what} does not start: {e}"));
        let output = Arc::new(Mutex::new(String::new()));
        for stream in [
            child
                .stdout
                .take()
                .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
            child
                .stderr
                .take()
                .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
        ]
        .into_iter()
        .flatten()
        {
            let output = output.clone();
            std::thread::spawn(move || {
                use std::io::BufRead as _;
                for line in std::io::BufReader::new(stream)
                    .lines()
                    .map_while(Result::ok)
                {
                    let mut all = output
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner);
                    all.push_str(&line);
                    all.push('\n');
                }
            });
        }
        Self { child, output }
    }

    /// What the process wrote so far.
    pub(crate) fn output(&self) -> String {
        self.output
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Its process id.
    pub(crate) fn id(&self) -> u32 {
        self.child.id()
    }

    /// Waits up to `limit` for the process to end by itself.
    pub(crate) fn wait_for_exit(&mut self, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A fresh directory under the system's temp dir.
pub(crate) fn temp_dir(name: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let dir = std::env::temp_dir().join(format!("{name}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    dir
}

/// The `shop` binary on `127.0.0.1:port` with a SQLite file in `dir`, the demo data, and
/// `vars` on top; Redis and SMTP are not used.
pub(crate) fn shop(dir: &std::path::Path, port: u16, vars: &[(&str, &str)]) -> Process {
    let database = format!(
        "sqlite://{}?mode=rwc",
        dir.join("shop.db").to_str().expect("a UTF-8 temp path")
    );
    let mut command = Command::new(env!("CARGO_BIN_EXE_shop"));
    command.current_dir(dir);
    for var in [
        "REDIS_URL",
        "SMTP_HOST",
        "ALLOWED_ORIGINS",
        "TRUST_PROXY",
        "METRICS",
        "METRICS_PATH",
        "METRICS_TOKEN",
        "METRICS_ADDR",
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
        "OTEL_SERVICE_NAME",
        "RUST_LOG",
    ] {
        command.env_remove(var);
    }
    let port = port.to_string();
    command.envs([
        ("APP_ENV", "test"),
        ("HOST", "127.0.0.1"),
        ("PORT", port.as_str()),
        ("DATABASE_URL", database.as_str()),
        ("SEED_DEMO_DATA", "true"),
        ("LOG_FORMAT", "json"),
        ("RATE_LIMIT", "100000/1m"),
        ("RATE_LIMIT_AUTH", "10000/1m"),
    ]);
    command.envs(vars.iter().copied());
    Process::spawn(command, "the shop binary")
}

/// Waits (up to 30 s) until `GET /health` on `addr` answers 200.
pub(crate) async fn wait_healthy(addr: SocketAddr, process: &Process) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let answer = tokio::time::timeout(
            Duration::from_secs(5),
            super::http::exchange(addr, None, "GET", "/health", "", &[], None),
        )
        .await;
        match answer {
            Ok(Ok(r)) if r.status == 200 => return,
            _ if Instant::now() < deadline => tokio::time::sleep(Duration::from_millis(100)).await,
            _ => panic!("the shop does not answer /health:\n{}", process.output()),
        }
    }
}
