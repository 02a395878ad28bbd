//! The consume loop (listen.md §1.5–1.6): one channel; the deliveries waiting are taken as a
//! batch, each answered only after its handler and its `messages` record finished; reconnect
//! with back-off when the broker goes away; stop cleanly on a signal or a test limit.

use super::amqp::{self, AmqpSettings};
use super::catalog::QueueBinding;
use super::dispatch::{Decision, Dispatcher, Handled, Prepared, Ran};
use futures::{FutureExt, StreamExt};
use lapin::message::Delivery;
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicNackOptions, BasicQosOptions, BasicRejectOptions,
};
use lapin::types::FieldTable;
use lapin::Connection;
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::Instant;

/// Deliveries fetched ahead of the one being handled.
const PREFETCH: u16 = 256;
/// At most this many waiting deliveries share one `messages` insert.
const BATCH: usize = 64;

/// Limits for tests and benchmarks.
#[derive(Debug, Clone, Default)]
pub struct Limits {
    /// Stop after this many deliveries (`--max-events`, `--once` = 1).
    pub max_events: Option<u64>,
    /// Stop when no delivery arrived for this long (`--idle-exit`).
    pub idle_exit: Option<Duration>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    Signal,
    MaxEvents,
    Idle,
}

enum SessionEnd {
    Stopped(Stop),
    Lost(String),
}

