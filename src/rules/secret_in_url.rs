//! CL004 secret-in-url.

use std::ops::Range;

use crate::finding::{Applicability, Finding, Label, RuleMeta, Severity};
use crate::model::{Arg, Language, Quoting, Value};
use crate::rules::common::{self, Draft, Located};
use crate::rules::{Context, Rule};
use crate::secret;

pub struct SecretInUrl;

static META: RuleMeta = RuleMeta {
    code: "CL004",
    name: "secret-in-url",
    group: "credentials",
    summary: "A credential is written into a URL (userinfo or query string)",
    docs: r#"# CL004 secret-in-url

## What
A password or token inside a URL, wherever the URL appears (argument, string, assignment,
parameter default, heredoc body, comment):
- userinfo: `https://user:secret@host`, `https://ghp_…@github.com`, git remotes and
  `url."https://oauth2:glpat-…@gitlab.com/".insteadOf`, `--index-url https://user:tok@…`,
  database URIs (`postgresql://u:p@h/db`, `mysql://`, `mongodb+srv://`, `redis://:pass@host`,
  `amqp://`);
- the scheme-less `user:password@host` form where a tool takes it (`mysqlsh --uri
  user:pass@host`, `sqlplus user/pass@db`);
- query strings: `access_token=`, `token=`, `private_token=`, `api_key=`/`apikey=`/`api-key=`,
  `key=` (only when the value looks like a generated key), `password=`, `client_secret=`, and Azure
  SAS tokens (`sv=…&sig=…`: the whole query is the credential).

A lone userinfo (`https://TOKEN@host`) counts only when it looks like a token: `git@github.com`
and `ssh://git@host` are user names. Empty passwords, `$VAR`/`${VAR}`/`$(…)`/`$env:X`, `${{
secrets.X }}` and placeholders are not reported. A URL built from a variable assigned a literal
(`https://x:$TOKEN@host`) is reported at the assignment.

## Why
URLs are copied into logs, shell history, `.git/config`, proxy logs and error messages; a
credential inside one leaks wherever the URL goes, and everyone who can read the script has it.

## Example
```bash
git clone https://oauth2:glpat-…@gitlab.com/hooli/protocol.git
```

## Use instead
```bash
if [ -z "${GITLAB_TOKEN:-}" ]; then
	echo "ERROR: GITLAB_TOKEN environment variable not set" >&2
	exit 1
fi

git clone https://oauth2:"${GITLAB_TOKEN}"@gitlab.com/hooli/protocol.git
```
In PowerShell: `"https://oauth2:$($env:GITLAB_TOKEN)@gitlab.com/…"`. Better still, keep the
credential out of the URL: a git credential helper, `PGPASSWORD`/`.pgpass`, `MYSQL_PWD`, a
registry's own token variable.

## Fix safety
Safe where the URL is a quoted string or a bare word: the secret part becomes an environment
reference of the same quoting context (`${NAME}` inside double quotes, `"${NAME}"` spliced into a
bare word, `$($env:NAME)` in PowerShell strings) and a guard is inserted before the statement.
Display-only inside literal heredocs and here-strings (a reference would not expand) and in
comments (the fix is deleting the secret).
"#,
    severity: Severity::Error,
    fix: Some(Applicability::Safe),
    security_severity: "8.0",
    precision: "high",
};

impl Rule for SecretInUrl {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for value in &cx.script.strings {
            if !may_hold_url_credential(&value.text) {
                continue;
            }
            let mask = common::dynamic_mask(value);
            for cand in find_url_credentials(&value.text, &mask) {
                report(cx, value, &cand, false, out);
            }
        }
        for comment in &cx.script.comments {
            if !may_hold_url_credential(&comment.text) {
                continue;
            }
            let value = common::comment_value(comment);
            let mask = vec![false; value.text.len()];
            for cand in find_url_credentials(&value.text, &mask) {
                report(cx, &value, &cand, true, out);
            }
        }
        for cmd in &cx.script.commands {
            let form = match cmd.name.as_str() {
                "mysqlsh" => SchemelessForm::UserColonPass,
                "sqlplus" => SchemelessForm::UserSlashPass,
                _ => continue,
            };
            for arg in &cmd.args {
                let value = match arg {
                    Arg::Positional(v) => v,
                    Arg::Flag { value: Some(v), .. } => v,
                    _ => continue,
                };
                if let Some(cand) = schemeless(value, form, &cmd.name) {
                    report(cx, value, &cand, false, out);
                }
            }
        }
    }
}

