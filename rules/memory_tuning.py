"""VL219 memory-tuning: a `<memtune>` setting the QEMU driver does not take."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.linter.units import scaled_kib
from virtlint.rules._devices import qemu_driver
from virtlint.rules._support import NOTHING


@register
class MemoryTuning(Rule):
    """
    ## What it does
    Reports `<memtune><min_guarantee>` in a domain for QEMU, which has no
    way to guarantee a minimum of host memory (it is a VMware ESX setting).

    ## Why is this bad?
    libvirt refuses the domain when it is defined: `Parameter
    'min_guarantee' not supported by QEMU.` (qemuValidateDomainDef; QEMU).
    Checked with the real libvirt 9.0, with its twin (`hard_limit` and
    `soft_limit`). Sizes libvirt cannot read are VL851's.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <memtune><min_guarantee unit='MiB'>128</min_guarantee></memtune></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <memtune><soft_limit unit='MiB'>128</soft_limit></memtune></domain>
    ```
    """

    code = "VL219"
    name = "memory-tuning"
    severity = Severity.ERROR
    summary = "A memtune min_guarantee, which the QEMU driver does not take."
    elements = ("memtune/min_guarantee",)
    uses_caps = False

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        if not qemu_driver(ctx) or not scaled_kib(element.text, element.get("unit")):
            return NOTHING  # (0 is unset; an unreadable size is VL851's)
        return iter((Problem(Anchor(element), "Parameter 'min_guarantee' not supported by QEMU.",
                             hint="remove <min_guarantee>; hard_limit and soft_limit are QEMU's"),))
