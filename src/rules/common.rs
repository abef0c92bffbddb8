//! Building blocks shared by rules: locating a secret inside a value, resolving variables to
//! literal assignments, and building redacted findings with fixes.

use std::borrow::Cow;
use std::collections::HashMap;

use crate::catalog::ValueFormat;
use crate::finding::{
    Applicability, Confidence, Edit, Finding, Fix, GuardRequest, Label, RuleMeta, Secret,
};
use crate::model::{
    Assignment, AssignmentScope, Language, Quoting, Script, Span, Value, ValueKind,
};
use crate::secret;

/// Literal assignments per variable, for the within-file data flow: a variable assigned a
/// literal exactly once (and never anything else) resolves to that literal.
#[derive(Default)]
pub struct Flow {
    single: HashMap<String, usize>,
    /// What the rules asked about: the focused parse follows it and lints again (see `engine`).
    /// Behind a mutex: the editor runs rules on two threads.
    asked: std::sync::Mutex<Asked>,
}

/// Variables (lower-cased) whose other statements a rule needed.
#[derive(Debug, Default)]
pub struct Asked {
    /// Their assignments: where a value read through the variable comes from.
    pub assignments: std::collections::HashSet<String>,
    /// Their uses: where a value the variable holds goes (a here-string written to a file,
    /// a hashtable passed as `-Headers`).
    pub uses: std::collections::HashSet<String>,
}

fn note(set: &mut std::collections::HashSet<String>, var: &str) {
    if !set.contains(var) {
        set.insert(var.to_ascii_lowercase());
    }
}

impl Flow {
    pub fn new(script: &Script) -> Flow {
        let ps = script.language == Some(Language::PowerShell);
        let mut counts: HashMap<String, (usize, usize)> = HashMap::new();
        for (i, a) in script.assignments.iter().enumerate() {
            if a.scope == AssignmentScope::CommandPrefix {
                continue;
            }
            let key = flow_key(&a.target, ps).into_owned();
            let e = counts.entry(key).or_insert((0, i));
            e.0 += 1;
            e.1 = i;
        }
        let single = counts
            .into_iter()
            .filter(|(_, (n, i))| {
                *n == 1 && script.assignments[*i].value.kind == ValueKind::Literal
            })
            .map(|(k, (_, i))| (k, i))
            .collect();
        Flow {
            single,
            asked: Default::default(),
        }
    }

    /// Notes that a rule needs what is assigned to `var` elsewhere in the script. Every lookup
    /// of another statement by variable name must go through here (or `resolve_part`): the
    /// focused parse only parses the assignments of the variables asked about.
    pub fn ask(&self, var: &str) {
        note(&mut self.asked_mut().assignments, var);
    }

    /// Notes that a rule's verdict on a value assigned to `var` depends on where `var` is
    /// used. Like [`Flow::ask`], the contract for every lookup of a variable's uses: the
    /// focused parse only parses the uses asked about (or named by `focus::program_variables`).
    pub fn ask_uses(&self, var: &str) {
        note(&mut self.asked_mut().uses, var);
    }

    fn asked_mut(&self) -> std::sync::MutexGuard<'_, Asked> {
        // A rule that panicked while noting a name left a valid set behind.
        self.asked.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// What the rules asked about.
    pub fn into_asked(self) -> Asked {
        self.asked.into_inner().unwrap_or_else(|e| e.into_inner())
    }

    /// The literal assignment `value` resolves to, when it is one variable reference.
    pub fn resolve<'s>(&self, script: &'s Script, value: &Value) -> Option<&'s Assignment> {
        match value.parts.as_slice() {
            [part] => self.resolve_part(script, part),
            _ => None,
        }
    }

    /// The literal assignment a dynamic part (`$X`, `${X}`, `$env:X`) resolves to.
    pub fn resolve_part<'s>(
        &self,
        script: &'s Script,
        part: &crate::model::Part,
    ) -> Option<&'s Assignment> {
        let crate::model::PartKind::Dynamic {
            variable: Some(var),
            env,
            ..
        } = &part.kind
        else {
            return None;
        };
        self.ask(var);
        let ps = script.language == Some(Language::PowerShell);
        let a = &script.assignments[*self.single.get(flow_key(var, ps).as_ref())?];
        // In PowerShell an environment read only resolves to an environment assignment and
        // vice versa; in shell both are the same variable.
        let env_assign = matches!(a.scope, AssignmentScope::Env);
        (*env == env_assign || !ps).then_some(a)
    }

    /// The dynamic part of `value` that exactly covers `range` of its text.
    pub fn part_covering<'v>(
        value: &'v Value,
        range: &std::ops::Range<usize>,
    ) -> Option<&'v crate::model::Part> {
        value.parts.iter().find(|p| {
            matches!(p.kind, crate::model::PartKind::Dynamic { .. }) && p.text_range == *range
        })
    }
}