/// Resolves once shutdown was requested (never, when the sender is gone without asking).
pub async fn shutdown_requested(rx: &mut watch::Receiver<bool>) {
    loop {
        if *rx.borrow_and_update() {
            return;
        }
        if rx.changed().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

pub struct Consumer<'a> {
    pub settings: &'a AmqpSettings,
    pub bindings: &'a [QueueBinding],
    pub dispatcher: &'a mut Dispatcher,
    pub limits: Limits,
    pub shutdown: watch::Receiver<bool>,
    /// Deliveries handled so far (all sessions).
    pub handled: u64,
}

impl Consumer<'_> {
    /// Connects (a failure of the first connection is fatal), then consumes until stopped,
    /// reconnecting as often as needed. `on_running` is called once the first consumer is set up.
    pub async fn run(&mut self, on_running: impl AsyncOnce) -> Result<Stop, String> {
        let conn = amqp::connect(self.settings).await?;
        let mut on_running = Some(on_running);
        let mut end = self.session(&conn, &mut on_running).await;
        close(&conn).await;
        let mut attempt: u64 = 0;
        loop {
            let reason = match end {
                Ok(SessionEnd::Stopped(stop)) => return Ok(stop),
                Ok(SessionEnd::Lost(reason)) => reason,
                Err(e) => e,
            };
            log::warn!(
                "Connection to broker lost, trying to re-establish connection... ({reason})"
            );
            // At most one restart per second, even when a session fails at once.
            if self.sleep_or_stop(Duration::from_secs(1)).await {
                return Ok(Stop::Signal);
            }
            let conn = loop {
                match amqp::connect(self.settings).await {
                    Ok(c) => {
                        attempt = 0;
                        break c;
                    }
                    Err(e) => {
                        attempt += 1;
                        let wait = (2 * attempt).min(30);
                        log::warn!("Broker connection error, trying again in {wait} seconds: {e}.");
                        if self.sleep_or_stop(Duration::from_secs(wait)).await {
                            return Ok(Stop::Signal);
                        }
                    }
                }
            };
            end = self.session(&conn, &mut on_running).await;
            close(&conn).await;
        }
    }

    /// True when shutdown was requested during the sleep.
    async fn sleep_or_stop(&mut self, d: Duration) -> bool {
        tokio::select! {
            _ = shutdown_requested(&mut self.shutdown) => true,
            _ = tokio::time::sleep(d) => false,
        }
    }

    async fn session(
        &mut self,
        conn: &Connection,
        on_running: &mut Option<impl AsyncOnce>,
    ) -> Result<SessionEnd, String> {
        let channel = amqp::declare_topology(conn, self.bindings).await?;
        channel
            .basic_qos(PREFETCH, BasicQosOptions::default())
            .await
            .map_err(|e| e.to_string())?;
        let mut queues: Vec<&str> = Vec::new();
        for b in self.bindings {
            if !queues.contains(&b.queue.as_str()) {
                queues.push(&b.queue);
            }
        }
        let mut consumers = Vec::new();
        for q in queues {
            let c = channel
                .basic_consume(
                    q.into(),
                    "".into(),
                    BasicConsumeOptions::default(),
                    FieldTable::default(),
                )
                .await
                .map_err(|e| format!("cannot consume queue {q}: {e}"))?;
            log::info!("consuming queue {q}");
            consumers.push(c);
        }
        let mut deliveries = futures::stream::select_all(consumers);
        if let Some(cb) = on_running.take() {
            cb.call().await;
        }
        let mut idle_since = Instant::now();
        loop {
            if self.limits.max_events.is_some_and(|m| self.handled >= m) {
                return Ok(SessionEnd::Stopped(Stop::MaxEvents));
            }
            let idle_deadline = self.limits.idle_exit.map(|d| idle_since + d);
            let next = tokio::select! {
                biased;
                _ = shutdown_requested(&mut self.shutdown) => return Ok(SessionEnd::Stopped(Stop::Signal)),
                _ = sleep_until_opt(idle_deadline) => return Ok(SessionEnd::Stopped(Stop::Idle)),
                next = deliveries.next() => next,
            };
            let first = match next {
                Some(Ok(d)) => d,
                Some(Err(e)) => return Ok(SessionEnd::Lost(e.to_string())),
                None => return Ok(SessionEnd::Lost("the broker cancelled the consumer".into())),
            };
            // Deliveries already waiting join the first one (up to BATCH). Their handlers run
            // in order, independent ones together (`run_batch`); then their `messages` records are
            // written in one insert before any of them is answered.
            let mut deliveries_now = vec![first];
            let mut lost = None;
            while deliveries_now.len() < BATCH
                && self
                    .limits
                    .max_events
                    .is_none_or(|m| self.handled + (deliveries_now.len() as u64) < m)
            {
                match deliveries.next().now_or_never() {
                    Some(Some(Ok(d))) => deliveries_now.push(d),
                    Some(Some(Err(e))) => {
                        lost = Some(e.to_string());
                        break;
                    }
                    Some(None) => {
                        lost = Some("the broker cancelled the consumer".into());
                        break;
                    }
                    None => break,
                }
            }
            let mut outcomes = self.run_batch(&deliveries_now).await;
            self.dispatcher.refresh_graph().await;
            let mut handled: Vec<&mut Handled> = outcomes
                .iter_mut()
                .filter_map(|o| match o {
                    BatchOutcome::Ran(Ran::Handled(h)) => Some(h),
                    _ => None,
                })
                .collect();
            let recorded = self.dispatcher.record(&mut handled).await;
            let mut pause = None;
            let mut answers = Vec::with_capacity(deliveries_now.len());
            for (delivery, outcome) in deliveries_now.iter().zip(outcomes) {
                let decision = match outcome {
                    BatchOutcome::Decided(d) => d,
                    BatchOutcome::Ran(Ran::Handled(h)) => {
                        self.dispatcher.conclude(h, recorded.as_ref().err())
                    }
                    BatchOutcome::Ran(Ran::StoreDown {
                        key,
                        event_type,
                        id_text,
                        detail,
                    }) => self
                        .dispatcher
                        .store_down(&key, &event_type, &id_text, &detail),
                    // Not run because MongoDB went down before its turn: back to the queue,
                    // not counted.
                    BatchOutcome::NotRun => {
                        answers.push((delivery, Decision::Requeue));
                        continue;
                    }
                };
                self.handled += 1;
                if let Decision::StoreDown { attempt } = decision {
                    pause = Some(attempt);
                }
                answers.push((delivery, decision));
            }
            if let Err(e) = answer_all(&answers).await {
                return Ok(SessionEnd::Lost(e));
            }
            if let Some(reason) = lost {
                return Ok(SessionEnd::Lost(reason));
            }
            if let Some(attempt) = pause {
                let wait =
                    Duration::from_secs(1u64 << (attempt - 1).min(5)).min(Duration::from_secs(30));
                log::warn!(
                    "pausing consumption for {} s until MongoDB answers",
                    wait.as_secs()
                );
                if self.sleep_or_stop(wait).await {
                    return Ok(SessionEnd::Stopped(Stop::Signal));
                }
            }
            idle_since = Instant::now();
        }
    }
}

