//! Request accounting for summaries and benchmarks: how many requests each protocol made, and
//! the longest chain of requests that ran one after another along a path of the scan tree —
//! with a fixed latency L per request, that chain × L is a lower bound of the scan's wall time.

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Debug, Clone, Copy)]
pub enum Protocol {
    Http,
    Sql,
    Ssh,
}

static HTTP: AtomicU64 = AtomicU64::new(0);
static SQL: AtomicU64 = AtomicU64::new(0);
static SSH: AtomicU64 = AtomicU64::new(0);
static LONGEST_CHAIN: AtomicU64 = AtomicU64::new(0);

tokio::task_local! {
    /// Requests made so far on the path from the scan's root to the running task.
    static CHAIN: Cell<u64>;
}

/// Counts one request (call it once per round trip to the cloud).
pub fn record(protocol: Protocol) {
    match protocol {
        Protocol::Http => &HTTP,
        Protocol::Sql => &SQL,
        Protocol::Ssh => &SSH,
    }
    .fetch_add(1, Ordering::Relaxed);
    let _ = CHAIN.try_with(|chain| {
        let length = chain.get() + 1;
        chain.set(length);
        LONGEST_CHAIN.fetch_max(length, Ordering::Relaxed);
    });
}

/// Runs `work` as a continuation of a path that already made `chain` requests; returns the
/// work's result and the path's length when it finished.
pub async fn on_path<F: std::future::Future>(chain: u64, work: F) -> (F::Output, u64) {
    CHAIN
        .scope(Cell::new(chain), async move {
            let out = work.await;
            (out, current_chain())
        })
        .await
}

/// The request count of the path the current task is on (0 outside a scan).
/// Runs independent requests concurrently (at most `limit` at a time, results in input order),
/// each on its own branch of the current path: afterwards the path is as long as its longest
/// branch, not as the sum of all of them.
pub async fn branches<F: std::future::Future>(work: Vec<F>, limit: usize) -> Vec<F::Output> {
    use futures::StreamExt;
    let start = current_chain();
    let mut longest = start;
    let mut results = Vec::with_capacity(work.len());
    let mut waiting = work.into_iter();
    let mut running = futures::stream::FuturesOrdered::new();
    loop {
        while running.len() < limit.max(1) {
            match waiting.next() {
                Some(branch) => running.push_back(on_path(start, branch)),
                None => break,
            }
        }
        let Some((out, chain)) = running.next().await else {
            break;
        };
        longest = longest.max(chain);
        results.push(out);
    }
    let _ = CHAIN.try_with(|chain| chain.set(longest));
    results
}

pub fn current_chain() -> u64 {
    CHAIN.try_with(Cell::get).unwrap_or(0)
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct RequestCounts {
    pub http: u64,
    pub sql: u64,
    pub ssh: u64,
    pub longest_chain: u64,
}

/// Counts since the process started (or since `reset`).
pub fn snapshot() -> RequestCounts {
    RequestCounts {
        http: HTTP.load(Ordering::Relaxed),
        sql: SQL.load(Ordering::Relaxed),
        ssh: SSH.load(Ordering::Relaxed),
        longest_chain: LONGEST_CHAIN.load(Ordering::Relaxed),
    }
}

/// Starts a new count (one scan of the scan manager after another).
pub fn reset() {
    for counter in [&HTTP, &SQL, &SSH, &LONGEST_CHAIN] {
        counter.store(0, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn chains_grow_along_a_path_only() {
        let ((), first) = on_path(0, async { record(Protocol::Http) }).await;
        assert_eq!(first, 1);
        let ((), second) = on_path(first, async {
            record(Protocol::Sql);
            record(Protocol::Ssh);
        })
        .await;
        assert_eq!(second, 3);
        assert!(snapshot().longest_chain >= 3);
        record(Protocol::Http); // outside a path: counted, no chain
        assert_eq!(current_chain(), 0);
    }

    #[tokio::test]
    async fn branches_count_as_their_longest_one() {
        let (outputs, chain) = on_path(5, async {
            branches(
                (1..=3)
                    .map(|n| async move {
                        (0..n).for_each(|_| record(Protocol::Ssh));
                        n
                    })
                    .collect(),
                2,
            )
            .await
        })
        .await;
        assert_eq!(outputs, vec![1, 2, 3]);
        assert_eq!(chain, 8);
    }
}
