//! The result texts of connection tests (connection-tests.md §6.2) and the `response_time`
//! format of §1.2.

pub const WRONG_HOST: &str = "Wrong host and/or port";
pub const WRONG_CREDENTIALS: &str = "Wrong credentials";
pub const WRONG_KEY: &str = "Wrong SSH key";

const DETAIL_LIMIT: usize = 200;

/// An HTTP 401 status, not a port or part of a longer number.
static HTTP_401: once_cell::sync::Lazy<regex::Regex> = once_cell::sync::Lazy::new(|| {
    regex::Regex::new(r"(^|[^:\d])401\b").expect("a valid literal pattern")
});

/// Maps an access layer's error text to the classified form: `Wrong host and/or port: …` for
/// network failures, `Wrong credentials: …` for rejected logins; other texts stay as they are.
/// Texts that are already classified, and the spec's fixed texts, pass unchanged.
pub fn classify(text: &str) -> String {
    let text = short(text);
    if [WRONG_HOST, WRONG_CREDENTIALS, WRONG_KEY]
        .iter()
        .any(|c| text.starts_with(c))
    {
        return text;
    }
    let lower = text.to_ascii_lowercase();
    const NETWORK: [&str; 14] = [
        "connection refused",
        "timed out",
        "timeout",
        "no route to host",
        "network is unreachable",
        "host is unreachable",
        "failed to lookup address",
        "name or service not known",
        "dns error",
        "can't connect to mysql server",
        "(2003)",
        "(2005)",
        "tls handshake",
        "error trying to connect",
    ];
    const CREDENTIALS: [&str; 6] = [
        "access denied",
        "(1045)",
        "unauthorized",
        "access_refused",
        "authentication failed for user",
        "password rejected",
    ];
    if NETWORK.iter().any(|n| lower.contains(n)) {
        format!("{WRONG_HOST}: {text}")
    } else if CREDENTIALS.iter().any(|n| lower.contains(n)) || HTTP_401.is_match(&lower) {
        format!("{WRONG_CREDENTIALS}: {text}")
    } else {
        text
    }
}

/// First line, at most 200 characters.
fn short(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default().trim();
    if line.chars().count() > DETAIL_LIMIT {
        let cut: String = line.chars().take(DETAIL_LIMIT).collect();
        format!("{cut}…")
    } else {
        line.to_string()
    }
}

/// `response_timestamp − submit_timestamp` as Python prints a `timedelta`: `H:MM:SS`, with
/// `.ffffff` when there are microseconds, `N day(s), ` past a day, `-1 day, …` when negative.
pub fn python_timedelta(delta: chrono::TimeDelta) -> String {
    const DAY_US: i64 = 86_400_000_000;
    let total = delta.num_microseconds().unwrap_or(i64::MAX);
    let days = total.div_euclid(DAY_US);
    let rest = total.rem_euclid(DAY_US);
    let micros = rest % 1_000_000;
    let seconds = rest / 1_000_000;
    let mut out = String::new();
    if days != 0 {
        let unit = if days.abs() == 1 { "day" } else { "days" };
        out.push_str(&format!("{days} {unit}, "));
    }
    out.push_str(&format!(
        "{}:{:02}:{:02}",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    ));
    if micros != 0 {
        out.push_str(&format!(".{micros:06}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeDelta;

    #[test]
    fn timedelta_like_python() {
        for (micros, text) in [
            (1_208_000, "0:00:01.208000"),
            (3_600_000_000, "1:00:00"),
            (86_400_000_000 + 61_000_000, "1 day, 0:01:01"),
            (2 * 86_400_000_000, "2 days, 0:00:00"),
            (-1_000_000, "-1 day, 23:59:59"),
            (-2 * 86_400_000_000 - 500_000, "-3 days, 23:59:59.500000"),
        ] {
            assert_eq!(
                python_timedelta(TimeDelta::microseconds(micros)),
                text,
                "{micros}"
            );
        }
    }

    #[test]
    fn classification_of_access_errors() {
        for (raw, expected) in [
            (
                "failed to connect to MySQL DB: h:3306: Access denied for user 'u'@'x' (1045)",
                "Wrong credentials: failed to connect to MySQL DB",
            ),
            (
                "OpenStack API: POST http://h:5000/v2.0/tokens: Connection refused",
                "Wrong host and/or port: OpenStack API",
            ),
            (
                "Unable to find Neutron schema in OpenStack DB",
                "Unable to find Neutron schema in OpenStack DB",
            ),
            (
                "OpenStack API: GET http://h:4010/v3 answered HTTP status 401 Unauthorized",
                "Wrong credentials: OpenStack API",
            ),
            (
                "OpenStack API: http://h:401/v3: answer is not JSON",
                "OpenStack API: http://h:401/v3",
            ),
            (
                "Wrong credentials: already classified",
                "Wrong credentials: already classified",
            ),
        ] {
            assert!(
                classify(raw).starts_with(expected),
                "{raw} -> {}",
                classify(raw)
            );
        }
    }
}
