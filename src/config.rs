//! `credlint.toml`: discovery, parsing and validation. Unknown keys and bad values are errors
//! that name the key with its line and column and a hint. See `docs/configuration.md` and the
//! JSON Schema in `docs/credlint.schema.json`.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use regex::Regex;
use serde::Deserialize;
use toml::Spanned;

use crate::catalog::{Catalog, Tool};
use crate::engine::Allow;
use crate::finding::Severity;
use crate::rules;

/// The file name looked for in the scanned directory and its parents.
pub const FILE_NAME: &str = "credlint.toml";

const HINT: &str = "see docs/configuration.md for every key and its values";

/// The file as written. Keys are kebab-case.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ConfigFile {
    /// Globs: when set, walked files must match one of them.
    #[serde(default)]
    pub include: Vec<Spanned<String>>,
    /// Globs of walked files and directories to skip.
    #[serde(default)]
    pub exclude: Vec<Spanned<String>>,
    /// Rules to run (codes, names, groups or `all`); empty means all.
    #[serde(default)]
    pub select: Vec<Spanned<String>>,
    /// Rules not to run.
    #[serde(default)]
    pub ignore: Vec<Spanned<String>>,
    /// Per-rule severity overrides: `CL001 = "warning"`.
    #[serde(default)]
    pub severity: BTreeMap<String, Spanned<SeverityName>>,
    pub min_confidence: Option<Spanned<f32>>,
    #[serde(default)]
    pub allow: AllowFile,
    #[serde(default)]
    pub fix: FixFile,
    /// In-house tools, in the built-in catalog's schema.
    #[serde(default, rename = "tool")]
    pub tools: Vec<Spanned<Tool>>,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SeverityName {
    Error,
    Warning,
    Note,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct AllowFile {
    /// Literal values that are never reported (test fixtures, public demo keys).
    #[serde(default)]
    pub values: Vec<String>,
    /// Regular expressions matched against the secret.
    #[serde(default)]
    pub regexes: Vec<Spanned<String>>,
    /// Globs of files whose findings are never reported (also for files passed explicitly).
    #[serde(default)]
    pub paths: Vec<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct FixFile {
    /// Insert the guard that stops the script when the variable is unset (default true).
    pub guard: Option<bool>,
    /// One level of indentation inside a guard: tabs or spaces (default one tab).
    pub indent: Option<Spanned<String>>,
    /// Environment variable names by rule code, rule name or tool name.
    #[serde(default)]
    pub env: BTreeMap<String, Spanned<String>>,
}

/// A loaded, validated configuration.
#[derive(Debug, Default)]
pub struct Config {
    /// The file it came from (`None`: defaults).
    pub path: Option<PathBuf>,
    /// Globs are relative to this directory (the file's directory).
    pub root: PathBuf,
    include: Option<GlobSet>,
    exclude: GlobSet,
    allow_paths: GlobSet,
    pub select: Vec<String>,
    pub ignore: Vec<String>,
    pub severity: HashMap<&'static str, Severity>,
    pub min_confidence: Option<f32>,
    pub allow: Allow,
    pub guard: Option<bool>,
    pub indent: Option<String>,
    pub env_names: HashMap<String, String>,
    pub tools: Vec<Tool>,
}

/// A configuration error with its position.
#[derive(Debug, thiserror::Error)]
#[error("{}:{line}:{column}: {message}\n  hint: {hint}", path.display())]
pub struct ConfigError {
    pub path: PathBuf,
    pub line: usize,
    pub column: usize,
    pub message: String,
    pub hint: String,
}

/// Walks up from `start` (a file's directory or a directory) to find `credlint.toml`.
pub fn discover(start: &Path) -> Option<PathBuf> {
    let start = std::path::absolute(start).ok()?;
    let mut dir = if start.is_dir() {
        Some(start.as_path())
    } else {
        start.parent()
    };
    while let Some(d) = dir {
        let candidate = d.join(FILE_NAME);
        if candidate.is_file() {
            return Some(candidate);
        }
        dir = d.parent();
    }
    None
}

/// 1-based line and column (characters) of byte `offset` in `text`.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[start..].chars().count() + 1)
}

struct Errors<'a> {
    path: &'a Path,
    text: &'a str,
}

