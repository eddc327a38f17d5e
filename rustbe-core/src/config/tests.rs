use super::*;

fn load(vars: &[(&str, &str)]) -> Result<Config, ConfigErrors> {
    let map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    Config::from_lookup("shop", |k| map.get(k).cloned())
}

const GOOD_PROD: [(&str, &str); 2] = [
    ("APP_ENV", "production"),
    ("DATABASE_URL", "postgres://shop@db/shop"),
];

fn named(errors: &ConfigErrors) -> Vec<&'static str> {
    errors.iter().map(ConfigError::var).collect()
}

#[test]
fn development_defaults_match_the_contract() {
    let c = load(&[]).unwrap_or_else(|e| unreachable!("{e}"));
    assert_eq!(c.listen_addr(), "127.0.0.1:8080");
    assert_eq!(c.database.max_connections, 10);
    assert_eq!(c.rate_limit, Rate::per(100, Duration::from_secs(900)));
    assert!(!c.trust_proxy);
    assert!(
        c.rate_limits && c.cache,
        "limits and cache are on unless switched off"
    );
    assert_eq!(c.body_limit, 1 << 20);
    assert_eq!(c.request_timeout, Duration::from_secs(30));
    assert_eq!(c.log_format, LogFormat::Pretty);
    assert!(c.warnings().is_empty(), "{:?}", c.warnings());
}

#[test]
fn production_names_each_missing_variable() {
    let errors = load(&[("APP_ENV", "production")]).unwrap_err();
    assert_eq!(
        errors.iter().as_slice(),
        [ConfigError::Missing("DATABASE_URL")]
    );
    let ok = load(&GOOD_PROD).unwrap_or_else(|e| unreachable!("{e}"));
    assert!(ok.is_production());
    assert!(ok.warnings().is_empty());
}

#[test]
fn invalid_values_name_their_variable() {
    for (var, value) in [
        ("APP_ENV", "staging"),
        ("PORT", "70000"),
        ("DATABASE_URL", "mysql://x"),
        ("DATABASE_MAX_CONNECTIONS", "0"),
        ("DATABASE_SQLITE_JOURNAL", "fast"),
        ("RATE_LIMIT", "lots"),
        ("TRUST_PROXY", "perhaps"),
        ("BODY_LIMIT", "0"),
        ("REQUEST_TIMEOUT", "soon"),
        ("LOG_FORMAT", "xml"),
        ("ALLOWED_ORIGINS", "shop.example"),
        ("ALLOWED_ORIGINS", "*,https://a.example"),
        ("METRICS_PATH", "/api/metrics"),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318"),
        ("MAX_CONNECTIONS", "0"),
    ] {
        let errors = load(&[(var, value)]).expect_err(var);
        assert_eq!(named(&errors), [var], "{var}={value}");
        assert!(!errors.to_string().contains('\n'), "one error is one line");
    }
}

#[test]
fn every_bad_variable_is_reported_at_once_in_the_order_read() {
    let errors = load(&[
        ("APP_ENV", "production"),
        ("PORT", "http"),
        ("CACHE", "sometimes"),
        ("IDLE_TIMEOUT", "0s"),
    ])
    .unwrap_err();
    assert_eq!(
        named(&errors),
        ["PORT", "DATABASE_URL", "CACHE", "IDLE_TIMEOUT"]
    );
    let text = errors.to_string();
    assert!(
        text.starts_with("4 configuration variables are invalid:\n  PORT is invalid"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 5, "{text}");
}

#[test]
fn optional_groups() {
    let c = load(&[
        (
            "ALLOWED_ORIGINS",
            "https://a.example/, http://localhost:3000",
        ),
        ("REDIS_URL", "redis://127.0.0.1:6379"),
        ("LOG_FORMAT", "json"),
        ("BODY_LIMIT", "2MiB"),
        ("METRICS", "on"),
        ("METRICS_ADDR", "127.0.0.1:9100"),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318/"),
    ])
    .unwrap_or_else(|e| unreachable!("{e}"));
    assert_eq!(
        c.allowed_origins,
        ["https://a.example", "http://localhost:3000"]
    );
    assert_eq!(c.body_limit, 2 << 20);
    assert_eq!(c.log_format, LogFormat::Json);
    assert_eq!(c.metrics.addr, Some("127.0.0.1:9100".parse().unwrap()));
    assert_eq!(
        c.otel.as_ref().map(|o| o.endpoint.as_str()),
        Some("http://127.0.0.1:4318")
    );
    let debug = format!("{c:?}");
    assert!(!debug.contains("redis://"), "{debug}");
}

#[test]
fn limits_and_cache_can_be_switched_off_and_production_is_told() {
    let mut vars = GOOD_PROD.to_vec();
    vars.extend([("RATE_LIMITS", "off"), ("CACHE", "false")]);
    let c = load(&vars).unwrap_or_else(|e| unreachable!("{e}"));
    assert!(!c.rate_limits && !c.cache);
    assert!(
        c.warnings().iter().any(|w| w.contains("RATE_LIMITS=off")),
        "{:?}",
        c.warnings()
    );
}

#[test]
fn sections_are_read_in_the_same_pass() {
    struct Workers(u16);
    impl Section for Workers {
        fn read(vars: &mut Vars<'_>) -> Self {
            if !vars.is_set("WORKERS") {
                vars.warn("WORKERS is not set: 2 workers");
            }
            Self(vars.number("WORKERS", 2, 1, 64))
        }
    }
    let (config, Workers(n)) = Config::from_lookup_with::<Workers>("jobs", |_| None)
        .unwrap_or_else(|e| unreachable!("{e}"));
    assert_eq!((config.app_name.as_str(), n), ("jobs", 2));
    assert_eq!(config.warnings(), ["WORKERS is not set: 2 workers"]);
    let errors = Config::from_lookup_with::<(Workers, ())>("jobs", |k| {
        matches!(k, "WORKERS" | "PORT").then(|| "none".into())
    })
    .err()
    .unwrap_or_else(|| unreachable!("both are bad"));
    assert_eq!(named(&errors), ["PORT", "WORKERS"]);
}
