//! CL012 known-token.

use crate::finding::{Applicability, Confidence, Finding, RuleMeta, Severity};
use crate::model::{Quoting, Script, Span, Value};
use crate::rules::common::{self, Draft};
use crate::rules::{Context, Rule};
use crate::secret::{self, TokenMatch};

pub struct KnownToken;

static META: RuleMeta = RuleMeta {
    code: "CL012",
    name: "known-token",
    group: "credentials",
    summary: "A recognised token format appears in the script",
    docs: r#"# CL012 known-token

## What
A string, bare word, heredoc or here-string body, or comment contains a token in a recognised
format: PyPI/TestPyPI macaroons, GitHub classic (`ghp_`, `gho_`, `ghs_`, … with their CRC32
checksum), fine-grained and app tokens, GitLab (`glpat-` …), npm (checksummed), NuGet (`oy2…`), AWS
access key IDs, Slack tokens and webhook URLs, Teams and Discord webhook URLs, Stripe, SendGrid,
JWTs, private key blocks, Docker Hub, Vault, Google, OpenAI, Anthropic, Azure client secrets and
storage keys, Azure DevOps PATs, Telegram bot tokens (also inside Bot API URLs), crates.io,
Atlassian, Artifactory, SonarQube, Shopify, Mailgun, Hugging Face, DigitalOcean, Databricks,
Grafana, New Relic, Postman.

This rule is the safety net: it only reports tokens that no more specific rule (a command
argument, an environment assignment, a URL, a header …) already reports. Checksums and the
PyPI macaroon location are validated offline; a token whose checksum fails is still reported
with medium confidence (it may be mistyped, or a checksum-less older format). Placeholders
(`ghp_xxxx…`), vendor documentation examples (`AKIAIOSFODNN7EXAMPLE`, jwt.io's sample) and
look-alikes such as SHAs, GUIDs and digests (which match no format) are not reported.

## Why
A token in a recognisable format is what secret scanners, and attackers, search public code for
first. A commented-out command with a token is just as leaked as a live one.

## Example
```bash
# old way, kept for reference:
# git clone https://ci:glpat-…@gitlab.com/hooli/protocol.git
curl -X POST -d @payload.json https://hooks.slack.com/services/T0…/B0…/…
```

## Use instead
Delete the token from comments and revoke it. In code, read it from the environment:
```bash
if [ -z "${SLACK_WEBHOOK_URL:-}" ]; then
	echo "ERROR: SLACK_WEBHOOK_URL environment variable not set" >&2
	exit 1
fi

curl -X POST -d @payload.json "$SLACK_WEBHOOK_URL"
```

## Fix safety
Safe for literals in code: the token becomes an environment reference of the same quoting
context, named after the token kind (`GITLAB_TOKEN`, `SLACK_WEBHOOK_URL`), with a guard.
Display-only in comments (the fix is deleting the token, after revoking it) and in literal
heredocs and here-strings (a reference would not expand).
"#,
    severity: Severity::Error,
    fix: Some(Applicability::Safe),
    security_severity: "8.0",
    precision: "very-high",
};

impl Rule for KnownToken {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn fallback(&self) -> bool {
        true
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for value in &cx.script.strings {
            for token in tokens_in(value) {
                report(cx, value, &token, false, out);
            }
        }
        for comment in &cx.script.comments {
            let value = common::comment_value(comment);
            for token in tokens_in(&value) {
                report(cx, &value, &token, true, out);
            }
        }
    }
}

/// Known tokens in the static text of `value`, without placeholders and vendor examples.
pub fn tokens_in(value: &Value) -> Vec<TokenMatch> {
    secret::find_tokens(&value.text)
        .into_iter()
        .filter(|t| value.is_static_range(t.range.clone()))
        .filter(|t| {
            let text = &value.text[t.range.clone()];
            !secret::is_vendor_example_token(text) && !is_masked(text)
        })
        .collect()
}

/// Tokens written as a mask or a made-up run (`ghp_xxxxxxxx…`, `AKIA0000000000000000`): too few
/// distinct characters for a generated secret.
fn is_masked(token: &str) -> bool {
    let mut seen = [false; 256];
    for b in token.bytes() {
        seen[b as usize] = true;
    }
    let distinct = seen.iter().filter(|&&s| s).count();
    distinct < 10 && token.len() >= 16
}

/// What holds the value, for the message: "in an argument of `curl`", "in a heredoc body".
fn position(script: &Script, value: &Value, span: &Span, in_comment: bool) -> String {
    if in_comment {
        return "in a comment".into();
    }
    match value.quoting {
        Quoting::HereSingle | Quoting::HereDouble => {
            return match script.language {
                Some(crate::model::Language::PowerShell) => "in a here-string".into(),
                _ => "in a heredoc body".into(),
            };
        }
        _ => {}
    }
    let inner = |outer: &Span| outer.start <= span.start && span.end <= outer.end;
    if let Some(p) = script
        .parameters
        .iter()
        .find(|p| p.default.as_ref().is_some_and(|d| inner(&d.span)))
    {
        return format!("in the default value of parameter `${}`", p.name);
    }
    let command = script
        .commands
        .iter()
        .filter(|c| inner(&c.span) && !inner(&c.name_span))
        .min_by_key(|c| c.span.end - c.span.start);
    let assignment = script
        .assignments
        .iter()
        .filter(|a| inner(&a.value.span))
        .min_by_key(|a| a.span.end - a.span.start);
    match (command, assignment) {
        (Some(c), Some(a)) if a.span.end - a.span.start < c.span.end - c.span.start => {
            format!("assigned to `{}`", a.target)
        }
        (Some(c), _) => format!("in an argument of `{}`", c.raw_name),
        (None, Some(a)) => format!("assigned to `{}`", a.target),
        (None, None) => "in a string literal".into(),
    }
}

fn report(
    cx: &Context,
    value: &Value,
    token: &TokenMatch,
    in_comment: bool,
    out: &mut Vec<Finding>,
) {
    let span = value.source_range(token.range.clone());
    let (statement_start, scope) = common::guard_site(cx.script, &span, cx.source.text.len());
    let confidence: Confidence = token.confidence();
    let piece = if in_comment {
        None
    } else {
        common::concatenated_piece(cx.source.language, &cx.source.text, value, &token.range)
    };
    let (value, range) = match &piece {
        Some((v, r)) => (v, r.clone()),
        None => (value, token.range.clone()),
    };
    let mut f = Draft {
        meta: &META,
        language: cx.source.language,
        value,
        range,
        confidence,
        position: position(cx.script, value, &span, in_comment),
        what: token.kind.into(),
        tool: None,
        flag: None,
        env_var: token.env.into(),
        revoke: token.revoke.map(str::to_owned),
        statement_start,
        scope,
        help_prefix: None,
        secondary: Vec::new(),
        applicability: if value.quoting == Quoting::HereSingle {
            Applicability::DisplayOnly
        } else {
            Applicability::Safe
        },
    }
    .finish();
    if in_comment {
        common::into_comment_finding(&mut f);
    }
    out.push(f);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Part, PartKind, ValueKind};

    fn literal(text: &str) -> Value {
        Value {
            span: 0..text.len(),
            text: text.into(),
            kind: ValueKind::Literal,
            quoting: Quoting::Double,
            parts: vec![Part {
                kind: PartKind::Static,
                text_range: 0..text.len(),
                span: 0..text.len(),
                verbatim: true,
            }],
            hashtable: None,
            command: None,
            elements: Vec::new(),
        }
    }

    #[test]
    fn finds_tokens_but_not_masks_or_examples() {
        let v = literal("clone https://ci:glpat-89xo34EDew-eEHVABavF@gitlab.com/x.git");
        let t = tokens_in(&v);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].env, "GITLAB_TOKEN");
        assert!(tokens_in(&literal("ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")).is_empty());
        assert!(tokens_in(&literal("AKIAIOSFODNN7EXAMPLE")).is_empty());
        assert!(
            tokens_in(&literal(
                "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
            ))
            .is_empty()
        );
        assert!(tokens_in(&literal("6f1ed002-ab5d-42b6-9d2e-6d3b1f4e0a55")).is_empty());
    }

    #[test]
    fn telegram_token_inside_bot_url() {
        let v = literal(
            "https://api.telegram.org/bot123456789:AAHk3q9Zx7Lw2Pn5Rt8Vb1Cd4Ef6Gh0Jk3M/sendMessage",
        );
        let t = tokens_in(&v);
        assert_eq!(t.len(), 1);
        assert_eq!(
            &v.text[t[0].range.clone()],
            "123456789:AAHk3q9Zx7Lw2Pn5Rt8Vb1Cd4Ef6Gh0Jk3M"
        );
    }
}
