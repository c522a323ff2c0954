"""VL603 cpu-model-unknown: a custom CPU model the caps do not know."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter import vocabulary
from virtlint.linter.caps import UNKNOWN, Availability, EnumAnswer
from virtlint.linter.cpu_generations import newest_first
from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.rules._cpu import closest_usable, custom_model, lookup
from virtlint.rules._support import caps_label


@register
class CpuModelUnknown(Rule):
    """
    ## What it does
    Looks up the model of a custom-mode CPU among the `<model>`s (and their
    `canonical` names) of `<cpu><mode name='custom'>` in the capabilities.
    Nothing is reported when the capabilities list no model.

    ## Why is this bad?
    The domain fails at start: `Unknown CPU model ...`, or `CPU model ... is
    not supported by hypervisor` with `fallback='forbid'`. A model added by a
    newer QEMU (say `GraniteRapids`) does not exist on an older host.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch>
      <cpu><mode name='custom' supported='yes'><model usable='yes' vendor='Intel'>Skylake-Server</model>
        <model usable='yes' vendor='Intel'>Cascadelake-Server</model></mode></cpu></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <cpu mode='custom'><model>GraniteRapids</model></cpu></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <cpu mode='custom'><model>Cascadelake-Server</model></cpu></domain>
    ```
    """

    code = "VL603"
    name = "cpu-model-unknown"
    severity = Severity.ERROR
    summary = "The custom CPU model is not among the capabilities' CPU models."
    elements = ("cpu",)

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        found = custom_model(element)
        if found is None or not ctx.caps.cpu_models or lookup(ctx.caps, found[1]) is not None:
            return
        model, name = found
        suggestions = tuple(closest_usable(ctx.caps, name, None))
        custom = ctx.caps.block("cpu/mode/custom")
        yield Problem(
            Anchor(model, text=True),
            f"CPU model '{name}' is not known to these capabilities {caps_label(ctx.caps)}"
            + (f"; usable models include: {', '.join(suggestions)}" if suggestions else ""),
            hint=f"use a listed model such as '{suggestions[0]}'" if suggestions else None,
            evidence=ctx.caps.evidence(custom.element) if custom else None,
            replacements=suggestions,
        )


def _models(caps, element: etree._Element) -> vocabulary.Allowed | None:
    if not caps.cpu_models:
        return vocabulary.Allowed(UNKNOWN, ())
    # usable models first, newest hardware first; models the host cannot run at the end
    rank = {"yes": 0, "unknown": 1, None: 1, "no": 2}
    by_generation = {name: index for index, name in enumerate(newest_first(list(caps.cpu_models)))}
    models = sorted(caps.cpu_models.values(),
                    key=lambda m: (rank.get(m.usable, 1), m.deprecated, by_generation[m.name]))
    choices = []
    for model in models:
        details = [f"usable='{model.usable}'" if model.usable else "", "deprecated" if model.deprecated else "",
                   f"blockers: {', '.join(model.blockers)}" if model.blockers else "",
                   model.vendor if model.vendor and model.vendor != "unknown" else ""]
        choices.append(vocabulary.Choice(model.name, "; ".join(d for d in details if d) or None,
                                         preferred=model.usable != "no" and not model.deprecated,
                                         deprecated=bool(model.deprecated)))
    custom = caps.block("cpu/mode/custom")
    answer = EnumAnswer(Availability.LISTED, tuple(m.name for m in models),
                        caps.evidence(custom.element) if custom else None)
    return vocabulary.Allowed(answer, tuple(choices))


vocabulary.publish("cpu/model", None, "CPU model", _models)
