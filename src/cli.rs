//! The command-line edge: argument parsing, the parallel walk, per-file processing, output and
//! exit status. Errors here use anyhow; one file's failure never aborts the run.

use std::io::{IsTerminal, Read, Write};
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Context as _, Result, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::catalog::Catalog;
use crate::engine::{self, Selection, Settings};
use crate::finding::{FileNote, FileResult, Severity};
use crate::fix::{self, FixOptions};
use crate::model::Language;
use crate::report::{self, Format, ReportContext};
use crate::rules;
use crate::source::{self, SourceFile};

#[derive(Parser, Debug)]
#[command(
    name = "credlint",
    version,
    about = "Find credentials hardcoded in PowerShell and shell scripts, and rewrite them to read from the environment."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Lint scripts (directories are walked; .gitignore is honoured).
    Check(CheckArgs),
    /// List every rule.
    Rules,
    /// Print one rule's documentation.
    Rule {
        /// Rule code (CL001) or name (secret-in-argument).
        rule: String,
    },
    /// Run the language server on standard input/output (for editors).
    Lsp,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum LanguageArg {
    Powershell,
    Shell,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum ColorArg {
    Auto,
    Always,
    Never,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Files or directories to lint; `-` reads standard input.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Rewrite hardcoded credentials to environment variables (safe fixes only).
    #[arg(long)]
    pub fix: bool,
    /// Also apply fixes marked unsafe.
    #[arg(long)]
    pub unsafe_fixes: bool,
    /// Print a (redacted) unified diff of the fixes instead of writing them.
    #[arg(long, conflicts_with = "fix")]
    pub diff: bool,
    /// Do not insert the guard that stops the script when the variable is unset.
    #[arg(long)]
    pub no_guard: bool,
    /// Also lint files ignored by .gitignore/.ignore.
    #[arg(long)]
    pub no_ignore: bool,
    /// File name to report for standard input (also selects its language).
    #[arg(long)]
    pub stdin_filename: Option<PathBuf>,
    /// Language of standard input or of files whose language cannot be told.
    #[arg(long, value_enum)]
    pub language: Option<LanguageArg>,
    /// Only run these rules (codes, names or groups, comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub select: Vec<String>,
    /// Do not run these rules (codes, names or groups, comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// Report findings at or above this confidence (0.0–1.0).
    #[arg(long, default_value_t = engine::DEFAULT_MIN_CONFIDENCE)]
    pub min_confidence: f32,
    /// Exit 0 even when credentials are found (errors still exit 2).
    #[arg(long)]
    pub exit_zero: bool,
    /// When to use colour in human output.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
}

/// Runs the CLI and returns the process exit status.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            2
        }
    }
}

fn run(cli: Cli) -> Result<i32> {
    match cli.command {
        Command::Check(args) => check(args),
        Command::Rules => {
            let mut out = std::io::stdout().lock();
            for m in rules::all_meta() {
                let fix = m.fix.map(|a| a.as_str()).unwrap_or("none");
                writeln!(
                    out,
                    "{}  {:<28} {:<9} fix: {:<12} {}",
                    m.code,
                    m.name,
                    m.severity.as_str(),
                    fix,
                    m.summary
                )?;
            }
            Ok(0)
        }
        Command::Lsp => crate::lsp::run_stdio(),
        Command::Rule { rule } => match rules::find(&rule) {
            Some(m) => {
                print!("{}", m.docs);
                Ok(0)
            }
            None => bail!("no rule `{rule}` (see `credlint rules`)"),
        },
    }
}

/// One file to lint.
struct Job {
    path: PathBuf,
    /// Language forced by the user or known from extension; `None` means sniff the shebang.
    language: Option<Language>,
    explicit: bool,
}

struct Outcome {
    result: FileResult,
    diff: Option<String>,
    fixed: usize,
}

