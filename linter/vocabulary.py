"""What the capabilities allow at a place in a domain, for hovers and completions.

Rules publish, for an element path below `<domain>` and one of its attributes
(or its text, `None`), how to read the allowed values from a capabilities
document. The language server asks here; it holds no rule knowledge itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from lxml import etree

from virtlint.linter.caps import UNKNOWN, DomainCaps, EnumAnswer


@dataclass(frozen=True, slots=True)
class Choice:
    value: str
    detail: str | None = None  # e.g. "usable='no'"
    #: Offered before the others (e.g. models the host can run).
    preferred: bool = True
    #: The caps mark the value deprecated (editors may strike it through).
    deprecated: bool = False


@dataclass(frozen=True, slots=True)
class Allowed:
    """The caps' answer for a place, with the values to offer (best first)."""

    answer: EnumAnswer
    choices: tuple[Choice, ...]


#: (caps, the element holding the value) -> what is allowed there, or None when the entry does not apply.
Reader = Callable[[DomainCaps, etree._Element], Allowed | None]


@dataclass(frozen=True, slots=True)
class Entry:
    label: str
    read: Reader


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
