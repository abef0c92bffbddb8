//! CL005 secret-in-header.

use std::collections::HashSet;

use crate::finding::{Applicability, Finding, RuleMeta, Severity};
use crate::model::{Arg, Language, Script, Span, Value, ValueKind};
use crate::rules::common::{self, Site};
use crate::rules::{Context, Rule};

pub struct SecretInHeader;

static META: RuleMeta = RuleMeta {
    code: "CL005",
    name: "secret-in-header",
    group: "credentials",
    summary: "A PowerShell request header holds a literal credential",
    docs: r#"# CL005 secret-in-header

## What
A literal credential in an HTTP header built as a PowerShell hashtable: `-Headers @{
Authorization = "Bearer …" }`, `'X-Api-Key' = '…'`, `'PRIVATE-TOKEN' = …`, `'DD-API-KEY' = …`,
pre-encoded Basic credentials (`Basic dXNlcjpwYXNz`) and Basic credentials built inline from a
literal `user:password` (`[Convert]::ToBase64String([Text.Encoding]::ASCII.GetBytes('u:p'))`).
The hashtable may be inline, assigned to a variable and passed with `-Headers $h`, nested as
`Headers = @{…}` in a splatted hashtable, or filled with `$h.Add('Authorization', …)` /
`$h['X-Api-Key'] = …`. A variable assigned a literal once and used as the header value is
reported at its assignment. `curl -H` headers are reported by CL001.

## Why
The token in the header is the credential itself: whoever reads the script can call the API
as the script does.

## Example
```powershell
$h = @{ Authorization = "Bearer github_pat_11AB…" }
Invoke-RestMethod -Uri $api -Headers $h
```

## Use instead
```powershell
if (-not $env:API_TOKEN) {
	Write-Host "ERROR: API_TOKEN environment variable not set" -ForegroundColor Red
	exit 1
}

$h = @{ Authorization = "Bearer $($env:API_TOKEN)" }
```
Not reported: `"Bearer $token"` where `$token` comes from the environment, a parameter or a
secret store; placeholders.

## Fix safety
Safe: the literal (or the part after the scheme) is rewritten to read the environment variable
in the same quoting context, with a guard before the statement.
"#,
    severity: Severity::Error,
    fix: Some(Applicability::Safe),
    security_severity: "8.0",
    precision: "high",
};

impl Rule for SecretInHeader {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        if cx.source.language != Language::PowerShell {
            return;
        }
        let script = cx.script;
        let (tables, vars) = header_tables(script);
        for (i, ht) in script.hashtables.iter().enumerate() {
            let is_headers = tables.contains(&i);
            for e in &ht.entries {
                if !is_credential_header(&e.key) {
                    continue;
                }
                if !(is_headers || is_header_shaped(&e.key)) {
                    // `$h = @{ Token = … }` is a header table if `-Headers $h` uses it.
                    if let Some(var) = &ht.assigned_to {
                        cx.flow.ask_uses(var);
                    }
                    continue;
                }
                let (stmt, scope) = common::enclosing_statement(script, &e.value.span);
                check_header_value(cx, &e.key, &e.value, stmt, scope, out);
            }
        }
        // `$h.Add('Authorization', "Bearer …")`.
        for inv in &script.invocations {
            if inv.member != "add" || inv.args.len() != 2 {
                continue;
            }
            let Some(var) = inv.target.strip_prefix('$') else {
                continue;
            };
            let Some(key) = inv.args[0].literal() else {
                continue;
            };
            if !is_credential_header(key) {
                continue;
            }
            if is_header_var(&vars, var) || is_header_shaped(key) {
                check_header_value(
                    cx,
                    key,
                    &inv.args[1],
                    inv.statement_span.start,
                    inv.scope.clone(),
                    out,
                );
            } else {
                cx.flow.ask_uses(var);
            }
        }
        // `$h['X-Api-Key'] = '…'` and `$h.Authorization = '…'`.
        for (var, key, value) in indexed_assignments(cx) {
            if !is_credential_header(&key) {
                continue;
            }
            if is_header_var(&vars, &var) || is_header_shaped(&key) {
                let (stmt, scope) = common::enclosing_statement(script, &value.span);
                check_header_value(cx, &key, value, stmt, scope, out);
            } else {
                cx.flow.ask_uses(&var);
            }
        }
    }
}

