//! OpenStack MySQL access (fetchers.md §2.2). STUB: to be implemented.

use crate::config::Environment;
use crate::doc::Object;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("MySQL: {0}")]
    Other(String),
}

pub struct DbAccess {}

impl DbAccess {
    /// Connects and discovers the Neutron schema (`SHOW DATABASES`).
    pub async fn connect(_env: &Environment) -> Result<DbAccess, DbError> {
        Err(DbError::Other("not implemented".into()))
    }

    /// The discovered Neutron schema name.
    pub fn neutron_schema(&self) -> &str {
        "neutron"
    }

    /// Runs `sql` after replacing `{neutron}` with the Neutron schema and the one `%s` with the
    /// quoted `param`. Rows come back as documents keyed by column name: integers as Int32/Int64,
    /// DATETIME as BSON dates, NULL as Null, text as strings (JSON in TEXT columns stays a string).
    pub async fn query(&self, _sql: &str, _param: Option<&str>) -> Result<Vec<Object>, DbError> {
        Err(DbError::Other("not implemented".into()))
    }
}
