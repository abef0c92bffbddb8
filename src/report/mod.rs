//! Rendering a run's results: `human` (rustc style), `concise` (one line per finding), `json`
//! (versioned, see `docs/json-schema.md`), `sarif` (2.1.0) and `github` (workflow commands).
//!
//! **No format ever prints a secret in full.** Every piece of text that reaches the writer —
//! source snippets, messages, labels, help, notes, fix replacements — first goes through
//! [`crate::finding::redact`] with the secrets of *every* finding of the run (a superset of the
//! file's own secrets, so a credential that a rule found in one file is masked in all of them).
//! Previews come from [`Secret::preview`]; [`Secret::expose`] is used only to hash
//! ([`fingerprint`]).
//!
//! Positions: lines and columns are 1-based. `human`, `concise`, `json` and `github` count
//! columns in Unicode scalar values ([`SourceFile::line_col`]); `sarif` counts UTF-16 code units
//! ([`SourceFile::line_col_utf16`]), SARIF's default. End positions are exclusive: the end column
//! is the column just after the last character of the span (as in SARIF regions).

mod concise;
mod github;
mod human;
mod json;
mod sarif;

use std::collections::HashMap;
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::finding::{Applicability, FileResult, Finding, RuleMeta, Secret, Severity, redact};
use crate::source::SourceFile;

pub use github::github_step_summary;

/// The output format (`--format`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, clap::ValueEnum)]
#[value(rename_all = "kebab-case")]
pub enum Format {
    /// rustc-style diagnostics with redacted source snippets.
    #[default]
    Human,
    /// One line per finding: `path:line:col: CODE [name] message`.
    Concise,
    /// A versioned JSON document (see `docs/json-schema.md`).
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF consumers.
    Sarif,
    /// GitHub Actions workflow commands (`::error file=…::…`).
    Github,
}

/// What the reporters need to know about the run besides its results.
#[derive(Clone, Debug)]
pub struct ReportContext {
    /// The scan root; SARIF URIs are relative to it (`%SRCROOT%`).
    pub root: PathBuf,
    /// Color the `human` output (ANSI escapes).
    pub color: bool,
    /// `env!("CARGO_PKG_VERSION")` of the binary.
    pub tool_version: &'static str,
    /// Show each fix's description and edits in the `human` output.
    pub show_fixes: bool,
    /// Number of files scanned, clean ones included, when `results` holds only files with
    /// something to report; `None` means `results.len()`.
    pub files_scanned: Option<usize>,
    /// Baseline entries that matched no finding, when a baseline was used (JSON reports them).
    pub stale_baseline: Option<Vec<crate::baseline::Entry>>,
}

impl ReportContext {
    /// A context for `root` without color, fixes shown, or an explicit file count.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        ReportContext {
            root: root.into(),
            color: false,
            tool_version: env!("CARGO_PKG_VERSION"),
            show_fixes: false,
            files_scanned: None,
            stale_baseline: None,
        }
    }
}

/// Writes `results` to `out` in `format`. `results` are sorted by path and the findings of a
/// file by position; the output keeps that order and is identical from run to run. `rules` are
/// the rules that were enabled (SARIF lists them as the driver's rules).
pub fn render(
    format: Format,
    results: &[FileResult],
    rules: &[&'static RuleMeta],
    ctx: &ReportContext,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Human => human::render(results, ctx, out),
        Format::Concise => concise::render(results, out),
        Format::Json => json::render(results, ctx, out),
        Format::Sarif => sarif::render(results, rules, ctx, out),
        Format::Github => github::render(results, out),
    }
}

/// Domain separation for [`fingerprint`]; bump the suffix when the input changes.
const FINGERPRINT_DOMAIN: &str = "credlint-fingerprint/v1";
/// Rounds of SHA-256 in [`fingerprint`]: makes guessing a short password from a published
/// fingerprint (a dictionary attack against code, path, tool and flag, which are all public)
/// a few thousand times more expensive, at well under a millisecond per finding.
const FINGERPRINT_ROUNDS: usize = 4096;

