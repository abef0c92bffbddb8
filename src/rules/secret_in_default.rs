//! CL007 secret-in-default.

use crate::finding::{Applicability, Edit, Finding, Fix, GuardRequest, RuleMeta, Severity};
use crate::model::{Language, PartKind, Quoting};
use crate::rules::common::{self, Draft};
use crate::rules::secret_in_env_assignment::{
    NATIVE_CREDENTIAL_VARIABLES, is_setting_word, what_from_name,
};
use crate::rules::{Context, Rule};
use crate::secret;

pub struct SecretInDefault;

static META: RuleMeta = RuleMeta {
    code: "CL007",
    name: "secret-in-default",
    group: "credentials",
    summary: "A credential is the literal default of a parameter or variable expansion",
    docs: r#"# CL007 secret-in-default

## What
A credential-named parameter with a literal default value, PowerShell
`param([string]$Token = '…')` (script, function and advanced-function parameters), and shell
fallbacks `${DB_PASSWORD:-…}`, `${X-…}`, `${X:=…}`, `${X=…}` anywhere in a word, where the
variable is credential-named or one a tool reads natively. A default that is a known token
format (`ghp_…`, a Teams or Slack webhook URL, `AIza…`) is reported whatever the name.

## Why
The default is used whenever the caller or the environment does not provide a value, so the
credential is in the repository, its history and every copy of the script; the fallback also
hides a missing configuration by silently using the embedded credential.

## Example
```powershell
param([string]$ApiToken = 'Kq7vR2xLp9WzT4')
```
```bash
GEO_API_KEY=${GEO_API_KEY:-AIza…}
```

## Use instead
```powershell
param([string]$ApiToken = $env:API_TOKEN)
```
```bash
if [ -z "${GEO_API_KEY:-}" ]; then
	echo "ERROR: GEO_API_KEY environment variable not set" >&2
	exit 1
fi

GEO_API_KEY=${GEO_API_KEY}
```
Not reported: defaults read from the environment or a secret store
(`$Token = $env:API_TOKEN`, `$Cred = (Get-Secret …)`), placeholders, dummy values, file paths.

## Fix safety
PowerShell: safe, the default becomes `$env:NAME` (valid in a `param()` block); no guard is
inserted, because a guard would stop callers that pass the parameter explicitly, and a guard
cannot precede `param()`. Shell: unsafe, `${X:-literal}` becomes `${X}` with a guard for `X`
before the statement: the script no longer falls back, it stops when `X` is not set.
"#,
    severity: Severity::Error,
    fix: Some(Applicability::Safe),
    security_severity: "7.5",
    precision: "very-high",
};

impl Rule for SecretInDefault {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        parameter_defaults(cx, out);
        if cx.source.language == Language::Shell {
            expansion_defaults(cx, out);
        }
    }
}

fn credential_variable(name: &str) -> bool {
    secret::is_credential_name(name)
        || NATIVE_CREDENTIAL_VARIABLES.contains(&name.to_ascii_uppercase().as_str())
}

/// The confidence for a default literal, `None` when it is not worth reporting.
fn default_confidence(name: Option<&str>, text: &str) -> Option<crate::finding::Confidence> {
    let token = secret::whole_token(text);
    if token.is_none() && !name.is_some_and(credential_variable) {
        return None;
    }
    if token.is_none() && (common::looks_like_path(text) || is_setting_word(text)) {
        return None;
    }
    common::credential_confidence(text)
}

/// `Credential`, `Creds`, `SqlCredential`: the name says "credential object", not "password".
fn credential_object_name(name: &str) -> bool {
    let words = secret::name_words(name);
    words
        .iter()
        .any(|w| matches!(w.as_str(), "cred" | "creds" | "credential" | "credentials"))
        && !words.iter().any(|w| {
            matches!(
                w.as_str(),
                "password" | "passwd" | "pwd" | "pass" | "secret" | "token" | "key"
            )
        })
}

