//! AMQP access to the VIM's RabbitMQ (the `AMQP` configuration section): used by the connection
//! test and the event listener. Host, port, user and password are passed as separate connection
//! parameters, never through a URL string, so any password works (fix C7 of
//! connection-tests.md) and none can leak through a URL in an error text.

use crate::config::{ConfigError, Section};
use crate::secret::Secret;
use lapin::uri::{AMQPAuthority, AMQPScheme, AMQPUri, AMQPUserInfo};
use lapin::{Connection, ConnectionProperties, ErrorKind};
use std::time::Duration;

pub const DEFAULT_PORT: u16 = 5672;
pub const DEFAULT_VHOST: &str = "/";
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum AmqpError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Refused, unreachable, unknown host, or no answer within the timeout.
    #[error("Wrong host and/or port: {endpoint}: {detail}")]
    Unreachable { endpoint: String, detail: String },
    /// The broker refused the user name or password.
    #[error("Wrong credentials: user '{user}' at {endpoint}")]
    Credentials { user: String, endpoint: String },
    /// Any other broker or protocol failure.
    #[error("AMQP {endpoint}: {detail}")]
    Other { endpoint: String, detail: String },
}

/// Where and how to connect, read from an `AMQP` section.
#[derive(Debug, Clone)]
pub struct AmqpTarget {
    pub host: String,
    pub port: u16,
    pub user: String,
    pub pwd: Secret,
    pub vhost: String,
    pub connect_timeout: Duration,
}

impl AmqpTarget {
    /// `host`, `user` and `pwd` are required; `port` defaults to 5672, `vhost` to `/`.
    pub fn from_section(section: &Section) -> Result<AmqpTarget, AmqpError> {
        Ok(AmqpTarget {
            host: section.required("host")?,
            port: section.port("port")?.unwrap_or(DEFAULT_PORT),
            user: section.required("user")?,
            pwd: section
                .secret("pwd")
                .ok_or_else(|| section.field_error("pwd", "is missing"))?,
            vhost: section
                .str("vhost")
                .unwrap_or_else(|| DEFAULT_VHOST.to_string()),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
        })
    }

    /// `host:port` (IPv6 literals bracketed), without credentials.
    pub fn endpoint(&self) -> String {
        if self.host.parse::<std::net::Ipv6Addr>().is_ok() {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    fn uri(&self) -> AMQPUri {
        let mut uri = AMQPUri {
            scheme: AMQPScheme::AMQP,
            authority: AMQPAuthority {
                userinfo: AMQPUserInfo {
                    username: self.user.clone(),
                    password: self.pwd.expose().to_string(),
                },
                host: self.host.trim_matches(['[', ']']).to_string(),
                port: self.port,
            },
            vhost: self.vhost.clone(),
            query: Default::default(),
        };
        uri.query.connection_timeout = Some(self.connect_timeout.as_millis() as u64);
        uri
    }
}

/// Opens a connection with the section's settings and the default connect timeout.
pub async fn connect(section: &Section) -> Result<Connection, AmqpError> {
    connect_to(&AmqpTarget::from_section(section)?).await
}

/// Opens a connection; the whole handshake (TCP, AMQP, login) must finish within the target's
/// connect timeout.
pub async fn connect_to(target: &AmqpTarget) -> Result<Connection, AmqpError> {
    let endpoint = target.endpoint();
    log::debug!("connecting to AMQP at {endpoint} as {}", target.user);
    let attempt = Connection::connect_uri(target.uri(), ConnectionProperties::default());
    match tokio::time::timeout(target.connect_timeout, attempt).await {
        Err(_) => Err(AmqpError::Unreachable {
            endpoint,
            detail: format!(
                "no answer within {} s",
                target.connect_timeout.as_secs_f64()
            ),
        }),
        Ok(Ok(connection)) => Ok(connection),
        Ok(Err(e)) => Err(classify(&e, target, endpoint)),
    }
}

fn classify(error: &lapin::Error, target: &AmqpTarget, endpoint: String) -> AmqpError {
    let text = scrub(&error.to_string(), &target.pwd);
    let upper = text.to_ascii_uppercase();
    if upper.contains("ACCESS_REFUSED") || upper.contains("ACCESSREFUSED") {
        return AmqpError::Credentials {
            user: target.user.clone(),
            endpoint,
        };
    }
    match error.kind() {
        ErrorKind::IOError(io) => {
            // RabbitMQ closes the socket without a reason when the login is rejected
            // before the connection is open (authentication_failure_close off).
            if matches!(
                io.kind(),
                std::io::ErrorKind::UnexpectedEof | std::io::ErrorKind::ConnectionReset
            ) {
                AmqpError::Other {
                    endpoint,
                    detail: format!(
                        "the broker closed the connection during login (wrong credentials or vhost?): {text}"
                    ),
                }
            } else {
                AmqpError::Unreachable {
                    endpoint,
                    detail: io.to_string(),
                }
            }
        }
        _ => AmqpError::Other {
            endpoint,
            detail: text,
        },
    }
}

fn scrub(text: &str, pwd: &Secret) -> String {
    if pwd.expose().len() >= 3 {
        text.replace(pwd.expose(), "********")
    } else {
        text.to_string()
    }
}
