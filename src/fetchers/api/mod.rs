//! Fetchers backed by the api access layer.

use super::Fetcher;

/// The fetcher of this family named `name` in `scanners.json`.
pub fn create(name: &str) -> Option<Box<dyn Fetcher>> {
    match name {
        _ => None,
    }
}
