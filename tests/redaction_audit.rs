//! Redaction audit: a corpus of varied secrets, linted in every output format, `--diff` and
//! `--fix`, and no secret of 6 or more characters appears anywhere in stdout or stderr, nor any
//! 6-character piece of it beyond the preview's allowed prefix (`Secret::visible_prefix_len`).
//!
//! Every secret of the corpus must be found (checked through the JSON output), or the audit would
//! pass vacuously. `--min-confidence 0` makes low-confidence findings (short values) count too.
//! The hidden `dump` debugging command prints the model, literals included, and is not audited.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use credlint::finding::Secret;

/// (file, line template with `{}` for the secret, secret)
const CORPUS: &[(&str, &str, &str)] = &[
    (
        "publish.sh",
        "twine upload -u __token__ -p {} dist/*",
        "pypi-AgEIcHlwaS5vcmcCJGI4ZTc3ZmJhLTY0ZTEtNDYxNi1hNjNkLWQ0OWRmYjA3NzA3NwACKlsz",
    ),
    (
        "Publish.ps1",
        "py -m twine upload --username __token__ --password {} dist/*",
        "pypi-AgEIcHlwaS5vcmcCJDk3MWQ0NDA0LTgxZjAtNDIzNy1iYjY5LTAwMjhlNWQ3NzdhZQACKlsz",
    ),
    (
        "ghcr.sh",
        "docker login ghcr.io -u octocat -p {}",
        "ghp_Rk7vQ2mZx9LpW4tN8cJ3bY6hF1dS5gA0eUiO",
    ),
    (
        "api.sh",
        "curl -H \"Authorization: Bearer {}\" https://api.github.com/user",
        "github_pat_11AQZ7XJI0Tq8vWm3RkLp2_Zx9NcV4bH6yJ1gF5dS8aQ2wE7rT3yU6iO9pL4kJ2hG5fD8sA1zX",
    ),
    (
        "aws.sh",
        "aws configure set aws_secret_access_key '{}'",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYq8v3Lm2Zk9",
    ),
    (
        "slack.sh",
        "curl -H \"Authorization: Bearer {}\" https://slack.com/api/chat.postMessage",
        "xoxb-2718281828-3141592653589-Vq8rTz2LmNwKp3xQw9Lm2ZrB",
    ),
    (
        "jwt.sh",
        "curl -H \"Authorization: Bearer {}\" https://api.example.com/v1",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjaS1ib3QiLCJpYXQiOjE3MDB9.Qk9mM2xWc1pGNmJxY1hZdFpx",
    ),
    (
        "symbols.sh",
        "docker login -u ci -p '{}' registry.example.com",
        "Xy9#kL!mP2$qR&sT",
    ),
    (
        "mysql.sh",
        "mysql --user=app --password='{}' app_db",
        "Tq4$wE8rZx1c^%*",
    ),
    (
        "unicode.sh",
        "docker login -u ci -p '{}' registry.example.com",
        "pässwörd-Ünïcødé-42",
    ),
    (
        "Unicode.ps1",
        "docker login -u ci -p '{}' registry.example.com",
        "Пароль-секрет-9937",
    ),
    (
        "short6.sh",
        "sshpass -p '{}' ssh deploy@build.example.com uptime",
        "Zq8#vL",
    ),
    (
        "short7.sh",
        "docker login -u ci -p '{}' registry.example.com",
        "K9#mQ2z",
    ),
    (
        "sshpass.sh",
        "sshpass -p '{}' ssh deploy@build.example.com uptime",
        "Hj6@kL9pQw2e",
    ),
    (
        "curl-user.sh",
        "curl -fsS -u deployer:{} https://nexus.example.com/service/rest",
        "Zx8#cV5bNm1q",
    ),
    (
        "npm.sh",
        "npm config set //registry.npmjs.org/:_authToken {}",
        "npm_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8",
    ),
    (
        "Secure.ps1",
        "$secure = ConvertTo-SecureString '{}' -AsPlainText -Force",
        "Wv7!rQ3zKx8#",
    ),
    (
        "NetUse.ps1",
        "net use Z: \\\\fs01\\builds '{}' /user:CORP\\svc-build",
        "Pw9!oI8uY7tR",
    ),
    (
        "Cmdkey.ps1",
        "cmdkey /generic:TERMSRV/host01 /user:CORP\\admin /pass:{}",
        "Lk8#jH5gF2dS",
    ),
    (
        "Nuget.ps1",
        "Publish-Module -Name Acme.Tools -NuGetApiKey '{}'",
        "oy2ab3cd4ef5gh6ij7kl8mn9op0qr1st2uv3wx4yz5ab6c",
    ),
    (
        "Docker.ps1",
        "docker login -u svc -p \"{}\" acme.azurecr.io",
        "Nb7#vC4xZ1qW@ps",
    ),
    (
        "stripe.sh",
        "curl -H \"Authorization: Bearer {}\" https://api.stripe.com/v1/charges",
        "sk_live_51HxQ2mZx9LpW4tN8cJ3bY6hF",
    ),
    (
        "flow.sh",
        "API_PASS='{}'\ncurl -u \"admin:${API_PASS}\" https://jenkins.example.com/api/json",
        "Gh5jK8lZ1xC4",
    ),
    (
        "embedded.sh",
        "sudo bash -c 'docker login -u bot -p {} registry.example.com'",
        "Jk4#mN7qR2sT",
    ),
];

