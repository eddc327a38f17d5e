//! `cargo run -p library`: serves the library API on `HOST:PORT` (`127.0.0.1:8080`), Swagger
//! UI at `/docs`.

use rustbe_auth::AuthConfig;
use rustbe_core::{app::init_tracing, config::Config};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // rustbe's settings and rustbe-auth's, in one pass: a bad start names every bad variable.
    let (config, auth_config) = Config::from_env_with::<AuthConfig>("library")?;
    init_tracing(config.log_format);
    for warning in config.warnings() {
        tracing::warn!("{warning}");
    }
    let db = rustbe_core::db::connect(&config.database).await?;
    library::app(config, auth_config, db).await?.serve().await?; // until SIGTERM or Ctrl-C
    Ok(())
}
