//! What to parse: the units of a script that could hold a finding.
//!
//! A finding always sits in a statement that names a credential or a tool (a trigger word:
//! `password`, `token`, `docker`, a token prefix …), or in the assignment of a variable such a
//! statement uses. So the engine parses the units holding a trigger, the units that mention
//! the variables those use or assign, and the headers of the blocks around them (see
//! [`crate::lang::units`]); everything else is never parsed. `tests/focus.rs` checks that this
//! reports exactly what parsing whole files reports, on every fixture and the corpus.

use std::collections::HashSet;
use std::ops::ControlFlow;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use crate::catalog::Catalog;
use crate::lang::units::Units;
use crate::model::Language;

/// Trigger words located in a text: token prefixes where a known token format matches,
/// credential keywords, and command names of the catalog only as whole words (`az` in `lazy`
/// is no trigger).
pub struct Triggers {
    /// `://`, credential keywords, catalog command names, short credential names and token
    /// prefixes, in that order, in one automaton reporting every occurrence (overlapping:
    /// `mysql` and `mysqldump`, `sig` and `signature`, `pass` and `password` all come out,
    /// and each is judged on its own), matched ASCII-case-insensitively. `://` counts in
    /// comments too (a URL with userinfo); keywords count in code and strings,
    /// `first_gated..first_ungated` only when a value can follow them; command and short
    /// names count as whole words only, outside comments. Token prefixes (`ghp_`, `AKIA` …)
    /// count with their exact case, as the token formats are, in comments and prose too (the
    /// known-token rule reads comments), but only on a line where a token format matches:
    /// `cio` in `suspicious` or `key-` in `key-value` is no trigger. One automaton, so a
    /// text is scanned once (two automata took two passes over every file).
    words: AhoCorasick,
    first_gated: usize,
    first_ungated: usize,
    first_command: usize,
    first_name: usize,
    first_token: usize,
    /// The token prefixes as written, for the exact-case check.
    tokens: Vec<Vec<u8>>,
}

/// What an occurrence of a pattern of [`Triggers::words`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Word {
    Url,
    Keyword { gated: bool },
    Command,
    Name,
    Token,
}

/// An occurrence of a trigger pattern that passed the checks needing only the text (whole
/// words, a token's case and format); [`Triggers::positions`] judges it against the units.
#[derive(Clone, Copy, Debug)]
pub struct Candidate {
    start: usize,
    end: usize,
    word: Word,
}

impl Triggers {
    /// `tokens`: token prefixes; `code`: keywords that count in code and strings when a value
    /// follows them; `ungated`: keywords that count in code always; `names`: short credential
    /// names (whole words).
    pub fn new(
        tokens: &[&str],
        code: &[&str],
        ungated: &[&str],
        names: &[&str],
        catalog: &Catalog,
    ) -> Triggers {
        let mut words: Vec<String> = vec!["://".to_owned()];
        let first_gated = words.len();
        words.extend(code.iter().map(|s| s.to_ascii_lowercase()));
        let first_ungated = words.len();
        words.extend(ungated.iter().map(|s| s.to_ascii_lowercase()));
        let first_command = words.len();
        let mut commands: Vec<String> = catalog.command_names().map(str::to_owned).collect();
        commands.sort();
        words.extend(commands);
        let first_name = words.len();
        words.extend(names.iter().map(|s| s.to_ascii_lowercase()));
        let first_token = words.len();
        words.extend(tokens.iter().map(|s| s.to_string()));
        let automaton = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            // Dozens of short patterns defeat the prefilters: a plain DFA is faster here
            // (measured on the corpus and the editor benchmark).
            .prefilter(false)
            .kind(Some(aho_corasick::AhoCorasickKind::DFA))
            .build(&words)
            .expect("trigger patterns build");
        Triggers {
            words: automaton,
            first_gated,
            first_ungated,
            first_command,
            first_name,
            first_token,
            tokens: tokens.iter().map(|s| s.as_bytes().to_vec()).collect(),
        }
    }

    fn word(&self, pattern: usize) -> Word {
        if pattern < self.first_gated {
            Word::Url
        } else if pattern < self.first_command {
            Word::Keyword {
                gated: pattern < self.first_ungated,
            }
        } else if pattern < self.first_name {
            Word::Command
        } else if pattern < self.first_token {
            Word::Name
        } else {
            Word::Token
        }
    }

