//! CL021 username-and-password-parameters (PSScriptAnalyzer's
//! PSAvoidUsingUsernameAndPasswordParams).

use crate::finding::{Confidence, Finding, Label, RuleMeta, Secret, Severity};
use crate::model::{Language, Parameter};
use crate::rules::plaintext_password_parameter::{declared_type, is_password_name};
use crate::rules::{Context, Rule};
use crate::secret;

pub struct UsernameAndPasswordParameters;

static META: RuleMeta = RuleMeta {
    code: "CL021",
    name: "username-and-password-parameters",
    group: "powershell-hygiene",
    summary: "A function takes a user name and a password as separate parameters",
    docs: r#"# CL021 username-and-password-parameters

## What
Part of the opt-in `powershell-hygiene` group (PSScriptAnalyzer parity): enable it with
`--select powershell-hygiene` (or `all`), or `select` in `credlint.toml`.

A PowerShell function declares both a user-name parameter (`$UserName`, `$User`, `$SqlUser`,
`$Login`, `$AccountName`) and a password parameter (`$Password`, `$Passphrase`, `$AdminPass`)
that is not a `[PSCredential]`, `[SecureString]`, `[switch]` or `[bool]`. This is
PSScriptAnalyzer's `PSAvoidUsingUsernameAndPasswordParams`, with names matched as words (not
PSSA's substrings such as `Name`, `ID` or `Key`, which match almost every parameter). It is
reported once per function, on its first line. No secret is involved: hygiene, warning.

## Why
Separate user-name and password strings push callers to pass the password as plain text
(often literally); a `[PSCredential]` keeps both together, works with `Get-Credential`,
`Get-Secret` and `-Credential` parameters of other cmdlets, and keeps the password encrypted in
memory.

## Example
```powershell
function Connect-Db {
    param([string]$UserName, [string]$Password)
}
```

## Use instead
```powershell
function Connect-Db {
    param([PSCredential]$Credential)
}
```

## Fix safety
No fix: replacing two parameters by one changes the function's interface and every caller.
"#,
    severity: Severity::Warning,
    fix: None,
    security_severity: "4.0",
    precision: "high",
};

/// A user-name parameter: `UserName`, `User`, `SqlUser`, `Login`, `AccountName`, `UserId`.
fn is_user_name(name: &str) -> bool {
    let words = secret::name_words(name);
    let lower = name.to_ascii_lowercase();
    if lower.contains("username") || lower.ends_with("user") || lower.ends_with("login") {
        return true;
    }
    let Some(last) = words.last() else {
        return false;
    };
    match last.as_str() {
        "user" | "username" | "login" | "upn" => true,
        "name" | "id" => words
            .iter()
            .rev()
            .nth(1)
            .is_some_and(|w| matches!(w.as_str(), "user" | "account" | "login" | "logon")),
        _ => false,
    }
}

/// The first line of the function (`function Connect-Db {`), where the finding points: the
/// parameters themselves carry the findings of CL020 and CL007.
fn header_span(text: &str, function: &crate::model::Span) -> crate::model::Span {
    let rest = &text[function.clone()];
    let line = rest.find(['\n', '\r']).unwrap_or(rest.len());
    let line = rest[..line].trim_end().len();
    function.start..function.start + line.max(1).min(rest.len())
}

/// A password parameter not protected by its type.
fn is_plain_password(p: &Parameter) -> bool {
    if !is_password_name(&p.name, false) {
        return false;
    }
    !declared_type(p).is_some_and(|t| {
        let element = t.trim_end_matches("[]");
        matches!(
            element
                .trim_start_matches("system.")
                .trim_start_matches("management.automation.")
                .trim_start_matches("security."),
            "pscredential" | "securestring" | "switch" | "bool" | "boolean"
        )
    })
}

impl Rule for UsernameAndPasswordParameters {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        if cx.source.language != Language::PowerShell {
            return;
        }
        let mut functions: Vec<(&str, &crate::model::Span)> = cx
            .script
            .parameters
            .iter()
            .filter_map(|p| p.function.as_deref().map(|f| (f, &p.function_span)))
            .collect();
        functions.dedup();
        for (function, span) in functions {
            let params: Vec<&Parameter> = cx
                .script
                .parameters
                .iter()
                .filter(|p| p.function.as_deref() == Some(function) && p.function_span == *span)
                .collect();
            let Some(user) = params.iter().find(|p| is_user_name(&p.name)) else {
                continue;
            };
            let Some(password) = params.iter().find(|p| is_plain_password(p)) else {
                continue;
            };
            out.push(Finding {
                code: META.code,
                name: META.name,
                severity: META.severity,
                confidence: Confidence(1.0),
                message: format!(
                    "Function `{function}` takes a user name and a password as separate parameters"
                ),
                // The finding sits on the password parameter, where the fix (one
                // PSCredential) starts; the function and the user-name parameter are labels.
                span: password.name_span.clone(),
                label: "password parameter beside a user-name parameter".to_owned(),
                secondary: vec![
                    Label {
                        span: header_span(&cx.source.text, span),
                        message: format!("function `{function}`"),
                    },
                    Label {
                        span: user.name_span.clone(),
                        message: "user-name parameter".to_owned(),
                    },
                ],
                tool: Some(function.to_owned()),
                flag: Some(format!("${}", password.name)),
                env_var: None,
                secret: Secret::new(""),
                token_kind: None,
                help: Some("take one `[PSCredential]$Credential` parameter instead".to_owned()),
                note: Some("PSScriptAnalyzer: PSAvoidUsingUsernameAndPasswordParams".to_owned()),
                fix: None,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_user_name;

    #[test]
    fn user_names() {
        for n in [
            "UserName",
            "User",
            "SqlUser",
            "adminuser",
            "Login",
            "AccountName",
            "UserId",
        ] {
            assert!(is_user_name(n), "{n}");
        }
        for n in ["ComputerName", "Id", "ApiKey", "Name", "UserGroup", "Users"] {
            assert!(!is_user_name(n), "{n}");
        }
    }
}
