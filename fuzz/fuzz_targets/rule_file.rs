//! Rule loader: one YAML rule file from arbitrary bytes, through the loader's own entry
//! point (`load_rules` over a directory source naming one file), must load or fail with an
//! error naming the file, never panic or hang.
#![no_main]

use std::io::Write;
use std::sync::OnceLock;

use assay::classify::loader::load_rules;
use assay::classify::RuleSource;
use libfuzzer_sys::fuzz_target;

fn scratch() -> &'static std::path::Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("temp dir")).path()
}

fuzz_target!(|data: &[u8]| {
    let path = scratch().join("rule.yaml");
    std::fs::File::create(&path).and_then(|mut f| f.write_all(data)).expect("write rule file");
    if let Err(e) = load_rules(&RuleSource::Dir(path.clone())) {
        let _ = e.to_string();
    }
});
