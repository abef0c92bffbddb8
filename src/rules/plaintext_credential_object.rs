//! CL006 plaintext-credential-object.

use crate::finding::{Applicability, Finding, RuleMeta, Severity};
use crate::model::{Invocation, Language, Part, PartKind, Quoting, Value, ValueKind};
use crate::rules::common::{self, Site};
use crate::rules::{Context, Rule};
use crate::secret;

pub struct PlaintextCredentialObject;

static META: RuleMeta = RuleMeta {
    code: "CL006",
    name: "plaintext-credential-object",
    group: "credentials",
    summary: "A SecureString or NetworkCredential is built from a literal password",
    docs: r#"# CL006 plaintext-credential-object

## What
A credential object built from a literal without `ConvertTo-SecureString` (that one is CL002):
a SecureString filled character by character (`'literal'.ToCharArray() | ForEach-Object {
$ss.AppendChar($_) }`, `foreach ($c in 'literal'.ToCharArray()) { … }`, or a run of
`$ss.AppendChar('x')` calls), and `[System.Net.NetworkCredential]::new('user', 'password')` /
`New-Object System.Net.NetworkCredential('user', 'password')` with a literal password. A
variable assigned a literal once is reported at its assignment.

## Why
Building the SecureString by hand does not hide the password: it is still in the script, its
history and every copy of it.

## Example
```powershell
$ss = New-Object System.Security.SecureString
'2=wsL3_2=!*_P!R.'.ToCharArray() | ForEach-Object { $ss.AppendChar($_) }
```

## Use instead
```powershell
if (-not $env:SECURE_PASSWORD) {
	Write-Host "ERROR: SECURE_PASSWORD environment variable not set" -ForegroundColor Red
	exit 1
}

$ss = New-Object System.Security.SecureString
$env:SECURE_PASSWORD.ToCharArray() | ForEach-Object { $ss.AppendChar($_) }
```
or `Read-Host -AsSecureString`, `Get-Credential`, `Get-Secret` (SecretManagement).

## Fix safety
Safe where the password is one literal (it becomes `$env:NAME`, with a guard before the
statement). A run of single-character `AppendChar('x')` calls has no mechanical fix.
"#,
    severity: Severity::Error,
    fix: Some(Applicability::Safe),
    security_severity: "8.0",
    precision: "very-high",
};

impl Rule for PlaintextCredentialObject {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        if cx.source.language != Language::PowerShell {
            return;
        }
        let script = cx.script;
        let appends: Vec<&Invocation> = script
            .invocations
            .iter()
            .filter(|i| i.member == "appendchar" && i.target.starts_with('$'))
            .collect();
        // `'lit'.ToCharArray()` in a statement that appends to a SecureString.
        for inv in &script.invocations {
            if inv.member != "tochararray" {
                continue;
            }
            let Some(append) = appends.iter().find(|a| {
                inv.statement_span.start <= a.span.start && a.span.end <= inv.statement_span.end
            }) else {
                continue;
            };
            let var_name = inv.target.strip_prefix('$').unwrap_or("");
            let env = if secret::is_credential_name(var_name) {
                env_for(var_name)
            } else {
                env_for(&append.target[1..])
            };
            let site = site(
                env,
                inv.statement_span.start,
                inv.scope.clone(),
                "turned into a SecureString with `AppendChar`",
            );
            if let Some(var) = inv.target.strip_prefix('$') {
                let part =
                    common::variable_part(var, inv.span.start..inv.span.start + var.len() + 1);
                if let Some(a) = cx.flow.resolve_part(script, &part) {
                    let mut site = site;
                    if secret::is_credential_name(&a.target) {
                        site.env_var = env_for(&a.target);
                    }
                    common::report_assignment(cx, site, a, 0..a.value.text.len(), &part, out);
                }
                continue;
            }
            let start = inv.span.start
                + cx.source.text[inv.span.clone()]
                    .find(['\'', '"'])
                    .unwrap_or(0);
            if let Some(v) = common::string_at(script, start)
                && v.kind == ValueKind::Literal
                && v.span.end <= inv.span.end
            {
                common::report_value(cx, site, v, 0..v.text.len(), out);
            }
        }
        run_of_chars(cx, &appends, out);
        // NetworkCredential with a literal password.
        for inv in &script.invocations {
            let target = inv.target.trim_start_matches("system.");
            if target != "net.networkcredential" || inv.member != "new" || inv.args.len() < 2 {
                continue;
            }
            let password = &inv.args[1];
            let env = match inv.args[0].literal() {
                Some(user) if !user.is_empty() => {
                    let user = user.rsplit(['\\', '@']).next().unwrap_or(user);
                    let user = user.split('@').next().unwrap_or(user);
                    format!("{}_PASSWORD", common::env_name_from(user))
                }
                _ => "NETWORK_PASSWORD".into(),
            };
            let site = site(
                env,
                inv.statement_span.start,
                inv.scope.clone(),
                "passed to `NetworkCredential`",
            );
            common::report_value(cx, site, password, 0..password.text.len(), out);
        }
    }
}

