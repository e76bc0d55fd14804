//! The webhook outbox: one row per (event, webhook), written in the transaction of the
//! change the event announces, so that an alert is never committed without its deliveries
//! and a crash never loses one. Delivery (claiming with a lease, retrying, dead-lettering)
//! reads and updates these rows; see `crate::deliver`.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::alerts::{alert_payload, alert_row, Alert, Announce, SELECT_ALERTS};
use super::*;

/// A new event id (`evt_` + 128 random bits): the Idempotency-Key of every delivery of it.
pub fn event_id() -> String {
    format!("evt_{}", uuid::Uuid::new_v4().simple())
}

impl Tx {
    /// Writes one outbox row per event and webhook that should hear of it: the global
    /// webhooks and those of the event's feature set. Returns the number of rows written.
    pub(super) async fn announce(&mut self, events: &[Announce], public_url: &str, at: DateTime<Utc>) -> Result<usize, StoreError> {
        if events.is_empty() {
            return Ok(0);
        }
        const HOOKS: &str = "SELECT id, global FROM webhooks WHERE removed_ms IS NULL";
        let hooks: Vec<(i64, bool)> = on_tx!(self, "announce", |c| sqlx::query(HOOKS)
            .fetch_all(c)
            .await
            .map_err(query_err("reading webhooks"))?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect());
        if hooks.is_empty() {
            return Ok(0);
        }
        let global: Vec<i64> = hooks.iter().filter(|(_, g)| *g).map(|(id, _)| *id).collect();
        let mut linked: HashMap<i64, Vec<i64>> = HashMap::new();
        const LINKS: &str = "SELECT l.feature_set_id, l.webhook_id FROM feature_set_webhooks l JOIN webhooks w ON w.id = l.webhook_id WHERE w.removed_ms IS NULL";
        for (fs, hook) in on_tx!(self, "announce", |c| sqlx::query(LINKS)
            .fetch_all(c)
            .await
            .map_err(query_err("reading feature set webhooks"))?
            .iter()
            .map(|r| (r.get::<i64, _>(0), r.get::<i64, _>(1)))
            .collect::<Vec<_>>())
        {
            linked.entry(fs).or_default().push(hook);
        }
        let mut written = 0;
        for ev in events {
            let id = event_id();
            let (kind, fs, alert_id, payload) = match ev {
                Announce::Alert(kind, alert_id, fs) => {
                    let sql = format!("{SELECT_ALERTS} WHERE a.id = $1");
                    let alert: Alert = on_tx!(self, "announce", |c| sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                        .bind(alert_id)
                        .fetch_one(c)
                        .await
                        .map(|r| alert_row(&r))
                        .map_err(query_err("reading an alert to announce"))?);
                    (*kind, *fs, Some(*alert_id), alert_payload(kind, &id, &alert, public_url))
                }
                Announce::GateFailed(fs) => {
                    let name: String = on_tx!(self, "announce", |c| sqlx::query("SELECT name FROM feature_sets WHERE id = $1")
                        .bind(fs)
                        .fetch_one(c)
                        .await
                        .map_err(query_err("reading a feature set to announce"))?
                        .get(0));
                    let payload = serde_json::json!({
                        "event": "gate.failed",
                        "id": id,
                        "feature_set": { "name": name, "url": format!("{}/feature-sets/{}", public_url.trim_end_matches('/'), name) },
                    });
                    ("gate.failed", *fs, None, payload)
                }
            };
            let targets: HashSet<i64> = global.iter().chain(linked.get(&fs).into_iter().flatten()).copied().collect();
            let body = payload.to_string();
            for hook in targets {
                const INSERT: &str = "INSERT INTO outbox (event_id, webhook_id, event, alert_id, feature_set_id, payload_json, status, created_ms, next_attempt_ms) \
                                      VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $7)";
                on_tx!(self, "announce", |c| sqlx::query(INSERT)
                    .bind(&id)
                    .bind(hook)
                    .bind(kind)
                    .bind(alert_id)
                    .bind(fs)
                    .bind(&body)
                    .bind(ms(at))
                    .execute(c)
                    .await
                    .map(|_| ())
                    .map_err(query_err("writing to the outbox"))?);
                written += 1;
            }
        }
        Ok(written)
    }
}

