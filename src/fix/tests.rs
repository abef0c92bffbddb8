use super::*;
use crate::finding::{Confidence, Secret, Severity};
use crate::model::Language;
use crate::source::Encoding;

const TOKEN: &str = "pypi-AgEIcHlwaS5vcmcCJGI4ZTc3ZmJhLTY0ZTEtNDYxNi1hNjNkLWQ0OWRmYjA3NzA3NwACKlsz";

const PS_GUARD_CRLF: &str = "if (-not $env:PYPI_TOKEN) {\r\n\tWrite-Host \"ERROR: PYPI_TOKEN \
                             environment variable not set\" -ForegroundColor Red\r\n\texit 1\r\n}\
                             \r\n\r\n";
const SH_GUARD: &str = "if [ -z \"${PYPI_TOKEN:-}\" ]; then\n\techo \"ERROR: PYPI_TOKEN environment \
                        variable not set\" >&2\n\texit 1\nfi\n\n";

fn source(language: Language, text: &str) -> SourceFile {
    SourceFile::from_text("test", language, text.to_owned(), Encoding::Utf8)
}

fn finding(span: Span, fix: Option<Fix>) -> Finding {
    Finding {
        code: "CL001",
        name: "secret-in-argument",
        severity: Severity::Error,
        confidence: Confidence::VERIFIED,
        message: "PyPI token passed to twine".to_owned(),
        span,
        label: String::new(),
        secondary: Vec::new(),
        tool: Some("twine".to_owned()),
        flag: Some("--password".to_owned()),
        env_var: Some("PYPI_TOKEN".to_owned()),
        secret: Secret::new(TOKEN),
        token_kind: Some("PyPI API token".to_owned()),
        help: None,
        note: None,
        fix,
    }
}

/// A finding for the `nth` occurrence of `secret` in `text`, whose fix replaces it with
/// `replacement` and guards `variable` before the line the secret is on, in `scope`.
fn token_finding(
    text: &str,
    secret: &str,
    nth: usize,
    replacement: &str,
    variable: &str,
    scope: Span,
    applicability: Applicability,
) -> Finding {
    let start = text
        .match_indices(secret)
        .nth(nth)
        .expect("secret occurs")
        .0;
    let span = start..start + secret.len();
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    // The statement starts after the line's indentation.
    let before = line_start
        + text[line_start..]
            .bytes()
            .take_while(|b| *b == b' ' || *b == b'\t')
            .count();
    let fix = Fix {
        applicability,
        description: format!("read {variable} from the environment"),
        edits: vec![Edit {
            range: span.clone(),
            replacement: replacement.to_owned(),
        }],
        guards: vec![GuardRequest {
            variable: variable.to_owned(),
            before,
            scope,
        }],
    };
    let mut f = finding(span, Some(fix));
    f.secret = Secret::new(secret);
    f
}

fn whole(text: &str) -> Span {
    0..text.len()
}

fn run(source: &SourceFile, findings: &[Finding]) -> FixPlan {
    plan(source, findings, 0, &FixOptions::default())
}

#[test]
fn founding_case_powershell_crlf_matches_the_seed() {
    let before_lines =
        "# Publish to PyPI\r\n$ErrorActionPreference = \"Stop\"\r\n\r\npython -m build\r\n";
    let after_lines = "Write-Host \"Done\" -ForegroundColor Green\r\n";
    let text = format!(
        "{before_lines}python -m twine upload dist/*.whl dist/*.tar.gz --username __token__ \
         --password {TOKEN}\r\n{after_lines}"
    );
    let src = source(Language::PowerShell, &text);
    let f = token_finding(
        &text,
        TOKEN,
        0,
        "$env:PYPI_TOKEN",
        "PYPI_TOKEN",
        whole(&text),
        Applicability::Safe,
    );
    let plan = fix_file_text(&src, &[f], 0, &FixOptions::default()).unwrap();
    let expected = format!(
        "{before_lines}{PS_GUARD_CRLF}python -m twine upload dist/*.whl dist/*.tar.gz --username \
         __token__ --password $env:PYPI_TOKEN\r\n{after_lines}"
    );
    assert_eq!(plan.text, expected);
    assert_eq!(plan.applied, [0]);
    assert!(plan.skipped.is_empty());
    // The seed's After block, byte for byte.
    assert!(plan.text.contains(
        "if (-not $env:PYPI_TOKEN) {\r\n\tWrite-Host \"ERROR: PYPI_TOKEN environment variable not \
         set\" -ForegroundColor Red\r\n\texit 1\r\n}\r\n\r\npython -m twine upload dist/*.whl \
         dist/*.tar.gz --username __token__ --password $env:PYPI_TOKEN\r\n"
    ));
    assert!(!plan.text.contains(TOKEN));
}

