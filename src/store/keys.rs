//! Keys the store generates once and every worker then shares: the HMAC key of finding
//! fingerprints (so that workers fingerprint a value alike and a suppression made from one
//! worker's scan holds on another's) and the attestation signing key.

use rand::RngCore;

use super::*;

/// The HMAC key of finding fingerprints.
pub const FINGERPRINT_KEY: &str = "fingerprint";
/// The Ed25519 seed that signs gate attestations.
pub const ATTESTATION_KEY: &str = "attestation";

impl Store {
    /// The 32-byte key called `name`, generated and stored the first time it is asked for.
    /// Concurrent first calls agree: the first insert wins and every caller reads it back.
    pub async fn key(&self, name: &str) -> Result<[u8; 32], StoreError> {
        let mut fresh = [0u8; 32];
        rand::rng().fill_bytes(&mut fresh);
        const INSERT: &str = "INSERT INTO store_keys (name, key_hex, created_ms) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING";
        const SELECT: &str = "SELECT key_hex FROM store_keys WHERE name = $1";
        let what = format!("reading the store's {name} key");
        on_pool!(self, "key", |p| sqlx::query(INSERT).bind(name).bind(hex::encode(fresh)).bind(ms(Utc::now())).execute(p).await.map(|_| ()).map_err(query_err(what.clone()))?);
        let stored: String = on_pool!(self, "key", |p| sqlx::query(SELECT).bind(name).fetch_one(p).await.map_err(query_err(what.clone()))?.get(0));
        let mut key = [0u8; 32];
        hex::decode_to_slice(stored.trim(), &mut key).map_err(|_| StoreError::Migrate(format!("the store's {name} key is not 32 hex bytes")))?;
        Ok(key)
    }
}
