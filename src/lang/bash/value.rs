//! Building [`Value`]s from bash word nodes: unquoting, unescaping and splitting into static and
//! dynamic parts.

use std::collections::HashMap;

use tree_sitter::{Node, TreeCursor};

use super::KINDS;
use crate::model::{Arg, Part, PartKind, Quoting, Span, Value, ValueKind};

/// Words nest only through `${X:-…}` defaults and concatenations; past this depth the rest of a
/// word is kept as one dynamic part instead of recursing further.
const MAX_VALUE_DEPTH: usize = 32;

/// One part of a value before assembly: like [`Part`], plus what assembly needs.
#[derive(Clone, Debug)]
struct Piece {
    kind: PartKind,
    text: String,
    span: Span,
    verbatim: bool,
    quoting: Quoting,
    /// For `$(…)`: the last command of its single pipeline.
    command: Option<usize>,
}

/// Which backslash escapes apply to a stretch of static text.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Escapes {
    /// Unquoted word: a backslash quotes any character.
    Bare,
    /// Inside `"…"`: only `$`, `` ` ``, `"`, `\` and newline.
    Double,
    /// Inside an unquoted heredoc body: only `$`, `` ` ``, `\` and newline.
    HereDoc,
    /// Inside `$'…'`: C-style escapes.
    AnsiC,
}

/// How [`ValueBuilder`] reads a node, by kind.
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub(super) enum WordKind {
    /// Numbers, brace expressions, globs, regexes, error recovery: their text as written.
    #[default]
    Other,
    Word,
    RawString,
    AnsiCString,
    String,
    TranslatedString,
    Concatenation,
    SimpleExpansion,
    Expansion,
    CommandSubstitution,
    ArithmeticExpansion,
    ProcessSubstitution,
    Array,
}

impl WordKind {
    /// The kinds, with their node kind names.
    pub(super) const NAMED: [(&'static str, WordKind); 12] = [
        ("word", WordKind::Word),
        ("raw_string", WordKind::RawString),
        ("ansi_c_string", WordKind::AnsiCString),
        ("string", WordKind::String),
        ("translated_string", WordKind::TranslatedString),
        ("concatenation", WordKind::Concatenation),
        ("simple_expansion", WordKind::SimpleExpansion),
        ("expansion", WordKind::Expansion),
        ("command_substitution", WordKind::CommandSubstitution),
        ("arithmetic_expansion", WordKind::ArithmeticExpansion),
        ("process_substitution", WordKind::ProcessSubstitution),
        ("array", WordKind::Array),
    ];

    fn of(node: Node) -> WordKind {
        KINDS.role(node.kind_id()).word
    }

    /// The expansions whose text is cut out of a `"…"` string or heredoc body.
    fn is_interpolated(self) -> bool {
        matches!(
            self,
            WordKind::SimpleExpansion
                | WordKind::Expansion
                | WordKind::CommandSubstitution
                | WordKind::ArithmeticExpansion
        )
    }

    /// The quoting of a value made of this node alone.
    fn quoting(self) -> Quoting {
        match self {
            WordKind::RawString => Quoting::Single,
            WordKind::String | WordKind::TranslatedString => Quoting::Double,
            WordKind::AnsiCString => Quoting::AnsiC,
            _ => Quoting::Bare,
        }
    }
}

/// Builds values from nodes of one source text.
pub(super) struct ValueBuilder<'a> {
    pub text: &'a str,
    /// `command` node id → index in `Script::commands`, to link `$(…)` to its command.
    pub commands: &'a HashMap<usize, usize>,
}

impl<'a> ValueBuilder<'a> {
    /// The value of one word node (`word`, `string`, `raw_string`, `concatenation`, `$X`, …).
    pub fn value(&self, node: Node) -> Value {
        let kind = WordKind::of(node);
        if kind == WordKind::Array {
            return self.array(node);
        }
        let mut pieces = Vec::new();
        self.pieces(node, Quoting::Bare, 0, &mut pieces);
        assemble(pieces, node.byte_range(), kind.quoting())
    }

