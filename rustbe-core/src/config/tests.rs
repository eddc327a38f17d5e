use super::*;

fn load(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    Config::from_lookup("shop", |k| map.get(k).cloned())
}

const GOOD_PROD: [(&str, &str); 4] = [
    ("APP_ENV", "production"),
    ("DATABASE_URL", "postgres://shop@db/shop"),
    ("JWT_SECRET", "0123456789abcdef0123456789abcdef-access"),
    (
        "JWT_REFRESH_SECRET",
        "0123456789abcdef0123456789abcdef-refresh",
    ),
];

fn without(var: &str) -> Vec<(&'static str, &'static str)> {
    GOOD_PROD
        .iter()
        .copied()
        .filter(|(k, _)| *k != var)
        .collect()
}

#[test]
fn development_defaults_match_the_contract() {
    let c = load(&[]).unwrap_or_else(|e| unreachable!("{e}"));
    assert_eq!(c.listen_addr(), "127.0.0.1:8080");
    assert_eq!(c.database.max_connections, 10);
    assert_eq!(c.jwt.access_ttl, Duration::from_secs(900));
    assert_eq!(c.jwt.refresh_ttl, Duration::from_secs(604_800));
    assert_eq!(c.jwt.leeway, Duration::from_secs(5));
    assert_eq!(
        c.rate_limit,
        Rate {
            count: 100,
            window: Duration::from_secs(900)
        }
    );
    assert_eq!(
        c.rate_limit_auth,
        Rate {
            count: 100,
            window: Duration::from_secs(60)
        },
        "development is generous with logins"
    );
    assert!(!c.trust_proxy);
    assert!(
        c.rate_limits && c.cache,
        "limits and cache are on unless switched off"
    );
    assert!(c.smtp.is_none());
    assert_eq!(c.app_url, "http://localhost:8080");
    assert!(c.seed_demo_data);
    assert_eq!(c.body_limit, 1 << 20);
    assert_eq!(c.request_timeout, Duration::from_secs(30));
    assert_eq!(c.log_format, LogFormat::Pretty);
    assert_eq!(c.warnings().len(), 2);
}

#[test]
fn production_names_each_missing_variable() {
    for var in ["DATABASE_URL", "JWT_SECRET", "JWT_REFRESH_SECRET"] {
        assert_eq!(
            load(&without(var)).err(),
            Some(ConfigError::Missing(var)),
            "{var}"
        );
    }
    let ok = load(&GOOD_PROD).unwrap_or_else(|e| unreachable!("{e}"));
    assert!(ok.is_production());
    assert!(ok.warnings().is_empty());
    assert!(!ok.seed_demo_data);
}

#[test]
fn production_refuses_weak_or_equal_secrets_without_printing_them() {
    let mut vars = without("JWT_SECRET");
    vars.push(("JWT_SECRET", "short-secret"));
    let err = load(&vars).err().map(|e| e.to_string()).unwrap_or_default();
    assert_eq!(err, "JWT_SECRET is invalid: must be at least 32 bytes long");
    assert!(!err.contains("short-secret"));

    let mut vars = without("JWT_REFRESH_SECRET");
    vars.push((
        "JWT_REFRESH_SECRET",
        "0123456789abcdef0123456789abcdef-access",
    ));
    let err = load(&vars).err().map(|e| e.to_string()).unwrap_or_default();
    assert_eq!(
        err,
        "JWT_REFRESH_SECRET is invalid: must differ from JWT_SECRET"
    );
}

#[test]
fn invalid_values_name_their_variable() {
    for (var, value) in [
        ("APP_ENV", "staging"),
        ("PORT", "70000"),
        ("DATABASE_URL", "mysql://x"),
        ("DATABASE_MAX_CONNECTIONS", "0"),
        ("JWT_ACCESS_TTL", "0s"),
        ("JWT_REFRESH_TTL", "forever"),
        ("JWT_LEEWAY", "2m"),
        ("RATE_LIMIT", "lots"),
        ("RATE_LIMIT_AUTH", "5"),
        ("TRUST_PROXY", "perhaps"),
        ("BODY_LIMIT", "0"),
        ("REQUEST_TIMEOUT", "soon"),
        ("LOG_FORMAT", "xml"),
        ("ALLOWED_ORIGINS", "shop.example"),
        ("ALLOWED_ORIGINS", "*,https://a.example"),
        ("SMTP_TLS", "ssl"),
        ("ADMIN_EMAIL", "root@shop.example"),
    ] {
        let mut vars = vec![(var, value)];
        if var == "SMTP_TLS" {
            vars.push(("SMTP_HOST", "localhost"));
        }
        match load(&vars) {
            Err(ConfigError::Invalid { var: named, .. }) => {
                let expected = if var == "ADMIN_EMAIL" {
                    "ADMIN_PASSWORD"
                } else {
                    var
                };
                assert_eq!(named, expected, "{var}={value}");
            }
            other => unreachable!("{var}={value}: {other:?}"),
        }
    }
}

