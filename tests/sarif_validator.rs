//! Runs `credlint --format sarif` on fixture scripts and validates the log with Microsoft's
//! SARIF validator (`Sarif.Multitool validate`, npm package `@microsoft/sarif-multitool-linux`).
//!
//! The validator is found through `$SARIF_MULTITOOL` or a known install location; `.ci/run`
//! installs it and exports the variable, so in CI this test always validates. Without it the
//! test checks the log's shape only and says clearly that validation was skipped.

use std::path::{Path, PathBuf};
use std::process::Command;

const PACKAGE_BINARY: &str = "node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool";

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// `$SARIF_MULTITOOL`, else the install locations `.ci/run` and the developer setup use.
fn validator() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("SARIF_MULTITOOL") {
        let p = PathBuf::from(p);
        assert!(
            p.is_file(),
            "SARIF_MULTITOOL is set to {} but there is no file there",
            p.display()
        );
        return Some(p);
    }
    let mut candidates = vec![PathBuf::from("/work/.cache/sarif").join(PACKAGE_BINARY)];
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")));
    if let Some(c) = cache {
        candidates.push(c.join("credlint-ci/sarif").join(PACKAGE_BINARY));
    }
    candidates.into_iter().find(|p| p.is_file())
}

/// A scan root with the fixture scripts, a file with a space and non-ASCII characters in its
/// path, an undecodable file (an error notification) and a binary file (a note).
fn scan_root() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("ci scripts/é");
    std::fs::create_dir_all(&sub).unwrap();
    for entry in std::fs::read_dir(fixtures().join("sarif")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
    }
    std::fs::copy(
        fixtures().join("sarif/deploy.sh"),
        sub.join("deploy copy#1.sh"),
    )
    .unwrap();
    std::fs::copy(
        fixtures().join("seed/publish.sh"),
        dir.path().join("publish.sh"),
    )
    .unwrap();
    std::fs::write(dir.path().join("broken.sh"), b"echo \xff\xfe\xfd token\n").unwrap();
    std::fs::write(dir.path().join("blob.sh"), b"docker\0login\0-p\0x\0\0").unwrap();
    dir
}

fn credlint_sarif(dir: &Path) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_credlint"))
        .args(["check", "--format", "sarif", "."])
        .current_dir(dir)
        .env_remove("GITHUB_STEP_SUMMARY")
        .output()
        .expect("credlint runs");
    assert_eq!(
        out.status.code(),
        Some(2),
        "findings and an unreadable file: exit 2; stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 SARIF")
}

/// The secrets of the fixtures, none of which may appear in the log.
const SECRETS: &[&str] = &[
    "Xy9#kLmP2qRsT4",
    "Qw3rTy-9zXc-Vb7n",
    "Vq8#Lm2Zx7Wp4Tsy",
    "Hj4kL9mN2pQ7rS",
    "CJDYPtYgjmUhBel31iEl2hpChYgCfrL1spNxnyVmihA",
];

#[test]
fn sarif_log_passes_microsofts_validator() {
    let dir = scan_root();
    let sarif = credlint_sarif(dir.path());
    for s in SECRETS {
        assert!(!sarif.contains(s), "a secret is in the SARIF log");
    }
    let log: serde_json::Value = serde_json::from_str(&sarif).expect("valid JSON");
    let run = &log["runs"][0];
    let results = run["results"].as_array().unwrap();
    assert!(results.len() >= 5, "{sarif}");
    for r in results {
        let loc = &r["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        let uri = loc["artifactLocation"]["uri"].as_str().unwrap();
        assert!(!uri.starts_with('/') && !uri.contains(' '), "{uri}");
        assert!(r["partialFingerprints"]["primaryLocationLineHash"].is_string());
        assert!(r["partialFingerprints"]["credlintFingerprint/v1"].is_string());
    }
    assert!(
        results.iter().any(
            |r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                == "ci%20scripts/%C3%A9/deploy%20copy%231.sh"
        ),
        "{sarif}"
    );
    for rule in run["tool"]["driver"]["rules"].as_array().unwrap() {
        assert!(
            rule["help"]["markdown"].is_string() && rule["fullDescription"]["text"].is_string()
        );
        assert!(rule["properties"]["security-severity"].is_string());
        assert!(rule["properties"]["precision"].is_string());
    }
    assert_eq!(run["invocations"][0]["executionSuccessful"], false);

    let Some(multitool) = validator() else {
        eprintln!(
            "SKIPPED: SARIF validation: Sarif.Multitool not found (set SARIF_MULTITOOL, or run .ci/run, \
             which installs @microsoft/sarif-multitool-linux); only the log's shape was checked"
        );
        return;
    };
    let log_path = dir.path().join("credlint.sarif");
    std::fs::write(&log_path, &sarif).unwrap();
    let report = dir.path().join("validation.sarif");
    let out = Command::new(&multitool)
        .arg("validate")
        .arg(&log_path)
        .arg("--output")
        .arg(&report)
        .args(["--log", "ForceOverwrite", "--level", "Error;Warning;Note"])
        // The self-contained .NET binary needs ICU unless globalization is invariant.
        .env("DOTNET_SYSTEM_GLOBALIZATION_INVARIANT", "1")
        .output()
        .expect("Sarif.Multitool runs");
    let console = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "validator failed:\n{console}");
    let validation: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).expect("validation report"))
            .expect("validation report is JSON");
    let found = validation["runs"][0]["results"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let problems: Vec<String> = found
        .iter()
        .filter(|r| {
            let level = r["level"].as_str().unwrap_or("warning");
            level == "error" || level == "warning"
        })
        .map(|r| format!("{} {}: {}", r["level"], r["ruleId"], r["message"]))
        .collect();
    assert!(
        problems.is_empty(),
        "the validator reports errors or warnings:\n{}\n{console}",
        problems.join("\n")
    );
    // Notes are advice (help URIs, snippets, Pascal-case names); see docs/ci.md for why
    // credlint does not follow those that would put source text into the log.
    eprintln!(
        "SARIF validated by {}: 0 errors, 0 warnings, {} notes",
        multitool.display(),
        found.len()
    );
}
