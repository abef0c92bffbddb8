//! `credlint lsp`: a language server on stdio. It publishes diagnostics for open PowerShell
//! and shell documents as they are edited, and offers the same fixes as `--fix` as code
//! actions, plus "suppress on this line" and a fix-all source action.
//!
//! Nothing but JSON-RPC is written to stdout; user-facing problems go to `window/logMessage`
//! and never quote document content.

pub mod actions;
pub mod config;
pub mod document;
pub mod lint;
pub mod position;
pub mod transport;

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context as _, Result};
use crossbeam_channel::{Sender, select};
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::{
    CodeActionKind, CodeActionOptions, CodeActionParams, CodeActionProviderCapability,
    DidChangeConfigurationParams, DidChangeTextDocumentParams, DidChangeWatchedFilesParams,
    DidChangeWatchedFilesRegistrationOptions, DidCloseTextDocumentParams,
    DidOpenTextDocumentParams, DidSaveTextDocumentParams, FileSystemWatcher, GlobPattern,
    InitializeParams, InitializeResult, LogMessageParams, MessageType, PublishDiagnosticsParams,
    Registration, RegistrationParams, SaveOptions, ServerCapabilities, ServerInfo,
    TextDocumentSyncCapability, TextDocumentSyncKind, TextDocumentSyncOptions,
    TextDocumentSyncSaveOptions, Uri,
};

use self::config::{CONFIG_FILE, ClientSettings, ConfigProvider};
use self::document::{Document, uri_to_path};
use self::lint::{Done, Job, Linted};
use self::position::PositionEncoding;

/// Runs the server on stdin/stdout until `exit`. Returns the process exit status: 0 after a
/// `shutdown` request, 1 when the client exited without one (as the protocol asks).
pub fn run_stdio() -> Result<i32> {
    // The default hook prints the panic message, which could quote a script; say where only.
    std::panic::set_hook(Box::new(|info| {
        let at = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!("credlint lsp: internal error at {at} (a bug in credlint)");
    }));
    let (connection, io_threads) = transport::stdio();
    let clean = serve(&connection)?;
    drop(connection);
    io_threads.join().context("LSP stdio")?;
    Ok(if clean { 0 } else { 1 })
}

/// Runs the server on `connection`: the handshake, then the message loop until `exit`.
/// Returns whether `shutdown` came before `exit`.
pub fn serve(connection: &Connection) -> Result<bool> {
    let (id, params) = connection.initialize_start()?;
    let params: InitializeParams = match serde_json::from_value(params) {
        Ok(p) => p,
        Err(e) => {
            let response = Response::new_err(
                id,
                ErrorCode::InvalidParams as i32,
                format!("invalid initialize params: {e}"),
            );
            connection.sender.send(response.into())?;
            anyhow::bail!("invalid initialize params");
        }
    };
    let encoding = PositionEncoding::negotiate(
        params
            .capabilities
            .general
            .as_ref()
            .and_then(|g| g.position_encodings.as_deref()),
    );
    let result = InitializeResult {
        capabilities: capabilities(encoding),
        server_info: Some(ServerInfo {
            name: "credlint".to_owned(),
            version: Some(env!("CARGO_PKG_VERSION").to_owned()),
        }),
    };
    connection.initialize_finish(id, serde_json::to_value(result)?)?;

    let (done_tx, done_rx) = crossbeam_channel::unbounded::<Done>();
    let mut server = Server {
        sender: connection.sender.clone(),
        encoding,
        docs: HashMap::new(),
        config: ConfigProvider::new(workspace_roots(&params)),
        jobs: lint::spawn_worker(done_tx),
        shutdown_requested: false,
        next_id: 0,
    };
    if let Some(options) = &params.initialization_options {
        server.client_settings(options);
    }
    let watch = params
        .capabilities
        .workspace
        .as_ref()
        .and_then(|w| w.did_change_watched_files)
        .and_then(|c| c.dynamic_registration)
        .unwrap_or(false);
    if watch {
        server.watch_config_files();
    }

    loop {
        select! {
            recv(connection.receiver) -> msg => {
                let Ok(msg) = msg else { return Ok(false) };
                match msg {
                    Message::Request(req) => server.request(req),
                    Message::Notification(n) if n.method == "exit" => {
                        return Ok(server.shutdown_requested);
                    }
                    Message::Notification(n) => server.notification(n),
                    // Answers to our requests (registerCapability) need nothing.
                    Message::Response(_) => {}
                }
            }
            recv(done_rx) -> done => {
                if let Ok(done) = done {
                    server.lint_done(done);
                }
            }
        }
    }
}