/// Variable names are case-insensitive in PowerShell.
fn flow_key(name: &str, powershell: bool) -> Cow<'_, str> {
    if powershell && name.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(name.to_ascii_lowercase())
    } else {
        Cow::Borrowed(name)
    }
}

/// Where a secret sits inside a value's text, per the catalog's format. `None` when the
/// format says there is no secret (`curl -u user` prompts; `-passin env:X`).
pub fn secret_range(value: &Value, format: ValueFormat) -> Option<std::ops::Range<usize>> {
    let text = value.text.as_str();
    let range = match format {
        ValueFormat::Plain => 0..text.len(),
        ValueFormat::UserPass => after(text, ':')?,
        ValueFormat::UserPercentPass => after(text, '%')?,
        ValueFormat::UserCommaPass => after(text, ',')?,
        ValueFormat::PassPrefix => {
            let rest = text.strip_prefix("pass:")?;
            text.len() - rest.len()..text.len()
        }
        ValueFormat::Header => header_secret(text)?,
        ValueFormat::KeyValue | ValueFormat::AnyKeyValue => {
            let eq = text.find('=')?;
            let key = &text[..eq];
            let key_ok = if format == ValueFormat::KeyValue {
                secret::is_credential_name(key.rsplit('.').next().unwrap_or(key))
                    || secret::is_credential_name(key)
            } else {
                !is_non_secret_key(key)
            };
            if key_ok {
                eq + 1..text.len()
            } else if key.to_ascii_lowercase().ends_with("header") {
                // `git -c http.extraheader="Authorization: Basic …"`.
                let r = header_secret(&text[eq + 1..])?;
                eq + 1 + r.start..eq + 1 + r.end
            } else {
                return None;
            }
        }
        ValueFormat::OptionList => {
            let mut offset = 0;
            let mut found = None;
            for item in text.split(',') {
                if let Some((key, _)) = item.split_once('=')
                    && secret::is_credential_name(key)
                {
                    found = Some(offset + key.len() + 1..offset + item.len());
                }
                offset += item.len() + 1;
            }
            found?
        }
        ValueFormat::SlashPass => {
            let slash = text.find('/')?;
            let end = text[slash..].find('@').map_or(text.len(), |i| slash + i);
            if text[..slash].contains(':') || text[..slash].is_empty() {
                return None;
            }
            slash + 1..end
        }
    };
    (!range.is_empty()).then_some(range)
}

fn after(text: &str, sep: char) -> Option<std::ops::Range<usize>> {
    let i = text.find(sep)?;
    Some(i + 1..text.len())
}

/// Keys of `key=value` pairs that never hold secrets (kubectl `--from-literal=username=…`).
fn is_non_secret_key(key: &str) -> bool {
    let words = secret::name_words(key);
    words.last().is_some_and(|w| {
        matches!(
            w.as_str(),
            "user"
                | "username"
                | "host"
                | "hostname"
                | "port"
                | "url"
                | "uri"
                | "email"
                | "name"
                | "database"
                | "db"
                | "region"
                | "endpoint"
                | "server"
                | "id"
                | "login"
        )
    }) && !secret::is_credential_name(key)
}

/// HTTP headers whose value is a credential, and where the secret starts.
pub fn header_secret(text: &str) -> Option<std::ops::Range<usize>> {
    let colon = text.find(':')?;
    let name = text[..colon].trim();
    if !is_credential_header(name) {
        return None;
    }
    let mut start = colon + 1;
    start += text[start..].len() - text[start..].trim_start().len();
    Some(auth_scheme_skip(text, start)..text.trim_end().len())
}

