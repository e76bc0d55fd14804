//! Feature sets: named lists of (source, columns) declared free of every label they do not
//! allow. Created, replaced and removed inside a [`Tx`] (with the audit row, or with the
//! rest of an `assay apply`); read by name or a page at a time.
//!
//! A member names its source by name; the store keeps the source's id, so that renaming
//! nothing and re-registering nothing can silently re-point a member. Named columns that
//! no dataset of the source has (yet) are kept as `missing` and shown as "not seen".

use serde::{Deserialize, Serialize};

use super::*;

/// A member as declared: a source, the columns (every column when absent) and the labels
/// they may hold (none when empty).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberSpec {
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub columns: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow: Vec<String>,
}

/// A feature set as declared (the API's request body and an `assay.yaml` entry).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeatureSetSpec {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub owner: String,
    /// Webhooks that receive this feature set's events besides the global ones.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub webhooks: Vec<String>,
    pub members: Vec<MemberSpec>,
}

/// A member as stored: its declaration and the named columns not seen now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Member {
    #[serde(flatten)]
    pub spec: MemberSpec,
    /// Named columns that no dataset of the source has as of its last scan.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_seen: Vec<String>,
    #[serde(skip)]
    pub source_id: i64,
}

/// A feature set as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FeatureSet {
    #[serde(skip)]
    pub id: i64,
    pub name: String,
    pub description: String,
    pub owner: String,
    pub webhooks: Vec<String>,
    pub members: Vec<Member>,
    /// `pass` or `fail` as of the last contamination check (freshness is the gate's).
    pub contamination: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl FeatureSet {
    /// The declaration this feature set was made from.
    pub fn spec(&self) -> FeatureSetSpec {
        FeatureSetSpec {
            name: self.name.clone(),
            description: self.description.clone(),
            owner: self.owner.clone(),
            webhooks: self.webhooks.clone(),
            members: self.members.iter().map(|m| m.spec.clone()).collect(),
        }
    }
}

const SELECT_SETS: &str = "SELECT id, name, description, owner, gate_status, created_ms, updated_ms FROM feature_sets WHERE removed_ms IS NULL";
const SELECT_MEMBERS: &str = "SELECT m.feature_set_id, s.name, m.columns_json, m.allow_json, m.missing_json, m.source_id \
                              FROM feature_set_members m JOIN sources s ON s.id = m.source_id";
const SELECT_HOOKS: &str = "SELECT l.feature_set_id, w.name FROM feature_set_webhooks l JOIN webhooks w ON w.id = l.webhook_id";

/// A feature-set row selected as `SELECT_SETS`.
fn set_row<R: Row>(r: &R) -> FeatureSet
where
    usize: sqlx::ColumnIndex<R>,
    i64: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    String: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    FeatureSet {
        id: r.get(0),
        name: r.get(1),
        description: r.get(2),
        owner: r.get(3),
        contamination: r.get(4),
        created_at: from_ms(r.get(5)),
        updated_at: from_ms(r.get(6)),
        webhooks: Vec::new(),
        members: Vec::new(),
    }
}

/// A member row selected as `SELECT_MEMBERS`, with its feature set's id.
fn member_row<R: Row>(r: &R) -> (i64, Member)
where
    usize: sqlx::ColumnIndex<R>,
    i64: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    String: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    Option<String>: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    let member = Member {
        spec: MemberSpec {
            source: r.get(1),
            columns: r.get::<Option<String>, _>(2).and_then(|s| serde_json::from_str(&s).ok()),
            allow: serde_json::from_str(&r.get::<String, _>(3)).unwrap_or_default(),
        },
        not_seen: serde_json::from_str(&r.get::<String, _>(4)).unwrap_or_default(),
        source_id: r.get(5),
    };
    (r.get(0), member)
}

/// Fills in the members and webhooks of `sets` (read for their ids).
fn attach(sets: &mut [FeatureSet], members: Vec<(i64, Member)>, hooks: Vec<(i64, String)>) {
    let index: std::collections::HashMap<i64, usize> = sets.iter().enumerate().map(|(i, s)| (s.id, i)).collect();
    for (id, m) in members {
        if let Some(&i) = index.get(&id) {
            sets[i].members.push(m);
        }
    }
    for (id, h) in hooks {
        if let Some(&i) = index.get(&id) {
            sets[i].webhooks.push(h);
        }
    }
}

