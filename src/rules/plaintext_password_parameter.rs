//! CL020 plaintext-password-parameter (PSScriptAnalyzer's PSAvoidUsingPlainTextForPassword).

use crate::finding::{Applicability, Confidence, Edit, Finding, Fix, RuleMeta, Secret, Severity};
use crate::model::{Language, Parameter};
use crate::rules::{Context, Rule};
use crate::secret;

pub struct PlaintextPasswordParameter;

static META: RuleMeta = RuleMeta {
    code: "CL020",
    name: "plaintext-password-parameter",
    group: "powershell-hygiene",
    summary: "A password or credential parameter is a plain string",
    docs: r#"# CL020 plaintext-password-parameter

## What
Part of the opt-in `powershell-hygiene` group (PSScriptAnalyzer parity): enable it with
`--select powershell-hygiene` (or `all`), or `select` in `credlint.toml`.

A PowerShell parameter whose name says it holds a password or credential (`Password`,
`Passphrase`, `Pass`, `Pwd`, `Cred`, `Credential`, as a word of the name: `$SqlPassword`,
`$AdminPass`, `$Creds`) is typed `[string]`, `[object]`, an array of those, or not typed at all.
This is PSScriptAnalyzer's `PSAvoidUsingPlainTextForPassword`, matched on name words rather
than substrings (`$Bypass`, `$Compass` and `$PasswordFile`, `$PasswordLength` are not
passwords). A parameter named exactly `Credential` is left to CL022. No secret is involved:
this is hygiene, reported as a warning.

## Why
A plain string parameter invites callers to write the password literally
(`-Password 'Summer2022'`), keeps it in memory and in transcripts as plain text, and shows it in
the command history.

## Example
```powershell
param([string]$Password)
```

## Use instead
```powershell
param([SecureString]$Password)
```
or a `[PSCredential]` parameter (`Get-Credential`, `Get-Secret`).

## Fix safety
Unsafe: the type becomes `[SecureString]` (`[SecureString[]]` for arrays; inserted when the
parameter is untyped). Every caller and every use inside the function must change with it, and
a literal default no longer converts; there is no fix when the parameter has a default.
"#,
    severity: Severity::Warning,
    fix: Some(Applicability::Unsafe),
    security_severity: "4.0",
    precision: "high",
};

/// True when a parameter name says it holds a password (or, with `credentials`, a credential):
/// a word of the name is one of the password words, and the name does not describe something
/// about the password (`PasswordFile`, `PasswordLength`).
pub fn is_password_name(name: &str, credentials: bool) -> bool {
    let words = secret::name_words(name);
    let lower = name.to_ascii_lowercase();
    let password_word = |w: &str| {
        matches!(w, "password" | "passwd" | "passphrase" | "pass" | "pwd")
            || (credentials && matches!(w, "cred" | "creds" | "credential" | "credentials"))
    };
    // Lower-case compounds such as `adminpassword` are one word.
    let compound = ["password", "passphrase"]
        .iter()
        .chain(if credentials {
            &["credential"][..]
        } else {
            &[][..]
        })
        .any(|w| lower.contains(w));
    (words.iter().any(|w| password_word(w)) || compound) && !describes_password(&words)
}

/// The last word qualifies the password rather than holding it.
fn describes_password(words: &[String]) -> bool {
    words.len() > 1
        && words.last().is_some_and(|w| {
            matches!(
                w.as_str(),
                "file"
                    | "path"
                    | "length"
                    | "len"
                    | "policy"
                    | "prompt"
                    | "expiry"
                    | "expires"
                    | "expiration"
                    | "age"
                    | "hint"
                    | "reset"
                    | "changed"
                    | "required"
                    | "never"
                    | "count"
                    | "name"
                    | "id"
                    | "type"
                    | "hash"
                    | "env"
                    | "var"
                    | "variable"
                    | "secret"
                    | "vault"
                    | "store"
                    | "url"
                    | "uri"
                    | "set"
                    | "last"
                    | "enabled"
                    | "complexity"
                    | "history"
            )
        })
}

/// The parameter's declared type (the constraint nearest the variable), lower-cased.
pub fn declared_type(p: &Parameter) -> Option<&str> {
    p.types.last().map(String::as_str)
}

/// `[string]`, `[object]`, arrays of them, or no type at all.
fn is_plaintext_type(t: Option<&str>) -> bool {
    let Some(t) = t else { return true };
    let element = t.trim_end_matches("[]");
    matches!(
        element.trim_start_matches("system."),
        "string" | "object" | "psobject"
    )
}

impl Rule for PlaintextPasswordParameter {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        if cx.source.language != Language::PowerShell {
            return;
        }
        for p in &cx.script.parameters {
            if p.name.eq_ignore_ascii_case("credential") || !is_password_name(&p.name, true) {
                continue;
            }
            let t = declared_type(p);
            if !is_plaintext_type(t) {
                continue;
            }
            let array = t.is_some_and(|t| t.ends_with("[]"));
            let replacement = if array {
                "[SecureString[]]"
            } else {
                "[SecureString]"
            };
            let edit = match (&p.type_span, t) {
                (Some(span), Some(_)) if p.types.len() == 1 => Some(Edit {
                    range: span.clone(),
                    replacement: replacement.to_owned(),
                }),
                (None, None) => Some(Edit {
                    range: p.name_span.start..p.name_span.start,
                    replacement: replacement.to_owned(),
                }),
                _ => None,
            };
            let fix = edit.filter(|_| p.default.is_none()).map(|e| Fix {
                applicability: Applicability::Unsafe,
                description: format!("declare ${} as {replacement}", p.name),
                edits: vec![e],
                guards: Vec::new(),
            });
            let typed = match t {
                Some(t) => format!("typed `[{t}]`"),
                None => "untyped".to_owned(),
            };
            out.push(Finding {
                code: META.code,
                name: META.name,
                severity: META.severity,
                confidence: Confidence(1.0),
                message: format!("Parameter `${}` holds a password but is {typed}", p.name),
                span: p.name_span.clone(),
                label: "plain-text password parameter".to_owned(),
                secondary: Vec::new(),
                tool: p.function.clone(),
                flag: Some(format!("${}", p.name)),
                env_var: None,
                secret: Secret::new(""),
                token_kind: None,
                help: Some(format!(
                    "declare it as `{replacement}${}` or take a `[PSCredential]`",
                    p.name
                )),
                note: Some("PSScriptAnalyzer: PSAvoidUsingPlainTextForPassword".to_owned()),
                fix,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_password_name;

    #[test]
    fn password_names() {
        for n in [
            "Password",
            "SqlPassword",
            "adminpassword",
            "AdminPass",
            "Passphrase",
            "Creds",
            "DbPwd",
        ] {
            assert!(is_password_name(n, true), "{n}");
        }
        for n in [
            "Bypass",
            "Compass",
            "PasswordFile",
            "PasswordLength",
            "Passenger",
            "UserName",
            "SkipPasswordPrompt",
        ] {
            assert!(!is_password_name(n, true), "{n}");
        }
        assert!(!is_password_name("Credential", false));
    }
}
