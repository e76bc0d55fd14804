//! `assay apply`: the document teams keep in git (`assay.yaml`: sources, webhooks and
//! feature sets), the checks that refuse it whole, and the plan that makes the store match
//! it.
//!
//! The checks run twice. The client runs them on the file and reports each problem at its
//! line; the server runs them again and is the authority (it alone knows what is
//! registered, its operator's location policy and its engine's labels), naming each
//! problem by its item path, e.g. `feature_sets[0].members[1].allow[0]`. The path is what
//! joins the two: [`Lines`] maps it back to a line of the file, so that a problem only the
//! server can see is still shown at its line.
//!
//! Lines come from the YAML itself. serde_norway reports them for syntax and schema errors
//! (an unknown key, a wrong type); for everything else the text is walked once more as
//! parser events with their spans (saphyr-parser), recording the line of every key and
//! sequence item by its path.
//!
//! No I/O here: [`plan`] compares a document with the store's state as its caller read it
//! (the API handler, in the transaction that then makes the changes).

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::api::sources::{check_source, AddSource};
use crate::config::format_duration;
use crate::sources::location::redact;
use crate::sources::policy::inline_credential;
use crate::store::{FeatureSet, FeatureSetSpec, MemberSpec, SourceRow, Webhook, WebhookSpec};

/// An `assay.yaml`: what the store should hold. Each list may be left out (declares none).
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Document {
    #[serde(default)]
    pub sources: Vec<AddSource>,
    #[serde(default)]
    pub webhooks: Vec<WebhookSpec>,
    #[serde(default)]
    pub feature_sets: Vec<FeatureSetSpec>,
}

/// What is wrong with a document, at an item path (`sources[2].interval`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub path: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

fn problem(path: impl Into<String>, message: impl Into<String>) -> Problem {
    Problem { path: path.into(), message: message.into() }
}

/// What the checks know besides the document.
pub struct Known<'a> {
    /// The labels an `allow` may name.
    pub labels: &'a BTreeSet<String>,
    /// The live sources and webhooks, when known (the server). Without them, a member or a
    /// webhook list naming something the document does not declare is left to the server.
    pub registered: Option<&'a Registered>,
    /// Whatever the document does not declare is to be removed.
    pub prune: bool,
}

/// The names of what is registered now.
#[derive(Debug, Clone, Default)]
pub struct Registered {
    pub sources: HashSet<String>,
    pub webhooks: HashSet<String>,
}

impl Registered {
    pub fn of(state: &State) -> Registered {
        Registered { sources: state.sources.iter().map(|s| s.name.clone()).collect(), webhooks: state.webhooks.iter().map(|w| w.spec.name.clone()).collect() }
    }
}

