//! `credlint lsp` as a process: stdout carries nothing but framed JSON-RPC, a malformed
//! message gets a ParseError and the session goes on, and shutdown/exit end it with status 0.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use serde_json::{Value, json};

fn frame(v: &Value) -> Vec<u8> {
    let body = v.to_string();
    format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
}

/// Reads one framed message; panics on anything that is not one.
fn read(out: &mut impl BufRead) -> Option<Value> {
    let mut len = None;
    loop {
        let mut line = String::new();
        if out.read_line(&mut line).unwrap() == 0 {
            return None;
        }
        assert!(line.ends_with("\r\n"), "not a header line: {line:?}");
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(": ").expect("a header");
        if name.eq_ignore_ascii_case("Content-Length") {
            len = Some(value.parse::<usize>().unwrap());
        }
    }
    let mut body = vec![0; len.expect("Content-Length")];
    out.read_exact(&mut body).unwrap();
    Some(serde_json::from_slice(&body).expect("the body is JSON"))
}

#[test]
fn stdio_session_survives_malformed_input_and_exits_cleanly() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_credlint"))
        .arg("lsp")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    fn send(stdin: &mut std::process::ChildStdin, v: Value) {
        stdin.write_all(&frame(&v)).unwrap();
    }
    send(
        &mut stdin,
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}}),
    );
    let init = read(&mut stdout).unwrap();
    assert_eq!(init["id"], 1);
    assert_eq!(init["result"]["capabilities"]["positionEncoding"], "utf-16");
    send(
        &mut stdin,
        json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}),
    );
    // A body that is not JSON.
    let garbage = b"{\"jsonrpc\": \"2.0\", \"method\": ";
    let mut bytes = format!("Content-Length: {}\r\n\r\n", garbage.len()).into_bytes();
    bytes.extend_from_slice(garbage);
    send(&mut stdin, json!(null)); // also not a JSON-RPC message
    stdin.write_all(&bytes).unwrap();
    send(
        &mut stdin,
        json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
        "uri": "file:///nowhere/a.sh", "languageId": "sh", "version": 7,
        "text": "curl -u admin:Zq8mW2xTr5vLp9sK https://example.com\n"}}}),
    );
    let mut parse_errors = 0;
    let diagnostics = loop {
        let msg = read(&mut stdout).expect("the server is still running");
        if msg["error"]["code"] == -32700 {
            assert!(msg["id"].is_null());
            parse_errors += 1;
        }
        if msg["method"] == "textDocument/publishDiagnostics" {
            break msg;
        }
    };
    assert_eq!(parse_errors, 2);
    assert_eq!(diagnostics["params"]["version"], 7);
    assert_eq!(
        diagnostics["params"]["diagnostics"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    send(
        &mut stdin,
        json!({"jsonrpc": "2.0", "id": 2, "method": "shutdown"}),
    );
    loop {
        let msg = read(&mut stdout).unwrap();
        if msg["id"] == 2 {
            assert!(msg["result"].is_null() && msg.get("error").is_none());
            break;
        }
    }
    send(&mut stdin, json!({"jsonrpc": "2.0", "method": "exit"}));
    drop(stdin);
    assert_eq!(read(&mut stdout), None, "nothing after exit");
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
}
