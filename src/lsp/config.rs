//! Which settings lint a document: the nearest `credlint.toml` (discovered per workspace
//! folder, read with [`crate::config::load`]), then the editor's settings
//! (`initializationOptions`, `workspace/didChangeConfiguration`) on top.
//!
//! Reading a file is the job of a [`ConfigLoader`]; [`ConfigProvider::new`] uses
//! [`file_loader`]. Tests plug in their own with [`ConfigProvider::with_loader`].

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::catalog::Catalog;
use crate::config::Config;
use crate::engine::{self, Selection, Settings};
use crate::fix::FixOptions;

/// The name of the configuration file looked for in each directory.
pub const CONFIG_FILE: &str = crate::config::FILE_NAME;

/// Everything a configuration decides for one document.
#[derive(Clone)]
pub struct Project {
    pub settings: Settings,
    /// Guards and indentation for quick fixes (`[fix]`).
    pub fix: FixOptions,
    /// The loaded file, for `allow.paths`; `None` with the defaults.
    pub config: Option<Arc<Config>>,
}

impl Project {
    pub fn defaults() -> Project {
        Project {
            settings: Settings::default(),
            fix: FixOptions::default(),
            config: None,
        }
    }

    /// Whether findings in `path` are allowlisted (`allow.paths`).
    pub fn path_allowed(&self, path: &Path) -> bool {
        self.config.as_ref().is_some_and(|c| c.path_allowed(path))
    }
}

/// Reads one `credlint.toml`. The error is shown to the user as a log message, so it must not
/// quote the file's values.
pub type ConfigLoader = Arc<dyn Fn(&Path) -> Result<Project, String> + Send + Sync>;

/// Reads `credlint.toml` with [`crate::config::load`] and applies it as `credlint check` does
/// without command-line overrides.
pub fn file_loader() -> ConfigLoader {
    Arc::new(|path: &Path| {
        let config = crate::config::load(path).map_err(|e| e.to_string())?;
        project_from_config(config)
    })
}

/// The settings `credlint check` derives from a configuration when no flag overrides it.
pub fn project_from_config(config: Config) -> Result<Project, String> {
    let catalog = if config.tools.is_empty() {
        Catalog::builtin().clone()
    } else {
        Catalog::builtin()
            .extended(config.tools.clone())
            .map_err(|e| format!("invalid [[tool]] entry in the configuration: {e}"))?
    };
    let selection = Selection {
        select: config.select.clone(),
        ignore: config.ignore.clone(),
    };
    let mut settings = Settings::new(Arc::new(catalog), selection);
    settings.min_confidence = config
        .min_confidence
        .unwrap_or(engine::DEFAULT_MIN_CONFIDENCE);
    settings.severity = config.severity.clone();
    settings.allow = config.allow.clone();
    settings.env_names = config.env_names.clone();
    let mut fix = FixOptions {
        guards: config.guard.unwrap_or(true),
        ..FixOptions::default()
    };
    if let Some(indent) = &config.indent {
        fix.indent_unit = indent.clone();
    }
    Ok(Project {
        settings,
        fix,
        config: Some(Arc::new(config)),
    })
}

/// Settings the editor sends, under the `credlint` key or at the top level:
/// `{"select": ["CL001"], "ignore": [], "minConfidence": 0.5}`. Each field overrides the
/// configuration file when present.
#[derive(Clone, Debug, Default, PartialEq, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientSettings {
    pub select: Option<Vec<String>>,
    pub ignore: Option<Vec<String>>,
    pub min_confidence: Option<f32>,
}

impl ClientSettings {
    /// Reads the editor's settings; unknown keys are ignored, and a malformed value gives the
    /// defaults and an error message.
    pub fn from_json(value: &serde_json::Value) -> Result<ClientSettings, String> {
        let value = value.get("credlint").unwrap_or(value);
        if value.is_null() {
            return Ok(ClientSettings::default());
        }
        serde_json::from_value(value.clone()).map_err(|e| format!("invalid credlint settings: {e}"))
    }

    fn apply(&self, settings: &mut Settings) {
        // Like the command line: the editor's `select` replaces the file's, `ignore` adds.
        if let Some(select) = &self.select {
            settings.selection.select = select.clone();
        }
        if let Some(ignore) = &self.ignore {
            settings.selection.ignore.extend(ignore.iter().cloned());
        }
        if let Some(min) = self.min_confidence {
            settings.min_confidence = min;
        }
    }
}

/// Settings per document, cached per configuration file.
pub struct ConfigProvider {
    roots: Vec<PathBuf>,
    loader: ConfigLoader,
    client: ClientSettings,
    /// Keyed by the configuration file that applies (`None`: no file found).
    cache: HashMap<Option<PathBuf>, Arc<Project>>,
}

impl ConfigProvider {
    /// `roots` are the workspace folders: discovery does not look above the folder holding a
    /// document (documents outside every folder look up to the filesystem root).
    pub fn new(roots: Vec<PathBuf>) -> ConfigProvider {
        ConfigProvider {
            roots,
            loader: file_loader(),
            client: ClientSettings::default(),
            cache: HashMap::new(),
        }
    }

    /// Uses `loader` to read `credlint.toml` files.
    pub fn with_loader(mut self, loader: ConfigLoader) -> ConfigProvider {
        self.loader = loader;
        self.cache.clear();
        self
    }

    pub fn set_roots(&mut self, roots: Vec<PathBuf>) {
        self.roots = roots;
        self.cache.clear();
    }

    pub fn set_client_settings(&mut self, client: ClientSettings) {
        self.client = client;
        self.cache.clear();
    }

