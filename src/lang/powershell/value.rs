//! Value construction: turns any PowerShell expression node into a model [`Value`].
//!
//! Everything that reads an argument, an assigned value, a hashtable value or a string goes
//! through [`Lowerer::value`], so quoting, unescaping and part spans are decided in one place.

use tree_sitter::Node;

use super::{Lowerer, significant_children, trimmed_span, unwrap};
use crate::model::{Part, PartKind, Quoting, Span, Value, ValueKind};

/// Nesting depth (parentheses, arrays, concatenations) below which values become opaque: keeps
/// the recursion bounded on adversarial input.
const MAX_DEPTH: usize = 64;

/// Scope qualifiers PowerShell allows in front of a variable name (`$env:X`, `$script:x`).
const SCOPES: &[&str] = &[
    "env", "script", "global", "local", "private", "using", "variable",
];

/// Splits a variable reference as written (`$X`, `${X}`, `$env:X`, `@params`, `${env:X}`) into
/// its bare name and whether it reads the environment.
pub(super) fn variable_name(raw: &str) -> (String, bool) {
    let s = raw.trim();
    let s = s.strip_prefix(['$', '@']).unwrap_or(s);
    let s = s
        .strip_prefix('{')
        .map(|s| s.strip_suffix('}').unwrap_or(s))
        .unwrap_or(s);
    match s.split_once(':') {
        Some((scope, name)) if SCOPES.iter().any(|k| k.eq_ignore_ascii_case(scope)) => {
            (name.to_string(), scope.eq_ignore_ascii_case("env"))
        }
        _ => (s.to_string(), false),
    }
}

/// Unescapes the static text of an expandable string: backtick escapes everywhere and, outside
/// here-strings, the doubled quote `""`.
pub(super) fn unescape_expandable(s: &str, doubled_quotes: bool) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '`' => match chars.next() {
                Some('0') => out.push('\0'),
                Some('a') => out.push('\x07'),
                Some('b') => out.push('\x08'),
                Some('e') => out.push('\x1b'),
                Some('f') => out.push('\x0c'),
                Some('n') => out.push('\n'),
                Some('r') => out.push('\r'),
                Some('t') => out.push('\t'),
                Some('v') => out.push('\x0b'),
                Some('u') if chars.peek() == Some(&'{') => {
                    let hex: String = chars.by_ref().skip(1).take_while(|&c| c != '}').collect();
                    match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                        Some(ch) => out.push(ch),
                        None => {
                            out.push_str("u{");
                            out.push_str(&hex);
                            out.push('}');
                        }
                    }
                }
                Some(other) => out.push(other),
                None => out.push('`'),
            },
            '"' if doubled_quotes && chars.peek() == Some(&'"') => {
                chars.next();
                out.push('"');
            }
            _ => out.push(c),
        }
    }
    out
}

/// Unescapes a verbatim string body: a doubled `''` stands for one quote.
pub(super) fn unescape_verbatim(s: &str) -> String {
    s.replace("''", "'")
}

/// PowerShell accepts typographic quotes as string delimiters too.
fn is_quote(c: char) -> bool {
    matches!(
        c,
        '\'' | '"'
            | '\u{2018}'
            | '\u{2019}'
            | '\u{201a}'
            | '\u{201b}'
            | '\u{201c}'
            | '\u{201d}'
            | '\u{201e}'
    )
}

/// The byte range of a quoted string's content (between its delimiters), relative to `raw`.
fn quoted_content(raw: &str) -> std::ops::Range<usize> {
    let start = raw
        .chars()
        .next()
        .filter(|&c| is_quote(c))
        .map_or(0, char::len_utf8);
    let end = match raw[start..].chars().next_back() {
        Some(c) if is_quote(c) => raw.len() - c.len_utf8(),
        _ => raw.len(),
    };
    start..end.max(start)
}

/// The byte range of a here-string's body, relative to `raw`: after `@"`/`@'` and its line
/// break, before the line break that precedes the closing `"@`/`'@`.
fn here_content(raw: &str) -> std::ops::Range<usize> {
    let start = raw.find('\n').map_or(raw.len().min(2), |i| i + 1);
    let mut end = raw.len();
    if raw.ends_with("\"@") || raw.ends_with("'@") {
        end -= 2;
        let body = &raw[..end];
        end = body.rfind('\n').unwrap_or(end);
        if raw[..end].ends_with('\r') {
            end -= 1;
        }
    }
    start..end.max(start)
}

