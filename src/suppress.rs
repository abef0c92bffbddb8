//! Inline suppressions: `# credlint: ignore`, `# credlint: ignore[CL001,secret-in-argument]`,
//! optionally followed by ` -- reason`, at the end of the flagged line or alone on the line
//! before it; `# credlint: ignore-file` (optionally `[codes]`) in the first comment block of the
//! file. PowerShell block comments work too: `<# credlint: ignore #>`.
//!
//! Filtering is pure (no I/O) and runs in the engine after the rules, on the Script model's
//! comments, so the CLI and the LSP server share it. Suppressions that suppress nothing, and
//! comments that start like a directive but do not parse, become CL900 `unused-suppression`
//! findings.

use crate::finding::{Confidence, Finding, RuleMeta, Secret};
use crate::model::{Comment, Span};
use crate::rules::unused_suppression;
use crate::source::SourceFile;

/// Whether a directive applies to one line or to the whole file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Applies to findings that start on this 0-based line.
    Line(usize),
    File,
}

/// One parsed directive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Directive {
    /// The comment holding it.
    pub span: Span,
    pub scope: Scope,
    /// Codes or names listed in `[…]`; empty means every rule.
    pub codes: Vec<String>,
    pub reason: Option<String>,
}

/// A comment that looks like a directive but does not parse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Malformed {
    pub span: Span,
    pub problem: String,
}

/// The body of a comment without its delimiters: `# x` → `x`, `<# x #>` → `x`.
fn comment_body(text: &str) -> &str {
    let t = text.trim();
    let t = if let Some(inner) = t.strip_prefix("<#") {
        inner.strip_suffix("#>").unwrap_or(inner)
    } else {
        t.trim_start_matches('#')
    };
    t.trim()
}

enum Parsed {
    NotADirective,
    Ok {
        file: bool,
        codes: Vec<String>,
        reason: Option<String>,
    },
    Bad(String),
}

fn parse_body(body: &str) -> Parsed {
    let Some(prefix) = body.get(..9) else {
        return Parsed::NotADirective;
    };
    if !prefix.eq_ignore_ascii_case("credlint:") {
        return Parsed::NotADirective;
    }
    let rest = body[9..].trim_start();
    let (file, rest) = if let Some(r) = rest.strip_prefix("ignore-file") {
        (true, r)
    } else if let Some(r) = rest.strip_prefix("ignore") {
        (false, r)
    } else {
        return Parsed::Bad(
            "expected `credlint: ignore` or `credlint: ignore-file` (with optional `[codes]` and `-- reason`)"
                .into(),
        );
    };
    let mut codes = Vec::new();
    let mut rest = rest;
    if let Some(r) = rest.strip_prefix('[') {
        let Some(end) = r.find(']') else {
            return Parsed::Bad("unclosed `[` in the list of rule codes".into());
        };
        for code in r[..end].split(',') {
            let code = code.trim();
            if code.is_empty() {
                return Parsed::Bad("empty rule code in `[…]`".into());
            }
            codes.push(code.to_owned());
        }
        rest = &r[end + 1..];
    }
    let rest = rest.trim();
    // Another comment may follow on the same line (`# credlint: ignore # why`).
    if rest.is_empty() || rest.starts_with('#') {
        return Parsed::Ok {
            file,
            codes,
            reason: None,
        };
    }
    match rest.strip_prefix("--") {
        Some(reason) => Parsed::Ok {
            file,
            codes,
            reason: Some(reason.trim().to_owned()).filter(|r| !r.is_empty()),
        },
        None => Parsed::Bad(format!(
            "unexpected `{rest}` after the directive; write a reason after ` -- `"
        )),
    }
}

/// Parses the directives of a file. A line directive at the end of a line of code applies to
/// that line; alone on its line it applies to the next line. `ignore-file` counts only in the
/// comment block at the top of the file (comments preceded by nothing but whitespace and other
/// comments); elsewhere it is malformed.
pub fn directives(source: &SourceFile, comments: &[Comment]) -> (Vec<Directive>, Vec<Malformed>) {
    let text = &source.text;
    let mut found = Vec::new();
    let mut bad = Vec::new();
    let mut in_header = true;
    let mut header_pos = 0;
    let mut comments: Vec<&Comment> = comments.iter().collect();
    comments.sort_by_key(|c| c.span.start);
    for c in comments {
        if in_header {
            let gap = text.get(header_pos..c.span.start).unwrap_or("x");
            if gap.trim().is_empty() {
                header_pos = c.span.end;
            } else {
                in_header = false;
            }
        }
        match parse_body(comment_body(&c.text)) {
            Parsed::NotADirective => {}
            Parsed::Bad(problem) => bad.push(Malformed {
                span: c.span.clone(),
                problem,
            }),
            Parsed::Ok {
                file,
                codes,
                reason,
            } => {
                let scope = if file {
                    if !in_header {
                        bad.push(Malformed {
                            span: c.span.clone(),
                            problem: "`credlint: ignore-file` only counts in the comment block at the top of the file".into(),
                        });
                        continue;
                    }
                    Scope::File
                } else {
                    let line = source.line_index(c.span.start.min(text.len()));
                    let before = &text[source.line_start(line)..c.span.start.min(text.len())];
                    if before.trim().is_empty() {
                        Scope::Line(line + 1)
                    } else {
                        Scope::Line(line)
                    }
                };
                found.push(Directive {
                    span: c.span.clone(),
                    scope,
                    codes,
                    reason,
                });
            }
        }
    }
    (found, bad)
}

