//! CL010 secret-in-config-write.

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use crate::finding::{Applicability, Finding, RuleMeta, Severity};
use crate::model::{Arg, Command, Quoting, Span, Value};
use crate::rules::common::{self, Site};
use crate::rules::{Context, Rule};
use crate::secret;

pub struct SecretInConfigWrite;

static META: RuleMeta = RuleMeta {
    code: "CL010",
    name: "secret-in-config-write",
    group: "credentials",
    summary: "A script writes a literal credential into a configuration file or store",
    docs: r#"# CL010 secret-in-config-write

## What
A literal credential written by the script into a configuration file, request body or
credential store:
- heredocs and here-strings (`cat > ~/.pypirc <<EOF`, `@"…"@ | Set-Content`) holding `.pypirc`
  / ini / properties / `.env` `key = value` lines with a credential-named key, `.npmrc`
  `//registry/:_authToken=…`, `.netrc` `password …`, JSON `"auth": "…"` (docker `config.json`),
  XML `<password>…</password>` (Maven `settings.xml`) and `<add key="ClearTextPassword"
  value="…"/>` (NuGet.Config), `~/.aws/credentials`, `.pgpass` `host:port:db:user:password`,
  form bodies `a=b&client_secret=…`; any value in a known token format (`chpasswd`/`expect`
  input is CL001's, through the catalog's stdin positions);
- one-line writes: `echo … > ~/.npmrc`, `printf … >> ~/.netrc`, `tee`, `Add-Content`,
  `Set-Content`, `Out-File`;
- `config set`-style commands (`git config http.extraheader "AUTHORIZATION: basic …"`,
  `aws configure set aws_secret_access_key …`) and registry values (`reg add … /v Password /d …`,
  `Set-ItemProperty -Name Password -Value …`).

Not reported: `${NODE_AUTH_TOKEN}` written literally into `.npmrc` (npm expands it), `${env.X}`
in Maven settings, `${VAR}` left unexpanded in a quoted heredoc, `${{ secrets.X }}`,
placeholders. Credentials in URL userinfo are CL004's.

## Why
The credential ends up twice in plain text: in the script, and in the file it writes.

## Example
```bash
cat > ~/.netrc <<EOF
machine gitlab.com
login ci-bot
password glpat-kb_QsW4ZVszsEoeGM6NJ
EOF
```

## Use instead
```bash
if [ -z "${GITLAB_TOKEN:-}" ]; then
	echo "ERROR: GITLAB_TOKEN environment variable not set" >&2
	exit 1
fi

cat > ~/.netrc <<EOF
machine gitlab.com
login ci-bot
password ${GITLAB_TOKEN}
EOF
```
Better still, let the tool read the variable itself (`NODE_AUTH_TOKEN` in `.npmrc`,
`TWINE_PASSWORD`, `PGPASSWORD`, `AWS_SECRET_ACCESS_KEY`).

## Fix safety
Safe in expanding bodies (`<<EOF`, `@"…"@`) and one-line writes: the value becomes `${NAME}` /
`$($env:NAME)` with a guard before the statement. Display-only in literal bodies (`<<'EOF'`,
`@'…'@`): a reference would be written as is, so the body must first become expanding (or use the
tool's own variable interpolation).
"#,
    severity: Severity::Error,
    fix: Some(Applicability::Safe),
    security_severity: "8.0",
    precision: "high",
};

impl Rule for SecretInConfigWrite {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        let script = cx.script;
        for doc in &script.heredocs {
            let cmd = doc.command.and_then(|i| script.commands.get(i));
            let file = doc
                .output_files
                .first()
                .or(cmd.and_then(|c| c.output_files.first()))
                .map(|v| v.text.clone())
                .unwrap_or_default();
            // `$cfg = @"…"@` then `Set-Content f -Value $cfg`: the file names the format and
            // the variable a fix reads.
            if file.is_empty()
                && let Some(var) = &doc.assigned_to
            {
                cx.flow.ask_uses(var);
            }
            // Located only when a field is found: one search per heredoc over every statement
            // made 100,000 heredocs take seconds.
            let locate = || common::enclosing_statement(script, &doc.body.span);
            scan_value(cx, &doc.body, &file, &locate, out);
        }
        for cmd in &script.commands {
            one_line_write(cx, cmd, out);
            config_command(cx, cmd, out);
        }
    }
}

/// One credential-bearing field found in a text: its key and the value's range.
struct Field {
    key: String,
    range: Range<usize>,
}

