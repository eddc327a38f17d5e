//! Parsers for the value formats of configuration: durations, sizes, rates and booleans.

use std::time::Duration;

/// Parses a duration: one or more `NUMBER UNIT` groups with units `ms`, `s`, `m`, `h`, `d`
/// (`15m`, `7d`, `1h30m`, `250ms`).
///
/// ```
/// use std::time::Duration;
/// use rustbe_core::config::parse_duration;
/// assert_eq!(parse_duration("15m"), Ok(Duration::from_secs(900)));
/// assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
/// assert!(parse_duration("15").is_err());
/// ```
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("expected a duration such as `30s`, `15m`, `7d`".into());
    }
    let mut total = Duration::ZERO;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits == 0 {
            return Err(format!(
                "`{text}` is not a duration such as `30s`, `15m`, `7d`"
            ));
        }
        let number: u64 = rest[..digits]
            .parse()
            .map_err(|_| format!("`{text}` is too large"))?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit = match &rest[..unit_len] {
            "ms" => Duration::from_millis(1),
            "s" => Duration::from_secs(1),
            "m" => Duration::from_secs(60),
            "h" => Duration::from_secs(3600),
            "d" => Duration::from_secs(86_400),
            "" => return Err(format!("`{text}` needs a unit: ms, s, m, h or d")),
            other => {
                return Err(format!(
                    "unknown unit `{other}` in `{text}`: use ms, s, m, h or d"
                ));
            }
        };
        let part = u32::try_from(number)
            .ok()
            .and_then(|n| unit.checked_mul(n))
            .ok_or_else(|| format!("`{text}` is too large"))?;
        total = total
            .checked_add(part)
            .ok_or_else(|| format!("`{text}` is too large"))?;
        rest = &rest[unit_len..];
    }
    Ok(total)
}

/// Parses a size in bytes: a number with an optional unit `B`, `KB`, `KiB`, `MB`, `MiB`,
/// `GB`, `GiB` (case-insensitive; `KB` is 1000, `KiB` 1024).
///
/// ```
/// use rustbe_core::config::parse_size;
/// assert_eq!(parse_size("1MiB"), Ok(1_048_576));
/// assert_eq!(parse_size("512 kb"), Ok(512_000));
/// assert_eq!(parse_size("2048"), Ok(2048));
/// assert!(parse_size("lots").is_err());
/// ```
pub fn parse_size(text: &str) -> Result<usize, String> {
    let trimmed = text.trim();
    let digits = trimmed
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(trimmed.len());
    if digits == 0 {
        return Err(format!("`{text}` is not a size such as `1MiB` or `512KB`"));
    }
    let number: usize = trimmed[..digits]
        .parse()
        .map_err(|_| format!("`{text}` is too large"))?;
    let factor: usize = match trimmed[digits..].trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" => 1000,
        "kib" | "k" => 1024,
        "mb" => 1_000_000,
        "mib" | "m" => 1024 * 1024,
        "gb" => 1_000_000_000,
        "gib" | "g" => 1024 * 1024 * 1024,
        other => {
            return Err(format!(
                "unknown unit `{other}` in `{text}`: use B, KB, KiB, MB, MiB, GB or GiB"
            ));
        }
    };
    number
        .checked_mul(factor)
        .ok_or_else(|| format!("`{text}` is too large"))
}

/// A rate: at most `count` events per `window`, written `COUNT/WINDOW` (`100/15m`).
///
/// ```
/// use std::time::Duration;
/// use rustbe_core::config::Rate;
/// let rate: Rate = "5/15m".parse().unwrap();
/// assert_eq!((rate.count, rate.window), (5, Duration::from_secs(900)));
/// assert!("0/1m".parse::<Rate>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    /// Events allowed per window (at least 1).
    pub count: u32,
    /// The window (longer than zero).
    pub window: Duration,
}

impl Rate {
    /// `count` events per `window`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use rustbe_core::config::Rate;
    /// assert_eq!(Rate::per(5, Duration::from_secs(900)), "5/15m".parse().unwrap());
    /// ```
    #[must_use]
    pub const fn per(count: u32, window: Duration) -> Self {
        Self { count, window }
    }
}

impl std::str::FromStr for Rate {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (count, window) = text
            .split_once('/')
            .ok_or_else(|| format!("`{text}` is not a rate such as `100/15m`"))?;
        let count: u32 = count
            .trim()
            .parse()
            .ok()
            .filter(|&n| n > 0)
            .ok_or_else(|| format!("`{text}`: the count must be a whole number above 0"))?;
        let window = parse_duration(window)?;
        if window.is_zero() {
            return Err(format!("`{text}`: the window must be longer than zero"));
        }
        Ok(Self { count, window })
    }
}

/// Parses `true`/`false` (also `1`/`0`, `yes`/`no`, `on`/`off`, any case).
///
/// ```
/// assert_eq!(rustbe_core::config::parse_bool("Yes"), Ok(true));
/// assert!(rustbe_core::config::parse_bool("maybe").is_err());
/// ```
pub fn parse_bool(text: &str) -> Result<bool, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err(format!("`{text}` is not `true` or `false`")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("7d"), Ok(Duration::from_secs(7 * 86_400)));
        assert_eq!(parse_duration("0s"), Ok(Duration::ZERO));
        for bad in [
            "",
            "m",
            "5x",
            "1.5h",
            "-5s",
            "99999999999999999999s",
            "5000000000d",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("1GiB"), Ok(1 << 30));
        assert_eq!(parse_size("10B"), Ok(10));
        assert!(parse_size("MiB").is_err());
        assert!(parse_size("1TB").is_err());
        assert!(parse_size("99999999999999999999999").is_err());
    }

    #[test]
    fn rates() {
        assert!("100".parse::<Rate>().is_err());
        assert!("x/1m".parse::<Rate>().is_err());
        assert!("1/0s".parse::<Rate>().is_err());
        assert_eq!("100 / 1h".parse::<Rate>().map(|r| r.count), Ok(100));
    }
}