#[test]
fn founding_case_single_line_file() {
    let text = format!(
        "python -m twine upload dist/*.whl dist/*.tar.gz --username __token__ --password {TOKEN}\r\n"
    );
    let src = source(Language::PowerShell, &text);
    let f = token_finding(
        &text,
        TOKEN,
        0,
        "$env:PYPI_TOKEN",
        "PYPI_TOKEN",
        whole(&text),
        Applicability::Safe,
    );
    let plan = fix_file_text(&src, &[f], 0, &FixOptions::default()).unwrap();
    assert_eq!(
        plan.text,
        format!(
            "{PS_GUARD_CRLF}python -m twine upload dist/*.whl dist/*.tar.gz --username __token__ \
             --password $env:PYPI_TOKEN\r\n"
        )
    );
}

#[test]
fn bash_twin() {
    let text = format!(
        "#!/bin/bash\nset -euo pipefail\n\ntwine upload dist/* --username __token__ --password \
         {TOKEN}\necho done\n"
    );
    let src = source(Language::Shell, &text);
    let f = token_finding(
        &text,
        TOKEN,
        0,
        "\"$PYPI_TOKEN\"",
        "PYPI_TOKEN",
        whole(&text),
        Applicability::Safe,
    );
    let plan = fix_file_text(&src, &[f], 12, &FixOptions::default()).unwrap();
    assert_eq!(
        plan.text,
        format!(
            "#!/bin/bash\nset -euo pipefail\n\n{SH_GUARD}twine upload dist/* --username __token__ \
             --password \"$PYPI_TOKEN\"\necho done\n"
        )
    );
    assert_eq!(plan.applied, [0]);
}

#[test]
fn indented_statement_in_function_gets_indented_guard() {
    let text = format!(
        "function Publish {{\r\n    python -m build\r\n    python -m twine upload --username \
         __token__ --password {TOKEN}\r\n}}\r\n"
    );
    let src = source(Language::PowerShell, &text);
    let body = text.find('{').unwrap()..text.rfind('}').unwrap() + 1;
    let f = token_finding(
        &text,
        TOKEN,
        0,
        "$env:PYPI_TOKEN",
        "PYPI_TOKEN",
        body,
        Applicability::Safe,
    );
    let plan = fix_file_text(&src, &[f], 0, &FixOptions::default()).unwrap();
    assert_eq!(
        plan.text,
        "function Publish {\r\n    python -m build\r\n    if (-not $env:PYPI_TOKEN) {\r\n    \
         \tWrite-Host \"ERROR: PYPI_TOKEN environment variable not set\" -ForegroundColor Red\r\n\
         \x20   \texit 1\r\n    }\r\n\r\n    python -m twine upload --username __token__ \
         --password $env:PYPI_TOKEN\r\n}\r\n"
    );
}

#[test]
fn indent_unit_is_configurable() {
    let text = format!("  twine upload -u __token__ -p {TOKEN}\n");
    let src = source(Language::Shell, &text);
    let f = token_finding(
        &text,
        TOKEN,
        0,
        "\"$PYPI_TOKEN\"",
        "PYPI_TOKEN",
        whole(&text),
        Applicability::Safe,
    );
    let opts = FixOptions {
        indent_unit: "  ".to_owned(),
        ..FixOptions::default()
    };
    let plan = plan(&src, &[f], 0, &opts);
    assert_eq!(
        plan.text,
        "  if [ -z \"${PYPI_TOKEN:-}\" ]; then\n    echo \"ERROR: PYPI_TOKEN environment variable \
         not set\" >&2\n    exit 1\n  fi\n\n  twine upload -u __token__ -p \"$PYPI_TOKEN\"\n"
    );
}

