//! Logical units and skeletons: how credlint parses only the parts of a script worth parsing.
//!
//! A quick lexical pass (quotes, comments, heredocs, here-strings, brackets and block keywords;
//! no grammar) cuts a script into *units*: the smallest runs of whole lines that parse on their
//! own (a simple command, a multi-line pipeline or hashtable, a heredoc with its body, the
//! header line of a block such as `function f {` or `if …; then`). Each unit knows the unit
//! that opened the innermost block around it, its *parent*.
//!
//! A *skeleton* is a set of units closed under parents: the units holding something a rule
//! could report, plus the headers of the blocks around them. tree-sitter parses a skeleton as
//! one document through included ranges, so every node keeps its byte offsets in the file; the
//! blocks a skeleton leaves open are closed by text appended after the end of the file, and
//! closers a skeleton leaves unmatched (the `}` of `} else {` without its `if`) are blanked.
//! The lexer needs no grammar to be right about what matters: where strings, comments and
//! heredocs end and which brackets nest. When it cannot follow a file to a clean end
//! ([`Units::complete`] is false), the caller parses the whole file instead.

use std::ops::Range;

use crate::model::{Language, Script};

/// What the lexer has open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Frame {
    /// `{ … }`: a PowerShell script block or a bash group / function body.
    Brace,
    /// bash `if … fi`.
    If,
    /// bash `for|while|until|select … done`.
    Loop,
    /// bash `for ((…))` before its body: `do … done` or `{ … }`.
    CFor,
    /// bash `case … esac`, while reading patterns.
    Case,
    /// bash: the commands of one `case` arm, `pattern)` … `;;`.
    Arm,
    /// `( … )`, `$( … )`, `@( … )`.
    Paren,
    /// bash arithmetic `$(( … ))`, `(( … ))`: no heredocs, no keywords.
    Arith,
    /// PowerShell hashtable `@{ … }`.
    Hash,
    /// PowerShell `[ … ]` (types, attributes, indexes).
    Bracket,
    /// bash `${ … }`.
    Param,
    /// bash `[[ … ]]`: `((` groups there, it does not start arithmetic.
    Cond,
    /// `" … "` (with `$( … )` nested inside).
    DQuote,
    /// bash `` ` … ` ``.
    Backtick,
}

impl Frame {
    /// Statements inside a block may be split into units; inside anything else they may not.
    fn is_block(self) -> bool {
        matches!(
            self,
            Frame::Brace | Frame::If | Frame::Loop | Frame::CFor | Frame::Case | Frame::Arm
        )
    }

    /// Text that closes the frame in a skeleton (bash blocks get a `:` so none is empty).
    fn closer(self, language: Language) -> &'static str {
        match (language, self) {
            (Language::Shell, Frame::Brace) => ":\n}\n",
            (Language::Shell, Frame::If) => ":\nfi\n",
            (Language::Shell, Frame::Loop) => ":\ndone\n",
            (Language::Shell, Frame::CFor) => "do\n:\ndone\n",
            (Language::Shell, Frame::Case) => "esac\n",
            (Language::Shell, Frame::Arm) => ":\n;;\n",
            (_, Frame::Brace | Frame::Hash | Frame::Param) => "}\n",
            (_, Frame::Paren) => ")\n",
            (_, Frame::Arith) => "))\n",
            (_, Frame::Cond) => "]]\n",
            (_, Frame::Bracket) => "]\n",
            (_, Frame::DQuote) => "\"\n",
            (_, Frame::Backtick) => "`\n",
            (Language::PowerShell, _) => "}\n",
        }
    }
}

/// One logical unit: whole lines (the last one may lack its newline).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unit {
    pub range: Range<usize>,
    /// The unit that opened the innermost block around this one.
    pub parent: Option<usize>,
    /// The units closing the blocks this one opened: a skeleton that holds this unit and
    /// anything after a block must close it where the script does.
    pub closers: Vec<usize>,
    /// The outermost unit around this one (itself at the top level): its statement.
    pub top: usize,
}

/// A script cut into units.
#[derive(Clone, Debug, Default)]
pub struct Units {
    pub units: Vec<Unit>,
    /// False when the lexer ended inside a string, heredoc, bracket or block: the units may
    /// not be trustworthy, and the whole file must be parsed.
    pub complete: bool,
    /// Byte ranges of comments (`#…`, `<#…#>`), in order.
    pub comments: Vec<Range<usize>>,
    /// Byte ranges of string contents (quoted strings, heredoc and here-string bodies; the
    /// code of `$( … )` inside a string is not string content), in order.
    pub strings: Vec<Range<usize>>,
}

impl Units {
    /// The index of the unit holding byte `offset`.
    pub fn unit_at(&self, offset: usize) -> Option<usize> {
        let i = self.units.partition_point(|u| u.range.start <= offset);
        let i = i.checked_sub(1)?;
        (offset < self.units[i].range.end).then_some(i)
    }

    /// Whether byte `offset` lies in a comment.
    pub fn in_comment(&self, offset: usize) -> bool {
        let i = self.comments.partition_point(|c| c.start <= offset);
        i > 0 && offset < self.comments[i - 1].end
    }

    /// Whether byte `offset` lies in string content.
    pub fn in_string(&self, offset: usize) -> bool {
        let i = self.strings.partition_point(|c| c.start <= offset);
        i > 0 && offset < self.strings[i - 1].end
    }
}

/// What one lexing step met.
#[derive(PartialEq, Eq)]
enum Event {
    None,
    /// A newline outside every string and bracket (inside blocks only): a unit may end here.
    Newline,
}

struct Lexer<'a> {
    b: &'a [u8],
    pos: usize,
    ps: bool,
    /// Open frames and the unit that opened each.
    stack: Vec<(Frame, usize)>,
    unit: usize,
    /// bash: the next word is in command position (keywords count there).
    cmd_pos: bool,
    /// bash: between `case` and `in`.
    case_head: bool,
    /// bash: heredocs whose bodies start after the current line: (delimiter, strip tabs).
    heredocs: Vec<(Vec<u8>, bool)>,
    /// An unterminated string, heredoc or comment ran into the end of the text.
    truncated: bool,
    /// Last byte of code before the newline (comments and blanks skipped): continuation check.
    last_code: u8,
    prev_code: u8,
    /// Replay mode: unmatched closers and stray keywords found here are to be blanked.
    replay: Option<Vec<Range<usize>>>,
    /// Comments met, in order.
    comments: Vec<Range<usize>>,
    /// String contents met, in order.
    strings: Vec<Range<usize>>,
    /// (unit that opened a block, unit that closed it).
    closed: Vec<(usize, usize)>,
}

impl<'a> Lexer<'a> {
    fn new(b: &'a [u8], language: Language) -> Self {
        Lexer {
            b,
            pos: 0,
            ps: language == Language::PowerShell,
            stack: Vec::new(),
            unit: 0,
            cmd_pos: true,
            case_head: false,
            heredocs: Vec::new(),
            truncated: false,
            last_code: b'\n',
            prev_code: b'\n',
            replay: None,
            comments: Vec::new(),
            strings: Vec::new(),
            closed: Vec::new(),
        }
    }

    fn peek(&self, k: usize) -> u8 {
        self.b.get(self.pos + k).copied().unwrap_or(0)
    }

    fn top(&self) -> Option<Frame> {
        self.stack.last().map(|f| f.0)
    }

    fn push(&mut self, frame: Frame) {
        self.stack.push((frame, self.unit));
    }

    /// Steps over an opening bracket of `len` bytes and opens `frame`.
    fn open(&mut self, len: usize, frame: Frame) {
        self.pos += len;
        self.push(frame);
        self.code(self.b[self.pos - 1]);
    }

    /// Pops the top frame; a block remembers the unit that closed it.
    fn pop(&mut self) {
        if let Some((frame, owner)) = self.stack.pop()
            && frame.is_block()
        {
            self.closed.push((owner, self.unit));
        }
    }

    fn code(&mut self, c: u8) {
        self.prev_code = self.last_code;
        self.last_code = c;
    }

