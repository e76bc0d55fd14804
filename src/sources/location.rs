//! Locations: what a user may name as a source, credential references, and redaction.
//!
//! A location is a local path (or `file://` URL), an object-store URL (`s3://`, `gs://`,
//! `az://`, `abfs://`, `abfss://`), or a Postgres DSN. A DSN may be given by reference
//! (`env:NAME`, `file:/path`) so that it never appears on a command line; whatever the
//! form, a password is never shown: every name a location is displayed by is redacted.
//!
//! A reference exists to keep a credential out of sight, so what it holds is never shown,
//! not even in part: errors name the reference and say why it failed (the variable is not
//! set, the file cannot be read, what it holds is not a Postgres connection string), and a
//! DSN that came from a reference is displayed as the reference. Only Postgres DSNs carry
//! credentials (object stores take theirs from their standard environment), so a reference
//! must hold one: a reference that resolved to a path or a bucket would show its content in
//! every file name of the report, and one pointed at `/proc/self/environ` or an unrelated
//! variable would echo it in the "unsupported scheme" error.

use std::fmt;
use std::io::Read;
use std::path::PathBuf;

use crate::report::printable;

/// Largest credential file read: a connection string is short, and `file:/dev/zero` must
/// not fill the memory.
const MAX_REFERENCE_BYTES: u64 = 64 * 1024;

/// A parsed location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A local file or directory, as given (a `file://` prefix removed).
    Local(PathBuf),
    /// An object-store URL: scheme, bucket/container and key prefix.
    Store(url::Url),
    /// A Postgres database; `dsn` is the resolved connection string (may hold a password).
    Postgres { dsn: Dsn },
}

/// A resolved Postgres connection string, which may hold a password. It cannot be printed
/// by accident: `Debug` and `Display` show only how it may be named, the redacted DSN when
/// it was given inline and the reference (`env:NAME`) when it came from one.
#[derive(Clone, PartialEq, Eq)]
pub struct Dsn {
    secret: String,
    shown: String,
    by_reference: bool,
}

impl Dsn {
    /// A DSN given inline: it is shown redacted.
    pub fn new(dsn: impl Into<String>) -> Dsn {
        let secret = dsn.into();
        Dsn { shown: redact(&secret), secret, by_reference: false }
    }

    /// A DSN read from `reference`: it is shown as the reference.
    fn from_reference(secret: String, reference: &str) -> Dsn {
        Dsn { secret, shown: reference.to_string(), by_reference: true }
    }

    /// The connection string itself, for the driver only.
    pub fn expose_secret(&self) -> &str {
        &self.secret
    }

    /// What the DSN may be displayed as (redacted, or the reference it came from).
    pub fn shown(&self) -> &str {
        &self.shown
    }

    /// Whether it came from a reference, so that nothing of it (host, user, database) may
    /// be shown either.
    pub fn by_reference(&self) -> bool {
        self.by_reference
    }
}

impl fmt::Debug for Dsn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Dsn").field(&self.shown).finish()
    }
}

impl fmt::Display for Dsn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shown)
    }
}

impl From<&str> for Dsn {
    fn from(dsn: &str) -> Dsn {
        Dsn::new(dsn)
    }
}

impl From<&String> for Dsn {
    fn from(dsn: &String) -> Dsn {
        Dsn::new(dsn.as_str())
    }
}

impl From<String> for Dsn {
    fn from(dsn: String) -> Dsn {
        Dsn::new(dsn)
    }
}

impl From<&Dsn> for Dsn {
    fn from(dsn: &Dsn) -> Dsn {
        dsn.clone()
    }
}

/// Why a location or credential reference could not be used. No variant holds anything a
/// reference pointed at: only the reference as given and why it failed.
#[derive(Debug, thiserror::Error)]
pub enum LocationError {
    #[error("{}: environment variable `{}` is not set", printable(.reference), printable(.name))]
    MissingEnv { reference: String, name: String },
    #[error("{}: environment variable `{}` does not hold valid UTF-8", printable(.reference), printable(.name))]
    NotUnicodeEnv { reference: String, name: String },
    #[error("{}: cannot read credential file: {source}", printable(.reference))]
    CredentialFile { reference: String, source: std::io::Error },
    #[error("{}: credential file is not a regular file of at most {} KiB", printable(.reference), MAX_REFERENCE_BYTES / 1024)]
    CredentialFileKind { reference: String },
    #[error("{}: what it holds is not a supported location (a reference must hold a postgres:// connection string)", printable(.reference))]
    NotALocation { reference: String },
    #[error("{}: not a valid URL: {}", printable(.shown), printable(.message))]
    BadUrl { shown: String, message: String },
    #[error("{}: unsupported location scheme `{}` (expected a path, file://, s3://, gs://, az://, abfs://, or postgres://)", printable(.shown), printable(.scheme))]
    Scheme { shown: String, scheme: String },
}

