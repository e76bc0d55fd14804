//! Loading rule files, dictionaries and the placeholder allow-list.
//!
//! The built-in set is compiled into the binary (`include_dir!`) so that `assay` works
//! from any directory; `--rules DIR` loads the same layout from disk instead. Files are
//! read in sorted order, and every error names the file (and line, for YAML) so a broken
//! rule stops start-up with a message that says where to look.

use std::path::{Path, PathBuf};

use include_dir::{include_dir, Dir};
use serde::Deserialize;

use super::dictionary::{CharSet, Dictionaries, Suffixes, WordList};
use super::rule::{RuleFile, REQUIRED_LABELS};
use super::validators::VALIDATORS;

static BUILTIN: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/classifiers");

/// Built-in matchers a rule may name instead of patterns.
pub const MATCHERS: &[&str] = &["person_name", "street_address"];

/// Why the classifier set could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{path}:{line}:{column}: {message}")]
    Syntax { path: String, line: usize, column: usize, message: String },
    #[error("{path}: {message}")]
    Invalid { path: String, message: String },
    #[error("{path}: pattern {index} does not compile: {message}")]
    Pattern { path: String, index: usize, message: String },
    #[error("{path}: rule id `{id}` is already defined in {first}")]
    DuplicateId { path: String, id: String, first: String },
    #[error("cannot read {path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("no rule emits the required label(s): {0}")]
    MissingLabels(String),
}

/// A file of the classifier set: its display path and text.
pub struct SourceFile {
    pub path: String,
    pub text: String,
}

/// Where the classifier files come from.
pub enum RuleSource {
    /// The set compiled into the binary.
    Builtin,
    /// A directory with the same layout as `classifiers/`.
    Dir(PathBuf),
}

impl RuleSource {
    /// All files under `sub` (recursively) whose name ends with one of `exts`, sorted by path.
    pub fn files(&self, sub: &str, exts: &[&str]) -> Result<Vec<SourceFile>, LoadError> {
        let mut out = Vec::new();
        match self {
            RuleSource::Builtin => {
                fn walk(d: &Dir<'_>, exts: &[&str], out: &mut Vec<SourceFile>) {
                    for f in d.files() {
                        let p = f.path().to_string_lossy().to_string();
                        if exts.iter().any(|e| p.ends_with(e)) {
                            out.push(SourceFile {
                                path: format!("classifiers/{p}"),
                                text: String::from_utf8_lossy(f.contents()).into_owned(),
                            });
                        }
                    }
                    for sub in d.dirs() {
                        walk(sub, exts, out);
                    }
                }
                if sub.is_empty() {
                    walk(&BUILTIN, exts, &mut out);
                } else if let Some(d) = BUILTIN.get_dir(sub) {
                    walk(d, exts, &mut out);
                } else if let Some(f) = BUILTIN.get_file(sub) {
                    out.push(SourceFile {
                        path: format!("classifiers/{sub}"),
                        text: String::from_utf8_lossy(f.contents()).into_owned(),
                    });
                }
            }
            RuleSource::Dir(root) => {
                fn walk(p: &Path, exts: &[&str], out: &mut Vec<SourceFile>) -> Result<(), LoadError> {
                    let io = |e| LoadError::Io { path: p.display().to_string(), source: e };
                    if p.is_file() {
                        let text = std::fs::read_to_string(p).map_err(io)?;
                        out.push(SourceFile { path: p.display().to_string(), text });
                        return Ok(());
                    }
                    for entry in std::fs::read_dir(p).map_err(io)? {
                        let path = entry.map_err(io)?.path();
                        if path.is_dir() {
                            walk(&path, exts, out)?;
                        } else if exts.iter().any(|e| path.to_string_lossy().ends_with(e)) {
                            let text = std::fs::read_to_string(&path)
                                .map_err(|e| LoadError::Io { path: path.display().to_string(), source: e })?;
                            out.push(SourceFile { path: path.display().to_string(), text });
                        }
                    }
                    Ok(())
                }
                let p = if sub.is_empty() { root.clone() } else { root.join(sub) };
                if p.exists() {
                    walk(&p, exts, &mut out)?;
                }
            }
        }
        out.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(out)
    }
}

/// Parses one YAML file; a syntax or schema error names the file, line and column.
fn parse_yaml<T: serde::de::DeserializeOwned>(f: &SourceFile) -> Result<T, LoadError> {
    serde_norway::from_str(&f.text).map_err(|e| {
        let (line, column) = e.location().map_or((0, 0), |l| (l.line(), l.column()));
        LoadError::Syntax { path: f.path.clone(), line, column, message: e.to_string() }
    })
}