/// A delivery claimed by a worker: what to send, to which webhook, and how long it has
/// been waiting (the dead-letter clock starts when the event was written).
#[derive(Debug, Clone, PartialEq)]
pub struct Claimed {
    /// The outbox row.
    pub id: i64,
    /// `evt_…`: the Idempotency-Key, the same on every attempt.
    pub event_id: String,
    pub webhook_id: i64,
    /// `alert.opened`, `alert.reopened`, `alert.resolved` or `gate.failed`.
    pub event: String,
    /// The body without `sent_at` (added at each attempt).
    pub payload_json: String,
    pub created_at: DateTime<Utc>,
    /// Attempts made before this one.
    pub attempts: i64,
}

/// One delivery attempt, as the worker that made it saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct AttemptRecord<'a> {
    pub worker: &'a str,
    pub at: DateTime<Utc>,
    /// The receiver's HTTP status, when it answered.
    pub status_code: Option<u16>,
    /// Why the attempt failed (already capped and free of secrets), if it did.
    pub error: Option<&'a str>,
    pub duration: Duration,
}

/// What becomes of a delivery after an attempt.
#[derive(Debug, Clone, PartialEq)]
pub enum AttemptOutcome {
    /// The receiver acknowledged it (2xx): done.
    Delivered,
    /// Try again at this time.
    Retry(DateTime<Utc>),
    /// Give up, with the reason shown with the delivery.
    Dead(String),
}

/// One attempt at delivering an event, as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DeliveryAttempt {
    pub at: DateTime<Utc>,
    pub worker: String,
    /// The receiver's HTTP status, when it answered.
    pub status_code: Option<i64>,
    pub error: Option<String>,
    pub duration_ms: i64,
}

/// The delivery of one event to one webhook: where it stands and every attempt so far.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Delivery {
    /// The Idempotency-Key.
    pub event_id: String,
    pub event: String,
    pub webhook: String,
    /// `pending`, `delivered` or `dead`.
    pub status: String,
    pub attempts: i64,
    pub created_at: DateTime<Utc>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    /// When the next attempt is due (pending deliveries only).
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
    /// Why it was given up (dead deliveries only).
    pub dead_reason: Option<String>,
    /// Oldest first.
    pub history: Vec<DeliveryAttempt>,
}

/// The outbox at a glance, for the `assay_outbox_pending` gauge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct OutboxStats {
    /// Deliveries not yet acknowledged nor given up.
    pub pending: i64,
    /// When the oldest of them was written.
    pub oldest_pending: Option<DateTime<Utc>>,
}

const CLAIMED_COLUMNS: &str = "id, event_id, webhook_id, event, payload_json, created_ms, attempts";

impl Store {
    /// Claims up to `limit` deliveries that are due (`next_attempt_at <= now`) and not
    /// leased, or whose lease expired, for `worker` until `now + lease`. An alert's events
    /// reach each webhook in order: a delivery waits while an earlier one of the same alert
    /// to the same webhook is pending (a receiver must not see `resolved` before `opened`);
    /// a dead one no longer holds the next back.
    ///
    /// # Transactions, locks, and timeouts
    /// One statement. On Postgres the rows are picked with `FOR UPDATE SKIP LOCKED`, so
    /// concurrent claimers skip each other's rows instead of waiting, and a row another
    /// worker claimed between our snapshot and our lock is re-checked against its new lease
    /// and dropped; SQLite serialises writers, so the statement is atomic there. The lease
    /// must outlast an attempt (the request timeout plus recording it): a worker that dies
    /// mid-attempt stops holding its rows when the lease expires, and another worker sends
    /// them again — at least once, never twice at the same time.
    pub async fn claim_deliveries(&self, worker: &str, now: DateTime<Utc>, lease: Duration, limit: i64) -> Result<Vec<Claimed>, StoreError> {
        const CLAIM: &str = "UPDATE outbox SET lease_owner = $1, lease_expires_ms = $2 WHERE id IN (\
                             SELECT o.id FROM outbox o WHERE o.status = 'pending' AND o.next_attempt_ms <= $3 \
                             AND (o.lease_expires_ms IS NULL OR o.lease_expires_ms <= $3) \
                             AND NOT EXISTS (SELECT 1 FROM outbox e WHERE e.alert_id = o.alert_id AND e.webhook_id = o.webhook_id \
                             AND e.status = 'pending' AND e.id < o.id) \
                             ORDER BY o.next_attempt_ms, o.id LIMIT $4";
        let sql = match self {
            Store::Postgres(_) => format!("{CLAIM} FOR UPDATE OF o SKIP LOCKED) RETURNING {CLAIMED_COLUMNS}"),
            Store::Sqlite(_) => format!("{CLAIM}) RETURNING {CLAIMED_COLUMNS}"),
        };
        let mut rows = on_pool!(self, "claim_deliveries", |p| sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
            .bind(worker)
            .bind(ms_after(now, lease))
            .bind(ms(now))
            .bind(limit)
            .fetch_all(p)
            .await
            .map_err(query_err(format!("claiming webhook deliveries for {worker}")))?
            .iter()
            .map(|r| Claimed {
                id: r.get(0),
                event_id: r.get(1),
                webhook_id: r.get(2),
                event: r.get(3),
                payload_json: r.get(4),
                created_at: from_ms(r.get(5)),
                attempts: r.get(6),
            })
            .collect::<Vec<_>>());
        rows.sort_by_key(|c| c.id);
        Ok(rows)
    }

