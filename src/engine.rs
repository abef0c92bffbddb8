//! The engine: `lint(&SourceFile, &Settings)`. It does no I/O, so the CLI, the fixer and the
//! LSP server all share it.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder};
use regex::Regex;

use crate::catalog::Catalog;
use crate::finding::{Confidence, Finding, Severity};
use crate::focus;
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

/// Groups that run only when selected (`--select powershell-hygiene`, or `all`).
///
/// The PSScriptAnalyzer-parity rules flag parameter declarations, not credentials: on the
/// public PowerShell repositories we measured they outnumber credential findings two to one,
/// and a credential gate in CI must not fail on a `[string]$Password` parameter.
pub const OPT_IN_GROUPS: &[&str] = &["powershell-hygiene"];

impl Selection {
    pub fn enabled(&self, meta: &crate::finding::RuleMeta) -> bool {
        let hit = |s: &String| {
            s.eq_ignore_ascii_case(meta.code)
                || s == meta.name
                || s == meta.group
                || s.eq_ignore_ascii_case("all")
        };
        let selected = if self.select.is_empty() {
            !OPT_IN_GROUPS.contains(&meta.group)
        } else {
            self.select.iter().any(hit)
        };
        selected && !self.ignore.iter().any(hit)
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
    /// Honour `# credlint: ignore` comments (`--no-inline-suppressions` turns this off).
    pub inline_suppressions: bool,
    /// Per-rule severity overrides (by rule code), from the configuration.
    pub severity: HashMap<&'static str, Severity>,
    /// Literal values and patterns that are never reported.
    pub allow: Allow,
    /// Environment variable names a fix should use instead of the catalog's, keyed by rule code,
    /// rule name or tool display name (`twine upload`); the tool wins over the rule.
    pub env_names: HashMap<String, String>,
    /// How much of a file to parse (see [`ParseMode`]).
    pub parse_mode: ParseMode,
    triggers: Arc<focus::Triggers>,
}

/// How much of a file the engine parses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ParseMode {
    /// Only the units that could hold a finding, with the blocks around them ([`crate::focus`]).
    #[default]
    Focused,
    /// The whole file (the reference the focused mode is tested against).
    Whole,
}

/// Allowlisted secrets: exact values and regular expressions (matched against the secret).
#[derive(Clone, Debug, Default)]
pub struct Allow {
    pub values: Vec<String>,
    pub regexes: Vec<Regex>,
}

impl Allow {
    pub fn allows(&self, secret: &str) -> bool {
        self.values.iter().any(|v| v == secret) || self.regexes.iter().any(|r| r.is_match(secret))
    }
}

impl Settings {
    pub fn new(catalog: Arc<Catalog>, selection: Selection) -> Settings {
        let triggers = Arc::new(focus::Triggers::new(
            crate::secret::TOKEN_TRIGGERS,
            &gated_keywords(),
            UNGATED_KEYWORDS,
            NAME_WORDS,
            &catalog,
        ));
        Settings {
            catalog,
            selection,
            min_confidence: DEFAULT_MIN_CONFIDENCE,
            parse_budget: lang::DEFAULT_PARSE_BUDGET,
            inline_suppressions: true,
            severity: HashMap::new(),
            allow: Allow::default(),
            env_names: HashMap::new(),
            parse_mode: ParseMode::default(),
            triggers,
        }
    }

    /// True when the text contains any trigger word, i.e. it may hold a finding.
    pub fn may_contain_credentials(&self, text: &str) -> bool {
        mentions_credlint(text) || self.triggers.any(text)
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings::new(Arc::new(Catalog::builtin().clone()), Selection::default())
    }
}

/// Credential keywords: every finding sits in a statement holding one of them, a token prefix
/// ([`crate::secret::TOKEN_TRIGGERS`]), a credential name word ([`NAME_WORDS`]) or a catalog
/// command name, or in the assignment of a variable such a statement uses (see
/// [`crate::focus`]). Compared ASCII case-insensitively as substrings. A rule that can report
/// without any of them must add its trigger here; `tests/prefilter.rs` and `tests/focus.rs`
/// check the invariant on every fixture.
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
    "webhook",
    "connstr",
    "connectionstring",
    "connection_string",
    // `$s.AppendChar('x')` builds a SecureString from literals.
    "appendchar",
    // Suppression comments are checked for use (CL900) even in files without credentials.
    "credlint",
];