/// Scans every line of `value` with the format matchers and reports each credential value.
fn scan_value(
    cx: &Context,
    value: &Value,
    file: &str,
    locate: &dyn Fn() -> (usize, Span),
    out: &mut Vec<Finding>,
) {
    let text = value.text.as_str();
    // `.netrc` tokens only where the text is netrc: its file name, or a `machine` entry.
    let netrc = file.to_ascii_lowercase().contains("netrc")
        || text
            .lines()
            .any(|l| matches!(l.split_whitespace().next(), Some("machine" | "default")));
    let mut offset = 0;
    let mut located = None;
    for line in text.split('\n') {
        let start = offset;
        offset += line.len() + 1;
        let line = line.strip_suffix('\r').unwrap_or(line);
        for field in fields(line, netrc) {
            let range = start + field.range.start..start + field.range.end;
            let (stmt, scope) = located.get_or_insert_with(locate).clone();
            report(cx, value, range, &field.key, file, stmt, scope, out);
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn report(
    cx: &Context,
    value: &Value,
    range: Range<usize>,
    key: &str,
    file: &str,
    stmt: usize,
    scope: Span,
    out: &mut Vec<Finding>,
) {
    let literal_body = value.quoting == Quoting::HereSingle;
    let (reference, body) = match cx.source.language {
        crate::model::Language::PowerShell => (
            format!("$($env:{})", env_for(key, file)),
            "here-string (`@\"…\"@`)",
        ),
        crate::model::Language::Shell => {
            (format!("${{{}}}", env_for(key, file)), "heredoc (`<<EOF`)")
        }
    };
    let env_var = env_for(key, file);
    let site = Site {
        meta: &META,
        what: "credential".into(),
        position: {
            let what = if key == "pgpass" {
                "written as the password field of a `.pgpass` line".to_owned()
            } else {
                format!("written as `{key}`")
            };
            if file.is_empty() {
                what
            } else {
                format!("{what} into `{}`", display_file(file))
            }
        },
        tool: None,
        flag: Some(key.to_owned()),
        env_var: env_var.clone(),
        statement_start: stmt,
        scope,
        applicability: if literal_body {
            Applicability::DisplayOnly
        } else {
            Applicability::Safe
        },
    };
    let before = out.len();
    common::report_value(cx, site, value, range, out);
    if literal_body {
        for f in &mut out[before..] {
            f.help = Some(format!(
                "the body is literal, so a variable reference would be written as is: switch to an expanding {body} and write `{reference}` there (mind other `$` in the body), or use the tool's own environment interpolation; set {env_var} outside the script (CI secret, vault)"
            ));
        }
    }
}

fn display_file(file: &str) -> &str {
    file.rsplit(['/', '\\']).next().unwrap_or(file)
}

static XML_ELEMENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"<([A-Za-z_][\w.:-]*)>([^<]+)</([A-Za-z_][\w.:-]*)>").expect("xml element regex")
});
static XML_KEY_VALUE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"\bkey\s*=\s*"([^"]+)"\s+value\s*=\s*"([^"]*)""#).expect("xml add regex")
});
static XML_ATTR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"\s([A-Za-z_][\w:-]*)\s*=\s*"([^"]*)""#).expect("xml attribute regex")
});
static JSON_PAIR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#""([^"\\]+)"\s*:\s*"((?:[^"\\]|\\.)*)""#).expect("json pair regex")
});
static KEY_VALUE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(?:export\s+)?([A-Za-z_/@][\w./:@-]*?)\s*(=)\s*(.*?)\s*$")
        .expect("key value regex")
});
static KEY_COLON: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*([A-Za-z_][\w.-]*)\s*(:)\s+(.*?)\s*$").expect("key colon regex")
});
static PGPASS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*[^:\s#]+:(?:\d+|\*):[^:\s]+:[^:\s]+:((?:[^:\s\\]|\\.)+)\s*$")
        .expect("pgpass regex")
});

