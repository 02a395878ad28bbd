//! Keystone v2.0 password tokens (fetchers.md §2.1): the request body and the reading of the
//! answer. Pure functions, so that every rule can be tested without a server.

use super::ApiError;
use crate::secret::Secret;
use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::{json, Value};

/// A token as the fetchers use it. `Debug` never shows the token id.
#[derive(Clone, Debug)]
pub struct Token {
    /// Sent as `X-Auth-Token`.
    pub id: Secret,
    /// `tenant.id`, part of the Nova URLs.
    pub tenant_id: String,
    pub expires: DateTime<Utc>,
}

impl Token {
    /// A cached token is reused until the current time passes `expires`.
    pub fn is_valid_at(&self, now: DateTime<Utc>) -> bool {
        now <= self.expires
    }
}

/// The body of `POST /v2.0/tokens`.
pub fn auth_request_body(user: &str, password: &Secret, project: &str) -> Value {
    json!({
        "auth": {
            "passwordCredentials": {"username": user, "password": password.expose()},
            "tenantName": project,
        }
    })
}

/// `expires` as Keystone writes it: `%Y-%m-%dT%H:%M:%SZ` with optional fraction, UTC.
pub fn parse_expiry(text: &str) -> Option<DateTime<Utc>> {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.fZ")
        .ok()
        .map(|naive| naive.and_utc())
}

/// The token of an auth answer. An `error` member, a missing `access.token` or an unreadable
/// `expires` are authentication failures (the Keystone error text is kept: it never holds
/// the password).
pub fn token_from_auth_response(project: &str, body: &Value) -> Result<Token, ApiError> {
    let fail = |detail: String| ApiError::Auth {
        project: project.to_string(),
        detail,
    };
    if let Some(error) = body.get("error") {
        let field = |k: &str| {
            error
                .get(k)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        return Err(fail(format!(
            "Keystone error {} {}: {}",
            error
                .get("code")
                .map(|c| c.to_string().trim_matches('"').to_string())
                .unwrap_or_default(),
            field("title"),
            field("message")
        )));
    }
    let token = body
        .pointer("/access/token")
        .filter(|t| t.is_object())
        .ok_or_else(|| fail("the answer has no access.token".into()))?;
    let id = token
        .get("id")
        .and_then(Value::as_str)
        .ok_or_else(|| fail("access.token has no id".into()))?;
    let expires_text = token.get("expires").and_then(Value::as_str).unwrap_or("");
    let expires = parse_expiry(expires_text)
        .ok_or_else(|| fail(format!("cannot read token expiry '{expires_text}'")))?;
    let tenant_id = token
        .pointer("/tenant/id")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    Ok(Token {
        id: Secret::new(id),
        tenant_id,
        expires,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_with_and_without_fraction() {
        assert!(parse_expiry("2016-10-22T00:49:50.445603Z").is_some());
        assert!(parse_expiry("2016-10-22T00:49:50Z").is_some());
        assert!(parse_expiry("2016-10-22 00:49:50").is_none());
    }

    #[test]
    fn error_member_fails_without_leaking() {
        let body = json!({"error": {"code": 401, "title": "Unauthorized", "message": "bad"}});
        let e = token_from_auth_response("admin", &body)
            .unwrap_err()
            .to_string();
        assert!(e.contains("Authentication failed"), "{e}");
        assert!(e.contains("401 Unauthorized: bad"), "{e}");
    }

    #[test]
    fn token_debug_hides_id() {
        let body = json!({"access": {"token": {"id": "tok-123", "expires": "2099-01-01T00:00:00Z",
            "tenant": {"id": "t1"}}}});
        let t = token_from_auth_response("admin", &body).unwrap();
        assert_eq!(t.tenant_id, "t1");
        assert!(!format!("{t:?}").contains("tok-123"));
    }
}
