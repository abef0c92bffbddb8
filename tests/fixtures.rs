//! Fixture tests: every file under `tests/fixtures/<rule-name>/` is linted and its findings are
//! compared with the expectations written in it:
//!
//! - `# expect: CL001` at the end of a line: that line has a finding of that code;
//! - `# expect-line N: CL001` anywhere: line N has one (for lines that cannot hold a comment,
//!   such as heredoc bodies, or for the assignment a data-flow finding points at).
//!
//! Every other line must be silent. The rendered diagnostics and the fixed text of each file are
//! snapshot-tested (`tests/snapshots/`), and fixing is checked to be idempotent and to leave no
//! fixed secret behind.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use credlint::engine::{self, Settings};
use credlint::finding::{Applicability, FileResult};
use credlint::fix::{self, FixOptions};
use credlint::report::{self, Format, ReportContext};
use credlint::rules;
use credlint::source::{self, SourceFile};

fn fixture_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut files = Vec::new();
    for meta in rules::all_meta() {
        let dir = root.join(meta.name);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            if p.is_file() && !name.contains(".fixed.") {
                files.push(p);
            }
        }
    }
    files.sort();
    files
}

fn expectations(text: &str) -> BTreeSet<(usize, String)> {
    let mut out = BTreeSet::new();
    for (i, line) in text.lines().enumerate() {
        if let Some(pos) = line.find("# expect: ") {
            for code in line[pos + "# expect: ".len()..].split(',') {
                out.insert((i + 1, code.trim().to_owned()));
            }
        }
        if let Some(pos) = line.find("# expect-line ") {
            let rest = &line[pos + "# expect-line ".len()..];
            let (n, codes) = rest.split_once(':').expect("`# expect-line N: CODE`");
            for code in codes.split(',') {
                out.insert((n.trim().parse().unwrap(), code.trim().to_owned()));
            }
        }
    }
    out
}

/// The default rules plus the group of the rule whose fixtures these are (opt-in groups run
/// only when selected).
fn settings_for(path: &Path, default: &Settings) -> Settings {
    let rule = path
        .parent()
        .unwrap()
        .file_name()
        .unwrap()
        .to_string_lossy();
    let mut select: Vec<String> = rules::all_meta()
        .iter()
        .filter(|m| default.selection.enabled(m))
        .map(|m| m.code.to_owned())
        .collect();
    // The rule's whole group, so sibling rules of an opt-in group show up together.
    let group = rules::find(&rule).map_or(rule.to_string(), |m| m.group.to_owned());
    select.push(group);
    let mut settings = default.clone();
    settings.selection.select = select;
    settings
}

fn snapshot_name(path: &Path) -> String {
    let rule = path
        .parent()
        .unwrap()
        .file_name()
        .unwrap()
        .to_string_lossy();
    let file = path.file_name().unwrap().to_string_lossy();
    format!("{rule}__{file}").replace('.', "_")
}

#[test]
fn fixtures_fire_exactly_where_expected() {
    let files = fixture_files();
    assert!(files.len() >= 4, "fixtures found: {files:?}");
    let default_settings = Settings::default();
    let mut failures = Vec::new();
    for path in &files {
        let settings = settings_for(path, &default_settings);
        let bytes = std::fs::read(path).unwrap();
        let language = source::detect_language(path, &bytes).expect("fixture language");
        let src = SourceFile::decode(path.file_name().unwrap(), language, &bytes).unwrap();
        let out = engine::lint(&src, &settings).unwrap();
        let actual: BTreeSet<(usize, String)> = out
            .findings
            .iter()
            .map(|f| (src.line_col(f.span.start).0, f.code.to_owned()))
            .collect();
        let expected = expectations(&src.text);
        if actual != expected {
            failures.push(format!(
                "{}:\n  missing: {:?}\n  unexpected: {:?}",
                path.display(),
                expected.difference(&actual).collect::<Vec<_>>(),
                actual.difference(&expected).collect::<Vec<_>>()
            ));
        }

        // Rendered diagnostics, redacted, as a reviewer sees them.
        let findings = out.findings.clone();
        let result = FileResult {
            path: PathBuf::from(path.file_name().unwrap()),
            source: Some(src.clone()),
            findings: findings.clone(),
            notes: Vec::new(),
        };
        let mut rendered = Vec::new();
        let ctx = ReportContext {
            color: false,
            show_fixes: true,
            ..ReportContext::new(".")
        };
        report::render(
            Format::Human,
            &[result],
            &rules::all_meta(),
            &ctx,
            &mut rendered,
        )
        .unwrap();
        let rendered = String::from_utf8(rendered).unwrap();
        for f in &findings {
            assert!(
                // Hygiene findings (CL020–CL022) carry no secret.
                f.secret.expose().is_empty() || !rendered.contains(f.secret.expose()),
                "{}: secret printed",
                path.display()
            );
        }
        insta::assert_snapshot!(format!("{}__human", snapshot_name(path)), rendered);

        // The fixed text, and the guarantees around it.
        if findings.is_empty() {
            continue;
        }
        let header_end = out.script.as_ref().map_or(0, |s| s.header_end);
        let opts = FixOptions::default();
        let plan = fix::fix_file_text(&src, &findings, header_end, &opts).unwrap();
        insta::assert_snapshot!(format!("{}__fixed", snapshot_name(path)), plan.text);
        for (i, f) in findings.iter().enumerate() {
            let safe = f
                .fix
                .as_ref()
                .is_some_and(|x| x.applicability == Applicability::Safe);
            if safe && plan.applied.contains(&i) {
                assert!(
                    f.secret.expose().is_empty() || !plan.text.contains(f.secret.expose()),
                    "{}: fixed secret still present",
                    path.display()
                );
            }
        }
        let fixed_src = SourceFile::from_text(
            path.file_name().unwrap(),
            language,
            plan.text.clone(),
            src.encoding,
        );
        let relinted = engine::lint(&fixed_src, &settings).unwrap();
        let header_end = relinted.script.as_ref().map_or(0, |s| s.header_end);
        let second = fix::fix_file_text(&fixed_src, &relinted.findings, header_end, &opts).unwrap();
        assert_eq!(
            second.text,
            plan.text,
            "{}: fixing twice changes nothing",
            path.display()
        );
        for f in &relinted.findings {
            assert!(
                !findings
                    .iter()
                    .enumerate()
                    .any(|(i, g)| plan.applied.contains(&i)
                        && !g.secret.expose().is_empty()
                        && g.secret.expose() == f.secret.expose()),
                "{}: a fixed finding is reported again",
                path.display()
            );
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
