//! The clean-data gate: is a feature set clean, as of now? Answered from state kept at
//! scan time (each source's last scan, each member's missing columns, the unresolved
//! alerts), never by walking history: one statement of indexed reads whatever the
//! history's size.
//!
//! It fails closed: a member never scanned, scanned last before the freshness window,
//! whose last scan failed, or with a named column missing fails it, as does any alert not
//! resolved (acknowledged ones too). A dismissed finding is not a reason.

use serde::{Deserialize, Serialize};

use super::*;

/// Why the gate fails.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct GateReason {
    /// `contaminated`, `stale`, `never_scanned`, `scan_failed` or `column_missing`.
    pub kind: String,
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dataset: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alert_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_scan_at: Option<DateTime<Utc>>,
    pub message: String,
}

/// A member as the gate saw it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct GateMember {
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub columns: Option<Vec<String>>,
    pub allow: Vec<String>,
    pub last_scan_id: Option<i64>,
    pub last_scan_at: Option<DateTime<Utc>>,
    /// `succeeded`, `partial`, `failed`; absent when never scanned.
    pub last_scan_status: Option<String>,
}

/// The gate's answer (DESIGN.md, "The gate's answer").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct GateAnswer {
    pub feature_set: String,
    /// `pass` or `fail`.
    pub status: String,
    pub checked_at: DateTime<Utc>,
    /// The freshness window applied, in seconds.
    pub max_age_secs: u64,
    pub reasons: Vec<GateReason>,
    pub members: Vec<GateMember>,
    /// The last scan of every member's source (the scans the verdict rests on).
    pub scans: Vec<i64>,
}

