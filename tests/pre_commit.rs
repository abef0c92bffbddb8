//! Drives the real `pre-commit` (PyPI) with this repository's `.pre-commit-hooks.yaml`
//! (`pre-commit try-repo <this repo> credlint-system`) in a temporary git repository, with the
//! built binary first on PATH: a staged script with a secret fails the hook, a clean one passes.
//!
//! Skips with a message when `pre-commit` is not installed, unless
//! `CREDLINT_REQUIRE_PRE_COMMIT=1` (set by `.ci/run`, which installs it).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn run(dir: &Path, program: &str, args: &[&str], path_env: &str, home: &Path) -> Output {
    Command::new(program)
        .args(args)
        .current_dir(dir)
        .env("PATH", path_env)
        .env("PRE_COMMIT_HOME", home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "credlint test")
        .env("GIT_AUTHOR_EMAIL", "test@example.test")
        .env("GIT_COMMITTER_NAME", "credlint test")
        .env("GIT_COMMITTER_EMAIL", "test@example.test")
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_STEP_SUMMARY")
        .output()
        .unwrap_or_else(|e| panic!("{program} runs: {e}"))
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn pre_commit_available(path_env: &str) -> bool {
    Command::new("pre-commit")
        .arg("--version")
        .env("PATH", path_env)
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn credlint_system_hook_fails_on_a_staged_secret_and_passes_clean_scripts() {
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_credlint")).parent().unwrap();
    let path_env = std::env::join_paths(std::iter::once(bin_dir.to_path_buf()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .unwrap();
    let path_env = path_env.to_str().expect("UTF-8 PATH").to_owned();
    if !pre_commit_available(&path_env) {
        assert!(
            std::env::var_os("CREDLINT_REQUIRE_PRE_COMMIT").is_none(),
            "CREDLINT_REQUIRE_PRE_COMMIT is set but `pre-commit` is not on PATH"
        );
        eprintln!(
            "SKIPPED: pre-commit hook test: `pre-commit` is not installed (pip install pre-commit, or run .ci/run)"
        );
        return;
    }
    let this_repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    if !this_repo.join(".git").exists() {
        eprintln!(
            "SKIPPED: pre-commit hook test: {} is not a git checkout, which `pre-commit try-repo` needs",
            this_repo.display()
        );
        return;
    }
    let this_repo = this_repo.to_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let git = |args: &[&str]| {
        let o = run(dir.path(), "git", args, &path_env, home.path());
        assert!(o.status.success(), "git {args:?}: {}", text(&o));
    };
    git(&["init", "-q"]);

    // A clean script passes.
    std::fs::write(
        dir.path().join("deploy.sh"),
        "#!/bin/sh\ndocker login -u ci --password-stdin <<< \"$REGISTRY_TOKEN\"\n",
    )
    .unwrap();
    // A file the hook does not select, holding a secret, is not checked.
    std::fs::write(
        dir.path().join("notes.txt"),
        "docker login -p Xy9#kLmP2qRsT4\n",
    )
    .unwrap();
    git(&["add", "deploy.sh", "notes.txt"]);
    let hook = ["try-repo", this_repo, "credlint-system"];
    let o = run(dir.path(), "pre-commit", &hook, &path_env, home.path());
    assert!(
        o.status.success(),
        "clean script should pass:\n{}",
        text(&o)
    );
    assert!(text(&o).contains("Passed"), "{}", text(&o));

    // A staged PowerShell script with a secret fails, and the secret is not printed.
    std::fs::write(
        dir.path().join("publish.ps1"),
        "docker login -u ci -p 'Xy9#kLmP2qRsT4' registry.example.test\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("login.sh"),
        "#!/bin/sh\ncurl -u \"admin:Qw3rTy-9zXc-Vb7n\" https://api.example.test\n",
    )
    .unwrap();
    git(&["add", "publish.ps1", "login.sh"]);
    let o = run(dir.path(), "pre-commit", &hook, &path_env, home.path());
    let out = text(&o);
    assert_eq!(
        o.status.code(),
        Some(1),
        "secret should fail the hook:\n{out}"
    );
    assert!(out.contains("Failed"), "{out}");
    assert!(out.contains("login.sh:2:"), "{out}");
    assert!(
        !out.contains("Qw3rTy-9zXc-Vb7n") && !out.contains("Xy9#kLmP2qRsT4"),
        "{out}"
    );
}
