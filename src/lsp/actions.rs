//! Findings to LSP diagnostics, and the code actions that fix or suppress them.

use std::collections::HashMap;

use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeDescription, Diagnostic,
    DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString, Range, TextEdit,
    Uri, WorkspaceEdit,
};

use super::lint::Linted;
use super::position::{LineIndex, PositionEncoding};
use crate::finding::{Applicability, Finding, Severity};
use crate::fix::{self, FixOptions};
use crate::model::Language;
use crate::source::SourceFile;
use crate::{engine, rules};

/// `source` of every diagnostic.
pub const SOURCE: &str = "credlint";

/// The kind of the fix-all source action.
pub const FIX_ALL_KIND: &str = "source.fixAll.credlint";

/// Where a rule's documentation lives: this prefix, the rule's name, `.md`.
pub const RULE_DOCS_BASE: &str = "https://github.com/credlint/credlint/blob/main/docs/rules/";

pub fn rule_docs_url(name: &str) -> String {
    format!("{RULE_DOCS_BASE}{name}.md")
}

fn severity(s: Severity) -> DiagnosticSeverity {
    match s {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
        Severity::Note => DiagnosticSeverity::INFORMATION,
    }
}

/// What a diagnostic's `data` carries back to `textDocument/codeAction`: the finding's rule
/// and byte span in the version it was computed for.
#[derive(Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DiagnosticData {
    pub code: String,
    pub start: usize,
    pub end: usize,
    pub version: i32,
}

/// The diagnostic of one finding. Its message is the finding's (secret-free) message and
/// `help:` line; the secret itself appears nowhere.
pub fn diagnostic(f: &Finding, linted: &Linted, uri: &Uri, enc: PositionEncoding) -> Diagnostic {
    let text = &linted.source.text;
    let range = linted.lines.range(text, &f.span, enc);
    let mut message = f.message.clone();
    if let Some(help) = &f.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    let related: Vec<DiagnosticRelatedInformation> = f
        .secondary
        .iter()
        .map(|l| DiagnosticRelatedInformation {
            location: Location::new(uri.clone(), linted.lines.range(text, &l.span, enc)),
            message: l.message.clone(),
        })
        .collect();
    let data = DiagnosticData {
        code: f.code.to_owned(),
        start: f.span.start,
        end: f.span.end,
        version: linted.version,
    };
    Diagnostic {
        range,
        severity: Some(severity(f.severity)),
        code: Some(NumberOrString::String(f.code.to_owned())),
        code_description: rule_docs_url(f.name)
            .parse()
            .ok()
            .map(|href| CodeDescription { href }),
        source: Some(SOURCE.to_owned()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: serde_json::to_value(data).ok(),
    }
}

pub fn diagnostics(linted: &Linted, uri: &Uri, enc: PositionEncoding) -> Vec<Diagnostic> {
    linted
        .findings
        .iter()
        .map(|f| diagnostic(f, linted, uri, enc))
        .collect()
}

/// Whether an action of `kind` may be returned for a request that asked `only` for these
/// kinds (a requested kind covers its sub-kinds: `source` covers `source.fixAll.credlint`).
pub fn kind_allowed(only: Option<&[CodeActionKind]>, kind: &str) -> bool {
    match only {
        None => true,
        Some(kinds) => kinds.iter().any(|k| {
            let k = k.as_str();
            kind == k || (kind.starts_with(k) && kind.as_bytes().get(k.len()) == Some(&b'.'))
        }),
    }
}

/// The edits that turn `old` into `new`: one per changed run of lines, trimmed to the
/// characters that differ.
pub fn text_edits(old: &str, new: &str, lines: &LineIndex, enc: PositionEncoding) -> Vec<TextEdit> {
    fn offsets(text: &str) -> Vec<usize> {
        let mut v = vec![0];
        let mut at = 0;
        for line in text.split_inclusive('\n') {
            at += line.len();
            v.push(at);
        }
        v
    }
    let (old_at, new_at) = (offsets(old), offsets(new));
    let diff = similar::TextDiff::from_lines(old, new);
    let mut hunks: Vec<(std::ops::Range<usize>, std::ops::Range<usize>)> = Vec::new();
    for op in diff.ops() {
        if matches!(op, similar::DiffOp::Equal { .. }) {
            continue;
        }
        let (o, n) = (op.old_range(), op.new_range());
        match hunks.last_mut() {
            Some((lo, ln)) if lo.end == o.start && ln.end == n.start => {
                lo.end = o.end;
                ln.end = n.end;
            }
            _ => hunks.push((o, n)),
        }
    }
    hunks
        .into_iter()
        .map(|(o, n)| {
            let mut a = old_at[o.start]..old_at[o.end];
            let mut b = new_at[n.start]..new_at[n.end];
            // Trim the common prefix and suffix, on character boundaries.
            let prefix = common_prefix(&old[a.clone()], &new[b.clone()]);
            a.start += prefix;
            b.start += prefix;
            let suffix = common_suffix(&old[a.clone()], &new[b.clone()]);
            a.end -= suffix;
            b.end -= suffix;
            TextEdit::new(lines.range(old, &a, enc), new[b].to_owned())
        })
        .collect()
}

fn common_prefix(a: &str, b: &str) -> usize {
    let mut n = 0;
    for (x, y) in a.chars().zip(b.chars()) {
        if x != y {
            break;
        }
        n += x.len_utf8();
    }
    n
}

fn common_suffix(a: &str, b: &str) -> usize {
    let mut n = 0;
    for (x, y) in a.chars().rev().zip(b.chars().rev()) {
        if x != y {
            break;
        }
        n += x.len_utf8();
    }
    n
}

fn workspace_edit(uri: &Uri, edits: Vec<TextEdit>) -> WorkspaceEdit {
    WorkspaceEdit {
        changes: Some(HashMap::from([(uri.clone(), edits)])),
        ..WorkspaceEdit::default()
    }
}

/// The finding a diagnostic from the client stands for: by its `data` when it was computed
/// for this version, else by rule code and range.
pub fn finding_for<'a>(
    linted: &'a Linted,
    d: &Diagnostic,
    enc: PositionEncoding,
) -> Option<&'a Finding> {
    if d.source.as_deref() != Some(SOURCE) {
        return None;
    }
    let data = d
        .data
        .clone()
        .and_then(|v| serde_json::from_value::<DiagnosticData>(v).ok());
    if let Some(data) = data.filter(|data| data.version == linted.version) {
        return linted
            .findings
            .iter()
            .find(|f| f.code == data.code && f.span == (data.start..data.end));
    }
    let code = match &d.code {
        Some(NumberOrString::String(c)) => c.as_str(),
        _ => return None,
    };
    linted.findings.iter().find(|f| {
        f.code == code && linted.lines.range(&linted.source.text, &f.span, enc) == d.range
    })
}