fn code_matches(code: &str, meta_code: &str, meta_name: &str) -> bool {
    code.eq_ignore_ascii_case(meta_code) || code == meta_name
}

/// Removes suppressed findings and appends CL900 findings for unused or malformed directives.
/// `enabled` tells whether a rule (by metadata) ran; a listed code of a rule that did not run
/// is not reported as unused (it may be used with another selection). `report_unused` is false
/// when CL900 itself is not selected.
pub fn apply(
    source: &SourceFile,
    comments: &[Comment],
    findings: &mut Vec<Finding>,
    enabled: &dyn Fn(&RuleMeta) -> bool,
    report_unused: bool,
) {
    let (directives, malformed) = directives(source, comments);
    if directives.is_empty() && malformed.is_empty() {
        return;
    }
    // used[d][k]: directive d's k-th code (or the whole directive when it lists none) matched.
    let mut used: Vec<Vec<bool>> = directives
        .iter()
        .map(|d| vec![false; d.codes.len().max(1)])
        .collect();
    findings.retain(|f| {
        let line = source.line_index(f.span.start.min(source.text.len()));
        let mut suppressed = false;
        for (d, u) in directives.iter().zip(used.iter_mut()) {
            let applies = match d.scope {
                Scope::File => true,
                Scope::Line(l) => l == line,
            };
            if !applies {
                continue;
            }
            if d.codes.is_empty() {
                u[0] = true;
                suppressed = true;
            } else {
                for (k, code) in d.codes.iter().enumerate() {
                    if code_matches(code, f.code, f.name) {
                        u[k] = true;
                        suppressed = true;
                    }
                }
            }
        }
        !suppressed
    });
    if !report_unused {
        return;
    }
    let meta = unused_suppression::meta();
    for (d, u) in directives.iter().zip(&used) {
        if d.codes.is_empty() {
            if !u[0] {
                findings.push(cl900(
                    meta,
                    d.span.clone(),
                    "unused suppression: no finding here to ignore".into(),
                ));
            }
            continue;
        }
        let mut unused = Vec::new();
        let mut unknown = Vec::new();
        for (code, hit) in d.codes.iter().zip(u) {
            if *hit {
                continue;
            }
            match crate::rules::find(code) {
                None => unknown.push(code.as_str()),
                Some(m) if enabled(m) => unused.push(code.as_str()),
                Some(_) => {}
            }
        }
        if !unknown.is_empty() {
            findings.push(cl900(
                meta,
                d.span.clone(),
                format!(
                    "suppression names unknown rule{} {}",
                    if unknown.len() == 1 { "" } else { "s" },
                    quote_list(&unknown)
                ),
            ));
        }
        if !unused.is_empty() {
            findings.push(cl900(
                meta,
                d.span.clone(),
                format!(
                    "unused suppression: no {} finding here to ignore",
                    quote_list(&unused)
                ),
            ));
        }
    }
    for m in malformed {
        let mut f = cl900(
            meta,
            m.span,
            format!("malformed suppression: {}", m.problem),
        );
        f.help = Some(
            "write `# credlint: ignore[CL001] -- reason` after the code or on the line before it, or `# credlint: ignore-file` at the top of the file".into(),
        );
        findings.push(f);
    }
    findings.sort_by(|a, b| {
        (a.span.start, a.span.end, a.code).cmp(&(b.span.start, b.span.end, b.code))
    });
}

