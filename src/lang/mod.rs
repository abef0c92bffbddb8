//! Parsing: tree-sitter parsers per worker thread, a time budget per file, and the language
//! adapters that lower each tree into the language-neutral [`Script`] model.

pub mod bash;
pub mod embedded;
pub mod normalize;
pub mod powershell;

use std::cell::RefCell;
use std::ops::ControlFlow;
use std::time::{Duration, Instant};

use tree_sitter::{Parser, Tree};

use crate::model::{Language, Script};

#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum ParseError {
    #[error("parsing took longer than the {0:?} budget; file skipped")]
    Timeout(Duration),
    #[error("the parser gave up on this file")]
    Failed,
}

/// Default time budget for parsing one file.
pub const DEFAULT_PARSE_BUDGET: Duration = Duration::from_secs(2);

thread_local! {
    static BASH_PARSER: RefCell<Parser> = RefCell::new(new_parser(Language::Shell));
    static POWERSHELL_PARSER: RefCell<Parser> = RefCell::new(new_parser(Language::PowerShell));
}

pub fn ts_language(language: Language) -> tree_sitter::Language {
    match language {
        Language::Shell => tree_sitter_bash::LANGUAGE.into(),
        Language::PowerShell => tree_sitter_powershell::LANGUAGE.into(),
    }
}

fn new_parser(language: Language) -> Parser {
    let mut parser = Parser::new();
    parser
        .set_language(&ts_language(language))
        .expect("bundled grammar matches the tree-sitter version");
    parser
}