    /// Records an attempt at delivery `outbox_id` and what follows from it, in one
    /// transaction. A retry or a dead letter applies only while `worker` still holds the
    /// lease (false otherwise: another worker took the row over, and its attempt decides);
    /// an acknowledgement applies whoever holds the row, since the receiver has it.
    pub async fn record_attempt(&self, outbox_id: i64, attempt: &AttemptRecord<'_>, outcome: &AttemptOutcome) -> Result<bool, StoreError> {
        let what = format!("recording an attempt at delivery {outbox_id}");
        let duration_ms = i64::try_from(attempt.duration.as_millis()).unwrap_or(i64::MAX);
        let status = attempt.status_code.map(i64::from);
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, "record_attempt", |c| sqlx::query("INSERT INTO delivery_attempts (outbox_id, at_ms, worker, status_code, error, duration_ms) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(outbox_id)
            .bind(ms(attempt.at))
            .bind(attempt.worker)
            .bind(status)
            .bind(attempt.error)
            .bind(duration_ms)
            .execute(c)
            .await
            .map(|_| ())
            .map_err(query_err(what.clone()))?);
        let done = ms(attempt.at).saturating_add(duration_ms);
        let n = match outcome {
            AttemptOutcome::Delivered => {
                const SQL: &str = "UPDATE outbox SET status = 'delivered', delivered_ms = $1, attempts = attempts + 1, last_attempt_ms = $2, last_status = $3, \
                                   last_error = NULL, lease_owner = NULL, lease_expires_ms = NULL WHERE id = $4 AND status = 'pending'";
                on_tx!(&mut tx, "record_attempt", |c| sqlx::query(SQL)
                    .bind(done)
                    .bind(ms(attempt.at))
                    .bind(status)
                    .bind(outbox_id)
                    .execute(c)
                    .await
                    .map_err(query_err(what.clone()))?
                    .rows_affected())
            }
            AttemptOutcome::Retry(next) => {
                const SQL: &str = "UPDATE outbox SET next_attempt_ms = $1, attempts = attempts + 1, last_attempt_ms = $2, last_status = $3, last_error = $4, \
                                   lease_owner = NULL, lease_expires_ms = NULL WHERE id = $5 AND status = 'pending' AND lease_owner = $6";
                on_tx!(&mut tx, "record_attempt", |c| sqlx::query(SQL)
                    .bind(ms(*next))
                    .bind(ms(attempt.at))
                    .bind(status)
                    .bind(attempt.error)
                    .bind(outbox_id)
                    .bind(attempt.worker)
                    .execute(c)
                    .await
                    .map_err(query_err(what.clone()))?
                    .rows_affected())
            }
            AttemptOutcome::Dead(reason) => {
                const SQL: &str = "UPDATE outbox SET status = 'dead', dead_reason = $1, attempts = attempts + 1, last_attempt_ms = $2, last_status = $3, last_error = $4, \
                                   lease_owner = NULL, lease_expires_ms = NULL WHERE id = $5 AND status = 'pending' AND lease_owner = $6";
                on_tx!(&mut tx, "record_attempt", |c| sqlx::query(SQL)
                    .bind(reason)
                    .bind(ms(attempt.at))
                    .bind(status)
                    .bind(attempt.error)
                    .bind(outbox_id)
                    .bind(attempt.worker)
                    .execute(c)
                    .await
                    .map_err(query_err(what.clone()))?
                    .rows_affected())
            }
        };
        tx.commit().await?;
        Ok(n > 0)
    }

