"""VL402 launch-security-type: `launchSecurity/@type` vs the caps' `sectype` enum."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.rules import _binding as binding
from virtlint.rules._addresses import X86
from virtlint.rules._binding import EnumBinding
from virtlint.rules._support import caps_label

BINDINGS = binding.publish("launchSecurity", (
    EnumBinding("features/launchSecurity", "sectype", "type", "launch security type"),
))

#: launch security types and the guest arches whose QEMU has them (sev-guest, sev-snp-guest: x86;
#: s390-pv-guest: s390x)
SECTYPE_ARCHES = {"sev": X86, "sev-snp": X86, "s390-pv": ("s390x",)}
#: how qemuValidateDomainDef named them before libvirt 10.5's sectype enum check
OLD_NAMES = {"sev": "SEV", "sev-snp": "SEV-SNP", "s390-pv": "S390 PV"}


@register
class LaunchSecurityType(Rule):
    """
    ## What it does
    Compares `/domain/launchSecurity/@type` (`sev`, `sev-snp`, `s390-pv`,
    `tdx`) with the `sectype` enum of `<features><launchSecurity>` (libvirt
    10.5 and later); `<launchSecurity supported='no'/>` rejects every type.
    (The per-technology blocks such as `<sev supported='no'/>` are checked by
    VL401.)

    Whatever the capabilities, `s390-pv` is reported off s390x guests and
    `sev`, `sev-snp` off x86 guests: QEMU has those guest objects only for
    those targets.

    ## Why is this bad?
    libvirt refuses it: `'sev-snp' launch security is not supported with this
    QEMU binary` (qemuValidateDomainDef; QEMU; define). Before 10.5 the
    message named the technology: `S390 PV launch security is not supported
    with this QEMU binary` (libvirt 9.0, checked on an x86_64 host).

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
        kind = element.get("type")
        arches = SECTYPE_ARCHES.get(kind or "")
        if arches is not None and ctx.arch and ctx.arch not in arches:
            # (QEMU builds these guest objects only for those targets, so no binary of this arch offers them)
            message = f"'{kind}' launch security is not supported with this QEMU binary" \
                if ctx.libvirt_at_least(10, 5) else f"{OLD_NAMES.get(kind, kind)} launch security is not supported with this " \
                "QEMU binary"
            yield Problem(Anchor(element, "type"), message, hint=f"{kind} exists only for {' and '.join(arches)} "
                          "guests: remove <launchSecurity>")
            return
        yield from binding.check(element, BINDINGS, ctx)
