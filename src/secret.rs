//! "Is it a secret?": placeholder and dummy-value detection, credential-like names, and known
//! token formats validated offline.

use std::sync::LazyLock;

use base64::Engine as _;
use regex::Regex;

use crate::finding::Confidence;

/// True for text that only stands for a secret: `<token>`, `YOUR_API_KEY_HERE`, `xxxx`,
/// `changeme`, `${{ secrets.X }}`, `%PASSWORD%`, vendor documentation examples.
pub fn is_placeholder(value: &str) -> bool {
    let v = value.trim();
    if v.is_empty() {
        return true;
    }
    if (v.starts_with('<') && v.ends_with('>'))
        || (v.starts_with('{') && v.ends_with('}'))
        || (v.starts_with('[') && v.ends_with(']'))
        || v.contains("{{")
        || v.contains("${")
        || (v.starts_with('%') && v.ends_with('%') && v.len() > 2)
        || (v.starts_with("$(") && v.ends_with(')'))
        || (v.starts_with("#{") && v.ends_with('}'))
        || (v.starts_with("@@") && v.ends_with("@@"))
        || (v.starts_with("__") && v.ends_with("__") && v.len() > 4)
    {
        return true;
    }
    // Runs of one masking character: xxxx, ****, ....
    let first = v.chars().next().unwrap_or(' ');
    if v.chars().count() >= 3
        && "xX*.#-_0•".contains(first)
        && v.chars().all(|c| {
            c == first || (first.eq_ignore_ascii_case(&'x') && c.eq_ignore_ascii_case(&'x'))
        })
    {
        return true;
    }
    if PLACEHOLDER_WORDS.is_match(v) {
        return true;
    }
    // A value that only names a credential: `tencent-cloud-secret-key`, `db_password`.
    if v.contains(['-', '_', '.'])
        && v.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_.".contains(c))
        && is_credential_name(v)
    {
        return true;
    }
    // An identifier that ends in a credential word names one (`S3BackupCredential`,
    // `DeployApiKey`): the name of a stored credential, not its value.
    if v.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    {
        let words = name_words(v);
        if words.len() >= 2
            && words.last().is_some_and(|w| {
                matches!(
                    w.as_str(),
                    "credential"
                        | "credentials"
                        | "password"
                        | "secret"
                        | "token"
                        | "key"
                        | "apikey"
                )
            })
            && words
                .iter()
                .all(|w| w.chars().any(|c| c.is_ascii_alphabetic()) || w.len() <= 2)
        {
            return true;
        }
    }
    // A PowerShell command name passed as a bare word (`-String Get-Random`).
    let mut verb_noun = v.splitn(2, '-');
    if let (Some(verb), Some(noun)) = (verb_noun.next(), verb_noun.next())
        && verb.len() >= 3
        && verb.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && verb.chars().skip(1).all(|c| c.is_ascii_lowercase())
        && noun.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && noun.chars().all(|c| c.is_ascii_alphabetic())
    {
        return true;
    }
    // A .NET type or namespace (`Dataplat.Dbatools.Parameter.DbaCredentialParameter`).
    if v.split('.').nth(2).is_some()
        && v.split('.').all(|s| {
            s.chars().next().is_some_and(|c| c.is_ascii_uppercase())
                && s.chars().all(|c| c.is_ascii_alphanumeric())
        })
    {
        return true;
    }
    // Azure Artifacts' documented dummy API key, and similar one-word markers.
    [
        "az",
        "none",
        "null",
        "nil",
        "undefined",
        "true",
        "false",
        "key",
        "token",
        "password",
        "secret",
    ]
    .iter()
    .any(|w| v.eq_ignore_ascii_case(w))
}

/// Words that mark a placeholder wherever they occur in it, lower-case.
const PLACEHOLDER_WORD_LIST: &[&str] = &[
    "changeme",
    "change-me",
    "change_me",
    "changeit",
    "replaceme",
    "replace-me",
    "replace_me",
    "placeholder",
    "your_",
    "your-",
    "yourpassword",
    "yourtoken",
    "yourapikey",
    "_here",
    "-here",
    "example",
    "dummy",
    "fake",
    "redacted",
    "notasecret",
    "not-a-secret",
    "insert",
    "fixme",
    "todo",
    "tbd",
    "sample",
    "yourstrong(!)password",
    "minioadmin",
    "devstoreaccount1",
    "eby8vdm02xnocqflquwjpllmetlcdxj1ouzft50usrz6ifsufq2uvercz4i6tq",
    "secret_value",
    "password_here",
    "mysecret",
    "mypassword",
    "s3cr3t",
    "p@ssw0rd",
    "passw0rd",
    "abc123",
    "12345",
    "123456",
    "1234567",
    "12345678",
    "qwerty",
];

/// [`PLACEHOLDER_WORD_LIST`] in one automaton matched ASCII case-insensitively (one pass over
/// the value instead of a substring search per word on a lower-cased copy).
static PLACEHOLDER_WORDS: LazyLock<aho_corasick::AhoCorasick> = LazyLock::new(|| {
    aho_corasick::AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(PLACEHOLDER_WORD_LIST)
        .expect("placeholder words build")
});

