//! A transaction on either backend, so that a change and the audit row that records it
//! commit together or not at all.
//!
//! Handlers that change something open one with [`Store::begin`], make their change and
//! write the audit row through it, then commit; dropping it uncommitted rolls back.

use super::{count_query, query_err, Store, StoreError};

/// An open transaction on the store.
pub enum Tx {
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
}

/// Runs the same query-building expression on whichever connection the transaction holds,
/// counting it as one statement of operation `$op`.
macro_rules! on_tx {
    ($tx:expr, $op:literal, |$c:ident| $body:expr) => {{
        $crate::store::count_query($op);
        match $tx {
            $crate::store::Tx::Postgres(t) => {
                let $c = &mut **t;
                $body
            }
            $crate::store::Tx::Sqlite(t) => {
                let $c = &mut **t;
                $body
            }
        }
    }};
}
pub(crate) use on_tx;

impl Store {
    /// Opens a transaction.
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        count_query("begin");
        match self {
            Store::Postgres(p) => p.begin().await.map(Tx::Postgres),
            // IMMEDIATE: take the write lock up front. A deferred transaction that reads
            // first cannot upgrade to a writer once another connection has committed in
            // between (SQLITE_BUSY at once, whatever the busy timeout), and every
            // transaction here writes.
            Store::Sqlite(p) => p.begin_with("BEGIN IMMEDIATE").await.map(Tx::Sqlite),
        }
        .map_err(query_err("opening a transaction"))
    }
}

impl Tx {
    /// Commits everything done through this transaction.
    pub async fn commit(self) -> Result<(), StoreError> {
        count_query("commit");
        match self {
            Tx::Postgres(t) => t.commit().await,
            Tx::Sqlite(t) => t.commit().await,
        }
        .map_err(query_err("committing a transaction"))
    }
}
