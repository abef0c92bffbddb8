//! End-to-end tests of the `credlint` binary: exit codes, formats, walking, decoding, and the
//! founding case fixed byte for byte.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const PYPI: &str = "pypi-AgEIcHlwaS5vcmcCJGI4ZTc3ZmJhLTY0ZTEtNDYxNi1hNjNkLWQ0OWRmYjA3NzA3NwACKlsz";
const PASSWORD: &str = "Xy9#kLmP2qRsT4";

fn credlint(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_credlint"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_STEP_SUMMARY")
        .stdin(Stdio::null())
        .output()
        .expect("credlint runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn write(dir: &Path, name: &str, content: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&path, content).unwrap();
    path
}

/// No secret, nor any 6-character piece of it beyond what a preview may show, appears.
fn assert_no_secret(output: &str, secret: &str) {
    assert!(
        !output.contains(secret),
        "secret printed in full:\n{output}"
    );
    let shown = if secret.starts_with("pypi-") { 9 } else { 3 };
    let chars: Vec<char> = secret.chars().collect();
    for start in shown..chars.len().saturating_sub(6) {
        let piece: String = chars[start..start + 6].iter().collect();
        assert!(
            !output.contains(&piece),
            "a piece `{piece}` of the secret was printed:\n{output}"
        );
    }
}

#[test]
fn founding_case_powershell_is_fixed_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let seed = fixtures().join("seed");
    std::fs::copy(
        seed.join("Publish_to_PyPI.ps1"),
        dir.path().join("Publish_to_PyPI.ps1"),
    )
    .unwrap();
    let o = credlint(dir.path(), &["check", "Publish_to_PyPI.ps1"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("Publish_to_PyPI.ps1:137:"), "{out}");
    assert!(out.contains("--password $env:PYPI_TOKEN"), "{out}");

    let o = credlint(dir.path(), &["check", "--fix", "Publish_to_PyPI.ps1"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let fixed = std::fs::read(dir.path().join("Publish_to_PyPI.ps1")).unwrap();
    let expected = std::fs::read(seed.join("Publish_to_PyPI.fixed.ps1")).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&fixed),
        String::from_utf8_lossy(&expected)
    );

    let again = credlint(dir.path(), &["check", "--fix", "Publish_to_PyPI.ps1"]);
    assert_eq!(again.status.code(), Some(0));
    assert_eq!(
        std::fs::read(dir.path().join("Publish_to_PyPI.ps1")).unwrap(),
        expected,
        "a second --fix changes nothing"
    );
}

#[test]
fn founding_case_bash_twin_is_fixed_and_keeps_its_mode() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let seed = fixtures().join("seed");
    let path = dir.path().join("publish.sh");
    std::fs::copy(seed.join("publish.sh"), &path).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    let o = credlint(dir.path(), &["check", "--fix", "publish.sh"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        std::fs::read_to_string(seed.join("publish.fixed.sh")).unwrap()
    );
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o755);
    let status = Command::new("bash").arg("-n").arg(&path).status().unwrap();
    assert!(status.success(), "fixed script passes bash -n");
}

#[test]
fn exit_status_is_0_clean_1_findings_2_errors() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "clean.sh",
        "docker login -u me --password-stdin <<< \"$TOKEN\"\n",
    );
    assert_eq!(
        credlint(dir.path(), &["check", "clean.sh"]).status.code(),
        Some(0)
    );

    write(
        dir.path(),
        "leak.sh",
        format!("docker login -u me -p {PASSWORD}\n"),
    );
    assert_eq!(credlint(dir.path(), &["check", "."]).status.code(), Some(1));
    assert_eq!(
        credlint(dir.path(), &["check", "--exit-zero", "."])
            .status
            .code(),
        Some(0)
    );

    write(dir.path(), "broken.sh", b"echo \xff\xfe\xfd\n");
    let o = credlint(dir.path(), &["check", "."]);
    assert_eq!(o.status.code(), Some(2), "worst status wins");
    let out = stdout(&o);
    assert!(out.contains("broken.sh"), "{out}");
    assert!(
        out.contains("leak.sh"),
        "other files are still linted: {out}"
    );

    let o = credlint(dir.path(), &["check", "does-not-exist.sh"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stdout(&o).contains("cannot read"));

    let o = credlint(dir.path(), &["check", "--format", "nonsense"]);
    assert_eq!(o.status.code(), Some(2), "usage errors exit 2");
}

#[test]
fn binary_files_are_skipped_with_a_note() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "blob.sh", b"\x7fELF\x00\x00\x01binary");
    let o = credlint(dir.path(), &["check", "."]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("binary file"), "{}", stdout(&o));
}

#[test]
fn every_format_reports_without_printing_the_secret() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "ci/release.sh",
        format!(
            "#!/bin/sh\ntwine upload dist/* -u __token__ -p {PYPI}\nsshpass -p '{PASSWORD}' ssh deploy@host true\n"
        ),
    );
    for format in ["human", "concise", "json", "sarif", "github"] {
        let o = credlint(dir.path(), &["check", "--format", format, "."]);
        assert_eq!(o.status.code(), Some(1), "{format}: {}", stderr(&o));
        let out = stdout(&o) + &stderr(&o);
        assert_no_secret(&out, PYPI);
        assert_no_secret(&out, PASSWORD);
        assert!(out.contains("CL001"), "{format}: {out}");
    }
    let o = credlint(dir.path(), &["check", "--diff", "."]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o) + &stderr(&o);
    assert!(
        out.contains("+twine upload dist/* -u __token__ -p \"$PYPI_TOKEN\""),
        "{out}"
    );
    assert!(out.contains("SSHPASS"), "{out}");
    assert_no_secret(&out, PYPI);
    assert_no_secret(&out, PASSWORD);
    assert!(
        std::fs::read_to_string(dir.path().join("ci/release.sh"))
            .unwrap()
            .contains(PYPI),
        "--diff writes nothing"
    );
}

