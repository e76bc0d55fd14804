//! `assay apply` as teams use it, on SQLite and Postgres: a file kept in git applied,
//! applied again (nothing changes, not even a timestamp, and the audit log says so), dry
//! runs that change nothing, pruning, bad documents refused whole at their line with
//! nothing applied, and the roles that may apply.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

use crate::common;
use common::service::{create_token, Service};

/// A service whose webhook secrets may be `env:ASSAY_HOOK_*` (one is set).
fn start(db: &str, worker: &str) -> Service {
    Service::start(db, worker, &["--allow-env", "ASSAY_HOOK_*"], &[("ASSAY_HOOK_SECRET", "not-a-real-secret".to_string())])
}

/// A team's repository: a data directory and the document beside it.
struct Repo {
    dir: tempfile::TempDir,
}

impl Repo {
    fn new() -> Repo {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("data")).unwrap();
        std::fs::write(dir.path().join("data/customers.csv"), "id,plan,tenure,notes\n1,pro,12,renewed early\n2,free,3,asked about pricing\n").unwrap();
        Repo { dir }
    }

    fn data(&self) -> PathBuf {
        std::fs::canonicalize(self.dir.path().join("data")).unwrap()
    }

    /// Writes `text` as `name` and returns its path.
    fn write(&self, name: &str, text: &str) -> String {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    }
}

