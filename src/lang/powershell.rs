//! Lowering of the powershell tree-sitter tree into the Script model.

use tree_sitter::Tree;

use crate::model::Script;

/// Lowers a parsed powershell tree into the Script model.
pub fn lower(_tree: &Tree, _text: &str) -> Script {
    Script::default()
}
