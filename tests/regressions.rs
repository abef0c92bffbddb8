//! Inputs the fuzzers found (minimized, under `tests/regressions/`), replayed through the same
//! invariants the fuzz targets check (`credlint::fuzzing`). Each test is named after its bug.

use std::path::Path;

use credlint::fuzzing;
use credlint::model::Language;

fn input(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/regressions")
        .join(name);
    std::fs::read(path).unwrap()
}

/// Every regression input, through every target: none of them may fail any invariant again.
#[test]
fn every_regression_input_passes_every_target() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/regressions");
    for entry in std::fs::read_dir(dir).unwrap() {
        let data = std::fs::read(entry.unwrap().path()).unwrap();
        for language in [Language::Shell, Language::PowerShell] {
            fuzzing::lint_bytes(language, &data);
            fuzzing::fix_round_trip(language, &data);
        }
    }
}

/// fix_roundtrip crash 3abb5bf: `ConvertTo-SecureString … 'secret'w` was rewritten to
/// `$env:SECURE_PASSWORDw`, which reads another variable. The reference is now braced.
#[test]
fn glued_env_reference_is_braced() {
    let data = input("fix_roundtrip_glued_env_reference.ps1");
    fuzzing::fix_round_trip(Language::PowerShell, &data);

    use credlint::engine::{self, Settings};
    use credlint::fix::{self, FixOptions};
    use credlint::source::SourceFile;
    let text = "$s3 =ConvertTo-SecureString -A -F 'Hjk Re'w\n";
    let source = SourceFile::decode("glued.ps1", Language::PowerShell, text.as_bytes()).unwrap();
    let mut settings = Settings::default();
    settings.min_confidence = 0.0;
    let out = engine::lint(&source, &settings).unwrap();
    assert!(out.findings.iter().any(|f| f.fix.is_some()));
    let plan = fix::plan(&source, &out.findings, 0, &FixOptions::default());
    assert!(
        plan.text.contains("-F ${env:SECURE_PASSWORD}w\n"),
        "{}",
        plan.text
    );
}

/// lint_bash crash 2aeefe9 (a harness bug, not a leak): the secret `pypi-AgE` is part of the
/// rule documentation SARIF embeds (`pypi-AgEI…`); the redaction check now ignores text that is
/// the rules' own documentation.
#[test]
fn secret_quoted_by_rule_docs_bash() {
    fuzzing::lint_bytes(
        Language::Shell,
        &input("lint_bash_secret_quoted_by_rule_docs.sh"),
    );
}

/// lint_powershell crash ac0c61b (a harness bug, not a leak): the bare word `Get-Secret` taken
/// as a password also appears in CL002's documentation.
#[test]
fn secret_quoted_by_rule_docs_powershell() {
    fuzzing::lint_bytes(
        Language::PowerShell,
        &input("lint_powershell_secret_quoted_by_rule_docs.ps1"),
    );
}

/// lint_powershell crash 4fc5a1f (a harness bug, not a leak): the script's password was
/// literally `Nb7*********`, which is what its redaction prints.
#[test]
fn secret_that_looks_redacted() {
    fuzzing::lint_bytes(
        Language::PowerShell,
        &input("lint_powershell_secret_that_looks_redacted.ps1"),
    );
}

/// Fuzz timeouts b86687a (lint_bash) and 963bde1 (lint_powershell), hit while the machine was
/// saturated (1 exec/s) and not reproducible (a few ms each): they must complete.
#[test]
fn timeout_inputs_complete() {
    fuzzing::lint_bytes(Language::Shell, &input("lint_bash_timeout_under_load.sh"));
    fuzzing::lint_bytes(
        Language::PowerShell,
        &input("lint_powershell_timeout_under_load.ps1"),
    );
}
