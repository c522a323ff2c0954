"""libvirt's scaled integers and CPU/node sets, read as libvirt reads them.

* Scaled integers (``<memory unit='GiB'>4</memory>``, ``<page size='2' unit='M'/>``):
  virScaleInteger (src/util/virutil.c). A unit is ``b``/``byte``/``bytes``
  (1), a letter ``k m g t p e`` alone or followed by ``iB`` (powers of 1024),
  or a letter followed by ``B`` (powers of 1000), case-insensitively; no unit
  means the element's default scale (KiB for memory sizes).
  virDomainParseMemory then rounds the bytes *up* to whole KiB.
* Bitmaps (``cpuset='0-3,^2,8'``, ``nodeset=``): virBitmapParseInternal
  (src/util/virbitmap.c): comma-separated ``N``, ``N-M`` (M >= N) and ``^N``
  (clear N from what was set so far), spaces allowed around the tokens, bits below VIR_DOMAIN_CPUMASK_LEN.
* Plain integers (virStrToLong_uip/_ullp/_i), which the scaled integers build on, and attribute
  numbers read by virXMLPropUInt in a given base (0: C's 0x/0 prefixes).

Every reader returns None for text libvirt would refuse, so rules built on
them stay silent where the parser (and its own rules) speak.
"""

from __future__ import annotations

from lxml import etree

from virtlint.linter.lazy_re import lazy_compile

KIB = 1024
#: a C int's range (virStrToLong_i, virXMLPropInt, and libvirt's formatter's %d)
INT_MIN, INT_MAX = -(2**31), 2**31 - 1
#: The largest unsigned long long (virScaleInteger's and virStrToLong_ull's limit)
ULLONG_MAX = 2**64 - 1
#: The largest unsigned int (virStrToLong_ui's limit)
UINT_MAX = 2**32 - 1
#: VIR_DOMAIN_CPUMASK_LEN: the highest bit a vCPU, host CPU or node bitmap may hold, plus one.
CPUMASK_LEN = 16384
#: c_isspace: the blanks libvirt's virSkipSpaces and strtol skip.
_C_SPACES = " \t\n\r\v\f"
_UNSIGNED = lazy_compile(r"\s*\+?[0-9]+")
_SIGNED = lazy_compile(r"\s*[+-]?[0-9]+")
_BITMAP_ITEM = lazy_compile(r"([0-9]+)(?:[ \t\n\r\v\f]*-[ \t\n\r\v\f]*([+-]?[0-9]+))?")
#: virScaleInteger's suffixes: the power of the base each first letter stands for.
_POWERS = "kmgtpe"


def parse_uint(text: str | None) -> int | None:
    """virStrToLong_uip: digits after optional blanks and '+', nothing after, no '-', fits 32 bits.

    Trailing blanks are tolerated here (libvirt refuses them: VL851 reports that, and the other readers take the
    number)."""
    if text is None or not _UNSIGNED.fullmatch(text.rstrip()):
        return None
    value = int(text)
    return value if value < 2**32 else None


def parse_ui(text: str | None) -> int | None:
    """virStrToLong_ui: decimal digits after optional blanks and a sign, nothing after; a negated number wraps
    (``-1`` is 4294967295) when its magnitude fits 32 bits."""
    if text is None or not _SIGNED.fullmatch(text):
        return None
    value = int(text)
    if value < 0:
        return value + 2**32 if value >= -(2**32 - 1) else None
    return value if value < 2**32 else None


def parse_ullong(text: str | None) -> int | None:
    """virStrToLong_ullp: as parse_uint, 64 bits."""
    if text is None or not _UNSIGNED.fullmatch(text.rstrip()):
        return None
    value = int(text)
    return value if value < 2**64 else None


def parse_int(text: str | None) -> int | None:
    """virStrToLong_i: an optional sign, digits, nothing after, fits a C int."""
    if text is None or not _SIGNED.fullmatch(text.rstrip()):
        return None
    value = int(text)
    return value if INT_MIN <= value <= INT_MAX else None


_C_DECIMAL = lazy_compile(r"[ \t\n\r\v\f]*[+-]?[0-9]+")


def c_decimal(text: str | None, low: int, high: int) -> int | None:
    """A base-10 number read as libvirt's strict virStrToLong_* do: C blanks, a sign, digits and nothing after,
    within [low, high] (pass a negative ``low`` for the readers that wrap negative values); None otherwise."""
    if text is None or _C_DECIMAL.fullmatch(text) is None:
        return None
    value = int(text)
    return value if low <= value <= high else None


def c_int(text: str | None) -> int | None:
    """A C int as libvirt's strict signed readers take it (virStrToLong_i, virXMLPropInt): see c_decimal."""
    return c_decimal(text, INT_MIN, INT_MAX)


def c_unsigned(text: str | None, high: int) -> int | None:
    """A base-10 number as libvirt's unsigned 'p' readers take it (virStrToLong_uip and _ullp, under virXPathUInt,
    virXPathULongLong, virXMLPropUInt...): C blanks, a '+', digits and nothing after, at most ``high``; any '-' is
    refused, '-0' too (c_decimal takes it, as the signed readers do). None otherwise."""
    if text is None or "-" in text:
        return None
    return c_decimal(text, 0, high)


