//! CL022 credential-parameter-type (PSScriptAnalyzer's PSUsePSCredentialType).

use crate::finding::{Applicability, Confidence, Edit, Finding, Fix, RuleMeta, Secret, Severity};
use crate::model::Language;
use crate::rules::plaintext_password_parameter::declared_type;
use crate::rules::{Context, Rule};

pub struct CredentialParameterType;

static META: RuleMeta = RuleMeta {
    code: "CL022",
    name: "credential-parameter-type",
    group: "powershell-hygiene",
    summary: "A parameter named Credential is not a PSCredential",
    docs: r#"# CL022 credential-parameter-type

## What
Part of the opt-in `powershell-hygiene` group (PSScriptAnalyzer parity): enable it with
`--select powershell-hygiene` (or `all`), or `select` in `credlint.toml`.

A PowerShell parameter named exactly `Credential` (any case) that is not typed
`[PSCredential]` (`[System.Management.Automation.PSCredential]`): a `[string]`, an
`[object]`, or no type at all. This is PSScriptAnalyzer's `PSUsePSCredentialType`, for
functions and script `param()` blocks. No secret is involved: hygiene, warning.

## Why
Every built-in cmdlet's `-Credential` takes a `[PSCredential]`; a function whose `-Credential`
takes something else surprises callers, and a string one invites a plain-text password.

## Example
```powershell
function Get-Report {
    param([string]$Credential)
}
```

## Use instead
```powershell
function Get-Report {
    param([PSCredential]$Credential)
}
```
With `[System.Management.Automation.Credential()]` too, a user name passed as a string still
prompts for the password.

## Fix safety
Unsafe: the type becomes `[PSCredential]` (inserted when the parameter is untyped); callers
and uses inside the function must follow. No fix when the parameter has a default.
"#,
    severity: Severity::Warning,
    fix: Some(Applicability::Unsafe),
    security_severity: "3.0",
    precision: "very-high",
};

fn is_pscredential(t: &str) -> bool {
    matches!(
        t.trim_start_matches("system.")
            .trim_start_matches("management.automation."),
        "pscredential"
    )
}

impl Rule for CredentialParameterType {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        if cx.source.language != Language::PowerShell {
            return;
        }
        for p in &cx.script.parameters {
            if !p.name.eq_ignore_ascii_case("credential") {
                continue;
            }
            let t = declared_type(p);
            if t.is_some_and(is_pscredential) {
                continue;
            }
            let edit = match (&p.type_span, t) {
                (Some(span), Some(_)) if p.types.len() == 1 => Some(Edit {
                    range: span.clone(),
                    replacement: "[PSCredential]".to_owned(),
                }),
                (None, None) => Some(Edit {
                    range: p.name_span.start..p.name_span.start,
                    replacement: "[PSCredential]".to_owned(),
                }),
                _ => None,
            };
            let fix = edit.filter(|_| p.default.is_none()).map(|e| Fix {
                applicability: Applicability::Unsafe,
                description: format!("declare ${} as [PSCredential]", p.name),
                edits: vec![e],
                guards: Vec::new(),
            });
            let typed = match t {
                Some(t) => format!("typed `[{t}]`"),
                None => "untyped".to_owned(),
            };
            let owner = match &p.function {
                Some(f) => format!("of `{f}` "),
                None => String::new(),
            };
            out.push(Finding {
                code: META.code,
                name: META.name,
                severity: META.severity,
                confidence: Confidence(1.0),
                message: format!(
                    "Parameter `${}` {owner}is {typed}, not a PSCredential",
                    p.name
                ),
                span: p.name_span.clone(),
                label: "not a PSCredential".to_owned(),
                secondary: Vec::new(),
                tool: p.function.clone(),
                flag: Some(format!("${}", p.name)),
                env_var: None,
                secret: Secret::new(""),
                token_kind: None,
                help: Some(format!("declare it as `[PSCredential]${}`", p.name)),
                note: Some("PSScriptAnalyzer: PSUsePSCredentialType".to_owned()),
                fix,
            });
        }
    }
}
