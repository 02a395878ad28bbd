//! `calipso db init [--force] | status`: load and inspect the reference collections a fresh
//! database needs (constants, supported_environments, link_types, clique_types,
//! clique_constraints, network_agent_types, monitoring_config_templates) and create indexes.
//! Exit codes: 0 done, 1 Mongo failure (or configuration file), 2 usage.

use super::common::MongoArgs;
use crate::store::reference::{self, CollectionStatus};
use crate::store::Store;
use clap::{Args, Subcommand};

#[derive(Subcommand, Debug)]
pub enum DbCommand {
    /// Load the shipped reference data into the database (idempotent) and create indexes.
    Init(InitArgs),
    /// Show which reference collections exist, their document counts and what is missing.
    Status(StatusArgs),
}

#[derive(Args, Debug)]
pub struct InitArgs {
    #[command(flatten)]
    pub mongo: MongoArgs,
    /// Replace stored reference documents by the shipped versions (matched by natural key).
    #[arg(long)]
    pub force: bool,
}

#[derive(Args, Debug)]
pub struct StatusArgs {
    #[command(flatten)]
    pub mongo: MongoArgs,
}

pub async fn run(cmd: DbCommand) -> u8 {
    let result = match cmd {
        DbCommand::Init(args) => init(args).await,
        DbCommand::Status(args) => status(args).await,
    };
    match result {
        Ok(()) => 0,
        Err(message) => {
            crate::output::error(&message);
            1
        }
    }
}

async fn init(args: InitArgs) -> Result<(), String> {
    let store = args.mongo.open_store().await?;
    let counts = reference::load(&store, args.force)
        .await
        .map_err(|e| e.to_string())?;
    for c in &counts {
        eprintln!(
            "db init: {}: {} added, {} kept, {} replaced",
            collection_label(c.logical.name(), &c.physical),
            c.added,
            c.kept,
            c.replaced
        );
    }
    let indexes = reference::ensure_indexes(&store)
        .await
        .map_err(|e| e.to_string())?;
    for i in &indexes {
        eprintln!("db init: indexes on {}: {}", i.physical, i.names.join(", "));
    }
    let total = |f: fn(&reference::LoadCounts) -> usize| counts.iter().map(f).sum::<usize>();
    eprintln!(
        "db init: {} added, {} kept, {} replaced (database {})",
        total(|c| c.added),
        total(|c| c.kept),
        total(|c| c.replaced),
        store.database_name()
    );
    Ok(())
}

/// `link_types (mylab_link_types)`, or just the name when `-y` does not rename it.
fn collection_label(logical: &str, physical: &str) -> String {
    if logical == physical {
        logical.to_string()
    } else {
        format!("{logical} ({physical})")
    }
}

async fn status(args: StatusArgs) -> Result<(), String> {
    let store = args.mongo.open_store().await?;
    let collections = reference::status(&store).await.map_err(|e| e.to_string())?;
    print!("{}", status_text(&store, &collections));
    Ok(())
}

fn status_text(store: &Store, collections: &[CollectionStatus]) -> String {
    let mut rows = vec![vec![
        "COLLECTION".to_string(),
        "PHYSICAL NAME".to_string(),
        "DOCUMENTS".to_string(),
        "SHIPPED".to_string(),
        "SHIPPED NOT STORED".to_string(),
    ]];
    for c in collections {
        rows.push(vec![
            c.logical.name().to_string(),
            c.physical.clone(),
            if c.exists {
                c.documents.to_string()
            } else {
                "absent".to_string()
            },
            c.shipped.to_string(),
            c.shipped_missing.to_string(),
        ]);
    }
    let mut out = format!(
        "database {} on {} (-y {})\n",
        store.database_name(),
        store.server(),
        store.names().inventory_name()
    );
    out.push_str(&crate::output::aligned(&rows));
    let missing: Vec<&str> = collections
        .iter()
        .filter(|c| c.documents == 0)
        .map(|c| c.physical.as_str())
        .collect();
    if missing.is_empty() {
        out.push_str("all reference collections are present\n");
    } else {
        out.push_str(&format!(
            "missing: {}: run 'calipso db init'\n",
            missing.join(", ")
        ));
    }
    out
}
