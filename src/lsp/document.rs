//! Open documents: their text, version, language, tree-sitter tree (for incremental
//! re-parsing) and the last lint result.

use std::path::PathBuf;
use std::sync::Arc;

use lsp_types::{TextDocumentContentChangeEvent, Uri};
use tree_sitter::Tree;

use super::lint::Linted;
use super::position::{LineIndex, PositionEncoding};
use crate::lang;
use crate::model::Language;
use crate::source;

pub struct Document {
    pub uri: Uri,
    /// The file, for `file:` URIs.
    pub path: Option<PathBuf>,
    /// `None`: neither the language id, the extension nor a shebang says PowerShell or shell;
    /// the document is tracked but not linted.
    pub language: Option<Language>,
    pub version: i32,
    pub text: String,
    pub lines: LineIndex,
    /// The tree of an earlier text with every later change applied through `Tree::edit`.
    pub tree: Option<Tree>,
    /// Bumped for every lint started; a result is published only when it is the latest.
    pub generation: u64,
    /// The lint result for the current text, when it is known.
    pub linted: Option<Arc<Linted>>,
}

impl Document {
    pub fn new(uri: Uri, language_id: &str, version: i32, text: String) -> Document {
        let path = uri_to_path(uri.as_str());
        let language = language_from_id(language_id)
            .or_else(|| path.as_deref().and_then(source::language_from_extension))
            .or_else(|| source::language_from_shebang(text.as_bytes()));
        Document {
            uri,
            path,
            language,
            version,
            lines: LineIndex::new(&text),
            text,
            tree: None,
            generation: 0,
            linted: None,
        }
    }

    /// Applies one change (a range edit, or the whole text when it has no range), keeping the
    /// tree in step so the next parse is incremental.
    pub fn apply_change(&mut self, change: TextDocumentContentChangeEvent, enc: PositionEncoding) {
        self.linted = None;
        let Some(range) = change.range else {
            self.text = change.text;
            self.lines = LineIndex::new(&self.text);
            self.tree = None;
            return;
        };
        let a = self.lines.offset(&self.text, range.start, enc);
        let b = self.lines.offset(&self.text, range.end, enc);
        let (start, end) = (a.min(b), a.max(b));
        if let Some(tree) = &mut self.tree {
            tree.edit(&lang::input_edit(&self.text, start..end, &change.text));
        }
        self.text.replace_range(start..end, &change.text);
        self.lines = LineIndex::new(&self.text);
    }
}

/// The language an LSP `languageId` names.
pub fn language_from_id(id: &str) -> Option<Language> {
    match id.to_ascii_lowercase().as_str() {
        "powershell" | "ps1" | "pwsh" | "psm1" => Some(Language::PowerShell),
        "shellscript" | "sh" | "bash" | "zsh" | "ksh" | "dash" => Some(Language::Shell),
        _ => None,
    }
}

/// The path of a `file:` URI (percent-decoded); `None` for other schemes.
pub fn uri_to_path(uri: &str) -> Option<PathBuf> {
    let rest = uri.strip_prefix("file://")?;
    // `file:///p`, or `file://localhost/p`.
    let rest = rest.strip_prefix("localhost").unwrap_or(rest);
    let rest = rest.split(['?', '#']).next().unwrap_or(rest);
    let mut bytes = Vec::with_capacity(rest.len());
    let raw = rest.as_bytes();
    let mut i = 0;
    while i < raw.len() {
        let hex = raw
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        if raw[i] == b'%'
            && let Some(b) = hex
        {
            bytes.push(b);
            i += 3;
            continue;
        }
        bytes.push(raw[i]);
        i += 1;
    }
    let decoded = String::from_utf8(bytes).ok()?;
    // `file:///C:/x` on Windows.
    if cfg!(windows) {
        let trimmed = decoded.strip_prefix('/').unwrap_or(&decoded);
        return Some(PathBuf::from(trimmed));
    }
    Some(PathBuf::from(decoded))
}

/// The `file:` URI of an absolute path (for tests and workspace folders).
pub fn path_to_uri(path: &std::path::Path) -> String {
    let mut out = String::from("file://");
    let s = path.to_string_lossy().replace('\\', "/");
    if !s.starts_with('/') {
        out.push('/');
    }
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~:".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use lsp_types::{Position, Range};

    #[test]
    fn uris_round_trip_through_paths() {
        let p = std::path::Path::new("/tmp/a b/é.sh");
        let uri = path_to_uri(p);
        assert_eq!(uri, "file:///tmp/a%20b/%C3%A9.sh");
        assert_eq!(uri_to_path(&uri).unwrap(), p);
        assert_eq!(uri_to_path("untitled:Untitled-1"), None);
        assert_eq!(uri_to_path("file:///x%2"), Some(PathBuf::from("/x%2")));
    }

    #[test]
    fn changes_apply_in_order_and_keep_the_tree_in_step() {
        let uri: Uri = "file:///w/x.sh".parse().unwrap();
        let mut doc = Document::new(uri, "shellscript", 1, "echo a\necho b\n".into());
        assert_eq!(doc.language, Some(Language::Shell));
        doc.tree =
            Some(lang::parse_tree(Language::Shell, &doc.text, lang::DEFAULT_PARSE_BUDGET).unwrap());
        let change = |l1, c1, l2, c2, text: &str| TextDocumentContentChangeEvent {
            range: Some(Range::new(Position::new(l1, c1), Position::new(l2, c2))),
            range_length: None,
            text: text.into(),
        };
        doc.apply_change(change(1, 5, 1, 6, "é\nls"), PositionEncoding::Utf16);
        doc.apply_change(change(2, 2, 2, 2, " -l"), PositionEncoding::Utf16);
        assert_eq!(doc.text, "echo a\necho é\nls -l\n");
        let tree = lang::parse_tree_incremental(
            Language::Shell,
            &doc.text,
            doc.tree.as_ref(),
            lang::DEFAULT_PARSE_BUDGET,
        )
        .unwrap();
        let fresh =
            lang::parse_tree(Language::Shell, &doc.text, lang::DEFAULT_PARSE_BUDGET).unwrap();
        assert_eq!(tree.root_node().to_sexp(), fresh.root_node().to_sexp());
        doc.apply_change(
            TextDocumentContentChangeEvent {
                range: None,
                range_length: None,
                text: "x".into(),
            },
            PositionEncoding::Utf16,
        );
        assert_eq!(doc.text, "x");
        assert!(doc.tree.is_none());
    }

    #[test]
    fn language_comes_from_id_then_extension_then_shebang() {
        let doc = |uri: &str, id: &str, text: &str| {
            Document::new(uri.parse().unwrap(), id, 0, text.into()).language
        };
        assert_eq!(
            doc("file:///a.txt", "powershell", ""),
            Some(Language::PowerShell)
        );
        assert_eq!(
            doc("file:///a.ps1", "plaintext", ""),
            Some(Language::PowerShell)
        );
        assert_eq!(
            doc("untitled:1", "", "#!/bin/bash\n"),
            Some(Language::Shell)
        );
        assert_eq!(doc("file:///a.py", "python", ""), None);
    }
}
