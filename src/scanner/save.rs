//! From fetched object to inventory document (scanner.md §6).

use crate::doc::{id_string, str_field, truthy, Object};
use crate::store::{Store, StoreError};
use bson::{doc, Bson};

#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    /// The original's ValueError path: the remaining entries of this scanner for this parent are
    /// skipped, the run goes on.
    #[error("{0}")]
    Value(String),
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for SaveError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::MissingField(_) => SaveError::Value(e.to_string()),
            other => SaveError::Store(other),
        }
    }
}

/// What became of one fetched object.
#[derive(Debug, PartialEq, Eq)]
pub enum Saved {
    /// Written (or, with `create_object: false`, accepted without a write): a child to queue.
    Yes,
    /// Dropped because its master parent is not in the inventory.
    MasterParentMissing,
}

/// Completes `obj` (modified in place, as the queue needs it) and writes it.
pub async fn save_object(
    store: &Store,
    env: &str,
    entry_type: &str,
    parent: &Object,
    obj: &mut Object,
) -> Result<Saved, SaveError> {
    let id = match obj.get("id").and_then(id_string) {
        Some(id) => id,
        None => {
            return Err(SaveError::Value(format!(
                "object of type {entry_type} has no id"
            )))
        }
    };
    obj.insert("id", id.clone());
    obj.insert("environment", env);
    obj.insert("type", entry_type);
    obj.insert("show_in_tree", true);
    let root = format!("/{env}");
    let mut parent_id_path = str_field(parent, "id_path").unwrap_or(&root).to_string();
    let mut parent_name_path = str_field(parent, "name_path").unwrap_or(&root).to_string();

    if obj.contains_key("master_parent_type") {
        match save_dynamic_folder(store, env, parent, obj).await? {
            true => {
                obj.remove("master_parent_type");
                obj.remove("master_parent_id");
            }
            false => return Ok(Saved::MasterParentMissing),
        }
    }

    let text = str_field(obj, "text").unwrap_or("").to_string();
    if !text.is_empty() {
        obj.insert("name", text);
    } else if !truthy(obj.get("name")) {
        obj.insert("name", id.clone());
    }

    let scanning_parent_id = parent.get("id").and_then(id_string).unwrap_or_default();
    match obj.get("parent_id").and_then(id_string) {
        None if !parent.is_empty() => {
            obj.insert("parent_id", scanning_parent_id);
            obj.insert(
                "parent_type",
                parent.get("type").cloned().unwrap_or(Bson::Null),
            );
        }
        Some(own_parent) if own_parent != scanning_parent_id => {
            // Alternate parent: paths hang below that object when it exists (else keep ours).
            if let Some(alt) = store.get_by_id(env, &own_parent).await? {
                if let (Some(i), Some(n)) =
                    (str_field(&alt, "id_path"), str_field(&alt, "name_path"))
                {
                    parent_id_path = i.to_string();
                    parent_name_path = n.to_string();
                }
            }
        }
        _ => {}
    }
    let name = obj.get("name").and_then(id_string).unwrap_or_default();
    obj.insert("id_path", format!("{parent_id_path}/{}", id.trim()));
    obj.insert("name_path", format!("{parent_name_path}/{name}"));

    // `in_project-<name>` keys are consumed here; the original never stores the list they form.
    let project_keys: Vec<String> = obj
        .keys()
        .filter(|k| k.starts_with("in_project-"))
        .cloned()
        .collect();
    for key in project_keys {
        obj.remove(&key);
    }

    if obj.get("create_object").map_or(true, |v| truthy(Some(v))) {
        store.upsert_object(obj).await?;
    }
    Ok(Saved::Yes)
}

/// Creates or refreshes the folder between the master parent and `obj`; false when the master
/// parent is not in the inventory.
async fn save_dynamic_folder(
    store: &Store,
    env: &str,
    parent: &Object,
    obj: &Object,
) -> Result<bool, SaveError> {
    let master_type = str_field(obj, "master_parent_type").unwrap_or("");
    let master_id = obj
        .get("master_parent_id")
        .and_then(id_string)
        .unwrap_or_default();
    let (master_id_path, master_name_path) = if master_type == "environment" {
        (format!("/{env}"), format!("/{env}"))
    } else {
        match store.get_by_id(env, &master_id).await? {
            Some(m) => (
                str_field(&m, "id_path").unwrap_or("").to_string(),
                str_field(&m, "name_path").unwrap_or("").to_string(),
            ),
            None => {
                log::error!(target: "calipso::store", "failed to find master parent {master_id}");
                return Ok(false);
            }
        }
    };
    let folder_id = obj.get("parent_id").and_then(id_string).unwrap_or_default();
    let text = obj
        .get("parent_text")
        .and_then(id_string)
        .unwrap_or_default();
    let mut folder = doc! {
        "environment": str_field(parent, "environment").unwrap_or(env),
        "id": &folder_id,
        "type": obj.get("parent_type").cloned().unwrap_or(Bson::Null),
        "parent_id": &master_id,
        "parent_type": master_type,
        "text": &text,
        "name": &folder_id,
        "show_in_tree": true,
        "id_path": format!("{master_id_path}/{folder_id}"),
        "name_path": format!("{master_name_path}/{text}"),
    };
    store.upsert_object(&mut folder).await?;
    Ok(true)
}
