//! The webhook outbox: one row per (event, webhook), written in the transaction of the
//! change the event announces, so that an alert is never committed without its deliveries
//! and a crash never loses one. Delivery (claiming with a lease, retrying, dead-lettering)
//! reads and updates these rows; see `crate::deliver`.

use std::collections::{HashMap, HashSet};

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
                Announce::Alert(kind, alert_id) => {
                    let sql = format!("{SELECT_ALERTS} WHERE a.id = $1");
                    let alert: Alert = on_tx!(self, "announce", |c| sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                        .bind(alert_id)
                        .fetch_one(c)
                        .await
                        .map(|r| alert_row(&r))
                        .map_err(query_err("reading an alert to announce"))?);
                    let fs: i64 = on_tx!(self, "announce", |c| sqlx::query("SELECT feature_set_id FROM alerts WHERE id = $1")
                        .bind(alert_id)
                        .fetch_one(c)
                        .await
                        .map_err(query_err("reading an alert to announce"))?
                        .get(0));
                    (*kind, fs, Some(*alert_id), alert_payload(kind, &id, &alert, public_url))
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
