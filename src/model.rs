//! The language-neutral Script model.
//!
//! Each language adapter (`lang::bash`, `lang::powershell`) lowers its tree-sitter tree into a
//! [`Script`]. Rules only ever see this model, never node kinds. All spans are byte ranges into the
//! decoded UTF-8 text of the file (see `source::SourceFile`).

use std::ops::Range;

/// A byte range into the decoded text.
pub type Span = Range<usize>;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    PowerShell,
    Shell,
}

impl Language {
    pub fn name(self) -> &'static str {
        match self {
            Language::PowerShell => "powershell",
            Language::Shell => "shell",
        }
    }
}

/// How static a value is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueKind {
    /// Fully static: `abc`, `'abc'`, `"abc"` (no expansion inside).
    Literal,
    /// Entirely dynamic: `$X`, `"$X"`, `$env:X`, `$(cmd)`, `(Get-Secret x)`, `${X:-…}`, `@{…}` …
    Dynamic,
    /// Static text and dynamic parts: `"Bearer $TOKEN"`, `user:$PASS`, `"https://$u:$p@host"`.
    Mixed,
}

/// How the value was quoted in the source; decides how a fix must rewrite it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quoting {
    /// A bare word (bash word, PowerShell generic token or bare argument).
    Bare,
    /// `'…'` (bash raw string, PowerShell verbatim string). Nothing expands inside.
    Single,
    /// `"…"` (bash string, PowerShell expandable string). `$` expands inside.
    Double,
    /// bash ANSI-C `$'…'`.
    AnsiC,
    /// PowerShell `@'…'@` or a bash heredoc with a quoted delimiter (`<<'EOF'`): nothing expands.
    HereSingle,
    /// PowerShell `@"…"@` or a bash heredoc with a bare delimiter (`<<EOF`): `$` expands.
    HereDouble,
    /// Several quoting styles concatenated (bash `x"y"'z'`), or an expression (PowerShell `('a' + 'b')`).
    Concatenated,
}

impl Quoting {
    /// True when a `$NAME` reference placed inside this quoting would be expanded at run time.
    pub fn expands(self) -> bool {
        matches!(
            self,
            Quoting::Bare | Quoting::Double | Quoting::HereDouble | Quoting::Concatenated
        )
    }
}

/// One piece of a [`Value`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Part {
    pub kind: PartKind,
    /// Range of this part inside [`Value::text`].
    pub text_range: Range<usize>,
    /// Source bytes this part came from.
    pub span: Span,
    /// True when the part's text equals the source bytes exactly (no quotes, no escapes inside
    /// `span`), so any sub-range of the text maps one-to-one onto source bytes.
    pub verbatim: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PartKind {
    /// Static text (already unquoted and unescaped in `Value::text`).
    Static,
    /// A variable reference, expansion, command substitution or sub-expression.
    /// `variable` names a plain variable reference (`$X`, `${X}`, `$env:X` → `X`, `$script:x` → `x`);
    /// `env` is true for PowerShell `$env:X` (always an environment read). `default` holds the
    /// literal fallback of bash `${X:-literal}` / `${X-literal}` / `${X:=literal}` when static.
    Dynamic {
        variable: Option<String>,
        env: bool,
        default: Option<Box<Value>>,
    },
}

/// A value in the script: an argument, an assigned value, a hashtable value, a string literal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Value {
    /// The whole value in the source, quotes included.
    pub span: Span,
    /// Unquoted, unescaped text. Static parts contribute their text; dynamic parts contribute
    /// their raw source text (e.g. `$TOKEN`), so `text` reads naturally; use `parts` to tell
    /// which is which.
    pub text: String,
    pub kind: ValueKind,
    pub quoting: Quoting,
    pub parts: Vec<Part>,
    /// Set when the value is a PowerShell hashtable literal `@{…}` (index into
    /// [`Script::hashtables`]).
    pub hashtable: Option<usize>,
    /// Set when the value is (or is a parenthesised) command or pipeline: index into
    /// [`Script::commands`] of the *last* command of that pipeline, e.g.
    /// `(ConvertTo-SecureString 'x' -AsPlainText -Force)` or `$(vault kv get …)`.
    pub command: Option<usize>,
    /// For array literals (`'a','b'`, `@('a', 'b')`, `('u', $p)`): the elements.
    pub elements: Vec<Value>,
}

impl Value {
    /// The static text when the value is a `Literal`.
    pub fn literal(&self) -> Option<&str> {
        (self.kind == ValueKind::Literal).then_some(self.text.as_str())
    }

    /// True when the byte range `r` of `self.text` contains only static text.
    pub fn is_static_range(&self, r: Range<usize>) -> bool {
        !self.parts.iter().any(|p| {
            matches!(p.kind, PartKind::Dynamic { .. })
                && p.text_range.start < r.end
                && r.start < p.text_range.end
        })
    }

