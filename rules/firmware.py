"""VL501 firmware: `os/@firmware` autoselection vs the caps' `firmware` enum."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.caps import DomainCaps
from virtlint.linter.engine import register
from virtlint.linter.model import Context, Problem, Rule, Severity
from virtlint.rules import _binding as binding
from virtlint.rules._binding import EnumBinding


def _firmware_named(os_element: etree._Element) -> bool:
    """Whether <os firmware> names a firmware: libvirt reads it with virXPathString, for which an empty value is
    none (firmware='' is defined as no autoselection: checked on libvirt 9.0)."""
    return os_element.get("firmware") != ""


BINDINGS = binding.publish("os", (EnumBinding("os", "firmware", "firmware", "firmware", applies=_firmware_named),))


@register
class Firmware(Rule):
    """
    ## What it does
    Compares `/domain/os/@firmware` (`bios`, `efi`) with the `firmware` enum
    of `<os>` in the capabilities: the firmware kinds for which the host has a
    firmware descriptor matching the machine and arch. An empty enum means no
    firmware can be auto-selected (s390x, ppc64); `bios` missing means
    `firmware='bios'` fails (Debian ships no SeaBIOS descriptor).

    ## Why is this bad?
    libvirt cannot auto-select firmware: `Unable to find 'efi' firmware that
    is compatible with the current configuration` (9.2 and later, at define)
    or `Unable to find any firmware to satisfy 'bios'` (at start).

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch>
      <os supported='yes'><enum name='firmware'><value>efi</value></enum></os></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os firmware='bios'><type arch='x86_64' machine='q35'>hvm</type></os></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os></domain>
    ```
    """

    code = "VL501"
    name = "firmware"
    severity = Severity.ERROR
    summary = "Firmware autoselection asks for a firmware kind the capabilities do not offer."
    elements = ("os",)

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        return binding.check(element, BINDINGS, ctx)

    def fires_with(self, caps: DomainCaps, path: str) -> bool:
        return binding.can_fire(BINDINGS, caps)