/// The document of the story; `interval` and `columns` vary.
fn document(interval: &str, columns: &str) -> String {
    format!(
        "\
# sources and feature sets of the churn model
sources:
  - name: lake
    location: data            # relative to this file
    interval: {interval}
    sample_rows: 500
webhooks:
  - name: ml-alerts
    url: https://hooks.example.com/assay
    secret: env:ASSAY_HOOK_SECRET
    format: json
feature_sets:
  - name: churn
    description: Features of the churn model
    owner: ml-platform
    webhooks: [ml-alerts]
    members:
      - source: lake
        columns: [{columns}]
        allow: [pii.ip_address]
"
    )
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// `assay apply -f file args…`: exit code, stdout, stderr.
fn apply(svc: &Service, file: &str, args: &[&str]) -> (i32, String, String) {
    let mut all = vec!["apply", "-f", file];
    all.extend_from_slice(args);
    let out = svc.cli(&all);
    (out.status.code().unwrap_or(-1), text(&out.stdout), text(&out.stderr))
}

fn ok(r: (i32, String, String)) -> String {
    assert_eq!(r.0, 0, "assay apply failed:\n{}\n{}", r.1, r.2);
    r.1
}

fn json(svc: &Service, path: &str) -> Value {
    let (code, body) = svc.call("GET", path, b"");
    assert_eq!(code, 200, "GET {path}: {body}");
    serde_json::from_str(&body).unwrap()
}

/// What the registry holds, as the API shows it, without what scans change (next due
/// time, failures, contamination): equal snapshots mean apply wrote nothing.
fn snapshot(svc: &Service) -> Value {
    let mut sources = json(svc, "/api/v1/sources?limit=1000")["items"].clone();
    for s in sources.as_array_mut().unwrap() {
        let s = s.as_object_mut().unwrap();
        s.remove("next_due_at");
        s.remove("consecutive_failures");
    }
    let mut sets = json(svc, "/api/v1/feature-sets?limit=1000")["items"].clone();
    for f in sets.as_array_mut().unwrap() {
        let f = f.as_object_mut().unwrap();
        f.remove("contamination");
        for m in f.get_mut("members").and_then(Value::as_array_mut).into_iter().flatten() {
            m.as_object_mut().unwrap().remove("not_seen");
        }
    }
    serde_json::json!({ "sources": sources, "webhooks": json(svc, "/api/v1/webhooks?limit=1000")["items"], "feature_sets": sets })
}

fn names(v: &Value, kind: &str) -> Vec<String> {
    v[kind].as_array().unwrap().iter().map(|i| i["name"].as_str().unwrap().to_string()).collect()
}

/// The details of the `apply` audit rows, newest first.
fn audited(svc: &Service) -> Vec<(String, String)> {
    json(svc, "/api/v1/audit?action=apply&limit=100")["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["outcome"].as_str().unwrap_or_default().to_string(), r["detail"].as_str().unwrap_or_default().to_string()))
        .collect()
}

fn story(db: &str) {
    let svc = start(db, "apply-story");
    let repo = Repo::new();
    let file = repo.write("assay.yaml", &document("1h", "plan, tenure, notes"));

    // A dry run shows the plan and changes nothing.
    let out = ok(apply(&svc, &file, &["--dry-run"]));
    assert!(out.contains("+ source lake\n+ webhook ml-alerts\n+ feature_set churn\n"), "{out}");
    assert!(out.contains("dry run: 3 changes planned") && out.contains("nothing applied"), "{out}");
    let empty = snapshot(&svc);
    assert!(names(&empty, "sources").is_empty() && names(&empty, "feature_sets").is_empty() && names(&empty, "webhooks").is_empty(), "{empty}");

    let out = ok(apply(&svc, &file, &[]));
    assert!(out.ends_with("applied 3 changes\n"), "{out}");
    let first = snapshot(&svc);
    assert_eq!(names(&first, "sources"), ["lake"]);
    // The relative path is the file's neighbour, wherever apply ran.
    assert_eq!(first["sources"][0]["location"], repo.data().display().to_string(), "{first}");
    assert_eq!((first["sources"][0]["interval"].as_str(), first["sources"][0]["sample_rows"].as_i64()), (Some("1h"), Some(500)));
    assert_eq!(first["webhooks"][0]["secret"], "env:ASSAY_HOOK_SECRET");
    let churn = &first["feature_sets"][0];
    assert_eq!((churn["name"].as_str(), churn["owner"].as_str()), (Some("churn"), Some("ml-platform")), "{churn}");
    assert_eq!(churn["members"][0]["columns"], serde_json::json!(["plan", "tenure", "notes"]));
    assert_eq!(churn["members"][0]["allow"], serde_json::json!(["pii.ip_address"]));
    assert_eq!(churn["webhooks"], serde_json::json!(["ml-alerts"]));

    // Twice: nothing to do, nothing written (timestamps included), and said so.
    std::thread::sleep(std::time::Duration::from_millis(20));
    let out = ok(apply(&svc, &file, &[]));
    assert_eq!(out, "no changes\n");
    assert_eq!(snapshot(&svc), first, "a second apply of the same document wrote something");
    let log = audited(&svc);
    assert_eq!(log.len(), 3, "{log:?}");
    assert_eq!(log[0], ("ok".to_string(), "no changes".to_string()));
    assert_eq!(log[1].1, "3 change(s): +source lake, +webhook ml-alerts, +feature_set churn");
    assert!(log[2].1.starts_with("dry run: 3 change(s)"), "{log:?}");

    // A change: the dry run shows the field-level diff and changes nothing.
    repo.write("assay.yaml", &document("30m", "plan, tenure"));
    let out = ok(apply(&svc, &file, &["--dry-run"]));
    assert!(out.contains("~ source lake: interval 1h → 30m\n"), "{out}");
    assert!(out.contains("~ feature_set churn: members[0] lake (plan, tenure, notes) allows pii.ip_address → lake (plan, tenure) allows pii.ip_address\n"), "{out}");
    assert_eq!(snapshot(&svc), first, "a dry run changed something");
    assert!(audited(&svc)[0].1.starts_with("dry run: 2 change(s)"));
    let out = ok(apply(&svc, &file, &[]));
    assert!(out.ends_with("applied 2 changes\n"), "{out}");
    let second = snapshot(&svc);
    assert_eq!(second["sources"][0]["interval"], "30m");
    assert_eq!(second["feature_sets"][0]["members"][0]["columns"], serde_json::json!(["plan", "tenure"]));
    assert_eq!(second["feature_sets"][0]["created_at"], first["feature_sets"][0]["created_at"], "an update re-created the feature set");

    // From standard input, with paths relative to the current directory.
    let mut child = Command::new(env!("CARGO_BIN_EXE_assay"))
        .args(["apply", "-f", "-"])
        .current_dir(repo.dir.path())
        .env("ASSAY_URL", &svc.url)
        .env("ASSAY_TOKEN", &svc.token)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(document("30m", "plan, tenure").as_bytes()).unwrap();
    let out: Output = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "no changes\n");

    // Pruning: what the document no longer declares goes, feature sets first, sources last.
    svc.add("scratch", &repo.data().display().to_string(), &["--interval", "1d"]);
    let only_source = repo.write("only-source.yaml", "sources:\n  - name: lake\n    location: data\n    interval: 30m\n    sample_rows: 500\n");
    let out = ok(apply(&svc, &only_source, &[]));
    assert_eq!(out, "no changes\n", "without --prune nothing is removed");
    let out = ok(apply(&svc, &only_source, &["--prune", "--dry-run"]));
    assert!(out.starts_with("- feature_set churn\n- webhook ml-alerts\n- source scratch\n"), "{out}");
    assert_eq!(names(&snapshot(&svc), "sources"), ["lake", "scratch"]);
    let out = ok(apply(&svc, &only_source, &["--prune"]));
    assert!(out.ends_with("applied 3 changes\n"), "{out}");
    let pruned = snapshot(&svc);
    assert_eq!(names(&pruned, "sources"), ["lake"]);
    assert!(names(&pruned, "webhooks").is_empty() && names(&pruned, "feature_sets").is_empty(), "{pruned}");
    assert_eq!(ok(apply(&svc, &only_source, &["--prune"])), "no changes\n");

    // A feature set that stays may not name a source that --prune would remove.
    svc.add("scratch", &repo.data().display().to_string(), &["--interval", "1d"]);
    let keeps = repo.write("keeps.yaml", "sources:\n  - name: lake\n    location: data\n    interval: 30m\n    sample_rows: 500\nfeature_sets:\n  - name: s\n    members:\n      - source: scratch\n");
    let (code, _, err) = apply(&svc, &keeps, &["--prune"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains(&format!("{keeps}:9: feature_sets[0].members[0].source: source `scratch` is not declared in the document, and --prune removes")), "{err}");
    assert_eq!(names(&snapshot(&svc), "sources"), ["lake", "scratch"]);
    // Without --prune it may: the source stays registered.
    assert!(ok(apply(&svc, &keeps, &[])).ends_with("applied 1 change\n"));

    // Applies at once are serialized: one makes the changes, the others find nothing to do
    // (without the lock, two would plan the same creation and one would fail on it).
    let race = repo.write("race.yaml", "sources:\n  - name: raced\n    location: data\nfeature_sets:\n  - name: raced\n    members:\n      - source: raced\n");
    let runs: Vec<_> = (0..4)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_assay"))
                .args(["apply", "-f", &race])
                .env("ASSAY_URL", &svc.url)
                .env("ASSAY_TOKEN", &svc.token)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outs: Vec<Output> = runs.into_iter().map(|c| c.wait_with_output().unwrap()).collect();
    for o in &outs {
        assert!(o.status.success(), "{}", text(&o.stderr));
    }
    let mut said: Vec<String> = outs.iter().map(|o| text(&o.stdout)).collect();
    said.sort();
    assert_eq!(said, ["+ source raced\n+ feature_set raced\napplied 2 changes\n", "no changes\n", "no changes\n", "no changes\n"]);
    svc.stop();
}

#[test]
fn applying_twice_is_a_no_op_dry_runs_change_nothing_and_prune_removes_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    story(&format!("sqlite://{}", dir.path().join("assay.db").display()));
}

#[test]
fn applying_twice_is_a_no_op_dry_runs_change_nothing_and_prune_removes_on_postgres() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = rt.block_on(common::pg::TestDb::new());
    story(db.dsn());
}