    /// Marks `len` bytes at `at` to be blanked in a skeleton (replay mode only).
    fn stray(&mut self, at: usize, len: usize) {
        if let Some(blanks) = &mut self.replay {
            blanks.push(at..at + len);
        }
    }

    /// Pops `frame` if it is on top; otherwise the closer is stray (blanked in replay mode
    /// when no such frame is open at all).
    fn close(&mut self, frame: Frame, at: usize, len: usize) {
        if self.top() == Some(frame) {
            self.pop();
        } else if !self.stack.iter().any(|f| f.0 == frame) {
            self.stray(at, len);
        }
    }

    fn all_blocks(&self) -> bool {
        self.stack.iter().all(|f| f.0.is_block())
    }

    /// Skips a `#` comment to the end of the line (not consuming the newline).
    fn skip_line(&mut self) {
        let start = self.pos;
        match memchr(b'\n', &self.b[self.pos..]) {
            Some(i) => self.pos += i,
            None => self.pos = self.b.len(),
        }
        self.comment(start);
    }

    /// Records `start..pos` as a comment.
    fn comment(&mut self, start: usize) {
        extend(&mut self.comments, start, self.pos);
    }

    /// Records `start..pos` as string content (quotes, heredoc and here-string bodies).
    fn string(&mut self, start: usize) {
        extend(&mut self.strings, start, self.pos);
    }

    fn word_start(&self) -> bool {
        self.pos == 0
            || matches!(
                self.b[self.pos - 1],
                b' ' | b'\t' | b'\r' | b'\n' | b';' | b'&' | b'|' | b'(' | b')' | b'{' | b'}'
            )
    }

    /// One step in the current state.
    fn step(&mut self) -> Event {
        match self.top() {
            Some(Frame::DQuote) => {
                self.string_step();
                Event::None
            }
            _ if self.ps => self.ps_step(),
            _ => self.bash_step(),
        }
    }

    /// Inside `"…"`.
    fn string_step(&mut self) {
        let start = self.pos;
        self.string_step_inner();
        if self.top() == Some(Frame::DQuote) || self.pos > start + 1 {
            self.string(start);
        }
    }

    fn string_step_inner(&mut self) {
        let c = self.peek(0);
        match c {
            b'"' if self.ps && self.peek(1) == b'"' => self.pos += 2,
            b'"' => {
                self.pos += 1;
                self.pop();
                self.cmd_pos = false;
                self.code(b'"');
            }
            0xE2 if self.ps && self.peek(1) == 0x80 && matches!(self.peek(2), 0x9C..=0x9E) => {
                self.pos += 3;
                self.pop();
                self.code(b'"');
            }
            b'`' if self.ps => self.pos += 2,
            b'\\' if !self.ps => self.pos += 2,
            b'`' => {
                self.pos += 1;
                self.push(Frame::Backtick);
                self.cmd_pos = true;
            }
            b'$' if !self.ps && self.peek(1) == b'(' && self.peek(2) == b'(' => {
                self.pos += 3;
                self.push(Frame::Arith);
            }
            b'$' if self.peek(1) == b'(' => {
                self.pos += 2;
                self.push(Frame::Paren);
                self.cmd_pos = true;
            }
            b'$' if !self.ps && self.peek(1) == b'{' => {
                self.pos += 2;
                self.push(Frame::Param);
                self.cmd_pos = false;
            }
            // Plain text: up to the next byte that may mean something in either language
            // (one step instead of one per byte; this loop was the lexer's hottest).
            _ => self.pos = skip(self.b, self.pos + 1, &STRING_SPECIAL),
        }
        self.pos = self.pos.min(self.b.len());
    }

    fn bash_step(&mut self) -> Event {
        let c = self.peek(0);
        let start = self.pos;
        if self.top() == Some(Frame::Arith) {
            return self.arith_step();
        }
        if self.top() == Some(Frame::Param) {
            self.param_step();
            return Event::None;
        }
        match c {
            b' ' | b'\t' | b'\r' => self.pos = skip(self.b, self.pos + 1, &NOT_BLANK),
            b'\n' => {
                self.pos += 1;
                self.heredoc_bodies();
                self.cmd_pos = true;
                if self.all_blocks() {
                    return Event::Newline;
                }
            }
            b'#' if self.word_start() && self.top() != Some(Frame::Param) => self.skip_line(),
            b'\\' => {
                self.pos = (self.pos + 2).min(self.b.len());
                if self.b[start + 1..self.pos].contains(&b'\n') {
                    // A line continuation is neither code nor a word: `…; \⏎ }` closes.
                    return Event::None;
                }
                self.cmd_pos = false;
                self.code(b'\\');
            }
            b'\'' => {
                self.quoted(b'\'', false);
                self.cmd_pos = false;
            }
            b'$' if self.peek(1) == b'\'' => {
                self.pos += 1;
                self.quoted(b'\'', true);
                self.cmd_pos = false;
            }
            b'$' if self.peek(1) == b'(' && self.peek(2) == b'(' => self.open(3, Frame::Arith),
            b'$' if self.peek(1) == b'(' => {
                self.pos += 2;
                self.push(Frame::Paren);
                self.cmd_pos = true;
                self.code(b'(');
            }
            b'$' if self.peek(1) == b'{' => {
                self.pos += 2;
                self.push(Frame::Param);
                self.cmd_pos = false;
                self.code(b'{');
            }
            b'"' => {
                self.pos += 1;
                self.push(Frame::DQuote);
            }
            b'`' => {
                self.pos += 1;
                if self.top() == Some(Frame::Backtick) {
                    self.pop();
                    self.cmd_pos = false;
                } else {
                    self.push(Frame::Backtick);
                    self.cmd_pos = true;
                }
                self.code(b'`');
            }
            b'}' if self.top() == Some(Frame::Param) => {
                self.pos += 1;
                self.pop();
                self.code(b'}');
            }
            b'(' if self.top() == Some(Frame::Case) && !self.case_head => {
                // The optional `(` before a case pattern.
                self.pos += 1;
            }
            b'(' if self.cmd_pos && self.peek(1) == b'(' && self.top() != Some(Frame::Cond) => {
                self.open(2, Frame::Arith)
            }
            b'(' => {
                self.pos += 1;
                self.push(Frame::Paren);
                self.cmd_pos = true;
                self.code(b'(');
            }
            b')' if self.top() == Some(Frame::Case) && !self.case_head => {
                // The end of a case pattern: the arm's commands follow.
                self.pos += 1;
                self.push(Frame::Arm);
                self.cmd_pos = true;
                self.code(b')');
            }
            b')' => {
                self.pos += 1;
                self.close(Frame::Paren, start, 1);
                // `f() {`: a function body follows.
                self.cmd_pos = true;
                self.code(b')');
            }
            b';' => {
                let len = match (self.peek(1), self.peek(2)) {
                    (b';', b'&') => 3,
                    (b';', _) | (b'&', _) => 2,
                    _ => 1,
                };
                self.pos += len;
                if len > 1 {
                    self.close(Frame::Arm, start, len);
                }
                self.cmd_pos = true;
                self.code(b';');
            }
            b'&' | b'|' => {
                self.pos += 1;
                if self.peek(0) == c {
                    self.pos += 1;
                    self.code(c);
                }
                self.code(c);
                self.cmd_pos = true;
            }
            b'<' if self.peek(1) == b'<' && self.peek(2) == b'<' => {
                self.pos += 3;
                self.code(b'<');
            }
            b'<' if self.peek(1) == b'<' => {
                self.pos += 2;
                self.heredoc_start();
                self.code(b'<');
            }
            b'<' | b'>' if self.peek(1) == b'(' => {
                self.pos += 2;
                self.push(Frame::Paren);
                self.cmd_pos = true;
                self.code(b'(');
            }
            b'<' | b'>' => {
                self.pos += 1;
                self.code(c);
            }
            b'{' if self.standalone(1) => {
                self.pos += 1;
                // `for ((…)) { … }`: the loop's body is the group, there is no `done`.
                if self.top() == Some(Frame::CFor) {
                    self.pop();
                }
                self.push(Frame::Brace);
                self.cmd_pos = true;
                self.code(b'{');
            }
            b'}' if self.cmd_pos && self.standalone(1) => {
                self.pos += 1;
                self.close(Frame::Brace, start, 1);
                self.cmd_pos = false;
                self.code(b'}');
            }
            _ => self.bash_word(),
        }
        Event::None
    }

