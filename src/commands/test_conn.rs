//! `calipso test-conn` (connection-tests.md §6): test the connections an environment
//! configures, now (direct mode) or for `connection_tests` requests (`--daemon`).

mod checks;
mod daemon;
mod http_checks;
mod ssh_login;
mod texts;

use super::common::MongoArgs;
use crate::config::Environment;
use crate::doc::{json_object_to_doc, str_field};
use crate::logging;
use crate::output;
use crate::store::Store;
use checks::{canonical_target, CheckOptions, TargetResult, KNOWN_TARGETS};
use clap::{Args, ValueEnum};
use std::time::Duration;

pub use texts::python_timedelta;

/// Exit status when nothing could be tested.
pub const EXIT_UNTESTABLE: u8 = 3;

const AFTER_HELP: &str = "\
Targets: OpenStack, mysql, CLI, AMQP, Monitoring, ACI, Kubernetes (any case). Without -t every
section of the environment's configuration that is a known target is tested (ACI only when
aci_enabled is true).

Exit status: 0 every target passed, 1 a target failed, 2 usage error, 3 nothing could be tested
(MongoDB, environment or --config file unusable, no testable section).
Daemon mode: 0 stopped or --once done, 3 MongoDB unreachable at start.";

#[derive(Args, Debug, Clone)]
#[command(after_help = AFTER_HELP)]
pub struct TestConnArgs {
    #[command(flatten)]
    pub mongo: MongoArgs,
    /// Environment whose configuration is tested
    #[arg(short = 'e', long = "env", conflicts_with_all = ["config", "daemon"], required_unless_present_any = ["config", "daemon"])]
    pub env: Option<String>,
    /// Test the configuration of an environment JSON file instead (MongoDB is not contacted)
    #[arg(long = "config", value_name = "FILE", conflicts_with = "daemon")]
    pub config: Option<String>,
    /// Target to test (repeatable)
    #[arg(
        short = 't',
        long = "target",
        value_name = "NAME",
        conflicts_with = "daemon"
    )]
    pub targets: Vec<String>,
    /// Connect timeout per network operation, in seconds
    #[arg(long = "timeout", value_name = "SECS", default_value_t = 5.0)]
    pub timeout: f64,
    /// Also run `uname -n` over SSH for CLI
    #[arg(long = "deep")]
    pub deep: bool,
    /// Result format
    #[arg(long = "output", value_enum, default_value_t = OutputFormat::Text)]
    pub output: OutputFormat,
    /// Log level: DEBUG, INFO, WARNING, ERROR or CRITICAL
    #[arg(short = 'l', long = "loglevel", default_value = "WARNING")]
    pub loglevel: String,
    /// Serve connection_tests requests
    #[arg(long = "daemon")]
    pub daemon: bool,
    /// Daemon mode: process every pending request, then exit
    #[arg(long = "once")]
    pub once: bool,
    /// Daemon mode: seconds to sleep when idle (minimum 0.1)
    #[arg(
        short = 'i',
        long = "interval",
        value_name = "SECS",
        default_value_t = 2.0
    )]
    pub interval: f64,
    /// Daemon mode: collection polled for requests
    #[arg(
        long = "connection_tests_collection",
        value_name = "NAME",
        default_value = "connection_tests"
    )]
    pub connection_tests_collection: String,
    /// Daemon mode: collection whose `operational` is set when every target passed
    #[arg(
        long = "environments_collection",
        value_name = "NAME",
        default_value = "environments_config"
    )]
    pub environments_collection: String,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    Text,
    Json,
}

impl TestConnArgs {
    fn options(&self) -> Result<CheckOptions, String> {
        if !(self.timeout.is_finite() && self.timeout > 0.0) {
            return Err(format!(
                "--timeout must be a positive number of seconds, got {}",
                self.timeout
            ));
        }
        Ok(CheckOptions {
            timeout: Duration::from_secs_f64(self.timeout),
            deep: self.deep,
        })
    }
}

