"""Safe XML parsing with exact source positions.

lxml validates the document and builds the tree; it knows no columns, so a
second pass over the same decoded text (one regular-expression scan of the
markup) finds, for every element in document order, the offsets of its start
tag, its tag name, each attribute value (between the quotes) and its leading
text. Offsets are indexes into ``Document.text`` (code points); ``position()``
turns them into 0-based lines with both a code-point column (for the CLI) and
a UTF-16 column (for LSP). The CLI and the language server share this module.

Safety: no DTD is loaded, no entity is resolved, nothing is fetched, and
lxml's limits on depth and node size stay on. A document with a DOCTYPE is
parsed but flagged, and nothing in it is linted (libvirt XML never needs one).
"""

from __future__ import annotations

import bisect
import codecs
import re
from dataclasses import dataclass
from typing import Iterator

from lxml import etree

#: Largest file the CLI reads; real domain XMLs are a few kilobytes.
MAX_FILE_BYTES = 10 * 1024 * 1024

_MARKUP = re.compile(
    r"""<!--.*?-->
      | <!\[CDATA\[.*?\]\]>
      | <\?.*?\?>
      | <!DOCTYPE(?:[^\[>]|\[.*?\])*>
      | </[^>]*>
      | <(?P<name>[^\s/>!?]+)(?P<attrs>(?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*/?>
    """,
    re.S | re.X,
)
_ATTR = re.compile(r"""\s+([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_XML_DECL_ENCODING = re.compile(rb"""<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z][A-Za-z0-9._-]*)["']""")
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


class InputError(Exception):
    """The input is not an XML text at all (empty, binary, undecodable, too large)."""


@dataclass(frozen=True, slots=True)
class Span:
    """A half-open range of code-point offsets into ``Document.text``."""

    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Position:
    """A 0-based line with its column in code points and in UTF-16 code units."""

    line: int
    column: int
    utf16: int


@dataclass(frozen=True, slots=True)
class SyntaxProblem:
    """Why the document could not be parsed, with the parser's 1-based position."""

    message: str
    line: int
    column: int


@dataclass(slots=True)
class _Tag:
    start: int  # offset of '<'
    name_end: int
    end: int  # one past '>'
    close: int = -1  # offset of '</' of the end tag; for an empty-element tag, of '/>'
    #: attribute name -> value span, read from the tag on first need
    attrs: dict[str, tuple[int, int]] | None = None


def decode(data: bytes) -> str:
    """Decode XML bytes: BOM first, then the XML declaration, else UTF-8."""
    return decode_with_encoding(data)[0]


def decode_with_encoding(data: bytes) -> tuple[str, str, bytes]:
    """(text, encoding, BOM) of XML bytes; the encoding and BOM let `--fix` write the file back alike."""
    if not data.strip():
        raise InputError("file is empty")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            payload = data[len(bom):]
            break
    else:
        bom = b""
        payload = data
        if b"\x00" in data[:8192]:
            raise InputError("file is binary (contains NUL bytes), not XML")
        match = _XML_DECL_ENCODING.match(data)
        encoding = match.group(1).decode("ascii") if match else "utf-8"
        try:
            codec = codecs.lookup(encoding)
        except LookupError:
            raise InputError(f"unknown encoding {encoding!r} in the XML declaration") from None
        if not getattr(codec, "_is_text_encoding", True):  # rot13, base64, zlib...: not a character encoding
            raise InputError(f"encoding {encoding!r} in the XML declaration is not a text encoding") from None
    try:
        return payload.decode(encoding), encoding, bom
    except UnicodeDecodeError as err:
        raise InputError(f"file is not valid {encoding} (byte offset {err.start}); is it binary?") from None
    except (UnicodeError, LookupError, ValueError, TypeError) as err:  # e.g. the 'undefined' codec
        raise InputError(f"file cannot be decoded as {encoding!r}: {err}") from None


def _safe_parser() -> etree.XMLParser:
    return etree.XMLParser(
        encoding="utf-8",
        resolve_entities=False,
        load_dtd=False,
        no_network=True,
        huge_tree=False,
        dtd_validation=False,
        collect_ids=False,
    )