/// Header names that only occur as HTTP headers: `Authorization`, or dashed names such as
/// `X-Api-Key`, `PRIVATE-TOKEN`.
fn is_header_shaped(key: &str) -> bool {
    let lower = key.to_ascii_lowercase();
    if lower == "authorization" || lower == "proxy-authorization" {
        return true;
    }
    // `X-Api-Key`, `PRIVATE-TOKEN`, `DD-API-KEY`: dashed and no PowerShell Verb-Noun shape
    // (`Reset-SqlSaPassword` in a table of command renames is not a header).
    key.contains('-') && !looks_like_command_name(key)
}

/// `Verb-Noun` with a capitalised noun, as PowerShell commands are named.
fn looks_like_command_name(key: &str) -> bool {
    let mut parts = key.splitn(2, '-');
    let (Some(verb), Some(noun)) = (parts.next(), parts.next()) else {
        return false;
    };
    !noun.contains('-')
        && verb.len() >= 3
        && verb.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && verb.chars().skip(1).all(|c| c.is_ascii_lowercase())
        && noun.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && noun.chars().any(|c| c.is_ascii_lowercase())
}

fn is_credential_header(key: &str) -> bool {
    common::is_credential_header(key)
}

fn is_header_var(vars: &HashSet<String>, var: &str) -> bool {
    let lower = var.to_ascii_lowercase();
    vars.contains(&lower) || lower.contains("header")
}

/// Hashtables used as request headers, and variables that hold header collections.
pub(crate) fn header_tables(script: &Script) -> (HashSet<usize>, HashSet<String>) {
    let mut tables = HashSet::new();
    let mut vars = HashSet::new();
    let note = |v: &Value, tables: &mut HashSet<usize>, vars: &mut HashSet<String>| {
        if let Some(i) = v.hashtable {
            tables.insert(i);
        } else if let Some(var) = v.sole_variable() {
            vars.insert(var.to_ascii_lowercase());
        }
    };
    for cmd in &script.commands {
        for (i, arg) in cmd.args.iter().enumerate() {
            let Arg::Flag { name, value, .. } = arg else {
                continue;
            };
            let lower = name.to_ascii_lowercase();
            if !(lower.len() >= 5 && "-headers".starts_with(&lower)) {
                continue;
            }
            match (value, cmd.args.get(i + 1)) {
                (Some(v), _) | (None, Some(Arg::Positional(v))) => note(v, &mut tables, &mut vars),
                _ => {}
            }
        }
    }
    for ht in &script.hashtables {
        for e in &ht.entries {
            if e.key.eq_ignore_ascii_case("headers") || e.key.eq_ignore_ascii_case("header") {
                note(&e.value, &mut tables, &mut vars);
            }
        }
    }
    for (i, ht) in script.hashtables.iter().enumerate() {
        if let Some(var) = &ht.assigned_to
            && is_header_var(&vars, var)
        {
            tables.insert(i);
        }
    }
    (tables, vars)
}

/// `$var['Key'] = value` and `$var.Key = value` statements, with the value's string literal.
pub(crate) fn indexed_assignments<'s>(cx: &Context<'s>) -> Vec<(String, String, &'s Value)> {
    static RE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r#"(?m)^[ \t]*\$([A-Za-z_][\w]*)(?:\[\s*['"]([^'"\r\n]+)['"]\s*\]|\.([A-Za-z_][\w-]*))[ \t]*=[ \t]*"#,
        )
        .expect("indexed assignment regex")
    });
    let text = &cx.source.text;
    let mut out = Vec::new();
    for m in RE.captures_iter(text) {
        let end = m.get(0).map_or(0, |g| g.end());
        let key = m.get(2).or(m.get(3)).map_or("", |g| g.as_str());
        let Some(value) = common::string_at(cx.script, end) else {
            continue;
        };
        out.push((m[1].to_owned(), key.to_owned(), value));
    }
    out
}

