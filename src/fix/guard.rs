//! Rendering the guard that stops a script when an environment variable is not set, and
//! recognising one that is already there (so that fixing twice changes nothing).

use crate::model::Language;

/// Whether `name` can follow `$env:` in PowerShell and `$` in a shell without braces or quoting.
pub fn is_valid_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

/// The guard's lines without indentation or line endings; the first and last lines are at the
/// statement's indentation, the others one indent unit deeper.
fn lines(language: Language, variable: &str) -> [String; 4] {
    match language {
        Language::PowerShell => [
            format!("if (-not $env:{variable}) {{"),
            format!(
                "Write-Host \"ERROR: {variable} environment variable not set\" -ForegroundColor Red"
            ),
            "exit 1".to_owned(),
            "}".to_owned(),
        ],
        Language::Shell => [
            format!("if [ -z \"${{{variable}:-}}\" ]; then"),
            format!("echo \"ERROR: {variable} environment variable not set\" >&2"),
            "exit 1".to_owned(),
            "fi".to_owned(),
        ],
    }
}

/// Renders the guard for `variable`, followed by a blank line (which has no indentation).
/// `indent` is the indentation of the statement the guard precedes, `unit` one level of
/// indentation, `newline` the file's line ending.
pub fn render(
    language: Language,
    variable: &str,
    indent: &str,
    unit: &str,
    newline: &str,
) -> String {
    let [open, body, exit, close] = lines(language, variable);
    let mut out = String::new();
    for (depth, line) in [(0, open), (1, body), (1, exit), (0, close)] {
        out.push_str(indent);
        if depth == 1 {
            out.push_str(unit);
        }
        out.push_str(&line);
        out.push_str(newline);
    }
    out.push_str(newline);
    out
}

/// Whether `region` already holds an equivalent guard for `variable`: the same four lines,
/// whatever their indentation and line endings.
pub fn already_present(language: Language, region: &str, variable: &str) -> bool {
    let wanted = lines(language, variable);
    let got: Vec<&str> = region.lines().map(str::trim).collect();
    got.windows(wanted.len())
        .any(|w| w.iter().zip(&wanted).all(|(a, b)| *a == b.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_powershell_guard_with_indentation_and_crlf() {
        assert_eq!(
            render(Language::PowerShell, "PYPI_TOKEN", "  ", "\t", "\r\n"),
            "  if (-not $env:PYPI_TOKEN) {\r\n  \tWrite-Host \"ERROR: PYPI_TOKEN environment \
             variable not set\" -ForegroundColor Red\r\n  \texit 1\r\n  }\r\n\r\n"
        );
    }

    #[test]
    fn renders_bash_guard() {
        assert_eq!(
            render(Language::Shell, "API_KEY", "", "\t", "\n"),
            "if [ -z \"${API_KEY:-}\" ]; then\n\techo \"ERROR: API_KEY environment variable not \
             set\" >&2\n\texit 1\nfi\n\n"
        );
    }

    #[test]
    fn recognises_guards_whatever_the_indentation() {
        let region = "x\n    if [ -z \"${API_KEY:-}\" ]; then\r\n  echo \"ERROR: API_KEY environment \
                      variable not set\" >&2\n exit 1\n    fi\n";
        assert!(already_present(Language::Shell, region, "API_KEY"));
        assert!(!already_present(Language::Shell, region, "OTHER"));
        assert!(!already_present(Language::PowerShell, region, "API_KEY"));
    }

    #[test]
    fn env_names() {
        assert!(is_valid_env_name("PYPI_TOKEN"));
        assert!(is_valid_env_name("_x1"));
        assert!(!is_valid_env_name("1X"));
        assert!(!is_valid_env_name("A-B"));
        assert!(!is_valid_env_name(""));
        assert!(!is_valid_env_name("A}B"));
    }
}
