"""On-demand positions equal the old full scan's, for every element, attribute value and text of the corpus.

The reference below is the algorithm virtlint used before positions were found on demand: one scan of all the
markup that pairs start tags with lxml's elements in document order (and degrades to nothing when the counts
disagree), plus the regex line index. It is kept here, verbatim in behaviour, as the yardstick.
"""

from __future__ import annotations

import bisect
import random
import re
from pathlib import Path
from typing import Iterator

import pytest
from lxml import etree

from conftest import FIXTURES, SHARED
from virtlint.linter.document import _ATTR, _MARKUP, Document, InputError, _qualified

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


class Reference:
    """The old full-scan positions of one document."""

    def __init__(self, document: Document) -> None:
        self.document = document
        text = document.text
        tags: list[list[int]] = []
        open_tags: list[list[int]] = []
        for match in _MARKUP.finditer(text):
            start, end = match.span()
            name_end = match.end("name")
            if name_end < 0:
                if text[start + 1] == "/" and open_tags:
                    open_tags.pop()[3] = start
                continue
            tag = [start, name_end, end, -1]
            tags.append(tag)
            if text[end - 2] == "/":
                tag[3] = end - 2
            else:
                open_tags.append(tag)
        elements = list(document.elements())
        self.tags = dict(zip(elements, tags)) if len(elements) == len(tags) else {}
        self.starts = [0] + [m.end() for m in _LINE_BREAK.finditer(text)]

    def line_span(self, element):
        line = (element.sourceline or 1) - 1
        if line >= len(self.starts):
            return None
        stop = self.starts[line + 1] if line + 1 < len(self.starts) else len(self.document.text)
        return (self.starts[line], stop)

    def tag_span(self, element):
        tag = self.tags.get(element)
        return (tag[0], tag[2]) if tag else self.line_span(element)

    def name_span(self, element):
        tag = self.tags.get(element)
        return (tag[0] + 1, tag[1]) if tag else self.line_span(element)

    def attr_span(self, element, name):
        tag = self.tags.get(element)
        if tag is None:
            return self.line_span(element) if element.get(name) is not None else None
        attrs = {}
        for attr in _ATTR.finditer(self.document.text, tag[1], tag[2]):
            group = 2 if attr.group(2) is not None else 3
            attrs[attr.group(1)] = (attr.start(group), attr.end(group))
        return attrs.get(_qualified(element, name))

    def text_span(self, element):
        tag = self.tags.get(element)
        text = self.document.text
        if tag is None:
            return self.line_span(element)
        if text[tag[2] - 2] == "/":
            return None
        stop = text.find("<", tag[2])
        stop = len(text) if stop < 0 else stop
        raw = text[tag[2]:stop]
        stripped = raw.strip()
        if not stripped:
            return None
        start = tag[2] + raw.index(stripped)
        return (start, start + len(stripped))

    def content_end(self, element):
        tag = self.tags.get(element)
        return tag[3] if tag and tag[3] >= 0 else None

    def position(self, offset):
        line = bisect.bisect_right(self.starts, offset) - 1
        column = offset - self.starts[line]
        return (line, column, column + len(_ASTRAL.findall(self.document.text, self.starts[line], offset)))


def _pair(span):
    return None if span is None else (span.start, span.end)


def _documents() -> list[Path]:
    roots = [SHARED / "corpus", FIXTURES]
    return sorted(p for root in roots if root.exists() for p in root.rglob("*.xml"))


def _readable(paths: list[Path]) -> Iterator[tuple[int, Document]]:
    """(position in ``paths``, document) for each file that reads into an element tree."""
    for index, path in enumerate(paths):
        try:
            document = Document.from_file(str(path))
        except (InputError, OSError):
            continue
        if document.root is not None:
            yield index, document


def compare(document: Document, order: str = "document", seed: int = 0) -> int:
    """Assert every span and position equals the reference's; return how many were compared."""
    reference = Reference(document)
    elements = list(document.elements())
    if order == "shuffled":  # targeted lookups in any order, as findings ask for them
        random.Random(seed).shuffle(elements)
    elif order == "reversed":
        elements.reverse()
    compared = 0
    for element in elements:
        where = f"{document.path}: <{element.tag}> line {element.sourceline}"
        assert _pair(document.name_span(element)) == reference.name_span(element), where
        assert _pair(document.tag_span(element)) == reference.tag_span(element), where
        for name in element.attrib:
            assert _pair(document.attr_span(element, name)) == reference.attr_span(element, name), (where, name)
        assert _pair(document.text_span(element)) == reference.text_span(element), where
        assert document.attr_span(element, "virtlint-absent") is None
        compared += 3 + len(element.attrib)
    for span in (reference.tag_span(e) for e in elements[:50]):
        if span is not None:
            for offset in span:
                position = document.position(offset)
                assert (position.line, position.column, position.utf16) == reference.position(offset)
    return compared


def test_every_span_of_every_corpus_document_equals_the_full_scan() -> None:
    paths = _documents()
    if not any(SHARED.joinpath("corpus").glob("*")):
        pytest.skip("the shared corpus is not available")
    compared = documents = 0
    for index, document in _readable(paths):
        documents += 1
        compared += compare(document, ("document", "shuffled", "reversed")[index % 3], index)
    assert documents > 1000 and compared > 50_000


def test_content_end_still_comes_from_the_full_scan() -> None:
    for _, document in _readable(_documents()[:200]):
        reference = Reference(document)
        for element in document.elements():
            document.name_span(element)  # a targeted lookup first must not spoil the full scan
            assert document.content_end(element) == reference.content_end(element)


HOSTILE = [
    "<domain><!-- <disk x='1'> --><name>a</name><![CDATA[<devices>]]><?pi <vcpu>?></domain>",
    "<domain\r\n  type='kvm'>\r<name>\U0001d518 é</name>\r\n<devices><disk\n device = 'disk'/></devices></domain>",
    "<x:domain xmlns:x='urn:x' x:type='kvm'><x:name>n</x:name><y xml:lang='en'>t</y></x:domain>",
    "<domain a=\"'>'\" b='\">\"'><name>x&amp;y</name>text<vcpu>2</vcpu>tail</domain>",
]


@pytest.mark.parametrize("text", HOSTILE)
@pytest.mark.parametrize("order", ["document", "shuffled", "reversed"])
def test_hostile_markup_matches_the_full_scan(text: str, order: str) -> None:
    document = Document(text)
    assert document.root is not None
    assert compare(document, order) > 0


def test_a_name_mismatch_falls_back_to_the_full_scan() -> None:
    # an entity defined in the internal subset: lxml's element count and the markup may disagree
    text = "<!DOCTYPE d [<!ENTITY e '<b/>'>]><domain><a/>&e;<c/></domain>"
    document = Document(text)
    reference = Reference(document)
    for element in document.elements():
        assert _pair(document.name_span(element)) == reference.name_span(element)