/// Trivial dummy values used for local throwaway services (NEGATIVES R6); reported only with a
/// low confidence.
pub fn is_trivial_dummy(value: &str) -> bool {
    const DUMMIES: &[&str] = &[
        "test",
        "testing",
        "test123",
        "tests",
        "password",
        "pass",
        "passwd",
        "secret",
        "postgres",
        "mysql",
        "root",
        "admin",
        "dev",
        "local",
        "guest",
        "example",
        "dummy",
        "minioadmin",
        "user",
        "demo",
        "foo",
        "bar",
        "foobar",
        "default",
        "sa",
        "redis",
        "mongo",
        "rabbitmq",
        "letmein",
        "toor",
        "pw",
        "pwd",
    ];
    let lower = value.to_ascii_lowercase();
    DUMMIES.contains(&lower.as_str())
}

/// True for literals that name a file rather than hold a secret: `~/.aws/key.json`,
/// `./certs/client.pem`, `C:\keys\deploy.pfx`, `\\server\share`, `/run/secrets/db_password`.
/// Credential positions sometimes take a path. A base64 secret may start with `/`, so an
/// absolute path needs short, word-like segments.
pub fn looks_like_path(text: &str) -> bool {
    let t = text.trim();
    if t.starts_with("~/") || t.starts_with("./") || t.starts_with("../") {
        return true;
    }
    let b = t.as_bytes();
    let drive = b.len() > 3 && b[0].is_ascii_alphabetic() && b[1] == b':';
    if drive && (b[2] == b'\\' || b[2] == b'/') || t.starts_with("\\\\") {
        return true;
    }
    if t.starts_with('/') && t.len() > 1 {
        return t.split('/').filter(|s| !s.is_empty()).all(|s| {
            s.len() < 20
                && s.bytes()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-'))
        });
    }
    const FILE_EXTENSIONS: &[&str] = &[
        ".json", ".pem", ".key", ".p12", ".pfx", ".crt", ".cer", ".txt", ".gpg", ".asc", ".ini",
        ".cfg", ".conf", ".yaml", ".yml", ".xml", ".env", ".kdbx", ".ppk",
    ];
    let lower = t.to_ascii_lowercase();
    !t.contains(char::is_whitespace) && FILE_EXTENSIONS.iter().any(|e| lower.ends_with(e))
}

/// Words that make up dummy passwords in tests and examples.
const DUMMY_WORDS: &[&str] = &[
    "password",
    "passwd",
    "pass",
    "pwd",
    "cred",
    "creds",
    "this",
    "is",
    "it",
    "visible",
    "word",
    "secure",
    "tester",
    "reset",
    "change",
    "certificate",
    "cert",
    "app",
    "storage",
    "account",
    "sql",
    "db",
    "database",
    "server",
    "service",
    "client",
    "proxy",
    "secret",
    "token",
    "key",
    "plain",
    "text",
    "test",
    "testing",
    "tests",
    "wrong",
    "bad",
    "invalid",
    "dummy",
    "fake",
    "example",
    "sample",
    "my",
    "your",
    "some",
    "new",
    "old",
    "the",
    "a",
    "user",
    "admin",
    "root",
    "value",
    "string",
    "foo",
    "bar",
    "baz",
    "abc",
    "xyz",
    "hunter",
    "letmein",
    "welcome",
    "default",
    "demo",
    "local",
    "dev",
    "guest",
    "mock",
    "stub",
    "fixture",
    "temp",
    "tmp",
    "hello",
    "world",
    "qwerty",
    "another",
    "other",
    "different",
    "correct",
    "good",
    "strong",
    "weak",
    "super",
    "top",
];

/// A value spelled only from dummy words, digits and punctuation: `testpassword`,
/// `PlainTextPassword`, `Secret123!`, `wrongpass`. Tests and examples use these; a real
/// credential is not one.
pub fn is_dummy_phrase(value: &str) -> bool {
    // Undo leetspeak (`P@ssw0rd`, `s3cur3`): symbols always, digits between two letters.
    let chars: Vec<char> = value.chars().collect();
    let letters: String = chars
        .iter()
        .enumerate()
        .filter_map(|(i, &c)| {
            let between_letters = i > 0
                && chars[i - 1].is_ascii_alphabetic()
                && chars.get(i + 1).is_some_and(|n| n.is_ascii_alphabetic());
            match c {
                '@' => Some('a'),
                '$' => Some('s'),
                '0' if between_letters => Some('o'),
                '1' if between_letters => Some('i'),
                '3' if between_letters => Some('e'),
                '4' if between_letters => Some('a'),
                '5' if between_letters => Some('s'),
                '7' if between_letters => Some('t'),
                c if c.is_ascii_alphabetic() => Some(c.to_ascii_lowercase()),
                _ => None,
            }
        })
        .collect();
    if letters.is_empty() || !value.is_ascii() {
        return false;
    }
    // Word break by dynamic programming over the dummy vocabulary.
    let n = letters.len();
    let mut ok = vec![false; n + 1];
    ok[0] = true;
    for i in 0..n {
        if !ok[i] {
            continue;
        }
        for w in DUMMY_WORDS {
            if letters[i..].starts_with(w) {
                ok[i + w.len()] = true;
            }
        }
    }
    ok[n]
}

