//! What the server may be asked to read: the operator's decision, enforced before a
//! location registered through the API is resolved or opened.
//!
//! A location names data (a local path, an object-store URL, a DSN) or a reference to it
//! (`env:NAME`, `file:/path`). Without a policy, anyone who may register a source could
//! make the server read any file or variable it can (`file:/proc/self/environ`,
//! `env:DATABASE_URL`) and see it back in findings or errors. So:
//! - local paths and `file:` references must lie under a directory the operator allowed
//!   (`serve --allow-dir`); paths with `..` are refused outright, and the canonical path
//!   (symlinks resolved) must still lie there;
//! - `env:` references must name a variable the operator allowed (by default those
//!   starting `ASSAY_SOURCE_`);
//! - a reference is resolved only once allowed, and what it holds is checked again (a
//!   file holding `/etc` must not open a local path), without ever quoting it;
//! - credentials written into a location (`postgres://u:secret@…`, `?password=`, `?sig=`)
//!   are refused: the store must never hold a secret, so they belong in a reference.
//!
//! Errors name the reference or path that was refused and why, never anything it held,
//! and look the same whether a refused path exists or not (no probing of the file system).

use std::path::{Component, Path, PathBuf};

use super::location::resolve_reference;

/// The default variables `env:` references may name.
pub const DEFAULT_ENV_ALLOW: &str = "ASSAY_SOURCE_*";
/// The default variables webhook secrets may name, besides those of `DEFAULT_ENV_ALLOW`.
pub const WEBHOOK_ENV_ALLOW: &str = "ASSAY_WEBHOOK_*";

/// Query parameters that carry credentials in a URL.
const SECRET_PARAMS: [&str; 8] = ["password", "sslpassword", "passwd", "pwd", "secret", "sig", "token", "access_key"];

/// What the server may read on behalf of API clients.
#[derive(Debug, Clone, Default)]
pub struct LocationPolicy {
    /// Directories (canonical) under which local paths and `file:` references may lie.
    allow_dirs: Vec<PathBuf>,
    /// Variable names `env:` may use; an entry ending in `*` is a prefix.
    allow_env: Vec<String>,
}

/// Why a location was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PolicyError {
    #[error("`{shown}` is outside the directories this server may read (an operator allows them with `serve --allow-dir DIR`)")]
    PathNotAllowed { shown: String },
    #[error("`{shown}`: paths with `..` are not accepted; give the path without them")]
    ParentComponent { shown: String },
    #[error("`{shown}` does not exist on the server")]
    PathMissing { shown: String },
    #[error("`env:{name}`: this server may not read that variable (an operator allows variables with `serve --allow-env`; default `{DEFAULT_ENV_ALLOW}`)")]
    EnvNotAllowed { name: String },
    #[error("`{reference}`: {why}")]
    Reference { reference: String, why: String },
    #[error("`{reference}` points to a local path outside the directories this server may read")]
    ReferencedPathNotAllowed { reference: String },
    #[error("a secret must be given as a reference (`env:NAME` or `file:/path`), never written out, so that no secret is stored")]
    NotAReference,
    #[error("the location holds a credential ({what}); register it as a reference instead (`env:NAME` or `file:/path` holding the DSN or URL), so that no secret is stored")]
    InlineCredential { what: &'static str },
}

impl LocationPolicy {
    /// A policy allowing `dirs` (they must exist; they are canonicalized) and the
    /// variables `env` (names, or prefixes ending in `*`).
    pub fn new(dirs: &[PathBuf], env: &[String]) -> std::io::Result<LocationPolicy> {
        let allow_dirs = dirs
            .iter()
            .map(|d| std::fs::canonicalize(d).map_err(|e| std::io::Error::new(e.kind(), format!("--allow-dir {}: {e}", d.display()))))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(LocationPolicy { allow_dirs, allow_env: env.to_vec() })
    }

    /// The directories allowed, canonical.
    pub fn allowed_dirs(&self) -> &[PathBuf] {
        &self.allow_dirs
    }

    /// Checks a location as an API client gave it; resolves a reference only once it is
    /// allowed, and checks what it holds.
    pub fn check(&self, given: &str) -> Result<(), PolicyError> {
        let given = given.trim();
        if let Some(name) = given.strip_prefix("env:") {
            if !self.env_allowed(name) {
                return Err(PolicyError::EnvNotAllowed { name: name.to_string() });
            }
            return self.check_resolved(given);
        }
        if let Some(path) = given.strip_prefix("file:").filter(|p| !p.starts_with("//")) {
            self.path_allowed(path)?;
            return self.check_resolved(given);
        }
        self.check_direct(given)
    }

