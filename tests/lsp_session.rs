//! An in-process LSP session: the server on one end of `Connection::memory()`, this test as the
//! client on the other.

use std::time::Duration;

use credlint::lsp::position::{LineIndex, PositionEncoding};
use lsp_server::{Connection, Message, Notification, Request, RequestId, Response};
use serde_json::{Value, json};

const TOKEN: &str = "pypi-AgEIcHlwaS5vcmcCJDYPtYgjmUhBel31iEl2hpChYgCfrL1spNxnyVmihA_2O76UMFxFkM_R5Kjp1vRt-1fjORS_6ilI8ihN5KXSc7Tvo_hBKqFYY_kv5ZJr3J1TWDtkwtDDb-xHKas1VOqg6YYZYn9ZhyiA4uoRgnatmUdjA";

struct Client {
    conn: Connection,
    server: Option<std::thread::JoinHandle<bool>>,
    next: i32,
    /// Notifications received while waiting for something else.
    seen: Vec<Notification>,
}

impl Client {
    fn start(capabilities: Value) -> (Client, Value) {
        let (server_end, client_end) = Connection::memory();
        let server = std::thread::spawn(move || credlint::lsp::serve(&server_end).unwrap());
        let mut client = Client {
            conn: client_end,
            server: Some(server),
            next: 0,
            seen: Vec::new(),
        };
        let init = client.request(
            "initialize",
            json!({"processId": null, "rootUri": null, "capabilities": capabilities}),
        );
        let result = init.response_result.expect("initialize succeeds");
        client.notify("initialized", json!({}));
        (client, result)
    }

    fn notify(&self, method: &str, params: Value) {
        self.conn
            .sender
            .send(Notification::new(method.to_owned(), params).into())
            .unwrap();
    }

    fn request(&mut self, method: &str, params: Value) -> Response {
        self.next += 1;
        let id = RequestId::from(self.next);
        self.conn
            .sender
            .send(Request::new(id.clone(), method.to_owned(), params).into())
            .unwrap();
        loop {
            match self.recv() {
                Message::Response(r) if r.id == id => return r,
                Message::Notification(n) => self.seen.push(n),
                _ => {}
            }
        }
    }

    fn recv(&self) -> Message {
        self.conn
            .receiver
            .recv_timeout(Duration::from_secs(20))
            .expect("server answers within 20 s")
    }

    /// The next publishDiagnostics for `uri` with `version` (earlier ones are skipped).
    fn diagnostics(&mut self, uri: &str, version: i64) -> Vec<Value> {
        let matches = |n: &Notification| {
            n.method == "textDocument/publishDiagnostics"
                && n.params["uri"] == uri
                && n.params["version"] == version
        };
        if let Some(i) = self.seen.iter().position(matches) {
            let n = self.seen.remove(i);
            return n.params["diagnostics"].as_array().unwrap().clone();
        }
        loop {
            if let Message::Notification(n) = self.recv() {
                if matches(&n) {
                    return n.params["diagnostics"].as_array().unwrap().clone();
                }
                self.seen.push(n);
            }
        }
    }

    fn shutdown(mut self) -> bool {
        let r = self.request("shutdown", Value::Null);
        assert!(r.response_result.is_ok());
        self.notify("exit", Value::Null);
        self.server.take().unwrap().join().unwrap()
    }
}

