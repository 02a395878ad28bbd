//! From `scan` arguments to the scan plan: root scanner, root object, child filters
//! (scan-cli.md §2).

use crate::doc::{str_field, Object};
use crate::store::{Store, StoreError};
use async_trait::async_trait;
use bson::doc;

/// The arguments the plan depends on (bare/absent options already turned into "").
#[derive(Debug, Clone, Default)]
pub struct PlanInput {
    pub env: String,
    pub object_type: String,
    pub id: String,
    pub parent_id: String,
    pub parent_type: String,
    pub scan_self: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ScanPlan {
    pub scanner: String,
    pub root: Object,
    pub child_id: Option<String>,
    pub child_type: Option<String>,
    /// A scan of the whole environment (the only kind that marks the environment `scanned`).
    pub full_environment: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("No object found with specified id: '{0}'")]
    NoObjectWithId(String),
    #[error("No match for object ID: {0}")]
    NoMatch(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Inventory lookup by `{environment, id}`; the store in production, a map in tests.
#[async_trait]
pub trait ObjectLookup: Sync {
    async fn by_id(&self, env: &str, id: &str) -> Result<Option<Object>, StoreError>;
}

#[async_trait]
impl ObjectLookup for Store {
    async fn by_id(&self, env: &str, id: &str) -> Result<Option<Object>, StoreError> {
        self.get_by_id(env, id).await
    }
}

pub async fn derive(input: &PlanInput, lookup: &dyn ObjectLookup) -> Result<ScanPlan, PlanError> {
    let env = input.env.as_str();
    let mut object_type = input.object_type.clone();
    let mut object_id = input.id.clone();
    let mut child_type = input.object_type.clone();
    let mut type_to_scan = input.parent_type.clone();
    let mut parent_id = input.parent_id.clone();
    let mut child_id = None;

    if object_type.is_empty() {
        if object_id.is_empty() {
            object_type = "environment".into();
        } else {
            let found = lookup
                .by_id(env, &object_id)
                .await?
                .ok_or_else(|| PlanError::NoObjectWithId(object_id.clone()))?;
            object_type = str_field(&found, "type").unwrap_or("").to_string();
            parent_id = str_field(&found, "parent_id").unwrap_or("").to_string();
            type_to_scan = str_field(&found, "parent_type").unwrap_or("").to_string();
            // Fix (Q3): the looked-up type also filters the children.
            child_type = object_type.clone();
        }
    }
    let full_environment = object_type == "environment" && input.id.is_empty();
    let mut class_module = object_type.clone();
    let scan_self = input.scan_self || object_type != "environment";
    let mut scanner_suffix = title_without_underscores(&object_type);
    let child_type = if !scan_self {
        None
    } else {
        child_id = Some(object_id.clone());
        object_id = parent_id;
        class_module = if type_to_scan.ends_with("_folder") {
            format!("{child_type}s_root")
        } else {
            type_to_scan.clone()
        };
        scanner_suffix = title_without_underscores(&class_module);
        Some(child_type)
    };
    let root = if class_module == "environment" {
        doc! {"id": env}
    } else {
        lookup
            .by_id(env, &object_id)
            .await?
            .ok_or(PlanError::NoMatch(object_id))?
    };
    Ok(ScanPlan {
        scanner: format!("Scan{scanner_suffix}"),
        root,
        child_id,
        child_type,
        full_environment: full_environment && !input.scan_self,
    })
}

/// Python's `str.title()` with underscores removed: `regions_folder` → `RegionsFolder`,
/// `vm2x` → `Vm2X`.
pub fn title_without_underscores(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut after_letter = false;
    for c in s.chars() {
        if c.is_alphabetic() {
            if after_letter {
                out.extend(c.to_lowercase());
            } else {
                out.extend(c.to_uppercase());
            }
            after_letter = true;
        } else {
            after_letter = false;
            if c != '_' {
                out.push(c);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    struct Map(HashMap<String, Object>);

    #[async_trait]
    impl ObjectLookup for Map {
        async fn by_id(&self, _env: &str, id: &str) -> Result<Option<Object>, StoreError> {
            Ok(self.0.get(id).cloned())
        }
    }

    fn inventory() -> Map {
        let mut m = HashMap::new();
        m.insert("E-regions".into(), doc! {"id": "E-regions", "type": "regions_folder", "parent_id": "E", "parent_type": "environment"});
        m.insert("RegionOne".into(), doc! {"id": "RegionOne", "type": "region", "parent_id": "E-regions", "parent_type": "regions_folder"});
        Map(m)
    }

    fn input(t: &str, id: &str, p: &str, pt: &str) -> PlanInput {
        PlanInput {
            env: "E".into(),
            object_type: t.into(),
            id: id.into(),
            parent_id: p.into(),
            parent_type: pt.into(),
            scan_self: false,
        }
    }

    async fn plan(i: PlanInput) -> ScanPlan {
        derive(&i, &inventory()).await.unwrap()
    }

    #[tokio::test]
    async fn worked_examples_of_the_spec() {
        let p = plan(input("environment", "", "", "")).await;
        assert_eq!(
            (p.scanner.as_str(), p.root.clone(), p.child_type, p.child_id),
            ("ScanEnvironment", doc! {"id": "E"}, None, None)
        );
        assert!(p.full_environment);

        let p = plan(input("region", "RegionOne", "E-regions", "regions_folder")).await;
        assert_eq!(p.scanner, "ScanRegionsRoot");
        assert_eq!(p.root.get_str("id").unwrap(), "E-regions");
        assert_eq!(
            (p.child_type.as_deref(), p.child_id.as_deref()),
            (Some("region"), Some("RegionOne"))
        );

        let p = plan(input("regions_folder", "E-regions", "E", "environment")).await;
        assert_eq!(
            (p.scanner.as_str(), p.root.clone()),
            ("ScanEnvironment", doc! {"id": "E"})
        );
        assert_eq!(
            (p.child_type.as_deref(), p.child_id.as_deref()),
            (Some("regions_folder"), Some("E-regions"))
        );
        assert!(!p.full_environment);

        let p = plan(input("project", "admin", "RegionOne", "Region")).await;
        assert_eq!(p.scanner, "ScanRegion");
        assert_eq!(p.root.get_str("id").unwrap(), "RegionOne");
        assert_eq!(
            (p.child_type.as_deref(), p.child_id.as_deref()),
            (Some("project"), Some("admin"))
        );
    }

    #[tokio::test]
    async fn id_without_type_uses_the_stored_object() {
        let p = plan(input("", "RegionOne", "", "")).await;
        assert_eq!(p.scanner, "ScanRegionsRoot");
        assert_eq!(p.child_type.as_deref(), Some("region"));
    }

    #[tokio::test]
    async fn plan_errors_have_the_original_texts() {
        let e = derive(&input("", "nope", "", ""), &inventory())
            .await
            .unwrap_err();
        assert_eq!(e.to_string(), "No object found with specified id: 'nope'");
        let e = derive(&input("region", "R", "missing", "region"), &inventory())
            .await
            .unwrap_err();
        assert_eq!(e.to_string(), "No match for object ID: missing");
    }

    #[test]
    fn title_case_like_python() {
        assert_eq!(title_without_underscores("regions_folder"), "RegionsFolder");
        assert_eq!(title_without_underscores("environment"), "Environment");
        assert_eq!(title_without_underscores("vm2x"), "Vm2X");
        assert_eq!(
            title_without_underscores("host_pnics_root"),
            "HostPnicsRoot"
        );
    }
}
