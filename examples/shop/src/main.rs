//! `shop`: serve the reference shop (`shop serve`, the default) or bring its database up to
//! date (`shop migrate`).

use std::process::ExitCode;

use rustbe_core::app::init_tracing;
use rustbe_core::config::Config;

const USAGE: &str = "usage: shop [serve | migrate]\n\n  serve     migrate, then serve the shop on HOST:PORT (the default)\n  migrate   bring the database schema up to date and exit\n";

#[derive(Clone, Copy)]
enum Command {
    Serve,
    Migrate,
}

#[tokio::main]
async fn main() -> ExitCode {
    let command = match std::env::args().nth(1).as_deref() {
        None | Some("serve") => Command::Serve,
        Some("migrate") => Command::Migrate,
        Some("-h" | "--help" | "help") => {
            print_usage(false);
            return ExitCode::SUCCESS;
        }
        Some(_) => {
            print_usage(true);
            return ExitCode::from(2);
        }
    };
    let config = match Config::from_env(shop::APP_NAME) {
        Ok(config) => config,
        Err(err) => {
            #[allow(
                clippy::print_stderr,
                reason = "logging is not set up before the configuration is read"
            )]
            {
                eprintln!("shop: refusing to start: {err}");
            }
            return ExitCode::FAILURE;
        }
    };
    init_tracing(config.log_format);
    for warning in config.warnings() {
        tracing::warn!("{warning}");
    }
    match run(command, config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!("shop stopped: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, config: Config) -> anyhow::Result<()> {
    let db = rustbe_core::db::connect(&config.database).await?;
    if let Command::Migrate = command {
        shop::migrate(&db).await?;
        tracing::info!("database is up to date");
        return Ok(());
    }
    tracing::info!(
        env = ?config.env,
        database = rustbe_core::db::backend_name(sea_orm::ConnectionTrait::get_database_backend(&db)),
        "shop starting: docs at http://{}/docs",
        config.listen_addr()
    );
    shop::app(config, db).await?.serve().await?;
    Ok(())
}

#[allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "command-line usage"
)]
fn print_usage(to_stderr: bool) {
    if to_stderr {
        eprint!("{USAGE}");
    } else {
        print!("{USAGE}");
    }
}
