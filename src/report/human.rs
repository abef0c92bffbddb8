//! `human`: rustc-style diagnostics through `codespan-reporting`, with redacted snippets.
//!
//! ```text
//! error[CL001/secret-in-argument]: PyPI token passed to `twine upload --password`
//!  --> deploy/publish.sh:3:46
//!   |
//! 3 | twine upload --username __token__ --password pypi-AgEI****…
//!   |                                              ^^^^^^^^^^^^^ PyPI token passed to `--password`
//!   |
//!   = help: use `--password "$TWINE_PASSWORD"`
//!   = note: revoke the token at https://pypi.org/manage/account/token/
//! ```

use std::io::{self, Write};

use codespan_reporting::diagnostic::{Diagnostic, Label, Severity as CsSeverity};
use codespan_reporting::files::{self, SimpleFile};
use codespan_reporting::term::{self, Chars, Config, termcolor::Ansi};

use crate::finding::{FileResult, Finding, Severity};

use super::{Redactor, ReportContext, Summary, position};

pub(super) fn render(
    results: &[FileResult],
    ctx: &ReportContext,
    out: &mut dyn Write,
) -> io::Result<()> {
    let redactor = Redactor::new(results);
    let config = Config {
        chars: Chars::ascii(),
        ..Config::default()
    };
    for result in results {
        let name = result.path.display().to_string();
        let text = result
            .source
            .as_ref()
            .map(|s| redactor.text(&s.text))
            .unwrap_or_default();
        let compact = Compact::new(text, &result.findings);
        let file = SimpleFile::new(name.clone(), compact.text.clone());
        for note in &result.notes {
            let diagnostic = Diagnostic::new(severity(note.severity))
                .with_message(format!("{name}: {}", redactor.text(&note.message)));
            emit(out, ctx.color, &config, &file, &diagnostic)?;
        }
        for finding in &result.findings {
            let diagnostic = diagnostic(finding, result, &file, &compact, &redactor, ctx);
            emit(out, ctx.color, &config, &file, &diagnostic)?;
        }
    }
    writeln!(out, "{}", Summary::of(results, ctx).sentence())
}

fn diagnostic(
    finding: &Finding,
    result: &FileResult,
    file: &SimpleFile<String, String>,
    compact: &Compact,
    redactor: &Redactor<'_>,
    ctx: &ReportContext,
) -> Diagnostic<()> {
    let text = file.source();
    let mut diagnostic = Diagnostic::new(severity(finding.severity))
        .with_code(format!("{}/{}", finding.code, finding.name))
        .with_message(redactor.text(&finding.message));
    let mut notes = Vec::new();
    if result.source.is_some() {
        let mut primary = Label::primary((), clamp(text, &compact.map(&finding.span)));
        if !finding.label.is_empty() {
            primary = primary.with_message(redactor.text(&finding.label));
        }
        diagnostic = diagnostic.with_label(primary);
        for label in &finding.secondary {
            diagnostic = diagnostic.with_label(
                Label::secondary((), clamp(text, &compact.map(&label.span)))
                    .with_message(redactor.text(&label.message)),
            );
        }
    } else {
        // No decoded text (should not happen for a finding): point at the file at least.
        notes.push(format!("in {}", result.path.display()));
    }
    if let Some(help) = &finding.help {
        notes.push(format!("help: {}", redactor.text(help)));
    }
    if let Some(note) = &finding.note {
        notes.push(format!("note: {}", redactor.text(note)));
    }
    if ctx.show_fixes
        && let Some(fix) = &finding.fix
    {
        let mut line = format!(
            "fix ({}): {}",
            fix.applicability.as_str(),
            redactor.text(&fix.description)
        );
        for edit in &fix.edits {
            let (l, c) = position(result.source.as_ref(), edit.range.start);
            line.push_str(&format!(
                "\n{l}:{c}: replace with `{}`",
                redactor.text(&edit.replacement)
            ));
        }
        notes.push(line);
    }
    diagnostic.with_notes(notes)
}

