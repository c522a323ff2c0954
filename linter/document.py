"""Safe XML parsing with exact source positions.

lxml validates the document and builds the tree; it knows no columns, so a
regular-expression scan of the same decoded text finds an element's start tag
by its document-order index (the n-th start tag of the markup is the n-th
element), and from it the offsets of its tag name, each attribute value
(between the quotes) and its leading text. Only what findings ask for is
scanned: start tags are matched in C (no Python loop per tag) up to the
furthest one asked for; the full scan that also pairs end tags runs only for
fixes that insert content. Offsets are indexes into ``Document.text`` (code points); ``position()``
turns them into 0-based lines with both a code-point column (for the CLI) and
a UTF-16 column (for LSP). The CLI and the language server share this module.

Safety: no DTD is loaded, no entity is resolved, nothing is fetched, and
lxml's limits on depth and node size stay on. A document with a DOCTYPE is
parsed but flagged, and nothing in it is linted (libvirt XML never needs one).
"""

from __future__ import annotations

import bisect
import codecs
import os
import re
import threading
from itertools import accumulate, count, islice
from operator import itemgetter
from typing import Iterator

from lxml import etree

from virtlint.linter._record import FrozenRecord
from virtlint.linter.lazy_re import lazy_compile

#: how a frozen record's __init__ sets its fields
_set = object.__setattr__


#: Largest file the CLI reads; real domain XMLs are a few kilobytes.
MAX_FILE_BYTES = 10 * 1024 * 1024
#: What a source line (without its line break) may hold for a cache keyed by lines (the structure table's, the
#: engine's screens): exactly one element, whole (a start tag closed by "/>", or with text and its end tag), or a
#: start tag, whole, then text. "<" appears once per tag, so such a line holds one start tag whole: that of the
#: element whose ``sourceline`` it is (libxml2's line of an element is where its start tag ends), whose name and
#: attributes the line then decides (and, for a whole element, its text).
_LINE_ATTRIBUTES = r"""(?:\s+[^\s<>/='"]+\s*=\s*(?:"[^"<]*"|'[^'<]*'))*\s*"""
WHOLE_ELEMENT_LINE = re.compile(rf"\s*<([^\s<>/='\"!?]+){_LINE_ATTRIBUTES}(?:/>|>[^<]*</\1\s*>)\s*")
START_TAG_LINE = re.compile(rf"\s*<[^\s<>/='\"!?]+{_LINE_ATTRIBUTES}>[^<]*")
#: libxml2 keeps line numbers beyond this in a side field that not every node carries (see Document.source_lines)
SOURCE_LINES_MAX = 65_000

_MARKUP = lazy_compile(
    r"""<!--.*?-->
      | <!\[CDATA\[.*?\]\]>
      | <\?.*?\?>
      | <!DOCTYPE(?:[^\[>]|\[.*?\])*>
      | </[^>]*>
      | <(?P<name>[^\s/>!?]+)(?P<attrs>(?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*/?>
    """,
    re.S | re.X,
)
#: Where each piece of markup starts, with a start tag's name as group 1: the same segmentation as _MARKUP
#: (no '<' can occur inside attribute values, text or end tags of well-formed XML), at half its cost.
_MARKUP_STARTS = lazy_compile(
    r"<(?:!--.*?-->|!\[CDATA\[.*?\]\]>|\?.*?\?>|!DOCTYPE(?:[^\[>]|\[.*?\])*>|/|([^\s/>!?]+))", re.S
)
#: a markup match is a start tag when its group 1 (the name) matched
_IS_START_TAG = itemgetter(1)
_ATTR = lazy_compile(r"""\s+([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_LINE_BREAK = lazy_compile(r"\r\n|\r|\n")
_ASTRAL = lazy_compile("[\U00010000-\U0010ffff]")
_XML_DECL_ENCODING = re.compile(rb"""<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z][A-Za-z0-9._-]*)["']""")
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


#: Encoding names whose bytes are the UTF-8 the parser reads.
_UTF8 = frozenset({"utf-8", "UTF-8", "utf8", "UTF8"})