/// Skips an authorization scheme word (`Bearer `, `Basic `, `token `) starting at `start`.
pub fn auth_scheme_skip(text: &str, start: usize) -> usize {
    let rest = &text[start..];
    for scheme in [
        "Bearer ",
        "bearer ",
        "Basic ",
        "basic ",
        "token ",
        "Token ",
        "Bot ",
        "ApiKey ",
        "apikey ",
        "SSWS ",
        "Digest ",
        "GenieKey ",
        "Key ",
        "key=",
        "OAuth ",
        "JWT ",
    ] {
        if let Some(after) = rest.strip_prefix(scheme) {
            return start + scheme.len() + (after.len() - after.trim_start().len());
        }
    }
    start
}

/// Header names that carry credentials: `Authorization`, `X-Api-Key`, `PRIVATE-TOKEN`,
/// `DD-API-KEY`, `X-JFrog-Art-Api`, `X-Auth-Token`, `Cookie` is not one (session, not config).
pub fn is_credential_header(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    matches!(
        lower.as_str(),
        "authorization" | "proxy-authorization" | "x-jfrog-art-api" | "x-vault-token"
    ) || secret::is_credential_name(name)
        || lower.ends_with("-api-key")
        || lower.ends_with("-apikey")
        || lower.ends_with("-token")
        || lower.ends_with("-key") && lower.contains("api")
}

/// Variable name derived from a flag or variable name: `--api-key` → `API_KEY`,
/// `$apiKey` → `API_KEY`.
pub fn env_name_from(name: &str) -> String {
    secret::name_words(name)
        .into_iter()
        .map(|w| w.to_ascii_uppercase())
        .collect::<Vec<_>>()
        .join("_")
}

/// The text that reads `var` from the environment in place of a secret at `range` of `value`.
/// Returns the edits, or `None` when no local rewrite keeps the script working (a literal
/// here-string body, an escaped part).
pub fn env_edits(
    language: Language,
    value: &Value,
    range: std::ops::Range<usize>,
    var: &str,
) -> Option<Vec<Edit>> {
    let whole = range.start == 0 && range.end == value.text.len();
    if whole && value.kind == ValueKind::Literal && value.quoting != Quoting::HereSingle {
        let replacement = match language {
            Language::PowerShell => format!("$env:{var}"),
            Language::Shell => format!("\"${var}\""),
        };
        return Some(vec![Edit {
            range: value.span.clone(),
            replacement,
        }]);
    }
    let secret_span = value.source_range(range.clone());
    // The secret must map exactly onto source bytes to be replaced in place.
    let exact = value
        .parts
        .iter()
        .any(|p| p.verbatim && p.text_range.start <= range.start && range.end <= p.text_range.end);
    if !exact {
        return None;
    }
    match (language, value.quoting) {
        (_, Quoting::HereSingle) => None,
        (Language::PowerShell, Quoting::Double | Quoting::HereDouble) => Some(vec![Edit {
            range: secret_span,
            replacement: format!("$($env:{var})"),
        }]),
        (Language::PowerShell, Quoting::Bare) => {
            // `$env:X` would swallow a following name character (`A-Z0-9_?`, or `:`); a
            // sub-expression is delimited whatever follows.
            let next = value.text[range.end..].chars().next();
            let delimited = next.is_none_or(|c| !(c.is_alphanumeric() || "_?:".contains(c)));
            Some(vec![Edit {
                range: secret_span,
                replacement: if delimited {
                    format!("$env:{var}")
                } else {
                    format!("$($env:{var})")
                },
            }])
        }
        (Language::PowerShell, Quoting::Single) => {
            // Turn '…' into "…" when nothing inside would start expanding.
            let inner = &value.text;
            if inner.contains(['$', '`', '"']) {
                return None;
            }
            Some(vec![
                Edit {
                    range: value.span.start..value.span.start + 1,
                    replacement: "\"".into(),
                },
                Edit {
                    range: secret_span,
                    replacement: format!("$($env:{var})"),
                },
                Edit {
                    range: value.span.end - 1..value.span.end,
                    replacement: "\"".into(),
                },
            ])
        }
        (Language::Shell, Quoting::Double | Quoting::HereDouble) => Some(vec![Edit {
            range: secret_span,
            replacement: format!("${{{var}}}"),
        }]),
        (Language::Shell, Quoting::Bare) => Some(vec![Edit {
            range: secret_span,
            replacement: format!("\"${{{var}}}\""),
        }]),
        (Language::Shell, Quoting::Single) => Some(vec![Edit {
            range: secret_span,
            replacement: format!("'\"${{{var}}}\"'"),
        }]),
        _ => None,
    }
}