fn severity(severity: Severity) -> CsSeverity {
    match severity {
        Severity::Error => CsSeverity::Error,
        Severity::Warning => CsSeverity::Warning,
        Severity::Note => CsSeverity::Note,
    }
}

/// The redacted text with each finding's hidden part shortened to `…`, so a long secret
/// shows as `pypi-AgEI…` rather than a long run of `*` that would also tell its length.
struct Compact {
    text: String,
    /// (start, end) of each shortened region in the redacted text, in order.
    cuts: Vec<(usize, usize)>,
    /// `shifts[i]`: how much the cuts before `cuts[i]` moved later offsets (so mapping an
    /// offset is a binary search, not a walk over every cut: 40,000 findings in one file
    /// took seconds).
    shifts: Vec<isize>,
}

const ELLIPSIS: &str = "…";

impl Compact {
    fn new(redacted: String, findings: &[Finding]) -> Compact {
        let mut regions: Vec<(usize, usize)> = findings
            .iter()
            .filter_map(|f| {
                let start = f.span.start + f.secret.visible_prefix_len();
                let end = f.span.end;
                let hidden = redacted.get(start..end)?;
                (end > start + 1 && hidden.bytes().all(|b| b == b'*')).then_some((start, end))
            })
            .collect();
        regions.sort_unstable();
        regions.dedup();
        let mut text = String::with_capacity(redacted.len());
        let mut cuts = Vec::new();
        let mut last = 0;
        for (start, end) in regions {
            if start < last {
                continue;
            }
            text.push_str(&redacted[last..start]);
            text.push_str(ELLIPSIS);
            cuts.push((start, end));
            last = end;
        }
        text.push_str(&redacted[last..]);
        Compact::with_cuts(text, cuts)
    }

    /// `text` with `cuts` (ordered, disjoint) already made.
    fn with_cuts(text: String, cuts: Vec<(usize, usize)>) -> Compact {
        let mut shifts = Vec::with_capacity(cuts.len() + 1);
        let mut shift = 0;
        shifts.push(shift);
        for &(start, end) in &cuts {
            shift += ELLIPSIS.len() as isize - (end - start) as isize;
            shifts.push(shift);
        }
        Compact { text, cuts, shifts }
    }

    fn offset(&self, offset: usize) -> usize {
        // Cuts are ordered and disjoint: those ending at or before `offset` come first.
        let before = self.cuts.partition_point(|&(_, end)| end <= offset);
        let shift = self.shifts[before];
        match self.cuts.get(before) {
            Some(&(start, _)) if offset > start => {
                (start as isize + shift) as usize + ELLIPSIS.len()
            }
            _ => (offset as isize + shift).max(0) as usize,
        }
    }

    fn map(&self, span: &std::ops::Range<usize>) -> std::ops::Range<usize> {
        self.offset(span.start)..self.offset(span.end)
    }
}