/// A stable, content-based fingerprint of a finding: 64 hex digits of an iterated SHA-256 of
/// `code:secret:context`, where the context is the normalized path (`/` separators, no `./`),
/// the receiving tool and the flag. It does not change when lines move, and identifies the same
/// credential at the same place across runs (the baseline keys on it). It never contains the
/// secret; see [`FINGERPRINT_ROUNDS`] about short passwords.
pub fn fingerprint(finding: &Finding, path: &Path) -> String {
    let context = format!(
        "{}:{}:{}",
        normalized_path(path),
        finding.tool.as_deref().unwrap_or(""),
        finding.flag.as_deref().unwrap_or("")
    );
    let mut hasher = Sha256::new();
    hasher.update(FINGERPRINT_DOMAIN.as_bytes());
    hasher.update([0u8]);
    hasher.update(finding.code.as_bytes());
    hasher.update(b":");
    hasher.update(finding.secret.expose().as_bytes());
    hasher.update(b":");
    hasher.update(context.as_bytes());
    let mut digest = hasher.finalize();
    for _ in 1..FINGERPRINT_ROUNDS {
        let mut h = Sha256::new();
        h.update(digest);
        h.update(finding.code.as_bytes());
        digest = h.finalize();
    }
    hex(&digest)
}

/// [`fingerprint`] of every finding of `results` (`[file][finding]`), computed on all cores:
/// each costs [`FINGERPRINT_ROUNDS`] hashes, which adds up when a file holds thousands.
pub fn fingerprints(results: &[FileResult]) -> Vec<Vec<String>> {
    // Findings that agree on everything the fingerprint hashes share it: hashed once (a file
    // repeating one credential 20,000 times took seconds).
    type Key<'a> = (&'a str, &'a str, &'a Path, Option<&'a str>, Option<&'a str>);
    let mut unique: HashMap<Key<'_>, usize> = HashMap::new();
    let mut jobs: Vec<(&Finding, &Path)> = Vec::new();
    let which: Vec<usize> = results
        .iter()
        .flat_map(|r| r.findings.iter().map(move |f| (f, r.path.as_path())))
        .map(|(f, path)| {
            let key = (
                f.code,
                f.secret.expose(),
                path,
                f.tool.as_deref(),
                f.flag.as_deref(),
            );
            *unique.entry(key).or_insert_with(|| {
                jobs.push((f, path));
                jobs.len() - 1
            })
        })
        .collect();
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let chunk = jobs.len().div_ceil(threads).max(64);
    let mut flat: Vec<String> = Vec::with_capacity(jobs.len());
    std::thread::scope(|scope| {
        let parts: Vec<_> = jobs
            .chunks(chunk)
            .map(|part| {
                let handle = scope.spawn(move || {
                    part.iter()
                        .map(|(f, p)| fingerprint(f, p))
                        .collect::<Vec<_>>()
                });
                (part, handle)
            })
            .collect();
        for (part, handle) in parts {
            // Hashing does not panic; if a thread died anyway, its part is done here.
            flat.extend(
                handle
                    .join()
                    .unwrap_or_else(|_| part.iter().map(|(f, p)| fingerprint(f, p)).collect()),
            );
        }
    });
    let mut which = which.into_iter();
    results
        .iter()
        .map(|r| {
            which
                .by_ref()
                .take(r.findings.len())
                .map(|i| flat[i].clone())
                .collect()
        })
        .collect()
}

/// Counts for the summary line and the JSON `summary` object.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    /// Files scanned ([`ReportContext::files_scanned`], or the number of results).
    pub files_scanned: usize,
    pub files_with_findings: usize,
    /// CL900 findings (suppression comments that suppress nothing); included in `findings`.
    pub unused_suppressions: usize,
    pub findings: usize,
    /// Findings whose fix `--fix` applies.
    pub fixable: usize,
    /// Findings whose fix needs `--unsafe-fixes`.
    pub unsafe_fixable: usize,
    /// Files with an error note (unreadable, undecodable, unparsable).
    pub files_with_errors: usize,
    /// All file notes (errors, warnings and notes).
    pub file_notes: usize,
}

