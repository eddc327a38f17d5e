//! `cargo run -p conduit`: serves Conduit on `HOST:PORT` (`127.0.0.1:8081`) on the SQLite
//! file `conduit.db` unless `DATABASE_URL` says otherwise; Swagger UI at `/docs`; metrics at
//! `/metrics` with `METRICS=on`, traces exported with `OTEL_EXPORTER_OTLP_ENDPOINT`.

use rustbe_auth::AuthConfig;
use rustbe_core::app::init_telemetry;
use rustbe_core::config::Config;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Development defaults: `conduit.db` and port 8081. Production must name its database.
    let production = std::env::var("APP_ENV").is_ok_and(|env| env == "production");
    let (config, mut auth_config) =
        Config::from_lookup_with::<AuthConfig>(conduit::APP_NAME, |key| {
            match std::env::var(key) {
                Ok(value) => Some(value),
                Err(_) if key == "DATABASE_URL" && !production => {
                    Some("sqlite://conduit.db?mode=rwc".into())
                }
                Err(_) if key == "PORT" => Some("8081".into()),
                Err(_) => None,
            }
        })?;
    if std::env::var_os("JWT_ACCESS_TTL").is_none() {
        auth_config.jwt.access_ttl = conduit::DEFAULT_TOKEN_TTL;
    }
    let telemetry = init_telemetry(&config);
    for warning in config.warnings() {
        tracing::warn!("{warning}");
    }
    let db = rustbe_core::db::connect(&config.database).await?;
    tracing::info!(
        "conduit: API at http://{}/api, docs at /docs",
        config.listen_addr()
    );
    let served = conduit::app(config, auth_config, db).await?.serve().await;
    telemetry.shutdown().await;
    Ok(served?)
}
