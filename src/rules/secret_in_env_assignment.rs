//! CL003 secret-in-env-assignment.

use crate::finding::{Applicability, Edit, Finding, Fix, GuardRequest, RuleMeta, Severity};
use crate::model::{Arg, Assignment, AssignmentScope, Command, Language, Script, Span, Value};
use crate::rules::common::{self, Draft};
use crate::rules::{Context, Rule};
use crate::secret;

pub struct SecretInEnvAssignment;

static META: RuleMeta = RuleMeta {
    code: "CL003",
    name: "secret-in-env-assignment",
    group: "credentials",
    summary: "A credential is assigned to an environment variable as a literal",
    docs: r#"# CL003 secret-in-env-assignment

## What
A literal credential is put into the environment: PowerShell `$env:GH_TOKEN = '…'`,
`[Environment]::SetEnvironmentVariable('NPM_TOKEN', '…', 'User')`, `Set-Item Env:X '…'`,
`setx X "…"`; shell `export X=…`, `declare -x X=…`, a prefix `X=… cmd` (also `env X=… cmd`),
and `X=…` followed by `export X` (or after `set -a`). The variable is either credential-named
(`*_PASSWORD`, `*_TOKEN`, `*_API_KEY`, `*SECRET*`, …) or one that tools read natively
(`PGPASSWORD`, `MYSQL_PWD`, `SSHPASS`, `REDISCLI_AUTH`, `TWINE_PASSWORD`, the catalog's native
variables), or the value is a known token format. `AWS_ACCESS_KEY_ID` is reported only when
the value has the `AKIA…`/`ASIA…` format. Fallbacks such as
`if (-not $env:X) { $env:X = '…' }` are reported too: the literal is still in the script.

## Why
Putting the secret into the environment does not make it less hardcoded: it is in the
repository, its history and every copy of the script, and the environment is inherited by
every child process.

## Example
```powershell
$env:TWINE_PASSWORD = 'pypi-AgEI…'
python -m twine upload dist/*
```

## Use instead
Set the variable outside the script (CI secret, vault, the user's profile) and require it:
```powershell
if (-not $env:TWINE_PASSWORD) {
	Write-Host "ERROR: TWINE_PASSWORD environment variable not set" -ForegroundColor Red
	exit 1
}

python -m twine upload dist/*
```
Not reported: values that are not literals (`$(vault kv get …)`, `"$OTHER"`, `${X:-}`),
placeholders and vendor examples, trivial dummy values (`test`, `postgres`) and file paths
(`GOOGLE_APPLICATION_CREDENTIALS=~/key.json`).

## Fix safety
Rewriting `$env:X = 'lit'` to read `$env:X` would be circular, so the fix **removes the
assignment** (the whole line when it holds nothing else; for `X=… cmd`, only the `X=… `
prefix) and inserts the guard for the variable itself before it. It is unsafe: the script then
needs the variable set where it runs, and for `setx`/`SetEnvironmentVariable(…, 'User')` the
variable is no longer persisted. For fallbacks (`if (-not $env:X) { $env:X = … }`,
`[ -z "$X" ] && X=…`) the fix is display-only: the whole fallback should go.
"#,
    severity: Severity::Error,
    fix: Some(Applicability::Unsafe),
    security_severity: "8.0",
    precision: "very-high",
};

/// Variables that tools read natively and whose names `secret::is_credential_name` does not
/// recognise on its own (or that are worth naming). `AWS_ACCESS_KEY_ID` is not here: it is
/// only a credential when its value has the access-key format.
pub const NATIVE_CREDENTIAL_VARIABLES: &[&str] = &[
    "PGPASSWORD",
    "MYSQL_PWD",
    "SSHPASS",
    "SMBPASS",
    "TWINE_PASSWORD",
    "FLIT_PASSWORD",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "DATADOG_API_KEY",
    "DD_API_KEY",
    "DD_APP_KEY",
    "DATADOG_APP_KEY",
    "GITHUB_TOKEN",
    "GH_TOKEN",
    "GH_ENTERPRISE_TOKEN",
    "GITHUB_ENTERPRISE_TOKEN",
    "NPM_TOKEN",
    "NODE_AUTH_TOKEN",
    "VAULT_TOKEN",
    "CARGO_REGISTRY_TOKEN",
    "UV_PUBLISH_TOKEN",
    "UV_PUBLISH_PASSWORD",
    "SQLCMDPASSWORD",
    "REDISCLI_AUTH",
    "HEROKU_API_KEY",
    "AZURE_DEVOPS_EXT_PAT",
    "LFTP_PASSWORD",
    "RSYNC_PASSWORD",
    "ISQL_PASSWORD",
];

impl Rule for SecretInEnvAssignment {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        let language = cx.source.language;
        // Computed once per file, on first need: per assignment they made the rule quadratic.
        let mut exports: Option<Exports> = None;
        for a in &cx.script.assignments {
            let exported = match a.scope {
                AssignmentScope::Env | AssignmentScope::Export | AssignmentScope::CommandPrefix => {
                    true
                }
                AssignmentScope::Local => {
                    language == Language::Shell
                        && exports
                            .get_or_insert_with(|| Exports::new(cx))
                            .exported(a.target.as_str(), a)
                }
            };
            if !exported {
                continue;
            }
            let removal = removal_edit(&cx.source.text, a);
            let site = Site {
                target: &a.target,
                value: &a.value,
                statement_start: a.statement_span.start,
                scope: a.scope_span.clone(),
                prefix: a.scope == AssignmentScope::CommandPrefix,
                fallback: a.fallback,
                removal,
            };
            report(cx, &site, out);
        }
        for (target, value, cmd_span, statement_start, scope) in command_assignments(cx.script) {
            let removal = removal_of_statement(&cx.source.text, &cmd_span);
            let site = Site {
                target: &target,
                value: &value,
                statement_start,
                scope,
                prefix: false,
                fallback: false,
                removal,
            };
            report(cx, &site, out);
        }
    }
}