/// Every problem of `doc` (none: it may be applied). A problem never quotes a secret or
/// what a reference points to: a literal secret is named by its place only.
pub fn check(doc: &Document, known: &Known) -> Vec<Problem> {
    let mut out = Vec::new();
    let mut first: HashMap<&str, usize> = HashMap::new();
    for (i, s) in doc.sources.iter().enumerate() {
        let at = format!("sources[{i}]");
        if let Err(e) = check_source(s) {
            out.push(problem(format!("{at}.{}", e.field), e.message));
        }
        if s.location.trim().is_empty() {
            out.push(problem(format!("{at}.location"), "the location is empty"));
        } else if let Some(what) = inline_credential(&s.location) {
            out.push(problem(
                format!("{at}.location"),
                format!("the location holds a credential ({what}); write a reference instead (`env:NAME` or `file:/path` holding the DSN or URL), so that no secret is kept in the file or the store"),
            ));
        }
        if let Some(j) = first.insert(&s.name, i) {
            out.push(problem(format!("{at}.name"), format!("source `{}` is declared twice (first as sources[{j}])", s.name)));
            first.insert(&s.name, j);
        }
    }
    let declared_sources: HashSet<&str> = doc.sources.iter().map(|s| s.name.as_str()).collect();

    let mut first: HashMap<&str, usize> = HashMap::new();
    for (i, w) in doc.webhooks.iter().enumerate() {
        let at = format!("webhooks[{i}]");
        if let Err(e) = crate::api::check_name("webhook", &w.name) {
            out.push(problem(format!("{at}.name"), e.message));
        }
        if let Err(why) = check_webhook_url(&w.url) {
            out.push(problem(format!("{at}.url"), why));
        }
        if let Some(secret) = &w.secret {
            if !is_reference(secret) {
                // The value is a secret (or meant to be one): never repeated back.
                out.push(problem(
                    format!("{at}.secret"),
                    "the secret is written literally; give a reference to it instead (`env:NAME` or `file:/absolute/path`), so that no secret is kept in the file or the store",
                ));
            }
        }
        if let Some(j) = first.insert(&w.name, i) {
            out.push(problem(format!("{at}.name"), format!("webhook `{}` is declared twice (first as webhooks[{j}])", w.name)));
            first.insert(&w.name, j);
        }
    }
    let declared_hooks: HashSet<&str> = doc.webhooks.iter().map(|w| w.name.as_str()).collect();

    // Something a feature set names must be declared, or registered and staying.
    let missing = |kind: &str, name: &str, declared: bool, registered: Option<bool>| -> Option<String> {
        if declared {
            return None;
        }
        if known.prune {
            return Some(format!("{kind} `{name}` is not declared in the document, and --prune removes every {kind} the document does not declare"));
        }
        match registered {
            Some(false) => Some(format!("no {kind} named `{name}` is declared in the document or registered")),
            _ => None,
        }
    };
    let mut first: HashMap<&str, usize> = HashMap::new();
    for (i, f) in doc.feature_sets.iter().enumerate() {
        let at = format!("feature_sets[{i}]");
        if let Err(e) = crate::api::check_name("feature set", &f.name) {
            out.push(problem(format!("{at}.name"), e.message));
        }
        if let Some(j) = first.insert(&f.name, i) {
            out.push(problem(format!("{at}.name"), format!("feature set `{}` is declared twice (first as feature_sets[{j}])", f.name)));
            first.insert(&f.name, j);
        }
        if f.members.is_empty() {
            out.push(problem(format!("{at}.members"), "a feature set needs at least one member"));
        }
        let mut seen = HashSet::new();
        for (k, hook) in f.webhooks.iter().enumerate() {
            let path = format!("{at}.webhooks[{k}]");
            if !seen.insert(hook.as_str()) {
                out.push(problem(path, format!("webhook `{hook}` is listed twice")));
            } else if let Some(why) = missing("webhook", hook, declared_hooks.contains(hook.as_str()), known.registered.map(|r| r.webhooks.contains(hook))) {
                out.push(problem(path, why));
            }
        }
        for (j, m) in f.members.iter().enumerate() {
            let at = format!("{at}.members[{j}]");
            if let Some(why) = missing("source", &m.source, declared_sources.contains(m.source.as_str()), known.registered.map(|r| r.sources.contains(&m.source))) {
                out.push(problem(format!("{at}.source"), why));
            }
            if let Some(columns) = &m.columns {
                if columns.is_empty() {
                    out.push(problem(format!("{at}.columns"), "`columns: []` names no column; leave `columns` out to mean every column"));
                }
                let mut seen = HashSet::new();
                for (c, col) in columns.iter().enumerate() {
                    if col.trim().is_empty() || col.chars().any(char::is_control) {
                        out.push(problem(format!("{at}.columns[{c}]"), "a column name must be printable and not empty"));
                    } else if !seen.insert(col.as_str()) {
                        out.push(problem(format!("{at}.columns[{c}]"), format!("column `{col}` is named twice")));
                    }
                }
            }
            for (l, label) in m.allow.iter().enumerate() {
                if !known.labels.contains(label) {
                    let hint = nearest(label, known.labels).map(|n| format!("; did you mean `{n}`?")).unwrap_or_else(|| "; `assay rules list` shows the labels".into());
                    out.push(problem(format!("{at}.allow[{l}]"), format!("unknown label `{}`{hint}", crate::report::printable(label))));
                }
            }
        }
    }
    out
}