/// Credential names too short to be searched as substrings (`path`, `design`): whole words
/// only, `_` counting as a separator (`GITHUB_PAT`, `$sig`, `signature =`).
const NAME_WORDS: &[&str] = &["pat", "sig", "signature"];

/// Keywords whose value follows them in the statement (see [`focus::Triggers`]): every
/// keyword except the ungated ones, `://` (a comment trigger) and `credlint` (files that
/// mention it are parsed whole).
fn gated_keywords() -> Vec<&'static str> {
    KEYWORDS
        .iter()
        .copied()
        .filter(|k| !UNGATED_KEYWORDS.contains(k) && !matches!(*k, "://" | "credlint"))
        .collect()
}

/// Keywords that count wherever they appear in code.
const UNGATED_KEYWORDS: &[&str] = &["appendchar"];

#[derive(Debug, thiserror::Error)]
pub enum LintError {
    #[error(transparent)]
    Parse(#[from] ParseError),
}

/// What linting one file produced.
#[derive(Debug, Default)]
pub struct LintOutput {
    pub findings: Vec<Finding>,
    /// The model, when the file was parsed ([`lint_cached`] keeps it in its cache).
    pub script: Option<Script>,
    /// Where the script's header ends (a fix's guard goes after it); 0 when not parsed.
    pub header_end: usize,
    /// False when the prefilter found nothing to look at and the file was not parsed.
    pub parsed: bool,
    /// How many bytes of the file were parsed.
    pub parsed_bytes: usize,
}

/// A file containing this marker makes [`lint`] panic, with the file's text in the panic
/// message, in the library's own unit tests only (`#[cfg(test)]`): it exercises the per-file
/// panic isolation and the panic hook. It does not exist in any build a user runs.
#[cfg(test)]
pub const TEST_PANIC_MARKER: &str = "credlint-test-panic-0c4f";

/// Lints one decoded file.
pub fn lint(source: &SourceFile, settings: &Settings) -> Result<LintOutput, LintError> {
    lint_with(source, settings, None)
}

/// [`lint`], reusing the top-level statements `cache` holds from earlier versions of the
/// text (an editor re-lints after every change; see [`lang::units::SkeletonCache`]).
pub fn lint_cached(
    source: &SourceFile,
    settings: &Settings,
    cache: &mut lang::units::SkeletonCache,
) -> Result<LintOutput, LintError> {
    lint_with(source, settings, Some(cache))
}

fn lint_with(
    source: &SourceFile,
    settings: &Settings,
    cache: Option<&mut lang::units::SkeletonCache>,
) -> Result<LintOutput, LintError> {
    #[cfg(test)]
    if source.text.contains(TEST_PANIC_MARKER) {
        panic!("test panic; the file says: {}", source.text);
    }
    let text = source.text.as_str();
    // `may_contain_credentials`, with its one scan for suppression comments kept: those are
    // matched against every finding and checked for use, so such a file is parsed whole.
    let suppressions = mentions_credlint(text);
    if settings.parse_mode == ParseMode::Focused && !suppressions {
        // One scan both tells whether the file needs parsing and finds what to parse.
        let candidates = settings.triggers.candidates(text);
        if candidates.is_empty() {
            return Ok(LintOutput::default());
        }
        let units = lang::units::split(source.language, text);
        if units.complete {
            return lint_focused(source, settings, &units, &candidates, cache);
        }
    } else if !suppressions && !settings.triggers.any(text) {
        return Ok(LintOutput::default());
    }
    let script = lang::parse(source.language, text, settings.parse_budget)?;
    let findings = lint_script(source, &script, settings);
    Ok(LintOutput {
        findings,
        header_end: script.header_end,
        script: Some(script),
        parsed: true,
        parsed_bytes: text.len(),
    })
}

/// Rounds of following variables to the units that may assign them: the rules follow a
/// variable to its literal, and a splatted hashtable to the variables of its values.
const MAX_FOLLOW_ROUNDS: usize = 2;

/// [`lint`] parsing only the units that could hold a finding (see [`crate::focus`]).
fn lint_focused(
    source: &SourceFile,
    settings: &Settings,
    units: &lang::units::Units,
    candidates: &[focus::Candidate],
    mut cache: Option<&mut lang::units::SkeletonCache>,
) -> Result<LintOutput, LintError> {
    let text = source.text.as_str();
    let language = source.language;
    let mut selected = Vec::new();
    // Rules of the opt-in groups report declarations (`[string]$Password`), where no value
    // follows the keyword.
    let gated = !rules::REGISTRY
        .iter()
        .any(|r| OPT_IN_GROUPS.contains(&r.meta().group) && settings.selection.enabled(r.meta()));
    let literal_names = focus::literally_assigned(text.as_bytes(), language);
    let triggers = settings
        .triggers
        .positions(text, units, candidates, gated, &literal_names);
    focus::units_at(units, &triggers, &mut selected);
    if language == crate::model::Language::Shell && !selected.is_empty() {
        focus::allexport_units(text, units, &mut selected);
        selected.sort_unstable();
        selected.dedup();
    }
    if selected.is_empty() {
        return Ok(LintOutput::default());
    }
    let triggered = selected.clone();
    lang::units::close_under_parents(units, &mut selected);
    let sanitized = match lang::sanitize(text) {
        std::borrow::Cow::Owned(clean) => Some(clean),
        std::borrow::Cow::Borrowed(_) => None,
    };
    let parse = |cache: &mut Option<&mut lang::units::SkeletonCache>, selected: &[usize]| match (
        cache, &sanitized,
    ) {
        // Sanitising depends on the whole text, so such a text is not parsed in pieces.
        (Some(cache), None) => lang::units::parse_skeleton_cached(
            language,
            text,
            units,
            selected,
            settings.parse_budget,
            cache,
        ),
        _ => lang::parse_skeleton(
            language,
            text,
            sanitized.as_deref(),
            units,
            selected,
            settings.parse_budget,
        ),
    };
    // Programs the trigger units assign to variables, to their uses (`& $nuget push …`):
    // read from the text, as the lowering resolves such commands.
    let mut followed = std::collections::HashSet::new();
    let mut followed_uses = std::collections::HashSet::new();
    let names_program = |program: &str| {
        let name = lang::normalize::base_name(program);
        settings.catalog.has_command(&name) || lang::normalize::runs_other_commands(&name)
    };
    let programs = focus::program_variables(text, language, units, &triggered, names_program);
    if focus::add_units_naming(text, language, units, &programs, true, &mut selected) {
        lang::units::close_under_parents(units, &mut selected);
    }
    // What the rules ask about: the assignments of variables they read (a literal a flag's
    // `$pw` holds, a splatted hashtable), those that could be assigned something a rule
    // reads, and the uses of variables whose value they judge by where it goes (a
    // here-string written to a file, a hashtable passed as `-Headers`). Those are parsed too
    // and the rules run again. Most files need no second round.
    let mut script = parse(&mut cache, &selected)?;
    // The editor's lint (with a cache) is one file at a time: its rules may use two threads.
    let parallel = cache.is_some();
    let (mut findings, mut asked) = lint_script_asking(source, &script, settings, parallel);
    for _ in 0..MAX_FOLLOW_ROUNDS {
        let assigned: std::collections::HashSet<String> = asked
            .assignments
            .into_iter()
            .filter(|n| literal_names.contains(n) && followed.insert(n.clone()))
            .collect();
        let used: std::collections::HashSet<String> = asked
            .uses
            .into_iter()
            .filter(|n| followed_uses.insert(n.clone()))
            .collect();
        let added_assignments =
            focus::add_units_naming(text, language, units, &assigned, false, &mut selected);
        let added_uses = focus::add_units_naming(text, language, units, &used, true, &mut selected);
        if !(added_assignments || added_uses) {
            break;
        }
        lang::units::close_under_parents(units, &mut selected);
        give_back(&mut cache, script);
        script = parse(&mut cache, &selected)?;
        (findings, asked) = lint_script_asking(source, &script, settings, parallel);
    }
    let mut header_script = None;
    if !findings.is_empty() {
        // The variable names a fix suggests must not collide with names the script assigns,
        // and the fixer needs the script's header (guards go after it).
        let suggested: std::collections::HashSet<String> = findings
            .iter()
            .filter_map(|f| f.env_var.clone())
            .filter(|n| followed.insert(n.to_ascii_lowercase()))
            .collect();
        if focus::add_units_naming(text, language, units, &suggested, false, &mut selected) {
            lang::units::close_under_parents(units, &mut selected);
            give_back(&mut cache, script);
            script = parse(&mut cache, &selected)?;
            findings = lint_script(source, &script, settings);
        }
        // The header holds no finding (its triggers are selected already): parsed alone.
        let mut header = Vec::new();
        focus::header_units(language, text, units, &mut header);
        if !header.is_empty() {
            // The cache lends one script at a time.
            if let Some(cache) = &mut cache {
                cache.give_back(std::mem::take(&mut script));
            }
            header_script = Some(parse(&mut cache, &header)?);
        }
    }
    let header_end = header_script.as_ref().unwrap_or(&script).header_end;
    if let Some(header) = header_script {
        give_back(&mut cache, header);
    }
    let parsed_bytes = selected.iter().map(|&i| units.units[i].range.len()).sum();
    Ok(LintOutput {
        findings,
        header_end,
        // With a cache, the statements go back to it.
        script: match cache {
            Some(cache) => {
                cache.give_back(script);
                None
            }
            None => Some(Script {
                header_end,
                ..script
            }),
        },
        parsed: true,
        parsed_bytes,
    })
}

/// Returns a script [`lang::units::parse_skeleton_cached`] made to the cache, if any.
fn give_back(cache: &mut Option<&mut lang::units::SkeletonCache>, script: Script) {
    if let Some(cache) = cache {
        cache.give_back(script);
    }
}

/// Whether `text` mentions credlint (a suppression comment), in any case.
fn mentions_credlint(text: &str) -> bool {
    static CREDLINT: std::sync::LazyLock<AhoCorasick> = std::sync::LazyLock::new(|| {
        AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .build(["credlint"])
            .expect("one literal pattern builds")
    });
    CREDLINT.is_match(text)
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
    if settings.parse_mode == ParseMode::Focused {
        // A focused parse reads a small part of the file; no tree is worth keeping.
        return Ok((lint(source, settings)?, None));
    }
    let tree =
        lang::parse_tree_incremental(source.language, &source.text, old, settings.parse_budget)?;
    lang::check_tree(&tree)?;
    let mut script = lang::lower(source.language, &tree, &source.text);
    // As in `lang::parse`: scripts inside strings (`bash -c '…'`) are linted in the editor too.
    lang::embedded::merge_embedded(&mut script, &source.text, settings.parse_budget, 0);
    let findings = lint_script(source, &script, settings);
    let output = LintOutput {
        findings,
        header_end: script.header_end,
        script: Some(script),
        parsed: true,
        parsed_bytes: source.text.len(),
    };
    Ok((output, Some(tree)))
}

/// Runs the rules on an already lowered script (the LSP server keeps trees).
pub fn lint_script(source: &SourceFile, script: &Script, settings: &Settings) -> Vec<Finding> {
    lint_script_asking(source, script, settings, false).0
}

/// Scripts with fewer commands and assignments than this run their rules on one thread in
/// the editor too: below it the rules take well under a millisecond, about what starting a
/// thread costs.
const PARALLEL_RULES_MIN_ITEMS: usize = 256;

/// Runs `rules` on this thread and one more, each taking the next rule not yet taken (the
/// catalog rule alone is about half the work on a large script); outputs in `rules` order.
/// A scoped thread per lint (~70 µs to start here) measured faster than rayon's pool, whose
/// spinning workers took the second core from the lint.
fn check_in_parallel(cx: &Context, rules: &[&dyn rules::Rule]) -> Vec<Vec<Finding>> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some(rule) = rules.get(i) else {
                return done;
            };
            let mut out = Vec::new();
            rule.check(cx, &mut out);
            done.push((i, out));
        }
    };
    let mut done = std::thread::scope(|scope| {
        // Without a second thread (a process limit), this one takes every rule.
        let helper = std::thread::Builder::new()
            .name("credlint-rules".into())
            .spawn_scoped(scope, work)
            .ok();
        let mut done = work();
        match helper.map(|h| h.join()) {
            Some(Ok(more)) => done.extend(more),
            // The panic goes on as if the rule had run on this thread.
            Some(Err(panic)) => std::panic::resume_unwind(panic),
            None => {}
        }
        done
    });
    done.sort_unstable_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, out)| out).collect()
}