    /// Checks a secret given as a reference (a webhook's signing secret): it must be an
    /// `env:`/`file:` reference the operator allows, and resolvable. What it holds is the
    /// secret itself, so it is neither checked as a location nor ever quoted.
    pub fn check_secret(&self, given: &str) -> Result<(), PolicyError> {
        let given = given.trim();
        if let Some(name) = given.strip_prefix("env:") {
            if !self.env_allowed(name) {
                return Err(PolicyError::EnvNotAllowed { name: name.to_string() });
            }
        } else if let Some(path) = given.strip_prefix("file:").filter(|p| !p.starts_with("//")) {
            self.path_allowed(path)?;
        } else {
            return Err(PolicyError::NotAReference);
        }
        resolve_reference(given).map(|_| ()).map_err(|e| PolicyError::Reference { reference: given.to_string(), why: reference_failure(&e) })
    }

    /// A location written out (not a reference).
    fn check_direct(&self, given: &str) -> Result<(), PolicyError> {
        if let Some(what) = inline_credential(given) {
            return Err(PolicyError::InlineCredential { what });
        }
        match given.split_once("://") {
            None => self.path_allowed(given),
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("file") => self.path_allowed(rest),
            Some(_) => Ok(()),
        }
    }

    /// What an allowed reference holds: resolvable, and not itself a forbidden path. A
    /// reference may hold a credential (that is what it is for).
    fn check_resolved(&self, reference: &str) -> Result<(), PolicyError> {
        let resolved = resolve_reference(reference).map_err(|e| PolicyError::Reference { reference: reference.to_string(), why: reference_failure(&e) })?;
        let local = match resolved.split_once("://") {
            None => Some(resolved.as_str()),
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("file") => Some(rest),
            Some(_) => None,
        };
        match local {
            Some(path) if self.path_allowed(path).is_err() => Err(PolicyError::ReferencedPathNotAllowed { reference: reference.to_string() }),
            _ => Ok(()),
        }
    }

    fn env_allowed(&self, name: &str) -> bool {
        !name.is_empty()
            && self.allow_env.iter().any(|a| match a.strip_suffix('*') {
                Some(prefix) => name.starts_with(prefix),
                None => a == name,
            })
    }

    /// A local path lies under an allowed directory, before and after resolving links.
    fn path_allowed(&self, path: &str) -> Result<(), PolicyError> {
        let shown = path.to_string();
        let p = Path::new(path);
        if p.components().any(|c| c == Component::ParentDir) {
            return Err(PolicyError::ParentComponent { shown });
        }
        let absolute = if p.is_absolute() { p.to_path_buf() } else { std::env::current_dir().map(|d| d.join(p)).unwrap_or_else(|_| p.to_path_buf()) };
        let under = |q: &Path| self.allow_dirs.iter().any(|d| q.starts_with(d));
        if !under(&absolute) {
            // An allowed directory may itself be reached through a link (/tmp → /private/tmp):
            // compare canonical forms too, but only for paths already spelled under it.
            let canonical_parent = absolute.parent().and_then(|d| std::fs::canonicalize(d).ok());
            if !canonical_parent.is_some_and(|d| under(&d.join(absolute.file_name().unwrap_or_default()))) {
                return Err(PolicyError::PathNotAllowed { shown });
            }
        }
        match std::fs::canonicalize(&absolute) {
            Ok(real) if under(&real) => Ok(()),
            Ok(_) => Err(PolicyError::PathNotAllowed { shown }),
            Err(_) => Err(PolicyError::PathMissing { shown }),
        }
    }
}

/// Why a reference did not resolve, without what it held.
fn reference_failure(e: &super::location::LocationError) -> String {
    use super::location::LocationError;
    match e {
        LocationError::MissingEnv { .. } => "the variable is not set".into(),
        LocationError::CredentialFile { source, .. } => format!("cannot read the file ({})", source.kind()),
        _ => "cannot be resolved".into(),
    }
}

