//! Parsing: tree-sitter parsers per worker thread, a time budget per file, and the language
//! adapters that lower each tree into the language-neutral [`Script`] model.

pub mod bash;
pub mod embedded;
pub mod normalize;
pub mod powershell;
pub mod units;

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
    #[error("more than {0} syntax errors: this does not look like a script; file skipped")]
    TooManyErrors(usize),
    #[error("syntax tree deeper than {0} levels: this does not look like a script; file skipped")]
    TooDeep(usize),
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

/// Runs of punctuation at least this long are blanked by [`sanitize`].
pub const PUNCTUATION_RUN: usize = 64;

/// More syntax errors than this and a file is not lowered (see [`ParseError::TooManyErrors`]).
pub const MAX_SYNTAX_ERRORS: usize = 2_000;

/// A syntax tree deeper than this is not lowered (see [`ParseError::TooDeep`]): 250,000 nested
/// `& {` script blocks (1 MB) parsed within budget and then took half a minute to lower.
pub const MAX_TREE_DEPTH: usize = 20_000;

/// Refuses trees that would take unbounded time to lower: too many syntax errors, too deep.
pub fn check_tree(tree: &Tree) -> Result<(), ParseError> {
    if count_syntax_errors(tree, MAX_SYNTAX_ERRORS + 1) > MAX_SYNTAX_ERRORS {
        return Err(ParseError::TooManyErrors(MAX_SYNTAX_ERRORS));
    }
    if deeper_than(tree, MAX_TREE_DEPTH) {
        return Err(ParseError::TooDeep(MAX_TREE_DEPTH));
    }
    Ok(())
}

/// Whether any node of `tree` is more than `limit` levels below the root (an iterative walk
/// that stops at the first such node).
pub fn deeper_than(tree: &Tree, limit: usize) -> bool {
    // A path of more than `limit` nodes needs more than `limit` nodes (a count tree-sitter
    // keeps): most trees are too small to be walked at all.
    if tree.root_node().descendant_count() <= limit {
        return false;
    }
    let mut cursor = tree.walk();
    let mut depth = 0usize;
    loop {
        if cursor.goto_first_child() {
            depth += 1;
            if depth > limit {
                return true;
            }
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return false;
            }
            depth -= 1;
        }
    }
}

/// Replaces bytes a grammar is known to handle badly with spaces of the same length, so spans
/// stay valid (the model is lowered from the original text; only the parser sees this one):
/// - NUL bytes: tree-sitter-bash is super-linear and cannot be cancelled while stuck on them.
/// - Long runs of punctuation (`)))…`, `| | |…`, `""""…`): both grammars' error recovery is
///   super-linear on them. A run of [`PUNCTUATION_RUN`] or more bytes of punctuation (quotes,
///   backslash and backtick excepted; brackets only when they do not balance, see
///   [`blankable_bytes`]) and blanks is blanked whole (a stray `)` left behind
///   would still swallow the next line in tree-sitter-powershell); a run of one quote,
///   backslash or backtick character keeps one of them when the run is odd, so the quoting
///   state after the run is unchanged. No script holds such a run outside comments and banners.
pub fn sanitize(text: &str) -> std::borrow::Cow<'_, str> {
    let bytes = text.as_bytes();
    // Most texts have no long run even counting every bracket: the byte counts that tell
    // which brackets balance are not needed then.
    let clean = |blankable: &[bool; 256]| {
        memchr::memchr(0, bytes).is_none() && !has_long_punctuation_run(bytes, blankable)
    };
    if clean(&ALL_PUNCTUATION) {
        return std::borrow::Cow::Borrowed(text);
    }
    let blankable = blankable_bytes(bytes);
    if clean(&blankable) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = bytes.to_vec();
    for b in &mut out {
        if *b == 0 {
            *b = b' ';
        }
    }
    let in_run = |c: u8| blankable[c as usize] || c == b' ' || c == b'\t';
    let mut i = 0;
    while i < out.len() {
        let b = out[i];
        let len = if is_quoting(b) {
            out[i..].iter().take_while(|&&c| c == b).count()
        } else if blankable[b as usize] {
            out[i..].iter().take_while(|&&c| in_run(c)).count()
        } else {
            1
        };
        if len >= PUNCTUATION_RUN {
            let keep = if is_quoting(b) { len % 2 } else { 0 };
            for c in &mut out[i + keep..i + len] {
                *c = b' ';
            }
        }
        i += len;
    }
    // Only ASCII bytes were replaced by ASCII spaces, so the text is still UTF-8.
    std::borrow::Cow::Owned(String::from_utf8(out).expect("ASCII replaced by ASCII"))
}