class Document:
    """One parsed XML document: its text, its lxml tree and source positions."""

    def __init__(self, text: str, path: str = "<text>") -> None:
        self.path = path
        #: How the file was stored (for writing fixes back): its encoding and BOM.
        self.encoding = "utf-8"
        self.bom = b""
        self.text = text[1:] if text.startswith("\ufeff") else text
        self.root: etree._Element | None = None
        self.syntax_error: SyntaxProblem | None = None
        self.doctype: str | None = None
        self._tags: dict[etree._Element, _Tag] | None = None
        self._line_starts: list[int] | None = None
        self._has_astral: bool | None = None
        self._parse()

    @classmethod
    def from_bytes(cls, data: bytes, path: str = "<bytes>") -> Document:
        text, encoding, bom = decode_with_encoding(data)
        document = cls(text, path)
        document.encoding, document.bom = encoding, bom
        return document

    def encode(self, text: str) -> bytes:
        """Text as it would be stored in this document's file."""
        return self.bom + text.encode(self.encoding)

    @classmethod
    def from_file(cls, path: str, max_bytes: int = MAX_FILE_BYTES) -> Document:
        """Read and parse a file; raise InputError or OSError when it cannot be."""
        with open(path, "rb") as handle:
            data = handle.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise InputError(f"file is larger than {max_bytes // (1024 * 1024)} MiB; refusing to parse it")
        return cls.from_bytes(data, path)

    def _parse(self) -> None:
        try:
            tree = etree.fromstring(self.text.encode("utf-8", "surrogatepass"), _safe_parser()).getroottree()
        except etree.XMLSyntaxError as err:
            line, column = err.position if err.position else (1, 1)
            message = err.msg or str(err)
            self.syntax_error = SyntaxProblem(message, max(line, 1), max(column, 1))
            return
        except ValueError as err:  # e.g. text lxml refuses before parsing
            self.syntax_error = SyntaxProblem(str(err), 1, 1)
            return
        self.root = tree.getroot()
        doctype = tree.docinfo.doctype
        if doctype or tree.docinfo.internalDTD is not None:
            self.doctype = doctype or "<!DOCTYPE>"

    # -- tree helpers -----------------------------------------------------

    @property
    def root_name(self) -> str | None:
        if self.root is None:
            return None
        return etree.QName(self.root).localname

    def elements(self) -> Iterator[etree._Element]:
        """Every element in document order (no comments, PIs or entities)."""
        if self.root is not None:
            yield from self.root.iter(etree.Element)

    # -- spans ------------------------------------------------------------

    def _scan(self) -> dict[etree._Element, _Tag]:
        if self._tags is not None:
            return self._tags
        tags: list[_Tag] = []
        open_tags: list[_Tag] = []
        text = self.text
        for match in _MARKUP.finditer(text):
            start, end = match.span()
            name_end = match.end("name")
            if name_end < 0:
                if text[start + 1] == "/" and open_tags:
                    open_tags.pop().close = start
                continue
            tag = _Tag(start, name_end, end)
            tags.append(tag)
            if text[end - 2] == "/":
                tag.close = end - 2
            else:
                open_tags.append(tag)
        elements = list(self.elements())
        # The scan and lxml agree on well-formed input without a DOCTYPE; if they
        # ever disagree, positions degrade to lxml's line numbers, never wrongly.
        self._tags = dict(zip(elements, tags)) if len(elements) == len(tags) else {}
        return self._tags

    def tag_span(self, element: etree._Element) -> Span | None:
        """The whole start tag, from '<' to '>'."""
        tag = self._scan().get(element)
        return Span(tag.start, tag.end) if tag else self._line_span(element)

    def content_end(self, element: etree._Element) -> int | None:
        """Where a new last child goes: the offset of the end tag, or of '/>' of an empty-element tag."""
        tag = self._scan().get(element)
        return tag.close if tag and tag.close >= 0 else None

    def element_span(self, element: etree._Element) -> Span | None:
        """The whole element, from '<' of its start tag to '>' of its end tag."""
        tag = self._scan().get(element)
        if tag is None or tag.close < 0:
            return None
        end = tag.close + 2 if self.text[tag.end - 2] == "/" else self.text.index(">", tag.close) + 1
        return Span(tag.start, end)

    def is_empty_tag(self, element: etree._Element) -> bool:
        tag = self._scan().get(element)
        return tag is not None and self.text[tag.end - 2] == "/"

    def indentation(self, element: etree._Element) -> str:
        """The whitespace before the element's start tag on its line."""
        span = self.tag_span(element)
        if span is None:
            return ""
        line_start = self._starts()[self.position(span.start).line]
        prefix = self.text[line_start:span.start]
        return prefix if not prefix.strip() else ""

    def newline(self) -> str:
        """The document's line break, for inserted text."""
        return "\r\n" if "\r\n" in self.text else "\n"

    def name_span(self, element: etree._Element) -> Span | None:
        """The element's name in its start tag."""
        tag = self._scan().get(element)
        return Span(tag.start + 1, tag.name_end) if tag else self._line_span(element)

    def attr_span(self, element: etree._Element, name: str) -> Span | None:
        """The attribute's value, between the quotes; None when it is absent."""
        tag = self._scan().get(element)
        if tag is None:
            return self._line_span(element) if element.get(name) is not None else None
        if tag.attrs is None:
            tag.attrs = {}
            for attr in _ATTR.finditer(self.text, tag.name_end, tag.end):
                group = 2 if attr.group(2) is not None else 3
                tag.attrs[attr.group(1)] = (attr.start(group), attr.end(group))
        span = tag.attrs.get(_qualified(element, name))
        return Span(*span) if span else None

    def text_span(self, element: etree._Element) -> Span | None:
        """The element's leading text, without surrounding whitespace."""
        tag = self._scan().get(element)
        if tag is None:
            return self._line_span(element)
        if self.text[tag.end - 2] == "/":
            return None
        stop = self.text.find("<", tag.end)
        stop = len(self.text) if stop < 0 else stop
        raw = self.text[tag.end:stop]
        stripped = raw.strip()
        if not stripped:
            return None
        start = tag.end + raw.index(stripped)
        return Span(start, start + len(stripped))

    def _line_span(self, element: etree._Element) -> Span | None:
        """Fallback: the whole line lxml reports (never used for well-formed input)."""
        line = (element.sourceline or 1) - 1
        starts = self._starts()
        if line >= len(starts):
            return None
        stop = starts[line + 1] if line + 1 < len(starts) else len(self.text)
        return Span(starts[line], stop)

    # -- positions --------------------------------------------------------

    def _starts(self) -> list[int]:
        if self._line_starts is None:
            self._line_starts = [0] + [m.end() for m in _LINE_BREAK.finditer(self.text)]
        return self._line_starts

    def position(self, offset: int) -> Position:
        starts = self._starts()
        line = bisect.bisect_right(starts, offset) - 1
        column = offset - starts[line]
        utf16 = column
        if self._has_astral is None:
            self._has_astral = _ASTRAL.search(self.text) is not None
        if self._has_astral:
            utf16 += len(_ASTRAL.findall(self.text, starts[line], offset))
        return Position(line, column, utf16)

    def offset(self, line: int, column: int) -> int:
        """The offset of a 0-based line and code-point column, clamped to the text."""
        starts = self._starts()
        if line >= len(starts):
            return len(self.text)
        return min(starts[max(line, 0)] + max(column, 0), len(self.text))

    def line_text(self, line: int) -> str:
        """The 0-based line's text without its line break."""
        starts = self._starts()
        if line >= len(starts):
            return ""
        stop = starts[line + 1] if line + 1 < len(starts) else len(self.text)
        return self.text[starts[line]:stop].rstrip("\r\n")


def _qualified(element: etree._Element, name: str) -> str:
    """Turn lxml's '{uri}local' attribute key back into the prefix:local written in the file."""
    if not name.startswith("{"):
        return name
    uri, local = name[1:].split("}", 1)
    for prefix, namespace in (element.nsmap or {}).items():
        if namespace == uri and prefix:
            return f"{prefix}:{local}"
    if uri == "http://www.w3.org/XML/1998/namespace":
        return f"xml:{local}"
    return local
