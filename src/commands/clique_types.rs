//! `calipso clique-types import|export` (clique-types-cli.md §4).

use super::common::MongoArgs;
use crate::cliques::scoring::select;
use crate::cliques::type_file::{
    check_numbered, export_value, parse_input, CheckContext, Checked, KnownValues,
};
use crate::cliques::type_import::{counts, execute, plan};
use crate::config::{ConfigError, MongoConf};
use crate::store::{Logical, Store, StoreError};
use bson::Document;
use clap::{Args, Subcommand};
use serde_json::Value;
use std::collections::HashSet;
use std::io::Read;

#[derive(Subcommand, Debug)]
pub enum CliqueTypesCommand {
    /// Import clique types from a JSON file (array, single document or JSON Lines; `-` = stdin).
    Import(ImportArgs),
    /// Export clique types as a JSON array.
    Export(ExportArgs),
}

#[derive(Args, Debug)]
pub struct CommonArgs {
    #[command(flatten)]
    pub mongo: MongoArgs,
    /// Only documents whose `environment` equals NAME
    #[arg(short = 'e', long = "env")]
    pub env: Option<String>,
    /// Log level (CRITICAL, ERROR, WARNING, INFO, DEBUG)
    #[arg(short = 'l', long = "loglevel", default_value = "WARNING")]
    pub loglevel: String,
}

#[derive(Args, Debug)]
pub struct ImportArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Validate and report, write nothing
    #[arg(long = "dry-run")]
    pub dry_run: bool,
    /// Warnings become errors
    #[arg(long)]
    pub strict: bool,
    /// Delete the scope's stored documents that the file does not match
    #[arg(long)]
    pub prune: bool,
    /// Set `environment` to NAME on every document before validation
    #[arg(long = "set-env", value_name = "NAME")]
    pub set_env: Option<String>,
    /// The file to import, or `-` for stdin
    #[arg(value_name = "FILE")]
    pub file: String,
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Output file (default stdout)
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<String>,
    /// Include `_id` as {"$oid": …}
    #[arg(long = "with-ids")]
    pub with_ids: bool,
    /// The clique type the clique phase would select per focal point type (needs -e)
    #[arg(long, requires = "env")]
    pub effective: bool,
    /// Only this focal point type
    #[arg(long = "focal-point-type", value_name = "T")]
    pub focal_point_type: Option<String>,
}

const EXIT_RUNTIME: u8 = 1;
const EXIT_USAGE: u8 = 2;
const EXIT_INVALID: u8 = 3;

pub async fn run(cmd: CliqueTypesCommand) -> u8 {
    let common = match &cmd {
        CliqueTypesCommand::Import(a) => &a.common,
        CliqueTypesCommand::Export(a) => &a.common,
    };
    if let Err(message) = crate::logging::init_by_name(&common.loglevel) {
        crate::output::print_line(&format!("error: {message}"));
        return EXIT_USAGE;
    }
    match cmd {
        CliqueTypesCommand::Import(args) => import(args).await,
        CliqueTypesCommand::Export(args) => export(args).await,
    }
}

async fn connect(mongo: &MongoArgs) -> Result<Store, String> {
    let conf = MongoConf::load(&mongo.mongo_config).map_err(|e| e.to_string())?;
    Store::connect(&conf, &mongo.inventory)
        .await
        .map_err(|e| e.to_string())
}

fn read_input(file: &str) -> std::io::Result<String> {
    if file == "-" {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text)?;
        Ok(text)
    } else {
        std::fs::read_to_string(file)
    }
}

async fn import(args: ImportArgs) -> u8 {
    let file = args.file.as_str();
    let text = match read_input(file) {
        Ok(t) => t,
        Err(e) => {
            crate::output::print_line(&format!("error: {file}: {e}"));
            return EXIT_INVALID;
        }
    };
    if text.trim().is_empty() {
        crate::output::print_line(&format!("error: {file}: no JSON document found"));
        return EXIT_INVALID;
    }
    let mut values = match parse_input(&text) {
        Ok(v) => v,
        Err(e) => {
            crate::output::print_line(&format!(
                "error: {file}: line {}, column {}: {}",
                e.line, e.column, e.message
            ));
            return EXIT_INVALID;
        }
    };
    let read = values.len();
    if let Some(env) = &args.set_env {
        for v in values.iter_mut() {
            if let Value::Object(map) = v {
                map.insert("environment".into(), Value::String(env.clone()));
            }
        }
    }
    let scope = args.common.env.clone();
    let in_scope = |v: &Value| match (&scope, v) {
        (Some(e), Value::Object(m)) => {
            m.get("environment").and_then(Value::as_str) == Some(e.as_str())
        }
        _ => true,
    };
    let skipped = values.iter().filter(|v| !in_scope(v)).count();
    // Positions stay those of the file.
    let numbered: Vec<(usize, Value)> = values
        .into_iter()
        .enumerate()
        .filter(|(_, v)| in_scope(v))
        .collect();
    let store = match connect(&args.common.mongo).await {
        Ok(s) => s,
        Err(e) => {
            crate::output::print_line(&format!("error: {e}"));
            return EXIT_RUNTIME;
        }
    };
    let collection = store.names().physical(Logical::CliqueTypes);
    let (known, env_names, stored) = match reference_data(&store).await {
        Ok(r) => r,
        Err(e) => {
            crate::output::print_line(&format!("error: {e}"));
            return EXIT_RUNTIME;
        }
    };
    let ctx = CheckContext {
        known: &known,
        env_names: &env_names,
        stored: &stored,
    };
    let selection: Vec<(usize, &Value)> = numbered.iter().map(|(i, v)| (i + 1, v)).collect();
    let checked = check_numbered(&selection, &ctx);
    let warning_count: usize = checked.iter().map(|c| c.warnings.len()).sum();
    let mut invalid = false;
    for c in &checked {
        for e in &c.errors {
            crate::output::print_line(&format!("error: {file}: {}: {e}", label(c)));
            invalid = true;
        }
        let kind = if args.strict { "error" } else { "warning" };
        for w in &c.warnings {
            crate::output::print_line(&format!("{kind}: {file}: {}: {w}", label(c)));
            invalid |= args.strict;
        }
    }
    if invalid {
        crate::output::print_line(&format!("error: {file}: invalid input; nothing written"));
        return EXIT_INVALID;
    }
    let (actions, pruned) = plan(&checked, &stored, args.prune, scope.as_deref());
    let (inserted, updated, unchanged) = counts(&actions);
    let summary = format!(
        "clique-types import: {read} read, {inserted} inserted, {updated} updated, {unchanged} unchanged, {skipped} skipped, {} pruned, {warning_count} warnings (collection {collection})",
        pruned.len(),
    );
    if args.dry_run {
        crate::output::print_line(&format!("dry run: {summary}"));
        return 0;
    }
    if let Err((written, e)) = execute(&store, actions, pruned).await {
        crate::output::print_line(&format!(
            "error: {e}; {written} documents written before the failure"
        ));
        return EXIT_RUNTIME;
    }
    crate::output::print_line(&summary.to_string());
    0
}

