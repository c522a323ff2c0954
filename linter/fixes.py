"""Fixes: what a rule proposes to change, resolved into text edits of the document.

Rules describe changes against the tree (set an attribute, set an element's
text, add a child); ``resolve`` turns them into edits of the exact bytes
involved, keeping the rest of the file, its quoting and indentation, as it
was. The language server offers each fix as a quick fix; `virtlint check
--fix` applies the first fix of each finding when it is safe.

Every fix declares its applicability, as in ruff:

- ``SAFE``: the VM stays what it was. The fix spells out what libvirt would
  do anyway, or adds what the configuration already asks for (the shared
  memory backing that virtiofs needs). `--fix` applies these.
- ``UNSAFE``: the fix changes what the VM is: hardware, bus, CPU model or
  features, counts, paths, firmware, machine or virtualization type. It may
  be what you want, but a person must decide; `--fix --unsafe-fixes` applies
  it, editors offer it as a quick fix.

A fix that does not say is unsafe.
"""

from __future__ import annotations

from enum import Enum
from typing import Iterable

from lxml import etree

from virtlint.linter._record import FrozenRecord
from virtlint.linter.document import Document

#: how a frozen record's __init__ sets its fields
_set = object.__setattr__


class SetAttribute(FrozenRecord):
    element: etree._Element
    name: str
    value: str

    __slots__ = ("element", "name", "value")
    _fields = __slots__

    def __init__(self, element: etree._Element, name: str, value: str) -> None:
        _set(self, "element", element)
        _set(self, "name", name)
        _set(self, "value", value)


class SetText(FrozenRecord):
    element: etree._Element
    text: str

    __slots__ = ("element", "text")
    _fields = __slots__

    def __init__(self, element: etree._Element, text: str) -> None:
        _set(self, "element", element)
        _set(self, "text", text)


class AppendChild(FrozenRecord):
    """Add elements (XML snippets, one line each) as the last children of ``parent``,
    or right after its child ``after``."""

    parent: etree._Element
    children: tuple[str, ...]
    after: etree._Element | None

    __slots__ = ("parent", "children", "after")
    _fields = __slots__

    def __init__(self, parent: etree._Element, children: tuple[str, ...], after: etree._Element | None = None) -> None:
        _set(self, "parent", parent)
        _set(self, "children", children)
        _set(self, "after", after)


Change = SetAttribute | SetText | AppendChild


class Applicability(Enum):
    """Whether a fix keeps the VM's meaning (safe) or changes what the VM is (unsafe)."""

    SAFE = "safe"
    UNSAFE = "unsafe"


SAFE, UNSAFE = Applicability.SAFE, Applicability.UNSAFE


class Fix(FrozenRecord):
    title: str
    changes: tuple[Change, ...]
    applicability: Applicability

    __slots__ = ("title", "changes", "applicability")
    _fields = __slots__

    def __init__(
        self,
        title: str,
        changes: tuple[Change, ...],
        applicability: Applicability = Applicability.UNSAFE,
    ) -> None:
        _set(self, "title", title)
        _set(self, "changes", changes)
        _set(self, "applicability", applicability)


def set_attribute(element: etree._Element, name: str, value: str,
                  applicability: Applicability = Applicability.UNSAFE) -> Fix:
    """The fix that gives an attribute a value (adding the attribute when it is absent)."""
    return Fix(f"Set {name}='{value}'", (SetAttribute(element, name, value),), applicability)


class TextEdit(FrozenRecord):
    start: int
    end: int
    text: str

    __slots__ = ("start", "end", "text")
    _fields = __slots__

    def __init__(self, start: int, end: int, text: str) -> None:
        _set(self, "start", start)
        _set(self, "end", end)
        _set(self, "text", text)


class ResolvedFix(FrozenRecord):
    title: str
    edits: tuple[TextEdit, ...]
    applicability: Applicability

    __slots__ = ("title", "edits", "applicability")
    _fields = __slots__

    def __init__(
        self,
        title: str,
        edits: tuple[TextEdit, ...],
        applicability: Applicability = Applicability.UNSAFE,
    ) -> None:
        _set(self, "title", title)
        _set(self, "edits", edits)
        _set(self, "applicability", applicability)

    @property
    def safe(self) -> bool:
        return self.applicability is Applicability.SAFE


