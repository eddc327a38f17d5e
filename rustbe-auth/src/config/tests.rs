use std::collections::HashMap;

use rustbe_core::config::{ConfigError, ConfigErrors};

use super::*;

fn load(vars: &[(&str, &str)]) -> Result<(Config, AuthConfig), ConfigErrors> {
    let map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    Config::from_lookup_with("shop", |k| map.get(k).cloned())
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

fn named(errors: &ConfigErrors) -> Vec<&'static str> {
    errors.iter().map(ConfigError::var).collect()
}

#[test]
fn development_defaults_match_the_contract() {
    let (config, c) = load(&[]).unwrap_or_else(|e| unreachable!("{e}"));
    assert_eq!(c.jwt.access_ttl, Duration::from_secs(900));
    assert_eq!(c.jwt.refresh_ttl, Duration::from_secs(604_800));
    assert_eq!(c.jwt.leeway, Duration::from_secs(5));
    assert_eq!(
        c.rate_limit_auth,
        Rate::per(100, Duration::from_secs(60)),
        "development is generous with logins"
    );
    assert!(c.smtp.is_none());
    assert_eq!(c.app_url, "http://localhost:8080");
    assert_eq!(config.warnings().len(), 2, "{:?}", config.warnings());
}

#[test]
fn production_names_each_missing_variable() {
    for var in ["DATABASE_URL", "JWT_SECRET", "JWT_REFRESH_SECRET"] {
        let errors = load(&without(var))
            .err()
            .unwrap_or_else(|| unreachable!("{var}"));
        assert_eq!(
            errors.iter().as_slice(),
            [ConfigError::Missing(var)],
            "{var}"
        );
    }
    let errors = load(&[("APP_ENV", "production")]).unwrap_err();
    assert_eq!(
        named(&errors),
        ["DATABASE_URL", "JWT_SECRET", "JWT_REFRESH_SECRET"],
        "every missing variable at once"
    );
    let (config, _) = load(&GOOD_PROD).unwrap_or_else(|e| unreachable!("{e}"));
    assert!(config.warnings().is_empty());
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
        ("JWT_ACCESS_TTL", "0s"),
        ("JWT_REFRESH_TTL", "forever"),
        ("JWT_LEEWAY", "2m"),
        ("RATE_LIMIT_AUTH", "5"),
        ("RATE_LIMIT_ACCOUNT", "0/1m"),
        ("SMTP_TLS", "ssl"),
        ("SMTP_PORT", "0"),
        ("ADMIN_EMAIL", "root@shop.example"),
        ("ADMIN_PASSWORD", "Secret1!"),
    ] {
        let mut vars = vec![(var, value)];
        if var.starts_with("SMTP_") {
            vars.push(("SMTP_HOST", "localhost"));
        }
        let expected = match var {
            "ADMIN_EMAIL" => "ADMIN_PASSWORD",
            "ADMIN_PASSWORD" => "ADMIN_EMAIL",
            other => other,
        };
        let errors = load(&vars).err().unwrap_or_else(|| unreachable!("{var}"));
        assert_eq!(named(&errors), [expected], "{var}={value}");
    }
}

#[test]
fn optional_groups() {
    let (_, c) = load(&[
        ("SMTP_HOST", "mail.local"),
        ("SMTP_TLS", "tls"),
        ("SMTP_PASS", "pw"),
        ("ADMIN_EMAIL", "a@b.c"),
        ("ADMIN_PASSWORD", "Secret1!"),
        ("APP_URL", "https://shop.example/"),
    ])
    .unwrap_or_else(|e| unreachable!("{e}"));
    let smtp = c.smtp.as_ref().map(|s| (s.port, s.tls));
    assert_eq!(smtp, Some((465, SmtpTls::Tls)));
    assert_eq!(c.app_url, "https://shop.example");
    assert!(c.admin.is_some());
    let debug = format!("{c:?} {:?}", AuthConfig::for_tests("shop"));
    assert!(
        !debug.contains("Secret1!") && !debug.contains(TEST_JWT_SECRET),
        "{debug}"
    );
}

#[test]
fn auth_rate_limit_is_generous_only_in_development() {
    let rate = |env: &str| {
        load(&[("APP_ENV", env)])
            .map(|(_, c)| (c.rate_limit_auth, c.rate_limit_account))
            .unwrap_or_else(|e| unreachable!("{e}"))
    };
    let (dev_auth, dev_account) = rate("development");
    assert_eq!(dev_auth, Rate::per(100, Duration::from_secs(60)));
    assert_eq!(dev_account, Rate::per(200, Duration::from_secs(60)));
    let (test_auth, _) = rate("test");
    assert_eq!(test_auth, Rate::per(5, Duration::from_secs(900)));
    let (_, prod) = load(&GOOD_PROD).unwrap_or_else(|e| unreachable!("{e}"));
    assert_eq!(prod.rate_limit_auth, Rate::per(5, Duration::from_secs(900)));
    assert_eq!(prod.rate_limit_account.count, 10);
    let (_, set) = load(&[("RATE_LIMIT_AUTH", "7/2m")]).unwrap_or_else(|e| unreachable!("{e}"));
    assert_eq!(
        set.rate_limit_auth,
        Rate::per(7, Duration::from_secs(120)),
        "an explicit value wins in development"
    );
}

#[test]
fn unset_jwt_secret_warning_is_a_clear_sentence() {
    let (config, _) = load(&[]).unwrap_or_else(|e| unreachable!("{e}"));
    let warning = config
        .warnings()
        .iter()
        .find(|w| w.starts_with("JWT_SECRET "))
        .unwrap_or_else(|| unreachable!("no JWT_SECRET warning in {:?}", config.warnings()));
    assert!(
        warning.contains(&format!("at least {MIN_SECRET_LEN} characters")),
        "{warning}"
    );
    assert!(warning.contains("random secret"), "{warning}");
    assert!(!warning.contains("chars or more"), "{warning}");
}