    /// Gives up delivery `outbox_id` without an attempt (its webhook was removed), if
    /// `worker` holds it.
    pub async fn dead_letter(&self, outbox_id: i64, worker: &str, reason: &str) -> Result<bool, StoreError> {
        const SQL: &str = "UPDATE outbox SET status = 'dead', dead_reason = $1, lease_owner = NULL, lease_expires_ms = NULL \
                           WHERE id = $2 AND status = 'pending' AND lease_owner = $3";
        let n = on_pool!(self, "dead_letter", |p| sqlx::query(SQL)
            .bind(reason)
            .bind(outbox_id)
            .bind(worker)
            .execute(p)
            .await
            .map_err(query_err(format!("dead-lettering delivery {outbox_id}")))?
            .rows_affected());
        Ok(n > 0)
    }

    /// Hands back the deliveries `worker` holds without attempting them (shutdown), so
    /// that another worker, or this one restarted, sends them at once rather than after
    /// the lease. Returns how many.
    pub async fn release_deliveries(&self, worker: &str) -> Result<u64, StoreError> {
        const SQL: &str = "UPDATE outbox SET lease_owner = NULL, lease_expires_ms = NULL WHERE status = 'pending' AND lease_owner = $1";
        let n = on_pool!(self, "release_deliveries", |p| sqlx::query(SQL)
            .bind(worker)
            .execute(p)
            .await
            .map_err(query_err(format!("releasing the deliveries of {worker}")))?
            .rows_affected());
        Ok(n)
    }

    /// The deliveries of alert `alert_id`'s events, oldest first, each with its attempts.
    pub async fn deliveries(&self, alert_id: i64) -> Result<Vec<Delivery>, StoreError> {
        const SQL: &str = "SELECT o.id, o.event_id, o.event, w.name, o.status, o.attempts, o.created_ms, o.last_attempt_ms, o.last_status, o.last_error, \
                           o.next_attempt_ms, o.delivered_ms, o.dead_reason FROM outbox o JOIN webhooks w ON w.id = o.webhook_id WHERE o.alert_id = $1 ORDER BY o.id";
        let what = format!("reading the deliveries of alert {alert_id}");
        let mut rows: Vec<(i64, Delivery)> = on_pool!(self, "deliveries", |p| sqlx::query(SQL)
            .bind(alert_id)
            .fetch_all(p)
            .await
            .map_err(query_err(what.clone()))?
            .iter()
            .map(|r| {
                let status: String = r.get(4);
                let pending = status == "pending";
                (
                    r.get(0),
                    Delivery {
                        event_id: r.get(1),
                        event: r.get(2),
                        webhook: r.get(3),
                        status,
                        attempts: r.get(5),
                        created_at: from_ms(r.get(6)),
                        last_attempt_at: r.get::<Option<i64>, _>(7).map(from_ms),
                        last_status: r.get(8),
                        last_error: r.get(9),
                        next_attempt_at: pending.then(|| from_ms(r.get(10))),
                        delivered_at: r.get::<Option<i64>, _>(11).map(from_ms),
                        dead_reason: r.get(12),
                        history: Vec::new(),
                    },
                )
            })
            .collect());
        const ATTEMPTS: &str = "SELECT a.outbox_id, a.at_ms, a.worker, a.status_code, a.error, a.duration_ms FROM delivery_attempts a \
                                JOIN outbox o ON o.id = a.outbox_id WHERE o.alert_id = $1 ORDER BY a.id";
        let attempts: Vec<(i64, DeliveryAttempt)> = on_pool!(self, "deliveries", |p| sqlx::query(ATTEMPTS)
            .bind(alert_id)
            .fetch_all(p)
            .await
            .map_err(query_err(what.clone()))?
            .iter()
            .map(|r| (r.get(0), DeliveryAttempt { at: from_ms(r.get(1)), worker: r.get(2), status_code: r.get(3), error: r.get(4), duration_ms: r.get(5) }))
            .collect());
        let index: HashMap<i64, usize> = rows.iter().enumerate().map(|(i, (id, _))| (*id, i)).collect();
        for (outbox_id, a) in attempts {
            if let Some(&i) = index.get(&outbox_id) {
                rows[i].1.history.push(a);
            }
        }
        Ok(rows.into_iter().map(|(_, d)| d).collect())
    }

    /// How many deliveries are pending, and since when.
    pub async fn outbox_stats(&self) -> Result<OutboxStats, StoreError> {
        const SQL: &str = "SELECT COUNT(*), MIN(created_ms) FROM outbox WHERE status = 'pending'";
        let stats = on_pool!(self, "outbox_stats", |p| sqlx::query(SQL)
            .fetch_one(p)
            .await
            .map(|r| OutboxStats { pending: r.get(0), oldest_pending: r.get::<Option<i64>, _>(1).map(from_ms) })
            .map_err(query_err("counting pending webhook deliveries"))?);
        Ok(stats)
    }
}