    /// Maps a range of `self.text` back to source bytes. Exact where the parts involved are
    /// verbatim; otherwise widened to the spans of the parts it touches.
    pub fn source_range(&self, r: Range<usize>) -> Span {
        let mut start = None;
        let mut end = None;
        for p in &self.parts {
            if p.text_range.end < r.start || p.text_range.start > r.end {
                continue;
            }
            let s = if p.verbatim && r.start >= p.text_range.start && r.start <= p.text_range.end {
                p.span.start + (r.start - p.text_range.start)
            } else {
                p.span.start
            };
            let e = if p.verbatim && r.end >= p.text_range.start && r.end <= p.text_range.end {
                p.span.start + (r.end - p.text_range.start)
            } else {
                p.span.end
            };
            if start.is_none() {
                start = Some(s);
            }
            end = Some(e);
        }
        match (start, end) {
            (Some(s), Some(e)) if s <= e => s..e,
            _ => self.span.clone(),
        }
    }

    /// The variable name when the whole value is one variable reference (`$X`, `"$X"`, `$env:X`).
    pub fn sole_variable(&self) -> Option<&str> {
        match self.parts.as_slice() {
            [
                Part {
                    kind:
                        PartKind::Dynamic {
                            variable: Some(v), ..
                        },
                    ..
                },
            ] => Some(v.as_str()),
            _ => None,
        }
    }
}

/// An argument of a command, as the language's syntax presents it. Binding a flag to the word
/// that follows it needs the catalog and is done by `catalog::bind`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Arg {
    /// A flag / parameter: `--password`, `-p`, `-pSECRET`, `-Password`, `/RP`.
    /// `name` is the flag as written, dashes included, without a glued value or separator
    /// (`--password=x` → `--password`; PowerShell `-Password:x` → `-Password`).
    /// `value` is set by the lowering only when glued (`--x=y`, `-X:y`); `catalog::bind` fills it
    /// from the following word when the tool's flag takes a value.
    Flag {
        name: String,
        name_span: Span,
        value: Option<Value>,
        glued: bool,
    },
    /// A positional word.
    Positional(Value),
    /// PowerShell splatting `@params`: the variable name without `@`.
    Splat { variable: String, span: Span },
}

impl Arg {
    pub fn span(&self) -> Span {
        match self {
            Arg::Flag {
                name_span, value, ..
            } => match value {
                Some(v) => name_span.start.min(v.span.start)..name_span.end.max(v.span.end),
                None => name_span.clone(),
            },
            Arg::Positional(v) => v.span.clone(),
            Arg::Splat { span, .. } => span.clone(),
        }
    }
}

/// A command invocation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Command {
    /// Normalised name: lower-case, path and `.exe`/`.cmd`/`.bat`/`.ps1` stripped, wrappers
    /// (`sudo`, `env`, `exec`, `nohup`, `time`, `command`, `&`, `.`, `Start-Process -FilePath`)
    /// unwrapped, `python -m twine`/`py -m twine`/`python3 -m pip` → `twine`/`pip`, PowerShell
    /// aliases resolved (`iwr` → `invoke-webrequest`, `irm` → `invoke-restmethod`).
    pub name: String,
    /// The name as written (after unwrapping), e.g. `C:\tools\nuget.exe`.
    pub raw_name: String,
    pub name_span: Span,
    /// Arguments after the name (and after anything unwrapping consumed).
    pub args: Vec<Arg>,
    /// The whole command, arguments and redirections included.
    pub span: Span,
    /// The statement that holds the command, directly inside its enclosing block: a guard for a
    /// fix is inserted before this statement. For a command inside `if`/`foreach`/a pipeline,
    /// this is the span of the outermost statement within the innermost *block*
    /// (script, function body, or `{…}` of if/else/loop/try).
    pub statement_span: Span,
    /// The enclosing block (script body, function body, `{…}`): guards are deduplicated per block.
    pub scope: Span,
    /// Wrappers removed while normalising, outermost first (`sudo`, `env`, `&`, …).
    pub wrappers: Vec<String>,
    /// Static input fed to the command's stdin, when the script shows it: the value echoed or
    /// printed into a pipe (`echo 'x' | cmd`, `printf '%s' x | cmd`, `'x' | cmd`, `Write-Output
    /// 'x' | cmd`), a here-string `cmd <<< 'x'`, or a heredoc body (`cmd <<EOF`).
    pub stdin: Option<Value>,
    /// Index into `Script::heredocs` when the command has a heredoc redirection.
    pub heredoc: Option<usize>,
    /// Redirection targets of the command's stdout, as values (`> ~/.npmrc`, `>> file`,
    /// `| tee file`, `| Out-File f`, `| Set-Content f`).
    pub output_files: Vec<Value>,
    /// True when the command appears after `#` inside a comment (never produced by the
    /// lowering itself; comments are re-parsed by the engine for display-only findings).
    pub in_comment: bool,
}