def resolve(document: Document, fix: Fix) -> ResolvedFix | None:
    """The fix as text edits, or None when a change cannot be placed exactly."""
    edits = []
    for change in fix.changes:
        edit = _edit(document, change)
        if edit is None:
            return None
        edits.append(edit)
    return ResolvedFix(fix.title, tuple(edits), fix.applicability)


def _edit(document: Document, change: Change) -> TextEdit | None:
    text = document.text
    if isinstance(change, SetAttribute):
        span = document.attr_span(change.element, change.name)
        if span is not None:
            return TextEdit(span.start, span.end, _escape(change.value, text[span.start - 1]))
        tag = document.tag_span(change.element)
        if tag is None:
            return None
        at = tag.end - (2 if document.is_empty_tag(change.element) else 1)
        while at > tag.start and text[at - 1] in " \t\r\n":
            at -= 1
        return TextEdit(at, at, f" {change.name}='{_escape(change.value, chr(39))}'")
    if isinstance(change, SetText):
        span = document.text_span(change.element)
        if span is not None:
            return TextEdit(span.start, span.end, _escape(change.text, ""))
        end = document.content_end(change.element)
        if end is None or document.is_empty_tag(change.element):
            return None
        return TextEdit(end, end, _escape(change.text, ""))
    return _append(document, change)


def _append(document: Document, change: AppendChild) -> TextEdit | None:
    text, newline = document.text, document.newline()
    indent = document.indentation(change.parent)
    child_indent = indent + "  "
    if change.after is not None:
        after = document.element_span(change.after)
        if after is None:
            return None
        end = after.end
        sibling_indent = document.indentation(change.after)
        after_tag = document.tag_span(change.after)
        if after_tag is None:
            return None
        if not _on_own_line(text, after_tag.start):
            return TextEdit(end, end, "".join(change.children))
        return TextEdit(end, end, "".join(f"{newline}{sibling_indent}{xml}" for xml in change.children))
    close = document.content_end(change.parent)
    if close is None:
        return None
    block = f"{newline}{child_indent}".join(change.children)
    if document.is_empty_tag(change.parent):
        name = change.parent.tag
        return TextEdit(close, close + 2, f">{newline}{child_indent}{block}{newline}{indent}</{name}>")
    if _on_own_line(text, close):
        return TextEdit(close, close, f"  {block}{newline}{indent}")
    return TextEdit(close, close, "".join(change.children))


def _on_own_line(text: str, offset: int) -> bool:
    """Only whitespace precedes the offset on its line (and it is not the first line)."""
    line_start = text.rfind("\n", 0, offset) + 1
    return line_start > 0 and text[line_start:offset].strip() == ""


def _escape(value: str, quote: str) -> str:
    value = value.replace("&", "&amp;").replace("<", "&lt;")
    if quote == "'":
        value = value.replace("'", "&apos;")
    elif quote == '"':
        value = value.replace('"', "&quot;")
    return value


def apply(text: str, edits: Iterable[TextEdit]) -> str:
    """Apply non-overlapping edits (an edit overlapping an earlier-accepted one is dropped)."""
    accepted: list[TextEdit] = []
    for edit in sorted(edits, key=lambda e: (e.start, e.end)):
        if accepted and edit.start < accepted[-1].end:
            continue
        if accepted and edit.start == accepted[-1].end == accepted[-1].start == edit.end:
            continue  # two insertions at one point: keep the first
        accepted.append(edit)
    for edit in reversed(accepted):
        text = text[:edit.start] + edit.text + text[edit.end:]
    return text


def apply_fixes(text: str, fixes: Iterable[ResolvedFix]) -> tuple[str, int]:
    """Apply whole fixes that do not overlap one applied before (in order); (new text, fixes applied).

    A fix whose edits overlap an accepted one waits for the next pass, entire: never half of a fix."""
    accepted: list[TextEdit] = []
    count = 0
    for fix in fixes:
        edits = sorted(fix.edits, key=lambda e: (e.start, e.end))
        if any(_overlap(edit, other) for edit in edits for other in accepted):
            continue
        accepted += edits
        count += 1
    return apply(text, accepted), count


def _overlap(a: TextEdit, b: TextEdit) -> bool:
    if a.start == a.end == b.start == b.end:
        return True  # two insertions at one point
    return a.start < b.end and b.start < a.end