#[test]
fn same_variable_same_scope_one_guard_before_first_use() {
    let text = format!(
        "echo start\ntwine upload -u __token__ -p {TOKEN} a.whl\ntwine upload -u __token__ -p \
         {TOKEN} b.whl\n"
    );
    let src = source(Language::Shell, &text);
    let findings = [1, 0].map(|nth| {
        token_finding(
            &text,
            TOKEN,
            nth,
            "\"$PYPI_TOKEN\"",
            "PYPI_TOKEN",
            whole(&text),
            Applicability::Safe,
        )
    });
    let plan = fix_file_text(&src, &findings, 0, &FixOptions::default()).unwrap();
    assert_eq!(
        plan.text,
        format!(
            "echo start\n{SH_GUARD}twine upload -u __token__ -p \"$PYPI_TOKEN\" a.whl\ntwine \
             upload -u __token__ -p \"$PYPI_TOKEN\" b.whl\n"
        )
    );
    assert_eq!(plan.applied, [0, 1]);
}

#[test]
fn different_scopes_get_one_guard_each() {
    let text =
        format!("a() {{\n  twine upload -p {TOKEN}\n}}\nb() {{\n  twine upload -p {TOKEN}\n}}\n");
    let src = source(Language::Shell, &text);
    let first_body = text.find('{').unwrap()..text.find('}').unwrap() + 1;
    let second_body = text.rfind('{').unwrap()..text.rfind('}').unwrap() + 1;
    let findings = [(0, first_body), (1, second_body)].map(|(nth, scope)| {
        token_finding(
            &text,
            TOKEN,
            nth,
            "\"$PYPI_TOKEN\"",
            "PYPI_TOKEN",
            scope,
            Applicability::Safe,
        )
    });
    let plan = fix_file_text(&src, &findings, 0, &FixOptions::default()).unwrap();
    let guard = "  if [ -z \"${PYPI_TOKEN:-}\" ]; then\n  \techo \"ERROR: PYPI_TOKEN environment \
                 variable not set\" >&2\n  \texit 1\n  fi\n\n";
    assert_eq!(
        plan.text,
        format!(
            "a() {{\n{guard}  twine upload -p \"$PYPI_TOKEN\"\n}}\nb() {{\n{guard}  twine upload \
             -p \"$PYPI_TOKEN\"\n}}\n"
        )
    );
}

#[test]
fn overlapping_edits_second_skipped() {
    let text = format!("twine upload -p {TOKEN}\n");
    let src = source(Language::Shell, &text);
    let first = token_finding(
        &text,
        TOKEN,
        0,
        "\"$PYPI_TOKEN\"",
        "PYPI_TOKEN",
        whole(&text),
        Applicability::Safe,
    );
    // A second rule wants to rewrite the whole argument list.
    let start = text.find("-p").unwrap();
    let mut second = finding(
        start..text.len() - 1,
        Some(Fix {
            applicability: Applicability::Safe,
            description: "other".to_owned(),
            edits: vec![Edit {
                range: start..text.len() - 1,
                replacement: "--password \"$TWINE_PASSWORD\"".to_owned(),
            }],
            guards: vec![GuardRequest {
                variable: "TWINE_PASSWORD".to_owned(),
                before: 0,
                scope: whole(&text),
            }],
        }),
    );
    second.code = "CL002";
    let plan = run(&src, &[first, second]);
    assert_eq!(
        plan.text,
        format!("{SH_GUARD}twine upload -p \"$PYPI_TOKEN\"\n")
    );
    assert_eq!(plan.applied, [0]);
    assert_eq!(plan.skipped.len(), 1);
    assert_eq!(plan.skipped[0].0, 1);
    assert!(
        plan.skipped[0].1.contains("overlaps"),
        "{}",
        plan.skipped[0].1
    );
    assert!(
        plan.skipped[0].1.contains("CL001 at 1:17"),
        "{}",
        plan.skipped[0].1
    );
}