/// One literal put into the environment.
struct Site<'a> {
    target: &'a str,
    value: &'a Value,
    statement_start: usize,
    scope: Span,
    prefix: bool,
    fallback: bool,
    removal: Edit,
}

fn report(cx: &Context, site: &Site, out: &mut Vec<Finding>) {
    let value = site.value;
    let Some(text) = value.literal() else {
        return;
    };
    let token = secret::whole_token(text);
    if token.is_none() && !is_env_credential(cx, site.target) {
        return;
    }
    if token.is_none() && (common::looks_like_path(text) || is_setting_word(text)) {
        return;
    }
    let Some(confidence) = common::credential_confidence(text) else {
        return;
    };
    if !crate::fix::guard::is_valid_env_name(site.target) {
        return;
    }
    let language = cx.source.language;
    let display = match language {
        Language::PowerShell => format!("$env:{}", site.target),
        Language::Shell => site.target.to_owned(),
    };
    let position = if site.prefix {
        format!("assigned to `{}` for one command", site.target)
    } else if site.fallback {
        format!("assigned to `{display}` as a fallback")
    } else {
        format!("assigned to environment variable `{display}`")
    };
    let mut finding = Draft {
        meta: &META,
        language,
        value,
        range: 0..text.len(),
        confidence,
        position,
        what: what_from_name(site.target).to_owned(),
        tool: None,
        flag: Some(site.target.to_owned()),
        env_var: site.target.to_owned(),
        revoke: None,
        statement_start: site.statement_start,
        scope: site.scope.clone(),
        help_prefix: None,
        secondary: Vec::new(),
        applicability: Applicability::Unsafe,
    }
    .finish();
    finding.help = Some(if site.fallback {
        format!(
            "remove the fallback and set {} outside the script (CI secret, vault); stop when it is missing",
            site.target
        )
    } else {
        format!(
            "remove the assignment and set {} outside the script (CI secret, vault); stop when it is missing",
            site.target
        )
    });
    finding.fix = Some(Fix {
        applicability: if site.fallback {
            Applicability::DisplayOnly
        } else {
            Applicability::Unsafe
        },
        description: format!(
            "remove the assignment and require {} from the environment",
            site.target
        ),
        edits: vec![site.removal.clone()],
        guards: vec![GuardRequest {
            variable: site.target.to_owned(),
            before: site.statement_start,
            scope: site.scope.clone(),
        }],
    });
    out.push(finding);
}

/// A credential-named variable or one a tool reads natively.
pub fn is_env_credential(cx: &Context, name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    if upper == "AWS_ACCESS_KEY_ID" {
        // Half of a key pair, reported only through its token format.
        return false;
    }
    NATIVE_CREDENTIAL_VARIABLES.contains(&upper.as_str())
        || secret::is_credential_name(name)
        || cx.catalog.tools.iter().any(|t| {
            t.secrets
                .iter()
                .any(|s| s.native_env && s.env == upper && !upper.ends_with("_ID"))
        })
}