impl Errors<'_> {
    fn at(
        &self,
        offset: usize,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) -> ConfigError {
        let (line, column) = line_col(self.text, offset);
        ConfigError {
            path: self.path.to_path_buf(),
            line,
            column,
            message: message.into(),
            hint: hint.into(),
        }
    }
}

/// Reads and validates the configuration file at `path`.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
        path: path.to_path_buf(),
        line: 1,
        column: 1,
        message: format!("cannot read: {e}"),
        hint: "pass an existing file to --config".into(),
    })?;
    let root = std::path::absolute(path)
        .ok()
        .and_then(|p| p.parent().map(Path::to_path_buf))
        .unwrap_or_default();
    let mut config = parse(&text, path, root)?;
    config.path = Some(path.to_path_buf());
    Ok(config)
}

/// Parses and validates configuration text; `path` is only used in messages.
pub fn parse(text: &str, path: &Path, root: PathBuf) -> Result<Config, ConfigError> {
    let errors = Errors { path, text };
    let file: ConfigFile = toml::from_str(text).map_err(|e| {
        let offset = e.span().map_or(0, |s| s.start);
        let message = e.message().trim().to_owned();
        let hint = if message.contains("unknown field") {
            format!("remove or rename the key; {HINT}")
        } else {
            HINT.to_owned()
        };
        errors.at(offset, message, hint)
    })?;
    let metas = rules::all_meta();
    let known_selector = |s: &str| {
        s.eq_ignore_ascii_case("all")
            || metas
                .iter()
                .any(|m| s.eq_ignore_ascii_case(m.code) || s == m.name || s == m.group)
    };
    let selector_hint = "use a rule code (CL001), a rule name (secret-in-argument), a group (credentials) or `all`; `credlint rules` lists them";
    let mut config = Config {
        root,
        ..Config::default()
    };
    for (list, out) in [
        (&file.select, &mut config.select),
        (&file.ignore, &mut config.ignore),
    ] {
        for s in list {
            if !known_selector(s.get_ref()) {
                return Err(errors.at(
                    s.span().start,
                    format!("unknown rule or group `{}`", s.get_ref()),
                    selector_hint,
                ));
            }
            out.push(s.get_ref().clone());
        }
    }
    for (key, value) in &file.severity {
        let Some(meta) = metas
            .iter()
            .find(|m| key.eq_ignore_ascii_case(m.code) || key == m.name)
        else {
            return Err(errors.at(
                value.span().start,
                format!("`severity.{key}`: unknown rule `{key}`"),
                "keys of [severity] are rule codes or names; `credlint rules` lists them",
            ));
        };
        let severity = match value.get_ref() {
            SeverityName::Error => Severity::Error,
            SeverityName::Warning => Severity::Warning,
            SeverityName::Note => Severity::Note,
        };
        config.severity.insert(meta.code, severity);
    }
    if let Some(mc) = &file.min_confidence {
        let v = *mc.get_ref();
        if !(0.0..=1.0).contains(&v) {
            return Err(errors.at(
                mc.span().start,
                format!("`min-confidence` must be between 0.0 and 1.0, not {v}"),
                "0.5 is the default; 0.9 reports only realistic literals in credential positions",
            ));
        }
        config.min_confidence = Some(v);
    }
    config.allow.values = file.allow.values.clone();
    for r in &file.allow.regexes {
        let re = Regex::new(r.get_ref()).map_err(|e| {
            errors.at(
                r.span().start,
                format!("`allow.regexes`: invalid regular expression: {e}"),
                "the syntax is Rust's `regex` crate (no look-around or back-references)",
            )
        })?;
        config.allow.regexes.push(re);
    }
    let globs = |list: &[Spanned<String>], key: &str| -> Result<GlobSet, ConfigError> {
        let mut b = GlobSetBuilder::new();
        for g in list {
            for pattern in glob_variants(g.get_ref()) {
                let glob = GlobBuilder::new(&pattern)
                    .literal_separator(true)
                    .build()
                    .map_err(|e| {
                        errors.at(
                            g.span().start,
                            format!("`{key}`: invalid glob: {e}"),
                            "globs are relative to the directory of credlint.toml, e.g. `vendor/**` or `*.sh`",
                        )
                    })?;
                b.add(glob);
            }
        }
        b.build()
            .map_err(|e| errors.at(0, format!("`{key}`: {e}"), HINT))
    };
    if !file.include.is_empty() {
        config.include = Some(globs(&file.include, "include")?);
    }
    config.exclude = globs(&file.exclude, "exclude")?;
    config.allow_paths = globs(&file.allow.paths, "allow.paths")?;

    config.guard = file.fix.guard;
    if let Some(indent) = &file.fix.indent {
        let s = indent.get_ref();
        if s.is_empty() || !s.chars().all(|c| c == ' ' || c == '\t') {
            return Err(errors.at(
                indent.span().start,
                "`fix.indent` must be one or more spaces or tabs",
                "for example indent = \"    \" (four spaces) or indent = \"\\t\"",
            ));
        }
        config.indent = Some(s.clone());
    }

    let mut tools = Vec::new();
    for t in &file.tools {
        let tool = t.get_ref();
        if !metas.iter().any(|m| m.name == tool.rule) {
            return Err(errors.at(
                t.span().start,
                format!("[[tool]] `{}`: unknown rule `{}`", tool.name, tool.rule),
                "`rule` names the rule that reports the entry, e.g. `secret-in-argument` (the default)",
            ));
        }
        Catalog::from_tools(vec![tool.clone()]).map_err(|e| {
            errors.at(
                t.span().start,
                e.to_string(),
                "[[tool]] entries use the built-in catalog's schema (see the header of catalog.toml)",
            )
        })?;
        tools.push(tool.clone());
    }
    let tool_names: Vec<&str> = Catalog::builtin()
        .tools()
        .iter()
        .chain(tools.iter())
        .map(|t| t.name.as_str())
        .collect();
    for (key, var) in &file.fix.env {
        let is_rule = metas
            .iter()
            .any(|m| key.eq_ignore_ascii_case(m.code) || key == m.name);
        if !is_rule && !tool_names.iter().any(|n| n == key) {
            return Err(errors.at(
                var.span().start,
                format!("`fix.env.\"{key}\"`: no rule or catalog tool is called `{key}`"),
                "keys of [fix.env] are rule codes, rule names or tool names as in the catalog (\"twine upload\")",
            ));
        }
        let name = var.get_ref();
        let valid = name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            return Err(errors.at(
                var.span().start,
                format!("`fix.env.\"{key}\"`: `{name}` is not an environment variable name"),
                "use letters, digits and `_`, not starting with a digit (e.g. PYPI_TOKEN)",
            ));
        }
        let key = metas
            .iter()
            .find(|m| key.eq_ignore_ascii_case(m.code))
            .map_or(key.clone(), |m| m.code.to_owned());
        config.env_names.insert(key, name.clone());
    }
    config.tools = tools;
    Ok(config)
}

