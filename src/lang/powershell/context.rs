//! One iterative walk over the whole tree that records, for the nodes the lowering reports, the
//! enclosing block (scope), the statement directly inside it, the enclosing function and the
//! `if (-not $env:X)` guard; it also collects syntax errors. Walking with a cursor and an
//! explicit stack keeps this linear and safe on arbitrarily deep trees (asking a node for its
//! parent is not constant time).

use std::collections::HashMap;

use tree_sitter::Node;

use super::{Found, capture_for_kind, trimmed_span, value::variable_name};
use crate::model::{Span, SyntaxError};

/// Node kinds whose context is recorded.
fn needs_context(kind: &str) -> bool {
    matches!(
        kind,
        "command" | "assignment_expression" | "invokation_expression" | "script_parameter"
    )
}

/// A variable an `if` condition tests for being unset.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Guard {
    name: String,
    env: bool,
}

/// The context of one node, as the lowering needs it.
pub(super) struct Context<'t> {
    pub scope: Span,
    pub statement: Span,
    pub function: Option<Node<'t>>,
    guard: Option<Guard>,
}

impl Context<'_> {
    /// True when the node only runs if the variable `name` (environment or not) is unset.
    pub fn guards(&self, name: &str, env: bool) -> bool {
        self.guard
            .as_ref()
            .is_some_and(|g| g.env == env && g.name.eq_ignore_ascii_case(name))
    }
}

#[derive(Clone, Copy)]
struct Frame<'t> {
    scope: (usize, usize),
    statement: Option<(usize, usize)>,
    /// True while no statement of the current block encloses the walk position.
    pending: bool,
    function: Option<Node<'t>>,
    guard: Option<usize>,
}

pub(super) struct Contexts<'t> {
    frames: HashMap<usize, Frame<'t>>,
    guards: Vec<Guard>,
    len: usize,
}

impl<'t> Contexts<'t> {
    pub fn get(&self, node: Node<'t>, text: &str) -> Context<'t> {
        let frame = self.frames.get(&node.id());
        Context {
            scope: frame.map_or(0..self.len, |f| f.scope.0..f.scope.1),
            statement: frame
                .and_then(|f| f.statement)
                .map_or_else(|| trimmed_span(node, text), |s| s.0..s.1),
            function: frame.and_then(|f| f.function),
            guard: frame
                .and_then(|f| f.guard)
                .and_then(|g| self.guards.get(g).cloned()),
        }
    }
}

/// What the walk collects.
pub(super) struct Walk<'t> {
    pub contexts: Contexts<'t>,
    pub errors: Vec<SyntaxError>,
    /// The nodes `nodes.scm` would find, selected by kind, in document order.
    pub found: Found<'t>,
}

/// Walks the tree once: contexts of interesting nodes, ERROR / MISSING nodes, nodes of interest.
pub(super) fn collect<'t>(root: Node<'t>, text: &str) -> Walk<'t> {
    let mut contexts = Contexts {
        frames: HashMap::new(),
        guards: Vec::new(),
        len: text.len(),
    };
    let mut errors = Vec::new();
    let mut found = Found::default();
    let root_frame = Frame {
        scope: (0, text.len()),
        statement: None,
        pending: true,
        function: None,
        guard: None,
    };
    // Ancestors of the cursor's node with their kinds and frames. `kind()` is not free (it
    // measures a C string), so each node's kind is read once.
    let mut stack: Vec<(Node<'t>, &'t str, Frame<'t>)> = Vec::new();
    let mut cursor = root.walk();
    loop {
        let node = cursor.node();
        let kind = node.kind();
        let frame = match stack.last() {
            Some(&(parent, parent_kind, parent_frame)) => derive(
                (parent, parent_kind),
                parent_frame,
                (node, kind),
                text,
                &mut contexts.guards,
            ),
            None => root_frame,
        };
        if needs_context(kind) {
            contexts.frames.insert(node.id(), frame);
        }
        if let Some(capture) = capture_for_kind(kind) {
            found.push(capture, node);
        }
        if node.is_error() || node.is_missing() {
            errors.push(SyntaxError {
                span: node.byte_range(),
                missing: node.is_missing(),
            });
        }
        if cursor.goto_first_child() {
            stack.push((node, kind, frame));
            continue;
        }
        while !cursor.goto_next_sibling() {
            if !cursor.goto_parent() {
                found.sort();
                return Walk {
                    contexts,
                    errors,
                    found,
                };
            }
            stack.pop();
        }
    }
}

