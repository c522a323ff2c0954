"""Table-driven enum checks: one domain attribute constrained by one caps enum.

Each row names where the value is in the domain (an attribute of the visited
element or of one of its children), which caps block and enum constrain it,
and how messages call it. Rules hold tables of rows and call ``check``.
"""

from __future__ import annotations

from typing import Callable, Iterator

from lxml import etree

from virtlint.linter import vocabulary
from virtlint.linter._record import FrozenRecord
from virtlint.linter.caps import Availability, DomainCaps
from virtlint.linter.fixes import set_attribute
from virtlint.linter.model import Anchor, Context, Problem, Severity
from virtlint.rules._libvirt_enums import ACCEPTED, refused_by_parser
from virtlint.rules._support import NOTHING, first_child, ranked, value_problem

#: how a frozen record's __init__ sets its fields
_set = object.__setattr__

#: (value, element to point at, its attribute or '' for the element, why libvirt picks it).
Implied = tuple[str, etree._Element, str, str]


class EnumBinding(FrozenRecord):
    caps: str | Callable[[etree._Element], str | None]  # caps block key, or computed from the element
    enum: str  # caps enum name
    attribute: str  # domain attribute holding the value
    label: str  # how messages name it
    child: str | None  # sub-element holding the attribute, when not the visited element
    applies: Callable[[etree._Element], bool] | None
    #: libvirt's default when the attribute is absent, only where it is certain.
    implied: Callable[[etree._Element], Implied | None] | None
    #: Values this enum can ever list; others are valid by other means and not judged.
    vocabulary: frozenset[str] | None
    severity: Severity | None
    #: When the whole block says supported='no': leave it to a rule about the block.
    skip_unsupported_block: bool

    __slots__ = (
        "caps",
        "enum",
        "attribute",
        "label",
        "child",
        "applies",
        "implied",
        "vocabulary",
        "severity",
        "skip_unsupported_block",
    )
    _fields = __slots__

    def __init__(
        self,
        caps: str | Callable[[etree._Element], str | None],
        enum: str,
        attribute: str,
        label: str,
        child: str | None = None,
        applies: Callable[[etree._Element], bool] | None = None,
        implied: Callable[[etree._Element], Implied | None] | None = None,
        vocabulary: frozenset[str] | None = None,
        severity: Severity | None = None,
        skip_unsupported_block: bool = True,
    ) -> None:
        _set(self, "caps", caps)
        _set(self, "enum", enum)
        _set(self, "attribute", attribute)
        _set(self, "label", label)
        _set(self, "child", child)
        _set(self, "applies", applies)
        _set(self, "implied", implied)
        _set(self, "vocabulary", vocabulary)
        _set(self, "severity", severity)
        _set(self, "skip_unsupported_block", skip_unsupported_block)


def live_rows(bindings: tuple[EnumBinding, ...], caps: DomainCaps) -> tuple[EnumBinding, ...]:
    """The rows that can fire with these caps, computed once per caps document: a row whose caps block is
    fixed and whose answer is silent (or a whole unsupported block it leaves to another rule) never fires."""
    key = ("binding-rows", id(bindings))
    rows = caps.memo.get(key)
    if rows is None:
        rows = caps.memo[key] = tuple(row for row in bindings if _can_fire(row, caps))
    return rows  # type: ignore[return-value]


def _can_fire(row: EnumBinding, caps: DomainCaps) -> bool:
    if callable(row.caps):
        return True
    answer = caps.enum(row.caps, row.enum)
    if answer.unsupported and row.skip_unsupported_block:
        return False
    return answer.availability is not Availability.UNKNOWN


#: A live row as the no-finding test reads it: (child or None, attribute, values, whether ``values`` lists the
#: suspect values (else: the accepted ones), whether an absent value is suspect (libvirt implies one)).
Screen = tuple[str | None, str, frozenset[str], bool, bool]

#: caps.memo key: the visited path (None: any) -> id(table) -> its screens (no key tuple built per call)
_SCREENS_KEY = "binding-screens"


def screens_at(bindings: tuple[EnumBinding, ...], caps: DomainCaps, path: str | None = None) -> tuple[Screen, ...]:
    """The live rows as no-finding tests, computed once per caps document. They may suspect more than
    ``problems`` reports (``applies`` is left to it), never less. With the ``path`` a table is always visited at
    ('devices/disk'), they also leave out the values libvirt's parser refuses there (VL850's, never reported by
    ``problems``): a row whose enum lists every value the parser takes can then report only an implied value,
    or nothing."""
    by_path = caps.memo.get(_SCREENS_KEY)
    if not isinstance(by_path, dict):
        by_path = caps.memo[_SCREENS_KEY] = {}
    by_table = by_path.get(path)
    if by_table is None:
        by_table = by_path[path] = {}
    screens = by_table.get(id(bindings))
    if screens is None:
        screens = by_table[id(bindings)] = _build_screens(bindings, caps, path)
    return screens  # type: ignore[no-any-return]


def _build_screens(bindings: tuple[EnumBinding, ...], caps: DomainCaps, path: str | None) -> tuple[Screen, ...]:
    built: list[Screen] = []
    for row in live_rows(bindings, caps):
        if callable(row.caps):  # the block depends on the element: always the full check
            built.append((None, row.attribute, frozenset(), False, True))
            continue
        answer = caps.enum(row.caps, row.enum)
        allowed = frozenset(answer.values) if answer.availability is Availability.LISTED else frozenset()
        implied = row.implied is not None
        parsed = None if path is None else parser_values(f"{path}/{row.child}" if row.child else path, row.attribute)
        if row.vocabulary is not None:
            suspect = row.vocabulary - allowed
            if parsed is not None:
                suspect &= parsed
        elif parsed is not None:
            suspect = parsed - allowed  # a value outside both is the parser's to refuse
        else:
            built.append((row.child, row.attribute, allowed, False, implied))
            continue
        if suspect or implied:  # else no value can fire
            built.append((row.child, row.attribute, suspect, True, implied))
    return tuple(built)


