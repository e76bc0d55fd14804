//! The rule file schema (`classifiers/<category>/<id>.yaml`) and its checks.
//!
//! A rule is data: everything the engine needs to find one kind of value lives in the
//! file, including the examples that prove the rule works. The schema is strict
//! (`deny_unknown_fields`) so that a typo in a rule is a start-up error, not a rule that
//! silently never fires.

use serde::Deserialize;

/// The labels every build must be able to emit (DESIGN.md, "Taxonomy").
pub const REQUIRED_LABELS: &[&str] = &[
    "pii.email",
    "pii.phone_number",
    "pii.credit_card",
    "pii.iban",
    "pii.us_ssn",
    "pii.ip_address",
    "pii.person_name",
    "pii.street_address",
    "pii.date_of_birth",
    "pii.passport_number",
    "pii.national_id",
    "pii.geo_coordinates",
    "pii.mac_address",
    "pii.crypto_wallet",
    "secret.aws_access_key",
    "secret.aws_secret_key",
    "secret.github_token",
    "secret.gitlab_token",
    "secret.slack_token",
    "secret.stripe_key",
    "secret.google_api_key",
    "secret.private_key",
    "secret.jwt",
    "secret.password_in_url",
    "secret.generic_api_key",
];

/// How bad a leak of this kind of value is.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

/// The cheap first pass that decides whether a rule's regexes run on a value at all.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Prefilter {
    /// Literal strings (ASCII case-insensitive), any of which must occur in the value.
    #[serde(default)]
    pub literals: Vec<String>,
    /// A run of digits (separators ` -./()+` allowed inside) whose digit count is in range.
    pub digits: Option<DigitRun>,
    /// With `digits`: the run must contain one of these separators (e.g. "." for IPv4).
    #[serde(default)]
    pub digit_separators: String,
    /// With `digits`: how many groups of digits the run has (`1.2.3.4` has 4).
    pub digit_groups: Option<DigitRun>,
    /// A token of upper-case letters and digits (`[A-Z0-9]+`) whose length is in range.
    pub upper_tokens: Option<DigitRun>,
    /// With `upper_tokens`: the token must start with at least this many letters and hold
    /// a digit after them (2: `DE89…`, not `INFO`, `2024` or `303Z`). 0: any token.
    #[serde(default)]
    pub upper_token_letters: usize,
    /// A key-like token (`[A-Za-z0-9+/=_-]+`) whose length is in range.
    pub tokens: Option<DigitRun>,
    /// A run of hex digits with `:`, `.` or `-` inside whose hex-digit count is in range.
    pub hex: Option<DigitRun>,
}

/// Bounds on a count (digits in a run, characters in a token).
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DigitRun {
    pub min: usize,
    pub max: usize,
}

/// Where the rule's keywords must be found for a match to count.
#[derive(Debug, Clone, Copy, Deserialize, Default, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum KeywordMode {
    /// Keywords only raise confidence.
    #[default]
    Boost,
    /// A match counts only with a keyword in the column name or just before the match.
    Required,
    /// A match counts only with a keyword in the column name.
    ColumnRequired,
}

/// A shape of a whole column that says its matches are something else, judged over the
/// matched parts of all its values (see `verdict.rs`).
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ColumnVeto {
    /// Dotted quads that read as a version history: few distinct first parts, small middle
    /// parts, in non-decreasing order (`4.18.2.114`, `4.18.3.7`, `4.19.0.12`, …).
    Versions,
}

/// Which part of the value a pattern must cover.
#[derive(Debug, Clone, Copy, Deserialize, Default, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Anywhere inside the value (free text).
    #[default]
    Anywhere,
    /// The match must be the whole (trimmed) value.
    WholeValue,
}