/// How the fixed value reads, for `help:` lines.
pub fn env_reference(language: Language, var: &str) -> String {
    match language {
        Language::PowerShell => format!("$env:{var}"),
        Language::Shell => format!("\"${var}\""),
    }
}

/// Everything a rule knows about one credential, turned into a [`Finding`].
pub struct Draft<'a> {
    pub meta: &'static RuleMeta,
    pub language: Language,
    /// The value holding the secret and the secret's range in its text.
    pub value: &'a Value,
    pub range: std::ops::Range<usize>,
    pub confidence: Confidence,
    /// Where the credential goes, after its name: "passed to `twine upload --password`".
    pub position: String,
    pub what: String,
    pub tool: Option<String>,
    pub flag: Option<String>,
    pub env_var: String,
    pub revoke: Option<String>,
    /// Statement the guard goes before, and its block.
    pub statement_start: usize,
    pub scope: Span,
    /// How the flag reads after the fix, for `help:` (e.g. `--password $env:PYPI_TOKEN`).
    pub help_prefix: Option<String>,
    pub secondary: Vec<Label>,
    /// Fix applicability when a mechanical rewrite exists.
    pub applicability: Applicability,
}

impl Draft<'_> {
    pub fn finish(self) -> Finding {
        let secret_text = self.value.text[self.range.clone()].to_owned();
        let token = secret::whole_token(&secret_text);
        let confidence = match &token {
            Some(t) => t.confidence(),
            None => self.confidence,
        };
        let span = self.value.source_range(self.range.clone());
        let what = token
            .as_ref()
            .map(|t| t.kind.to_owned())
            .unwrap_or(self.what.clone());
        // Token kinds keep their own spelling ("npm token"); generic words start the sentence.
        let message = if token.is_some() {
            format!("{what} {}", self.position)
        } else {
            format!("{} {}", capitalize(&what), self.position)
        };
        let reference = env_reference(self.language, &self.env_var);
        let help = match &self.help_prefix {
            Some(prefix) => format!(
                "read it from the environment: `{prefix}{reference}`, and set {} outside the script (CI secret, vault)",
                self.env_var
            ),
            None => format!(
                "read it from the environment with `{reference}`, and set {} outside the script (CI secret, vault)",
                self.env_var
            ),
        };
        let revoke = self
            .revoke
            .or_else(|| token.as_ref().and_then(|t| t.revoke.map(str::to_owned)));
        let note = Some(match revoke {
            Some(url) => format!(
                "this {what} is exposed to everyone who can read the script: revoke it at {url} and issue a new one"
            ),
            None => {
                format!("this {what} is exposed to everyone who can read the script: rotate it")
            }
        });
        let fix =
            env_edits(self.language, self.value, self.range.clone(), &self.env_var).map(|edits| {
                Fix {
                    applicability: self.applicability,
                    description: format!("read {} from the environment", self.env_var),
                    edits,
                    guards: vec![GuardRequest {
                        variable: self.env_var.clone(),
                        before: self.statement_start,
                        scope: self.scope.clone(),
                    }],
                }
            });
        Finding {
            code: self.meta.code,
            name: self.meta.name,
            severity: self.meta.severity,
            confidence,
            message,
            span,
            label: format!("hardcoded {what}"),
            secondary: self.secondary,
            tool: self.tool,
            flag: self.flag,
            env_var: Some(self.env_var),
            secret: Secret::new(secret_text),
            token_kind: token.map(|t| t.kind.to_owned()),
            help: Some(help),
            note,
            fix,
        }
    }
}

/// The confidence that `text`, in a credential position, is a real secret; `None` for
/// placeholders and prompt markers.
pub fn credential_confidence(text: &str) -> Option<Confidence> {
    if secret::is_prompt_marker(text) {
        return None;
    }
    secret::literal_confidence(text)
}

pub fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

pub use crate::secret::looks_like_path;

/// Where a value sits: the statement a guard for it goes before, and its block.
#[derive(Clone, Debug)]
pub struct ValueSite {
    pub statement_start: usize,
    pub scope: Span,
}

