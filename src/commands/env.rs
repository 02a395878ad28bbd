//! `calipso env import | export | validate | list`: environment definitions from and to JSON
//! (environment-config.md §6). Exit codes: 0 done (warnings allowed), 1 Mongo failure or output
//! not writable, 2 usage, 3 invalid input (nothing written).

mod show;

use super::common::MongoArgs;
use crate::config::env_validate::{self, CheckedEnv, Checks, Constants, SupportedEnvironments};
use crate::doc::doc_to_json;
use crate::store::reference::reference_set;
use crate::store::{Logical, Store};
use bson::{doc, Document};
use clap::{Args, Subcommand};
use serde_json::Value;
use std::io::Read;

#[derive(Subcommand, Debug)]
pub enum EnvCommand {
    /// Validate environment documents from a JSON file (`-` = stdin) and write them.
    Import(ImportArgs),
    /// Print environment documents as JSON (secrets shown as "********" unless --with-secrets).
    Export(show::ExportArgs),
    /// Run the import checks without MongoDB (built-in constants and supported environments).
    Validate(ValidateArgs),
    /// One line per environment: name, type, distribution, version, drivers, state.
    List(show::ListArgs),
}

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// JSON file: one environment object or an array of them; `-` reads stdin.
    pub file: String,
    /// Replace environments that already exist (keeping their _id and runtime state).
    #[arg(long)]
    pub replace: bool,
    /// Check and report what would be written; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Treat warnings as errors.
    #[arg(long)]
    pub strict: bool,
    #[command(flatten)]
    pub mongo: MongoArgs,
}

#[derive(Args, Debug)]
pub struct ValidateArgs {
    /// JSON file: one environment object or an array of them; `-` reads stdin.
    pub file: String,
    /// Treat warnings as errors.
    #[arg(long)]
    pub strict: bool,
    /// Accepted for symmetry with the other env commands; validate never connects.
    #[command(flatten)]
    pub mongo: MongoArgs,
}

const EXIT_MONGO: u8 = 1;
const EXIT_INVALID: u8 = 3;

pub async fn run(cmd: EnvCommand) -> u8 {
    match cmd {
        EnvCommand::Import(args) => import(args).await,
        EnvCommand::Export(args) => show::export(args).await,
        EnvCommand::Validate(args) => validate(args),
        EnvCommand::List(args) => show::list(args).await,
    }
}

/// The name used in messages for an input file.
fn display_name(file: &str) -> &str {
    if file == "-" {
        "<stdin>"
    } else {
        file
    }
}

/// Reads and parses the input; the error is the whole message line after `error: `.
fn read_input(file: &str) -> Result<Value, String> {
    let shown = display_name(file);
    let mut text = String::new();
    let read = if file == "-" {
        std::io::stdin().read_to_string(&mut text).map(|_| ())
    } else {
        std::fs::read_to_string(file).map(|t| text = t)
    };
    read.map_err(|e| format!("{shown}: cannot read: {e}"))?;
    serde_json::from_str(&text).map_err(|e| {
        let message = e.to_string();
        let message = message.split(" at line ").next().unwrap_or_default();
        format!(
            "{shown}: line {}, column {}: {message}",
            e.line(),
            e.column()
        )
    })
}

fn builtin(logical: Logical) -> Vec<Value> {
    reference_set(logical)
        .and_then(|set| set.seed_json().ok())
        .unwrap_or_default()
}

fn check(input: &Value, constants: &[Value], supported: &[Value]) -> Vec<CheckedEnv> {
    let constants = Constants::from_documents(constants);
    let supported = SupportedEnvironments::from_documents(supported);
    let key_exists = |path: &str| std::path::Path::new(path).is_file();
    env_validate::validate(
        input,
        &Checks {
            constants: &constants,
            supported: &supported,
            key_exists: &key_exists,
        },
    )
}

/// Prints every finding; returns (errors, warnings) counted as the command treats them.
fn report(file: &str, checked: &[CheckedEnv], strict: bool) -> (usize, usize) {
    let shown = display_name(file);
    let (mut errors, mut warnings) = (0, 0);
    for env in checked {
        for e in &env.issues.errors {
            eprintln!("error: {shown}: {}: {e}", env.label());
            errors += 1;
        }
        let level = if strict { "error" } else { "warning" };
        for w in &env.issues.warnings {
            eprintln!("{level}: {shown}: {}: {w}", env.label());
        }
        warnings += env.issues.warnings.len();
    }
    if strict {
        (errors + warnings, warnings)
    } else {
        (errors, warnings)
    }
}

fn validate(args: ValidateArgs) -> u8 {
    let input = match read_input(&args.file) {
        Ok(v) => v,
        Err(e) => {
            crate::output::error(&e);
            return EXIT_INVALID;
        }
    };
    let checked = check(
        &input,
        &builtin(Logical::Constants),
        &builtin(Logical::SupportedEnvironments),
    );
    let (errors, warnings) = report(&args.file, &checked, args.strict);
    eprintln!(
        "env validate: {} read, {errors} errors, {warnings} warnings",
        checked.len()
    );
    if errors > 0 {
        EXIT_INVALID
    } else {
        0
    }
}

