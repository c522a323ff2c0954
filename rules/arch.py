"""VL102 arch: the guest architecture must be the one the caps describe."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter import vocabulary
from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.rules._support import caps_label


@register
class Arch(Rule):
    """
    ## What it does
    Compares `/domain/os/type/@arch` with the `<arch>` of the capabilities.

    ## Why is this bad?
    The emulator the capabilities describe runs one guest architecture:
    libvirt fails with `Emulator '...' does not support arch '...'`. The other
    rules are not run against capabilities of another architecture, since
    their answers would not apply.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>virt-7.2</machine><arch>aarch64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='virt'>hvm</type></os></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='aarch64' machine='virt'>hvm</type></os></domain>
    ```
    """

    code = "VL102"
    name = "arch"
    severity = Severity.ERROR
    summary = "The guest architecture differs from the one the capabilities describe."
    elements = ("os/type",)
    identity_rule = True

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        wanted, offered = element.get("arch"), ctx.caps.arch
        if wanted and offered and wanted != offered:
            yield Problem(
                Anchor(element, "arch"),
                f"arch '{wanted}' is not what these capabilities describe {caps_label(ctx.caps)}: "
                f"they are for arch '{offered}'",
                hint=f"use arch='{offered}', or check against capabilities for {wanted} "
                     f"(virsh domcapabilities --arch {wanted})",
                evidence=ctx.caps.evidence(ctx.caps.root.find("arch")),
                replacements=(offered,),
            )


vocabulary.publish("os/type", "arch", "arch", lambda caps, element: vocabulary.single(caps.arch))