fn quote_list(codes: &[&str]) -> String {
    codes
        .iter()
        .map(|c| format!("`{c}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn cl900(meta: &'static RuleMeta, span: Span, message: String) -> Finding {
    Finding {
        code: meta.code,
        name: meta.name,
        severity: meta.severity,
        confidence: Confidence::VERIFIED,
        message,
        span,
        label: "this suppression".into(),
        secondary: Vec::new(),
        tool: None,
        flag: None,
        env_var: None,
        secret: Secret::new(""),
        token_kind: None,
        help: Some("remove the comment, or list only the rules it is meant for".into()),
        note: None,
        fix: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Language;
    use crate::source::Encoding;

    fn src(text: &str) -> SourceFile {
        SourceFile::from_text("t.ps1", Language::PowerShell, text.into(), Encoding::Utf8)
    }

    /// Comments found by a naive scan (`#` to end of line, `<#…#>`), like a lowering would.
    fn comments(text: &str) -> Vec<Comment> {
        let mut out = Vec::new();
        let mut i = 0;
        while let Some(p) = text[i..].find('#') {
            let s = i + p;
            if s > 0 && &text[s - 1..s] == "<" {
                let e = text[s..].find("#>").map_or(text.len(), |e| s + e + 2);
                out.push(Comment {
                    span: s - 1..e,
                    text: text[s - 1..e].into(),
                });
                i = e;
            } else {
                let e = text[s..].find('\n').map_or(text.len(), |e| s + e);
                out.push(Comment {
                    span: s..e,
                    text: text[s..e].into(),
                });
                i = e;
            }
        }
        out
    }

    fn finding_at(text: &str, needle: &str, code: &'static str, name: &'static str) -> Finding {
        let s = text.find(needle).unwrap();
        let mut f = cl900(unused_suppression::meta(), s..s + needle.len(), "x".into());
        f.code = code;
        f.name = name;
        f
    }

    fn run(text: &str, findings: Vec<Finding>) -> Vec<(String, String)> {
        let source = src(text);
        let mut findings = findings;
        apply(&source, &comments(text), &mut findings, &|_| true, true);
        findings
            .iter()
            .map(|f| (f.code.to_owned(), f.message.clone()))
            .collect()
    }

    #[test]
    fn parses_directive_forms() {
        let p = |s: &str| match parse_body(comment_body(s)) {
            Parsed::Ok {
                file,
                codes,
                reason,
            } => Ok((file, codes, reason)),
            Parsed::Bad(b) => Err(b),
            Parsed::NotADirective => Err("none".into()),
        };
        assert_eq!(p("# credlint: ignore"), Ok((false, vec![], None)));
        assert_eq!(
            p("#credlint: ignore[CL001, secret-in-argument] -- test fixture"),
            Ok((
                false,
                vec!["CL001".into(), "secret-in-argument".into()],
                Some("test fixture".into())
            ))
        );
        assert_eq!(p("<# credlint: ignore-file #>"), Ok((true, vec![], None)));
        assert_eq!(
            p("# credlint: ignore-file[CL002]"),
            Ok((true, vec!["CL002".into()], None))
        );
        assert_eq!(p("# just a comment"), Err("none".into()));
        assert_eq!(p("# credlint: ignore # note"), Ok((false, vec![], None)));
        assert!(p("# credlint: ignroe").is_err());
        assert!(p("# credlint: ignore[CL001").is_err());
        assert!(p("# credlint: ignore because").is_err());
    }

    #[test]
    fn trailing_and_preceding_line_directives() {
        let text = "a SECRET1 # credlint: ignore\n# credlint: ignore[CL001] -- fixture\nb SECRET2\nc SECRET3\n";
        let out = run(
            text,
            vec![
                finding_at(text, "SECRET1", "CL001", "secret-in-argument"),
                finding_at(text, "SECRET2", "CL001", "secret-in-argument"),
                finding_at(text, "SECRET3", "CL001", "secret-in-argument"),
            ],
        );
        assert_eq!(out, [("CL001".to_owned(), "x".to_owned())]);
    }

    #[test]
    fn codes_and_names_restrict_and_unused_are_reported() {
        let text = "a SECRET1 # credlint: ignore[plaintext-securestring]\nb SECRET2 # credlint: ignore[CL001,CL002]\n# credlint: ignore\nc clean\n";
        let out = run(
            text,
            vec![
                finding_at(text, "SECRET1", "CL001", "secret-in-argument"),
                finding_at(text, "SECRET2", "CL001", "secret-in-argument"),
            ],
        );
        let codes: Vec<&str> = out.iter().map(|(c, _)| c.as_str()).collect();
        assert_eq!(codes, ["CL001", "CL900", "CL900", "CL900"], "{out:?}");
        assert!(out[1].1.contains("`plaintext-securestring`"));
        assert!(out[2].1.contains("`CL002`"));
        assert_eq!(out[3].1, "unused suppression: no finding here to ignore");
    }

    #[test]
    fn file_directive_only_in_the_header() {
        let text = "#!/usr/bin/env pwsh\n<# credlint: ignore-file[CL001] -- test data #>\n\na SECRET1\nb SECRET2\n";
        let out = run(
            text,
            vec![
                finding_at(text, "SECRET1", "CL001", "secret-in-argument"),
                finding_at(text, "SECRET2", "CL002", "plaintext-securestring"),
            ],
        );
        assert_eq!(out, [("CL002".to_owned(), "x".to_owned())]);

        let late = "a SECRET1\n# credlint: ignore-file\n";
        let out = run(
            late,
            vec![finding_at(late, "SECRET1", "CL001", "secret-in-argument")],
        );
        assert_eq!(out.len(), 2);
        assert!(out[1].1.starts_with("malformed suppression"), "{out:?}");
    }

    #[test]
    fn unknown_codes_are_reported_and_disabled_rules_are_not() {
        let text = "a x # credlint: ignore[CL999]\nb y # credlint: ignore[CL002]\n";
        let source = src(text);
        let mut findings = Vec::new();
        apply(
            &source,
            &comments(text),
            &mut findings,
            &|m| m.code != "CL002",
            true,
        );
        assert_eq!(findings.len(), 1);
        assert_eq!(
            findings[0].message,
            "suppression names unknown rule `CL999`"
        );
        let mut findings = Vec::new();
        apply(&source, &comments(text), &mut findings, &|_| true, false);
        assert!(findings.is_empty());
    }
}
