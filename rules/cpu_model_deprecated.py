"""VL605 cpu-model-deprecated: a custom CPU model QEMU deprecates."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.caps import CpuModel, DomainCaps
from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.rules._cpu import closest_usable, custom_model_of, lookup
from virtlint.rules._support import NOTHING, caps_label


@register
class CpuModelDeprecated(Rule):
    """
    ## What it does
    Reports a custom-mode CPU model that the capabilities mark
    `deprecated='yes'`.

    ## Why is this bad?
    QEMU warns at every start and will remove the model in a later release;
    the domain then stops starting after a host upgrade.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-9.1</machine><arch>x86_64</arch>
      <cpu><mode name='custom' supported='yes'><model usable='yes' deprecated='yes' vendor='Intel'>Icelake-Client</model>
        <model usable='yes' vendor='Intel'>Icelake-Server</model></mode></cpu></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <cpu mode='custom'><model>Icelake-Client</model></cpu></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <cpu mode='custom'><model>Icelake-Server</model></cpu></domain>
    ```
    """

    code = "VL605"
    name = "cpu-model-deprecated"
    severity = Severity.WARNING
    summary = "The custom CPU model is deprecated by QEMU."
    elements = ("cpu",)

    def fires_with(self, caps: DomainCaps, path: str) -> bool:
        return any(model.deprecated for model in caps.cpu_models.values())

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        found = custom_model_of(ctx, element)
        model = lookup(ctx.caps, found[1]) if found else None
        if found is None or model is None or not model.deprecated:
            return NOTHING
        return self._problems(found, model, ctx)

    def _problems(self, found: tuple[etree._Element, str], model: CpuModel, ctx: Context) -> Iterator[Problem]:
        alternatives = [m for m in closest_usable(ctx.caps, model.name, model.vendor, 6)
                        if not ctx.caps.cpu_models[m].deprecated][:3]
        yield Problem(
            Anchor(found[0], text=True),
            f"CPU model '{model.name}' is deprecated in the QEMU of these capabilities {caps_label(ctx.caps)}",
            hint=f"use '{alternatives[0]}'" if alternatives else None,
            evidence=ctx.caps.evidence(model.element),
            replacements=tuple(alternatives),
        )
