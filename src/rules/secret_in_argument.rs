//! CL001 secret-in-argument.

use std::borrow::Cow;
use std::collections::HashMap;

use crate::catalog::{self, Bound, SecretArg, Tool};
use crate::finding::{Applicability, Finding, Label, RuleMeta, Severity};
use crate::model::{Command, Language, Value, ValueKind};
use crate::rules::common::{self, Draft};
use crate::rules::{Context, Rule};

pub struct SecretInArgument;

static META: RuleMeta = RuleMeta {
    code: "CL001",
    name: "secret-in-argument",
    group: "credentials",
    summary: "A credential is passed to a command as a literal argument",
    docs: r#"# CL001 secret-in-argument

## What
A password, token or API key is written literally into a command's arguments:
`twine upload --password pypi-…`, `docker login -p …`, `curl -u user:…`, `net use \\srv\share …`,
`mysql -p…`, `cmdkey /pass:…`, `nuget push -ApiKey …`. The command catalog (`catalog.toml`, extensible
in `credlint.toml`) says which flags and positions of which tools carry credentials, including
attached values (`-pSECRET`), `--flag=value`, PowerShell `-Param:value` and abbreviations, and
Windows `/flag:value`. A variable that is assigned a literal once and then passed is reported
at the assignment.

## Why
Anything in a script is readable by everyone who can read the repository, its history, CI logs
and backups; arguments are also visible to every user of the machine in the process list.
The founding incident: a PyPI token in `twine upload --password` leaked and had to be revoked.

## Example
```powershell
python -m twine upload dist/* --username __token__ --password pypi-AgEI…
```

## Use instead
```powershell
if (-not $env:PYPI_TOKEN) {
	Write-Host "ERROR: PYPI_TOKEN environment variable not set" -ForegroundColor Red
	exit 1
}

python -m twine upload dist/* --username __token__ --password $env:PYPI_TOKEN
```
In bash: `--password "$PYPI_TOKEN"` behind `if [ -z "${PYPI_TOKEN:-}" ]; then … fi`. Where the
tool reads a variable natively (TWINE_PASSWORD, SSHPASS, MYSQL_PWD, CARGO_REGISTRY_TOKEN), that
name is suggested. Not reported: `$env:X`, `"$X"`, `$(…)`, secret stores, `--password-stdin`,
`-p -`, `mysql -p` alone (prompts), placeholders such as `<token>` or `changeme`.

## Fix safety
Safe: the literal is replaced by an environment reference of the same quoting context and a
guard that stops the script when the variable is unset is inserted before the statement. The
script then needs the variable set where it runs.
"#,
    severity: Severity::Error,
    fix: Some(Applicability::Safe),
    security_severity: "8.5",
    precision: "very-high",
};

impl Rule for SecretInArgument {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        check_catalog(cx, &META, out);
    }
}

/// Reports every catalog entry of rule `meta.name` whose credential position holds a literal.
pub fn check_catalog(cx: &Context, meta: &'static RuleMeta, out: &mut Vec<Finding>) {
    /// A credential position holding a value: `bindings[binding]`'s `tool.secrets[secret]`.
    struct Site<'a> {
        binding: usize,
        secret: usize,
        value: Cow<'a, Value>,
        flag: Cow<'a, str>,
    }
    // One pass binds every command once; a second reports, knowing which variables the
    // script already reads for each tool position.
    let mut bindings = Vec::new();
    let mut sites = Vec::new();
    let mut existing: HashMap<(&str, usize), String, foldhash::fast::RandomState> =
        HashMap::default();
    for cmd in &cx.script.commands {
        for (tool, bound) in cx.catalog.tools_for_rule(cmd, meta.name) {
            let sites_before = sites.len();
            for (i, spec) in tool.secrets.iter().enumerate() {
                if !requirements_met(spec, &bound) {
                    continue;
                }
                for (value, flag) in candidates(cmd, tool, spec, &bound) {
                    if let Some(name) = environment_read(cx, &value) {
                        existing.entry((tool.name.as_str(), i)).or_insert(name);
                    }
                    sites.push(Site {
                        binding: bindings.len(),
                        secret: i,
                        value,
                        flag,
                    });
                }
            }
            if sites.len() > sites_before {
                bindings.push((cmd, tool, bound));
            }
        }
    }
    for site in &sites {
        let (cmd, tool, bound) = &bindings[site.binding];
        let spec = &tool.secrets[site.secret];
        let env_read = existing.get(&(tool.name.as_str(), site.secret));
        report(
            cx,
            meta,
            cmd,
            tool,
            spec,
            bound,
            &site.value,
            &site.flag,
            env_read,
            out,
        );
    }
}

