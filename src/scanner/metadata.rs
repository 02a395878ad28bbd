//! `scanners.json`: loading and validation with the original's messages (scanner.md §2.1).

use crate::fetchers::folder::FolderFetcher;
use crate::fetchers::registry;
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// The shipped scan tree; `<app_path>/config/scanners.json` overrides it when present.
const EMBEDDED_SCANNERS: &str = include_str!("../../data/config/scanners.json");

#[derive(Debug, thiserror::Error)]
pub enum MetadataError {
    #[error("Extension '{0}' is not supported. Please provide a .json metadata file.")]
    Extension(String),
    #[error("reading metadata file {path}: {detail}")]
    Read { path: PathBuf, detail: String },
    #[error("metadata file {source_name}: {detail}")]
    Json { source_name: String, detail: String },
    #[error("metadata needs to be a valid dict")]
    NotAnObject,
    #[error("Metadata json should contain all the following fields: scanners_package, scanners")]
    MissingFields,
    #[error("scanner {0}: could not find types list in DB")]
    NoTypesList(String),
    #[error("Errors encountered during metadata file parsing:\n{}", .0.join("\n"))]
    Invalid(Vec<String>),
}

#[derive(Debug, Clone)]
pub enum FetcherSpec {
    Named(String),
    Folder(FolderFetcher),
}

impl FetcherSpec {
    pub fn label(&self) -> String {
        match self {
            FetcherSpec::Named(n) => n.clone(),
            FetcherSpec::Folder(f) => format!("FolderFetcher({})", f.types_name),
        }
    }
}

/// One type entry of a scanner.
#[derive(Debug, Clone)]
pub struct TypeEntry {
    pub object_type: String,
    pub fetcher: FetcherSpec,
    pub children_scanner: Option<String>,
    pub environment_condition: Option<Map<String, Value>>,
    /// Field of a saved child whose value its children receive (default `id`).
    pub child_id_field: String,
}

/// The validated scan tree, scanners in file order.
#[derive(Debug, Clone)]
pub struct ScannerTree {
    scanners: Vec<(String, Vec<TypeEntry>)>,
    pub source: String,
}

impl ScannerTree {
    pub fn get(&self, name: &str) -> Option<&[TypeEntry]> {
        self.scanners
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, e)| e.as_slice())
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.scanners.iter().map(|(n, _)| n.as_str())
    }

    /// Loads `<app_path>/config/scanners.json` if it exists, else the embedded copy, and
    /// validates it. `object_types` is the `scan_object_types` constants list (None when that
    /// constants document is missing).
    pub fn load(
        app_path: &str,
        object_types: Option<&[String]>,
    ) -> Result<ScannerTree, MetadataError> {
        let path = Path::new(app_path).join("config").join("scanners.json");
        if path.is_file() {
            log::info!("using scanners metadata from {}", path.display());
            let text = std::fs::read_to_string(&path).map_err(|e| MetadataError::Read {
                path: path.clone(),
                detail: e.to_string(),
            })?;
            Self::parse(&path.display().to_string(), &text, object_types)
        } else {
            log::debug!(
                "using the built-in scanners metadata ({} not found)",
                path.display()
            );
            Self::parse("built-in scanners.json", EMBEDDED_SCANNERS, object_types)
        }
    }

    pub fn load_file(
        path: &Path,
        object_types: Option<&[String]>,
    ) -> Result<ScannerTree, MetadataError> {
        let ext = path
            .to_string_lossy()
            .rsplit_once('.')
            .map(|(_, e)| e.to_string())
            .unwrap_or_default();
        if ext != "json" {
            return Err(MetadataError::Extension(ext));
        }
        let text = std::fs::read_to_string(path).map_err(|e| MetadataError::Read {
            path: path.to_path_buf(),
            detail: e.to_string(),
        })?;
        Self::parse(&path.display().to_string(), &text, object_types)
    }

    pub fn parse(
        source: &str,
        text: &str,
        object_types: Option<&[String]>,
    ) -> Result<ScannerTree, MetadataError> {
        let value: Value = serde_json::from_str(text).map_err(|e| MetadataError::Json {
            source_name: source.to_string(),
            detail: e.to_string(),
        })?;
        let top = value.as_object().ok_or(MetadataError::NotAnObject)?;
        let scanners = match (top.get("scanners_package"), top.get("scanners")) {
            (Some(_), Some(Value::Object(s))) => s,
            (Some(_), Some(_)) => return Err(MetadataError::NotAnObject),
            _ => return Err(MetadataError::MissingFields),
        };
        let mut errors = Vec::new();
        if scanners.is_empty() {
            errors.push("no scanners found in scanners list".to_string());
        }
        let mut tree = Vec::new();
        for (name, entries) in scanners {
            let mut parsed = Vec::new();
            for (i, entry) in entries
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or(&[])
                .iter()
                .enumerate()
            {
                if let Some(e) =
                    parse_entry(name, i + 1, entry, scanners, object_types, &mut errors)?
                {
                    parsed.push(e);
                }
            }
            tree.push((name.clone(), parsed));
        }
        if errors.is_empty() {
            Ok(ScannerTree {
                scanners: tree,
                source: source.to_string(),
            })
        } else {
            Err(MetadataError::Invalid(errors))
        }
    }
}