/// [`blankable_bytes`] with every bracket blankable: a superset of any file's.
static ALL_PUNCTUATION: [bool; 256] = {
    let mut table = [false; 256];
    let mut c = 0;
    while c < 128 {
        let b = c as u8;
        table[c] = b.is_ascii_punctuation() && !matches!(b, b'"' | b'\'' | b'`' | b'\\');
        c += 1;
    }
    table
};

fn is_quoting(b: u8) -> bool {
    matches!(b, b'"' | b'\'' | b'`' | b'\\')
}

/// Which bytes may be blanked in a long run: ASCII punctuation but quotes, backslash and
/// backtick; brackets only when the file's brackets of that kind do not balance (10,000 levels
/// of valid nesting are kept for the lowering, which limits its depth itself; 1 MB of `)` is
/// garbage).
fn blankable_bytes(bytes: &[u8]) -> [bool; 256] {
    let mut counts = [0usize; 256];
    for &b in bytes {
        counts[b as usize] += 1;
    }
    let mut table = ALL_PUNCTUATION;
    for (open, close) in [(b'(', b')'), (b'[', b']'), (b'{', b'}')] {
        let balanced = counts[open as usize] == counts[close as usize];
        table[open as usize] = !balanced;
        table[close as usize] = !balanced;
    }
    table
}

fn has_long_punctuation_run(bytes: &[u8], blankable: &[bool; 256]) -> bool {
    // A run needs PUNCTUATION_RUN bytes in a row that are blanks, quoting or blankable
    // ("members"). Such a stretch holds a whole aligned block of BLOCK members, and most
    // blocks of a script show a letter within their first bytes: blocks are tested first,
    // and only a stretch around an all-member block gets the exact test.
    const BLOCK: usize = PUNCTUATION_RUN / 2;
    let member = |c: u8| blankable[c as usize] || matches!(c, b' ' | b'\t') || is_quoting(c);
    let mut block = 0;
    while block + BLOCK <= bytes.len() {
        if !bytes[block..block + BLOCK].iter().all(|&c| member(c)) {
            block += BLOCK;
            continue;
        }
        let start = bytes[..block]
            .iter()
            .rposition(|&c| !member(c))
            .map_or(0, |i| i + 1);
        let end = bytes[block..]
            .iter()
            .position(|&c| !member(c))
            .map_or(bytes.len(), |i| block + i);
        if end - start >= PUNCTUATION_RUN && has_run_in_stretch(&bytes[start..end], blankable) {
            return true;
        }
        // The next block that starts after the stretch.
        block = end.div_ceil(BLOCK) * BLOCK;
    }
    false
}

/// Whether `stretch` holds a run to blank: one quoting character repeated, or blankable
/// bytes and blanks with punctuation in it. Exact on any text; [`has_long_punctuation_run`]
/// calls it only on stretches of members.
fn has_run_in_stretch(stretch: &[u8], blankable: &[bool; 256]) -> bool {
    let in_run = |c: u8| blankable[c as usize] || c == b' ' || c == b'\t';
    let mut run = 0;
    let mut prev = 0u8;
    for &b in stretch {
        let continues = if is_quoting(b) {
            b == prev
        } else {
            in_run(b) && in_run(prev)
        };
        run = if continues { run + 1 } else { 1 };
        // A run of blanks alone is harmless; count it only once punctuation is in it.
        if run >= PUNCTUATION_RUN && (is_quoting(b) || blankable[b as usize]) {
            return true;
        }
        prev = b;
    }
    false
}

/// Parses `text` within `budget`, reusing this thread's parser.
pub fn parse_tree(language: Language, text: &str, budget: Duration) -> Result<Tree, ParseError> {
    parse_sanitized(language, &sanitize(text), None, budget, &[])
}

