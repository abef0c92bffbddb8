//! The command catalog: which tools take credentials where. Data, not code: the built-in
//! catalog is `catalog.toml`, embedded at build time; users extend it in `credlint.toml` with
//! entries of the same schema.
//!
//! This module also binds a command's arguments to a tool's flags (`bind`), which needs to
//! know which flags take a value.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{LazyLock, OnceLock};

use serde::Deserialize;

use crate::model::{Arg, Command, Part, PartKind, Quoting, Value, ValueKind};

const BUILTIN: &str = include_str!("../catalog.toml");

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct CatalogFile {
    #[serde(default, rename = "tool")]
    pub tools: Vec<Tool>,
}

/// One tool (or one subcommand of a tool) that takes credentials.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct Tool {
    /// Display name, e.g. `twine upload`.
    pub name: String,
    /// Normalised command names that invoke it (`twine`, `docker`, `podman`).
    pub commands: Vec<String>,
    /// Leading positional words that select the subcommand; `a|b` gives alternatives.
    #[serde(default)]
    pub subcommands: Vec<String>,
    /// Positionals that may come before the subcommand words and are skipped (globs), e.g.
    /// the `\\server` of `sc.exe \\server config …`.
    #[serde(default)]
    pub skip: Vec<String>,
    /// Non-secret flags that take a value (so their value is not counted as a positional).
    #[serde(default)]
    pub value_flags: Vec<String>,
    /// Flags that take no value (for PowerShell prefix matching and positional counting).
    #[serde(default)]
    pub switches: Vec<String>,
    /// Options end at the first positional, which starts another command (`sshpass -p x ssh …`).
    #[serde(default)]
    pub options_end: bool,
    /// Flags are case-insensitive and may be abbreviated to a unique prefix (PowerShell).
    #[serde(default)]
    pub powershell: bool,
    /// Where to revoke the credential.
    #[serde(default)]
    pub revoke: Option<String>,
    /// The rule that reports this entry (by name); `secret-in-argument` by default.
    #[serde(default = "default_rule")]
    pub rule: String,
    #[serde(default, rename = "secret")]
    pub secrets: Vec<SecretArg>,
    /// The fields above laid out for binding, built on first use (binding runs for every
    /// command that names the tool, so it must not walk the spec's nested lists each time).
    #[serde(skip)]
    binding_tables: OnceLock<BindingTables>,
}

/// A tool's spec as binding looks it up.
#[derive(Debug, Clone, Default)]
struct BindingTables {
    /// Every flag the tool knows, in catalog order (secret flags and their `requires`, then
    /// `value_flags`, then `switches`), without exact duplicates.
    known: Vec<KnownFlag>,
    /// Short flags whose value may be attached (`-pSECRET`), in catalog order.
    attached: Vec<String>,
    /// `subcommands` with each `a|b` split into its alternatives.
    subcommands: Vec<Vec<String>>,
}

#[derive(Debug, Clone)]
struct KnownFlag {
    spelling: String,
    /// The next word is the flag's value.
    takes_value: bool,
}

/// How the credential sits inside the argument's value.
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq, Default)]
#[serde(rename_all = "kebab-case")]
pub enum ValueFormat {
    /// The whole value.
    #[default]
    Plain,
    /// `user:secret` (curl `-u`, skopeo `--creds`); no `:` means the tool prompts.
    UserPass,
    /// `user%secret` (smbclient `-U`).
    UserPercentPass,
    /// `user,secret` (lftp `-u`).
    UserCommaPass,
    /// An HTTP header `Name: [scheme] secret`, reported when the header carries credentials.
    Header,
    /// `pass:secret` (openssl); `env:`, `file:`, `fd:`, `stdin` forms are not secrets.
    PassPrefix,
    /// `key=secret`, reported when the key names a credential.
    KeyValue,
    /// `key=secret` with any key except ones that name non-secrets (kubectl `--from-literal`).
    AnyKeyValue,
    /// Comma-separated `key=value` options, the secret under a credential-named key
    /// (`mount -o username=u,password=secret`).
    OptionList,
    /// `user/secret@database` (sqlplus).
    SlashPass,
}

