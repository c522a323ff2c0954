"""VL805 many-vcpus-iommu: more than 255 vCPUs on x86 need q35 and an IOMMU with eim."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.machines import parse_machine
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.rules._domain import vcpu_counts
from virtlint.rules._support import NOTHING

X2APIC_LIMIT = 255


@register
class ManyVcpusIommu(Rule):
    """
    ## What it does
    More than 255 vCPUs on x86 need a q35 machine and, for x2APIC interrupt
    routing, an `<iommu model='intel'>` with `<driver intremap='on'
    eim='on'/>` (and `<ioapic driver='qemu'/>`).

    ## Why is this bad?
    libvirt refuses the domain: `more than 255 vCPUs are only supported on
    q35-based machine types`, `more than 255 vCPUs require extended interrupt
    mode enabled on the iommu device`.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch>
      <vcpu max='288'/></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><vcpu>256</vcpu><os><type arch='x86_64' machine='q35'>hvm</type></os></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><vcpu>256</vcpu><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <features><acpi/><ioapic driver='qemu'/></features>
      <devices><iommu model='intel'><driver intremap='on' eim='on'/></iommu></devices></domain>
    ```
    """

    code = "VL805"
    name = "many-vcpus-iommu"
    severity = Severity.ERROR
    summary = "More than 255 vCPUs on x86 without q35 and an intel IOMMU with eim."
    elements = ("vcpu",)
    uses_caps = False

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        if ctx.arch not in ("x86_64", "i686"):
            return NOTHING
        count = vcpu_counts(ctx)[0]  # (as libvirt reads it, once per document: '-1' is 4294967295)
        if count is None or count <= X2APIC_LIMIT:
            return NOTHING  # the common case
        return self._problems(element, ctx)

    def _problems(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        if ctx.machine and parse_machine(ctx.machine).family != "pc-q35":
            yield Problem(Anchor(element, text=True),
                          f"more than {X2APIC_LIMIT} vCPUs are only supported on q35-based machine types",
                          hint="use machine='q35'")
            return
        driver = ctx.root.find("devices/iommu[@model='intel']/driver")
        if driver is None or driver.get("eim") != "on":
            yield Problem(Anchor(element, text=True),
                          f"more than {X2APIC_LIMIT} vCPUs require extended interrupt mode (eim) on an intel IOMMU",
                          hint="add <iommu model='intel'><driver intremap='on' eim='on'/></iommu> and "
                               "<ioapic driver='qemu'/>")