/// Values that mean "prompt" or "read elsewhere" in a credential position.
pub fn is_prompt_marker(value: &str) -> bool {
    matches!(value, "*" | "-" | "")
}

/// Splits an identifier into lower-case words: `apiKey` → [api, key], `DB_PASSWORD` → [db,
/// password], `X-Api-Key` → [x, api, key].
pub fn name_words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if !c.is_ascii_alphanumeric() {
            if !cur.is_empty() {
                words.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && prev_lower && !cur.is_empty() {
            words.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        cur.push(c.to_ascii_lowercase());
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    words
}

/// True when a variable, key, flag or header name says it holds a credential:
/// `password`, `DB_PASS`, `apiKey`, `X-Api-Key`, `client_secret`, `GITHUB_TOKEN`, `PRIVATE-TOKEN`.
/// Names that merely mention one (`token_url`, `password_file`, `secret_name`, `key_id`) do not.
pub fn is_credential_name(name: &str) -> bool {
    let words = name_words(name);
    if words.is_empty() {
        return false;
    }
    let joined: String = words.concat();
    // A trailing qualifier means the value is about the credential, not the credential.
    const NOT_VALUE: &[&str] = &[
        "file",
        "path",
        "url",
        "uri",
        "name",
        "id",
        "ids",
        "type",
        "length",
        "len",
        "expiry",
        "expires",
        "expiration",
        "header",
        "endpoint",
        "prompt",
        "policy",
        "count",
        "hash",
        "hashed",
        "stdin",
        "env",
        "var",
        "variable",
        "helper",
        "command",
        "cmd",
        "dir",
        "location",
        "store",
        "vault",
        "version",
        "format",
        "mode",
        "scope",
        "scopes",
        "user",
        "username",
        "required",
        "enabled",
        "set",
        "exists",
        "changed",
        "validity",
        "age",
        "hint",
        "question",
        "expired",
        "history",
        "last",
        "complexity",
        "reset",
        "salt",
        "algorithm",
        "size",
        "fingerprint",
        "thumbprint",
        "description",
    ];
    if let Some(last) = words.last()
        && NOT_VALUE.contains(&last.as_str())
        && words.len() > 1
    {
        return false;
    }
    const WHOLE: &[&str] = &[
        "password",
        "passwd",
        "pwd",
        "pass",
        "passphrase",
        "passcode",
        "secret",
        "secrets",
        "token",
        "apikey",
        "apitoken",
        "authtoken",
        "accesstoken",
        "accesskey",
        "secretkey",
        "privatekey",
        "clientsecret",
        "credential",
        "credentials",
        "creds",
        "pat",
        "auth",
        "sas",
        "sig",
        "signature",
        "webhook",
        "webhookurl",
        "bearer",
        "appsecret",
        "masterkey",
        "accountkey",
        "sharedkey",
        "storagekey",
        "licensekey",
        "encryptionkey",
        "signingkey",
        "connectionstring",
        "connstr",
    ];
    if words.iter().any(|w| {
        matches!(
            w.as_str(),
            "password"
                | "passwd"
                | "pwd"
                | "passphrase"
                | "passcode"
                | "secret"
                | "token"
                | "apikey"
                | "credential"
                | "credentials"
                | "creds"
                | "privatekey"
                | "clientsecret"
                | "accesskey"
                | "secretkey"
                | "accountkey"
                | "authtoken"
                | "accesstoken"
        )
    }) {
        return true;
    }
    if WHOLE.contains(&joined.as_str()) {
        return true;
    }
    // Pairs such as api + key, access + key, pass (as its own word, not "passenger").
    let has = |w: &str| words.iter().any(|x| x == w);
    (has("key")
        && (has("api")
            || has("access")
            || has("secret")
            || has("private")
            || has("account")
            || has("master")
            || has("license")
            || has("signing")
            || has("encryption")
            || has("shared")
            || has("storage")
            || has("subscription")
            || has("app")
            || has("client")))
        // `pass` alone or last (`DB_PASS`), not `PassThru`, `PassTime`, `PassCount`.
        || words.last().is_some_and(|w| w == "pass")
        || (has("pat") && words.len() <= 3)
        || (has("auth") && has("key"))
        || (has("connection") && has("string"))
        || has("webhook")
        || has("sas")
}

/// A recognised token format.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenMatch {
    /// Byte range in the searched text.
    pub range: std::ops::Range<usize>,
    /// Human name, e.g. "PyPI API token".
    pub kind: &'static str,
    /// Variable a fix should use when nothing better is known.
    pub env: &'static str,
    /// Where to revoke it.
    pub revoke: Option<&'static str>,
    /// True when a checksum or structure check passed; false when it failed; the match is
    /// dropped entirely when a format with a checksum fails it and `strict` is set.
    pub validated: Option<bool>,
}

impl TokenMatch {
    pub fn confidence(&self) -> Confidence {
        match self.validated {
            Some(true) => Confidence::VERIFIED,
            Some(false) => Confidence::MEDIUM,
            None => Confidence::HIGH,
        }
    }
}

struct TokenFormat {
    kind: &'static str,
    env: &'static str,
    revoke: Option<&'static str>,
    regex: &'static str,
    validate: Option<fn(&str) -> bool>,
}

const TOKEN_FORMATS: &[TokenFormat] = &[
    TokenFormat {
        kind: "PyPI API token",
        env: "PYPI_TOKEN",
        revoke: Some("https://pypi.org/manage/account/token/"),
        regex: r"pypi-AgE[A-Za-z0-9_-]{40,}",
        validate: Some(validate_pypi),
    },
    TokenFormat {
        kind: "GitHub fine-grained token",
        env: "GITHUB_TOKEN",
        revoke: Some("https://github.com/settings/tokens"),
        regex: r"github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}",
        validate: None,
    },
    TokenFormat {
        kind: "GitHub token",
        env: "GITHUB_TOKEN",
        revoke: Some("https://github.com/settings/tokens"),
        regex: r"gh[pousr]_[A-Za-z0-9]{36}",
        validate: Some(validate_github),
    },
    TokenFormat {
        kind: "GitLab token",
        env: "GITLAB_TOKEN",
        revoke: Some("https://gitlab.com/-/user_settings/personal_access_tokens"),
        regex: r"gl(?:pat|dt|rt|cbt|ptt|ft|imt|agent|oas|soat)-[A-Za-z0-9_-]{20,}",
        validate: None,
    },
    TokenFormat {
        kind: "npm token",
        env: "NPM_TOKEN",
        revoke: Some("https://www.npmjs.com/settings/~/tokens"),
        regex: r"npm_[A-Za-z0-9]{36}",
        validate: Some(validate_npm),
    },
    TokenFormat {
        kind: "NuGet API key",
        env: "NUGET_API_KEY",
        revoke: Some("https://www.nuget.org/account/apikeys"),
        regex: r"oy2[a-z0-9]{43}",
        validate: None,
    },
    TokenFormat {
        kind: "AWS access key ID",
        env: "AWS_ACCESS_KEY_ID",
        revoke: Some("the AWS IAM console (Security credentials → Access keys)"),
        regex: r"(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z2-7]{16}",
        validate: None,
    },
    TokenFormat {
        kind: "Slack token",
        env: "SLACK_TOKEN",
        revoke: Some("https://api.slack.com/apps (OAuth & Permissions → Revoke)"),
        regex: r"xox[abposre]-[0-9A-Za-z-]{10,}|xoxe\.xox[bp]-[0-9A-Za-z-]{10,}",
        validate: None,
    },
    TokenFormat {
        kind: "Slack webhook URL",
        env: "SLACK_WEBHOOK_URL",
        revoke: Some("https://api.slack.com/apps (Incoming Webhooks)"),
        regex: r"https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9/_-]{20,}",
        validate: None,
    },
    TokenFormat {
        kind: "Microsoft Teams webhook URL",
        env: "TEAMS_WEBHOOK_URL",
        revoke: Some("the Teams channel's connector settings"),
        regex: r"https://[A-Za-z0-9.-]+\.webhook\.office\.com/webhookb2/[A-Za-z0-9@/_-]{40,}",
        validate: None,
    },
    TokenFormat {
        kind: "Stripe secret key",
        env: "STRIPE_API_KEY",
        revoke: Some("https://dashboard.stripe.com/apikeys"),
        regex: r"(?:sk|rk)_live_[0-9A-Za-z]{20,}",
        validate: None,
    },
    TokenFormat {
        kind: "Stripe webhook signing secret",
        env: "STRIPE_WEBHOOK_SECRET",
        revoke: Some("https://dashboard.stripe.com/webhooks"),
        regex: r"whsec_[0-9A-Za-z]{24,}",
        validate: None,
    },
    TokenFormat {
        kind: "Docker Hub access token",
        env: "DOCKERHUB_TOKEN",
        revoke: Some("https://app.docker.com/settings/personal-access-tokens"),
        regex: r"dckr_pat_[A-Za-z0-9_-]{20,}",
        validate: None,
    },
    TokenFormat {
        kind: "HashiCorp Vault token",
        env: "VAULT_TOKEN",
        revoke: Some("`vault token revoke`"),
        regex: r"hv[sbr]\.[A-Za-z0-9_-]{24,}",
        validate: None,
    },
    TokenFormat {
        kind: "Google API key",
        env: "GOOGLE_API_KEY",
        revoke: Some("https://console.cloud.google.com/apis/credentials"),
        regex: r"AIza[0-9A-Za-z_-]{35}",
        validate: None,
    },
    TokenFormat {
        kind: "SendGrid API key",
        env: "SENDGRID_API_KEY",
        revoke: Some("https://app.sendgrid.com/settings/api_keys"),
        regex: r"SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}",
        validate: None,
    },
    TokenFormat {
        kind: "OpenAI API key",
        env: "OPENAI_API_KEY",
        revoke: Some("https://platform.openai.com/api-keys"),
        regex: r"sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}T3BlbkFJ[A-Za-z0-9_-]{20,}|sk-proj-[A-Za-z0-9_-]{40,}",
        validate: None,
    },
    TokenFormat {
        kind: "crates.io token",
        env: "CARGO_REGISTRY_TOKEN",
        revoke: Some("https://crates.io/settings/tokens"),
        regex: r"cio[A-Za-z0-9]{32}",
        validate: None,
    },
    TokenFormat {
        kind: "Atlassian API token",
        env: "ATLASSIAN_API_TOKEN",
        revoke: Some("https://id.atlassian.com/manage-profile/security/api-tokens"),
        regex: r"ATATT3[A-Za-z0-9_=-]{100,}",
        validate: None,
    },
    TokenFormat {
        kind: "JFrog Artifactory API key",
        env: "ARTIFACTORY_API_KEY",
        revoke: Some("your Artifactory user profile"),
        regex: r"AKCp[A-Za-z0-9]{60,}",
        validate: None,
    },
    TokenFormat {
        kind: "SonarQube token",
        env: "SONAR_TOKEN",
        revoke: Some("your SonarQube account (Security → Tokens)"),
        regex: r"sq[pau]_[0-9a-f]{40}",
        validate: None,
    },
    TokenFormat {
        kind: "Telegram bot token",
        env: "TELEGRAM_BOT_TOKEN",
        revoke: Some("@BotFather (/revoke)"),
        // Also inside a Bot API URL path (`/bot123456789:AA…/sendMessage`).
        regex: r"(?:^|[^0-9A-Za-z]|bot)([0-9]{8,10}:AA[A-Za-z0-9_-]{33})",
        validate: None,
    },
    TokenFormat {
        kind: "Azure client secret",
        env: "AZURE_CLIENT_SECRET",
        revoke: Some("the Azure portal (App registrations → Certificates & secrets)"),
        regex: r"[A-Za-z0-9_~.-]{3}[0-9]Q~[A-Za-z0-9_~.-]{31,34}",
        validate: None,
    },
    TokenFormat {
        kind: "Azure storage account key",
        env: "AZURE_STORAGE_KEY",
        revoke: Some("the Azure portal (Storage account → Access keys → Rotate)"),
        regex: r"AccountKey=[A-Za-z0-9+/]{86}==",
        validate: None,
    },
    TokenFormat {
        kind: "Shopify access token",
        env: "SHOPIFY_ACCESS_TOKEN",
        revoke: Some("the Shopify admin (Apps → Develop apps)"),
        regex: r"shp(?:at|ss|ca|pa)_[a-fA-F0-9]{32}",
        validate: None,
    },
    TokenFormat {
        kind: "Discord webhook URL",
        env: "DISCORD_WEBHOOK_URL",
        revoke: Some("the Discord channel's Integrations → Webhooks settings"),
        regex: r"https://(?:ptb\.|canary\.)?discord(?:app)?\.com/api/webhooks/[0-9]{17,20}/[A-Za-z0-9_-]{60,68}",
        validate: None,
    },
    TokenFormat {
        kind: "Mailgun API key",
        env: "MAILGUN_API_KEY",
        revoke: Some("https://app.mailgun.com/settings/api_security"),
        // Not the tail of a longer name (`cache-key-<md5>`).
        regex: r"(?:^|[^A-Za-z0-9_-])(key-[0-9a-f]{32})\b",
        validate: None,
    },
    TokenFormat {
        kind: "GitLab runner registration token",
        env: "GITLAB_RUNNER_TOKEN",
        revoke: Some("the GitLab project's CI/CD → Runners settings"),
        regex: r"\bGR1348941[A-Za-z0-9_-]{20}\b",
        validate: None,
    },
    TokenFormat {
        kind: "Anthropic API key",
        env: "ANTHROPIC_API_KEY",
        revoke: Some("https://console.anthropic.com/settings/keys"),
        regex: r"sk-ant-(?:api|admin)[0-9]{2}-[A-Za-z0-9_-]{80,}",
        validate: None,
    },
    TokenFormat {
        kind: "Hugging Face token",
        env: "HF_TOKEN",
        revoke: Some("https://huggingface.co/settings/tokens"),
        regex: r"\bhf_[A-Za-z]{34}\b",
        validate: None,
    },
    TokenFormat {
        kind: "DigitalOcean token",
        env: "DIGITALOCEAN_ACCESS_TOKEN",
        revoke: Some("https://cloud.digitalocean.com/account/api/tokens"),
        regex: r"\bdo[por]_v1_[a-f0-9]{64}\b",
        validate: None,
    },
    TokenFormat {
        kind: "Heroku API key",
        env: "HEROKU_API_KEY",
        revoke: Some("https://dashboard.heroku.com/account/applications"),
        regex: r"\bHRKU-AA[0-9A-Za-z_-]{58}",
        validate: None,
    },
    TokenFormat {
        kind: "Azure DevOps personal access token",
        env: "AZURE_DEVOPS_EXT_PAT",
        revoke: Some("https://dev.azure.com (User settings → Personal access tokens)"),
        regex: r"\b[A-Za-z0-9]{76}AZDO[A-Za-z0-9]{4}\b",
        validate: None,
    },
    TokenFormat {
        kind: "Databricks token",
        env: "DATABRICKS_TOKEN",
        revoke: Some("the Databricks workspace (User settings → Access tokens)"),
        regex: r"\bdapi[a-f0-9]{32}(?:-[0-9])?\b",
        validate: None,
    },
    TokenFormat {
        kind: "Grafana service account token",
        env: "GRAFANA_TOKEN",
        revoke: Some("the Grafana instance (Administration → Service accounts)"),
        regex: r"\bglsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}\b",
        validate: None,
    },
    TokenFormat {
        kind: "New Relic user API key",
        env: "NEW_RELIC_API_KEY",
        revoke: Some("https://one.newrelic.com/api-keys"),
        regex: r"\bNRAK-[A-Z0-9]{27}\b",
        validate: None,
    },
    TokenFormat {
        kind: "Postman API key",
        env: "POSTMAN_API_KEY",
        revoke: Some("https://go.postman.co/settings/me/api-keys"),
        regex: r"\bPMAK-[a-f0-9]{24}-[a-f0-9]{34}\b",
        validate: None,
    },
    TokenFormat {
        kind: "JSON Web Token",
        env: "JWT_TOKEN",
        revoke: None,
        regex: r"eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}",
        validate: None,
    },
    TokenFormat {
        kind: "private key",
        env: "PRIVATE_KEY",
        revoke: None,
        regex: r"-----BEGIN (?:[A-Z]+ )*PRIVATE KEY(?: BLOCK)?-----",
        validate: None,
    },
];

static TOKEN_REGEXES: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    TOKEN_FORMATS
        .iter()
        .map(|f| Regex::new(f.regex).expect("token regex compiles"))
        .collect()
});

