//! `assay serve`'s configuration, in layers: built-in defaults < a TOML file
//! (`assay.toml`, or `--config`/`ASSAY_CONFIG`) < `ASSAY_*` environment variables (and
//! `DATABASE_URL`) < command-line flags. figment merges the layers; durations are
//! humantime strings (`90s`, `30m`, `1h 30m`, `1d`).
//!
//! Secrets are never written into the file: the store may be given as a reference
//! (`env:NAME`, `file:/path`), resolved at start-up, and the store URL never prints (its
//! `Debug` is redacted).

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};

use crate::sources::location::{redact, resolve_reference};
use crate::sources::policy::{DEFAULT_ENV_ALLOW, WEBHOOK_ENV_ALLOW};

/// The longest duration accepted: ample for any schedule or lease, and short enough that
/// times computed from it stay far from overflowing.
const MAX_DURATION_DAYS: u64 = 3650;

/// Parses a positive humantime duration (`90s`, `30m`, `1h`, `1d`, `1h 30m`; bare digits
/// are seconds), up to 3650 days.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let d = if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
        t.parse::<u64>().map(Duration::from_secs).map_err(|_| format!("`{text}` is longer than {MAX_DURATION_DAYS}d"))?
    } else {
        humantime::parse_duration(t).map_err(|e| match e {
            humantime::DurationError::NumberOverflow => format!("`{text}` is longer than {MAX_DURATION_DAYS}d"),
            _ => format!("`{text}` is not a duration (e.g. 30m, 1h, 1d)"),
        })?
    };
    if d > Duration::from_secs(MAX_DURATION_DAYS * 86_400) {
        return Err(format!("`{text}` is longer than {MAX_DURATION_DAYS}d"));
    }
    if d.is_zero() {
        return Err(format!("`{text}`: the duration must be positive"));
    }
    Ok(d)
}

/// The shortest of `Nd`, `Nh`, `Nm`, `Ns` that is exact.
pub fn format_duration(d: Duration) -> String {
    match d.as_secs() {
        s if s % 86_400 == 0 => format!("{}d", s / 86_400),
        s if s % 3600 == 0 => format!("{}h", s / 3600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

/// A duration written as text in every layer.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Span(pub Duration);

impl fmt::Debug for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_duration(self.0))
    }
}

impl Serialize for Span {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_duration(self.0))
    }
}

impl<'de> Deserialize<'de> for Span {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Span, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Text(String),
            Secs(u64),
        }
        match Raw::deserialize(d)? {
            Raw::Text(t) => parse_duration(&t).map(Span).map_err(serde::de::Error::custom),
            Raw::Secs(s) => parse_duration(&s.to_string()).map(Span).map_err(serde::de::Error::custom),
        }
    }
}

/// The store's URL (or a reference to it); never printed whole.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct StoreUrl(pub String);

impl fmt::Debug for StoreUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", redact(&self.0))
    }
}

impl StoreUrl {
    /// The URL to connect to: a reference (`env:`/`file:`) resolved.
    pub fn resolve(&self) -> Result<String, ConfigError> {
        if self.0.starts_with("postgres") || self.0.starts_with("sqlite:") {
            return Ok(self.0.clone());
        }
        resolve_reference(&self.0).map_err(|e| ConfigError::Invalid(format!("database_url: {e}")))
    }
}

