//! Whole-corpus fix test: `credlint check --fix` over a copy of the labelled development corpus
//! (`../shared/corpus`, next to the repository; the test is skipped with a message when it is
//! absent). Every fixed secret must be gone from its file, shell files must pass `bash -n`,
//! PowerShell files must re-parse without new syntax errors, modes and encodings must be kept,
//! and a second run must change nothing.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use credlint::lang::{self, DEFAULT_PARSE_BUDGET};
use credlint::model::Language;
use credlint::source::{self, decode_bytes};

fn corpus() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    dir.join("labels.jsonl").is_file().then_some(dir)
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    let mut perms = std::fs::metadata(to).unwrap().permissions();
    perms.set_mode(perms.mode() | 0o700);
    std::fs::set_permissions(to, perms).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let path = entry.path();
        let dest = to.join(entry.file_name());
        if path.is_dir() {
            copy_tree(&path, &dest);
        } else {
            std::fs::copy(&path, &dest).unwrap();
            // shared/ is read-only; the copy must be writable for --fix (which refuses
            // read-only files).
            let mut perms = std::fs::metadata(&dest).unwrap().permissions();
            perms.set_mode(perms.mode() | 0o200);
            std::fs::set_permissions(&dest, perms).unwrap();
        }
    }
}

fn files(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn syntax_errors(language: Language, text: &str) -> usize {
    let tree = lang::parse_tree(language, text, DEFAULT_PARSE_BUDGET).unwrap();
    credlint::fix::verify::count_syntax_errors(&tree)
}

struct Label {
    file: String,
    secret: String,
    fixable: bool,
}

fn labels(corpus: &Path) -> Vec<Label> {
    std::fs::read_to_string(corpus.join("labels.jsonl"))
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            Label {
                file: v["file"].as_str().unwrap().to_owned(),
                secret: v["secret"].as_str().unwrap().to_owned(),
                fixable: v["fixable"].as_bool().unwrap_or(false),
            }
        })
        .collect()
}

#[test]
fn fixing_the_whole_corpus_keeps_every_script_valid() {
    let Some(corpus) = corpus() else {
        eprintln!("SKIPPED: ../shared/corpus not found next to the repository");
        return;
    };
    let safe_left = fix_corpus(&corpus, &[]);
    let unsafe_left = fix_corpus(&corpus, &["--unsafe-fixes"]);
    // Unsafe fixes (deleting an environment assignment) only ever add to the safe ones.
    assert!(unsafe_left.len() <= safe_left.len());
}

/// Fixes a copy of the corpus with `credlint check --fix EXTRA…`, checks every guarantee,
/// and returns the fixable labelled secrets left in place.
fn fix_corpus(corpus: &Path, extra: &[&str]) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("corpus");
    copy_tree(corpus, &root);
    for name in ["labels.jsonl", "README.md", "NEGATIVES.md"] {
        let _ = std::fs::remove_file(root.join(name));
    }

    // Before: bytes, modes, encodings, syntax error counts.
    let mut before = BTreeMap::new();
    for path in files(&root) {
        let bytes = std::fs::read(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        let language = source::detect_language(&path, &bytes).expect("corpus script");
        let (encoding, text) = decode_bytes(&bytes).unwrap();
        let errors = syntax_errors(language, &text);
        before.insert(path, (bytes, mode, language, encoding, text, errors));
    }

    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_credlint"))
            .args(args)
            .current_dir(&root)
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    };
    let mut args = vec!["check", "--fix", "--format", "json"];
    args.extend_from_slice(extra);
    args.push(".");
    let first = run(&args);
    assert!(
        first.status.code() == Some(0) || first.status.code() == Some(1),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );

    let mut after = BTreeMap::new();
    let mut changed_files = 0;
    for (path, (bytes, mode, language, encoding, _text, errors)) in &before {
        let new_bytes = std::fs::read(path).unwrap();
        let new_mode = std::fs::metadata(path).unwrap().permissions().mode();
        assert_eq!(*mode, new_mode, "{}: mode kept", path.display());
        let (new_encoding, new_text) = decode_bytes(&new_bytes).unwrap();
        assert_eq!(*encoding, new_encoding, "{}: encoding kept", path.display());
        if new_bytes != *bytes {
            changed_files += 1;
            let old_crlf = bytes.windows(2).any(|w| w == b"\r\n") || new_text.contains("\r\n");
            if old_crlf {
                assert!(
                    !new_text.replace("\r\n", "").contains('\n'),
                    "{}: CRLF kept",
                    path.display()
                );
            }
        }
        let new_errors = syntax_errors(*language, &new_text);
        assert!(
            new_errors <= *errors,
            "{}: {errors} syntax errors before, {new_errors} after",
            path.display()
        );
        if *language == Language::Shell {
            let status = Command::new("bash").arg("-n").arg(path).status().unwrap();
            assert!(
                status.success(),
                "{}: bash -n fails after --fix",
                path.display()
            );
        }
        after.insert(path.clone(), new_bytes);
    }
    assert!(changed_files > 0, "--fix changed nothing in the corpus");

    // Each fixable labelled secret that credlint fixed is gone from its file; report the rest.
    let mut fixed = 0;
    let mut left = Vec::new();
    for label in labels(corpus).iter().filter(|l| l.fixable) {
        let path = root.join(&label.file);
        let (_, text) = decode_bytes(&after[&path]).unwrap();
        if text.contains(&label.secret) {
            left.push(label.file.clone());
        } else {
            fixed += 1;
        }
    }
    eprintln!(
        "corpus --fix {extra:?}: {changed_files} files changed, {fixed} fixable labelled secrets removed, {} left: {left:?}",
        left.len()
    );

    // A second run is a no-op.
    let second = run(&args);
    assert!(second.status.code() == Some(0) || second.status.code() == Some(1));
    for (path, bytes) in &after {
        let again = std::fs::read(path).unwrap();
        // Name the changed lines only: the corpus's (synthetic) secrets stay out of logs.
        let changed: Vec<usize> = String::from_utf8_lossy(&again)
            .lines()
            .zip(String::from_utf8_lossy(bytes).lines())
            .enumerate()
            .filter(|(_, (a, b))| a != b)
            .map(|(i, _)| i + 1)
            .collect();
        assert!(
            again == *bytes,
            "{}: second --fix changed the file (lines {changed:?})",
            path.display()
        );
    }
    left
}