/// The SHA-256 of every rule, dictionary and placeholder file (path and content, in path
/// order): which rule set produced a finding, for attestations.
pub fn digest(src: &RuleSource) -> Result<String, LoadError> {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    for f in src.files("", &[".yaml", ".yml", ".txt"])? {
        h.update(f.path.as_bytes());
        h.update([0]);
        h.update(f.text.as_bytes());
        h.update([0]);
    }
    Ok(hex::encode(h.finalize()))
}

/// Parses and checks every rule file (`pii/`, `secrets/`, and any other category folder).
pub fn load_rules(src: &RuleSource) -> Result<Vec<(String, RuleFile)>, LoadError> {
    let mut rules: Vec<(String, RuleFile)> = Vec::new();
    for f in src.files("", &[".yaml", ".yml"])? {
        if f.path.ends_with("placeholders.yaml") {
            continue;
        }
        let rule: RuleFile = parse_yaml(&f)?;
        rule.check(VALIDATORS, MATCHERS)
            .map_err(|message| LoadError::Invalid { path: f.path.clone(), message })?;
        if let Some((first, _)) = rules.iter().find(|(_, r)| r.id == rule.id) {
            return Err(LoadError::DuplicateId { path: f.path.clone(), id: rule.id, first: first.clone() });
        }
        rules.push((f.path, rule));
    }
    let missing: Vec<&str> = REQUIRED_LABELS
        .iter()
        .copied()
        .filter(|l| !rules.iter().any(|(_, r)| r.label == *l))
        .collect();
    if !missing.is_empty() {
        return Err(LoadError::MissingLabels(missing.join(", ")));
    }
    Ok(rules)
}

fn word_lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#'))
}

fn word_list(src: &RuleSource, sub: &str) -> Result<WordList, LoadError> {
    word_list_of(src, sub, |_| true)
}

/// The entries of the files under `sub` whose path `keep` accepts.
fn word_list_of(src: &RuleSource, sub: &str, keep: impl Fn(&str) -> bool) -> Result<WordList, LoadError> {
    Ok(WordList::new(entries_of(src, sub, keep)?))
}

/// The entries (`word_lines`) of the files under `sub` whose path `keep` accepts.
fn entries_of(src: &RuleSource, sub: &str, keep: impl Fn(&str) -> bool) -> Result<Vec<String>, LoadError> {
    let files = src.files(sub, &[".txt"])?;
    Ok(files.iter().filter(|f| keep(&f.path)).flat_map(|f| word_lines(&f.text).map(str::to_owned)).collect())
}

/// Whether a dictionary file holds Japanese entries (`surnames/ja.txt`, `ja_kana.txt`,
/// `first_names/ja_endings.txt`): those are read only for values of kanji and kana
/// (`Dictionaries::lone_name`), never by the Latin-script matchers.
fn is_japanese(path: &str) -> bool {
    path.rsplit('/').next().is_some_and(|name| name.starts_with("ja.") || name.starts_with("ja_"))
}

/// Whether a dictionary file holds names in Arabic script (`ar.txt`, `fa.txt`): those
/// are normalised and read only for values of Arabic letters (`Dictionaries::arabic_first`).
fn is_arabic_script(path: &str) -> bool {
    path.rsplit('/').next().is_some_and(|name| ["ar.", "ar_", "fa.", "fa_"].iter().any(|p| name.starts_with(p)))
}

/// The normalised entries of the Arabic-script files under `sub`.
fn arabic_list_of(src: &RuleSource, sub: &str) -> Result<WordList, LoadError> {
    let files = src.files(sub, &[".txt"])?;
    let lines = files.iter().filter(|f| is_arabic_script(&f.path)).flat_map(|f| word_lines(&f.text));
    Ok(WordList::new(super::dictionary::arabic_entries(lines)))
}

