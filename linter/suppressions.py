"""Inline suppressions: XML comments that silence rules.

    <!-- virtlint: disable=VL302,VL504 -->                the next element and its subtree
    <!-- virtlint: disable-file=VL504 -->                 the whole file
    <!-- virtlint: disable=feature-unsupported - legacy host, OPS-12 -->

A rule is named by its code, a prefix of codes ('VL3') or its name; several are separated by commas
or spaces; a reason may follow a lone dash (' - ', or an en or em dash). Not ' -- ': XML forbids a
double hyphen inside a comment, and libvirt (like every XML parser) refuses such a file. A suppression that silences nothing, names no rule, or cannot
be read is itself reported (VL005), so mistakes and stale ones do not pile up unnoticed.
"""

from __future__ import annotations

import re
from typing import Iterator

from lxml import etree

from virtlint.linter._record import Record
from virtlint.linter.document import Document, Span
from virtlint.linter.lazy_re import lazy_compile
from virtlint.linter.model import Finding

_MARKER = lazy_compile(r"^\s*virtlint\s*:", re.I)
_DIRECTIVE = lazy_compile(r"^\s*virtlint\s*:\s*(?P<verb>[\w-]+)\s*(?:=\s*(?P<items>.*?))?\s*"
                        r"(?:(?<!\S)[-\u2013\u2014](?:\s+(?P<reason>.*?))?)?\s*$", re.S | re.I)
VERBS = ("disable", "disable-file")


class Suppression(Record):
    comment: etree._Element
    codes: tuple[str, ...]
    scope: Span | None  # None: the whole file
    used: set[str]
    #: Why this comment, which starts like a directive, is not a usable one (reported as VL005).
    error: str | None
    reason: str | None

    __slots__ = ("comment", "codes", "scope", "used", "error", "reason")
    _fields = __slots__

    def __init__(
        self,
        comment: etree._Element,
        codes: tuple[str, ...],
        scope: Span | None,
        used: set[str] | None = None,
        error: str | None = None,
        reason: str | None = None,
    ) -> None:
        self.comment = comment
        self.codes = codes
        self.scope = scope
        self.used = set() if used is None else used
        self.error = error
        self.reason = reason

    def covers(self, finding: Finding) -> str | None:
        """The code of this suppression that silences the finding, if any."""
        if self.error is not None:
            return None
        if self.scope is not None:
            if finding.offsets is None or not self.scope.start <= finding.offsets[0] < self.scope.end:
                return None
        return next((code for code in self.codes if finding.code.startswith(code)), None)


def read(document: Document) -> list[Suppression]:
    """The directives of a document, the unusable ones with their ``error``."""
    source = document.text
    # no comment, no directive: the common case is decided by a C-level search, without a lowered copy
    if document.root is None or "<!--" not in source or "virtlint" not in source.lower():
        return []
    found = []
    for comment in _comments(document.root):
        text = comment.text or ""
        if not _MARKER.match(text):
            continue
        match = _DIRECTIVE.match(text)
        verb = match.group("verb").lower() if match else ""
        if not match or verb not in VERBS:
            from virtlint.linter.config import did_you_mean

            found.append(Suppression(comment, (), None, error=f"unknown suppression directive {verb or text.strip()!r}"
                                     f"{did_you_mean(verb, VERBS)}; write <!-- virtlint: disable=CODE -->"))
            continue
        items = [item for item in re.split(r"[\s,]+", match.group("items") or "") if item]
        codes, error = _codes(items)
        if not items:
            error = f"'{verb}' names no rule; write {verb}=CODE (or a rule name)"
        if error is not None:
            found.append(Suppression(comment, (), None, error=error))
            continue
        reason = match.group("reason")
        if verb == "disable-file":
            found.append(Suppression(comment, codes, None, reason=reason))
            continue
        target = comment.getnext()
        while target is not None and not isinstance(target.tag, str):
            target = target.getnext()
        span = document.element_span(target) if target is not None else None
        if span is None:
            found.append(Suppression(comment, (), None, error="no element follows this suppression; use "
                                     "disable-file=... for the whole file"))
        else:
            found.append(Suppression(comment, codes, span, reason=reason))
    return found


def _codes(items: list[str]) -> tuple[tuple[str, ...], str | None]:
    """(codes, None), or ((), why) when an item names no rule."""
    from virtlint.linter.config import did_you_mean
    from virtlint.linter.engine import all_rules

    rules = all_rules()
    names = {rule.name: rule.code for rule in rules}
    codes = []
    for item in items:
        if item in names:
            codes.append(names[item])
        elif any(rule.code.startswith(item.upper()) for rule in rules):
            codes.append(item.upper())
        else:
            hint = did_you_mean(item.upper(), [r.code for r in rules]) or did_you_mean(item, names)
            return (), f"suppression names no rule {item!r}{hint}; a reason goes after ' - '"
    return tuple(codes), None


def _comments(root: etree._Element) -> Iterator[etree._Element]:
    """Comments before, inside and after the root element, in document order."""
    yield from reversed([node for node in root.itersiblings(preceding=True) if isinstance(node, etree._Comment)])
    yield from root.iter(etree.Comment)
    yield from (node for node in root.itersiblings() if isinstance(node, etree._Comment))


def comment_span(document: Document, comment: etree._Element) -> Span | None:
    """Where the comment is: the n-th comment with its text, n counted in document order (so the second of
    two identical comments is not mistaken for the first)."""
    assert document.root is not None
    markup = f"<!--{comment.text}-->"
    rank = 0
    for other in _comments(document.root):
        if other is comment:
            break
        if other.text == comment.text:
            rank += 1
    start = -1
    for _ in range(rank + 1):
        start = document.text.find(markup, start + 1)
        if start < 0:
            return None
    return Span(start, start + len(markup))