/// Words that configure how to authenticate rather than hold a credential:
/// `AUTH=basic`, `$Auth = 'Negotiate'`.
pub fn is_setting_word(text: &str) -> bool {
    matches!(
        text.to_ascii_lowercase().as_str(),
        "basic"
            | "bearer"
            | "digest"
            | "negotiate"
            | "kerberos"
            | "ntlm"
            | "oauth"
            | "oauth2"
            | "credssp"
            | "anonymous"
            | "default"
            | "disabled"
            | "enabled"
            | "required"
            | "optional"
            | "token"
            | "password"
            | "interactive"
            | "prompt"
            | "env"
            | "file"
    )
}

/// What the variable holds, for the message.
pub fn what_from_name(name: &str) -> &'static str {
    let words = secret::name_words(name);
    let has = |w: &str| words.iter().any(|x| x == w || x.ends_with(w));
    if has("password") || has("pass") || has("pwd") || has("passwd") {
        "password"
    } else if has("passphrase") {
        "passphrase"
    } else if has("token") || has("pat") {
        "token"
    } else if has("key") || has("apikey") {
        "key"
    } else {
        "secret"
    }
}

/// True when a shell variable assigned locally is exported: `export NAME`, `declare -x NAME`,
/// `typeset -x NAME` anywhere in the file, or `set -a` (allexport) in force before it.
struct Exports<'s> {
    /// The file's `set` commands, by start.
    sets: Vec<&'s Command>,
    bare: std::collections::HashSet<String>,
    flow: &'s crate::rules::common::Flow,
}

impl<'s> Exports<'s> {
    fn new(cx: &Context<'s>) -> Self {
        let mut sets: Vec<_> = cx
            .script
            .commands
            .iter()
            .filter(|c| c.name == "set")
            .collect();
        sets.sort_by_key(|c| c.span.start);
        Exports {
            sets,
            bare: bare_exports(cx).into_iter().collect(),
            flow: cx.flow,
        }
    }

    fn exported(&self, name: &str, a: &Assignment) -> bool {
        // `export NAME` may be anywhere.
        self.flow.ask(name);
        allexport_before(&self.sets, a.span.start) || self.bare.contains(name)
    }
}

fn allexport_before(sets: &[&Command], offset: usize) -> bool {
    let mut on = false;
    for c in sets.iter().filter(|c| c.span.end <= offset) {
        let mut prev_o: Option<bool> = None;
        for arg in &c.args {
            let word = match arg {
                Arg::Flag { name, .. } => name.as_str(),
                Arg::Positional(v) => v.text.as_str(),
                Arg::Splat { .. } => continue,
            };
            if let Some(enable) = prev_o.take() {
                if word == "allexport" {
                    on = enable;
                }
                continue;
            }
            match word {
                "-o" => prev_o = Some(true),
                "+o" => prev_o = Some(false),
                w if w.starts_with('-') && !w.starts_with("--") && w[1..].contains('a') => {
                    on = true
                }
                w if w.starts_with('+') && w[1..].contains('a') => on = false,
                _ => {}
            }
        }
    }
    on
}

/// Names exported without a value (`export A B`, `declare -x A`), outside comments and
/// heredoc bodies. The shell lowering keeps only declarations with a value, so these are read
/// from the text, one simple statement at a time.
fn bare_exports(cx: &Context) -> Vec<String> {
    let text = cx.source.text.as_str();
    let mut skip: Vec<Span> = cx
        .script
        .comments
        .iter()
        .map(|c| c.span.clone())
        .chain(cx.script.heredocs.iter().map(|h| h.body.span.clone()))
        .collect();
    skip.sort_by_key(|s| s.start);
    // Running maximum of the ends: a line start is skipped when a span starting at or before
    // it ends after it (a binary search instead of a scan per line).
    let max_end: Vec<usize> = skip
        .iter()
        .scan(0, |m, s| {
            *m = (*m).max(s.end);
            Some(*m)
        })
        .collect();
    let skipped = |start: usize| {
        let n = skip.partition_point(|s| s.start <= start);
        n > 0 && max_end[n - 1] > start
    };
    let mut names = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        if !line.contains("export") && !line.contains("-x") {
            continue;
        }
        if skipped(start) {
            continue;
        }
        let code = line.split('#').next().unwrap_or("");
        for stmt in code.split([';', '&', '|']) {
            let mut words = stmt.split_whitespace();
            let mut first = words.next();
            if matches!(first, Some("then" | "do" | "else" | "{")) {
                first = words.next();
            }
            let exporting = match first {
                Some("export") => true,
                Some("declare" | "typeset" | "local" | "readonly") => true,
                _ => continue,
            };
            let mut flagged_x = first == Some("export");
            for w in words {
                if w.starts_with('-') {
                    flagged_x |= w.contains('x');
                    continue;
                }
                if exporting
                    && flagged_x
                    && !w.contains('=')
                    && crate::fix::guard::is_valid_env_name(w)
                {
                    names.push(w.to_owned());
                }
            }
        }
    }
    names
}

