//! The invariants the fuzz targets (`fuzz/`), the property tests and the regression tests check,
//! in one place so a crash found by the fuzzer replays as an ordinary `cargo test`.
//!
//! Every function panics (with a message that never contains file content) when an invariant
//! is broken, and returns quietly otherwise. Inputs the engine rejects (undecodable bytes, a
//! parse timeout, a fix refused by the verifier) are not failures.

use std::path::Path;
use std::sync::OnceLock;

use crate::engine::{self, Settings};
use crate::finding::FileResult;
use crate::fix::{self, FixOptions, verify::syntax_error_count};
use crate::model::Language;
use crate::report::{self, Format, ReportContext};
use crate::rules;
use crate::source::{self, SourceFile};

fn settings() -> &'static Settings {
    static SETTINGS: OnceLock<Settings> = OnceLock::new();
    SETTINGS.get_or_init(Settings::default)
}

fn file_name(language: Language) -> &'static str {
    match language {
        Language::Shell => "fuzz.sh",
        Language::PowerShell => "fuzz.ps1",
    }
}

/// Decoding then encoding gives back the same bytes, whenever decoding succeeds.
pub fn decode_round_trip(data: &[u8]) -> Option<(source::Encoding, String)> {
    let (encoding, text) = source::decode_bytes(data).ok()?;
    assert!(
        source::encode_text(&text, encoding) == data,
        "decode → encode changed the bytes ({})",
        encoding.name()
    );
    Some((encoding, text))
}

/// Lints `data` as `language` and renders the result in every format: no panic, spans inside
/// the text, and no reported secret of 8 or more characters appears in any output (unless the
/// same text is part of the finding's own wording, e.g. a secret equal to a flag name, or of
/// the rules' documentation, which SARIF embeds: `Get-Secret`, `pypi-AgE`).
pub fn lint_bytes(language: Language, data: &[u8]) {
    if decode_round_trip(data).is_none() {
        return;
    }
    let Ok(source) = SourceFile::decode(file_name(language), language, data) else {
        return;
    };
    let Ok(output) = engine::lint(&source, settings()) else {
        return;
    };
    for f in &output.findings {
        assert!(
            f.span.start <= f.span.end && f.span.end <= source.text.len(),
            "finding span {:?} outside the text ({} bytes)",
            f.span,
            source.text.len()
        );
        assert!(
            source.text.is_char_boundary(f.span.start) && source.text.is_char_boundary(f.span.end),
            "finding span {:?} not on character boundaries",
            f.span
        );
    }
    if output.findings.is_empty() {
        return;
    }
    let findings = output.findings.clone();
    let results = vec![FileResult {
        path: source.path.clone(),
        source: Some(source.clone()),
        findings: output.findings,
        notes: Vec::new(),
    }];
    let ctx = ReportContext {
        show_fixes: true,
        ..ReportContext::new(".")
    };
    let metas = rules::all_meta();
    let mut out = Vec::new();
    for format in [
        Format::Human,
        Format::Concise,
        Format::Json,
        Format::Sarif,
        Format::Github,
    ] {
        report::render(format, &results, &metas, &ctx, &mut out).expect("render to memory");
    }
    let header_end = output.header_end;
    if let Ok(plan) = fix::fix_file_text(&source, &findings, header_end, &FixOptions::default()) {
        let secrets: Vec<_> = findings.iter().map(|f| &f.secret).collect();
        let diff = fix::unified_diff("fuzz", &source.text, &plan.text, &secrets);
        out.extend_from_slice(diff.as_bytes());
    }
    let out = String::from_utf8_lossy(&out);
    for f in &findings {
        let secret = f.secret.expose();
        if secret.chars().count() < 8 {
            continue;
        }
        let own_words = [
            Some(f.message.as_str()),
            Some(f.label.as_str()),
            f.help.as_deref(),
            f.note.as_deref(),
            f.tool.as_deref(),
            f.flag.as_deref(),
            f.env_var.as_deref(),
            f.fix.as_ref().map(|x| x.description.as_str()),
        ];
        // A "secret" that already reads like its own redaction (`Nb7*********`) is printed
        // as such by design.
        if crate::finding::redact(secret, &[&f.secret]) == secret {
            continue;
        }
        if own_words.iter().flatten().any(|w| w.contains(secret))
            || f.secondary.iter().any(|l| l.message.contains(secret))
            || metas
                .iter()
                .any(|m| m.docs.contains(secret) || m.summary.contains(secret))
        {
            continue;
        }
        assert!(
            !out.contains(secret),
            "{} finding's secret ({} chars) printed in full",
            f.code,
            secret.chars().count()
        );
    }
}

/// lint → fix → re-lint → fix: a fix the fixer accepts adds no syntax errors, keeps the
/// encoding and a consistent line-ending style, and fixing the fixed text again changes
/// nothing — when every fix applied the first time and the original parsed without errors
/// (tree-sitter's error recovery may read broken code differently once a fix changed it, and
/// then find a literal it did not see before).
pub fn fix_round_trip(language: Language, data: &[u8]) {
    let Some((encoding, text)) = decode_round_trip(data) else {
        return;
    };
    let source = SourceFile::from_text(file_name(language), language, text, encoding);
    let opts = FixOptions::default();
    let Some(plan) = fix_once(&source, &opts) else {
        return;
    };
    if plan.text == source.text {
        return;
    }
    let mut clean = false;
    if let (Ok(before), Ok(after)) = (
        syntax_error_count(language, &source.text),
        syntax_error_count(language, &plan.text),
    ) {
        assert!(
            after <= before,
            "accepted fix adds syntax errors ({before} before, {after} after)"
        );
        clean = before == 0;
    }
    // The fixed text is written in the file's encoding and reads back as itself.
    let bytes = source.encode(&plan.text);
    let (enc2, text2) = source::decode_bytes(&bytes).expect("fixed text decodes");
    assert_eq!(enc2, encoding, "fix changed the encoding");
    assert!(text2 == plan.text, "fixed text does not survive encoding");
    assert_line_endings_kept(&source.text, &plan.text);

    if !plan.skipped.is_empty() || !clean {
        return;
    }
    let fixed = SourceFile::from_text(Path::new(file_name(language)), language, text2, encoding);
    if let Some(again) = fix_once(&fixed, &opts) {
        assert!(
            again.text == fixed.text,
            "fixing the fixed text changed it again ({} more fixes)",
            again.applied.len()
        );
    }
}

/// Lints `source` and plans its fixes; `None` when linting or fixing declined the input.
fn fix_once(source: &SourceFile, opts: &FixOptions) -> Option<fix::FixPlan> {
    let output = engine::lint(source, settings()).ok()?;
    if !output.findings.iter().any(|f| f.fix.is_some()) {
        return Some(fix::FixPlan {
            text: source.text.clone(),
            applied: Vec::new(),
            skipped: Vec::new(),
        });
    }
    let header_end = output.header_end;
    fix::fix_file_text(source, &output.findings, header_end, opts).ok()
}

/// A file whose every line ends in CRLF keeps CRLF; one without CRLF gains none.
pub fn assert_line_endings_kept(before: &str, after: &str) {
    let lf = |t: &str| t.bytes().filter(|&b| b == b'\n').count();
    let crlf = |t: &str| t.matches("\r\n").count();
    if lf(before) > 0 && lf(before) == crlf(before) {
        assert_eq!(
            lf(after),
            crlf(after),
            "CRLF file gained bare LF line endings"
        );
    }
    if crlf(before) == 0 {
        assert_eq!(crlf(after), 0, "LF file gained CRLF line endings");
    }
}