    /// Inside `${ … }`: quotes, substitutions and escapes nest; everything else (`%% (*`,
    /// zsh's `(ps:\0:)`) is text up to the closing `}`.
    fn param_step(&mut self) {
        if self.peek(0) == b'}' {
            self.pos += 1;
            self.pop();
            self.code(b'}');
        } else {
            self.text_step();
        }
    }

    /// Inside `(( … ))`: parentheses nest, strings and substitutions are followed, nothing else.
    fn arith_step(&mut self) -> Event {
        match self.peek(0) {
            b')' if self.peek(1) == b')' => {
                self.pos += 2;
                self.pop();
                self.cmd_pos = false;
                self.code(b')');
            }
            b'(' => {
                self.pos += 1;
                self.push(Frame::Paren);
            }
            _ => self.text_step(),
        }
        Event::None
    }

    /// One byte of text in which quotes, escapes and substitutions still nest (`${ … }`,
    /// `(( … ))`).
    fn text_step(&mut self) {
        match self.peek(0) {
            b'\'' => self.quoted(b'\'', false),
            b'"' => {
                self.pos += 1;
                self.push(Frame::DQuote);
            }
            b'`' => {
                self.pos += 1;
                self.push(Frame::Backtick);
                self.cmd_pos = true;
            }
            b'\\' => self.pos = (self.pos + 2).min(self.b.len()),
            b'$' if self.peek(1) == b'(' && self.peek(2) == b'(' => {
                self.pos += 3;
                self.push(Frame::Arith);
            }
            b'$' if self.peek(1) == b'(' => {
                self.pos += 2;
                self.push(Frame::Paren);
                self.cmd_pos = true;
            }
            b'$' if self.peek(1) == b'{' => {
                self.pos += 2;
                self.push(Frame::Param);
            }
            _ => self.pos += 1,
        }
    }

    /// True when the `len` bytes at `pos` stand alone as a word.
    fn standalone(&self, len: usize) -> bool {
        let before = self.pos == 0
            || matches!(
                self.b[self.pos - 1],
                b' ' | b'\t' | b'\n' | b';' | b'&' | b'|' | b'(' | b')'
            );
        let after = self.b.get(self.pos + len).copied().unwrap_or(b'\n');
        before
            && matches!(
                after,
                b' ' | b'\t' | b'\r' | b'\n' | b';' | b'&' | b'|' | b')' | b'<' | b'>'
            )
    }

    fn bash_word(&mut self) {
        let start = self.pos;
        while self.pos < self.b.len() {
            let c = self.b[self.pos];
            if matches!(
                c,
                b' ' | b'\t'
                    | b'\r'
                    | b'\n'
                    | b';'
                    | b'&'
                    | b'|'
                    | b'('
                    | b')'
                    | b'<'
                    | b'>'
                    | b'\''
                    | b'"'
                    | b'`'
                    | b'$'
                    | b'\\'
            ) {
                break;
            }
            if c == b'}' && self.top() == Some(Frame::Param) {
                break;
            }
            self.pos += 1;
        }
        if self.pos == start {
            // A lone special byte the cases above did not take (`$` before a space, …).
            self.pos += 1;
            self.code(self.b[start]);
            self.cmd_pos = false;
            return;
        }
        let word = &self.b[start..self.pos];
        self.code(word[word.len() - 1]);
        let whole = !matches!(self.peek(0), b'\'' | b'"' | b'`' | b'$' | b'\\' | b'(');
        let in_pattern = self.top() == Some(Frame::Case) && !self.case_head;
        if self.case_head {
            if word == b"in" {
                self.case_head = false;
            }
            return;
        }
        if word == b"]]" && self.top() == Some(Frame::Cond) {
            self.pop();
            self.cmd_pos = false;
            return;
        }
        if in_pattern {
            if word == b"esac" && whole {
                self.pop();
                self.cmd_pos = false;
            }
            return;
        }
        if !self.cmd_pos || !whole {
            self.cmd_pos = false;
            return;
        }
        match word {
            b"[[" => {
                self.push(Frame::Cond);
                self.cmd_pos = false;
            }
            b"if" => {
                self.push(Frame::If);
                self.cmd_pos = true;
            }
            b"while" | b"until" => {
                self.push(Frame::Loop);
                self.cmd_pos = true;
            }
            b"for" | b"select" => {
                let rest = &self.b[self.pos..];
                let blanks = rest
                    .iter()
                    .take_while(|c| matches!(c, b' ' | b'\t'))
                    .count();
                let c_style = word == b"for" && rest[blanks..].starts_with(b"((");
                self.push(if c_style { Frame::CFor } else { Frame::Loop });
                self.cmd_pos = false;
            }
            b"case" => {
                self.push(Frame::Case);
                self.case_head = true;
                self.cmd_pos = false;
            }
            // `else`/`elif` end one branch and start the next, so the units of a branch have
            // the branch's header as parent, and the `if` unit's block closes there.
            b"else" | b"elif" => {
                if self.top() == Some(Frame::If) {
                    self.pop();
                    self.push(Frame::If);
                } else {
                    self.stray(start, word.len());
                }
                self.cmd_pos = true;
            }
            b"do" => {
                if self.top() == Some(Frame::CFor) {
                    self.pop();
                    self.push(Frame::Loop);
                }
                self.cmd_pos = true;
            }
            b"then" | b"!" | b"time" => self.cmd_pos = true,
            b"fi" => {
                self.close(Frame::If, start, 2);
                self.cmd_pos = false;
            }
            b"done" => {
                self.close(Frame::Loop, start, 4);
                self.cmd_pos = false;
            }
            b"esac" => {
                if self.top() == Some(Frame::Arm) {
                    self.pop();
                }
                self.close(Frame::Case, start, 4);
                self.cmd_pos = false;
            }
            b"function" => self.cmd_pos = false,
            // `X=1 cmd`: a command may follow an assignment.
            w if w.contains(&b'=') && w[0] != b'=' => {}
            _ => self.cmd_pos = false,
        }
    }

    /// Scans a quoted string from the opening quote at `pos`; `escapes` for `$'…'`.
    fn quoted(&mut self, quote: u8, escapes: bool) {
        let start = self.pos;
        self.quoted_inner(quote, escapes);
        self.string(start);
    }

    fn quoted_inner(&mut self, quote: u8, escapes: bool) {
        self.pos += 1;
        while self.pos < self.b.len() {
            let c = self.b[self.pos];
            if escapes && c == b'\\' {
                self.pos += 2;
                continue;
            }
            self.pos += 1;
            if c == quote {
                self.pos = self.pos.min(self.b.len());
                self.code(quote);
                return;
            }
        }
        self.pos = self.b.len();
        self.truncated = true;
    }

    /// After `<<`: reads `-`, the delimiter (quoted or not) and queues the body.
    fn heredoc_start(&mut self) {
        let strip = self.peek(0) == b'-';
        if strip {
            self.pos += 1;
        }
        while matches!(self.peek(0), b' ' | b'\t') {
            self.pos += 1;
        }
        let mut delimiter = Vec::new();
        while self.pos < self.b.len() {
            let c = self.b[self.pos];
            match c {
                b'\'' | b'"' => {
                    let end = memchr(c, &self.b[self.pos + 1..]).map(|i| self.pos + 1 + i);
                    match end {
                        Some(end) if !self.b[self.pos + 1..end].contains(&b'\n') => {
                            delimiter.extend_from_slice(&self.b[self.pos + 1..end]);
                            self.pos = end + 1;
                        }
                        _ => break,
                    }
                }
                b'\\' => {
                    if let Some(&n) = self.b.get(self.pos + 1) {
                        delimiter.push(n);
                    }
                    self.pos += 2;
                }
                b' ' | b'\t' | b'\r' | b'\n' | b';' | b'&' | b'|' | b'<' | b'>' | b'(' | b')' => {
                    break;
                }
                _ => {
                    delimiter.push(c);
                    self.pos += 1;
                }
            }
        }
        self.pos = self.pos.min(self.b.len());
        if !delimiter.is_empty() {
            self.heredocs.push((delimiter, strip));
        }
    }