/// Builds a value's `text` and `parts` piece by piece.
#[derive(Default)]
struct PartsBuilder {
    text: String,
    parts: Vec<Part>,
}

impl PartsBuilder {
    fn push_static(&mut self, text: &str, span: Span, source: &str) {
        if span.is_empty() && text.is_empty() {
            return;
        }
        let start = self.text.len();
        self.text.push_str(text);
        self.parts.push(Part {
            kind: PartKind::Static,
            text_range: start..self.text.len(),
            verbatim: source.get(span.clone()) == Some(text),
            span,
        });
    }

    fn push_dynamic(&mut self, raw: &str, span: Span, variable: Option<(String, bool)>) {
        let start = self.text.len();
        self.text.push_str(raw);
        let (variable, env) = match variable {
            Some((name, env)) => (Some(name), env),
            None => (None, false),
        };
        self.parts.push(Part {
            kind: PartKind::Dynamic {
                variable,
                env,
                default: None,
            },
            text_range: start..self.text.len(),
            span,
            verbatim: true,
        });
    }

    /// Appends another value's parts, shifting their text ranges.
    fn append(&mut self, value: Value) {
        let offset = self.text.len();
        self.text.push_str(&value.text);
        self.parts.extend(value.parts.into_iter().map(|mut p| {
            p.text_range = p.text_range.start + offset..p.text_range.end + offset;
            p
        }));
    }

    fn finish(self, span: Span, quoting: Quoting) -> Value {
        let has_dynamic = self
            .parts
            .iter()
            .any(|p| matches!(p.kind, PartKind::Dynamic { .. }));
        let has_static = self
            .parts
            .iter()
            .any(|p| p.kind == PartKind::Static && !p.text_range.is_empty());
        let kind = match (has_static, has_dynamic) {
            (_, false) => ValueKind::Literal,
            (false, true) => ValueKind::Dynamic,
            (true, true) => ValueKind::Mixed,
        };
        Value {
            span,
            text: self.text,
            kind,
            quoting,
            parts: self.parts,
            hashtable: None,
            command: None,
            elements: Vec::new(),
        }
    }
}

