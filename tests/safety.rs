//! Safety: credlint never runs what it scans, `--fix` writes nothing outside the scanned root and
//! never through a symbolic link, and a fixed file keeps its mode and owner.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::{Command, Output, Stdio};

const SECRET: &str = "Hq7#mZpX4vRkT2wL";

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

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn script() -> String {
    format!("#!/bin/sh\ndocker login -u ci -p '{SECRET}' registry.example.com\n")
}

/// The library never starts a process: no `std::process::Command`, `exec` or `fork` in `src/`
/// (only `std::process::exit` in `main.rs`; threads are fine). Tests may spawn processes; the
/// code under test may not.
#[test]
fn source_never_spawns_a_process() {
    let mut offenders = Vec::new();
    let mut stack = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let code = std::fs::read_to_string(&path).unwrap();
            for (i, line) in code.lines().enumerate() {
                let hit = [
                    "process::Command",
                    "process::Stdio",
                    "Command::new(",
                    "execv",
                    "posix_spawn",
                    "fork(",
                ]
                .iter()
                .any(|p| line.contains(p));
                if hit {
                    offenders.push(format!("{}:{}: {}", path.display(), i + 1, line.trim()));
                }
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "process spawning in src/:\n{}",
        offenders.join("\n")
    );
}

/// A script credlint lints is never run: one that would leave a mark when executed or sourced
/// leaves none, under `check`, `--diff` and `--fix`.
#[test]
fn scanned_scripts_are_never_executed() {
    let dir = tempfile::tempdir().unwrap();
    let mark = dir.path().join("executed");
    let body = format!(
        "#!/bin/sh\ntouch '{}'\ndocker login -u ci -p '{SECRET}' r.example.com\n",
        mark.display()
    );
    let path = dir.path().join("trap.sh");
    std::fs::write(&path, body).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    for args in [
        &["check", "."][..],
        &["check", "--diff", "."],
        &["check", "--fix", "."],
    ] {
        credlint(dir.path(), args);
        assert!(!mark.exists(), "{args:?} ran the script");
    }
}

/// The walk does not follow a symlink to a script outside the root; named on the command line,
/// the link is linted (its target is read) but `--fix` refuses to write through it.
#[test]
fn fix_never_writes_through_a_symlink() {
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("elsewhere.sh");
    std::fs::write(&target, script()).unwrap();
    let root = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(&target, root.path().join("link.sh")).unwrap();
    std::os::unix::fs::symlink(outside.path(), root.path().join("linkdir")).unwrap();

    let o = credlint(root.path(), &["check", "--format", "concise", "--fix", "."]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(!text(&o).contains("link"), "{}", text(&o));
    assert_eq!(std::fs::read_to_string(&target).unwrap(), script());

    let o = credlint(
        root.path(),
        &["check", "--format", "concise", "--fix", "link.sh"],
    );
    let out = text(&o);
    assert_eq!(o.status.code(), Some(2), "{out}");
    assert!(
        out.contains("link.sh:2:"),
        "the link's target is linted:\n{out}"
    );
    assert!(
        out.contains(
            "link.sh: error: not fixed: link.sh: is a symbolic link; not writing through it"
        ),
        "{out}"
    );
    assert_eq!(std::fs::read_to_string(&target).unwrap(), script());
    assert!(
        std::fs::symlink_metadata(root.path().join("link.sh"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

/// `--fix` on a directory writes only the scripts under it; on a file, only that file. No
/// temporary file is left anywhere.
#[test]
fn fix_writes_only_inside_the_scanned_root() {
    let top = tempfile::tempdir().unwrap();
    let root = top.path().join("root");
    let sibling = top.path().join("sibling");
    std::fs::create_dir_all(root.join("sub")).unwrap();
    std::fs::create_dir_all(&sibling).unwrap();
    std::fs::write(root.join("sub/a.sh"), script()).unwrap();
    std::fs::write(root.join("b.sh"), script()).unwrap();
    std::fs::write(sibling.join("c.sh"), script()).unwrap();

    let o = credlint(top.path(), &["check", "--fix", "root/sub/a.sh"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        !std::fs::read_to_string(root.join("sub/a.sh"))
            .unwrap()
            .contains(SECRET)
    );
    assert_eq!(
        std::fs::read_to_string(root.join("b.sh")).unwrap(),
        script()
    );

    let o = credlint(top.path(), &["check", "--fix", "root"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        !std::fs::read_to_string(root.join("b.sh"))
            .unwrap()
            .contains(SECRET)
    );
    assert_eq!(
        std::fs::read_to_string(sibling.join("c.sh")).unwrap(),
        script()
    );
    let mut names: Vec<String> = walk(top.path());
    names.sort();
    assert_eq!(names, ["root/b.sh", "root/sub/a.sh", "sibling/c.sh"]);
}

fn walk(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().to_string_lossy().into_owned());
            }
        }
    }
    out
}

#[test]
fn fix_keeps_the_mode() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deploy.sh");
    for mode in [0o750, 0o600, 0o4755] {
        std::fs::write(&path, script()).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        let o = credlint(dir.path(), &["check", "--fix", "deploy.sh"]);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o));
        assert!(!std::fs::read_to_string(&path).unwrap().contains(SECRET));
        let got = std::fs::metadata(&path).unwrap().mode() & 0o7777;
        assert_eq!(got, mode, "mode {mode:o} became {got:o}");
    }
}

/// Run as root (CI), a file owned by someone else keeps its owner and group after `--fix`.
#[test]
fn fix_keeps_the_owner_when_run_as_root() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deploy.sh");
    std::fs::write(&path, script()).unwrap();
    if std::os::unix::fs::chown(&path, Some(12345), Some(23456)).is_err() {
        eprintln!("skipped: not root, cannot give the file to another user");
        return;
    }
    let o = credlint(dir.path(), &["check", "--fix", "deploy.sh"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(!std::fs::read_to_string(&path).unwrap().contains(SECRET));
    let meta = std::fs::metadata(&path).unwrap();
    assert_eq!((meta.uid(), meta.gid()), (12345, 23456));
}
