//! CL009 secret-in-connection-string.

use std::ops::Range;

use crate::finding::{Applicability, Finding, Label, RuleMeta, Severity};
use crate::model::{Language, Quoting, Value};
use crate::rules::common::{self, Draft, Located};
use crate::rules::{Context, Rule};

pub struct SecretInConnectionString;

static META: RuleMeta = RuleMeta {
    code: "CL009",
    name: "secret-in-connection-string",
    group: "credentials",
    summary: "A connection string holds a literal password or account key",
    docs: r#"# CL009 secret-in-connection-string

## What
`Password=`/`Pwd=`/`AccountKey=`/`SharedAccessKey=`/`SharedAccessSignature=` with a literal value
in a connection string: ADO.NET, ODBC and JDBC (`;`-separated `key=value`, keys case-insensitive,
values quoted as `'a;b'`, `"a;b"` or `{a;b}`), Azure Storage and Service Bus connection strings,
and libpq keyword/value strings (`"host=db user=app password=… dbname=x"`). Anywhere: string
literals, arguments (`Invoke-Sqlcmd -ConnectionString`, `pg_dump --dbname=…`), hashtable values,
assignments. A connection string needs at least one other connection key (server, host, user,
database, account name, endpoint …) besides the secret. Not reported: integrated security,
`Password=$env:DB_PASSWORD`, `Password=${DB_PASS}`, placeholders, and the Azurite emulator's
published `devstoreaccount1` key. A password spliced in from a variable assigned a literal is
reported at the assignment.

## Why
Connection strings travel: into config files, logs, exception messages and process lists. The
password or account key inside is readable by everyone who can read the script.

## Example
```powershell
Invoke-Sqlcmd -ConnectionString "Server=sql01;Database=App;User ID=app;Password=Tr0ub4dor&3" -Query 'SELECT 1'
```

## Use instead
```powershell
if (-not $env:DB_PASSWORD) {
	Write-Host "ERROR: DB_PASSWORD environment variable not set" -ForegroundColor Red
	exit 1
}

Invoke-Sqlcmd -ConnectionString "Server=sql01;Database=App;User ID=app;Password=$($env:DB_PASSWORD)" -Query 'SELECT 1'
```
Better: integrated security / managed identity, `PGPASSWORD` or `.pgpass` for libpq tools.

## Fix safety
Safe where the string's quoting allows an in-place reference (`$($env:NAME)` in PowerShell strings,
`${NAME}` in bash double quotes); PowerShell single-quoted strings become double-quoted when
nothing else in them would expand. Display-only in literal heredocs and here-strings.
"#,
    severity: Severity::Error,
    fix: Some(Applicability::Safe),
    security_severity: "8.0",
    precision: "very-high",
};

impl Rule for SecretInConnectionString {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for value in &cx.script.strings {
            if !may_hold_connection_string(&value.text) {
                continue;
            }
            let mask = common::dynamic_mask(value);
            for cand in find_connection_secrets(&value.text, &mask) {
                report(cx, value, &cand, out);
            }
        }
    }
}

/// False when `text` is neither `;`-separated nor holds a libpq `password=`, so
/// [`find_connection_secrets`] finds nothing: most strings, which then need no mask.
fn may_hold_connection_string(text: &str) -> bool {
    // Plain scans: strings are mostly single short words, too short for a vectorised search.
    let bytes = text.as_bytes();
    bytes.contains(&b';') || (bytes.contains(&b'=') && text.contains("password="))
}

/// A secret found in a connection string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnSecret {
    pub range: Range<usize>,
    /// The key as written (`Password`, `AccountKey`).
    pub key: String,
    pub what: &'static str,
    pub env: &'static str,
}