/// [`lint_script`], with the variables the rules asked about (lower-cased): the focused
/// parse follows them to their assignments. `parallel`: the rules of a large script run on
/// two threads (the editor, where one file's latency counts; the CLI's threads each lint
/// their own files).
fn lint_script_asking(
    source: &SourceFile,
    script: &Script,
    settings: &Settings,
    parallel: bool,
) -> (Vec<Finding>, rules::common::Asked) {
    let flow = Flow::new(script);
    let cx = Context {
        source,
        script,
        catalog: &settings.catalog,
        flow: &flow,
    };
    let enabled: Vec<&dyn rules::Rule> = rules::REGISTRY
        .iter()
        .copied()
        .filter(|r| settings.selection.enabled(r.meta()))
        .collect();
    let large = script.commands.len() + script.assignments.len() >= PARALLEL_RULES_MIN_ITEMS;
    let outputs = if parallel && large {
        check_in_parallel(&cx, &enabled)
    } else {
        enabled
            .iter()
            .map(|rule| {
                let mut out = Vec::new();
                rule.check(&cx, &mut out);
                out
            })
            .collect()
    };
    let mut findings = Vec::new();
    let mut fallbacks = Vec::new();
    for (rule, mut out) in enabled.iter().zip(outputs) {
        if rule.fallback() {
            fallbacks.append(&mut out);
        } else {
            findings.append(&mut out);
        }
    }
    findings.retain(|f| f.confidence >= Confidence(settings.min_confidence));
    // Fallback rules only report what no specific rule reported: a finding overlapping another
    // rule's secret is dropped (the specific rule explains the position better). Hygiene
    // findings (no secret, e.g. a parameter's type) do not count.
    fallbacks.retain(|f: &Finding| {
        f.confidence >= Confidence(settings.min_confidence)
            && !findings.iter().any(|g| {
                !g.secret.expose().is_empty()
                    && g.span.start < f.span.end
                    && f.span.start < g.span.end
            })
    });
    findings.append(&mut fallbacks);
    findings.sort_by(|a, b| {
        (a.span.start, a.span.end, a.code).cmp(&(b.span.start, b.span.end, b.code))
    });
    // One finding per secret: several uses of one assignment, or two rules on one literal.
    // Hygiene findings (no secret) on the same parameter are different findings.
    findings.dedup_by(|b, a| {
        a.span == b.span
            && (a.code == b.code || !(a.secret.expose().is_empty() || b.secret.expose().is_empty()))
    });
    findings.retain(|f| f.secret.expose().is_empty() || !settings.allow.allows(f.secret.expose()));
    if !settings.env_names.is_empty() {
        for f in &mut findings {
            rename_env_var(f, &settings.env_names);
        }
    }
    distinct_env_names(&mut findings, script);
    if settings.inline_suppressions {
        let cl900 = rules::unused_suppression::meta();
        crate::suppress::apply(
            source,
            &script.comments,
            &mut findings,
            &|m| settings.selection.enabled(m),
            settings.selection.enabled(cl900),
        );
    }
    if !settings.severity.is_empty() {
        for f in &mut findings {
            if let Some(s) = settings.severity.get(f.code) {
                f.severity = *s;
            }
        }
    }
    (findings, flow.into_asked())
}

