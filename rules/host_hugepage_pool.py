"""VL252 host-hugepage-pool: the host's huge page pool is smaller than the memory it must back."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter._record import Record
from virtlint.linter.engine import register
from virtlint.linter.host import HostCaps
from virtlint.linter.model import Anchor, Context, Problem, Severity
from virtlint.linter.units import element_kib, format_bitmap, format_kib, parse_bitmap
from virtlint.rules._host import (
    Binding, HostRule, PageEntry, guest_cells, guest_memory_kib, host_evidence, numatune, page_entries, page_for,
)


class Demand(Record):
    """Guest memory backed by one page size from one set of host nodes."""

    size_kib: int
    nodes: frozenset[int] | None  # None: any node
    pages: int
    memory_kib: int
    anchor: Anchor | None

    __slots__ = ("size_kib", "nodes", "pages", "memory_kib", "anchor")
    _fields = __slots__

    def __init__(
        self,
        size_kib: int,
        nodes: frozenset[int] | None,
        pages: int = 0,
        memory_kib: int = 0,
        anchor: Anchor | None = None,
    ) -> None:
        self.size_kib = size_kib
        self.nodes = nodes
        self.pages = pages
        self.memory_kib = memory_kib
        self.anchor = anchor


@register
class HostHugepagePool(HostRule):
    """
    ## What it does
    Adds up the guest memory each huge page size must back (the whole
    `<memory>` without guest NUMA, else each `cpu/numa/cell` with the
    `<page>` whose `nodeset` names it, or the `<page>` without one) and
    compares the pages it needs with the pool the host's `virsh
    capabilities` reports for that size (`topology/cells/cell/pages`) on the
    host nodes the memory may come from: those of `numatune` (`memnode` for
    a cell, else `memory`) in mode `strict` (the default), else every node
    (`restrictive` binds through cgroups only after QEMU has preallocated).
    `dimm` memory devices count too, with their `<pagesize>` (else the
    `<page>` of their target node) and their `<nodemask>` (else the binding
    of their target node). The counts are pool totals, not free pages: a pool
    that is large enough but busy cannot be decided offline and is not
    reported. `virtio-mem` devices, which plug memory later, are not counted.

    ## Why is this bad?
    libvirt always preallocates huge page backed memory
    (`qemuBuildMemoryGetPagesize` sets prealloc), so QEMU exits at start:
    `unable to map backing store for guest RAM: Cannot allocate memory`,
    reported by libvirt as `internal error: qemu unexpectedly closed the
    monitor: ...` (or `process exited while connecting to monitor`). Stage:
    start. Driver: QEMU. A host that allows surplus huge pages
    (`nr_overcommit_hugepages`, not shown in the capabilities) may still
    grow its pool for 2 MiB pages.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```
    ```xml
    <capabilities><host><cpu><arch>x86_64</arch>
      <pages unit='KiB' size='4'/><pages unit='KiB' size='2048'/></cpu>
      <topology><cells num='2'>
        <cell id='0'><memory unit='KiB'>8388608</memory><pages unit='KiB' size='2048'>1024</pages></cell>
        <cell id='1'><memory unit='KiB'>8388608</memory><pages unit='KiB' size='2048'>0</pages></cell>
      </cells></topology></host></capabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><memory unit='GiB'>4</memory><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <memoryBacking><hugepages><page size='2' unit='MiB'/></hugepages></memoryBacking>
      <numatune><memory mode='strict' nodeset='0'/></numatune></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><memory unit='GiB'>2</memory><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <memoryBacking><hugepages><page size='2' unit='MiB'/></hugepages></memoryBacking>
      <numatune><memory mode='strict' nodeset='0'/></numatune></domain>
    ```
    """

    code = "VL252"
    name = "host-hugepage-pool"
    severity = Severity.ERROR
    summary = "The host's huge page pool is smaller than the guest memory it must back."
    elements = ("",)

    def check_host(self, element: etree._Element, ctx: Context, host: HostCaps) -> Iterator[Problem]:
        if not host.cells:
            return
        demands: dict[tuple[int, frozenset[int] | None], Demand] = {}
        for memory_kib, size, binding, anchor in _regions(ctx, host):
            if size is None:  # the default huge page size: known only when the host offers one
                huge = [s for s in host.page_sizes_kib if s != host.system_page_kib]
                size = huge[0] if len(huge) == 1 else None
            if size is None or size == host.system_page_kib:
                continue
            # only mode='strict' gives QEMU's backend host-nodes with policy bind (qemuBuildMemoryBackendProps);
            # restrictive binds through cgroups once QEMU runs, after the preallocation
            nodes = binding.nodes.intersection(host.cells) if binding.mode == "strict" and binding.nodes else None
            demand = demands.setdefault((size, nodes), Demand(size, nodes, anchor=anchor))
            demand.pages += -(-memory_kib // size)
            demand.memory_kib += memory_kib
        for demand in demands.values():
            pool = host.page_count(demand.size_kib, demand.nodes)
            if pool is None or demand.pages <= pool:
                continue
            where = (f"host node{'s' if len(demand.nodes) > 1 else ''} {format_bitmap(demand.nodes)}"
                     if demand.nodes is not None else "the host")
            assert demand.anchor is not None
            yield Problem(
                demand.anchor,
                f"{format_kib(demand.memory_kib)} of guest memory needs {demand.pages} pages of "
                f"{format_kib(demand.size_kib)}, but the pool on {where} holds only {pool}: QEMU cannot "
                f"preallocate the memory and the domain does not start",
                hint=f"reserve at least {demand.pages} pages of {format_kib(demand.size_kib)} "
                     f"(vm.nr_hugepages or /sys/devices/system/node/node*/hugepages) or give the guest less memory",
                evidence=host_evidence(host, host.topology_element),
            )


def _regions(ctx: Context, host: HostCaps) -> Iterator[tuple[int, int | None, Binding, Anchor]]:
    """(KiB, page size or None for the default huge page, binding, anchor) of each huge page backed region:
    the guest's memory (per guest NUMA cell) and its dimm devices, as qemuBuildMemoryGetPagesize picks sizes."""
    entries = page_entries(ctx.root)
    tune = numatune(ctx)
    if entries is not None:
        cells = guest_cells(ctx)
        regions = [(cell.id, cell.memory_kib) for cell in cells] if cells else [(None, guest_memory_kib(ctx.root))]
        for cell_id, memory_kib in regions:
            entry = page_for(entries, cell_id)
            if entry is not None and memory_kib is not None:
                yield memory_kib, entry.size_kib, tune.binding(cell_id), _anchor(entry)
    for device in ctx.root.iterfind("devices/memory[@model='dimm']"):
        memory_kib = element_kib(device.find("target/size"))
        node_text = (device.findtext("target/node") or "").strip()
        node = int(node_text) if node_text.isdigit() else None
        pagesize = device.find("source/pagesize")
        if memory_kib is None:
            continue
        if pagesize is not None:
            page_kib = element_kib(pagesize)
            if not page_kib:
                continue
            anchor = Anchor(pagesize, text=True)
        else:
            entry = page_for(entries, node) if entries is not None else None
            if entry is None:
                continue
            page_kib, anchor = entry.size_kib, Anchor(device)
        binding = tune.binding(node)
        nodemask = device.find("source/nodemask")
        if nodemask is not None:
            nodes = parse_bitmap((nodemask.text or "").strip())
            if nodes is None:
                continue
            binding = Binding(binding.mode, nodes, nodemask)
        yield memory_kib, page_kib, binding, anchor


def _anchor(entry: PageEntry) -> Anchor:
    return Anchor(entry.element, "size") if entry.size_kib else Anchor(entry.element)
