//! Baselines: the known findings of a codebase, recorded so that `check --baseline FILE`
//! reports only new ones. One entry per line, `<fingerprint> <path> <code>`, sorted; the
//! fingerprint ([`crate::report::fingerprint`]) hashes the secret with its file, tool and flag,
//! so an entry survives the secret moving to another line, and the file holds no secret and
//! no line number.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::finding::FileResult;
use crate::report::{fingerprint, normalized_path};

/// First line of a baseline file.
pub const HEADER: &str =
    "# credlint baseline v1: <fingerprint> <path> <code>, one known finding per line.";

/// One recorded finding.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct Entry {
    pub path: String,
    pub code: String,
    pub fingerprint: String,
}

#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("cannot read the baseline {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}:{line}: not a baseline entry (expected `<64 hex digits> <path> <code>`)", path.display())]
    Syntax { path: PathBuf, line: usize },
}

/// The path a baseline records: relative to the current directory when it is under it, with
/// `/` separators and no `./`.
pub fn entry_path(path: &Path) -> String {
    let rel = if path.is_absolute() {
        std::env::current_dir()
            .ok()
            .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf))
            .unwrap_or_else(|| path.to_path_buf())
    } else {
        path.to_path_buf()
    };
    normalized_path(&rel)
}

/// The entries of a run's findings, sorted.
pub fn entries(results: &[FileResult]) -> Vec<Entry> {
    let mut out: Vec<Entry> = results
        .iter()
        .flat_map(|r| {
            let path = entry_path(&r.path);
            r.findings.iter().map(move |f| Entry {
                fingerprint: fingerprint(f, Path::new(&path)),
                path: path.clone(),
                code: f.code.to_owned(),
            })
        })
        .collect();
    out.sort();
    out
}

/// The file's text: the header, then one line per entry.
pub fn render(entries: &[Entry]) -> String {
    let mut s = format!(
        "{HEADER}\n# No secrets and no line numbers: the fingerprint hashes the secret with its file, tool and flag.\n# Regenerate with `credlint baseline --output FILE`; use with `credlint check --baseline FILE`.\n"
    );
    for e in entries {
        s.push_str(&format!("{} {} {}\n", e.fingerprint, e.path, e.code));
    }
    s
}

/// Parses a baseline's text.
pub fn parse(text: &str, path: &Path) -> Result<Vec<Entry>, BaselineError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = || BaselineError::Syntax {
            path: path.to_path_buf(),
            line: i + 1,
        };
        let (fp, rest) = line.split_once(' ').ok_or_else(bad)?;
        let (file, code) = rest.rsplit_once(' ').ok_or_else(bad)?;
        if fp.len() != 64 || !fp.bytes().all(|b| b.is_ascii_hexdigit()) || file.is_empty() {
            return Err(bad());
        }
        out.push(Entry {
            fingerprint: fp.to_ascii_lowercase(),
            path: file.to_owned(),
            code: code.to_owned(),
        });
    }
    Ok(out)
}

pub fn read(path: &Path) -> Result<Vec<Entry>, BaselineError> {
    let text = std::fs::read_to_string(path).map_err(|source| BaselineError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse(&text, path)
}

/// Removes the findings recorded in `baseline` (each entry absorbs one finding) and returns
/// the entries that matched nothing (stale: fixed, or the file moved).
pub fn filter(results: &mut [FileResult], baseline: Vec<Entry>) -> Vec<Entry> {
    let mut counts: HashMap<(String, String), usize> = HashMap::new();
    for e in &baseline {
        *counts
            .entry((e.fingerprint.clone(), e.code.clone()))
            .or_default() += 1;
    }
    for r in results.iter_mut() {
        let path = entry_path(&r.path);
        r.findings.retain(|f| {
            let key = (fingerprint(f, Path::new(&path)), f.code.to_owned());
            match counts.get_mut(&key) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    false
                }
                _ => true,
            }
        });
    }
    let mut stale = Vec::new();
    for e in baseline {
        let key = (e.fingerprint.clone(), e.code.clone());
        if let Some(n) = counts.get_mut(&key)
            && *n > 0
        {
            *n -= 1;
            stale.push(e);
        }
    }
    stale.sort();
    stale
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::test_support::results;

    #[test]
    fn round_trip_and_filter() {
        let mut r = results();
        let entries = entries(&r);
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].path, "deploy/publish.sh");
        let text = render(&entries);
        assert!(text.starts_with(HEADER));
        crate::report::test_support::assert_no_secret(&text);
        let parsed = parse(&text, Path::new("b")).unwrap();
        assert_eq!(parsed, entries);

        // One entry is stale (its file changed), the other absorbs its finding even though
        // the secret moved to another line.
        let mut baseline = parsed;
        baseline[1].fingerprint = "0".repeat(64);
        let moved = &mut r[1].findings[0];
        moved.span = moved.span.start + 7..moved.span.end + 7;
        let stale = filter(&mut r, baseline);
        assert!(r[1].findings.is_empty());
        assert_eq!(r[2].findings.len(), 1);
        assert_eq!(stale.len(), 1);
        assert_eq!(stale[0].path, "scripts/login.ps1");
    }

    #[test]
    fn syntax_errors_name_the_line() {
        let e = parse("# header\nnot an entry\n", Path::new("b.txt")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "b.txt:2: not a baseline entry (expected `<64 hex digits> <path> <code>`)"
        );
        let fp = "a".repeat(64);
        let e = parse(&format!("{fp} dir with space/x.sh CL001\n"), Path::new("b")).unwrap();
        assert_eq!(e[0].path, "dir with space/x.sh");
    }
}
