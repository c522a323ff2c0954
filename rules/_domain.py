"""Domain facts libvirt's parser and validators derive, shared by the CPU, NUMA, memory and arch rules.

Each helper reads the domain as libvirt's parser would (same number syntax, same bitmap syntax, same
defaults) and returns None where libvirt would refuse the value itself; the parser-value rules
(VL850, VL851) report those, and the semantic rules stay silent on them.
"""

from __future__ import annotations

from typing import Collection, Iterator

from lxml import etree

from virtlint.linter._record import FrozenRecord
from virtlint.linter.model import Context
from virtlint.linter.units import parse_bitmap, parse_ui, parse_uint, scaled_kib
from virtlint.rules._addresses import PPC64, Platform
from virtlint.rules._support import domain_children, first_child

#: <vcpu>'s text: virXPathUInt reads a sign too (a '-0' is zero), then the value must fit 32 bits unsigned.

#: how a frozen record's __init__ sets its fields
_set = object.__setattr__


class NumaCell(FrozenRecord):
    element: etree._Element
    index: int  # the cell's position among <cell> elements
    cell_id: int | None  # explicit or positional id; None if malformed
    cpus: frozenset[int] | None  # None if absent or malformed
    memory_kib: int | None

    __slots__ = ("element", "index", "cell_id", "cpus", "memory_kib")
    _fields = __slots__

    def __init__(
        self,
        element: etree._Element,
        index: int,
        cell_id: int | None,
        cpus: frozenset[int] | None,
        memory_kib: int | None,
    ) -> None:
        _set(self, "element", element)
        _set(self, "index", index)
        _set(self, "cell_id", cell_id)
        _set(self, "cpus", cpus)
        _set(self, "memory_kib", memory_kib)


#: virMemoryMaxValue(false) >> 10: the largest size in KiB libvirt handles (64-bit), after alignment too.
MAX_MEMORY_KIB = (2**63 - 1) >> 10


def memory_alignment(arch: str | None) -> int:
    """qemuDomainGetMemorySizeAlignment, in KiB: what libvirt rounds the initial memory, each NUMA cell and the
    maximum up to (qemuDomainAlignMemorySizes): 256 MiB on ppc64, else 1 MiB."""
    return 256 * 1024 if arch in PPC64 else 1024


def module_alignment(arch: str | None) -> int:
    """qemuDomainGetMemoryModuleSizeAlignment, in KiB: what libvirt rounds a memory device's size up to: 256 MiB
    on ppc64, else 2 MiB."""
    return 256 * 1024 if arch in PPC64 else 2048