/// The database's constants and supported environments, or the built-in ones where a
/// collection is empty (a database that was never initialised).
async fn reference_from(store: &Store, logical: Logical) -> Result<Vec<Value>, String> {
    let docs = store
        .find(logical, Document::new())
        .await
        .map_err(|e| e.to_string())?;
    if docs.is_empty() {
        log::info!(
            "{} is empty: checking against the built-in opnfv data",
            store.names().physical(logical)
        );
        return Ok(builtin(logical));
    }
    Ok(docs.iter().map(doc_to_json).collect())
}

/// A checked environment and the stored documents of its name.
struct Planned<'a> {
    env: &'a CheckedEnv,
    document: &'a Document,
    stored: Vec<Document>,
}

async fn import(args: ImportArgs) -> u8 {
    let shown = display_name(&args.file).to_string();
    let input = match read_input(&args.file) {
        Ok(v) => v,
        Err(e) => {
            crate::output::error(&e);
            return EXIT_INVALID;
        }
    };
    let store = match args.mongo.open_store().await {
        Ok(s) => s,
        Err(e) => {
            crate::output::error(&e);
            return EXIT_MONGO;
        }
    };
    match import_into(&store, &args, &shown, &input).await {
        Ok(code) => code,
        Err(e) => {
            crate::output::error(&e);
            EXIT_MONGO
        }
    }
}

/// Everything after connecting; `Err` is a Mongo failure.
async fn import_into(
    store: &Store,
    args: &ImportArgs,
    shown: &str,
    input: &Value,
) -> Result<u8, String> {
    let collection = store.names().physical(Logical::EnvironmentsConfig);
    let constants = reference_from(store, Logical::Constants).await?;
    let supported = reference_from(store, Logical::SupportedEnvironments).await?;
    let checked = check(input, &constants, &supported);
    let (mut errors, warnings) = report(&args.file, &checked, args.strict);
    let mut plan = Vec::new();
    for env in &checked {
        let (Some(document), Some(name)) = (&env.document, &env.name) else {
            continue;
        };
        let stored = store
            .find(Logical::EnvironmentsConfig, doc! {"name": name})
            .await
            .map_err(|e| e.to_string())?;
        if !stored.is_empty() && !args.replace {
            eprintln!(
                "error: {shown}: {}: environment '{name}' already exists (use --replace)",
                env.label()
            );
            errors += 1;
        }
        plan.push(Planned {
            env,
            document,
            stored,
        });
    }
    if errors > 0 {
        eprintln!("env import: {errors} errors, nothing written (collection {collection})");
        return Ok(EXIT_INVALID);
    }
    let replacing = plan.iter().filter(|p| !p.stored.is_empty()).count();
    let summary = |inserted: usize, replaced: usize| {
        format!(
            "env import: {} read, {inserted} inserted, {replaced} replaced, {warnings} warnings (collection {collection})",
            checked.len()
        )
    };
    if args.dry_run {
        eprintln!("dry run: {}", summary(plan.len() - replacing, replacing));
        return Ok(0);
    }
    let (mut inserted, mut replaced) = (0, 0);
    for p in &plan {
        if let Err(e) = write_one(store, p).await {
            eprintln!("{}", summary(inserted, replaced));
            return Err(format!(
                "{e} (stopped after {} of {} environments)",
                inserted + replaced,
                plan.len()
            ));
        }
        if p.stored.is_empty() {
            inserted += 1;
        } else {
            replaced += 1;
        }
    }
    eprintln!("{}", summary(inserted, replaced));
    Ok(0)
}

async fn write_one(store: &Store, p: &Planned<'_>) -> Result<(), String> {
    let coll = store.collection(Logical::EnvironmentsConfig);
    let fail = |e: mongodb::error::Error| {
        let text = e.to_string();
        format!(
            "{}: writing {}: {}",
            store.names().physical(Logical::EnvironmentsConfig),
            p.env.label(),
            text.lines().next().unwrap_or_default()
        )
    };
    match p.stored.first() {
        None => {
            coll.insert_one(env_validate::document_to_store(p.document, None))
                .await
                .map_err(fail)?;
        }
        Some(stored) => {
            if p.stored.len() > 1 {
                log::warn!(
                    "{}: {} stored documents share this name; replacing the first",
                    p.env.label(),
                    p.stored.len()
                );
            }
            let id = stored.get("_id").cloned().unwrap_or(bson::Bson::Null);
            coll.replace_one(
                doc! {"_id": id},
                env_validate::document_to_store(p.document, Some(stored)),
            )
            .await
            .map_err(fail)?;
        }
    }
    Ok(())
}