/// `assay serve`'s settings. Every field can be set in `assay.toml`, as `ASSAY_<FIELD>`
/// (upper case) or by the flag of the same name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServeConfig {
    /// Address of the API (and dashboard).
    pub listen: String,
    /// A second address serving only `/metrics`, without a token (for Prometheus inside
    /// the cluster). Without it, `/metrics` on `listen` needs a token.
    pub metrics_listen: Option<String>,
    /// The store: `postgres://…`, `sqlite://path`, or a reference to one. Also `DATABASE_URL`.
    pub database_url: StoreUrl,
    /// Run as a scheduler worker only, without the API.
    pub no_api: bool,
    /// Scans this worker runs at once; scans asked for through the API share the limit.
    pub concurrency: usize,
    /// How often to look for due sources.
    pub poll: Span,
    /// Lease on a source while scanning it; renewed every third of it.
    pub lease: Span,
    /// After SIGTERM, how long scans in flight may finish.
    pub shutdown_grace: Span,
    /// Longest scan asked for through the API; then it is stopped and its lease released.
    pub scan_timeout: Span,
    /// How long a scan asked for through the API waits for a free scan slot before the
    /// answer is 429.
    pub scan_queue: Span,
    /// The address users reach the dashboard at, for links in webhook bodies (default
    /// `http://` + `listen`).
    pub public_url: Option<String>,
    /// Consecutive clean scans of a column after which its alert resolves.
    pub resolve_after: u32,
    /// A dismissed finding alerts again when its match rate reaches this many times the
    /// rate it had when dismissed.
    pub lapse_factor: f64,
    /// The key of finding fingerprints, as a reference (`env:NAME`, `file:/path`); without
    /// one, a key is generated once into the store and shared by every worker.
    pub fingerprint_key: Option<String>,
    /// This worker's name in leases and scans (default: host-pid).
    pub worker: Option<String>,
    /// `text` or `json`.
    pub log_format: String,
    /// Directories whose files API clients may register as sources or credential files.
    pub allow_dirs: Vec<PathBuf>,
    /// Variables API clients may name in `env:` references (a trailing `*` is a prefix).
    pub allow_env: Vec<String>,
    /// Requests per second per token (and per client address without one); 0: no limit.
    pub rate_limit: u32,
    /// Requests a token may send at once above the rate.
    pub rate_burst: u32,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Longest a webhook receiver may take to answer (connecting, sending, reading the
    /// answer); then the attempt fails and is retried.
    pub webhook_timeout: Span,
    /// Most of a receiver's answer that is read; a longer one fails the attempt.
    pub webhook_max_response_bytes: usize,
    /// First retry delay after a failed delivery; doubles per attempt, with jitter.
    pub webhook_backoff: Span,
    /// Longest retry delay of our own; a receiver's `Retry-After` is honoured up to an hour.
    pub webhook_max_backoff: Span,
    /// How long a delivery is retried before it is given up (dead-lettered, with the
    /// reason shown with its alert).
    pub webhook_dead_after: Span,
    /// Webhook deliveries this worker sends at once.
    pub delivery_concurrency: usize,
}

impl Default for ServeConfig {
    fn default() -> Self {
        ServeConfig {
            listen: "127.0.0.1:8080".into(),
            metrics_listen: None,
            database_url: StoreUrl(crate::store::DEFAULT_URL.into()),
            no_api: false,
            concurrency: 4,
            poll: Span(Duration::from_secs(5)),
            lease: Span(Duration::from_secs(60)),
            shutdown_grace: Span(Duration::from_secs(30)),
            scan_timeout: Span(Duration::from_secs(600)),
            scan_queue: Span(Duration::from_secs(30)),
            public_url: None,
            resolve_after: 1,
            lapse_factor: 3.0,
            fingerprint_key: None,
            worker: None,
            log_format: "text".into(),
            allow_dirs: Vec::new(),
            allow_env: vec![DEFAULT_ENV_ALLOW.into(), WEBHOOK_ENV_ALLOW.into()],
            rate_limit: 50,
            rate_burst: 200,
            max_body_bytes: 1 << 20,
            webhook_timeout: Span(Duration::from_secs(10)),
            webhook_max_response_bytes: 64 << 10,
            webhook_backoff: Span(Duration::from_secs(5)),
            webhook_max_backoff: Span(Duration::from_secs(600)),
            webhook_dead_after: Span(Duration::from_secs(86_400)),
            delivery_concurrency: 4,
        }
    }
}

/// Why the configuration could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration: {0}")]
    Invalid(String),
}

