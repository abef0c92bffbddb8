//! Unified diffs of fixes (`--diff`), with every secret masked.

use similar::TextDiff;

use crate::finding::{Secret, redact};

/// A unified diff (`--- a/…`, `+++ b/…`, hunks with 3 lines of context) from `old` to `new`, or
/// an empty string when they are equal. Both texts are redacted before diffing, so no line of
/// the diff (removed, added or context) can show a secret, including one that spans lines;
/// redaction is deterministic and keeps lengths, so unchanged lines stay equal.
pub fn unified_diff(path_label: &str, old: &str, new: &str, secrets: &[&Secret]) -> String {
    if old == new {
        return String::new();
    }
    let old = redact(old, secrets);
    let new = redact(new, secrets);
    let diff = TextDiff::from_lines(old.as_str(), new.as_str());
    diff.unified_diff()
        .context_radius(3)
        .header(&format!("a/{path_label}"), &format!("b/{path_label}"))
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str =
        "pypi-AgEIcHlwaS5vcmcCJGI4ZTc3ZmJhLTY0ZTEtNDYxNi1hNjNkLWQ0OWRmYjA3NzA3NwACKlsz";

    #[test]
    fn diff_never_shows_the_secret() {
        let old = format!("a\nb\nc\nd\ntwine upload --password {TOKEN}\ne\nf\ng\nh\n");
        let new = "a\nb\nc\nd\nif x\n\ntwine upload --password \"$PYPI_TOKEN\"\ne\nf\ng\nh\n";
        let secret = Secret::new(TOKEN);
        let out = unified_diff("scripts/pub.sh", &old, new, &[&secret]);
        assert!(!out.contains(TOKEN), "{out}");
        assert!(!out.contains(&TOKEN[10..]), "{out}");
        let masked = format!("pypi-AgEI{}", "*".repeat(TOKEN.len() - 9));
        assert_eq!(
            out,
            format!(
                "--- a/scripts/pub.sh\n+++ b/scripts/pub.sh\n@@ -2,7 +2,9 @@\n b\n c\n d\n\
                 -twine upload --password {masked}\n+if x\n+\n\
                 +twine upload --password \"$PYPI_TOKEN\"\n e\n f\n g\n"
            )
        );
    }

    #[test]
    fn unchanged_line_with_secret_is_masked_context() {
        let old = format!("x={TOKEN}\nold\n");
        let new = format!("x={TOKEN}\nnew\n");
        let secret = Secret::new(TOKEN);
        let out = unified_diff("f.sh", &old, &new, &[&secret]);
        assert!(!out.contains(TOKEN));
        assert!(out.contains("\n x=pypi-AgEI***"));
        assert!(out.contains("\n-old\n+new\n"));
    }

    #[test]
    fn no_change_no_diff() {
        assert_eq!(unified_diff("f", "a\n", "a\n", &[]), "");
    }
}
