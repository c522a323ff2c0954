"""Where the cursor is, read lexically so it works while the document is half-typed.

The result names the element path below `<domain>`, the attribute whose value
the cursor is in (or None for element text), the typed prefix, the span to
replace, and a small lxml chain of the enclosing elements with the attributes
written so far (rules' vocabulary readers look at those).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

_TOKEN = re.compile(
    r"""<!--.*?(?:-->|\Z)|<!\[CDATA\[.*?(?:\]\]>|\Z)|<\?.*?(?:\?>|\Z)|<!DOCTYPE[^>]*>?
      |</(?P<end>[^\s>]+)\s*>
      |<(?P<start>[A-Za-z_][\w.:-]*)(?P<attrs>(?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(?P<empty>/)?>""",
    re.S | re.X,
)
_ATTR = re.compile(r"""([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_OPEN_VALUE = re.compile(r"""([^\s=/>"']+)\s*=\s*(["'])([^"']*)\Z""")
_PARTIAL_TAG = re.compile(r"<(?P<name>[A-Za-z_][\w.:-]*)(?P<rest>[^<>]*)\Z", re.S)


@dataclass(frozen=True, slots=True)
class Cursor:
    path: str  # element path below <domain> ('' for <domain> itself)
    attribute: str | None  # None: the element's text
    prefix: str  # what is typed before the cursor
    start: int  # offset where the value begins
    end: int  # offset where the value ends (the replaced range is start..end)
    element: etree._Element  # the element, with its ancestors as parents
    root_name: str


def _attributes(source: str) -> dict[str, str]:
    found = {}
    for match in _ATTR.finditer(source):
        found[match.group(1)] = match.group(2) if match.group(2) is not None else match.group(3)
    return found


def cursor_at(text: str, offset: int) -> Cursor | None:
    """The value under the cursor, or None when it is not in an attribute value or element text."""
    stack: list[tuple[str, dict[str, str]]] = []
    head = text[:offset]
    last_end = 0
    for match in _TOKEN.finditer(head):
        last_end = match.end()
        if match.group("end"):
            name = match.group("end")
            while stack and stack.pop()[0] != name:
                pass
        elif match.group("start") and not match.group("empty"):
            stack.append((match.group("start"), _attributes(match.group("attrs"))))
    tail = head[last_end:]
    partial = _PARTIAL_TAG.search(tail)
    if partial:  # inside a start tag
        value = _OPEN_VALUE.search(partial.group("rest"))
        if not value:
            return None
        tags = [*stack, (partial.group("name"), _attributes(partial.group("rest")))]
        quote = value.group(2)
        close = text.find(quote, offset)
        stop = close if close >= 0 and "<" not in text[offset:close] and "\n" not in text[offset:close] else offset
        return _cursor(tags, value.group(1), value.group(3), offset - len(value.group(3)), stop)
    if "<" in tail or not stack:
        return None
    next_markup = text.find("<", offset)
    stop = len(text) if next_markup < 0 else next_markup
    typed = tail.lstrip()
    start = offset - len(typed)
    following = text[offset:stop]
    return _cursor(stack, None, typed, start, offset + len(following.rstrip()))


def _cursor(tags: list[tuple[str, dict[str, str]]], attribute: str | None, prefix: str, start: int,
            end: int) -> Cursor | None:
    if not tags:
        return None
    element: etree._Element | None = None
    for name, attrs in tags:
        local = name.split(":")[-1]
        try:
            child = etree.Element(local, {k: v for k, v in attrs.items() if ":" not in k})
        except ValueError:
            return None
        if element is not None:
            element.append(child)
        element = child
    path = "/".join(name for name, _ in tags[1:])
    return Cursor(path, attribute, prefix, start, max(end, start), element, tags[0][0])