/// `setx NAME VALUE [/M]` and `Set-Item -Path Env:NAME -Value VALUE` (also `New-Item`), as
/// (name, value, statement span, statement start, scope).
fn command_assignments(script: &Script) -> Vec<(String, Value, Span, usize, Span)> {
    let mut out = Vec::new();
    for cmd in &script.commands {
        let site = |name: String, value: Value| {
            (
                name,
                value,
                cmd.statement_span.clone(),
                cmd.statement_span.start,
                cmd.scope.clone(),
            )
        };
        match cmd.name.as_str() {
            "setx" => {
                // Only the simple form: other switches (/s, /u, /p, /k, /f) change the meaning.
                let other_flags = cmd.args.iter().any(|a| match a {
                    Arg::Flag { name, .. } => !name.eq_ignore_ascii_case("/m"),
                    Arg::Positional(v) => {
                        v.text.starts_with('/') && !v.text.eq_ignore_ascii_case("/m")
                    }
                    Arg::Splat { .. } => true,
                });
                let pos: Vec<&Value> = cmd
                    .positionals()
                    .filter(|v| !v.text.eq_ignore_ascii_case("/m"))
                    .collect();
                if other_flags || pos.len() != 2 {
                    continue;
                }
                if let Some(name) = pos[0].literal() {
                    out.push(site(name.to_owned(), pos[1].clone()));
                }
            }
            "set-item" | "new-item" | "si" | "ni" => {
                let mut path = None;
                let mut value = None;
                let mut positionals = Vec::new();
                for a in &cmd.args {
                    match a {
                        Arg::Flag { name, value: v, .. } => {
                            let n = name.to_ascii_lowercase();
                            if "-path".starts_with(&n) && n.len() > 1 || n == "-literalpath" {
                                path = v.clone();
                            } else if "-value".starts_with(&n) && n.len() > 1 {
                                value = v.clone();
                            }
                        }
                        Arg::Positional(v) => positionals.push(v.clone()),
                        Arg::Splat { .. } => {}
                    }
                }
                let mut positionals = positionals.into_iter();
                let path = path.or_else(|| positionals.next());
                let value = value.or_else(|| positionals.next());
                let (Some(path), Some(value)) = (path, value) else {
                    continue;
                };
                let Some(p) = path.literal() else { continue };
                let lower = p.to_ascii_lowercase();
                let Some(name) = lower
                    .strip_prefix("env:")
                    .map(|r| r.trim_start_matches(['\\', '/']).len())
                    .map(|n| &p[p.len() - n..])
                else {
                    continue;
                };
                out.push(site(name.to_owned(), value));
            }
            _ => {}
        }
    }
    out
}

/// The edit that removes an assignment: its whole line when the line holds nothing else (an
/// `export`/`declare -x` keyword aside), only `X=… ` for a command prefix, else the
/// assignment and the separator next to it.
fn removal_edit(text: &str, a: &Assignment) -> Edit {
    if a.scope == AssignmentScope::CommandPrefix {
        let end = a.span.end + whitespace_len(&text[a.span.end..]);
        return Edit {
            range: a.span.start..end,
            replacement: String::new(),
        };
    }
    removal_of_statement(text, &a.span)
}

fn whitespace_len(s: &str) -> usize {
    s.len() - s.trim_start_matches([' ', '\t']).len()
}

