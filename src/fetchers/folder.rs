//! The inline folder fetcher of `scanners.json` (scanner.md §3).

use super::{FetchError, Fetcher, ScanContext};
use crate::doc::{capitalize, Object};
use async_trait::async_trait;
use bson::doc;

#[derive(Debug, Clone)]
pub struct FolderFetcher {
    pub types_name: String,
    pub parent_type: String,
    pub text: Option<String>,
}

impl FolderFetcher {
    pub fn folder_for(&self, parent_id: &str) -> Object {
        let id = format!("{parent_id}-{}", self.types_name);
        let text = match &self.text {
            Some(t) if !t.is_empty() => t.clone(),
            _ => capitalize(&self.types_name),
        };
        doc! {
            "id": &id,
            "name": &id,
            "text": text,
            "type": format!("{}_folder", self.types_name),
            "parent_id": parent_id,
            "parent_type": &self.parent_type,
            "create_object": true,
        }
    }
}

#[async_trait]
impl Fetcher for FolderFetcher {
    async fn get(&self, parent_id: &str, _ctx: &ScanContext) -> Result<Vec<Object>, FetchError> {
        Ok(vec![self.folder_for(parent_id)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_text_defaults_to_capitalized_name() {
        let f = FolderFetcher {
            types_name: "network_agents".into(),
            parent_type: "host".into(),
            text: None,
        };
        let o = f.folder_for("h");
        assert_eq!(o.get_str("id").unwrap(), "h-network_agents");
        assert_eq!(o.get_str("text").unwrap(), "Network_agents");
        assert_eq!(o.get_str("type").unwrap(), "network_agents_folder");
    }
}