/// Calls `f` for every value the script holds in a command (arguments, stdin, redirect
/// targets), an assignment, or a heredoc body, and for every value nested in them (array
/// elements, the literal defaults of `${X:-…}`), with the statement it belongs to.
pub fn each_value(script: &Script, mut f: impl FnMut(&Value, &ValueSite)) {
    fn walk(v: &Value, site: &ValueSite, f: &mut dyn FnMut(&Value, &ValueSite), depth: usize) {
        if depth > 16 {
            return;
        }
        f(v, site);
        for e in &v.elements {
            walk(e, site, f, depth + 1);
        }
        for p in &v.parts {
            if let crate::model::PartKind::Dynamic {
                default: Some(d), ..
            } = &p.kind
            {
                walk(d, site, f, depth + 1);
            }
        }
    }
    for cmd in &script.commands {
        let site = ValueSite {
            statement_start: cmd.statement_span.start,
            scope: cmd.scope.clone(),
        };
        for arg in &cmd.args {
            match arg {
                crate::model::Arg::Positional(v) => walk(v, &site, &mut f, 0),
                crate::model::Arg::Flag { value: Some(v), .. } => walk(v, &site, &mut f, 0),
                _ => {}
            }
        }
        for v in cmd.stdin.iter().chain(&cmd.output_files) {
            walk(v, &site, &mut f, 0);
        }
    }
    for a in &script.assignments {
        let site = ValueSite {
            statement_start: a.statement_span.start,
            scope: a.scope_span.clone(),
        };
        walk(&a.value, &site, &mut f, 0);
    }
    for h in &script.heredocs {
        let Some(cmd) = h.command.and_then(|i| script.commands.get(i)) else {
            continue;
        };
        let site = ValueSite {
            statement_start: cmd.statement_span.start,
            scope: cmd.scope.clone(),
        };
        walk(&h.body, &site, &mut f, 0);
    }
}

/// The statement that holds `span` and its block, for placing a guard: the innermost block
/// among the commands, assignments and invocations whose statement contains `span`.
pub fn enclosing_statement(script: &Script, span: &Span) -> (usize, Span) {
    let contains = |s: &Span| s.start <= span.start && span.end <= s.end;
    let mut best: Option<(usize, Span)> = None;
    let mut consider = |stmt: &Span, scope: &Span| {
        if contains(stmt)
            && best
                .as_ref()
                .is_none_or(|(_, b)| scope.end - scope.start < b.end - b.start)
        {
            best = Some((stmt.start, scope.clone()));
        }
    };
    for c in &script.commands {
        consider(&c.statement_span, &c.scope);
    }
    for a in &script.assignments {
        consider(&a.statement_span, &a.scope_span);
    }
    for i in &script.invocations {
        consider(&i.statement_span, &i.scope);
    }
    best.unwrap_or((span.start, 0..usize::MAX))
}

/// The only assignment to `var` in the script (any value kind), when there is exactly one.
pub fn sole_assignment<'s>(flow: &Flow, script: &'s Script, var: &str) -> Option<&'s Assignment> {
    flow.ask(var);
    let ps = script.language == Some(Language::PowerShell);
    let same = |t: &str| {
        if ps {
            t.eq_ignore_ascii_case(var)
        } else {
            t == var
        }
    };
    let mut found = script
        .assignments
        .iter()
        .filter(|a| a.scope != AssignmentScope::CommandPrefix && same(&a.target));
    let first = found.next()?;
    found.next().is_none().then_some(first)
}

/// The string literal of the script that starts at byte `start`.
pub fn string_at(script: &Script, start: usize) -> Option<&Value> {
    script.strings.iter().find(|s| s.span.start == start)
}

/// How a rule reports a credential found at a site, through [`report_value`].
pub struct Site {
    pub meta: &'static RuleMeta,
    pub what: String,
    /// Position text without the value: "in the `Authorization` header".
    pub position: String,
    pub tool: Option<String>,
    pub flag: Option<String>,
    pub env_var: String,
    pub statement_start: usize,
    pub scope: Span,
    pub applicability: Applicability,
}