    /// A command argument: a flag when it starts (statically) with `-`, else a positional.
    /// `--name=value` and `-name=value` carry their glued value; `-` and `--` are positionals.
    pub fn arg(&self, node: Node) -> Arg {
        let kind = WordKind::of(node);
        if kind == WordKind::Array {
            return Arg::Positional(self.array(node));
        }
        let mut pieces = Vec::new();
        self.pieces(node, Quoting::Bare, 0, &mut pieces);
        let starts_with_dash = pieces
            .iter()
            .find(|p| !p.text.is_empty())
            .is_some_and(|p| p.kind == PartKind::Static && p.text.starts_with('-'));
        if !starts_with_dash {
            return Arg::Positional(assemble(pieces, node.byte_range(), kind.quoting()));
        }
        let value = assemble(pieces.clone(), node.byte_range(), kind.quoting());
        if value.kind == ValueKind::Literal && matches!(value.text.as_str(), "-" | "--") {
            return Arg::Positional(value);
        }
        // The `=` must come before any expansion: `--$X=y` has no static name.
        let static_prefix = value
            .parts
            .iter()
            .take_while(|p| p.kind == PartKind::Static)
            .last()
            .map_or(0, |p| p.text_range.end);
        let eq = value.text[..static_prefix]
            .find('=')
            .filter(|&eq| !value.text[..eq].trim_start_matches('-').is_empty());
        let Some(eq) = eq else {
            return Arg::Flag {
                name: value.text.clone(),
                name_span: value.span.clone(),
                value: None,
                glued: false,
            };
        };
        let eq_at = value.source_range(eq..eq).start;
        let value_start = (eq_at + 1).min(value.span.end);
        let tail_span = value_start..value.span.end;
        let glued = assemble(split_off(pieces, eq + 1), tail_span, Quoting::Bare);
        Arg::Flag {
            name: value.text[..eq].to_string(),
            name_span: value.span.start..eq_at,
            value: Some(glued),
            glued: true,
        }
    }

    /// The body of a heredoc; `quoted` when its delimiter was quoted (`<<'EOF'`), so nothing
    /// expands inside.
    pub fn heredoc_body(&self, body: Node, quoted: bool) -> Value {
        let span = body_lines(self.text, body.byte_range());
        let mut pieces = Vec::new();
        if quoted {
            push_verbatim(&mut pieces, self.text, span.clone(), Quoting::HereSingle);
            return assemble(pieces, span, Quoting::HereSingle);
        }
        self.interpolated(
            body,
            span.clone(),
            Escapes::HereDoc,
            Quoting::HereDouble,
            0,
            &mut pieces,
        );
        assemble(pieces, span, Quoting::HereDouble)
    }

    fn array(&self, node: Node) -> Value {
        let mut cursor = node.walk();
        let elements: Vec<Value> = node
            .named_children(&mut cursor)
            .filter(|c| c.kind_id() != KINDS.comment)
            .map(|c| self.value(c))
            .collect();
        let span = node.byte_range();
        let kind = if elements.iter().all(|e| e.kind == ValueKind::Literal) {
            ValueKind::Literal
        } else if elements.iter().all(|e| e.kind == ValueKind::Dynamic) {
            ValueKind::Dynamic
        } else {
            ValueKind::Mixed
        };
        let text = self.text[span.clone()].to_string();
        let part_kind = match kind {
            ValueKind::Literal => PartKind::Static,
            _ => dynamic(None, None),
        };
        Value {
            parts: vec![Part {
                kind: part_kind,
                text_range: 0..text.len(),
                span: span.clone(),
                verbatim: true,
            }],
            span,
            text,
            kind,
            quoting: Quoting::Bare,
            hashtable: None,
            command: None,
            elements,
        }
    }

