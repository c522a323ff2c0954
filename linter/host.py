"""The host model: a lenient reader of ``virsh capabilities`` output.

`virsh capabilities` describes the host itself (its CPU, NUMA cells, page sizes,
IOMMU, security drivers) and every guest it can run: per arch and OS type, the
emulator, the machine types with their aliases (``canonical``) and ``maxCpus``,
and the virt types (``<domain type=...>``), which may name their own emulator
and machines (formatcaps.rst; src/conf/capabilities.c, virCapabilitiesFormatXML).

Like the domcapabilities reader (linter/caps.py), it insists on nothing a
particular libvirt version prints: a missing block means *not reported*
(None or empty), never "the host has none". Elements come with their
positions so findings can cite the host document as evidence.
"""

from __future__ import annotations


from lxml import etree

from virtlint.linter._record import FrozenRecord
from virtlint.linter.caps import CapsError, Evidence, child_text, evidence_of, int_or_none
from virtlint.linter.document import Document, InputError
from virtlint.linter.units import element_kib, scaled_kib

#: how a frozen record's __init__ sets its fields
_set = object.__setattr__


class MachineEntry(FrozenRecord):
    """One ``<machine>``: its name, the versioned machine an alias stands for, its vCPU limit."""

    name: str
    canonical: str | None
    max_cpus: int | None
    element: etree._Element | None

    __slots__ = ("name", "canonical", "max_cpus", "element")
    #: compared, shown and pickled (the element is not, as with the dataclass's compare=False)
    _fields = ("name", "canonical", "max_cpus")

    def __init__(
        self,
        name: str,
        canonical: str | None,
        max_cpus: int | None,
        element: etree._Element | None = None,
    ) -> None:
        _set(self, "name", name)
        _set(self, "canonical", canonical)
        _set(self, "max_cpus", max_cpus)
        _set(self, "element", element)


class GuestDomain(FrozenRecord):
    """One ``<domain type=...>`` of a guest arch; its own emulator/machines override the arch's."""

    type: str
    emulator: str | None
    machines: tuple[MachineEntry, ...]
    element: etree._Element | None

    __slots__ = ("type", "emulator", "machines", "element")
    #: compared, shown and pickled (the element is not, as with the dataclass's compare=False)
    _fields = ("type", "emulator", "machines")

    def __init__(
        self,
        type: str,
        emulator: str | None,
        machines: tuple[MachineEntry, ...],
        element: etree._Element | None = None,
    ) -> None:
        _set(self, "type", type)
        _set(self, "emulator", emulator)
        _set(self, "machines", machines)
        _set(self, "element", element)


class GuestCaps(FrozenRecord):
    """One ``<guest>``: an OS type on an arch, with its emulator, machines and virt types."""

    os_type: str
    arch: str
    wordsize: int | None
    emulator: str | None
    machines: tuple[MachineEntry, ...]
    domains: dict[str, GuestDomain]
    #: Names of the guest's ``<features>`` children (pae, acpi, cpuselection, ...).
    features: frozenset[str]
    element: etree._Element | None

    __slots__ = ("os_type", "arch", "wordsize", "emulator", "machines", "domains", "features", "element")
    #: compared, shown and pickled (the element is not, as with the dataclass's compare=False)
    _fields = ("os_type", "arch", "wordsize", "emulator", "machines", "domains", "features")

    def __init__(
        self,
        os_type: str,
        arch: str,
        wordsize: int | None,
        emulator: str | None,
        machines: tuple[MachineEntry, ...],
        domains: dict[str, GuestDomain],
        features: frozenset[str] = frozenset(),
        element: etree._Element | None = None,
    ) -> None:
        _set(self, "os_type", os_type)
        _set(self, "arch", arch)
        _set(self, "wordsize", wordsize)
        _set(self, "emulator", emulator)
        _set(self, "machines", machines)
        _set(self, "domains", domains)
        _set(self, "features", features)
        _set(self, "element", element)

    def machines_for(self, virt_type: str | None) -> tuple[MachineEntry, ...]:
        """The machines a virt type offers: its own list when it has one, else the arch's."""
        domain = self.domains.get(virt_type) if virt_type else None
        return domain.machines if domain is not None and domain.machines else self.machines

    def emulator_for(self, virt_type: str | None) -> str | None:
        """The emulator a virt type uses: its own when it names one, else the arch's."""
        domain = self.domains.get(virt_type) if virt_type else None
        return domain.emulator if domain is not None and domain.emulator else self.emulator