fn capabilities(encoding: PositionEncoding) -> ServerCapabilities {
    ServerCapabilities {
        position_encoding: Some(encoding.kind()),
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::INCREMENTAL),
                save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions {
                    include_text: Some(false),
                })),
                ..TextDocumentSyncOptions::default()
            },
        )),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![
                CodeActionKind::QUICKFIX,
                CodeActionKind::new(actions::FIX_ALL_KIND),
            ]),
            ..CodeActionOptions::default()
        })),
        ..ServerCapabilities::default()
    }
}

#[allow(deprecated)] // `root_uri` is what older clients (Neovim 0.7) send.
fn workspace_roots(params: &InitializeParams) -> Vec<PathBuf> {
    let mut roots: Vec<PathBuf> = params
        .workspace_folders
        .iter()
        .flatten()
        .filter_map(|f| uri_to_path(f.uri.as_str()))
        .collect();
    if roots.is_empty()
        && let Some(root) = params
            .root_uri
            .as_ref()
            .and_then(|u| uri_to_path(u.as_str()))
    {
        roots.push(root);
    }
    roots
}

struct Server {
    sender: Sender<Message>,
    encoding: PositionEncoding,
    docs: HashMap<Uri, Document>,
    config: ConfigProvider,
    jobs: Sender<Job>,
    shutdown_requested: bool,
    next_id: i32,
}

/// A request handler's failure: the JSON-RPC error code and message.
type HandlerError = (ErrorCode, String);

impl Server {
    fn send(&self, msg: impl Into<Message>) {
        // The client hung up: the loop ends when the receiver reports it.
        let _ = self.sender.send(msg.into());
    }

    fn log(&self, typ: MessageType, message: String) {
        self.send(Notification::new(
            "window/logMessage".to_owned(),
            LogMessageParams { typ, message },
        ));
    }

    fn request(&mut self, req: Request) {
        let id = req.id.clone();
        if self.shutdown_requested {
            return self.send(Response::new_err(
                id,
                ErrorCode::InvalidRequest as i32,
                "the server is shutting down".to_owned(),
            ));
        }
        let handled = std::panic::catch_unwind(AssertUnwindSafe(|| self.dispatch(req)));
        let response = match handled {
            Ok(Ok(value)) => Response::new_ok(id, value),
            Ok(Err((code, message))) => Response::new_err(id, code as i32, message),
            Err(_) => {
                self.log(
                    MessageType::ERROR,
                    "internal error while answering a request (a bug in credlint)".to_owned(),
                );
                Response::new_err(
                    id,
                    ErrorCode::InternalError as i32,
                    "internal error".to_owned(),
                )
            }
        };
        self.send(response);
    }

    fn dispatch(&mut self, req: Request) -> Result<serde_json::Value, HandlerError> {
        match req.method.as_str() {
            "shutdown" => {
                self.shutdown_requested = true;
                Ok(serde_json::Value::Null)
            }
            "textDocument/codeAction" => {
                let params: CodeActionParams = params(req.params)?;
                let actions = self.code_actions(params);
                serde_json::to_value(actions).map_err(|e| (ErrorCode::InternalError, e.to_string()))
            }
            other => Err((
                ErrorCode::MethodNotFound,
                format!("unknown request `{other}`"),
            )),
        }
    }

