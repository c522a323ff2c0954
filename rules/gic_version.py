"""VL404 gic-version: the GIC version vs the caps' `gic` enum."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.caps import DomainCaps
from virtlint.linter.engine import register
from virtlint.linter.model import Context, Problem, Rule, Severity
from virtlint.rules import _binding as binding
from virtlint.rules._binding import EnumBinding

# 'host' is resolved by libvirt and never listed
BINDINGS = binding.publish("features/gic", (
    EnumBinding("features/gic", "version", "version", "GIC version", vocabulary=frozenset({"2", "3", "4"})),
))


@register
class GicVersion(Rule):
    """
    ## What it does
    Compares `/domain/features/gic/@version` with the `version` enum of
    `<features><gic>` in the capabilities (ARM `virt` machines). `host` is
    resolved by libvirt and not judged.

    ## Why is this bad?
    The interrupt controller cannot be emulated or provided by the host
    kernel: QEMU fails at start.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>virt-7.2</machine><arch>aarch64</arch>
      <features><gic supported='yes'><enum name='version'><value>3</value></enum></gic></features></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='aarch64' machine='virt'>hvm</type></os>
      <features><gic version='2'/></features></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='aarch64' machine='virt'>hvm</type></os>
      <features><gic version='3'/></features></domain>
    ```
    """

    code = "VL404"
    name = "gic-version"
    severity = Severity.ERROR
    summary = "A GIC version the capabilities' gic enum does not list."
    elements = ("features/gic",)

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        return binding.check(element, BINDINGS, ctx)

    def fires_with(self, caps: DomainCaps, path: str) -> bool:
        return binding.can_fire(BINDINGS, caps)
