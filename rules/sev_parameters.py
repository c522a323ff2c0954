"""VL403 sev-parameters: SEV cbitpos / reducedPhysBits / SEV-ES vs the host's SEV capabilities."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.rules._support import caps_label

#: Both spellings are found in the wild, in domain XML and in caps.
REDUCED_PHYS_BITS = ("reducedPhysBits", "reduced-phys-bits")
SEV_ES_POLICY_BIT = 0x4


def _child(element: etree._Element, *names: str) -> etree._Element | None:
    return next((child for name in names if (child := element.find(name)) is not None), None)


def _number(element: etree._Element | None) -> int | None:
    try:
        return int((element.text or "").strip(), 0) if element is not None else None
    except ValueError:
        return None


@register
class SevParameters(Rule):
    """
    ## What it does
    For `<launchSecurity type='sev'>` (and `sev-snp`), compares `cbitpos` and
    `reducedPhysBits` with the values of `<features><sev>` in the
    capabilities, which must be equal (the spelling `reduced-phys-bits` is
    accepted too). A policy with the SEV-ES bit (0x4) needs `maxESGuests`
    greater than 0.

    ## Why is this bad?
    QEMU refuses to start: `sev-guest: invalid cbitpos` / `invalid
    reduced-phys-bits`, or the SEV-ES guest cannot be launched on a host
    without SEV-ES slots.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-9.1</machine><arch>x86_64</arch>
      <features><sev supported='yes'><cbitpos>51</cbitpos><reducedPhysBits>1</reducedPhysBits>
        <maxGuests>15</maxGuests><maxESGuests>0</maxESGuests></sev></features></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <launchSecurity type='sev'><cbitpos>47</cbitpos><reducedPhysBits>1</reducedPhysBits><policy>0x0003</policy>
      </launchSecurity></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <launchSecurity type='sev'><cbitpos>51</cbitpos><reducedPhysBits>1</reducedPhysBits><policy>0x0003</policy>
      </launchSecurity></domain>
    ```
    """

    code = "VL403"
    name = "sev-parameters"
    severity = Severity.ERROR
    summary = "SEV cbitpos or reducedPhysBits differ from the host's, or SEV-ES is asked of a host without it."
    elements = ("launchSecurity",)

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        block = ctx.caps.block("features/sev")
        if element.get("type") not in ("sev", "sev-snp") or block is None or block.supported is not True:
            return
        host = block.element
        for label, names in (("cbitpos", ("cbitpos",)), ("reducedPhysBits", REDUCED_PHYS_BITS)):
            wanted_element = _child(element, *names)
            wanted, offered = _number(wanted_element), _number(_child(host, *names))
            if wanted is not None and offered is not None and wanted != offered:
                yield Problem(
                    Anchor(wanted_element, text=True),
                    f"SEV {label} {wanted} differs from the host's {offered} in these capabilities {caps_label(ctx.caps)}",
                    hint=f"set {label} to {offered}",
                    evidence=ctx.caps.evidence(_child(host, *names)),
                    replacements=(str(offered),),
                )
        policy_element = element.find("policy")
        policy, es_slots = _number(policy_element), _number(host.find("maxESGuests"))
        if element.get("type") == "sev" and policy is not None and policy & SEV_ES_POLICY_BIT and es_slots == 0:
            yield Problem(
                Anchor(policy_element, text=True),
                f"SEV policy {policy_element.text.strip()} asks for SEV-ES, but the host of these capabilities "
                f"{caps_label(ctx.caps)} has no SEV-ES guest slots (maxESGuests 0)",
                hint="clear policy bit 0x4",
                evidence=ctx.caps.evidence(host.find("maxESGuests")),
            )
