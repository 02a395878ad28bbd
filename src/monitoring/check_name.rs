//! Sensu check names back to Calipso objects (monitoring.md §7 "Name parsing"): the inverse
//! of the names [`super::checks`] builds.

use regex::Regex;
use std::sync::OnceLock;

/// `dec(s)`: every `---..<code>..---` becomes the character with that decimal code.
pub fn dec(s: &str) -> String {
    static CODE: OnceLock<Regex> = OnceLock::new();
    let re = CODE.get_or_init(|| Regex::new(r"---\.\.([0-9]+)\.\.---").expect("valid regex"));
    re.replace_all(s, |c: &regex::Captures| {
        c[1].parse::<u32>()
            .ok()
            .and_then(char::from_u32)
            .map(String::from)
            .unwrap_or_else(|| c[0].to_string())
    })
    .into_owned()
}

/// What a check is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// An inventory object: its type and id (still encoded, as in the name).
    Object { object_type: String, id: String },
    /// A link: type, source id and target id (decoded).
    Link {
        link_type: String,
        source_id: String,
        target_id: String,
    },
}

/// Splits `<type>_<rest>` (longest matching type wins) or `link_<link type>_<source>_<target>`.
pub fn parse(name: &str, object_types: &[String], link_types: &[String]) -> Result<Target, String> {
    if let Some(rest) = name.strip_prefix("link_") {
        let (link_type, ids) = longest_prefix(rest, link_types)
            .ok_or_else(|| format!("Unable to match check name \"{name}\" with link type"))?;
        let (source, target) = ids
            .split_once('_')
            .ok_or_else(|| format!("Unable to match check name \"{name}\" with link type"))?;
        return Ok(Target::Link {
            link_type,
            source_id: dec(source),
            target_id: dec(target),
        });
    }
    let (object_type, id) = longest_prefix(name, object_types)
        .ok_or_else(|| format!("Unable to match check name \"{name}\" with object type"))?;
    Ok(Target::Object { object_type, id })
}

/// The longest `t` of `types` such that `text` starts with `t_`, and what follows.
fn longest_prefix(text: &str, types: &[String]) -> Option<(String, String)> {
    types
        .iter()
        .filter(|t| {
            text.len() > t.len() + 1
                && text.starts_with(t.as_str())
                && text[t.len()..].starts_with('_')
        })
        .max_by_key(|t| t.len())
        .map(|t| (t.clone(), text[t.len() + 1..].to_string()))
}

/// The inventory id a check of `object_type` names (`id` as found in the check name).
pub fn object_id(object_type: &str, id: &str) -> String {
    match object_type {
        "vnic" => {
            let rest = id
                .strip_prefix("instance_vnic_")
                .or_else(|| id.strip_prefix("vservice_vnic_"))
                .unwrap_or(id);
            dec(rest)
        }
        _ => dec(id),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn types(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn names_to_targets() {
        let objects = types(&["host", "host_pnic", "vnic", "otep", "vservice"]);
        let links = types(&["vnic-vconnector", "vedge-host_pnic"]);
        assert_eq!(
            parse("host_pnic_eno1-00---..58..---50", &objects, &links).unwrap(),
            Target::Object {
                object_type: "host_pnic".into(),
                id: "eno1-00---..58..---50".into()
            }
        );
        assert_eq!(dec("eno1-00---..58..---50---..47..---x"), "eno1-00:50/x");
        assert_eq!(
            parse(
                "link_vnic-vconnector_tap1_node-6.lab-qbr1",
                &objects,
                &links
            )
            .unwrap(),
            Target::Link {
                link_type: "vnic-vconnector".into(),
                source_id: "tap1".into(),
                target_id: "node-6.lab-qbr1".into()
            }
        );
        assert_eq!(
            parse("router_x", &objects, &links).unwrap_err(),
            "Unable to match check name \"router_x\" with object type"
        );
        assert_eq!(object_id("vnic", "instance_vnic_fa---..58..---16"), "fa:16");
    }
}
