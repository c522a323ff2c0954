"""Domain facts libvirt's parser and validators derive, shared by the CPU, NUMA, memory and arch rules.

Each helper reads the domain as libvirt's parser would (same number syntax, same bitmap syntax, same
defaults) and returns None where libvirt would refuse the value itself; the parser-value rules
(VL850, VL851) report those, and the semantic rules stay silent on them.
"""

from __future__ import annotations

import re

from lxml import etree

from virtlint.linter._record import FrozenRecord
from virtlint.linter.model import Context

#: how a frozen record's __init__ sets its fields
_set = object.__setattr__

#: VIR_DOMAIN_CPUMASK_LEN: the highest bit a vCPU, host CPU or node bitmap may hold, plus one.
CPUMASK_LEN = 16384

_UINT = re.compile(r"\s*\+?[0-9]+")
_INT = re.compile(r"\s*[+-]?[0-9]+")


def parse_uint(text: str | None) -> int | None:
    """virStrToLong_uip: digits after optional blanks and '+', nothing after, no '-', fits 32 bits.

    Trailing blanks are tolerated (libvirt refuses them; virtlint does not report that)."""
    if text is None or not _UINT.fullmatch(text.rstrip()):
        return None
    value = int(text)
    return value if value < 2**32 else None


def parse_ullong(text: str | None) -> int | None:
    """virStrToLong_ullp: as parse_uint, 64 bits."""
    if text is None or not _UINT.fullmatch(text.rstrip()):
        return None
    value = int(text)
    return value if value < 2**64 else None


def parse_int(text: str | None) -> int | None:
    """virStrToLong_i: an optional sign, digits, nothing after, fits a C int."""
    if text is None or not _INT.fullmatch(text.rstrip()):
        return None
    value = int(text)
    return value if -(2**31) <= value < 2**31 else None


def parse_bitmap(text: str | None, limit: int = CPUMASK_LEN) -> set[int] | None:
    """virBitmapParse: 'N', 'N-M' and '^N' items separated by commas; None when libvirt refuses it."""
    if text is None:
        return None
    bits: set[int] = set()
    items = text.split(",")
    for position, item in enumerate(items):
        item = item.strip(" \t\n\r\v\f")
        if not item and position == len(items) - 1 and position > 0:
            break  # libvirt accepts a trailing comma
        negate = item.startswith("^")
        if negate:
            item = item[1:]
        match = re.fullmatch(r"([0-9]+)(?:[ \t\n\r\v\f]*-[ \t\n\r\v\f]*([+-]?[0-9]+))?", item)
        if not match:
            return None
        start = int(match.group(1))
        if start >= 2**31:
            return None
        if match.group(2) is None:
            if start >= limit:
                return None
            (bits.discard if negate else bits.add)(start)
            continue
        last = int(match.group(2))
        if negate or last < start or last >= limit:
            return None
        bits.update(range(start, last + 1))
    return bits


#: virScaleInteger's suffixes: the power of the base each first letter stands for.
_POWERS = {"k": 1, "m": 2, "g": 3, "t": 4, "p": 5, "e": 6}


def unit_scale(unit: str | None, default: int = 1024) -> int | None:
    """Bytes per unit as virScaleInteger reads it (case-insensitive); None for an unknown suffix."""
    if unit is None or unit == "":
        return default
    lowered = unit.lower()
    if lowered in ("b", "byte", "bytes"):
        return 1
    if len(unit) == 1 or lowered[1:] == "ib":
        base = 1024
    elif lowered[1:] == "b":
        base = 1000
    else:
        return None
    power = _POWERS.get(lowered[0])
    return None if power is None else base**power