class NumaCell(FrozenRecord):
    """One host NUMA node (``host/topology/cells/cell``)."""

    id: int
    #: None when the cell does not report its memory.
    memory_kib: int | None
    #: page size in KiB -> number of pages of that size on the node (a total, not the free count).
    pages: dict[int, int]
    cpu_ids: frozenset[int]
    element: etree._Element | None

    __slots__ = ("id", "memory_kib", "pages", "cpu_ids", "element")
    #: compared, shown and pickled (the element is not, as with the dataclass's compare=False)
    _fields = ("id", "memory_kib", "pages", "cpu_ids")

    def __init__(
        self,
        id: int,
        memory_kib: int | None,
        pages: dict[int, int],
        cpu_ids: frozenset[int],
        element: etree._Element | None = None,
    ) -> None:
        _set(self, "id", id)
        _set(self, "memory_kib", memory_kib)
        _set(self, "pages", pages)
        _set(self, "cpu_ids", cpu_ids)
        _set(self, "element", element)


class HostCaps:
    """One ``virsh capabilities`` document, indexed once."""

    def __init__(self, document: Document) -> None:
        root = document.root
        if root is None or not is_host_caps(root):
            found = f"<{document.root_name}>" if document.root_name else "no root element"
            raise CapsError(f"{document.path}: not a host capabilities document ({found})")
        self.document = document
        #: The <capabilities> element.
        self.root: etree._Element = root
        self.path = document.path
        host = root.find("host")
        cpu = host.find("cpu") if host is not None else None
        self.host_arch: str | None = child_text(cpu, "arch")
        self.page_sizes_kib: tuple[int, ...] = tuple(
            size for size in (_page_size(p) for p in (cpu.iterchildren("pages") if cpu is not None else ()))
            if size is not None
        )
        #: host/cpu/counter name='tsc': frequency in Hz and whether the host can scale it (None: not said).
        counter = cpu.find("counter[@name='tsc']") if cpu is not None else None
        self.tsc_element: etree._Element | None = counter
        self.tsc_frequency_hz: int | None = int_or_none(counter.get("frequency")) if counter is not None else None
        self.tsc_scaling: bool | None = (
            None if counter is None or counter.get("scaling") is None else counter.get("scaling") == "yes"
        )
        iommu = host.find("iommu") if host is not None else None
        self.iommu_element: etree._Element | None = iommu
        support = iommu.get("support") if iommu is not None else None
        self.iommu: bool | None = None if support not in ("yes", "no") else support == "yes"
        self.secmodel_elements: tuple[etree._Element, ...] = tuple(
            host.iterchildren("secmodel") if host is not None else ()
        )
        self.secmodels: tuple[str, ...] = tuple(
            model for model in (child_text(s, "model") for s in self.secmodel_elements) if model
        )
        self.topology_element: etree._Element | None = host.find("topology/cells") if host is not None else None
        self.cells: dict[int, NumaCell] = {}
        if self.topology_element is not None:
            for element in self.topology_element.iterchildren("cell"):
                cell = _cell(element)
                if cell is not None and cell.id not in self.cells:
                    self.cells[cell.id] = cell
        self.cpu_ids: frozenset[int] = frozenset().union(*(c.cpu_ids for c in self.cells.values()))
        #: libvirt omits <memory> of memoryless nodes; a document where no cell reports memory says nothing.
        self._reports_memory = any(c.memory_kib is not None for c in self.cells.values())
        self.memory_kib: int | None = (
            sum(c.memory_kib or 0 for c in self.cells.values()) if self._reports_memory else None
        )
        self.guests: tuple[GuestCaps, ...] = tuple(
            guest for guest in (_guest(g) for g in root.iterchildren("guest")) if guest is not None
        )

    @classmethod
    def from_file(cls, path: str) -> HostCaps:
        try:
            document = Document.from_file(path)
        except (InputError, OSError) as err:
            reason = err.strerror or str(err) if isinstance(err, OSError) else str(err)
            raise CapsError(f"{path}: {reason}") from None
        if document.syntax_error is not None:
            problem = document.syntax_error
            raise CapsError(f"{path}:{problem.line}:{problem.column}: not well-formed XML: {problem.message}")
        if document.doctype is not None:
            raise CapsError(f"{path}: has a DOCTYPE; virtlint refuses DTDs and entities")
        return cls(document)

    # -- questions --------------------------------------------------------

    @property
    def identity(self) -> str:
        """A short description, e.g. 'host x86_64, 2 NUMA nodes'."""
        parts = [f"host {self.host_arch}" if self.host_arch else "host"]
        if self.cells:
            parts.append(f"{len(self.cells)} NUMA node{'s' if len(self.cells) != 1 else ''}")
        return ", ".join(parts)

    def guests_for(self, arch: str, os_type: str = "hvm") -> list[GuestCaps]:
        """The guests of exactly this arch and OS type (compatible arches are the caller's business)."""
        return [g for g in self.guests if g.arch == arch and g.os_type == os_type]

    def node_memory_kib(self, node: int) -> int | None:
        """A node's memory: 0 for a memoryless node, None when unknown (no such node, or no cell says)."""
        cell = self.cells.get(node)
        if cell is None or not self._reports_memory:
            return None
        return cell.memory_kib or 0

    @property
    def system_page_kib(self) -> int | None:
        """The ordinary page size (the smallest size listed): a 'huge' page of this size means no huge pages."""
        return min(self.page_sizes_kib) if self.page_sizes_kib else None

    def page_count(self, size_kib: int, nodes: frozenset[int] | None = None) -> int | None:
        """Total pages of a size on some nodes (all when None); None when a node does not report it."""
        cells = self.cells.values() if nodes is None else [self.cells[n] for n in nodes if n in self.cells]
        counts = [cell.pages.get(size_kib) for cell in cells]
        if not counts or any(count is None for count in counts):
            return None
        return sum(counts)  # type: ignore[arg-type]

    def evidence(self, element: etree._Element) -> Evidence:
        return evidence_of(self.document, self.path, element, ("id", "name", "support", "size", "type"))


