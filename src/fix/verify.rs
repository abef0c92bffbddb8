//! Re-parsing fixed text: a fix must never add syntax errors.

use tree_sitter::Tree;

use super::FixError;
use crate::lang::{DEFAULT_PARSE_BUDGET, parse_tree};
use crate::model::Language;

/// Number of ERROR and MISSING nodes in `tree`.
pub fn count_syntax_errors(tree: &Tree) -> usize {
    crate::lang::count_syntax_errors(tree, usize::MAX)
}

/// Number of ERROR and MISSING nodes when `text` is parsed as `language`.
pub fn syntax_error_count(language: Language, text: &str) -> Result<usize, FixError> {
    let tree = parse_tree(language, text, DEFAULT_PARSE_BUDGET)?;
    Ok(count_syntax_errors(&tree))
}

/// Fails with [`FixError::WouldBreakSyntax`] when `new_text` has more syntax errors than
/// `old_text`.
pub fn verify(language: Language, old_text: &str, new_text: &str) -> Result<(), FixError> {
    let before = syntax_error_count(language, old_text)?;
    let after = syntax_error_count(language, new_text)?;
    if after > before {
        return Err(FixError::WouldBreakSyntax { before, after });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_errors() {
        assert_eq!(syntax_error_count(Language::Shell, "echo hi\n").unwrap(), 0);
        assert!(syntax_error_count(Language::Shell, "echo \"hi\nif then\n").unwrap() > 0);
        assert_eq!(
            syntax_error_count(Language::PowerShell, "Write-Host 'hi'\r\n").unwrap(),
            0
        );
    }

    #[test]
    fn rejects_unbalanced_quote() {
        let old = "echo hello\nexit 0\n";
        let new = "echo \"hello\nexit 0\n";
        assert!(verify(Language::Shell, old, old).is_ok());
        match verify(Language::Shell, old, new) {
            Err(FixError::WouldBreakSyntax { before: 0, after }) => assert!(after > 0),
            other => panic!("expected WouldBreakSyntax, got {other:?}"),
        }
        let old = "python -m twine upload --password abc\r\n";
        let new = "python -m twine upload --password \"$env:PYPI_TOKEN\r\n";
        assert!(matches!(
            verify(Language::PowerShell, old, new),
            Err(FixError::WouldBreakSyntax { .. })
        ));
    }
}
