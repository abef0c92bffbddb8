//! Where the time goes on a corpus: decode, prefilter, parse, lower, rules, per language.
//! Single-threaded, so the figures add up to CPU time.
//!
//! `CREDLINT_BENCH_CORPUS=/path/to/corpus cargo bench --bench corpus_stages`
//! (the corpus is assembled by `bench/compare.sh`; see bench/README.md).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use credlint::engine::{self, Settings};
use credlint::lang;
use credlint::model::Language;
use credlint::source::{self, SourceFile};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        match e.file_type() {
            Ok(t) if t.is_dir() => files(&p, out),
            Ok(t) if t.is_file() => out.push(p),
            _ => {}
        }
    }
}

#[derive(Default)]
struct Stage {
    files: usize,
    bytes: usize,
    time: Duration,
}

impl Stage {
    fn add(&mut self, bytes: usize, t: Duration) {
        self.files += 1;
        self.bytes += bytes;
        self.time += t;
    }
}

fn main() {
    let Some(corpus) = std::env::var_os("CREDLINT_BENCH_CORPUS") else {
        eprintln!("corpus_stages: set CREDLINT_BENCH_CORPUS to a corpus directory; skipped");
        return;
    };
    let mut paths = Vec::new();
    files(Path::new(&corpus), &mut paths);
    paths.sort();
    let settings = Settings::default();
    let mut decode = Stage::default();
    let mut prefilter = Stage::default();
    let mut parse = [Stage::default(), Stage::default()];
    let mut lower = [Stage::default(), Stage::default()];
    let mut rules = [Stage::default(), Stage::default()];
    let mut slowest: Vec<(Duration, PathBuf)> = Vec::new();
    let mut findings = 0;
    for p in &paths {
        let bytes = std::fs::read(p).unwrap();
        let t = Instant::now();
        let Some(language) = source::detect_language(p, &bytes[..bytes.len().min(256)]) else {
            continue;
        };
        let Ok(src) = SourceFile::decode(p, language, &bytes) else {
            continue;
        };
        decode.add(bytes.len(), t.elapsed());
        let t = Instant::now();
        let hit = settings.may_contain_credentials(&src.text);
        prefilter.add(bytes.len(), t.elapsed());
        if !hit {
            continue;
        }
        let li = (language == Language::PowerShell) as usize;
        let t0 = Instant::now();
        let Ok(tree) = lang::parse_tree(language, &src.text, settings.parse_budget) else {
            continue;
        };
        parse[li].add(bytes.len(), t0.elapsed());
        let t = Instant::now();
        let mut script = lang::lower(language, &tree, &src.text);
        lang::embedded::merge_embedded(&mut script, &src.text, settings.parse_budget, 0);
        lower[li].add(bytes.len(), t.elapsed());
        let t = Instant::now();
        findings += engine::lint_script(&src, &script, &settings).len();
        rules[li].add(bytes.len(), t.elapsed());
        slowest.push((t0.elapsed(), p.clone()));
    }
    let total_bytes: usize = decode.bytes;
    println!(
        "{} files, {:.1} MB; {} parsed ({:.1}% of files, {:.1}% of bytes); {findings} findings",
        decode.files,
        total_bytes as f64 / 1e6,
        prefilter_hits(&parse),
        100.0 * prefilter_hits(&parse) as f64 / decode.files.max(1) as f64,
        100.0 * (parse[0].bytes + parse[1].bytes) as f64 / total_bytes.max(1) as f64,
    );
    let show = |name: &str, s: &Stage| {
        println!(
            "{name:<18} {:>6} files {:>8.1} MB {:>9.3} s {:>8.1} MB/s",
            s.files,
            s.bytes as f64 / 1e6,
            s.time.as_secs_f64(),
            s.bytes as f64 / 1e6 / s.time.as_secs_f64().max(1e-9)
        )
    };
    show("decode", &decode);
    show("prefilter", &prefilter);
    for (i, l) in ["shell", "powershell"].iter().enumerate() {
        show(&format!("parse {l}"), &parse[i]);
        show(&format!("lower {l}"), &lower[i]);
        show(&format!("rules {l}"), &rules[i]);
    }
    slowest.sort_by_key(|s| std::cmp::Reverse(s.0));
    println!("slowest files (parse+lower+rules):");
    for (t, p) in slowest.iter().take(8) {
        let len = std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
        println!(
            "  {:>8.1} ms {:>9} B  {}",
            t.as_secs_f64() * 1e3,
            len,
            p.display()
        );
    }
}

fn prefilter_hits(parse: &[Stage; 2]) -> usize {
    parse[0].files + parse[1].files
}