/// The credential fields of one line, in any of the formats credlint knows.
fn fields(line: &str, netrc: bool) -> Vec<Field> {
    let mut found: Vec<Field> = Vec::new();
    let push = |key: &str, range: Range<usize>, found: &mut Vec<Field>| {
        let (range, v) = trim_value(line, range);
        if v.is_empty()
            || v.contains(char::is_whitespace)
            || common::names_a_credential(v)
            || common::key_refers_to_credential(key)
            || v.starts_with('$')
            || v.contains("://")
            // Code, not configuration: `privatekey = file.read()` in a Python heredoc.
            || (v.ends_with(')') && v.contains('('))
            || secret::looks_like_path(v)
            || found.iter().any(|f| overlaps(&f.range, &range))
        {
            return;
        }
        found.push(Field {
            key: key.to_owned(),
            range,
        });
    };
    for c in XML_KEY_VALUE.captures_iter(line) {
        if is_secret_key(&c[1]) {
            push(&c[1], c.get(2).map_or(0..0, |g| g.range()), &mut found);
        }
    }
    for c in XML_ELEMENT.captures_iter(line) {
        if c[1] == c[3] && is_secret_key(&c[1]) {
            push(&c[1], c.get(2).map_or(0..0, |g| g.range()), &mut found);
        }
    }
    if line.trim_start().starts_with('<') {
        for c in XML_ATTR.captures_iter(line) {
            if is_secret_key(&c[1]) {
                push(&c[1], c.get(2).map_or(0..0, |g| g.range()), &mut found);
            }
        }
    }
    for c in JSON_PAIR.captures_iter(line) {
        let key = &c[1];
        let lower = key.to_ascii_lowercase();
        if is_secret_key(key) || lower == "auth" || lower == "identitytoken" {
            push(key, c.get(2).map_or(0..0, |g| g.range()), &mut found);
        }
    }
    if !found.is_empty() {
        return found;
    }
    if let Some(c) = PGPASS.captures(line) {
        push("pgpass", c.get(1).map_or(0..0, |g| g.range()), &mut found);
        return found;
    }
    // Form bodies: `a=b&client_secret=c`.
    if line.contains('&') && !line.trim().contains(char::is_whitespace) {
        let mut offset = 0;
        for pair in line.split('&') {
            let start = offset;
            offset += pair.len() + 1;
            if let Some(eq) = pair.find('=')
                && is_secret_key(pair[..eq].trim())
            {
                push(
                    pair[..eq].trim(),
                    start + eq + 1..start + pair.len(),
                    &mut found,
                );
            }
        }
        return found;
    }
    if let Some(c) = KEY_VALUE
        .captures(line)
        .or_else(|| KEY_COLON.captures(line))
    {
        let key = &c[1];
        let value = c.get(3).map_or(0..0, |g| g.range());
        // `.npmrc` `//registry/:_authToken=…`: the key is after the last `:`.
        let name = key.rsplit([':', '.', '/']).next().unwrap_or(key);
        let npm = matches!(
            name.to_ascii_lowercase().as_str(),
            "_authtoken" | "_auth" | "_password"
        );
        if npm || is_secret_key(name) || is_secret_key(key) {
            let v = &line[value.clone()];
            let skip = if common::is_credential_header(name) {
                common::auth_scheme_skip(v, 0)
            } else {
                0
            };
            push(key, value.start + skip..value.end, &mut found);
        } else if secret::whole_token(trim_value(line, value.clone()).1).is_some() {
            push(key, value, &mut found);
        }
        return found;
    }
    // `.netrc`: `machine h login u password p` (one line or several).
    let words: Vec<(usize, &str)> = line
        .split_whitespace()
        .map(|w| (w.as_ptr() as usize - line.as_ptr() as usize, w))
        .collect();
    if !netrc {
        return found;
    }
    for pair in words.windows(2) {
        if pair[0].1 == "password" {
            push(
                "password",
                pair[1].0..pair[1].0 + pair[1].1.len(),
                &mut found,
            );
        }
    }
    found
}

fn overlaps(a: &Range<usize>, b: &Range<usize>) -> bool {
    a.start < b.end && b.start < a.end
}

/// Strips quotes and trailing separators around a value.
fn trim_value(line: &str, mut r: Range<usize>) -> (Range<usize>, &str) {
    let mut v = &line[r.clone()];
    let trimmed = v.trim_end_matches([',', ';']).trim_end();
    r.end -= v.len() - trimmed.len();
    v = trimmed;
    for q in ['"', '\''] {
        if v.len() >= 2 && v.starts_with(q) && v.ends_with(q) {
            r = r.start + 1..r.end - 1;
            v = &v[1..v.len() - 1];
        }
    }
    (r, v)
}

/// Keys whose value is a credential. `credential(s)` keys hold helpers or user names in config
/// formats (`credential.helper`, `credential_source`), not secrets.
fn is_secret_key(key: &str) -> bool {
    let joined = secret::name_words(key).concat();
    if matches!(
        joined.as_str(),
        "credential" | "credentials" | "creds" | "connectionstring" | "connstr"
    ) {
        return false;
    }
    secret::is_credential_name(key)
}