#: what virStrToLong_uip reads whole, by base: C blanks, a '+', then digits (base 0: 0x hex, 0 octal, decimal)
_C_UNSIGNED = {0: lazy_compile(r"[ \t\n\r\v\f]*\+?(0[xX][0-9A-Fa-f]+|0[0-7]*|[1-9][0-9]*)"),
               8: lazy_compile(r"[ \t\n\r\v\f]*\+?([0-7]+)"),
               10: lazy_compile(r"[ \t\n\r\v\f]*\+?([0-9]+)"),
               16: lazy_compile(r"[ \t\n\r\v\f]*\+?(?:0[xX])?([0-9A-Fa-f]+)")}


def prop_uint(text: str | None, base: int, bits: int = 32) -> int | None:
    """An unsigned number as ``virXMLPropUInt`` (``bits=64``: ``virXMLPropULongLong``) reads it: the whole text,
    no sign but '+', no blank after it (base 0: C's 0x/0 prefixes); None if libvirt cannot read it."""
    if text is None:
        return None
    match = _C_UNSIGNED[base].fullmatch(text)
    if match is None:
        return None
    digits = match.group(1)
    if base == 0:
        number = int(digits[2:], 16) if digits[:2] in ("0x", "0X") else int(digits, 8) if digits[0] == "0" \
            else int(digits)
    else:
        number = int(digits, base)
    return number if number < 1 << bits else None


#: what virStrToLong_i / _ll read whole in base 0: C blanks, a sign, then 0x hex, 0 octal or decimal digits
_C_SIGNED_BASE0 = lazy_compile(r"[ \t\n\r\v\f]*([+-]?)(0[xX][0-9A-Fa-f]+|0[0-7]*|[1-9][0-9]*)")


def c_number0(text: str) -> tuple[int, int] | None:
    """The number C's strtol/strtoul read in base 0 at the start of the text (blanks, a sign, then 0x hex, 0 octal
    or decimal digits): (its value, the sign applied; the index where reading stopped); None when there is none."""
    match = _C_SIGNED_BASE0.match(text)
    if match is None:
        return None
    digits = match.group(2)
    value = int(digits, 16) if digits[:2] in ("0x", "0X") else int(digits, 8) if digits[0] == "0" else int(digits)
    return (-value if match.group(1) == "-" else value), match.end()


def prop_int0(text: str | None, bits: int = 32) -> int | None:
    """A signed number as ``virXMLPropInt`` (``bits=64``: ``virXMLPropLongLong``) reads it in base 0: the whole
    text, C's 0x and 0 prefixes; None if libvirt cannot read it."""
    found = c_number0(text) if text is not None else None
    if found is None or found[1] != len(text):  # type: ignore[arg-type]
        return None
    value = found[0]
    limit = 1 << (bits - 1)
    return value if -limit <= value < limit else None


def unit_scale(unit: str | None, default: int = KIB) -> int | None:
    """Bytes per unit of ``unit`` (None or '' is the default scale); None when libvirt refuses the suffix.

    The suffix is read as written: libvirt does not strip blanks around it."""
    if not unit:
        return default
    lowered = unit.lower()
    if lowered in ("b", "byte", "bytes"):
        return 1
    if lowered[0] not in _POWERS:
        return None
    rest = lowered[1:]
    if not rest or rest == "ib":
        base = 1024
    elif rest == "b":
        base = 1000
    else:
        return None
    return base ** (_POWERS.index(lowered[0]) + 1)


def scaled_bytes(value: str | None, unit: str | None, default: int = KIB) -> int | None:
    """A scaled integer in bytes; None when the number (virStrToLong_ullp) or the unit is not one libvirt reads."""
    number = parse_ullong(value)
    scale = unit_scale(unit, default)
    if number is None or scale is None:
        return None
    return number * scale


def scaled_kib(value: str | None, unit: str | None, default: int = KIB) -> int | None:
    """A scaled integer in KiB, rounded up as virDomainParseMemory does."""
    size = scaled_bytes(value, unit, default)
    return None if size is None else -(-size // KIB)


def element_kib(element: etree._Element | None) -> int | None:
    """The KiB of a scaled-integer element (``<memory unit='MiB'>512</memory>``); None if absent or malformed."""
    if element is None:
        return None
    return scaled_kib(element.text, element.get("unit"))


def parse_bitmap(text: str | None, limit: int = CPUMASK_LEN) -> frozenset[int] | None:
    """The set a libvirt bitmap string names ('0-3,^2,8' -> {0, 1, 3, 8}); None when libvirt would refuse it.

    virBitmapParse: 'N', 'N-M' and '^N' items separated by commas, c_isspace blanks around them, one
    trailing comma allowed, every bit below ``limit`` (VIR_DOMAIN_CPUMASK_LEN for domain bitmaps)."""
    if text is None:
        return None
    members: set[int] = set()
    items = text.split(",")
    for position, item in enumerate(items):
        item = item.strip(_C_SPACES)
        if not item and position == len(items) - 1 and position > 0:
            break  # libvirt accepts a trailing comma
        negate = item.startswith("^")
        if negate:
            item = item[1:]
        match = _BITMAP_ITEM.fullmatch(item)
        if not match:
            return None
        start = int(match.group(1))
        if start >= 2**31:
            return None
        if match.group(2) is None:
            if start >= limit:
                return None
            (members.discard if negate else members.add)(start)
            continue
        last = int(match.group(2))
        if negate or last < start or last >= limit:
            return None
        members.update(range(start, last + 1))
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