/// One rule file, as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleFile {
    /// Unique rule id, `category.name[.variant]`.
    pub id: String,
    /// Taxonomy label the rule emits.
    pub label: String,
    /// Human-readable name.
    pub name: String,
    /// What the rule finds and why it is shaped so.
    pub description: String,
    pub severity: Severity,
    /// Regexes (Rust `regex` syntax). A named group `value` marks the sensitive part.
    #[serde(default)]
    pub patterns: Vec<String>,
    /// A built-in dictionary matcher (`person_name`, `street_address`) used instead of patterns.
    pub matcher: Option<String>,
    #[serde(default)]
    pub prefilter: Prefilter,
    /// Context words looked for in the column name and just before a match.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Context words looked for only just before a match (too generic for column names,
    /// e.g. `"name":` in JSON).
    #[serde(default)]
    pub value_keywords: Vec<String>,
    /// Context words looked for only in the column name: short or common letter strings
    /// that would be found inside other words of a text (`ani` in "organic", `rue` in "true").
    #[serde(default)]
    pub column_keywords: Vec<String>,
    #[serde(default)]
    pub keyword_mode: KeywordMode,
    /// Column-name words that mean the column is not this kind of data (e.g. `hash`).
    #[serde(default)]
    pub column_exclude: Vec<String>,
    #[serde(default)]
    pub scope: Scope,
    /// Name of a built-in validator (see `validators/`).
    pub validator: Option<String>,
    /// Minimum Shannon entropy (bits per char) of the value part.
    pub min_entropy: Option<f64>,
    /// Base confidence of a match (pattern strength), 0..1.
    #[serde(default = "default_confidence")]
    pub confidence: f64,
    /// Fewest matching values in a column before the label is reported.
    #[serde(default = "default_min_matches")]
    pub min_matches: usize,
    /// Lowest match rate among non-null values for the label to be reported
    /// when the column name carries no keyword (weak patterns need a dense column).
    #[serde(default)]
    pub min_rate: f64,
    /// A catch-all rule (generic keys): its hit is dropped when a specific rule of the
    /// same category matched the same part of the value.
    #[serde(default)]
    pub fallback: bool,
    /// Also look for this rule in every row decoded while sampling, not just the sample:
    /// for critical secrets with distinctive literals, where one leak in 10,000 rows matters.
    #[serde(default)]
    pub sweep: bool,
    /// The identifier scheme the rule finds (`in_aadhaar`, `us_passport`): reported with
    /// the label so users can filter one label's findings by scheme.
    pub scheme: Option<String>,
    /// Labels that win over this rule: its hit is dropped when a strong hit of one of
    /// them covers the same part of the value (a card-like digit group inside an IBAN).
    #[serde(default)]
    pub yields_to: Vec<String>,
    /// A column shape that withdraws the label from the whole column (`versions`).
    pub column_veto: Option<ColumnVeto>,
    /// The rule that reports phone numbers checked against the numbering plans of the
    /// regions a column's context names (`classifiers/phone_plans/`, see `phones`).
    #[serde(default)]
    pub numbering_plans: bool,
    /// Values that must always match.
    pub examples: Vec<String>,
    /// Values that must never match.
    pub negative_examples: Vec<String>,
}

fn default_confidence() -> f64 {
    0.8
}

fn default_min_matches() -> usize {
    1
}

impl RuleFile {
    /// Checks the parts serde cannot: non-empty fields, ranges, example counts.
    pub fn check(&self, known_validators: &[&str], matchers: &[&str]) -> Result<(), String> {
        let id_ok = self.id.split('.').count() >= 2
            && self
                .id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '_');
        if !id_ok {
            return Err(format!("id `{}` must be lowercase `category.name[.variant]`", self.id));
        }
        if !self.label.starts_with("pii.") && !self.label.starts_with("secret.") {
            return Err(format!("label `{}` must start with `pii.` or `secret.`", self.label));
        }
        match (&self.matcher, self.patterns.is_empty()) {
            (None, true) => return Err("`patterns` must not be empty".into()),
            (Some(_), false) => return Err("a rule has either `patterns` or a `matcher`, not both".into()),
            (Some(m), true) if !matchers.contains(&m.as_str()) => {
                return Err(format!("unknown matcher `{m}` (known: {})", matchers.join(", ")))
            }
            _ => {}
        }
        let pf = &self.prefilter;
        let ranges = [pf.digits, pf.upper_tokens, pf.tokens, pf.hex];
        if self.matcher.is_none() && pf.literals.is_empty() && ranges.iter().all(Option::is_none) {
            return Err("`prefilter` needs `literals`, `digits`, `tokens`, `upper_tokens` or `hex`: rules never run on every value".into());
        }
        if pf.upper_token_letters > 0 && pf.upper_tokens.is_none() {
            return Err("`prefilter.upper_token_letters` needs `prefilter.upper_tokens`".into());
        }
        if pf.literals.iter().any(|l| l.is_empty()) {
            return Err("`prefilter.literals` holds an empty string".into());
        }
        for r in ranges.into_iter().flatten() {
            if r.min == 0 || r.min > r.max {
                return Err(format!("prefilter range {}..{} is empty", r.min, r.max));
            }
        }
        if let Some(v) = &self.validator {
            if !known_validators.contains(&v.as_str()) {
                return Err(format!("unknown validator `{v}` (known: {})", known_validators.join(", ")));
            }
        }
        if !(0.0..=1.0).contains(&self.confidence) || self.confidence == 0.0 {
            return Err(format!("confidence {} must be in (0, 1]", self.confidence));
        }
        if !(0.0..=1.0).contains(&self.min_rate) {
            return Err(format!("min_rate {} must be in [0, 1]", self.min_rate));
        }
        if let Some(s) = &self.scheme {
            if s.is_empty() || !s.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_') {
                return Err(format!("scheme `{s}` must be lowercase `[a-z0-9_]+`"));
            }
        }
        if self.sweep && self.prefilter.literals.is_empty() {
            return Err("`sweep` needs `prefilter.literals` (the sweep is one literal pass)".into());
        }
        // The engine skips the keyword search in values without a letter.
        if let Some(k) = self.keywords.iter().chain(&self.value_keywords).find(|k| !k.chars().any(char::is_alphabetic)) {
            return Err(format!("keyword `{k}` holds no letter"));
        }
        if self.keyword_mode != KeywordMode::Boost && self.keywords.is_empty() {
            return Err("keyword_mode requires `keywords`".into());
        }
        if self.examples.len() < 5 || self.negative_examples.len() < 5 {
            return Err(format!(
                "needs at least 5 examples and 5 negative_examples (has {} and {})",
                self.examples.len(),
                self.negative_examples.len()
            ));
        }
        Ok(())
    }
}