#[test]
fn json_output_has_positions_codes_and_env_vars() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "a.sh",
        format!("echo hi\nmysql -u root -p{PASSWORD} db\n"),
    );
    let o = credlint(dir.path(), &["check", "--format", "json", "a.sh"]);
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["version"], 1);
    let f = &doc["findings"][0];
    assert_eq!(f["path"], "a.sh");
    assert_eq!(f["line"], 2);
    assert_eq!(f["column"], 17);
    assert_eq!(f["code"], "CL001");
    assert_eq!(f["name"], "secret-in-argument");
    assert_eq!(f["env_var"], "MYSQL_PWD");
    assert_eq!(f["fix"]["applicability"], "safe");
}

#[test]
fn gitignored_files_are_skipped_unless_no_ignore() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), ".gitignore", "secret-*.sh\n");
    write(
        dir.path(),
        "secret-release.sh",
        format!("sshpass -p {PASSWORD} ssh h\n"),
    );
    assert_eq!(credlint(dir.path(), &["check", "."]).status.code(), Some(0));
    assert_eq!(
        credlint(dir.path(), &["check", "--no-ignore", "."])
            .status
            .code(),
        Some(1)
    );
    // Explicit file arguments are always linted.
    assert_eq!(
        credlint(dir.path(), &["check", "secret-release.sh"])
            .status
            .code(),
        Some(1)
    );
}

#[test]
fn scripts_are_found_by_extension_and_shebang() {
    let dir = tempfile::tempdir().unwrap();
    let line = format!("sshpass -p {PASSWORD} ssh h\n");
    write(dir.path(), "deploy", format!("#!/usr/bin/env bash\n{line}"));
    write(dir.path(), "notes.txt", &line);
    write(dir.path(), "README", &line);
    write(dir.path(), "x.zsh", &line);
    let o = credlint(dir.path(), &["check", "--format", "concise", "."]);
    let out = stdout(&o);
    assert!(out.contains("deploy:2:"), "{out}");
    assert!(out.contains("x.zsh:1:"), "{out}");
    assert!(
        !out.contains("notes.txt") && !out.contains("README"),
        "{out}"
    );
}

#[test]
fn utf16_and_bom_files_keep_their_encoding_when_fixed() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!("$null = 1\r\nsshpass -p {PASSWORD} ssh host\r\n");
    let mut utf16 = vec![0xFF, 0xFE];
    for u in text.encode_utf16() {
        utf16.extend_from_slice(&u.to_le_bytes());
    }
    write(dir.path(), "wide.ps1", &utf16);
    let o = credlint(dir.path(), &["check", "--format", "concise", "wide.ps1"]);
    assert!(stdout(&o).contains("wide.ps1:2:12"), "{}", stdout(&o));
    let o = credlint(dir.path(), &["check", "--fix", "wide.ps1"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let bytes = std::fs::read(dir.path().join("wide.ps1")).unwrap();
    assert_eq!(&bytes[..2], &[0xFF, 0xFE]);
    let units: Vec<u16> = bytes[2..]
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    let fixed = String::from_utf16(&units).unwrap();
    assert!(
        fixed.contains("sshpass -p $env:SSHPASS ssh host\r\n"),
        "{fixed}"
    );
    assert!(!fixed.contains(PASSWORD));
    assert!(!fixed.replace("\r\n", "").contains('\n'), "CRLF kept");
}

#[test]
fn stdin_is_linted_with_its_filename() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_credlint"))
        .args([
            "check",
            "--format",
            "concise",
            "--stdin-filename",
            "x.sh",
            "-",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("sshpass -p {PASSWORD} ssh h\n").as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).starts_with("x.sh:1:12: CL001"), "{}", stdout(&o));
}

#[test]
fn rules_and_rule_docs_are_listed() {
    let dir = tempfile::tempdir().unwrap();
    let o = credlint(dir.path(), &["rules"]);
    assert!(stdout(&o).contains("CL001  secret-in-argument"));
    let o = credlint(dir.path(), &["rule", "plaintext-securestring"]);
    assert!(stdout(&o).contains("## Use instead"));
    let o = credlint(dir.path(), &["rule", "CL999"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn output_is_identical_from_run_to_run() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..20 {
        write(
            dir.path(),
            &format!("d{}/s{i}.sh", i % 3),
            format!("sshpass -p {PASSWORD}{i} ssh h\ncurl -u me:{PASSWORD}{i} https://x\n"),
        );
    }
    let first = stdout(&credlint(dir.path(), &["check", "--format", "json", "."]));
    for _ in 0..3 {
        assert_eq!(
            stdout(&credlint(dir.path(), &["check", "--format", "json", "."])),
            first
        );
    }
}