    /// Forgets every loaded file (a `credlint.toml` changed).
    pub fn invalidate(&mut self) {
        self.cache.clear();
    }

    /// The nearest `credlint.toml` above `path`, not looking above its workspace folder.
    pub fn config_file_for(&self, path: &Path) -> Option<PathBuf> {
        let root = self
            .roots
            .iter()
            .filter(|r| path.starts_with(r))
            .max_by_key(|r| r.components().count());
        let mut dir = path.parent();
        while let Some(d) = dir {
            let candidate = d.join(CONFIG_FILE);
            if candidate.is_file() {
                return Some(candidate);
            }
            if root.is_some_and(|r| d == r.as_path()) {
                break;
            }
            dir = d.parent();
        }
        None
    }

    /// The settings for a document at `path` (`None` for unsaved buffers), and an error to
    /// show when its configuration file could not be loaded (the defaults apply then).
    pub fn settings_for(&mut self, path: Option<&Path>) -> (Arc<Project>, Option<String>) {
        let file = path.and_then(|p| self.config_file_for(p));
        if let Some(settings) = self.cache.get(&file) {
            return (settings.clone(), None);
        }
        let (mut project, error) = match &file {
            Some(f) => match (self.loader)(f) {
                Ok(p) => (p, None),
                Err(e) => (
                    Project::defaults(),
                    Some(format!("{e}\n(credlint: using the default settings)")),
                ),
            },
            None => (Project::defaults(), None),
        };
        self.client.apply(&mut project.settings);
        let settings = Arc::new(project);
        // A failed load is not cached, so the next document reports it too and a fix is seen.
        if error.is_none() {
            self.cache.insert(file, settings.clone());
        }
        (settings, error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discovery_stops_at_the_workspace_folder() {
        let dir = tempfile::tempdir().unwrap();
        let outer = dir.path().join("outer");
        let ws = outer.join("ws");
        std::fs::create_dir_all(ws.join("sub/deeper")).unwrap();
        std::fs::write(outer.join(CONFIG_FILE), "").unwrap();
        let provider = ConfigProvider::new(vec![ws.clone()]);
        let script = ws.join("sub/deeper/x.sh");
        assert_eq!(provider.config_file_for(&script), None);
        std::fs::write(ws.join("sub").join(CONFIG_FILE), "").unwrap();
        assert_eq!(
            provider.config_file_for(&script),
            Some(ws.join("sub").join(CONFIG_FILE))
        );
        // Outside every folder, discovery goes up.
        let elsewhere = outer.join("other.sh");
        assert_eq!(
            provider.config_file_for(&elsewhere),
            Some(outer.join(CONFIG_FILE))
        );
    }

    #[test]
    fn loader_and_client_settings_apply() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(CONFIG_FILE), "").unwrap();
        let loads = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = loads.clone();
        let mut provider = ConfigProvider::new(vec![dir.path().to_owned()]).with_loader(Arc::new(
            move |_: &Path| {
                counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let mut p = Project::defaults();
                p.settings.min_confidence = 0.7;
                Ok(p)
            },
        ));
        let path = dir.path().join("a.sh");
        let (s, err) = provider.settings_for(Some(&path));
        assert!(err.is_none());
        assert_eq!(s.settings.min_confidence, 0.7);
        provider.settings_for(Some(&path));
        assert_eq!(loads.load(std::sync::atomic::Ordering::SeqCst), 1, "cached");
        let client =
            ClientSettings::from_json(&serde_json::json!({"credlint": {"ignore": ["CL002"]}}))
                .unwrap();
        provider.set_client_settings(client);
        let (s, _) = provider.settings_for(Some(&path));
        assert_eq!(s.settings.selection.ignore, vec!["CL002".to_owned()]);
        assert_eq!(s.settings.min_confidence, 0.7);
        assert!(ClientSettings::from_json(&serde_json::json!({"minConfidence": "x"})).is_err());
    }

    #[test]
    fn a_failing_loader_gives_defaults_and_an_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(CONFIG_FILE), "").unwrap();
        let mut provider = ConfigProvider::new(vec![dir.path().to_owned()])
            .with_loader(Arc::new(|_: &Path| Err("bad key `x`".to_owned())));
        let (s, err) = provider.settings_for(Some(&dir.path().join("a.sh")));
        assert_eq!(
            s.settings.min_confidence,
            crate::engine::DEFAULT_MIN_CONFIDENCE
        );
        assert!(err.unwrap().contains("bad key"));
    }

    #[test]
    fn the_file_loader_reads_credlint_toml() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(CONFIG_FILE),
            "min-confidence = 0.8\nignore = [\"CL002\"]\n[fix]\nguard = false\n[allow]\npaths = [\"vendor/\"]\n",
        )
        .unwrap();
        let mut provider = ConfigProvider::new(vec![dir.path().to_owned()]);
        let (p, err) = provider.settings_for(Some(&dir.path().join("a.sh")));
        assert!(err.is_none(), "{err:?}");
        assert_eq!(p.settings.min_confidence, 0.8);
        assert_eq!(p.settings.selection.ignore, vec!["CL002".to_owned()]);
        assert!(!p.fix.guards);
        assert!(p.path_allowed(&dir.path().join("vendor/x.sh")));
        assert!(!p.path_allowed(&dir.path().join("a.sh")));
        std::fs::write(dir.path().join(CONFIG_FILE), "no-such-key = 1\n").unwrap();
        provider.invalidate();
        let (p, err) = provider.settings_for(Some(&dir.path().join("a.sh")));
        assert!(err.unwrap().contains("no-such-key"));
        assert_eq!(
            p.settings.min_confidence,
            crate::engine::DEFAULT_MIN_CONFIDENCE
        );
    }
}