    /// Appends the pieces of `node`; `quoting` is the quoting the node appears in.
    fn pieces(&self, node: Node, quoting: Quoting, depth: usize, out: &mut Vec<Piece>) {
        let span = node.byte_range();
        if depth > MAX_VALUE_DEPTH {
            out.push(self.dynamic_piece(span, quoting, None, None));
            return;
        }
        match WordKind::of(node) {
            WordKind::Word => self.unescape(span, Escapes::Bare, Quoting::Bare, out),
            WordKind::RawString => {
                let inner = strip_quotes(self.text, span, "'", "'");
                push_verbatim(out, self.text, inner, Quoting::Single);
            }
            WordKind::AnsiCString => {
                let inner = strip_quotes(self.text, span, "$'", "'");
                self.unescape(inner, Escapes::AnsiC, Quoting::AnsiC, out);
            }
            WordKind::String => {
                let inner = strip_quotes(self.text, span, "\"", "\"");
                self.interpolated(node, inner, Escapes::Double, Quoting::Double, depth, out);
            }
            WordKind::TranslatedString | WordKind::Concatenation => {
                let mut cursor = node.walk();
                for child in node.named_children(&mut cursor) {
                    self.pieces(child, quoting, depth + 1, out);
                }
            }
            WordKind::SimpleExpansion
            | WordKind::Expansion
            | WordKind::CommandSubstitution
            | WordKind::ArithmeticExpansion
            | WordKind::ProcessSubstitution => out.push(self.expansion(node, quoting, depth)),
            // Numbers, brace expressions, globs, regexes, error recovery (and an array, which
            // is no word): their text as written.
            WordKind::Other | WordKind::Array => push_verbatim(out, self.text, span, quoting),
        }
    }

    /// Static text between the expansions of a `"…"` string or heredoc body (`inner` excludes
    /// the quotes).
    fn interpolated(
        &self,
        node: Node,
        inner: Span,
        escapes: Escapes,
        quoting: Quoting,
        depth: usize,
        out: &mut Vec<Piece>,
    ) {
        let mut pos = inner.start;
        let mut cursor = node.walk();
        for child in node.named_children(&mut cursor) {
            if !WordKind::of(child).is_interpolated() {
                // `string_content`/`heredoc_content` are covered by the gaps between expansions.
                continue;
            }
            let start = trim_leading_space(self.text, child.byte_range());
            if start < pos || child.end_byte() > inner.end {
                continue;
            }
            self.unescape(pos..start, escapes, quoting, out);
            let mut piece = self.expansion(child, quoting, depth);
            piece.text = self.text[start..child.end_byte()].to_string();
            piece.span = start..child.end_byte();
            out.push(piece);
            pos = child.end_byte();
        }
        if pos < inner.end {
            self.unescape(pos..inner.end, escapes, quoting, out);
        }
    }

    /// A dynamic piece for `$X`, `${…}`, `$(…)`, `` `…` ``, `$((…))`, `<(…)`.
    fn expansion(&self, node: Node, quoting: Quoting, depth: usize) -> Piece {
        let span = trim_leading_space(self.text, node.byte_range())..node.end_byte();
        match WordKind::of(node) {
            WordKind::SimpleExpansion => {
                let name = node
                    .named_child(0)
                    .map(|n| self.text[n.byte_range()].to_string());
                self.dynamic_piece(span, quoting, name, None)
            }
            WordKind::Expansion => {
                let (name, default) = self.parameter_expansion(node, quoting, depth);
                self.dynamic_piece(span, quoting, name, default)
            }
            WordKind::CommandSubstitution => {
                let mut piece = self.dynamic_piece(span, quoting, None, None);
                piece.command = self.substituted_command(node);
                piece
            }
            _ => self.dynamic_piece(span, quoting, None, None),
        }
    }

    /// The variable of `${X}`, `${X:-d}`, `${X:=d}`, `${X:?m}` (not of `${#X}`, `${X%s}`, …),
    /// and the static default of `${X:-d}`, `${X-d}`, `${X:=d}`, `${X=d}`.
    fn parameter_expansion(
        &self,
        node: Node,
        quoting: Quoting,
        depth: usize,
    ) -> (Option<String>, Option<Box<Value>>) {
        let mut name = None;
        let mut operator = None;
        let mut operands = Vec::new();
        for (field, child) in fields(node) {
            let is_operator = field == Some("operator");
            match child.kind() {
                "${" | "}" => {}
                _ if is_operator => {
                    if name.is_none() {
                        // A prefix operator (`${#X}`, `${!X}`) derives something else from X.
                        return (None, None);
                    }
                    if operator.is_some() {
                        return (None, None);
                    }
                    operator = Some(child.kind());
                }
                "variable_name" | "special_variable_name" if name.is_none() => {
                    name = Some(self.text[child.byte_range()].to_string());
                }
                _ if name.is_none() => return (None, None), // `${a[0]}` and the like
                _ => operands.push(child),
            }
        }
        match operator {
            None => (name, None),
            Some(":?" | "?") => (name, None),
            Some(":-" | "-" | ":=" | "=") => {
                let default = self.operand_value(&operands, quoting, depth);
                (name, default.map(Box::new))
            }
            Some(_) => (None, None),
        }
    }

