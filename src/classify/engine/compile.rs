//! Building an engine: rule files, dictionaries, placeholders and numbering plans loaded
//! from a rule source and compiled once — regexes (with their dense ASCII DFAs), the
//! literal trie and its gram gate, the shape passes' length tables, keyword automata —
//! into the tables the classification passes of the parent module read per value.

use regex_syntax::hir::{Class, Hir, HirKind};

use super::*;

impl Engine {
    /// Loads and compiles the classifier set from `src`.
    pub fn load(src: &RuleSource) -> Result<Engine, LoadError> {
        let rules = loader::load_rules(src)?;
        let dict = loader::load_dictionaries(src)?;
        let placeholders = loader::load_placeholders(src)?;
        let mut engine = Engine::compile(rules, dict, placeholders)?;
        engine.rules_digest = loader::digest(src)?;
        engine.plans = Plans::load(src)?;
        Ok(engine)
    }

    /// SHA-256 of the rule files this engine was loaded from.
    pub fn rules_digest(&self) -> &str {
        &self.rules_digest
    }

    /// The built-in classifier set.
    pub fn builtin() -> Result<Engine, LoadError> {
        Engine::load(&RuleSource::Builtin)
    }

    fn compile(
        files: Vec<(String, RuleFile)>,
        dict: Dictionaries,
        placeholders: Placeholders,
    ) -> Result<Engine, LoadError> {
        let mut rules = Vec::with_capacity(files.len());
        let mut literals: Vec<String> = Vec::new();
        let mut literal_rules: Vec<Vec<u16>> = Vec::new();
        let mut regex_count = 0usize;
        let mut files_literals: Vec<Vec<String>> = Vec::new();
        let mut digit_triggers = Vec::new();
        let mut upper_rules = Vec::new();
        let mut upper_lettered_rules = Vec::new();
        let mut token_rules = Vec::new();
        let mut whole_token_rules = Vec::new();
        let mut hex_rules = Vec::new();
        let mut name_rules = Vec::new();
        let mut street_rules = Vec::new();
        let mut plan_rule = None;
        let mut phone_words = Vec::new();
        for (idx, (path, f)) in files.into_iter().enumerate() {
            let ri = idx as u16;
            if f.numbering_plans && plan_rule.is_none() {
                plan_rule = Some(ri);
                phone_words = f.keywords.iter().chain(&f.value_keywords).filter(|k| !k.contains(' ')).map(|k| k.to_lowercase().into_bytes()).collect();
            }
            let mut regexes = Vec::new();
            let mut slack = RUN_SLACK;
            let pf = &f.prefilter;
            let shaped = pf.digits.is_some() || pf.upper_tokens.is_some() || pf.tokens.is_some() || pf.hex.is_some();
            for (i, p) in f.patterns.iter().enumerate() {
                let syntax = regex_automata::util::syntax::Config::new().unicode(true);
                let re = Regex::builder()
                    .syntax(syntax)
                    .configure(Regex::config().nfa_size_limit(Some(64 << 20)))
                    .build(p)
                    .map_err(|e| LoadError::Pattern { path: path.clone(), index: i, message: e.to_string() })?;
                let group = re.group_info().to_index(regex_automata::PatternID::ZERO, "value");
                let hir = regex_automata::util::syntax::parse_with(p, &syntax)
                    .map_err(|e| LoadError::Pattern { path: path.clone(), index: i, message: e.to_string() })?;
                let split = group.and_then(|_| Split::new(&hir));
                // Unbounded patterns (`\s*`) keep the default slack.
                slack = slack.max(hir.properties().maximum_len().unwrap_or(RUN_SLACK).min(MAX_SLACK));
                let min_len = hir.properties().minimum_len().unwrap_or(0);
                let needs = required_byte(&hir);
                regexes.push(RuleRegex { re, group, slot: regex_count, split, ascii: shaped.then(|| AsciiDfa::new(&hir)), min_len, needs });
                regex_count += 1;
            }
            files_literals.push(f.prefilter.literals.clone());
            for lit in &f.prefilter.literals {
                match literals.iter().position(|l| l.eq_ignore_ascii_case(lit)) {
                    Some(p) => literal_rules[p].push(ri),
                    None => {
                        literals.push(lit.clone());
                        literal_rules.push(vec![ri]);
                    }
                }
            }
            if let Some(d) = f.prefilter.digits {
                let need = f.prefilter.digit_separators.bytes().fold(0u8, |a, c| a | sep_bit(c));
                let groups = f.prefilter.digit_groups.map_or((1, usize::MAX), |g| (g.min, g.max));
                // A rule none of whose patterns finds anything in a written date or time
                // is not woken by one (`form_of`): timestamps fill logs and JSON.
                let forms = FORM_PROBES.iter().filter(|(_, p)| regexes.iter().any(|rr: &RuleRegex| rr.re.is_match(p))).fold(0, |a, (form, _)| a | form);
                digit_triggers.push(DigitTrigger { rule: ri, digits: (d.min, d.max), seps: need, groups, forms });
            }
            if let Some(t) = f.prefilter.upper_tokens {
                if f.prefilter.upper_token_letters > 0 {
                    upper_lettered_rules.push((ri, t.min, t.max));
                } else {
                    upper_rules.push((ri, t.min, t.max));
                }
            }
            if let Some(t) = f.prefilter.tokens {
                if f.scope == Scope::WholeValue {
                    whole_token_rules.push((ri, t.min, t.max));
                } else {
                    token_rules.push((ri, t.min, t.max));
                }
            }
            if let Some(t) = f.prefilter.hex {
                hex_rules.push((ri, t.min, t.max));
            }
            match f.matcher.as_deref() {
                Some("person_name") => name_rules.push(ri),
                Some("street_address") => street_rules.push(ri),
                _ => {}
            }
            rules.push(CompiledRule {
                secret: f.label.starts_with("secret."),
                fallback: f.fallback,
                sweep: f.sweep,
                yields_to: f.yields_to.clone(),
                keyword_ac: ci_automaton(f.keywords.iter().chain(&f.value_keywords), &path)?,
                column_keywords: f.keywords.iter().chain(&f.column_keywords).map(|k| name_tokens(k)).collect(),
                column_exclude: f.column_exclude.iter().map(|k| k.to_lowercase()).collect(),
                id: f.id,
                label: f.label,
                severity: f.severity,
                confidence: f.confidence,
                min_matches: f.min_matches.max(1),
                min_rate: f.min_rate,
                path,
                scheme: f.scheme,
                column_veto: f.column_veto,
                keyword_mode: f.keyword_mode,
                scope: f.scope,
                validator: f.validator,
                min_entropy: f.min_entropy,
                shortest: regexes.iter().map(|r| r.min_len).min().unwrap_or(0),
                regexes,
                slack,
                upper_letters: f.prefilter.upper_token_letters,
            });
        }
        let literal_trie = Trie::new(literals.iter().enumerate().map(|(i, l)| (l.as_bytes(), i as u32)));
        let literal_grams = Grams::new(literals.iter().map(|l| l.as_bytes()));
        let mut nonword_first = [false; 256];
        let mut firsts: Vec<u8> = Vec::new();
        for l in &literals {
            let c = l.as_bytes()[0];
            if !c.is_ascii_alphanumeric() {
                nonword_first[c as usize] = true;
                if !firsts.contains(&c) {
                    firsts.push(c);
                }
            }
        }
        // Up to four first bytes of non-word literals are compared exactly in the literal
        // pass (padded with repeats); more than that, every non-alphanumeric byte is tried.
        let literal_nonword_first = match firsts.len() {
            // A NUL byte begins no literal here, so it is dropped by the table check.
            0 => Some([0; 4]),
            k if k <= 4 => Some(std::array::from_fn(|j| firsts[j.min(k - 1)])),
            _ => None,
        };
        let digit_counts = ByLength::new(digit_triggers.iter().enumerate().map(|(i, t)| (i as u16, t.digits.0, t.digits.1)));
        // Case-sensitive (as written, upper- and lower-case) so that the SIMD literal
        // search applies: the sweep touches every decoded row.
        let mut sweep_literals: Vec<String> = Vec::new();
        let mut sweep_rules: Vec<u16> = Vec::new();
        for (ri, (r, lits)) in rules.iter().zip(&files_literals).enumerate() {
            if r.sweep {
                for l in lits {
                    for v in [l.clone(), l.to_ascii_uppercase(), l.to_ascii_lowercase()] {
                        if !sweep_literals.contains(&v) {
                            sweep_literals.push(v);
                            sweep_rules.push(ri as u16);
                        }
                    }
                }
            }
        }
        let sweep_ac = if sweep_literals.is_empty() {
            None
        } else {
            Some(
                AhoCorasick::builder()
                    .kind(Some(AhoCorasickKind::DFA))
                    .build(&sweep_literals)
                    .map_err(|e| LoadError::Invalid { path: "classifiers".into(), message: e.to_string() })?,
            )
        };
        // Both apostrophes: "m'appelle", "m’appelle".
        let intro_ends: Vec<Vec<u8>> = dict
            .intros
            .iter()
            .filter_map(|p| p.split_whitespace().last())
            .flat_map(|w| [w.replace('’', "'"), w.replace('\'', "’")])
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .map(String::into_bytes)
            .collect();
        Ok(Engine {
            rules,
            literal_trie,
            nonword_first,
            literal_nonword_first,
            literal_grams,
            literal_rules,
            literals,
            literal_ac: std::sync::OnceLock::new(),
            digit_triggers,
            digit_counts,
            upper_rules: ByLength::new(upper_rules),
            upper_lettered_rules: ByLength::new(upper_lettered_rules),
            token_rules: ByLength::new(token_rules),
            hex_rules: ByLength::new(hex_rules),
            whole_token_rules: ByLength::new(whole_token_rules),
            name_rules,
            street_rules,
            intro_end_max: intro_ends.iter().map(Vec::len).max().unwrap_or(0),
            intro_tails: Tails::new(intro_ends.iter().map(Vec::as_slice)),
            intro_ends,
            dict,
            sweep_ac,
            sweep_rules,
            placeholder_ac: ci_automaton(&placeholders.contains, "classifiers/placeholders.yaml")?,
            placeholders,
            max_value_len: DEFAULT_MAX_VALUE_LEN,
            fingerprint_key: None,
            rules_digest: String::new(),
            plans: Plans::default(),
            plan_rule,
            phone_words,
        })
    }
}