fn site(env_var: String, stmt: usize, scope: crate::model::Span, position: &str) -> Site {
    Site {
        meta: &META,
        what: "password".into(),
        position: position.into(),
        tool: None,
        flag: None,
        env_var,
        statement_start: stmt,
        scope,
        applicability: Applicability::Safe,
    }
}

/// A run of `$ss.AppendChar('x')` calls with literal characters on one SecureString: the
/// password is spread over them; reported once, without a fix.
fn run_of_chars(cx: &Context, appends: &[&Invocation], out: &mut Vec<Finding>) {
    let mut targets: Vec<&str> = appends.iter().map(|a| a.target.as_str()).collect();
    targets.sort();
    targets.dedup();
    for target in targets {
        let calls: Vec<&&Invocation> = appends
            .iter()
            .filter(|a| a.target == target && a.args.len() == 1 && a.args[0].literal().is_some())
            .collect();
        if calls.len() < 4 {
            continue;
        }
        let text: String = calls.iter().filter_map(|a| a.args[0].literal()).collect();
        let (first, last) = (calls[0], calls[calls.len() - 1]);
        let span = first.args[0].span.start..last.args[0].span.end;
        // A synthetic value over the run: not verbatim, so no mechanical fix is offered.
        let value = Value {
            span: span.clone(),
            text: text.clone(),
            kind: ValueKind::Literal,
            quoting: Quoting::HereSingle,
            parts: vec![Part {
                kind: PartKind::Static,
                text_range: 0..text.len(),
                span,
                verbatim: false,
            }],
            hashtable: None,
            command: None,
            elements: Vec::new(),
        };
        let mut s = site(
            env_for(&target[1..]),
            first.statement_span.start,
            first.scope.clone(),
            "appended to a SecureString character by character",
        );
        s.applicability = Applicability::DisplayOnly;
        common::report_value(cx, s, &value, 0..text.len(), out);
    }
}

fn env_for(var: &str) -> String {
    if secret::is_credential_name(var) {
        let name = common::env_name_from(var);
        if name.contains("PASS") {
            return name;
        }
        return format!("{name}_PASSWORD");
    }
    "SECURE_PASSWORD".into()
}

#[cfg(test)]
mod tests {
    use crate::model::Language;
    use crate::rules::common::test_findings;

    #[test]
    fn tochararray_pipeline() {
        let f = test_findings(
            Language::PowerShell,
            "$ss = New-Object System.Security.SecureString\n'2=wsL3_2=!*_P!R.'.ToCharArray() | ForEach-Object { $ss.AppendChar($_) }\n",
        );
        assert_eq!(f, vec![("CL006".into(), "2=wsL3_2=!*_P!R.".into())]);
    }

    #[test]
    fn network_credential() {
        let f = test_findings(
            Language::PowerShell,
            "$nc = [System.Net.NetworkCredential]::new('svc-sync', 'Vq7!mWz2pLk9')\n$n2 = New-Object System.Net.NetworkCredential('u', $env:SYNC_PASSWORD)\n",
        );
        assert_eq!(f, vec![("CL006".into(), "Vq7!mWz2pLk9".into())]);
    }

    #[test]
    fn dynamic_input_is_silent() {
        let f = test_findings(
            Language::PowerShell,
            "$ss = New-Object System.Security.SecureString\n$env:ADMIN_PASSWORD.ToCharArray() | ForEach-Object { $ss.AppendChar($_) }\n",
        );
        assert!(f.is_empty(), "{f:?}");
    }
}
