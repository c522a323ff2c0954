"""What the host-topology rules read from a domain: memory binding, guest NUMA cells, huge pages, vCPUs.

Each reader follows the libvirt code that consumes the value at start
(src/conf/numa_conf.c virDomainNumatuneGetNodeset / GetMode,
src/qemu/qemu_command.c qemuBuildMemoryGetPagesize). Values libvirt would
refuse to parse come back as None: the parser's own rules report those.
"""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter._record import FrozenRecord
from virtlint.linter.caps import Evidence
from virtlint.linter.host import HostCaps
from virtlint.linter.model import Context, Problem, Rule
from virtlint.linter.units import element_kib, format_bitmap, format_kib, parse_bitmap, parse_uint, scaled_kib
from virtlint.rules._domain import current_vcpus, numa_cells

#: how a frozen record's __init__ sets its fields
_set = object.__setattr__

#: numatune modes that confine memory to the nodeset (restrictive through cgroups' cpuset.mems).
BINDING_MODES = ("strict", "restrictive")


class Binding(FrozenRecord):
    """Where libvirt lets one guest memory region come from."""

    mode: str
    #: host NUMA nodes; None when not bound (no nodeset, or placement='auto').
    nodes: frozenset[int] | None
    element: etree._Element | None

    __slots__ = ("mode", "nodes", "element")
    _fields = __slots__

    def __init__(self, mode: str, nodes: frozenset[int] | None, element: etree._Element | None) -> None:
        _set(self, "mode", mode)
        _set(self, "nodes", nodes)
        _set(self, "element", element)

    @property
    def confines(self) -> bool:
        return self.nodes is not None and self.mode in BINDING_MODES


class GuestCell(FrozenRecord):
    id: int
    memory_kib: int | None
    element: etree._Element

    __slots__ = ("id", "memory_kib", "element")
    _fields = __slots__

    def __init__(self, id: int, memory_kib: int | None, element: etree._Element) -> None:
        _set(self, "id", id)
        _set(self, "memory_kib", memory_kib)
        _set(self, "element", element)


class Numatune(FrozenRecord):
    #: placement='auto': numad picks the nodes and every nodeset is ignored.
    auto: bool
    memory: Binding
    memnodes: dict[int, Binding]

    __slots__ = ("auto", "memory", "memnodes")
    _fields = __slots__

    def __init__(self, auto: bool, memory: Binding, memnodes: dict[int, Binding]) -> None:
        _set(self, "auto", auto)
        _set(self, "memory", memory)
        _set(self, "memnodes", memnodes)

    def binding(self, cell_id: int | None) -> Binding:
        """The binding of a guest cell (None: the whole guest), as virDomainNumatuneGetNodeset/GetMode pick it."""
        if self.auto:
            return Binding(self.memory.mode, None, self.memory.element)
        if cell_id is not None and cell_id in self.memnodes:
            return self.memnodes[cell_id]
        return self.memory


def numatune(ctx: Context) -> Numatune:
    return ctx.once("host.numatune", lambda: _numatune(ctx.root))


def _numatune(root: etree._Element) -> Numatune:
    memory = root.find("numatune/memory")
    mode = memory.get("mode", "strict") if memory is not None else "strict"
    auto = memory is not None and memory.get("placement") == "auto"
    nodes = parse_bitmap(memory.get("nodeset")) if memory is not None else None
    memnodes: dict[int, Binding] = {}
    for memnode in root.iterfind("numatune/memnode"):
        cell_id = parse_uint(memnode.get("cellid"))
        if cell_id is None:
            continue
        memnodes.setdefault(cell_id, Binding(memnode.get("mode", "strict"), parse_bitmap(memnode.get("nodeset")),
                                             memnode))
    return Numatune(auto, Binding(mode, nodes or None, memory), memnodes)


