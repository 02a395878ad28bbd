//! `test-conn --daemon`: serve `connection_tests` requests (connection-tests.md §6.3).

use super::checks::{self, canonical_target, CheckOptions};
use super::texts::python_timedelta;
use super::{TestConnArgs, EXIT_UNTESTABLE};
use crate::commands::daemon::{interval, parse_timestamp, plain_store, Stop};
use crate::config::Environment;
use crate::doc::{id_string, str_field};
use crate::output;
use bson::{doc, Bson, Document};
use mongodb::options::ReturnDocument;
use mongodb::Collection;

/// A `testing` request older than this belongs to a tester that died mid-test.
const STALE_CLAIM: chrono::TimeDelta = chrono::TimeDelta::minutes(10);

struct Daemon {
    requests: Collection<Document>,
    environments: Collection<Document>,
    options: CheckOptions,
}

pub async fn serve(args: &TestConnArgs, options: CheckOptions) -> u8 {
    let daemon = match connect(args, options).await {
        Ok(d) => d,
        Err(e) => {
            output::error(&e);
            return EXIT_UNTESTABLE;
        }
    };
    log::info!(
        "Started ConnectionTest with following configuration: Mongo config: {}, connection tests collection: {}, polling interval: {} second(s)",
        args.mongo.mongo_config,
        args.connection_tests_collection,
        args.interval
    );
    let mut stop = Stop::listen();
    let idle = interval(args.interval);
    while !stop.requested() {
        match daemon.next_request().await {
            Ok(Some(request)) => daemon.process(request).await,
            Ok(None) if args.once => break,
            Ok(None) => stop.sleep(idle).await,
            Err(e) => {
                log::error!("polling {}: {e}", daemon.requests.name());
                if args.once {
                    return 1;
                }
                stop.sleep(idle).await;
            }
        }
    }
    0
}

async fn connect(args: &TestConnArgs, options: CheckOptions) -> Result<Daemon, String> {
    let conf = crate::commands::common::load_mongo_conf(&args.mongo.mongo_config)
        .map_err(|e| e.to_string())?;
    let store = plain_store(&conf).await.map_err(|e| e.to_string())?;
    let requests = store.plain_collection(&args.connection_tests_collection);
    let environments = store.plain_collection(&args.environments_collection);
    Ok(Daemon {
        requests,
        environments,
        options,
    })
}

impl Daemon {
    /// Resets stale claims, then claims the oldest waiting request (`request`, or the
    /// status-less API form of fix C1).
    async fn next_request(&self) -> mongodb::error::Result<Option<Document>> {
        let stale_before = bson::DateTime::from_chrono(chrono::Utc::now() - STALE_CLAIM);
        self.requests
            .update_many(
                doc! {"status": "testing", "claimed_at": {"$lt": stale_before}},
                doc! {"$set": {"status": "request"}, "$unset": {"claimed_at": ""}},
            )
            .await?;
        let waiting = doc! {"$or": [
            {"status": "request", "submit_timestamp": {"$ne": Bson::Null}},
            {"status": {"$exists": false}, "test_targets": {"$exists": true},
             "submit_timestamp": {"$ne": Bson::Null}, "response_timestamp": {"$exists": false}},
        ]};
        self.requests
            .find_one_and_update(
                waiting,
                doc! {"$set": {"status": "testing", "claimed_at": bson::DateTime::now()}},
            )
            .sort(doc! {"submit_timestamp": 1})
            .return_document(ReturnDocument::After)
            .await
    }

    async fn process(&self, request: Document) {
        let id = request.get("_id").and_then(id_string).unwrap_or_default();
        let env_name = str_field(&request, "environment")
            .unwrap_or_default()
            .to_string();
        let targets: Vec<String> = request
            .get_array("test_targets")
            .map(|a| {
                a.iter()
                    .filter_map(|t| t.as_str().map(canonical_target))
                    .collect()
            })
            .unwrap_or_default();
        let env = request_environment(&request, &env_name);
        crate::logging::add_secrets(env.secrets());
        let results = checks::run_all(&env, &targets, self.options).await;
        let mut test_results = Document::new();
        let mut errors = Document::new();
        for r in &results {
            test_results.insert(r.target.clone(), r.ok);
            if let Some(e) = &r.error {
                log::error!("Test of target {} failed (id: {id}): {e}", r.target);
                errors.insert(r.target.clone(), e.clone());
            }
        }
        let now = chrono::Utc::now();
        let response_time = parse_timestamp(request.get("submit_timestamp"))
            .map_or(Bson::Null, |submitted| {
                Bson::String(python_timedelta(now - submitted))
            });
        let update = doc! {"$set": {
            "status": "response",
            "test_results": test_results,
            "errors": errors,
            "response_timestamp": bson::DateTime::from_chrono(now),
            "response_time": response_time,
        }, "$unset": {"claimed_at": ""}};
        let Some(oid) = request.get("_id").cloned() else {
            return;
        };
        if let Err(e) = self.requests.update_one(doc! {"_id": oid}, update).await {
            log::error!("writing the response of request {id}: {e}");
            return;
        }
        log::info!("Request {id} has been tested.");
        if !results.is_empty() && results.iter().all(|r| r.ok) {
            let result = self
                .environments
                .update_one(
                    doc! {"name": &env_name},
                    doc! {"$set": {"operational": "running"}},
                )
                .await;
            if let Err(e) = result {
                log::error!("setting environment {env_name} operational: {e}");
            }
        }
    }
}

/// The request's blocks as an environment: the first block of each name (as the original
/// picks them), nothing from the stored environment document.
fn request_environment(request: &Document, env_name: &str) -> Environment {
    let mut blocks: Vec<Bson> = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    if let Ok(items) = request.get_array("targets_configuration") {
        for block in items.iter().filter_map(|b| b.as_document()) {
            let Some(name) = str_field(block, "name") else {
                continue;
            };
            if !seen.iter().any(|n| n == name) {
                seen.push(name.to_string());
                blocks.push(Bson::Document(block.clone()));
            }
        }
    }
    Environment::from_document(doc! {"name": env_name, "configuration": blocks})
        .expect("a document whose configuration is a list always converts")
}
