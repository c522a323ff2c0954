"""VL507 nvram: NVRAM that the firmware cannot keep."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.drivers import ALL_DRIVERS
from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity


@register
class NvramVarstore(Rule):
    """
    ## What it does
    Reports `<nvram>` with `os/@firmware='bios'`, and a loader marked
    `stateless='no'` (it keeps NVRAM) that is not pflash (manual firmware) or
    not EFI (`os/@firmware`): libvirt's virDomainDefOSValidate (domain_validate.c,
    at define, every driver). A `rom` loader with `<nvram>` but without
    `stateless='no'` is only a warning: libvirt accepts it and does not use
    the NVRAM for a ROM (libvirt 9.0's start then looks for a template when the
    file does not exist yet). (A `<varstore>` the capabilities mark
    `supported='no'` is reported by VL401.)

    ## Why is this bad?
    libvirt refuses it: `firmware type 'bios' does not support nvram`, `Only
    pflash loader type permits NVRAM`, `Only EFI firmware permits NVRAM`.

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
    elements = ("os/nvram", "os/loader")
    uses_caps = False
    drivers = ALL_DRIVERS

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        os_element = element.getparent()
        firmware = os_element.get("firmware")
        if element.tag == "loader":
            if element.get("stateless") != "no":
                return
            if firmware is None and element.get("type") != "pflash":
                yield Problem(Anchor(element, "stateless"), "Only pflash loader type permits NVRAM: this loader "
                              f"is {'type=' + repr(element.get('type')) if element.get('type') else 'not pflash'}",
                              hint="use type='pflash', or remove stateless='no'")
            elif firmware is not None and firmware != "efi":
                yield Problem(Anchor(element, "stateless"), f"Only EFI firmware permits NVRAM: firmware is '{firmware}'",
                              hint="remove stateless='no'")
            return
        loader = os_element.find("loader")
        if firmware == "bios":
            yield Problem(Anchor(element), "firmware type 'bios' does not support nvram", hint="remove <nvram>")
        elif loader is not None and loader.get("type") == "rom" and loader.get("stateless") != "no":
            yield Problem(Anchor(element), "a type='rom' loader does not use NVRAM: libvirt accepts the <nvram> but "
                          "the firmware cannot keep variables in it", hint="remove <nvram> or use type='pflash'",
                          severity=Severity.WARNING)
