//! The prefilter's invariant: a finding can only occur in a file that contains one of its
//! trigger words (see `engine::KEYWORDS`, `secret::TOKEN_TRIGGERS` and the catalog's command
//! names), so a file without any is finished without parsing. Checked here on every fixture:
//! each file is parsed and linted *without* the prefilter, and whenever that finds anything the
//! prefilter must let the file through.

use std::path::{Path, PathBuf};

use credlint::engine::{self, Settings};
use credlint::lang;
use credlint::source::{self, SourceFile};

fn all_fixtures(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            all_fixtures(&p, out);
        } else {
            out.push(p);
        }
    }
}

#[test]
fn prefilter_passes_every_fixture_with_findings() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut files = Vec::new();
    all_fixtures(&root, &mut files);
    files.sort();
    let settings = Settings::default();
    let mut checked = 0;
    for p in &files {
        let bytes = std::fs::read(p).unwrap();
        let Some(language) = source::detect_language(p, &bytes) else {
            continue;
        };
        let Ok(src) = SourceFile::decode(p, language, &bytes) else {
            continue;
        };
        let script = lang::parse(language, &src.text, settings.parse_budget).unwrap();
        let findings = engine::lint_script(&src, &script, &settings);
        if findings.is_empty() {
            continue;
        }
        checked += 1;
        assert!(
            settings.may_contain_credentials(&src.text),
            "{} has {} finding(s) ({}) but the prefilter would skip it",
            p.display(),
            findings.len(),
            findings
                .iter()
                .map(|f| f.code)
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    assert!(checked >= 10, "only {checked} fixtures with findings");
}