/// Applies LSP text edits (non-overlapping, relative to `text`) like a client would.
fn apply(text: &str, edits: &[Value], enc: PositionEncoding) -> String {
    let lines = LineIndex::new(text);
    let pos = |v: &Value| {
        lsp_types::Position::new(
            v["line"].as_u64().unwrap() as u32,
            v["character"].as_u64().unwrap() as u32,
        )
    };
    let mut spans: Vec<(usize, usize, String)> = edits
        .iter()
        .map(|e| {
            (
                lines.offset(text, pos(&e["range"]["start"]), enc),
                lines.offset(text, pos(&e["range"]["end"]), enc),
                e["newText"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    spans.sort_by_key(|s| std::cmp::Reverse(s.0));
    let mut out = text.to_owned();
    for (s, e, t) in spans {
        out.replace_range(s..e, &t);
    }
    out
}

fn open(client: &Client, uri: &str, language_id: &str, text: &str) {
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": language_id, "version": 1, "text": text}}),
    );
}

#[test]
fn session_open_change_diagnose_fix_and_close() {
    let (mut client, init) =
        Client::start(json!({"general": {"positionEncodings": ["utf-16", "utf-8"]}}));
    assert_eq!(init["capabilities"]["positionEncoding"], "utf-8");
    assert_eq!(
        init["capabilities"]["textDocumentSync"]["change"], 2,
        "incremental"
    );
    let enc = PositionEncoding::Utf8;

    let uri = "file:///nonexistent-ws/publish.sh";
    let mut text = "#!/usr/bin/env bash\n# é\necho \"Uploading\"\n".to_owned();
    open(&client, uri, "shellscript", &text);
    assert_eq!(client.diagnostics(uri, 1), Vec::<Value>::new());

    // A PowerShell buffer is accepted too (its findings depend on the PowerShell lowering).
    let ps_uri = "file:///nonexistent-ws/Publish.ps1";
    open(&client, ps_uri, "powershell", "Write-Host 'hi'\n");
    let _ = client.diagnostics(ps_uri, 1);

    // Type the secret in with an incremental change after line 1 (`# é`).
    let line = format!("python3 -m twine upload dist/* --username __token__ --password {TOKEN}\n");
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [
            {"range": {"start": {"line": 2, "character": 0}, "end": {"line": 2, "character": 0}}, "text": line}
        ]}),
    );
    text.insert_str(text.find("echo").unwrap(), &line);
    let diags = client.diagnostics(uri, 2);
    assert_eq!(diags.len(), 1, "{diags:#?}");
    let d = &diags[0];
    assert_eq!(d["code"], "CL001");
    assert_eq!(d["source"], "credlint");
    assert_eq!(d["severity"], 1);
    assert_eq!(
        d["codeDescription"]["href"],
        "https://github.com/credlint/credlint/blob/main/docs/rules/secret-in-argument.md"
    );
    let col = line.find("pypi-").unwrap() as u64;
    assert_eq!(d["range"]["start"], json!({"line": 2, "character": col}));
    assert_eq!(
        d["range"]["end"],
        json!({"line": 2, "character": col + TOKEN.len() as u64})
    );
    let all = serde_json::to_string(&diags).unwrap();
    assert!(
        !all.contains(&TOKEN[9..]),
        "a diagnostic leaks the secret: {all}"
    );

    // Code actions for the diagnostic: quick fix, suppression, fix-all.
    let r = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": d["range"], "context": {"diagnostics": [d]}}),
    );
    let actions = r.response_result.unwrap();
    let actions = actions.as_array().unwrap();
    assert!(
        !serde_json::to_string(actions)
            .unwrap()
            .contains(&TOKEN[9..])
    );
    let kinds: Vec<&str> = actions
        .iter()
        .map(|a| a["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["quickfix", "quickfix", "source.fixAll.credlint"],
        "{actions:#?}"
    );
    let quick = &actions[0];
    assert_eq!(quick["isPreferred"], true);
    let suppress = &actions[1];
    assert_eq!(suppress["title"], "Suppress CL001 on this line");
    let suppressed = apply(
        &text,
        suppress["edit"]["changes"][uri].as_array().unwrap(),
        enc,
    );
    assert!(suppressed.contains(&format!("{TOKEN} # credlint: ignore[CL001]\necho")));

    // Apply the quick fix, as the client would, and send the edits back as changes.
    let edits = quick["edit"]["changes"][uri].as_array().unwrap().clone();
    let fixed = apply(&text, &edits, enc);
    assert_eq!(
        fixed,
        "#!/usr/bin/env bash\n# é\nif [ -z \"${PYPI_TOKEN:-}\" ]; then\n\techo \"ERROR: PYPI_TOKEN environment variable not set\" >&2\n\texit 1\nfi\n\npython3 -m twine upload dist/* --username __token__ --password \"$PYPI_TOKEN\"\necho \"Uploading\"\n"
    );
    let mut sorted = edits.clone();
    sorted.sort_by_key(|e| {
        std::cmp::Reverse((
            e["range"]["start"]["line"].as_u64(),
            e["range"]["start"]["character"].as_u64(),
        ))
    });
    let changes: Vec<Value> = sorted
        .iter()
        .map(|e| json!({"range": e["range"], "text": e["newText"]}))
        .collect();
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 3}, "contentChanges": changes}),
    );
    assert_eq!(
        client.diagnostics(uri, 3),
        Vec::<Value>::new(),
        "fixed: no diagnostics"
    );
    let r = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": d["range"], "context": {"diagnostics": []}}),
    );
    assert_eq!(r.response_result.unwrap(), json!([]));

    // Errors, not crashes.
    let r = client.request("textDocument/hover", json!({}));
    assert_eq!(
        r.response_result.unwrap_err().code,
        lsp_server::ErrorCode::MethodNotFound as i32
    );
    let r = client.request("textDocument/codeAction", json!({"textDocument": 42}));
    assert_eq!(
        r.response_result.unwrap_err().code,
        lsp_server::ErrorCode::InvalidParams as i32
    );
    client.notify("textDocument/didChange", json!({"nonsense": true}));

    client.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": uri}}),
    );
    let closed = loop {
        if let Some(i) = client.seen.iter().position(|n| {
            n.method == "textDocument/publishDiagnostics"
                && n.params["uri"] == uri
                && n.params["version"].is_null()
        }) {
            break client.seen.remove(i);
        }
        if let Message::Notification(n) = client.recv() {
            client.seen.push(n);
        }
    };
    assert_eq!(closed.params["diagnostics"], json!([]));
    assert!(client.shutdown(), "shutdown before exit");
}