/// All token regexes in one automaton: one pass tells which formats occur at all, so the
/// (allocating) capture search runs only for those, and usually for none.
static TOKEN_SET: LazyLock<regex::RegexSet> = LazyLock::new(|| {
    regex::RegexSet::new(TOKEN_FORMATS.iter().map(|f| f.regex)).expect("token regexes compile")
});

/// Whether any token format matches in `text` (formats with a checksum unchecked).
pub fn mentions_token(text: &str) -> bool {
    TOKEN_PREFIXES.is_match(text) && TOKEN_SET.is_match(text)
}

/// [`TOKEN_TRIGGERS`] in one automaton: the literal part every token holds, found much faster
/// than the formats themselves (several start with a character class).
static TOKEN_PREFIXES: LazyLock<aho_corasick::AhoCorasick> = LazyLock::new(|| {
    // A DFA without a prefilter: dozens of short prefixes defeat the prefilters (measured).
    aho_corasick::AhoCorasickBuilder::new()
        .kind(Some(aho_corasick::AhoCorasickKind::DFA))
        .prefilter(false)
        .build(TOKEN_TRIGGERS)
        .expect("token triggers build")
});

/// Trigger words for the prefilter: a file containing none of them holds no known token.
/// Case-sensitive, as the formats are; each occurs in every match of its formats.
pub const TOKEN_TRIGGERS: &[&str] = &[
    "pypi-AgE",
    "github_pat_",
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "glpat-",
    "gldt-",
    "glrt-",
    "glcbt-",
    "glptt-",
    "glft-",
    "glimt-",
    "glagent-",
    "gloas-",
    "glsoat-",
    "npm_",
    "oy2",
    "AKIA",
    "ASIA",
    "AGPA",
    "AIDA",
    "AROA",
    "ANPA",
    "ANVA",
    "AIPA",
    "xox",
    "hooks.slack.com",
    "webhook.office.com",
    "_live_",
    "whsec_",
    "dckr_pat_",
    "hvs.",
    "hvb.",
    "hvr.",
    "AIza",
    "SG.",
    "sk-",
    "cio",
    "ATATT3",
    "AKCp",
    "sqp_",
    "squ_",
    "sqa_",
    ":AA",
    "Q~",
    "AccountKey=",
    "shpat_",
    "shpss_",
    "shpca_",
    "shppa_",
    "eyJ",
    "PRIVATE KEY",
    "xoxe",
    "discord",
    "key-",
    "GR1348941",
    "sk-ant-",
    "hf_",
    "dop_v1_",
    "doo_v1_",
    "dor_v1_",
    "HRKU-",
    "AZDO",
    "dapi",
    "glsa_",
    "NRAK-",
    "PMAK-",
];

