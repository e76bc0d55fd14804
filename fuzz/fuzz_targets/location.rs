//! Location parser: any text a user (or an API client) may give as a source location,
//! including `env:`/`file:` references, must parse or fail with an error, never panic; the
//! error and the redacted form must never show a URL's password.
#![no_main]

use assay::sources::location::{redact, Location};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    // References to files are read for real; keep the fuzzer to relative paths and
    // variables so it cannot wander into /dev or /proc files that block.
    if text.starts_with("file:/") && !text.starts_with("file://") {
        return;
    }
    let shown = redact(text);
    match Location::parse(text) {
        Ok(loc) => {
            let _ = format!("{loc:?}");
        }
        Err(e) => {
            let _ = format!("{e} {e:?}");
        }
    }
    // A password of a URL-shaped input never survives redaction. `redact` reads messages,
    // where a space ends a URL, so userinfo with a space (which URL parsers encode) is
    // prose to it: such inputs are left out.
    if text.contains(' ') {
        return;
    }
    if let Ok(url) = url::Url::parse(text) {
        if let Some(pw) = url.password().filter(|p| p.len() >= 4 && !p.contains('*')) {
            let authority = format!(":{pw}@");
            // Only when it is there once: the same text elsewhere (a path) is not the password.
            if text.matches(&authority).count() != 1 {
                return;
            }
            assert!(!shown.contains(&authority), "password kept by redact: {shown}");
        }
    }
});