/// `*.sh` matches at any depth (like .gitignore); `dir` and `dir/` also match everything below.
fn glob_variants(pattern: &str) -> Vec<String> {
    let p = pattern.trim_start_matches("./");
    let p = p.strip_prefix('/').unwrap_or(p);
    let p = p.trim_end_matches('/');
    let base = if p.contains('/') {
        p.to_owned()
    } else {
        format!("**/{p}")
    };
    vec![base.clone(), format!("{base}/**")]
}

impl Config {
    /// The defaults, with globs relative to `root`.
    pub fn defaults(root: PathBuf) -> Config {
        Config {
            root,
            ..Config::default()
        }
    }

    /// `path` relative to the configuration's directory, with `/` separators.
    fn relative(&self, path: &Path) -> PathBuf {
        let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        abs.strip_prefix(&self.root)
            .map(Path::to_path_buf)
            .unwrap_or(abs)
    }

    /// Whether a walked file is scanned (`include` and `exclude`).
    pub fn walk_includes(&self, path: &Path) -> bool {
        let rel = self.relative(path);
        if self.exclude.is_match(&rel) {
            return false;
        }
        self.include.as_ref().is_none_or(|g| g.is_match(&rel))
    }

    /// Whether a directory is excluded (the walk does not descend into it).
    pub fn dir_excluded(&self, path: &Path) -> bool {
        self.exclude.is_match(self.relative(path))
    }