/// `DOMAIN\user` or `user@domain.tld`.
fn is_account_name(text: &str) -> bool {
    let ok = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    };
    match text.split_once(['\\', '@']) {
        Some((a, b)) => ok(a) && ok(b),
        None => false,
    }
}

fn parameter_defaults(cx: &Context, out: &mut Vec<Finding>) {
    let language = cx.source.language;
    for p in &cx.script.parameters {
        let Some(default) = &p.default else { continue };
        let Some(text) = default.literal() else {
            continue;
        };
        // Switches, booleans and numbers hold no credential.
        if p.types.iter().any(|t| {
            matches!(
                t.as_str(),
                "switch" | "bool" | "int" | "int32" | "int64" | "long" | "double" | "datetime"
            )
        }) {
            continue;
        }
        // A `[PSCredential]` or a credential-named parameter defaults to an account name
        // (`'CONTOSO\svc-deploy'`, `'svc@contoso.com'`), not a password.
        if p.types.iter().any(|t| t.ends_with("pscredential"))
            || (credential_object_name(&p.name) && is_account_name(text))
        {
            continue;
        }
        let Some(confidence) = default_confidence(Some(&p.name), text) else {
            continue;
        };
        // A known token under an unrelated name (`$RoutingEndpoint`) takes the token's name.
        let env_var = match secret::whole_token(text) {
            Some(t) if !credential_variable(&p.name) => t.env.to_owned(),
            _ => common::env_name_from(&p.name),
        };
        let mut finding = Draft {
            meta: &META,
            language,
            value: default,
            range: 0..text.len(),
            confidence,
            position: format!("is the default value of parameter `${}`", p.name),
            what: what_from_name(&p.name).to_owned(),
            tool: p.function.clone(),
            flag: Some(format!("${}", p.name)),
            env_var: env_var.clone(),
            revoke: None,
            statement_start: p.span.start,
            scope: p.function_span.clone(),
            help_prefix: Some(format!("${} = ", p.name)),
            secondary: Vec::new(),
            applicability: if default.quoting == Quoting::HereSingle {
                Applicability::DisplayOnly
            } else {
                Applicability::Safe
            },
        }
        .finish();
        // A guard would stop callers that pass the parameter, and cannot precede `param()`.
        if let Some(fix) = &mut finding.fix {
            fix.guards.clear();
        }
        out.push(finding);
    }
}

fn expansion_defaults(cx: &Context, out: &mut Vec<Finding>) {
    let language = cx.source.language;
    let mut seen = Vec::new();
    common::each_value(cx.script, |value, site| {
        if matches!(value.quoting, Quoting::HereSingle) {
            return;
        }
        for part in &value.parts {
            let PartKind::Dynamic {
                variable,
                default: Some(default),
                ..
            } = &part.kind
            else {
                continue;
            };
            if seen.contains(&default.span) {
                continue;
            }
            let Some(text) = default.literal() else {
                continue;
            };
            let Some(confidence) = default_confidence(variable.as_deref(), text) else {
                continue;
            };
            seen.push(default.span.clone());
            let guardable = variable
                .as_deref()
                .filter(|v| crate::fix::guard::is_valid_env_name(v));
            let env_var = match guardable {
                Some(v) => v.to_owned(),
                None => secret::whole_token(text)
                    .map(|t| t.env.to_owned())
                    .unwrap_or_else(|| "SECRET".to_owned()),
            };
            let shown = variable.as_deref().unwrap_or("?");
            let mut finding = Draft {
                meta: &META,
                language,
                value: default,
                range: 0..text.len(),
                confidence,
                position: format!("is the fallback default of `${{{shown}}}`"),
                what: what_from_name(shown).to_owned(),
                tool: None,
                flag: Some(shown.to_owned()),
                env_var: env_var.clone(),
                revoke: None,
                statement_start: site.statement_start,
                scope: site.scope.clone(),
                help_prefix: None,
                secondary: Vec::new(),
                applicability: Applicability::Unsafe,
            }
            .finish();
            finding.help = Some(format!(
                "drop the fallback: write `${{{env_var}}}` and set {env_var} outside the script (CI secret, vault); stop when it is missing"
            ));
            finding.fix = guardable.map(|v| Fix {
                applicability: Applicability::Unsafe,
                description: format!("drop the fallback and require {v} from the environment"),
                edits: vec![Edit {
                    range: part.span.clone(),
                    replacement: format!("${{{v}}}"),
                }],
                guards: vec![GuardRequest {
                    variable: v.to_owned(),
                    before: site.statement_start,
                    scope: site.scope.clone(),
                }],
            });
            out.push(finding);
        }
    });
}

