//! Decoding a file's bytes into text the engine can read, and encoding fixed text back.
//!
//! Everything downstream sees UTF-8 text; spans are byte ranges into it. The original encoding,
//! BOM and line-ending style are remembered so a fix can be written back byte-exact.

use std::path::PathBuf;

use crate::model::Language;

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum Encoding {
    Utf8,
    Utf8Bom,
    Utf16Le,
    Utf16Be,
}

impl Encoding {
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Utf8Bom => "UTF-8 with BOM",
            Encoding::Utf16Le => "UTF-16LE",
            Encoding::Utf16Be => "UTF-16BE",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum LineEnding {
    Lf,
    CrLf,
}

impl LineEnding {
    pub fn as_str(self) -> &'static str {
        match self {
            LineEnding::Lf => "\n",
            LineEnding::CrLf => "\r\n",
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DecodeError {
    #[error("binary file (NUL byte at offset {0}), skipped")]
    Binary(usize),
    #[error("invalid UTF-8 at byte offset {0}")]
    InvalidUtf8(usize),
    #[error("invalid UTF-16 ({0}): unpaired surrogate")]
    InvalidUtf16(&'static str),
    #[error("UTF-16 file with an odd number of bytes")]
    OddUtf16,
}

/// A decoded script.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// Path as given or found by the walk (`-` or `--stdin-filename` for stdin).
    pub path: PathBuf,
    pub language: Language,
    pub text: String,
    pub encoding: Encoding,
    pub line_ending: LineEnding,
    /// Byte offset of the start of each line in `text`.
    line_starts: Vec<usize>,
}

impl SourceFile {
    /// Decodes `bytes`. UTF-16 needs a BOM; UTF-8 may have one. NUL bytes outside UTF-16 mean
    /// a binary file.
    pub fn decode(
        path: impl Into<PathBuf>,
        language: Language,
        bytes: &[u8],
    ) -> Result<Self, DecodeError> {
        let (encoding, text) = decode_bytes(bytes)?;
        Ok(Self::from_text(path, language, text, encoding))
    }

    /// Builds a source from text already decoded (LSP buffers, tests).
    pub fn from_text(
        path: impl Into<PathBuf>,
        language: Language,
        text: String,
        encoding: Encoding,
    ) -> Self {
        let line_ending = detect_line_ending(&text);
        let line_starts = line_starts(&text);
        SourceFile {
            path: path.into(),
            language,
            text,
            encoding,
            line_ending,
            line_starts,
        }
    }

    /// 0-based line index of byte `offset`.
    pub fn line_index(&self, offset: usize) -> usize {
        match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        }
    }

    pub fn line_start(&self, line: usize) -> usize {
        self.line_starts[line]
    }

    pub fn line_starts(&self) -> &[usize] {
        &self.line_starts
    }

    /// 1-based line and 1-based column (in Unicode scalar values) of byte `offset`.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_index(offset);
        let start = self.line_starts[line];
        let col = self.text[start..offset].chars().count() + 1;
        (line + 1, col)
    }

    /// 1-based line and 1-based column counted in UTF-16 code units (SARIF's default).
    pub fn line_col_utf16(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_index(offset);
        let start = self.line_starts[line];
        let col = self.text[start..offset].encode_utf16().count() + 1;
        (line + 1, col)
    }

    /// The text of the (0-based) line holding `offset`, without its line ending.
    pub fn line_text(&self, line: usize) -> &str {
        let start = self.line_starts[line];
        let end = self
            .line_starts
            .get(line + 1)
            .copied()
            .unwrap_or(self.text.len());
        self.text[start..end].trim_end_matches(['\n', '\r'])
    }

    /// Encodes `text` back into this file's encoding (BOM included).
    pub fn encode(&self, text: &str) -> Vec<u8> {
        encode_text(text, self.encoding)
    }
}

pub fn encode_text(text: &str, encoding: Encoding) -> Vec<u8> {
    match encoding {
        Encoding::Utf8 => text.as_bytes().to_vec(),
        Encoding::Utf8Bom => {
            let mut out = vec![0xEF, 0xBB, 0xBF];
            out.extend_from_slice(text.as_bytes());
            out
        }
        Encoding::Utf16Le => {
            let mut out = vec![0xFF, 0xFE];
            for u in text.encode_utf16() {
                out.extend_from_slice(&u.to_le_bytes());
            }
            out
        }
        Encoding::Utf16Be => {
            let mut out = vec![0xFE, 0xFF];
            for u in text.encode_utf16() {
                out.extend_from_slice(&u.to_be_bytes());
            }
            out
        }
    }
}

pub fn decode_bytes(bytes: &[u8]) -> Result<(Encoding, String), DecodeError> {
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return decode_utf16(rest, u16::from_le_bytes).map(|t| (Encoding::Utf16Le, t));
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return decode_utf16(rest, u16::from_be_bytes).map(|t| (Encoding::Utf16Be, t));
    }
    let (encoding, body) = match bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        Some(rest) => (Encoding::Utf8Bom, rest),
        None => (Encoding::Utf8, bytes),
    };
    if let Some(pos) = memchr_nul(body) {
        return Err(DecodeError::Binary(pos));
    }
    match std::str::from_utf8(body) {
        Ok(s) => Ok((encoding, s.to_owned())),
        Err(e) => Err(DecodeError::InvalidUtf8(e.valid_up_to())),
    }
}

fn memchr_nul(bytes: &[u8]) -> Option<usize> {
    memchr::memchr(0, bytes)
}

