"""libvirt's scaled integers and CPU/node sets, read as libvirt reads them.

* Scaled integers (``<memory unit='GiB'>4</memory>``, ``<page size='2' unit='M'/>``):
  virScaleInteger (src/util/virutil.c). A unit is ``b``/``byte``/``bytes``
  (1), a letter ``k m g t p e`` alone or followed by ``iB`` (powers of 1024),
  or a letter followed by ``B`` (powers of 1000), case-insensitively; no unit
  means the element's default scale (KiB for memory sizes).
  virDomainParseMemory then rounds the bytes *up* to whole KiB.
* Bitmaps (``cpuset='0-3,^2,8'``, ``nodeset=``): virBitmapParseInternal
  (src/util/virbitmap.c): comma-separated ``N``, ``N-M`` (M >= N) and ``^N``
  (clear N from what was set so far), spaces allowed around the tokens.

Every reader returns None for text libvirt would refuse, so rules built on
them stay silent where the parser (and its own rules) speak.
"""

from __future__ import annotations

import re

KIB = 1024
_POWERS = "kmgtpe"
_NUMBER = re.compile(r"\s*\+?\d+\s*\Z")
_DIGITS = re.compile(r"\d+")


def unit_scale(unit: str | None, default: int = KIB) -> int | None:
    """Bytes per unit of ``unit`` (None or '' is the default scale); None when libvirt refuses the suffix."""
    if not unit:
        return default
    lowered = unit.lower()
    if lowered in ("b", "byte", "bytes"):
        return 1
    if lowered[0] not in _POWERS:
        return None
    rest = unit[1:]
    if not rest or rest.lower() == "ib":
        base = 1024
    elif len(rest) == 1 and rest.lower() == "b":
        base = 1000
    else:
        return None
    return base ** (_POWERS.index(lowered[0]) + 1)


def scaled_bytes(value: str | None, unit: str | None, default: int = KIB) -> int | None:
    """A scaled integer in bytes; None when the number or the unit is not one libvirt reads."""
    if value is None or not _NUMBER.match(value):
        return None
    scale = unit_scale(unit.strip() if unit is not None else None, default)
    if scale is None:
        return None
    return int(value) * scale


def scaled_kib(value: str | None, unit: str | None, default: int = KIB) -> int | None:
    """A scaled integer in KiB, rounded up as virDomainParseMemory does."""
    size = scaled_bytes(value, unit, default)
    return None if size is None else -(-size // KIB)


def parse_bitmap(text: str | None) -> frozenset[int] | None:
    """The set a libvirt bitmap string names ('0-3,^2,8' -> {0, 1, 3, 8}); None when libvirt would refuse it."""
    if text is None:
        return None
    members: set[int] = set()
    pos, end = 0, len(text)

    def skip_spaces(at: int) -> int:
        while at < end and text[at].isspace():
            at += 1
        return at

    pos = skip_spaces(pos)
    if pos == end:
        return None
    while pos < end:
        negate = text[pos] == "^"
        if negate:
            pos += 1
        match = _DIGITS.match(text, pos)
        if match is None:
            return None
        start, pos = int(match.group()), match.end()
        pos = skip_spaces(pos)
        if pos == end or text[pos] == ",":
            if negate:
                members.discard(start)
            else:
                members.add(start)
        elif text[pos] == "-":
            if negate:
                return None
            pos = skip_spaces(pos + 1)
            match = _DIGITS.match(text, pos)
            if match is None:
                return None
            last, pos = int(match.group()), match.end()
            if last < start:
                return None
            members.update(range(start, last + 1))
            pos = skip_spaces(pos)
        if pos == end:
            break
        if text[pos] != ",":
            return None
        pos = skip_spaces(pos + 1)
    return frozenset(members)


def format_bitmap(members: frozenset[int] | set[int]) -> str:
    """A set as libvirt prints it: '0-3,8'."""
    ordered = sorted(members)
    runs: list[str] = []
    index = 0
    while index < len(ordered):
        first = last = ordered[index]
        while index + 1 < len(ordered) and ordered[index + 1] == last + 1:
            index += 1
            last = ordered[index]
        runs.append(str(first) if first == last else f"{first}-{last}")
        index += 1
    return ",".join(runs)


def format_kib(kib: int) -> str:
    """A KiB amount the way a person reads it: '2 MiB', '1 GiB', '1536 KiB'."""
    for unit, size in (("TiB", 1024 ** 3), ("GiB", 1024 ** 2), ("MiB", 1024)):
        if kib >= size and kib % size == 0:
            return f"{kib // size} {unit}"
    return f"{kib} KiB"
