//! The command-line edge: argument parsing, the parallel walk, per-file processing, output and
//! exit status. Errors here use anyhow; one file's failure never aborts the run.

use std::io::{IsTerminal, Read, Write};
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::baseline;
use crate::catalog::Catalog;
use crate::config::{self, Config};
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
    /// Record the current findings as a baseline: `check --baseline FILE` then reports only new
    /// ones. Writes fingerprints, paths and rule codes — no secrets, no line numbers.
    Baseline(BaselineArgs),
    /// List every rule.
    Rules,
    /// Print one rule's documentation.
    Rule {
        /// Rule code (CL001) or name (secret-in-argument).
        rule: String,
    },
    /// Run the language server on standard input/output (for editors).
    Lsp,
    /// Print the Script model of a file (for debugging rules and grammars).
    #[command(hide = true)]
    Dump {
        path: PathBuf,
        #[arg(long, value_enum)]
        language: Option<LanguageArg>,
    },
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
    /// Report findings at or above this confidence (0.0–1.0; default 0.5 or the config's).
    #[arg(long)]
    pub min_confidence: Option<f32>,
    /// Exit 0 even when credentials are found (errors still exit 2).
    #[arg(long)]
    pub exit_zero: bool,
    /// When to use colour in human output.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
    /// Configuration file (default: `credlint.toml` in the first path's directory or a parent).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Ignore `# credlint: ignore` comments.
    #[arg(long)]
    pub no_inline_suppressions: bool,
    /// Report only findings not recorded in this baseline (see `credlint baseline`).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Never show the progress indicator (it only ever appears when stderr is a terminal).
    #[arg(long)]
    pub no_progress: bool,
    /// Skip files larger than this many megabytes (1 MB = 1,000,000 bytes) with a note; 0 means
    /// no limit.
    #[arg(long, value_name = "MB", default_value_t = DEFAULT_MAX_FILE_SIZE_MB)]
    pub max_file_size: u64,
    /// Parse whole files instead of only the parts that could hold a finding (the reference
    /// the focused parse is compared against; for testing and benchmarking).
    #[arg(long, hide = true)]
    pub parse_whole_files: bool,
}

/// Files larger than this (in MB of 1,000,000 bytes) are skipped with a note: real scripts are a
/// few kilobytes, and a 50 MB "script" is a log or a data dump that would only cost time.
pub const DEFAULT_MAX_FILE_SIZE_MB: u64 = 10;

#[derive(Args, Debug)]
pub struct BaselineArgs {
    /// Files or directories to scan.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Where to write the baseline.
    #[arg(long, short, value_name = "FILE")]
    pub output: PathBuf,
    /// Configuration file (default: discovered as for `check`).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Also scan files ignored by .gitignore/.ignore.
    #[arg(long)]
    pub no_ignore: bool,
    /// Only run these rules (codes, names or groups, comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub select: Vec<String>,
    /// Do not run these rules (codes, names or groups, comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// Record findings at or above this confidence.
    #[arg(long)]
    pub min_confidence: Option<f32>,
    /// Ignore `# credlint: ignore` comments.
    #[arg(long)]
    pub no_inline_suppressions: bool,
}

impl BaselineArgs {
    fn as_check(&self) -> CheckArgs {
        CheckArgs {
            paths: self.paths.clone(),
            format: Format::Human,
            fix: false,
            unsafe_fixes: false,
            diff: false,
            no_guard: false,
            no_ignore: self.no_ignore,
            stdin_filename: None,
            language: None,
            select: self.select.clone(),
            ignore: self.ignore.clone(),
            min_confidence: self.min_confidence,
            exit_zero: false,
            color: ColorArg::Never,
            config: self.config.clone(),
            no_inline_suppressions: self.no_inline_suppressions,
            baseline: None,
            no_progress: false,
            max_file_size: DEFAULT_MAX_FILE_SIZE_MB,
            parse_whole_files: false,
        }
    }
}

/// Runs the CLI and returns the process exit status.
pub fn main() -> i32 {
    install_panic_hook();
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

thread_local! {
    /// The file this thread is processing, for the panic hook's message.
    static CURRENT_FILE: std::cell::RefCell<Option<PathBuf>> = const { std::cell::RefCell::new(None) };
}

/// Replaces the default panic hook, which prints the panic message: a message may quote the
/// file being linted (`called unwrap() on … "pypi-AgEI…"`), so it could print a secret. This hook
/// prints where in credlint the panic happened and which file was being processed, never the
/// message. The panic is still caught per file and reported as that file's error.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        eprintln!(
            "{}",
            panic_report(info.location(), current_file().as_deref())
        );
    }));
}