/// Finds every known token in `text`. Overlapping matches keep the earliest, longest.
pub fn find_tokens(text: &str) -> Vec<TokenMatch> {
    let mut out: Vec<TokenMatch> = Vec::new();
    // Most strings hold no token prefix at all; `is_match` answers the usual "none" without
    // allocating the set of matching formats.
    if !mentions_token(text) {
        return out;
    }
    let present = TOKEN_SET.matches(text);
    if !present.matched_any() {
        return out;
    }
    for i in present.iter() {
        let (format, regex) = (&TOKEN_FORMATS[i], &TOKEN_REGEXES[i]);
        for caps in regex.captures_iter(text) {
            // A format whose regex has a group reports the group (context outside it).
            let Some(m) = caps.get(1).or_else(|| caps.get(0)) else {
                continue;
            };
            let mut range = m.range();
            if format.kind == "Azure storage account key" {
                range.start += "AccountKey=".len();
            }
            if out
                .iter()
                .any(|o| o.range.start < range.end && range.start < o.range.end)
            {
                continue;
            }
            let token = &text[range.clone()];
            let validated = format.validate.map(|v| v(token));
            out.push(TokenMatch {
                range,
                kind: format.kind,
                env: format.env,
                revoke: format.revoke,
                validated,
            });
        }
    }
    out.sort_by_key(|m| m.range.start);
    out
}