/// Applies a configured environment variable name to a finding and its fix: the tool's
/// override wins over the rule's (code or name).
fn rename_env_var(f: &mut Finding, names: &HashMap<String, String>) {
    let wanted = f
        .tool
        .as_deref()
        .and_then(|t| names.get(t))
        .or_else(|| names.get(f.code))
        .or_else(|| names.get(f.name));
    let (Some(new), Some(old)) = (wanted, f.env_var.clone()) else {
        return;
    };
    if *new == old {
        return;
    }
    let re = Regex::new(&format!(r"\b{}\b", regex::escape(&old))).expect("escaped name");
    let swap = |s: &mut String| *s = re.replace_all(s, new.as_str()).into_owned();
    if let Some(help) = &mut f.help {
        swap(help);
    }
    if let Some(fix) = &mut f.fix {
        swap(&mut fix.description);
        for e in &mut fix.edits {
            swap(&mut e.replacement);
        }
        for g in &mut fix.guards {
            if g.variable == old {
                g.variable = new.clone();
            }
        }
    }
    f.env_var = Some(new.clone());
}

/// Gives distinct secrets distinct variable names: one file may pass two different passwords
/// to `docker login`, and a fix must not merge them into one `DOCKER_PASSWORD`. The same
/// secret keeps one name wherever it appears.
///
/// A name the script already assigns to something else is taken too: in shell, variables and
/// environment share one namespace (`PYPI_TOKEN=$(…)` for another purpose); in PowerShell only
/// `$env:` assignments count.
fn distinct_env_names(findings: &mut [Finding], script: &Script) {
    let powershell = script.language == Some(crate::model::Language::PowerShell);
    // (name, value): an assignment holding the same secret under the same name (also as a
    // fallback, `X="${X:-secret}"`) is the finding itself, not a collision.
    let mut taken = Taken::default();
    for a in script
        .assignments
        .iter()
        .filter(|a| !powershell || a.scope == crate::model::AssignmentScope::Env)
    {
        taken.push(a.target.to_ascii_uppercase(), a.value.text.clone());
    }
    // Per base name, the suffix to try next: names are only ever added, so the first free
    // suffix never goes down (keeps thousands of findings in one file linear).
    let mut next_suffix: HashMap<String, usize> = HashMap::new();
    for f in findings.iter_mut() {
        let Some(base) = f.env_var.clone() else {
            continue;
        };
        let secret = f.secret.expose().to_owned();
        if let Some(name) = taken.first_name_for(&secret, &base) {
            let name = name.to_owned();
            rename_env(f, &base, &name);
            continue;
        }
        if taken
            .values_named(&base)
            .any(|s| s.contains(secret.as_str()))
        {
            continue;
        }
        let mut name = base.clone();
        if taken.has_name(&name) {
            let n = next_suffix.entry(base.clone()).or_insert(2);
            loop {
                name = format!("{base}_{n}");
                *n += 1;
                if !taken.has_name(&name) {
                    break;
                }
            }
        }
        if name != base {
            rename_env(f, &base, &name);
        }
        taken.push(name, secret);
    }
}

