//! CL002 plaintext-securestring.

use crate::finding::{Applicability, Finding, RuleMeta, Severity};
use crate::rules::secret_in_argument::check_catalog;
use crate::rules::{Context, Rule};

pub struct PlaintextSecureString;

static META: RuleMeta = RuleMeta {
    code: "CL002",
    name: "plaintext-securestring",
    group: "credentials",
    summary: "ConvertTo-SecureString turns a literal password into a SecureString",
    docs: r#"# CL002 plaintext-securestring

## What
`ConvertTo-SecureString 'literal' -AsPlainText -Force` (also `-String 'literal'`, parameter
abbreviations such as `-AsPlain`, and `'literal' | ConvertTo-SecureString -AsPlainText`). Unlike
PSScriptAnalyzer's PSAvoidUsingConvertToSecureStringWithPlainText, only a *literal* input is
reported (directly or through a variable assigned a literal once): converting a value read
from `$env:`, `Read-Host` or a secret store is fine.

## Why
The SecureString protects nothing when its plaintext sits in the script: the password is in
the repository, its history and every copy of the file.

## Example
```powershell
$secure = ConvertTo-SecureString 'Mustang93' -AsPlainText -Force
```

## Use instead
```powershell
if (-not $env:SECURE_PASSWORD) {
	Write-Host "ERROR: SECURE_PASSWORD environment variable not set" -ForegroundColor Red
	exit 1
}

$secure = ConvertTo-SecureString $env:SECURE_PASSWORD -AsPlainText -Force
```
or `Read-Host -AsSecureString`, `Get-Credential`, `Get-Secret` (SecretManagement).

## Fix safety
Safe: the literal becomes `$env:NAME` with a guard before the statement.
"#,
    severity: Severity::Error,
    fix: Some(Applicability::Safe),
    security_severity: "8.0",
    precision: "very-high",
};

impl Rule for PlaintextSecureString {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        check_catalog(cx, &META, out);
    }
}
