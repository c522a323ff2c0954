"""VL101 domain-type: the emulator binary must offer the domain's virt type."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter import vocabulary
from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.rules._libvirt_enums import refused_by_parser
from virtlint.rules._identity import host_view
from virtlint.rules._support import NOTHING


@register
class DomainType(Rule):
    """
    ## What it does
    Reports a virt type (`/domain/@type`: `kvm`, `qemu`, `hvf`) the emulator
    binary does not offer on the host, from the host's `virsh capabilities`:
    each guest arch lists its binary's `<domain type=...>` entries, and `kvm`
    appears only where the binary can use KVM. Without the host document
    nothing is reported: a domcapabilities document fetched for `qemu` (TCG)
    does not say that KVM is missing (`virsh domcapabilities --virttype qemu`
    on a KVM host prints the same), so a difference only means the document
    does not describe the domain (VL004).

    ## Why is this bad?
    libvirt refuses the domain (qemuValidateDomainDef, at define):
    `Emulator '/usr/bin/qemu-system-x86_64' does not support virt type 'kvm'`.

    ## Capabilities
    ```xml
    <domainCapabilities><path>/usr/bin/qemu-system-x86_64</path><domain>qemu</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```
    ```xml
    <capabilities><host><cpu><arch>x86_64</arch></cpu></host>
      <guest><os_type>hvm</os_type><arch name='x86_64'><wordsize>64</wordsize>
        <emulator>/usr/bin/qemu-system-x86_64</emulator>
        <machine maxCpus='288'>pc-q35-7.2</machine><machine canonical='pc-q35-7.2' maxCpus='288'>q35</machine>
        <domain type='qemu'/></arch></guest></capabilities>
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
    summary = "The emulator binary does not offer the domain's virt type on the host."
    elements = ("",)
    identity_rule = True

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        if ctx.host is None:
            return NOTHING  # only the host document says which virt types the binary offers
        return self._problems(element, ctx)

    def _problems(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        virt_type = element.get("type")
        view = host_view(ctx)
        if not virt_type or refused_by_parser("", "type", virt_type) or view is None or not view.emulator_listed \
                or not view.virt_types:
            return  # (nothing to compare; a virt type libvirt does not know at all is VL850's)
        if virt_type in view.virt_types:
            return
        offered = tuple(sorted(view.virt_types))
        yield Problem(
            Anchor(element, "type"),
            f"Emulator '{view.emulator}' does not support virt type '{virt_type}' on this host; "
            f"it offers: {', '.join(offered)}",
            hint=f"use type='{offered[0]}'" if len(offered) == 1 else f"use one of: {', '.join(offered)}",
            evidence=ctx.host.evidence(view.guest.element) if ctx.host is not None and view.guest is not None
            and view.guest.element is not None else None,
            replacements=offered,
        )


vocabulary.publish("", "type", "domain type", lambda caps, element: vocabulary.single(caps.domain_type))
