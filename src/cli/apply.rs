//! `assay apply -f assay.yaml [--dry-run] [--prune]`: a client of a running `assay serve`
//! that makes its registry match a file kept in git, and prints the plan as a diff.
//!
//! The file is checked here first, so that every problem the client can see is shown at
//! its line without a round trip; the server checks it again with what only it knows
//! (what is registered, its location policy, its engine's labels) and names each problem
//! by its item path, which is mapped back to a line of the file the same way.
//!
//! Exit codes: 0 applied (or nothing to do), 1 the document is refused (each problem as
//! `file:line: path: message`), 2 anything else (the file unreadable, the server
//! unreachable or refusing the caller).

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::Args;

use assay::api::apply::{ApplyAnswer, ApplyRequest, INVALID_DOCUMENT};
use assay::apply::{self as doc, Known, Lines, Op};
use assay::classify::RuleSource;

use super::client::{Client, Refused};

#[derive(Args)]
pub struct ApplyArgs {
    /// The service (ASSAY_URL); the token is read from ASSAY_TOKEN.
    #[arg(long, env = "ASSAY_URL", default_value = "http://127.0.0.1:8080")]
    pub server: String,
    /// The document: sources, webhooks and feature sets (`-` reads standard input).
    /// Relative local paths in it are relative to the file's directory.
    #[arg(short = 'f', long = "file")]
    pub file: String,
    /// Print the plan and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Also remove the sources, webhooks and feature sets the document does not declare.
    #[arg(long)]
    pub prune: bool,
}

pub async fn run(rules: &RuleSource, args: ApplyArgs) -> anyhow::Result<ExitCode> {
    let (shown, text, base) = read(&args.file)?;
    let parsed = match doc::parse(&text) {
        Ok(p) => p,
        Err(e) => {
            match e.line {
                Some(line) => eprintln!("{shown}:{line}: {}", e.message),
                None => eprintln!("{shown}: {}", e.message),
            }
            return Ok(refused(&shown, 1));
        }
    };
    let labels = labels(rules)?;
    let problems = doc::check(&parsed.document, &Known { labels: &labels, registered: None, prune: args.prune });
    if !problems.is_empty() {
        for p in &problems {
            report(&shown, &parsed.lines, &p.path, &p.to_string());
        }
        return Ok(refused(&shown, problems.len()));
    }
    let mut document = parsed.document;
    for s in &mut document.sources {
        s.location = anchored(&s.location, &base);
    }
    let client = Client::from_env(&args.server, Duration::from_secs(300))?;
    let req = ApplyRequest { document, dry_run: args.dry_run, prune: args.prune };
    let answer: ApplyAnswer = match client.post("/api/v1/apply", &req).await {
        Ok(a) => a,
        Err(e) => match e.downcast::<Refused>() {
            Ok(r) if r.code == INVALID_DOCUMENT => {
                let mut listed = r.message.lines();
                let head = listed.next().unwrap_or_default();
                let mut n = 0;
                for line in listed {
                    match doc::split_problem(line) {
                        Some((path, _)) => report(&shown, &parsed.lines, path, line),
                        None => eprintln!("{shown}: {}", assay::report::printable(line)),
                    }
                    n += 1;
                }
                if n == 0 {
                    eprintln!("{shown}: {}", assay::report::printable(head));
                }
                return Ok(refused(&shown, n.max(1)));
            }
            Ok(r) => return Err(r.into()),
            Err(e) => return Err(e),
        },
    };
    for c in &answer.changes {
        println!("{c}");
    }
    let n = answer.changes.len();
    let changes = if n == 1 { "1 change".to_string() } else { format!("{n} changes") };
    if n == 0 {
        println!("no changes");
    } else if answer.dry_run {
        let (plus, tilde, minus) = counts(&answer);
        println!("dry run: {changes} planned ({plus} to create, {tilde} to update, {minus} to delete), nothing applied");
    } else {
        println!("applied {changes}");
    }
    Ok(ExitCode::SUCCESS)
}

/// The file's name as shown, its text, and the directory its relative paths start from.
fn read(file: &str) -> anyhow::Result<(String, String, PathBuf)> {
    if file == "-" {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text).context("reading the document from standard input")?;
        return Ok(("<stdin>".into(), text, std::env::current_dir().context("the current directory")?));
    }
    let text = std::fs::read_to_string(file).with_context(|| format!("reading {file}"))?;
    let dir = Path::new(file).parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let base = std::fs::canonicalize(dir).with_context(|| format!("the directory of {file}"))?;
    Ok((file.to_string(), text, base))
}

/// The labels this client's rules emit, and the ones the service itself raises. A server
/// with rules of its own judges again; `--rules DIR` gives this client the same ones.
fn labels(rules: &RuleSource) -> anyhow::Result<BTreeSet<String>> {
    let mut labels: BTreeSet<String> = assay::classify::loader::load_rules(rules).context("loading classifiers (for their labels)")?.into_iter().map(|(_, r)| r.label).collect();
    labels.insert(assay::store::COLUMN_REMOVED.to_string());
    Ok(labels)
}

/// A relative local path made absolute from `base` (the file's directory), so that a
/// document means the same wherever `assay apply` runs; anything else as written.
fn anchored(location: &str, base: &Path) -> String {
    let is_reference = location.starts_with("env:") || location.starts_with("file:");
    if is_reference || location.contains("://") || Path::new(location).is_absolute() {
        return location.to_string();
    }
    let joined = base.join(location);
    std::fs::canonicalize(&joined).unwrap_or(joined).display().to_string()
}

/// Prints one problem at its line (or at the file when it has none).
fn report(shown: &str, lines: &Lines, path: &str, text: &str) {
    // A problem may quote the document, which is free text.
    let text = assay::report::printable(text);
    match lines.line(path) {
        Some(line) => eprintln!("{shown}:{line}: {text}"),
        None => eprintln!("{shown}: {text}"),
    }
}

fn refused(shown: &str, n: usize) -> ExitCode {
    let problems = if n == 1 { "1 problem".to_string() } else { format!("{n} problems") };
    eprintln!("assay: {shown} refused ({problems}); nothing was applied");
    ExitCode::from(1)
}

fn counts(answer: &ApplyAnswer) -> (usize, usize, usize) {
    let n = |op| answer.changes.iter().filter(|c| c.op == op).count();
    (n(Op::Create), n(Op::Update), n(Op::Delete))
}
