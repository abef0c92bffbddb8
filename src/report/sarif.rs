//! `sarif`: SARIF 2.1.0 for GitHub code scanning and other SARIF consumers.
//!
//! One run; `tool.driver.rules` holds the enabled rules; each result has one location whose
//! region counts columns in UTF-16 code units (SARIF's default, stated in `columnKind`), and two
//! partial fingerprints: GitHub's `primaryLocationLineHash` (computed from the *redacted* line)
//! and `credlintFingerprint/v1` ([`super::fingerprint`], stable when lines move). No snippet text
//! is emitted. File notes become `invocations[0].toolExecutionNotifications`.

use std::collections::HashMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::finding::{FileResult, Finding, RuleMeta, Severity};
use crate::source::SourceFile;

use super::{Redactor, ReportContext, position_utf16, sha256_hex, slash_path};

pub const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const INFORMATION_URI: &str = "https://github.com/credlint/credlint";
const SRCROOT: &str = "%SRCROOT%";

pub(super) fn render(
    results: &[FileResult],
    rules: &[&'static RuleMeta],
    ctx: &ReportContext,
    out: &mut dyn Write,
) -> io::Result<()> {
    let redactor = Redactor::new(results);
    let fingerprints = super::fingerprints(results);
    let mut sarif_results = Vec::new();
    let mut notifications = Vec::new();
    let mut success = true;
    for (result, fingerprints) in results.iter().zip(&fingerprints) {
        let location = artifact_location(&result.path, &ctx.root);
        for note in &result.notes {
            success &= note.severity != Severity::Error;
            notifications.push(json!({
                "level": level(note.severity),
                "message": {"text": format!("{}: {}", slash_path(&result.path), redactor.text(&note.message))},
                "locations": [{"physicalLocation": {"artifactLocation": location.clone()}}],
            }));
        }
        let mut line_hashes: HashMap<String, usize> = HashMap::new();
        for (finding, fingerprint) in result.findings.iter().zip(fingerprints) {
            sarif_results.push(sarif_result(
                finding,
                result,
                &location,
                rules,
                &redactor,
                &mut line_hashes,
                fingerprint,
            ));
        }
    }
    let root = std::path::absolute(&ctx.root).unwrap_or_else(|_| ctx.root.clone());
    let mut root_uri = file_uri(&root);
    if !root_uri.ends_with('/') {
        root_uri.push('/');
    }
    let log = json!({
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "credlint",
                "version": ctx.tool_version,
                "semanticVersion": ctx.tool_version,
                "informationUri": INFORMATION_URI,
                "rules": rules.iter().map(|r| rule_descriptor(r)).collect::<Vec<_>>(),
            }},
            "originalUriBaseIds": {SRCROOT: {"uri": root_uri}},
            "columnKind": "utf16CodeUnits",
            "invocations": [{
                "executionSuccessful": success,
                "toolExecutionNotifications": notifications,
            }],
            "results": sarif_results,
        }],
    });
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

fn rule_descriptor(rule: &RuleMeta) -> Value {
    json!({
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": full_description(rule)},
        "help": {"text": rule.docs, "markdown": rule.docs},
        "defaultConfiguration": {"level": level(rule.severity)},
        "properties": {
            "tags": ["security", rule.group],
            "precision": rule.precision,
            "security-severity": rule.security_severity,
        },
    })
}

