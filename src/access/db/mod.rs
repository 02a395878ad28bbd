//! OpenStack MySQL access (fetchers.md §2.2): a small connection pool to the `mysql` section's
//! server, Neutron schema discovery, and queries whose rows come back as documents. The driver
//! is synchronous; every call runs on tokio's blocking pool.

pub mod sql;
pub mod values;

use crate::config::{ConfigError, Environment};
use crate::doc::{str_field, Object};
use mysql::prelude::Queryable;
use mysql::{OptsBuilder, Pool, PoolConstraints, PoolOpts, Row};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

const DEFAULT_PORT: u16 = 3306;
const DEFAULT_SCHEMA: &str = "nova";
const DEFAULT_CONNECT_TIMEOUT_SECS: u64 = 5;
/// Fetchers run one after another; a few connections are plenty.
const MAX_CONNECTIONS: usize = 4;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("MySQL: {0}")]
    Other(String),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("attribute pwd is missing")]
    MissingPassword,
    #[error("failed to connect to MySQL DB: {0}")]
    Connect(String),
    #[error("Unable to find Neutron schema in OpenStack DB")]
    NoNeutronSchema,
    #[error("Found multiple possible names for Neutron schema in OpenStack DB: {0}")]
    SeveralNeutronSchemas(String),
    #[error("MySQL query \"{query}\" failed: {detail}")]
    Query { query: String, detail: String },
}

pub struct DbAccess {
    pool: Pool,
    /// Scrubbed from driver messages before they become errors.
    password: String,
    neutron: Option<String>,
    queries: Arc<AtomicU64>,
}

impl DbAccess {
    /// Connects and discovers the Neutron schema (`SHOW DATABASES`).
    pub async fn connect(env: &Environment) -> Result<DbAccess, DbError> {
        let mut db = Self::open(env).await?;
        db.discover_neutron_schema().await?;
        Ok(db)
    }

    /// Connects without looking for the Neutron schema (`{neutron}` queries then fail).
    pub async fn open(env: &Environment) -> Result<DbAccess, DbError> {
        let section = env.section("mysql")?;
        let host = section.required("host")?;
        let port = section.port("port")?.unwrap_or(DEFAULT_PORT);
        let user = section.str("user").unwrap_or_default();
        let password = section
            .secret("pwd")
            .filter(|p| !p.is_empty())
            .ok_or(DbError::MissingPassword)?;
        let schema = section
            .str("schema")
            .unwrap_or_else(|| DEFAULT_SCHEMA.to_string());
        let timeout = match section.str("connect_timeout") {
            None => DEFAULT_CONNECT_TIMEOUT_SECS,
            Some(v) => v.parse().map_err(|_| {
                section.field_error("connect_timeout", &format!("must be seconds, got '{v}'"))
            })?,
        };
        let constraints = PoolConstraints::new(1, MAX_CONNECTIONS)
            .ok_or_else(|| DbError::Other("bad pool size".into()))?;
        let opts = OptsBuilder::new()
            .ip_or_hostname(Some(host.clone()))
            .tcp_port(port)
            .user(Some(user))
            .pass(Some(password.expose().to_string()))
            .db_name(Some(schema))
            .tcp_connect_timeout(Some(Duration::from_secs(timeout)))
            .pool_opts(PoolOpts::default().with_constraints(constraints));
        let secret = password.expose().to_string();
        let pool = tokio::task::spawn_blocking(move || Pool::new(opts))
            .await
            .map_err(|e| DbError::Other(format!("connection task failed: {e}")))?
            .map_err(|e| DbError::Connect(scrub(&format!("{host}:{port}: {e}"), &secret)))?;
        log::debug!("connected to MySQL at {host}:{port}");
        Ok(DbAccess {
            pool,
            password: secret,
            neutron: None,
            queries: Arc::new(AtomicU64::new(0)),
        })
    }

    /// `SHOW DATABASES`; exactly one name must contain `neutron`.
    pub async fn discover_neutron_schema(&mut self) -> Result<(), DbError> {
        let rows = self.query("SHOW DATABASES", None).await?;
        let names: Vec<&str> = rows
            .iter()
            .filter_map(|row| str_field(row, "Database"))
            .collect();
        self.neutron = Some(sql::find_neutron_schema(&names)?);
        Ok(())
    }

    /// The discovered Neutron schema name (empty before discovery).
    pub fn neutron_schema(&self) -> &str {
        self.neutron.as_deref().unwrap_or("")
    }

    /// Queries sent so far.
    pub fn request_count(&self) -> u64 {
        self.queries.load(Ordering::Relaxed)
    }

    /// Runs `sql` after replacing `{neutron}` with the Neutron schema and the one `%s` with the
    /// quoted `param`. Rows come back as documents keyed by column name: integers as Int32/Int64,
    /// DATETIME as BSON dates, NULL as Null, text as strings (JSON in TEXT columns stays a string).
    pub async fn query(&self, sql: &str, param: Option<&str>) -> Result<Vec<Object>, DbError> {
        let text = sql::prepare_sql(sql, self.neutron.as_deref(), param)?;
        let query_error = |detail: String| DbError::Query {
            query: sql::first_words(sql),
            detail: scrub(&detail, &self.password),
        };
        let pool = self.pool.clone();
        self.queries.fetch_add(1, Ordering::Relaxed);
        super::metrics::record(super::metrics::Protocol::Sql);
        log::debug!(
            "SQL: {}",
            text.split_whitespace().collect::<Vec<_>>().join(" ")
        );
        let rows = tokio::task::spawn_blocking(move || -> Result<Vec<Row>, mysql::Error> {
            pool.get_conn()?.query(text)
        })
        .await
        .map_err(|e| query_error(format!("query task failed: {e}")))?
        .map_err(|e| query_error(e.to_string()))?;
        Ok(rows.into_iter().map(values::row_to_object).collect())
    }
}

/// Driver messages do not echo passwords, but make sure.
fn scrub(text: &str, password: &str) -> String {
    if password.len() >= 4 {
        text.replace(password, "********")
    } else {
        text.to_string()
    }
}