def guest_cells(ctx: Context) -> list[GuestCell]:
    """The guest's NUMA cells (rules/_domain.numa_cells), an unreadable id standing for the cell's position."""
    return ctx.once("host.guest_cells", lambda: [
        GuestCell(cell.index if cell.cell_id is None else cell.cell_id, cell.memory_kib, cell.element)
        for cell in numa_cells(ctx.root)
    ])


def guest_memory_kib(root: etree._Element) -> int | None:
    """``<memory>`` in KiB (the guest's total memory)."""
    return element_kib(root.find("memory"))


class PageEntry(FrozenRecord):
    """One ``memoryBacking/hugepages/page`` (or a bare ``<hugepages/>``: size None = the default huge page)."""

    size_kib: int | None
    #: guest cells it applies to; None for the entry without a nodeset (the default one).
    guest_nodes: frozenset[int] | None
    element: etree._Element

    __slots__ = ("size_kib", "guest_nodes", "element")
    _fields = __slots__

    def __init__(self, size_kib: int | None, guest_nodes: frozenset[int] | None, element: etree._Element) -> None:
        _set(self, "size_kib", size_kib)
        _set(self, "guest_nodes", guest_nodes)
        _set(self, "element", element)


def page_entries(root: etree._Element) -> list[PageEntry] | None:
    """The huge page entries; None when the domain asks for no huge pages (or one cannot be read)."""
    hugepages = root.find("memoryBacking/hugepages")
    if hugepages is None:
        return None
    pages = list(hugepages.iterfind("page"))
    if not pages:
        return [PageEntry(None, None, hugepages)]
    entries = []
    for page in pages:
        size = scaled_kib(page.get("size"), page.get("unit"))
        nodeset = page.get("nodeset")
        nodes = parse_bitmap(nodeset) if nodeset is not None else None
        if not size or (nodeset is not None and nodes is None):  # 0 or unreadable: the parser refuses it
            return None
        entries.append(PageEntry(size, nodes, page))
    return entries


def page_for(entries: list[PageEntry], cell_id: int | None) -> PageEntry | None:
    """The entry backing a guest cell (None: a guest without NUMA), as qemuBuildMemoryGetPagesize picks it."""
    if cell_id is not None:
        for entry in entries:
            if entry.guest_nodes is not None and cell_id in entry.guest_nodes:
                return entry
    return next((entry for entry in entries if entry.guest_nodes is None), None)


def online_vcpus(root: etree._Element) -> list[int] | None:
    """The ids of the vCPUs online at start: ``<vcpus>`` says per vCPU, else the first ``current`` ones."""
    current = current_vcpus(root)
    if current is None:
        return None
    listed = root.find("vcpus")
    if listed is not None:
        ids = []
        for entry in listed.iterfind("vcpu"):
            if entry.get("enabled") == "yes" and (entry.get("id") or "").isdigit():
                ids.append(int(entry.get("id", "")))
        return ids
    return list(range(current))


def describe_nodes(host: HostCaps) -> str:
    if not host.cells:
        return "none reported"
    return format_bitmap(frozenset(host.cells))


def describe_sizes(sizes: tuple[int, ...]) -> str:
    return ", ".join(format_kib(size) for size in sizes)


def host_evidence(host: HostCaps, element: etree._Element | None) -> Evidence | None:
    return host.evidence(element) if element is not None else None


#: Virt types of libvirt's QEMU driver, whose start-time checks these rules model.
QEMU_TYPES = ("qemu", "kvm", "kqemu", "hvf")


class HostRule(Rule):
    """A rule about the host itself: runs only with a `virsh capabilities` document and for QEMU domains."""

    uses_host = True
    uses_caps = False
    #: start-time checks of libvirt's QEMU driver (qemu_process.c, qemu_command.c, qemu_domain.c)
    drivers = ("qemu",)

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        if ctx.host is None or ctx.domain_type not in QEMU_TYPES:
            return iter(())
        return self.check_host(element, ctx, ctx.host)

    def check_host(self, element: etree._Element, ctx: Context, host: HostCaps) -> Iterator[Problem]:
        return iter(())