/// The first paragraph of the docs that is not a heading, or the summary.
fn full_description(rule: &RuleMeta) -> String {
    rule.docs
        .split("\n\n")
        .map(|p| {
            p.lines()
                .filter(|l| !l.trim_start().starts_with('#'))
                .map(str::trim)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .find(|p| !p.is_empty())
        .unwrap_or_else(|| rule.summary.to_owned())
}

fn sarif_result(
    finding: &Finding,
    result: &FileResult,
    location: &Value,
    rules: &[&'static RuleMeta],
    redactor: &Redactor<'_>,
    line_hashes: &mut HashMap<String, usize>,
    fingerprint: &str,
) -> Value {
    let source = result.source.as_ref();
    let physical = |span: &std::ops::Range<usize>| {
        json!({
            "artifactLocation": location.clone(),
            "region": region(source, span),
        })
    };
    let mut value = json!({
        "ruleId": finding.code,
        "level": level(finding.severity),
        "message": {"text": redactor.text(&finding.message)},
        "locations": [{"physicalLocation": physical(&finding.span)}],
        "partialFingerprints": {
            "primaryLocationLineHash": line_hash(source, finding, redactor, line_hashes),
            "credlintFingerprint/v1": fingerprint,
        },
        "properties": {
            "confidence": (f64::from(finding.confidence.0) * 100.0).round() / 100.0,
            "envVar": redactor.opt(finding.env_var.as_deref()),
            "tool": redactor.opt(finding.tool.as_deref()),
            "flag": redactor.opt(finding.flag.as_deref()),
            "tokenKind": redactor.opt(finding.token_kind.as_deref()),
            "preview": finding.secret.preview(),
            "help": redactor.opt(finding.help.as_deref()),
        },
    });
    if let Some(props) = value["properties"].as_object_mut() {
        props.retain(|_, v| !v.is_null());
    }
    if let Some(index) = rules.iter().position(|r| r.code == finding.code) {
        value["ruleIndex"] = json!(index);
    }
    if !finding.secondary.is_empty() {
        value["relatedLocations"] = finding
            .secondary
            .iter()
            .enumerate()
            .map(|(i, label)| {
                json!({
                    "id": i + 1,
                    "physicalLocation": physical(&label.span),
                    "message": {"text": redactor.text(&label.message)},
                })
            })
            .collect();
    }
    value
}

fn region(source: Option<&SourceFile>, span: &std::ops::Range<usize>) -> Value {
    let (start_line, start_column) = position_utf16(source, span.start);
    let (end_line, end_column) = position_utf16(source, span.end.max(span.start));
    json!({
        "startLine": start_line,
        "startColumn": start_column,
        "endLine": end_line,
        "endColumn": end_column,
    })
}

/// GitHub-style `primaryLocationLineHash`: 16 hex digits of a hash of the trimmed, redacted
/// line of the finding, then `:N`, N counting findings on lines with the same text in the file.
fn line_hash(
    source: Option<&SourceFile>,
    finding: &Finding,
    redactor: &Redactor<'_>,
    seen: &mut HashMap<String, usize>,
) -> String {
    let line = source
        .map(|s| redactor.text(s.line_text(s.line_index(finding.span.start.min(s.text.len())))))
        .unwrap_or_default();
    let hash = sha256_hex(line.trim().as_bytes())[..16].to_owned();
    let n = seen.entry(hash.clone()).or_insert(0);
    *n += 1;
    format!("{hash}:{n}")
}

/// The artifact location of `path`: relative to the root (`%SRCROOT%`) when it is under it or
/// was given relative, an absolute `file:` URI otherwise.
fn artifact_location(path: &Path, root: &Path) -> Value {
    let relative: Option<PathBuf> = match path.strip_prefix(root) {
        Ok(rel) => Some(rel.to_path_buf()),
        Err(_) if path.is_relative() => Some(path.to_path_buf()),
        Err(_) => None,
    };
    match relative {
        Some(rel) => {
            let rel: PathBuf = rel
                .components()
                .filter(|c| !matches!(c, std::path::Component::CurDir))
                .collect();
            json!({"uri": percent_encode(&slash_path(&rel)), "uriBaseId": SRCROOT})
        }
        None => json!({"uri": file_uri(path)}),
    }
}

fn file_uri(path: &Path) -> String {
    let p = slash_path(path);
    let p = if p.starts_with('/') {
        p
    } else {
        format!("/{p}")
    };
    format!("file://{}", percent_encode(&p))
}

/// Percent-encodes everything but unreserved characters, `/` and the sub-delimiters allowed in
/// a path segment.
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=:@".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use serde_json::{Value, json};

    use super::super::test_support::*;
    use super::super::{Format, fingerprint};
    use super::*;

    fn sarif(results: &[crate::finding::FileResult]) -> (String, Value) {
        let out = render_to_string(Format::Sarif, results);
        let v = serde_json::from_str(&out).unwrap();
        (out, v)
    }

    #[test]
    fn log_structure_rules_and_results() {
        let results = results();
        let (out, log) = sarif(&results);
        assert_no_secret(&out);
        assert_eq!(log["$schema"], SARIF_SCHEMA);
        assert_eq!(log["version"], "2.1.0");
        let runs = log["runs"].as_array().unwrap();
        assert_eq!(runs.len(), 1);
        let run = &runs[0];
        let driver = &run["tool"]["driver"];
        assert_eq!(driver["name"], "credlint");
        assert_eq!(driver["version"], "0.1.0");
        assert_eq!(driver["semanticVersion"], "0.1.0");
        assert_eq!(
            driver["informationUri"],
            "https://github.com/credlint/credlint"
        );
        let rules = driver["rules"].as_array().unwrap();
        assert_eq!(rules.len(), 2);
        assert_eq!(rules[0]["id"], "CL001");
        assert_eq!(rules[0]["name"], "secret-in-argument");
        assert_eq!(
            rules[0]["shortDescription"]["text"],
            "A credential passed as a literal command-line argument"
        );
        assert_eq!(
            rules[0]["fullDescription"]["text"],
            "Finds credentials passed as literal arguments."
        );
        assert_eq!(rules[0]["help"]["markdown"], CL001.docs);
        assert_eq!(rules[0]["defaultConfiguration"]["level"], "error");
        assert_eq!(
            rules[0]["properties"],
            json!({"tags": ["security", "credentials"], "precision": "high", "security-severity": "8.5"})
        );
        assert_eq!(rules[1]["defaultConfiguration"]["level"], "warning");
        assert_eq!(
            run["originalUriBaseIds"]["%SRCROOT%"]["uri"],
            "file:///work/repo/"
        );
        assert_eq!(run["columnKind"], "utf16CodeUnits");

        let inv = &run["invocations"][0];
        assert_eq!(inv["executionSuccessful"], false);
        assert_eq!(inv["toolExecutionNotifications"][0]["level"], "error");
        assert_eq!(
            inv["toolExecutionNotifications"][0]["message"]["text"],
            "broken.sh: invalid UTF-8 at byte offset 3"
        );

        let res = run["results"].as_array().unwrap();
        assert_eq!(res.len(), 2);
        let r = &res[0];
        assert_eq!(r["ruleId"], "CL001");
        assert_eq!(r["ruleIndex"], 0);
        assert_eq!(r["level"], "error");
        assert_eq!(
            r["message"]["text"],
            "PyPI token passed to `twine upload --password`"
        );
        let loc = &r["locations"][0]["physicalLocation"];
        assert_eq!(
            loc["artifactLocation"],
            json!({"uri": "deploy/publish.sh", "uriBaseId": "%SRCROOT%"})
        );
        assert_eq!(
            loc["region"],
            json!({"startLine": 3, "startColumn": 46, "endLine": 3, "endColumn": 46 + PYPI.len()})
        );
        assert!(loc.get("contextRegion").is_none() && loc["region"].get("snippet").is_none());
        let lh = r["partialFingerprints"]["primaryLocationLineHash"]
            .as_str()
            .unwrap();
        assert_eq!(lh.len(), 18);
        assert!(lh.ends_with(":1"));
        assert_eq!(
            r["partialFingerprints"]["credlintFingerprint/v1"],
            fingerprint(&results[1].findings[0], Path::new("deploy/publish.sh"))
        );
        assert_eq!(r["properties"]["confidence"], 0.99);
        assert_eq!(r["properties"]["envVar"], "TWINE_PASSWORD");
        assert_eq!(r["properties"]["tool"], "twine");
        assert_eq!(r["properties"]["preview"], "pypi-AgEI…");

        let p = &res[1];
        assert_eq!(p["ruleIndex"], 1);
        assert_eq!(p["level"], "warning");
        assert!(
            p["properties"].get("tokenKind").is_none(),
            "no null properties"
        );
        // `𝄞` is two UTF-16 code units: one column more than in characters.
        assert_eq!(
            p["locations"][0]["physicalLocation"]["region"],
            json!({"startLine": 1, "startColumn": 29, "endLine": 1, "endColumn": 41})
        );
        assert_eq!(
            p["relatedLocations"][0]["physicalLocation"]["region"],
            json!({"startLine": 2, "startColumn": 37, "endLine": 2, "endColumn": 42})
        );
        assert_eq!(p["relatedLocations"][0]["message"]["text"], "used here");
    }

    #[test]
    fn line_hash_ignores_the_hidden_part_and_counts_repeats() {
        let mut results = results();
        // The same line hash for two findings on identical lines, with different counters.
        let text = "curl -u admin:Xy9#kLmP2qRs x\ncurl -u admin:Xy9#kLmP2qRs x\n";
        let src = crate::source::SourceFile::from_text(
            "a.sh",
            crate::model::Language::Shell,
            text.into(),
            crate::source::Encoding::Utf8,
        );
        let mut a = finding(&CL001, text, PASSWORD, "password in `curl -u`", "here");
        let mut b = a.clone();
        let second = text.rfind(PASSWORD).unwrap();
        b.span = second..second + PASSWORD.len();
        a.tool = Some("curl".into());
        results.push(crate::finding::FileResult {
            path: PathBuf::from("a.sh"),
            source: Some(src),
            findings: vec![a, b],
            notes: vec![],
        });
        let (out, log) = sarif(&results);
        assert_no_secret(&out);
        let res = log["runs"][0]["results"].as_array().unwrap();
        let h1 = res[2]["partialFingerprints"]["primaryLocationLineHash"]
            .as_str()
            .unwrap();
        let h2 = res[3]["partialFingerprints"]["primaryLocationLineHash"]
            .as_str()
            .unwrap();
        assert_eq!(h1[..16], h2[..16]);
        assert!(h1.ends_with(":1") && h2.ends_with(":2"));
        assert_eq!(
            &h1[..16],
            &sha256_hex(b"curl -u admin:Xy9********* x")[..16]
        );
    }

    #[test]
    fn uris_are_relative_to_the_root_and_encoded() {
        let root = Path::new("/work/repo");
        assert_eq!(
            artifact_location(Path::new("/work/repo/ci/my script.ps1"), root),
            json!({"uri": "ci/my%20script.ps1", "uriBaseId": "%SRCROOT%"})
        );
        assert_eq!(
            artifact_location(Path::new("./ci/a#b.sh"), root),
            json!({"uri": "ci/a%23b.sh", "uriBaseId": "%SRCROOT%"})
        );
        assert_eq!(
            artifact_location(Path::new("/elsewhere/é.sh"), root),
            json!({"uri": "file:///elsewhere/%C3%A9.sh"})
        );
    }

    #[test]
    fn clean_run_is_successful_with_empty_results() {
        let (_, log) = sarif(&[]);
        assert_eq!(log["runs"][0]["results"], json!([]));
        assert_eq!(
            log["runs"][0]["invocations"][0]["executionSuccessful"],
            true
        );
        assert_eq!(
            log["runs"][0]["tool"]["driver"]["rules"]
                .as_array()
                .unwrap()
                .len(),
            2
        );
    }
}