fn decode_utf16(bytes: &[u8], read: fn([u8; 2]) -> u16) -> Result<String, DecodeError> {
    if !bytes.len().is_multiple_of(2) {
        return Err(DecodeError::OddUtf16);
    }
    let units = bytes.chunks_exact(2).map(|c| read([c[0], c[1]]));
    let text: Result<String, _> = char::decode_utf16(units).collect();
    let text = text.map_err(|_| DecodeError::InvalidUtf16("lone surrogate"))?;
    if text.contains('\0') {
        return Err(DecodeError::Binary(text.find('\0').unwrap_or(0)));
    }
    Ok(text)
}

fn detect_line_ending(text: &str) -> LineEnding {
    match text.find('\n') {
        Some(i) if i > 0 && text.as_bytes()[i - 1] == b'\r' => LineEnding::CrLf,
        _ => LineEnding::Lf,
    }
}

fn line_starts(text: &str) -> Vec<usize> {
    let mut starts = vec![0];
    starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
    starts
}

/// Which language a path is, by extension; `None` when the extension says nothing.
pub fn language_from_extension(path: &std::path::Path) -> Option<Language> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    match ext.as_str() {
        "ps1" | "psm1" | "psd1" => Some(Language::PowerShell),
        "sh" | "bash" | "zsh" | "ksh" | "dash" => Some(Language::Shell),
        _ => None,
    }
}

/// Which language a script's first line declares: `#!/bin/bash`, `#!/usr/bin/env -S pwsh -NoProfile`.
pub fn language_from_shebang(head: &[u8]) -> Option<Language> {
    let head = head.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(head);
    let line = head.strip_prefix(b"#!")?;
    let end = line.iter().position(|&b| b == b'\n').unwrap_or(line.len());
    let line = std::str::from_utf8(&line[..end]).ok()?.trim();
    let mut words = line.split_whitespace();
    let mut interpreter = basename(words.next()?);
    if interpreter == "env" {
        interpreter = words.find(|w| !w.starts_with('-') && !w.contains('='))?;
        interpreter = basename(interpreter);
    }
    match interpreter {
        "sh" | "bash" | "dash" | "zsh" | "ksh" | "mksh" | "ash" => Some(Language::Shell),
        "pwsh" | "powershell" | "pwsh-preview" | "powershell.exe" | "pwsh.exe" => {
            Some(Language::PowerShell)
        }
        _ => None,
    }
}

fn basename(s: &str) -> &str {
    s.rsplit(['/', '\\']).next().unwrap_or(s)
}

/// Language for a path by extension, then by shebang.
pub fn detect_language(path: &std::path::Path, head: &[u8]) -> Option<Language> {
    language_from_extension(path).or_else(|| language_from_shebang(head))
}

pub type SourcePath = PathBuf;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_utf8_with_bom_and_keeps_encoding() {
        let (enc, text) = decode_bytes(b"\xEF\xBB\xBFecho hi\r\n").unwrap();
        assert_eq!(enc, Encoding::Utf8Bom);
        assert_eq!(text, "echo hi\r\n");
        assert_eq!(encode_text(&text, enc), b"\xEF\xBB\xBFecho hi\r\n");
    }

    #[test]
    fn decodes_utf16_le_and_be_round_trip() {
        for enc in [Encoding::Utf16Le, Encoding::Utf16Be] {
            let bytes = encode_text("$x = 'é€𝄞'\r\n", enc);
            let (got, text) = decode_bytes(&bytes).unwrap();
            assert_eq!(got, enc);
            assert_eq!(text, "$x = 'é€𝄞'\r\n");
            assert_eq!(encode_text(&text, enc), bytes);
        }
    }

    #[test]
    fn binary_and_invalid_inputs_are_errors() {
        assert_eq!(decode_bytes(b"ab\0cd"), Err(DecodeError::Binary(2)));
        assert_eq!(decode_bytes(b"ab\xFFcd"), Err(DecodeError::InvalidUtf8(2)));
        assert_eq!(decode_bytes(b"\xFF\xFEa"), Err(DecodeError::OddUtf16));
        assert!(matches!(
            decode_bytes(b"\xFF\xFE\x00\xD8a\x00"),
            Err(DecodeError::InvalidUtf16(_))
        ));
    }

    #[test]
    fn line_columns_and_endings() {
        let f = SourceFile::from_text("x", Language::Shell, "ab\r\né x\n".into(), Encoding::Utf8);
        assert_eq!(f.line_ending, LineEnding::CrLf);
        assert_eq!(f.line_col(0), (1, 1));
        assert_eq!(f.line_col(4), (2, 1));
        assert_eq!(f.line_col(7), (2, 3));
        assert_eq!(f.line_text(0), "ab");
        assert_eq!(f.line_text(1), "é x");
    }

    #[test]
    fn shebangs_select_languages() {
        assert_eq!(
            language_from_shebang(b"#!/bin/bash\n"),
            Some(Language::Shell)
        );
        assert_eq!(
            language_from_shebang(b"#!/usr/bin/env -S pwsh -NoProfile\n"),
            Some(Language::PowerShell)
        );
        assert_eq!(
            language_from_shebang(b"#!/usr/bin/env zsh"),
            Some(Language::Shell)
        );
        assert_eq!(language_from_shebang(b"#!/usr/bin/python3\n"), None);
        assert_eq!(language_from_shebang(b"echo hi"), None);
    }
}
