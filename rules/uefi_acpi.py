"""VL506 uefi-acpi: UEFI needs ACPI on x86; ACPI needs UEFI on aarch64."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.rules._support import NOTHING, domain_children, first_child

X86 = ("x86_64", "i686")


def uses_uefi(os_element: etree._Element) -> bool:
    if os_element.get("firmware") == "efi":
        return True  # the common case, without looking for a loader
    loader = first_child(os_element, "loader")
    return loader is not None and loader.get("type") == "pflash"


def _acpi(ctx: Context) -> etree._Element | None:
    """``ctx.root.find('features/acpi')``."""
    for features in domain_children(ctx).get("features", ()):
        acpi = first_child(features, "acpi")
        if acpi is not None:
            return acpi
    return None


@register
class UefiAcpi(Rule):
    """
    ## What it does
    On x86, UEFI firmware (`os/@firmware='efi'` or a `pflash` loader) needs
    `<features><acpi/></features>`. On aarch64 it is the other way round:
    `<acpi/>` needs UEFI.

    ## Why is this bad?
    libvirt refuses the domain at define time: `UEFI requires ACPI on this
    architecture`, or `ACPI requires UEFI on this architecture`.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os firmware='efi'><type arch='x86_64' machine='q35'>hvm</type></os></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os firmware='efi'><type arch='x86_64' machine='q35'>hvm</type></os>
      <features><acpi/></features></domain>
    ```
    """

    code = "VL506"
    name = "uefi-acpi"
    severity = Severity.ERROR
    summary = "UEFI without ACPI on x86, or ACPI without UEFI on aarch64."
    elements = ("os",)
    uses_caps = False

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        # the common case first: an arch with no such rule, or x86 without UEFI (nothing reads <acpi/> then)
        arch = ctx.arch
        if arch in X86:
            if not uses_uefi(element) or _acpi(ctx) is not None:
                return NOTHING
            return self._uefi_without_acpi(element)
        if arch == "aarch64":
            acpi = _acpi(ctx)
            if acpi is None or uses_uefi(element):
                return NOTHING
            return self._acpi_without_uefi(acpi)
        return NOTHING

    @staticmethod
    def _uefi_without_acpi(element: etree._Element) -> Iterator[Problem]:
        anchor = Anchor(element, "firmware") if element.get("firmware") else Anchor(element.find("loader"), "type")
        yield Problem(anchor, "UEFI requires ACPI on this architecture: add <acpi/> to <features>",
                      hint="add <acpi/> to <features>")

    @staticmethod
    def _acpi_without_uefi(acpi: etree._Element) -> Iterator[Problem]:
        yield Problem(Anchor(acpi), "ACPI requires UEFI on aarch64: set <os firmware='efi'> or remove <acpi/>",
                      hint="add firmware='efi' to <os>")