/// The kind of credential written into a URL-shaped location, if any.
pub fn inline_credential(given: &str) -> Option<&'static str> {
    if let Ok(url) = url::Url::parse(given) {
        if url.password().is_some() {
            return Some("a password in the URL");
        }
        for (k, _) in url.query_pairs() {
            if SECRET_PARAMS.iter().any(|s| k.eq_ignore_ascii_case(s)) {
                return Some("a secret query parameter");
            }
        }
        return None;
    }
    // Not a URL the parser takes (a libpq keyword string, say).
    given.to_ascii_lowercase().contains("password=").then_some("a password")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(dir: &Path) -> LocationPolicy {
        LocationPolicy::new(&[dir.to_path_buf()], &[DEFAULT_ENV_ALLOW.to_string(), "EXACT_NAME".into()]).unwrap()
    }

    #[test]
    fn local_paths_must_lie_under_an_allowed_directory() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("x.csv"), "a\n1\n").unwrap();
        let p = policy(dir.path());
        assert_eq!(p.check(&dir.path().join("x.csv").display().to_string()), Ok(()));
        assert_eq!(p.check(&format!("file://{}", dir.path().join("x.csv").display())), Ok(()));
        assert!(matches!(p.check("/etc/passwd"), Err(PolicyError::PathNotAllowed { .. })));
        assert!(matches!(p.check("file:///etc/passwd"), Err(PolicyError::PathNotAllowed { .. })));
        // The same answer whether a refused path exists or not.
        assert!(matches!(p.check("/no/such/dir/file"), Err(PolicyError::PathNotAllowed { .. })));
        assert!(matches!(p.check(&format!("{}/../../etc/passwd", dir.path().display())), Err(PolicyError::ParentComponent { .. })));
        assert!(matches!(p.check(&dir.path().join("missing.csv").display().to_string()), Err(PolicyError::PathMissing { .. })));
        // A link inside the allowed directory to a file outside it.
        std::os::unix::fs::symlink("/etc/passwd", dir.path().join("link")).unwrap();
        assert!(matches!(p.check(&dir.path().join("link").display().to_string()), Err(PolicyError::PathNotAllowed { .. })));
        // Nothing is allowed by default.
        assert!(LocationPolicy::default().check(&dir.path().join("x.csv").display().to_string()).is_err());
    }

    #[test]
    fn references_are_allowed_by_name_and_checked_without_quoting_them() {
        let dir = tempfile::tempdir().unwrap();
        let p = policy(dir.path());
        assert!(matches!(p.check("env:DATABASE_URL"), Err(PolicyError::EnvNotAllowed { .. })));
        assert!(matches!(p.check("env:ASSAY_SOURCE_NOT_SET_ANYWHERE"), Err(PolicyError::Reference { .. })));
        assert!(matches!(p.check("file:/proc/self/environ"), Err(PolicyError::PathNotAllowed { .. })));
        assert!(matches!(p.check("file:/etc/passwd"), Err(PolicyError::PathNotAllowed { .. })));
        let secret = dir.path().join("dsn");
        std::fs::write(&secret, "postgres://app:planted-secret-9f2@db/x\n").unwrap();
        assert_eq!(p.check(&format!("file:{}", secret.display())), Ok(()));
        // A reference that holds a local path outside the allowed directories.
        let sneaky = dir.path().join("sneaky");
        std::fs::write(&sneaky, "/etc\n").unwrap();
        let e = p.check(&format!("file:{}", sneaky.display())).unwrap_err();
        assert!(matches!(e, PolicyError::ReferencedPathNotAllowed { .. }));
        assert!(!e.to_string().contains("/etc"), "{e}");
        std::env::set_var("EXACT_NAME", "/etc");
        let e = p.check("env:EXACT_NAME").unwrap_err().to_string();
        assert!(!e.contains("/etc"), "{e}");
    }

    #[test]
    fn inline_credentials_are_refused() {
        let p = LocationPolicy::default();
        for given in ["postgres://app:s3cret@db:5432/x", "postgres://db/x?user=app&password=s3cret", "az://container/p?sig=abc", "host=db password=s3cret dbname=x"] {
            let e = p.check(given).unwrap_err();
            assert!(matches!(e, PolicyError::InlineCredential { .. }), "{given}: {e}");
            assert!(!e.to_string().contains("s3cret") && !e.to_string().contains("abc"), "{e}");
        }
        assert_eq!(p.check("postgres://app@db:5432/x"), Ok(()));
        assert_eq!(p.check("s3://bucket/prefix/"), Ok(()));
    }
}