#[test]
fn utf16_is_the_default_and_stale_results_are_never_published_last() {
    let (mut client, init) = Client::start(json!({}));
    assert_eq!(init["capabilities"]["positionEncoding"], "utf-16");
    let uri = "file:///nonexistent-ws/x.sh";
    open(&client, uri, "sh", "");
    client.diagnostics(uri, 1);
    // Many quick edits; the last published diagnostics must be for the last version, and
    // versions never go backwards.
    let line = format!(
        "# 𝄞\ncurl -u admin:{} https://example.com\n",
        "Zq8mW2xTr5vLp9sK"
    );
    for v in 2..=30 {
        let text = if v % 2 == 0 {
            line.clone()
        } else {
            String::new()
        };
        client.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": v}, "contentChanges": [{"text": text}]}),
        );
    }
    let last = client.diagnostics(uri, 30);
    let versions: Vec<i64> = client
        .seen
        .iter()
        .filter(|n| n.method == "textDocument/publishDiagnostics")
        .map(|n| n.params["version"].as_i64().unwrap())
        .collect();
    assert!(versions.windows(2).all(|w| w[0] < w[1]), "{versions:?}");
    assert!(versions.iter().all(|&v| v < 30));
    assert_eq!(last.len(), 1, "{last:#?}");
    for d in &last {
        // UTF-16: the surrogate pair on line 0 does not shift line 1.
        assert_eq!(d["range"]["start"]["line"], 1);
    }
    assert!(client.shutdown());
}

/// Applies a code action's edits to `text` and sends them as one full-text change.
fn apply_action(client: &Client, uri: &str, text: &str, action: &Value, version: i64) -> String {
    let edits = action["edit"]["changes"][uri].as_array().unwrap();
    let new = apply(text, edits, PositionEncoding::Utf16);
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": new}]}),
    );
    new
}