/// Reads feature sets selected by `where_sql` (appended to `SELECT_SETS`, binding `$1`,
/// `$2`) with their members and webhooks, on a pool or a transaction.
macro_rules! read_sets {
    ($conn:expr, $op:literal, $where_sql:expr, $a:expr, $b:expr) => {{
        let sql = format!("{SELECT_SETS} {}", $where_sql);
        count_query($op);
        let mut sets: Vec<FeatureSet> =
            sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind($a).bind($b).fetch_all(&mut *$conn).await.map_err(query_err("reading feature sets"))?.iter().map(set_row).collect();
        if !sets.is_empty() {
            let ids = sets.iter().map(|s| s.id.to_string()).collect::<Vec<_>>().join(",");
            count_query($op);
            let members = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT_MEMBERS} WHERE m.feature_set_id IN ({ids}) ORDER BY m.feature_set_id, m.position")))
                .fetch_all(&mut *$conn)
                .await
                .map_err(query_err("reading feature set members"))?
                .iter()
                .map(member_row)
                .collect();
            count_query($op);
            let hooks = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT_HOOKS} WHERE l.feature_set_id IN ({ids}) ORDER BY w.name")))
                .fetch_all(&mut *$conn)
                .await
                .map_err(query_err("reading feature set webhooks"))?
                .iter()
                .map(|r| (r.get::<i64, _>(0), r.get::<String, _>(1)))
                .collect();
            attach(&mut sets, members, hooks);
        }
        sets
    }};
}

impl Store {
    /// Live feature sets by name, `limit` at most, after `after` (the cursor).
    pub async fn feature_sets(&self, after: Option<&str>, limit: i64) -> Result<Vec<FeatureSet>, StoreError> {
        let after = after.unwrap_or("");
        let sets = match self {
            Store::Postgres(p) => {
                let mut c = p.acquire().await.map_err(query_err("reading feature sets"))?;
                read_sets!(c, "feature_sets", "AND name > $1 ORDER BY name LIMIT $2", after, limit)
            }
            Store::Sqlite(p) => {
                let mut c = p.acquire().await.map_err(query_err("reading feature sets"))?;
                read_sets!(c, "feature_sets", "AND name > $1 ORDER BY name LIMIT $2", after, limit)
            }
        };
        Ok(sets)
    }

    /// The live feature set called `name`.
    pub async fn feature_set(&self, name: &str) -> Result<Option<FeatureSet>, StoreError> {
        let sets = match self {
            Store::Postgres(p) => {
                let mut c = p.acquire().await.map_err(query_err("reading a feature set"))?;
                read_sets!(c, "feature_set", "AND name = $1 AND $2 = $2", name, 0i64)
            }
            Store::Sqlite(p) => {
                let mut c = p.acquire().await.map_err(query_err("reading a feature set"))?;
                read_sets!(c, "feature_set", "AND name = $1 AND $2 = $2", name, 0i64)
            }
        };
        Ok(sets.into_iter().next())
    }

    /// The feature sets that have a member on `source_id` (for refusing its removal).
    pub async fn feature_sets_using(&self, source_id: i64) -> Result<Vec<String>, StoreError> {
        const SQL: &str = "SELECT DISTINCT f.name FROM feature_set_members m JOIN feature_sets f ON f.id = m.feature_set_id \
                           WHERE m.source_id = $1 AND f.removed_ms IS NULL ORDER BY f.name";
        let names = on_pool!(self, "feature_sets_using", |p| sqlx::query(SQL)
            .bind(source_id)
            .fetch_all(p)
            .await
            .map_err(query_err("finding the feature sets of a source"))?
            .iter()
            .map(|r| r.get::<String, _>(0))
            .collect::<Vec<_>>());
        Ok(names)
    }
}

/// Feature-set changes inside a transaction.
impl Tx {
    /// The live feature set called `name`, read through this transaction.
    pub async fn feature_set(&mut self, name: &str) -> Result<Option<FeatureSet>, StoreError> {
        let sets = match self {
            Tx::Postgres(t) => read_sets!(&mut **t, "feature_set", "AND name = $1 AND $2 = $2", name, 0i64),
            Tx::Sqlite(t) => read_sets!(&mut **t, "feature_set", "AND name = $1 AND $2 = $2", name, 0i64),
        };
        Ok(sets.into_iter().next())
    }