/// Loads the name and street dictionaries.
pub fn load_dictionaries(src: &RuleSource) -> Result<Dictionaries, LoadError> {
    let mut street_words = Vec::new();
    let mut street_words_before = Vec::new();
    let mut street_words_number_after = Vec::new();
    let mut street_words_after_name = Vec::new();
    let mut english = std::collections::HashSet::new();
    let mut street_suffixes = Vec::new();
    for f in src.files("dictionaries/streets", &[".txt"])? {
        let lang = f.path.rsplit('/').next().and_then(|n| n.strip_suffix(".txt")).unwrap_or_default();
        // Romance languages put the street type first (rue de la Paix, Via Roma); Greek
        // does (Οδός Ερμού), and Slavic languages do as often as not (ул. Ленина, náměstí
        // Míru, Ulica Grada Vukovara).
        let type_first = ["fr", "es", "it", "pt", "el", "ru", "hr", "cs", "kk"].contains(&lang);
        // Languages that write the type after the name, in lower case as often as not,
        // the number on either side (Váci utca 12, Gül Sokağı 4, Karl Johans allé 5,
        // Тверская улица 12, 488 Suur-Karja põik).
        let after_name = ["hu", "tr", "et", "az", "sl", "da", "no", "sv", "ru", "hr", "cs", "kk"].contains(&lang);
        // German and Dutch write the number after the street (Berliner Straße 12).
        let number_after = ["de", "nl"].contains(&lang);
        let is_english = lang == "en";
        for w in word_lines(&f.text) {
            match w.strip_prefix('-') {
                Some(s) => street_suffixes.push(s.to_owned()),
                None if type_first || after_name => {
                    // The lists match ASCII case only: `Улица`, `ΟΔΌΣ` and `Út` are added.
                    let forms = case_forms(w);
                    if type_first {
                        street_words_before.extend(forms.iter().cloned());
                    }
                    if after_name {
                        street_words_after_name.extend(forms);
                    }
                }
                None => {
                    if number_after {
                        street_words_number_after.push(w.to_owned());
                    }
                    if is_english {
                        english.insert(w.to_lowercase());
                    }
                    street_words.push(w.to_owned());
                }
            }
        }
    }
    Ok(Dictionaries {
        first_names: word_list_of(src, "dictionaries/first_names", |p| !is_japanese(p) && !is_arabic_script(p))?,
        surnames: word_list_of(src, "dictionaries/surnames", |p| !is_japanese(p) && !is_arabic_script(p))?,
        arabic_first: arabic_list_of(src, "dictionaries/first_names")?,
        arabic_surnames: arabic_list_of(src, "dictionaries/surnames")?,
        ja_surnames: word_list_of(src, "dictionaries/surnames", is_japanese)?,
        ja_given_ends: src
            .files("dictionaries/first_names", &[".txt"])?
            .iter()
            .filter(|f| is_japanese(&f.path))
            .flat_map(|f| word_lines(&f.text).filter_map(|w| w.chars().next()).collect::<Vec<char>>())
            .collect::<CharSet>(),
        titles: word_list(src, "dictionaries/titles.txt")?,
        stopwords: word_list(src, "dictionaries/name_stopwords.txt")?,
        intros: entries_of(src, "dictionaries/intros.txt", |_| true)?.iter().map(|p| p.to_lowercase()).collect(),
        street_words: WordList::new(street_words),
        street_words_before: WordList::new(street_words_before),
        // Types that are English words too (Park, Passage) are left out: `Tower Park 5`.
        street_words_number_after: WordList::new(street_words_number_after.into_iter().filter(|w| !english.contains(&w.to_lowercase())).collect::<Vec<_>>()),
        street_words_after_name: WordList::new(street_words_after_name),
        street_suffixes: Suffixes::new(street_suffixes),
        surname_ends: Suffixes::new(entries_of(src, "dictionaries/surname_endings.txt", |_| true)?),
    })
}

/// `w` as written, in lower case, capitalised and in upper case: the word lists fold
/// ASCII letters only, and street types of other scripts are written all three ways
/// (`улица`, `Улица`, `УЛИЦА`).
fn case_forms(w: &str) -> Vec<String> {
    let mut c = w.chars();
    let cap = c.next().map(|f| f.to_uppercase().chain(c.as_str().chars()).collect::<String>()).unwrap_or_default();
    let mut forms = vec![w.to_owned(), w.to_lowercase(), cap, w.to_uppercase()];
    forms.sort();
    forms.dedup();
    forms
}

/// Documented placeholder credentials that never count as secrets.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Placeholders {
    /// Whole values (case-sensitive), e.g. AWS's documented `AKIAIOSFODNN7EXAMPLE`.
    #[serde(default)]
    pub exact: Vec<String>,
    /// Markers (matched ignoring ASCII case) whose presence in a matched secret makes it a
    /// placeholder.
    #[serde(default)]
    pub contains: Vec<String>,
}

/// Loads `placeholders.yaml`; a missing file means no placeholders.
pub fn load_placeholders(src: &RuleSource) -> Result<Placeholders, LoadError> {
    let Some(f) = src.files("placeholders.yaml", &[".yaml"])?.into_iter().next() else {
        return Ok(Placeholders::default());
    };
    parse_yaml(&f)
}
