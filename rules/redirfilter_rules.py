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
from virtlint.rules._support import NOTHING

#: virDomainRedirFilterUSBVersionHelper: MAJOR.MINOR, decimal
_VERSION = lazy_compile(r"[ \t\n\r\v\f]*\+?([0-9]+)\.\+?([0-9]+)")


def _usbdev(usbdev: etree._Element) -> Problem | None:
    """virDomainRedirFilterUSBDevDefParseXML, in its order (allow is VL850's)."""
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
    version = usbdev.get("version")
    if version is not None and version != "-1":
        match = _VERSION.fullmatch(version)
        if match is None or int(match.group(1)) >= 100 or int(match.group(2)) >= 100:
            return Problem(Anchor(usbdev, "version"), f"Cannot parse USB device version {version}",
                           hint="write MAJOR.MINOR, e.g. 2.0, or -1 for any")
    return None


@register
class RedirfilterRules(Rule):
    """
    ## What it does
    Checks each `<redirfilter><usbdev>` rule: `class`, `vendor` and `product`
    are C integers (`0x` hexadecimal, `0` octal, or decimal; `-1` for any),
    the class fits one byte, and `version` is `MAJOR.MINOR` below 100 each,
    or `-1`.

    ## Why is this bad?
    libvirt refuses the domain when it is defined: `Invalid value for
    attribute 'class' in element 'usbdev': '08'. Expected integer value`
    (`08` is not octal), `Invalid USB Class code 0x1ff`, `Cannot parse USB
    device version 2` (virDomainRedirFilterUSBDevDefParseXML; every driver).
    libvirt's schema allows `08`, so a schema check alone passes it. Each was
    checked with the real libvirt 9.0, with its twin.

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
        problem = _usbdev(element)
        return iter((problem,)) if problem is not None else NOTHING
