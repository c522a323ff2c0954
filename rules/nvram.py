"""VL507 nvram: NVRAM that the firmware cannot keep."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity


@register
class NvramVarstore(Rule):
    """
    ## What it does
    Reports `<nvram>` with `os/@firmware='bios'` or with a `rom` loader: only
    UEFI firmware in pflash keeps variables. (A `<varstore>` the capabilities
    mark `supported='no'` is reported by VL401.)

    ## Why is this bad?
    libvirt refuses it: `firmware type 'bios' does not support nvram`, `Only
    pflash loader type permits NVRAM`, or the varstore device is missing.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os firmware='bios'><type arch='x86_64' machine='q35'>hvm</type>
      <nvram>/var/lib/libvirt/qemu/nvram/vm_VARS.fd</nvram></os></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os firmware='bios'><type arch='x86_64' machine='q35'>hvm</type></os></domain>
    ```
    """

    code = "VL507"
    name = "nvram"
    severity = Severity.ERROR
    summary = "NVRAM with BIOS firmware or a ROM loader."
    elements = ("os/nvram",)
    uses_caps = False

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        os_element = element.getparent()
        loader = os_element.find("loader")
        if os_element.get("firmware") == "bios":
            yield Problem(Anchor(element), "firmware type 'bios' does not support nvram", hint="remove <nvram>")
        elif loader is not None and loader.get("type") == "rom":
            yield Problem(Anchor(element), "only a pflash loader keeps NVRAM, this loader is type='rom'",
                          hint="remove <nvram> or use type='pflash'")
