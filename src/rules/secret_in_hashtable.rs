//! CL008 secret-in-hashtable.

use crate::finding::{Applicability, Finding, RuleMeta, Severity};
use crate::model::{Arg, Hashtable, Language, Value, ValueKind};
use crate::rules::common::{self, Site};
use crate::rules::secret_in_header::header_tables;
use crate::rules::{Context, Rule};
use crate::secret;

pub struct SecretInHashtable;

static META: RuleMeta = RuleMeta {
    code: "CL008",
    name: "secret-in-hashtable",
    group: "credentials",
    summary: "A PowerShell hashtable or form body holds a literal credential",
    docs: r#"# CL008 secret-in-hashtable

## What
A literal credential as the value of a credential-named key (`Password`, `ApiKey`,
`NuGetApiKey`, `client_secret`, `Token`, `Pwd`, …) in a PowerShell hashtable: a parameter set
splatted into a command (`$p = @{ ServerInstance = 'x'; Password = '…' }; Invoke-Sqlcmd @p`),
`-Body @{ password = … }`, `-Property @{ Password = … }`, a body converted with `ConvertTo-Json`,
or a configuration hashtable. Also `x-www-form-urlencoded` bodies written as a string
(`-Body "client_id=…&client_secret=…&grant_type=…"`). A variable assigned a literal once and
used as the value is reported at its assignment. Header hashtables are CL005's.

## Why
A hashtable is only a different spelling of an argument list: the credential is still in the
script, its history and every copy of it.

## Example
```powershell
$sql = @{ ServerInstance = 'db01'; Username = 'maint'; Password = 'p93nzn0%j!ITM' }
Invoke-Sqlcmd @sql -Query 'EXEC dbo.Maintain'
```

## Use instead
```powershell
if (-not $env:SQL_PASSWORD) {
	Write-Host "ERROR: SQL_PASSWORD environment variable not set" -ForegroundColor Red
	exit 1
}

$sql = @{ ServerInstance = 'db01'; Username = 'maint'; Password = $env:SQL_PASSWORD }
```
Not reported: `$env:` values, parameters, secret stores, placeholders, dummy values for local
services, `Credential = 'DOMAIN\user'` (PowerShell prompts for that user's password).

## Fix safety
Safe: the literal becomes an environment reference in the same quoting context, with a guard
before the statement that holds the hashtable.
"#,
    severity: Severity::Error,
    fix: Some(Applicability::Safe),
    security_severity: "8.0",
    precision: "high",
};

impl Rule for SecretInHashtable {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        if cx.source.language != Language::PowerShell {
            return;
        }
        let script = cx.script;
        let (headers, _) = header_tables(script);
        for (i, ht) in script.hashtables.iter().enumerate() {
            if headers.contains(&i) {
                continue;
            }
            for e in &ht.entries {
                if !is_secret_key(&e.key)
                    || e.key.contains('-')
                    || common::key_refers_to_credential(&e.key)
                    || e.value.literal().is_some_and(common::names_a_credential)
                {
                    continue;
                }
                // `@{ Pass = 'Green'; Fail = 'Red' }`: test outcomes, not a password.
                if e.key.eq_ignore_ascii_case("pass")
                    && e.value
                        .literal()
                        .is_some_and(|v| v.chars().all(char::is_alphabetic))
                {
                    continue;
                }
                let (stmt, scope) = common::enclosing_statement(script, &e.value.span);
                let site = Site {
                    meta: &META,
                    what: what_for(&e.key),
                    position: format!("used as `{}` in a hashtable", e.key),
                    tool: None,
                    flag: Some(e.key.clone()),
                    env_var: env_for(&e.key, ht),
                    statement_start: stmt,
                    scope,
                    applicability: Applicability::Safe,
                };
                common::report_value(cx, site, &e.value, 0..e.value.text.len(), out);
            }
        }
        // Form bodies: `-Body "client_id=…&client_secret=…"`.
        for cmd in &script.commands {
            for (i, arg) in cmd.args.iter().enumerate() {
                let Arg::Flag { name, value, .. } = arg else {
                    continue;
                };
                let lower = name.to_ascii_lowercase();
                if !(lower.len() >= 3 && "-body".starts_with(&lower)) {
                    continue;
                }
                let value = match (value, cmd.args.get(i + 1)) {
                    (Some(v), _) | (None, Some(Arg::Positional(v))) => v,
                    _ => continue,
                };
                form_body(cx, value, cmd, out);
            }
        }
    }
}

/// Reports credential-named fields of an `a=b&c=d` body, literal or through a variable.
fn form_body(cx: &Context, value: &Value, cmd: &crate::model::Command, out: &mut Vec<Finding>) {
    let (target, assignment) = if value.kind == ValueKind::Literal {
        (value, None)
    } else if let Some(var) = value.sole_variable()
        && let Some(a) = common::sole_assignment(cx.flow, cx.script, var)
        && a.value.kind == ValueKind::Literal
    {
        (&a.value, Some(a))
    } else {
        return;
    };
    let text = target.text.as_str();
    if !text.contains('&') || text.contains(['\n', ' ']) {
        return;
    }
    let mut offset = 0;
    for pair in text.split('&') {
        let start = offset;
        offset += pair.len() + 1;
        let Some(eq) = pair.find('=') else {
            continue;
        };
        let key = &pair[..eq];
        if !is_secret_key(key) {
            continue;
        }
        let range = start + eq + 1..start + pair.len();
        let (stmt, scope) = match assignment {
            Some(a) => (a.statement_span.start, a.scope_span.clone()),
            None => (cmd.statement_span.start, cmd.scope.clone()),
        };
        let site = Site {
            meta: &META,
            what: what_for(key),
            position: format!("sent as form field `{key}` of a request body"),
            tool: Some(cmd.raw_name.clone()),
            flag: Some(key.to_owned()),
            env_var: common::env_name_for_key(key),
            statement_start: stmt,
            scope,
            applicability: Applicability::Safe,
        };
        match assignment {
            Some(a) => {
                let part = value.parts[0].clone();
                common::report_assignment(cx, site, a, range, &part, out);
            }
            None => common::report_value(cx, site, target, range, out),
        }
    }
}

