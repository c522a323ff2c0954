"""VL502 firmware-feature: secure-boot / enrolled-keys vs `firmwareFeatures` (or the loader `secure` enum)."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.caps import Availability
from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.rules._support import value_problem

#: domain feature name -> caps enum name under <os><firmwareFeatures>
FEATURE_ENUMS = {"secure-boot": "secureBoot", "enrolled-keys": "enrolledKeys"}


@register
class FirmwareFeature(Rule):
    """
    ## What it does
    Checks `/domain/os/firmware/feature` (`secure-boot`, `enrolled-keys`,
    `enabled='yes|no'`) against the `secureBoot` and `enrolledKeys` enums of
    `<os><firmwareFeatures>` (libvirt 12.1 and later). With older capabilities,
    which lack `firmwareFeatures`, `secure-boot enabled='yes'` is checked
    against the loader's `secure` enum instead.

    ## Why is this bad?
    No firmware on the host has the requested feature, so autoselection
    fails: `Unable to find 'efi' firmware that is compatible with the current
    configuration`.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>virt-7.2</machine><arch>aarch64</arch>
      <os supported='yes'><enum name='firmware'><value>efi</value></enum>
        <loader supported='yes'><enum name='secure'><value>no</value></enum></loader></os></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os firmware='efi'><type arch='aarch64' machine='virt'>hvm</type>
      <firmware><feature enabled='yes' name='secure-boot'/></firmware></os></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os firmware='efi'><type arch='aarch64' machine='virt'>hvm</type>
      <firmware><feature enabled='no' name='secure-boot'/></firmware></os></domain>
    ```
    """

    code = "VL502"
    name = "firmware-feature"
    severity = Severity.ERROR
    summary = "A firmware feature (secure-boot, enrolled-keys) no firmware of the host offers."
    elements = ("os/firmware/feature",)

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        name, enabled = element.get("name"), element.get("enabled")
        if name not in FEATURE_ENUMS or enabled is None:
            return
        answer = ctx.caps.enum("os/firmwareFeatures", FEATURE_ENUMS[name])
        label = f"firmware feature {name} enabled"
        if answer.availability is Availability.UNKNOWN and name == "secure-boot" and enabled == "yes":
            answer, label = ctx.caps.enum("os/loader", "secure"), "secure-boot (loader secure)"
        if answer.allows(enabled) is False:
            yield value_problem(Anchor(element, "enabled"), label, enabled, answer, ctx.caps, attribute="enabled")