pub async fn run(args: TestConnArgs) -> u8 {
    if args.once && !args.daemon {
        // clap's `requires` counts the default `false` of --daemon as present.
        let usage = clap::Error::raw(
            clap::error::ErrorKind::MissingRequiredArgument,
            "--once is only valid with --daemon\n",
        );
        let _ = usage.print();
        return 2;
    }
    if let Err(e) = logging::init_by_name(&args.loglevel) {
        output::error(&e);
        return EXIT_UNTESTABLE;
    }
    let options = match args.options() {
        Ok(o) => o,
        Err(e) => {
            output::error(&e);
            return EXIT_UNTESTABLE;
        }
    };
    if args.daemon {
        return daemon::serve(&args, options).await;
    }
    let env = match load_environment(&args).await {
        Ok(env) => env,
        Err(e) => {
            output::error(&e);
            return EXIT_UNTESTABLE;
        }
    };
    logging::add_secrets(env.secrets());
    let targets = selected_targets(&env, &args.targets);
    if targets.is_empty() {
        output::error(&format!(
            "environment {}: no testable section in its configuration (known targets: {})",
            env.name,
            KNOWN_TARGETS.join(", ")
        ));
        return EXIT_UNTESTABLE;
    }
    let results = checks::run_all(&env, &targets, options).await;
    print_results(&env.name, &results, args.output);
    if results.iter().all(|r| r.ok) {
        0
    } else {
        1
    }
}

async fn load_environment(args: &TestConnArgs) -> Result<Environment, String> {
    if let Some(path) = &args.config {
        let text = std::fs::read_to_string(path).map_err(|e| format!("reading {path}: {e}"))?;
        let value: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| format!("{path}: not valid JSON: {e}"))?;
        let serde_json::Value::Object(map) = value else {
            return Err(format!("{path}: expected one environment object"));
        };
        return Environment::from_document(json_object_to_doc(&map))
            .map_err(|e| format!("{path}: {e}"));
    }
    let name = args.env.clone().unwrap_or_default();
    let conf =
        super::common::load_mongo_conf(&args.mongo.mongo_config).map_err(|e| e.to_string())?;
    let store = Store::connect(&conf, &args.mongo.inventory)
        .await
        .map_err(|e| e.to_string())?;
    store
        .load_environment(&name)
        .await
        .map_err(|e| format!("environment '{name}': {e}"))
}

/// `-t` values (normalised), else every known section in configuration order (ACI only when
/// `aci_enabled`).
fn selected_targets(env: &Environment, requested: &[String]) -> Vec<String> {
    if !requested.is_empty() {
        return requested.iter().map(|t| canonical_target(t)).collect();
    }
    let mut out: Vec<String> = Vec::new();
    let sections = env
        .doc
        .get_array("configuration")
        .cloned()
        .unwrap_or_default();
    for section in sections.iter().filter_map(|s| s.as_document()) {
        let Some(name) = str_field(section, "name") else {
            continue;
        };
        let known = KNOWN_TARGETS.contains(&name);
        if known && (name != "ACI" || env.aci_enabled()) && !out.iter().any(|t| t == name) {
            out.push(name.to_string());
        }
    }
    out
}

fn print_results(env: &str, results: &[TargetResult], format: OutputFormat) {
    match format {
        OutputFormat::Json => {
            let items: Vec<_> = results
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "target": r.target, "ok": r.ok, "error": r.error,
                        "elapsed_ms": r.elapsed.as_millis() as u64,
                    })
                })
                .collect();
            let all_ok = results.iter().all(|r| r.ok);
            stdout_line(
                &serde_json::json!({"environment": env, "ok": all_ok, "results": items})
                    .to_string(),
            );
        }
        OutputFormat::Text => {
            for r in results {
                let note = match (&r.error, &r.detail) {
                    (Some(e), _) => format!("  {e}"),
                    (None, Some(d)) => format!("  ({d})"),
                    (None, None) => String::new(),
                };
                stdout_line(&format!(
                    "{:<11} {:<8} {:>6.2}s{note}",
                    r.target,
                    if r.ok { "ok" } else { "FAILED" },
                    r.elapsed.as_secs_f64()
                ));
            }
        }
    }
}

/// Results are the command's machine-readable output: stdout.
fn stdout_line(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stdout().lock(), "{line}");
}
