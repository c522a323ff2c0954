"""Offsets in a Document <-> LSP positions in the negotiated encoding (UTF-16 by default)."""

from __future__ import annotations

from lsprotocol import types as T

from virtlint.linter.document import Document


#: A byte order mark the editor keeps in its buffer is a character there, while a Document drops it:
#: on the first line, editor columns are this many units to the right of the Document's.
_BOM_UNITS: dict[str, int] = {T.PositionEncodingKind.Utf8: 3, T.PositionEncodingKind.Utf16: 1, T.PositionEncodingKind.Utf32: 1}


def has_bom(buffer: str) -> bool:
    """Whether an editor buffer starts with a byte order mark (which Documents drop)."""
    return buffer.startswith("\ufeff")


def to_lsp(document: Document, offset: int, encoding: str, bom: bool = False) -> T.Position:
    position = document.position(offset)
    shift = _BOM_UNITS.get(encoding, 1) if bom and position.line == 0 else 0
    if encoding == T.PositionEncodingKind.Utf32:
        return T.Position(position.line, position.column + shift)
    if encoding == T.PositionEncodingKind.Utf8:
        start = offset - position.column
        return T.Position(position.line, len(document.text[start:offset].encode("utf-8", "surrogatepass")) + shift)
    return T.Position(position.line, position.utf16 + shift)


def to_range(document: Document, start: int, end: int, encoding: str, bom: bool = False) -> T.Range:
    return T.Range(to_lsp(document, start, encoding, bom), to_lsp(document, end, encoding, bom))


def from_lsp(document: Document, position: T.Position, encoding: str, bom: bool = False) -> int:
    """The offset of an LSP position, clamped to its line."""
    if bom and position.line == 0:
        position = T.Position(0, max(0, position.character - _BOM_UNITS.get(encoding, 1)))
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