    /// At the start of a line: consumes the bodies of the heredocs started on the line before.
    fn heredoc_bodies(&mut self) {
        let start = self.pos;
        self.heredoc_bodies_inner();
        if self.pos > start {
            self.string(start);
        }
    }

    fn heredoc_bodies_inner(&mut self) {
        for (delimiter, strip) in std::mem::take(&mut self.heredocs) {
            loop {
                if self.pos >= self.b.len() {
                    self.truncated = true;
                    return;
                }
                let end = memchr(b'\n', &self.b[self.pos..]).map_or(self.b.len(), |i| self.pos + i);
                let mut line = &self.b[self.pos..end];
                if line.last() == Some(&b'\r') {
                    line = &line[..line.len() - 1];
                }
                if strip {
                    while line.first() == Some(&b'\t') {
                        line = &line[1..];
                    }
                }
                let done = line == delimiter.as_slice();
                self.pos = (end + 1).min(self.b.len());
                if done {
                    break;
                }
            }
        }
    }

    fn ps_step(&mut self) -> Event {
        let c = self.peek(0);
        let start = self.pos;
        match c {
            b' ' | b'\t' | b'\r' => self.pos = skip(self.b, self.pos + 1, &NOT_BLANK),
            b'\n' => {
                self.pos += 1;
                if self.all_blocks() {
                    return Event::Newline;
                }
            }
            b'<' if self.peek(1) == b'#' => {
                let end = find(b"#>", &self.b[self.pos + 2..]);
                match end {
                    Some(i) => self.pos += 2 + i + 2,
                    None => {
                        self.pos = self.b.len();
                        self.truncated = true;
                    }
                }
                self.comment(start);
            }
            b'#' if self.word_start() => self.skip_line(),
            b'`' => {
                self.pos = (self.pos + 2).min(self.b.len());
                if self.b[start + 1..self.pos] == *b"\r" && self.peek(0) == b'\n' {
                    self.pos += 1;
                }
                if !self.b[start + 1..self.pos].contains(&b'\n') {
                    self.code(b'`');
                }
            }
            b'\'' => self.quoted(b'\'', false),
            0xE2 if self.peek(1) == 0x80 && matches!(self.peek(2), 0x98..=0x9B) => {
                self.ps_smart_single()
            }
            0xE2 if self.peek(1) == 0x80 && matches!(self.peek(2), 0x9C..=0x9E) => {
                self.pos += 3;
                self.push(Frame::DQuote);
            }
            b'"' => {
                self.pos += 1;
                self.push(Frame::DQuote);
            }
            b'@' if matches!(self.peek(1), b'\'' | b'"') && self.here_string_opener() => {
                self.here_string();
            }
            b'@' if self.peek(1) == b'{' => self.open(2, Frame::Hash),
            b'@' | b'$' if self.peek(1) == b'(' => self.open(2, Frame::Paren),
            b'$' if self.peek(1) == b'{' => {
                // `${name with anything}`
                match memchr(b'}', &self.b[self.pos..]) {
                    Some(i) => self.pos += i + 1,
                    None => self.pos = self.b.len(),
                }
                self.code(b'}');
            }
            b'(' => self.open(1, Frame::Paren),
            b'{' => self.open(1, Frame::Brace),
            b'[' => self.open(1, Frame::Bracket),
            b')' => {
                self.pos += 1;
                self.close(Frame::Paren, start, 1);
                self.code(b')');
            }
            b']' => {
                self.pos += 1;
                if self.top() == Some(Frame::Bracket) {
                    self.pop();
                }
                self.code(b']');
            }
            b'}' => {
                self.pos += 1;
                match self.top() {
                    Some(Frame::Brace | Frame::Hash) => {
                        self.pop();
                    }
                    _ if self
                        .stack
                        .iter()
                        .any(|f| matches!(f.0, Frame::Brace | Frame::Hash)) => {}
                    _ => self.stray(start, 1),
                }
                self.code(b'}');
            }
            _ => {
                // A run of ordinary bytes.
                self.pos += 1;
                while self.pos < self.b.len()
                    && !matches!(
                        self.b[self.pos],
                        b' ' | b'\t'
                            | b'\r'
                            | b'\n'
                            | b'#'
                            | b'`'
                            | b'\''
                            | b'"'
                            | b'@'
                            | b'$'
                            | b'('
                            | b')'
                            | b'{'
                            | b'}'
                            | b'['
                            | b']'
                            | b'<'
                            | 0xE2
                    )
                {
                    self.pos += 1;
                }
                self.code(self.b[self.pos - 1]);
            }
        }
        Event::None
    }

    /// `'…'` opened by a typographic quote: any single quote, straight or typographic, ends it.
    fn ps_smart_single(&mut self) {
        let start = self.pos;
        self.pos += 3;
        while self.pos < self.b.len() {
            let c = self.b[self.pos];
            if c == b'\'' {
                self.pos += 1;
                break;
            }
            if c == 0xE2 && self.peek(1) == 0x80 && matches!(self.peek(2), 0x98..=0x9B) {
                self.pos += 3;
                break;
            }
            self.pos += 1;
        }
        if self.pos >= self.b.len() {
            self.pos = self.b.len();
        }
        self.string(start);
        self.code(b'\'');
    }

    /// `@'` or `@"` followed by blanks and a newline.
    fn here_string_opener(&self) -> bool {
        let mut i = self.pos + 2;
        while matches!(self.b.get(i), Some(b' ' | b'\t' | b'\r')) {
            i += 1;
        }
        matches!(self.b.get(i), Some(b'\n'))
    }

    /// Skips a here-string: its body ends at a line starting with `'@` / `"@`.
    fn here_string(&mut self) {
        let start = self.pos;
        self.here_string_inner();
        self.string(start);
    }

    fn here_string_inner(&mut self) {
        let quote = self.peek(1);
        let mut line = memchr(b'\n', &self.b[self.pos..]).map(|i| self.pos + i + 1);
        while let Some(l) = line {
            if self.b.get(l) == Some(&quote) && self.b.get(l + 1) == Some(&b'@') {
                self.pos = l + 2;
                self.code(b'@');
                return;
            }
            line = memchr(b'\n', &self.b[l..]).map(|i| l + i + 1);
        }
        self.pos = self.b.len();
        self.truncated = true;
    }

