"""VL223 sev-launch-values: a SEV or SEV-SNP `<launchSecurity>` without a policy, or with a policy, cbitpos or
reducedPhysBits libvirt cannot read."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.drivers import ALL_DRIVERS
from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.linter.units import prop_uint
from virtlint.rules._support import NOTHING, first_child, string_value

#: virDomainSEVCommonDefParseXML's numbers (virXPathUInt: decimal, no sign) and their messages
COMMON_NUMBERS = (("cbitpos", "Invalid format for launch security cbitpos"),
                  ("reducedPhysBits", "Invalid format for launch security reduced-phys-bits"))
#: the policy's bits by launch security type (virXPathUIntBase or virXPathULongLongBase, in base 16)
POLICY_BITS = {"sev": 32, "sev-snp": 64}
POLICY_MESSAGE = "failed to get launch security policy"


def _problem(launch: etree._Element) -> Problem | None:
    """virDomainSEVDefParseXML / virDomainSEVSNPDefParseXML, in their order (the yes/no attributes are VL850's)."""
    bits = POLICY_BITS.get(launch.get("type") or "")
    if bits is None:
        return None  # (s390-pv reads none of these; a type libvirt refuses is VL850's)
    for tag, message in COMMON_NUMBERS:
        child = first_child(launch, tag)
        text = string_value(child) if child is not None else ""
        if text and prop_uint(text, 10) is None:  # (virXPathEvalString: an empty string is no value)
            return Problem(Anchor(child, text=True), message, hint="a decimal number, as in virsh domcapabilities")
    policy = first_child(launch, "policy")
    text = string_value(policy) if policy is not None else ""
    if not text:
        return Problem(Anchor(policy if policy is not None else launch), POLICY_MESSAGE,
                       hint="add the guest policy in hexadecimal, e.g. <policy>0x0003</policy>")
    if prop_uint(text, 16, bits) is None:
        return Problem(Anchor(policy, text=True), POLICY_MESSAGE,  # type: ignore[arg-type]
                       hint="the guest policy in hexadecimal, e.g. 0x0003")
    return None


@register
class SevLaunchValues(Rule):
    """
    ## What it does
    For `<launchSecurity type='sev'>` and `type='sev-snp'`: reports a missing
    `<policy>`, a policy that is not a hexadecimal number (32 bits for SEV,
    64 for SEV-SNP), and a `<cbitpos>` or `<reducedPhysBits>` that is not a
    decimal number.

    ## Why is this bad?
    libvirt refuses the domain when it is defined: `failed to get launch
    security policy` (virDomainSEVDefParseXML, virDomainSEVSNPDefParseXML),
    `Invalid format for launch security cbitpos`, `Invalid format for launch
    security reduced-phys-bits` (virDomainSEVCommonDefParseXML); every
    driver. Each SEV case was checked with the real libvirt 9.0 (SEV-SNP is
    10.5's).

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-9.1</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <launchSecurity type='sev'><cbitpos>47</cbitpos><reducedPhysBits>1</reducedPhysBits></launchSecurity></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <launchSecurity type='sev'><cbitpos>47</cbitpos><reducedPhysBits>1</reducedPhysBits><policy>0x0003</policy>
      </launchSecurity></domain>
    ```
    """

    code = "VL223"
    name = "sev-launch-values"
    severity = Severity.ERROR
    summary = "A SEV launch security without a policy, or with a policy, cbitpos or reducedPhysBits libvirt cannot read."
    elements = ("launchSecurity",)
    uses_caps = False
    drivers = ALL_DRIVERS

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        problem = _problem(element)
        return NOTHING if problem is None else iter((problem,))