fn credlint(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_credlint"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_STEP_SUMMARY")
        .stdin(Stdio::null())
        .output()
        .expect("credlint runs")
}

fn corpus_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (file, template, secret) in CORPUS {
        let newline = if file.ends_with(".ps1") { "\r\n" } else { "\n" };
        let body = template.replace("{}", secret).replace('\n', newline);
        std::fs::write(dir.path().join(file), format!("{body}{newline}")).unwrap();
    }
    dir
}

/// No secret in full, and no 6-character window of it that reaches past its visible prefix.
/// A window that is part of the rules' own documentation (SARIF embeds it; `ub_pat` of
/// `github_pat_…` is a format name, not a secret) is not a leak.
fn audit(label: &str, out: &str) {
    let docs: String = credlint::rules::all_meta()
        .iter()
        .map(|m| format!("{}\n{}\n", m.summary, m.docs))
        .collect();
    for (file, _, secret) in CORPUS {
        assert!(
            !out.contains(secret),
            "{label}: the secret of {file} printed in full"
        );
        let keep = Secret::new(*secret).visible_prefix_len();
        let starts: Vec<usize> = secret.char_indices().map(|(i, _)| i).collect();
        let chars = starts.len();
        for w in 0..chars.saturating_sub(5) {
            let (from, to) = (
                starts[w],
                starts.get(w + 6).copied().unwrap_or(secret.len()),
            );
            if to <= keep {
                continue;
            }
            let piece = &secret[from..to];
            if docs.contains(piece) {
                continue;
            }
            assert!(
                !out.contains(piece),
                "{label}: a piece `{piece}` of the secret of {file} was printed"
            );
        }
    }
}

fn all_output(o: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn every_secret_of_the_corpus_is_found() {
    let dir = corpus_dir();
    let o = credlint(
        dir.path(),
        &["check", "--min-confidence", "0", "--format", "json", "."],
    );
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let missing: Vec<&str> = CORPUS
        .iter()
        .map(|(file, _, _)| *file)
        .filter(|file| json_findings_for(&json, file) == 0)
        .collect();
    assert!(missing.is_empty(), "no finding for {missing:?}");
    assert!(CORPUS.len() >= 20);
}

fn json_findings_for(json: &serde_json::Value, file: &str) -> usize {
    json["findings"]
        .as_array()
        .map_or(0, |all| all.iter().filter(|f| f["path"] == file).count())
}

#[test]
fn no_output_format_prints_a_secret() {
    let dir = corpus_dir();
    for format in ["human", "concise", "json", "sarif", "github"] {
        for color in ["never", "always"] {
            let o = credlint(
                dir.path(),
                &[
                    "check",
                    "--min-confidence",
                    "0",
                    "--format",
                    format,
                    "--color",
                    color,
                    ".",
                ],
            );
            assert_eq!(o.status.code(), Some(1), "{format}: {}", all_output(&o));
            audit(
                &format!("--format {format} --color {color}"),
                &all_output(&o),
            );
        }
    }
    let o = credlint(
        dir.path(),
        &["check", "--min-confidence", "0", "--diff", "."],
    );
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("+++ "),
        "{}",
        all_output(&o)
    );
    audit("--diff", &all_output(&o));
    let o = credlint(
        dir.path(),
        &[
            "check",
            "--min-confidence",
            "0",
            "--unsafe-fixes",
            "--diff",
            ".",
        ],
    );
    audit("--unsafe-fixes --diff", &all_output(&o));
}