#: How many positions are computed by counting before the line index is built.
_DIRECT_POSITIONS = 16


class InputError(Exception):
    """The input is not an XML text at all (empty, binary, undecodable, too large)."""


class Span(FrozenRecord):
    """A half-open range of code-point offsets into ``Document.text``."""

    start: int
    end: int

    __slots__ = ("start", "end")
    _fields = __slots__

    def __init__(self, start: int, end: int) -> None:
        _set(self, "start", start)
        _set(self, "end", end)


class Position(FrozenRecord):
    """A 0-based line with its column in code points and in UTF-16 code units."""

    line: int
    column: int
    utf16: int

    __slots__ = ("line", "column", "utf16")
    _fields = __slots__

    def __init__(self, line: int, column: int, utf16: int) -> None:
        _set(self, "line", line)
        _set(self, "column", column)
        _set(self, "utf16", utf16)


class SyntaxProblem(FrozenRecord):
    """Why the document could not be parsed, with the parser's 1-based position."""

    message: str
    line: int
    column: int

    __slots__ = ("message", "line", "column")
    _fields = __slots__

    def __init__(self, message: str, line: int, column: int) -> None:
        _set(self, "message", message)
        _set(self, "line", line)
        _set(self, "column", column)


class _Tag:
    """A start tag's offsets; ``close`` is known only after the full scan."""

    __slots__ = ("start", "name_end", "end", "close", "attrs")

    def __init__(self, start: int, name_end: int, end: int, close: int = -1) -> None:
        self.start = start  # offset of '<'
        self.name_end = name_end
        self.end = end  # one past '>'
        #: offset of '</' of the end tag; for an empty-element tag, of '/>' (-1: not scanned)
        self.close = close
        #: attribute name -> value span, read from the tag on first need
        self.attrs: dict[str, tuple[int, int]] | None = None


def decode(data: bytes) -> str:
    """Decode XML bytes: BOM first, then the XML declaration, else UTF-8."""
    return decode_with_encoding(data)[0]


def decode_with_encoding(data: bytes) -> tuple[str, str, bytes]:
    """(text, encoding, BOM) of XML bytes; the encoding and BOM let `--fix` write the file back alike."""
    if not data or data.isspace():  # (what `not data.strip()` says, without copying the data)
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