/// One place where a tool takes a credential.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct SecretArg {
    /// Flags whose value is the credential (`-p`, `--password`, `/RP`, `-ApiKey`).
    #[serde(default)]
    pub flags: Vec<String>,
    /// A 0-based positional index counted after the subcommand words.
    #[serde(default)]
    pub positional: Option<usize>,
    /// Positional `KEY VALUE` / `KEY=VALUE` / `KEY= VALUE` pairs whose key matches one of these
    /// (case-insensitive; `*` is a wildcard; `@credential` matches credential-named keys).
    #[serde(default)]
    pub keys: Vec<String>,
    /// The short flag also takes its value attached (`-pSECRET`).
    #[serde(default)]
    pub attached: bool,
    /// The value is only ever attached: `-p` alone prompts and the next word is unrelated
    /// (mysql).
    #[serde(default)]
    pub attached_only: bool,
    /// Glob the positional before the credential must match (net use: after `\\server\share`).
    #[serde(default)]
    pub follows: Option<String>,
    /// The credential is the command's standard input (`--password-stdin`, `chpasswd`).
    #[serde(default)]
    pub stdin: bool,
    /// Flags that must be present for this entry to apply (`--password-stdin`).
    #[serde(default)]
    pub requires: Vec<String>,
    #[serde(default)]
    pub format: ValueFormat,
    /// What the credential is (`password`, `API key`, `token`).
    #[serde(default = "default_what")]
    pub what: String,
    /// Environment variable a fix should read: the tool's own where it reads one.
    pub env: String,
    /// Conditions that pick another variable name.
    #[serde(default)]
    pub when: Vec<EnvCondition>,
    /// True when the tool reads `env` natively (the flag can be dropped entirely).
    #[serde(default)]
    pub native_env: bool,
}

fn default_rule() -> String {
    "secret-in-argument".into()
}

fn default_what() -> String {
    "credential".into()
}

/// `when` the flag has this value, the fix uses `env` instead.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct EnvCondition {
    pub flags: Vec<String>,
    pub equals: String,
    pub env: String,
}

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("invalid catalog: {0}")]
    Toml(#[from] toml::de::Error),
    #[error("catalog entry `{tool}`: {problem}")]
    Invalid { tool: String, problem: String },
}

/// The loaded catalog, indexed by command name.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub tools: Vec<Tool>,
    by_command: HashMap<String, Vec<usize>>,
}

static BUILTIN_CATALOG: LazyLock<Catalog> =
    LazyLock::new(|| Catalog::parse(BUILTIN).expect("built-in catalog is valid"));

impl Catalog {
    pub fn builtin() -> &'static Catalog {
        &BUILTIN_CATALOG
    }

    pub fn parse(text: &str) -> Result<Catalog, CatalogError> {
        let file: CatalogFile = toml::from_str(text)?;
        Catalog::from_tools(file.tools)
    }

    pub fn from_tools(tools: Vec<Tool>) -> Result<Catalog, CatalogError> {
        for tool in &tools {
            if tool.commands.is_empty() {
                return Err(CatalogError::Invalid {
                    tool: tool.name.clone(),
                    problem: "`commands` is empty".into(),
                });
            }
            for s in &tool.secrets {
                if s.flags.is_empty() && s.positional.is_none() && s.keys.is_empty() && !s.stdin {
                    return Err(CatalogError::Invalid {
                        tool: tool.name.clone(),
                        problem: "a `secret` needs `flags`, `positional`, `keys` or `stdin`".into(),
                    });
                }
            }
        }
        let mut by_command: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, tool) in tools.iter().enumerate() {
            for c in &tool.commands {
                by_command
                    .entry(c.to_ascii_lowercase())
                    .or_default()
                    .push(i);
            }
        }
        Ok(Catalog { tools, by_command })
    }

    /// A catalog with `extra` entries added after this one's (user entries extend the
    /// built-in ones).
    pub fn extended(&self, extra: Vec<Tool>) -> Result<Catalog, CatalogError> {
        let mut tools = self.tools.clone();
        tools.extend(extra);
        Catalog::from_tools(tools)
    }

    /// Every tool, built-in entries first.
    pub fn tools(&self) -> &[Tool] {
        &self.tools
    }

    /// Every command name in the catalog (prefilter triggers).
    pub fn command_names(&self) -> impl Iterator<Item = &str> {
        self.by_command.keys().map(String::as_str)
    }

    /// True when some tool is invoked as the normalised command `name`.
    pub fn has_command(&self, name: &str) -> bool {
        self.by_command.contains_key(name)
    }

    /// Tools invoked by `cmd` whose subcommand words match, each with `cmd`'s arguments bound
    /// to its flags.
    pub fn tools_for<'a>(
        &'a self,
        cmd: &'a Command,
    ) -> impl Iterator<Item = (&'a Tool, Bound<'a>)> + 'a {
        self.bind_tools(cmd, |_| true)
    }

    /// [`Catalog::tools_for`] restricted to the entries that `rule` reports; the others are
    /// not bound at all.
    pub fn tools_for_rule<'a>(
        &'a self,
        cmd: &'a Command,
        rule: &'a str,
    ) -> impl Iterator<Item = (&'a Tool, Bound<'a>)> + 'a {
        self.bind_tools(cmd, move |tool| tool.rule == rule)
    }

    fn bind_tools<'a>(
        &'a self,
        cmd: &'a Command,
        wanted: impl Fn(&Tool) -> bool + 'a,
    ) -> impl Iterator<Item = (&'a Tool, Bound<'a>)> + 'a {
        self.by_command
            .get(&cmd.name)
            .into_iter()
            .flatten()
            .map(|&i| &self.tools[i])
            .filter(move |tool| wanted(tool) && tool.may_match_subcommands(cmd))
            .filter_map(move |tool| {
                let bound = bind(cmd, tool);
                bound.matched.then_some((tool, bound))
            })
    }
}