def is_host_caps(root: etree._Element) -> bool:
    """True for the root of a `virsh capabilities` document."""
    return isinstance(root.tag, str) and root.tag == "capabilities"


def is_domain_caps(root: etree._Element) -> bool:
    """True for the root of a `virsh domcapabilities` document."""
    return isinstance(root.tag, str) and root.tag == "domainCapabilities"


def load_hosts(paths: list[str]) -> list[HostCaps]:
    return [HostCaps.from_file(path) for path in paths]


# -- reading ---------------------------------------------------------------


def _cell(element: etree._Element) -> NumaCell | None:
    cell_id = int_or_none(element.get("id"))
    if cell_id is None or cell_id < 0:
        return None
    memory_kib = element_kib(element.find("memory"))
    pages: dict[int, int] = {}
    for page in element.iterchildren("pages"):
        size, count = _page_size(page), int_or_none((page.text or "").strip())
        if size is not None and count is not None and count >= 0:
            pages[size] = count
    cpus = element.find("cpus")
    cpu_ids = frozenset(
        cpu_id for cpu_id in (int_or_none(c.get("id")) for c in (cpus.iterchildren("cpu") if cpus is not None else ()))
        if cpu_id is not None and cpu_id >= 0
    )
    return NumaCell(cell_id, memory_kib, pages, cpu_ids, element)


def _guest(element: etree._Element) -> GuestCaps | None:
    arch = element.find("arch")
    if arch is None or not arch.get("name"):
        return None
    domains: dict[str, GuestDomain] = {}
    for domain in arch.iterchildren("domain"):
        virt_type = domain.get("type")
        if virt_type and virt_type not in domains:
            domains[virt_type] = GuestDomain(virt_type, child_text(domain, "emulator"), _machines(domain), domain)
    features = element.find("features")
    return GuestCaps(
        os_type=child_text(element, "os_type") or "",
        arch=arch.get("name", ""),
        wordsize=int_or_none(child_text(arch, "wordsize")),
        emulator=child_text(arch, "emulator"),
        machines=_machines(arch),
        domains=domains,
        features=frozenset(
            child.tag for child in (features.iterchildren(etree.Element) if features is not None else ())
            if isinstance(child.tag, str)
        ),
        element=element,
    )


def _machines(parent: etree._Element) -> tuple[MachineEntry, ...]:
    return tuple(
        MachineEntry((m.text or "").strip(), m.get("canonical"), int_or_none(m.get("maxCpus")), m)
        for m in parent.iterchildren("machine")
        if (m.text or "").strip()
    )


def _page_size(element: etree._Element) -> int | None:
    """A ``<pages unit= size=>`` size in KiB."""
    return scaled_kib(element.get("size"), element.get("unit"))