fn requirements_met(spec: &SecretArg, bound: &Bound) -> bool {
    spec.requires.is_empty()
        || bound.flags.iter().any(|f| {
            spec.requires
                .iter()
                .any(|r| f.canonical == Some(r.as_str()) || f.written.eq_ignore_ascii_case(r))
        })
}

/// The values in `spec`'s credential positions, with a description of the position.
fn candidates<'a>(
    cmd: &'a Command,
    tool: &Tool,
    spec: &SecretArg,
    bound: &Bound<'a>,
) -> Vec<(Cow<'a, Value>, Cow<'a, str>)> {
    let mut out = Vec::new();
    for f in &bound.flags {
        let Some(canonical) = f.canonical else {
            continue;
        };
        if !spec.flags.iter().any(|s| s == canonical) {
            continue;
        }
        if spec.attached_only && !f.glued {
            continue;
        }
        if let Some(v) = &f.value {
            out.push((v.clone(), Cow::Borrowed(f.written)));
        }
    }
    let rest = bound
        .positionals
        .get(tool.subcommands.len()..)
        .unwrap_or_default();
    if let Some(i) = spec.positional {
        let i = match &spec.follows {
            Some(glob) => rest
                .iter()
                .position(|v| catalog::glob_match(glob, &v.text))
                .map(|p| p + 1 + i),
            None => Some(i),
        };
        if let Some(&v) = i.and_then(|i| rest.get(i)) {
            out.push((
                Cow::Borrowed(v),
                Cow::Owned(format!("argument {}", i.unwrap_or(0) + 1)),
            ));
        }
    }
    if !spec.keys.is_empty() {
        let key_matches = |k: &str| {
            spec.keys.iter().any(|p| {
                if p == "@credential" {
                    crate::secret::is_credential_name(k)
                } else {
                    catalog::glob_match(p, k)
                }
            })
        };
        let mut i = 0;
        while i < rest.len() {
            let v: &'a Value = rest[i];
            if let Some(eq) = v.text.find('=') {
                let key = &v.text[..eq];
                if key_matches(key) {
                    if eq + 1 == v.text.len() {
                        // `password= value` (sc.exe).
                        if let Some(&next) = rest.get(i + 1) {
                            out.push((Cow::Borrowed(next), Cow::Borrowed(key)));
                            i += 1;
                        }
                    } else {
                        out.push((
                            Cow::Owned(catalog::sub_value(v, eq + 1..v.text.len())),
                            Cow::Borrowed(key),
                        ));
                    }
                }
            } else if v.kind == ValueKind::Literal
                && key_matches(&v.text)
                && let Some(&next) = rest.get(i + 1)
            {
                out.push((Cow::Borrowed(next), Cow::Borrowed(v.text.as_str())));
                i += 1;
            }
            i += 1;
        }
    }
    if spec.stdin
        && let Some(v) = &cmd.stdin
    {
        out.push((Cow::Borrowed(v), Cow::Borrowed("standard input")));
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn report(
    cx: &Context,
    meta: &'static RuleMeta,
    cmd: &Command,
    tool: &Tool,
    spec: &SecretArg,
    bound: &Bound,
    value: &Value,
    flag: &str,
    env_read: Option<&String>,
    out: &mut Vec<Finding>,
) {
    let language = cx.source.language;
    // Worded only once a finding is certain: most credential positions hold variables.
    let describe = || {
        let tool_name = invocation_name(cmd, bound);
        let position = if flag == "standard input" {
            format!("piped into `{tool_name}`")
        } else if flag.starts_with("argument ") {
            format!("passed to `{tool_name}` as {flag}")
        } else {
            format!("passed to `{tool_name} {flag}`")
        };
        // The variable the script already reads for this position, else the catalog's.
        let env_var = env_read.cloned().unwrap_or_else(|| env_for(spec, bound));
        (tool_name, position, env_var)
    };
    let Some(range) = common::secret_range(value, spec.format).or_else(|| {
        // A variable holding the whole `user:pass` or header: resolve it first.
        (value.kind == ValueKind::Dynamic).then_some(0..value.text.len())
    }) else {
        return;
    };
    if value.is_static_range(range.clone()) {
        let text = &value.text[range.clone()];
        let Some(confidence) = common::credential_confidence(text) else {
            return;
        };
        let (tool_name, position, env_var) = describe();
        let help_prefix = (!flag.starts_with("argument ") && flag != "standard input")
            .then(|| help_prefix(flag, language));
        out.push(
            Draft {
                meta,
                language,
                value,
                range,
                confidence,
                position,
                what: spec.what.clone(),
                tool: Some(tool_name),
                flag: Some(flag.to_owned()),
                env_var,
                revoke: tool.revoke.clone(),
                statement_start: cmd.statement_span.start,
                scope: cmd.scope.clone(),
                help_prefix,
                secondary: Vec::new(),
                applicability: if value.quoting == crate::model::Quoting::HereSingle {
                    Applicability::DisplayOnly
                } else {
                    Applicability::Safe
                },
            }
            .finish(),
        );
        return;
    }
    // The credential is a variable: report the literal it was assigned, if any.
    let Some(part) = common::Flow::part_covering(value, &range) else {
        return;
    };
    let Some(assignment) = cx.flow.resolve_part(cx.script, part) else {
        return;
    };
    let assigned = &assignment.value;
    let whole_value = range.start == 0 && range.end == value.text.len();
    let format = if whole_value {
        spec.format
    } else {
        catalog::ValueFormat::Plain
    };
    let Some(range) = common::secret_range(assigned, format) else {
        return;
    };
    let text = &assigned.text[range.clone()];
    let Some(confidence) = common::credential_confidence(text) else {
        return;
    };
    let (tool_name, position, env_var) = describe();
    let var = &assignment.target;
    let self_assignment = var.eq_ignore_ascii_case(&env_var);
    out.push(
        Draft {
            meta,
            language,
            value: assigned,
            range,
            confidence,
            position: format!(
                "assigned to `{}` and {position}",
                display_var(var, language)
            ),
            what: spec.what.clone(),
            tool: Some(tool_name.clone()),
            flag: Some(flag.to_owned()),
            env_var,
            revoke: tool.revoke.clone(),
            statement_start: assignment.statement_span.start,
            scope: assignment.scope_span.clone(),
            help_prefix: Some(format!("{} = ", display_var(var, language))),
            secondary: vec![Label {
                span: part.span.clone(),
                message: format!("used here by `{tool_name}`"),
            }],
            // `export SSHPASS=lit` read back as `$SSHPASS`: rewriting the assignment to
            // `SSHPASS="$SSHPASS"` would do nothing; the fix is to delete the assignment.
            applicability: if self_assignment {
                Applicability::DisplayOnly
            } else {
                Applicability::Safe
            },
        }
        .finish(),
    );
}

/// How the user wrote the invocation: `twine upload`, `Register-ScheduledTask`, `docker login`.
fn invocation_name(cmd: &Command, bound: &Bound) -> String {
    let mut name = crate::lang::normalize::display_name(&cmd.raw_name);
    for word in &bound.subcommand {
        name.push(' ');
        name.push_str(word);
    }
    name
}

fn display_var(var: &str, language: Language) -> String {
    match language {
        Language::PowerShell => format!("${var}"),
        Language::Shell => var.to_owned(),
    }
}

fn help_prefix(flag: &str, language: Language) -> String {
    if flag.ends_with('=') || flag.ends_with(':') {
        flag.to_owned()
    } else if flag.starts_with('/') && language == Language::PowerShell {
        format!("{flag}:")
    } else {
        format!("{flag} ")
    }
}

/// The environment variable a credential position reads (`--password $env:AZDO_FEED_PAT`,
/// `-p "$REGISTRY_PASSWORD"`): a fix for the same tool position elsewhere reuses its name.
fn environment_read(cx: &Context, value: &Value) -> Option<String> {
    let powershell = cx.source.language == Language::PowerShell;
    match value.parts.as_slice() {
        [
            crate::model::Part {
                kind:
                    crate::model::PartKind::Dynamic {
                        variable: Some(name),
                        env,
                        ..
                    },
                ..
            },
        ] if (*env || !powershell)
            && cx.flow.resolve(cx.script, value).is_none()
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') =>
        {
            Some(name.clone())
        }
        _ => None,
    }
}

/// The variable the fix should read: a `when` condition's, else the entry's.
fn env_for(spec: &SecretArg, bound: &Bound) -> String {
    for cond in &spec.when {
        if let Some(v) = bound.flag_value(&cond.flags)
            && v.text == cond.equals
        {
            return cond.env.clone();
        }
    }
    spec.env.clone()
}
