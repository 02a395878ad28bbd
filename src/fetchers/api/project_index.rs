//! Inventory projects by id, and the id of the admin project: what networks and ports need to
//! name their project. Loaded once per fetch instead of one lookup per object.

use crate::doc::{str_field, Object};
use crate::fetchers::{FetchError, ScanContext};
use bson::doc;
use std::collections::HashMap;

#[derive(Debug, Default, Clone)]
pub struct ProjectIndex {
    names_by_id: HashMap<String, String>,
    admin_id: Option<String>,
}

impl ProjectIndex {
    /// From project documents (`id`, `name`); `admin_project` is the configured admin name.
    pub fn new(projects: &[Object], admin_project: &str) -> ProjectIndex {
        let mut index = ProjectIndex::default();
        for project in projects {
            let (Some(id), Some(name)) = (str_field(project, "id"), str_field(project, "name"))
            else {
                continue;
            };
            if name == admin_project && index.admin_id.is_none() {
                index.admin_id = Some(id.to_string());
            }
            index.names_by_id.insert(id.to_string(), name.to_string());
        }
        index
    }

    /// The projects of the scanned environment's inventory.
    pub async fn load(ctx: &ScanContext, admin_project: &str) -> Result<ProjectIndex, FetchError> {
        let projects = ctx
            .store
            .find_objects(doc! {"environment": &ctx.env.name, "type": "project"})
            .await?;
        Ok(ProjectIndex::new(&projects, admin_project))
    }

    pub fn name_of(&self, id: &str) -> Option<&str> {
        self.names_by_id.get(id).map(String::as_str)
    }

    pub fn admin_id(&self) -> Option<&str> {
        self.admin_id.as_deref()
    }
}