/// Keys of ADO.NET / ODBC / JDBC / Azure connection strings that are not secrets: one of them
/// must be present for a `;`-separated string to count as a connection string.
const CONNECTION_KEYS: &[&str] = &[
    "server",
    "data source",
    "datasource",
    "address",
    "addr",
    "network address",
    "host",
    "hostname",
    "database",
    "databasename",
    "initial catalog",
    "user id",
    "userid",
    "uid",
    "user",
    "username",
    "driver",
    "dsn",
    "provider",
    "port",
    "accountname",
    "defaultendpointsprotocol",
    "endpointsuffix",
    "blobendpoint",
    "queueendpoint",
    "tableendpoint",
    "fileendpoint",
    "endpoint",
    "sharedaccesskeyname",
    "entitypath",
    "encrypt",
    "trustservercertificate",
    "applicationintent",
    "multipleactiveresultsets",
    "connection timeout",
    "connect timeout",
    "persist security info",
    "sslmode",
    "pooling",
];

/// libpq keywords (keyword/value conninfo strings).
const LIBPQ_KEYS: &[&str] = &[
    "host",
    "hostaddr",
    "port",
    "dbname",
    "user",
    "passfile",
    "sslmode",
    "application_name",
    "connect_timeout",
    "options",
    "sslrootcert",
    "sslcert",
    "sslkey",
    "target_session_attrs",
    "service",
    "channel_binding",
    "client_encoding",
    "gssencmode",
    "replication",
];

fn secret_key(key: &str) -> Option<(&'static str, &'static str)> {
    Some(match key {
        "password" | "pwd" => ("password", "DB_PASSWORD"),
        "accountkey" => ("storage account key", "AZURE_STORAGE_KEY"),
        "sharedaccesskey" => ("shared access key", "AZURE_SHARED_ACCESS_KEY"),
        "sharedaccesssignature" => ("SAS token", "AZURE_STORAGE_SAS_TOKEN"),
        _ => return None,
    })
}

/// Finds the secrets of connection strings in `text` (`mask[i]`: byte `i` is dynamic).
pub fn find_connection_secrets(text: &str, mask: &[bool]) -> Vec<ConnSecret> {
    let mut out = semicolon_pairs(text, mask);
    if out.is_empty() {
        out = libpq_pairs(text, mask);
    }
    out
}

/// Reads a value starting at `i` up to a separator; quoted values end at their closing quote.
/// Returns (value range without quotes, index after the value).
fn read_value(
    text: &str,
    mask: &[bool],
    i: usize,
    sep: &dyn Fn(u8) -> bool,
) -> (Range<usize>, usize) {
    let bytes = text.as_bytes();
    let dynamic = |j: usize| mask.get(j).copied().unwrap_or(false);
    if i < bytes.len() && !dynamic(i) && matches!(bytes[i], b'\'' | b'"' | b'{') {
        let close = if bytes[i] == b'{' { b'}' } else { bytes[i] };
        let mut j = i + 1;
        while j < bytes.len() {
            if !dynamic(j) && bytes[j] == b'\\' && close != b'}' {
                j += 2;
                continue;
            }
            if !dynamic(j) && bytes[j] == close {
                // A doubled quote is an escaped quote.
                if j + 1 < bytes.len() && bytes[j + 1] == close && close != b'}' {
                    j += 2;
                    continue;
                }
                return (i + 1..j, j + 1);
            }
            j += 1;
        }
    }
    let mut j = i;
    while j < bytes.len() && (dynamic(j) || !sep(bytes[j])) {
        j += 1;
    }
    (i..j, j)
}