/// A credential found inside a URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UrlCredential {
    /// Range of the secret in the searched text.
    pub range: Range<usize>,
    /// "password", "token", "API key", "SAS token".
    pub what: &'static str,
    /// Where it sits, after the name: "in the userinfo of a `https://` URL".
    pub position: String,
    /// The variable a fix should read when the secret is no known token.
    pub env: String,
    /// The position alone is weak evidence: the value must look like a generated key of at least
    /// this many characters.
    pub strict: Option<usize>,
}

/// False when `text` holds neither a URL (`://`) nor a query (`?`, a bare `sv=` SAS token), so
/// [`find_url_credentials`] finds nothing: most strings, which then need no mask.
fn may_hold_url_credential(text: &str) -> bool {
    // A plain scan: strings are mostly single short words, too short for a vectorised search.
    text.bytes().any(|b| b == b':' || b == b'?') || text.starts_with("sv=")
}

/// Bytes that end a URL.
fn ends_url(b: u8) -> bool {
    b.is_ascii_whitespace() || b"\"'<>`|(){}[],\\".contains(&b)
}

/// Finds credentials inside URLs in `text`; `mask[i]` is true for bytes of dynamic parts, which
/// never count as delimiters.
pub fn find_url_credentials(text: &str, mask: &[bool]) -> Vec<UrlCredential> {
    let bytes = text.as_bytes();
    let dynamic = |i: usize| mask.get(i).copied().unwrap_or(false);
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(pos) = text[from..].find("://") {
        let p = from + pos;
        from = p + 3;
        if dynamic(p) {
            continue;
        }
        let mut s = p;
        while s > 0
            && !dynamic(s - 1)
            && (bytes[s - 1].is_ascii_alphanumeric() || b"+-".contains(&bytes[s - 1]))
        {
            s -= 1;
        }
        while s < p && !bytes[s].is_ascii_alphabetic() {
            s += 1;
        }
        if s == p {
            continue;
        }
        let scheme = text[s..p].to_ascii_lowercase();
        let a = p + 3;
        let mut e = a;
        while e < bytes.len()
            && (dynamic(e) || !(ends_url(bytes[e]) || b"/?#;".contains(&bytes[e])))
        {
            e += 1;
        }
        let Some(at) = (a..e).rev().find(|&j| !dynamic(j) && bytes[j] == b'@') else {
            continue;
        };
        let host = host_of(
            &text[at + 1..e],
            &mask[(at + 1).min(mask.len())..e.min(mask.len())],
        );
        let colon = (a..at).find(|&j| !dynamic(j) && bytes[j] == b':');
        let position = format!("in the userinfo of a `{scheme}://` URL");
        match colon {
            Some(c) if c + 1 < at => out.push(UrlCredential {
                range: c + 1..at,
                what: "password",
                position,
                env: userinfo_env(&scheme, host.as_deref(), "PASSWORD"),
                strict: None,
            }),
            Some(_) => {} // `user:@host`: empty password.
            None if a < at => out.push(UrlCredential {
                range: a..at,
                what: "token",
                position,
                env: userinfo_env(&scheme, host.as_deref(), "TOKEN"),
                strict: Some(20),
            }),
            None => {}
        }
    }
    out.extend(query_credentials(text, mask));
    out
}

/// The host of an authority (without port), when static.
fn host_of(hostport: &str, mask: &[bool]) -> Option<String> {
    if mask.iter().any(|&m| m) {
        return None;
    }
    let host = match hostport.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(v6),
        None => hostport.split(':').next().unwrap_or(hostport),
    };
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

/// A name for the service behind `host`: its second-level label (`gitlab.com` → `GITLAB`,
/// `pkgs.dev.azure.com` → `AZURE`); `None` for IP addresses and single-label hosts.
fn host_word(host: Option<&str>) -> Option<String> {
    let host = host?;
    if host.parse::<std::net::IpAddr>().is_ok() || host.starts_with('[') {
        return None;
    }
    let labels: Vec<&str> = host.split('.').filter(|l| !l.is_empty()).collect();
    let label = match labels.len() {
        0 | 1 => return None,
        n => labels[n - 2],
    };
    let word = common::env_name_from(label);
    (!word.is_empty() && word.chars().next().is_some_and(|c| c.is_ascii_alphabetic()))
        .then_some(word)
}