/// The quick fix of one finding: exactly what `--fix` does for it alone (guard included, and
/// only when the result still parses), as minimal edits.
pub fn quick_fix(
    linted: &Linted,
    f: &Finding,
    diagnostic: &Diagnostic,
    uri: &Uri,
    enc: PositionEncoding,
) -> Option<CodeAction> {
    let fix = f.fix.as_ref()?;
    let unsafe_fix = match fix.applicability {
        Applicability::Safe => false,
        Applicability::Unsafe => true,
        Applicability::DisplayOnly => return None,
    };
    let opts = FixOptions {
        unsafe_fixes: unsafe_fix,
        ..linted.project.fix.clone()
    };
    let plan = fix::fix_file_text(
        &linted.source,
        std::slice::from_ref(f),
        linted.header_end,
        &opts,
    )
    .ok()?;
    if plan.applied.is_empty() || plan.text == linted.source.text {
        return None;
    }
    let edits = text_edits(&linted.source.text, &plan.text, &linted.lines, enc);
    let mut title = capitalize(&fix.description);
    if unsafe_fix {
        title.push_str(" (unsafe)");
    }
    Some(CodeAction {
        title,
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: Some(vec![diagnostic.clone()]),
        edit: Some(workspace_edit(uri, edits)),
        is_preferred: Some(!unsafe_fix),
        ..CodeAction::default()
    })
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The code of `unused-suppression`, which a suppression must not cause.
fn unused_suppression_code() -> &'static str {
    rules::unused_suppression::meta().code
}

/// The marker that suppresses findings on its line.
pub fn suppression_comment(code: &str) -> String {
    format!(" # credlint: ignore[{code}]")
}

/// "Suppress CODE on this line": appends ` # credlint: ignore[CODE]` to the line the finding
/// starts on, or adds the code to a marker already there. Offered only when re-linting the
/// result shows the finding gone and no new problem (e.g. not inside a heredoc, where the text
/// would not be a comment, nor on a line continued with `\\` or a backtick, where a comment
/// would end the command).
pub fn suppress(
    linted: &Linted,
    f: &Finding,
    diagnostic: &Diagnostic,
    uri: &Uri,
    enc: PositionEncoding,
) -> Option<CodeAction> {
    let source = &linted.source;
    let text = &source.text;
    let continuation = match source.language {
        Language::Shell => '\\',
        Language::PowerShell => '`',
    };
    let line = source.line_index(f.span.start);
    let start = source.line_start(line);
    let content = source.line_text(line);
    if content.ends_with(continuation) {
        return None;
    }
    let line_end = start + content.len();
    const MARKER: &str = "# credlint: ignore[";
    let (at, insert) = match content.find(MARKER) {
        Some(m) if content[m..].contains(']') => {
            let close = start + m + content[m..].find(']').unwrap_or(0);
            let codes = &text[start + m + MARKER.len()..close];
            if codes
                .split(',')
                .any(|c| c.trim().eq_ignore_ascii_case(f.code))
            {
                return None;
            }
            (close, format!(",{}", f.code))
        }
        _ => (line_end, suppression_comment(f.code)),
    };
    let mut suppressed = text.clone();
    suppressed.insert_str(at, &insert);
    let relinted = SourceFile::from_text(
        source.path.clone(),
        source.language,
        suppressed,
        source.encoding,
    );
    let findings = engine::lint(&relinted, &linted.project.settings)
        .ok()?
        .findings;
    let before = |code: &str| linted.findings.iter().filter(|g| g.code == code).count();
    let after = |code: &str| findings.iter().filter(|g| g.code == code).count();
    let gone = !findings
        .iter()
        .any(|g| g.code == f.code && g.span.start == f.span.start);
    if !gone || after(unused_suppression_code()) > before(unused_suppression_code()) {
        return None;
    }
    Some(CodeAction {
        title: format!("Suppress {} on this line", f.code),
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: Some(vec![diagnostic.clone()]),
        edit: Some(workspace_edit(
            uri,
            vec![TextEdit::new(
                linted.lines.range(text, &(at..at), enc),
                insert,
            )],
        )),
        is_preferred: Some(false),
        ..CodeAction::default()
    })
}