impl Command {
    /// Positional arguments in order.
    pub fn positionals(&self) -> impl Iterator<Item = &Value> {
        self.args.iter().filter_map(|a| match a {
            Arg::Positional(v) => Some(v),
            _ => None,
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AssignmentScope {
    /// `$x = …`, `x=…`, `local x=…`, `declare x=…`, `readonly x=…`.
    Local,
    /// `$env:X = …`, `[Environment]::SetEnvironmentVariable('X', …)`, `setx X …`.
    Env,
    /// `export X=…`, `declare -x X=…`.
    Export,
    /// `X=… cmd`: applies to one command's environment.
    CommandPrefix,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assignment {
    /// Variable name, without `$`, `env:` or `${}` (PowerShell names keep their case).
    pub target: String,
    pub target_span: Span,
    pub scope: AssignmentScope,
    pub value: Value,
    pub span: Span,
    /// See [`Command::statement_span`].
    pub statement_span: Span,
    pub scope_span: Span,
    /// True when the assignment only runs if the variable is unset/empty: bash `: "${X:=lit}"`,
    /// PowerShell `if (-not $env:X) { $env:X = 'lit' }` (the `if` tests the same variable).
    pub fallback: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HashEntry {
    /// The key, unquoted (`Authorization`, `X-Api-Key`, `Password`).
    pub key: String,
    pub key_span: Span,
    pub value: Value,
}

/// A PowerShell hashtable literal `@{ … }`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hashtable {
    pub span: Span,
    pub entries: Vec<HashEntry>,
    /// The variable the hashtable is assigned to (`$params = @{…}`), for splatting links.
    pub assigned_to: Option<String>,
}

/// A heredoc (bash) or here-string (PowerShell) body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HereDoc {
    /// The body as a value: `Quoting::HereSingle` when nothing expands (`<<'EOF'`, `@'…'@`),
    /// `Quoting::HereDouble` otherwise; dynamic parts for `$X` inside expanding bodies.
    pub body: Value,
    /// For bash: the command that receives it (index into `Script::commands`).
    pub command: Option<usize>,
    /// Where the receiving command writes (`cat > ~/.pypirc <<EOF`): the redirect targets.
    pub output_files: Vec<Value>,
    /// For PowerShell here-strings: the variable the string is assigned to, if any.
    pub assigned_to: Option<String>,
}

/// A declared parameter: PowerShell `param([string]$Token = 'x')` or function parameter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Parameter {
    /// Name without `$`.
    pub name: String,
    pub name_span: Span,
    /// Type constraints as written, lower-cased without brackets (`string`, `securestring`,
    /// `pscredential`, `system.management.automation.pscredential`, `string[]`).
    pub types: Vec<String>,
    /// Span of the first type constraint attribute, e.g. `[string]`, for fixes that retype.
    pub type_span: Option<Span>,
    /// Other attributes, lower-cased names (`parameter`, `credential`, `validatenotnull`).
    pub attributes: Vec<String>,
    pub default: Option<Value>,
    /// The span of the whole parameter declaration.
    pub span: Span,
    /// The function that declares it (`None` for a script-level `param()`).
    pub function: Option<String>,
    /// Span of the enclosing function (or the whole script for script params).
    pub function_span: Span,
}

/// A comment, `#` included (or `<# … #>`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comment {
    pub span: Span,
    pub text: String,
}

/// A .NET static method call or constructor in PowerShell:
/// `[Environment]::SetEnvironmentVariable('X', 'v', 'User')`, `[pscredential]::new('u', $p)`,
/// `New-Object PSCredential('u', $p)` / `New-Object -TypeName X -ArgumentList a, b`,
/// `$s.AppendChar('x')`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invocation {
    /// Lower-cased type (without `System.` prefix and brackets) or receiver variable name
    /// (`environment`, `pscredential`, `management.automation.pscredential`, `securestring`,
    /// `$s` for instance calls).
    pub target: String,
    /// Lower-cased member (`setenvironmentvariable`, `new`, `appendchar`); `new` for New-Object.
    pub member: String,
    pub args: Vec<Value>,
    pub span: Span,
    pub statement_span: Span,
    pub scope: Span,
}

/// A syntax error reported by the parser.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    pub span: Span,
    pub missing: bool,
}

/// Everything the rules need to know about one script.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Script {
    pub language: Option<Language>,
    pub commands: Vec<Command>,
    pub assignments: Vec<Assignment>,
    pub hashtables: Vec<Hashtable>,
    pub heredocs: Vec<HereDoc>,
    pub parameters: Vec<Parameter>,
    pub invocations: Vec<Invocation>,
    /// Every string literal and bare word in the script that holds static text (for known-token
    /// detection), including those already reachable through commands.
    pub strings: Vec<Value>,
    pub comments: Vec<Comment>,
    pub errors: Vec<SyntaxError>,
    /// Byte offset after the script header that a guard must never precede: the shebang line,
    /// `#Requires` lines, `using` statements and a script-level `param()` block (with attributes
    /// such as `[CmdletBinding()]` before it).
    pub header_end: usize,
}