    fn notification(&mut self, n: Notification) {
        let method = n.method.clone();
        let handled = std::panic::catch_unwind(AssertUnwindSafe(|| self.notify(n)));
        match handled {
            Ok(Ok(())) => {}
            Ok(Err((_, message))) => self.log(MessageType::WARNING, message),
            Err(_) => self.log(
                MessageType::ERROR,
                format!("internal error while handling `{method}` (a bug in credlint)"),
            ),
        }
    }

    fn notify(&mut self, n: Notification) -> Result<(), HandlerError> {
        match n.method.as_str() {
            "textDocument/didOpen" => {
                let p: DidOpenTextDocumentParams = params(n.params)?;
                let d = p.text_document;
                let doc = Document::new(d.uri.clone(), &d.language_id, d.version, d.text);
                self.docs.insert(d.uri.clone(), doc);
                self.schedule(&d.uri);
            }
            "textDocument/didChange" => {
                let p: DidChangeTextDocumentParams = params(n.params)?;
                let uri = p.text_document.uri;
                let Some(doc) = self.docs.get_mut(&uri) else {
                    return Err((
                        ErrorCode::InvalidParams,
                        format!(
                            "didChange for a document that is not open: {}",
                            uri.as_str()
                        ),
                    ));
                };
                for change in p.content_changes {
                    doc.apply_change(change, self.encoding);
                }
                doc.version = p.text_document.version;
                self.schedule(&uri);
            }
            "textDocument/didSave" => {
                let p: DidSaveTextDocumentParams = params(n.params)?;
                if let Some(doc) = self.docs.get_mut(&p.text_document.uri) {
                    if let Some(text) = p.text {
                        doc.apply_change(
                            lsp_types::TextDocumentContentChangeEvent {
                                range: None,
                                range_length: None,
                                text,
                            },
                            self.encoding,
                        );
                    }
                    self.schedule(&p.text_document.uri);
                }
            }
            "textDocument/didClose" => {
                let p: DidCloseTextDocumentParams = params(n.params)?;
                if self.docs.remove(&p.text_document.uri).is_some() {
                    self.publish(p.text_document.uri, Vec::new(), None);
                }
            }
            "workspace/didChangeConfiguration" => {
                let p: DidChangeConfigurationParams = params(n.params)?;
                self.client_settings(&p.settings);
                self.relint_all();
            }
            "workspace/didChangeWatchedFiles" => {
                let p: DidChangeWatchedFilesParams = params(n.params)?;
                let config_changed = p.changes.iter().any(|c| {
                    uri_to_path(c.uri.as_str())
                        .is_some_and(|p| p.file_name().is_some_and(|n| n == CONFIG_FILE))
                });
                if config_changed {
                    self.config.invalidate();
                    self.relint_all();
                }
            }
            "workspace/didChangeWorkspaceFolders" => {
                let p: lsp_types::DidChangeWorkspaceFoldersParams = params(n.params)?;
                let mut roots: Vec<PathBuf> = Vec::new();
                let removed: Vec<PathBuf> = p
                    .event
                    .removed
                    .iter()
                    .filter_map(|f| uri_to_path(f.uri.as_str()))
                    .collect();
                roots.extend(
                    p.event
                        .added
                        .iter()
                        .filter_map(|f| uri_to_path(f.uri.as_str())),
                );
                roots.retain(|r| !removed.contains(r));
                self.config.set_roots(roots);
                self.relint_all();
            }
            // `initialized`, `$/cancelRequest`, `$/setTrace` and anything unknown: nothing to do.
            _ => {}
        }
        Ok(())
    }

    fn client_settings(&mut self, value: &serde_json::Value) {
        match ClientSettings::from_json(value) {
            Ok(s) => self.config.set_client_settings(s),
            Err(e) => self.log(MessageType::WARNING, e),
        }
    }

