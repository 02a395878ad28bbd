//! From fetched object to inventory document (scanner.md §6). Completing an object is separate
//! from writing it, so the engine can write the children of one scanner entry in one batch.

use crate::doc::{id_string, str_field, truthy, Object};
use crate::store::{identity, Store, StoreError};
use bson::{doc, Bson};
use std::collections::HashMap;
use std::sync::Mutex;

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

/// A completed object and what must be written for it.
#[derive(Debug)]
pub enum Completed {
    /// `folder` is the dynamic folder to write first; `write` is false for `create_object: false`
    /// (not written, but still a child to queue).
    Child { folder: Option<Object>, write: bool },
    /// Dropped because its master parent is not in the inventory.
    MasterParentMissing,
}

/// `id_path`/`name_path` of inventory objects by id: the ones written during this run from
/// memory, the others from the store (the original's `get_by_id`: any type, first match).
pub struct Paths<'a> {
    store: &'a Store,
    env: &'a str,
    known: Mutex<HashMap<String, (String, String)>>,
}

impl<'a> Paths<'a> {
    pub fn new(store: &'a Store, env: &'a str) -> Self {
        Paths {
            store,
            env,
            known: Mutex::new(HashMap::new()),
        }
    }

    pub async fn of(&self, id: &str) -> Result<Option<(String, String)>, StoreError> {
        if let Some(p) = self.known.lock().ok().and_then(|k| k.get(id).cloned()) {
            return Ok(Some(p));
        }
        Ok(self.store.get_by_id(self.env, id).await?.and_then(|doc| {
            Some((
                str_field(&doc, "id_path")?.to_string(),
                str_field(&doc, "name_path")?.to_string(),
            ))
        }))
    }

    /// Remembers an object as soon as it is completed for writing: the original wrote each
    /// object at once, so later objects of the same fetch (and their folders) already found it.
    /// The latest write of an id wins, as in the store.
    pub fn remember(&self, obj: &Object) {
        let id = str_field(obj, "id");
        let paths = (str_field(obj, "id_path"), str_field(obj, "name_path"));
        if let (Some(id), (Some(i), Some(n))) = (id, paths) {
            if let Ok(mut known) = self.known.lock() {
                known.insert(id.to_string(), (i.to_string(), n.to_string()));
            }
        }
    }
}

/// Completes `obj` in place: id, environment, type, name, parent linkage, paths, dynamic folder.
pub async fn complete_object(
    paths: &Paths<'_>,
    env: &str,
    entry_type: &str,
    parent: &Object,
    obj: &mut Object,
) -> Result<Completed, SaveError> {
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

    let mut folder = None;
    if obj.contains_key("master_parent_type") {
        match dynamic_folder(paths, env, parent, obj).await? {
            Some(f) => {
                paths.remember(&f);
                folder = Some(f);
            }
            None => return Ok(Completed::MasterParentMissing),
        }
        obj.remove("master_parent_type");
        obj.remove("master_parent_id");
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
            if let Some((i, n)) = paths.of(&own_parent).await? {
                parent_id_path = i;
                parent_name_path = n;
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
    let write = obj.get("create_object").is_none_or(|v| truthy(Some(v)));
    if write {
        identity(obj)?;
        paths.remember(obj);
    }
    Ok(Completed::Child { folder, write })
}

/// The folder between the master parent and `obj`, or `None` when the master parent is not in
/// the inventory.
async fn dynamic_folder(
    paths: &Paths<'_>,
    env: &str,
    parent: &Object,
    obj: &Object,
) -> Result<Option<Object>, SaveError> {
    let master_type = str_field(obj, "master_parent_type").unwrap_or("");
    let master_id = obj
        .get("master_parent_id")
        .and_then(id_string)
        .unwrap_or_default();
    let (master_id_path, master_name_path) = if master_type == "environment" {
        (format!("/{env}"), format!("/{env}"))
    } else {
        match paths.of(&master_id).await? {
            Some(p) => p,
            None => {
                log::error!(target: "calipso::store", "failed to find master parent {master_id}");
                return Ok(None);
            }
        }
    };
    let folder_id = obj.get("parent_id").and_then(id_string).unwrap_or_default();
    let text = obj
        .get("parent_text")
        .and_then(id_string)
        .unwrap_or_default();
    Ok(Some(doc! {
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
    }))
}