/// One-line writes: `echo … > file`, `printf … >> file`, `tee`, `Add-Content`, `Set-Content`,
/// `Out-File`.
fn one_line_write(cx: &Context, cmd: &Command, out: &mut Vec<Finding>) {
    let writer = matches!(
        cmd.name.as_str(),
        "echo" | "printf" | "write-output" | "write-host"
    ) && !cmd.output_files.is_empty();
    let cmdlet = matches!(
        cmd.name.as_str(),
        "set-content" | "add-content" | "out-file" | "tee" | "tee-object"
    );
    if !writer && !cmdlet {
        return;
    }
    let file = cmd
        .output_files
        .first()
        .map(|v| v.text.clone())
        .unwrap_or_default();
    let mut values: Vec<&Value> = Vec::new();
    let mut skip_next = false;
    for arg in &cmd.args {
        match arg {
            Arg::Flag { name, value, .. } => {
                let lower = name.to_ascii_lowercase();
                let is_value = cmdlet && (lower == "-value" || lower == "-inputobject");
                match value {
                    Some(v) if is_value => values.push(v),
                    Some(_) => {}
                    None => skip_next = !is_value && cmdlet && lower.len() > 2,
                }
            }
            Arg::Positional(v) => {
                if std::mem::take(&mut skip_next)
                    || cmd.output_files.iter().any(|f| f.span == v.span)
                {
                    continue;
                }
                values.push(v);
            }
            Arg::Splat { .. } => {}
        }
    }
    if cmdlet && let Some(v) = &cmd.stdin {
        values.push(v);
    }
    for v in values {
        if cx.script.heredocs.iter().any(|d| d.body.span == v.span) {
            continue;
        }
        let locate = || (cmd.statement_span.start, cmd.scope.clone());
        scan_value(cx, v, &file, &locate, out);
    }
}

/// `config set`-style commands and registry values.
fn config_command(cx: &Context, cmd: &Command, out: &mut Vec<Finding>) {
    let words: Vec<&Value> = cmd
        .args
        .iter()
        .filter_map(|a| match a {
            Arg::Positional(v) => Some(v),
            Arg::Flag {
                value: Some(v),
                glued: false,
                ..
            } => Some(v),
            _ => None,
        })
        .collect();
    let flag_value = |names: &[&str]| -> Option<&Value> {
        for (i, a) in cmd.args.iter().enumerate() {
            let (name, value) = match a {
                Arg::Flag { name, value, .. } => (name.as_str(), value.as_ref()),
                Arg::Positional(v) => (v.text.as_str(), None),
                _ => continue,
            };
            if names.iter().any(|n| n.eq_ignore_ascii_case(name)) {
                return value.or(match cmd.args.get(i + 1) {
                    Some(Arg::Positional(v)) => Some(v),
                    _ => None,
                });
            }
        }
        None
    };
    let mut pair: Option<(String, &Value, bool)> = None; // (key, value, header)
    match cmd.name.as_str() {
        "reg" => {
            if let (Some(name), Some(data)) = (flag_value(&["/v"]), flag_value(&["/d"])) {
                pair = Some((name.text.clone(), data, false));
            }
        }
        "set-itemproperty" | "new-itemproperty" => {
            if let (Some(name), Some(data)) = (flag_value(&["-name"]), flag_value(&["-value"])) {
                pair = Some((name.text.clone(), data, false));
            }
        }
        "git" => {
            if let Some(i) = words.iter().position(|w| w.text == "config")
                && let [key, value, ..] = &words[i + 1..]
            {
                let header = key.text.to_ascii_lowercase().ends_with(".extraheader");
                pair = Some((key.text.clone(), value, header));
            }
        }
        _ => {
            if let Some(i) = words.windows(2).position(|w| {
                matches!(w[0].text.as_str(), "config" | "configure") && w[1].text == "set"
            }) && let [key, value, ..] = &words[i + 2..]
            {
                pair = Some((key.text.clone(), value, false));
            }
        }
    }
    let Some((key, value, header)) = pair else {
        return;
    };
    let range = if header {
        match common::header_secret(&value.text) {
            Some(r) => r,
            None => return,
        }
    } else {
        let name = key.rsplit([':', '.', '/', '\\']).next().unwrap_or(&key);
        let npm = matches!(
            name.to_ascii_lowercase().as_str(),
            "_authtoken" | "_auth" | "_password"
        );
        if !(npm || is_secret_key(name)) {
            return;
        }
        0..value.text.len()
    };
    let env_var = if header {
        "GIT_AUTH_TOKEN".to_owned()
    } else {
        env_for(&key, "")
    };
    let site = Site {
        meta: &META,
        what: "credential".into(),
        position: format!("stored as `{key}` by `{}`", cmd.raw_name),
        tool: Some(cmd.raw_name.clone()),
        flag: Some(key.clone()),
        env_var,
        statement_start: cmd.statement_span.start,
        scope: cmd.scope.clone(),
        applicability: Applicability::Safe,
    };
    common::report_value(cx, site, value, range, out);
}

