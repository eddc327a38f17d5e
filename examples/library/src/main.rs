//! `cargo run -p library`: serves the library API on `HOST:PORT` (`127.0.0.1:8080`), Swagger
//! UI at `/docs`.

use rustbe_core::{app::init_tracing, config::Config};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let config = Config::from_env("library")?; // refuses weak production settings, naming them
    init_tracing(config.log_format);
    for warning in config.warnings() {
        tracing::warn!("{warning}");
    }
    let db = rustbe_core::db::connect(&config.database).await?;
    library::app(config, db).await?.serve().await?; // until SIGTERM or Ctrl-C
    Ok(())
}
