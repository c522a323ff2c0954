"""VL402 launch-security-type: `launchSecurity/@type` vs the caps' `sectype` enum."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.rules import _binding as binding
from virtlint.rules._binding import EnumBinding
from virtlint.rules._support import caps_label

BINDINGS = binding.publish("launchSecurity", (
    EnumBinding("features/launchSecurity", "sectype", "type", "launch security type"),
))


@register
class LaunchSecurityType(Rule):
    """
    ## What it does
    Compares `/domain/launchSecurity/@type` (`sev`, `sev-snp`, `s390-pv`,
    `tdx`) with the `sectype` enum of `<features><launchSecurity>` (libvirt
    10.5 and later); `<launchSecurity supported='no'/>` rejects every type.
    (The per-technology blocks such as `<sev supported='no'/>` are checked by
    VL401.)

    ## Why is this bad?
    libvirt refuses it: `'sev-snp' launch security is not supported with this
    QEMU binary`.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-9.1</machine><arch>x86_64</arch>
      <features><launchSecurity supported='yes'><enum name='sectype'><value>sev</value></enum></launchSecurity></features>
    </domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <launchSecurity type='sev-snp'><policy>0x00030000</policy></launchSecurity></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <launchSecurity type='sev'><cbitpos>47</cbitpos><reducedPhysBits>1</reducedPhysBits><policy>0x0003</policy>
      </launchSecurity></domain>
    ```
    """

    code = "VL402"
    name = "launch-security-type"
    severity = Severity.ERROR
    summary = "A launch security type the capabilities' sectype enum does not list."
    elements = ("launchSecurity",)

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        answer = ctx.caps.support("features/launchSecurity")
        if answer.unsupported and element.get("type"):
            yield Problem(Anchor(element, "type"),
                          f"launch security is not supported by these capabilities {caps_label(ctx.caps)}",
                          hint="remove <launchSecurity>", evidence=answer.evidence)
            return
        yield from binding.check(element, BINDINGS, ctx)