    /// Every live feature set, by name, read through this transaction.
    pub async fn all_feature_sets(&mut self) -> Result<Vec<FeatureSet>, StoreError> {
        let sets = match self {
            Tx::Postgres(t) => read_sets!(&mut **t, "feature_sets", "AND $1 = $1 AND $2 = $2 ORDER BY name", "", 0i64),
            Tx::Sqlite(t) => read_sets!(&mut **t, "feature_sets", "AND $1 = $1 AND $2 = $2 ORDER BY name", "", 0i64),
        };
        Ok(sets)
    }

    /// Creates the feature set, or replaces the one with its name (description, owner,
    /// members and webhooks all become what `spec` says). Members name live sources and
    /// webhooks live webhooks, else `Unknown`. The member sources (old and new) are then
    /// re-checked as their last scans left them, so that data already there alerts at once
    /// (a later scan may not read it again: unchanged files are skipped). Returns the stored
    /// set, whether it is new, and the outbox events written.
    pub async fn put_feature_set(&mut self, spec: &FeatureSetSpec, now: DateTime<Utc>, policy: &AlertPolicy) -> Result<(FeatureSet, bool, usize), StoreError> {
        // Members decide what alerts, on whichever sources they were or will be on.
        self.forget_check_digests(None).await?;
        let mut sources = Vec::with_capacity(spec.members.len());
        for m in &spec.members {
            let id = self.live_id("sources", "source", &m.source).await?;
            sources.push(id);
        }
        let mut hooks = Vec::with_capacity(spec.webhooks.len());
        for w in &spec.webhooks {
            hooks.push(self.live_id("webhooks", "webhook", w).await?);
        }
        const FIND: &str = "SELECT id FROM feature_sets WHERE name = $1 AND removed_ms IS NULL";
        let existing: Option<i64> = on_tx!(self, "put_feature_set", |c| sqlx::query(FIND)
            .bind(&spec.name)
            .fetch_optional(c)
            .await
            .map_err(query_err(format!("looking up feature set `{}`", spec.name)))?
            .map(|r| r.get(0)));
        let mut recheck: Vec<i64> = sources.clone();
        let id = match existing {
            Some(id) => {
                const OLD: &str = "SELECT source_id FROM feature_set_members WHERE feature_set_id = $1";
                let old: Vec<i64> = on_tx!(self, "put_feature_set", |c| sqlx::query(OLD).bind(id).fetch_all(c).await.map_err(query_err("reading a feature set's members"))?.iter().map(|r| r.get::<i64, _>(0)).collect());
                recheck.extend(old);
                const UPDATE: &str = "UPDATE feature_sets SET description = $1, owner = $2, updated_ms = $3 WHERE id = $4";
                on_tx!(self, "put_feature_set", |c| sqlx::query(UPDATE)
                    .bind(&spec.description)
                    .bind(&spec.owner)
                    .bind(ms(now))
                    .bind(id)
                    .execute(c)
                    .await
                    .map(|_| ())
                    .map_err(query_err(format!("updating feature set `{}`", spec.name)))?);
                for sql in ["DELETE FROM feature_set_members WHERE feature_set_id = $1", "DELETE FROM feature_set_webhooks WHERE feature_set_id = $1"] {
                    on_tx!(self, "put_feature_set", |c| sqlx::query(sql).bind(id).execute(c).await.map(|_| ()).map_err(query_err(format!("replacing feature set `{}`", spec.name)))?);
                }
                id
            }
            None => {
                const INSERT: &str = "INSERT INTO feature_sets (name, description, owner, created_ms, updated_ms) VALUES ($1, $2, $3, $4, $4) RETURNING id";
                on_tx!(self, "put_feature_set", |c| sqlx::query(INSERT)
                    .bind(&spec.name)
                    .bind(&spec.description)
                    .bind(&spec.owner)
                    .bind(ms(now))
                    .fetch_one(c)
                    .await
                    .map_err(query_err(format!("creating feature set `{}`", spec.name)))?
                    .get::<i64, _>(0))
            }
        };
        for (pos, (m, source_id)) in spec.members.iter().zip(&sources).enumerate() {
            let missing = match &m.columns {
                Some(cols) => self.missing_columns(*source_id, cols).await?,
                None => Vec::new(),
            };
            const MEMBER: &str = "INSERT INTO feature_set_members (feature_set_id, position, source_id, columns_json, allow_json, missing_json) VALUES ($1, $2, $3, $4, $5, $6)";
            on_tx!(self, "put_feature_set", |c| sqlx::query(MEMBER)
                .bind(id)
                .bind(pos as i64)
                .bind(source_id)
                .bind(m.columns.as_ref().map(|c| serde_json::to_string(c).unwrap_or_default()))
                .bind(serde_json::to_string(&m.allow).unwrap_or_else(|_| "[]".into()))
                .bind(serde_json::to_string(&missing).unwrap_or_else(|_| "[]".into()))
                .execute(c)
                .await
                .map(|_| ())
                .map_err(query_err(format!("adding a member to feature set `{}`", spec.name)))?);
        }
        for hook in hooks {
            const LINK: &str = "INSERT INTO feature_set_webhooks (feature_set_id, webhook_id) VALUES ($1, $2) ON CONFLICT DO NOTHING";
            on_tx!(self, "put_feature_set", |c| sqlx::query(LINK).bind(id).bind(hook).execute(c).await.map(|_| ()).map_err(query_err("linking a webhook"))?);
        }
        recheck.sort_unstable();
        recheck.dedup();
        let events = self.recheck_sources(&recheck, now, policy).await?;
        let set = self.feature_set(&spec.name).await?.ok_or_else(|| StoreError::Unknown { kind: "feature set", name: spec.name.clone() })?;
        Ok((set, existing.is_none(), events))
    }