def read_bytes(path: str, limit: int = MAX_FILE_BYTES) -> bytes:
    """A file's bytes, or its first ``limit`` + 1 when it is larger (enough to say it is too large).

    One read sized by fstat, not ``open().read(limit + 1)``: that allocates a buffer of the limit (10 MiB)
    for every file, ~40 µs each, more than reading a 5 KB file takes. A file that grew meanwhile, or a pipe
    (size 0), reads on up to the limit."""
    handle = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    try:
        want = min(os.fstat(handle).st_size, limit) + 1
        chunks = []
        size = 0
        while size <= limit:  # until the end (a read that returns nothing), or past the limit
            chunk = os.read(handle, want)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            want = min(limit + 1 - size, 1 << 20)
    finally:
        os.close(handle)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def within_limit(data: bytes, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes ``read_bytes`` gave, or InputError when the file was larger than the limit."""
    if len(data) > limit:
        raise InputError(f"file is larger than {limit // (1024 * 1024)} MiB; refusing to parse it")
    return data


#: one safe parser per thread: an lxml parser may not be used by two threads at once, and making one costs
#: a noticeable part of a small document's parse
_parsers = threading.local()


def _parser() -> etree.XMLParser:
    parser: etree.XMLParser | None = getattr(_parsers, "parser", None)
    if parser is None:
        parser = _parsers.parser = _safe_parser()
    return parser


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

    def __init__(self, text: str, path: str = "<text>", *, _utf8: bytes | None = None) -> None:
        """``_utf8``: the text's UTF-8 bytes when the caller has them (then it is not encoded again)."""
        self.path = path
        #: How the file was stored (for writing fixes back): its encoding and BOM.
        self.encoding = "utf-8"
        self.bom = b""
        self.text = text[1:] if text.startswith("\ufeff") else text
        self.root: etree._Element | None = None
        self.syntax_error: SyntaxProblem | None = None
        self.doctype: str | None = None
        #: every element's tag with end tags paired (the full scan), once something needs it
        self._tags: dict[etree._Element, _Tag] | None = None
        #: targeted lookups: element -> its start tag (None: the markup disagrees with lxml)
        self._found: dict[etree._Element, _Tag | None] = {}
        self._order: dict[etree._Element, int] | None = None
        self._start_tags: list[re.Match[str]] = []
        self._start_iter: Iterator[re.Match[str]] | None = None
        self._line_starts: list[int] | None = None
        #: positions computed by counting line breaks before the line index is worth building
        self._direct_positions = 0
        self._lone_cr: bool | None = None
        self._has_astral: bool | None = None
        self._source_lines: list[str] | None = None
        self._parse(_utf8 if _utf8 is not None and len(self.text) == len(text) else None)

    @classmethod
    def from_bytes(cls, data: bytes, path: str = "<bytes>") -> Document:
        text, encoding, bom = decode_with_encoding(data)
        # UTF-8 bytes are parsed as they are (they are the text's encoding), rather than encoded again
        document = cls(text, path, _utf8=(data[len(bom):] if encoding in _UTF8 else None))
        document.encoding, document.bom = encoding, bom
        return document

    def encode(self, text: str) -> bytes:
        """Text as it would be stored in this document's file."""
        return self.bom + text.encode(self.encoding)

    @classmethod
    def from_file(cls, path: str, max_bytes: int = MAX_FILE_BYTES) -> Document:
        """Read and parse a file; raise InputError or OSError when it cannot be."""
        return cls.from_bytes(within_limit(read_bytes(path, max_bytes), max_bytes), path)

    def _parse(self, utf8: bytes | None) -> None:
        try:
            if utf8 is None:
                utf8 = self.text.encode("utf-8", "surrogatepass")
            root = etree.fromstring(utf8, _parser())
        except etree.XMLSyntaxError as err:
            line, column = err.position if err.position else (1, 1)
            message = err.msg or str(err)
            self.syntax_error = SyntaxProblem(message, max(line, 1), max(column, 1))
            return
        except ValueError as err:  # e.g. text lxml refuses before parsing
            self.syntax_error = SyntaxProblem(str(err), 1, 1)
            return
        self.root = root
        if "<!DOCTYPE" in self.text:  # (no DTD without one: the tree's document info is not read)
            docinfo = root.getroottree().docinfo
            doctype = docinfo.doctype
            if doctype or docinfo.internalDTD is not None:
                self.doctype = doctype or "<!DOCTYPE>"

    # -- tree helpers -----------------------------------------------------

    @property
    def root_name(self) -> str | None:
        if self.root is None:
            return None
        tag = self.root.tag
        return tag if tag[0] != "{" else etree.QName(tag).localname

    def elements(self) -> Iterator[etree._Element]:
        """Every element in document order (no comments, PIs or entities)."""
        if self.root is not None:
            yield from self.root.iter(etree.Element)

    # -- spans ------------------------------------------------------------

    def _scan(self) -> dict[etree._Element, _Tag]:
        """Every element's tag, end tags paired: the full scan, for fixes that insert content."""
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

    def _tag(self, element: etree._Element) -> _Tag | None:
        """The element's start tag, found by its document-order index among the start tags."""
        if self._tags is not None:
            return self._tags.get(element)
        try:
            return self._found[element]
        except KeyError:
            pass
        if self._order is None:
            # document-order index of every element, built in C
            self._order = dict(zip(self.elements(), count()))
            self._start_iter = filter(_IS_START_TAG, _MARKUP_STARTS.finditer(self.text))
        index = self._order.get(element)
        matches = self._start_tags
        if index is not None and index >= len(matches):
            assert self._start_iter is not None
            matches.extend(islice(self._start_iter, index + 1 - len(matches)))
        match = None
        if index is not None and index < len(matches) and matches[index][1] == _written_name(element):
            match = _MARKUP.match(self.text, matches[index].start())
        if match is None or match.end("name") < 0:
            # the markup and lxml disagree (never for well-formed input without a DOCTYPE):
            # the full scan decides, as it always did
            tag = self._scan().get(element)
        else:
            start, end = match.span()
            tag = _Tag(start, match.end("name"), end, end - 2 if self.text[end - 2] == "/" else -1)
        self._found[element] = tag
        return tag

    def tag_span(self, element: etree._Element) -> Span | None:
        """The whole start tag, from '<' to '>'."""
        tag = self._tag(element)
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
        tag = self._tag(element)
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
        tag = self._tag(element)
        return Span(tag.start + 1, tag.name_end) if tag else self._line_span(element)

    def attr_span(self, element: etree._Element, name: str) -> Span | None:
        """The attribute's value, between the quotes; None when it is absent."""
        tag = self._tag(element)
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
        tag = self._tag(element)
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
        """Offsets where each line starts; a line ends at CRLF, LF or a lone CR."""
        if self._line_starts is None:
            text = self.text
            if text.count("\r") == text.count("\r\n"):
                # no lone CR: every line ends at an LF, so starts are running sums of line lengths + 1
                starts = list(accumulate(map((1).__add__, map(len, text.split("\n"))), initial=0))
                starts.pop()
                self._line_starts = starts
            else:
                self._line_starts = [0] + [m.end() for m in _LINE_BREAK.finditer(text)]
        return self._line_starts

    def position(self, offset: int) -> Position:
        text = self.text
        if self._line_starts is None and self._direct_positions < _DIRECT_POSITIONS:
            # a few findings: count the line breaks before the offset (in C) rather than index every line
            if self._lone_cr is None:
                self._lone_cr = text.count("\r") != text.count("\r\n")
            if not self._lone_cr:
                self._direct_positions += 1
                line = text.count("\n", 0, offset)
                column = offset - (text.rfind("\n", 0, offset) + 1)
                return self._position(line, column, offset)
        starts = self._starts()
        line = bisect.bisect_right(starts, offset) - 1
        return self._position(line, offset - starts[line], offset)

    def _position(self, line: int, column: int, offset: int) -> Position:
        utf16 = column
        if self._has_astral is None:
            self._has_astral = not self.text.isascii() and _ASTRAL.search(self.text) is not None
        if self._has_astral:
            utf16 += len(_ASTRAL.findall(self.text, offset - column, offset))
        return Position(line, column, utf16)

    def offset(self, line: int, column: int) -> int:
        """The offset of a 0-based line and code-point column, clamped to the text."""
        starts = self._starts()
        if line >= len(starts):
            return len(self.text)
        return min(starts[max(line, 0)] + max(column, 0), len(self.text))

    @property
    def source_lines(self) -> list[str] | None:
        """The text split at line feeds, with '' first, so that an element's ``sourceline`` indexes the line its
        start tag ends on (libxml2 counts line feeds: a lone CR does not end a line for it); None beyond
        SOURCE_LINES_MAX lines, whose numbers not every node carries. Made once, for whoever keys by lines."""
        lines = self._source_lines
        if lines is None:
            lines = self.text.split("\n")
            if len(lines) > SOURCE_LINES_MAX:
                lines = []  # (none: made once, like the others)
            else:
                lines.insert(0, "")
            self._source_lines = lines
        return lines or None

    def line_text(self, line: int) -> str:
        """The 0-based line's text without its line break."""
        starts = self._starts()
        if line >= len(starts):
            return ""
        stop = starts[line + 1] if line + 1 < len(starts) else len(self.text)
        return self.text[starts[line]:stop].rstrip("\r\n")


def _written_name(element: etree._Element) -> str:
    """The element's name as its start tag spells it (prefix:local)."""
    prefix = element.prefix
    local = etree.QName(element).localname
    return f"{prefix}:{local}" if prefix else local


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