impl Consumer<'_> {
    /// Prepares and runs the handlers of a batch in delivery order. Consecutive jobs that change
    /// only their own object run together as long as no object repeats; any other job runs
    /// alone. Once MongoDB is found down, the jobs after it are not run.
    async fn run_batch(&mut self, batch: &[Delivery]) -> Vec<BatchOutcome> {
        let mut outcomes: Vec<BatchOutcome> = Vec::with_capacity(batch.len());
        let mut jobs = Vec::new();
        for delivery in batch {
            match self.dispatcher.prepare(&delivery.data) {
                Prepared::Decided(d) => outcomes.push(BatchOutcome::Decided(d)),
                Prepared::Job(job) => {
                    jobs.push((outcomes.len(), job));
                    outcomes.push(BatchOutcome::NotRun);
                }
            }
        }
        let mut jobs = jobs.into_iter().peekable();
        while let Some(first) = jobs.next() {
            let mut group = vec![first];
            if let Some(object) = group[0].1.object.clone() {
                let mut objects = std::collections::HashSet::from([object]);
                while let Some(next) =
                    jobs.next_if(|(_, j)| j.object.as_ref().is_some_and(|o| !objects.contains(o)))
                {
                    objects.extend(next.1.object.clone());
                    group.push(next);
                }
            }
            let dispatcher = &*self.dispatcher;
            let ran = futures::future::join_all(
                group
                    .into_iter()
                    .map(|(at, job)| async move { (at, dispatcher.run(job).await) }),
            )
            .await;
            let mut store_down = false;
            for (at, ran) in ran {
                store_down |= matches!(ran, Ran::StoreDown { .. });
                outcomes[at] = BatchOutcome::Ran(ran);
            }
            if store_down {
                break;
            }
        }
        outcomes
    }
}

/// What became of one delivery of a batch.
enum BatchOutcome {
    Decided(Decision),
    Ran(Ran),
    NotRun,
}

/// Closes the connection, giving up after a few seconds: lapin's close can wait forever for a
/// channel stuck in `Closing` (seen after a SIGTERM with deliveries still prefetched), and a
/// stopping listener must exit.
async fn close(conn: &Connection) {
    let closing = conn.close(200, "listener stopping".into());
    if tokio::time::timeout(Duration::from_secs(5), closing)
        .await
        .is_err()
    {
        log::warn!("the broker did not confirm closing the connection within 5 s");
    }
}

async fn sleep_until_opt(deadline: Option<Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

/// Acks name their own delivery tags and may go in any order, so they travel together: one wait
/// for the connection's writer instead of one per delivery. Rejections and requeues follow one
/// at a time in delivery order: lapin sends each answer from a task of its own, and answers sent
/// together could reach the dead-letter queue (or the queue's head) out of order.
async fn answer_all(answers: &[(&Delivery, Decision)]) -> Result<(), String> {
    let (acks, others): (Vec<_>, Vec<_>) = answers
        .iter()
        .partition(|(_, decision)| matches!(decision, Decision::Ack));
    let sent =
        futures::future::join_all(acks.iter().map(|(d, decision)| answer(d, *decision))).await;
    sent.into_iter().collect::<Result<(), String>>()?;
    for (delivery, decision) in others {
        answer(delivery, decision).await?;
    }
    Ok(())
}

async fn answer(delivery: &Delivery, decision: Decision) -> Result<(), String> {
    let acker = &delivery.acker;
    let result = match decision {
        Decision::Ack => acker.ack(BasicAckOptions::default()).await,
        Decision::Reject => acker.reject(BasicRejectOptions { requeue: false }).await,
        Decision::Requeue => acker.reject(BasicRejectOptions { requeue: true }).await,
        Decision::StoreDown { .. } => {
            acker
                .nack(BasicNackOptions {
                    multiple: false,
                    requeue: true,
                })
                .await
        }
    };
    result.map(|_| ()).map_err(|e| e.to_string())
}

/// A callback run once, asynchronously (writing `operational: running`).
#[async_trait::async_trait]
pub trait AsyncOnce: Send {
    async fn call(self);
}