impl<'t> Lowerer<'t> {
    fn src(&self, span: &Span) -> &'t str {
        self.text.get(span.clone()).unwrap_or_default()
    }

    /// The central value constructor: any expression, argument, string or token node.
    pub(super) fn value(&self, node: Node<'t>, depth: usize) -> Value {
        let node = unwrap(node);
        if depth > MAX_DEPTH {
            return self.opaque(node);
        }
        match node.kind() {
            "string_literal"
            | "verbatim_string_characters"
            | "verbatim_here_string_characters"
            | "expandable_string_literal"
            | "expandable_here_string_literal" => self.string_value(node),
            "generic_token" | "path_command_name_token" => {
                self.bare_value(trimmed_span(node, self.text))
            }
            "integer_literal" | "real_literal" | "simple_name" | "command_name" => {
                let span = trimmed_span(node, self.text);
                let mut b = PartsBuilder::default();
                b.push_static(self.src(&span), span.clone(), self.text);
                b.finish(span, Quoting::Bare)
            }
            "variable" => {
                let span = trimmed_span(node, self.text);
                let raw = self.src(&span);
                let mut b = PartsBuilder::default();
                b.push_dynamic(raw, span.clone(), Some(variable_name(raw)));
                b.finish(span, Quoting::Concatenated)
            }
            "hash_literal_expression" => Value {
                hashtable: self.hashtable_ids.get(&node.id()).copied(),
                ..self.opaque(node)
            },
            "command" | "pipeline_chain" => Value {
                command: self.last_command(node),
                ..self.opaque(node)
            },
            "sub_expression" | "array_expression" | "parenthesized_expression" => {
                self.grouped_value(node, depth)
            }
            "array_literal_expression" | "argument_list" | "argument_expression_list" => {
                self.array_value(node, depth)
            }
            "additive_expression" | "additive_argument_expression" => {
                self.concat_value(node, depth)
            }
            _ => self.opaque(node),
        }
    }

    /// An entirely dynamic value whose text is its source.
    fn opaque(&self, node: Node<'t>) -> Value {
        let span = trimmed_span(node, self.text);
        let mut b = PartsBuilder::default();
        b.push_dynamic(self.src(&span), span.clone(), None);
        b.finish(span, Quoting::Concatenated)
    }

    /// Index of the last command of a command or pipeline node.
    pub(super) fn last_command(&self, node: Node<'t>) -> Option<usize> {
        let node = unwrap(node);
        match node.kind() {
            "command" => self.command_ids.get(&node.id()).copied(),
            "pipeline_chain" => significant_children(node)
                .last()
                .filter(|n| n.kind() == "command")
                .and_then(|n| self.command_ids.get(&n.id()).copied()),
            _ => None,
        }
    }

    /// `( … )`, `$( … )`, `@( … )`: a command, an array or a plain expression in parentheses.
    fn grouped_value(&self, node: Node<'t>, depth: usize) -> Value {
        let mut inner = significant_children(node);
        let only = match (inner.next(), inner.next()) {
            (Some(only), None) => unwrap(only),
            _ => return self.opaque(node),
        };
        let span = trimmed_span(node, self.text);
        match only.kind() {
            "command" | "pipeline_chain" => Value {
                command: self.last_command(only),
                ..self.opaque(node)
            },
            "array_literal_expression" => Value {
                span,
                ..self.array_value(only, depth + 1)
            },
            // `@('a')` is still an array; `$(…)` of an expression stays opaque.
            _ if node.kind() == "array_expression" => Value {
                elements: vec![self.value(only, depth + 1)],
                ..self.opaque(node)
            },
            _ if node.kind() == "parenthesized_expression" => Value {
                span,
                quoting: Quoting::Concatenated,
                ..self.value(only, depth + 1)
            },
            _ => self.opaque(node),
        }
    }

    /// `'a', 'b'` and method-call argument lists: an opaque value holding the elements.
    fn array_value(&self, node: Node<'t>, depth: usize) -> Value {
        let list = if node.kind() == "argument_list" {
            match significant_children(node).next() {
                Some(list) => list,
                None => return self.opaque(node),
            }
        } else {
            node
        };
        Value {
            elements: significant_children(list)
                .map(|e| self.value(e, depth + 1))
                .collect(),
            ..self.opaque(node)
        }
    }

    /// `'a' + $b`: concatenated parts; any other additive operator stays opaque.
    fn concat_value(&self, node: Node<'t>, depth: usize) -> Value {
        let mut cursor = node.walk();
        let is_plus = node
            .children(&mut cursor)
            .any(|c| !c.is_named() && c.kind() == "+");
        let operands: Vec<Node> = significant_children(node).collect();
        if !is_plus || operands.len() != 2 {
            return self.opaque(node);
        }
        let mut b = PartsBuilder::default();
        for operand in operands {
            let v = self.value(operand, depth + 1);
            if v.command.is_some() || v.hashtable.is_some() || !v.elements.is_empty() {
                return self.opaque(node);
            }
            b.append(v);
        }
        b.finish(trimmed_span(node, self.text), Quoting::Concatenated)
    }

    /// Quoted strings of the four kinds.
    fn string_value(&self, node: Node<'t>) -> Value {
        // `string_literal` wraps exactly one node that tells the kind of string.
        let inner = if node.kind() == "string_literal" {
            significant_children(node).next().unwrap_or(node)
        } else {
            node
        };
        let span = trimmed_span(node, self.text);
        let raw = self.src(&span);
        let (quoting, content) = match inner.kind() {
            "verbatim_here_string_characters" => (Quoting::HereSingle, here_content(raw)),
            "expandable_here_string_literal" => (Quoting::HereDouble, here_content(raw)),
            "expandable_string_literal" => (Quoting::Double, quoted_content(raw)),
            _ => (Quoting::Single, quoted_content(raw)),
        };
        let content = span.start + content.start..span.start + content.end;
        let mut b = PartsBuilder::default();
        match quoting {
            Quoting::Single | Quoting::HereSingle => {
                let body = self.src(&content);
                let text = if quoting == Quoting::Single {
                    unescape_verbatim(body)
                } else {
                    body.to_string()
                };
                b.push_static(&text, content.clone(), self.text);
            }
            _ => {
                let doubled = quoting == Quoting::Double;
                let mut pos = content.start;
                for part in significant_children(inner) {
                    let ps = part.start_byte().max(pos);
                    let pe = part.end_byte().min(content.end);
                    if ps >= pe {
                        continue;
                    }
                    let between = pos..ps;
                    b.push_static(
                        &unescape_expandable(self.src(&between), doubled),
                        between,
                        self.text,
                    );
                    let praw = self.src(&(ps..pe));
                    let variable = (part.kind() == "variable").then(|| variable_name(praw));
                    b.push_dynamic(praw, ps..pe, variable);
                    pos = pe;
                }
                let rest = pos..content.end.max(pos);
                b.push_static(
                    &unescape_expandable(self.src(&rest), doubled),
                    rest,
                    self.text,
                );
            }
        }
        b.finish(span, quoting)
    }

    /// A bare token (`pypi-AgEI…`, `user:$p`, `a`nb`): `$name` references expand inside.
    pub(super) fn bare_value(&self, span: Span) -> Value {
        let raw = self.src(&span);
        let bytes = raw.as_bytes();
        let mut b = PartsBuilder::default();
        let (mut pos, mut i) = (0, 0);
        while i < bytes.len() {
            let var_end = match (bytes[i], bytes.get(i + 1)) {
                (b'`', Some(_)) => {
                    // Skip the escaped character so `` `$ `` stays static.
                    i += 1 + raw[i + 1..].chars().next().map_or(1, char::len_utf8);
                    continue;
                }
                (b'$', Some(b'{')) => raw[i..].find('}').map(|e| i + e + 1),
                (b'$', Some(&c)) if c.is_ascii_alphanumeric() || c == b'_' => {
                    Some(bare_variable_end(raw, i + 1))
                }
                _ => None,
            };
            let Some(end) = var_end else {
                i += 1;
                continue;
            };
            let before = span.start + pos..span.start + i;
            b.push_static(&unescape_expandable(&raw[pos..i], false), before, self.text);
            let var = &raw[i..end];
            b.push_dynamic(
                var,
                span.start + i..span.start + end,
                Some(variable_name(var)),
            );
            pos = end;
            i = end;
        }
        let rest = span.start + pos..span.end;
        b.push_static(
            &unescape_expandable(raw.get(pos..).unwrap_or_default(), false),
            rest,
            self.text,
        );
        b.finish(span, Quoting::Bare)
    }
}