impl Summary {
    pub fn of(results: &[FileResult], ctx: &ReportContext) -> Summary {
        let mut s = Summary {
            files_scanned: ctx.files_scanned.unwrap_or(results.len()),
            ..Summary::default()
        };
        for r in results {
            if !r.findings.is_empty() {
                s.files_with_findings += 1;
            }
            s.findings += r.findings.len();
            s.unused_suppressions += r
                .findings
                .iter()
                .filter(|f| f.code == crate::rules::unused_suppression::meta().code)
                .count();
            for f in &r.findings {
                match f.fix.as_ref().map(|x| x.applicability) {
                    Some(Applicability::Safe) => s.fixable += 1,
                    Some(Applicability::Unsafe) => s.unsafe_fixable += 1,
                    _ => {}
                }
            }
            if r.notes.iter().any(|n| n.severity == Severity::Error) {
                s.files_with_errors += 1;
            }
            s.file_notes += r.notes.len();
        }
        s
    }

    /// `Found 3 credentials in 2 files (2 fixable with --fix).` or
    /// `No hardcoded credentials found in 5 files.`, plus a sentence about files with errors.
    pub fn sentence(&self) -> String {
        let credentials = self.findings - self.unused_suppressions;
        let mut line = if credentials == 0 {
            format!(
                "No hardcoded credentials found in {}.",
                plural(self.files_scanned, "file", "files")
            )
        } else {
            let mut fixes = Vec::new();
            if self.fixable > 0 {
                fixes.push(format!("{} fixable with --fix", self.fixable));
            }
            if self.unsafe_fixable > 0 {
                fixes.push(format!("{} with --unsafe-fixes", self.unsafe_fixable));
            }
            let fixes = if fixes.is_empty() {
                String::new()
            } else {
                format!(" ({})", fixes.join(", "))
            };
            format!(
                "Found {} in {}{fixes}.",
                plural(credentials, "credential", "credentials"),
                plural(self.files_with_findings, "file", "files"),
            )
        };
        if self.unused_suppressions > 0 {
            line.push_str(&format!(
                " {} (CL900).",
                plural(
                    self.unused_suppressions,
                    "unused suppression",
                    "unused suppressions"
                )
            ));
        }
        if self.files_with_errors > 0 {
            line.push_str(&format!(
                " {} could not be checked.",
                plural(self.files_with_errors, "file", "files")
            ));
        }
        line
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Masks the secrets of a whole run in any text before it is written.
pub(crate) struct Redactor<'a> {
    secrets: Vec<&'a Secret>,
    /// One automaton over every secret, with each secret's visible prefix length: a text is
    /// scanned once, not once per secret (a run with thousands of findings redacts thousands
    /// of messages).
    matcher: Option<(aho_corasick::AhoCorasick, Vec<usize>)>,
}

impl<'a> Redactor<'a> {
    pub(crate) fn new(results: &'a [FileResult]) -> Self {
        let mut secrets: Vec<&Secret> = results
            .iter()
            .flat_map(|r| r.findings.iter().map(|f| &f.secret))
            .filter(|s| !s.expose().is_empty())
            .collect();
        secrets.sort_by(|a, b| a.expose().cmp(b.expose()));
        secrets.dedup();
        let matcher = aho_corasick::AhoCorasick::new(secrets.iter().map(|s| s.expose()))
            .ok()
            .map(|ac| (ac, secrets.iter().map(|s| s.visible_prefix_len()).collect()));
        Redactor { secrets, matcher }
    }

    pub(crate) fn text(&self, text: &str) -> String {
        if self.secrets.is_empty() {
            return text.to_owned();
        }
        let Some((ac, keep)) = &self.matcher else {
            return redact(text, &self.secrets);
        };
        // Same masks as `redact`: per secret, its non-overlapping occurrences from the left.
        // Overlapping matches of one pattern come in order of their start (fixed length).
        let mut bytes = text.as_bytes().to_vec();
        let mut next_from = vec![0; keep.len()];
        for m in ac.find_overlapping_iter(text) {
            let i = m.pattern().as_usize();
            if m.start() < next_from[i] {
                continue;
            }
            next_from[i] = m.end();
            for b in &mut bytes[m.start() + keep[i]..m.end()] {
                *b = b'*';
            }
        }
        String::from_utf8(bytes)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
    }