#[test]
fn identical_edits_are_merged_not_conflicts() {
    let text = format!("twine upload -p {TOKEN}\n");
    let src = source(Language::Shell, &text);
    let make = || {
        token_finding(
            &text,
            TOKEN,
            0,
            "\"$PYPI_TOKEN\"",
            "PYPI_TOKEN",
            whole(&text),
            Applicability::Safe,
        )
    };
    let plan = run(&src, &[make(), make()]);
    assert_eq!(
        plan.text,
        format!("{SH_GUARD}twine upload -p \"$PYPI_TOKEN\"\n")
    );
    assert_eq!(plan.applied, [0, 1]);
    assert!(plan.skipped.is_empty());
}

#[test]
fn insertions_at_the_same_offset_conflict() {
    let text = "echo hi\n".to_owned();
    let src = source(Language::Shell, &text);
    let insert = |s: &str| {
        finding(
            4..4,
            Some(Fix {
                applicability: Applicability::Safe,
                description: String::new(),
                edits: vec![Edit {
                    range: 4..4,
                    replacement: s.to_owned(),
                }],
                guards: vec![],
            }),
        )
    };
    let plan = run(&src, &[insert(" a"), insert(" b")]);
    assert_eq!(plan.text, "echo a hi\n");
    assert_eq!(plan.applied, [0]);
    assert_eq!(plan.skipped[0].0, 1);
}

#[test]
fn display_only_never_applied_and_unsafe_only_with_flag() {
    let text = format!("twine upload -p {TOKEN}\n");
    let src = source(Language::Shell, &text);
    let with = |a| {
        token_finding(
            &text,
            TOKEN,
            0,
            "\"$PYPI_TOKEN\"",
            "PYPI_TOKEN",
            whole(&text),
            a,
        )
    };
    let all = FixOptions {
        unsafe_fixes: true,
        ..FixOptions::default()
    };

    let display = [with(Applicability::DisplayOnly)];
    for opts in [&FixOptions::default(), &all] {
        let plan = plan(&src, &display, 0, opts);
        assert_eq!(plan.text, text);
        assert!(plan.applied.is_empty());
        assert_eq!(plan.skipped[0].0, 0);
        assert!(plan.skipped[0].1.contains("display-only"));
    }

    let unsafe_fix = [with(Applicability::Unsafe)];
    let plan_default = plan(&src, &unsafe_fix, 0, &FixOptions::default());
    assert_eq!(plan_default.text, text);
    assert!(plan_default.skipped[0].1.contains("--unsafe-fixes"));
    let plan_unsafe = plan(&src, &unsafe_fix, 0, &all);
    assert_eq!(
        plan_unsafe.text,
        format!("{SH_GUARD}twine upload -p \"$PYPI_TOKEN\"\n")
    );
    assert_eq!(plan_unsafe.applied, [0]);
}

#[test]
fn findings_without_fix_are_neither_applied_nor_skipped() {
    let text = format!("x={TOKEN}\n");
    let src = source(Language::Shell, &text);
    let plan = run(&src, &[finding(2..2 + TOKEN.len(), None)]);
    assert_eq!(plan.text, text);
    assert!(plan.applied.is_empty() && plan.skipped.is_empty());
}

#[test]
fn guards_can_be_turned_off() {
    let text = format!("twine upload -p {TOKEN}\n");
    let src = source(Language::Shell, &text);
    let f = token_finding(
        &text,
        TOKEN,
        0,
        "\"$PYPI_TOKEN\"",
        "PYPI_TOKEN",
        whole(&text),
        Applicability::Safe,
    );
    let opts = FixOptions {
        guards: false,
        ..FixOptions::default()
    };
    assert_eq!(
        plan(&src, &[f], 0, &opts).text,
        "twine upload -p \"$PYPI_TOKEN\"\n"
    );
}