impl Tool {
    fn tables(&self) -> &BindingTables {
        self.binding_tables.get_or_init(|| {
            let mut known: Vec<KnownFlag> = Vec::new();
            let all = self
                .secrets
                .iter()
                .flat_map(|s| s.flags.iter().chain(s.requires.iter()))
                .chain(self.value_flags.iter())
                .chain(self.switches.iter());
            for flag in all {
                if !known.iter().any(|k| k.spelling == *flag) {
                    known.push(KnownFlag {
                        spelling: flag.clone(),
                        takes_value: self.takes_value(flag),
                    });
                }
            }
            let attached = self
                .secrets
                .iter()
                .filter(|s| s.attached || s.attached_only)
                .flat_map(|s| s.flags.iter())
                .filter(|f| f.len() == 2 && !f.starts_with("--"))
                .cloned()
                .collect();
            let subcommands = self
                .subcommands
                .iter()
                .map(|want| want.split('|').map(str::to_owned).collect())
                .collect();
            BindingTables {
                known,
                attached,
                subcommands,
            }
        })
    }

    /// The canonical spelling of `written` among the tool's flags, if it is one of them.
    pub fn canonical_flag(&self, written: &str) -> Option<&str> {
        self.known_flag(written).map(|f| f.spelling.as_str())
    }

    fn known_flag(&self, written: &str) -> Option<&KnownFlag> {
        let known = &self.tables().known;
        if self.powershell || written.starts_with('/') {
            if let Some(f) = known
                .iter()
                .find(|f| f.spelling.eq_ignore_ascii_case(written))
            {
                return Some(f);
            }
            if self.powershell && written.starts_with('-') && !written.starts_with("--") {
                let mut matches = known
                    .iter()
                    .filter(|f| starts_with_ignore_ascii_case(&f.spelling, written));
                let first = matches.next()?;
                // Unique prefix (PowerShell binds an unambiguous abbreviation).
                if matches.all(|f| f.spelling.eq_ignore_ascii_case(&first.spelling)) {
                    return Some(first);
                }
            }
            None
        } else {
            known.iter().find(|f| f.spelling == written)
        }
    }

    fn takes_value(&self, canonical: &str) -> bool {
        self.value_flags.iter().any(|f| f == canonical)
            || self
                .secrets
                .iter()
                .any(|s| !s.attached_only && s.flags.iter().any(|f| f == canonical))
    }

    /// The short flag that `written` starts with when it is `-pSECRET`.
    fn attached_flag(&self, written: &str) -> Option<&str> {
        if written.len() <= 2 {
            return None;
        }
        self.tables()
            .attached
            .iter()
            .map(String::as_str)
            .find(|f| written.starts_with(f))
    }