    pub(crate) fn opt(&self, text: Option<&str>) -> Option<String> {
        text.map(|t| self.text(t))
    }
}

/// The path as given, with `/` separators (for JSON, SARIF and GitHub).
pub(crate) fn slash_path(path: &Path) -> String {
    let s = path.to_string_lossy();
    if std::path::MAIN_SEPARATOR == '/' {
        s.into_owned()
    } else {
        s.replace(std::path::MAIN_SEPARATOR, "/")
    }
}

/// The path with `/` separators and without `.` components, for hashing.
pub fn normalized_path(path: &Path) -> String {
    let parts: Vec<String> = path
        .components()
        .filter(|c| !matches!(c, Component::CurDir))
        .map(|c| match c {
            Component::RootDir => String::new(),
            other => other.as_os_str().to_string_lossy().into_owned(),
        })
        .collect();
    parts.join("/")
}

/// 1-based line and column (Unicode scalar values) of `offset`; `(1, 1)` without a source.
pub(crate) fn position(source: Option<&SourceFile>, offset: usize) -> (usize, usize) {
    source.map_or((1, 1), |s| s.line_col(offset))
}

/// 1-based line and column (UTF-16 code units) of `offset`; `(1, 1)` without a source.
pub(crate) fn position_utf16(source: Option<&SourceFile>, offset: usize) -> (usize, usize) {
    source.map_or((1, 1), |s| s.line_col_utf16(offset))
}

pub(crate) fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

#[cfg(test)]
pub(crate) mod test_support {
    //! Hand-made results shared by the format tests.

    use std::path::PathBuf;

    use crate::finding::{
        Applicability, Confidence, Edit, FileNote, FileResult, Finding, Fix, GuardRequest, Label,
        RuleMeta, Secret, Severity,
    };
    use crate::model::{Language, Span};
    use crate::source::{Encoding, SourceFile};

    use super::ReportContext;

    pub const PYPI: &str =
        "pypi-AgEIcHlwaS5vcmcCJGI4ZTc3ZmJhLTY0ZTEtNDYxNi1hNjNkLWQ0OWRmYjA3NzA3NwACKlsz";
    pub const PASSWORD: &str = "Xy9#kLmP2qRs";

    pub static CL001: RuleMeta = RuleMeta {
        code: "CL001",
        name: "secret-in-argument",
        group: "credentials",
        summary: "A credential passed as a literal command-line argument",
        docs: "## What it does\nFinds credentials passed as literal arguments.\n\n## Why\nArguments show up in process lists and logs.",
        severity: Severity::Error,
        fix: Some(Applicability::Safe),
        security_severity: "8.5",
        precision: "high",
    };

    pub static CL002: RuleMeta = RuleMeta {
        code: "CL002",
        name: "hardcoded-password-variable",
        group: "credentials",
        summary: "A password assigned to a variable as a literal",
        docs: "Finds passwords assigned as literals.",
        severity: Severity::Warning,
        fix: Some(Applicability::Unsafe),
        security_severity: "6.0",
        precision: "medium",
    };

    pub fn rules() -> Vec<&'static RuleMeta> {
        vec![&CL001, &CL002]
    }

    pub fn finding(
        rule: &'static RuleMeta,
        text: &str,
        secret: &str,
        message: &str,
        label: &str,
    ) -> Finding {
        let start = text.find(secret).expect("secret in text");
        Finding {
            code: rule.code,
            name: rule.name,
            severity: rule.severity,
            confidence: Confidence::HIGH,
            message: message.into(),
            span: start..start + secret.len(),
            label: label.into(),
            secondary: Vec::new(),
            tool: None,
            flag: None,
            env_var: None,
            secret: Secret::new(secret),
            token_kind: None,
            help: None,
            note: None,
            fix: None,
        }
    }

    pub fn span_of(text: &str, needle: &str) -> Span {
        let s = text.find(needle).expect("needle in text");
        s..s + needle.len()
    }

    pub const SH_TEXT: &str = "#!/bin/bash\nset -eu\ntwine upload --username __token__ --password pypi-AgEIcHlwaS5vcmcCJGI4ZTc3ZmJhLTY0ZTEtNDYxNi1hNjNkLWQ0OWRmYjA3NzA3NwACKlsz dist/*\n";
    pub const PS_TEXT: &str =
        "Write-Host \"𝄞 é\"; $pass = 'Xy9#kLmP2qRs'\nConnect-Thing -User admin -Password $pass\n";

