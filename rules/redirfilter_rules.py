"""VL796 redirfilter-rules: a USB redirection filter rule whose class, vendor, product or version libvirt cannot
read."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.lazy_re import lazy_compile
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.linter.units import prop_int0
from virtlint.rules._libvirt_enums import INT_MESSAGE
from virtlint.rules._devices import QEMU_START, qemu_driver
from virtlint.rules._support import NOTHING, first_child

#: virDomainRedirFilterUSBVersionHelper: MAJOR.MINOR, each read by virStrToLong_ui in base 10 (strtoul: blanks, then
#: a sign; a negative number wraps to 2^32 - N, so '-0' alone of them stays below 100)
_VERSION = lazy_compile(r"[ \t\n\r\v\f]*([+-]?)([0-9]+)\.[ \t\n\r\v\f]*([+-]?)([0-9]+)")
#: The largest vendor or product ID QEMU's usb-redir filter takes (libvirt writes each as 0x%04X)
_MAX_ID = 0xFFFF


def _version_part(sign: str, digits: str) -> bool:
    """Whether one part of the version reads as a number below 100."""
    value = int(digits)
    return value == 0 if sign == "-" else value < 100


def _usbdev(usbdev: etree._Element, ctx: Context) -> Problem | None:
    """virDomainRedirFilterUSBDevDefParseXML, in its order (allow is VL850's); then the filter QEMU reads."""
    too_large: str | None = None
    for name in ("class", "vendor", "product"):
        text = usbdev.get(name)
        if text is None:
            continue
        value = prop_int0(text)
        if value is None:
            return Problem(Anchor(usbdev, name), INT_MESSAGE.format(attribute=name, element='usbdev', value=text),
                           hint="a number: 0x-prefixed hexadecimal (0x08), decimal, or -1 for any")
        if name == "class" and value != -1 and value & ~0xFF:
            return Problem(Anchor(usbdev, name), f"Invalid USB Class code 0x{value & 0xFFFFFFFF:x}",
                           hint="a USB class is one byte (0x00 to 0xff), or -1 for any")
        if name != "class" and value > _MAX_ID and too_large is None:
            too_large = name
    version = usbdev.get("version")
    if version is not None and version != "-1":
        match = _VERSION.fullmatch(version)
        if match is None or not (_version_part(match.group(1), match.group(2))
                                 and _version_part(match.group(3), match.group(4))):
            return Problem(Anchor(usbdev, "version"), f"Cannot parse USB device version {version}",
                           hint="write MAJOR.MINOR, e.g. 2.0, or -1 for any")
    if too_large is not None and qemu_driver(ctx) and first_child(ctx.root, "devices") is not None and \
            first_child(first_child(ctx.root, "devices"), "redirdev") is not None:  # type: ignore[arg-type]
        # (qemuBuildRedirdevDevProps writes the filter on each redirdev; QEMU's usbredir parser refuses the ID)
        return Problem(Anchor(usbdev, too_large), "Parameter 'filter' expects a usb device filter string" + QEMU_START,
                       hint=f"a USB {too_large} ID is 16 bits: 0x0000 to 0xffff, or -1 for any")
    return None


@register
class RedirfilterRules(Rule):
    """
    ## What it does
    Checks each `<redirfilter><usbdev>` rule: `class`, `vendor` and `product`
    are C integers (`0x` hexadecimal, `0` octal, or decimal; `-1` for any),
    the class fits one byte, and `version` is `MAJOR.MINOR` below 100 each,
    or `-1` (each part read as `strtoul` does: blanks and a sign before it,
    a negative part only as `-0`). On a domain with a `<redirdev>`, a
    vendor or product above 0xffff, which QEMU's filter does not take.

    ## Why is this bad?
    libvirt refuses the domain when it is defined: `Invalid value for
    attribute 'class' in element 'usbdev': '08'. Expected integer value`
    (`08` is not octal), `Invalid USB Class code 0x1ff`, `Cannot parse USB
    device version 2` (virDomainRedirFilterUSBDevDefParseXML; every driver).
    libvirt's schema allows `08`, so a schema check alone passes it. At
    start (QEMU): `Parameter 'filter' expects a usb device filter string`
    (libvirt writes the IDs with `0x%04X` in qemuBuildRedirdevDevProps).
    Each was checked with the real libvirt 9.0, with its twin.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><redirfilter><usbdev class='08' version='2' allow='yes'/></redirfilter></devices></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><redirfilter><usbdev class='0x08' version='2.0' allow='yes'/></redirfilter></devices></domain>
    ```
    """

    code = "VL796"
    name = "redirfilter-rules"
    severity = Severity.ERROR
    summary = "A USB redirection filter rule with a class, vendor, product or version libvirt cannot read."
    elements = ("devices/redirfilter/usbdev",)
    uses_caps = False

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        problem = _usbdev(element, ctx)
        return iter((problem,)) if problem is not None else NOTHING