fn label(c: &Checked) -> String {
    if c.identity.is_empty() {
        format!("document #{}", c.number)
    } else {
        format!("document #{} ({})", c.number, c.identity)
    }
}

/// Constants (or the built-in lists), environment names and the stored clique types.
async fn reference_data(
    store: &Store,
) -> Result<(KnownValues, HashSet<String>, Vec<Document>), StoreError> {
    let constants = store.find(Logical::Constants, Document::new()).await?;
    let link_types = store.find(Logical::LinkTypes, Document::new()).await?;
    let known = if constants.is_empty() {
        log::info!("constants collection is empty; using the built-in opnfv lists");
        KnownValues::builtin(&link_types)
    } else {
        KnownValues::from_constants(&constants, &link_types)
    };
    let env_names = store
        .find(Logical::EnvironmentsConfig, Document::new())
        .await?
        .iter()
        .filter_map(|d| d.get_str("name").ok().map(String::from))
        .collect();
    let stored = store.find(Logical::CliqueTypes, Document::new()).await?;
    Ok((known, env_names, stored))
}

async fn export(args: ExportArgs) -> u8 {
    let store = match connect(&args.common.mongo).await {
        Ok(s) => s,
        Err(e) => {
            crate::output::print_line(&format!("error: {e}"));
            return EXIT_RUNTIME;
        }
    };
    let docs = match store.find(Logical::CliqueTypes, Document::new()).await {
        Ok(d) => d,
        Err(e) => {
            crate::output::print_line(&format!("error: {e}"));
            return EXIT_RUNTIME;
        }
    };
    let env_name = args.common.env.as_deref();
    let mut selected: Vec<&Document> = if args.effective {
        let name = env_name.unwrap_or_default();
        let env = match store.load_environment(name).await {
            Ok(env) => env,
            Err(StoreError::Config(ConfigError::EnvNotFound)) => {
                crate::output::print_line(&format!("error: unknown environment: {name}"));
                return EXIT_INVALID;
            }
            Err(e) => {
                crate::output::print_line(&format!("error: {e}"));
                return EXIT_RUNTIME;
            }
        };
        select(&docs, &env)
            .into_iter()
            .map(|s| {
                log::info!(
                    "focal point type {}: clique type '{}' (score {})",
                    s.focal_point_type,
                    s.clique_type.get_str("name").unwrap_or(""),
                    s.score
                );
                s.clique_type
            })
            .collect()
    } else {
        docs.iter()
            .filter(|d| env_name.is_none_or(|e| d.get_str("environment").ok() == Some(e)))
            .collect()
    };
    if let Some(t) = &args.focal_point_type {
        selected.retain(|d| d.get_str("focal_point_type").ok() == Some(t.as_str()));
    }
    if selected.is_empty() {
        crate::output::print_line("warning: no clique types match");
    }
    let array = Value::Array(
        selected
            .iter()
            .map(|d| export_value(d, args.with_ids))
            .collect(),
    );
    let text = format!(
        "{}\n",
        serde_json::to_string_pretty(&array).unwrap_or_default()
    );
    match write_output(args.output.as_deref(), &text) {
        Ok(()) => 0,
        Err(e) => {
            crate::output::print_line(&format!("error: {e}"));
            EXIT_RUNTIME
        }
    }
}

/// Stdout, or a file written to a temporary name and renamed into place.
pub fn write_output(path: Option<&str>, text: &str) -> Result<(), String> {
    let Some(path) = path else {
        use std::io::Write;
        return std::io::stdout()
            .write_all(text.as_bytes())
            .map_err(|e| format!("writing to stdout: {e}"));
    };
    let target = std::path::Path::new(path);
    let tmp = target.with_file_name(format!(
        ".{}.tmp{}",
        target
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("output"),
        std::process::id()
    ));
    std::fs::write(&tmp, text)
        .and_then(|_| std::fs::rename(&tmp, target))
        .map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            format!("cannot write {path}: {e}")
        })
}