/// An `http://` or `https://` URL with a host and no password in it.
fn check_webhook_url(url: &str) -> Result<(), String> {
    let shown = || crate::report::printable(&redact(url)).chars().take(200).collect::<String>();
    let parsed = url::Url::parse(url).map_err(|_| format!("`{}` is not a URL (expected http:// or https://)", shown()))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(format!("`{}` is not an http:// or https:// URL", shown()));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(format!("`{}` has no host", shown()));
    }
    if parsed.password().is_some() {
        return Err("the URL holds a password; a webhook is authenticated by its `secret` (a reference)".into());
    }
    Ok(())
}

/// `env:NAME` (a variable name) or `file:/absolute/path`.
fn is_reference(value: &str) -> bool {
    if let Some(name) = value.strip_prefix("env:") {
        let mut chars = name.chars();
        return chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_') && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    }
    value.strip_prefix("file:").is_some_and(|p| p.starts_with('/') && !p.starts_with("//"))
}

/// The known label closest to `label` (a typo's likely meaning), if close at all.
fn nearest<'a>(label: &str, labels: &'a BTreeSet<String>) -> Option<&'a str> {
    labels.iter().map(|l| (distance(label, l), l)).filter(|(d, _)| *d <= 3).min_by_key(|(d, _)| *d).map(|(_, l)| l.as_str())
}

/// Levenshtein distance over chars.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

// ---- the plan -------------------------------------------------------------------------

/// What a change does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Op {
    Create,
    Update,
    Delete,
}

/// What a change is to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Source,
    Webhook,
    FeatureSet,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Source => "source",
            Kind::Webhook => "webhook",
            Kind::FeatureSet => "feature_set",
        }
    }
}

/// One field of an update, as shown (locations and URLs without passwords).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FieldChange {
    pub field: String,
    pub from: String,
    pub to: String,
}

/// One change of the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Change {
    pub op: Op,
    pub kind: Kind,
    pub name: String,
    /// What an update changes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldChange>,
}

impl fmt::Display for Change {
    /// `+ feature_set churn`, `~ source customers: interval 1h → 30m`, `- webhook old`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = match self.op {
            Op::Create => '+',
            Op::Update => '~',
            Op::Delete => '-',
        };
        write!(f, "{sign} {} {}", self.kind.as_str(), self.name)?;
        for (i, c) in self.fields.iter().enumerate() {
            let sep = if i == 0 { ": " } else { "; " };
            write!(f, "{sep}{} {} → {}", c.field, crate::report::printable(&c.from), crate::report::printable(&c.to))?;
        }
        Ok(())
    }
}

/// What the store holds now, as read by the caller.
#[derive(Debug, Clone, Default)]
pub struct State {
    pub sources: Vec<SourceRow>,
    pub webhooks: Vec<Webhook>,
    pub feature_sets: Vec<FeatureSet>,
}