/// Reports the secret at `range` of `value`: directly when that range is static text, or at
/// the literal assignment of the variable that exactly covers it (data flow).
pub fn report_value(
    cx: &crate::rules::Context,
    site: Site,
    value: &Value,
    range: std::ops::Range<usize>,
    out: &mut Vec<Finding>,
) {
    let language = cx.source.language;
    if range.is_empty() {
        return;
    }
    if value.is_static_range(range.clone()) {
        let Some(confidence) = credential_confidence(&value.text[range.clone()]) else {
            return;
        };
        out.push(
            Draft {
                meta: site.meta,
                language,
                value,
                range,
                confidence,
                position: site.position,
                what: site.what,
                tool: site.tool,
                flag: site.flag,
                env_var: site.env_var,
                revoke: None,
                statement_start: site.statement_start,
                scope: site.scope,
                help_prefix: None,
                secondary: Vec::new(),
                applicability: site.applicability,
            }
            .finish(),
        );
        return;
    }
    let Some(part) = Flow::part_covering(value, &range) else {
        return;
    };
    let Some(assignment) = cx.flow.resolve_part(cx.script, part) else {
        return;
    };
    report_assignment(
        cx,
        site,
        assignment,
        0..assignment.value.text.len(),
        part,
        out,
    );
}

/// Reports the secret at `range` of a literal assignment's value, used at `used`.
pub fn report_assignment(
    cx: &crate::rules::Context,
    site: Site,
    assignment: &Assignment,
    range: std::ops::Range<usize>,
    used: &crate::model::Part,
    out: &mut Vec<Finding>,
) {
    let language = cx.source.language;
    let assigned = &assignment.value;
    if range.is_empty() || !assigned.is_static_range(range.clone()) {
        return;
    }
    let Some(confidence) = credential_confidence(&assigned.text[range.clone()]) else {
        return;
    };
    let var = match language {
        Language::PowerShell => format!("${}", assignment.target),
        Language::Shell => assignment.target.clone(),
    };
    out.push(
        Draft {
            meta: site.meta,
            language,
            value: assigned,
            range,
            confidence,
            position: format!("assigned to `{var}` and {}", site.position),
            what: site.what,
            tool: site.tool,
            flag: site.flag,
            env_var: site.env_var,
            revoke: None,
            statement_start: assignment.statement_span.start,
            scope: assignment.scope_span.clone(),
            help_prefix: Some(format!("{var} = ")),
            secondary: vec![Label {
                span: used.span.clone(),
                message: "used here".into(),
            }],
            applicability: Applicability::Safe,
        }
        .finish(),
    );
}

/// A synthetic dynamic part naming `var`, for resolving a variable through [`Flow`].
pub fn variable_part(var: &str, span: Span) -> crate::model::Part {
    crate::model::Part {
        kind: crate::model::PartKind::Dynamic {
            variable: Some(var.to_owned()),
            env: false,
            default: None,
        },
        text_range: 0..var.len() + 1,
        span,
        verbatim: true,
    }
}

/// Lints `text` and returns (code, secret) pairs, for rules' unit tests.
#[cfg(test)]
pub fn test_findings(language: Language, text: &str) -> Vec<(String, String)> {
    let name = match language {
        Language::PowerShell => "t.ps1",
        Language::Shell => "t.sh",
    };
    let src = crate::source::SourceFile::from_text(
        name,
        language,
        text.to_owned(),
        crate::source::Encoding::Utf8,
    );
    crate::engine::lint(&src, &crate::engine::Settings::default())
        .unwrap()
        .findings
        .into_iter()
        .map(|f| (f.code.to_owned(), f.secret.expose().to_owned()))
        .collect()
}

/// Like [`env_name_from`], keeping brand names whole: `NuGetApiKey` → `NUGET_API_KEY`,
/// `GitHubToken` → `GITHUB_TOKEN` (not `NU_GET_…`, `GIT_HUB_…`).
pub fn env_name_for_key(name: &str) -> String {
    let mut s = name.to_owned();
    for brand in [
        "NuGet", "GitHub", "GitLab", "OAuth", "DevOps", "PyPI", "MySql", "MySQL",
    ] {
        let flat: String = brand
            .chars()
            .enumerate()
            .map(|(i, c)| {
                if i == 0 {
                    c.to_ascii_uppercase()
                } else {
                    c.to_ascii_lowercase()
                }
            })
            .collect();
        s = s.replace(brand, &flat);
    }
    env_name_from(&s)
}

/// A value that names a credential rather than being one: `db-credentials`, `postgres-password`,
/// `api_token`, `prod.secret` (lower-case words, one of them a credential word).
pub fn names_a_credential(value: &str) -> bool {
    !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.'))
        && secret::name_words(value)
            .iter()
            .any(|w| secret::is_credential_name(w))
}