/// The `ASSAY_*` variables that are settings (others, such as `ASSAY_TOKEN` and
/// `ASSAY_URL`, belong to the client commands).
const ENV_KEYS: &[&str] = &[
    "listen",
    "metrics_listen",
    "database_url",
    "no_api",
    "concurrency",
    "poll",
    "lease",
    "shutdown_grace",
    "scan_timeout",
    "scan_queue",
    "public_url",
    "resolve_after",
    "lapse_factor",
    "fingerprint_key",
    "worker",
    "log_format",
    "allow_dirs",
    "allow_env",
    "rate_limit",
    "rate_burst",
    "max_body_bytes",
    "webhook_timeout",
    "webhook_max_response_bytes",
    "webhook_backoff",
    "webhook_max_backoff",
    "webhook_dead_after",
    "delivery_concurrency",
];

impl ServeConfig {
    /// Merges the layers: defaults, the TOML file `file` (skipped when it does not exist
    /// and was not named explicitly), the environment, then `flags` (a serializable
    /// struct whose unset fields are skipped).
    pub fn load(file: Option<&std::path::Path>, flags: impl Serialize) -> Result<ServeConfig, ConfigError> {
        let mut fig = Figment::from(Serialized::defaults(ServeConfig::default()));
        match file {
            Some(f) if !f.exists() => return Err(ConfigError::Invalid(format!("{}: no such file", f.display()))),
            Some(f) => fig = fig.merge(Toml::file_exact(f)),
            None if std::path::Path::new("assay.toml").exists() => fig = fig.merge(Toml::file_exact("assay.toml")),
            None => {}
        }
        let cfg: ServeConfig = fig
            .merge(Env::raw().only(&["DATABASE_URL"]).map(|_| "database_url".into()))
            .merge(Env::prefixed("ASSAY_").only(ENV_KEYS))
            .merge(Serialized::defaults(flags))
            .extract()
            .map_err(|e| ConfigError::Invalid(e.to_string()))?;
        cfg.validate()?;
        Ok(cfg)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        if self.concurrency == 0 {
            return Err(ConfigError::Invalid("concurrency must be at least 1".into()));
        }
        if !["text", "json"].contains(&self.log_format.as_str()) {
            return Err(ConfigError::Invalid(format!("log_format `{}`: expected text or json", self.log_format)));
        }
        if self.resolve_after == 0 {
            return Err(ConfigError::Invalid("resolve_after must be at least 1 (clean scans before an alert resolves)".into()));
        }
        if !(self.lapse_factor > 1.0 && self.lapse_factor.is_finite()) {
            return Err(ConfigError::Invalid("lapse_factor must be a number above 1".into()));
        }
        if let Some(k) = &self.fingerprint_key {
            if !k.starts_with("env:") && !k.starts_with("file:") {
                return Err(ConfigError::Invalid("fingerprint_key must be a reference (`env:NAME` or `file:/path`), never the key itself".into()));
            }
        }
        if self.max_body_bytes < 1024 {
            return Err(ConfigError::Invalid("max_body_bytes must be at least 1024".into()));
        }
        if self.delivery_concurrency == 0 {
            return Err(ConfigError::Invalid("delivery_concurrency must be at least 1".into()));
        }
        if self.webhook_max_response_bytes == 0 {
            return Err(ConfigError::Invalid("webhook_max_response_bytes must be at least 1".into()));
        }
        if self.webhook_max_backoff.0 < self.webhook_backoff.0 {
            return Err(ConfigError::Invalid("webhook_max_backoff must not be shorter than webhook_backoff".into()));
        }
        Ok(())
    }
}

#[cfg(test)]
// figment's Jail closures return its error, which is large; it is a test's.
#[allow(clippy::result_large_err)]
mod tests {
    use super::*;

    #[derive(Serialize, Default)]
    struct Flags {
        #[serde(skip_serializing_if = "Option::is_none")]
        concurrency: Option<usize>,
        #[serde(skip_serializing_if = "Option::is_none")]
        poll: Option<String>,
    }