fn actions(client: &mut Client, uri: &str, diagnostics: &[Value]) -> Vec<Value> {
    let range = diagnostics.first().map(|d| d["range"].clone()).unwrap_or(
        json!({"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}),
    );
    let r = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": range, "context": {"diagnostics": diagnostics}}),
    );
    r.response_result.unwrap().as_array().unwrap().clone()
}

#[test]
fn suppress_action_silences_the_finding() {
    let (mut client, _) = Client::start(json!({}));
    let uri = "file:///nonexistent-ws/s.sh";
    let text = format!("twine upload dist/* -u __token__ -p {TOKEN}\necho ok\n");
    open(&client, uri, "sh", &text);
    let diags = client.diagnostics(uri, 1);
    assert_eq!(diags.len(), 1, "{diags:#?}");
    let acts = actions(&mut client, uri, &diags);
    let suppress = acts
        .iter()
        .find(|a| a["title"] == "Suppress CL001 on this line")
        .expect("a suppress action");
    let new = apply_action(&client, uri, &text, suppress, 2);
    assert!(new.starts_with("twine upload") && new.contains(" # credlint: ignore[CL001]\necho ok"));
    assert_eq!(client.diagnostics(uri, 2), Vec::<Value>::new());

    // No suppression is offered on a line continued with `\`: a comment would end the command.
    let uri2 = "file:///nonexistent-ws/cont.sh";
    let text = format!("twine upload dist/* -u __token__ -p {TOKEN} \\\n  --verbose\n");
    open(&client, uri2, "sh", &text);
    let diags = client.diagnostics(uri2, 1);
    assert_eq!(diags.len(), 1, "{diags:#?}");
    let acts = actions(&mut client, uri2, &diags);
    assert!(
        acts.iter()
            .all(|a| a["title"] != "Suppress CL001 on this line"),
        "{acts:#?}"
    );
    assert!(client.shutdown());
}

#[test]
fn powershell_document_is_linted_and_fix_all_clears_it() {
    let (mut client, _) = Client::start(json!({}));
    let uri = "file:///nonexistent-ws/Publish_to_PyPI.ps1";
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/seed/Publish_to_PyPI.ps1"),
    )
    .unwrap();
    open(&client, uri, "powershell", &text);
    let diags = client.diagnostics(uri, 1);
    assert!(!diags.is_empty(), "the founding case is found");
    assert!(diags.iter().all(|d| d["source"] == "credlint"));
    let acts = actions(&mut client, uri, &diags);
    let fix_all = acts
        .iter()
        .find(|a| a["kind"] == "source.fixAll.credlint")
        .expect("fix all");
    let new = apply_action(&client, uri, &text, fix_all, 2);
    let expected = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/seed/Publish_to_PyPI.fixed.ps1"),
    )
    .unwrap();
    assert_eq!(
        new, expected,
        "fix-all in the editor equals `credlint check --fix`"
    );
    assert_eq!(client.diagnostics(uri, 2), Vec::<Value>::new());
    assert!(client.shutdown());
}

#[test]
fn credlint_toml_is_discovered_and_reloaded_when_it_changes() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let ws_uri = credlint::lsp::document::path_to_uri(&root);
    let (server_end, client_end) = Connection::memory();
    let server = std::thread::spawn(move || credlint::lsp::serve(&server_end).unwrap());
    let mut client = Client {
        conn: client_end,
        server: Some(server),
        next: 0,
        seen: Vec::new(),
    };
    let r = client.request(
        "initialize",
        json!({"capabilities": {"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}}},
               "workspaceFolders": [{"uri": ws_uri, "name": "ws"}]}),
    );
    assert!(r.response_result.is_ok());
    client.notify("initialized", json!({}));
    // The server asks to watch credlint.toml.
    let registration = loop {
        if let Message::Request(req) = client.recv() {
            break req;
        }
    };
    assert_eq!(registration.method, "client/registerCapability");
    assert_eq!(
        registration.params["registrations"][0]["registerOptions"]["watchers"][0]["globPattern"],
        "**/credlint.toml"
    );
    client
        .conn
        .sender
        .send(Response::new_ok(registration.id, Value::Null).into())
        .unwrap();

    let config = root.join("credlint.toml");
    // known-token (CL012) would report the token when secret-in-argument does not.
    std::fs::write(&config, "ignore = [\"CL001\", \"known-token\"]\n").unwrap();
    let script = root.join("sub").join("p.sh");
    let uri = credlint::lsp::document::path_to_uri(&script);
    open(
        &client,
        &uri,
        "sh",
        &format!("twine upload dist/* -u __token__ -p {TOKEN}\n"),
    );
    assert_eq!(
        client.diagnostics(&uri, 1),
        Vec::<Value>::new(),
        "CL001 ignored by credlint.toml"
    );

    std::fs::write(&config, "min-confidence = 0.5\n").unwrap();
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": credlint::lsp::document::path_to_uri(&config), "type": 2}]}),
    );
    assert_eq!(client.diagnostics(&uri, 1).len(), 1, "reloaded");

    // Editor settings apply on top.
    client.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"credlint": {"ignore": ["secret-in-argument", "CL012"]}}}),
    );
    assert_eq!(client.diagnostics(&uri, 1), Vec::<Value>::new());

    // A broken file: a log message, the defaults, no crash.
    std::fs::write(&config, "no-such-key = 1\n").unwrap();
    client.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": null}),
    );
    assert_eq!(client.diagnostics(&uri, 1).len(), 1);
    let logged = client.seen.iter().any(|n| {
        n.method == "window/logMessage"
            && n.params["message"]
                .as_str()
                .unwrap()
                .contains("no-such-key")
    });
    assert!(logged, "{:#?}", client.seen);
    assert!(client.shutdown());
}
