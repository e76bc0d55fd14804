//! The classifier set: every rule matches its examples and none of its negative
//! examples, and a malformed rule file stops start-up with its path and line.

use std::fs;
use std::path::Path;
use std::process::Command;

use assay::classify::lint::check_examples;
use assay::classify::RuleSource;

#[test]
fn every_builtin_rule_passes_its_examples() {
    let (failures, checked) = check_examples(&RuleSource::Builtin).expect("built-in rules load");
    let msgs: Vec<String> = failures.iter().map(ToString::to_string).collect();
    assert!(msgs.is_empty(), "{} example(s) failed:\n{}", msgs.len(), msgs.join("\n"));
    assert!(checked >= 250, "only {checked} examples checked");
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dst = to.join(e.file_name());
        if e.path().is_dir() {
            copy_dir(&e.path(), &dst);
        } else {
            fs::copy(e.path(), dst).unwrap();
        }
    }
}

fn run_with_rules(dir: &Path) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_assay"))
        .args(["--rules", dir.to_str().unwrap(), "rules", "check"])
        .output()
        .unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn a_copy_of_the_builtin_set_loads_from_disk() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/classifiers")), tmp.path());
    let (code, err) = run_with_rules(tmp.path());
    assert_eq!(code, 0, "{err}");
}

#[test]
fn yaml_syntax_error_names_path_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/classifiers")), tmp.path());
    let bad = tmp.path().join("pii/email.yaml");
    let text = fs::read_to_string(&bad).unwrap();
    // Break line 6 (an unterminated flow sequence).
    let mut lines: Vec<&str> = text.lines().collect();
    lines[5] = "severity: [medium";
    fs::write(&bad, lines.join("\n")).unwrap();
    let (code, err) = run_with_rules(tmp.path());
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("pii/email.yaml:"), "{err}");
    let after = err.split("pii/email.yaml:").nth(1).unwrap();
    let line: usize = after.split(':').next().unwrap().parse().expect("a line number follows the path");
    assert!(line >= 6, "line {line} in {err}");
}

#[test]
fn schema_errors_name_the_file_and_the_problem() {
    let cases = [
        ("unknown field", "pii/iban.yaml", "severity: high", "severity: high\nseverty: low", "unknown field"),
        ("bad regex", "secrets/jwt.yaml", "  - '(?:^|[^A-Za-z0-9_\\-])(?P<value>eyJ", "  - '((?:^|[^A-Za-z0-9_\\-])(?P<value>eyJ", "pattern 0 does not compile"),
        ("unknown validator", "pii/iban.yaml", "validator: iban", "validator: ibann", "unknown validator `ibann`"),
        ("too few examples", "pii/mac_address.yaml", "  - 'D4:74:D1:E9:B5:D0'\n", "", "at least 5 examples"),
    ];
    for (what, file, from, to, expect) in cases {
        let tmp = tempfile::tempdir().unwrap();
        copy_dir(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/classifiers")), tmp.path());
        let p = tmp.path().join(file);
        let text = fs::read_to_string(&p).unwrap();
        assert!(text.contains(from), "{what}: fixture text not found in {file}");
        fs::write(&p, text.replacen(from, to, 1)).unwrap();
        let (code, err) = run_with_rules(tmp.path());
        assert_eq!(code, 2, "{what}: {err}");
        assert!(err.contains(file), "{what}: {err}");
        assert!(err.contains(expect), "{what}: {err}");
    }
}

#[test]
fn duplicate_rule_ids_are_rejected() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/classifiers")), tmp.path());
    fs::copy(tmp.path().join("pii/iban.yaml"), tmp.path().join("pii/iban_copy.yaml")).unwrap();
    let (code, err) = run_with_rules(tmp.path());
    assert_eq!(code, 2);
    assert!(err.contains("iban_copy.yaml") && err.contains("already defined"), "{err}");
}

#[test]
fn rules_list_filters_by_label_and_scheme_and_shows_both() {
    let lines = |out: &std::process::Output| -> Vec<serde_json::Value> {
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect()
    };
    let ids = lines(&crate::common::cli::assay(&["rules", "list", "--label", "pii.national_id", "--format", "json"]));
    assert!(ids.len() > 20, "{ids:?}");
    assert!(ids.iter().all(|r| r["label"] == "pii.national_id" && r["scheme"].is_string()), "{ids:?}");
    // A dotted prefix selects a family, never a label that merely starts the same.
    let secrets = lines(&crate::common::cli::assay(&["rules", "list", "--label", "secret", "--format", "json"]));
    assert!(!secrets.is_empty() && secrets.iter().all(|r| r["label"].as_str().unwrap().starts_with("secret.")), "{secrets:?}");
    let aadhaar = lines(&crate::common::cli::assay(&["rules", "list", "--scheme", "in_aadhaar", "--format", "json"]));
    assert_eq!(aadhaar.len(), 1);
    assert_eq!(aadhaar[0]["validator"], "in_aadhaar");
    let none = crate::common::cli::assay(&["rules", "list", "--label", "pii.nope"]);
    assert_eq!(none.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&none.stderr).contains("no rule matches label `pii.nope`"));
}
