//! CL900 unused-suppression. The check itself lives in [`crate::suppress`], which runs after
//! every other rule; this file holds the rule's metadata and documentation.

use crate::finding::{Finding, RuleMeta, Severity};
use crate::rules::{Context, Rule};

pub struct UnusedSuppression;

static META: RuleMeta = RuleMeta {
    code: "CL900",
    name: "unused-suppression",
    group: "meta",
    summary: "A `credlint: ignore` comment that suppresses nothing, names an unknown rule or does not parse",
    docs: r#"# CL900 unused-suppression

## What
A suppression comment — `# credlint: ignore`, `# credlint: ignore[CL001,secret-in-argument]`,
`<# credlint: ignore #>`, `# credlint: ignore-file` — that suppresses no finding, lists a rule
that found nothing on its line, names a rule that does not exist, or starts with `credlint:`
but does not parse (for example `ignore-file` below the first comment block of the file).

## Why
A suppression outlives the credential it was written for: once the secret is gone, a stale
`credlint: ignore` silently hides the next credential pasted on that line. A typo in a
directive (`credlint: ignroe`) hides nothing and gives a false sense of safety.

## Example
```bash
docker login -u me --password-stdin <<< "$TOKEN"  # credlint: ignore -- was a literal once
```

## Use instead
Remove the comment, or narrow it to the rules it is meant for:
```bash
curl -u "admin:$PASS" https://example.test  # credlint: ignore[CL001] -- test server
```

## Fix safety
No automatic fix: removing a comment is left to the author. Suppressions are ignored entirely
with `--no-inline-suppressions`; a rule code of a rule that is not selected is not reported.
"#,
    severity: Severity::Warning,
    fix: None,
    security_severity: "1.0",
    precision: "very-high",
};

/// The rule's metadata (used by `suppress` to build findings).
pub fn meta() -> &'static RuleMeta {
    &META
}

impl Rule for UnusedSuppression {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, _cx: &Context, _out: &mut Vec<Finding>) {
        // Runs in `suppress::apply`, after every other rule.
    }
}