    /// Whether a unit may not end before the line starting at `pos`: the line before ends with
    /// a continuation, or this one continues it (`then`, `do`, `{`, `else`, a leading pipe).
    fn continues(&self) -> bool {
        let continued = match self.last_code {
            b'|' => true,
            b'&' => self.prev_code == b'&',
            b',' | b'=' | b'+' => self.ps,
            _ => false,
        };
        if continued {
            return true;
        }
        let rest = &self.b[self.pos..];
        let skip = rest
            .iter()
            .position(|c| !matches!(c, b' ' | b'\t'))
            .unwrap_or(rest.len());
        let line = &rest[skip..];
        let word = |w: &[u8]| {
            line.len() >= w.len()
                && line[..w.len()].eq_ignore_ascii_case(w)
                && !line
                    .get(w.len())
                    .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'-')
        };
        if line.starts_with(b"|") || line.starts_with(b"&&") {
            return true;
        }
        if self.ps {
            self.line_is_attributes()
                || (line.starts_with(b"(") && self.line_ends_with_keyword())
                || line.starts_with(b"{")
                || (line.first() == Some(&b'.') && line.get(1).is_some_and(u8::is_ascii_alphabetic))
                || word(b"else")
                || word(b"elseif")
                || word(b"catch")
                || word(b"finally")
        } else {
            (line.starts_with(b"{") && self.standalone_at(self.pos + skip))
                || word(b"then")
                || word(b"do")
        }
    }

    /// PowerShell: whether the line before `pos` holds only attributes (`[CmdletBinding()]`,
    /// `[Diagnostics.CodeAnalysis.SuppressMessage(…)]`): they belong to what follows.
    fn line_is_attributes(&self) -> bool {
        let before = &self.b[..self.pos];
        let line = before[..before.len().saturating_sub(1)]
            .rsplit(|&c| c == b'\n')
            .next()
            .unwrap_or_default()
            .trim_ascii();
        line.starts_with(b"[") && line.ends_with(b"]")
    }

    /// PowerShell: whether the line before `pos` ends with a keyword whose `(…)` may start on
    /// the next line (`Param` / `(`, `if ($x)` written as `if` / `($x)`).
    fn line_ends_with_keyword(&self) -> bool {
        let before = &self.b[..self.pos];
        let line = before[..before.len().saturating_sub(1)]
            .rsplit(|&c| c == b'\n')
            .next()
            .unwrap_or_default();
        let line = line.trim_ascii_end();
        let word_len = line
            .iter()
            .rev()
            .take_while(|c| c.is_ascii_alphabetic())
            .count();
        let word = &line[line.len() - word_len..];
        [
            &b"param"[..],
            b"if",
            b"elseif",
            b"while",
            b"foreach",
            b"for",
            b"switch",
            b"until",
            b"catch",
        ]
        .iter()
        .any(|k| word.eq_ignore_ascii_case(k))
    }

    fn standalone_at(&self, at: usize) -> bool {
        matches!(
            self.b.get(at + 1).copied().unwrap_or(b'\n'),
            b' ' | b'\t' | b'\r' | b'\n'
        )
    }

    fn resync_line_state(&mut self) {
        self.cmd_pos = true;
        self.last_code = b'\n';
        self.prev_code = b'\n';
    }
}

use memchr::memchr;

/// The first position at or after `from` whose byte is in `stop` (or the end).
fn skip(b: &[u8], from: usize, stop: &[bool; 256]) -> usize {
    b.get(from..)
        .and_then(|rest| rest.iter().position(|&c| stop[c as usize]))
        .map_or(b.len(), |i| from + i)
}

const fn byte_set(members: &[u8], invert: bool) -> [bool; 256] {
    let mut table = [invert; 256];
    let mut i = 0;
    while i < members.len() {
        table[members[i] as usize] = !invert;
        i += 1;
    }
    table
}

/// Bytes that end a run of plain text inside `"…"`: the quote, escapes and substitutions of
/// either language, and the lead byte of typographic quotes.
static STRING_SPECIAL: [bool; 256] = byte_set(b"\"`\\$\xE2", false);

/// Bytes other than a space, tab or carriage return.
static NOT_BLANK: [bool; 256] = byte_set(b" \t\r", true);

/// Appends `start..end` to ranges in text order, merging it with the last when they touch.
fn extend(ranges: &mut Vec<Range<usize>>, start: usize, end: usize) {
    match ranges.last_mut() {
        Some(last) if last.end >= start => last.end = last.end.max(end),
        _ => ranges.push(start..end),
    }
}

fn find(needle: &[u8], haystack: &[u8]) -> Option<usize> {
    memchr::memmem::find(haystack, needle)
}

/// Cuts `text` into units.
pub fn split(language: Language, text: &str) -> Units {
    let b = text.as_bytes();
    let mut lx = Lexer::new(b, language);
    let mut units: Vec<Unit> = Vec::new();
    let mut start = 0;
    let mut parent = None;
    while lx.pos < b.len() {
        if lx.step() == Event::Newline && !lx.continues() {
            units.push(Unit {
                range: start..lx.pos,
                parent,
                closers: Vec::new(),
                top: units.len(),
            });
            start = lx.pos;
            lx.unit = units.len();
            parent = lx.stack.last().map(|f| f.1);
            lx.resync_line_state();
        }
    }
    if start < b.len() {
        units.push(Unit {
            range: start..b.len(),
            parent,
            closers: Vec::new(),
            top: units.len(),
        });
    }
    // Parents come before their children.
    for i in 0..units.len() {
        if let Some(p) = units[i].parent {
            units[i].top = units[p].top;
        }
    }
    for &(owner, closer) in &lx.closed {
        if let Some(u) = units.get_mut(owner)
            && owner != closer
        {
            u.closers.push(closer);
        }
    }
    Units {
        units,
        complete: !lx.truncated && lx.stack.is_empty() && lx.heredocs.is_empty(),
        comments: lx.comments,
        strings: lx.strings,
    }
}

/// Adds the parents of `selected` units, and the first and closing units of the blocks they
/// open (so every block keeps its extent), to a fixpoint, and sorts them.
pub fn close_under_parents(units: &Units, selected: &mut Vec<usize>) {
    let mut seen = vec![false; units.units.len()];
    let mut todo: Vec<usize> = std::mem::take(selected);
    let mut all = Vec::with_capacity(todo.len() * 2);
    while let Some(u) = todo.pop() {
        if std::mem::replace(&mut seen[u], true) {
            continue;
        }
        all.push(u);
        let unit = &units.units[u];
        todo.extend(unit.parent);
        todo.extend(&unit.closers);
    }
    all.sort_unstable();
    *selected = all;
}

/// Text to parse for a skeleton: the file's text with stray closers blanked, followed by the
/// closers of the blocks the skeleton leaves open; and the ranges tree-sitter must read.
pub struct Skeleton {
    pub text: String,
    pub ranges: Vec<tree_sitter::Range>,
    /// What was changed in the text: bytes blanked (and keywords rewritten in place).
    edits: Vec<(usize, Vec<u8>)>,
}

impl Skeleton {
    /// The same skeleton over another text of the same length (the sanitised one).
    pub fn over(&self, other: &str) -> String {
        let mut bytes = other.as_bytes().to_vec();
        for (at, with) in &self.edits {
            bytes[*at..*at + with.len()].copy_from_slice(with);
        }
        bytes.extend_from_slice(&self.text.as_bytes()[other.len()..]);
        String::from_utf8(bytes)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
    }
}

/// Builds the skeleton of the `selected` units (sorted, deduplicated, closed under parents).
pub fn skeleton(language: Language, text: &str, units: &Units, selected: &[usize]) -> Skeleton {
    let mut edits: Vec<(usize, Vec<u8>)> = Vec::new();
    let mut buffer = text.as_bytes().to_vec();
    let mut ranges: Vec<Range<usize>> = Vec::new();
    let mut stack: Vec<(Frame, usize)> = Vec::new();
    for &i in selected {
        let unit = &units.units[i];
        if let Some((at, with)) = leading_keyword(
            &mut buffer,
            unit.range.clone(),
            language == Language::PowerShell,
        ) {
            edits.push((at, with.to_vec()));
        }
        let mut lx = Lexer::new(&buffer, language);
        lx.stack = std::mem::take(&mut stack);
        lx.pos = unit.range.start;
        lx.unit = i;
        lx.replay = Some(Vec::new());
        while lx.pos < unit.range.end {
            lx.step();
        }
        stack = std::mem::take(&mut lx.stack);
        let blanks = lx.replay.take().unwrap_or_default();
        for r in blanks {
            buffer[r.clone()].fill(b' ');
            edits.push((r.start, vec![b' '; r.len()]));
        }
        match ranges.last_mut() {
            Some(last) if last.end == unit.range.start => last.end = unit.range.end,
            _ => ranges.push(unit.range.clone()),
        }
    }
    let len = buffer.len();
    let mut tail = String::from("\n");
    while let Some((frame, _)) = stack.pop() {
        tail.push_str(frame.closer(language));
    }
    buffer.extend_from_slice(tail.as_bytes());
    ranges.push(len..buffer.len());
    // Only ASCII bytes were replaced by blanks, so the buffer is still UTF-8.
    let text = String::from_utf8(buffer)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    // Points for the ranges, counting rows once through the text.
    let bytes = text.as_bytes();
    let mut row = 0;
    let mut line_start = 0;
    let mut scanned = 0;
    let mut point = |offset: usize| {
        let between = &bytes[scanned..offset];
        if let Some(last) = memchr::memrchr(b'\n', between) {
            row += memchr::memchr_iter(b'\n', between).count();
            line_start = scanned + last + 1;
        }
        scanned = offset;
        tree_sitter::Point {
            row,
            column: offset - line_start,
        }
    };
    let ranges = ranges
        .into_iter()
        .map(|r| tree_sitter::Range {
            start_point: point(r.start),
            end_point: point(r.end),
            start_byte: r.start,
            end_byte: r.end,
        })
        .collect();
    Skeleton {
        text,
        ranges,
        edits,
    }
}