/// "Fix all credlint problems": every safe fix, as `--fix` applies them.
pub fn fix_all(linted: &Linted, uri: &Uri, enc: PositionEncoding) -> Option<CodeAction> {
    let plan = fix::fix_file_text(
        &linted.source,
        &linted.findings,
        linted.header_end,
        &FixOptions {
            unsafe_fixes: false,
            ..linted.project.fix.clone()
        },
    )
    .ok()?;
    if plan.text == linted.source.text {
        return None;
    }
    Some(CodeAction {
        title: "Fix all credlint problems".to_owned(),
        kind: Some(CodeActionKind::new(FIX_ALL_KIND)),
        edit: Some(workspace_edit(
            uri,
            text_edits(&linted.source.text, &plan.text, &linted.lines, enc),
        )),
        ..CodeAction::default()
    })
}

/// Every action for a `textDocument/codeAction` request: for each credlint diagnostic in the
/// context (or, when the client sends none, each finding touching `range`) its quick fix and
/// its suppression, then the fix-all source action.
pub fn code_actions(
    linted: &Linted,
    uri: &Uri,
    range: Range,
    context_diagnostics: &[Diagnostic],
    only: Option<&[CodeActionKind]>,
    enc: PositionEncoding,
) -> Vec<CodeActionOrCommand> {
    let mut out = Vec::new();
    if kind_allowed(only, CodeActionKind::QUICKFIX.as_str()) {
        let mut pairs: Vec<(&Finding, Diagnostic)> = context_diagnostics
            .iter()
            .filter_map(|d| finding_for(linted, d, enc).map(|f| (f, d.clone())))
            .collect();
        if context_diagnostics.is_empty() {
            pairs = linted
                .findings
                .iter()
                .map(|f| (f, diagnostic(f, linted, uri, enc)))
                .filter(|(_, d)| d.range.start <= range.end && range.start <= d.range.end)
                .collect();
        }
        for (f, d) in &pairs {
            if let Some(action) = quick_fix(linted, f, d, uri, enc) {
                out.push(CodeActionOrCommand::CodeAction(action));
            }
        }
        for (f, d) in &pairs {
            if let Some(action) = suppress(linted, f, d, uri, enc) {
                out.push(CodeActionOrCommand::CodeAction(action));
            }
        }
    }
    if kind_allowed(only, FIX_ALL_KIND)
        && let Some(action) = fix_all(linted, uri, enc)
    {
        out.push(CodeActionOrCommand::CodeAction(action));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_are_minimal_and_reproduce_the_new_text() {
        let old = "a\nbb cc\nd\n";
        let new = "a\nguard\nbb \"$X\"\nd\n";
        let lines = LineIndex::new(old);
        let edits = text_edits(old, new, &lines, PositionEncoding::Utf16);
        let mut text = old.to_owned();
        for e in edits.iter().rev() {
            let s = lines.offset(old, e.range.start, PositionEncoding::Utf16);
            let t = lines.offset(old, e.range.end, PositionEncoding::Utf16);
            text.replace_range(s..t, &e.new_text);
        }
        assert_eq!(text, new);
        assert_eq!(edits.len(), 1, "{edits:?}");
        // Lines `a` and `d` are untouched: the edit covers only `bb cc` on line 1.
        assert_eq!(edits[0].new_text, "guard\nbb \"$X\"");
        assert_eq!(edits[0].range.start, lsp_types::Position::new(1, 0));
        assert_eq!(edits[0].range.end, lsp_types::Position::new(1, 5));
    }

    #[test]
    fn requested_kinds_cover_their_sub_kinds() {
        let only = [CodeActionKind::SOURCE];
        assert!(kind_allowed(Some(&only), FIX_ALL_KIND));
        assert!(!kind_allowed(Some(&only), "quickfix"));
        assert!(kind_allowed(None, "quickfix"));
        let only = [CodeActionKind::new("source.fix")];
        assert!(!kind_allowed(Some(&only), FIX_ALL_KIND));
    }
}
