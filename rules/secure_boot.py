"""VL505 secure-boot-requirements: secure boot needs q35, x86_64 and SMM."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.machines import parse_machine
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.rules._devices import LIBVIRT_START, qemu_driver
from virtlint.rules._support import after_first


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

    Before libvirt 9.2, firmware autoselection (`firmware='efi'`) took the
    first firmware descriptor that matched the domain without asking whether
    it needs SMM, and every distribution ranks its secure-boot OVMF first
    (Debian's `40-edk2-x86_64-secure-enrolled.json`, Fedora's
    `30-edk2-ovmf-x64-sb-enrolled.json`); an x86 secure-boot descriptor always
    requires SMM. So on a q35 domain whose capabilities offer secure boot
    (`<loader><enum name='secure'>` lists `yes`), `<smm state='off'/>` fails at
    start unless the domain names its loader or disables the `secure-boot`
    firmware feature (then the plain OVMF is chosen). From 9.8 libvirt skips
    such descriptors (`qemuFirmwareMatchDomain`); for 9.2 to 9.7, which moved
    the selection to define time and then mended it, this is a warning.

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
    elements = ("os/loader", "os/firmware/feature", "features/smm")
    uses_caps = False

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        if element.tag == "smm":
            yield from _autoselected_without_smm(element, ctx)
            return
        if element.tag == "loader":
            if element.get("secure") != "yes" or after_first(element):
                return  # (libvirt reads ./os/loader[1] only)
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


def _autoselected_without_smm(smm: etree._Element, ctx: Context) -> Iterator[Problem]:
    """SMM switched off where libvirt before 9.8 autoselects a secure-boot OVMF, which requires it
    (qemuFirmwareEnableFeaturesModern: "domain has SMM turned off but chosen firmware requires it")."""
    if smm.get("state") != "off" or ctx.libvirt_at_least(9, 8) or ctx.arch != "x86_64":
        return
    if not ctx.identity_matches or not qemu_driver(ctx):
        return  # (the caps describe another host, or another driver chooses its firmware otherwise)
    os_element = ctx.root.find("os")
    if os_element is None or os_element.get("firmware") != "efi":
        return
    if not ctx.machine or parse_machine(ctx.machine).family != "pc-q35":
        return  # (the secure-boot descriptors target q35 machines only: another machine gets a plain OVMF)
    loader = os_element.find("loader")
    if loader is not None and (loader.get("secure") == "yes" or (loader.text or "").strip()):
        return  # (secure='yes' is reported on the loader; a named loader is matched by its path)
    for feature in os_element.iterfind("firmware/feature"):
        if feature.get("name") == "secure-boot":
            return  # (enabled: reported on the feature; disabled: the plain OVMF is chosen)
    if "yes" not in ctx.caps.enum("os/loader", "secure").values:
        return  # (no secure-boot firmware among the host's descriptors, or not known)
    uncertain = ctx.libvirt_at_least(9, 2)
    yield Problem(Anchor(smm, "state"),
                  "domain has SMM turned off but chosen firmware requires it: libvirt before 9.8 autoselects "
                  "the host's secure-boot OVMF for firmware='efi'" + ("" if uncertain else LIBVIRT_START),
                  hint="drop <smm state='off'/>, or add <firmware><feature enabled='no' name='secure-boot'/>"
                       "</firmware> to <os>",
                  severity=Severity.WARNING if uncertain else None)
