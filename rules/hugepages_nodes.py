"""VL209 hugepages-nodes: hugepage sizes whose guest-node sets libvirt refuses."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.linter.units import parse_bitmap, scaled_kib
from virtlint.rules._domain import cell_count


@register
class HugepagesNodes(Rule):
    """
    ## What it does
    Checks the `<page>` elements of `<memoryBacking><hugepages>` as
    virDomainDefMemtuneValidate does, after virDomainDefPostParseMemtune
    (which, without guest NUMA, drops a nodeset of just `0`): at most one
    page size without a nodeset (`two master hugepages detected: A and B`),
    nodesets that do not intersect (`nodeset attribute of hugepages of sizes
    A and B intersect`), and nodesets naming only guest NUMA cells that exist
    (`hugepages: node N not found`). Sizes are in KiB as libvirt prints them.
    Hugepages also exclude `<allocation mode='ondemand'/>` (`hugepages are not
    allowed with memory allocation ondemand`) and `<source type='anonymous'/>`
    (`hugepages are not allowed with anonymous memory source`,
    qemuValidateDomainDefMemory).
    Whether the host has hugetlbfs mounted for a size is host state and not
    checked. Stage: define.

    ## Why is this bad?
    `virsh define` fails with the message above.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><memory unit='MiB'>1024</memory><vcpu>2</vcpu>
      <memoryBacking><hugepages><page size='2' unit='MiB' nodeset='1'/></hugepages></memoryBacking>
      <os><type arch='x86_64' machine='q35'>hvm</type></os>
      <cpu><numa><cell id='0' cpus='0-1' memory='1024' unit='MiB'/></numa></cpu></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><memory unit='MiB'>1024</memory><vcpu>2</vcpu>
      <memoryBacking><hugepages><page size='2' unit='MiB' nodeset='0'/></hugepages></memoryBacking>
      <os><type arch='x86_64' machine='q35'>hvm</type></os>
      <cpu><numa><cell id='0' cpus='0-1' memory='1024' unit='MiB'/></numa></cpu></domain>
    ```
    """

    code = "VL209"
    name = "hugepages-nodes"
    severity = Severity.ERROR
    summary = "Hugepages with overlapping or unknown guest node sets, on-demand allocation or anonymous memory."
    elements = ("memoryBacking/hugepages",)
    uses_caps = False

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        if element is not next(ctx.root.iterfind("memoryBacking/hugepages")):
            return  # (judged with the first: libvirt reads ./memoryBacking/hugepages/page, every one's, as one list)
        backing = element.getparent()
        allocation, source = backing.find("allocation"), backing.find("source")
        if allocation is not None and allocation.get("mode") == "ondemand":
            yield Problem(Anchor(allocation, "mode"), "hugepages are not allowed with memory allocation ondemand",
                          hint="use mode='immediate' or remove <hugepages>", replacements=("immediate",))
        if source is not None and source.get("type") == "anonymous":
            yield Problem(Anchor(source, "type"), "hugepages are not allowed with anonymous memory source",
                          hint="use type='file' or 'memfd', or remove <hugepages>", replacements=("memfd", "file"))
        cells = cell_count(ctx)
        pages: list[tuple[etree._Element, int, frozenset[int] | None]] = []
        for page in ctx.root.iterfind("memoryBacking/hugepages/page"):
            size = scaled_kib(page.get("size"), page.get("unit"))
            raw = page.get("nodeset")
            nodes = parse_bitmap(raw) if raw is not None else None
            if size is None or (raw is not None and not nodes):
                return  # a malformed size or nodeset: the parser refuses it first (VL851, VL208)
            if size == 0:
                yield Problem(Anchor(page, "size"), "hugepage size can't be zero",
                              hint="use the host's huge page size, e.g. size='2' unit='M' or size='1' unit='G'")
                return
            if nodes is not None and cells == 0 and not (nodes - {0}):
                nodes = None  # postparse: nodeset='0' without guest NUMA means every node
            pages.append((page, size, nodes))
        for index, (page, size, nodes) in enumerate(pages):
            for other, other_size, other_nodes in pages[:index]:
                if nodes is not None and other_nodes is not None and nodes & other_nodes:
                    yield Problem(Anchor(page, "nodeset"),
                                  f"nodeset attribute of hugepages of sizes {size} and {other_size} intersect",
                                  hint="give each guest node one page size")
                    return
                if nodes is None and other_nodes is None:
                    yield Problem(Anchor(page, "nodeset") if page.get("nodeset") is not None else Anchor(page),
                                  f"two master hugepages detected: {size} and {other_size}",
                                  hint="give all page sizes but one a nodeset of guest NUMA cells")
                    return
            if nodes is not None:
                missing = sorted(n for n in nodes if n >= cells)
                if missing:
                    yield Problem(Anchor(page, "nodeset"), f"hugepages: node {missing[0]} not found "
                                  f"(the guest has {cells} NUMA cell(s))",
                                  hint="name guest NUMA cells of <cpu><numa>" if cells else
                                  "remove the nodeset or define guest NUMA cells")
                    return