    /// False when some subcommand word is missing from the command's literal positionals, so
    /// [`bind`] cannot match: most commands that name a multi-entry tool (`docker`, `az`) are
    /// rejected here without binding.
    fn may_match_subcommands(&self, cmd: &Command) -> bool {
        self.tables().subcommands.iter().all(|alternatives| {
            cmd.positionals()
                .any(|v| v.kind == ValueKind::Literal && matches_any(alternatives, &v.text))
        })
    }
}

fn matches_any(globs: &[String], text: &str) -> bool {
    globs.iter().any(|g| glob_match(g, text))
}

fn starts_with_ignore_ascii_case(text: &str, prefix: &str) -> bool {
    text.len() >= prefix.len()
        && text.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}

/// The first position of `needle` in `haystack`, ASCII case-insensitively.
fn find_ignore_ascii_case(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    haystack
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
}

/// Case-insensitive glob with `*` wildcards.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    // Compares bytes ASCII case-insensitively instead of lower-casing copies: ASCII case
    // mapping keeps byte lengths, so positions agree with the lower-cased strings.
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    // Patterns and words are short: a plain scan beats a vectorised search's setup.
    let star = |&b: &u8| b == b'*';
    let (Some(first_star), Some(last_star)) = (p.iter().position(star), p.iter().rposition(star))
    else {
        return p.eq_ignore_ascii_case(t);
    };
    let (first, last) = (&p[..first_star], &p[last_star + 1..]);
    if t.len() < first.len() || !t[..first.len()].eq_ignore_ascii_case(first) {
        return false;
    }
    let tail = &t[first.len()..];
    if tail.len() < last.len() || !tail[tail.len() - last.len()..].eq_ignore_ascii_case(last) {
        return false;
    }
    let mut rest = &tail[..tail.len() - last.len()];
    if first_star < last_star {
        for piece in p[first_star + 1..last_star].split(|&b| b == b'*') {
            match find_ignore_ascii_case(rest, piece) {
                Some(i) => rest = &rest[i + piece.len()..],
                None => return false,
            }
        }
    }
    true
}

/// A flag with the value bound to it (if any). Borrows from the command and the tool.
#[derive(Clone, Debug)]
pub struct BoundFlag<'a> {
    /// The flag as written (`--password`, `-Pass`).
    pub written: &'a str,
    /// The catalog's spelling, when the tool knows the flag.
    pub canonical: Option<&'a str>,
    /// The command's own value, or one cut out of the flag's word (`--password=x`, `-pSECRET`).
    pub value: Option<Cow<'a, Value>>,
    pub glued: bool,
    pub name_span: crate::model::Span,
}

/// A command's arguments interpreted with one tool's flag spec.
#[derive(Clone, Debug, Default)]
pub struct Bound<'a> {
    pub flags: Vec<BoundFlag<'a>>,
    /// Positional values in order (subcommand words included).
    pub positionals: Vec<&'a Value>,
    /// True when the tool's subcommand words were found.
    pub matched: bool,
    /// Where the positionals after the subcommand words start.
    rest_start: usize,
    /// The subcommand words as written (`upload`, `repo add`).
    pub subcommand: Vec<&'a str>,
    /// Splatted variables (`@params`).
    pub splats: Vec<&'a str>,
}

impl<'a> Bound<'a> {
    pub fn has_flag(&self, canonical: &str) -> bool {
        self.flags.iter().any(|f| f.canonical == Some(canonical))
    }

    pub fn flag_value(&self, canonical: &[String]) -> Option<&Value> {
        self.flags
            .iter()
            .find(|f| {
                f.canonical
                    .is_some_and(|c| canonical.iter().any(|x| x == c))
            })
            .and_then(|f| f.value.as_deref())
    }

    /// Positionals after the subcommand words (empty unless `matched`).
    pub fn rest(&self) -> &[&'a Value] {
        if self.matched {
            &self.positionals[self.rest_start..]
        } else {
            &[]
        }
    }
}