    /// The default of `${X:-…}` as a value, when it is non-empty static text.
    fn operand_value(&self, operands: &[Node], quoting: Quoting, depth: usize) -> Option<Value> {
        let (first, last) = (operands.first()?, operands.last()?);
        let mut pieces = Vec::new();
        for operand in operands {
            self.pieces(*operand, quoting, depth + 1, &mut pieces);
        }
        let fallback = match operands {
            [one] => WordKind::of(*one).quoting(),
            _ => quoting,
        };
        let value = assemble(pieces, first.start_byte()..last.end_byte(), fallback);
        (value.kind == ValueKind::Literal && !value.text.is_empty()).then_some(value)
    }

    /// The last command of `$(…)` when it holds a single pipeline.
    fn substituted_command(&self, node: Node) -> Option<usize> {
        let mut cursor = node.walk();
        let mut statements = node
            .named_children(&mut cursor)
            .filter(|c| c.kind_id() != KINDS.comment && c.kind_id() != KINDS.file_redirect);
        let statement = statements.next()?;
        if statements.next().is_some() {
            return None;
        }
        last_command(statement).and_then(|c| self.commands.get(&c.id()).copied())
    }

    fn dynamic_piece(
        &self,
        span: Span,
        quoting: Quoting,
        variable: Option<String>,
        default: Option<Box<Value>>,
    ) -> Piece {
        Piece {
            kind: dynamic(variable, default),
            text: self.text[span.clone()].to_string(),
            verbatim: true,
            span,
            quoting,
            command: None,
        }
    }

    /// Appends static text, split into verbatim runs and the escapes between them.
    fn unescape(&self, span: Span, escapes: Escapes, quoting: Quoting, out: &mut Vec<Piece>) {
        let raw = &self.text[span.clone()];
        let base = span.start;
        let mut run_start = 0;
        let mut i = 0;
        while let Some(offset) = raw[i..].find('\\') {
            let at = i + offset;
            let Some((len, decoded)) = escape_at(&raw[at..], escapes) else {
                i = at + 1;
                continue;
            };
            push_verbatim(out, self.text, base + run_start..base + at, quoting);
            if !decoded.is_empty() {
                out.push(Piece {
                    kind: PartKind::Static,
                    text: decoded,
                    span: base + at..base + at + len,
                    verbatim: false,
                    quoting,
                    command: None,
                });
            }
            i = at + len;
            run_start = i;
        }
        push_verbatim(out, self.text, base + run_start..span.end, quoting);
    }
}

/// The children of `node` with their field names.
pub(super) fn fields(node: Node<'_>) -> Fields<'_> {
    Fields {
        cursor: node.walk(),
        started: false,
    }
}

/// Iterator of [`fields`].
pub(super) struct Fields<'t> {
    cursor: TreeCursor<'t>,
    started: bool,
}

impl<'t> Iterator for Fields<'t> {
    type Item = (Option<&'t str>, Node<'t>);

    fn next(&mut self) -> Option<Self::Item> {
        let moved = if self.started {
            self.cursor.goto_next_sibling()
        } else {
            self.started = true;
            self.cursor.goto_first_child()
        };
        moved.then(|| (self.cursor.field_name(), self.cursor.node()))
    }
}

/// The command a statement ends with when it is a single command or pipeline:
/// `a | b` → `b`, `cmd > f` → `cmd`, `! cmd` → `cmd`.
pub(super) fn last_command(statement: Node) -> Option<Node> {
    let kinds = &*KINDS;
    let mut node = statement;
    loop {
        let kind = node.kind_id();
        node = if kind == kinds.command {
            return Some(node);
        } else if kind == kinds.redirected_statement {
            node.child_by_field_name("body")?
        } else if kind == kinds.negated_command {
            node.named_child(0)?
        } else if kind == kinds.pipeline {
            node.named_children(&mut node.walk()).last()?
        } else {
            return None;
        };
    }
}

