//! Findings, fixes and the secret wrapper that keeps credentials out of every output.

use std::fmt;

use crate::model::Span;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

/// How a fix may be applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Applicability {
    /// Applied by `--fix`.
    Safe,
    /// Applied only with `--unsafe-fixes`.
    Unsafe,
    /// Shown, never applied.
    DisplayOnly,
}

impl Applicability {
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::Safe => "safe",
            Applicability::Unsafe => "unsafe",
            Applicability::DisplayOnly => "display-only",
        }
    }
}

/// A credential found in a script. `Debug` and `Display` never show it in full: they show
/// [`Secret::preview`]. Use [`Secret::expose`] only to compare or hash.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Secret(String);

/// Prefixes that identify a token's format without revealing anything secret.
const KNOWN_PREFIXES: &[&str] = &[
    "pypi-AgEIcHlwaS5vcmc",
    "pypi-AgENdGVzdC5weXBpLm9yZw",
    "pypi-AgEI",
    "pypi-",
    "github_pat_",
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "glpat-",
    "npm_",
    "xoxb-",
    "xoxp-",
    "xoxa-",
    "xapp-",
    "sk_live_",
    "rk_live_",
    "sk-proj-",
    "dckr_pat_",
    "hvs.",
    "AKIA",
    "ASIA",
    "AIza",
    "SG.",
    "eyJ",
    "oy2",
    "whsec_",
];

impl Secret {
    pub fn new(text: impl Into<String>) -> Self {
        Secret(text.into())
    }

    /// The secret itself. Never print it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn char_len(&self) -> usize {
        self.0.chars().count()
    }

    /// A redacted preview: a known non-secret prefix (`pypi-AgEI…`, `ghp_…`), or the first
    /// characters of a long secret (at most a quarter of it, and at most 4), and nothing of a
    /// short one (`…`).
    pub fn preview(&self) -> String {
        format!("{}…", &self.0[..self.visible_prefix_len()])
    }

    /// Number of leading bytes of the secret a preview may show.
    pub fn visible_prefix_len(&self) -> usize {
        if let Some(p) = KNOWN_PREFIXES
            .iter()
            .find(|p| self.0.starts_with(**p) && self.0.len() >= p.len() + 8)
        {
            // Show the format prefix, trimmed so that at least 8 characters stay hidden.
            return p.len().min(9).min(self.0.len());
        }
        let chars = self.char_len();
        if chars < 12 {
            return 0;
        }
        let shown = (chars / 4).min(4);
        self.0
            .char_indices()
            .nth(shown)
            .map(|(i, _)| i)
            .unwrap_or(0)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({})", self.preview())
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.preview())
    }
}

/// One replacement of a byte range of the decoded text.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Edit {
    pub range: Span,
    pub replacement: String,
}

/// A request to insert a guard that stops the script when `variable` is not set. The fixer
/// renders it in the script's language, indentation and line endings, once per variable per
/// scope, before the first statement of that scope that uses the variable.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct GuardRequest {
    pub variable: String,
    /// Byte offset of the start of the statement the guard must precede.
    pub before: usize,
    /// The enclosing block; guards are deduplicated per (scope, variable).
    pub scope: Span,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Fix {
    pub applicability: Applicability,
    /// What the fix does, e.g. "read PYPI_TOKEN from the environment".
    pub description: String,
    pub edits: Vec<Edit>,
    pub guards: Vec<GuardRequest>,
}

/// A secondary location, e.g. where a variable holding the secret is used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

/// How sure the rule is that the value is a real credential.
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd, serde::Serialize)]
pub struct Confidence(pub f32);

impl Confidence {
    /// A recognised token format whose checksum or structure validated.
    pub const VERIFIED: Confidence = Confidence(0.99);
    /// A credential position of a known tool with a realistic literal.
    pub const HIGH: Confidence = Confidence(0.9);
    pub const MEDIUM: Confidence = Confidence(0.6);
    pub const LOW: Confidence = Confidence(0.3);
}