def parser_values(path: str, attribute: str) -> frozenset[str] | None:
    """The values libvirt's parser takes for this attribute (``refused_by_parser`` refuses the others), None
    when it takes any."""
    return ACCEPTED.get((path, attribute))


def can_fire(bindings: tuple[EnumBinding, ...], caps: DomainCaps) -> bool:
    """Whether any row can report with these caps (for ``Rule.fires_with``)."""
    return bool(screens_at(bindings, caps))


def check(element: etree._Element, bindings: tuple[EnumBinding, ...], ctx: Context) -> Iterator[Problem]:
    """Problems for every row whose value the caps do not allow."""
    # the common case first: every value allowed (set lookups); a suspect element gets the full check
    if suspect(element, screens_at(bindings, ctx.caps), None):
        return problems(element, bindings, ctx, ctx.path)
    return NOTHING


def any_suspect(elements: list[etree._Element], screens: tuple[Screen, ...]) -> bool:
    """Whether one of the elements fails one of the screens (``suspect`` for a list, in one call)."""
    for child, attribute, values, suspects, implied in screens:
        for element in elements:
            if child is None:
                value = element.get(attribute)
            else:
                holder = first_child(element, child)
                value = None if holder is None else holder.get(attribute)
            if value is None:
                if implied:
                    return True
            elif (value in values) is suspects:
                return True
    return False


def any_suspect_indexed(pairs: list[tuple[etree._Element, dict[str, etree._Element]]],
                        screens: tuple[Screen, ...]) -> bool:
    """``any_suspect`` for (element, its ``first_children``) pairs. (Its own loop, as ``any_suspect`` and
    ``suspect`` have: they run on every document, where one shared loop with a per-element test costs ~15k
    instructions a file.)"""
    for child, attribute, values, suspects, implied in screens:
        for element, firsts in pairs:
            if child is None:
                value = element.get(attribute)
            else:
                holder = firsts.get(child)
                value = None if holder is None else holder.get(attribute)
            if value is None:
                if implied:
                    return True
            elif (value in values) is suspects:
                return True
    return False


def suspect(element: etree._Element, screens: tuple[Screen, ...], firsts: dict[str, etree._Element] | None) -> bool:
    """Whether the element fails one of the screens (``firsts``: its ``first_children`` when at hand)."""
    for child, attribute, values, suspects, implied in screens:
        if child is None:
            value = element.get(attribute)
        else:
            holder = first_child(element, child) if firsts is None else firsts.get(child)
            value = None if holder is None else holder.get(attribute)
        if value is None:
            if implied:
                return True
        elif (value in values) is suspects:
            return True
    return False


def problems(element: etree._Element, bindings: tuple[EnumBinding, ...], ctx: Context,
             path: str) -> Iterator[Problem]:
    """Problems for every row whose value the caps do not allow (``path``: the element's path in the domain)."""
    for row in live_rows(bindings, ctx.caps):
        if row.applies is not None and not row.applies(element):
            continue
        holder = element.find(row.child) if row.child else element
        value = holder.get(row.attribute) if holder is not None else None
        anchor, implied = (Anchor(holder, row.attribute) if holder is not None else None), None
        if value is None:
            guess = row.implied(element) if row.implied else None
            if guess is None:
                continue
            value, anchored, attribute, implied = guess
            anchor = Anchor(anchored, attribute or None)
        if anchor is None or (row.vocabulary is not None and value not in row.vocabulary):
            continue
        holder_path = f"{path}/{row.child}" if row.child else path
        if implied is None and refused_by_parser(holder_path, row.attribute, value):
            continue  # not a libvirt value at all: VL850 reports it; the caps judge only valid values
        key = row.caps(element) if callable(row.caps) else row.caps
        if key is None:
            continue
        answer = ctx.caps.enum(key, row.enum)
        if answer.unsupported and row.skip_unsupported_block:
            continue
        if answer.allows(value) is False:
            problem = value_problem(anchor, row.label, value, answer, ctx.caps, attribute=row.attribute,
                                    implied=implied, severity=row.severity)
            if implied and holder is not None:  # the value is libvirt's default: set another one
                problem.fixes = tuple(set_attribute(holder, row.attribute, v) for v in ranked(value, answer.values))
            yield problem


def publish(path: str, rows: tuple[EnumBinding, ...]) -> tuple[EnumBinding, ...]:
    """Tell hovers and completions what the rows constrain (``path``: the visited element)."""
    for row in rows:
        holder_path = f"{path}/{row.child}" if row.child else path
        vocabulary.publish(holder_path, row.attribute, row.label, _reader(row))
    return rows


def _reader(row: EnumBinding) -> vocabulary.Reader:
    def read(caps, holder: etree._Element) -> vocabulary.Allowed | None:
        visited = holder.getparent() if row.child else holder
        if visited is None or (row.applies is not None and not row.applies(visited)):
            return None
        key = row.caps(visited) if callable(row.caps) else row.caps
        return vocabulary.from_answer(caps.enum(key, row.enum)) if key else None

    return read