/// Bad documents: each refused with its file, line and what is wrong (exit 1), nothing
/// applied, no secret repeated.
fn refusals(db: &str) {
    let svc = start(db, "apply-refusals");
    let repo = Repo::new();
    let good = document("1h", "plan");
    let file = repo.write("assay.yaml", &good);
    ok(apply(&svc, &file, &[]));
    let before = snapshot(&svc);

    let secret = "Sup3rS3cretValue";
    // (what, document, line, what the message says); the first 8 are found by the client,
    // the rest only by the server, whose answer the client maps back to the line.
    let cases: Vec<(&str, String, usize, &str)> = vec![
        ("malformed YAML", good.replace("owner: ml-platform", "owner: ml-platform: core"), 15, "mapping values are not allowed"),
        ("an unknown top-level key", format!("{good}sorces: []\n"), 21, "unknown field `sorces`"),
        ("an unknown nested key", good.replace("        columns:", "        colums:"), 19, "feature_sets[0].members[0]: unknown field `colums`"),
        ("an unknown label", good.replace("pii.ip_address", "pii.ip_adress"), 20, "feature_sets[0].members[0].allow[0]: unknown label `pii.ip_adress`; did you mean `pii.ip_address`?"),
        ("a webhook URL that is not http(s)", good.replace("https://hooks.example.com/assay", "ftp://hooks.example.com/assay"), 9, "webhooks[0].url: `ftp://hooks.example.com/assay` is not an http:// or https:// URL"),
        ("a literal webhook secret", good.replace("env:ASSAY_HOOK_SECRET", secret), 10, "webhooks[0].secret: the secret is written literally"),
        ("a password in a location", good.replace("location: data", &format!("location: postgres://app:{secret}@db.example.com/app")), 4, "sources[0].location: the location holds a credential"),
        ("a duplicate name", good.replace("webhooks:\n", "  - name: lake\n    location: data\nwebhooks:\n"), 7, "sources[1].name: source `lake` is declared twice"),
        ("a bad duration", good.replace("interval: 1h", "interval: 1 fortnight"), 5, "sources[0].interval: `1 fortnight` is not a duration"),
        ("a member naming an unknown source", good.replace("      - source: lake", "      - source: nowhere"), 18, "feature_sets[0].members[0].source: no source named `nowhere` is declared in the document or registered"),
        ("a location the server may not read", good.replace("location: data", "location: /etc"), 4, "sources[0].location: `/etc` is outside the directories this server may read"),
        ("a feature set webhook unknown", good.replace("webhooks: [ml-alerts]", "webhooks: [ml-alerts, pager]"), 16, "feature_sets[0].webhooks[1]: no webhook named `pager`"),
    ];
    for (what, doc, line, says) in &cases {
        let path = repo.write("bad.yaml", doc);
        let (code, out, err) = apply(&svc, &path, &[]);
        assert_eq!(code, 1, "{what}: exit {code}\n{out}\n{err}");
        assert!(err.contains(&format!("{path}:{line}: {says}")), "{what}: expected `{path}:{line}: {says}` in:\n{err}");
        assert!(err.contains("nothing was applied"), "{what}: {err}");
        assert!(!err.contains(secret) && !out.contains(secret), "{what}: the secret is repeated:\n{err}");
        assert_eq!(snapshot(&svc), before, "{what}: something was applied");
    }

    // Whole: valid new items beside one bad one are not applied either, and every problem
    // is listed, the client's and (once the client has none) the server's.
    let mixed = good
        .replace("webhooks:\n", &format!("  - name: fresh\n    location: {}\nwebhooks:\n", repo.data().display()))
        .replace("pii.ip_address", "pii.ip_adress")
        .replace("interval: 1h", "interval: never");
    let mixed = format!("{mixed}  - name: fresh-set\n    members:\n      - source: fresh\n");
    let path = repo.write("mixed.yaml", &mixed);
    let (code, _, err) = apply(&svc, &path, &[]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains(&format!("{path}:5: sources[0].interval")) && err.contains(&format!("{path}:22: feature_sets[0].members[0].allow[0]")), "{err}");
    assert!(err.contains("refused (2 problems)"), "{err}");
    let server_only = mixed
        .replace("interval: never", "interval: 1h")
        .replace("pii.ip_adress", "pii.ip_address")
        .replace(&format!("location: {}\n", repo.data().display()), "location: /etc\n")
        .replace("source: fresh\n", "source: elsewhere\n");
    let path = repo.write("mixed.yaml", &server_only);
    let (code, _, err) = apply(&svc, &path, &[]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains(&format!("{path}:8: sources[1].location: `/etc` is outside")) && err.contains(&format!("{path}:25: feature_sets[1].members[0].source: no source named `elsewhere`")), "{err}");
    assert_eq!(snapshot(&svc), before, "part of a refused document was applied");

    // The server names the item path itself (curl users see it too).
    let body = serde_json::json!({ "document": { "sources": [], "feature_sets": [{ "name": "x", "members": [{ "source": "lake", "allow": ["pii.nope"] }] }] } });
    let (code, answer) = svc.call("POST", "/api/v1/apply", body.to_string().as_bytes());
    assert_eq!(code, 400, "{answer}");
    let v: Value = serde_json::from_str(&answer).unwrap();
    assert_eq!(v["error"]["code"], "invalid_document");
    assert!(v["error"]["message"].as_str().unwrap().contains("\nfeature_sets[0].members[0].allow[0]: unknown label `pii.nope`"), "{answer}");
    // And refusals are audited as such.
    assert!(audited(&svc).iter().filter(|(o, _)| o == "rejected").count() >= 5, "{:?}", audited(&svc));
    assert_eq!(snapshot(&svc), before);

    // An empty file is more likely a mistake than a wish to remove everything.
    let empty = repo.write("empty.yaml", "# nothing yet\n");
    let (code, _, err) = apply(&svc, &empty, &["--prune"]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(snapshot(&svc), before);
    svc.stop();
}

#[test]
fn bad_documents_are_refused_whole_at_their_line_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    refusals(&format!("sqlite://{}", dir.path().join("assay.db").display()));
}