/// The (name, value) pairs [`distinct_env_names`] has seen, in order, indexed by value and by
/// name (case-insensitively) so that each question is a lookup rather than a scan.
#[derive(Default)]
struct Taken {
    entries: Vec<(String, String)>,
    by_value: HashMap<String, Vec<usize>>,
    by_name: HashMap<String, Vec<usize>>,
}

impl Taken {
    fn push(&mut self, name: String, value: String) {
        let i = self.entries.len();
        self.by_value.entry(value.clone()).or_default().push(i);
        self.by_name
            .entry(name.to_ascii_uppercase())
            .or_default()
            .push(i);
        self.entries.push((name, value));
    }

    /// The first name taken for exactly this value that starts with `base`.
    fn first_name_for(&self, value: &str, base: &str) -> Option<&str> {
        self.by_value.get(value)?.iter().find_map(|&i| {
            let name = &self.entries[i].0;
            name.starts_with(base).then_some(name.as_str())
        })
    }

    /// Values taken under `name`, compared case-insensitively.
    fn values_named<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a str> + 'a {
        self.by_name
            .get(&name.to_ascii_uppercase())
            .into_iter()
            .flatten()
            .map(|&i| self.entries[i].1.as_str())
    }

    fn has_name(&self, name: &str) -> bool {
        self.by_name.contains_key(&name.to_ascii_uppercase())
    }
}