/// Calls `f` on every value of `script` that is not inside another value (arguments, stdin,
/// output files, assigned values, hashtable values, heredoc bodies, defaults, invocation
/// arguments, strings).
fn for_each_value(script: &mut Script, f: &mut dyn FnMut(&mut crate::model::Value)) {
    use crate::model::Arg;
    for c in &mut script.commands {
        for a in &mut c.args {
            if let Arg::Flag { value: Some(v), .. } | Arg::Positional(v) = a {
                f(v);
            }
        }
        c.stdin.iter_mut().for_each(&mut *f);
        c.output_files.iter_mut().for_each(&mut *f);
    }
    for a in &mut script.assignments {
        f(&mut a.value);
    }
    for h in &mut script.hashtables {
        h.entries.iter_mut().for_each(|e| f(&mut e.value));
    }
    for h in &mut script.heredocs {
        f(&mut h.body);
        h.output_files.iter_mut().for_each(&mut *f);
    }
    for p in &mut script.parameters {
        p.default.iter_mut().for_each(&mut *f);
    }
    for i in &mut script.invocations {
        i.args.iter_mut().for_each(&mut *f);
    }
    script.strings.iter_mut().for_each(f);
}

/// Calls `f` on every span of `script`, with `true` for the spans of scopes (blocks, the
/// script, a parameter's function).
pub fn map_spans(script: &mut Script, f: &mut dyn FnMut(&mut Range<usize>, bool)) {
    use crate::model::{Arg, PartKind, Value};
    fn value(v: &mut Value, f: &mut dyn FnMut(&mut Range<usize>, bool)) {
        f(&mut v.span, false);
        for p in &mut v.parts {
            f(&mut p.span, false);
            if let PartKind::Dynamic {
                default: Some(d), ..
            } = &mut p.kind
            {
                value(d, f);
            }
        }
        for e in &mut v.elements {
            value(e, f);
        }
    }
    for_each_value(script, &mut |v| value(v, f));
    for c in &mut script.commands {
        f(&mut c.name_span, false);
        f(&mut c.span, false);
        f(&mut c.statement_span, false);
        f(&mut c.scope, true);
        for a in &mut c.args {
            match a {
                Arg::Flag { name_span, .. } => f(name_span, false),
                Arg::Splat { span, .. } => f(span, false),
                Arg::Positional(_) => {}
            }
        }
    }
    for a in &mut script.assignments {
        f(&mut a.target_span, false);
        f(&mut a.span, false);
        f(&mut a.statement_span, false);
        f(&mut a.scope_span, true);
    }
    for h in &mut script.hashtables {
        f(&mut h.span, false);
        for e in &mut h.entries {
            f(&mut e.key_span, false);
        }
    }
    for p in &mut script.parameters {
        f(&mut p.name_span, false);
        f(&mut p.span, false);
        f(&mut p.function_span, true);
        if let Some(t) = &mut p.type_span {
            f(t, false);
        }
    }
    for i in &mut script.invocations {
        f(&mut i.span, false);
        f(&mut i.statement_span, false);
        f(&mut i.scope, true);
    }
    for c in &mut script.comments {
        f(&mut c.span, false);
    }
    for e in &mut script.errors {
        f(&mut e.span, false);
    }
}

/// Calls `f` on the spans of `script`'s scopes only (see [`map_spans`]).
fn map_scopes(script: &mut Script, f: &mut dyn FnMut(&mut Range<usize>)) {
    script.commands.iter_mut().for_each(|c| f(&mut c.scope));
    script
        .assignments
        .iter_mut()
        .for_each(|a| f(&mut a.scope_span));
    script
        .parameters
        .iter_mut()
        .for_each(|p| f(&mut p.function_span));
    script.invocations.iter_mut().for_each(|i| f(&mut i.scope));
}

/// Clamps every span of `script` to `len` (the closers a skeleton appends lie past the text)
/// and makes the scopes equal to the skeleton's `root` the whole text.
pub fn clamp_spans(script: &mut Script, len: usize, root: Range<usize>) {
    // Errors in the appended closers are the skeleton's, not the file's.
    script.errors.retain(|e| e.span.start < len);
    map_spans(script, &mut |s, scope| {
        if scope && *s == root {
            *s = 0..len;
        } else {
            s.end = s.end.min(len);
            s.start = s.start.min(s.end);
        }
    });
    script.header_end = script.header_end.min(len);
}

/// Appends `inner` to `outer`, moving the indices `inner`'s items hold past `outer`'s.
pub fn append_script(outer: &mut Script, inner: Script) {
    append_moved(outer, inner, Offsets::default());
}

/// Where the command, hashtable and heredoc indices of a script's items start: a script
/// detached from an assembled one keeps the indices it had there.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Offsets {
    commands: usize,
    hashtables: usize,
    heredocs: usize,
}

impl Offsets {
    fn past(script: &Script) -> Offsets {
        Offsets {
            commands: script.commands.len(),
            hashtables: script.hashtables.len(),
            heredocs: script.heredocs.len(),
        }
    }
}

/// [`append_script`] for an `inner` whose indices start at `held`.
fn append_moved(outer: &mut Script, mut inner: Script, held: Offsets) {
    move_indices(&mut inner, held, Offsets::past(outer));
    outer.commands.append(&mut inner.commands);
    outer.assignments.append(&mut inner.assignments);
    outer.hashtables.append(&mut inner.hashtables);
    outer.heredocs.append(&mut inner.heredocs);
    outer.parameters.append(&mut inner.parameters);
    outer.invocations.append(&mut inner.invocations);
    outer.strings.append(&mut inner.strings);
    outer.comments.append(&mut inner.comments);
    outer.errors.append(&mut inner.errors);
    outer.header_end = outer.header_end.max(inner.header_end);
    if outer.language.is_none() {
        outer.language = inner.language;
    }
}

/// How many items of each kind a script appended to another brought: what
/// [`detach_script`] takes back.
#[derive(Clone, Copy, Debug)]
struct Sizes {
    commands: usize,
    assignments: usize,
    hashtables: usize,
    heredocs: usize,
    parameters: usize,
    invocations: usize,
    strings: usize,
    comments: usize,
    errors: usize,
    header_end: usize,
}

impl Sizes {
    fn of(script: &Script) -> Sizes {
        Sizes {
            commands: script.commands.len(),
            assignments: script.assignments.len(),
            hashtables: script.hashtables.len(),
            heredocs: script.heredocs.len(),
            parameters: script.parameters.len(),
            invocations: script.invocations.len(),
            strings: script.strings.len(),
            comments: script.comments.len(),
            errors: script.errors.len(),
            header_end: script.header_end,
        }
    }
}