/// The variable a fix should read for a URL userinfo secret.
fn userinfo_env(scheme: &str, host: Option<&str>, suffix: &str) -> String {
    let native = match scheme {
        "postgres" | "postgresql" => Some("PGPASSWORD"),
        "mysql" | "mysqlx" | "mariadb" => Some("MYSQL_PWD"),
        "mongodb" | "mongodb+srv" => Some("MONGODB_PASSWORD"),
        "redis" | "rediss" => Some("REDIS_PASSWORD"),
        "amqp" | "amqps" => Some("AMQP_PASSWORD"),
        "sqlserver" | "mssql" | "oracle" => Some("DB_PASSWORD"),
        _ => None,
    };
    if let Some(n) = native {
        return n.to_owned();
    }
    match host_word(host) {
        Some(w) => format!("{w}_{suffix}"),
        None => format!("URL_{suffix}"),
    }
}

/// Credentials in query strings: `?access_token=…`, `&key=…`, `?sv=…&sig=…` (Azure SAS).
fn query_credentials(text: &str, mask: &[bool]) -> Vec<UrlCredential> {
    let bytes = text.as_bytes();
    let dynamic = |i: usize| mask.get(i).copied().unwrap_or(false);
    let mut out = Vec::new();
    let mut starts: Vec<usize> = Vec::new();
    for (q, &b) in bytes.iter().enumerate() {
        if b != b'?' || dynamic(q) {
            continue;
        }
        // Only a `?` that ends the path of a URL-looking word: `https://h/p?`, `$BASE/p?`.
        let mut w = q;
        while w > 0 && (dynamic(w - 1) || !ends_url(bytes[w - 1])) {
            w -= 1;
        }
        let word = &text[w..q];
        if word.contains('/') {
            starts.push(q + 1);
        }
    }
    // A bare SAS token (`sv=2022-11-02&ss=b&…&sig=…`) is a query without its `?`.
    if text.starts_with("sv=") {
        starts.push(0);
    }
    for start in starts {
        let mut end = start;
        while end < bytes.len() && (dynamic(end) || !(ends_url(bytes[end]) || bytes[end] == b'#')) {
            end += 1;
        }
        let mut params: Vec<(String, Range<usize>)> = Vec::new();
        let mut k = start;
        while k < end {
            let mut pe = k;
            while pe < end && (dynamic(pe) || bytes[pe] != b'&') {
                pe += 1;
            }
            if let Some(eq) = (k..pe).find(|&j| !dynamic(j) && bytes[j] == b'=') {
                let key = text[k..eq].to_ascii_lowercase();
                let key = key.strip_prefix("amp;").unwrap_or(&key).to_owned();
                params.push((key, eq + 1..pe));
            }
            k = pe + 1;
        }
        let is_sas = params.iter().any(|(k, _)| k == "sig")
            && params
                .iter()
                .any(|(k, _)| matches!(k.as_str(), "sv" | "se" | "sp" | "sr" | "ss" | "srt"));
        if is_sas {
            let query_static = !(start..end).any(dynamic);
            let range = if query_static {
                start..end
            } else {
                match params.iter().find(|(k, _)| k == "sig") {
                    Some((_, r)) => r.clone(),
                    None => continue,
                }
            };
            out.push(UrlCredential {
                range,
                what: "SAS token",
                position: "in the query string of a URL".into(),
                env: "AZURE_STORAGE_SAS_TOKEN".into(),
                strict: None,
            });
            continue;
        }
        let host = url_host(text, start, mask);
        for (key, range) in params {
            let (what, suffix, strict) = match key.as_str() {
                "access_token" | "accesstoken" | "auth_token" | "authtoken" | "token"
                | "private_token" | "api_token" | "apitoken" => ("token", "TOKEN", Some(12)),
                "api_key" | "apikey" | "api-key" | "x-api-key" => ("API key", "API_KEY", Some(12)),
                "key" => ("API key", "API_KEY", Some(20)),
                "password" | "passwd" => ("password", "PASSWORD", None),
                "client_secret" => ("client secret", "CLIENT_SECRET", Some(12)),
                _ => continue,
            };
            if range.is_empty() {
                continue;
            }
            let env = match host_word(host.as_deref()) {
                Some(w) => format!("{w}_{suffix}"),
                None => suffix.to_owned(),
            };
            out.push(UrlCredential {
                range,
                what,
                position: format!("in the `{key}=` query parameter of a URL"),
                env,
                strict,
            });
        }
    }
    out
}