/// Punctuation that text holds least often first: the byte a window is checked for.
const RARE_FIRST: &[u8] = b"@;=|#$%&*~^`!?<>[]{}\"'_\\:+/-,.";

/// The rarest punctuation byte (`RARE_FIRST`) that every match of `hir` holds, if any:
/// bytes that a literal, a one-byte class, or every branch of an alternation puts in
/// every match, through groups and repetitions of at least one.
fn required_byte(hir: &Hir) -> Option<u8> {
    let have = required_bytes(hir);
    RARE_FIRST.iter().copied().find(|&b| have & (1u128 << b) != 0)
}

/// The ASCII bytes every match of `hir` holds, one bit each.
fn required_bytes(hir: &Hir) -> u128 {
    let ascii = |c: u32| if c < 128 { 1u128 << c } else { 0 };
    match hir.kind() {
        HirKind::Literal(l) => l.0.iter().fold(0, |a, &b| a | ascii(b as u32)),
        HirKind::Class(Class::Unicode(c)) => match c.ranges() {
            [r] if r.start() == r.end() => ascii(r.start() as u32),
            _ => 0,
        },
        HirKind::Class(Class::Bytes(c)) => match c.ranges() {
            [r] if r.start() == r.end() => ascii(r.start() as u32),
            _ => 0,
        },
        HirKind::Capture(c) => required_bytes(&c.sub),
        HirKind::Repetition(r) if r.min >= 1 => required_bytes(&r.sub),
        HirKind::Concat(parts) => parts.iter().fold(0, |a, h| a | required_bytes(h)),
        HirKind::Alternation(parts) => parts.iter().map(required_bytes).reduce(|a, b| a & b).unwrap_or(0),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::required_byte;

    fn needs(p: &str) -> Option<u8> {
        required_byte(&regex_syntax::parse(p).expect("pattern parses"))
    }

    /// A byte is required only when every match holds it: optional parts, one-of classes
    /// and alternations whose branches differ give none; the rarest required byte wins.
    #[test]
    fn windows_are_checked_for_a_byte_every_match_holds() {
        assert_eq!(needs(r"(?i)[a-z]{2,9}://[^\s:@]*:(?P<value>[^\s@]+)@[a-z.]+"), Some(b'@'));
        assert_eq!(needs(r"(?i)(?:server|host)\s*=\s*[^;]+;\s*(?:password|pwd)\s*=\s*(?P<value>\S+)"), Some(b';'));
        assert_eq!(needs(r"(?:x;|y;z)"), Some(b';'));
        assert_eq!(needs(r"(?:^|[^\w])\d{3}-\d{2}-\d{4}"), Some(b'-'));
        assert_eq!(needs(r"\d+(?:@\d+)?"), None);
        assert_eq!(needs(r"(?:a;|b=)c"), None);
        assert_eq!(needs(r"[;=]\d+"), None);
        assert_eq!(needs(r"(?i)[a-z]+\d+"), None);
    }
}