/// Undoes the last append to `outer` of a script of `sizes`; its indices stay as they were in
/// `outer` (see [`Offsets`]).
fn detach_script(outer: &mut Script, sizes: Sizes) -> Script {
    fn tail<T>(v: &mut Vec<T>, n: usize) -> Vec<T> {
        v.split_off(v.len() - n)
    }
    Script {
        language: outer.language,
        commands: tail(&mut outer.commands, sizes.commands),
        assignments: tail(&mut outer.assignments, sizes.assignments),
        hashtables: tail(&mut outer.hashtables, sizes.hashtables),
        heredocs: tail(&mut outer.heredocs, sizes.heredocs),
        parameters: tail(&mut outer.parameters, sizes.parameters),
        invocations: tail(&mut outer.invocations, sizes.invocations),
        strings: tail(&mut outer.strings, sizes.strings),
        comments: tail(&mut outer.comments, sizes.comments),
        errors: tail(&mut outer.errors, sizes.errors),
        header_end: sizes.header_end,
    }
}

/// Moves the command, hashtable and heredoc indices `script`'s items hold from starting at
/// `from` to starting at `to`.
fn move_indices(script: &mut Script, from: Offsets, to: Offsets) {
    use crate::model::Value;
    if from == to {
        return;
    }
    fn moved(i: &mut usize, from: usize, to: usize) {
        *i = *i - from + to;
    }
    fn value(v: &mut Value, from: Offsets, to: Offsets) {
        if let Some(c) = &mut v.command {
            moved(c, from.commands, to.commands);
        }
        if let Some(h) = &mut v.hashtable {
            moved(h, from.hashtables, to.hashtables);
        }
        for e in &mut v.elements {
            value(e, from, to);
        }
    }
    if (from.commands, from.hashtables) != (to.commands, to.hashtables) {
        for_each_value(script, &mut |v| value(v, from, to));
    }
    for c in &mut script.commands {
        if let Some(h) = &mut c.heredoc {
            moved(h, from.heredocs, to.heredocs);
        }
    }
    for h in &mut script.heredocs {
        if let Some(c) = &mut h.command {
            moved(c, from.commands, to.commands);
        }
    }
}

/// Lowered top-level statements of earlier versions of a document, keyed by the text of the
/// units parsed: an editor re-lints after every keystroke, and only the statement being
/// edited has changed. Entries not used by the latest lint are dropped by [`Self::sweep`].
#[derive(Default)]
pub struct SkeletonCache {
    /// Keyed by the statements' texts, a few hundred kilobytes per lint: hashed fast.
    entries: foldhash::HashMap<Vec<u8>, CachedGroup>,
    stamp: u64,
    /// The groups of the script [`parse_skeleton_cached`] returned last, in order: their
    /// models were moved into it, not copied, and [`SkeletonCache::give_back`] returns them.
    lent: Vec<Lent>,
    /// An empty script with the capacity of the last one given back.
    spare: Option<Script>,
}

struct CachedGroup {
    /// `None` while lent (a lint that failed never gave it back: parsed again when needed).
    script: Option<Script>,
    /// Where its indices start (see [`Offsets`]).
    offsets: Offsets,
    /// Where the group started and how long the text was when its spans were last mapped.
    start: usize,
    len: usize,
    stamp: u64,
}

struct Lent {
    key: Vec<u8>,
    start: usize,
    len: usize,
    sizes: Sizes,
    offsets: Offsets,
}

impl SkeletonCache {
    /// Drops the entries the lints since the last sweep did not use.
    pub fn sweep(&mut self) {
        let stamp = self.stamp;
        self.entries.retain(|_, e| e.stamp == stamp);
        self.stamp += 1;
    }

    /// Takes back the statements of `script`, the last result of [`parse_skeleton_cached`]
    /// (another script is only dropped).
    pub fn give_back(&mut self, mut script: Script) {
        while let Some(lent) = self.lent.pop() {
            let part = detach_script(&mut script, lent.sizes);
            if let Some(entry) = self.entries.get_mut(&lent.key) {
                entry.script = Some(part);
                entry.offsets = lent.offsets;
                entry.start = lent.start;
                entry.len = lent.len;
            }
        }
        // The emptied script keeps its capacity for the next lint: assembling the statements
        // then grows no vector (a document's model is about a megabyte, which the allocator
        // would map afresh and fault in every time).
        script.commands.clear();
        script.assignments.clear();
        script.hashtables.clear();
        script.heredocs.clear();
        script.parameters.clear();
        script.invocations.clear();
        script.strings.clear();
        script.comments.clear();
        script.errors.clear();
        script.header_end = 0;
        // An editor lint gives back several scripts (the header is parsed alone): the
        // largest is kept.
        if self
            .spare
            .as_ref()
            .is_none_or(|spare| spare.commands.capacity() <= script.commands.capacity())
        {
            self.spare = Some(script);
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// The `selected` units (sorted) grouped by top-level statement: runs of units sharing the
/// same outermost ancestor.
pub fn groups<'s>(units: &Units, selected: &'s [usize]) -> Vec<&'s [usize]> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..=selected.len() {
        if i == selected.len() || units.units[selected[i]].top != units.units[selected[start]].top {
            if start < i {
                out.push(&selected[start..i]);
            }
            start = i;
        }
    }
    out
}

/// [`crate::lang::parse_skeleton`] one top-level statement at a time, reusing the statements
/// `cache` holds from earlier versions of the text.
pub fn parse_skeleton_cached(
    language: Language,
    text: &str,
    units: &Units,
    selected: &[usize],
    budget: std::time::Duration,
    cache: &mut SkeletonCache,
) -> Result<Script, super::ParseError> {
    // Statements lent to a lint that never gave them back are parsed again when needed.
    cache.lent.clear();
    let mut script = cache.spare.take().unwrap_or_default();
    script.language = Some(language);
    let len = text.len();
    for group in groups(units, selected) {
        let start = units.units[group[0]].range.start;
        let mut key = Vec::with_capacity(64);
        key.push(language as u8);
        // The units' texts and where they sit in the statement: a block's span covers the
        // units between them that were not parsed.
        for &u in group {
            let range = units.units[u].range.clone();
            key.extend_from_slice(&(range.start - start).to_le_bytes());
            key.extend_from_slice(text[range].as_bytes());
            key.push(0);
        }
        let stamp = cache.stamp;
        let lent = cache
            .entries
            .get_mut(&key)
            .and_then(|hit| Some((hit.script.take()?, hit.start, hit.len, hit)));
        let (part, held) = match lent {
            Some((mut part, old_start, old_len, hit)) => {
                hit.stamp = stamp;
                if old_start == start && old_len != len {
                    // Only the scopes that were the whole text change (the text before the
                    // statement did not).
                    map_scopes(&mut part, &mut |s| {
                        if *s == (0..old_len) {
                            *s = 0..len;
                        }
                    });
                } else if old_start != start {
                    map_spans(&mut part, &mut |s, scope| {
                        if scope && *s == (0..old_len) {
                            *s = 0..len;
                        } else {
                            *s = s.start.saturating_sub(old_start) + start
                                ..s.end.saturating_sub(old_start) + start;
                        }
                    });
                }
                (part, hit.offsets)
            }
            None => {
                let part = super::parse_skeleton(language, text, None, units, group, budget)?;
                cache.entries.insert(
                    key.clone(),
                    CachedGroup {
                        script: None,
                        offsets: Offsets::default(),
                        start,
                        len,
                        stamp,
                    },
                );
                (part, Offsets::default())
            }
        };
        cache.lent.push(Lent {
            key,
            start,
            len,
            sizes: Sizes::of(&part),
            offsets: Offsets::past(&script),
        });
        append_moved(&mut script, part, held);
    }
    // The lowering links a few things across statements, which statements lowered alone
    // miss: a command named by a variable (`& $tool`, resolved through its assignment) and
    // a here-string assigned to a variable that a writer writes. Parsed as one skeleton then.
    let linked = script
        .commands
        .iter()
        .any(|c| c.wrappers.iter().any(|w| w.starts_with('$')))
        || script.heredocs.iter().any(|h| h.assigned_to.is_some());
    if linked {
        cache.give_back(script);
        return super::parse_skeleton(language, text, None, units, selected, budget);
    }
    Ok(script)
}