/// The host of the URL whose query starts at `query_start`, when written statically.
fn url_host(text: &str, query_start: usize, mask: &[bool]) -> Option<String> {
    let before = &text[..query_start];
    let p = before.rfind("://")?;
    let a = p + 3;
    let e = text[a..query_start]
        .find(['/', '?'])
        .map_or(query_start - 1, |i| a + i);
    let hostport = &text[a..e];
    let hostport = hostport.rsplit('@').next().unwrap_or(hostport);
    let start = e - hostport.len();
    host_of(hostport, &mask[start..e])
}

#[derive(Clone, Copy)]
enum SchemelessForm {
    /// MySQL Shell: `user:password@host[:port]`.
    UserColonPass,
    /// Oracle: `user/password[@connect]`.
    UserSlashPass,
}

/// The password of a scheme-less `user:pass@host` (MySQL Shell) or `user/pass@db` (sqlplus)
/// argument.
fn schemeless(value: &Value, form: SchemelessForm, tool: &str) -> Option<UrlCredential> {
    let text = &value.text;
    if text.contains("://") || text.starts_with(['-', '@', '/']) {
        return None;
    }
    let mask = common::dynamic_mask(value);
    let is_user = |u: &str| {
        !u.is_empty()
            && u.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"_.-$#".contains(&b))
    };
    let (sep, need_at) = match form {
        SchemelessForm::UserColonPass => (b':', true),
        SchemelessForm::UserSlashPass => (b'/', false),
    };
    let s = text.bytes().position(|b| b == sep)?;
    if mask[..=s].iter().any(|&m| m) || !is_user(&text[..s]) {
        return None;
    }
    let at = (s + 1..text.len())
        .rev()
        .find(|&j| !mask[j] && text.as_bytes()[j] == b'@');
    let end = match at {
        Some(at) => at,
        None if !need_at => text.len(),
        None => return None,
    };
    if end <= s + 1 || text[s + 1..end].contains(char::is_whitespace) {
        return None;
    }
    let (position, env) = match form {
        SchemelessForm::UserColonPass => (
            format!("in the `user:password@host` URI passed to `{tool}`"),
            "MYSQL_PWD",
        ),
        SchemelessForm::UserSlashPass => (
            format!("in the `user/password@database` logon passed to `{tool}`"),
            "ORACLE_PASSWORD",
        ),
    };
    Some(UrlCredential {
        range: s + 1..end,
        what: "password",
        position,
        env: env.into(),
        strict: None,
    })
}

