"""VL208 numatune: <numatune> placement, nodesets and per-cell bindings libvirt refuses."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.linter.units import parse_bitmap, parse_uint
from virtlint.rules._domain import cell_count


def memory_placement(root: etree._Element) -> str | None:
    """The effective <numatune><memory> placement (virDomainNumatuneSet); None when numatune sets nothing."""
    memory = root.find("numatune/memory")
    vcpu = root.find("vcpu")
    vcpu_auto = vcpu is not None and vcpu.get("placement") == "auto"
    if memory is None:
        return "auto" if vcpu_auto else None
    placement = memory.get("placement")
    if memory.get("nodeset") is not None and placement is None:
        return "static"
    if placement is None:
        if memory.get("mode") is None:
            return None  # (nothing to set: virDomainNumatuneSet returns at once)
        placement = "default"  # (a mode alone: the placement not yet specified is the default one)
    if placement == "default":
        return "static" if memory.get("nodeset") is not None or not vcpu_auto else "auto"
    return placement


@register
class Numatune(Rule):
    """
    ## What it does
    Checks `<numatune>` as virDomainNumatuneParseXML, virDomainNumatuneSet
    and virDomainNumaDefValidate do: a static placement needs a nodeset
    (`nodeset for NUMA memory tuning must be set if 'placement' is
    'static'`); a nodeset must select a node (`Invalid value of 'nodeset':
    0,^0`); `<memnode>` needs guest NUMA cells (`Element 'memnode' is invalid
    without any guest NUMA cells`), an existing cell (`Argument 'cellid' in
    memnode element must correspond to existing guest's NUMA cell`), one
    memnode per cell, a nodeset, and no automatic placement (`Per-node
    binding is not compatible with automatic NUMA placement.`); mode
    `restrictive` must be used on `<memory>` and every `<memnode>` together
    (a restrictive `<memory>` with another memnode mode is refused by every
    release; a restrictive memnode under another `<memory>` mode since
    libvirt 9.4: `libvirt_version` setting).
    Host nodes that do not exist (`NUMA node N is unavailable`) are host state
    and not checked. A second `<numatune>` is refused (`only one numatune is
    supported`). Stage: define.

    ## Why is this bad?
    `virsh define` fails with the message above.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><memory unit='MiB'>1024</memory><vcpu>2</vcpu>
      <numatune><memory mode='strict' placement='static'/></numatune>
      <os><type arch='x86_64' machine='q35'>hvm</type></os></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><memory unit='MiB'>1024</memory><vcpu>2</vcpu>
      <numatune><memory mode='strict' placement='static' nodeset='0'/></numatune>
      <os><type arch='x86_64' machine='q35'>hvm</type></os></domain>
    ```
    """

    code = "VL208"
    name = "numatune"
    severity = Severity.ERROR
    summary = "A <numatune> placement, nodeset or memnode that libvirt refuses."
    elements = ("numatune", "numatune/memory", "numatune/memnode")
    uses_caps = False

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        if element.tag == "numatune":  # (virDomainNumatuneParseXML counts them first)
            if next(element.itersiblings("numatune", preceding=True), None) is not None:
                yield Problem(Anchor(element), "only one numatune is supported", hint="merge it into the first")
            return
        yield from _empty_nodeset(element)
        if element.tag == "memory":
            if element is not ctx.root.find("numatune/memory"):
                return
            if element.get("nodeset") is None and memory_placement(ctx.root) == "static":
                yield Problem(Anchor(element, "placement"),
                              "nodeset for NUMA memory tuning must be set if 'placement' is 'static'",
                              hint="add nodeset='0' (the host NUMA nodes to use) or use placement='auto'")
            return
        yield from self._memnode(element, ctx)

    def _memnode(self, memnode: etree._Element, ctx: Context) -> Iterator[Problem]:
        memnodes = ctx.root.findall("numatune/memnode")
        if memnode is memnodes[0]:
            if memory_placement(ctx.root) == "auto":
                yield Problem(Anchor(memnode), "Per-node binding is not compatible with automatic NUMA placement.",
                              hint="remove <memnode> or use a static <memory> placement with a nodeset")
                return
            if cell_count(ctx) == 0:
                yield Problem(Anchor(memnode), "Element 'memnode' is invalid without any guest NUMA cells",
                              hint="define guest NUMA cells in <cpu><numa> or remove <memnode>")
                return
        if memory_placement(ctx.root) == "auto" or cell_count(ctx) == 0:
            return
        cellid = parse_uint(memnode.get("cellid"))
        if cellid is None:
            return
        if cellid >= cell_count(ctx):
            yield Problem(Anchor(memnode, "cellid"),
                          "Argument 'cellid' in memnode element must correspond to existing guest's NUMA cell "
                          f"(the guest has {cell_count(ctx)} cell(s))",
                          hint=f"use a cellid from 0 to {cell_count(ctx) - 1}")
            return
        earlier = memnodes[:memnodes.index(memnode)]
        if any(parse_uint(other.get("cellid")) == cellid for other in earlier):
            yield Problem(Anchor(memnode, "cellid"), f"Multiple memnode elements with cellid {cellid}",
                          hint="bind each guest cell once")
            return
        if memnode.get("nodeset") is None:
            yield Problem(Anchor(memnode), "Missing required nodeset attribute in memnode element",
                          hint="add nodeset='N' (the host NUMA nodes for this cell)")
            return
        memory = ctx.root.find("numatune/memory")
        memory_mode = memory.get("mode", "strict") if memory is not None else "strict"
        node_mode = memnode.get("mode", "strict")
        anchor = Anchor(memnode, "mode") if memnode.get("mode") is not None else Anchor(memnode)
        if memory_mode == "restrictive" and node_mode != "restrictive":
            yield Problem(anchor, "'restrictive' mode is required in memnode element when mode is 'restrictive' "
                          "in memory element", hint="set mode='restrictive' here too",
                          replacements=("restrictive",) if memnode.get("mode") is not None else ())
        elif node_mode == "restrictive" and memory_mode != "restrictive" and ctx.libvirt_at_least(9, 4):
            yield Problem(anchor, "'restrictive' mode is required in memory element when mode is 'restrictive' "
                          "in memnode element", hint="set <memory mode='restrictive'> or use another mode here")


def _empty_nodeset(element: etree._Element) -> Iterator[Problem]:
    raw = element.get("nodeset")
    if raw is None:
        return
    nodes = parse_bitmap(raw)
    if nodes is not None and not nodes:
        yield Problem(Anchor(element, "nodeset"), f"Invalid value of 'nodeset': {raw} (it selects no node)",
                      hint="name at least one host NUMA node")