#[test]
fn idempotent_on_fixed_text() {
    let text = format!("echo start\r\npython -m twine upload -u __token__ -p {TOKEN}\r\n");
    let src = source(Language::PowerShell, &text);
    let f = token_finding(
        &text,
        TOKEN,
        0,
        "$env:PYPI_TOKEN",
        "PYPI_TOKEN",
        whole(&text),
        Applicability::Safe,
    );
    let first = fix_file_text(&src, &[f], 0, &FixOptions::default()).unwrap();
    // Second run: the linter finds nothing in the fixed text.
    let fixed = source(Language::PowerShell, &first.text);
    let second = fix_file_text(&fixed, &[], 0, &FixOptions::default()).unwrap();
    assert_eq!(second.text, first.text);
    assert!(second.applied.is_empty() && second.skipped.is_empty());
}

#[test]
fn existing_guard_is_not_duplicated() {
    // The guard is already there (from an earlier fix, or written by hand) and a new literal
    // for the same variable appears below it.
    let text = format!(
        "{PS_GUARD_CRLF}python -m twine upload -u __token__ -p $env:PYPI_TOKEN\r\npython -m \
         twine upload -u __token__ -p {TOKEN} -r testpypi\r\n"
    );
    let src = source(Language::PowerShell, &text);
    let f = token_finding(
        &text,
        TOKEN,
        0,
        "$env:PYPI_TOKEN",
        "PYPI_TOKEN",
        whole(&text),
        Applicability::Safe,
    );
    let plan = fix_file_text(&src, &[f], 0, &FixOptions::default()).unwrap();
    assert_eq!(
        plan.text,
        format!(
            "{PS_GUARD_CRLF}python -m twine upload -u __token__ -p $env:PYPI_TOKEN\r\npython -m \
             twine upload -u __token__ -p $env:PYPI_TOKEN -r testpypi\r\n"
        )
    );
    assert_eq!(plan.applied, [0]);
}

#[test]
fn guard_in_another_variable_does_not_count() {
    let other = PS_GUARD_CRLF.replace("PYPI_TOKEN", "NPM_TOKEN");
    let text = format!("{other}python -m twine upload -u __token__ -p {TOKEN}\r\n");
    let src = source(Language::PowerShell, &text);
    let f = token_finding(
        &text,
        TOKEN,
        0,
        "$env:PYPI_TOKEN",
        "PYPI_TOKEN",
        whole(&text),
        Applicability::Safe,
    );
    let plan = run(&src, &[f]);
    assert_eq!(
        plan.text,
        format!("{other}{PS_GUARD_CRLF}python -m twine upload -u __token__ -p $env:PYPI_TOKEN\r\n")
    );
}

#[test]
fn header_end_is_respected() {
    let header = "#Requires -Version 7\r\n[CmdletBinding()]\r\nparam(\r\n    [string]$Dist = \
                  \"dist\"\r\n)\r\n";
    let text = format!("{header}python -m twine upload \"$Dist/*\" -u __token__ -p {TOKEN}\r\n");
    let src = source(Language::PowerShell, &text);
    let header_end = header.len() - 2; // just after `)`
    let mut f = token_finding(
        &text,
        TOKEN,
        0,
        "$env:PYPI_TOKEN",
        "PYPI_TOKEN",
        whole(&text),
        Applicability::Safe,
    );
    // A rule asking for the guard at the top of the script must not get it before the header.
    f.fix.as_mut().unwrap().guards[0].before = 0;
    let plan = fix_file_text(&src, &[f], header_end, &FixOptions::default()).unwrap();
    assert_eq!(
        plan.text,
        format!(
            "{header}{PS_GUARD_CRLF}python -m twine upload \"$Dist/*\" -u __token__ -p \
             $env:PYPI_TOKEN\r\n"
        )
    );
}

#[test]
fn guard_moves_out_of_a_replaced_range() {
    // An edit replacing two lines; the guard's statement is on the second.
    let text = format!("echo a\nexport A={TOKEN} \\\n  B=1\n");
    let src = source(Language::Shell, &text);
    let start = text.find("export").unwrap();
    let end = text.len() - 1;
    let f = finding(
        start..end,
        Some(Fix {
            applicability: Applicability::Safe,
            description: String::new(),
            edits: vec![Edit {
                range: start..end,
                replacement: "export A=\"$A\" B=1".to_owned(),
            }],
            guards: vec![GuardRequest {
                variable: "A".to_owned(),
                before: text.find("B=1").unwrap(),
                scope: whole(&text),
            }],
        }),
    );
    let plan = fix_file_text(&src, &[f], 0, &FixOptions::default()).unwrap();
    assert_eq!(
        plan.text,
        "echo a\nif [ -z \"${A:-}\" ]; then\n\techo \"ERROR: A environment variable not set\" \
         >&2\n\texit 1\nfi\n\nexport A=\"$A\" B=1\n"
    );
}