    fn watch_config_files(&mut self) {
        let options = DidChangeWatchedFilesRegistrationOptions {
            watchers: vec![FileSystemWatcher {
                glob_pattern: GlobPattern::String(format!("**/{CONFIG_FILE}")),
                kind: None,
            }],
        };
        let registration = RegistrationParams {
            registrations: vec![Registration {
                id: "credlint-config-watch".to_owned(),
                method: "workspace/didChangeWatchedFiles".to_owned(),
                register_options: serde_json::to_value(options).ok(),
            }],
        };
        self.next_id += 1;
        self.send(Request::new(
            RequestId::from(format!("credlint-{}", self.next_id)),
            "client/registerCapability".to_owned(),
            registration,
        ));
    }

    fn relint_all(&mut self) {
        let uris: Vec<Uri> = self.docs.keys().cloned().collect();
        for uri in uris {
            self.schedule(&uri);
        }
    }

    fn job(&mut self, uri: &Uri) -> Option<Job> {
        let doc = self.docs.get(uri)?;
        let language = doc.language?;
        let path = doc.path.clone();
        let (project, error) = self.config.settings_for(path.as_deref());
        if let Some(error) = error {
            self.log(MessageType::WARNING, error);
        }
        let doc = self.docs.get_mut(uri)?;
        doc.generation += 1;
        doc.linted = None;
        Some(Job {
            uri: uri.clone(),
            generation: doc.generation,
            version: doc.version,
            language,
            path,
            text: doc.text.clone(),
            tree: doc.tree.clone(),
            project,
        })
    }

    /// Lints a document on the worker.
    fn schedule(&mut self, uri: &Uri) {
        if let Some(job) = self.job(uri) {
            let _ = self.jobs.send(job);
        }
    }

    /// A lint finished: publish it if it is still the latest for its document.
    fn lint_done(&mut self, done: Done) {
        let Some(doc) = self.docs.get_mut(&done.uri) else {
            return;
        };
        if doc.generation != done.generation {
            return; // stale: a newer text or configuration is being linted
        }
        match done.outcome {
            Ok((linted, tree)) => {
                if tree.is_some() {
                    doc.tree = tree;
                }
                let diagnostics = actions::diagnostics(&linted, &done.uri, self.encoding);
                let version = linted.version;
                doc.linted = Some(linted);
                self.publish(done.uri, diagnostics, Some(version));
            }
            Err(message) => {
                let version = doc.version;
                self.log(MessageType::ERROR, message);
                self.publish(done.uri, Vec::new(), Some(version));
            }
        }
    }

    fn publish(&self, uri: Uri, diagnostics: Vec<lsp_types::Diagnostic>, version: Option<i32>) {
        self.send(Notification::new(
            "textDocument/publishDiagnostics".to_owned(),
            PublishDiagnosticsParams {
                uri,
                diagnostics,
                version,
            },
        ));
    }

    /// The lint result for the document's current text: the published one, or a fresh lint
    /// when the worker has not finished yet.
    fn current(&mut self, uri: &Uri) -> Option<Arc<Linted>> {
        if let Some(linted) = &self.docs.get(uri)?.linted {
            return Some(linted.clone());
        }
        let job = self.job(uri)?;
        self.lint_done(lint::run(job));
        self.docs.get(uri)?.linted.clone()
    }

    fn code_actions(&mut self, p: CodeActionParams) -> Vec<lsp_types::CodeActionOrCommand> {
        let uri = p.text_document.uri;
        let Some(linted) = self.current(&uri) else {
            return Vec::new();
        };
        actions::code_actions(
            &linted,
            &uri,
            p.range,
            &p.context.diagnostics,
            p.context.only.as_deref(),
            self.encoding,
        )
    }
}

fn params<P: serde::de::DeserializeOwned>(value: serde_json::Value) -> Result<P, HandlerError> {
    serde_json::from_value(value)
        .map_err(|e| (ErrorCode::InvalidParams, format!("invalid params: {e}")))
}
