//! Gate attestations: the evidence a pipeline stores next to a trained model (an ML bill
//! of materials) — the feature set, the verdict, every member's scans and the versions of
//! the data they read, the Assay version and rule-set digest — signed with the store's
//! Ed25519 key, so that `assay verify` can later show it was issued by this Assay and not
//! edited since.
//!
//! The signature covers the canonical JSON of `attestation` (object keys sorted, no
//! whitespace), so re-indenting the file does not break it but changing any value does.

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};

/// A signed attestation as written to the file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Signed {
    /// What is attested (the gate answer and the data it rests on).
    #[schema(value_type = Object)]
    pub attestation: serde_json::Value,
    pub signature: SignatureBlock,
}

/// The signature and the key that made it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SignatureBlock {
    /// `ed25519`.
    pub algorithm: String,
    /// The signer's public key, hex (compare it with the server's, `assay verify` does).
    pub public_key: String,
    /// The signature over the canonical JSON of `attestation`, hex.
    pub value: String,
}

/// Why an attestation does not verify.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum VerifyError {
    #[error("unsupported signature algorithm `{0}` (expected ed25519)")]
    Algorithm(String),
    #[error("the public key is not a 32-byte Ed25519 key in hex")]
    BadKey,
    #[error("the signature is not 64 bytes in hex")]
    BadSignature,
    #[error("signed by key {found}, not by the expected key {expected}")]
    OtherKey { found: String, expected: String },
    #[error("the signature does not match the content: the attestation was altered or not issued by this key")]
    Mismatch,
}

/// `v` as canonical JSON: keys sorted at every level, no insignificant whitespace.
pub fn canonical(v: &serde_json::Value) -> Vec<u8> {
    fn sorted(v: &serde_json::Value) -> serde_json::Value {
        match v {
            serde_json::Value::Object(m) => {
                let mut keys: Vec<&String> = m.keys().collect();
                keys.sort();
                serde_json::Value::Object(keys.into_iter().map(|k| (k.clone(), sorted(&m[k]))).collect())
            }
            serde_json::Value::Array(a) => serde_json::Value::Array(a.iter().map(sorted).collect()),
            other => other.clone(),
        }
    }
    serde_json::to_vec(&sorted(v)).unwrap_or_default()
}

/// The public key of a signing seed, hex.
pub fn public_key(seed: &[u8; 32]) -> String {
    hex::encode(SigningKey::from_bytes(seed).verifying_key().to_bytes())
}

/// Signs `attestation` with the key of `seed`.
pub fn sign(attestation: serde_json::Value, seed: &[u8; 32]) -> Signed {
    let key = SigningKey::from_bytes(seed);
    let sig = key.sign(&canonical(&attestation));
    Signed {
        attestation,
        signature: SignatureBlock { algorithm: "ed25519".into(), public_key: hex::encode(key.verifying_key().to_bytes()), value: hex::encode(sig.to_bytes()) },
    }
}

/// Checks that `doc` was signed by `expected_key` (hex) and not altered since.
pub fn verify(doc: &Signed, expected_key: &str) -> Result<(), VerifyError> {
    if doc.signature.algorithm != "ed25519" {
        return Err(VerifyError::Algorithm(doc.signature.algorithm.clone()));
    }
    if !doc.signature.public_key.eq_ignore_ascii_case(expected_key.trim()) {
        return Err(VerifyError::OtherKey { found: doc.signature.public_key.clone(), expected: expected_key.trim().to_string() });
    }
    let mut key = [0u8; 32];
    hex::decode_to_slice(expected_key.trim(), &mut key).map_err(|_| VerifyError::BadKey)?;
    let key = VerifyingKey::from_bytes(&key).map_err(|_| VerifyError::BadKey)?;
    let mut sig = [0u8; 64];
    hex::decode_to_slice(doc.signature.value.trim(), &mut sig).map_err(|_| VerifyError::BadSignature)?;
    key.verify(&canonical(&doc.attestation), &Signature::from_bytes(&sig)).map_err(|_| VerifyError::Mismatch)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_survives_reformatting_and_breaks_on_any_change() {
        let seed = [7u8; 32];
        let doc = sign(serde_json::json!({"feature_set": "churn", "status": "pass", "members": [{"source": "a", "scan": 3}]}), &seed);
        let key = public_key(&seed);
        assert_eq!(verify(&doc, &key), Ok(()));
        // Re-read from pretty JSON with keys in another order: still valid.
        let pretty = serde_json::to_string_pretty(&doc).unwrap().replace("\"status\": \"pass\",", "").replace("\"feature_set\": \"churn\"", "\"status\": \"pass\", \"feature_set\": \"churn\"");
        let back: Signed = serde_json::from_str(&pretty).unwrap();
        assert_eq!(verify(&back, &key), Ok(()));
        let mut tampered = doc.clone();
        tampered.attestation["status"] = "fail".into();
        assert_eq!(verify(&tampered, &key), Err(VerifyError::Mismatch));
        tampered = doc.clone();
        tampered.attestation["members"][0]["scan"] = 4.into();
        assert_eq!(verify(&tampered, &key), Err(VerifyError::Mismatch));
        let other = public_key(&[8u8; 32]);
        assert!(matches!(verify(&doc, &other), Err(VerifyError::OtherKey { .. })));
        // A forger who swaps in their own key and signature is caught by the expected key.
        let forged = sign(tampered.attestation.clone(), &[8u8; 32]);
        assert!(matches!(verify(&forged, &key), Err(VerifyError::OtherKey { .. })));
    }
}
