"""Exact positions: CRLF, BOM, tabs, non-ASCII, multi-line tags, fake tags in comments and CDATA."""

from __future__ import annotations

import codecs

import pytest

from virtlint.linter.document import Document, InputError, Position, decode


def _where(doc: Document, needle: str, nth: int = 0) -> int:
    offset = -1
    for _ in range(nth + 1):
        offset = doc.text.index(needle, offset + 1)
    return offset


def _find(doc: Document, tag: str, nth: int = 0):
    return [e for e in doc.elements() if e.tag == tag][nth]


TRICKY = (
    '<?xml version="1.0"?>\n'
    '<!-- <target dev="fake" bus="ide"> -->\n'
    "<domain\n"
    "   type='kvm'><![CDATA[<nope bus='x'>]]>\n"
    "  <name>\U0001d518nicode é</name>\n"
    "  <devices>\t<disk type='file'\n"
    '      device = "disk"><target dev="vdé" bus="ide"/></disk>\n'
    "  </devices>\n"
    "</domain>\n"
)


def test_attribute_value_span_on_a_multi_line_tag() -> None:
    doc = Document(TRICKY)
    span = doc.attr_span(_find(doc, "disk"), "device")
    assert doc.text[span.start:span.end] == "disk"
    assert doc.position(span.start) == Position(6, 16, 16)


def test_comment_and_cdata_that_look_like_tags_are_skipped() -> None:
    doc = Document(TRICKY)
    target = _find(doc, "target")
    span = doc.attr_span(target, "bus")
    assert span.start == _where(doc, 'bus="ide"', nth=1) + len('bus="')
    assert doc.text[span.start:span.end] == "ide"


def test_root_type_on_the_second_line_of_its_tag() -> None:
    doc = Document(TRICKY)
    span = doc.attr_span(doc.root, "type")
    assert doc.position(span.start) == Position(3, 9, 9)
    assert doc.position(doc.name_span(doc.root).start) == Position(2, 1, 1)


def test_astral_characters_count_twice_in_utf16_only() -> None:
    doc = Document("<domain><name>\U0001d518x</name><vcpu a='1'>2</vcpu></domain>")
    text = doc.text_span(_find(doc, "name"))
    assert doc.text[text.start:text.end] == "\U0001d518x"
    span = doc.attr_span(_find(doc, "vcpu"), "a")
    start = doc.position(span.start)
    assert start.column == span.start
    assert start.utf16 == span.start + 1


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_line_breaks_of_every_kind(newline: str) -> None:
    text = newline.join(["<domain>", "\t<devices>", "\t\t<disk device='cdrom'/>", "\t</devices>", "</domain>"])
    doc = Document(text)
    span = doc.attr_span(_find(doc, "disk"), "device")
    assert doc.position(span.start) == Position(2, 16, 16)
    assert doc.line_text(2) == "\t\t<disk device='cdrom'/>"


def test_bom_is_not_counted() -> None:
    data = codecs.BOM_UTF8 + "<domain type='kvm'/>".encode()
    doc = Document.from_bytes(data)
    span = doc.attr_span(doc.root, "type")
    assert doc.position(span.start) == Position(0, 14, 14)


def test_utf16_file_with_bom() -> None:
    data = codecs.BOM_UTF16_LE + "<?xml version='1.0' encoding='UTF-16'?>\n<domain type='kvm'/>".encode("utf-16-le")
    doc = Document.from_bytes(data)
    assert doc.root_name == "domain"
    assert doc.position(doc.attr_span(doc.root, "type").start) == Position(1, 14, 14)


def test_latin1_declared_encoding() -> None:
    data = "<?xml version='1.0' encoding='ISO-8859-1'?><domain><name>caf\xe9</name></domain>".encode("latin-1")
    doc = Document.from_bytes(data)
    assert doc.root.findtext("name") == "caf\xe9"


def test_text_span_trims_whitespace_and_stops_at_markup() -> None:
    doc = Document("<domain><vcpu placement='static'>\n   4\n</vcpu><empty/><blank> </blank></domain>")
    span = doc.text_span(_find(doc, "vcpu"))
    assert doc.text[span.start:span.end] == "4"
    assert doc.text_span(_find(doc, "empty")) is None
    assert doc.text_span(_find(doc, "blank")) is None


def test_single_quotes_spaces_around_equals_and_gt_inside_values() -> None:
    doc = Document("<domain a = 'x>y' b=\"it's\"><x/></domain>")
    assert doc.text[slice(*_span(doc, doc.root, "a"))] == "x>y"
    assert doc.text[slice(*_span(doc, doc.root, "b"))] == "it's"


def _span(doc: Document, element, name: str) -> tuple[int, int]:
    span = doc.attr_span(element, name)
    return span.start, span.end


def test_namespaced_attribute_and_element() -> None:
    doc = Document("<domain xmlns:qemu='urn:q'><qemu:commandline qemu:x='1'/></domain>")
    element = next(e for e in doc.elements() if e.tag.endswith("commandline"))
    span = doc.attr_span(element, "{urn:q}x")
    assert doc.text[span.start:span.end] == "1"


def test_absent_attribute_has_no_span() -> None:
    doc = Document("<domain/>")
    assert doc.attr_span(doc.root, "type") is None


def test_syntax_error_has_parser_position() -> None:
    doc = Document("<domain>\n  <name>x</nam>\n</domain>")
    assert doc.root is None
    assert doc.syntax_error is not None
    assert doc.syntax_error.line == 2


def test_doctype_is_flagged_and_entities_are_not_expanded() -> None:
    doc = Document('<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><domain><name>&x;</name></domain>')
    assert doc.doctype is not None
    assert "root:" not in (doc.root.findtext("name") or "")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"   \n", "empty"),
        (b"\x7fELF\x02\x01\x01\x00\x00\x00", "binary"),
        (b"<domain>\xff\xfe\xfa</domain>", "not valid utf-8"),
        (b"<?xml version='1.0' encoding='klingon'?><domain/>", "unknown encoding"),
    ],
)
def test_inputs_that_are_not_xml_text(data: bytes, reason: str) -> None:
    with pytest.raises(InputError, match=reason):
        decode(data)


def test_too_large_file_is_refused_without_reading_it_all(tmp_path) -> None:
    big = tmp_path / "big.xml"
    big.write_bytes(b"<domain>" + b" " * 2048 + b"</domain>")
    with pytest.raises(InputError, match="larger than"):
        Document.from_file(str(big), max_bytes=1024)


def test_deep_nesting_is_a_syntax_error_not_a_crash() -> None:
    doc = Document("<domain>" + "<a>" * 300 + "</a>" * 300 + "</domain>")
    assert doc.syntax_error is not None


def test_offset_round_trip() -> None:
    doc = Document(TRICKY)
    for offset in (0, 10, 57, len(doc.text) - 1):
        pos = doc.position(offset)
        assert doc.offset(pos.line, pos.column) == offset