    /// Three files: a shell script with a PyPI token (safe fix), a PowerShell script with a
    /// password (unsafe fix, secondary label, non-ASCII before the secret), and an unparsable
    /// file with an error note.
    pub fn results() -> Vec<FileResult> {
        let sh = SourceFile::from_text(
            "deploy/publish.sh",
            Language::Shell,
            SH_TEXT.into(),
            Encoding::Utf8,
        );
        let mut f1 = finding(
            &CL001,
            SH_TEXT,
            PYPI,
            "PyPI token passed to `twine upload --password`",
            "PyPI token passed to `--password`",
        );
        f1.confidence = Confidence::VERIFIED;
        f1.tool = Some("twine".into());
        f1.flag = Some("--password".into());
        f1.env_var = Some("TWINE_PASSWORD".into());
        f1.token_kind = Some("PyPI API token".into());
        f1.help = Some("use `--password \"$TWINE_PASSWORD\"`".into());
        f1.note = Some("revoke the token at https://pypi.org/manage/account/token/".into());
        f1.fix = Some(Fix {
            applicability: Applicability::Safe,
            description: "read TWINE_PASSWORD from the environment".into(),
            edits: vec![Edit {
                range: f1.span.clone(),
                replacement: "\"$TWINE_PASSWORD\"".into(),
            }],
            guards: vec![GuardRequest {
                variable: "TWINE_PASSWORD".into(),
                before: SH_TEXT.find("twine").unwrap(),
                scope: 0..SH_TEXT.len(),
            }],
        });

        let ps = SourceFile::from_text(
            "scripts/login.ps1",
            Language::PowerShell,
            PS_TEXT.into(),
            Encoding::Utf8Bom,
        );
        let mut f2 = finding(
            &CL002,
            PS_TEXT,
            PASSWORD,
            "password assigned to `$pass`, then passed to `Connect-Thing -Password`",
            "hardcoded password",
        );
        f2.tool = Some("Connect-Thing".into());
        f2.flag = Some("-Password".into());
        f2.env_var = Some("CONNECT_PASSWORD".into());
        f2.help = Some("use `$pass = $env:CONNECT_PASSWORD`".into());
        f2.secondary = vec![Label {
            span: {
                let s = PS_TEXT.rfind("$pass").unwrap();
                s..s + 5
            },
            message: "used here".into(),
        }];
        f2.fix = Some(Fix {
            applicability: Applicability::Unsafe,
            description: "read CONNECT_PASSWORD from the environment".into(),
            edits: vec![Edit {
                range: span_of(PS_TEXT, "'Xy9#kLmP2qRs'"),
                replacement: "$env:CONNECT_PASSWORD".into(),
            }],
            guards: vec![],
        });

        vec![
            FileResult {
                path: PathBuf::from("broken.sh"),
                source: None,
                findings: vec![],
                notes: vec![FileNote {
                    severity: Severity::Error,
                    message: "invalid UTF-8 at byte offset 3".into(),
                }],
            },
            FileResult {
                path: PathBuf::from("deploy/publish.sh"),
                source: Some(sh),
                findings: vec![f1],
                notes: vec![],
            },
            FileResult {
                path: PathBuf::from("scripts/login.ps1"),
                source: Some(ps),
                findings: vec![f2],
                notes: vec![],
            },
        ]
    }

    pub fn ctx() -> ReportContext {
        ReportContext {
            root: PathBuf::from("/work/repo"),
            color: false,
            tool_version: "0.1.0",
            show_fixes: false,
            files_scanned: Some(4),
            stale_baseline: None,
        }
    }

    pub fn render_to_string(format: super::Format, results: &[FileResult]) -> String {
        render_with(format, results, &ctx())
    }

    pub fn render_with(
        format: super::Format,
        results: &[FileResult],
        ctx: &ReportContext,
    ) -> String {
        let mut out = Vec::new();
        super::render(format, results, &rules(), ctx, &mut out).expect("render");
        String::from_utf8(out).expect("utf-8 output")
    }

