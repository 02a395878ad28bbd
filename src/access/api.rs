//! OpenStack API access (fetchers.md §2.1). STUB: to be implemented.

use crate::config::Environment;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("OpenStack API: {0}")]
    Other(String),
}

pub struct ApiAccess {}

impl ApiAccess {
    /// Authenticates for the admin project (the first external call of a scan).
    pub async fn connect(_env: &Environment) -> Result<ApiAccess, ApiError> {
        Err(ApiError::Other("not implemented".into()))
    }
}