/// Keys whose value is a secret. `Credential` is not one: PowerShell takes a user name there
/// and prompts for the password. Connection strings are another rule's.
fn is_secret_key(key: &str) -> bool {
    let words = secret::name_words(key);
    let joined = words.concat();
    if matches!(
        joined.as_str(),
        "credential" | "credentials" | "creds" | "auth" | "connectionstring" | "connstr"
    ) {
        return false;
    }
    // `AzureCredential`, `DbaCredential`: a credential object or the name of a stored one.
    if words
        .last()
        .is_some_and(|w| matches!(w.as_str(), "credential" | "credentials" | "creds"))
    {
        return false;
    }
    secret::is_credential_name(key)
}

fn what_for(key: &str) -> String {
    let words = secret::name_words(key);
    if words
        .iter()
        .any(|w| matches!(w.as_str(), "password" | "passwd" | "pwd" | "pass"))
    {
        "password".into()
    } else if words.iter().any(|w| w == "token") {
        "token".into()
    } else if words.iter().any(|w| w == "secret") {
        "secret".into()
    } else {
        "credential".into()
    }
}

/// `Password` in `$sqlParams` → `SQL_PASSWORD`; `NuGetApiKey` → `NUGET_API_KEY`.
fn env_for(key: &str, ht: &Hashtable) -> String {
    let words = secret::name_words(key);
    let generic = matches!(
        words.concat().as_str(),
        "password" | "passwd" | "pwd" | "pass" | "token" | "secret" | "apikey" | "key"
    );
    let base = match words.concat().as_str() {
        "pwd" | "pass" | "passwd" => "PASSWORD".to_owned(),
        _ => common::env_name_for_key(key),
    };
    if !generic {
        return base;
    }
    let prefix: Vec<String> = ht
        .assigned_to
        .as_deref()
        .map(secret::name_words)
        .unwrap_or_default()
        .into_iter()
        .filter(|w| {
            !matches!(
                w.as_str(),
                "params"
                    | "param"
                    | "parameters"
                    | "splat"
                    | "args"
                    | "arguments"
                    | "body"
                    | "options"
                    | "opts"
                    | "config"
                    | "settings"
                    | "props"
                    | "properties"
                    | "data"
                    | "payload"
                    | "p"
                    | "h"
            ) && !secret::is_credential_name(w)
        })
        .map(|w| w.to_ascii_uppercase())
        .collect();
    if prefix.is_empty() {
        // A user name beside the password: `@{ Name = 'svc-report'; Pwd = … }` → SVC_REPORT_PASSWORD.
        let user = ht.entries.iter().find_map(|e| {
            let k = e.key.to_ascii_lowercase();
            matches!(
                k.as_str(),
                "user" | "username" | "name" | "login" | "userid"
            )
            .then(|| e.value.literal())
            .flatten()
        });
        match user.map(|u| u.rsplit(['\\', '/']).next().unwrap_or(u)) {
            Some(u) if !u.is_empty() && !u.contains('@') => {
                format!("{}_{base}", common::env_name_for_key(u))
            }
            _ => base,
        }
    } else {
        format!("{}_{base}", prefix.join("_"))
    }
}

#[cfg(test)]
mod tests {
    use crate::model::Language;
    use crate::rules::common::test_findings;

    #[test]
    fn splatted_password() {
        let f = test_findings(
            Language::PowerShell,
            "$sqlParams = @{\n    ServerInstance = 'db01'\n    Password = 'p93nzn0%j!ITM+dl8'\n}\nInvoke-Sqlcmd @sqlParams -Query 'SELECT 1'\n",
        );
        assert_eq!(f, vec![("CL008".into(), "p93nzn0%j!ITM+dl8".into())]);
    }

    #[test]
    fn form_body_field() {
        let f = test_findings(
            Language::PowerShell,
            "Invoke-RestMethod -Method Post -Uri https://login.example.org/token -Body \"client_id=abc&client_secret=Qk8~zzT1.aa9Yh2&grant_type=client_credentials\"\n",
        );
        assert_eq!(f, vec![("CL008".into(), "Qk8~zzT1.aa9Yh2".into())]);
    }

    #[test]
    fn credential_user_name_and_env_are_silent() {
        let f = test_findings(
            Language::PowerShell,
            "$p = @{ Credential = 'CONTOSO\\svc-backup'; Password = $env:SVC_PASSWORD; Token = '<your-token>' }\nNew-PSDrive @p\n",
        );
        assert!(f.is_empty(), "{f:?}");
    }
}
