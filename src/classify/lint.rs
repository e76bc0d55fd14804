//! `assay rules check`: every rule finds its examples and none of its negative examples.

use super::engine::{Engine, Scratch, Strength};
use super::loader::{load_rules, LoadError, RuleSource};
use super::rule::KeywordMode;

/// One example that did not behave.
#[derive(Debug)]
pub struct ExampleFailure {
    pub path: String,
    pub rule: String,
    pub example: String,
    pub expected_match: bool,
}

impl std::fmt::Display for ExampleFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = if self.expected_match { "example not matched" } else { "negative example matched" };
        write!(f, "{}: rule {}: {what}: {:?}", self.path, self.rule, self.example)
    }
}

/// Runs every rule of `src` over its examples and negative examples.
pub fn check_examples(src: &RuleSource) -> Result<(Vec<ExampleFailure>, usize), LoadError> {
    let files = load_rules(src)?;
    let engine = Engine::load(src)?;
    let mut failures = Vec::new();
    let mut checked = 0;
    let mut scratch = Scratch::default();
    for (r, (path, rule)) in files.iter().enumerate() {
        // Rules that need a keyword in the column name are tried in a column named by it.
        let column = match rule.keyword_mode {
            KeywordMode::ColumnRequired => rule.keywords[0].clone(),
            _ => "value".to_string(),
        };
        let ctx = engine.column_context(&column);
        for (expected, list) in [(true, &rule.examples), (false, &rule.negative_examples)] {
            for ex in list {
                checked += 1;
                let mut hits = Vec::new();
                engine.scan_value(ex, &ctx, &mut scratch, &mut hits);
                let matched = hits.iter().any(|h| h.rule as usize == r && h.strength != Strength::Rejected);
                if matched != expected {
                    failures.push(ExampleFailure { path: path.clone(), rule: rule.id.clone(), example: ex.clone(), expected_match: expected });
                }
            }
        }
    }
    Ok((failures, checked))
}