fn report(
    cx: &Context,
    value: &Value,
    cand: &UrlCredential,
    in_comment: bool,
    out: &mut Vec<Finding>,
) {
    let language = cx.source.language;
    let Some(located) = common::locate(cx.flow, cx.script, value, &cand.range) else {
        return;
    };
    match located {
        Located::Static => {
            let text = &value.text[cand.range.clone()];
            let Some(confidence) = common::weak_position_confidence(text, cand.strict) else {
                return;
            };
            if in_comment && !common::comment_secret_plausible(text) {
                return;
            }
            let env_var = secret::whole_token(text)
                .map(|t| t.env.to_owned())
                .unwrap_or_else(|| cand.env.clone());
            let span = value.source_range(cand.range.clone());
            let (statement_start, scope) =
                common::guard_site(cx.script, &span, cx.source.text.len());
            let piece = common::concatenated_piece(language, &cx.source.text, value, &cand.range);
            let (value, range) = match &piece {
                Some((v, r)) => (v, r.clone()),
                None => (value, cand.range.clone()),
            };
            let mut f = Draft {
                meta: &META,
                language,
                value,
                range,
                confidence,
                position: cand.position.clone(),
                what: cand.what.into(),
                tool: None,
                flag: None,
                env_var,
                revoke: None,
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
        Located::Flow { assignment, part } => {
            if in_comment {
                return;
            }
            let assigned = &assignment.value;
            let range = 0..assigned.text.len();
            let text = assigned.text.as_str();
            let Some(confidence) = common::weak_position_confidence(text, cand.strict) else {
                return;
            };
            let env_var = flow_env(text, &assignment.target, &cand.env);
            let var = match language {
                Language::PowerShell => format!("${}", assignment.target),
                Language::Shell => assignment.target.clone(),
            };
            out.push(
                Draft {
                    meta: &META,
                    language,
                    value: assigned,
                    range,
                    confidence,
                    position: format!("assigned to `{var}` and used {}", cand.position),
                    what: cand.what.into(),
                    tool: None,
                    flag: None,
                    env_var,
                    revoke: None,
                    statement_start: assignment.statement_span.start,
                    scope: assignment.scope_span.clone(),
                    help_prefix: Some(format!("{var} = ")),
                    secondary: vec![Label {
                        span: part.span.clone(),
                        message: "used here in a URL".into(),
                    }],
                    applicability: Applicability::Safe,
                }
                .finish(),
            );
        }
    }
}

/// The variable a fix of a flowed secret should read: the token kind's, else the assigned
/// variable's own name when it names a credential (`REGISTRY_PASS`, `$pat` → `PAT`), else the
/// position's.
pub(crate) fn flow_env(text: &str, target: &str, fallback: &str) -> String {
    if let Some(t) = secret::whole_token(text) {
        return t.env.to_owned();
    }
    if secret::is_credential_name(target) {
        return common::env_name_from(target);
    }
    fallback.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find(text: &str) -> Vec<(String, &'static str, String, Option<usize>)> {
        find_url_credentials(text, &vec![false; text.len()])
            .into_iter()
            .map(|c| (text[c.range].to_owned(), c.what, c.env, c.strict))
            .collect()
    }

    #[test]
    fn userinfo_password_and_lone_token() {
        assert_eq!(
            find("https://oauth2:glpat-abc@gitlab.com/x.git"),
            vec![(
                "glpat-abc".into(),
                "password",
                "GITLAB_PASSWORD".into(),
                None
            )]
        );
        assert_eq!(
            find("postgresql://app:p@ss@db.internal:5432/app")[0].0,
            "p@ss"
        );
        assert_eq!(
            find("redis://:s3cr3tpass@cache:6379")[0].2,
            "REDIS_PASSWORD"
        );
        let lone = find("https://abcdef@github.com/o/r.git");
        assert_eq!(lone[0].3, Some(20), "a lone userinfo is strict");
        assert!(find("https://user:@host/x").is_empty());
        assert!(find("https://example.com/a@b").is_empty());
        assert!(find("git@github.com:org/repo.git").is_empty());
    }

    #[test]
    fn query_parameters() {
        let f = find("https://maps.googleapis.com/geo?address=x&key=AIzaXYZ");
        assert_eq!(
            f,
            vec![(
                "AIzaXYZ".into(),
                "API key",
                "GOOGLEAPIS_API_KEY".into(),
                Some(20)
            )]
        );
        let f = find("https://acct.blob.core.windows.net/c/f?sv=2022-11-02&sp=r&sig=abc%2Bdef");
        assert_eq!(f[0].0, "sv=2022-11-02&sp=r&sig=abc%2Bdef");
        assert_eq!(f[0].1, "SAS token");
        assert!(find("https://h/p?page_token=abc&next=2").is_empty());
        assert!(find("grep 'a?token=b'").is_empty());
    }

    #[test]
    fn documentation_names_are_not_secrets() {
        for t in [
            "BOOKMYNAME_PASSWORD",
            "remotePassword",
            "API_KEY",
            "myToken",
        ] {
            assert!(common::weak_position_confidence(t, None).is_none(), "{t}");
        }
        for t in ["Ty4Qwb8DwkNhFdnX", "Mustang93"] {
            assert!(common::weak_position_confidence(t, None).is_some(), "{t}");
        }
        assert!(!common::comment_secret_plausible("testpass"));
        assert!(common::comment_secret_plausible("Mq8vTz3KwL9pXr2N"));
    }

    #[test]
    fn dynamic_parts_are_opaque() {
        let text = "https://x:$(cat /run/t@x)@host/r?token=$T";
        let mut mask = vec![false; text.len()];
        for m in mask.iter_mut().take(25).skip(10) {
            *m = true;
        }
        let f = find_url_credentials(text, &mask);
        assert_eq!(f[0].range, 10..25);
    }
}
