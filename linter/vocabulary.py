"""What the capabilities allow at a place in a domain, for hovers and completions.

Rules publish, for an element path below `<domain>` and one of its attributes
(or its text, `None`), how to read the allowed values from a capabilities
document. The language server asks here; it holds no rule knowledge itself.
"""

from __future__ import annotations

from typing import Callable

from lxml import etree

from virtlint.linter._record import FrozenRecord
from virtlint.linter.caps import UNKNOWN, DomainCaps, EnumAnswer

#: how a frozen record's __init__ sets its fields
_set = object.__setattr__


class Choice(FrozenRecord):
    value: str
    detail: str | None  # e.g. "usable='no'"
    #: Offered before the others (e.g. models the host can run).
    preferred: bool
    #: The caps mark the value deprecated (editors may strike it through).
    deprecated: bool

    __slots__ = ("value", "detail", "preferred", "deprecated")
    _fields = __slots__

    def __init__(self, value: str, detail: str | None = None, preferred: bool = True, deprecated: bool = False) -> None:
        _set(self, "value", value)
        _set(self, "detail", detail)
        _set(self, "preferred", preferred)
        _set(self, "deprecated", deprecated)


class Allowed(FrozenRecord):
    """The caps' answer for a place, with the values to offer (best first)."""

    answer: EnumAnswer
    choices: tuple[Choice, ...]

    __slots__ = ("answer", "choices")
    _fields = __slots__

    def __init__(self, answer: EnumAnswer, choices: tuple[Choice, ...]) -> None:
        _set(self, "answer", answer)
        _set(self, "choices", choices)


#: (caps, the element holding the value) -> what is allowed there, or None when the entry does not apply.
Reader = Callable[[DomainCaps, etree._Element], Allowed | None]


class Entry(FrozenRecord):
    label: str
    read: Reader

    __slots__ = ("label", "read")
    _fields = __slots__

    def __init__(self, label: str, read: Reader) -> None:
        _set(self, "label", label)
        _set(self, "read", read)


_ENTRIES: dict[tuple[str, str | None], list[Entry]] = {}


def publish(path: str, attribute: str | None, label: str, read: Reader) -> None:
    """Declare that the capabilities constrain `attribute` (None: the text) of elements at `path`."""
    _ENTRIES.setdefault((path, attribute), []).append(Entry(label, read))


def lookup(path: str, attribute: str | None) -> list[Entry]:
    import virtlint.rules  # noqa: F401  (rules publish their entries when imported)

    return _ENTRIES.get((path, attribute), [])


def allowed(caps: DomainCaps, path: str, attribute: str | None, holder: etree._Element) -> list[tuple[str, Allowed]]:
    """(label, allowed) for each entry that applies to this element."""
    found = []
    for entry in lookup(path, attribute):
        result = entry.read(caps, holder)
        if result is not None:
            found.append((entry.label, result))
    return found


def from_answer(answer: EnumAnswer) -> Allowed:
    return Allowed(answer, tuple(Choice(value) for value in answer.values))


def single(value: str | None) -> Allowed:
    """A place where the caps name exactly one value (their domain type, arch, emulator)."""
    if value is None:
        return Allowed(UNKNOWN, ())
    from virtlint.linter.caps import Availability

    return Allowed(EnumAnswer(Availability.LISTED, (value,)), (Choice(value),))