#[derive(Clone, Debug)]
pub struct Finding {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub confidence: Confidence,
    /// The message; never contains the secret.
    pub message: String,
    /// The secret's bytes in the decoded text (the literal content, quotes excluded).
    pub span: Span,
    /// The label under the secret (e.g. "PyPI token passed to `--password`").
    pub label: String,
    pub secondary: Vec<Label>,
    /// The command that receives the credential (`twine`), when there is one.
    pub tool: Option<String>,
    /// The flag or position that carries it (`--password`, `positional 2`, header name).
    pub flag: Option<String>,
    /// Environment variable a fix should read.
    pub env_var: Option<String>,
    pub secret: Secret,
    /// Format of a recognised token (`PyPI API token`).
    pub token_kind: Option<String>,
    /// `help:` line: what to write instead (never the secret).
    pub help: Option<String>,
    /// `note:` line: where to revoke the credential.
    pub note: Option<String>,
    pub fix: Option<Fix>,
}

impl Finding {
    pub fn start(&self) -> usize {
        self.span.start
    }
}

/// A rule's metadata and documentation, shared by every output format and `credlint rule`.
#[derive(Debug)]
pub struct RuleMeta {
    /// Stable code, never reused (`CL001`).
    pub code: &'static str,
    /// Stable kebab-case name (`secret-in-argument`).
    pub name: &'static str,
    /// Selection group (`credentials`, `powershell-hygiene`).
    pub group: &'static str,
    /// One line: what the rule finds.
    pub summary: &'static str,
    /// Full documentation in Markdown: what, why, example, use instead, fix safety.
    pub docs: &'static str,
    pub severity: Severity,
    /// The applicability of the rule's fix, when it has one.
    pub fix: Option<Applicability>,
    /// SARIF `security-severity` ("0.1"–"10.0").
    pub security_severity: &'static str,
    /// SARIF `precision`: `very-high`, `high`, `medium`, `low`.
    pub precision: &'static str,
}

/// A problem with one input file that is not a finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileNote {
    /// `Error` makes the run exit 2 (unreadable, undecodable, unparsable); `Note` does not
    /// (binary file skipped).
    pub severity: Severity,
    pub message: String,
}

/// Everything the run learned about one file, in the order reporters print it.
#[derive(Clone, Debug)]
pub struct FileResult {
    pub path: std::path::PathBuf,
    /// The decoded source, when decoding succeeded.
    pub source: Option<crate::source::SourceFile>,
    /// Sorted by position.
    pub findings: Vec<Finding>,
    pub notes: Vec<FileNote>,
}

/// Masks every occurrence of each secret in `text`, keeping only the part a preview may show,
/// so that snippets, diffs and messages can be printed. Masking keeps the byte length (each
/// hidden byte becomes `*`), so byte spans into `text` stay valid.
pub fn redact(text: &str, secrets: &[&Secret]) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for secret in secrets {
        let needle = secret.expose();
        if needle.is_empty() {
            continue;
        }
        let keep = secret.visible_prefix_len();
        let mut from = 0;
        while let Some(pos) = text[from..].find(needle) {
            let start = from + pos;
            for b in &mut bytes[start + keep..start + needle.len()] {
                *b = b'*';
            }
            from = start + needle.len();
        }
    }
    // Replacing whole bytes of a multi-byte character with ASCII keeps the text valid UTF-8,
    // because every byte of a hidden character is replaced.
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn previews_never_show_short_secrets() {
        assert_eq!(Secret::new("hunter2").preview(), "…");
        assert_eq!(Secret::new("Mustang93xyz").preview(), "Mus…");
        let pypi = Secret::new("pypi-AgEIcHlwaS5vcmcCJDEyMzQ1Njc4OTBhYmNkZWY");
        assert_eq!(pypi.preview(), "pypi-AgEI…");
        assert_eq!(format!("{pypi:?}"), "Secret(pypi-AgEI…)");
        assert_eq!(
            Secret::new("ghp_abcdefghijklmnopqrstuvwxyz0123456789").preview(),
            "ghp_…"
        );
    }

    #[test]
    fn redact_masks_every_occurrence_and_keeps_length() {
        let s = Secret::new("s3cr3t-value-123");
        let text = "a s3cr3t-value-123 b s3cr3t-value-123";
        let out = redact(text, &[&s]);
        assert_eq!(out.len(), text.len());
        assert!(!out.contains("s3cr3t-value-123"));
        assert!(out.starts_with("a s3cr************ b"));
        let multibyte = Secret::new("pässwörd");
        let out = redact("x=pässwörd;", &[&multibyte]);
        assert_eq!(out, format!("x={};", "*".repeat("pässwörd".len())));
    }
}