fn check(args: CheckArgs) -> Result<i32> {
    let mut settings = Settings::new(
        Arc::new(Catalog::builtin().clone()),
        Selection {
            select: args.select.clone(),
            ignore: args.ignore.clone(),
        },
    );
    settings.min_confidence = args.min_confidence;
    let forced = args.language.map(|l| match l {
        LanguageArg::Powershell => Language::PowerShell,
        LanguageArg::Shell => Language::Shell,
    });
    let fix_opts = FixOptions {
        unsafe_fixes: args.unsafe_fixes,
        guards: !args.no_guard,
        ..FixOptions::default()
    };

    let mut outcomes: Vec<Outcome> = Vec::new();
    let mut jobs = Vec::new();
    for path in &args.paths {
        if path.as_os_str() == "-" {
            outcomes.push(lint_stdin(&args, forced, &settings, &fix_opts)?);
            continue;
        }
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => walk(path, args.no_ignore, &mut jobs),
            Ok(_) => jobs.push(Job {
                path: path.clone(),
                language: forced.or_else(|| source::language_from_extension(path)),
                explicit: true,
            }),
            Err(e) => outcomes.push(error_outcome(path, format!("cannot read: {e}"))),
        }
    }
    jobs.sort_by(|a, b| a.path.cmp(&b.path));
    jobs.dedup_by(|a, b| a.path == b.path);

    let mode = if args.fix {
        FixMode::Write
    } else if args.diff {
        FixMode::Diff
    } else {
        FixMode::None
    };
    outcomes.extend(run_jobs(&jobs, forced, &settings, &fix_opts, mode));
    outcomes.sort_by(|a, b| a.result.path.cmp(&b.result.path));

    let files_scanned = outcomes.len();
    let fixed: usize = outcomes.iter().map(|o| o.fixed).sum();
    let mut stdout = std::io::stdout().lock();
    let mut exit = 0;
    let results: Vec<FileResult> = outcomes
        .iter()
        .map(|o| o.result.clone())
        .filter(|r| !r.findings.is_empty() || !r.notes.is_empty())
        .collect();
    if results
        .iter()
        .any(|r| r.notes.iter().any(|n| n.severity == Severity::Error))
    {
        exit = 2;
    }
    if args.diff {
        let mut changed = false;
        for o in &outcomes {
            if let Some(d) = &o.diff
                && !d.is_empty()
            {
                changed = true;
                stdout.write_all(d.as_bytes())?;
            }
        }
        for r in &results {
            for n in &r.notes {
                eprintln!(
                    "{}: {}: {}",
                    n.severity.as_str(),
                    r.path.display(),
                    n.message
                );
            }
        }
        if changed && exit == 0 {
            exit = 1;
        }
        return Ok(exit);
    }
    let color = match args.color {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    let ctx = ReportContext {
        color,
        files_scanned: Some(files_scanned),
        show_fixes: true,
        ..ReportContext::new(std::env::current_dir().unwrap_or_default())
    };
    let metas = rules::all_meta();
    report::render(args.format, &results, &metas, &ctx, &mut stdout)?;
    if args.format == Format::Github
        && let Some(summary_path) = std::env::var_os("GITHUB_STEP_SUMMARY")
    {
        let summary = report::github_step_summary(&results, &ctx);
        if let Err(e) = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(&summary_path)
            .and_then(|mut f| f.write_all(summary.as_bytes()))
        {
            eprintln!("warning: cannot write the job summary: {e}");
        }
    }
    if args.fix && fixed > 0 {
        eprintln!("Fixed {fixed} hardcoded credential{}.", plural(fixed));
    }
    let has_findings = results.iter().any(|r| !r.findings.is_empty());
    if has_findings && !args.exit_zero && exit == 0 {
        exit = 1;
    }
    Ok(exit)
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum FixMode {
    None,
    Diff,
    Write,
}

/// Walks `root` in parallel, honouring .gitignore/.ignore (also outside a git repository).
fn walk(root: &Path, no_ignore: bool, jobs: &mut Vec<Job>) {
    let found = Mutex::new(Vec::new());
    let walker = ignore::WalkBuilder::new(root)
        .hidden(false)
        .require_git(false)
        .git_ignore(!no_ignore)
        .git_exclude(!no_ignore)
        .git_global(!no_ignore)
        .ignore(!no_ignore)
        .parents(!no_ignore)
        .filter_entry(|e| e.file_name() != ".git")
        .build_parallel();
    walker.run(|| {
        let found = &found;
        Box::new(move |entry| {
            let Ok(entry) = entry else {
                return ignore::WalkState::Continue;
            };
            if !entry.file_type().is_some_and(|t| t.is_file()) {
                return ignore::WalkState::Continue;
            }
            // `./x.sh` reads better as `x.sh`, as the user would write it.
            let path = entry.path().strip_prefix("./").unwrap_or(entry.path());
            let language = source::language_from_extension(path);
            let candidate = language.is_some() || path.extension().is_none();
            if candidate && let Ok(mut jobs) = found.lock() {
                jobs.push(Job {
                    path: path.to_path_buf(),
                    language,
                    explicit: false,
                });
            }
            ignore::WalkState::Continue
        })
    });
    jobs.extend(found.into_inner().unwrap_or_default());
}

fn run_jobs(
    jobs: &[Job],
    forced: Option<Language>,
    settings: &Settings,
    fix_opts: &FixOptions,
    mode: FixMode,
) -> Vec<Outcome> {
    let next = AtomicUsize::new(0);
    let slots: Vec<Mutex<Option<Outcome>>> = jobs.iter().map(|_| Mutex::new(None)).collect();
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .min(jobs.len().max(1));
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(job) = jobs.get(i) else { break };
                    let outcome = process(job, forced, settings, fix_opts, mode);
                    if let Some(o) = outcome
                        && let Ok(mut slot) = slots[i].lock()
                    {
                        *slot = Some(o);
                    }
                }
            });
        }
    });
    slots
        .into_iter()
        .filter_map(|m| m.into_inner().ok().flatten())
        .collect()
}

fn error_outcome(path: &Path, message: String) -> Outcome {
    note_outcome(path, Severity::Error, message)
}

