//! The engine: `lint(&SourceFile, &Settings)`. It does no I/O, so the CLI, the fixer and the
//! LSP server all share it.

use std::sync::Arc;
use std::time::Duration;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use crate::catalog::Catalog;
use crate::finding::{Confidence, Finding};
use crate::lang::{self, ParseError};
use crate::model::Script;
use crate::rules::{self, Context, common::Flow};
use crate::source::SourceFile;

/// Rule selection by code, name or group.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    /// Empty means every rule.
    pub select: Vec<String>,
    pub ignore: Vec<String>,
}

impl Selection {
    pub fn enabled(&self, meta: &crate::finding::RuleMeta) -> bool {
        let hit = |s: &String| {
            s.eq_ignore_ascii_case(meta.code)
                || s == meta.name
                || s == meta.group
                || s.eq_ignore_ascii_case("all")
        };
        (self.select.is_empty() || self.select.iter().any(hit)) && !self.ignore.iter().any(hit)
    }
}

/// The default confidence threshold: findings below it are not reported. Trivial dummy
/// values (`test`, `password`) score 0.3 and stay silent; realistic literals score 0.9.
pub const DEFAULT_MIN_CONFIDENCE: f32 = 0.5;

#[derive(Clone)]
pub struct Settings {
    pub catalog: Arc<Catalog>,
    pub selection: Selection,
    pub min_confidence: f32,
    pub parse_budget: Duration,
    prefilter: Arc<AhoCorasick>,
}

impl Settings {
    pub fn new(catalog: Arc<Catalog>, selection: Selection) -> Settings {
        let prefilter = Arc::new(build_prefilter(&catalog));
        Settings {
            catalog,
            selection,
            min_confidence: DEFAULT_MIN_CONFIDENCE,
            parse_budget: lang::DEFAULT_PARSE_BUDGET,
            prefilter,
        }
    }

    /// True when the text contains any trigger word, i.e. it may hold a finding.
    pub fn may_contain_credentials(&self, text: &str) -> bool {
        self.prefilter.is_match(text)
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings::new(Arc::new(Catalog::builtin().clone()), Selection::default())
    }
}

/// Credential keywords that a finding of any rule implies somewhere in the file.
const KEYWORDS: &[&str] = &[
    "pass",
    "pwd",
    "secret",
    "token",
    "key",
    "auth",
    "cred",
    "bearer",
    "securestring",
    "://",
    "sas",
    "sig=",
    "private",
];

fn build_prefilter(catalog: &Catalog) -> AhoCorasick {
    let mut words: Vec<String> = KEYWORDS.iter().map(|s| s.to_string()).collect();
    words.extend(crate::secret::TOKEN_TRIGGERS.iter().map(|s| s.to_string()));
    // Any rule of the catalog fires only on a flag, key or stdin of a catalog tool; the
    // keywords above cover the credential words, so command names add little beyond the
    // short ones that name no credential (`-p`, `/RP`).
    words.extend(catalog.command_names().map(str::to_owned));
    AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::LeftmostFirst)
        .build(&words)
        .expect("prefilter patterns build")
}

#[derive(Debug, thiserror::Error)]
pub enum LintError {
    #[error(transparent)]
    Parse(#[from] ParseError),
}

/// What linting one file produced.
#[derive(Debug, Default)]
pub struct LintOutput {
    pub findings: Vec<Finding>,
    /// The model, when the file was parsed (the fixer needs `header_end`).
    pub script: Option<Script>,
    /// False when the prefilter found nothing to look at and the file was not parsed.
    pub parsed: bool,
}

/// Lints one decoded file.
pub fn lint(source: &SourceFile, settings: &Settings) -> Result<LintOutput, LintError> {
    if !settings.may_contain_credentials(&source.text) {
        return Ok(LintOutput::default());
    }
    let script = lang::parse(source.language, &source.text, settings.parse_budget)?;
    let findings = lint_script(source, &script, settings);
    Ok(LintOutput {
        findings,
        script: Some(script),
        parsed: true,
    })
}

/// [`lint`], re-parsing incrementally from `old` (the previous tree, already brought up to
/// date with [`tree_sitter::Tree::edit`]) and returning the new tree, or `None` when the
/// prefilter found nothing and the text was not parsed. The LSP server uses this.
pub fn lint_incremental(
    source: &SourceFile,
    settings: &Settings,
    old: Option<&tree_sitter::Tree>,
) -> Result<(LintOutput, Option<tree_sitter::Tree>), LintError> {
    if !settings.may_contain_credentials(&source.text) {
        return Ok((LintOutput::default(), None));
    }
    let tree =
        lang::parse_tree_incremental(source.language, &source.text, old, settings.parse_budget)?;
    let script = lang::lower(source.language, &tree, &source.text);
    let findings = lint_script(source, &script, settings);
    let output = LintOutput {
        findings,
        script: Some(script),
        parsed: true,
    };
    Ok((output, Some(tree)))
}

/// Runs the rules on an already lowered script (the LSP server keeps trees).
pub fn lint_script(source: &SourceFile, script: &Script, settings: &Settings) -> Vec<Finding> {
    let flow = Flow::new(script);
    let cx = Context {
        source,
        script,
        catalog: &settings.catalog,
        flow: &flow,
    };
    let mut findings = Vec::new();
    for rule in rules::REGISTRY {
        if settings.selection.enabled(rule.meta()) {
            rule.check(&cx, &mut findings);
        }
    }
    findings.retain(|f| f.confidence >= Confidence(settings.min_confidence));
    findings.sort_by(|a, b| {
        (a.span.start, a.span.end, a.code).cmp(&(b.span.start, b.span.end, b.code))
    });
    // One finding per secret: several uses of one assignment, or two rules on one literal.
    findings.dedup_by(|b, a| a.span == b.span);
    findings
}
