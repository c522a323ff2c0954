"""VL257 host-memory-fit: more guest memory than the host, or than the host nodes it is bound to, has."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.caps import Evidence
from virtlint.linter.engine import register
from virtlint.linter.host import HostCaps
from virtlint.linter.model import Anchor, Context, Problem, Severity
from virtlint.linter.units import format_bitmap, format_kib
from virtlint.rules._host import Binding, HostRule, guest_cells, guest_memory_kib, host_evidence, numatune


@register
class HostMemoryFit(HostRule):
    """
    ## What it does
    Warns when the guest's `<memory>` exceeds the host's memory (the sum of
    `topology/cells/cell/memory` in its `virsh capabilities`), and when
    memory bound to host nodes with `numatune` in mode `strict` or
    `restrictive` (the default mode is `strict`) exceeds the memory of those
    nodes: the whole guest for `numatune/memory`, a guest NUMA cell for its
    `memnode`. A node whose cell lists no `<memory>` is memoryless (0).

    ## Why is this bad?
    libvirt does not check this and QEMU starts, since memory is allocated
    on use. The guest then swaps heavily or is killed by the host's OOM
    killer once it uses its memory; memory that must be resident at start
    (`<locked/>`, VFIO passthrough) makes the start itself fail. A warning,
    not an error: libvirt starts the domain. Stage: runtime. Driver: QEMU.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```
    ```xml
    <capabilities><host><cpu><arch>x86_64</arch></cpu><topology><cells num='2'>
      <cell id='0'><memory unit='KiB'>8388608</memory></cell>
      <cell id='1'><memory unit='KiB'>8388608</memory></cell>
    </cells></topology></host></capabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><memory unit='GiB'>12</memory><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <numatune><memory nodeset='0'/></numatune></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><memory unit='GiB'>12</memory><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <numatune><memory nodeset='0-1'/></numatune></domain>
    ```
    """

    code = "VL257"
    name = "host-memory-fit"
    severity = Severity.WARNING
    summary = "More guest memory than the host, or the host nodes it is bound to, has."
    elements = ("memory", "cpu/numa/cell")

    def check_host(self, element: etree._Element, ctx: Context, host: HostCaps) -> Iterator[Problem]:
        evidence = host_evidence(host, host.topology_element)
        tune = numatune(ctx)
        if element.tag == "memory":
            memory = guest_memory_kib(ctx.root)
            if memory is None:
                return
            if host.memory_kib is not None and memory > host.memory_kib:
                yield Problem(
                    Anchor(element, text=True),
                    f"the guest has {format_kib(memory)} of memory, more than the host's "
                    f"{format_kib(host.memory_kib)}: it will swap or be killed by the host's OOM killer once it uses its memory",
                    hint="give the guest less memory than the host has",
                    evidence=evidence,
                )
                return
            # the whole guest is bound by numatune/memory unless guest cells have their own memnodes
            cells = guest_cells(ctx)
            bound = memory if not cells else sum(
                c.memory_kib or 0 for c in cells if c.id not in tune.memnodes
            )
            if cells and all(c.id in tune.memnodes for c in cells):
                return
            yield from _bound_problem(Anchor(element, text=True), bound, tune.binding(None), host, evidence,
                                      "the guest's")
            return
        cell_id = element.get("id")
        if cell_id is None or not cell_id.isdigit() or int(cell_id) not in tune.memnodes:
            return
        cell = next((c for c in guest_cells(ctx) if c.element is element), None)
        if cell is not None and cell.memory_kib is not None:
            yield from _bound_problem(Anchor(element, "memory"), cell.memory_kib, tune.binding(cell.id), host,
                                      evidence, f"guest NUMA cell {cell.id}'s")


def _bound_problem(anchor: Anchor, memory_kib: int, binding: Binding, host: HostCaps, evidence: Evidence | None,
                   whose: str) -> Iterator[Problem]:
    if not binding.confines or binding.nodes is None or not binding.nodes.issubset(host.cells):
        return  # unbound, or a missing node (VL250 says so)
    sizes = [host.node_memory_kib(node) for node in binding.nodes]
    if any(size is None for size in sizes):
        return
    available = sum(sizes)  # type: ignore[arg-type]
    if memory_kib <= available:
        return
    nodes = format_bitmap(binding.nodes)
    yield Problem(
        anchor,
        f"{whose} {format_kib(memory_kib)} of memory is bound ({binding.mode}) to host "
        f"node{'s' if len(binding.nodes) > 1 else ''} {nodes}, which {'have' if len(binding.nodes) > 1 else 'has'} "
        f"only {format_kib(available)}: the guest will be killed by the OOM killer once it uses its memory",
        hint="bind to more host nodes, use mode='preferred', or give the guest less memory",
        evidence=evidence,
    )
