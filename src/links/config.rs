//! `link_finders.json` (scanner.md §2.2): the embedded opnfv copy, or
//! `<app_path>/config/link_finders.json` when that file exists.

use super::finders::Finder;
use super::LinkError;
use crate::config::Environment;
use serde_json::Value;
use std::path::Path;

const EMBEDDED: &str = include_str!("../../data/config/link_finders.json");
const BASE_FINDER: &str = "FindLinks";

/// The finders to run, in order, for this environment.
pub fn finders_for(env: &Environment) -> Result<Vec<Finder>, LinkError> {
    let path = Path::new(&env.app_path())
        .join("config")
        .join("link_finders.json");
    if path.is_file() {
        log::info!("using link finders from {}", path.display());
        let text = std::fs::read_to_string(&path).map_err(|e| {
            LinkError::Config(format!(
                "Couldn't load metadata file {}: {e}",
                path.display()
            ))
        })?;
        parse(&text, &path.display().to_string())
    } else {
        log::info!(
            "using the built-in link_finders.json ({} not found)",
            path.display()
        );
        parse(EMBEDDED, "built-in link_finders.json")
    }
}

/// Validates the file with the original's messages.
pub fn parse(text: &str, origin: &str) -> Result<Vec<Finder>, LinkError> {
    let value: Value =
        serde_json::from_str(text).map_err(|e| LinkError::Config(format!("{origin}: {e}")))?;
    let Value::Object(map) = value else {
        return Err(LinkError::Config(
            "metadata needs to be a valid dict".into(),
        ));
    };
    if ["finders_package", "base_finder", "link_finders"]
        .iter()
        .any(|k| !map.contains_key(*k))
    {
        return Err(LinkError::Config(
            "Metadata json should contain all the following fields: finders_package, base_finder, link_finders".into(),
        ));
    }
    let base = map["base_finder"].as_str().unwrap_or_default();
    if base != BASE_FINDER {
        return Err(LinkError::Config(format!(
            "Couldn't create base link finder instancefor class name '{base}'"
        )));
    }
    let Value::Array(names) = &map["link_finders"] else {
        return Err(LinkError::Config(format!(
            "{origin}: link_finders must be a list"
        )));
    };
    names
        .iter()
        .map(|n| {
            let name = n.as_str().unwrap_or_default();
            Finder::from_class_name(name).ok_or_else(|| {
                LinkError::Config(format!("Failed to import link finder class \"{name}\""))
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_file_lists_every_finder_in_order() {
        assert_eq!(parse(EMBEDDED, "x").unwrap(), Finder::ALL.to_vec());
    }

    #[test]
    fn validation_messages() {
        let err = |t: &str| parse(t, "f").unwrap_err().to_string();
        assert_eq!(
            err(r#"{"base_finder": "FindLinks"}"#),
            "Metadata json should contain all the following fields: finders_package, base_finder, link_finders"
        );
        assert_eq!(
            err(r#"{"finders_package": "p", "base_finder": "X", "link_finders": []}"#),
            "Couldn't create base link finder instancefor class name 'X'"
        );
        assert_eq!(
            err(
                r#"{"finders_package": "p", "base_finder": "FindLinks", "link_finders": ["Nope"]}"#
            ),
            "Failed to import link finder class \"Nope\""
        );
        assert_eq!(err("[]"), "metadata needs to be a valid dict");
    }
}
