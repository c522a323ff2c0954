"""VL251 host-hugepage-size: huge pages of a size the host's kernel does not offer."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.caps import Evidence
from virtlint.linter.engine import register
from virtlint.linter.host import HostCaps
from virtlint.linter.model import Anchor, Context, Problem, Severity
from virtlint.linter.units import element_kib, format_kib
from virtlint.rules._host import HostRule, describe_sizes, guest_cells, host_evidence, page_entries, page_for


@register
class HostHugepageSize(HostRule):
    """
    ## What it does
    Compares the huge page sizes a domain asks for
    (`memoryBacking/hugepages/page/@size` with its `unit`, and the
    `<source><pagesize>` of a `dimm` or `virtio-mem` memory device) with
    the page sizes of the host's `virsh capabilities` (`host/cpu/pages`,
    the sizes the kernel supports).
    A size equal to the ordinary page size means "no huge pages" and is
    fine. A `<page>` no guest NUMA cell uses is not looked at by libvirt and
    is not reported. A bare `<hugepages/>` on a host whose kernel offers no
    huge page size at all is reported too.

    ## Why is this bad?
    No hugetlbfs can be mounted for a size the kernel does not support, so
    the domain is defined but does not start: `internal error: Unable to find
    any usable hugetlbfs mount for N KiB` (src/qemu/qemu_conf.c
    `qemuGetDomainHupageMemPath`, from qemu_command.c
    `qemuBuildMemoryBackendProps`), or `hugetlbfs filesystem is not mounted
    or disabled by administrator config` when there is none at all
    (`qemuBuildMemoryGetDefaultPagesize`). Stage: start. Driver: QEMU.
    A size the host lists may still be unmounted (host state this rule cannot
    see).

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```
    ```xml
    <capabilities><host><cpu><arch>x86_64</arch>
      <pages unit='KiB' size='4'/><pages unit='KiB' size='2048'/></cpu></host></capabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><memory unit='GiB'>2</memory><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <memoryBacking><hugepages><page size='1' unit='GiB'/></hugepages></memoryBacking></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><memory unit='GiB'>2</memory><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <memoryBacking><hugepages><page size='2' unit='MiB'/></hugepages></memoryBacking></domain>
    ```
    """

    code = "VL251"
    name = "host-hugepage-size"
    severity = Severity.ERROR
    summary = "Huge pages of a size the host does not offer."
    elements = ("memoryBacking/hugepages", "devices/memory/source/pagesize")

    def check_host(self, element: etree._Element, ctx: Context, host: HostCaps) -> Iterator[Problem]:
        if not host.page_sizes_kib:
            return
        evidence = host_evidence(host, host.root.find("host/cpu/pages"))
        offered = describe_sizes(host.page_sizes_kib)
        if element.tag == "pagesize":
            if element.getparent().getparent().get("model") not in ("dimm", "virtio-mem"):
                return  # the only models whose <pagesize> libvirt reads
            size = element_kib(element)
            if size is not None and size not in host.page_sizes_kib:
                yield self._problem(Anchor(element, text=True), size, offered, evidence)
            return
        entries = page_entries(ctx.root)
        if entries is None:
            return
        cells = guest_cells(ctx)
        used = {id(page_for(entries, cell.id)) for cell in cells} if cells else {id(page_for(entries, None))}
        for entry in entries:
            if id(entry) not in used:
                continue  # qemuBuildMemoryGetPagesize never picks it
            if entry.size_kib is None:
                if len(host.page_sizes_kib) == 1:
                    yield Problem(
                        Anchor(entry.element),
                        f"the host offers no huge pages (only {offered} pages), so hugetlbfs cannot be mounted and "
                        f"libvirt refuses to start the domain",
                        hint="remove <hugepages/> or use a host with huge page support",
                        evidence=evidence,
                    )
            elif entry.size_kib not in host.page_sizes_kib:
                yield self._problem(Anchor(entry.element, "size"), entry.size_kib, offered, evidence)

    def _problem(self, anchor: Anchor, size: int, offered: str, evidence: Evidence | None) -> Problem:
        return Problem(
            anchor,
            f"the host does not offer {format_kib(size)} pages (it offers {offered}): libvirt finds no hugetlbfs "
            f"mount for {size} KiB and refuses to start the domain",
            hint=f"use a page size the host offers: {offered}",
            evidence=evidence,
        )
