"""VL602 cpu-migratable: `migratable` of host-passthrough / maximum vs the caps' enums."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.caps import DomainCaps
from virtlint.linter.engine import register
from virtlint.linter.model import Context, Problem, Rule, Severity
from virtlint.rules import _binding as binding
from virtlint.rules._binding import EnumBinding
from virtlint.rules._cpu import custom_model_of
from virtlint.rules._support import NOTHING

BINDINGS = binding.publish("cpu", (
    EnumBinding("cpu/mode/host-passthrough", "hostPassthroughMigratable", "migratable",
                "host-passthrough migratable", applies=lambda cpu: cpu.get("mode") == "host-passthrough"),
    EnumBinding("cpu/mode/maximum", "maximumMigratable", "migratable", "maximum migratable",
                applies=lambda cpu: cpu.get("mode") == "maximum"),
))


@register
class CpuMigratable(Rule):
    """
    ## What it does
    Compares `/domain/cpu/@migratable` of a `host-passthrough` or `maximum`
    CPU with the `hostPassthroughMigratable` / `maximumMigratable` enum of
    that mode in the capabilities (`on` needs QEMU's migratable CPU property;
    aarch64, s390x and ppc64 list only `off`).

    ## Why is this bad?
    libvirt refuses it: `Migratable attribute for host-passthrough CPU is not
    supported by this QEMU binary`.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>virt-7.2</machine><arch>aarch64</arch>
      <cpu><mode name='host-passthrough' supported='yes'>
        <enum name='hostPassthroughMigratable'><value>off</value></enum></mode></cpu></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='aarch64' machine='virt'>hvm</type></os>
      <cpu mode='host-passthrough' migratable='on'/></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='aarch64' machine='virt'>hvm</type></os>
      <cpu mode='host-passthrough' migratable='off'/></domain>
    ```
    """

    code = "VL602"
    name = "cpu-migratable"
    severity = Severity.ERROR
    summary = "A migratable setting the capabilities do not list for that CPU mode."
    elements = ("cpu",)

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        if custom_model_of(ctx, element) is not None:
            return NOTHING  # a custom-mode CPU (its model read once for the CPU model rules): no row applies
        return binding.check(element, BINDINGS, ctx)

    def fires_with(self, caps: DomainCaps, path: str) -> bool:
        return binding.can_fire(BINDINGS, caps)