    #[test]
    fn layers_override_in_order_and_errors_name_the_setting() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("custom.toml", "concurrency = 2\npoll = \"10s\"\nlease = \"2m\"\nallow_dirs = [\"/data\"]\n")?;
            let file = jail.directory().join("custom.toml");
            let cfg = ServeConfig::load(Some(&file), Flags::default()).unwrap();
            assert_eq!((cfg.concurrency, cfg.poll.0, cfg.lease.0), (2, Duration::from_secs(10), Duration::from_secs(120)));
            assert_eq!(cfg.allow_dirs, [PathBuf::from("/data")]);
            jail.set_env("ASSAY_CONCURRENCY", "3");
            jail.set_env("ASSAY_TOKEN", "not a setting");
            jail.set_env("DATABASE_URL", "postgres://u:pw@h/db");
            let cfg = ServeConfig::load(Some(&file), Flags::default()).unwrap();
            assert_eq!(cfg.concurrency, 3);
            assert!(!format!("{cfg:?}").contains("pw@"), "{cfg:?}");
            let cfg = ServeConfig::load(Some(&file), Flags { concurrency: Some(7), poll: Some("1m".into()) }).unwrap();
            assert_eq!((cfg.concurrency, cfg.poll.0), (7, Duration::from_secs(60)));
            jail.set_env("ASSAY_POLL", "soon");
            let e = ServeConfig::load(Some(&file), Flags::default()).unwrap_err().to_string();
            assert!(e.contains("soon") && e.to_lowercase().contains("poll"), "{e}");
            jail.create_file("bad.toml", "concurrncy = 2\n")?;
            let e = ServeConfig::load(Some(&jail.directory().join("bad.toml")), Flags::default()).unwrap_err().to_string();
            assert!(e.contains("concurrncy"), "{e}");
            Ok(())
        });
    }

    #[test]
    fn webhook_settings_have_defaults_and_are_checked() {
        figment::Jail::expect_with(|jail| {
            let cfg = ServeConfig::load(None, Flags::default()).unwrap();
            assert_eq!((cfg.webhook_timeout.0, cfg.webhook_dead_after.0, cfg.webhook_max_response_bytes, cfg.delivery_concurrency), (Duration::from_secs(10), Duration::from_secs(86_400), 65_536, 4));
            jail.set_env("ASSAY_WEBHOOK_TIMEOUT", "1500ms");
            jail.set_env("ASSAY_WEBHOOK_DEAD_AFTER", "2h");
            let cfg = ServeConfig::load(None, Flags::default()).unwrap();
            assert_eq!((cfg.webhook_timeout.0, cfg.webhook_dead_after.0), (Duration::from_millis(1500), Duration::from_secs(7200)));
            jail.set_env("ASSAY_DELIVERY_CONCURRENCY", "0");
            let e = ServeConfig::load(None, Flags::default()).unwrap_err().to_string();
            assert!(e.contains("delivery_concurrency"), "{e}");
            jail.set_env("ASSAY_DELIVERY_CONCURRENCY", "2");
            jail.set_env("ASSAY_WEBHOOK_BACKOFF", "1h");
            let e = ServeConfig::load(None, Flags::default()).unwrap_err().to_string();
            assert!(e.contains("webhook_max_backoff"), "{e}");
            Ok(())
        });
    }

    #[test]
    fn durations_are_humantime_and_bounded() {
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("1h 30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("2d"), Ok(Duration::from_secs(172_800)));
        assert_eq!(parse_duration("45"), Ok(Duration::from_secs(45)));
        assert!(parse_duration("0s").is_err() && parse_duration("soon").is_err() && parse_duration("3651d").is_err());
        assert!(parse_duration("999999999999999999d").is_err());
        assert_eq!(format_duration(Duration::from_secs(5400)), "90m");
    }
}