#[test]
fn invalid_fixes_are_skipped() {
    let text = "echo é\n".to_owned();
    let src = source(Language::Shell, &text);
    let with_edit = |range: Span, variable: &str| {
        finding(
            range.clone(),
            Some(Fix {
                applicability: Applicability::Safe,
                description: String::new(),
                edits: vec![Edit {
                    range,
                    replacement: "x".to_owned(),
                }],
                guards: vec![GuardRequest {
                    variable: variable.to_owned(),
                    before: 0,
                    scope: 0..text.len(),
                }],
            }),
        )
    };
    let findings = [
        with_edit(5..6, "OK"),  // inside `é`
        with_edit(5..99, "OK"), // past the end
        with_edit(0..4, "BAD-NAME"),
    ];
    let plan = run(&src, &findings);
    assert_eq!(plan.text, text);
    assert_eq!(
        plan.skipped.iter().map(|s| s.0).collect::<Vec<_>>(),
        [0, 1, 2]
    );
}

#[test]
fn fix_file_text_rejects_broken_syntax() {
    let text = "echo hello\nexit 0\n".to_owned();
    let src = source(Language::Shell, &text);
    let f = finding(
        5..5,
        Some(Fix {
            applicability: Applicability::Safe,
            description: String::new(),
            edits: vec![Edit {
                range: 5..5,
                replacement: "\"".to_owned(),
            }],
            guards: vec![],
        }),
    );
    let err = fix_file_text(&src, &[f], 0, &FixOptions::default()).unwrap_err();
    assert!(
        matches!(err, FixError::WouldBreakSyntax { before: 0, .. }),
        "{err:?}"
    );
}

#[test]
fn file_without_trailing_newline() {
    let text = format!("param($x)\ntwine upload -p {TOKEN}");
    let src = source(Language::Shell, &text);
    let f = token_finding(
        &text,
        TOKEN,
        0,
        "\"$PYPI_TOKEN\"",
        "PYPI_TOKEN",
        whole(&text),
        Applicability::Safe,
    );
    let plan = run(&src, &[f]);
    assert_eq!(
        plan.text,
        format!("param($x)\n{SH_GUARD}twine upload -p \"$PYPI_TOKEN\"")
    );
}

/// Fuzz crash fix_roundtrip 3abb5bf: a replacement ending in a variable reference ran into the
/// name characters after it (`'secret'w` → `$env:TOKENw`).
#[test]
fn replacement_never_runs_into_a_following_name() {
    let edit = |text: &str, range: Span, replacement: &str| {
        seal(
            if replacement.contains("env:") {
                Language::PowerShell
            } else {
                Language::Shell
            },
            text,
            Edit {
                range,
                replacement: replacement.to_owned(),
            },
        )
        .replacement
    };
    assert_eq!(edit("'x'w", 0..3, "$env:TOKEN"), "${env:TOKEN}");
    assert_eq!(edit("'x':", 0..3, "$env:TOKEN"), "${env:TOKEN}");
    assert_eq!(edit("'x' w", 0..3, "$env:TOKEN"), "$env:TOKEN");
    assert_eq!(edit("'x'", 0..3, "$env:TOKEN"), "$env:TOKEN");
    assert_eq!(edit("u:xy", 2..3, "$($env:TOKEN)"), "$($env:TOKEN)");
    assert_eq!(edit("xy", 0..1, "$TOKEN"), "${TOKEN}");
    assert_eq!(edit("xy", 0..1, "\"$TOKEN\""), "\"$TOKEN\"");
    assert_eq!(edit("x-", 0..1, "$TOKEN"), "$TOKEN");
}
