//! Latency from `textDocument/didChange` to the `textDocument/publishDiagnostics` of that
//! version, on 5,000-line shell scripts holding credentials (so every change is parsed and
//! linted): a *sparse* one (10 hardcoded secrets, the realistic case) and a *dense* one (a
//! secret every 10 lines, ~500 findings). Run: `cargo bench --bench lsp_latency`. Prints
//! p50/p90/p99/max per script, then the engine's phases on the dense script.

use std::time::{Duration, Instant};

use lsp_server::{Connection, Message, Notification, Request, RequestId};
use serde_json::json;

const LINES: usize = 5_000;
const ITERATIONS: usize = 200;
const WARMUP: usize = 20;

/// A script with a hardcoded secret on every `secret_every`-th line.
fn script(secret_every: usize) -> String {
    let mut s = String::from("#!/usr/bin/env bash\nset -euo pipefail\n");
    let mut i = 2;
    while i < LINES {
        let line = match i % 10 {
            0 if i % secret_every == 0 => {
                format!("curl -u deploy:Zq8mW2xTr5vLp9sK{i} https://example.com/api/{i}\n")
            }
            0 => format!("curl -u \"deploy:$DEPLOY_PASSWORD\" https://example.com/api/{i}\n"),
            1 => format!("if [ -f \"file{i}\" ]; then echo \"found {i}\"; fi\n"),
            2 => format!("export VAR_{i}=\"value-{i}\"\n"),
            3 => format!("for x in a b c; do echo \"$x{i}\"; done\n"),
            4 => format!("docker login -u ci --password-stdin < token{i}.txt\n"),
            5 => format!("mysql -h db{i} -u app -p\"$DB_PASSWORD\" -e 'select {i}'\n"),
            6 => format!("# comment line {i} with token words\n"),
            7 => format!("ls -la /tmp/dir{i} | grep -v foo | wc -l\n"),
            8 => format!(
                "python3 -m twine upload dist/* --username __token__ --password \"$PYPI_TOKEN\" # {i}\n"
            ),
            _ => format!("name_{i}=$(basename \"$PWD\")\n"),
        };
        s.push_str(&line);
        i += 1;
    }
    s
}

// The allocators of the credlint binary (src/main.rs), so the figures are the editor's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    // SAFETY: before any tree-sitter object; mimalloc is the global allocator.
    unsafe { credlint::lang::use_mimalloc_for_parsers() };
    run("sparse", &script(500));
    let dense = script(10);
    run("dense", &dense);
    phases(&dense);
}

fn run(label: &str, text: &str) {
    let (server_end, client) = Connection::memory();
    let server = std::thread::spawn(move || credlint::lsp::serve(&server_end).unwrap());
    let send = |m: Message| client.sender.send(m).unwrap();
    send(
        Request::new(
            RequestId::from(1),
            "initialize".into(),
            json!({"capabilities": {}}),
        )
        .into(),
    );
    loop {
        if let Message::Response(_) = client.receiver.recv().unwrap() {
            break;
        }
    }
    send(Notification::new("initialized".into(), json!({})).into());
    let uri = "file:///bench/big.sh";
    assert_eq!(text.lines().count(), LINES);
    send(
        Notification::new(
            "textDocument/didOpen".into(),
            json!({"textDocument": {"uri": uri, "languageId": "shellscript", "version": 0, "text": text}}),
        )
        .into(),
    );
    let wait_for = |version: i32| -> usize {
        loop {
            match client
                .receiver
                .recv_timeout(Duration::from_secs(30))
                .unwrap()
            {
                Message::Notification(n)
                    if n.method == "textDocument/publishDiagnostics"
                        && n.params["version"] == version =>
                {
                    return n.params["diagnostics"].as_array().unwrap().len();
                }
                _ => {}
            }
        }
    };
    let findings = wait_for(0);

    let mut samples = Vec::with_capacity(ITERATIONS);
    for v in 1..=(WARMUP + ITERATIONS) as i32 {
        // Alternately type and delete one character in the middle of the file.
        let line = (LINES / 2) as u32;
        let change = if v % 2 == 1 {
            json!({"range": {"start": {"line": line, "character": 0}, "end": {"line": line, "character": 0}}, "text": "x"})
        } else {
            json!({"range": {"start": {"line": line, "character": 0}, "end": {"line": line, "character": 1}}, "text": ""})
        };
        let started = Instant::now();
        send(
            Notification::new(
                "textDocument/didChange".into(),
                json!({"textDocument": {"uri": uri, "version": v}, "contentChanges": [change]}),
            )
            .into(),
        );
        wait_for(v);
        if v as usize > WARMUP {
            samples.push(started.elapsed());
        }
    }
    samples.sort();
    let pct = |p: f64| samples[((samples.len() as f64 * p).ceil() as usize).saturating_sub(1)];
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    eprintln!(
        "lsp_latency {label}: {LINES}-line script, {findings} diagnostics, {ITERATIONS} incremental didChange -> publishDiagnostics"
    );
    eprintln!(
        "lsp_latency {label}: p50 {:.2} ms  p90 {:.2} ms  p99 {:.2} ms  max {:.2} ms",
        ms(pct(0.50)),
        ms(pct(0.90)),
        ms(pct(0.99)),
        ms(*samples.last().unwrap())
    );

    send(Request::new(RequestId::from(2), "shutdown".into(), json!(null)).into());
    send(Notification::new("exit".into(), json!(null)).into());
    server.join().unwrap();
}

/// Where the time goes: the engine's phases on the same script and the same edit (medians).
fn phases(text: &str) {
    use credlint::{engine, lang, model::Language, source};
    let lang_ = Language::Shell;
    let settings = engine::Settings::default();
    let mid = text[..text.len() / 2].rfind('\n').unwrap() + 1;
    let mut edited_text = text.to_owned();
    edited_text.insert(mid, 'x');
    let src = |t: &str| {
        source::SourceFile::from_text("big.sh", lang_, t.to_owned(), source::Encoding::Utf8)
    };
    let (before, after) = (src(text), src(&edited_text));
    let mut t = [Vec::new(), Vec::new(), Vec::new(), Vec::new()];
    for _ in 0..30 {
        let started = Instant::now();
        let _ = lang::units::split(lang_, &edited_text);
        t[0].push(started.elapsed());
        let started = Instant::now();
        let output = engine::lint(&after, &settings).unwrap();
        t[1].push(started.elapsed());
        let mut cache = lang::units::SkeletonCache::default();
        engine::lint_cached(&before, &settings, &mut cache).unwrap();
        cache.sweep();
        let started = Instant::now();
        engine::lint_cached(&after, &settings, &mut cache).unwrap();
        t[2].push(started.elapsed());
        let script = output.script.unwrap();
        let started = Instant::now();
        let _ = engine::lint_script(&after, &script, &settings);
        t[3].push(started.elapsed());
    }
    let median = |v: &mut Vec<Duration>| {
        v.sort();
        v[v.len() / 2].as_secs_f64() * 1e3
    };
    eprintln!(
        "lsp_latency phases (median): units {:.2} ms, focused lint {:.2} ms, cached lint after an edit {:.2} ms, of which rules {:.2} ms",
        median(&mut t[0]),
        median(&mut t[1]),
        median(&mut t[2]),
        median(&mut t[3])
    );
}
