"""VL507 nvram: NVRAM that the firmware or loader cannot keep."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.drivers import ALL_DRIVERS
from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.rules._devices import refused_since
from virtlint.rules._domain import os_parts
from virtlint.rules._support import NOTHING


@register
class NvramVarstore(Rule):
    """
    ## What it does
    Reports NVRAM the firmware cannot keep: `<nvram>` with
    `os/@firmware='bios'` or with a `rom` loader, a stateless loader
    (`stateless='yes'`) with `<nvram>` or an NVRAM template, a loader that
    asks to keep state (`stateless='no'`) without being EFI firmware or a
    pflash loader, and loader and NVRAM formats that differ. A `rom` loader
    with `<nvram>` and no `stateless` is a warning: libvirt defines it (its
    check needs `stateless='no'`) and the ROM does not use the NVRAM. (A `<varstore>`
    the capabilities mark `supported='no'` is reported by VL401.)

    ## Why is this bad?
    libvirt refuses it when the domain is defined. Messages modelled:
    `firmware type 'bios' does not support nvram`, `NVRAM template is not
    permitted when loader is stateless`, `NVRAM is not permitted when loader is
    stateless`, `Only pflash loader type permits NVRAM`, `Only EFI firmware
    permits NVRAM` (virDomainDefOSValidate), `Format mismatch:
    loader.format='qcow2' nvram.format='raw'` (virDomainLoaderDefParseXML).
    Stage: define; all drivers. libvirt 9.0 knows `stateless` but ignores
    `format` (loader and NVRAM formats arrived in 9.2): the format check
    follows the libvirt-version setting (reported for 9.2 and later).

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
    summary = "NVRAM with BIOS firmware, a ROM or stateless loader, or in another format than the loader."
    #: an <os> with neither is never visited (the common case: firmware autoselection); with both, the first
    #: <loader>'s visit speaks for its <os>
    elements = ("os/loader", "os/nvram")
    uses_caps = False
    drivers = ALL_DRIVERS

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        os_element = element.getparent()
        firmware, loader, nvram = os_parts(ctx, os_element)
        if element is not (nvram if loader is None else loader):
            return NOTHING  # another <loader> or <nvram> of this <os>: it is judged once
        if nvram is None and loader.get("stateless") != "no":  # type: ignore[union-attr]  # (one of them is set)
            return NOTHING  # the common case: without <nvram> only a loader with stateless='no' is judged
        return self._problems(os_element, firmware, loader, nvram, ctx)

    def _problems(self, element: etree._Element, firmware: str | None, loader: etree._Element | None,
                  nvram: etree._Element | None, ctx: Context) -> Iterator[Problem]:
        if loader is not None and nvram is not None and loader.get("format") and nvram.get("format") \
                and loader.get("format") != nvram.get("format") and refused_since(ctx, 9, 2):
            yield Problem(Anchor(nvram, "format"),
                          f"Format mismatch: loader.format='{loader.get('format')}' nvram.format='{nvram.get('format')}'",
                          replacements=(loader.get("format"),))
            return
        if firmware and firmware != "efi" and nvram is not None:
            yield Problem(Anchor(nvram), f"firmware type '{firmware}' does not support nvram", hint="remove <nvram>")
            return
        if loader is None:
            return
        stateless = loader.get("stateless")
        if stateless == "yes":
            if nvram is not None and nvram.get("template"):
                yield Problem(Anchor(nvram, "template"), "NVRAM template is not permitted when loader is stateless",
                              hint="remove <nvram>, or drop stateless='yes'")
            elif nvram is not None:
                yield Problem(Anchor(nvram), "NVRAM is not permitted when loader is stateless",
                              hint="remove <nvram>, or drop stateless='yes'")
        elif stateless == "no":
            if not firmware and loader.get("type") != "pflash":
                yield Problem(Anchor(loader, "stateless"), "Only pflash loader type permits NVRAM",
                              hint="use type='pflash', or drop stateless='no'")
            elif firmware and firmware != "efi":
                yield Problem(Anchor(loader, "stateless"), "Only EFI firmware permits NVRAM",
                              hint="use firmware='efi', or drop stateless='no'")
        elif nvram is not None and loader.get("type") == "rom":
            # virDomainDefOSValidate refuses it only with stateless='no': libvirt 9.0 defines it (oracle run)
            # and starts it when the NVRAM file exists, not using it for a ROM
            yield Problem(Anchor(nvram), "only a pflash loader keeps NVRAM, this loader is type='rom': libvirt "
                          "accepts the <nvram> but the firmware cannot keep variables in it",
                          hint="remove <nvram> or use type='pflash'", severity=Severity.WARNING)