fn note_outcome(path: &Path, severity: Severity, message: String) -> Outcome {
    Outcome {
        result: FileResult {
            path: path.to_path_buf(),
            source: None,
            findings: Vec::new(),
            notes: vec![FileNote { severity, message }],
        },
        diff: None,
        fixed: 0,
    }
}

/// Lints (and fixes) one file. `None` when a walked file turns out not to be a script.
fn process(
    job: &Job,
    forced: Option<Language>,
    settings: &Settings,
    fix_opts: &FixOptions,
    mode: FixMode,
) -> Option<Outcome> {
    let bytes = match std::fs::read(&job.path) {
        Ok(b) => b,
        Err(e) => return Some(error_outcome(&job.path, format!("cannot read: {e}"))),
    };
    let language = match job.language.or_else(|| sniff_language(&bytes)).or(forced) {
        Some(l) => l,
        None if job.explicit => {
            return Some(error_outcome(
                &job.path,
                "cannot tell whether this is PowerShell or shell (no known extension or shebang); pass --language".into(),
            ));
        }
        None => return None,
    };
    let source = match SourceFile::decode(&job.path, language, &bytes) {
        Ok(s) => s,
        Err(e @ source::DecodeError::Binary(_)) => {
            return Some(note_outcome(&job.path, Severity::Note, e.to_string()));
        }
        Err(e) => return Some(error_outcome(&job.path, format!("cannot decode: {e}"))),
    };
    Some(lint_and_fix(source, Some(&bytes), settings, fix_opts, mode))
}

/// The shebang decides for files without a known extension (UTF-16 files have one).
fn sniff_language(bytes: &[u8]) -> Option<Language> {
    source::language_from_shebang(&bytes[..bytes.len().min(256)])
}

fn lint_and_fix(
    source: SourceFile,
    original: Option<&[u8]>,
    settings: &Settings,
    fix_opts: &FixOptions,
    mode: FixMode,
) -> Outcome {
    let path = source.path.clone();
    let linted = std::panic::catch_unwind(AssertUnwindSafe(|| engine::lint(&source, settings)));
    let output = match linted {
        Ok(Ok(o)) => o,
        Ok(Err(e)) => return error_outcome(&path, e.to_string()),
        Err(_) => {
            return error_outcome(
                &path,
                "internal error while linting this file (a bug in credlint; please report it with a minimal script)".into(),
            );
        }
    };
    let mut findings = output.findings;
    let mut notes = Vec::new();
    let mut diff = None;
    let mut fixed = 0;
    if mode != FixMode::None && findings.iter().any(|f| f.fix.is_some()) {
        let header_end = output.script.as_ref().map_or(0, |s| s.header_end);
        match fix::fix_file_text(&source, &findings, header_end, fix_opts) {
            Ok(plan) if plan.text != source.text => {
                if mode == FixMode::Diff {
                    let secrets: Vec<_> = findings.iter().map(|f| &f.secret).collect();
                    diff = Some(fix::unified_diff(
                        &path.to_string_lossy(),
                        &source.text,
                        &plan.text,
                        &secrets,
                    ));
                } else if let Some(original) = original {
                    match fix::write_atomic(&path, original, &source.encode(&plan.text)) {
                        Ok(()) => {
                            fixed = plan.applied.len();
                            let mut applied = plan.applied.clone();
                            applied.sort_unstable();
                            let mut i = 0;
                            findings.retain(|_| {
                                let keep = applied.binary_search(&i).is_err();
                                i += 1;
                                keep
                            });
                        }
                        Err(e) => notes.push(FileNote {
                            severity: Severity::Error,
                            message: format!("not fixed: {e}"),
                        }),
                    }
                }
            }
            Ok(_) => {}
            Err(e) => notes.push(FileNote {
                severity: Severity::Error,
                message: format!("not fixed: {e}"),
            }),
        }
    }
    let keep_source = !findings.is_empty() || !notes.is_empty();
    Outcome {
        result: FileResult {
            path,
            source: keep_source.then_some(source),
            findings,
            notes,
        },
        diff,
        fixed,
    }
}

fn lint_stdin(
    args: &CheckArgs,
    forced: Option<Language>,
    settings: &Settings,
    fix_opts: &FixOptions,
) -> Result<Outcome> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .read_to_end(&mut bytes)
        .context("cannot read standard input")?;
    let label = args
        .stdin_filename
        .clone()
        .unwrap_or_else(|| PathBuf::from("-"));
    let language = forced
        .or_else(|| source::language_from_extension(&label))
        .or_else(|| sniff_language(&bytes));
    let Some(language) = language else {
        bail!("cannot tell the language of standard input: pass --language or --stdin-filename");
    };
    let source = match SourceFile::decode(&label, language, &bytes) {
        Ok(s) => s,
        Err(e) => return Ok(error_outcome(&label, format!("cannot decode: {e}"))),
    };
    let mode = if args.diff {
        FixMode::Diff
    } else {
        FixMode::None
    };
    Ok(lint_and_fix(source, None, settings, fix_opts, mode))
}
