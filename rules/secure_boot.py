"""VL505 secure-boot-requirements: secure boot needs q35, x86_64 and SMM."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.machines import parse_machine
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity


def _smm_state(root: etree._Element) -> tuple[str | None, etree._Element | None]:
    smm = root.find("features/smm")
    if smm is None:
        return None, None
    return smm.get("state", "on"), smm


@register
class SecureBootRequirements(Rule):
    """
    ## What it does
    For a loader with `secure='yes'`, or the firmware feature `secure-boot`
    enabled: the machine must be q35 and the arch x86_64, and SMM must not be
    switched off. Without firmware autoselection (`os/@firmware`), SMM must be
    switched on explicitly with `<smm state='on'/>`; with autoselection
    libvirt turns it on itself unless the domain says `state='off'`.
    The firmware feature is checked on x86 only: libvirt's own checks
    (`qemuValidateDomainDefBoot`) look at the loader's `secure='yes'`, and the
    feature only steers firmware autoselection, which on aarch64 finds a
    secure-boot AAVMF that needs neither q35 nor SMM (libvirt 9.0 defines and
    starts such a domain).

    ## Why is this bad?
    libvirt refuses it: `Secure boot is supported with q35 machine types
    only`, `Secure boot is supported for x86_64 architecture only`, `Secure
    boot requires SMM feature enabled`, or at start `domain has SMM turned off
    but chosen firmware requires it`.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type>
      <loader readonly='yes' secure='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.secboot.fd</loader></os>
      <features><acpi/></features></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type>
      <loader readonly='yes' secure='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.secboot.fd</loader></os>
      <features><acpi/><smm state='on'/></features></domain>
    ```
    """

    code = "VL505"
    name = "secure-boot-requirements"
    severity = Severity.ERROR
    summary = "Secure boot without a q35 machine, an x86_64 guest, or SMM."
    elements = ("os/loader", "os/firmware/feature")
    uses_caps = False

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        if element.tag == "loader":
            if element.get("secure") != "yes":
                return
            anchor = Anchor(element, "secure")
        elif element.get("name") == "secure-boot" and element.get("enabled") == "yes":
            if ctx.arch not in (None, "x86_64", "i686"):
                return  # autoselection picks a secure-boot firmware of that arch (no SMM, no q35 needed)
            anchor = Anchor(element, "enabled")
        else:
            return
        if ctx.machine and parse_machine(ctx.machine).family != "pc-q35" and ctx.arch in (None, "x86_64", "i686"):
            yield Problem(anchor, f"secure boot is supported with q35 machine types only, not '{ctx.machine}'",
                          hint="use machine='q35'")
        if ctx.arch and ctx.arch != "x86_64":
            yield Problem(anchor, f"secure boot via SMM is supported for x86_64 only, not '{ctx.arch}'",
                          hint="set secure='no'")
        state, smm = _smm_state(ctx.root)
        autoselect = bool(ctx.root.find("os").get("firmware"))  # (virXPathString: an empty one is none)
        if state == "off":
            yield Problem(Anchor(smm, "state"), "secure boot requires SMM, but <smm state='off'/> switches it off",
                          hint="set <smm state='on'/>", replacements=("on",))
        elif state is None and not autoselect and element.tag == "loader":
            yield Problem(anchor, "secure boot requires SMM: add <smm state='on'/> to <features>",
                          hint="add <smm state='on'/> to <features>")