    /// Scans `text` once, calling `found` with each candidate until it breaks.
    fn scan(&self, text: &str, mut found: impl FnMut(Candidate) -> ControlFlow<()>) {
        let bytes = text.as_bytes();
        // The line last checked for a token format, and whether one matched there.
        let mut token_line: Option<(usize, bool)> = None;
        for m in self.words.find_overlapping_iter(text) {
            let pattern = m.pattern().as_usize();
            let word = self.word(pattern);
            let passes = match word {
                Word::Url | Word::Keyword { .. } => true,
                Word::Command => {
                    command_before(bytes, m.start().wrapping_sub(1))
                        && command_after(bytes, m.end())
                }
                Word::Name => {
                    name_boundary(bytes, m.start().wrapping_sub(1)) && name_boundary(bytes, m.end())
                }
                Word::Token => {
                    bytes[m.range()] == self.tokens[pattern - self.first_token][..] && {
                        let line = line_start(bytes, m.start());
                        match token_line {
                            Some((l, _)) if l == line => false,
                            _ => {
                                let on_line = token_on_line(text, m.start());
                                token_line = Some((line, on_line));
                                on_line
                            }
                        }
                    }
                }
            };
            if passes {
                let candidate = Candidate {
                    start: m.start(),
                    end: m.end(),
                    word,
                };
                if found(candidate).is_break() {
                    return;
                }
            }
        }
    }

    /// Whether `text` holds any trigger at all, comments and values aside: the cheap test
    /// that spares a file without one the lexer.
    pub fn any(&self, text: &str) -> bool {
        let mut any = false;
        self.scan(text, |_| {
            any = true;
            ControlFlow::Break(())
        });
        any
    }

    /// Every candidate in `text`, in order of their ends (empty: the text holds no trigger,
    /// as [`Triggers::any`] tells); [`Triggers::positions`] judges them.
    pub fn candidates(&self, text: &str) -> Vec<Candidate> {
        let mut out = Vec::new();
        self.scan(text, |c| {
            out.push(c);
            ControlFlow::Continue(())
        });
        out
    }

