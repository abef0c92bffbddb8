//! Applying fixes: choosing which findings' fixes to apply, merging their edits, inserting the
//! guards they request, re-parsing the result, and (in [`write`]) writing it back atomically.
//!
//! Everything except [`write::write_atomic`] is pure: text in, text out.

pub mod diff;
pub mod guard;
pub mod verify;
pub mod write;

use std::path::PathBuf;

use crate::finding::{Applicability, Edit, Finding, Fix, GuardRequest};
use crate::lang::ParseError;
use crate::model::{Language, Span};
use crate::source::SourceFile;

pub use diff::unified_diff;
pub use verify::verify;
pub use write::write_atomic;

/// Errors of the fixer. None of them carries file content, so none can leak a secret.
#[derive(Debug, thiserror::Error)]
pub enum FixError {
    #[error(
        "the fixed text would not parse cleanly ({before} syntax errors before, {after} after); \
         fix not applied"
    )]
    WouldBreakSyntax { before: usize, after: usize },
    #[error(transparent)]
    Parse(#[from] ParseError),
    #[error("{}: is a symbolic link; not writing through it", .0.display())]
    Symlink(PathBuf),
    #[error("{}: is not a regular file", .0.display())]
    NotAFile(PathBuf),
    #[error("{}: changed since it was read; not overwriting", .0.display())]
    ChangedSinceRead(PathBuf),
    #[error("{}: is read-only; not changing it", .0.display())]
    ReadOnly(PathBuf),
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// What the fixer may do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FixOptions {
    /// Apply fixes marked [`Applicability::Unsafe`] too (`--unsafe-fixes`).
    pub unsafe_fixes: bool,
    /// Insert the guards fixes request.
    pub guards: bool,
    /// One level of indentation inside a guard.
    pub indent_unit: String,
}

impl Default for FixOptions {
    fn default() -> Self {
        FixOptions {
            unsafe_fixes: false,
            guards: true,
            indent_unit: "\t".to_owned(),
        }
    }
}

/// The outcome of [`plan`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FixPlan {
    /// The fixed text (equal to the input when nothing applied).
    pub text: String,
    /// Indices into the findings whose fixes were applied.
    pub applied: Vec<usize>,
    /// Indices into the findings whose fixes were not applied, with the reason. Findings
    /// without a fix appear in neither list.
    pub skipped: Vec<(usize, String)>,
}

impl FixPlan {
    pub fn changed(&self, source: &SourceFile) -> bool {
        self.text != source.text
    }
}

/// Whether two different edits cannot both be applied: their ranges overlap, or they start at
/// the same offset (two insertions there, or an insertion before a replacement, have no
/// defined order).
fn conflicts(a: &Span, b: &Span) -> bool {
    (a.start < b.end && b.start < a.end) || a.start == b.start
}

/// Checks a fix on its own: ranges inside the text and on character boundaries, its own edits
/// not conflicting, guard variables usable.
fn check_fix(text: &str, fix: &Fix, guards: bool) -> Result<(), String> {
    for e in &fix.edits {
        let r = &e.range;
        if r.start > r.end
            || r.end > text.len()
            || !text.is_char_boundary(r.start)
            || !text.is_char_boundary(r.end)
        {
            return Err(format!(
                "edit range {}..{} is not valid in this text",
                r.start, r.end
            ));
        }
    }
    for (i, a) in fix.edits.iter().enumerate() {
        if fix.edits[..i]
            .iter()
            .any(|b| b != a && conflicts(&a.range, &b.range))
        {
            return Err("the fix's own edits overlap".to_owned());
        }
    }
    if guards {
        for g in &fix.guards {
            if !guard::is_valid_env_name(&g.variable) {
                return Err(format!(
                    "`{}` is not a valid environment variable name for a guard",
                    g.variable
                ));
            }
            if g.before > text.len() {
                return Err(format!("guard position {} is outside the text", g.before));
            }
        }
    }
    Ok(())
}

