//! End-to-end tests of the CI-facing features: the GitHub job summary, inline suppressions,
//! baselines, `credlint.toml`, exit codes and the progress indicator.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const PASSWORD: &str = "Xy9#kLmP2qRsT4";
const OTHER: &str = "Qw3rTy-9zXc-Vb7n";

fn credlint_env(dir: &Path, args: &[&str], env: &[(&str, &Path)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_credlint"));
    cmd.args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_STEP_SUMMARY")
        .stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("credlint runs")
}

fn credlint(dir: &Path, args: &[&str]) -> Output {
    credlint_env(dir, args, &[])
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn write(dir: &Path, name: &str, content: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&path, content).unwrap();
    path
}

fn assert_no_secret(out: &str) {
    for s in [PASSWORD, OTHER] {
        assert!(!out.contains(s), "secret printed:\n{out}");
        assert!(!out.contains(&s[4..]), "part of a secret printed:\n{out}");
    }
}

fn docker(secret: &str) -> String {
    format!("docker login -u ci -p '{secret}' registry.example.test\n")
}

/// `path:line:col: CODE` of each finding, from `--format concise`.
fn locations(o: &Output) -> Vec<String> {
    stdout(o)
        .lines()
        .filter_map(|l| {
            let mut parts = l.splitn(4, ':');
            let (p, line, col, rest) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
            let code = rest.split_whitespace().next()?;
            Some(format!("{p}:{line}:{col}: {code}"))
        })
        .collect()
}

#[test]
fn github_format_appends_the_job_summary() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a,b:c.sh", docker(PASSWORD));
    let summary = write(dir.path(), "summary.md", "previous step\n");
    let env = [("GITHUB_STEP_SUMMARY", summary.as_path())];
    let o = credlint_env(dir.path(), &["check", "--format", "github", "."], &env);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let out = stdout(&o);
    assert_no_secret(&out);
    assert!(
        out.starts_with("::error file=a%2Cb%3Ac.sh,line=1,endLine=1,col=24,endColumn=38,title=CL001 secret-in-argument::"),
        "{out}"
    );
    let md = std::fs::read_to_string(&summary).unwrap();
    assert_no_secret(&md);
    assert!(
        md.starts_with("previous step\n### credlint\n\nFound 1 credential in 1 file"),
        "{md}"
    );
    assert!(
        md.contains("| `a,b:c.sh` | 1 | CL001 `secret-in-argument` |"),
        "{md}"
    );

    // Appends (never truncates) on a second run; other formats leave it alone.
    credlint_env(dir.path(), &["check", "--format", "github", "."], &env);
    let md = std::fs::read_to_string(&summary).unwrap();
    assert_eq!(md.matches("### credlint").count(), 2, "{md}");
    credlint_env(dir.path(), &["check", "--format", "json", "."], &env);
    assert_eq!(std::fs::read_to_string(&summary).unwrap(), md);
}