    /// Start offsets of the triggers among `candidates` of `text` (sorted; a unit needs only
    /// one). `gated`: a keyword counts only when a value could follow it; off when rules that
    /// report declarations (`[string]$Password` parameters) are enabled.
    pub fn positions(
        &self,
        text: &str,
        units: &Units,
        candidates: &[Candidate],
        gated: bool,
        literal_names: &HashSet<String>,
    ) -> Vec<usize> {
        let bytes = text.as_bytes();
        let mut out = Vec::new();
        let value_follows = |c: &Candidate| {
            value_follows(
                bytes,
                c.start,
                c.end,
                units.in_string(c.start),
                literal_names,
            )
        };
        // Occurrences within the unit selected last change nothing.
        let mut last_unit = None;
        for c in candidates {
            let unit = units.unit_at(c.start);
            if unit.is_some() && unit == last_unit {
                continue;
            }
            let counts = match c.word {
                // Checked on its line already.
                Word::Token => true,
                // `://` announces a credential only with userinfo (`@`) or a query (`=`).
                Word::Url => rest_of_line_has_at_or_equals(bytes, c.end),
                // A keyword counts when a value could follow it (see `value_follows`).
                Word::Keyword { gated: gated_word } => {
                    let needs_value = gated && gated_word;
                    !units.in_comment(c.start) && (!needs_value || value_follows(c))
                }
                Word::Command => !units.in_comment(c.start),
                Word::Name => !units.in_comment(c.start) && (!gated || value_follows(c)),
            };
            if counts {
                out.push(c.start);
                last_unit = unit;
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// The offset of the line holding byte `i`.
fn line_start(bytes: &[u8], i: usize) -> usize {
    memchr::memrchr(b'\n', &bytes[..i]).map_or(0, |n| n + 1)
}

/// Whether a known token format matches on the line holding byte `i` (tokens never span
/// lines).
fn token_on_line(text: &str, i: usize) -> bool {
    let bytes = text.as_bytes();
    let start = line_start(bytes, i);
    let end = memchr::memchr(b'\n', &bytes[i..]).map_or(bytes.len(), |n| i + n);
    crate::secret::mentions_token(&text[start..end])
}

/// Whether the byte at `i` (none at either end) may border a credential name word.
fn name_boundary(bytes: &[u8], i: usize) -> bool {
    bytes.get(i).is_none_or(|c| !c.is_ascii_alphanumeric())
}

fn rest_of_line_has_at_or_equals(bytes: &[u8], from: usize) -> bool {
    bytes[from..]
        .iter()
        .take_while(|&&c| c != b'\n')
        .any(|&c| c == b'@' || c == b'=')
}

/// Whether the byte at `i` (none at the start) may come before a command name: a blank, an
/// operator, a quote or a path separator; not a character of a longer name (`mydocker`,
/// `Use-Docker`) or of a variable or property (`$env:AZ`, `$x.git`).
fn command_before(bytes: &[u8], i: usize) -> bool {
    bytes.get(i).is_none_or(|&c| {
        matches!(
            c,
            b' ' | b'\t'
                | b'\r'
                | b'\n'
                | b';'
                | b'&'
                | b'|'
                | b'('
                | b'{'
                | b'`'
                | b'"'
                | b'\''
                | b'/'
                | b'\\'
                | b'$'
                | b'!'
        )
    })
}

/// Whether the byte at `i` may follow a command name: a blank, an operator, a closing quote
/// or `.exe`-style extension; not `:` (`https://`), `-` (`docker-compose`) or a letter.
fn command_after(bytes: &[u8], i: usize) -> bool {
    bytes.get(i).is_none_or(|&c| {
        matches!(
            c,
            b' ' | b'\t'
                | b'\r'
                | b'\n'
                | b';'
                | b'&'
                | b'|'
                | b')'
                | b'}'
                | b'`'
                | b'"'
                | b'\''
                | b'.'
        )
    })
}

/// The units holding `positions`.
pub fn units_at(units: &Units, positions: &[usize], into: &mut Vec<usize>) {
    let mut last = None;
    for &p in positions {
        if let Some(i) = units.unit_at(p)
            && last != Some(i)
        {
            into.push(i);
            last = Some(i);
        }
    }
}

/// Adds to `selected` the units of shell `set` commands that turn allexport on or off
/// (`set -a`, `set -ea`, `set +a`, `set -o allexport`): every later assignment is exported
/// then, which the env-assignment rule reads.
pub fn allexport_units(text: &str, units: &Units, selected: &mut Vec<usize>) {
    let bytes = text.as_bytes();
    for at in memchr::memmem::find_iter(bytes, b"set ") {
        let starts_command = at == 0
            || matches!(
                bytes[at - 1],
                b' ' | b'\t' | b'\n' | b';' | b'&' | b'|' | b'(' | b'{'
            );
        if !starts_command || units.in_comment(at) || units.in_string(at) {
            continue;
        }
        let line_end = memchr::memchr(b'\n', &bytes[at..]).map_or(bytes.len(), |n| at + n);
        let mut words = text[at + 4..line_end].split_ascii_whitespace();
        let mut toggles = false;
        while let Some(word) = words.next() {
            let flags = word.strip_prefix('-').or_else(|| word.strip_prefix('+'));
            let Some(flags) = flags.filter(|f| !f.is_empty() && !f.starts_with('-')) else {
                break;
            };
            if flags == "o" {
                toggles |= words.next() == Some("allexport");
            } else {
                toggles |= flags.contains('a');
            }
        }
        if toggles && let Some(u) = units.unit_at(at) {
            selected.push(u);
        }
    }
}

/// The units of the script's header, which the fixer needs (guards go after it): the
/// shebang, and for PowerShell the comments, `#Requires`, `using`, attributes and `param()`
/// before the first other statement.
pub fn header_units(language: Language, text: &str, units: &Units, into: &mut Vec<usize>) {
    for (i, unit) in units.units.iter().enumerate() {
        let line = text[unit.range.clone()].trim_start();
        let header = match language {
            Language::Shell => i == 0 && line.starts_with("#!"),
            Language::PowerShell => {
                let lower = line.get(..6).unwrap_or(line).to_ascii_lowercase();
                line.is_empty()
                    || line.starts_with('#')
                    || line.starts_with("<#")
                    || line.starts_with('[')
                    || lower.starts_with("using")
                    || lower.starts_with("param")
            }
        };
        if !header {
            return;
        }
        into.push(i);
    }
}

/// Variables the `selected` units assign a quoted program (`$nuget = 'C:\tools\nuget.exe'`,
/// `DOCKER="/usr/bin/docker"`), read from the text: where they are used (`& $nuget push …`,
/// `"$DOCKER" login …`) the lowering resolves the command through the variable, so the uses
/// are parsed with the assignment. `names_program` tells whether a quoted value's last path
/// component runs a tool a rule knows. Other uses (a here-string written to a file, a
/// hashtable passed as `-Headers`) are parsed when a rule asks for them (`Flow::ask_uses`):
/// following every string and hashtable the trigger units assign parsed ~20% more bytes.
pub fn program_variables(
    text: &str,
    language: Language,
    units: &Units,
    selected: &[usize],
    names_program: impl Fn(&str) -> bool,
) -> HashSet<String> {
    let mut names = HashSet::new();
    let bytes = text.as_bytes();
    let is_ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    for &u in selected {
        let range = units.units[u].range.clone();
        let mut i = range.start;
        while i < range.end {
            let c = bytes[i];
            let sigil = c == b'$' || c == b'@';
            let word_start = i == 0 || !is_ident(bytes[i - 1]) && bytes[i - 1] != b'$';
            if !sigil && !(word_start && (c.is_ascii_alphabetic() || c == b'_')) {
                i += 1;
                continue;
            }
            let mut j = if sigil { i + 1 } else { i };
            if sigil && bytes.get(j) == Some(&b'{') {
                j += 1;
            }
            let mut start = j;
            while j < range.end && is_ident(bytes[j]) {
                j += 1;
            }
            // `$env:NAME`, `$script:name`
            if sigil
                && bytes.get(j) == Some(&b':')
                && bytes.get(j + 1).is_some_and(|&c| is_ident(c))
            {
                j += 1;
                start = j;
                while j < range.end && is_ident(bytes[j]) {
                    j += 1;
                }
            }
            let name = &text[start..j];
            let assigned = {
                let mut rest = &bytes[j..range.end];
                if sigil {
                    let blanks = rest
                        .iter()
                        .take_while(|c| matches!(c, b' ' | b'\t' | b'}'))
                        .count();
                    rest = &rest[blanks..];
                }
                let op = if rest.starts_with(b"+=") {
                    2
                } else if rest.starts_with(b"=") && !rest.starts_with(b"==") {
                    1
                } else {
                    0
                };
                (op > 0).then(|| {
                    let value = &rest[op..];
                    let blanks = value
                        .iter()
                        .take_while(|c| matches!(c, b' ' | b'\t'))
                        .count();
                    quoted_program(&value[blanks..], &names_program)
                })
            };
            // In PowerShell a name without `$` is never a variable (`Name = 'x'` is a
            // hashtable key or an attribute argument).
            let variable = sigil || language == Language::Shell;
            if assigned == Some(true) && !name.is_empty() && variable {
                let name = name.trim_start_matches(|c: char| c.is_ascii_digit());
                if name.bytes().any(|c| c.is_ascii_alphabetic())
                    && !AUTOMATIC.iter().any(|a| a.eq_ignore_ascii_case(name))
                {
                    names.insert(name.to_owned());
                }
            }
            i = j.max(i + 1);
        }
    }
    names
}

/// Variables that scripts never assign a credential to; following them would only add work.
const AUTOMATIC: &[&str] = &[
    "_",
    "PSItem",
    "args",
    "input",
    "true",
    "false",
    "null",
    "this",
    "PSScriptRoot",
    "PSCommandPath",
    "MyInvocation",
    "PSBoundParameters",
    "PSCmdlet",
    "LASTEXITCODE",
    "Error",
    "IsWindows",
    "IsLinux",
    "IsMacOS",
    "PSVersionTable",
    "Host",
    "PWD",
    "HOME",
    "PATH",
];

/// Adds to `selected` the units that may assign any of `names` (ASCII case-insensitively:
/// PowerShell names are case-insensitive and a wider net only costs time): the name as a
/// whole word followed by `=`, `+=` or `:=` (`x=`, `$x =`, `[string]$x =`, `$script:x =`,
/// `${x:=…}`), after `export`/`declare`/`readonly`/`local`/`typeset`, or quoted
/// (`SetEnvironmentVariable('X', …)`) or after `setx`; with `any_mention`, every unit naming
/// them as a whole word. Comments do not count. Returns whether any unit was added.
pub fn add_units_naming(
    text: &str,
    language: Language,
    units: &Units,
    names: &HashSet<String>,
    any_mention: bool,
    selected: &mut Vec<usize>,
) -> bool {
    if names.is_empty() {
        return false;
    }
    let words = WordSet::new(names);
    let have: HashSet<usize> = selected.iter().copied().collect();
    let bytes = text.as_bytes();
    let mut added = false;
    let mut last = None;
    words.each_in(bytes, |start, end| {
        if units.in_comment(start) || !(any_mention || assigns(bytes, start, end, language)) {
            return;
        }
        let Some(u) = units.unit_at(start) else {
            return;
        };
        if last == Some(u) || have.contains(&u) {
            return;
        }
        last = Some(u);
        selected.push(u);
        added = true;
    });
    added
}

/// True when `value` starts with a quoted string (closed on its line) naming a program (see
/// `normalize::program_in`, as the lowering resolves it) that satisfies `names_program`.
fn quoted_program(value: &[u8], names_program: &impl Fn(&str) -> bool) -> bool {
    let Some(&quote @ (b'"' | b'\'')) = value.first() else {
        return false;
    };
    let body = &value[1..];
    let Some(end) = body.iter().position(|&c| c == quote || c == b'\n') else {
        return false;
    };
    if body[end] != quote {
        return false;
    }
    let Ok(body) = std::str::from_utf8(&body[..end]) else {
        return false;
    };
    crate::lang::normalize::program_in(body).is_some_and(names_program)
}

/// Bytes of a name (`[A-Za-z0-9_]`).
static IDENT: [bool; 256] = {
    let mut table = [false; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        table[c] = b.is_ascii_alphanumeric() || b == b'_';
        c += 1;
    }
    table
};

/// Names looked for as whole words, ASCII case-insensitively: one pass over the text's
/// words, most of them turned away by their length and first and last bytes before a lookup
/// (cheaper than building an automaton per file and round).
struct WordSet {
    words: HashSet<Vec<u8>>,
    /// Bit `n` set: some name has `n` bytes (`n < 64`); `long`: some has more.
    lengths: u64,
    long: bool,
    first: [bool; 256],
    last: [bool; 256],
}

impl WordSet {
    fn new(names: &HashSet<String>) -> WordSet {
        let mut set = WordSet {
            words: HashSet::new(),
            lengths: 0,
            long: false,
            first: [false; 256],
            last: [false; 256],
        };
        // A name with other bytes never stands as a whole word.
        for name in names.iter().map(|n| n.as_bytes()) {
            let (Some(&first), Some(&last)) = (name.first(), name.last()) else {
                continue;
            };
            if !name.iter().all(|&c| IDENT[c as usize]) {
                continue;
            }
            if name.len() < 64 {
                set.lengths |= 1 << name.len();
            } else {
                set.long = true;
            }
            for c in [first.to_ascii_lowercase(), first.to_ascii_uppercase()] {
                set.first[c as usize] = true;
            }
            for c in [last.to_ascii_lowercase(), last.to_ascii_uppercase()] {
                set.last[c as usize] = true;
            }
            set.words.insert(name.to_ascii_lowercase());
        }
        set
    }

    /// Calls `f` with the range of every whole word of `bytes` that is one of the names.
    fn each_in(&self, bytes: &[u8], mut f: impl FnMut(usize, usize)) {
        let mut buffer = [0u8; 64];
        let mut i = 0;
        while i < bytes.len() {
            if !IDENT[bytes[i] as usize] {
                i += 1;
                continue;
            }
            let start = i;
            while i < bytes.len() && IDENT[bytes[i] as usize] {
                i += 1;
            }
            let word = &bytes[start..i];
            let n = word.len();
            let length_fits = if n < 64 {
                self.lengths & (1 << n) != 0
            } else {
                self.long
            };
            if !(length_fits && self.first[word[0] as usize] && self.last[word[n - 1] as usize]) {
                continue;
            }
            let found = if n < 64 {
                buffer[..n].copy_from_slice(word);
                buffer[..n].make_ascii_lowercase();
                self.words.contains(&buffer[..n])
            } else {
                self.words.contains(&word.to_ascii_lowercase())
            };
            if found {
                f(start, i);
            }
        }
    }
}

/// Whether the name at `start..end` of `bytes` may be assigned there (see [`add_units_naming`]).
fn assigns(bytes: &[u8], start: usize, end: usize, language: Language) -> bool {
    let before = &bytes[..start];
    let after = &bytes[end..];
    let blanks = after
        .iter()
        .take_while(|c| matches!(c, b' ' | b'\t' | b'}'))
        .count();
    let after = &after[blanks..];
    let operator = after.starts_with(b"+=")
        || after.starts_with(b":=")
        || after.starts_with(b":-")
        || (after.first() == Some(&b'=') && after.get(1) != Some(&b'='));
    if operator && assignable_at(before, language) {
        return true;
    }
    if matches!(before.last(), Some(b'\'' | b'"')) {
        return true;
    }
    // The word before the name (skipping blanks and options such as `-x`, `-r`).
    let line_start = before
        .iter()
        .rposition(|&c| matches!(c, b'\n' | b';' | b'&' | b'|'))
        .map_or(0, |i| i + 1);
    let head = &before[line_start..];
    head.split(|c| c.is_ascii_whitespace())
        .filter(|w| !w.is_empty())
        .any(|w| {
            [
                &b"export"[..],
                b"declare",
                b"typeset",
                b"readonly",
                b"local",
                b"setx",
                b"read",
            ]
            .iter()
            .any(|k| w.eq_ignore_ascii_case(k))
        })
}

/// Whether a name after `before` can be an assignment's target: a PowerShell variable
/// (`$x`, `${x}`, `$env:X`; a bare `Name =` is a hashtable key), a bash word's start (not
/// the `--opt` of `--opt=value`).
fn assignable_at(before: &[u8], language: Language) -> bool {
    match language {
        Language::PowerShell => matches!(before.last(), Some(b'$' | b':' | b'{')),
        Language::Shell => before.last().is_none_or(|&c| {
            matches!(
                c,
                b' ' | b'\t' | b'\n' | b';' | b'&' | b'|' | b'(' | b'{' | b'$' | b'`' | b'"'
            )
        }),
    }
}

/// Bytes that end a word.
fn ends_word(c: u8) -> bool {
    matches!(
        c,
        b' ' | b'\t' | b'\r' | b'\n' | b',' | b';' | b'|' | b'(' | b')' | b'{' | b'}' | b'#'
    )
}

/// Whether a keyword at `start..end` may name a value given right there: the word
/// holding it carries a glued value (`--password=x`, `-Password:x`, `TOKEN=x`), or the next
/// value on the line (past `=`, `:`, `(`, `,` and flags) is a literal, a string, or a variable the
/// script assigns a literal somewhere (`-Password $pw` with `$pw = 'x'`). A keyword that only
/// names a variable or parameter (`-SqlCredential $SqlCredential`, `[PSCredential]$Cred,`,
/// `$keys.Count`) holds nothing.
fn value_follows(
    bytes: &[u8],
    start: usize,
    end: usize,
    in_string: bool,
    literal_names: &HashSet<String>,
) -> bool {
    let word_end = start
        + bytes[start..]
            .iter()
            .position(|&c| ends_word(c))
            .unwrap_or(bytes.len() - start);
    let word_start = bytes[..start]
        .iter()
        .rposition(|&c| ends_word(c))
        .map_or(0, |i| i + 1);
    // A file name (`> ~/.pgpass`, `$HOME/.git-credentials`): a config write may precede it.
    if bytes[word_start..word_end]
        .iter()
        .any(|&c| c == b'/' || c == b'\\')
    {
        return true;
    }
    // A value glued inside the word, after the keyword (`=`, `:`, XML `>`).
    let separator = bytes[end.min(word_end)..word_end]
        .iter()
        .position(|&c| c == b'=' || c == b':' || c == b'>');
    if let Some(sep) = separator {
        let value = &bytes[end + sep + 1..word_end];
        let value = value.strip_prefix(b"=").unwrap_or(value);
        if !value.is_empty() {
            return value_is_live(value, literal_names);
        }
    }
    // In a string, a word after a blank is prose (`"the keys were matched"`) unless the
    // keyword is a flag (`"mysql --password x"`) or a netrc or header field (`password x`,
    // `Bearer x`).
    let keyword_word = bytes[word_start..word_end].trim_ascii();
    let keyword_word = keyword_word
        .strip_prefix(b"\"")
        .or_else(|| keyword_word.strip_prefix(b"'"))
        .unwrap_or(keyword_word);
    let spaced_value_counts = !in_string
        || keyword_word
            .first()
            .is_some_and(|&c| c == b'-' || c == b'/')
        || [
            &b"password"[..],
            b"passwd",
            b"pass",
            b"pwd",
            b"bearer",
            b"token",
            b"secret",
        ]
        .iter()
        .any(|w| keyword_word.eq_ignore_ascii_case(w));
    let mut i = word_end;
    // `"auth": "…"`, `PASSWORD: x`: the separator ends the keyword's word.
    let mut glued = separator.is_some();
    loop {
        while i < bytes.len() && matches!(bytes[i], b' ' | b'\t' | b'=' | b':' | b'(' | b',') {
            glued |= bytes[i] != b' ' && bytes[i] != b'\t';
            i += 1;
        }
        if i >= bytes.len() || ends_word(bytes[i]) {
            return false;
        }
        if !glued && !spaced_value_counts {
            return false;
        }
        let word_len = bytes[i..]
            .iter()
            .position(|&c| ends_word(c))
            .unwrap_or(bytes.len() - i);
        let word = &bytes[i..i + word_len];
        // A flag: its value (if any) follows.
        if word.len() > 1 && word[0] == b'-' && word[1].is_ascii_alphabetic() {
            i += word_len;
            continue;
        }
        // `$(…)`: a sub-expression, never a literal (`${…}` may hold a default: live).
        if word == b"$" && bytes.get(i + 1) == Some(&b'(') {
            return false;
        }
        return value_is_live(word, literal_names);
    }
}

/// Whether a value could hold a literal: anything but a variable the script never assigns a
/// literal to, or a sub-expression (`$(…)`).
fn value_is_live(value: &[u8], literal_names: &HashSet<String>) -> bool {
    match value {
        [b'$', b'(', ..] => false,
        [b'$', rest @ ..] => {
            let rest = rest.strip_prefix(b"{").unwrap_or(rest);
            let name = variable_name(rest);
            name.is_empty() || literal_names.contains(&name.to_ascii_lowercase())
        }
        _ => true,
    }
}

/// The variable name at the start of `rest` (after `$`), scope prefix (`env:`, `script:`) dropped.
fn variable_name(rest: &[u8]) -> String {
    let ident = |b: &[u8]| {
        b.iter()
            .take_while(|&&c| c.is_ascii_alphanumeric() || c == b'_')
            .count()
    };
    let n = ident(rest);
    let name = if rest.get(n) == Some(&b':') && ident(&rest[n + 1..]) > 0 {
        &rest[n + 1..n + 1 + ident(&rest[n + 1..])]
    } else {
        &rest[..n]
    };
    String::from_utf8_lossy(name).into_owned()
}

/// Lower-cased names the text assigns something other than a variable or sub-expression to
/// (`x=lit`, `$x = 'lit'`, `$x = "…"`, `${x}=…`, `$h = @{…}`, `$b = [Convert]::…`): the
/// variables data flow,
/// splatting or `& $tool` could resolve to something a rule reads.
/// In PowerShell a bare word after `=` is a command (`$s = Connect-Thing …`), not a literal.
pub fn literally_assigned(bytes: &[u8], language: Language) -> HashSet<String> {
    let mut names = HashSet::new();
    for eq in memchr::memchr_iter(b'=', bytes) {
        if matches!(bytes.get(eq + 1), Some(b'=' | b'~')) {
            continue;
        }
        // The value: skip blanks (PowerShell) and a leading quote.
        let mut v = eq + 1;
        while matches!(bytes.get(v), Some(b' ' | b'\t')) {
            v += 1;
        }
        match (bytes.get(v), bytes.get(v + 1)) {
            (None | Some(b'\n' | b'\r' | b'(' | b'$' | b'`'), _) => continue,
            (Some(b'@'), Some(b'{' | b'(' | b'\'' | b'"')) => {}
            (Some(b'@'), _) => continue,
            (Some(c), _)
                if language == Language::PowerShell && (c.is_ascii_alphabetic() || *c == b'_') =>
            {
                continue;
            }
            // Strings (expanding ones too: rules read `"Basic $(…'u:p'…)"`), bare words,
            // PowerShell `[type]…` expressions and numbers.
            _ => {}
        }
        // The name before `=` (PowerShell `+=`, bash `+=`, blanks, `}` of `${x}`).
        let mut n = eq;
        if n > 0 && bytes[n - 1] == b'+' {
            n -= 1;
        }
        while n > 0 && matches!(bytes[n - 1], b' ' | b'\t' | b'}') {
            n -= 1;
        }
        let name_end = n;
        while n > 0 && (bytes[n - 1].is_ascii_alphanumeric() || bytes[n - 1] == b'_') {
            n -= 1;
        }
        if n < name_end && assignable_at(&bytes[..n], language) {
            names.insert(String::from_utf8_lossy(&bytes[n..name_end]).to_ascii_lowercase());
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::units;

    fn live(text: &str, keyword: &str, literal: &[&str]) -> bool {
        let start = text.find(keyword).unwrap();
        let names = literal.iter().map(|s| s.to_string()).collect();
        value_follows(text.as_bytes(), start, start + keyword.len(), false, &names)
    }

    #[test]
    fn a_keyword_counts_when_a_value_can_follow_it() {
        assert!(live("docker -Password 'x'", "Password", &[]));
        assert!(live("x --password=hunter2", "password", &[]));
        assert!(live("$c = 'Server=a;Password=x;'", "Password", &[]));
        assert!(live(
            "ConvertTo-SecureString -String 'x' -AsPlainText",
            "SecureString",
            &[]
        ));
        assert!(live("New-Thing -Password $pw", "Password", &["pw"]));
        assert!(live(
            "@{ Authorization = \"Bearer x\" }",
            "Authorization",
            &[]
        ));
        assert!(live("echo 'h:5432:d:u:p' > ~/.pgpass", "pgpass", &[]));
        assert!(live("<password>x</password>", "password", &[]));
        assert!(live(
            "[Environment]::SetEnvironmentVariable('API_TOKEN', 'x')",
            "TOKEN",
            &[]
        ));
        assert!(!live(
            "Get-Db -SqlCredential $SqlCredential",
            "Credential",
            &[]
        ));
        assert!(!live(
            "param([PSCredential]$Credential,\n",
            "Credential",
            &[]
        ));
        assert!(!live("Write-Host $keys.Count", "key", &[]));
        assert!(!live("New-Thing -Password $(Get-Secret)", "Password", &[]));
        assert!(!live("New-Thing -Password $pw", "Password", &[]));
    }

    #[test]
    fn in_a_string_a_spaced_word_counts_only_after_a_flag_or_a_field() {
        let live = |text: &str, keyword: &str| {
            let start = text.find(keyword).unwrap();
            value_follows(
                text.as_bytes(),
                start,
                start + keyword.len(),
                true,
                &HashSet::new(),
            )
        };
        assert!(!live("\"the keys were matched\"", "key"));
        assert!(!live("\"using the provided credentials\"", "cred"));
        assert!(live("machine h login u password hunter2", "password"));
        assert!(live("\"mysql --password hunter2\"", "password"));
        assert!(live("\"Authorization: Bearer abc\"", "Bearer"));
        assert!(live("{ \"auth\": \"abc\" }", "auth"));
        assert!(live("POSTGRES_PASSWORD: test", "PASSWORD"));
    }

    #[test]
    fn literal_assignments_are_told_from_computed_ones() {
        let ps = literally_assigned(
            b"$a = 'x'\n$b = Get-Thing\n$c = @{ k = 1 }\n$d = $e\n$f = [Convert]::X($g)\n@{ Name = 'n' }\n$env:H = \"v\"\n",
            Language::PowerShell,
        );
        let mut ps: Vec<_> = ps.into_iter().collect();
        ps.sort();
        assert_eq!(ps, ["a", "c", "f", "h"]);
        let sh = literally_assigned(
            b"a=x\nb=$(cmd)\nexport C=\"v\"\ncurl --data=x\nlocal d='y'\ne=$f\n",
            Language::Shell,
        );
        let mut sh: Vec<_> = sh.into_iter().collect();
        sh.sort();
        assert_eq!(sh, ["a", "c", "d"]);
    }

    #[test]
    fn command_names_count_as_whole_words_outside_comments() {
        let catalog = crate::catalog::Catalog::builtin();
        let triggers = Triggers::new(&[], &["pass"], &[], &["pat", "sig", "signature"], catalog);
        // The longest name at a position counts (`signature`, not `sig` followed by a letter).
        assert!(triggers.any("$x = @{ signature = 'abc' }"));
        let text = "lazy https://example.com/x path\n# docker login -p x\nC:\\tools\\docker.exe login\nGITHUB_PAT='x'\n";
        let units = units::split(Language::PowerShell, text);
        let found = triggers.positions(
            text,
            &units,
            &triggers.candidates(text),
            true,
            &HashSet::new(),
        );
        assert_eq!(
            found,
            [text.find("docker.exe").unwrap(), text.find("PAT").unwrap()]
        );
        assert!(triggers.any(text));
        assert!(!triggers.any("lazy path to mydocker"));
    }

    #[test]
    fn token_prefixes_count_where_a_token_format_matches() {
        let catalog = crate::catalog::Catalog::builtin();
        let triggers = Triggers::new(crate::secret::TOKEN_TRIGGERS, &[], &[], &[], catalog);
        let token = format!("ghp_{}", "Ab3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dF3hJ5");
        let text = format!(
            "# suspicious key-value pairs, eyJ-shaped prose
# old: {token}
echo {}
",
            token.to_ascii_uppercase()
        );
        let units = units::split(Language::Shell, &text);
        // Only the real token: case matters, and `cio`, `key-`, `eyJ` need their formats.
        let found = triggers.positions(
            &text,
            &units,
            &triggers.candidates(&text),
            true,
            &HashSet::new(),
        );
        assert_eq!(found, [text.find("ghp_").unwrap()]);
        assert!(triggers.any(&text));
        assert!(!triggers.any("# suspicious key-value pairs, eyJ-shaped prose\n"));
    }

    #[test]
    fn variables_are_followed_to_their_assignments_and_programs_to_their_uses() {
        let text = "$pw = 'x'\n$other = 1\n$tool = 'C:\\bin\\docker.exe'\n$body = @\"\nauth: y\n\"@\n& $tool login -p $pw\n$note = 'docker'\n";
        let units = units::split(Language::PowerShell, text);
        let at = |s: &str| units.unit_at(text.find(s).unwrap()).unwrap();
        // Only quoted programs count; a here-string's uses are parsed when a rule asks.
        let names = program_variables(
            text,
            Language::PowerShell,
            &units,
            &[at("$tool ="), at("$body ="), at("$note"), at("$pw")],
            |program| program.eq_ignore_ascii_case("docker.exe"),
        );
        assert_eq!(names, HashSet::from(["tool".to_owned()]));
        // A variable a rule asks about: the units that may assign it.
        let mut selected = vec![];
        add_units_naming(
            text,
            Language::PowerShell,
            &units,
            &HashSet::from(["pw".to_owned()]),
            false,
            &mut selected,
        );
        selected.sort();
        assert_eq!(selected, [at("$pw")]);
        let mut selected = vec![];
        add_units_naming(
            text,
            Language::PowerShell,
            &units,
            &names,
            true,
            &mut selected,
        );
        selected.sort();
        assert_eq!(selected, [at("$tool ="), at("& $tool")]);
    }
}