/// The whole of `value` is one known token.
pub fn whole_token(value: &str) -> Option<TokenMatch> {
    find_tokens(value)
        .into_iter()
        .find(|m| m.range.start == 0 && m.range.end == value.len())
}

/// Where to revoke a token of this kind, by kind name.
pub fn revoke_url(kind: &str) -> Option<&'static str> {
    TOKEN_FORMATS
        .iter()
        .find(|f| f.kind == kind)
        .and_then(|f| f.revoke)
}

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

fn base62_6(mut n: u32) -> String {
    let mut out = [b'0'; 6];
    for slot in out.iter_mut().rev() {
        *slot = BASE62[(n % 62) as usize];
        n /= 62;
    }
    String::from_utf8(out.to_vec()).unwrap_or_default()
}

/// GitHub classic tokens: the last six characters are the base62 CRC32 of the 30 before them.
fn validate_github(token: &str) -> bool {
    let body = &token[4..];
    body.len() == 36 && base62_6(crc32fast::hash(&body.as_bytes()[..30])) == body[30..]
}

/// npm tokens carry the same kind of checksum as GitHub's.
fn validate_npm(token: &str) -> bool {
    let body = &token[4..];
    body.len() == 36 && base62_6(crc32fast::hash(&body.as_bytes()[..30])) == body[30..]
}