    /// Removes a feature set; its alerts resolve (history stays). Returns whether it existed.
    pub async fn remove_feature_set(&mut self, name: &str, actor: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
        self.forget_check_digests(None).await?;
        const SQL: &str = "UPDATE feature_sets SET removed_ms = $1 WHERE name = $2 AND removed_ms IS NULL RETURNING id";
        let id: Option<i64> = on_tx!(self, "remove_feature_set", |c| sqlx::query(SQL)
            .bind(ms(now))
            .bind(name)
            .fetch_optional(c)
            .await
            .map_err(query_err(format!("removing feature set `{name}`")))?
            .map(|r| r.get(0)));
        let Some(id) = id else { return Ok(false) };
        self.close_alerts_of(id, actor, "feature set removed", now).await?;
        Ok(true)
    }

    /// The id of the live `kind` row called `name` in `table`, else `Unknown`.
    pub(super) async fn live_id(&mut self, table: &'static str, kind: &'static str, name: &str) -> Result<i64, StoreError> {
        let sql = format!("SELECT id FROM {table} WHERE name = $1 AND removed_ms IS NULL");
        let id: Option<i64> = on_tx!(self, "live_id", |c| sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(name)
            .fetch_optional(c)
            .await
            .map_err(query_err(format!("looking up {kind} `{name}`")))?
            .map(|r| r.get(0)));
        id.ok_or_else(|| StoreError::Unknown { kind, name: name.to_string() })
    }

    /// Which of `columns` no dataset of the source has now.
    pub(super) async fn missing_columns(&mut self, source_id: i64, columns: &[String]) -> Result<Vec<String>, StoreError> {
        let present = self.present_columns(source_id).await?;
        Ok(columns.iter().filter(|c| !present.contains(c.as_str())).cloned().collect())
    }

    /// The column names any dataset of the source has now.
    pub(super) async fn present_columns(&mut self, source_id: i64) -> Result<std::collections::HashSet<String>, StoreError> {
        const SQL: &str = "SELECT DISTINCT c.column_name FROM dataset_columns c JOIN datasets d ON d.id = c.dataset_id \
                           WHERE d.source_id = $1 AND c.removed_scan_id IS NULL";
        let names = on_tx!(self, "present_columns", |c| sqlx::query(SQL)
            .bind(source_id)
            .fetch_all(c)
            .await
            .map_err(query_err("reading a source's columns"))?
            .iter()
            .map(|r| r.get::<String, _>(0))
            .collect());
        Ok(names)
    }
}