/// Binds `cmd`'s arguments to `tool`'s flags: a flag that takes a value consumes the next
/// word unless the value was glued; `-pSECRET` splits where the flag takes attached values;
/// Windows `/flag:value` and `/flag value` are flags when the tool knows them.
pub fn bind<'a>(cmd: &'a Command, tool: &'a Tool) -> Bound<'a> {
    // Sized once: growing these from empty was most of binding's time in the editor.
    let positionals = cmd
        .args
        .iter()
        .filter(|a| matches!(a, Arg::Positional(_)))
        .count();
    let mut out = Bound {
        flags: Vec::with_capacity(cmd.args.len() - positionals),
        positionals: Vec::with_capacity(positionals),
        ..Bound::default()
    };
    let mut args = cmd.args.iter().peekable();
    // Positionals that directly follow a flag the tool does not know: maybe that flag's value.
    let mut maybe_values = Vec::with_capacity(positionals);
    let mut after_unknown_flag = false;
    while let Some(arg) = args.next() {
        if tool.options_end && !out.positionals.is_empty() {
            break;
        }
        let follows_unknown = std::mem::take(&mut after_unknown_flag);
        match arg {
            Arg::Splat { variable, .. } => out.splats.push(variable),
            Arg::Flag {
                name,
                name_span,
                value,
                ..
            } => {
                let (written, glued_value) = split_glued(tool, name, name_span, value.as_ref());
                let known = tool.known_flag(written);
                let mut flag = BoundFlag {
                    written,
                    canonical: known.map(|k| k.spelling.as_str()),
                    glued: glued_value.is_some(),
                    value: glued_value,
                    name_span: name_span.clone(),
                };
                if known.is_none()
                    && flag.value.is_none()
                    && let Some(short) = tool.attached_flag(written)
                {
                    // `-pSECRET`: the value is the rest of the word.
                    let start = name_span.start + short.len();
                    flag.canonical = Some(short);
                    flag.written = short;
                    flag.value = (name_span.len() == written.len()).then(|| {
                        Cow::Owned(literal_value(start..name_span.end, &written[short.len()..]))
                    });
                    flag.glued = true;
                } else if flag.value.is_none()
                    && known.is_some_and(|k| k.takes_value)
                    && let Some(Arg::Positional(v)) = args.peek()
                {
                    flag.value = Some(Cow::Borrowed(v));
                    args.next();
                }
                after_unknown_flag = flag.canonical.is_none() && flag.value.is_none();
                out.flags.push(flag);
            }
            Arg::Positional(v) => {
                if v.kind != ValueKind::Dynamic
                    && v.text.starts_with('/')
                    && let Some((written, known, rest)) = split_windows_flag(v, tool)
                {
                    let mut flag = BoundFlag {
                        written,
                        canonical: Some(known.spelling.as_str()),
                        glued: rest.is_some(),
                        value: rest.map(Cow::Owned),
                        name_span: v.span.clone(),
                    };
                    if flag.value.is_none()
                        && known.takes_value
                        && let Some(Arg::Positional(next)) = args.peek()
                    {
                        flag.value = Some(Cow::Borrowed(next));
                        args.next();
                    }
                    out.flags.push(flag);
                    continue;
                }
                maybe_values.push(follows_unknown);
                out.positionals.push(v);
            }
        }
    }
    match_subcommands(tool, &mut out, &maybe_values);
    out
}

/// Finds the tool's subcommand words among the positionals, skipping words that may be the
/// values of flags the catalog does not list (`kubectl --context prod create secret`).
fn match_subcommands<'a>(tool: &Tool, bound: &mut Bound<'a>, maybe_values: &[bool]) {
    let subcommands = &tool.tables().subcommands;
    let mut next = 0;
    let mut end = 0;
    let mut words = Vec::new();
    for (i, &v) in bound.positionals.iter().enumerate() {
        let Some(alternatives) = subcommands.get(next) else {
            break;
        };
        let hit = v.kind == ValueKind::Literal && matches_any(alternatives, &v.text);
        if hit {
            next += 1;
            end = i + 1;
            words.push(v.text.as_str());
        } else if !maybe_values[i] && !tool.skip.iter().any(|g| glob_match(g, &v.text)) {
            break;
        }
    }
    bound.matched = next == subcommands.len();
    if bound.matched {
        bound.rest_start = end;
        bound.subcommand = words;
    }
}

/// `--password=x` (or `-Dsonar.token=x`) written as one flag token.
fn split_glued<'a>(
    tool: &Tool,
    name: &'a str,
    name_span: &crate::model::Span,
    value: Option<&'a Value>,
) -> (&'a str, Option<Cow<'a, Value>>) {
    if let Some(value) = value {
        return (name, Some(Cow::Borrowed(value)));
    }
    if let Some(eq) = name.find('=')
        && name_span.len() == name.len()
        && (name.starts_with("--") || tool.canonical_flag(&name[..eq]).is_some())
    {
        let start = name_span.start + eq + 1;
        return (
            &name[..eq],
            Some(Cow::Owned(literal_value(
                start..name_span.end,
                &name[eq + 1..],
            ))),
        );
    }
    (name, None)
}

