//! The stdio transport. Like `lsp_server::Connection::stdio`, except that a message whose body
//! is not valid JSON-RPC gets a JSON-RPC `ParseError` response (id `null`) and the server
//! carries on, instead of the reader thread ending and the server with it. Only a broken
//! header (the stream can no longer be followed) ends the session.

use std::io::{self, BufRead, Write};
use std::thread;

use crossbeam_channel::{Receiver, Sender, bounded};
use lsp_server::{Connection, Message};

/// JSON-RPC's "Parse error" code.
const PARSE_ERROR: i32 = -32700;

pub struct IoThreads {
    reader: thread::JoinHandle<io::Result<()>>,
    writer: thread::JoinHandle<io::Result<()>>,
}

impl IoThreads {
    pub fn join(self) -> io::Result<()> {
        let reader = self.reader.join().unwrap_or(Ok(()));
        let writer = self.writer.join().unwrap_or(Ok(()));
        reader.and(writer)
    }
}

/// A connection over stdin/stdout.
pub fn stdio() -> (Connection, IoThreads) {
    let (to_client, outgoing): (Sender<Message>, Receiver<Message>) = bounded(0);
    let writer = thread::Builder::new()
        .name("credlint-lsp-writer".to_owned())
        .spawn(move || {
            for msg in outgoing {
                msg.write(&mut io::stdout().lock())?;
            }
            Ok(())
        })
        .expect("spawn the writer thread");
    let (incoming, from_client) = bounded::<Message>(0);
    let reader = thread::Builder::new()
        .name("credlint-lsp-reader".to_owned())
        .spawn(move || {
            read_loop(&mut io::stdin().lock(), &incoming, &mut |framed: &str| {
                let mut out = io::stdout().lock();
                out.write_all(framed.as_bytes())?;
                out.flush()
            })
        })
        .expect("spawn the reader thread");
    let connection = Connection {
        sender: to_client,
        receiver: from_client,
    };
    (connection, IoThreads { reader, writer })
}

/// Reads messages from `input` until end of input or `exit`, forwarding them to `incoming`.
/// A malformed body is answered through `reply` (one whole framed message: a JSON-RPC error
/// with id `null`) and skipped.
pub fn read_loop(
    input: &mut impl BufRead,
    incoming: &Sender<Message>,
    reply: &mut dyn FnMut(&str) -> io::Result<()>,
) -> io::Result<()> {
    loop {
        match Message::read(input) {
            Ok(None) => return Ok(()),
            Ok(Some(msg)) => {
                let exit = matches!(&msg, Message::Notification(n) if n.method == "exit");
                if incoming.send(msg).is_err() || exit {
                    return Ok(());
                }
            }
            Err(e) if recoverable(&e) => {
                // The error text quotes the payload, which may hold a secret: not repeated.
                let body = serde_json::json!({
                    "jsonrpc": "2.0",
                    "id": null,
                    "error": {"code": PARSE_ERROR, "message": "malformed JSON-RPC message; ignored"},
                })
                .to_string();
                reply(&format!("Content-Length: {}\r\n\r\n{body}", body.len()))?;
            }
            Err(e) => return Err(e),
        }
    }
}

/// Whether the whole message was consumed, so reading can go on: the body was read but is not
/// JSON-RPC (bad JSON, not a request/response/notification, not UTF-8).
fn recoverable(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::InvalidData
        && e.get_ref().is_some_and(|inner| {
            inner.to_string().starts_with("malformed LSP payload")
                || inner.is::<std::string::FromUtf8Error>()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(body: &str) -> String {
        format!("Content-Length: {}\r\n\r\n{body}", body.len())
    }

    #[test]
    fn malformed_bodies_get_a_parse_error_and_reading_goes_on() {
        let input = [
            frame("{not json"),
            frame(r#"{"jsonrpc":"2.0","secret":"hunter2-but-longer"}"#),
            frame(r#"{"jsonrpc":"2.0","id":1,"method":"shutdown"}"#),
            frame(r#"{"jsonrpc":"2.0","method":"exit"}"#),
        ]
        .concat();
        let (tx, rx) = crossbeam_channel::unbounded();
        let mut out = String::new();
        read_loop(&mut input.as_bytes(), &tx, &mut |m: &str| {
            out.push_str(m);
            Ok(())
        })
        .unwrap();
        assert_eq!(out.matches("\"code\":-32700").count(), 2, "{out}");
        assert!(!out.contains("hunter2"), "{out}");
        let got: Vec<Message> = rx.try_iter().collect();
        assert_eq!(got.len(), 2);
        assert!(matches!(&got[0], Message::Request(r) if r.method == "shutdown"));
    }

    #[test]
    fn a_broken_header_ends_the_session() {
        let (tx, _rx) = crossbeam_channel::unbounded();
        let err = read_loop(
            &mut "Content-Length: x\r\n\r\n".as_bytes(),
            &tx,
            &mut |_| Ok(()),
        );
        assert!(err.is_err());
    }
}
