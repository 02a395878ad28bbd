//! Value rules of the environment checks (environment-config.md §3.1 regexes, with the port's
//! changes of §6.2: IPv6 hosts are valid, ports may be integers or numeric strings).

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use once_cell::sync::Lazy;
use regex::Regex;
use serde_json::Value;

/// Dot-separated labels of 1–63 characters `[A-Za-z0-9-]`, not starting or ending with `-`.
/// Dotted quads (`10.0.0.1`, also `999.1.1.1`, as in the original) pass as host names.
static HOST_NAME: Lazy<Regex> = Lazy::new(|| {
    let label = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
    Regex::new(&format!(r"^{label}(?:\.{label})*$")).expect("host name regex is valid")
});

/// Absolute, no empty segment: `/a/b` and `/a/` pass; `/`, `/a//b` and `a/b` fail.
static ABSOLUTE_PATH: Lazy<Regex> =
    Lazy::new(|| Regex::new(r"^(?:/[^/]+)+/?$").expect("path regex is valid"));

pub fn is_host(s: &str) -> bool {
    let unbracketed = s
        .strip_prefix('[')
        .and_then(|rest| rest.strip_suffix(']'))
        .unwrap_or(s);
    HOST_NAME.is_match(s) || unbracketed.parse::<std::net::Ipv6Addr>().is_ok()
}

pub fn is_absolute_path(s: &str) -> bool {
    ABSOLUTE_PATH.is_match(s)
}

/// An integer as Python's `int()` takes it from JSON: a JSON integer or a string of one.
pub fn as_integer(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// `0`–`65535`, as a JSON integer or a string of digits (leading zeros allowed, no spaces).
pub fn is_port(v: &Value) -> bool {
    match v {
        Value::Number(n) => n.as_u64().is_some_and(|p| p <= 65535),
        Value::String(s) => {
            !s.is_empty()
                && s.bytes().all(|b| b.is_ascii_digit())
                && s.trim_start_matches('0').len() <= 5
                && s.parse::<u64>().is_ok_and(|p| p <= 65535)
        }
        _ => false,
    }
}

/// `"true"`/`"false"` in any case, for booleans given as strings.
pub fn bool_from_string(s: &str) -> Option<bool> {
    match s.to_ascii_lowercase().as_str() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

/// "Empty" as the original's generic check sees it: null, `""`, `[]`, `{}` (not `false`/`0`).
pub fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

/// A date in the forms the API and the UI write: RFC 3339, ISO 8601 with a `+hhmm` offset,
/// without an offset (taken as UTC), with a space instead of `T`, or a bare date.
pub fn parse_date(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(d.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S%.f%z"] {
        if let Ok(d) = DateTime::parse_from_str(s, format) {
            return Some(d.with_timezone(&Utc));
        }
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
        if let Ok(d) = NaiveDateTime::parse_from_str(s, format) {
            return Some(d.and_utc());
        }
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn hosts() {
        for ok in [
            "10.0.0.1",
            "999.1.1.1",
            "localhost",
            "node-5.cisco.com",
            "::1",
            "[fd00::5]",
        ] {
            assert!(is_host(ok), "{ok}");
        }
        for bad in ["a_b", "-a", "a-", "a..b", "", "http://x", "10.0.0.1 "] {
            assert!(!is_host(bad), "{bad}");
        }
    }

    #[test]
    fn paths() {
        for ok in ["/a/b", "/a/", "/local_dir/sensu_config"] {
            assert!(is_absolute_path(ok), "{ok}");
        }
        for bad in ["/", "/a//b", "a/b", ""] {
            assert!(!is_absolute_path(bad), "{bad}");
        }
    }

    #[test]
    fn ports() {
        for ok in [
            json!(5000),
            json!("5000"),
            json!("00022"),
            json!(0),
            json!(65535),
        ] {
            assert!(is_port(&ok), "{ok}");
        }
        for bad in [
            json!(65536),
            json!(-1),
            json!("50.5"),
            json!(" 22"),
            json!(""),
            json!(true),
            json!(22.5),
        ] {
            assert!(!is_port(&bad), "{bad}");
        }
    }

    #[test]
    fn dates() {
        assert!(parse_date("2017-10-01T12:00:00.000+0000").is_some());
        assert!(parse_date("2017-10-01T12:00:00Z").is_some());
        assert!(parse_date("2017-10-01 12:00:00").is_some());
        assert!(parse_date("2017-10-01").is_some());
        assert!(parse_date("filled-by-scanning").is_none());
    }
}
