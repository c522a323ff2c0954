"""Offsets in a Document <-> LSP positions in the negotiated encoding (UTF-16 by default)."""

from __future__ import annotations

from lsprotocol import types as T

from virtlint.linter.document import Document


def to_lsp(document: Document, offset: int, encoding: str) -> T.Position:
    position = document.position(offset)
    if encoding == T.PositionEncodingKind.Utf32:
        return T.Position(position.line, position.column)
    if encoding == T.PositionEncodingKind.Utf8:
        start = offset - position.column
        return T.Position(position.line, len(document.text[start:offset].encode("utf-8", "surrogatepass")))
    return T.Position(position.line, position.utf16)


def to_range(document: Document, start: int, end: int, encoding: str) -> T.Range:
    return T.Range(to_lsp(document, start, encoding), to_lsp(document, end, encoding))


def from_lsp(document: Document, position: T.Position, encoding: str) -> int:
    """The offset of an LSP position, clamped to its line."""
    line_start = document.offset(position.line, 0)
    line = document.line_text(position.line)
    if encoding == T.PositionEncodingKind.Utf32:
        return line_start + min(position.character, len(line))
    units = 0
    for index, char in enumerate(line):
        if units >= position.character:
            return line_start + index
        if encoding == T.PositionEncodingKind.Utf8:
            units += len(char.encode("utf-8", "surrogatepass"))
        else:
            units += 2 if ord(char) > 0xFFFF else 1
    return line_start + len(line)