/// The changes that make `state` match `doc` (checked: see [`check`]), in the order they
/// are made: feature sets the document drops first (with `prune`), then sources, webhooks
/// and feature sets created or updated (a feature set names sources and webhooks), then
/// the webhooks and sources it drops (once no feature set that stays names them). Nothing
/// that already matches is in the plan, so applying a document twice changes nothing the
/// second time.
pub fn plan(doc: &Document, state: &State, prune: bool) -> Vec<Change> {
    let mut out = Vec::new();
    let delete = |kind, name: &str| Change { op: Op::Delete, kind, name: name.to_string(), fields: Vec::new() };
    if prune {
        let keep: HashSet<&str> = doc.feature_sets.iter().map(|f| f.name.as_str()).collect();
        out.extend(state.feature_sets.iter().filter(|f| !keep.contains(f.name.as_str())).map(|f| delete(Kind::FeatureSet, &f.name)));
    }
    for s in &doc.sources {
        let Ok(want) = check_source(s) else { continue };
        match state.sources.iter().find(|r| r.name == want.name) {
            None => out.push(Change { op: Op::Create, kind: Kind::Source, name: want.name, fields: Vec::new() }),
            Some(have) => {
                let mut fields = Vec::new();
                diff(&mut fields, "location", redact(&have.location), redact(&want.location));
                // A reference whose shown form is unchanged but whose text is (a password
                // redacted away) still changes.
                if fields.is_empty() && have.location != want.location {
                    fields.push(FieldChange { field: "location".into(), from: redact(&have.location), to: redact(&want.location) });
                }
                diff(&mut fields, "tables", list(&have.tables), list(&want.tables));
                diff(&mut fields, "interval", format_duration(have.interval), format_duration(want.interval));
                diff(&mut fields, "sample_rows", have.sample_rows.to_string(), want.sample_rows.to_string());
                diff(&mut fields, "append_key", have.append_key.clone().unwrap_or_default(), want.append_key.clone().unwrap_or_default());
                diff(&mut fields, "events", have.events.as_deref().map(redact).unwrap_or_default(), want.events.as_deref().map(redact).unwrap_or_default());
                update(&mut out, Kind::Source, &want.name, fields);
            }
        }
    }
    for w in &doc.webhooks {
        match state.webhooks.iter().find(|h| h.spec.name == w.name) {
            None => out.push(Change { op: Op::Create, kind: Kind::Webhook, name: w.name.clone(), fields: Vec::new() }),
            Some(have) => {
                let have = &have.spec;
                let mut fields = Vec::new();
                diff(&mut fields, "url", redact(&have.url), redact(&w.url));
                if fields.is_empty() && have.url != w.url {
                    fields.push(FieldChange { field: "url".into(), from: redact(&have.url), to: redact(&w.url) });
                }
                // References are names of secrets, not secrets: shown as written.
                let secret = |s: &Option<String>| s.clone().unwrap_or_else(|| "(none)".into());
                diff(&mut fields, "secret", secret(&have.secret), secret(&w.secret));
                diff(&mut fields, "format", have.format.as_str().into(), w.format.as_str().into());
                diff(&mut fields, "global", have.global.to_string(), w.global.to_string());
                update(&mut out, Kind::Webhook, &w.name, fields);
            }
        }
    }
    for f in &doc.feature_sets {
        match state.feature_sets.iter().find(|s| s.name == f.name) {
            None => out.push(Change { op: Op::Create, kind: Kind::FeatureSet, name: f.name.clone(), fields: Vec::new() }),
            Some(have) => {
                let have = have.spec();
                let mut fields = Vec::new();
                diff(&mut fields, "description", have.description.clone(), f.description.clone());
                diff(&mut fields, "owner", have.owner.clone(), f.owner.clone());
                // The store keeps a feature set's webhooks as a set.
                let hooks = |h: &[String]| list(&h.iter().cloned().collect::<BTreeSet<_>>().into_iter().collect::<Vec<_>>());
                diff(&mut fields, "webhooks", hooks(&have.webhooks), hooks(&f.webhooks));
                for j in 0..have.members.len().max(f.members.len()) {
                    let (a, b) = (have.members.get(j), f.members.get(j));
                    if a != b {
                        let show = |m: Option<&MemberSpec>| m.map(member).unwrap_or_else(|| "(none)".into());
                        fields.push(FieldChange { field: format!("members[{j}]"), from: show(a), to: show(b) });
                    }
                }
                update(&mut out, Kind::FeatureSet, &f.name, fields);
            }
        }
    }
    if prune {
        let keep: HashSet<&str> = doc.webhooks.iter().map(|w| w.name.as_str()).collect();
        out.extend(state.webhooks.iter().filter(|w| !keep.contains(w.spec.name.as_str())).map(|w| delete(Kind::Webhook, &w.spec.name)));
        let keep: HashSet<&str> = doc.sources.iter().map(|s| s.name.as_str()).collect();
        out.extend(state.sources.iter().filter(|s| !keep.contains(s.name.as_str())).map(|s| delete(Kind::Source, &s.name)));
    }
    out
}

