//! `shop`: serve the reference shop (`shop serve`, the default) or bring its database up to
//! date (`shop migrate`).

use std::process::ExitCode;

use rustbe_core::app::init_telemetry;

const USAGE: &str = "usage: shop [serve | migrate | seed]\n\n  serve     migrate, then serve the shop on HOST:PORT (the default)\n  migrate   bring the database schema up to date and exit\n  seed      migrate, put the demo data into an empty database and exit\n";

#[derive(Clone, Copy)]
enum Command {
    Serve,
    Migrate,
    Seed,
}

#[tokio::main]
async fn main() -> ExitCode {
    let command = match std::env::args().nth(1).as_deref() {
        None | Some("serve") => Command::Serve,
        Some("migrate") => Command::Migrate,
        Some("seed") => Command::Seed,
        Some("-h" | "--help" | "help") => {
            print_usage(false);
            return ExitCode::SUCCESS;
        }
        Some(_) => {
            print_usage(true);
            return ExitCode::from(2);
        }
    };
    let settings = match shop::Settings::from_env() {
        Ok(settings) => settings,
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
    let telemetry = init_telemetry(&settings.core);
    for warning in settings.core.warnings() {
        tracing::warn!("{warning}");
    }
    let outcome = match run(command, settings).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!("shop stopped: {err}");
            ExitCode::FAILURE
        }
    };
    telemetry.shutdown().await;
    outcome
}

async fn run(command: Command, settings: shop::Settings) -> anyhow::Result<()> {
    let config = &settings.core;
    let db = rustbe_core::db::connect(&config.database).await?;
    match command {
        Command::Migrate => {
            shop::migrate(&db).await?;
            tracing::info!("database is up to date");
            return Ok(());
        }
        Command::Seed => {
            shop::migrate(&db).await?;
            let hasher = rustbe_auth::password::PasswordHasher::new();
            if shop::seed::seed(&db, &hasher).await? {
                tracing::info!("demo data seeded");
                print_demo_accounts();
            } else {
                tracing::info!("the database is not empty: nothing seeded");
            }
            return Ok(());
        }
        Command::Serve => {}
    }
    if settings.seed_demo_data && config.env == rustbe_core::config::AppEnv::Development {
        print_demo_accounts();
    }
    tracing::info!(
        env = ?config.env,
        database = rustbe_core::db::backend_name(sea_orm::ConnectionTrait::get_database_backend(&db)),
        "shop starting: docs at http://{}/docs",
        config.listen_addr()
    );
    shop::app(settings, db).await?.serve().await?;
    Ok(())
}

/// The demo accounts, on stdout and never through the log (which must not hold passwords).
#[allow(clippy::print_stdout, reason = "development help on the terminal")]
fn print_demo_accounts() {
    let (admin, customer) = (shop::seed::DEMO_ADMIN, shop::seed::DEMO_CUSTOMER);
    println!(
        "\nDemo accounts (development only; public, see the README):\n  admin     {} / {}\n  customer  {} / {}\n",
        admin.0, admin.1, customer.0, customer.1
    );
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