/// Parses `text` within `budget`, reusing the unchanged parts of `old`.
///
/// `old` must be the tree of the previous text with every change since applied to it through
/// [`Tree::edit`]; `text` is the current text. Only NUL bytes are sanitised here, byte for
/// byte, so edits computed on the unsanitised text stay valid: blanking punctuation runs
/// ([`sanitize`]) depends on the bytes around an edit, and a tree parsed from blanked text
/// could not be reused safely. The error-count limit is applied by the caller.
pub fn parse_tree_incremental(
    language: Language,
    text: &str,
    old: Option<&Tree>,
    budget: Duration,
) -> Result<Tree, ParseError> {
    parse_sanitized(language, &sanitize_nul(text), old, budget, &[])
}

/// Replaces NUL bytes with spaces (and nothing else).
fn sanitize_nul(text: &str) -> std::borrow::Cow<'_, str> {
    if text.as_bytes().contains(&0) {
        std::borrow::Cow::Owned(text.replace('\0', " "))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// Parses `text` (only `ranges` of it when not empty) within `budget`.
fn parse_sanitized(
    language: Language,
    text: &str,
    old: Option<&Tree>,
    budget: Duration,
    ranges: &[tree_sitter::Range],
) -> Result<Tree, ParseError> {
    let bytes = text.as_bytes();
    let started = Instant::now();
    let run = |parser: &RefCell<Parser>| {
        let mut parser = parser.borrow_mut();
        parser.reset();
        if !ranges.is_empty() && parser.set_included_ranges(ranges).is_err() {
            return None;
        }
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
        if !ranges.is_empty() {
            // Back to whole documents; an empty list cannot fail.
            let _ = parser.set_included_ranges(&[]);
        }
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
    // Lowering runs queries over the whole tree, and they are slow on trees made of thousands of
    // ERROR nodes (1 MB of `| | |…` took seconds after a quick parse); such a file is no script.
    check_tree(&tree)?;
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

/// Parses and lowers only the skeleton of the `selected` units of `text` (see [`units`]):
/// spans in the model are byte offsets into `text`, as with [`parse`].
/// `sanitized` is [`sanitize`] of `text` when that changed it (computed once per file by the
/// caller).
pub fn parse_skeleton(
    language: Language,
    text: &str,
    sanitized: Option<&str>,
    units: &units::Units,
    selected: &[usize],
    budget: Duration,
) -> Result<Script, ParseError> {
    let skeleton = units::skeleton(language, text, units, selected);
    // The parser reads the skeleton of the sanitised text.
    let parsed = match sanitized {
        None => std::borrow::Cow::Borrowed(skeleton.text.as_str()),
        Some(clean) => std::borrow::Cow::Owned(skeleton.over(clean)),
    };
    let tree = parse_sanitized(language, &parsed, None, budget, &skeleton.ranges)?;
    check_tree(&tree)?;
    let deadline = Instant::now() + budget;
    let outer = LOWER_DEADLINE.with(|d| d.replace((Some(deadline), false)));
    let mut script = lower(language, &tree, &skeleton.text);
    let expired = LOWER_DEADLINE.with(|d| d.replace(outer).1);
    if expired {
        return Err(ParseError::Timeout(budget));
    }
    // Blocks closed by the skeleton's closers end past the text: bring them back inside; the
    // script's own scope (the root, which starts at the first unit) is the whole text.
    let root = tree.root_node().byte_range();
    units::clamp_spans(&mut script, text.len(), root);
    embedded::merge_embedded(&mut script, text, budget, 0);
    Ok(script)
}

/// Number of ERROR and MISSING nodes in `tree`, counting no further than `limit`.
pub fn count_syntax_errors(tree: &Tree, limit: usize) -> usize {
    let root = tree.root_node();
    if !root.has_error() {
        return 0;
    }
    let mut count = 0;
    let mut cursor = root.walk();
    loop {
        let node = cursor.node();
        if node.is_error() || node.is_missing() {
            count += 1;
            if count >= limit {
                return count;
            }
        }
        // Only descend into subtrees that contain errors.
        if node.has_error() && cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return count;
            }
        }
    }
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

/// Makes tree-sitter's C core allocate with mimalloc, the allocator the credlint binary
/// installs for Rust (`src/main.rs`): syntax trees are most of what a scan allocates, and
/// glibc's malloc spent ~10% of a monorepo scan allocating, freeing and consolidating.
///
/// # Safety
/// Call once, before any tree-sitter object exists (first thing in `main`), and only in a
/// program whose global allocator is mimalloc.
pub unsafe fn use_mimalloc_for_parsers() {
    use libmimalloc_sys::{mi_calloc, mi_free, mi_malloc, mi_realloc};
    // SAFETY: the caller guarantees no tree-sitter object is alive; the four functions are
    // one allocator family and return memory aligned as libc's malloc does (16 bytes).
    unsafe {
        tree_sitter::set_allocator(Some(tree_sitter::Allocator {
            malloc: mi_malloc,
            calloc: mi_calloc,
            realloc: mi_realloc,
            free: mi_free,
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CRED: &str = "\ndocker login -u ci -p 'Hq7#mZpX4vRkT2wL' r.example.com\n";

    fn secret_found(language: Language, text: &str) -> bool {
        let script = parse(language, text, DEFAULT_PARSE_BUDGET).expect("parses");
        script
            .commands
            .iter()
            .any(|c| c.name == "docker" && c.args.len() >= 5)
    }

    #[test]
    fn sanitize_keeps_length_and_short_runs() {
        let text = "echo ')))' \"$x\" || true # ----\n";
        assert!(matches!(sanitize(text), std::borrow::Cow::Borrowed(_)));
        let long = format!("a{}b", ")".repeat(100));
        let nested = format!("{}x{}", "(".repeat(100), ")".repeat(100));
        assert!(matches!(sanitize(&nested), std::borrow::Cow::Borrowed(_)));
        let clean = sanitize(&long);
        assert_eq!(clean.len(), long.len());
        assert_eq!(clean, format!("a{}b", " ".repeat(100)));
        let nul = "echo\0\0hi";
        assert_eq!(sanitize(nul), "echo  hi");
    }

    /// The block-skipping search finds exactly the runs a byte-by-byte scan finds.
    #[test]
    fn long_runs_are_found_as_a_plain_scan_finds_them() {
        use proptest::prelude::*;
        let alphabet = prop::sample::select(b" \t)|(\"'`\\-#=a\n".to_vec());
        // Runs of one byte, so long runs (and near misses) are common.
        let piece =
            (alphabet, prop_oneof![Just(1usize), 28usize..72]).prop_map(|(b, n)| vec![b; n]);
        let text = prop::collection::vec(piece, 0..12).prop_map(|p| p.concat());
        let mut runner = proptest::test_runner::TestRunner::new(proptest::test_runner::Config {
            cases: 20_000,
            ..Default::default()
        });
        runner
            .run(&text, |bytes| {
                for table in [ALL_PUNCTUATION, blankable_bytes(&bytes)] {
                    prop_assert_eq!(
                        has_long_punctuation_run(&bytes, &table),
                        // The exact scan over the whole text: what the search used to run.
                        has_run_in_stretch(&bytes, &table)
                    );
                }
                Ok(())
            })
            .unwrap();
    }

    #[test]
    fn sanitize_keeps_the_quoting_state_after_a_run_of_quotes() {
        for (n, kept) in [(100, ""), (101, "\""), (64, ""), (65, "\"")] {
            let text = format!("x{}y", "\"".repeat(n));
            let clean = sanitize(&text);
            assert_eq!(clean.len(), text.len());
            assert_eq!(clean.trim_end_matches('y').trim_end(), format!("x{kept}"));
        }
        let mixed = format!("x{}y", "| ".repeat(50));
        assert_eq!(sanitize(&mixed), format!("x{}y", " ".repeat(100)));
    }

    /// Pathological inputs complete, and the credential after them is still found. (How long
    /// they take is measured by bench/pathological.sh, not here.)
    #[test]
    fn pathological_runs_complete_with_the_credential_found() {
        let n = 200_000;
        for (language, body) in [
            (Language::Shell, ")".repeat(n)),
            (Language::Shell, "|".repeat(n)),
            (Language::Shell, "\"".repeat(n)),
            (Language::Shell, "'".repeat(n)),
            (Language::Shell, "\0".repeat(n)),
            (Language::PowerShell, ")".repeat(n)),
            (Language::PowerShell, "|".repeat(n)),
            (Language::PowerShell, "`".repeat(n)),
        ] {
            let text = format!("{body}{CRED}");
            assert!(
                secret_found(language, &text),
                "{language:?} {:?}…",
                &body[..1]
            );
        }
    }

    /// Thousands of syntax errors that no run of punctuation explains: the file completes with
    /// a clear outcome — refused for its errors, timed out (on a loaded machine), or lowered —
    /// instead of being lowered for seconds. Which one depends on how tree-sitter recovers and
    /// on the machine's load, so all three are accepted; hanging is not.
    #[test]
    fn thousands_of_syntax_errors_complete_with_a_clear_outcome() {
        let text = format!("{}{CRED}", "|x ".repeat(50_000));
        match parse(Language::Shell, &text, DEFAULT_PARSE_BUDGET) {
            Err(ParseError::TooManyErrors(n)) => assert_eq!(n, MAX_SYNTAX_ERRORS),
            Err(ParseError::Timeout(_)) => {}
            Ok(script) => assert!(!script.commands.is_empty()),
            Err(other) => panic!("unexpected outcome: {other}"),
        }
        // The refusal itself, on a tree that has more errors than the limit.
        let tree = parse_tree(Language::Shell, &")(".repeat(5_000), DEFAULT_PARSE_BUDGET);
        if let Ok(tree) = tree {
            let errors = count_syntax_errors(&tree, MAX_SYNTAX_ERRORS + 1);
            assert_eq!(
                check_tree(&tree).is_err(),
                errors > MAX_SYNTAX_ERRORS || deeper_than(&tree, MAX_TREE_DEPTH)
            );
        }
    }

    /// The budget stops the parser: a zero budget gives a Timeout error, not a hang.
    #[test]
    fn parse_budget_returns_timeout() {
        let text = format!("{}{CRED}", "echo hello world\n".repeat(20_000));
        assert_eq!(
            parse_tree(Language::Shell, &text, Duration::ZERO).map(|_| ()),
            Err(ParseError::Timeout(Duration::ZERO))
        );
        assert_eq!(
            parse_tree(Language::PowerShell, &text, Duration::ZERO).map(|_| ()),
            Err(ParseError::Timeout(Duration::ZERO))
        );
    }

    /// Deep nesting does not overflow the stack of a worker thread (2 MiB by default).
    #[test]
    fn deep_nesting_completes_on_a_small_stack() {
        let depth = 20_000;
        let bash = format!(
            "echo {}x{}{CRED}",
            "$(echo ".repeat(depth),
            ")".repeat(depth)
        );
        let ps = format!("$x = {}1{}{CRED}", "@(".repeat(depth), ")".repeat(depth));
        let handle = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(move || {
                let a = parse(Language::Shell, &bash, DEFAULT_PARSE_BUDGET).map(|_| ());
                let b = parse(Language::PowerShell, &ps, DEFAULT_PARSE_BUDGET).map(|_| ());
                (a, b)
            })
            .unwrap();
        let (a, b) = handle.join().expect("no stack overflow");
        let ok = |r: &Result<(), ParseError>| {
            matches!(
                r,
                Ok(()) | Err(ParseError::Timeout(_) | ParseError::TooDeep(_))
            )
        };
        assert!(ok(&a), "{a:?}");
        assert!(ok(&b), "{b:?}");
    }

    /// 100,000 nested script blocks: refused with a clear error before lowering (which is
    /// super-linear in depth), instead of half a minute of work.
    #[test]
    fn very_deep_trees_are_refused() {
        let depth = 100_000;
        let text = format!("{}x{}{CRED}", "& {".repeat(depth), "}".repeat(depth));
        match parse(Language::PowerShell, &text, DEFAULT_PARSE_BUDGET) {
            Err(ParseError::TooDeep(n)) => assert_eq!(n, MAX_TREE_DEPTH),
            Err(ParseError::Timeout(_)) => {}
            other => panic!("expected TooDeep, got {:?}", other.map(|_| ())),
        }
        let tree = parse_tree(Language::Shell, "echo hi\n", DEFAULT_PARSE_BUDGET).unwrap();
        assert!(!deeper_than(&tree, 10));
        assert!(deeper_than(&tree, 1));
    }

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
