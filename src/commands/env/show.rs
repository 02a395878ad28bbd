//! `calipso env export` and `calipso env list`: reading environments back.

use super::{EXIT_INVALID, EXIT_MONGO};
use crate::commands::common::MongoArgs;
use crate::config::env_validate::mask_secrets;
use crate::doc::doc_to_json;
use crate::output::aligned;
use crate::store::{Logical, Store};
use bson::{doc, Bson, Document};
use clap::Args;
use std::path::{Path, PathBuf};

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// Only this environment.
    #[arg(short = 'e', long = "env")]
    pub env: Option<String>,
    /// Write to this file instead of stdout.
    #[arg(short = 'o', long = "output")]
    pub output: Option<PathBuf>,
    /// Print passwords and tokens as stored (otherwise "********").
    #[arg(long)]
    pub with_secrets: bool,
    #[command(flatten)]
    pub mongo: MongoArgs,
}

#[derive(Args, Debug)]
pub struct ListArgs {
    #[command(flatten)]
    pub mongo: MongoArgs,
}

async fn connect(mongo: &MongoArgs) -> Result<Store, u8> {
    mongo.open_store().await.map_err(|e| {
        crate::output::error(&e);
        EXIT_MONGO
    })
}

async fn environments(store: &Store, filter: Document) -> Result<Vec<Document>, u8> {
    store
        .find(Logical::EnvironmentsConfig, filter)
        .await
        .map_err(|e| {
            crate::output::error(&e);
            EXIT_MONGO
        })
}

pub async fn export(args: ExportArgs) -> u8 {
    let store = match connect(&args.mongo).await {
        Ok(s) => s,
        Err(code) => return code,
    };
    let collection = store.names().physical(Logical::EnvironmentsConfig);
    let filter = args
        .env
        .as_ref()
        .map_or_else(Document::new, |name| doc! {"name": name});
    let docs = match environments(&store, filter).await {
        Ok(d) => d,
        Err(code) => return code,
    };
    if let (Some(name), true) = (&args.env, docs.is_empty()) {
        eprintln!("error: environment '{name}' not found (collection {collection})");
        return EXIT_INVALID;
    }
    let exported: Vec<serde_json::Value> = docs
        .into_iter()
        .map(|mut d| {
            d.remove("_id");
            if !args.with_secrets {
                mask_secrets(&mut d);
            }
            doc_to_json(&d)
        })
        .collect();
    let mut text = match serde_json::to_string_pretty(&exported) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: cannot render JSON: {e}");
            return EXIT_MONGO;
        }
    };
    text.push('\n');
    match &args.output {
        None => print!("{text}"),
        Some(path) => {
            if let Err(e) = write_atomically(path, &text) {
                eprintln!("error: writing {}: {e}", path.display());
                return EXIT_MONGO;
            }
        }
    }
    if exported.is_empty() {
        eprintln!("warning: no environments (collection {collection})");
    }
    eprintln!(
        "env export: {} environments{} (collection {collection})",
        exported.len(),
        if args.with_secrets {
            ", secrets included"
        } else {
            ""
        }
    );
    0
}

/// Writes a temporary file next to `path`, then renames it: a reader never sees half a file.
fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".tmp{}", std::process::id()));
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

pub async fn list(args: ListArgs) -> u8 {
    let store = match connect(&args.mongo).await {
        Ok(s) => s,
        Err(code) => return code,
    };
    let docs = match environments(&store, Document::new()).await {
        Ok(d) => d,
        Err(code) => return code,
    };
    if docs.is_empty() {
        eprintln!(
            "env list: no environments (collection {})",
            store.names().physical(Logical::EnvironmentsConfig)
        );
        return 0;
    }
    let mut rows = vec![[
        "NAME",
        "TYPE",
        "DISTRIBUTION",
        "VERSION",
        "DRIVERS",
        "SCANNED",
        "LAST_SCANNED",
        "OPERATIONAL",
        "LISTEN",
    ]
    .map(String::from)
    .to_vec()];
    rows.extend(docs.iter().map(list_row));
    print!("{}", aligned(&rows));
    0
}

fn list_row(env: &Document) -> Vec<String> {
    let mut env_type = cell(env.get("environment_type"));
    if env_type == "-" {
        env_type = "OpenStack".to_string();
    }
    vec![
        cell(env.get("name")),
        env_type,
        cell(env.get("distribution")),
        cell(env.get("distribution_version")),
        cell(env.get("mechanism_drivers")),
        cell(env.get("scanned")),
        cell(env.get("last_scanned")),
        cell(env.get("operational")),
        cell(env.get("listen")),
    ]
}

/// A value as one table cell: lists joined with `,`, dates in RFC 3339, absent or empty `-`.
fn cell(value: Option<&Bson>) -> String {
    let text = match value {
        None | Some(Bson::Null) => String::new(),
        Some(Bson::String(s)) => s.clone(),
        Some(Bson::Array(items)) => items
            .iter()
            .map(|i| cell(Some(i)))
            .collect::<Vec<_>>()
            .join(","),
        Some(Bson::DateTime(d)) => d.try_to_rfc3339_string().unwrap_or_default(),
        Some(other) => doc_to_json(&doc! {"v": other.clone()})["v"].to_string(),
    };
    let text = text.replace(char::is_whitespace, "_");
    if text.is_empty() {
        "-".to_string()
    } else {
        text
    }
}
