"""Inline suppressions: XML comments that silence rules.

    <!-- virtlint: disable=VL302,VL504 -->    the next element and its subtree
    <!-- virtlint: disable-file=VL504 -->     the whole file

A code may be a prefix ('VL3'). A suppression that silences nothing is itself
reported (VL005), so stale ones do not pile up.
"""

from __future__ import annotations

import re

from lxml import etree

from virtlint.linter._record import Record
from virtlint.linter.document import Document, Span
from virtlint.linter.model import Finding

_DIRECTIVE = re.compile(r"^\s*virtlint:\s*(disable|disable-file)\s*=\s*([A-Za-z0-9_,\s-]+?)\s*$")


class Suppression(Record):
    comment: etree._Element
    codes: tuple[str, ...]
    scope: Span | None  # None: the whole file
    used: set[str]

    __slots__ = ("comment", "codes", "scope", "used")
    _fields = __slots__

    def __init__(
        self,
        comment: etree._Element,
        codes: tuple[str, ...],
        scope: Span | None,
        used: set[str] | None = None,
    ) -> None:
        self.comment = comment
        self.codes = codes
        self.scope = scope
        self.used = set() if used is None else used

    def covers(self, finding: Finding) -> str | None:
        """The code of this suppression that silences the finding, if any."""
        if self.scope is not None:
            if finding.offsets is None or not self.scope.start <= finding.offsets[0] < self.scope.end:
                return None
        return next((code for code in self.codes if finding.code.startswith(code)), None)


def read(document: Document) -> list[Suppression]:
    if document.root is None or "virtlint:" not in document.text:
        return []  # no directive anywhere: no comment needs reading
    found = []
    for comment in _comments(document.root):
        match = _DIRECTIVE.match(comment.text or "")
        if not match:
            continue
        codes = tuple(code.strip().upper() for code in match.group(2).split(",") if code.strip())
        if match.group(1) == "disable-file":
            found.append(Suppression(comment, codes, None))
            continue
        target = comment.getnext()
        while target is not None and not isinstance(target.tag, str):
            target = target.getnext()
        if target is not None:
            found.append(Suppression(comment, codes, document.element_span(target)))
    return found


def _comments(root: etree._Element):
    """Comments before, inside and after the root element."""
    yield from (node for node in root.itersiblings(preceding=True) if isinstance(node, etree._Comment))
    yield from root.iter(etree.Comment)
    yield from (node for node in root.itersiblings() if isinstance(node, etree._Comment))


def comment_span(document: Document, comment: etree._Element) -> Span | None:
    start = document.text.find(f"<!--{comment.text}-->")
    return Span(start, start + len(comment.text or "") + 7) if start >= 0 else None