#[test]
fn inline_suppressions_and_unused_ones() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "s.sh",
        format!(
            "#!/bin/sh\n{}# credlint: ignore[CL001] -- test registry\n{}{}",
            docker(PASSWORD).replace('\n', "  # credlint: ignore\n"),
            docker(OTHER),
            "echo hi  # credlint: ignore\n"
        ),
    );
    write(
        dir.path(),
        "p.ps1",
        format!(
            "<# credlint: ignore-file -- fixture #>\n{}",
            docker(PASSWORD)
        ),
    );
    let o = credlint(dir.path(), &["check", "--format", "concise", "."]);
    assert_eq!(locations(&o), ["s.sh:5:10: CL900"], "{}", stdout(&o));
    assert_eq!(o.status.code(), Some(1));

    let o = credlint(
        dir.path(),
        &[
            "check",
            "--format",
            "concise",
            "--no-inline-suppressions",
            "s.sh",
        ],
    );
    assert_eq!(
        locations(&o),
        ["s.sh:2:24: CL001", "s.sh:4:24: CL001"],
        "{}",
        stdout(&o)
    );

    let o = credlint(
        dir.path(),
        &[
            "check",
            "--format",
            "concise",
            "--ignore",
            "unused-suppression",
            ".",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}

#[test]
fn baseline_tolerates_known_findings_that_move() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "ci/a.sh",
        format!("#!/bin/sh\n{}", docker(PASSWORD)),
    );
    write(dir.path(), "b.sh", docker(OTHER));
    let o = credlint(dir.path(), &["baseline", "--output", "credlint.baseline"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("Wrote 2 baseline entries"),
        "{}",
        stderr(&o)
    );
    let text = std::fs::read_to_string(dir.path().join("credlint.baseline")).unwrap();
    assert_no_secret(&text);
    let lines: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(lines.len(), 2);
    assert!(
        lines[0].ends_with(" b.sh CL001") && lines[1].ends_with(" ci/a.sh CL001"),
        "{text}"
    );
    assert!(text.starts_with("# credlint baseline v1"));

    // Nothing new: exit 0, even after the secret moved down three lines.
    write(
        dir.path(),
        "ci/a.sh",
        format!("#!/bin/sh\n\necho one\necho two\n{}", docker(PASSWORD)),
    );
    let o = credlint(
        dir.path(),
        &["check", "--baseline", "credlint.baseline", "."],
    );
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));

    // A new secret is reported; a fixed one leaves a stale entry (stderr and JSON).
    write(dir.path(), "b.sh", "echo fixed\n");
    write(dir.path(), "c.sh", docker("Lp0#nMb8vCx7Zq"));
    let o = credlint(
        dir.path(),
        &[
            "check",
            "--baseline",
            "credlint.baseline",
            "--format",
            "json",
            ".",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let findings = json["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0]["path"], "c.sh");
    assert_eq!(json["baseline"]["stale"][0]["path"], "b.sh");
    assert!(
        stderr(&o).contains("1 baseline entry no longer match"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("  b.sh CL001"), "{}", stderr(&o));

    // A broken baseline is an error (exit 2) naming the line.
    write(dir.path(), "bad.baseline", "# header\nnope\n");
    let o = credlint(dir.path(), &["check", "--baseline", "bad.baseline", "."]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("bad.baseline:2: not a baseline entry"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn config_is_discovered_and_every_key_takes_effect() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "credlint.toml",
        r#"
exclude = ["vendor"]
ignore = ["unused-suppression"]
min-confidence = 0.5
[severity]
CL001 = "warning"
[allow]
values = ["Allowed#Value99"]
regexes = ["^dummy-[a-z0-9]+$"]
paths = ["fixtures/**"]
[fix]
guard = false
[fix.env]
"docker login" = "REGISTRY_PASSWORD"

[[tool]]
name = "acme deploy"
commands = ["acme"]
subcommands = ["deploy"]
revoke = "https://acme.example.test/tokens"
[[tool.secret]]
flags = ["--api-key"]
what = "API key"
env = "ACME_API_KEY"
"#,
    );
    write(root, "scripts/deploy.sh", docker(PASSWORD));
    write(
        root,
        "scripts/acme.sh",
        format!("acme deploy --api-key '{OTHER}' prod\n"),
    );
    write(
        root,
        "scripts/allowed.sh",
        docker("Allowed#Value99") + &docker("dummy-abc123xyz"),
    );
    write(root, "scripts/stale.sh", "echo x  # credlint: ignore\n");
    write(root, "vendor/lib.sh", docker(PASSWORD));
    write(root, "fixtures/f.sh", docker(PASSWORD));

    // Discovered from a subdirectory argument; the in-house tool is found.
    let o = credlint(root, &["check", "--format", "json", "scripts"]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_no_secret(&stdout(&o));
    let found: Vec<(String, String, String)> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_owned(),
                f["severity"].as_str().unwrap().to_owned(),
                f["env_var"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            (
                "scripts/acme.sh".into(),
                "warning".into(),
                "ACME_API_KEY".into()
            ),
            (
                "scripts/deploy.sh".into(),
                "warning".into(),
                "REGISTRY_PASSWORD".into()
            ),
        ]
    );
    let acme = &json["findings"][0];
    assert_eq!(acme["tool"], "acme deploy");
    assert!(
        acme["note"]
            .as_str()
            .unwrap()
            .contains("https://acme.example.test/tokens")
    );

    // exclude skips walked files only; allow.paths silences even explicit files.
    let o = credlint(root, &["check", "--format", "concise", "."]);
    assert!(
        !stdout(&o).contains("vendor/") && !stdout(&o).contains("fixtures/"),
        "{}",
        stdout(&o)
    );
    let o = credlint(
        root,
        &[
            "check",
            "--format",
            "concise",
            "vendor/lib.sh",
            "fixtures/f.sh",
        ],
    );
    assert_eq!(
        locations(&o),
        ["vendor/lib.sh:1:24: CL001"],
        "{}",
        stdout(&o)
    );

    // [fix] guard = false and the env override reach the fixer.
    let o = credlint(root, &["check", "--fix", "scripts/deploy.sh"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let fixed = std::fs::read_to_string(root.join("scripts/deploy.sh")).unwrap();
    assert_eq!(
        fixed,
        "docker login -u ci -p \"$REGISTRY_PASSWORD\" registry.example.test\n"
    );

    // min-confidence from the file, overridden by the flag.
    let o = credlint(root, &["check", "--min-confidence", "1.0", "scripts"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));

    // --config names another file; include restricts the walk.
    write(root, "other.toml", "include = [\"*.ps1\"]\n");
    let o = credlint(
        root,
        &[
            "check",
            "--config",
            "other.toml",
            "--format",
            "concise",
            ".",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}

#[test]
fn config_errors_exit_2_with_line_column_and_hint() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.sh", docker(PASSWORD));
    write(
        dir.path(),
        "credlint.toml",
        "select = [\"CL001\"]\n[allow]\nvalues = []\npath = [\"x\"]\n",
    );
    let o = credlint(dir.path(), &["check", "a.sh"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains(
            "credlint.toml:4:1: unknown field `path`, expected one of `values`, `regexes`, `paths`"
        ),
        "{err}"
    );
    assert!(err.contains("hint: "), "{err}");
    assert!(stdout(&o).is_empty());

    write(
        dir.path(),
        "credlint.toml",
        "[severity]\nsecret-in-argument = \"loud\"\n",
    );
    let err = stderr(&credlint(dir.path(), &["check", "a.sh"]));
    assert!(
        err.contains("credlint.toml:2:22: unknown variant `loud`"),
        "{err}"
    );

    let o = credlint(dir.path(), &["check", "--config", "missing.toml", "a.sh"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("missing.toml"), "{}", stderr(&o));
}

#[test]
fn exit_codes_worst_wins_and_progress_stays_off_without_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..30 {
        write(dir.path(), &format!("s{i}.sh"), "echo clean\n");
    }
    let o = credlint(dir.path(), &["check", "."]);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        stderr(&o).is_empty(),
        "no progress on a pipe: {:?}",
        stderr(&o)
    );
    write(dir.path(), "leak.sh", docker(PASSWORD));
    write(dir.path(), "broken.sh", b"echo \xff\xfe token\n");
    let o = credlint(dir.path(), &["check", "."]);
    assert_eq!(o.status.code(), Some(2), "errors win over findings");
    let o = credlint(dir.path(), &["check", "--exit-zero", "."]);
    assert_eq!(o.status.code(), Some(2), "--exit-zero does not hide errors");
    std::fs::remove_file(dir.path().join("broken.sh")).unwrap();
    let o = credlint(dir.path(), &["check", "--exit-zero", "."]);
    assert_eq!(o.status.code(), Some(0));
    assert!(!stderr(&o).contains('\r'), "{:?}", stderr(&o));
}

#[test]
fn config_select_and_fix_indent() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "credlint.toml",
        "select = [\"plaintext-securestring\"]\n[fix]\nindent = \"  \"\n",
    );
    write(root, "a.sh", docker(PASSWORD));
    let o = credlint(root, &["check", "a.sh"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "CL001 is not selected: {}",
        stdout(&o)
    );
    // --select on the command line replaces the file's selection.
    let o = credlint(root, &["check", "--select", "CL001", "--fix", "a.sh"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert_eq!(
        std::fs::read_to_string(root.join("a.sh")).unwrap(),
        "if [ -z \"${DOCKER_PASSWORD:-}\" ]; then\n  echo \"ERROR: DOCKER_PASSWORD environment variable not set\" >&2\n  exit 1\nfi\n\ndocker login -u ci -p \"$DOCKER_PASSWORD\" registry.example.test\n"
    );
}
