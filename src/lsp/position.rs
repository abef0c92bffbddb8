//! Positions: LSP `Position`s (line and character in the negotiated encoding) to byte offsets
//! into the UTF-8 text the engine sees, and back.

use lsp_types::{Position, PositionEncodingKind, Range};

/// The unit an LSP `character` counts, negotiated in `initialize`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PositionEncoding {
    Utf8,
    /// The protocol's default, and the only one every client supports.
    Utf16,
    Utf32,
}

impl PositionEncoding {
    /// UTF-8 when the client offers it (no conversion needed), else UTF-16, which every client
    /// must support.
    pub fn negotiate(offered: Option<&[PositionEncodingKind]>) -> PositionEncoding {
        match offered {
            Some(kinds) if kinds.contains(&PositionEncodingKind::UTF8) => PositionEncoding::Utf8,
            _ => PositionEncoding::Utf16,
        }
    }

    pub fn kind(self) -> PositionEncodingKind {
        match self {
            PositionEncoding::Utf8 => PositionEncodingKind::UTF8,
            PositionEncoding::Utf16 => PositionEncodingKind::UTF16,
            PositionEncoding::Utf32 => PositionEncodingKind::UTF32,
        }
    }

    fn units(self, c: char) -> usize {
        match self {
            PositionEncoding::Utf8 => c.len_utf8(),
            PositionEncoding::Utf16 => c.len_utf16(),
            PositionEncoding::Utf32 => 1,
        }
    }
}

/// Byte offsets of the line starts of one text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(
            text.bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| i + 1),
        );
        LineIndex { starts }
    }

    /// The byte offset of `pos` in `text`. A line past the end means the end of the text; a
    /// character past the end of its line means the end of the line (before its line ending),
    /// as the protocol says; a position inside a character means its start.
    pub fn offset(&self, text: &str, pos: Position, enc: PositionEncoding) -> usize {
        let line = pos.line as usize;
        let Some(&start) = self.starts.get(line) else {
            return text.len();
        };
        let end = self.starts.get(line + 1).copied().unwrap_or(text.len());
        let content = text[start..end].trim_end_matches(['\n', '\r']);
        let wanted = pos.character as usize;
        let mut units = 0;
        for (i, c) in content.char_indices() {
            let next = units + enc.units(c);
            if next > wanted {
                return start + i;
            }
            units = next;
        }
        start + content.len()
    }

    /// The `Position` of byte `offset` in `text` (clamped to the text and to a character
    /// boundary).
    pub fn position(&self, text: &str, offset: usize, enc: PositionEncoding) -> Position {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let start = self.starts[line];
        let character: usize = text[start..offset].chars().map(|c| enc.units(c)).sum();
        Position::new(line as u32, character as u32)
    }

    pub fn range(&self, text: &str, span: &std::ops::Range<usize>, enc: PositionEncoding) -> Range {
        Range::new(
            self.position(text, span.start, enc),
            self.position(text, span.end, enc),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "aé𝄞b\r\nx\n";

    #[test]
    fn positions_count_the_negotiated_units() {
        let lines = LineIndex::new(TEXT);
        // `b` is at byte 1+2+4 = 7; UTF-16 column 1+1+2 = 4; UTF-32 column 3.
        for (enc, col) in [
            (PositionEncoding::Utf8, 7),
            (PositionEncoding::Utf16, 4),
            (PositionEncoding::Utf32, 3),
        ] {
            assert_eq!(lines.position(TEXT, 7, enc), Position::new(0, col));
            assert_eq!(lines.offset(TEXT, Position::new(0, col), enc), 7);
        }
        assert_eq!(
            lines.position(TEXT, 10, PositionEncoding::Utf16),
            Position::new(1, 0)
        );
    }

    #[test]
    fn out_of_range_positions_clamp() {
        let lines = LineIndex::new(TEXT);
        let enc = PositionEncoding::Utf16;
        // Past the end of line 0: its end, before `\r\n`.
        assert_eq!(lines.offset(TEXT, Position::new(0, 99), enc), 8);
        // Inside the surrogate pair of 𝄞: its start.
        assert_eq!(lines.offset(TEXT, Position::new(0, 3), enc), 3);
        assert_eq!(lines.offset(TEXT, Position::new(9, 0), enc), TEXT.len());
        assert_eq!(lines.position(TEXT, 999, enc), Position::new(2, 0));
    }

    #[test]
    fn negotiation_prefers_utf8_and_defaults_to_utf16() {
        use PositionEncodingKind as K;
        assert_eq!(PositionEncoding::negotiate(None), PositionEncoding::Utf16);
        assert_eq!(
            PositionEncoding::negotiate(Some(&[K::UTF16, K::UTF8])),
            PositionEncoding::Utf8
        );
        assert_eq!(
            PositionEncoding::negotiate(Some(&[K::UTF32])),
            PositionEncoding::Utf16
        );
    }
}