fn diff(fields: &mut Vec<FieldChange>, field: &str, from: String, to: String) {
    if from != to {
        fields.push(FieldChange { field: field.to_string(), from, to });
    }
}

fn update(out: &mut Vec<Change>, kind: Kind, name: &str, fields: Vec<FieldChange>) {
    if !fields.is_empty() {
        out.push(Change { op: Op::Update, kind, name: name.to_string(), fields });
    }
}

fn list(items: &[String]) -> String {
    format!("[{}]", items.join(", "))
}

/// A member in one line: `customers (plan, tenure) allows pii.ip_address`.
fn member(m: &MemberSpec) -> String {
    let columns = m.columns.as_ref().map_or_else(|| "every column".to_string(), |c| c.join(", "));
    let allow = if m.allow.is_empty() { String::new() } else { format!(" allows {}", m.allow.join(", ")) };
    format!("{} ({columns}){allow}", m.source)
}

/// A plan in one line, for the audit log: `+source a, ~feature_set churn` (the first 20).
pub fn summary(changes: &[Change], dry_run: bool) -> String {
    let prefix = if dry_run { "dry run: " } else { "" };
    if changes.is_empty() {
        return format!("{prefix}no changes");
    }
    let shown: Vec<String> = changes
        .iter()
        .take(20)
        .map(|c| {
            let sign = match c.op {
                Op::Create => '+',
                Op::Update => '~',
                Op::Delete => '-',
            };
            format!("{sign}{} {}", c.kind.as_str(), c.name)
        })
        .collect();
    let more = if changes.len() > shown.len() { format!(", and {} more", changes.len() - shown.len()) } else { String::new() };
    format!("{prefix}{} change(s): {}{more}", changes.len(), shown.join(", "))
}

// ---- the file -------------------------------------------------------------------------

/// Why a file is not a document at all (bad YAML, an unknown key, a wrong type), at its
/// line when the parser knows it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct YamlError {
    pub line: Option<usize>,
    pub message: String,
}

/// A document parsed from YAML, with the line of each of its items.
#[derive(Debug)]
pub struct Parsed {
    pub document: Document,
    pub lines: Lines,
}

/// Parses an `assay.yaml`.
pub fn parse(text: &str) -> Result<Parsed, YamlError> {
    if text.lines().all(|l| l.trim().is_empty() || l.trim_start().starts_with('#')) {
        // An empty file is more likely a mistake than a wish to declare nothing (which,
        // with --prune, removes everything): `sources: []` says so explicitly.
        return Err(YamlError { line: None, message: "the file declares nothing (write `sources: []` to declare no source)".into() });
    }
    let document: Document = serde_norway::from_str(text).map_err(|e| {
        let line = e.location().map(|l| l.line());
        let mut message = e.to_string();
        // The line is reported in front, as `file:line:`; not again at the end.
        if let Some(i) = message.rfind(" at line ") {
            message.truncate(i);
        }
        YamlError { line, message }
    })?;
    Ok(Parsed { document, lines: Lines::of(text) })
}

/// The line (1-based) of each key and sequence item of a YAML text, by item path
/// (`feature_sets[0].members[1].allow[0]`).
#[derive(Debug, Default, Clone)]
pub struct Lines(HashMap<String, usize>);

