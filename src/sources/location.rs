//! Locations: what a user may name as a source, credential references, and redaction.
//!
//! A location is a local path (or `file://` URL), an object-store URL (`s3://`, `gs://`,
//! `az://`, `abfs://`, `abfss://`), or a Postgres DSN. A DSN may be given by reference
//! (`env:NAME`, `file:/path`) so that it never appears on a command line; whatever the
//! form, a password is never shown: every name a location is displayed by is redacted.

use std::path::PathBuf;

/// A parsed location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A local file or directory, as given (a `file://` prefix removed).
    Local(PathBuf),
    /// An object-store URL: scheme, bucket/container and key prefix.
    Store(url::Url),
    /// A Postgres database; `dsn` is the resolved connection string (may hold a password).
    Postgres { dsn: String },
}

/// Why a location or credential reference could not be used.
#[derive(Debug, thiserror::Error)]
pub enum LocationError {
    #[error("{reference}: environment variable `{name}` is not set")]
    MissingEnv { reference: String, name: String },
    #[error("{reference}: cannot read credential file: {source}")]
    CredentialFile { reference: String, source: std::io::Error },
    #[error("{shown}: not a valid URL: {message}")]
    BadUrl { shown: String, message: String },
    #[error("{shown}: unsupported location scheme `{scheme}` (expected a path, file://, s3://, gs://, az://, abfs://, or postgres://)")]
    Scheme { shown: String, scheme: String },
}

/// Resolves a credential reference: `env:NAME` reads an environment variable,
/// `file:/path` reads a file (trailing newline removed); anything else is itself.
pub fn resolve_reference(value: &str) -> Result<String, LocationError> {
    if let Some(name) = value.strip_prefix("env:") {
        return std::env::var(name).map_err(|_| LocationError::MissingEnv { reference: value.to_string(), name: name.to_string() });
    }
    if let Some(path) = value.strip_prefix("file:").filter(|p| !p.starts_with("//")) {
        let text = std::fs::read_to_string(path).map_err(|e| LocationError::CredentialFile { reference: value.to_string(), source: e })?;
        return Ok(text.trim_end_matches(['\n', '\r']).to_string());
    }
    Ok(value.to_string())
}

impl Location {
    /// Parses a location as a user gave it, resolving a credential reference first.
    pub fn parse(given: &str) -> Result<Location, LocationError> {
        let resolved = resolve_reference(given)?;
        let shown = redact(&resolved);
        let Some((scheme, _)) = resolved.split_once("://") else {
            return Ok(Location::Local(PathBuf::from(resolved)));
        };
        match scheme.to_ascii_lowercase().as_str() {
            "file" => Ok(Location::Local(PathBuf::from(&resolved[7..]))),
            "postgres" | "postgresql" => Ok(Location::Postgres { dsn: resolved }),
            "s3" | "s3a" | "gs" | "az" | "azure" | "abfs" | "abfss" => url::Url::parse(&resolved)
                .map(Location::Store)
                .map_err(|e| LocationError::BadUrl { shown, message: e.to_string() }),
            other => Err(LocationError::Scheme { shown, scheme: other.to_string() }),
        }
    }
}

/// Hides the password of a URL-shaped string (`scheme://user:secret@host` becomes
/// `scheme://user:***@host`) and any `password=` parameter; other text is unchanged.
pub fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    // Each `scheme://user:password@` in the text (error messages may quote a DSN).
    while let Some(p) = rest.find("://") {
        let (head, tail) = rest.split_at(p + 3);
        out.push_str(head);
        let end = tail.find(|c: char| c == '/' || c == '?' || c == '#' || c.is_whitespace()).unwrap_or(tail.len());
        let authority = &tail[..end];
        match authority.rfind('@') {
            Some(at) => {
                let userinfo = &authority[..at];
                match userinfo.find(':') {
                    Some(c) => {
                        out.push_str(&userinfo[..c]);
                        out.push_str(":***");
                    }
                    None => out.push_str(userinfo),
                }
                out.push_str(&authority[at..]);
            }
            None => out.push_str(authority),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    redact_password_params(&out)
}

/// Masks `password=…` key/value pairs (query strings and libpq keyword DSNs).
fn redact_password_params(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    let mut from = 0;
    while let Some(p) = lower[from..].find("password=") {
        let start = from + p + "password=".len();
        let end = text[start..].find(['&', ' ', '#']).map_or(text.len(), |e| start + e);
        out.push_str(&text[last..start]);
        out.push_str("***");
        last = end;
        from = end;
    }
    out.push_str(&text[last..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords_wherever_they_appear() {
        assert_eq!(redact("postgres://app:s3cr%40t@db:5432/x"), "postgres://app:***@db:5432/x");
        assert_eq!(redact("error connecting to postgres://u:pw@h/db: refused"), "error connecting to postgres://u:***@h/db: refused");
        assert_eq!(redact("postgres://h/db?user=u&password=pw&sslmode=require"), "postgres://h/db?user=u&password=***&sslmode=require");
        assert_eq!(redact("host=h password=pw dbname=x"), "host=h password=*** dbname=x");
        assert_eq!(redact("s3://bucket/prefix"), "s3://bucket/prefix");
        assert_eq!(redact("postgres://user@h/db"), "postgres://user@h/db");
    }

    #[test]
    fn parses_locations_and_references() {
        assert_eq!(Location::parse("data/x.parquet").unwrap(), Location::Local("data/x.parquet".into()));
        assert_eq!(Location::parse("file:///tmp/x").unwrap(), Location::Local("/tmp/x".into()));
        assert!(matches!(Location::parse("s3://b/p/").unwrap(), Location::Store(u) if u.host_str() == Some("b")));
        std::env::set_var("ASSAY_TEST_LOCATION_DSN", "postgres://u:pw@h/db");
        assert!(matches!(Location::parse("env:ASSAY_TEST_LOCATION_DSN").unwrap(), Location::Postgres { dsn } if dsn.ends_with("/db")));
        let dir = std::env::temp_dir().join(format!("assay-location-test-{}", std::process::id()));
        std::fs::write(&dir, "postgres://u:pw@h/fromfile\n").unwrap();
        let from_file = Location::parse(&format!("file:{}", dir.display()));
        std::fs::remove_file(&dir).unwrap();
        assert!(matches!(from_file.unwrap(), Location::Postgres { dsn } if dsn == "postgres://u:pw@h/fromfile"));
        let e = Location::parse("file:/nonexistent/assay/dsn").unwrap_err().to_string();
        assert!(e.contains("/nonexistent/assay/dsn"), "{e}");
        let e = Location::parse("env:ASSAY_TEST_NO_SUCH_VARIABLE").unwrap_err().to_string();
        assert!(e.contains("ASSAY_TEST_NO_SUCH_VARIABLE"), "{e}");
        let e = Location::parse("ftp://u:pw@h/x").unwrap_err().to_string();
        assert!(e.contains("ftp") && !e.contains("pw@"), "{e}");
    }
}