#[test]
fn fixing_and_baselines_print_no_secret() {
    let dir = corpus_dir();
    let o = credlint(
        dir.path(),
        &[
            "baseline",
            "--min-confidence",
            "0",
            "-o",
            "baseline.txt",
            ".",
        ],
    );
    audit("baseline", &all_output(&o));
    let baseline = std::fs::read_to_string(dir.path().join("baseline.txt")).unwrap();
    audit("baseline file", &baseline);
    let o = credlint(
        dir.path(),
        &[
            "check",
            "--min-confidence",
            "0",
            "--unsafe-fixes",
            "--fix",
            "--format",
            "human",
            ".",
        ],
    );
    audit("--fix", &all_output(&o));
}

#[test]
fn standard_input_reports_print_no_secret() {
    let (file, template, secret) = CORPUS[0];
    for format in ["human", "concise", "json", "sarif", "github"] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_credlint"))
            .args(["check", "--format", format, "--stdin-filename", file, "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        {
            use std::io::Write;
            let mut stdin = child.stdin.take().unwrap();
            writeln!(stdin, "{}", template.replace("{}", secret)).unwrap();
        }
        let o = child.wait_with_output().unwrap();
        assert_eq!(o.status.code(), Some(1), "{}", all_output(&o));
        audit(&format!("stdin --format {format}"), &all_output(&o));
    }
}

/// The language server: diagnostics for every corpus document and the code actions offered for
/// them carry no secret either. Everything the server writes (stdout and stderr) is audited.
#[test]
fn language_server_messages_print_no_secret() {
    use serde_json::{Value, json};
    use std::io::{BufRead, BufReader, Read, Write};

    fn frame(v: &Value) -> Vec<u8> {
        let body = v.to_string();
        format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
    }
    fn read(out: &mut impl BufRead) -> Option<Value> {
        let mut len = None;
        loop {
            let mut line = String::new();
            if out.read_line(&mut line).unwrap() == 0 {
                return None;
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some(v) = line.strip_prefix("Content-Length: ") {
                len = Some(v.parse::<usize>().unwrap());
            }
        }
        let mut body = vec![0; len?];
        out.read_exact(&mut body).unwrap();
        Some(serde_json::from_slice(&body).unwrap())
    }

    let mut child = Command::new(env!("CARGO_BIN_EXE_credlint"))
        .arg("lsp")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut send = |v: Value| stdin.write_all(&frame(&v)).unwrap();
    send(
        json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {"capabilities": {}}}),
    );
    send(json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}));
    let mut seen = Vec::new();
    for (i, (file, template, secret)) in CORPUS.iter().enumerate() {
        let ps = file.ends_with(".ps1");
        let text = format!("{}\n", template.replace("{}", secret));
        send(
            json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
            "uri": format!("file:///audit/{file}"),
            "languageId": if ps { "powershell" } else { "shellscript" },
            "version": i, "text": text}}}),
        );
    }
    let mut diagnosed = 0;
    let mut answered = 0;
    let mut next_id = 100;
    while diagnosed < CORPUS.len() || answered < diagnosed {
        let msg = read(&mut stdout).expect("the server is running");
        seen.push(msg.to_string());
        if msg["method"] == "textDocument/publishDiagnostics" {
            diagnosed += 1;
            let diagnostics = msg["params"]["diagnostics"].clone();
            assert!(
                !diagnostics.as_array().unwrap().is_empty(),
                "no diagnostic for {}",
                msg["params"]["uri"]
            );
            send(
                json!({"jsonrpc": "2.0", "id": next_id, "method": "textDocument/codeAction",
                "params": {"textDocument": {"uri": msg["params"]["uri"]},
                "range": diagnostics[0]["range"], "context": {"diagnostics": diagnostics}}}),
            );
            next_id += 1;
        } else if msg.get("method").is_none() && msg["id"].as_i64().is_some_and(|id| id >= 100) {
            answered += 1;
        }
    }
    send(json!({"jsonrpc": "2.0", "id": 1, "method": "shutdown"}));
    send(json!({"jsonrpc": "2.0", "method": "exit"}));
    drop(stdin);
    while let Some(msg) = read(&mut stdout) {
        seen.push(msg.to_string());
    }
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    child.wait().unwrap();
    let all = format!("{}\n{stderr}", seen.join("\n"));
    assert!(all.contains("quickfix"), "no quick fixes offered:\n{all}");
    audit("lsp", &all);
}
