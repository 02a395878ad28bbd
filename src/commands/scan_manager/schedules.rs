//! `scheduled_scans` (scan-manager.md §6.3): due schedules become `scans` requests; the next
//! run is anchored on the first scheduled time, so polling lateness never accumulates.

use crate::commands::daemon::parse_timestamp;
use crate::doc::{id_string, str_field, truthy};
use bson::{doc, Bson, Document};
use chrono::{DateTime, Months, TimeDelta, Utc};
use futures::TryStreamExt;
use mongodb::Collection;
use std::collections::HashSet;

/// Fields of a schedule copied into each request it generates, when present.
const COPIED_FIELDS: [&str; 9] = [
    "log_level",
    "clear",
    "clear_all",
    "scan_only_inventory",
    "scan_only_links",
    "scan_only_cliques",
    "object_id",
    "inventory",
    "implicit_links",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frequency {
    Once,
    Hourly,
    Daily,
    Weekly,
    Monthly,
    Yearly,
}

impl Frequency {
    pub fn parse(text: &str) -> Option<Frequency> {
        Some(match text.to_ascii_uppercase().as_str() {
            "ONCE" => Frequency::Once,
            "HOURLY" => Frequency::Hourly,
            "DAILY" => Frequency::Daily,
            "WEEKLY" => Frequency::Weekly,
            "MONTHLY" => Frequency::Monthly,
            "YEARLY" => Frequency::Yearly,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Frequency::Once => "ONCE",
            Frequency::Hourly => "HOURLY",
            Frequency::Daily => "DAILY",
            Frequency::Weekly => "WEEKLY",
            Frequency::Monthly => "MONTHLY",
            Frequency::Yearly => "YEARLY",
        }
    }

    fn fixed_step(self) -> Option<TimeDelta> {
        match self {
            Frequency::Hourly => Some(TimeDelta::hours(1)),
            Frequency::Daily => Some(TimeDelta::days(1)),
            Frequency::Weekly => Some(TimeDelta::days(7)),
            _ => None,
        }
    }

    /// `anchor + n·F`; months and years keep the anchor's day, clamped to the month's length.
    pub fn step(self, anchor: DateTime<Utc>, n: u32) -> Option<DateTime<Utc>> {
        match self {
            Frequency::Once => Some(anchor),
            Frequency::Monthly => anchor.checked_add_months(Months::new(n)),
            Frequency::Yearly => anchor.checked_add_months(Months::new(n.checked_mul(12)?)),
            fixed => anchor.checked_add_signed(fixed.fixed_step()? * i32::try_from(n).ok()?),
        }
    }

    /// The first `anchor + n·F` (n ≥ 1) strictly later than `after`.
    pub fn next_after(self, anchor: DateTime<Utc>, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if self == Frequency::Once {
            return None;
        }
        // Start just below the answer, then walk forward.
        let estimate = match self.fixed_step() {
            Some(step) => (after - anchor).num_seconds() / step.num_seconds(),
            None => {
                let months = (after.year_month() - anchor.year_month()) - 1;
                if self == Frequency::Yearly {
                    months / 12
                } else {
                    months
                }
            }
        };
        let mut n = u32::try_from(estimate.max(1)).ok()?;
        loop {
            let candidate = self.step(anchor, n)?;
            if candidate > after {
                return Some(candidate);
            }
            n = n.checked_add(1)?;
        }
    }
}

trait YearMonth {
    fn year_month(&self) -> i64;
}

impl YearMonth for DateTime<Utc> {
    fn year_month(&self) -> i64 {
        use chrono::Datelike;
        i64::from(self.year()) * 12 + i64::from(self.month0())
    }
}

fn date(d: DateTime<Utc>) -> Bson {
    Bson::DateTime(bson::DateTime::from_chrono(d))
}

/// Turns due schedules into requests. Warnings about a bad schedule are given once per process.
pub struct Scheduler {
    pub schedules: Collection<Document>,
    pub requests: Collection<Document>,
    warned: HashSet<String>,
}

impl Scheduler {
    pub fn new(schedules: Collection<Document>, requests: Collection<Document>) -> Scheduler {
        Scheduler {
            schedules,
            requests,
            warned: HashSet::new(),
        }
    }

    fn warn_once(&mut self, id: &str, text: String) {
        if self.warned.insert(format!("{id}:{text}")) {
            log::warn!("{text}");
        }
    }

    /// One pass over every active schedule; returns how many requests were inserted.
    pub async fn run_due(&mut self, now: DateTime<Utc>) -> mongodb::error::Result<usize> {
        let active = doc! {"status": {"$ne": "finished"}, "imported": {"$ne": true},
        "send_to_remote": {"$ne": true}};
        let schedules: Vec<Document> = self.schedules.find(active).await?.try_collect().await?;
        let mut inserted = 0;
        for schedule in schedules {
            if self.handle(&schedule, now).await? {
                inserted += 1;
            }
        }
        Ok(inserted)
    }

    async fn handle(
        &mut self,
        schedule: &Document,
        now: DateTime<Utc>,
    ) -> mongodb::error::Result<bool> {
        let Some(oid) = schedule.get("_id").cloned() else {
            return Ok(false);
        };
        let id = id_string(&oid).unwrap_or_default();
        let freq_text = str_field(schedule, "recurrence")
            .or_else(|| str_field(schedule, "freq"))
            .unwrap_or_default();
        let Some(freq) = Frequency::parse(freq_text) else {
            self.warn_once(
                &id,
                format!("scheduled scan {id}: unknown frequency '{freq_text}'"),
            );
            return Ok(false);
        };
        let stored = schedule.get("scheduled_timestamp").cloned();
        let (scheduled, stored) = match parse_timestamp(stored.as_ref()) {
            Some(at) => (at, stored.unwrap_or(Bson::Null)),
            None if freq == Frequency::Once => {
                self.warn_once(
                    &id,
                    format!("scheduled scan {id}: ONCE needs scheduled_timestamp"),
                );
                return Ok(false);
            }
            None => {
                let base = parse_timestamp(schedule.get("submit_timestamp")).unwrap_or(now);
                let Some(first) = freq.step(base, 1) else {
                    return Ok(false);
                };
                let claimed = self
                    .schedules
                    .update_one(
                        doc! {"_id": &oid, "scheduled_timestamp": {"$exists": false}},
                        doc! {"$set": {"scheduled_timestamp": date(first), "status": "upcoming",
                        "schedule_anchor": date(first)}},
                    )
                    .await?;
                if claimed.modified_count == 0 {
                    return Ok(false);
                }
                (first, date(first))
            }
        };
        let anchor = parse_timestamp(schedule.get("schedule_anchor")).unwrap_or(scheduled);
        if scheduled > now {
            if !schedule.contains_key("schedule_anchor") {
                self.schedules
                    .update_one(
                        doc! {"_id": &oid},
                        doc! {"$set": {"schedule_anchor": date(anchor)}},
                    )
                    .await?;
            }
            return Ok(false);
        }
        let next_state = match freq.next_after(anchor, scheduled.max(now)) {
            None => doc! {"status": "finished"},
            Some(next) => doc! {"scheduled_timestamp": date(next), "status": "ongoing",
            "schedule_anchor": date(anchor)},
        };
        // Moving the schedule on is the claim: of two managers, only the one whose update
        // matched the old time inserts the request.
        let moved = self
            .schedules
            .update_one(
                doc! {"_id": &oid, "scheduled_timestamp": stored},
                doc! {"$set": next_state},
            )
            .await?;
        if moved.modified_count == 0 {
            return Ok(false);
        }
        let request = request_for(schedule, &oid, freq, now);
        self.requests.insert_one(request).await?;
        log::info!(
            "scheduled scan {id}: {} scan of '{}' requested",
            freq.name(),
            str_field(schedule, "environment").unwrap_or_default()
        );
        Ok(true)
    }
}

fn request_for(schedule: &Document, oid: &Bson, freq: Frequency, now: DateTime<Utc>) -> Document {
    let mut request = doc! {
        "status": "pending",
        "environment": schedule.get("environment").cloned().unwrap_or(Bson::Null),
        "submit_timestamp": date(now),
        "interval": freq.name(),
        "scheduled": true,
        "scheduled_scan_id": oid.clone(),
    };
    for field in COPIED_FIELDS {
        if let Some(value) = schedule.get(field) {
            request.insert(field, value.clone());
        }
    }
    request
}

/// One line per schedule for `--list-schedules`.
pub fn describe(schedule: &Document) -> String {
    let text = |k: &str| str_field(schedule, k).unwrap_or("-").to_string();
    let freq = str_field(schedule, "recurrence")
        .or_else(|| str_field(schedule, "freq"))
        .unwrap_or("-")
        .to_ascii_uppercase();
    let next = parse_timestamp(schedule.get("scheduled_timestamp")).map_or_else(
        || "not yet scheduled".to_string(),
        |d| d.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
    );
    let flags: Vec<String> = [
        "clear",
        "clear_all",
        "scan_only_inventory",
        "scan_only_links",
        "scan_only_cliques",
    ]
    .iter()
    .filter(|f| truthy(schedule.get(**f)))
    .map(|f| f.to_string())
    .chain(str_field(schedule, "log_level").map(|l| format!("log_level={l}")))
    .chain(str_field(schedule, "object_id").map(|o| format!("object_id={o}")))
    .collect();
    format!(
        "{:<24} {:<8} {:<9} {:<24} {}",
        text("environment"),
        freq,
        text("status"),
        next,
        flags.join(" ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn spec_vectors() {
        // DAILY anchored 2024-03-10 02:00, checked at 2024-03-12 02:15.
        let next =
            Frequency::Daily.next_after(at("2024-03-10T02:00:00Z"), at("2024-03-12T02:15:00Z"));
        assert_eq!(next, Some(at("2024-03-13T02:00:00Z")));
        let jan31 = at("2024-01-31T00:00:00Z");
        let monthly: Vec<_> = (1..=3)
            .map(|n| Frequency::Monthly.step(jan31, n).unwrap())
            .collect();
        assert_eq!(
            monthly,
            vec![
                at("2024-02-29T00:00:00Z"),
                at("2024-03-31T00:00:00Z"),
                at("2024-04-30T00:00:00Z")
            ]
        );
        let feb29 = at("2024-02-29T00:00:00Z");
        let yearly: Vec<_> = (1..=4)
            .map(|n| Frequency::Yearly.step(feb29, n).unwrap())
            .collect();
        assert_eq!(
            yearly,
            vec![
                at("2025-02-28T00:00:00Z"),
                at("2026-02-28T00:00:00Z"),
                at("2027-02-28T00:00:00Z"),
                at("2028-02-29T00:00:00Z")
            ]
        );
        assert_eq!(
            Frequency::Hourly.step(at("2024-05-01T10:20:00Z"), 1),
            Some(at("2024-05-01T11:20:00Z"))
        );
    }

    #[test]
    fn next_run_is_strictly_later_and_anchored() {
        let anchor = at("2024-01-31T00:00:00Z");
        // Checked exactly at a run time: the next one, not the same one.
        assert_eq!(
            Frequency::Monthly.next_after(anchor, at("2024-03-31T00:00:00Z")),
            Some(at("2024-04-30T00:00:00Z"))
        );
        // Missed periods are not replayed.
        assert_eq!(
            Frequency::Monthly.next_after(anchor, at("2025-06-15T00:00:00Z")),
            Some(at("2025-06-30T00:00:00Z"))
        );
        assert_eq!(
            Frequency::Weekly.next_after(at("2017-07-02T14:38:09Z"), at("2026-11-25T00:00:00Z")),
            Some(at("2026-11-29T14:38:09Z"))
        );
        assert_eq!(
            Frequency::Yearly.next_after(at("2024-02-29T00:00:00Z"), at("2024-02-29T00:00:00Z")),
            Some(at("2025-02-28T00:00:00Z"))
        );
        assert_eq!(Frequency::Once.next_after(anchor, anchor), None);
        assert_eq!(Frequency::parse("weekly"), Some(Frequency::Weekly));
        assert_eq!(Frequency::parse("FORTNIGHTLY"), None);
    }
}