/// `Key=Value;Key=Value` strings.
fn semicolon_pairs(text: &str, mask: &[bool]) -> Vec<ConnSecret> {
    let bytes = text.as_bytes();
    let dynamic = |j: usize| mask.get(j).copied().unwrap_or(false);
    if !(0..bytes.len()).any(|j| !dynamic(j) && bytes[j] == b';') {
        return Vec::new();
    }
    let mut pairs: Vec<(String, String, Range<usize>)> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        // Key up to '=' (or a ';' that ends a segment without one).
        let mut j = i;
        while j < bytes.len() && (dynamic(j) || (bytes[j] != b'=' && bytes[j] != b';')) {
            j += 1;
        }
        if j >= bytes.len() {
            break;
        }
        if bytes[j] == b';' {
            i = j + 1;
            continue;
        }
        let raw_key = &text[i..j];
        // The key is the text after the last whitespace-free boundary of the segment start.
        let key_text = raw_key.trim();
        let mut v = j + 1;
        while v < bytes.len() && bytes[v] == b' ' && !dynamic(v) {
            v += 1;
        }
        let (range, next) = read_value(text, mask, v, &|b| b == b';');
        let mut range = range;
        while range.end > range.start && bytes[range.end - 1] == b' ' && !dynamic(range.end - 1) {
            range.end -= 1;
        }
        pairs.push((key_text.to_ascii_lowercase(), key_text.to_owned(), range));
        i = next;
        while i < bytes.len() && !dynamic(i) && bytes[i] != b';' {
            i += 1;
        }
        i += 1;
    }
    let has_context = pairs
        .iter()
        .any(|(k, _, _)| CONNECTION_KEYS.contains(&k.as_str()));
    if !has_context {
        return Vec::new();
    }
    pairs
        .into_iter()
        .filter_map(|(k, written, range)| {
            let (what, env) = secret_key(&k)?;
            (!range.is_empty()).then_some(ConnSecret {
                range,
                key: written,
                what,
                env,
            })
        })
        .collect()
}

/// libpq `keyword=value` strings separated by spaces.
fn libpq_pairs(text: &str, mask: &[bool]) -> Vec<ConnSecret> {
    let bytes = text.as_bytes();
    let dynamic = |j: usize| mask.get(j).copied().unwrap_or(false);
    let mut keys: Vec<String> = Vec::new();
    let mut passwords: Vec<Range<usize>> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        while i < bytes.len() && !dynamic(i) && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let start = i;
        while i < bytes.len()
            && !dynamic(i)
            && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_')
        {
            i += 1;
        }
        let key = text[start..i].to_owned();
        if i < bytes.len() && !dynamic(i) && bytes[i] == b'=' && !key.is_empty() {
            let (range, next) = read_value(text, mask, i + 1, &|b: u8| b.is_ascii_whitespace());
            if key == "password" {
                passwords.push(range);
            } else if LIBPQ_KEYS.contains(&key.as_str()) {
                keys.push(key);
            }
            i = next;
        } else {
            while i < bytes.len() && (dynamic(i) || !bytes[i].is_ascii_whitespace()) {
                i += 1;
            }
        }
    }
    if !keys.iter().any(|k| {
        matches!(
            k.as_str(),
            "host" | "hostaddr" | "dbname" | "user" | "port" | "service"
        )
    }) {
        return Vec::new();
    }
    passwords
        .into_iter()
        .filter(|r| !r.is_empty())
        .map(|range| ConnSecret {
            range,
            key: "password".into(),
            what: "password",
            env: "PGPASSWORD",
        })
        .collect()
}

/// Where to rotate an Azure key named by a connection-string key.
fn revoke_for(key: &str) -> Option<String> {
    match key.to_ascii_lowercase().as_str() {
        "accountkey" => crate::secret::revoke_url("Azure storage account key").map(str::to_owned),
        "sharedaccesskey" => Some(
            "the Azure portal (Service Bus/Event Hubs namespace → Shared access policies)".into(),
        ),
        _ => None,
    }
}