#[cfg(test)]
mod tests {
    use crate::engine::{self, Settings};
    use crate::fix::{self, FixOptions};
    use crate::model::Language;
    use crate::source::{Encoding, SourceFile};

    fn run(
        language: Language,
        text: &str,
        unsafe_fixes: bool,
    ) -> (Vec<(usize, &'static str)>, String) {
        let name = if language == Language::Shell {
            "t.sh"
        } else {
            "t.ps1"
        };
        let src = SourceFile::from_text(name, language, text.to_owned(), Encoding::Utf8);
        let out = engine::lint(&src, &Settings::default()).unwrap();
        let header_end = out.header_end;
        let opts = FixOptions {
            unsafe_fixes,
            ..FixOptions::default()
        };
        let fixed = fix::fix_file_text(&src, &out.findings, header_end, &opts)
            .unwrap()
            .text;
        let codes = out
            .findings
            .iter()
            .filter(|f| f.code == "CL007")
            .map(|f| (src.line_col(f.span.start).0, f.code))
            .collect();
        (codes, fixed)
    }

    #[test]
    fn powershell_default_becomes_env_reference() {
        let text = "function Send-It {\n    param([string]$ApiToken = 'Kq7vR2xLp9WzT4', [string]$Title = 'Nightly job')\n    $ApiToken\n}\n";
        let (codes, fixed) = run(Language::PowerShell, text, false);
        assert_eq!(codes, vec![(2, "CL007")]);
        assert!(
            fixed.contains("[string]$ApiToken = $env:API_TOKEN,"),
            "{fixed}"
        );
        assert!(!fixed.contains("if (-not"), "{fixed}");
    }

    #[test]
    fn shell_fallback_is_dropped_with_a_guard() {
        let text = "#!/bin/sh\nKEY=${GEO_API_KEY:-Kq7vR2xLp9WzT4}\nREGION=${REGION:-eu-west-1}\necho \"$KEY\"\n";
        let (codes, fixed) = run(Language::Shell, text, true);
        assert_eq!(codes, vec![(2, "CL007")]);
        assert_eq!(
            fixed,
            "#!/bin/sh\nif [ -z \"${GEO_API_KEY:-}\" ]; then\n\techo \"ERROR: GEO_API_KEY environment variable not set\" >&2\n\texit 1\nfi\n\nKEY=${GEO_API_KEY}\nREGION=${REGION:-eu-west-1}\necho \"$KEY\"\n"
        );
    }

    #[test]
    fn account_names_and_settings_are_not_secrets() {
        let text = "function Connect-It {\n    param([pscredential]$Credential = 'CONTOSO\\svc-deploy', [string]$Auth = 'Negotiate')\n    $Auth\n}\n";
        let (codes, _) = run(Language::PowerShell, text, false);
        assert!(codes.is_empty(), "{codes:?}");
        assert!(super::is_account_name("svc@contoso.example"));
        assert!(!super::is_account_name("Kq7v@R2x!Lp9"));
    }

    #[test]
    fn known_token_default_whatever_the_name() {
        let text = "curl -s \"https://api.example.com/?k=${MAPS:-AIzaSyD4kLm2Qx9vRt7WzPn3Hj6Fc8Ub1Ye5Ko0}\"\n";
        let (codes, _) = run(Language::Shell, text, false);
        assert_eq!(codes, vec![(1, "CL007")]);
    }
}