/// PyPI tokens are macaroons; the first caveat is the location, `pypi.org` or `test.pypi.org`.
fn validate_pypi(token: &str) -> bool {
    let body = &token["pypi-".len()..];
    let head: String = body.chars().take(40).collect();
    let head = &head[..head.len() / 4 * 4];
    match base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(head) {
        Ok(bytes) => {
            let hay = String::from_utf8_lossy(&bytes);
            hay.contains("pypi.org")
        }
        Err(_) => false,
    }
}

/// Shannon entropy in bits per character.
pub fn entropy(s: &str) -> f64 {
    let mut counts = [0u32; 256];
    let mut n = 0u32;
    for b in s.bytes() {
        counts[b as usize] += 1;
        n += 1;
    }
    if n == 0 {
        return 0.0;
    }
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n as f64;
            -p * p.log2()
        })
        .sum()
}

/// How likely a literal in a credential position is a real secret.
pub fn literal_confidence(value: &str) -> Option<Confidence> {
    if is_placeholder(value) || looks_like_path(value) {
        return None;
    }
    if let Some(t) = whole_token(value) {
        return Some(t.confidence());
    }
    if is_trivial_dummy(value) || is_dummy_phrase(value) {
        return Some(Confidence::LOW);
    }
    // Very short values and small numbers are prompts, ports and test fixtures' PINs.
    let short = value.chars().count() < 6;
    let small_number = value.len() <= 5 && value.bytes().all(|b| b.is_ascii_digit());
    if short || small_number {
        return Some(Confidence::LOW);
    }
    Some(Confidence::HIGH)
}

/// True when `s` looks like a machine-generated key rather than a word: a known token format, or
/// at least `min_len` characters of a key alphabet mixing letters and digits with high entropy.
/// Used where the position alone is weak evidence (`?key=`, a lone URL userinfo).
pub fn looks_like_key(s: &str, min_len: usize) -> bool {
    if whole_token(s).is_some() {
        return true;
    }
    s.len() >= min_len
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.~+/=".contains(&b))
        && s.bytes().any(|b| b.is_ascii_alphabetic())
        && s.bytes().any(|b| b.is_ascii_digit())
        && entropy(s) >= 3.3
}

/// True when literal text is a variable reference left unexpanded (`$TOKEN`, `${TOKEN}`,
/// `$env:TOKEN`, `$(System.AccessToken)`): templating for another tool, not a secret (R8).
pub fn is_unexpanded_reference(s: &str) -> bool {
    let Some(rest) = s.strip_prefix('$') else {
        return false;
    };
    let rest = rest
        .strip_prefix("env:")
        .or_else(|| rest.strip_prefix('{'))
        .or_else(|| rest.strip_prefix('('))
        .unwrap_or(rest);
    rest.chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
}

/// Token values published in vendors' documentation (jwt.io's sample token): never secrets.
pub fn is_vendor_example_token(s: &str) -> bool {
    const EXAMPLES: &[&str] = &[
        // jwt.io's HS256 sample signature.
        "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
        // The Azurite storage emulator's published devstoreaccount1 key.
        "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq",
    ];
    // Placeholder vocabulary long enough never to occur by chance in random token text (the
    // short words of `is_placeholder`, such as `tbd` or `12345`, can).
    const WORDS: &[&str] = &[
        "example",
        "placeholder",
        "dummy",
        "your_",
        "your-",
        "redacted",
        "xxxxxx",
        "fake",
        "sample",
        "changeme",
        "replace",
    ];
    let lower = s.to_ascii_lowercase();
    EXAMPLES.iter().any(|e| s.contains(e)) || WORDS.iter().any(|w| lower.contains(w))
}