/// Keys that refer to a credential kept elsewhere: `existingSecret`, `adminPasswordKey`,
/// `secretKeys`, `passwordRef`.
pub fn key_refers_to_credential(key: &str) -> bool {
    let words = secret::name_words(key);
    let Some(last) = words.last() else {
        return false;
    };
    words.first().is_some_and(|w| w == "existing")
        || matches!(last.as_str(), "keys" | "ref" | "reference" | "refs")
        || (last == "key"
            && words[..words.len() - 1]
                .iter()
                .any(|w| matches!(w.as_str(), "password" | "passwd" | "pwd" | "token")))
}

/// The statement a guard for a secret at `span` goes before, and its block: the innermost
/// command, assignment or .NET invocation containing `span`, or the command that receives a
/// heredoc body containing it. Falls back to `span` itself in the whole script (parameter
/// defaults, comments), which the fixer moves past the script header.
pub fn guard_site(script: &Script, span: &Span, text_len: usize) -> (usize, Span) {
    let mut best: Option<(usize, usize, Span)> = None; // (width, statement start, scope)
    let mut consider = |outer: &Span, statement: &Span, scope: &Span| {
        if outer.start <= span.start && span.end <= outer.end {
            let width = outer.end - outer.start;
            if best.as_ref().is_none_or(|b| width < b.0) {
                best = Some((width, statement.start, scope.clone()));
            }
        }
    };
    for c in &script.commands {
        consider(&c.span, &c.statement_span, &c.scope);
    }
    for a in &script.assignments {
        consider(&a.span, &a.statement_span, &a.scope_span);
    }
    for i in &script.invocations {
        consider(&i.span, &i.statement_span, &i.scope);
    }
    // A bash heredoc body lies outside its command's span: the guard goes before the command.
    for h in &script.heredocs {
        if let Some(c) = h.command.and_then(|i| script.commands.get(i)) {
            consider(&h.body.span, &c.statement_span, &c.scope);
        }
    }
    match best {
        Some((_, start, scope)) => (start, scope),
        None => (span.start, 0..text_len),
    }
}

/// How a secret at `range` of `value` is written: as static text, or as exactly one variable
/// reference that the data flow resolves to a literal assignment.
pub enum Located<'s> {
    Static,
    Flow {
        assignment: &'s Assignment,
        part: &'s crate::model::Part,
    },
}

pub fn locate<'s>(
    flow: &Flow,
    script: &'s Script,
    value: &'s Value,
    range: &std::ops::Range<usize>,
) -> Option<Located<'s>> {
    if value.is_static_range(range.clone()) {
        return Some(Located::Static);
    }
    let part = Flow::part_covering(value, range)?;
    let assignment = flow.resolve_part(script, part)?;
    Some(Located::Flow { assignment, part })
}

/// Byte mask of `value.text`: true inside dynamic parts (their raw text must not be parsed as
/// delimiters of the static text around them).
pub fn dynamic_mask(value: &Value) -> Vec<bool> {
    let mut mask = vec![false; value.text.len()];
    for p in &value.parts {
        if matches!(p.kind, crate::model::PartKind::Dynamic { .. }) {
            let end = p.text_range.end.min(mask.len());
            if let Some(dynamic) = mask.get_mut(p.text_range.start..end) {
                dynamic.fill(true);
            }
        }
    }
    mask
}

/// A comment as a static bare value, so that rules can locate text inside it like in a string.
pub fn comment_value(comment: &crate::model::Comment) -> Value {
    Value {
        span: comment.span.clone(),
        text: comment.text.clone(),
        kind: ValueKind::Literal,
        quoting: Quoting::Bare,
        parts: vec![crate::model::Part {
            kind: crate::model::PartKind::Static,
            text_range: 0..comment.text.len(),
            span: comment.span.clone(),
            verbatim: true,
        }],
        hashtable: None,
        command: None,
        elements: Vec::new(),
    }
}

/// Turns a finding on a secret inside a comment into what it is there: a warning whose fix is
/// deleting the secret (and revoking it), shown but never applied.
pub fn into_comment_finding(f: &mut Finding) {
    f.severity = crate::finding::Severity::Warning;
    if !f.message.ends_with("in a comment") {
        f.message = format!("{} (in a comment)", f.message);
    }
    f.help = Some("delete it from the comment (a commented-out secret is still leaked)".into());
    f.fix = Some(Fix {
        applicability: Applicability::DisplayOnly,
        description: "delete the secret from the comment".into(),
        edits: vec![Edit {
            range: f.span.clone(),
            replacement: String::new(),
        }],
        guards: Vec::new(),
    });
}