impl Store {
    /// The gate of the live feature set `name`, as of `now`, with members fresh within
    /// `max_age`. `None` when there is no such feature set.
    pub async fn gate(&self, name: &str, max_age: Duration, now: DateTime<Utc>) -> Result<Option<GateAnswer>, StoreError> {
        // One statement, so that the answer costs one round trip: the members with their
        // sources' last scans (kind 0, in declaration order; a feature set without members
        // still gives one row), then the unresolved alerts (kind 1).
        const SQL: &str = "SELECT CAST(0 AS BIGINT), m.position, s.last_scan_id, s.last_scan_ms, s.last_ok_ms, s.removed_ms, \
                                  s.name, m.columns_json, m.allow_json, m.missing_json, s.last_scan_status, CAST(NULL AS TEXT), CAST(NULL AS DOUBLE PRECISION) \
                           FROM feature_sets f LEFT JOIN feature_set_members m ON m.feature_set_id = f.id LEFT JOIN sources s ON s.id = m.source_id \
                           WHERE f.name = $1 AND f.removed_ms IS NULL \
                           UNION ALL \
                           SELECT CAST(1 AS BIGINT), a.id, a.id, CAST(NULL AS BIGINT), CAST(NULL AS BIGINT), CAST(NULL AS BIGINT), \
                                  s.name, d.name, a.column_name, a.label, a.severity, a.status, COALESCE(e.match_rate, a.match_rate) \
                           FROM feature_sets f JOIN alerts a ON a.feature_set_id = f.id \
                           JOIN sources s ON s.id = a.source_id JOIN datasets d ON d.id = a.dataset_id \
                           LEFT JOIN finding_state e ON e.dataset_id = a.dataset_id AND e.column_name = a.column_name AND e.label = a.label \
                           WHERE f.name = $1 AND f.removed_ms IS NULL AND a.status <> 'resolved' \
                           ORDER BY 1, 2";
        type Ints = (i64, Option<i64>, Option<i64>, Option<i64>, Option<i64>, Option<i64>);
        type Texts = (Option<String>, Option<String>, Option<String>, Option<String>, Option<String>, Option<String>, Option<f64>);
        let rows: Vec<(Ints, Texts)> = on_pool!(self, "gate", |p| sqlx::query(SQL)
            .bind(name)
            .fetch_all(p)
            .await
            .map_err(query_err(format!("reading feature set `{name}`")))?
            .iter()
            .map(|r| ((r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5)), (r.get(6), r.get(7), r.get(8), r.get(9), r.get(10), r.get(11), r.get(12))))
            .collect());
        if rows.is_empty() {
            return Ok(None);
        }
        let mut member_rows = Vec::new();
        let mut alerts = Vec::new();
        for ((kind, _, i2, i3, i4, i5), (t1, t2, t3, t4, t5, t6, f1)) in rows {
            if kind == 0 {
                member_rows.push((t1, t2, t3, t4, i2, t5, i3, i4, i5));
            } else if let (Some(id), Some(source), Some(dataset), Some(column), Some(label), Some(severity), Some(status)) = (i2, t1, t2, t3, t4, t5, t6) {
                alerts.push((id, source, dataset, column, label, severity, f1.unwrap_or_default(), status));
            }
        }
        let window = chrono::Duration::from_std(max_age).unwrap_or(chrono::Duration::MAX);
        let mut reasons = Vec::new();
        let mut members = Vec::new();
        let mut scans = Vec::new();
        for (source, columns, allow, missing, last_id, last_status, last_ms, last_ok_ms, removed_ms) in member_rows {
            let Some(source) = source else { continue };
            let reason = |kind: &str, message: String| GateReason {
                kind: kind.into(),
                source: source.clone(),
                dataset: None,
                column: None,
                label: None,
                alert_id: None,
                last_scan_at: last_ms.map(from_ms),
                message,
            };
            if removed_ms.is_some() {
                reasons.push(reason("never_scanned", format!("source `{source}` was removed")));
            } else if last_id.is_none() {
                reasons.push(reason("never_scanned", format!("source `{source}` has never been scanned")));
            } else if last_status.as_deref() == Some("failed") {
                reasons.push(reason("scan_failed", format!("the last scan of source `{source}` failed")));
            } else if last_ok_ms.map(from_ms).is_none_or(|t| now.signed_duration_since(t) > window) {
                let age = last_ok_ms.map(|t| crate::config::format_duration(Duration::from_millis(ms(now).saturating_sub(t).max(0) as u64)));
                reasons.push(reason("stale", format!("source `{source}` was last scanned {} ago, longer than {}", age.unwrap_or_default(), crate::config::format_duration(max_age))));
            }
            for column in serde_json::from_str::<Vec<String>>(missing.as_deref().unwrap_or("[]")).unwrap_or_default() {
                let mut r = reason("column_missing", format!("source `{source}` has no column `{column}`"));
                r.column = Some(column);
                reasons.push(r);
            }
            if let Some(id) = last_id {
                scans.push(id);
            }
            members.push(GateMember {
                source: source.clone(),
                columns: columns.and_then(|c| serde_json::from_str(&c).ok()),
                allow: allow.and_then(|a| serde_json::from_str(&a).ok()).unwrap_or_default(),
                last_scan_id: last_id,
                last_scan_at: last_ms.map(from_ms),
                last_scan_status: last_status,
            });
        }
        for (id, source, dataset, column, label, severity, rate, status) in alerts {
            let removed = label == super::alerts::COLUMN_REMOVED;
            let message = if removed {
                format!("column `{column}` disappeared from `{dataset}` (alert {id}, {status})")
            } else {
                format!("`{dataset}` column `{column}` holds {label} ({:.1}% of values, {severity}; alert {id}, {status})", rate * 100.0)
            };
            reasons.push(GateReason {
                kind: if removed { "column_missing" } else { "contaminated" }.into(),
                source,
                dataset: Some(dataset),
                column: Some(column),
                label: Some(label),
                alert_id: Some(id),
                last_scan_at: None,
                message,
            });
        }
        scans.sort_unstable();
        scans.dedup();
        Ok(Some(GateAnswer {
            feature_set: name.to_string(),
            status: if reasons.is_empty() { "pass" } else { "fail" }.into(),
            checked_at: now,
            max_age_secs: max_age.as_secs(),
            reasons,
            members,
            scans,
        }))
    }
}
