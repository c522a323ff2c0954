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
    which lack `firmwareFeatures`, `secure-boot enabled='yes'` on x86 is checked
    against the loader's `secure` enum instead, and so is `enrolled-keys
    enabled='yes'` (keys are enrolled only in a secure-boot firmware's
    variables: libvirt calls a descriptor with keys and no secure boot
    invalid, `qemuFirmwareSanityCheck`). That enum says whether some
    firmware *requires SMM* (`qemuFirmwareGetSupported`), which is how every
    x86 secure-boot firmware works; on other arches (aarch64's secure-boot
    AAVMF needs no SMM) it lists only `no` even with a secure-boot firmware
    installed, so it proves nothing there and is not used.

    ## Why is this bad?
    No firmware on the host has the requested feature, so autoselection
    fails: `Unable to find 'efi' firmware that is compatible with the current
    configuration`.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch>
      <os supported='yes'><enum name='firmware'><value>efi</value></enum>
        <loader supported='yes'><enum name='secure'><value>no</value></enum></loader></os></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os firmware='efi'><type arch='x86_64' machine='q35'>hvm</type>
      <firmware><feature enabled='yes' name='secure-boot'/></firmware></os></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os firmware='efi'><type arch='x86_64' machine='q35'>hvm</type>
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
        smm_secure_boot = ctx.arch in (None, "x86_64", "i686")  # the loader `secure` enum means "needs SMM"
        if answer.availability is Availability.UNKNOWN and enabled == "yes":
            if not smm_secure_boot:
                return
            # (enrolled keys come only with a secure-boot firmware: libvirt calls a descriptor with keys and without
            # secure boot invalid, qemuFirmwareSanityCheck, so both ask the loader `secure` enum for 'yes')
            answer, label = ctx.caps.enum("os/loader", "secure"), f"{name} (loader secure)"
        if answer.allows(enabled) is False:
            yield value_problem(Anchor(element, "enabled"), label, enabled, answer, ctx.caps, attribute="enabled")