/// Reports the credential in a header value: after the auth scheme, through a variable, or a
/// Basic credential built from a literal `user:password`.
fn check_header_value(
    cx: &Context,
    key: &str,
    value: &Value,
    stmt: usize,
    scope: Span,
    out: &mut Vec<Finding>,
) {
    let text = value.text.as_str();
    let start = common::auth_scheme_skip(text, 0);
    let scheme = text[..start].trim().to_ascii_lowercase();
    let end = text.trim_end().len();
    if start >= end {
        return;
    }
    let site = || Site {
        meta: &META,
        what: if scheme == "basic" {
            "Basic credential".into()
        } else {
            "credential".into()
        },
        position: format!("used in the `{key}` request header"),
        tool: None,
        flag: Some(key.to_owned()),
        env_var: env_for(key, &scheme),
        statement_start: stmt,
        scope: scope.clone(),
        applicability: Applicability::Safe,
    };
    let range = start..end;
    if value.is_static_range(range.clone()) {
        common::report_value(cx, site(), value, range, out);
        return;
    }
    // A Basic credential built inline from a literal: `"Basic $([Convert]::ToBase64String(…))"`.
    if scheme == "basic" || value.kind != ValueKind::Literal {
        let src = &cx.source.text[value.span.clone()];
        if src.contains("ToBase64String") {
            report_basic_source(cx, site(), value.span.clone(), out, 0);
            return;
        }
    }
    if let Some(part) = common::Flow::part_covering(value, &range) {
        if cx.flow.resolve_part(cx.script, part).is_some() {
            let before = out.len();
            common::report_value(cx, site(), value, range, out);
            if out.len() > before {
                return;
            }
        }
        // `$b64 = [Convert]::ToBase64String(…)` then `"Basic $b64"`.
        if let crate::model::PartKind::Dynamic {
            variable: Some(var),
            env: false,
            ..
        } = &part.kind
            && let Some(a) = common::sole_assignment(cx.flow, cx.script, var)
                .or_else(|| only_literal_assignment(cx.flow, cx.script, var))
        {
            let src = &cx.source.text[a.value.span.clone()];
            if src.contains("ToBase64String") {
                report_basic_source(cx, site(), a.value.span.clone(), out, 0);
            } else if a.value.kind == ValueKind::Literal {
                // `$auth = 'Bearer …'`: the scheme sits in the assigned literal.
                let t = a.value.text.as_str();
                let s = common::auth_scheme_skip(t, 0);
                common::report_assignment(cx, site(), a, s..t.trim_end().len(), part, out);
            }
        }
    }
}

/// The one literal assignment of a variable that is otherwise assigned only dynamic values
/// (`$token = 'lit'` in one branch, `$token = (Get-Credential).…` in another): the literal
/// reaches the header on one path.
fn only_literal_assignment<'s>(
    flow: &common::Flow,
    script: &'s Script,
    var: &str,
) -> Option<&'s crate::model::Assignment> {
    flow.ask(var);
    let mut literals = script.assignments.iter().filter(|a| {
        a.scope == crate::model::AssignmentScope::Local
            && a.target.eq_ignore_ascii_case(var)
            && a.value.kind == ValueKind::Literal
    });
    let first = literals.next()?;
    literals.next().is_none().then_some(first)
}