/// `/pass:secret` → (`/pass`, Some(secret)); `/RP` → (`/RP`, None) when the tool knows `/RP`.
/// The flag comes as written and as the tool knows it.
fn split_windows_flag<'a>(
    v: &'a Value,
    tool: &'a Tool,
) -> Option<(&'a str, &'a KnownFlag, Option<Value>)> {
    let text = &v.text;
    let (name, rest) = match text.find(':') {
        Some(i) => (&text[..i], Some(i + 1)),
        None => (text.as_str(), None),
    };
    let known = tool.known_flag(name)?;
    let rest = rest.map(|i| sub_value(v, i..text.len()));
    Some((name, known, rest))
}

/// A literal value covering `span` whose text is `text` (verbatim source).
pub fn literal_value(span: crate::model::Span, text: &str) -> Value {
    let dynamic = text.contains('$') || text.contains('`');
    Value {
        span: span.clone(),
        text: text.to_owned(),
        kind: if dynamic {
            ValueKind::Mixed
        } else {
            ValueKind::Literal
        },
        quoting: Quoting::Bare,
        parts: vec![Part {
            kind: if dynamic {
                PartKind::Dynamic {
                    variable: None,
                    env: false,
                    default: None,
                }
            } else {
                PartKind::Static
            },
            text_range: 0..text.len(),
            span,
            verbatim: true,
        }],
        hashtable: None,
        command: None,
        elements: Vec::new(),
    }
}

/// The part of `v` whose text is `v.text[r]`, with parts clipped and spans mapped back.
pub fn sub_value(v: &Value, r: std::ops::Range<usize>) -> Value {
    let mut parts = Vec::new();
    for p in &v.parts {
        let s = p.text_range.start.max(r.start);
        let e = p.text_range.end.min(r.end);
        if s >= e && !(s == e && p.text_range.is_empty()) {
            continue;
        }
        let span = if p.verbatim {
            p.span.start + (s - p.text_range.start)..p.span.start + (e - p.text_range.start)
        } else {
            p.span.clone()
        };
        parts.push(Part {
            kind: p.kind.clone(),
            text_range: s - r.start..e - r.start,
            span,
            verbatim: p.verbatim,
        });
    }
    let has_dynamic = parts
        .iter()
        .any(|p| matches!(p.kind, PartKind::Dynamic { .. }));
    let has_static = parts
        .iter()
        .any(|p| matches!(p.kind, PartKind::Static) && !p.text_range.is_empty());
    let kind = match (has_static, has_dynamic) {
        (_, false) => ValueKind::Literal,
        (false, true) => ValueKind::Dynamic,
        (true, true) => ValueKind::Mixed,
    };
    let span = v.source_range(r.clone());
    Value {
        span,
        text: v.text.get(r).unwrap_or_default().to_owned(),
        kind,
        quoting: v.quoting,
        parts,
        hashtable: None,
        command: None,
        elements: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalog_loads_and_has_the_core_tools() {
        let c = Catalog::builtin();
        for name in [
            "twine",
            "docker",
            "podman",
            "helm",
            "kubectl",
            "npm",
            "cargo",
            "nuget",
            "dotnet",
            "az",
            "aws",
            "mysql",
            "mysqldump",
            "sshpass",
            "curl",
            "wget",
            "net",
            "schtasks",
            "cmdkey",
            "openssl",
            "uv",
            "poetry",
            "convertto-securestring",
        ] {
            assert!(
                c.command_names().any(|n| n == name),
                "catalog lacks `{name}`"
            );
        }
    }

    #[test]
    fn user_entries_are_validated() {
        let err = Catalog::parse("[[tool]]\nname = 'x'\ncommands = []\n").unwrap_err();
        assert!(err.to_string().contains("`commands` is empty"));
        let err =
            Catalog::parse("[[tool]]\nname = 'x'\ncommands = ['x']\nbogus = 1\n").unwrap_err();
        assert!(err.to_string().contains("bogus"));
    }
}
