//! Validators for secrets that have no checksum: a private key hidden in base64, and a
//! value assigned to a secret-like name in a config file.
//!
//! Config files are mostly *about* secrets, not holders of them: a key named `password`
//! more often carries a reference (`${DB_PASSWORD}`, `/run/secrets/db`, `vault:…`), a
//! switch (`true`), a policy word (`strong`) or a number than a password. So the value
//! itself must look like something typed or generated to be secret; the key name only
//! brings it to our attention.

use base64::Engine as _;

use super::Check;

/// A base64-wrapped PEM private key (`LS0tLS1CRUdJTi…`, as Kubernetes Secrets and CI
/// variables hold it): the start decodes to a `-----BEGIN … PRIVATE KEY-----` line and
/// enough text follows for key material. Certificates and public keys decode too, and
/// are not secrets.
pub fn pem_base64(s: &str) -> bool {
    let head: String = s.chars().filter(|c| !c.is_whitespace()).take(96).collect();
    let cut = head.len() / 4 * 4;
    let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(&head[..cut]) else { return false };
    let text = String::from_utf8_lossy(&bytes);
    let Some(line) = text.strip_prefix("-----BEGIN ") else { return false };
    let header = line.split("-----").next().unwrap_or("");
    (header.ends_with("PRIVATE KEY") || header.ends_with("PRIVATE KEY BLOCK")) && s.len() >= 120
}

/// Words that a secret-like key holds when it does not hold a secret.
const NOT_SECRETS: &[&str] = &[
    "true", "false", "yes", "no", "on", "off", "null", "none", "nil", "undefined", "empty", "required",
    "optional", "disabled", "enabled", "secret", "password", "token", "string", "default", "hidden",
];

/// A value assigned to a password, secret, token or key name in config syntax that is
/// itself secret-looking: not a reference to where the secret lives, not a word, switch,
/// number or path, and mixing character classes like typed or generated secrets do.
pub fn config_secret(s: &str) -> Check {
    let s = s.trim_matches(|c| c == '"' || c == '\'');
    let b = s.as_bytes();
    if b.len() < 6 || b.iter().all(|&x| x == b[0]) {
        return Check::Invalid;
    }
    let lower = s.to_ascii_lowercase();
    // References to the secret, not the secret: environment and template variables,
    // secret stores, files, expressions in code.
    // YAML anchors, aliases and tags (`&db`, `*db_password`, `!vault`) and annotations
    // (`@secret`) are names: one identifier after the sigil, not mixing case and digits.
    let rest = &b[1..];
    let sigil_name = matches!(b[0], b'&' | b'*' | b'!' | b'@')
        && rest.iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.'))
        && !(rest.iter().any(u8::is_ascii_uppercase) && rest.iter().any(u8::is_ascii_lowercase) && rest.iter().any(u8::is_ascii_digit));
    let reference = matches!(b[0], b'$' | b'/' | b'~' | b'#')
        || sigil_name
        || (b[0] == b'%' && (s.contains('(') || s.ends_with('%')))
        || s.starts_with("./")
        || s.starts_with("../")
        || ["enc(", "env:", "vault:", "file:", "secret:", "secrets:", "ref:", "arn:", "sm://", "projects/", "process.env", "os.environ", "os.getenv", "getenv(", "system.getenv", "env.", "settings.", "config.", "secrets.", "var.", "vars."]
            .iter()
            .any(|p| lower.starts_with(p))
        || lower.contains("://")
        || [".pem", ".key", ".p12", ".pfx", ".jks", ".json", ".txt", ".yaml", ".yml", ".env", ".crt", ".p8"].iter().any(|e| lower.ends_with(e));
    if reference || NOT_SECRETS.contains(&lower.as_str()) {
        return Check::Invalid;
    }
    let has_lower = b.iter().any(u8::is_ascii_lowercase);
    let has_upper = b.iter().any(u8::is_ascii_uppercase);
    let has_digit = b.iter().any(u8::is_ascii_digit);
    // `-`, `.`, `_` join the words of names (`us-east-1`, `db.internal`, `my_app`); other
    // punctuation is what people add to passwords.
    let has_symbol = b.iter().any(|c| c.is_ascii_punctuation() && !matches!(c, b'-' | b'.' | b'_'));
    if !(has_lower || has_upper) {
        return Check::Invalid; // a number: a port, a length, a count
    }
    // Identifier-like words (`strong`, `bearer`, `HS256`, `my_app`) are settings. A
    // dotted or dashed lower-case name (`db.internal`, `us-east-1`) is a name.
    let classes = [has_lower, has_upper, has_digit, has_symbol].iter().filter(|&&x| x).count();
    if classes >= 3 && b.len() >= 8 {
        return Check::Valid;
    }
    if classes >= 2 && b.len() >= 16 && super::shannon_entropy(s) >= 3.5 {
        return Check::Valid;
    }
    Check::Invalid
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_pem_private_keys_decode_and_certificates_do_not_count() {
        let pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA2okLFgfPMrtD7/v/2yTdycTa2tF+FmADQP93m9ETczF4gGux\n-----END RSA PRIVATE KEY-----\n";
        let b = base64::engine::general_purpose::STANDARD.encode(pem);
        assert!(pem_base64(&b));
        let cert = "-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBaMQswCQYDVQQGEwJJ\n";
        assert!(!pem_base64(&base64::engine::general_purpose::STANDARD.encode(cert)));
        assert!(!pem_base64("LS0tLS1CRUdJTiBbad!!"));
    }

    #[test]
    fn config_values_are_secrets_only_when_they_look_typed_or_generated() {
        for ok in ["Summer2024!xK9z", "&OXS1bz2HLFAVj2AYgv&td", "%STmA9x!kq", "Tq7wZp2KxL9m#", "f6f8c323b56d9d87cd116bcad8ec54dbXYZQ", "kX9#mP2vLq"] {
            assert_eq!(config_secret(ok), Check::Valid, "{ok}");
        }
        for no in ["${DB_PASSWORD}", "%(db_password)s", "%DB_PASSWORD%", "*db_password", "!vault", "changeme", "true", "12345678", "/run/secrets/db", "env:API_KEY", "process.env.DB_PASSWORD", "strong", "bearer", "key.pem", "aaaaaaaa", "us-east-1"] {
            assert_eq!(config_secret(no), Check::Invalid, "{no}");
        }
    }
}