fn report(cx: &Context, value: &Value, cand: &ConnSecret, out: &mut Vec<Finding>) {
    let language = cx.source.language;
    let Some(located) = common::locate(cx.flow, cx.script, value, &cand.range) else {
        return;
    };
    let position = format!("in the `{}=` of a connection string", cand.key);
    match located {
        Located::Static => {
            let text = &value.text[cand.range.clone()];
            let Some(confidence) = common::weak_position_confidence(text, None) else {
                return;
            };
            let span = value.source_range(cand.range.clone());
            let (statement_start, scope) =
                common::guard_site(cx.script, &span, cx.source.text.len());
            let piece = common::concatenated_piece(language, &cx.source.text, value, &cand.range);
            let (value, range) = match &piece {
                Some((v, r)) => (v, r.clone()),
                None => (value, cand.range.clone()),
            };
            out.push(
                Draft {
                    meta: &META,
                    language,
                    value,
                    range,
                    confidence,
                    position,
                    what: cand.what.into(),
                    tool: None,
                    flag: Some(cand.key.clone()),
                    env_var: cand.env.into(),
                    revoke: revoke_for(&cand.key),
                    statement_start,
                    scope,
                    help_prefix: Some(format!("{}=", cand.key)),
                    secondary: Vec::new(),
                    applicability: if value.quoting == Quoting::HereSingle {
                        Applicability::DisplayOnly
                    } else {
                        Applicability::Safe
                    },
                }
                .finish(),
            );
        }
        Located::Flow { assignment, part } => {
            let assigned = &assignment.value;
            let text = assigned.text.as_str();
            let Some(confidence) = common::weak_position_confidence(text, None) else {
                return;
            };
            let var = match language {
                Language::PowerShell => format!("${}", assignment.target),
                Language::Shell => assignment.target.clone(),
            };
            out.push(
                Draft {
                    meta: &META,
                    language,
                    value: assigned,
                    range: 0..assigned.text.len(),
                    confidence,
                    position: format!("assigned to `{var}` and used {position}"),
                    what: cand.what.into(),
                    tool: None,
                    flag: Some(cand.key.clone()),
                    env_var: crate::rules::secret_in_url::flow_env(
                        text,
                        &assignment.target,
                        cand.env,
                    ),
                    revoke: None,
                    statement_start: assignment.statement_span.start,
                    scope: assignment.scope_span.clone(),
                    help_prefix: Some(format!("{var} = ")),
                    secondary: vec![Label {
                        span: part.span.clone(),
                        message: "used here in a connection string".into(),
                    }],
                    applicability: Applicability::Safe,
                }
                .finish(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find(text: &str) -> Vec<(String, &'static str)> {
        find_connection_secrets(text, &vec![false; text.len()])
            .into_iter()
            .map(|c| (text[c.range].to_owned(), c.env))
            .collect()
    }

    #[test]
    fn ado_odbc_jdbc() {
        assert_eq!(
            find("Server=sql01;Database=App;User ID=app;Password=Tr0ub4dor&3;Encrypt=True"),
            vec![("Tr0ub4dor&3".into(), "DB_PASSWORD")]
        );
        assert_eq!(
            find("Driver={ODBC Driver 18};Server=s;UID=u;PWD={a;b}"),
            vec![("a;b".into(), "DB_PASSWORD")]
        );
        assert_eq!(find("Server=s; Password='x;y z'; User Id=u")[0].0, "x;y z");
        assert_eq!(
            find("jdbc:sqlserver://h:1433;databaseName=x;user=u;password=Qw7s9xLp")[0].0,
            "Qw7s9xLp"
        );
        assert!(find("Server=s;Integrated Security=SSPI").is_empty());
        assert!(find("Password=abc;Foo=bar").is_empty(), "no connection key");
    }

    #[test]
    fn azure_storage() {
        let f = find(
            "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=Zm9vYmFy==;EndpointSuffix=core.windows.net",
        );
        assert_eq!(f, vec![("Zm9vYmFy==".into(), "AZURE_STORAGE_KEY")]);
    }

    #[test]
    fn libpq() {
        assert_eq!(
            find("host=db port=5432 user=app password=foaV0QX dbname=x"),
            vec![("foaV0QX".into(), "PGPASSWORD")]
        );
        assert_eq!(find("host=db password='a b\\'c'")[0].0, "a b\\'c");
        assert!(find("vault write auth/x password=abc policies=y").is_empty());
    }
}