def size_kib(element: etree._Element | None, value: str | None, unit: str | None) -> int | None:
    """A memory size in KiB, rounded up as virDomainParseMemory does; None if absent or malformed."""
    number = parse_ullong(value)
    scale = unit_scale(unit)
    if element is None or number is None or scale is None:
        return None
    return -(-number * scale // 1024)


def element_size_kib(element: etree._Element | None) -> int | None:
    """The KiB of an element like <memory unit='MiB'>512</memory>."""
    if element is None:
        return None
    return size_kib(element, element.text, element.get("unit"))


class NumaCell(FrozenRecord):
    element: etree._Element
    index: int  # the cell's position among <cell> elements
    cell_id: int | None  # explicit or positional id; None if malformed
    cpus: set[int] | None  # None if absent or malformed
    memory_kib: int | None

    __slots__ = ("element", "index", "cell_id", "cpus", "memory_kib")
    _fields = __slots__

    def __init__(
        self,
        element: etree._Element,
        index: int,
        cell_id: int | None,
        cpus: set[int] | None,
        memory_kib: int | None,
    ) -> None:
        _set(self, "element", element)
        _set(self, "index", index)
        _set(self, "cell_id", cell_id)
        _set(self, "cpus", cpus)
        _set(self, "memory_kib", memory_kib)


def numa_cells(root: etree._Element) -> list[NumaCell]:
    """The guest NUMA cells of the first <cpu><numa>, in document order."""
    cells = []
    for index, cell in enumerate(root.xpath("cpu/numa[1]/cell")):
        raw_id = cell.get("id")
        cell_id = index if raw_id is None else parse_uint(raw_id)
        cpus = parse_bitmap(cell.get("cpus")) if cell.get("cpus") is not None else None
        cells.append(NumaCell(cell, index, cell_id, cpus,
                              size_kib(cell, cell.get("memory"), cell.get("unit"))))
    return cells


def cell_count(ctx: Context) -> int:
    """How many guest NUMA cells libvirt sees (computed once per document)."""
    return ctx.once("numa-cell-count", lambda: len(ctx.root.xpath("cpu/numa[1]/cell")))


def max_vcpus(root: etree._Element) -> int | None:
    """The maximum vCPU count: the text of <vcpu> (1 without it); None if malformed."""
    vcpu = root.find("vcpu")
    if vcpu is None:
        return 1
    text = (vcpu.text or "").rstrip()
    if not _INT.fullmatch(text):
        return None
    value = int(text)
    return value if 0 <= value < 2**32 else None


def current_vcpus(root: etree._Element) -> int | None:
    """The vCPUs online at boot: <vcpu current>, else the maximum."""
    vcpu = root.find("vcpu")
    if vcpu is None or vcpu.get("current") is None:
        return max_vcpus(root)
    return parse_uint(vcpu.get("current"))


def iothread_ids(root: etree._Element) -> set[int]:
    """IOThread ids as libvirt assigns them: the listed ids, then the lowest free ids up to <iothreads>."""
    ids = set()
    for iothread in root.findall("iothreadids/iothread"):
        value = parse_uint(iothread.get("id"))
        if value is not None:
            ids.add(value)
    count = parse_uint((root.findtext("iothreads") or "0").strip()) or 0
    candidate = 1
    while len(ids) < count:
        if candidate not in ids:
            ids.add(candidate)
        candidate += 1
    return ids


# -- arch and machine ------------------------------------------------------

X86 = ("i686", "x86_64")
PPC64 = ("ppc64", "ppc64le")
ARM = ("aarch64", "armv7l")


def machine_of(ctx: Context) -> str | None:
    """The machine type: <os><type machine>, else the caps' machine when the caps describe this arch."""
    if ctx.machine:
        return ctx.machine
    if ctx.caps.arch and ctx.arch == ctx.caps.arch:
        return ctx.caps.machine
    return None


def is_pseries(arch: str | None, machine: str | None) -> bool:
    """qemuDomainIsPSeries."""
    return arch in PPC64 and machine is not None and machine.startswith("pseries")


def is_arm_virt(arch: str | None, machine: str | None) -> bool:
    """qemuDomainIsARMVirt."""
    return arch in ARM and machine is not None and (machine == "virt" or machine.startswith("virt-"))


def format_ids(ids: set[int] | list[int]) -> str:
    return ", ".join(str(i) for i in sorted(ids))