fn removal_of_statement(text: &str, span: &Span) -> Edit {
    let line_start = text[..span.start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[span.end..]
        .find('\n')
        .map_or(text.len(), |i| span.end + i + 1);
    let before = &text[line_start..span.start];
    let after = text[span.end..line_end].trim_end_matches(['\n', '\r']);
    let keyword_only = before.split_whitespace().all(|w| {
        matches!(w, "export" | "declare" | "typeset" | "local" | "readonly") || w.starts_with('-')
    });
    let after_trim = after.trim();
    if keyword_only && (after_trim.is_empty() || after_trim.starts_with('#')) {
        return Edit {
            range: line_start..line_end,
            replacement: String::new(),
        };
    }
    // Something else shares the line: remove the statement and one separator next to it.
    if !after_trim.is_empty() {
        let mut end = span.end + whitespace_len(after);
        if text[end..].starts_with(';') {
            end += 1;
            end += whitespace_len(&text[end..]);
        }
        return Edit {
            range: span.start..end,
            replacement: String::new(),
        };
    }
    let lead = before.len() - before.trim_end_matches([' ', '\t']).len();
    Edit {
        range: span.start - lead..span.end,
        replacement: String::new(),
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::{self, Settings};
    use crate::fix::{self, FixOptions};
    use crate::model::Language;
    use crate::source::SourceFile;

    fn lint(language: Language, text: &str) -> (SourceFile, engine::LintOutput) {
        let name = if language == Language::Shell {
            "t.sh"
        } else {
            "t.ps1"
        };
        let src = SourceFile::from_text(
            name,
            language,
            text.to_owned(),
            crate::source::Encoding::Utf8,
        );
        let out = engine::lint(&src, &Settings::default()).unwrap();
        (src, out)
    }

    fn codes(language: Language, text: &str) -> Vec<(usize, &'static str)> {
        let (src, out) = lint(language, text);
        out.findings
            .iter()
            .map(|f| (src.line_col(f.span.start).0, f.code))
            .collect()
    }

    fn unsafe_fixed(language: Language, text: &str) -> String {
        let (src, out) = lint(language, text);
        let header_end = out.header_end;
        let opts = FixOptions {
            unsafe_fixes: true,
            ..FixOptions::default()
        };
        fix::fix_file_text(&src, &out.findings, header_end, &opts)
            .unwrap()
            .text
    }

    #[test]
    fn exported_and_prefix_assignments() {
        let text = "#!/bin/sh\nexport GH_TOKEN=Kq7vR2xLp9Wz\nPGPASSWORD='Zr8#kQ2mvL' pg_dump -h db.internal app\nSSHPASS=Lm4qRt8vXz\nexport SSHPASS\nLOCAL_PASSWORD=Lm4qRt8vXz2\necho \"$LOCAL_PASSWORD\" | wc -c\n";
        assert_eq!(
            codes(Language::Shell, text),
            vec![(2, "CL003"), (3, "CL003"), (4, "CL003")]
        );
    }

    #[test]
    fn aws_key_id_needs_its_format_and_dummies_are_silent() {
        let text = "export AWS_ACCESS_KEY_ID=minio-access\nexport AWS_ACCESS_KEY_ID=AKIAT7QXA7SM5DVDQBDZ\nexport JWT_SECRET=test\nexport API_KEY=dummy\nexport GOOGLE_APPLICATION_CREDENTIALS=~/keys/sa.json\n";
        assert_eq!(codes(Language::Shell, text), vec![(2, "CL003")]);
    }

    #[test]
    fn unsafe_fix_removes_the_line_and_guards() {
        let text = "$env:GH_TOKEN = 'Kq7vR2xLp9Wz'\ngh repo list\n";
        assert_eq!(
            unsafe_fixed(Language::PowerShell, text),
            "if (-not $env:GH_TOKEN) {\n\tWrite-Host \"ERROR: GH_TOKEN environment variable not set\" -ForegroundColor Red\n\texit 1\n}\n\ngh repo list\n"
        );
        let text = "FLIT_USERNAME=__token__ FLIT_PASSWORD=Zr8kQ2mvLx flit publish\n";
        assert_eq!(
            unsafe_fixed(Language::Shell, text),
            "if [ -z \"${FLIT_PASSWORD:-}\" ]; then\n\techo \"ERROR: FLIT_PASSWORD environment variable not set\" >&2\n\texit 1\nfi\n\nFLIT_USERNAME=__token__ flit publish\n"
        );
    }
}