/// Where the guard for a statement starting at `before` goes: the start of its line, but never
/// inside the header (`header_end`) and never inside a replaced range. `None` when no such place
/// exists.
fn guard_position(
    source: &SourceFile,
    before: usize,
    header_end: usize,
    edits: &[Edit],
) -> Option<usize> {
    let line_start = |offset: usize| source.line_start(source.line_index(offset));
    let mut pos = line_start(before);
    if pos < header_end {
        pos = source
            .line_starts()
            .iter()
            .copied()
            .find(|&s| s >= header_end)
            .unwrap_or(source.text.len());
    }
    // A guard cannot go inside text an edit replaces: move it to the line where that edit
    // starts. Each step moves strictly backwards, so this ends.
    while let Some(e) = edits
        .iter()
        .find(|e| e.range.start < pos && pos < e.range.end)
    {
        pos = line_start(e.range.start);
    }
    (pos >= header_end || pos == source.text.len()).then_some(pos)
}

/// Leading spaces and tabs of the line starting at `pos`.
fn indentation_at(text: &str, pos: usize) -> &str {
    let rest = &text[pos..];
    let len = rest
        .bytes()
        .take_while(|&b| b == b' ' || b == b'\t')
        .count();
    &rest[..len]
}

/// Keeps a replacement that ends in a variable reference from running into the text after it:
/// PowerShell's `'secret'w` rewritten to `$env:TOKENw` would read another variable, and so would
/// bash's `$TOKENw`. Such a reference is braced: `${env:TOKEN}w`, `${TOKEN}w`.
fn seal(language: Language, text: &str, mut edit: Edit) -> Edit {
    let next = text.get(edit.range.end..).and_then(|t| t.chars().next());
    let continues_name = |c: char| {
        c.is_ascii_alphanumeric()
            || c == '_'
            || (language == Language::PowerShell && matches!(c, ':' | '?'))
    };
    if !next.is_some_and(continues_name) {
        return edit;
    }
    let r = edit.replacement.as_str();
    let name_start = r
        .trim_end_matches(|c: char| c.is_ascii_alphanumeric() || c == '_')
        .len();
    let (prefix, name) = r.split_at(name_start);
    if name.is_empty() {
        return edit;
    }
    let sealed = match language {
        Language::PowerShell => prefix
            .strip_suffix("$env:")
            .map(|p| format!("{p}${{env:{name}}}")),
        Language::Shell => prefix.strip_suffix('$').map(|p| format!("{p}${{{name}}}")),
    };
    if let Some(sealed) = sealed {
        edit.replacement = sealed;
    }
    edit
}