/// Resolves a credential reference: `env:NAME` reads an environment variable,
/// `file:/path` reads a file (a regular file of at most 64 KiB; trailing newline removed);
/// anything else is itself. Errors name the reference, never what it held.
pub fn resolve_reference(value: &str) -> Result<String, LocationError> {
    if let Some(name) = value.strip_prefix("env:") {
        return std::env::var(name).map_err(|e| match e {
            std::env::VarError::NotPresent => LocationError::MissingEnv { reference: value.to_string(), name: name.to_string() },
            std::env::VarError::NotUnicode(_) => LocationError::NotUnicodeEnv { reference: value.to_string(), name: name.to_string() },
        });
    }
    if let Some(path) = reference_path(value) {
        let io = |e| LocationError::CredentialFile { reference: value.to_string(), source: e };
        let file = std::fs::File::open(path).map_err(io)?;
        // Not a FIFO or a device: reading those may block or never end.
        if !file.metadata().map_err(io)?.is_file() {
            return Err(LocationError::CredentialFileKind { reference: value.to_string() });
        }
        let mut bytes = Vec::new();
        file.take(MAX_REFERENCE_BYTES + 1).read_to_end(&mut bytes).map_err(io)?;
        if bytes.len() as u64 > MAX_REFERENCE_BYTES {
            return Err(LocationError::CredentialFileKind { reference: value.to_string() });
        }
        let text = String::from_utf8(bytes).map_err(|_| LocationError::NotALocation { reference: value.to_string() })?;
        return Ok(text.trim_end_matches(['\n', '\r']).to_string());
    }
    Ok(value.to_string())
}

/// The path of a `file:/path` reference (`file://` is a location, not a reference).
fn reference_path(value: &str) -> Option<&str> {
    value.strip_prefix("file:").filter(|p| !p.starts_with("//"))
}

fn is_reference(value: &str) -> bool {
    value.starts_with("env:") || reference_path(value).is_some()
}

impl Location {
    /// Parses a location as a user gave it, resolving a credential reference first.
    pub fn parse(given: &str) -> Result<Location, LocationError> {
        if is_reference(given) {
            let resolved = resolve_reference(given)?;
            let is_postgres = resolved
                .split_once("://")
                .is_some_and(|(scheme, _)| scheme.eq_ignore_ascii_case("postgres") || scheme.eq_ignore_ascii_case("postgresql"));
            if !is_postgres {
                return Err(LocationError::NotALocation { reference: given.to_string() });
            }
            return Ok(Location::Postgres { dsn: Dsn::from_reference(resolved, given) });
        }
        let Some((scheme, _)) = given.split_once("://") else {
            return Ok(Location::Local(PathBuf::from(given)));
        };
        let shown = || redact(given);
        match scheme.to_ascii_lowercase().as_str() {
            "file" => Ok(Location::Local(PathBuf::from(&given[7..]))),
            "postgres" | "postgresql" => Ok(Location::Postgres { dsn: Dsn::new(given) }),
            "s3" | "s3a" | "gs" | "az" | "azure" | "abfs" | "abfss" => url::Url::parse(given)
                .map(Location::Store)
                .map_err(|e| LocationError::BadUrl { shown: shown(), message: e.to_string() }),
            other => Err(LocationError::Scheme { shown: shown(), scheme: other.to_string() }),
        }
    }
}

