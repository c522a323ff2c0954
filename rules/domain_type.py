"""VL101 domain-type: the domain's virt type must be the one the caps describe."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter import vocabulary
from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.rules._support import caps_label


@register
class DomainType(Rule):
    """
    ## What it does
    Compares `/domain/@type` (`kvm`, `qemu`, `hvf`, ...) with the `<domain>`
    of the capabilities.

    ## Why is this bad?
    A host that cannot accelerate with KVM has no `kvm` capabilities at all:
    libvirt fails with `could not find capabilities for ... domaintype=kvm` or
    `Emulator '...' does not support virt type 'kvm'`.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>qemu</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os></domain>
    ```

    ## Use instead
    ```xml
    <domain type='qemu'><os><type arch='x86_64' machine='q35'>hvm</type></os></domain>
    ```
    """

    code = "VL101"
    name = "domain-type"
    severity = Severity.ERROR
    summary = "The domain's virt type differs from the one the capabilities describe."
    elements = ("",)
    identity_rule = True

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        wanted, offered = element.get("type"), ctx.caps.domain_type
        if wanted and offered and wanted != offered:
            yield Problem(
                Anchor(element, "type"),
                f"domain type '{wanted}' is not what these capabilities describe {caps_label(ctx.caps)}: "
                f"they are for domain type '{offered}'",
                hint=f"use type='{offered}', or check against capabilities for '{wanted}' "
                f"(virsh domcapabilities --virttype {wanted})",
                evidence=ctx.caps.evidence(ctx.caps.root.find("domain")),
                replacements=(offered,),
            )


vocabulary.publish("", "type", "domain type", lambda caps, element: vocabulary.single(caps.domain_type))