/// The variable a fix should read: the tool's own where the file says which tool.
fn env_for(key: &str, file: &str) -> String {
    let file = display_file(file).to_ascii_lowercase();
    let name = key.rsplit([':', '/', '\\']).next().unwrap_or(key);
    let lower = name.to_ascii_lowercase();
    if lower.starts_with("aws_") {
        return name.to_ascii_uppercase();
    }
    let tool = if file.contains("pypirc") {
        Some("TWINE_PASSWORD")
    } else if file.contains("npmrc") || lower == "_authtoken" {
        Some("NODE_AUTH_TOKEN")
    } else if file.contains("pgpass") || key == "pgpass" {
        Some("PGPASSWORD")
    } else if file.contains("netrc") {
        Some("NETRC_PASSWORD")
    } else if file == "config.json" && lower == "auth" {
        Some("DOCKER_AUTH")
    } else if file.contains("nuget") {
        Some("NUGET_PASSWORD")
    } else if file == "settings.xml" {
        Some("MAVEN_PASSWORD")
    } else {
        None
    };
    let generic = matches!(
        secret::name_words(name).concat().as_str(),
        "password" | "passwd" | "pwd" | "pass" | "token" | "secret" | "auth" | "cleartextpassword"
    );
    match tool {
        Some(t) if generic || key == "pgpass" || lower == "_authtoken" => t.to_owned(),
        _ => {
            let n = common::env_name_for_key(name.trim_start_matches('_'));
            if n.is_empty() {
                "CONFIG_SECRET".into()
            } else {
                n
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fields;
    use crate::model::Language;
    use crate::rules::common::test_findings;

    fn values(line: &str) -> Vec<&str> {
        fields(line, true)
            .into_iter()
            .map(|f| &line[f.range])
            .collect()
    }

    #[test]
    fn format_matchers() {
        assert_eq!(values("password = s3kr1t-Vh7q"), ["s3kr1t-Vh7q"]);
        assert_eq!(
            values("//npm.pkg.github.com/:_authToken=npm_Ab12Cd34"),
            ["npm_Ab12Cd34"]
        );
        assert_eq!(values("machine h login u password Qw7-zz9x"), ["Qw7-zz9x"]);
        assert_eq!(
            values(r#"  "auth": "cnVubmVyOnBhc3M=" },"#),
            ["cnVubmVyOnBhc3M="]
        );
        assert_eq!(values("<password>Kj8!x2Lm</password>"), ["Kj8!x2Lm"]);
        assert_eq!(
            values(r#"<add key="ClearTextPassword" value="Zx9#qq12" />"#),
            ["Zx9#qq12"]
        );
        assert_eq!(values("db.example.org:5432:*:app:Hq2-x7Vb9"), ["Hq2-x7Vb9"]);
        assert_eq!(
            values("aws_secret_access_key = 'abcDEF123/xyz'"),
            ["abcDEF123/xyz"]
        );
        assert!(values("username = ci").is_empty());
        assert!(values("password = ${HOOLI_PYPI_PASSWORD}").is_empty());
        assert!(values("credential.helper = store").is_empty());
        assert!(values("index-url = https://pypi.example.org/simple/").is_empty());
    }

    #[test]
    fn heredoc_and_echo() {
        let f = test_findings(
            Language::Shell,
            "cat > ~/.netrc <<EOF\nmachine gitlab.com\nlogin ci\npassword glpat-kb_QsW4ZVszsEoeGM6NJ\nEOF\necho \"db.example.org:5432:*:app:W1Wo5I8VjvMRBRtF\" > ~/.pgpass\n",
        );
        assert_eq!(
            f,
            vec![
                ("CL010".into(), "glpat-kb_QsW4ZVszsEoeGM6NJ".into()),
                ("CL010".into(), "W1Wo5I8VjvMRBRtF".into()),
            ]
        );
    }

    #[test]
    fn npm_expansion_is_silent() {
        let f = test_findings(
            Language::Shell,
            "cat > .npmrc <<'EOF'\n//registry.npmjs.org/:_authToken=${NODE_AUTH_TOKEN}\nEOF\n",
        );
        assert!(f.is_empty(), "{f:?}");
    }
}
