//! Template selection and placeholders (monitoring.md §3.1, §3.2).

use super::MonitoringError;
use crate::store::Store;
use bson::{Bson, Document};
use std::collections::HashMap;

/// Values substituted for `{name}` placeholders.
pub type Values = HashMap<String, String>;

/// `prepare(type, side)`: the merged `config` of the matching templates, placeholders
/// substituted. `None` when a template's condition fails (the original's `{}` result).
pub async fn prepare(
    store: &Store,
    env_doc: &Document,
    file_type: &str,
    side: &str,
    values: &Values,
) -> Result<Option<Document>, MonitoringError> {
    let templates = store.monitoring_templates(side, file_type).await?;
    let mut config = Document::new();
    for template in &templates {
        if let Some(condition) = template.get("condition") {
            if !condition_holds(condition, env_doc) {
                return Ok(None);
            }
        }
        if let Ok(part) = template.get_document("config") {
            for (k, v) in part {
                config.insert(k.clone(), v.clone());
            }
        }
    }
    substitute_doc(&config, values)
        .map(Some)
        .map_err(|name| MonitoringError::Placeholder {
            template: file_type.to_string(),
            name,
        })
}

/// Every key of the condition map: the required values and the environment's must share one.
fn condition_holds(condition: &Bson, env_doc: &Document) -> bool {
    let Some(condition) = condition.as_document() else {
        log::error!("incorrect condition in monitoring (): condition must be a dict");
        return false;
    };
    condition.iter().all(|(key, required)| {
        let actual = as_list(env_doc.get(key));
        as_list(Some(required)).iter().any(|r| actual.contains(r))
    })
}

fn as_list(value: Option<&Bson>) -> Vec<Bson> {
    match value {
        None | Some(Bson::Null) => Vec::new(),
        Some(Bson::Array(items)) => items.clone(),
        Some(other) => vec![other.clone()],
    }
}

/// Substitutes every string key and value below `doc`; `Err(name)` on an unknown or
/// unsupported placeholder.
fn substitute_doc(doc: &Document, values: &Values) -> Result<Document, String> {
    doc.iter()
        .map(|(k, v)| Ok((format_map(k, values)?, substitute(v, values)?)))
        .collect()
}

fn substitute(value: &Bson, values: &Values) -> Result<Bson, String> {
    Ok(match value {
        Bson::String(s) => Bson::String(format_map(s, values)?),
        Bson::Document(d) => Bson::Document(substitute_doc(d, values)?),
        Bson::Array(items) => Bson::Array(
            items
                .iter()
                .map(|i| substitute(i, values))
                .collect::<Result<_, _>>()?,
        ),
        other => other.clone(),
    })
}

/// Python's `str.format_map` for plain names: `{name}`, `{{`, `}}`. Format specs, conversions,
/// attribute and index lookups are refused (`Err` names the field).
pub fn format_map(text: &str, values: &Values) -> Result<String, String> {
    if !text.contains('{') && !text.contains('}') {
        return Ok(text.to_string());
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                out.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                out.push('}');
            }
            '}' => return Err("}".into()),
            '{' => {
                let mut name = String::new();
                loop {
                    match chars.next() {
                        Some('}') => break,
                        Some(ch) => name.push(ch),
                        None => return Err(format!("{{{name}")),
                    }
                }
                let plain = !name.is_empty()
                    && name
                        .chars()
                        .all(|ch| ch.is_alphanumeric() || ch == '_' || ch == '-');
                match values.get(&name) {
                    Some(v) if plain => out.push_str(v),
                    _ => return Err(name),
                }
            }
            _ => out.push(c),
        }
    }
    Ok(out)
}

/// `str(value)` of a configuration value as Python prints it.
pub fn python_str(value: &Bson) -> Option<String> {
    Some(match value {
        Bson::String(s) => s.clone(),
        Bson::Int32(i) => i.to_string(),
        Bson::Int64(i) => i.to_string(),
        Bson::Double(f) => format!("{f:?}"),
        Bson::Boolean(true) => "True".into(),
        Bson::Boolean(false) => "False".into(),
        Bson::Null => "None".into(),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_map_plain_names_and_braces() {
        let values: Values = [("a".to_string(), "1".to_string())].into();
        assert_eq!(format_map("x{a}y", &values).unwrap(), "x1y");
        assert_eq!(format_map("{{a}}", &values).unwrap(), "{a}");
        assert_eq!(format_map("{b}", &values).unwrap_err(), "b");
        assert_eq!(format_map("{a:>3}", &values).unwrap_err(), "a:>3");
        assert!(format_map("a}", &values).is_err());
    }

    #[test]
    fn conditions_intersect_lists() {
        let env = bson::doc! {"mechanism_drivers": ["OVS"]};
        assert!(condition_holds(
            &Bson::Document(bson::doc! {"mechanism_drivers": ["OVS", "LXB"]}),
            &env
        ));
        assert!(!condition_holds(
            &Bson::Document(bson::doc! {"mechanism_drivers": ["VPP"]}),
            &env
        ));
        assert!(!condition_holds(&Bson::String("x".into()), &env));
    }
}
