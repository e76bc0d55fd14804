//! `assay gate` and `assay verify`: the clean-data gate a retraining pipeline calls before
//! it trains, with exit codes scripts act on (0 pass, 1 fail, 2 cannot decide), and the
//! check of a signed attestation.

use std::process::ExitCode;
use std::time::Duration;

use assay::api::feature_sets::{AttestationKey, GateRequest};
use assay::attest::Signed;
use assay::report::printable;
use assay::store::GateAnswer;

use super::client::{segment, Client};

/// How `assay gate` prints its answer.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum GateFormat {
    /// The gate's answer as JSON (DESIGN.md).
    Json,
    /// A verdict line and one line per reason and member.
    Text,
}

/// What `assay gate` was asked.
pub struct GateArgs {
    pub name: String,
    pub max_age: String,
    pub rescan: bool,
    pub timeout: Duration,
    pub format: GateFormat,
    pub attest: Option<std::path::PathBuf>,
}

/// Exit 2: the gate could not decide (unknown feature set, server or store unreachable,
/// timeout, bad token). A pipeline must not train on it.
const CANNOT_DECIDE: u8 = 2;

pub async fn gate(server: &str, a: GateArgs) -> ExitCode {
    match ask(server, &a).await {
        Ok(answer) => {
            let pass = answer.status == "pass";
            if let Err(e) = show(&answer, a.format) {
                eprintln!("assay: gate: {e}");
                return ExitCode::from(CANNOT_DECIDE);
            }
            if pass { ExitCode::SUCCESS } else { ExitCode::from(1) }
        }
        Err(e) => {
            eprintln!("assay: gate {}: cannot decide: {e:#}", a.name);
            ExitCode::from(CANNOT_DECIDE)
        }
    }
}

async fn ask(server: &str, a: &GateArgs) -> anyhow::Result<GateAnswer> {
    let client = Client::from_env(server, a.timeout)?;
    let path = format!("/api/v1/feature-sets/{}/gate", segment(&a.name));
    let work = async {
        let answer: GateAnswer = if a.rescan {
            client.post(&path, &GateRequest { max_age: Some(a.max_age.clone()), rescan: true }).await?
        } else {
            client.get(&format!("{path}?max_age={}", segment(&a.max_age))).await?
        };
        if let Some(file) = &a.attest {
            let signed: Signed = client.get(&format!("/api/v1/feature-sets/{}/attestation?max_age={}", segment(&a.name), segment(&a.max_age))).await?;
            let text = serde_json::to_string_pretty(&signed)?;
            std::fs::write(file, text + "\n").map_err(|e| anyhow::anyhow!("writing {}: {e}", file.display()))?;
        }
        Ok::<_, anyhow::Error>(answer)
    };
    tokio::time::timeout(a.timeout, work).await.map_err(|_| anyhow::anyhow!("no answer within {}", assay::config::format_duration(a.timeout)))?
}

fn show(answer: &GateAnswer, format: GateFormat) -> anyhow::Result<()> {
    match format {
        GateFormat::Json => println!("{}", serde_json::to_string_pretty(answer)?),
        GateFormat::Text => {
            println!("{}: {}", answer.feature_set, answer.status.to_uppercase());
            for r in &answer.reasons {
                println!("  {}: {}", r.kind, printable(&r.message));
            }
            for m in &answer.members {
                let at = m.last_scan_at.map_or("never".to_string(), |t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string());
                println!("  member {}: last scan {} ({}, {})", m.source, m.last_scan_id.map_or("-".into(), |i| i.to_string()), at, m.last_scan_status.as_deref().unwrap_or("-"));
            }
        }
    }
    Ok(())
}

/// `assay verify FILE [--public-key HEX]`: 0 when the attestation is intact and signed by
/// the expected key (given, or this server's), 1 when it is not, 2 when it cannot tell.
pub async fn verify(server: &str, file: &std::path::Path, public_key: Option<String>) -> ExitCode {
    let doc: Signed = match std::fs::read_to_string(file).map_err(anyhow::Error::from).and_then(|t| serde_json::from_str(&t).map_err(anyhow::Error::from)) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("assay: verify {}: not an Assay attestation: {e}", file.display());
            return ExitCode::from(1);
        }
    };
    let key = match public_key {
        Some(k) => k,
        None => {
            let fetched = async { Client::from_env(server, Duration::from_secs(30))?.get::<AttestationKey>("/api/v1/attestation-key").await };
            match fetched.await {
                Ok(k) => k.public_key,
                Err(e) => {
                    eprintln!("assay: verify: cannot get the server's key (or pass --public-key): {e:#}");
                    return ExitCode::from(2);
                }
            }
        }
    };
    match assay::attest::verify(&doc, &key) {
        Ok(()) => {
            let status = doc.attestation.get("status").and_then(|s| s.as_str()).unwrap_or("?");
            let fs = doc.attestation.get("feature_set").and_then(|s| s.as_str()).unwrap_or("?");
            println!("valid: feature set {fs}, gate {status}, signed by {key}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("assay: verify {}: INVALID: {e}", file.display());
            ExitCode::from(1)
        }
    }
}