/// Keeps a span inside the text and on character boundaries, so rendering never fails.
fn clamp(text: &str, span: &std::ops::Range<usize>) -> std::ops::Range<usize> {
    let floor = |mut i: usize| {
        i = i.min(text.len());
        while !text.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let start = floor(span.start);
    start..floor(span.end).max(start)
}

fn emit(
    out: &mut dyn Write,
    color: bool,
    config: &Config,
    file: &SimpleFile<String, String>,
    diagnostic: &Diagnostic<()>,
) -> io::Result<()> {
    let result = if color {
        let mut writer = Ansi::new(&mut *out);
        term::emit_to_write_style(&mut writer, config, file, diagnostic)
    } else {
        term::emit_to_io_write(out, config, file, diagnostic)
    };
    result.map_err(|e| match e {
        files::Error::Io(e) => e,
        other => io::Error::other(other.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::super::Format;
    use super::super::test_support::*;

    /// Offsets map through the cuts as a walk over every cut maps them.
    #[test]
    fn offsets_map_as_a_walk_over_the_cuts_does() {
        fn walk(cuts: &[(usize, usize)], offset: usize) -> usize {
            let mut shift: isize = 0;
            for &(start, end) in cuts {
                if offset >= end {
                    shift += super::ELLIPSIS.len() as isize - (end - start) as isize;
                } else if offset > start {
                    return (start as isize + shift) as usize + super::ELLIPSIS.len();
                } else {
                    break;
                }
            }
            (offset as isize + shift).max(0) as usize
        }
        // Three secrets of different lengths, hidden, in a text of 60 bytes.
        let mut text = "x".repeat(60);
        let cuts = [(5, 12), (20, 22), (30, 50)];
        for &(start, end) in &cuts {
            text.replace_range(start..end, &"*".repeat(end - start));
        }
        let compact = super::Compact::with_cuts(text, cuts.to_vec());
        for offset in 0..=60 {
            assert_eq!(
                compact.offset(offset),
                walk(&cuts, offset),
                "offset {offset}"
            );
        }
    }

    #[test]
    fn renders_rustc_style_with_redacted_snippets() {
        let out = render_to_string(Format::Human, &results());
        assert_no_secret(&out);
        assert!(
            out.starts_with("error: broken.sh: invalid UTF-8 at byte offset 3\n"),
            "{out}"
        );
        assert!(out.contains(
            "error[CL001/secret-in-argument]: PyPI token passed to `twine upload --password`\n"
        ));
        assert!(out.contains(" --> deploy/publish.sh:3:46\n"), "{out}");
        // The hidden part is shortened to `…`, so the length of the secret is not shown.
        assert!(
            out.contains("3 | twine upload --username __token__ --password pypi-AgEI… dist/*\n"),
            "{out}"
        );
        assert!(
            out.contains(&format!(
                "{}{} PyPI token passed to `--password`\n",
                " ".repeat(45),
                "^".repeat("pypi-AgEI…".chars().count())
            )),
            "{out}"
        );
        assert!(out.contains("= help: use `--password \"$TWINE_PASSWORD\"`\n"));
        assert!(
            out.contains("= note: revoke the token at https://pypi.org/manage/account/token/\n")
        );
        assert!(
            out.contains(
                "warning[CL002/hardcoded-password-variable]: password assigned to `$pass`"
            )
        );
        assert!(out.contains(" --> scripts/login.ps1:1:28\n"), "{out}");
        assert!(out.contains("$pass = 'Xy9…'"), "{out}");
        assert!(out.contains("- used here"));
        assert!(out.ends_with(
            "Found 2 credentials in 2 files (1 fixable with --fix, 1 with --unsafe-fixes). \
             1 file could not be checked.\n"
        ));
        assert!(!out.contains('\u{1b}'), "no color unless asked");
        assert!(!out.contains("fix (safe)"));
    }

    #[test]
    fn shows_fixes_and_colors_on_request() {
        let mut ctx = ctx();
        ctx.color = true;
        ctx.show_fixes = true;
        let out = render_with(Format::Human, &results(), &ctx);
        assert_no_secret(&out);
        assert!(out.contains('\u{1b}'));
        assert!(out.contains("fix (safe): read TWINE_PASSWORD from the environment"));
        assert!(out.contains("3:46: replace with `\"$TWINE_PASSWORD\"`"));
        assert!(out.contains("fix (unsafe): read CONNECT_PASSWORD from the environment"));
    }

    #[test]
    fn clean_run_prints_only_the_summary() {
        let out = render_to_string(Format::Human, &[]);
        assert_eq!(out, "No hardcoded credentials found in 4 files.\n");
    }

    #[test]
    fn secrets_leaking_into_messages_are_masked_anyway() {
        let mut results = results();
        let f = &mut results[1].findings[0];
        f.message = format!("token {PYPI} found");
        f.label = format!("here: {PASSWORD}");
        f.help = Some(format!("do not write {PASSWORD}"));
        let out = render_to_string(Format::Human, &results);
        assert_no_secret(&out);
        assert!(out.contains("token pypi-AgEI***"));
    }
}
