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
            None,
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
