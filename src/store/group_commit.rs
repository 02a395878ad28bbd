//! Group commit: inventory writes that arrive while another is on its way wait for it and then
//! travel together, in one insert and one update command. A scan's concurrent
//! fetches mostly write one or two objects each (a folder, an instance's vNIC); sent alone, each
//! costs the server a round trip of its own.
//!
//! Each caller's objects stay together and in order; callers that wait together are concurrent
//! anyway, so their relative order is free. The flush runs in a task of its own, so a caller that
//! gives up (a cancelled future) cannot leave the others waiting.

use super::batch_write::Write;
use super::{Store, StoreError};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::oneshot;

struct Request {
    writes: Vec<Write>,
    done: oneshot::Sender<Result<(), StoreError>>,
}

#[derive(Default)]
pub(super) struct WriteQueue {
    pending: Mutex<Vec<Request>>,
    flushing: AtomicBool,
}

impl WriteQueue {
    /// Writes `writes` with whatever else is waiting; returns when they are stored.
    pub(super) async fn submit(
        self: &Arc<Self>,
        store: &Store,
        writes: Vec<Write>,
    ) -> Result<(), StoreError> {
        let (done, finished) = oneshot::channel();
        self.lock().push(Request { writes, done });
        if self.claim() {
            tokio::spawn(flush(self.clone(), store.clone()));
        }
        finished.await.unwrap_or_else(|_| {
            Err(StoreError::Operation {
                collection: "inventory".into(),
                detail: "the write was abandoned".into(),
            })
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Request>> {
        self.pending.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Becomes the one flusher, unless one is running.
    fn claim(&self) -> bool {
        self.flushing
            .compare_exchange(false, true, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
    }
}

async fn flush(queue: Arc<WriteQueue>, store: Store) {
    loop {
        let requests = std::mem::take(&mut *queue.lock());
        if requests.is_empty() {
            queue.flushing.store(false, Ordering::SeqCst);
            // A request queued after the take but before the release found a flusher running:
            // take it over, unless a new flusher already did.
            if queue.lock().is_empty() || !queue.claim() {
                return;
            }
            continue;
        }
        let mut writes = Vec::new();
        let mut waiting = Vec::with_capacity(requests.len());
        for request in requests {
            writes.extend(request.writes);
            waiting.push(request.done);
        }
        let result = store.write_now(writes).await;
        for done in waiting {
            let _ = done.send(match &result {
                Ok(()) => Ok(()),
                Err(e) => Err(e.duplicate()),
            });
        }
    }
}