fn current_file() -> Option<PathBuf> {
    CURRENT_FILE.try_with(|f| f.borrow().clone()).ok().flatten()
}

/// The panic hook's one line: location in credlint's code and the file's path, no message.
fn panic_report(location: Option<&std::panic::Location<'_>>, file: Option<&Path>) -> String {
    let at = location
        .map(|l| format!(" at {}:{}", l.file(), l.line()))
        .unwrap_or_default();
    match file {
        Some(path) => format!(
            "error: internal error{at} while processing {}; the panic message is withheld because it may quote the file (please report this bug with a minimal script)",
            path.display()
        ),
        None => format!(
            "error: internal error{at}; the panic message is withheld because it may quote file content (please report this bug)"
        ),
    }
}

fn run(cli: Cli) -> Result<i32> {
    match cli.command {
        Command::Check(args) => check(args),
        Command::Baseline(args) => write_baseline(&args),
        Command::Rules => {
            let mut out = std::io::stdout().lock();
            for m in rules::all_meta() {
                let fix = m.fix.map(|a| a.as_str()).unwrap_or("none");
                writeln!(
                    out,
                    "{}  {:<33} {:<8} fix: {:<12} {}",
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
        Command::Dump { path, language } => {
            let bytes =
                std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
            let language = language
                .map(|l| match l {
                    LanguageArg::Powershell => Language::PowerShell,
                    LanguageArg::Shell => Language::Shell,
                })
                .or_else(|| source::detect_language(&path, &bytes))
                .context("cannot tell the language; pass --language")?;
            let source = SourceFile::decode(&path, language, &bytes)?;
            let script =
                crate::lang::parse(language, &source.text, crate::lang::DEFAULT_PARSE_BUDGET)?;
            // The model holds the file's literal text; this is a developer tool for one's own files.
            writeln!(std::io::stdout().lock(), "{script:#?}")?;
            Ok(0)
        }
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

/// Everything a scan needs that comes from the arguments and the configuration.
struct Prepared {
    settings: Settings,
    /// `--max-file-size` in bytes; 0 means no limit.
    max_file_size: u64,
    fix_opts: FixOptions,
    config: Config,
    forced: Option<Language>,
}

fn prepare(args: &CheckArgs) -> Result<Prepared> {
    let config_path = match &args.config {
        Some(p) => Some(p.clone()),
        None => {
            let start = args
                .paths
                .iter()
                .find(|p| p.as_os_str() != "-")
                .cloned()
                .unwrap_or_else(|| PathBuf::from("."));
            config::discover(&start)
        }
    };
    let config = match &config_path {
        Some(p) => config::load(p)?,
        None => Config::defaults(std::env::current_dir().unwrap_or_default()),
    };
    let catalog = if config.tools.is_empty() {
        Catalog::builtin().clone()
    } else {
        Catalog::builtin()
            .extended(config.tools.clone())
            .context("invalid [[tool]] entry in the configuration")?
    };
    let mut select = args.select.clone();
    if select.is_empty() {
        select = config.select.clone();
    }
    let mut ignore = config.ignore.clone();
    ignore.extend(args.ignore.iter().cloned());
    let mut settings = Settings::new(Arc::new(catalog), Selection { select, ignore });
    settings.min_confidence = args
        .min_confidence
        .or(config.min_confidence)
        .unwrap_or(engine::DEFAULT_MIN_CONFIDENCE);
    settings.inline_suppressions = !args.no_inline_suppressions;
    if args.parse_whole_files {
        settings.parse_mode = crate::engine::ParseMode::Whole;
    }
    settings.severity = config.severity.clone();
    settings.allow = config.allow.clone();
    settings.env_names = config.env_names.clone();
    let forced = args.language.map(|l| match l {
        LanguageArg::Powershell => Language::PowerShell,
        LanguageArg::Shell => Language::Shell,
    });
    let mut fix_opts = FixOptions {
        unsafe_fixes: args.unsafe_fixes,
        guards: !args.no_guard && config.guard.unwrap_or(true),
        ..FixOptions::default()
    };
    if let Some(indent) = &config.indent {
        fix_opts.indent_unit = indent.clone();
    }
    Ok(Prepared {
        settings,
        max_file_size: args.max_file_size.saturating_mul(1_000_000),
        fix_opts,
        config,
        forced,
    })
}

/// Walks the paths and lints every script; outcomes sorted by path.
fn scan(args: &CheckArgs, p: &Prepared, mode: FixMode) -> Result<Vec<Outcome>> {
    let mut outcomes: Vec<Outcome> = Vec::new();
    let mut jobs = Vec::new();
    for path in &args.paths {
        if path.as_os_str() == "-" {
            outcomes.push(lint_stdin(args, p)?);
            continue;
        }
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => walk(path, args.no_ignore, &p.config, &mut jobs),
            Ok(_) => jobs.push(Job {
                path: path.clone(),
                language: p.forced.or_else(|| source::language_from_extension(path)),
                explicit: true,
            }),
            Err(e) => outcomes.push(error_outcome(path, format!("cannot read: {e}"))),
        }
    }
    jobs.sort_by(|a, b| a.path.cmp(&b.path));
    jobs.dedup_by(|a, b| a.path == b.path);
    let progress = !args.no_progress && std::io::stderr().is_terminal();
    outcomes.extend(run_jobs(&jobs, p, mode, progress));
    outcomes.sort_by(|a, b| a.result.path.cmp(&b.result.path));
    Ok(outcomes)
}

fn check(args: CheckArgs) -> Result<i32> {
    let prepared = prepare(&args)?;
    let baseline = match &args.baseline {
        Some(path) => Some(baseline::read(path)?),
        None => None,
    };
    let mode = if args.fix {
        FixMode::Write
    } else if args.diff {
        FixMode::Diff
    } else {
        FixMode::None
    };
    let mut outcomes = scan(&args, &prepared, mode)?;
    print_stats();
    let mut stale = None;
    if let Some(entries) = baseline {
        let mut results: Vec<FileResult> = outcomes.iter().map(|o| o.result.clone()).collect();
        let left = baseline::filter(&mut results, entries);
        for (o, r) in outcomes.iter_mut().zip(results) {
            o.result.findings = r.findings;
        }
        if !left.is_empty() {
            eprintln!(
                "note: {} baseline entr{} no longer match a finding (fixed, or the file moved); regenerate the baseline to drop them:",
                left.len(),
                if left.len() == 1 { "y" } else { "ies" }
            );
            for e in &left {
                eprintln!("  {} {}", e.path, e.code);
            }
        }
        stale = Some(left);
    }

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
        stale_baseline: stale,
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

/// Files linted and files the prefilter let through to the parser, for `CREDLINT_STATS=1`
/// (used by `bench/compare.sh` to report the fraction of files parsed).
static FILES_LINTED: AtomicUsize = AtomicUsize::new(0);
static FILES_PARSED: AtomicUsize = AtomicUsize::new(0);
static BYTES_LINTED: AtomicUsize = AtomicUsize::new(0);
static BYTES_PARSED: AtomicUsize = AtomicUsize::new(0);

fn print_stats() {
    if std::env::var_os("CREDLINT_STATS").is_some() {
        let linted = FILES_LINTED.load(Ordering::Relaxed);
        let parsed = FILES_PARSED.load(Ordering::Relaxed);
        let bytes = BYTES_LINTED.load(Ordering::Relaxed);
        let parsed_bytes = BYTES_PARSED.load(Ordering::Relaxed);
        eprintln!(
            "credlint-stats: {parsed} of {linted} files parsed ({:.1}%), {parsed_bytes} of {bytes} bytes ({:.1}%)",
            100.0 * parsed as f64 / linted.max(1) as f64,
            100.0 * parsed_bytes as f64 / bytes.max(1) as f64
        );
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FixMode {
    None,
    Diff,
    Write,
}

/// Walks `root` in parallel, honouring .gitignore/.ignore (also outside a git repository) and
/// the configuration's `include`/`exclude`.
fn walk(root: &Path, no_ignore: bool, config: &Config, jobs: &mut Vec<Job>) {
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
            if entry.file_type().is_some_and(|t| t.is_dir()) {
                if entry.depth() > 0 && config.dir_excluded(entry.path()) {
                    return ignore::WalkState::Skip;
                }
                return ignore::WalkState::Continue;
            }
            if !entry.file_type().is_some_and(|t| t.is_file())
                || !config.walk_includes(entry.path())
            {
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

fn run_jobs(jobs: &[Job], p: &Prepared, mode: FixMode, progress: bool) -> Vec<Outcome> {
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let finished = AtomicBool::new(false);
    let slots: Vec<Mutex<Option<Outcome>>> = jobs.iter().map(|_| Mutex::new(None)).collect();
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .min(jobs.len().max(1));
    std::thread::scope(|s| {
        if progress {
            s.spawn(|| show_progress(&done, jobs.len(), &finished));
        }
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                s.spawn(|| {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(job) = jobs.get(i) else { break };
                        let outcome = process_isolated(job, p, mode);
                        if let Some(o) = outcome
                            && let Ok(mut slot) = slots[i].lock()
                        {
                            *slot = Some(o);
                        }
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                })
            })
            .collect();
        for h in handles {
            let _ = h.join();
        }
        finished.store(true, Ordering::Relaxed);
    });
    slots
        .into_iter()
        .filter_map(|m| m.into_inner().ok().flatten())
        .collect()
}

/// A file counter on stderr (only called when stderr is a terminal): appears once the scan
/// has run for half a second, updates at most every 100 ms, and is erased at the end.
fn show_progress(done: &AtomicUsize, total: usize, finished: &AtomicBool) {
    let started = Instant::now();
    let mut shown = false;
    while !finished.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(100));
        if started.elapsed() < Duration::from_millis(500) || finished.load(Ordering::Relaxed) {
            continue;
        }
        let n = done.load(Ordering::Relaxed);
        eprint!("\r\x1b[2Kcredlint: {n}/{total} files");
        shown = true;
    }
    if shown {
        eprint!("\r\x1b[2K");
    }
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

const INTERNAL_ERROR: &str = "internal error while processing this file (a bug in credlint; please report it with a minimal script)";

/// [`process`] with any panic (in decoding, linting, fixing or writing) turned into this file's
/// error, so one file's bug never takes the run down or makes the file silently disappear.
fn process_isolated(job: &Job, p: &Prepared, mode: FixMode) -> Option<Outcome> {
    let _ = CURRENT_FILE.try_with(|f| *f.borrow_mut() = Some(job.path.clone()));
    let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| process(job, p, mode)))
        .unwrap_or_else(|_| Some(error_outcome(&job.path, INTERNAL_ERROR.into())));
    let _ = CURRENT_FILE.try_with(|f| *f.borrow_mut() = None);
    outcome
}

/// Reads at most `limit` bytes (0: no limit) of a regular file. `Ok(None)` when it is larger.
fn read_limited(path: &Path, limit: u64) -> std::io::Result<Option<Vec<u8>>> {
    let file = std::fs::File::open(path)?;
    // Sized from the metadata (one byte more, to see the end without growing): no probing
    // reads and no regrowth, which showed in profiles of thousands of small files.
    let expected = file.metadata().map_or(0, |m| m.len());
    let expected = if limit == 0 {
        expected
    } else {
        expected.min(limit)
    };
    let capacity = usize::try_from(expected).unwrap_or(0).saturating_add(1);
    read_to_limit(file, limit, Vec::with_capacity(capacity))
}

/// Reads `reader` to its end into `bytes` (empty), or `Ok(None)` once it yields more than
/// `limit` bytes (0: no limit).
fn read_to_limit(
    reader: impl Read,
    limit: u64,
    mut bytes: Vec<u8>,
) -> std::io::Result<Option<Vec<u8>>> {
    if limit == 0 {
        let mut reader = reader;
        reader.read_to_end(&mut bytes)?;
        return Ok(Some(bytes));
    }
    // One byte more than allowed tells a file that grew since its metadata was read.
    reader.take(limit + 1).read_to_end(&mut bytes)?;
    Ok((bytes.len() as u64 <= limit).then_some(bytes))
}

fn too_large_note(path: &Path, limit: u64) -> Outcome {
    note_outcome(
        path,
        Severity::Note,
        format!(
            "skipped: file larger than {} MB (--max-file-size)",
            limit / 1_000_000
        ),
    )
}

/// Lints (and fixes) one file. `None` when a walked file turns out not to be a script.
fn process(job: &Job, p: &Prepared, mode: FixMode) -> Option<Outcome> {
    let forced = p.forced;
    let limit = p.max_file_size;
    // Look before opening: opening a FIFO blocks until someone writes to it, and a huge file
    // should not be read at all.
    match std::fs::metadata(&job.path) {
        Ok(meta) if !meta.is_file() => {
            return Some(error_outcome(
                &job.path,
                "not a regular file (a FIFO, socket or device); skipped".into(),
            ));
        }
        Ok(meta) if limit > 0 && meta.len() > limit => {
            return Some(too_large_note(&job.path, limit));
        }
        Ok(_) => {}
        Err(e) => return Some(error_outcome(&job.path, format!("cannot read: {e}"))),
    }
    let bytes = match read_limited(&job.path, limit) {
        Ok(Some(b)) => b,
        Ok(None) => return Some(too_large_note(&job.path, limit)),
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
    Some(lint_and_fix(source, Some(&bytes), p, mode))
}

/// The shebang decides for files without a known extension (UTF-16 files have one).
fn sniff_language(bytes: &[u8]) -> Option<Language> {
    source::language_from_shebang(&bytes[..bytes.len().min(256)])
}

fn lint_and_fix(
    source: SourceFile,
    original: Option<&[u8]>,
    p: &Prepared,
    mode: FixMode,
) -> Outcome {
    let (settings, fix_opts) = (&p.settings, &p.fix_opts);
    let path = source.path.clone();
    if p.config.path_allowed(&path) {
        return Outcome {
            result: FileResult {
                path,
                source: None,
                findings: Vec::new(),
                notes: Vec::new(),
            },
            diff: None,
            fixed: 0,
        };
    }
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
    FILES_LINTED.fetch_add(1, Ordering::Relaxed);
    BYTES_LINTED.fetch_add(source.text.len(), Ordering::Relaxed);
    if output.parsed {
        FILES_PARSED.fetch_add(1, Ordering::Relaxed);
        BYTES_PARSED.fetch_add(output.parsed_bytes, Ordering::Relaxed);
    }
    let mut findings = output.findings;
    let mut notes = Vec::new();
    let mut diff = None;
    let mut fixed = 0;
    if mode != FixMode::None && findings.iter().any(|f| f.fix.is_some()) {
        let header_end = output.header_end;
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

fn lint_stdin(args: &CheckArgs, p: &Prepared) -> Result<Outcome> {
    let forced = p.forced;
    let label = args
        .stdin_filename
        .clone()
        .unwrap_or_else(|| PathBuf::from("-"));
    let Some(bytes) = read_to_limit(std::io::stdin().lock(), p.max_file_size, Vec::new())
        .context("cannot read standard input")?
    else {
        return Ok(too_large_note(&label, p.max_file_size));
    };
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
    Ok(lint_and_fix(source, None, p, mode))
}

fn write_baseline(args: &BaselineArgs) -> Result<i32> {
    let check_args = args.as_check();
    let prepared = prepare(&check_args)?;
    let outcomes = scan(&check_args, &prepared, FixMode::None)?;
    let results: Vec<FileResult> = outcomes.into_iter().map(|o| o.result).collect();
    let mut exit = 0;
    for r in &results {
        for n in &r.notes {
            eprintln!(
                "{}: {}: {}",
                n.severity.as_str(),
                r.path.display(),
                n.message
            );
            if n.severity == Severity::Error {
                exit = 2;
            }
        }
    }
    let entries = baseline::entries(&results);
    std::fs::write(&args.output, baseline::render(&entries))
        .with_context(|| format!("cannot write {}", args.output.display()))?;
    eprintln!(
        "Wrote {} baseline entr{} to {}.",
        entries.len(),
        if entries.len() == 1 { "y" } else { "ies" },
        args.output.display()
    );
    Ok(exit)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "Zq8#vLmW2xRtY6pN";

    fn check_args(paths: &[&Path]) -> CheckArgs {
        let mut argv: Vec<std::ffi::OsString> = vec!["credlint".into(), "check".into()];
        argv.extend(paths.iter().map(|p| p.as_os_str().to_owned()));
        match Cli::try_parse_from(argv).unwrap().command {
            Command::Check(args) => args,
            _ => unreachable!(),
        }
    }

    fn messages(o: &Outcome) -> String {
        o.result
            .notes
            .iter()
            .map(|n| n.message.clone())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// A panic while linting one file becomes that file's error, quoting nothing of the file;
    /// the other files of the run are linted as usual.
    #[test]
    fn panic_in_one_file_is_that_files_error_and_the_run_continues() {
        let dir = tempfile::tempdir().unwrap();
        let bad = dir.path().join("a_bad.sh");
        let good = dir.path().join("b_good.sh");
        std::fs::write(
            &bad,
            format!(
                "# {}\ndocker login -u me -p '{SECRET}'\n",
                engine::TEST_PANIC_MARKER
            ),
        )
        .unwrap();
        std::fs::write(&good, format!("docker login -u me -p '{SECRET}'\n")).unwrap();
        let args = check_args(&[dir.path()]);
        let prepared = prepare(&args).unwrap();
        for mode in [FixMode::None, FixMode::Diff, FixMode::Write] {
            let outcomes = scan(&args, &prepared, mode).unwrap();
            assert_eq!(outcomes.len(), 2, "both files reported ({mode:?})");
            let bad_outcome = &outcomes[0];
            assert_eq!(bad_outcome.result.path, bad);
            assert!(bad_outcome.result.findings.is_empty());
            let note = &bad_outcome.result.notes[0];
            assert_eq!(note.severity, Severity::Error);
            assert!(messages(bad_outcome).contains("internal error"));
            assert!(!messages(bad_outcome).contains(&SECRET[..6]));
            assert_eq!(outcomes[1].result.path, good);
            let expected = if mode == FixMode::Write { 0 } else { 1 };
            assert_eq!(outcomes[1].result.findings.len(), expected, "{mode:?}");
            assert_eq!(outcomes[1].fixed, 1 - expected, "{mode:?}");
        }
        // The good file was fixed in the last round.
        assert!(!std::fs::read_to_string(&good).unwrap().contains(SECRET));
        // Nothing was written to the file that panicked.
        assert!(
            std::fs::read_to_string(&bad)
                .unwrap()
                .contains(engine::TEST_PANIC_MARKER)
        );
    }

    #[test]
    fn panic_report_names_the_file_and_location_but_not_the_message() {
        let here = std::panic::Location::caller();
        let line = panic_report(Some(here), Some(Path::new("deploy.sh")));
        assert!(
            line.starts_with("error: internal error at src/cli.rs:"),
            "{line}"
        );
        assert!(line.contains("while processing deploy.sh"), "{line}");
        assert!(line.contains("withheld"), "{line}");
        let line = panic_report(None, None);
        assert!(line.starts_with("error: internal error;"), "{line}");
    }

    /// The hook installed by `main` sees the panic, and the text it prints holds no secret
    /// although the panic message does.
    #[test]
    fn panic_hook_output_never_quotes_the_panic_message() {
        let seen: Arc<Mutex<Vec<String>>> = Arc::default();
        let sink = seen.clone();
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            // Only this test's panic: other tests may panic (and be caught) concurrently.
            if current_file().as_deref() == Some(Path::new("hook-test.sh")) {
                let line = panic_report(info.location(), current_file().as_deref());
                sink.lock().unwrap().push(line);
            }
        }));
        let job = Job {
            path: PathBuf::from("hook-test.sh"),
            language: Some(Language::Shell),
            explicit: true,
        };
        let caught = std::thread::spawn(move || {
            let _ = CURRENT_FILE.try_with(|f| *f.borrow_mut() = Some(job.path.clone()));
            std::panic::catch_unwind(|| panic!("value was {SECRET}")).is_err()
        })
        .join()
        .unwrap();
        std::panic::set_hook(previous);
        assert!(caught);
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 1, "{seen:?}");
        assert!(seen[0].contains("hook-test.sh"), "{}", seen[0]);
        assert!(!seen[0].contains(&SECRET[..6]), "{}", seen[0]);
    }

    #[test]
    fn read_to_limit_stops_one_byte_past_the_limit() {
        let data = [b'x'; 100];
        assert_eq!(
            read_to_limit(&data[..], 100, Vec::new())
                .unwrap()
                .unwrap()
                .len(),
            100
        );
        assert_eq!(read_to_limit(&data[..], 99, Vec::new()).unwrap(), None);
        assert_eq!(
            read_to_limit(&data[..], 0, Vec::new())
                .unwrap()
                .unwrap()
                .len(),
            100
        );
    }
}
