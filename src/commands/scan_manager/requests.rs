//! The `scans` request life cycle (scan-manager.md §3.4, §6.2): atomic claim, release, finish,
//! and the clean-up of requests whose manager died.

use crate::commands::daemon::{bson_now, hostname, pid_alive};
use crate::doc::{id_string, str_field, truthy};
use crate::scanner::lock::EnvLock;
use bson::{doc, Bson, Document};
use futures::TryStreamExt;
use mongodb::options::ReturnDocument;
use mongodb::Collection;

/// Terminal states of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finish {
    Completed,
    CompletedWithErrors,
    Failed,
}

impl Finish {
    fn status(self) -> &'static str {
        match self {
            Finish::Completed => "completed",
            Finish::CompletedWithErrors => "completed_with_errors",
            Finish::Failed => "failed",
        }
    }
}

pub struct Requests {
    pub scans: Collection<Document>,
    pub environments: Collection<Document>,
    /// `<hostname>:<pid>` written as `claimed_by`.
    pub owner: String,
    pub database: String,
}

/// The `-y` name a request scans under.
pub fn inventory_of(request: &Document) -> String {
    str_field(request, "inventory")
        .filter(|s| !s.is_empty())
        .unwrap_or("inventory")
        .to_string()
}

impl Requests {
    /// Claims the oldest pending request not in `skip`: `pending` → `running` in one atomic
    /// update, so two managers never get the same request.
    pub async fn claim(&self, skip: &[Bson]) -> mongodb::error::Result<Option<Document>> {
        let filter = doc! {
            "status": "pending",
            "submit_timestamp": {"$ne": Bson::Null},
            "imported": {"$ne": true},
            "send_to_remote": {"$ne": true},
            "_id": {"$nin": skip.to_vec()},
        };
        self.scans
            .find_one_and_update(
                filter,
                doc! {"$set": {"status": "running", "start_timestamp": bson_now(),
                "claimed_by": &self.owner}},
            )
            .sort(doc! {"submit_timestamp": 1})
            .return_document(ReturnDocument::After)
            .await
    }

    /// Gives a claimed request back (its environment is being scanned by someone else).
    pub async fn release(&self, request: &Document) -> mongodb::error::Result<()> {
        let Some(id) = request.get("_id") else {
            return Ok(());
        };
        self.scans
            .update_one(
                doc! {"_id": id, "claimed_by": &self.owner},
                doc! {"$set": {"status": "pending"},
                "$unset": {"start_timestamp": "", "claimed_by": ""}},
            )
            .await?;
        Ok(())
    }

    /// Writes the terminal status and `end_timestamp` (also on failure, fix S3), then the
    /// environment's `scanned` (and `last_scanned` when true) unless it was an object scan
    /// (fix S2).
    pub async fn finish(&self, request: &Document, outcome: Finish) {
        let id = request.get("_id").and_then(id_string).unwrap_or_default();
        let Some(oid) = request.get("_id") else {
            return;
        };
        let end = bson_now();
        let result = self
            .scans
            .update_one(
                doc! {"_id": oid},
                doc! {"$set": {"status": outcome.status(), "end_timestamp": end.clone()}},
            )
            .await;
        if let Err(e) = result {
            log::error!("writing the status of scan request '{id}': {e}");
        }
        self.set_scanned(request, outcome != Finish::Failed, end)
            .await;
    }

    async fn set_scanned(&self, request: &Document, scanned: bool, end: Bson) {
        if truthy(request.get("object_id")) {
            return;
        }
        let Some(env) = str_field(request, "environment") else {
            return;
        };
        let mut fields = doc! {"scanned": scanned};
        if scanned {
            fields.insert("last_scanned", end);
        }
        let result = self
            .environments
            .update_one(doc! {"name": env}, doc! {"$set": fields})
            .await;
        if let Err(e) = result {
            log::error!("setting 'scanned' of environment {env}: {e}");
        }
    }

    /// Marks `running` requests whose manager is gone as failed: those without `claimed_by`
    /// (an original manager's) and those of this host whose process no longer exists and
    /// whose environment lock is free. Other hosts' requests are left to their managers.
    pub async fn fail_abandoned(&self) -> mongodb::error::Result<usize> {
        let running: Vec<Document> = self
            .scans
            .find(doc! {"status": "running"})
            .await?
            .try_collect()
            .await?;
        let here = hostname();
        let mut failed = 0;
        for request in running {
            if !self.abandoned(&request, &here) {
                continue;
            }
            let Some(oid) = request.get("_id") else {
                continue;
            };
            let filter = match request.get("claimed_by") {
                Some(owner) => doc! {"_id": oid, "status": "running", "claimed_by": owner},
                None => doc! {"_id": oid, "status": "running", "claimed_by": {"$exists": false}},
            };
            let end = bson_now();
            let updated = self
                .scans
                .update_one(
                    filter,
                    doc! {"$set": {"status": "failed", "end_timestamp": end.clone()}},
                )
                .await?;
            if updated.modified_count == 1 {
                log::warn!(
                    "Scan request '{}' was left running by a manager that is gone: marked failed",
                    request.get("_id").and_then(id_string).unwrap_or_default()
                );
                self.set_scanned(&request, false, end).await;
                failed += 1;
            }
        }
        Ok(failed)
    }

    fn abandoned(&self, request: &Document, here: &str) -> bool {
        let Some(owner) = str_field(request, "claimed_by") else {
            return true;
        };
        let Some((host, pid)) = owner.rsplit_once(':') else {
            return true;
        };
        if host != here {
            return false;
        }
        let alive = pid.parse::<u32>().is_ok_and(pid_alive);
        let env = str_field(request, "environment").unwrap_or_default();
        !alive && !EnvLock::env_is_locked(env, &self.database, &inventory_of(request))
    }
}
