//! `json`: a versioned document; the schema is documented in `docs/json-schema.md`.

use std::io::{self, Write};

use serde::Serialize;

use crate::finding::{FileResult, Finding};
use crate::source::SourceFile;

use super::{Redactor, ReportContext, Summary, position, slash_path};

/// Version of the JSON document; bumped only on incompatible changes (a field removed, renamed
/// or retyped). Adding fields is compatible.
pub const JSON_VERSION: u32 = 1;

#[derive(Serialize)]
struct Document {
    version: u32,
    tool: Tool,
    findings: Vec<JsonFinding>,
    errors: Vec<JsonError>,
    summary: Summary,
    /// Present only with `check --baseline`.
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline: Option<JsonBaseline>,
}

#[derive(Serialize)]
struct JsonBaseline {
    /// Entries that matched no finding (fixed, or the file moved).
    stale: Vec<JsonStale>,
}

#[derive(Serialize)]
struct JsonStale {
    path: String,
    code: String,
    fingerprint: String,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct JsonFinding {
    path: String,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    code: &'static str,
    name: &'static str,
    severity: &'static str,
    confidence: f64,
    message: String,
    tool: Option<String>,
    flag: Option<String>,
    env_var: Option<String>,
    preview: String,
    token_kind: Option<String>,
    help: Option<String>,
    note: Option<String>,
    fingerprint: String,
    fix: Option<JsonFix>,
}

#[derive(Serialize)]
struct JsonFix {
    applicability: &'static str,
    description: String,
    edits: Vec<JsonEdit>,
    guards: Vec<String>,
}

#[derive(Serialize)]
struct JsonEdit {
    start: Position,
    end: Position,
    replacement: String,
}

#[derive(Serialize)]
struct Position {
    line: usize,
    column: usize,
}

#[derive(Serialize)]
struct JsonError {
    path: String,
    severity: &'static str,
    message: String,
}

pub(super) fn render(
    results: &[FileResult],
    ctx: &ReportContext,
    out: &mut dyn Write,
) -> io::Result<()> {
    let redactor = Redactor::new(results);
    let fingerprints = super::fingerprints(results);
    let mut findings = Vec::new();
    let mut errors = Vec::new();
    for (result, fingerprints) in results.iter().zip(&fingerprints) {
        let path = slash_path(&result.path);
        for note in &result.notes {
            errors.push(JsonError {
                path: path.clone(),
                severity: note.severity.as_str(),
                message: redactor.text(&note.message),
            });
        }
        for (finding, fingerprint) in result.findings.iter().zip(fingerprints) {
            findings.push(json_finding(
                finding,
                result,
                &path,
                &redactor,
                fingerprint.clone(),
            ));
        }
    }
    let document = Document {
        version: JSON_VERSION,
        tool: Tool {
            name: "credlint",
            version: ctx.tool_version,
        },
        findings,
        errors,
        summary: Summary::of(results, ctx),
        baseline: ctx.stale_baseline.as_ref().map(|stale| JsonBaseline {
            stale: stale
                .iter()
                .map(|e| JsonStale {
                    path: e.path.clone(),
                    code: e.code.clone(),
                    fingerprint: e.fingerprint.clone(),
                })
                .collect(),
        }),
    };
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)
}

fn pos(source: Option<&SourceFile>, offset: usize) -> Position {
    let (line, column) = position(source, offset);
    Position { line, column }
}

fn json_finding(
    finding: &Finding,
    result: &FileResult,
    path: &str,
    redactor: &Redactor<'_>,
    fingerprint: String,
) -> JsonFinding {
    let source = result.source.as_ref();
    let start = pos(source, finding.span.start);
    let end = pos(source, finding.span.end);
    let fix = finding.fix.as_ref().map(|fix| {
        let mut guards: Vec<String> = Vec::new();
        for g in &fix.guards {
            let name = redactor.text(&g.variable);
            if !guards.contains(&name) {
                guards.push(name);
            }
        }
        JsonFix {
            applicability: fix.applicability.as_str(),
            description: redactor.text(&fix.description),
            edits: fix
                .edits
                .iter()
                .map(|e| JsonEdit {
                    start: pos(source, e.range.start),
                    end: pos(source, e.range.end),
                    replacement: redactor.text(&e.replacement),
                })
                .collect(),
            guards,
        }
    });
    JsonFinding {
        path: path.to_owned(),
        line: start.line,
        column: start.column,
        end_line: end.line,
        end_column: end.column,
        code: finding.code,
        name: finding.name,
        severity: finding.severity.as_str(),
        confidence: round2(finding.confidence.0),
        message: redactor.text(&finding.message),
        tool: redactor.opt(finding.tool.as_deref()),
        flag: redactor.opt(finding.flag.as_deref()),
        env_var: redactor.opt(finding.env_var.as_deref()),
        preview: finding.secret.preview(),
        token_kind: redactor.opt(finding.token_kind.as_deref()),
        help: redactor.opt(finding.help.as_deref()),
        note: redactor.opt(finding.note.as_deref()),
        fingerprint,
        fix,
    }
}