/// The frame of `node` given its parent's.
fn derive<'t>(
    (parent, parent_kind): (Node<'t>, &str),
    parent_frame: Frame<'t>,
    (node, kind): (Node<'t>, &str),
    text: &str,
    guards: &mut Vec<Guard>,
) -> Frame<'t> {
    let mut frame = parent_frame;
    let span = || {
        let s = trimmed_span(node, text);
        (s.start, s.end)
    };
    if parent_kind == "statement_list" && parent_frame.pending && kind != "comment" {
        frame.statement = Some(span());
        frame.pending = false;
    }
    match kind {
        "statement_block" | "script_block_expression" => {
            frame.scope = span();
            frame.statement = None;
            frame.pending = true;
        }
        // The script's own block is the whole text, a function's body its braces: a scope must
        // not depend on which statement comes first (a parse of part of a file would differ).
        "script_block" if parent_kind == "program" => {
            frame.scope = (0, text.len());
            frame.statement = None;
            frame.pending = true;
        }
        "script_block" if parent_kind == "function_statement" => {
            let body = trimmed_span(parent, text);
            let mut cursor = parent.walk();
            let open = parent
                .children(&mut cursor)
                .find(|c| c.kind() == "{")
                .map_or(body.start, |c| c.start_byte());
            frame.scope = (open, body.end);
            frame.statement = None;
            frame.pending = true;
        }
        "script_block" if parent_kind != "script_block_expression" => {
            frame.scope = span();
            frame.statement = None;
            frame.pending = true;
        }
        "function_statement" => frame.function = Some(node),
        "else_clause" | "elseif_clause" => frame.guard = None,
        _ => {}
    }
    if kind == "statement_block"
        && parent_kind == "if_statement"
        && let Some(guard) = parent
            .child_by_field_name("condition")
            .and_then(|c| unset_test(text.get(c.byte_range()).unwrap_or_default()))
    {
        frame.guard = Some(guards.len());
        guards.push(guard);
    }
    frame
}

/// Recognises conditions that test a variable for being unset or empty:
/// `-not $env:X`, `!$env:X`, `[string]::IsNullOrEmpty($env:X)`, `$null -eq $env:X`,
/// `-not (Test-Path env:X)`.
fn unset_test(condition: &str) -> Option<Guard> {
    // Conditions worth recognising are short; skip long ones to stay linear overall.
    if condition.len() > 300 {
        return None;
    }
    let c: String = condition
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    let c = c.as_str();
    let strip_parens = |s: &str| -> String {
        let mut s = s;
        while let Some(inner) = s.strip_prefix('(').and_then(|s| s.strip_suffix(')')) {
            s = inner;
        }
        s.to_string()
    };
    let candidate = if let Some(rest) = c.strip_prefix("-not").or_else(|| c.strip_prefix('!')) {
        let rest = strip_parens(rest);
        match rest.strip_prefix("test-pathenv:") {
            Some(name) => format!("$env:{name}"),
            None => rest,
        }
    } else if let Some(rest) = c
        .strip_prefix("[string]::isnullorempty(")
        .or_else(|| c.strip_prefix("[string]::isnullorwhitespace("))
    {
        rest.strip_suffix(')')?.to_string()
    } else if let Some(rest) = c.strip_prefix("$null-eq") {
        strip_parens(rest)
    } else if let Some(rest) = c.strip_suffix("-eq$null") {
        strip_parens(rest)
    } else {
        return None;
    };
    let is_plain = candidate.starts_with('$')
        && candidate.len() > 1
        && candidate[1..]
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | ':' | '{' | '}'));
    if !is_plain {
        return None;
    }
    // Names are compared case-insensitively, so the lower-cased form is enough.
    let (name, env) = variable_name(&candidate);
    Some(Guard { name, env })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unset_tests() {
        let guard = |name: &str, env| {
            Some(Guard {
                name: name.into(),
                env,
            })
        };
        for (condition, expected) in [
            ("-not $env:X", guard("x", true)),
            ("!$env:API_KEY", guard("api_key", true)),
            ("-not ($env:X)", guard("x", true)),
            ("[string]::IsNullOrEmpty($env:X)", guard("x", true)),
            (
                "[String]::IsNullOrWhiteSpace( $Token )",
                guard("token", false),
            ),
            ("$null -eq $env:X", guard("x", true)),
            ("$env:X -eq $null", guard("x", true)),
            ("-not (Test-Path env:X)", guard("x", true)),
            ("$env:X", None),
            ("-not $a.b", None),
            ("$x -eq 'y'", None),
        ] {
            assert_eq!(unset_test(condition), expected, "{condition}");
        }
    }
}