#[test]
fn bad_documents_are_refused_whole_at_their_line_on_postgres() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = rt.block_on(common::pg::TestDb::new());
    refusals(db.dsn());
}

#[test]
fn only_admins_and_engineers_may_apply_and_other_failures_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("assay.db").display());
    let svc = start(&db, "apply-roles");
    let repo = Repo::new();
    let file = repo.write("assay.yaml", &document("1h", "plan"));
    for role in ["reviewer", "pipeline"] {
        let token = create_token(&db, role, &format!("apply-{role}"));
        let out = svc.cli_as(&token, &["apply", "-f", &file, "--dry-run"]);
        assert_eq!(out.status.code(), Some(2), "{role}: {}", text(&out.stderr));
        assert!(text(&out.stderr).contains("403"), "{role}: {}", text(&out.stderr));
        let (code, _) = svc.call_as(&token, "POST", "/api/v1/apply", br#"{"document":{}}"#);
        assert_eq!(code, 403, "{role}");
    }
    assert!(names(&snapshot(&svc), "sources").is_empty());
    let engineer = create_token(&db, "engineer", "apply-engineer");
    let out = svc.cli_as(&engineer, &["apply", "-f", &file]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(names(&snapshot(&svc), "feature_sets"), ["churn"]);
    // Who applied is in the audit log.
    let row = &json(&svc, "/api/v1/audit?action=apply&limit=1")["items"][0];
    assert_eq!((row["actor"].as_str(), row["outcome"].as_str()), (Some("apply-engineer"), Some("ok")), "{row}");

    // No server: exit 2, not 1 (the document is fine).
    let out = common::cli::assay_env(&["apply", "-f", &file], &[("ASSAY_URL", "http://127.0.0.1:9".to_string()), ("ASSAY_TOKEN", engineer.clone())]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    // An unreadable file: exit 2 as well.
    let out = svc.cli(&["apply", "-f", &repo.dir.path().join("missing.yaml").display().to_string()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    svc.stop();
}

/// Runs `program args…` against `svc` with `token`, as a pipeline would: exit code,
/// stdout, stderr.
fn pipeline(svc: &Service, token: &str, program: &str, args: &[&str], marker: &std::path::Path) -> (i32, String, String) {
    let out = Command::new(program)
        .args(args)
        .env("ASSAY", env!("CARGO_BIN_EXE_assay"))
        .env("ASSAY_URL", &svc.url)
        .env("ASSAY_TOKEN", token)
        .env("MARKER", marker)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("running {program}: {e}"));
    (out.status.code().unwrap_or(-1), text(&out.stdout), text(&out.stderr))
}

#[test]
fn the_example_document_matches_serve_example_and_the_pipeline_scripts_gate_training() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("assay.db").display());
    let svc = Service::start(&db, "apply-example", &["--example"], &[]);
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/assay.yaml");
    // `serve --example` declared the source and `churn` as the file does: only `traffic` is new.
    assert_eq!(ok(apply(&svc, example, &[])), "+ feature_set traffic\napplied 1 change\n");
    assert_eq!(ok(apply(&svc, example, &[])), "no changes\n");
    let out = svc.cli(&["sources", "scan", "example"]);
    assert!(out.status.success(), "{}", text(&out.stderr));

    let token = create_token(&db, "pipeline", "retrain");
    let marker = dir.path().join("trained");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/pipeline/gate.sh");
    let train = ["sh", "-c", "echo done > \"$MARKER\""];
    let run = |feature_set: &str| {
        let _ = std::fs::remove_file(&marker);
        let mut args = vec![script, feature_set];
        args.extend_from_slice(&train);
        let r = pipeline(&svc, &token, "sh", &args, &marker);
        (r.0, r.2, marker.exists())
    };
    let (code, err, trained) = run("traffic");
    assert_eq!((code, trained), (0, true), "{err}");
    let (code, err, trained) = run("churn");
    assert_eq!((code, trained), (1, false), "{err}");
    assert!(err.contains("training stopped"), "{err}");
    let (code, err, trained) = run("nosuch");
    assert_eq!((code, trained), (2, false), "{err}");
    assert!(err.contains("could not decide"), "{err}");

    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/pipeline/gate.py");
    let (code, out, err) = pipeline(&svc, &token, "python3", &[script, "traffic"], &marker);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.starts_with("training on traffic"), "{out}");
    let (code, out, err) = pipeline(&svc, &token, "python3", &[script, "churn"], &marker);
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(!out.contains("training on") && err.contains("contaminated:") && err.contains("training stopped"), "{out}\n{err}");
    let (code, out, err) = pipeline(&svc, &token, "python3", &[script, "nosuch"], &marker);
    assert_eq!(code, 2, "{out}\n{err}");
    assert!(!out.contains("training on"), "{out}");
    svc.stop();
}