#[cfg(test)]
mod tests {
    /// Every string a token format matches holds one of the trigger words: the prefilter,
    /// the focused parse and `find_tokens` rely on it.
    #[test]
    fn every_token_format_holds_a_trigger() {
        use proptest::strategy::{Strategy, ValueTree};
        use proptest::test_runner::TestRunner;
        let mut runner = TestRunner::deterministic();
        for format in TOKEN_FORMATS {
            // `\b` and `^` only narrow what matches; the generator knows neither.
            let pattern = format.regex.replace("\\b", "").replace("(?:^|", "(?:");
            let strings = proptest::string::string_regex(&pattern)
                .unwrap_or_else(|e| panic!("{}: {e}", format.kind));
            for _ in 0..64 {
                let sample = strings.new_tree(&mut runner).unwrap().current();
                assert!(
                    TOKEN_TRIGGERS.iter().any(|t| sample.contains(t)),
                    "{}: no trigger in {sample:?}",
                    format.kind
                );
            }
        }
    }

    #[test]
    fn placeholder_words_are_lower_case() {
        // They are matched case-insensitively, as substrings of the lower-cased value were.
        for w in super::PLACEHOLDER_WORD_LIST {
            assert_eq!(*w, w.to_ascii_lowercase());
        }
    }

    use super::*;

    #[test]
    fn placeholders() {
        for p in [
            "<token>",
            "<your-token>",
            "YOUR_TOKEN_HERE",
            "YOUR_API_KEY_HERE",
            "xxxx",
            "XXXXXXXX",
            "changeme",
            "change-me",
            "${{ secrets.PYPI_TOKEN }}",
            "%PASSWORD%",
            "****",
            "",
            "AKIAIOSFODNN7EXAMPLE",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "sk_test_placeholder",
            "REPLACE_ME",
            "dummy",
            "$(System.AccessToken)",
        ] {
            assert!(is_placeholder(p), "{p} should be a placeholder");
        }
        for s in [
            "pypi-AgEIcHlwaS5vcmc",
            "Mustang93",
            "XF7=LCro@E?ZNrn",
            "hunter2x",
        ] {
            assert!(!is_placeholder(s), "{s} should not be a placeholder");
        }
    }

    #[test]
    fn dummy_phrases() {
        for d in [
            "testpassword",
            "PlainTextPassword",
            "Secret123!",
            "wrongpass",
            "Password12!",
            "fake token",
            "s3cur3P4ssw0rd?",
            "P@ssw0rd1",
            "ThisIsThePassword1",
            "Get-Random",
        ] {
            assert!(is_dummy_phrase(d) || is_placeholder(d), "{d}");
        }
        for real in [
            "Mustang93",
            "1lovey0u49#",
            "Xy9#kLmP2qRs",
            "O@KNNt-I__CQb+iNgG1e",
            "hunter2x7Q",
        ] {
            assert!(!is_dummy_phrase(real), "{real}");
        }
    }

    #[test]
    fn credential_names() {
        for n in [
            "password",
            "DB_PASSWORD",
            "apiKey",
            "X-Api-Key",
            "client_secret",
            "GITHUB_TOKEN",
            "PRIVATE-TOKEN",
            "NuGetApiKey",
            "pass",
            "AccessKey",
            "AWS_SECRET_ACCESS_KEY",
            "connectionString",
            "DB_PASS",
        ] {
            assert!(is_credential_name(n), "{n}");
        }
        for n in [
            "username",
            "password_file",
            "token_url",
            "secret_name",
            "passenger",
            "compass",
            "bypass",
            "keyboard",
            "tokenizer",
            "author",
            "TOKEN_FILE",
            "PasswordPrompt",
        ] {
            assert!(!is_credential_name(n), "{n} is not a credential name");
        }
    }

    #[test]
    fn github_checksum() {
        // Build a token with a valid checksum from 30 random characters.
        let body = "abcdefghijklmnopqrstuvwxyz0123";
        let valid = format!("ghp_{body}{}", base62_6(crc32fast::hash(body.as_bytes())));
        assert!(validate_github(&valid));
        let mut invalid = valid.clone();
        invalid.replace_range(39..40, if valid.ends_with('A') { "B" } else { "A" });
        assert!(!validate_github(&invalid));
        let m = whole_token(&valid).unwrap();
        assert_eq!(m.kind, "GitHub token");
        assert_eq!(m.validated, Some(true));
    }

    #[test]
    fn pypi_macaroon_location() {
        let t = "pypi-AgEIcHlwaS5vcmcCJGI4ZTc3ZmJhLTY0ZTEtNDYxNi1hNjNkLWQ0OWRmYjA3NzA3NwACKlsz";
        let m = whole_token(t).unwrap();
        assert_eq!(m.kind, "PyPI API token");
        assert_eq!(m.validated, Some(true));
        let test_pypi =
            "pypi-AgENdGVzdC5weXBpLm9yZwIkZjQ3YjA0ZTUtN2E1ZC00YjJkLWI3NDEtYjBmNGRjZTg3MGQ3";
        assert_eq!(whole_token(test_pypi).unwrap().validated, Some(true));
    }

    #[test]
    fn finds_tokens_inside_text() {
        let text = "curl -H 'Authorization: token ghp_0123456789abcdefghijklmnopqrstuvwxyz' x";
        let found = find_tokens(text);
        assert_eq!(found.len(), 1);
        assert_eq!(
            &text[found[0].range.clone()],
            "ghp_0123456789abcdefghijklmnopqrstuvwxyz"
        );
        assert!(find_tokens("sha256: 9f86d081884c7d659a2feaa0c55ad015").is_empty());
    }
}