fn rename_env(f: &mut Finding, old: &str, new: &str) {
    let swap = |text: &str| replace_word(text, old, new);
    f.env_var = Some(new.to_owned());
    f.help = f.help.as_deref().map(swap);
    if let Some(fix) = &mut f.fix {
        fix.description = swap(&fix.description);
        for e in &mut fix.edits {
            e.replacement = swap(&e.replacement);
        }
        for g in &mut fix.guards {
            if g.variable == old {
                g.variable = new.to_owned();
            }
        }
    }
}

/// Replaces `old` where it stands as a whole identifier.
fn replace_word(text: &str, old: &str, new: &str) -> String {
    let is_ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find(old) {
        let before_ok = !rest[..pos].chars().next_back().is_some_and(is_ident);
        let after_ok = !rest[pos + old.len()..].chars().next().is_some_and(is_ident);
        out.push_str(&rest[..pos]);
        out.push_str(if before_ok && after_ok { new } else { old });
        rest = &rest[pos + old.len()..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod naming_tests {
    use super::*;
    use crate::model::Language;
    use crate::source::{Encoding, SourceFile};

    fn env_vars(language: Language, text: &str) -> Vec<String> {
        let src = SourceFile::from_text("t", language, text.to_owned(), Encoding::Utf8);
        lint(&src, &Settings::default())
            .unwrap()
            .findings
            .into_iter()
            .filter_map(|f| f.env_var)
            .collect()
    }

    #[test]
    fn distinct_secrets_get_distinct_names_and_the_same_secret_one_name() {
        let text = "docker login -u a -p Kp3xQw9Lm2Zr r1.io\ndocker login -u b -p Vb7nM2qW5eRt r2.io\ndocker login -u a -p Kp3xQw9Lm2Zr r3.io\n";
        assert_eq!(
            env_vars(Language::Shell, text),
            ["DOCKER_PASSWORD", "DOCKER_PASSWORD_2", "DOCKER_PASSWORD"]
        );
    }

    #[test]
    fn a_name_the_script_assigns_for_another_purpose_is_not_reused() {
        let text = "DOCKER_PASSWORD=$(cat /run/other)\ndocker login -u a -p Kp3xQw9Lm2Zr r1.io\n";
        assert_eq!(env_vars(Language::Shell, text), ["DOCKER_PASSWORD_2"]);
        // In PowerShell a local `$docker_password` is not the environment variable.
        let text = "$DOCKER_PASSWORD = Get-Content x\ndocker login -u a -p Kp3xQw9Lm2Zr r1.io\n";
        assert_eq!(env_vars(Language::PowerShell, text), ["DOCKER_PASSWORD"]);
    }
}

#[cfg(test)]
mod reuse_tests {
    use super::*;
    use crate::model::Language;
    use crate::source::{Encoding, SourceFile};

    #[test]
    fn a_variable_the_script_already_reads_for_the_same_flag_is_reused() {
        let text = "dotnet nuget push a.nupkg --api-key $env:FEED_KEY\ndotnet nuget push b.nupkg --api-key oy2ab3cd4ef5gh6ij7kl8mn9op0qr1st2uv3wx4yz5ab6c\n";
        let src = SourceFile::from_text("t.ps1", Language::PowerShell, text.into(), Encoding::Utf8);
        let out = lint(&src, &Settings::default()).unwrap();
        assert_eq!(out.findings.len(), 1);
        assert_eq!(out.findings[0].env_var.as_deref(), Some("FEED_KEY"));
    }
}
