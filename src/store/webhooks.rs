//! Webhooks: where alert events are delivered. A webhook's secret is a reference
//! (`env:NAME`, `file:/path`) resolved when a delivery is signed, never stored itself.

use serde::{Deserialize, Serialize};

use super::*;

/// The body a webhook receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum WebhookFormat {
    /// The event as DESIGN.md defines it.
    #[default]
    Json,
    /// A Slack-compatible message (`{"text": …}`), for incoming-webhook URLs.
    Slack,
}

impl WebhookFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            WebhookFormat::Json => "json",
            WebhookFormat::Slack => "slack",
        }
    }
}

fn yes() -> bool {
    true
}

/// A webhook as declared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookSpec {
    pub name: String,
    /// `http://` or `https://`.
    pub url: String,
    /// The signing secret as a reference (`env:NAME`, `file:/path`); unsigned without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    #[serde(default)]
    pub format: WebhookFormat,
    /// Global webhooks (the default) receive the events of every feature set; the others
    /// only those of feature sets that list them.
    #[serde(default = "yes")]
    pub global: bool,
}

/// A webhook as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Webhook {
    #[serde(skip)]
    pub id: i64,
    #[serde(flatten)]
    pub spec: WebhookSpec,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const SELECT: &str = "SELECT id, name, url, secret_ref, format, global, created_ms, updated_ms FROM webhooks WHERE removed_ms IS NULL";

fn webhook_row<R: Row>(r: &R) -> Webhook
where
    usize: sqlx::ColumnIndex<R>,
    i64: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    bool: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    String: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    Option<String>: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    Webhook {
        id: r.get(0),
        spec: WebhookSpec {
            name: r.get(1),
            url: r.get(2),
            secret: r.get(3),
            format: if r.get::<String, _>(4) == "slack" { WebhookFormat::Slack } else { WebhookFormat::Json },
            global: r.get(5),
        },
        created_at: from_ms(r.get(6)),
        updated_at: from_ms(r.get(7)),
    }
}

impl Store {
    /// Every live webhook, by name.
    pub async fn webhooks(&self) -> Result<Vec<Webhook>, StoreError> {
        let sql = format!("{SELECT} ORDER BY name");
        let rows = on_pool!(self, "webhooks", |p| sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).fetch_all(p).await.map_err(query_err("listing webhooks"))?.iter().map(webhook_row).collect::<Vec<_>>());
        Ok(rows)
    }

    /// The webhook with id `id`, live or removed (a pending delivery may outlive it).
    pub async fn webhook_by_id(&self, id: i64) -> Result<Option<(Webhook, bool)>, StoreError> {
        const SQL: &str = "SELECT id, name, url, secret_ref, format, global, created_ms, updated_ms, removed_ms FROM webhooks WHERE id = $1";
        let row = on_pool!(self, "webhook_by_id", |p| sqlx::query(SQL)
            .bind(id)
            .fetch_optional(p)
            .await
            .map_err(query_err(format!("reading webhook {id}")))?
            .map(|r| (webhook_row(&r), r.get::<Option<i64>, _>(8).is_some())));
        Ok(row)
    }
}

impl Tx {
    /// Creates the webhook or replaces the one with its name. Returns it and whether it is new.
    pub async fn put_webhook(&mut self, spec: &WebhookSpec, now: DateTime<Utc>) -> Result<(Webhook, bool), StoreError> {
        const UPDATE: &str = "UPDATE webhooks SET url = $1, secret_ref = $2, format = $3, global = $4, updated_ms = $5 WHERE name = $6 AND removed_ms IS NULL";
        let updated = on_tx!(self, "put_webhook", |c| sqlx::query(UPDATE)
            .bind(&spec.url)
            .bind(spec.secret.as_deref())
            .bind(spec.format.as_str())
            .bind(spec.global)
            .bind(ms(now))
            .bind(&spec.name)
            .execute(c)
            .await
            .map_err(query_err(format!("updating webhook `{}`", spec.name)))?
            .rows_affected());
        if updated == 0 {
            const INSERT: &str = "INSERT INTO webhooks (name, url, secret_ref, format, global, created_ms, updated_ms) VALUES ($1, $2, $3, $4, $5, $6, $6)";
            on_tx!(self, "put_webhook", |c| sqlx::query(INSERT)
                .bind(&spec.name)
                .bind(&spec.url)
                .bind(spec.secret.as_deref())
                .bind(spec.format.as_str())
                .bind(spec.global)
                .bind(ms(now))
                .execute(c)
                .await
                .map(|_| ())
                .map_err(query_err(format!("creating webhook `{}`", spec.name)))?);
        }
        let sql = format!("{SELECT} AND name = $1");
        let hook = on_tx!(self, "put_webhook", |c| sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(&spec.name).fetch_one(c).await.map_err(query_err("reading a webhook back")).map(|r| webhook_row(&r)))?;
        Ok((hook, updated == 0))
    }

    /// Removes a webhook: feature sets stop naming it; deliveries already queued for it
    /// are dead-lettered. Returns whether it existed.
    pub async fn remove_webhook(&mut self, name: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
        const SQL: &str = "UPDATE webhooks SET removed_ms = $1 WHERE name = $2 AND removed_ms IS NULL RETURNING id";
        let id: Option<i64> = on_tx!(self, "remove_webhook", |c| sqlx::query(SQL)
            .bind(ms(now))
            .bind(name)
            .fetch_optional(c)
            .await
            .map_err(query_err(format!("removing webhook `{name}`")))?
            .map(|r| r.get(0)));
        let Some(id) = id else { return Ok(false) };
        on_tx!(self, "remove_webhook", |c| sqlx::query("DELETE FROM feature_set_webhooks WHERE webhook_id = $1")
            .bind(id)
            .execute(c)
            .await
            .map(|_| ())
            .map_err(query_err("unlinking a removed webhook"))?);
        on_tx!(self, "remove_webhook", |c| sqlx::query("UPDATE outbox SET status = 'dead', dead_reason = 'webhook removed', lease_owner = NULL WHERE webhook_id = $1 AND status = 'pending'")
            .bind(id)
            .execute(c)
            .await
            .map(|_| ())
            .map_err(query_err("dead-lettering a removed webhook's deliveries"))?);
        Ok(true)
    }

    /// Every live webhook, by name, read through this transaction.
    pub async fn webhooks(&mut self) -> Result<Vec<Webhook>, StoreError> {
        let sql = format!("{SELECT} ORDER BY name");
        let rows = on_tx!(self, "webhooks", |c| sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).fetch_all(c).await.map_err(query_err("listing webhooks"))?.iter().map(webhook_row).collect::<Vec<_>>());
        Ok(rows)
    }
}