    /// Fails when `out` holds a secret, or any 6-character piece of it that a preview would
    /// not show.
    pub fn assert_no_secret(out: &str) {
        for secret in [PYPI, PASSWORD] {
            assert!(!out.contains(secret), "secret leaked in:\n{out}");
            let keep = Secret::new(secret).visible_prefix_len();
            let bytes = secret.as_bytes();
            for start in 0..=bytes.len().saturating_sub(6) {
                if start + 6 <= keep {
                    continue;
                }
                let piece = &secret[start..start + 6];
                assert!(
                    !out.contains(piece),
                    "piece {piece:?} of a secret leaked in:\n{out}"
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::*;
    use super::*;

    #[test]
    fn summary_counts_and_sentences() {
        let results = results();
        let s = Summary::of(&results, &ctx());
        assert_eq!(s.files_scanned, 4);
        assert_eq!(s.findings, 2);
        assert_eq!(s.files_with_findings, 2);
        assert_eq!(s.fixable, 1);
        assert_eq!(s.unsafe_fixable, 1);
        assert_eq!(s.files_with_errors, 1);
        assert_eq!(
            s.sentence(),
            "Found 2 credentials in 2 files (1 fixable with --fix, 1 with --unsafe-fixes). \
             1 file could not be checked."
        );
        let meta_only = Summary {
            files_scanned: 3,
            files_with_findings: 1,
            findings: 2,
            unused_suppressions: 2,
            ..Summary::default()
        };
        assert_eq!(
            meta_only.sentence(),
            "No hardcoded credentials found in 3 files. 2 unused suppressions (CL900)."
        );
        let clean = Summary {
            files_scanned: 1,
            ..Summary::default()
        };
        assert_eq!(
            clean.sentence(),
            "No hardcoded credentials found in 1 file."
        );
    }

    #[test]
    fn fingerprints_of_a_run_match_one_by_one_in_order() {
        let mut results = results();
        // Enough findings to be split across threads.
        let many: Vec<Finding> = (0..300)
            .map(|i| {
                let mut f = results[1].findings[0].clone();
                f.secret = crate::finding::Secret::new(format!("Zq8mW2xTr5vLp9sK{i}"));
                f
            })
            .collect();
        results[1].findings = many;
        let all = fingerprints(&results);
        assert_eq!(all.len(), results.len());
        for (r, fps) in results.iter().zip(&all) {
            let one_by_one: Vec<String> =
                r.findings.iter().map(|f| fingerprint(f, &r.path)).collect();
            assert_eq!(fps, &one_by_one);
        }
    }

    #[test]
    fn fingerprints_are_stable_secret_free_and_position_independent() {
        let results = results();
        let f = &results[1].findings[0];
        let a = fingerprint(f, Path::new("deploy/publish.sh"));
        assert_eq!(a.len(), 64);
        assert!(a.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(a, fingerprint(f, Path::new("./deploy/publish.sh")));
        let mut moved = f.clone();
        moved.span = moved.span.start + 40..moved.span.end + 40;
        assert_eq!(a, fingerprint(&moved, Path::new("deploy/publish.sh")));
        assert_ne!(a, fingerprint(f, Path::new("other.sh")));
        let mut other = f.clone();
        other.secret = Secret::new(
            "pypi-AgEIcHlwaS5vcmcCJGI4ZTc3ZmJhLTY0ZTEtNDYxNi1hNjNkLWQ0OWRmYjA3NzA3NwACKlsY",
        );
        assert_ne!(a, fingerprint(&other, Path::new("deploy/publish.sh")));
        assert_no_secret(&a);
    }

    #[test]
    fn redactor_masks_secrets_of_other_files_too() {
        let results = results();
        let r = Redactor::new(&results);
        let out = r.text(&format!("{PASSWORD} and {PYPI}"));
        assert_no_secret(&out);
        assert!(out.starts_with("Xy9********* and pypi-AgEI*"));
    }

    #[test]
    fn format_names_are_kebab_case() {
        use clap::ValueEnum;
        let names: Vec<String> = Format::value_variants()
            .iter()
            .map(|f| f.to_possible_value().unwrap().get_name().to_owned())
            .collect();
        assert_eq!(names, ["human", "concise", "json", "sarif", "github"]);
    }
}