def aligned(size: int, alignment: int) -> int:
    """``size`` rounded up to a multiple of ``alignment`` (VIR_ROUND_UP)."""
    return -(-size // alignment) * alignment


def cell_elements(root: etree._Element) -> list[etree._Element]:
    """The <cell>s of the first <numa> of each <cpu> (XPath cpu/numa[1]/cell), in document order."""
    cells: list[etree._Element] = []
    for cpu in root.iterchildren("cpu"):
        numa = next(cpu.iterchildren("numa"), None)
        if numa is not None:
            cells.extend(numa.iterchildren("cell"))
    return cells


def numa_cells(root: etree._Element) -> list[NumaCell]:
    """The guest NUMA cells of the first <cpu><numa>, in document order."""
    cells = []
    for index, cell in enumerate(cell_elements(root)):
        raw_id = cell.get("id")
        cell_id = index if raw_id is None else parse_uint(raw_id)
        cpus = parse_bitmap(cell.get("cpus")) if cell.get("cpus") is not None else None
        cells.append(NumaCell(cell, index, cell_id, cpus,
                              scaled_kib(cell.get("memory"), cell.get("unit"))))
    return cells


def cell_count(ctx: Context) -> int:
    """How many guest NUMA cells libvirt sees (computed once per document)."""
    return ctx.once("numa-cell-count", lambda: len(cell_elements(ctx.root)))


def max_vcpus(root: etree._Element) -> int | None:
    """The maximum vCPU count: the text of <vcpu> (1 without it); None if malformed."""
    return _maximum(first_child(root, "vcpu"))


def current_vcpus(root: etree._Element) -> int | None:
    """The vCPUs online at boot: <vcpu current>, else the maximum."""
    return _current(first_child(root, "vcpu"))


def vcpu_counts(ctx: Context) -> tuple[int | None, int | None]:
    """(max_vcpus, current_vcpus) of the document, read once."""
    counts = ctx.memo.get("vcpu-counts")
    if counts is None:
        vcpus = domain_children(ctx).get("vcpu")
        if vcpus is None:
            counts = (1, 1)
        else:
            vcpu = vcpus[0]
            maximum = _maximum(vcpu)
            current = vcpu.get("current")
            counts = (maximum, maximum if current is None else parse_uint(current))
        ctx.memo["vcpu-counts"] = counts
    return counts  # type: ignore[return-value]


def _maximum(vcpu: etree._Element | None) -> int | None:
    if vcpu is None:
        return 1
    text = vcpu.text
    if text is not None and text.isdigit() and text.isascii():  # the common case, without the regex
        value = int(text)
        return value if value < 2**32 else None
    # virStrToLong_ui: a sign is read, and a negated number wraps ('-1' is 4294967295 vCPUs, which libvirt 9.0's
    # daemon dies allocating; the vCPU limit rules report it)
    return parse_ui((text or "").rstrip())


def _current(vcpu: etree._Element | None) -> int | None:
    current = None if vcpu is None else vcpu.get("current")
    return _maximum(vcpu) if current is None else parse_uint(current)


class IothreadIds:
    """IOThread ids as libvirt assigns them: the listed ids, then the lowest free ids from 1 up to the <iothreads>
    count. Not a set: the count may be 2^32 - 1, so membership is computed (a listed id, or a free one among the
    first ``added``)."""

    __slots__ = ("listed", "added")

    def __init__(self, listed: frozenset[int], count: int) -> None:
        self.listed = listed
        self.added = max(0, count - len(listed))

    def __contains__(self, number: object) -> bool:
        if not isinstance(number, int):
            return False
        if number in self.listed:
            return True
        if number < 1:
            return False
        # number is the k-th free id, k = number minus the listed ids from 1 to it
        return number - sum(1 for listed in self.listed if 1 <= listed <= number) <= self.added

    def __len__(self) -> int:
        return len(self.listed) + self.added

    def __iter__(self) -> Iterator[int]:
        """The ids in ascending order (lazily: there may be billions)."""
        pending = sorted(self.listed)
        added, candidate = 0, 1
        for listed in pending:
            if listed >= 1:
                while added < self.added and candidate < listed:
                    yield candidate
                    added, candidate = added + 1, candidate + 1
                candidate = max(candidate, listed + 1)
            yield listed
        while added < self.added:
            yield candidate
            added, candidate = added + 1, candidate + 1


def iothread_ids(root: etree._Element) -> IothreadIds:
    """IOThread ids as libvirt assigns them: the listed ids, then the lowest free ids up to <iothreads>."""
    listed = frozenset(value for iothread in root.findall("iothreadids/iothread")
                       if (value := parse_uint(iothread.get("id"))) is not None)
    return IothreadIds(listed, parse_uint((root.findtext("iothreads") or "0").strip()) or 0)


def describe_ids(ids: Collection[int]) -> str:
    """Thread ids for a message: listed when few, else how many there are (a count may reach 2^32 - 1)."""
    if len(ids) <= 32:
        return ", ".join(str(number) for number in sorted(ids))
    first = next(iter(ids))
    return f"{len(ids)} of them, from {first}"


# -- firmware ------------------------------------------------------------------

#: ctx.memo key: (the <os> last asked about, its firmware attribute, first <loader>, first <nvram>)
_OS_PARTS_KEY = "os-parts"


def os_parts(ctx: Context, os: etree._Element) -> tuple[str | None, etree._Element | None, etree._Element | None]:
    """(firmware attribute, first <loader>, first <nvram>) of an <os>, read once per document (VL507 visits
    each <loader> and <nvram>)."""
    known = ctx.memo.get(_OS_PARTS_KEY)
    if known is not None and known[0] is os:  # type: ignore[index]
        return known[1]  # type: ignore[index,no-any-return]
    loader = nvram = None
    for child in os:
        tag = child.tag
        if tag == "loader":
            if loader is None:
                loader = child
        elif tag == "nvram" and nvram is None:
            nvram = child
    parts = (os.get("firmware") or None, loader, nvram)  # (virXPathString: an empty firmware is none)
    ctx.memo[_OS_PARTS_KEY] = (os, parts)
    return parts


# -- arch and machine ------------------------------------------------------

def machine_of(ctx: Context) -> str | None:
    """The machine type: <os><type machine>, else the caps' machine when the caps describe this arch."""
    if ctx.machine:
        return ctx.machine
    if ctx.caps.arch and ctx.arch == ctx.caps.arch:
        return ctx.caps.machine
    return None


def is_pseries(arch: str | None, machine: str | None) -> bool:
    """qemuDomainIsPSeries: 'pseries' or 'pseries-*' on ppc64/ppc64le."""
    return Platform(arch, machine).is_pseries


def is_arm_virt(arch: str | None, machine: str | None) -> bool:
    """qemuDomainIsARMVirt: 'virt' or 'virt-*' on an ARM arch."""
    return Platform(arch, machine).is_arm_virt


#: The longest security model name libvirt keeps, in bytes (VIR_SECURITY_MODEL_BUFLEN less the NUL)
SECURITY_MODEL_MAX = 256


def kept_model(label: etree._Element) -> str | None:
    """A domain <seclabel>'s model as virSecurityLabelDefParseXML keeps it: a longer name is dropped (checked on
    9.0: a model of 257 bytes on a static label is 'missing security model in domain seclabel', on a dynamic one
    the host's default model)."""
    model = label.get("model")
    return model if model is None or len(model.encode()) <= SECURITY_MODEL_MAX else None
