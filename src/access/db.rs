//! OpenStack MySQL access (fetchers.md §2.2). STUB: to be implemented.

use crate::config::Environment;

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
}
