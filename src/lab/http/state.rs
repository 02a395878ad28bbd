//! Shared state of the HTTP APIs: the model, the admin credentials and the issued tokens.

use crate::lab::live::LiveModel;
use crate::lab::model::Model;
use crate::secret::Secret;
use chrono::{DateTime, Duration as ChronoDuration, Utc};
use rand::distributions::Alphanumeric;
use rand::Rng;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Debug, Clone, serde::Serialize)]
pub struct HttpPorts {
    pub keystone_public: u16,
    pub keystone_admin: u16,
    pub nova: u16,
    pub neutron: u16,
}

impl HttpPorts {
    pub const KEYSTONE_PUBLIC: &'static str = "Keystone public API";
    pub const KEYSTONE_ADMIN: &'static str = "Keystone admin API";
    pub const NOVA: &'static str = "Nova API";
    pub const NEUTRON: &'static str = "Neutron API";

    pub fn named(&self) -> [(&'static str, u16); 4] {
        [
            (Self::KEYSTONE_PUBLIC, self.keystone_public),
            (Self::KEYSTONE_ADMIN, self.keystone_admin),
            (Self::NOVA, self.nova),
            (Self::NEUTRON, self.neutron),
        ]
    }
}

/// A token Keystone issued: scoped to one project, valid until `expires`.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub project_id: String,
    pub expires: DateTime<Utc>,
}

pub struct ApiState {
    live: LiveModel,
    pub admin_user: String,
    pub admin_password: Secret,
    /// Host part of every catalog URL (the bind address).
    pub public_host: String,
    pub ports: HttpPorts,
    pub latency: Duration,
    pub token_lifetime: ChronoDuration,
    tokens: Mutex<HashMap<String, IssuedToken>>,
}

impl ApiState {
    pub fn new(
        live: LiveModel,
        admin_password: Secret,
        public_host: String,
        ports: HttpPorts,
        latency: Duration,
    ) -> Self {
        ApiState {
            live,
            admin_user: "admin".into(),
            admin_password,
            public_host,
            ports,
            latency,
            token_lifetime: ChronoDuration::hours(1),
            tokens: Mutex::new(HashMap::new()),
        }
    }

    /// The topology in force now.
    pub fn model(&self) -> Arc<Model> {
        self.live.current()
    }

    /// Issues a new Fernet-looking token for `project_id`.
    pub fn issue_token(&self, project_id: &str) -> (String, IssuedToken) {
        let random: String = rand::thread_rng()
            .sample_iter(&Alphanumeric)
            .take(176)
            .map(char::from)
            .collect();
        let id = format!("gAAAAAB{random}");
        let token = IssuedToken {
            project_id: project_id.into(),
            expires: Utc::now() + self.token_lifetime,
        };
        if let Ok(mut tokens) = self.tokens.lock() {
            tokens.retain(|_, t| t.expires > Utc::now());
            tokens.insert(id.clone(), token.clone());
        }
        (id, token)
    }

    /// The token, if it was issued here and has not expired.
    pub fn validate(&self, id: &str) -> Option<IssuedToken> {
        let tokens = self.tokens.lock().ok()?;
        tokens.get(id).filter(|t| t.expires > Utc::now()).cloned()
    }

    pub fn url(&self, port: u16, path: &str) -> String {
        format!("http://{}:{port}{path}", self.public_host)
    }
}
