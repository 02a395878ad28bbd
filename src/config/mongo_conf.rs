//! The Mongo access file: plain `key value` lines (mongo-and-collections.md §1).

use crate::secret::Secret;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

pub const DEFAULT_MONGO_CONF: &str = "/local_dir/calipso_mongo_access.conf";

#[derive(Debug, thiserror::Error)]
pub enum MongoConfError {
    #[error("Mongo configuration file not found: config file doesn't exist in the system: {0}")]
    NotFound(PathBuf),
    #[error("reading mongo config {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("mongo config {path}: port must be a number, got '{value}'")]
    BadPort { path: PathBuf, value: String },
    #[error("mongo config {path}: '{key}' is set but '{missing}' is not (give both user and pwd, or neither)")]
    HalfCredentials {
        path: PathBuf,
        key: &'static str,
        missing: &'static str,
    },
}

/// Parsed access file. `Debug` shows no password (`Secret`).
#[derive(Debug, Clone)]
pub struct MongoConf {
    pub path: PathBuf,
    pub server: String,
    pub port: u16,
    pub user: Option<String>,
    pub pwd: Option<Secret>,
    /// Authentication database and the database holding every collection.
    pub database: String,
}

impl MongoConf {
    /// `path` empty means the original's default file.
    pub fn load(path: &str) -> Result<MongoConf, MongoConfError> {
        let path = PathBuf::from(if path.is_empty() {
            DEFAULT_MONGO_CONF
        } else {
            path
        });
        if !path.is_file() {
            return Err(MongoConfError::NotFound(path));
        }
        let text = std::fs::read_to_string(&path).map_err(|source| MongoConfError::Read {
            path: path.clone(),
            source,
        })?;
        Self::parse(&path, &text)
    }

    pub fn parse(path: &Path, text: &str) -> Result<MongoConf, MongoConfError> {
        let mut values: HashMap<&str, &str> = HashMap::new();
        for line in text.lines() {
            let line = line.trim();
            // Only an ASCII space separates key and value: a TAB-separated line is ignored.
            if line.starts_with('#') || !line.contains(' ') {
                continue;
            }
            let (key, value) = line.split_once(' ').unwrap_or((line, ""));
            let value = value.trim();
            if !value.is_empty() {
                values.insert(key, value);
            }
        }
        let port = match values.get("port") {
            None => 27017,
            Some(v) => v.parse().map_err(|_| MongoConfError::BadPort {
                path: path.to_path_buf(),
                value: v.to_string(),
            })?,
        };
        let user = values.get("user").map(|s| s.to_string());
        let pwd = values.get("pwd").map(|s| Secret::new(*s));
        match (&user, &pwd) {
            (Some(_), None) => {
                return Err(MongoConfError::HalfCredentials {
                    path: path.to_path_buf(),
                    key: "user",
                    missing: "pwd",
                })
            }
            (None, Some(_)) => {
                return Err(MongoConfError::HalfCredentials {
                    path: path.to_path_buf(),
                    key: "pwd",
                    missing: "user",
                })
            }
            _ => {}
        }
        Ok(MongoConf {
            path: path.to_path_buf(),
            server: values.get("server").unwrap_or(&"localhost").to_string(),
            port,
            user,
            pwd,
            database: values.get("auth_db").unwrap_or(&"calipso").to_string(),
        })
    }

    /// Connection URI with percent-encoded credentials (a fix over the original). One server is
    /// spoken to directly, as the original's driver did with a single host (no replica-set
    /// discovery that would bypass the configured address).
    pub fn uri(&self) -> String {
        use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
        let host = match self.server.matches(':').count() {
            0 => format!("{}:{}", self.server, self.port),
            // `server host:port` as the original allows.
            1 => self.server.clone(),
            _ if self.server.starts_with('[') => self.server.clone(),
            _ => format!("[{}]:{}", self.server, self.port),
        };
        match (&self.user, &self.pwd) {
            (Some(user), Some(pwd)) => format!(
                "mongodb://{}:{}@{host}/{}?directConnection=true&authSource={}",
                utf8_percent_encode(user, NON_ALPHANUMERIC),
                utf8_percent_encode(pwd.expose(), NON_ALPHANUMERIC),
                self.database,
                self.database
            ),
            _ => format!("mongodb://{host}/{}?directConnection=true", self.database),
        }
    }

    /// The URI with the password masked, for log lines.
    pub fn display_uri(&self) -> String {
        match &self.pwd {
            Some(pwd) if !pwd.is_empty() => self.uri().replace(
                &percent_encoding::utf8_percent_encode(
                    pwd.expose(),
                    percent_encoding::NON_ALPHANUMERIC,
                )
                .to_string(),
                "********",
            ),
            _ => self.uri(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<MongoConf, MongoConfError> {
        MongoConf::parse(Path::new("t.conf"), text)
    }

    #[test]
    fn defaults_apply_when_keys_are_absent() {
        let c = parse("").unwrap();
        assert_eq!(
            (c.server.as_str(), c.port, c.database.as_str()),
            ("localhost", 27017, "calipso")
        );
        assert_eq!(
            c.uri(),
            "mongodb://localhost:27017/calipso?directConnection=true"
        );
    }

    #[test]
    fn tab_separated_and_comment_lines_are_ignored() {
        let c =
            parse("# server x\nserver\tother\nserver  db1 \nport 27018\nauth_db lab\n").unwrap();
        assert_eq!(
            (c.server.as_str(), c.port, c.database.as_str()),
            ("db1", 27018, "lab")
        );
    }

    #[test]
    fn credentials_are_percent_encoded_and_masked() {
        let c = parse("user calipso\npwd p@ss:w/rd\n").unwrap();
        assert_eq!(
            c.uri(),
            "mongodb://calipso:p%40ss%3Aw%2Frd@localhost:27017/calipso?directConnection=true&authSource=calipso"
        );
        assert!(!c.display_uri().contains("p%40ss"));
        assert!(!format!("{c:?}").contains("p@ss"));
    }

    #[test]
    fn bad_port_is_one_clear_error() {
        let e = parse("port abc\n").unwrap_err().to_string();
        assert!(e.contains("port must be a number, got 'abc'"), "{e}");
    }

    #[test]
    fn half_credentials_are_refused() {
        assert!(parse("user x\n").is_err());
    }
}
