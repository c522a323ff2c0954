"""VL205 memfd-hugepages: memfd memory backing combined with hugepages (a warning)."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity


@register
class MemfdHugepages(Rule):
    """
    ## What it does
    Reports `<memoryBacking>` with both `<hugepages>` and `<source
    type='memfd'/>`. It is a warning: libvirt accepts the combination only when
    QEMU supports hugetlb-backed memfd, which domcapabilities do not report
    (libvirt 9.0 with QEMU 7.2 does), and the host must have hugetlbfs.

    ## Why is this bad?
    With an older QEMU libvirt refuses it (`hugepages is not supported with
    memfd memory source`); without hugepages configured on the host the
    domain fails at start (`hugetlbfs filesystem is not mounted`).

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><memoryBacking><hugepages/><source type='memfd'/></memoryBacking>
      <os><type arch='x86_64' machine='q35'>hvm</type></os></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><memoryBacking><hugepages/><source type='file'/></memoryBacking>
      <os><type arch='x86_64' machine='q35'>hvm</type></os></domain>
    ```
    """

    code = "VL205"
    name = "memfd-hugepages"
    severity = Severity.WARNING
    summary = "memfd memory backing with hugepages needs QEMU's hugetlb memfd and host hugepages."
    elements = ("memoryBacking",)
    uses_caps = False

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        source = element.find("source")
        if element.find("hugepages") is not None and source is not None and source.get("type") == "memfd":
            yield Problem(Anchor(source, "type"),
                          "memfd memory backing with hugepages needs hugetlb memfd support in QEMU and "
                          "hugepages on the host", hint="use <source type='file'/> with hugepages",
                          replacements=("file",))
