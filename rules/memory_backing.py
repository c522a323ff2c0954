"""VL203 memory-backing-source: memoryBacking source type vs the `sourceType` enum."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.caps import DomainCaps
from virtlint.linter.engine import register
from virtlint.linter.model import Context, Problem, Rule, Severity
from virtlint.rules import _binding as binding
from virtlint.rules._binding import EnumBinding

BINDINGS = binding.publish("memoryBacking/source", (
    EnumBinding("memoryBacking", "sourceType", "type", "memory backing source type"),
))


@register
class MemoryBackingSource(Rule):
    """
    ## What it does
    Compares `/domain/memoryBacking/source/@type` (`file`, `anonymous`,
    `memfd`) with the `sourceType` enum of `<memoryBacking>` in the
    capabilities.

    ## Why is this bad?
    `memfd` needs QEMU's `memory-backend-memfd`; without it the domain fails
    to start. memfd is what virtiofs setups usually ask for.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch>
      <memoryBacking supported='yes'><enum name='sourceType'><value>file</value><value>anonymous</value></enum></memoryBacking>
    </domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <memoryBacking><source type='memfd'/><access mode='shared'/></memoryBacking></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <memoryBacking><source type='file'/><access mode='shared'/></memoryBacking></domain>
    ```
    """

    code = "VL203"
    name = "memory-backing-source"
    severity = Severity.ERROR
    summary = "The memory backing source type is not in the capabilities' sourceType enum."
    elements = ("memoryBacking/source",)

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        return binding.check(element, BINDINGS, ctx)

    def fires_with(self, caps: DomainCaps, path: str) -> bool:
        return binding.can_fire(BINDINGS, caps)
