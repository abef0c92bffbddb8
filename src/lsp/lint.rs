//! Linting open documents, on a worker thread so a slow lint never blocks the message loop.
//! Results carry the document's generation; the loop drops any that are not the latest.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::Arc;

use crossbeam_channel::{Receiver, Sender};
use lsp_types::Uri;
use tree_sitter::Tree;

use super::config::Project;
use super::position::LineIndex;
use crate::engine;
use crate::finding::Finding;
use crate::lang::units::SkeletonCache;
use crate::model::Language;
use crate::source::{Encoding, SourceFile};

/// The findings of one version of a document, with what code actions need to fix them.
pub struct Linted {
    pub version: i32,
    pub source: SourceFile,
    pub lines: LineIndex,
    pub findings: Vec<Finding>,
    /// Where guards may start (after `param()`, `#Requires`, `using`).
    pub header_end: usize,
    /// The configuration it was linted with (code actions fix with the same options).
    pub project: Arc<Project>,
}

pub struct Job {
    pub uri: Uri,
    pub generation: u64,
    pub version: i32,
    pub language: Language,
    pub path: Option<PathBuf>,
    pub text: String,
    pub tree: Option<Tree>,
    pub project: Arc<Project>,
}

pub struct Done {
    pub uri: Uri,
    pub generation: u64,
    /// The lint result and the new tree (`None` when the text was not parsed), or a message
    /// for the user (never containing file content).
    pub outcome: Result<(Arc<Linted>, Option<Tree>), String>,
}

/// Lints one job, catching panics: a bug in a rule must not take the server down.
pub fn run(job: Job) -> Done {
    run_with(job, &mut SkeletonCache::default())
}

/// [`run`], reusing the statements `cache` holds from the document's earlier versions.
pub fn run_with(job: Job, cache: &mut SkeletonCache) -> Done {
    let Job {
        uri,
        generation,
        version,
        language,
        path,
        text,
        tree,
        project,
    } = job;
    let label = path.clone().unwrap_or_else(|| PathBuf::from(uri.as_str()));
    let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| {
        let source = SourceFile::from_text(label, language, text, Encoding::Utf8);
        let (output, tree) = if project.settings.parse_mode == engine::ParseMode::Focused {
            // Only the statements that changed since the last version are parsed again.
            let output = engine::lint_cached(&source, &project.settings, cache);
            cache.sweep();
            (output?, None)
        } else {
            engine::lint_incremental(&source, &project.settings, tree.as_ref())?
        };
        let mut findings = output.findings;
        if path.as_deref().is_some_and(|p| project.path_allowed(p)) {
            findings.clear();
        }
        let linted = Linted {
            version,
            lines: LineIndex::new(&source.text),
            findings,
            header_end: output.header_end,
            source,
            project: project.clone(),
        };
        Ok::<_, engine::LintError>((Arc::new(linted), tree))
    }));
    let outcome = match outcome {
        Ok(Ok(done)) => Ok(done),
        Ok(Err(e)) => Err(format!("{}: {e}", uri.as_str())),
        Err(_) => Err(format!(
            "{}: internal error while linting this document (a bug in credlint; please report it with a minimal script)",
            uri.as_str()
        )),
    };
    Done {
        uri,
        generation,
        outcome,
    }
}

/// Starts the worker. It ends when the job sender is dropped. Jobs queued for one document
/// while the worker was busy are collapsed to the newest.
pub fn spawn_worker(results: Sender<Done>) -> Sender<Job> {
    let (jobs, queue) = crossbeam_channel::unbounded::<Job>();
    std::thread::Builder::new()
        .name("credlint-lint".to_owned())
        .spawn(move || worker(queue, results))
        .expect("spawn the lint worker");
    jobs
}

/// Documents whose statement caches the worker keeps (the most recently linted ones).
const CACHED_DOCUMENTS: usize = 16;

fn worker(queue: Receiver<Job>, results: Sender<Done>) {
    let mut caches: HashMap<String, SkeletonCache> = HashMap::new();
    while let Ok(first) = queue.recv() {
        let mut pending: Vec<Job> = vec![first];
        pending.extend(queue.try_iter());
        let mut newest: HashMap<String, usize> = HashMap::new();
        for (i, job) in pending.iter().enumerate() {
            newest.insert(job.uri.as_str().to_owned(), i);
        }
        for (i, job) in pending.into_iter().enumerate() {
            if newest.get(job.uri.as_str()) != Some(&i) {
                continue;
            }
            let uri = job.uri.as_str().to_owned();
            if caches.len() >= CACHED_DOCUMENTS && !caches.contains_key(&uri) {
                caches.clear();
            }
            let done = run_with(job, caches.entry(uri).or_default());
            if results.send(done).is_err() {
                return;
            }
        }
    }
}