/// Finds `GetBytes('user:password')` (or `GetBytes($pair)` with `$pair` a literal) inside
/// `span` and reports the password part.
fn report_basic_source(
    cx: &Context,
    mut site: Site,
    span: Span,
    out: &mut Vec<Finding>,
    depth: u8,
) {
    site.what = "Basic credential password".into();
    let src = &cx.source.text[span.clone()];
    let lower = src.to_ascii_lowercase();
    let Some(at) = lower.find("getbytes(") else {
        return;
    };
    let mut pos = at + "getbytes(".len();
    pos += src[pos..].len() - src[pos..].trim_start().len();
    let abs = span.start + pos;
    if let Some(v) = common::string_at(cx.script, abs) {
        // The first colon in static text: `'user:pass'`, or `":$pat"` with `$pat` a literal.
        let colon = v
            .text
            .match_indices(':')
            .map(|(i, _)| i)
            .find(|&i| v.is_static_range(i..i + 1));
        if let Some(colon) = colon {
            // The literal may sit in another statement than the header (`$auth = "Basic $(…)"`).
            let (stmt, scope) = common::enclosing_statement(cx.script, &v.span);
            site.statement_start = stmt;
            site.scope = scope;
            site.env_var = password_env(&v.text[..colon]);
            common::report_value(cx, site, v, colon + 1..v.text.len(), out);
        }
        return;
    }
    // A variable: `$pair` assigned a literal (or another expression) once.
    let rest = &src[pos..];
    let Some(name) = rest.strip_prefix('$') else {
        return;
    };
    let name: String = name
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    let Some(a) = common::sole_assignment(cx.flow, cx.script, &name) else {
        return;
    };
    if a.value.kind == ValueKind::Literal {
        if let Some(colon) = a.value.text.find(':') {
            site.env_var = password_env(&a.value.text[..colon]);
            let part = common::variable_part(&name, abs..abs + name.len() + 1);
            common::report_assignment(cx, site, a, colon + 1..a.value.text.len(), &part, out);
        }
    } else if depth < 2 {
        report_basic_source(cx, site, a.value.span.clone(), out, depth + 1);
    }
}

/// `svc-notes` → `SVC_NOTES_PASSWORD`.
fn password_env(user: &str) -> String {
    let name = common::env_name_from(user);
    if name.is_empty() {
        "BASIC_AUTH_PASSWORD".into()
    } else {
        format!("{name}_PASSWORD")
    }
}

/// The variable a fix should read for a header.
fn env_for(key: &str, scheme: &str) -> String {
    let lower = key.to_ascii_lowercase();
    if lower.ends_with("authorization") {
        return match scheme {
            "basic" => "BASIC_AUTH".into(),
            _ => "API_TOKEN".into(),
        };
    }
    let trimmed = key
        .strip_prefix("X-")
        .or_else(|| key.strip_prefix("x-"))
        .unwrap_or(key);
    common::env_name_from(trimmed)
}

#[cfg(test)]
mod tests {
    use crate::model::Language;
    use crate::rules::common::test_findings;

    fn codes(text: &str) -> Vec<(String, String)> {
        test_findings(Language::PowerShell, text)
    }
    #[test]
    fn inline_and_variable_headers() {
        let f = codes(
            "$h = @{ Authorization = \"Bearer Zm9vYmFyYmF6cXV4MTIzNDU2\" }\nInvoke-RestMethod -Uri https://api.example.org -Headers $h\n",
        );
        assert_eq!(f, vec![("CL005".into(), "Zm9vYmFyYmF6cXV4MTIzNDU2".into())]);
    }

    #[test]
    fn basic_built_from_literal() {
        let f = codes(
            "$pair = 'deploy:Tr0ub4dor-77x'\n$b64 = [Convert]::ToBase64String([Text.Encoding]::ASCII.GetBytes($pair))\nInvoke-WebRequest -Uri https://nexus.example.org -Headers @{ Authorization = \"Basic $b64\" }\n",
        );
        assert_eq!(f, vec![("CL005".into(), "Tr0ub4dor-77x".into())]);
    }

    #[test]
    fn environment_header_is_silent() {
        let f = codes(
            "Invoke-RestMethod -Uri https://api.example.org -Headers @{ Authorization = \"Bearer $env:API_TOKEN\" }\n",
        );
        assert!(f.is_empty(), "{f:?}");
    }
}