impl Lines {
    /// Walks `text`'s parser events. Only the first document counts; a text the walk
    /// cannot follow (a key that is itself a mapping) leaves what it recorded so far.
    pub fn of(text: &str) -> Lines {
        use saphyr_parser::{Event, Parser};
        let mut lines = HashMap::new();
        let mut stack: Vec<Frame> = Vec::new();
        let mut started = false;
        for ev in Parser::new_from_str(text) {
            let Ok((ev, span)) = ev else { break };
            let line = span.start.line();
            let (opens, ends_node) = match &ev {
                Event::MappingStart(..) | Event::SequenceStart(..) => (true, false),
                Event::Scalar(..) | Event::Alias(..) => (false, true),
                Event::MappingEnd | Event::SequenceEnd => {
                    stack.pop();
                    if stack.is_empty() {
                        break;
                    }
                    value_done(&mut stack);
                    continue;
                }
                _ => continue,
            };
            // A node: the document's root, a key, a value or an item.
            let path = match stack.last_mut() {
                None if started => break,
                None => String::new(),
                Some(Frame::Map { key: key @ None, path }) => {
                    let Event::Scalar(k, ..) = &ev else { break };
                    let p = if path.is_empty() { k.to_string() } else { format!("{path}.{k}") };
                    lines.entry(p).or_insert(line);
                    *key = Some(k.to_string());
                    continue;
                }
                Some(Frame::Map { key: Some(k), path }) => {
                    if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    }
                }
                Some(Frame::Seq { path, next }) => {
                    let p = format!("{path}[{next}]");
                    *next += 1;
                    lines.entry(p.clone()).or_insert(line);
                    p
                }
            };
            started = true;
            if opens {
                let frame = match ev {
                    Event::MappingStart(..) => Frame::Map { path, key: None },
                    _ => Frame::Seq { path, next: 0 },
                };
                stack.push(frame);
            } else if ends_node {
                if stack.is_empty() {
                    break;
                }
                value_done(&mut stack);
            }
        }
        Lines(lines)
    }

    /// The line of `path`, or of the nearest item that holds it.
    pub fn line(&self, path: &str) -> Option<usize> {
        let mut p = path;
        loop {
            if let Some(l) = self.0.get(p) {
                return Some(*l);
            }
            let cut = p.rfind(['.', '['])?;
            p = &p[..cut];
        }
    }
}

/// Where the walk of [`Lines::of`] is: in a mapping (at a key, or at the value of `key`)
/// or in a sequence (at item `next`).
enum Frame {
    Map { path: String, key: Option<String> },
    Seq { path: String, next: usize },
}

/// A value of the innermost mapping is complete: the next scalar is a key.
fn value_done(stack: &mut [Frame]) {
    if let Some(Frame::Map { key, .. }) = stack.last_mut() {
        *key = None;
    }
}