/// End of a `$name` or `$scope:name` reference starting at `start` (just after the `$`).
fn bare_variable_end(raw: &str, start: usize) -> usize {
    let is_name = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let name_end = |from: usize| {
        raw[from..]
            .find(|c: char| !is_name(c))
            .map_or(raw.len(), |e| from + e)
    };
    let end = name_end(start);
    let scope = &raw[start..end];
    if raw[end..].starts_with(':') && SCOPES.iter().any(|s| s.eq_ignore_ascii_case(scope)) {
        let qualified = name_end(end + 1);
        if qualified > end + 1 {
            return qualified;
        }
    }
    end
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variable_names() {
        for (raw, name, env) in [
            ("$X", "X", false),
            ("${X}", "X", false),
            ("$env:API_KEY", "API_KEY", true),
            ("${env:Y}", "Y", true),
            ("$script:x", "x", false),
            ("$Global:Tok", "Tok", false),
            ("@params", "params", false),
            ("$drive:x", "drive:x", false),
        ] {
            assert_eq!(variable_name(raw), (name.to_string(), env), "{raw}");
        }
    }

    #[test]
    fn unescaping() {
        assert_eq!(unescape_expandable("a`\"b", true), "a\"b");
        assert_eq!(unescape_expandable("a\"\"b", true), "a\"b");
        assert_eq!(unescape_expandable("a\"\"b", false), "a\"\"b");
        assert_eq!(unescape_expandable("`n`t`$x``", true), "\n\t$x`");
        assert_eq!(unescape_expandable("`u{41}!", true), "A!");
        assert_eq!(unescape_expandable("end`", true), "end`");
        assert_eq!(unescape_verbatim("it''s"), "it's");
    }

    #[test]
    fn delimiters() {
        assert_eq!(quoted_content("'abc'"), 1..4);
        assert_eq!(quoted_content("\u{2018}x\u{2019}"), 3..4);
        assert_eq!(quoted_content("'"), 1..1);
        assert_eq!(quoted_content(""), 0..0);
        let here = "@\"\r\nbody\r\n\"@";
        assert_eq!(&here[here_content(here)], "body");
        let here = "@'\nl1\nl2\n'@";
        assert_eq!(&here[here_content(here)], "l1\nl2");
        let empty = "@'\n'@";
        assert_eq!(&empty[here_content(empty)], "");
    }
}