/// An error's text with its whole cause chain (`outer: inner: innermost`), which is where
/// a transport error says what went wrong. Callers strip what must not be shown first
/// (reqwest's `without_url`: a webhook's or a queue's URL can carry a secret).
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// Hides the password of a URL-shaped string (`scheme://user:secret@host` becomes
/// `scheme://user:***@host`) and any `password=` parameter; other text is unchanged.
pub fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    // Each `scheme://user:password@` in the text (error messages may quote a DSN), and each
    // `http:user:password@`-like one of the schemes whose authority URL parsers accept
    // without the slashes (found by fuzzing: `ftp:u:pw@h/x` kept its password).
    while let Some(start) = authority_start(rest) {
        let (head, tail) = rest.split_at(start);
        out.push_str(head);
        // Spaces end the authority (a message goes on after a URL), control characters do
        // not: URL parsers drop tabs and line breaks and encode the rest, so the password
        // goes on past them (found by fuzzing).
        let end = tail.find(|c: char| c == '/' || c == '?' || c == '#' || (c.is_whitespace() && !c.is_control())).unwrap_or(tail.len());
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

/// Where the next URL authority of `text` starts: after `://`, or after `scheme:` and any
/// slashes for the WHATWG special schemes (`http`, `https`, `ws`, `wss`, `ftp`), whose
/// authority is parsed with or without slashes.
fn authority_start(text: &str) -> Option<usize> {
    const SPECIAL: &[&str] = &["http", "https", "ws", "wss", "ftp"];
    let mut from = 0;
    while let Some(p) = text[from..].find(':').map(|p| from + p) {
        let after = &text[p + 1..];
        // URL parsers drop tabs and line breaks anywhere, so `:/\r/` is `://` to them.
        let lead = after.find(|c: char| !matches!(c, '/' | '\t' | '\r' | '\n')).unwrap_or(after.len());
        if after[..lead].matches('/').count() >= 2 {
            return Some(p + 1 + lead);
        }
        let word = |c: char| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.');
        // The scheme is ASCII: it starts after the last other character, whatever its width.
        let word_start = text[..p].char_indices().rev().find(|&(_, c)| !word(c)).map_or(0, |(i, c)| i + c.len_utf8());
        let scheme = &text[word_start..p];
        if SPECIAL.iter().any(|s| s.eq_ignore_ascii_case(scheme)) {
            let skip = after.find(|c: char| c != '/' && c != '\\').unwrap_or(after.len());
            return Some(p + 1 + skip);
        }
        from = p + 1;
    }
    None
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
        // Special schemes take an authority without slashes (the fuzzer's crash input).
        assert_eq!(redact("ftp:eNv.e2:eNpw@--/---x"), "ftp:eNv.e2:***@--/---x");
        assert_eq!(redact("see HTTP:/u:pw@h and https:\\\\u:pw@h"), "see HTTP:/u:***@h and https:\\\\u:***@h");
        assert_eq!(redact("error at line 3: bad"), "error at line 3: bad");
        assert_eq!(redact("postgres://u:pa\tss@h/db and abfss://\u{0}\u{b}c@a.net\u{0}:pw@h"), "postgres://u:***@h/db and abfss://\u{0}\u{b}c@a.net\u{0}:***@h");
        assert_eq!(redact("abgs:/\r/:Fac$d@;"), "abgs:/\r/:***@;");
        // A multi-byte character before a colon (the fuzzer's second crash input).
        assert_eq!(redact("\u{413}:e[lec"), "\u{413}:e[lec");
        assert_eq!(redact("\u{e9}http:u:pw@h"), "\u{e9}http:u:***@h");
        assert_eq!(redact("postgres://u:pa\\ss@h/db"), "postgres://u:***@h/db");
    }

    #[test]
    fn parses_locations_and_references() {
        assert_eq!(Location::parse("data/x.parquet").unwrap(), Location::Local("data/x.parquet".into()));
        assert_eq!(Location::parse("file:///tmp/x").unwrap(), Location::Local("/tmp/x".into()));
        assert!(matches!(Location::parse("s3://b/p/").unwrap(), Location::Store(u) if u.host_str() == Some("b")));
        std::env::set_var("ASSAY_TEST_LOCATION_DSN", "postgres://u:pw@h/db");
        assert!(matches!(Location::parse("env:ASSAY_TEST_LOCATION_DSN").unwrap(), Location::Postgres { dsn } if dsn.expose_secret().ends_with("/db")));
        let dir = std::env::temp_dir().join(format!("assay-location-test-{}", std::process::id()));
        std::fs::write(&dir, "postgres://u:pw@h/fromfile\n").unwrap();
        let from_file = Location::parse(&format!("file:{}", dir.display()));
        std::fs::remove_file(&dir).unwrap();
        assert!(matches!(from_file.unwrap(), Location::Postgres { dsn } if dsn.expose_secret() == "postgres://u:pw@h/fromfile"));
        let e = Location::parse("file:/nonexistent/assay/dsn").unwrap_err().to_string();
        assert!(e.contains("/nonexistent/assay/dsn"), "{e}");
        let e = Location::parse("env:ASSAY_TEST_NO_SUCH_VARIABLE").unwrap_err().to_string();
        assert!(e.contains("ASSAY_TEST_NO_SUCH_VARIABLE"), "{e}");
        let e = Location::parse("ftp://u:pw@h/x").unwrap_err().to_string();
        assert!(e.contains("ftp") && !e.contains("pw@"), "{e}");
    }

    /// Values planted where references point: a URL with a password, a DSN, arbitrary text
    /// with a newline, text with an escape sequence. None may appear, whole or in part, in
    /// any error's Display or Debug, nor in a parsed location's Debug.
    #[test]
    fn references_never_echo_what_they_hold() {
        let planted = [
            ("FTP", "ftp://u:pw-planted-1@h/x"),
            ("TEXT", "PLANTED_SECRET=hunter2-planted\nPATH=/usr/bin"),
            ("S3", "s3://planted-bucket/planted-prefix/"),
            ("PATH", "/etc/planted-dir"),
            ("BADS3", "s3://planted host with spaces/x"),
            ("ESC", "\u{1b}]0;planted-title\u{7}"),
        ];
        let dir = tempfile::tempdir().unwrap();
        let mut references = Vec::new();
        for (tag, value) in planted {
            let var = format!("ASSAY_TEST_PLANTED_{tag}_{}", std::process::id());
            std::env::set_var(&var, value);
            references.push((format!("env:{var}"), value));
            let path = dir.path().join(tag);
            std::fs::write(&path, format!("{value}\n")).unwrap();
            references.push((format!("file:{}", path.display()), value));
        }
        for (reference, value) in &references {
            let err = Location::parse(reference).expect_err(reference);
            assert!(matches!(err, LocationError::NotALocation { .. }), "{reference}: {err:?}");
            for text in [err.to_string(), format!("{err:?}")] {
                assert!(text.contains(reference.as_str()), "the error names the reference: {text}");
                let rest = text.replace(reference.as_str(), "");
                for piece in value.split(|c: char| !c.is_alphanumeric()).filter(|p| p.len() >= 3) {
                    assert!(!rest.contains(piece), "{reference}: error {text:?} shows {piece:?} of what it holds");
                }
                assert!(!rest.contains("ftp") && !rest.contains("planted"), "{reference}: {text:?}");
            }
        }
        // A DSN from a reference is a location, shown as its reference only.
        let var = format!("ASSAY_TEST_PLANTED_DSN_{}", std::process::id());
        std::env::set_var(&var, "postgres://planted-user:planted-pw@planted-host/planted-db");
        let loc = Location::parse(&format!("env:{var}")).unwrap();
        let debug = format!("{loc:?}");
        assert!(!debug.contains("planted"), "{debug}");
        let Location::Postgres { dsn } = &loc else { panic!("{debug}") };
        assert_eq!((dsn.to_string(), dsn.by_reference()), (format!("env:{var}"), true));
        // An inline DSN is shown redacted, never with its password.
        let inline = Location::parse("postgres://app:planted-pw@h/db").unwrap();
        assert_eq!(format!("{inline:?}"), r#"Postgres { dsn: Dsn("postgres://app:***@h/db") }"#);
    }

    #[test]
    fn reference_errors_say_why() {
        let e = Location::parse("env:ASSAY_TEST_NO_SUCH_VARIABLE").unwrap_err();
        assert!(matches!(e, LocationError::MissingEnv { .. }), "{e:?}");
        let e = Location::parse("file:/nonexistent/assay/dsn").unwrap_err();
        assert!(matches!(e, LocationError::CredentialFile { .. }) && e.to_string().contains("No such file"), "{e}");
        // A device is refused before it is read (it would never end).
        let e = Location::parse("file:/dev/zero").unwrap_err();
        assert!(matches!(e, LocationError::CredentialFileKind { .. }), "{e:?}");
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big");
        std::fs::write(&big, vec![b'a'; 100 * 1024]).unwrap();
        let e = Location::parse(&format!("file:{}", big.display())).unwrap_err();
        assert!(matches!(e, LocationError::CredentialFileKind { .. }) && !e.to_string().contains("aaa"), "{e:?}");
        let binary = dir.path().join("binary");
        std::fs::write(&binary, [0xff, 0xfe, b'p', b'w']).unwrap();
        assert!(matches!(Location::parse(&format!("file:{}", binary.display())).unwrap_err(), LocationError::NotALocation { .. }));
        // `/proc/self/environ` holds this process's environment: refused without a trace of it.
        let e = Location::parse("file:/proc/self/environ").unwrap_err();
        assert_eq!(e.to_string(), "file:/proc/self/environ: what it holds is not a supported location (a reference must hold a postgres:// connection string)");
        assert_eq!(format!("{e:?}"), r#"NotALocation { reference: "file:/proc/self/environ" }"#);
    }

    #[test]
    fn location_errors_are_printable() {
        let e = Location::parse("s3://b\u{1b}]0;x\u{7} c/").unwrap_err().to_string();
        assert!(!e.chars().any(char::is_control), "{e:?}");
        let e = Location::parse("env:A\u{1b}[2JB").unwrap_err().to_string();
        assert!(!e.chars().any(char::is_control), "{e:?}");
    }
}