#[test]
fn optional_groups() {
    let c = load(&[
        ("SMTP_HOST", "mail.local"),
        ("SMTP_TLS", "tls"),
        ("SMTP_PASS", "pw"),
        ("ADMIN_EMAIL", "a@b.c"),
        ("ADMIN_PASSWORD", "Secret1!"),
        (
            "ALLOWED_ORIGINS",
            "https://a.example/, http://localhost:3000",
        ),
        ("APP_URL", "https://shop.example/"),
        ("REDIS_URL", "redis://127.0.0.1:6379"),
        ("LOG_FORMAT", "json"),
        ("BODY_LIMIT", "2MiB"),
    ])
    .unwrap_or_else(|e| unreachable!("{e}"));
    let smtp = c.smtp.as_ref().map(|s| (s.port, s.tls));
    assert_eq!(smtp, Some((465, SmtpTls::Tls)));
    assert_eq!(
        c.allowed_origins,
        ["https://a.example", "http://localhost:3000"]
    );
    assert_eq!(c.app_url, "https://shop.example");
    assert!(c.admin.is_some());
    assert_eq!(c.body_limit, 2 << 20);
    assert_eq!(c.log_format, LogFormat::Json);
    let debug = format!("{c:?}");
    assert!(
        !debug.contains("Secret1!")
            && !debug.contains("redis://")
            && !debug.contains(DEV_JWT_SECRET),
        "{debug}"
    );
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
    assert!(matches!(
        load(&[("CACHE", "sometimes")]),
        Err(ConfigError::Invalid { var: "CACHE", .. })
    ));
}

#[test]
fn auth_rate_limit_is_generous_only_in_development() {
    let rate = |env: &str| {
        load(&[("APP_ENV", env)])
            .map(|c| (c.rate_limit_auth, c.rate_limit_account))
            .unwrap_or_else(|e| unreachable!("{e}"))
    };
    let (dev_auth, dev_account) = rate("development");
    assert_eq!(
        (dev_auth.count, dev_auth.window),
        (100, Duration::from_secs(60))
    );
    assert_eq!(
        (dev_account.count, dev_account.window),
        (200, Duration::from_secs(60))
    );
    let (test_auth, _) = rate("test");
    assert_eq!(
        (test_auth.count, test_auth.window),
        (5, Duration::from_secs(900))
    );
    let prod = load(&GOOD_PROD).unwrap_or_else(|e| unreachable!("{e}"));
    assert_eq!(
        (prod.rate_limit_auth.count, prod.rate_limit_auth.window),
        (5, Duration::from_secs(900))
    );
    assert_eq!(prod.rate_limit_account.count, 10);
    let set = load(&[("RATE_LIMIT_AUTH", "7/2m")]).unwrap_or_else(|e| unreachable!("{e}"));
    assert_eq!(
        (set.rate_limit_auth.count, set.rate_limit_auth.window),
        (7, Duration::from_secs(120)),
        "an explicit value wins in development"
    );
}

#[test]
fn unset_jwt_secret_warning_is_a_clear_sentence() {
    let c = load(&[]).unwrap_or_else(|e| unreachable!("{e}"));
    let warning = c
        .warnings()
        .iter()
        .find(|w| w.starts_with("JWT_SECRET "))
        .unwrap_or_else(|| unreachable!("no JWT_SECRET warning in {:?}", c.warnings()));
    assert!(
        warning.contains(&format!("at least {MIN_SECRET_LEN} characters")),
        "{warning}"
    );
    assert!(warning.contains("random secret"), "{warning}");
    assert!(!warning.contains("chars or more"), "{warning}");
}