/// The command a statement starts with when it is a single command or pipeline.
pub(super) fn first_command(statement: Node) -> Option<Node> {
    let kinds = &*KINDS;
    let mut node = statement;
    loop {
        let kind = node.kind_id();
        node = if kind == kinds.command {
            return Some(node);
        } else if kind == kinds.redirected_statement {
            node.child_by_field_name("body")?
        } else if kind == kinds.negated_command || kind == kinds.pipeline {
            node.named_child(0)?
        } else {
            return None;
        };
    }
}

/// Whole lines of a heredoc body: tree-sitter-bash leaves the tabs that `<<-` strips off the
/// first line and puts the closing delimiter's indentation in the body.
fn body_lines(text: &str, span: Span) -> Span {
    let before = &text[..span.start];
    let start = span.start - (before.len() - before.trim_end_matches('\t').len());
    let start = if text[..start].ends_with('\n') {
        start
    } else {
        span.start
    };
    let body = &text[span.clone()];
    let end = match body.rfind('\n') {
        Some(i) if body[i + 1..].bytes().all(|b| b == b'\t' || b == b' ') => span.start + i + 1,
        _ => span.end,
    };
    start..end.max(start)
}

fn dynamic(variable: Option<String>, default: Option<Box<Value>>) -> PartKind {
    PartKind::Dynamic {
        variable,
        env: false,
        default,
    }
}

/// tree-sitter-bash starts expansions inside strings at the whitespace before the `$`.
fn trim_leading_space(text: &str, span: Span) -> usize {
    let raw = &text[span.clone()];
    span.start + (raw.len() - raw.trim_start().len())
}

/// The span inside the quotes; tolerant of a missing closing quote.
fn strip_quotes(text: &str, span: Span, open: &str, close: &str) -> Span {
    let raw = &text[span.clone()];
    let start = if raw.starts_with(open) {
        span.start + open.len()
    } else {
        span.start
    };
    let end = if raw.len() >= open.len() + close.len() && raw.ends_with(close) {
        span.end - close.len()
    } else {
        span.end
    };
    start..end.max(start)
}

fn push_verbatim(out: &mut Vec<Piece>, text: &str, span: Span, quoting: Quoting) {
    if span.is_empty() {
        return;
    }
    out.push(Piece {
        kind: PartKind::Static,
        text: text[span.clone()].to_string(),
        span,
        verbatim: true,
        quoting,
        command: None,
    });
}

/// Decodes the escape at the start of `s` (which starts with `\`): its byte length and text.
/// `None` when the backslash is literal here.
fn escape_at(s: &str, escapes: Escapes) -> Option<(usize, String)> {
    let next = s[1..].chars().next()?;
    let one = |text: &str| Some((1 + next.len_utf8(), text.to_string()));
    match escapes {
        Escapes::Bare => match next {
            '\n' => one(""),
            c => one(&c.to_string()),
        },
        Escapes::Double | Escapes::HereDoc => match next {
            '\n' => one(""),
            '$' | '`' | '\\' => one(&next.to_string()),
            '"' if escapes == Escapes::Double => one("\""),
            _ => None,
        },
        Escapes::AnsiC => ansi_c_escape(s),
    }
}

fn ansi_c_escape(s: &str) -> Option<(usize, String)> {
    let bytes = s.as_bytes();
    let simple = |c: char| Some((2, c.to_string()));
    match *bytes.get(1)? {
        b'a' => simple('\x07'),
        b'b' => simple('\x08'),
        b'e' | b'E' => simple('\x1b'),
        b'f' => simple('\x0c'),
        b'n' => simple('\n'),
        b'r' => simple('\r'),
        b't' => simple('\t'),
        b'v' => simple('\x0b'),
        b'\\' => simple('\\'),
        b'\'' => simple('\''),
        b'"' => simple('"'),
        b'?' => simple('?'),
        b'0'..=b'7' => numeric(s, 1, 3, 8),
        b'x' => numeric(s, 2, 2, 16),
        b'u' => numeric(s, 2, 4, 16),
        b'U' => numeric(s, 2, 8, 16),
        b'c' => {
            let c = *bytes.get(2).filter(|c| c.is_ascii())?;
            Some((3, char::from(c.to_ascii_uppercase() ^ 0x40).to_string()))
        }
        _ => None,
    }
}