/// Accepts text in a weak credential position: not a reference left unexpanded, not a
/// placeholder or vendor example, and (when `strict`) shaped like a generated key.
pub fn weak_position_confidence(text: &str, strict: Option<usize>) -> Option<Confidence> {
    if secret::is_unexpanded_reference(text) || secret::is_vendor_example_token(text) {
        return None;
    }
    if let Some(token) = secret::whole_token(text) {
        return Some(token.confidence());
    }
    if is_named_placeholder(text) {
        return None;
    }
    let confidence = credential_confidence(text)?;
    if strict.is_some_and(|min| !secret::looks_like_key(text, min)) {
        return None;
    }
    Some(confidence)
}

/// For a shell word concatenated from quoted and bare pieces (`url."https://…"`,
/// `admin:pw@"$HOST"`), the static piece holding `range` as a value of its own quoting, with
/// `range` rebased onto it, so that a fix can rewrite the secret in place. `None` when the value
/// is not such a word or the piece does not map exactly onto source bytes.
pub fn concatenated_piece(
    language: Language,
    source: &str,
    value: &Value,
    range: &std::ops::Range<usize>,
) -> Option<(Value, std::ops::Range<usize>)> {
    // PowerShell's concatenations are expressions (`'a' + $b`), not words.
    if language != Language::Shell || value.quoting != Quoting::Concatenated {
        return None;
    }
    let part = value.parts.iter().find(|p| {
        p.verbatim
            && matches!(p.kind, crate::model::PartKind::Static)
            && p.text_range.start <= range.start
            && range.end <= p.text_range.end
    })?;
    // Quote state at the start of the piece, skipping dynamic parts (their quotes are theirs).
    let bytes = source.as_bytes();
    let mut state = Quoting::Bare;
    let mut i = value.span.start;
    while i < part.span.start && i < bytes.len() {
        if let Some(d) = value
            .parts
            .iter()
            .find(|p| matches!(p.kind, crate::model::PartKind::Dynamic { .. }) && p.span.start == i)
        {
            i = d.span.end.max(i + 1);
            continue;
        }
        match (state, bytes[i]) {
            (Quoting::Bare | Quoting::Double, b'\\') => i += 1,
            (Quoting::Bare, b'"') => state = Quoting::Double,
            (Quoting::Double, b'"') => state = Quoting::Bare,
            (Quoting::Bare, b'\'') => state = Quoting::Single,
            (Quoting::Single, b'\'') => state = Quoting::Bare,
            _ => {}
        }
        i += 1;
    }
    let text = value.text[part.text_range.clone()].to_owned();
    let len = text.len();
    let piece = Value {
        span: part.span.clone(),
        text,
        // Never "whole": the piece is spliced into a larger word.
        kind: ValueKind::Mixed,
        quoting: state,
        parts: vec![crate::model::Part {
            kind: crate::model::PartKind::Static,
            text_range: 0..len,
            span: part.span.clone(),
            verbatim: true,
        }],
        hashtable: None,
        command: None,
        elements: Vec::new(),
    };
    let start = part.text_range.start;
    Some((piece, range.start - start..range.end - start))
}

/// Documentation writes the *name* of a credential where the value goes:
/// `https://BOOKMYNAME_USERNAME:BOOKMYNAME_PASSWORD@…`, `https://remoteUser:remotePassword@…`,
/// `?apikey=API_KEY`. An identifier that is an UPPER_SNAKE constant, or that names a credential
/// (`remotePassword`, `mytoken`), stands for a value.
pub fn is_named_placeholder(text: &str) -> bool {
    let identifier = !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if !identifier {
        return false;
    }
    let upper_snake = text.contains('_')
        && text.bytes().all(|b| !b.is_ascii_lowercase())
        && text.bytes().any(|b| b.is_ascii_uppercase());
    upper_snake || (secret::is_credential_name(text) && !secret::looks_like_key(text, 12))
}

/// A secret quoted in a comment is reported only when it looks generated (a token format, or a
/// high-entropy key): comments are mostly documentation, where `user:testpass@host` is an example.
pub fn comment_secret_plausible(text: &str) -> bool {
    secret::whole_token(text).is_some() || secret::looks_like_key(text, 12)
}