/// Blanks a keyword that continues a statement whose head the skeleton left out: PowerShell
/// `else`/`catch`/`finally` (`elseif` becomes `if`) at the start of a unit (PowerShell units that continue a `}` line start with the `}`, and keep
/// their keyword).
fn leading_keyword(
    buffer: &mut [u8],
    range: Range<usize>,
    ps: bool,
) -> Option<(usize, &'static [u8])> {
    let line = &buffer[range.clone()];
    let skip = line
        .iter()
        .position(|c| !matches!(c, b' ' | b'\t'))
        .unwrap_or(line.len());
    let at = range.start + skip;
    let rest = &buffer[at..range.end];
    let is = |w: &[u8]| {
        rest.len() >= w.len()
            && rest[..w.len()].eq_ignore_ascii_case(w)
            && !rest
                .get(w.len())
                .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'-')
    };
    if !ps {
        // bash `else`/`elif` open a branch of their `if`, which the skeleton always holds.
        return None;
    }
    // `} else {` on one unit keeps its `}`; a unit that starts with the keyword lost it.
    let with: &'static [u8] = if is(b"elseif") {
        b"if    "
    } else if is(b"else") {
        b"    "
    } else if is(b"catch") {
        b"     "
    } else if is(b"finally") {
        b"       "
    } else {
        return None;
    };
    buffer[at..at + with.len()].copy_from_slice(with);
    Some((at, with))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(language: Language, text: &str) -> Vec<String> {
        let units = split(language, text);
        assert!(units.complete, "incomplete: {text:?}");
        units
            .units
            .iter()
            .map(|u| text[u.range.clone()].to_owned())
            .collect()
    }

    #[test]
    fn bash_units_follow_quotes_heredocs_and_continuations() {
        let text = "echo 'a\nb'\ncat <<EOF > f\nx $y\nEOF\ncurl -u a:b \\\n  https://x\nls |\n  wc\nif true\nthen\n  echo hi\nfi\n";
        assert_eq!(
            texts(Language::Shell, text),
            [
                "echo 'a\nb'\n",
                "cat <<EOF > f\nx $y\nEOF\n",
                "curl -u a:b \\\n  https://x\n",
                "ls |\n  wc\n",
                "if true\nthen\n",
                "  echo hi\n",
                "fi\n"
            ]
        );
    }

    #[test]
    fn bash_parents_are_the_block_headers() {
        let text = "f() {\n  case $1 in\n    a) echo a ;;\n    b)\n      docker login -p x\n      ;;\n  esac\n}\n";
        let units = split(Language::Shell, text);
        assert!(units.complete);
        let at = |s: &str| units.unit_at(text.find(s).unwrap()).unwrap();
        let docker = at("docker");
        let arm = units.units[docker].parent.unwrap();
        assert_eq!(arm, at("b)"));
        let case = units.units[arm].parent.unwrap();
        assert_eq!(case, at("case"));
        assert_eq!(units.units[case].parent, Some(at("f()")));
        assert_eq!(units.units[at("esac")].parent, Some(case));
    }

    #[test]
    fn powershell_units_keep_hashtables_params_and_strings_whole() {
        let text = "param(\n  [string]$A = 'x'\n)\n$h = @{\n  Authorization = \"Bearer $t\"\n}\nif ($x) {\n  Write-Host \"a\n b\"\n}\nelse {\n  y\n}\n$s = @'\n}\n'@\nz\n";
        assert_eq!(
            texts(Language::PowerShell, text),
            [
                "param(\n  [string]$A = 'x'\n)\n",
                "$h = @{\n  Authorization = \"Bearer $t\"\n}\n",
                "if ($x) {\n",
                "  Write-Host \"a\n b\"\n",
                "}\nelse {\n",
                "  y\n",
                "}\n",
                "$s = @'\n}\n'@\n",
                "z\n"
            ]
        );
    }

    #[test]
    fn parameter_expansions_arithmetic_and_conditions_are_followed() {
        let text = "a=\"${v%% (*}\"\nb=\"$(((${x} + ${y//.}) * 2))\"\nif [[ -e a && (( -e b ) || ( -e c )) ]]; then\n  :\nfi\nc=\"${#arr[@]}\"\n";
        assert_eq!(texts(Language::Shell, text).len(), 6);
    }

    #[test]
    fn c_style_for_with_a_group_and_continued_groups_close() {
        let text =
            "for ((i = 0; i < 3; i++)) {\n  echo $i\n}\nif a || {\n  b; \\\n}; then\n  c\nfi\n";
        let units = split(Language::Shell, text);
        assert!(units.complete);
        assert_eq!(units.units.len(), 7);
    }

    #[test]
    fn powershell_attributes_join_what_they_decorate() {
        let text = "[CmdletBinding()]\n[Diagnostics.CodeAnalysis.SuppressMessage('x', '')]\nparam()\n[int]$x = 1\n";
        assert_eq!(
            texts(Language::PowerShell, text),
            [
                "[CmdletBinding()]\n[Diagnostics.CodeAnalysis.SuppressMessage('x', '')]\nparam()\n",
                "[int]$x = 1\n"
            ]
        );
    }

    #[test]
    fn unterminated_text_is_incomplete() {
        assert!(!split(Language::Shell, "echo 'abc\n").complete);
        assert!(!split(Language::Shell, "cat <<EOF\nabc\n").complete);
        assert!(!split(Language::PowerShell, "$x = @{\n a = 1\n").complete);
        assert!(!split(Language::PowerShell, "if ($x) {\n y\n").complete);
    }

    #[test]
    fn skeleton_closes_open_blocks_and_blanks_stray_closers() {
        let text = "f() {\n  if x; then\n    a\n  else\n    docker login -p x\n  fi\n}\n";
        let units = split(Language::Shell, text);
        let at = |s: &str| units.unit_at(text.find(s).unwrap()).unwrap();
        let mut selected = vec![at("docker")];
        close_under_parents(&units, &mut selected);
        // The headers around it and the units closing their blocks.
        let expected = ["f()", "if x", "else", "docker", "fi", "}"].map(&at);
        assert_eq!(selected, expected);
        let sk = skeleton(Language::Shell, text, &units, &selected);
        assert!(sk.text.starts_with(text));
        assert_eq!(&sk.text[text.len()..], "\n");
        assert_eq!(sk.ranges.len(), 3);
        // A skeleton without the closing units gets closers after the text.
        let sk = skeleton(
            Language::Shell,
            text,
            &units,
            &[at("f()"), at("if x"), at("docker")],
        );
        assert_eq!(&sk.text[text.len()..], "\n:\nfi\n:\n}\n");
        let parsed: Vec<&str> = sk
            .ranges
            .iter()
            .map(|r| &sk.text[r.start_byte..r.end_byte])
            .collect();
        assert_eq!(
            parsed,
            [
                "f() {\n  if x; then\n",
                "    docker login -p x\n",
                "\n:\nfi\n:\n}\n"
            ]
        );
        assert_eq!(
            sk.ranges[1].start_point,
            tree_sitter::Point { row: 4, column: 0 }
        );

        let ps = "if ($a) {\n  b\n}\nelse {\n  c\n}\n} stray\n";
        let units = split(Language::PowerShell, ps);
        let at = |s: &str| units.unit_at(ps.find(s).unwrap()).unwrap();
        // `} else {` keeps its `}` (it closes the `if`); the block left open is closed.
        let sk = skeleton(
            Language::PowerShell,
            ps,
            &units,
            &[at("if"), at("}\nelse"), at("c\n")],
        );
        let parsed: Vec<&str> = sk
            .ranges
            .iter()
            .map(|r| &sk.text[r.start_byte..r.end_byte])
            .collect();
        assert_eq!(parsed, ["if ($a) {\n", "}\nelse {\n  c\n", "\n}\n"]);
        // A `}` closing nothing in the skeleton is blanked.
        let sk = skeleton(Language::PowerShell, ps, &units, &[at("} stray")]);
        assert_eq!(&sk.text[ps.find("} stray").unwrap()..ps.len()], "  stray\n");
        // The same edits over another text of the same length (the sanitised one).
        assert_eq!(sk.over(ps), sk.text);
    }
}