/// Decides which fixes apply and computes the fixed text. Pure: no I/O.
///
/// A finding's fix applies when it is [`Applicability::Safe`], or
/// [`Applicability::Unsafe`] with `opts.unsafe_fixes`; display-only fixes never do. Fixes are
/// taken in the order of `findings`; a fix whose edits conflict with an accepted fix's edits is
/// skipped whole (identical edits are merged, not conflicts). Guards are inserted once per
/// (scope, variable), before the earliest requesting statement, at the start of its line with
/// its indentation, never before `header_end`, and not when the scope already holds the same
/// guard above that point.
pub fn plan(
    source: &SourceFile,
    findings: &[Finding],
    header_end: usize,
    opts: &FixOptions,
) -> FixPlan {
    let text = source.text.as_str();
    let mut accepted: Vec<(Edit, usize)> = Vec::new();
    let mut requests: Vec<GuardRequest> = Vec::new();
    let mut applied = Vec::new();
    let mut skipped = Vec::new();

    for (i, finding) in findings.iter().enumerate() {
        let Some(fix) = &finding.fix else { continue };
        match fix.applicability {
            Applicability::Safe => {}
            Applicability::Unsafe if opts.unsafe_fixes => {}
            Applicability::Unsafe => {
                skipped.push((i, "unsafe fix; apply it with --unsafe-fixes".to_owned()));
                continue;
            }
            Applicability::DisplayOnly => {
                skipped.push((i, "display-only fix; never applied".to_owned()));
                continue;
            }
        }
        if let Err(reason) = check_fix(text, fix, opts.guards) {
            skipped.push((i, reason));
            continue;
        }
        let mut new_edits: Vec<&Edit> = Vec::new();
        let mut conflict = None;
        for e in &fix.edits {
            if accepted.iter().any(|(a, _)| a == e) || new_edits.contains(&e) {
                continue;
            }
            if let Some((_, j)) = accepted.iter().find(|(a, _)| conflicts(&a.range, &e.range)) {
                conflict = Some(*j);
                break;
            }
            new_edits.push(e);
        }
        if let Some(j) = conflict {
            let other = &findings[j];
            let (line, col) = source.line_col(other.span.start);
            skipped.push((
                i,
                format!(
                    "overlaps the fix of another finding ({} at {line}:{col}); run the fixer again",
                    other.code
                ),
            ));
            continue;
        }
        accepted.extend(new_edits.into_iter().map(|e| (e.clone(), i)));
        if opts.guards {
            requests.extend(fix.guards.iter().cloned());
        }
        applied.push(i);
    }

    let edits: Vec<Edit> = accepted
        .into_iter()
        .map(|(e, _)| seal(source.language, text, e))
        .collect();

    // One request per (scope, variable): the earliest statement.
    let mut merged: Vec<GuardRequest> = Vec::new();
    for r in requests {
        match merged
            .iter_mut()
            .find(|m| m.scope == r.scope && m.variable == r.variable)
        {
            Some(m) => m.before = m.before.min(r.before),
            None => merged.push(r),
        }
    }

    // (position, sequence, text) of each guard to insert.
    let newline = source.line_ending.as_str();
    let mut inserts: Vec<(usize, String)> = Vec::new();
    let mut placed: Vec<(usize, &str)> = Vec::new();
    for r in &merged {
        let Some(pos) = guard_position(source, r.before, header_end, &edits) else {
            continue;
        };
        if placed.contains(&(pos, r.variable.as_str())) {
            continue;
        }
        let region_start = r.scope.start.min(pos);
        if guard::already_present(source.language, &text[region_start..pos], &r.variable) {
            continue;
        }
        placed.push((pos, r.variable.as_str()));
        let mut guard_text = String::new();
        if pos == text.len() && !text.is_empty() && !text.ends_with('\n') {
            guard_text.push_str(newline);
        }
        guard_text.push_str(&guard::render(
            source.language,
            &r.variable,
            indentation_at(text, pos),
            &opts.indent_unit,
            newline,
        ));
        inserts.push((pos, guard_text));
    }

    // Everything to apply, as (start, end, kind, sequence, replacement); at one offset guards
    // (kind 0) come before the edit (kind 1), in request order.
    let mut ops: Vec<(usize, usize, u8, usize, &str)> = Vec::new();
    for (seq, (pos, t)) in inserts.iter().enumerate() {
        ops.push((*pos, *pos, 0, seq, t));
    }
    for (seq, e) in edits.iter().enumerate() {
        ops.push((e.range.start, e.range.end, 1, seq, &e.replacement));
    }
    ops.sort_by_key(|&(start, end, kind, seq, _)| (start, kind, seq, end));

    let mut out = text.to_owned();
    for &(start, end, _, _, replacement) in ops.iter().rev() {
        out.replace_range(start..end, replacement);
    }

    FixPlan {
        text: out,
        applied,
        skipped,
    }
}

/// [`plan`], then [`verify`] that the fixed text parses no worse than the original.
pub fn fix_file_text(
    source: &SourceFile,
    findings: &[Finding],
    header_end: usize,
    opts: &FixOptions,
) -> Result<FixPlan, FixError> {
    let plan = plan(source, findings, header_end, opts);
    if plan.text != source.text {
        verify(source.language, &source.text, &plan.text)?;
    }
    Ok(plan)
}

#[cfg(test)]
mod tests;