/// `0.9f32` as `0.9`, not `0.8999999761581421`.
fn round2(x: f32) -> f64 {
    (f64::from(x) * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::super::test_support::*;
    use super::super::{Format, fingerprint};

    #[test]
    fn document_fields() {
        let results = results();
        let out = render_to_string(Format::Json, &results);
        assert_no_secret(&out);
        let doc: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(doc["version"], 1);
        assert_eq!(doc["tool"], json!({"name": "credlint", "version": "0.1.0"}));
        let findings = doc["findings"].as_array().unwrap();
        assert_eq!(findings.len(), 2);
        let f = &findings[0];
        assert_eq!(f["path"], "deploy/publish.sh");
        assert_eq!(
            (f["line"].clone(), f["column"].clone()),
            (json!(3), json!(46))
        );
        assert_eq!(f["end_line"], 3);
        assert_eq!(f["end_column"], 46 + PYPI.chars().count());
        assert_eq!(f["code"], "CL001");
        assert_eq!(f["name"], "secret-in-argument");
        assert_eq!(f["severity"], "error");
        assert_eq!(f["confidence"], 0.99);
        assert_eq!(
            f["message"],
            "PyPI token passed to `twine upload --password`"
        );
        assert_eq!(f["tool"], "twine");
        assert_eq!(f["flag"], "--password");
        assert_eq!(f["env_var"], "TWINE_PASSWORD");
        assert_eq!(f["preview"], "pypi-AgEI…");
        assert_eq!(f["token_kind"], "PyPI API token");
        assert_eq!(f["help"], "use `--password \"$TWINE_PASSWORD\"`");
        assert!(f["note"].as_str().unwrap().starts_with("revoke"));
        assert_eq!(
            f["fingerprint"],
            fingerprint(&results[1].findings[0], &results[1].path)
        );
        assert_eq!(
            f["fix"],
            json!({
                "applicability": "safe",
                "description": "read TWINE_PASSWORD from the environment",
                "edits": [{
                    "start": {"line": 3, "column": 46},
                    "end": {"line": 3, "column": 46 + PYPI.len()},
                    "replacement": "\"$TWINE_PASSWORD\"",
                }],
                "guards": ["TWINE_PASSWORD"],
            })
        );
        let g = &findings[1];
        assert_eq!(g["path"], "scripts/login.ps1");
        assert_eq!(
            (g["line"].clone(), g["column"].clone()),
            (json!(1), json!(28))
        );
        assert_eq!(g["end_column"], 40);
        assert_eq!(g["severity"], "warning");
        assert_eq!(g["confidence"], 0.9);
        assert_eq!(g["preview"], "Xy9…");
        assert_eq!(g["token_kind"], Value::Null);
        assert_eq!(g["note"], Value::Null);
        assert_eq!(g["fix"]["applicability"], "unsafe");
        assert_eq!(
            g["fix"]["edits"][0]["start"],
            json!({"line": 1, "column": 27})
        );
        assert_eq!(
            g["fix"]["edits"][0]["end"],
            json!({"line": 1, "column": 41})
        );
        assert_eq!(
            doc["errors"],
            json!([{"path": "broken.sh", "severity": "error", "message": "invalid UTF-8 at byte offset 3"}])
        );
        assert_eq!(
            doc["summary"],
            json!({
                "files_scanned": 4, "files_with_findings": 2, "unused_suppressions": 0, "findings": 2, "fixable": 1,
                "unsafe_fixable": 1, "files_with_errors": 1, "file_notes": 1,
            })
        );
    }

    #[test]
    fn empty_run_is_a_valid_document_and_output_is_deterministic() {
        let out = render_to_string(Format::Json, &[]);
        let doc: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(doc["findings"], json!([]));
        assert_eq!(doc["errors"], json!([]));
        assert_eq!(doc["summary"]["findings"], 0);
        let results = results();
        assert_eq!(
            render_to_string(Format::Json, &results),
            render_to_string(Format::Json, &results)
        );
    }

    #[test]
    fn replacements_and_help_are_masked_even_if_a_rule_slips() {
        let mut results = results();
        let f = &mut results[2].findings[0];
        f.fix.as_mut().unwrap().edits[0].replacement = format!("'{PASSWORD}'");
        f.help = Some(format!("not {PYPI}"));
        let out = render_to_string(Format::Json, &results);
        assert_no_secret(&out);
    }
}