/// Splits a problem as the server words it (`path: message`) into its path and message,
/// when it starts with an item path.
pub fn split_problem(text: &str) -> Option<(&str, &str)> {
    let (path, message) = text.split_once(": ")?;
    let ok = path.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_.[]".contains(c));
    (ok && path.starts_with(|c: char| c.is_ascii_lowercase())).then_some((path, message))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    const DOC: &str = "\
# the team's sources and feature sets
sources:
  - name: customers
    location: s3://lake/customers/
    interval: 1h
    sample_rows: 1000
webhooks:
  - name: ml-alerts
    url: https://hooks.example.com/assay
    secret: env:ASSAY_WEBHOOK_SECRET
feature_sets:
  - name: churn
    description: Features of the churn model
    webhooks: [ml-alerts]
    members:
      - source: customers
        columns: [plan, tenure]
      - source: customers
        columns:
          - notes
        allow: [pii.ip_address, pii.emial]
";

    fn labels() -> BTreeSet<String> {
        ["pii.email", "pii.ip_address", "secret.jwt"].iter().map(|s| s.to_string()).collect()
    }

    fn problems(text: &str, prune: bool, registered: Option<&Registered>) -> Vec<(Option<usize>, String)> {
        let parsed = parse(text).unwrap();
        let labels = labels();
        check(&parsed.document, &Known { labels: &labels, registered, prune }).into_iter().map(|p| (parsed.lines.line(&p.path), p.to_string())).collect()
    }

    #[test]
    fn every_key_and_item_has_its_line() {
        let lines = Lines::of(DOC);
        assert_eq!(lines.line("sources"), Some(2));
        assert_eq!(lines.line("sources[0]"), Some(3));
        assert_eq!(lines.line("sources[0].interval"), Some(5));
        assert_eq!(lines.line("webhooks[0].secret"), Some(10));
        assert_eq!(lines.line("feature_sets[0].webhooks[0]"), Some(14));
        assert_eq!(lines.line("feature_sets[0].members[1]"), Some(18));
        assert_eq!(lines.line("feature_sets[0].members[1].columns[0]"), Some(20));
        assert_eq!(lines.line("feature_sets[0].members[1].allow[1]"), Some(21));
        // What has no line of its own is shown at the item that holds it.
        assert_eq!(lines.line("feature_sets[0].members[0].allow[0]"), Some(16));
        assert_eq!(lines.line("nothing.here"), None);
    }

    #[test]
    fn syntax_and_unknown_keys_are_reported_at_their_line() {
        let e = parse("sources:\n  - name: a\n    location: s3://b/\n    intervall: 1h\n").unwrap_err();
        assert_eq!(e.line, Some(4), "{e:?}");
        assert!(e.message.contains("unknown field `intervall`"), "{e:?}");
        assert!(!e.message.contains("at line"), "{e:?}");
        let e = parse("sources:\n  - name: a\n    location: [s3://b/\n").unwrap_err();
        assert!(e.line.is_some(), "{e:?}");
        let e = parse("feature_sets:\n  - name: a\n    members: []\n    colour: red\n").unwrap_err();
        assert_eq!(e.line, Some(4), "{e:?}");
        assert!(parse("# nothing\n\n").is_err());
    }

    #[test]
    fn problems_name_their_item_and_line() {
        let found = problems(DOC, false, None);
        assert_eq!(found, [(Some(21), "feature_sets[0].members[1].allow[1]: unknown label `pii.emial`; did you mean `pii.email`?".to_string())]);

        let bad = "\
sources:
  - name: a
    location: postgres://app:hunter2@db/app
    interval: soon
  - name: a
    location: s3://b/
webhooks:
  - name: w
    url: ftp://hooks.example.com/
    secret: s3cr3t-value
feature_sets:
  - name: f
    webhooks: [w, nope]
    members:
      - source: nowhere
        columns: []
";
        let found = problems(bad, false, Some(&Registered::default()));
        let text = format!("{found:?}");
        for (line, what) in [
            (4, "sources[0].interval: `soon` is not a duration"),
            (3, "sources[0].location: the location holds a credential"),
            (5, "sources[1].name: source `a` is declared twice"),
            (9, "webhooks[0].url: `ftp://hooks.example.com/` is not an http:// or https:// URL"),
            (10, "webhooks[0].secret: the secret is written literally"),
            (13, "feature_sets[0].webhooks[1]: no webhook named `nope`"),
            (15, "feature_sets[0].members[0].source: no source named `nowhere`"),
            (16, "feature_sets[0].members[0].columns: `columns: []` names no column"),
        ] {
            assert!(found.iter().any(|(l, m)| *l == Some(line) && m.starts_with(what)), "missing line {line} {what}: {text}");
        }
        assert!(!text.contains("hunter2") && !text.contains("s3cr3t"), "a secret is quoted back: {text}");
    }

    #[test]
    fn what_a_member_names_must_stay_when_pruning() {
        let doc = "feature_sets:\n  - name: f\n    members:\n      - source: registered\n";
        let registered = Registered { sources: ["registered".to_string()].into(), webhooks: HashSet::new() };
        assert!(problems(doc, false, Some(&registered)).is_empty());
        assert!(problems(doc, false, None).is_empty(), "the client leaves it to the server");
        let found = problems(doc, true, None);
        assert_eq!(found.len(), 1);
        assert!(found[0].1.contains("--prune removes"), "{found:?}");
        assert_eq!(found[0].0, Some(4));
    }

    fn state_of(doc: &Document) -> State {
        let now = Utc::now();
        State {
            sources: doc
                .sources
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    let n = check_source(s).unwrap();
                    SourceRow { id: i as i64, name: n.name, location: n.location, tables: n.tables, interval: n.interval, sample_rows: n.sample_rows, created_at: now, next_due_at: now, consecutive_failures: 0, append_key: n.append_key, events: n.events }
                })
                .collect(),
            webhooks: doc.webhooks.iter().map(|w| Webhook { id: 1, spec: w.clone(), created_at: now, updated_at: now }).collect(),
            feature_sets: doc
                .feature_sets
                .iter()
                .map(|f| FeatureSet {
                    id: 1,
                    name: f.name.clone(),
                    description: f.description.clone(),
                    owner: f.owner.clone(),
                    webhooks: f.webhooks.clone(),
                    members: f.members.iter().map(|m| crate::store::Member { spec: m.clone(), not_seen: Vec::new(), source_id: 0 }).collect(),
                    contamination: "pass".into(),
                    created_at: now,
                    updated_at: now,
                })
                .collect(),
        }
    }

    #[test]
    fn a_plan_holds_only_what_differs() {
        let doc = parse(DOC).unwrap().document;
        let fresh = plan(&doc, &State::default(), false);
        let shown: Vec<String> = fresh.iter().map(|c| c.to_string()).collect();
        assert_eq!(shown, ["+ source customers", "+ webhook ml-alerts", "+ feature_set churn"]);

        let state = state_of(&doc);
        assert!(plan(&doc, &state, false).is_empty());
        assert!(plan(&doc, &state, true).is_empty());

        let changed = parse(&DOC.replace("interval: 1h", "interval: 30m").replace("columns: [plan, tenure]", "columns: [plan]")).unwrap().document;
        let shown: Vec<String> = plan(&changed, &state, false).iter().map(|c| c.to_string()).collect();
        assert_eq!(shown, ["~ source customers: interval 1h → 30m", "~ feature_set churn: members[0] customers (plan, tenure) → customers (plan)"]);

        // A queue named for lake events is a change of the source too.
        let events = parse(&DOC.replace("    sample_rows: 1000\n", "    sample_rows: 1000\n    events: env:ASSAY_SOURCE_EVENTS_QUEUE\n")).unwrap().document;
        let shown: Vec<String> = plan(&events, &state, false).iter().map(|c| c.to_string()).collect();
        assert_eq!(shown, ["~ source customers: events  → env:ASSAY_SOURCE_EVENTS_QUEUE"]);

        // Pruning removes feature sets first and sources last.
        let mut old = state.clone();
        old.sources.push(SourceRow { name: "old".into(), ..state.sources[0].clone() });
        old.webhooks.push(Webhook { spec: WebhookSpec { name: "gone".into(), ..state.webhooks[0].spec.clone() }, ..state.webhooks[0].clone() });
        old.feature_sets.push(FeatureSet { name: "legacy".into(), ..state.feature_sets[0].clone() });
        let shown: Vec<String> = plan(&changed, &old, true).iter().map(|c| c.to_string()).collect();
        assert_eq!(shown, ["- feature_set legacy", "~ source customers: interval 1h → 30m", "~ feature_set churn: members[0] customers (plan, tenure) → customers (plan)", "- webhook gone", "- source old"]);
        assert!(plan(&changed, &old, false).iter().all(|c| c.op != Op::Delete));
        assert_eq!(summary(&plan(&changed, &old, true), true), "dry run: 5 change(s): -feature_set legacy, ~source customers, ~feature_set churn, -webhook gone, -source old");
    }

    #[test]
    fn server_problems_split_into_path_and_message() {
        assert_eq!(split_problem("feature_sets[0].members[1].allow[0]: unknown label `x`"), Some(("feature_sets[0].members[1].allow[0]", "unknown label `x`")));
        assert_eq!(split_problem("the document was refused: 2 problems"), None);
        assert_eq!(split_problem("no colon here"), None);
    }
}