    /// Whether findings in this file are allowlisted (`allow.paths`).
    pub fn path_allowed(&self, path: &Path) -> bool {
        !self.allow_paths.is_empty() && self.allow_paths.is_match(self.relative(path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Result<Config, ConfigError> {
        parse(text, Path::new("credlint.toml"), PathBuf::from("/repo"))
    }

    #[test]
    fn full_file_parses() {
        let c = parse_str(
            r#"
include = ["scripts/**"]
exclude = ["vendor", "*.generated.ps1"]
select = ["credentials"]
ignore = ["CL002"]
min-confidence = 0.6
[severity]
CL001 = "warning"
unused-suppression = "error"
[allow]
values = ["not-a-secret-123"]
regexes = ["^dummy-"]
paths = ["tests/fixtures/**"]
[fix]
guard = false
indent = "    "
[fix.env]
"twine upload" = "PYPI_API_TOKEN"
CL002 = "PS_PASSWORD"
[[tool]]
name = "acme deploy"
commands = ["acme"]
subcommands = ["deploy"]
[[tool.secret]]
flags = ["--api-key"]
what = "API key"
env = "ACME_API_KEY"
"#,
        )
        .unwrap();
        assert_eq!(c.select, ["credentials"]);
        assert_eq!(c.severity.get("CL001"), Some(&Severity::Warning));
        assert_eq!(c.severity.get("CL900"), Some(&Severity::Error));
        assert_eq!(c.min_confidence, Some(0.6));
        assert!(c.allow.allows("dummy-xyz") && c.allow.allows("not-a-secret-123"));
        assert_eq!(c.guard, Some(false));
        assert_eq!(c.indent.as_deref(), Some("    "));
        assert_eq!(c.env_names["twine upload"], "PYPI_API_TOKEN");
        assert_eq!(c.tools.len(), 1);
        assert!(c.walk_includes(Path::new("/repo/scripts/a.sh")));
        assert!(!c.walk_includes(Path::new("/repo/other/a.sh")));
        assert!(!c.walk_includes(Path::new("/repo/scripts/vendor/a.sh")));
        assert!(!c.walk_includes(Path::new("/repo/scripts/x.generated.ps1")));
        assert!(c.dir_excluded(Path::new("/repo/vendor")));
        assert!(c.path_allowed(Path::new("/repo/tests/fixtures/a/b.sh")));
        assert!(!c.path_allowed(Path::new("/repo/tests/a.sh")));
    }

    fn err(text: &str) -> String {
        parse_str(text).unwrap_err().to_string()
    }

    #[test]
    fn errors_name_the_key_with_line_and_column() {
        let e = err("select = [\"CL001\"]\nbogus = 1\n");
        assert!(
            e.starts_with("credlint.toml:2:1: unknown field `bogus`"),
            "{e}"
        );
        assert!(e.contains("hint: remove or rename the key"), "{e}");
        let e = err("[fix]\nguard = \"yes\"\n");
        assert!(e.starts_with("credlint.toml:2:9: "), "{e}");
        let e = err("[severity]\nCL001 = \"fatal\"\n");
        assert!(
            e.starts_with("credlint.toml:2:9: unknown variant `fatal`"),
            "{e}"
        );
        let e = err("select = [\"CL001\", \"CL777\"]\n");
        assert!(
            e.starts_with("credlint.toml:1:20: unknown rule or group `CL777`"),
            "{e}"
        );
        let e = err("min-confidence = 1.5\n");
        assert!(
            e.starts_with("credlint.toml:1:18: `min-confidence` must be between"),
            "{e}"
        );
        let e = err("[allow]\nregexes = [\"(\"]\n");
        assert!(
            e.starts_with("credlint.toml:2:12: `allow.regexes`: invalid regular expression"),
            "{e}"
        );
        let e = err("exclude = [\"a/[\"]\n");
        assert!(
            e.starts_with("credlint.toml:1:12: `exclude`: invalid glob"),
            "{e}"
        );
        let e = err("[fix.env]\n\"no such tool\" = \"X\"\n");
        assert!(
            e.contains("no rule or catalog tool is called `no such tool`"),
            "{e}"
        );
        let e = err("[fix.env]\nCL001 = \"1BAD\"\n");
        assert!(e.starts_with("credlint.toml:2:9: "), "{e}");
        let e = err(
            "[[tool]]\nname = \"x\"\ncommands = [\"x\"]\n[[tool.secret]]\nflags = [\"-k\"]\nunknown = true\n",
        );
        assert!(
            e.starts_with("credlint.toml:6:1: unknown field `unknown`"),
            "{e}"
        );
        let e = err("[[tool]]\nname = \"x\"\ncommands = []\n");
        assert!(e.contains("`commands` is empty"), "{e}");
    }

    /// The keys serde accepts, read from its "unknown field" message.
    fn accepted_keys(text: &str) -> Vec<String> {
        let e = err(text);
        let list = e
            .split("expected one of ")
            .nth(1)
            .unwrap()
            .lines()
            .next()
            .unwrap();
        let mut keys: Vec<String> = list
            .split(", ")
            .map(|k| {
                k.trim_matches(|c| c == '`' || c == ' ')
                    .trim_start_matches("or `")
                    .to_owned()
            })
            .collect();
        keys.sort();
        keys
    }

    /// `docs/credlint.schema.json` lists exactly the keys the parser accepts.
    #[test]
    fn json_schema_matches_the_parser() {
        let schema: serde_json::Value =
            serde_json::from_str(include_str!("../docs/credlint.schema.json")).unwrap();
        let keys = |v: &serde_json::Value| {
            let mut k: Vec<String> = v["properties"]
                .as_object()
                .unwrap()
                .keys()
                .cloned()
                .collect();
            k.sort();
            k
        };
        assert_eq!(accepted_keys("zzz = 1\n"), keys(&schema));
        assert_eq!(
            accepted_keys("[allow]\nzzz = 1\n"),
            keys(&schema["properties"]["allow"])
        );
        assert_eq!(
            accepted_keys("[fix]\nzzz = 1\n"),
            keys(&schema["properties"]["fix"])
        );
        assert_eq!(
            accepted_keys("[[tool]]\nzzz = 1\n"),
            keys(&schema["$defs"]["tool"])
        );
        assert_eq!(
            accepted_keys("[[tool]]\nname = \"x\"\ncommands = [\"x\"]\n[[tool.secret]]\nzzz = 1\n"),
            keys(&schema["$defs"]["secret"])
        );
    }

    #[test]
    fn discovery_walks_up() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("a/b");
        std::fs::create_dir_all(&sub).unwrap();
        assert_eq!(discover(&sub), None);
        std::fs::write(dir.path().join(FILE_NAME), "").unwrap();
        assert_eq!(discover(&sub), Some(dir.path().join(FILE_NAME)));
        std::fs::write(sub.join("x.sh"), "").unwrap();
        assert_eq!(
            discover(&sub.join("x.sh")),
            Some(dir.path().join(FILE_NAME))
        );
    }
}