/// Replaces bytes a grammar is known to handle badly with spaces of the same length, so spans
/// stay valid. tree-sitter-bash is super-linear on runs of NUL bytes and cannot be cancelled
/// while it is stuck there.
pub fn sanitize(text: &str) -> std::borrow::Cow<'_, str> {
    if text.bytes().any(|b| b == 0) {
        std::borrow::Cow::Owned(text.replace('\0', " "))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// Parses `text` within `budget`, reusing this thread's parser.
pub fn parse_tree(language: Language, text: &str, budget: Duration) -> Result<Tree, ParseError> {
    parse_tree_incremental(language, text, None, budget)
}

/// Parses `text` within `budget`, reusing the unchanged parts of `old`.
///
/// `old` must be the tree of the previous text with every change since applied to it through
/// [`Tree::edit`]; `text` is the current text. With `None` this is [`parse_tree`]. Sanitising
/// keeps byte lengths, so edits computed on the unsanitised text stay valid.
pub fn parse_tree_incremental(
    language: Language,
    text: &str,
    old: Option<&Tree>,
    budget: Duration,
) -> Result<Tree, ParseError> {
    let text = sanitize(text);
    let bytes = text.as_bytes();
    let started = Instant::now();
    let run = |parser: &RefCell<Parser>| {
        let mut parser = parser.borrow_mut();
        parser.reset();
        let mut progress = |_: &tree_sitter::ParseState| {
            if started.elapsed() > budget {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        };
        let options = tree_sitter::ParseOptions::new().progress_callback(&mut progress);
        let tree = parser.parse_with_options(
            &mut |offset, _| bytes.get(offset..).unwrap_or_default(),
            old,
            Some(options),
        );
        parser.reset();
        tree
    };
    let tree = match language {
        Language::Shell => BASH_PARSER.with(run),
        Language::PowerShell => POWERSHELL_PARSER.with(run),
    };
    match tree {
        Some(tree) => Ok(tree),
        None if started.elapsed() > budget => Err(ParseError::Timeout(budget)),
        None => Err(ParseError::Failed),
    }
}

thread_local! {
    /// When the lowering running on this thread must stop, and whether it did (see
    /// [`lowering_expired`]). Unset outside [`parse`], so direct callers of [`lower`] are unbounded.
    static LOWER_DEADLINE: std::cell::Cell<(Option<Instant>, bool)> =
        const { std::cell::Cell::new((None, false)) };
}

/// Called by the query cursors of the lowering: true once this thread's lowering deadline has
/// passed (and remembers it, so [`parse`] reports a timeout instead of a partial model).
/// tree-sitter's query cursor costs O(depth) per node and more on wide error nodes, so
/// pathological input (`{{{{…`, `$($($(…`) would otherwise take minutes after a quick parse.
pub(crate) fn lowering_expired() -> bool {
    LOWER_DEADLINE.with(|d| {
        let (deadline, expired) = d.get();
        if expired {
            return true;
        }
        if deadline.is_some_and(|t| Instant::now() > t) {
            d.set((deadline, true));
            return true;
        }
        false
    })
}

/// Parses and lowers `text` into the Script model. Parsing and lowering each get `budget` (a
/// large legitimate file must not fail because its parse used most of a shared budget).
pub fn parse(language: Language, text: &str, budget: Duration) -> Result<Script, ParseError> {
    let tree = parse_tree(language, text, budget)?;
    let deadline = Instant::now() + budget;
    let outer = LOWER_DEADLINE.with(|d| d.replace((Some(deadline), false)));
    let mut script = lower(language, &tree, text);
    let expired = LOWER_DEADLINE.with(|d| d.replace(outer).1);
    if expired {
        return Err(ParseError::Timeout(budget));
    }
    embedded::merge_embedded(&mut script, text, budget, 0);
    Ok(script)
}

/// Lowers an already parsed tree (the LSP server keeps trees for incremental re-parsing).
pub fn lower(language: Language, tree: &Tree, text: &str) -> Script {
    let mut script = match language {
        Language::Shell => bash::lower(tree, text),
        Language::PowerShell => powershell::lower(tree, text),
    };
    script.language = Some(language);
    normalize::normalize(&mut script, language);
    script
}

/// The [`tree_sitter::InputEdit`] describing the replacement of `old_text[range]` by
/// `replacement`, for [`Tree::edit`] before an incremental [`parse_tree_incremental`].
/// Columns are byte columns, as tree-sitter counts them.
pub fn input_edit(
    old_text: &str,
    range: std::ops::Range<usize>,
    replacement: &str,
) -> tree_sitter::InputEdit {
    let point_at = |text: &str, offset: usize| {
        let before = &text.as_bytes()[..offset];
        let row = before.iter().filter(|&&b| b == b'\n').count();
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        tree_sitter::Point::new(row, offset - line_start)
    };
    let start_position = point_at(old_text, range.start);
    let old_end_position = point_at(old_text, range.end);
    let new_end_position = match replacement.rfind('\n') {
        Some(last) => tree_sitter::Point::new(
            start_position.row + replacement.matches('\n').count(),
            replacement.len() - last - 1,
        ),
        None => tree_sitter::Point::new(
            start_position.row,
            start_position.column + replacement.len(),
        ),
    };
    tree_sitter::InputEdit {
        start_byte: range.start,
        old_end_byte: range.end,
        new_end_byte: range.start + replacement.len(),
        start_position,
        old_end_position,
        new_end_position,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An incremental re-parse after `Tree::edit` gives the same tree as a fresh parse.
    #[test]
    fn incremental_parse_matches_fresh_parse() {
        let old = "echo one\ntwine upload --password 'abc'\necho three\n";
        let tree = parse_tree(Language::Shell, old, DEFAULT_PARSE_BUDGET).unwrap();
        for (range, replacement) in [
            (15..21, "login"),
            (9..9, "x=1\ny=2\n"),
            (0..old.len(), ""),
            (old.len()..old.len(), "if true; then\n  echo é\nfi\n"),
            (33..38, "\"$TOKEN\""),
        ] {
            let mut new = old.to_owned();
            new.replace_range(range.clone(), replacement);
            let mut edited = tree.clone();
            edited.edit(&input_edit(old, range, replacement));
            let incremental =
                parse_tree_incremental(Language::Shell, &new, Some(&edited), DEFAULT_PARSE_BUDGET)
                    .unwrap();
            let fresh = parse_tree(Language::Shell, &new, DEFAULT_PARSE_BUDGET).unwrap();
            assert_eq!(
                incremental.root_node().to_sexp(),
                fresh.root_node().to_sexp(),
                "{new:?}"
            );
            assert_eq!(incremental.root_node().end_byte(), new.len(), "{new:?}");
        }
    }

    #[test]
    fn input_edit_points_count_rows_and_byte_columns() {
        let e = input_edit("ab\ncdé\nf", 4..8, "X\nYZ");
        assert_eq!(e.start_position, tree_sitter::Point::new(1, 1));
        assert_eq!(e.old_end_position, tree_sitter::Point::new(2, 0));
        assert_eq!(e.new_end_position, tree_sitter::Point::new(2, 2));
        assert_eq!((e.start_byte, e.old_end_byte, e.new_end_byte), (4, 8, 8));
    }
}