const ALLOWED_KEYS: [&str; 5] = [
    "type",
    "fetcher",
    "children_scanner",
    "environment_condition",
    "object_id_to_use_in_child",
];

fn parse_entry(
    scanner: &str,
    i: usize,
    entry: &Value,
    scanners: &Map<String, Value>,
    object_types: Option<&[String]>,
    errors: &mut Vec<String>,
) -> Result<Option<TypeEntry>, MetadataError> {
    let empty = Map::new();
    let entry = entry.as_object().unwrap_or(&empty);
    let before = errors.len();
    for key in entry.keys().filter(|k| k.as_str() != "_comment") {
        if !ALLOWED_KEYS.contains(&key.as_str()) {
            errors.push(format!(
                "unknown attribute {key} in scanner {scanner}, type #{i}"
            ));
        }
    }
    for key in ["type", "fetcher"] {
        if !entry.contains_key(key) {
            errors.push(format!(
                "scanner {scanner}, type #{i}: missing attribute \"{key}\""
            ));
        }
    }
    if errors.len() > before {
        return Ok(None);
    }
    let object_type = entry
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let types = object_types.ok_or_else(|| MetadataError::NoTypesList(scanner.to_string()))?;
    if !types.contains(&object_type) {
        errors.push(format!(
            "scanner {scanner}: value not in types: {object_type}"
        ));
    }
    let fetcher = parse_fetcher(scanner, i, entry.get("fetcher"), errors);
    let children_scanner = match entry.get("children_scanner") {
        None => None,
        Some(Value::String(s)) if scanners.contains_key(s) => Some(s.clone()),
        Some(Value::String(s)) => {
            errors.push(format!(
                "scanner {scanner} type #{i}: children_scanner {s} not found "
            ));
            None
        }
        Some(_) => {
            errors.push(format!(
                "scanner {scanner} type #{i}: children_scanner must be a string"
            ));
            None
        }
    };
    let environment_condition = match entry.get("environment_condition") {
        None => None,
        Some(Value::Object(c)) => Some(c.clone()),
        Some(_) => {
            errors.push(format!(
                "scanner {scanner} type #{i}: condition must be dict"
            ));
            None
        }
    };
    let child_id_field = entry
        .get("object_id_to_use_in_child")
        .and_then(Value::as_str)
        .unwrap_or("id")
        .to_string();
    Ok(fetcher.map(|fetcher| TypeEntry {
        object_type,
        fetcher,
        children_scanner,
        environment_condition,
        child_id_field,
    }))
}