/// `\NNN`, `\xHH`, `\uHHHH`, `\UHHHHHHHH`: digits start at `skip`, at most `max` of them.
fn numeric(s: &str, skip: usize, max: usize, radix: u32) -> Option<(usize, String)> {
    let digits: String = s
        .get(skip..)?
        .chars()
        .take(max)
        .take_while(|c| c.is_digit(radix))
        .collect();
    if digits.is_empty() {
        return None;
    }
    let code = u32::from_str_radix(&digits, radix).ok()?;
    let c = char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER);
    Some((skip + digits.len(), c.to_string()))
}

/// Turns pieces into a [`Value`] spanning `span`; `fallback` quoting applies when there are no
/// pieces (`''`, `""`).
fn assemble(pieces: Vec<Piece>, span: Span, fallback: Quoting) -> Value {
    let mut text = String::new();
    let mut parts = Vec::with_capacity(pieces.len());
    let mut quoting: Option<Quoting> = None;
    let mut commands = Vec::new();
    for piece in pieces {
        if piece.text.is_empty() && piece.kind == PartKind::Static {
            continue;
        }
        quoting = match quoting {
            None => Some(piece.quoting),
            Some(q) if q == piece.quoting => Some(q),
            Some(_) => Some(Quoting::Concatenated),
        };
        commands.push(piece.command);
        let start = text.len();
        text.push_str(&piece.text);
        parts.push(Part {
            kind: piece.kind,
            text_range: start..text.len(),
            span: piece.span,
            verbatim: piece.verbatim,
        });
    }
    let dynamic = parts
        .iter()
        .filter(|p| matches!(p.kind, PartKind::Dynamic { .. }))
        .count();
    let kind = match dynamic {
        0 => ValueKind::Literal,
        n if n == parts.len() => ValueKind::Dynamic,
        _ => ValueKind::Mixed,
    };
    let command = match commands.as_slice() {
        [one] => *one,
        _ => None,
    };
    Value {
        span,
        text,
        kind,
        quoting: quoting.unwrap_or(fallback),
        parts,
        hashtable: None,
        command,
        elements: Vec::new(),
    }
}

/// `value` cut to the text range `0..end` (e.g. `printf 'x\n'` without its trailing `\n`).
pub(super) fn head(value: &Value, end: usize) -> Value {
    let mut parts = Vec::new();
    let mut span_end = value.span.start;
    for part in &value.parts {
        if part.text_range.start >= end {
            break;
        }
        let keep = end.min(part.text_range.end) - part.text_range.start;
        let span = if part.verbatim {
            part.span.start..part.span.start + keep
        } else {
            part.span.clone()
        };
        span_end = span.end;
        parts.push(Part {
            kind: part.kind.clone(),
            text_range: part.text_range.start..part.text_range.start + keep,
            span,
            verbatim: part.verbatim,
        });
    }
    // Keep the closing quote in the span when the cut is inside a quoted value.
    let span = if value.quoting == Quoting::Bare {
        value.span.start..span_end.max(value.span.start)
    } else {
        value.span.clone()
    };
    rebuilt(value, parts, value.text[..end].to_string(), span)
}

fn rebuilt(value: &Value, parts: Vec<Part>, text: String, span: Span) -> Value {
    let dynamic = parts
        .iter()
        .filter(|p| matches!(p.kind, PartKind::Dynamic { .. }))
        .count();
    let kind = match dynamic {
        0 => ValueKind::Literal,
        n if n == parts.len() => ValueKind::Dynamic,
        _ => ValueKind::Mixed,
    };
    Value {
        span,
        text,
        kind,
        quoting: value.quoting,
        parts,
        hashtable: None,
        command: None,
        elements: Vec::new(),
    }
}

/// The pieces after text offset `at` (`at` must fall in static text or between pieces).
fn split_off(pieces: Vec<Piece>, at: usize) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut pos = 0;
    for mut piece in pieces {
        let len = piece.text.len();
        if pos + len <= at {
            pos += len;
            continue;
        }
        if pos < at {
            let skip = at - pos;
            if piece.verbatim {
                piece.span.start += skip;
            }
            piece.text = piece.text[skip..].to_string();
        }
        pos += len;
        out.push(piece);
    }
    out
}