fn parse_fetcher(
    scanner: &str,
    i: usize,
    value: Option<&Value>,
    errors: &mut Vec<String>,
) -> Option<FetcherSpec> {
    match value {
        None | Some(Value::Null) => {
            errors.push(format!(
                "missing or empty fetcher in scanner {scanner} type #{i}"
            ));
            None
        }
        Some(Value::String(s)) if s.is_empty() => {
            errors.push(format!(
                "missing or empty fetcher in scanner {scanner} type #{i}"
            ));
            None
        }
        Some(Value::String(name)) if registry::is_known(name) => {
            Some(FetcherSpec::Named(name.clone()))
        }
        Some(Value::String(name)) => {
            errors.push(format!(
                "failed to find fetcher class {name} in scanner {scanner} type #{i} (no such fetcher in this version)"
            ));
            None
        }
        Some(Value::Object(o)) if o.is_empty() => {
            errors.push(format!(
                "missing or empty fetcher in scanner {scanner} type #{i}"
            ));
            None
        }
        Some(Value::Object(o)) if o.get("folder").is_some_and(json_truthy) => {
            let field = |k: &str| o.get(k).and_then(Value::as_str).map(str::to_string);
            match (field("types_name"), field("parent_type")) {
                (Some(types_name), Some(parent_type)) => Some(FetcherSpec::Folder(FolderFetcher {
                    types_name,
                    parent_type,
                    text: field("text"),
                })),
                _ => {
                    errors.push(format!(
                        "scanner {scanner} type #{i}: folder fetcher needs types_name and parent_type"
                    ));
                    None
                }
            }
        }
        Some(Value::Object(_)) => {
            errors.push(format!(
                "scanner {scanner} type #{i}: only folder dict accepted in fetcher"
            ));
            None
        }
        Some(_) => {
            errors.push(format!(
                "incorrect type of fetcher for scanner {scanner} type #{i}"
            ));
            None
        }
    }
}

fn json_truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64() != Some(0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn types() -> Vec<String> {
        let constants: Value =
            serde_json::from_str(include_str!("../../data/seed/constants.json")).unwrap();
        let doc = constants
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["name"] == "scan_object_types")
            .unwrap();
        doc["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["value"].as_str().unwrap().to_string())
            .collect()
    }

    #[test]
    fn shipped_tree_is_valid_and_ordered() {
        let t = types();
        let tree = ScannerTree::parse("x", EMBEDDED_SCANNERS, Some(&t)).unwrap();
        assert_eq!(tree.names().count(), 27);
        let host = tree.get("ScanHost").unwrap();
        assert_eq!(host.len(), 8);
        assert_eq!(host[0].object_type, "vservices_folder");
        assert_eq!(host[0].children_scanner, None);
        let projects = tree.get("ScanProjectsRoot").unwrap();
        assert_eq!(projects[0].child_id_field, "name");
    }

    #[test]
    fn errors_are_collected_with_the_original_texts() {
        let t = types();
        let text = r#"{"scanners_package": "x", "scanners": {
            "ScanA": [{"type": "host", "fetcher": "NoSuch"},
                      {"type": "bogus", "fetcher": {"folder": true, "types_name": "x", "parent_type": "host"}},
                      {"type": "host", "fetcher": {"a": 1}},
                      {"fetcher": "ApiFetchRegions", "extra": 1},
                      {"type": "host", "fetcher": 5, "children_scanner": "Nope", "environment_condition": []}]}}"#;
        let err = ScannerTree::parse("x", text, Some(&t))
            .unwrap_err()
            .to_string();
        for expected in [
            "Errors encountered during metadata file parsing:",
            "failed to find fetcher class NoSuch in scanner ScanA type #1",
            "scanner ScanA: value not in types: bogus",
            "scanner ScanA type #3: only folder dict accepted in fetcher",
            "unknown attribute extra in scanner ScanA, type #4",
            "scanner ScanA, type #4: missing attribute \"type\"",
            "incorrect type of fetcher for scanner ScanA type #5",
            "scanner ScanA type #5: children_scanner Nope not found ",
            "scanner ScanA type #5: condition must be dict",
        ] {
            assert!(err.contains(expected), "missing {expected:?} in {err}");
        }
    }

    #[test]
    fn top_level_shape_errors() {
        assert_eq!(
            ScannerTree::parse("x", "{}", None).unwrap_err().to_string(),
            "Metadata json should contain all the following fields: scanners_package, scanners"
        );
        assert_eq!(
            ScannerTree::parse("x", "[]", None).unwrap_err().to_string(),
            "metadata needs to be a valid dict"
        );
        let no_types = r#"{"scanners_package": "x", "scanners": {"S": [{"type": "host", "fetcher": "ApiFetchRegions"}]}}"#;
        assert_eq!(
            ScannerTree::parse("x", no_types, None)
                .unwrap_err()
                .to_string(),
            "scanner S: could not find types list in DB"
        );
        assert!(
            matches!(ScannerTree::load_file(Path::new("a.yaml"), None), Err(MetadataError::Extension(e)) if e == "yaml")
        );
    }
}
