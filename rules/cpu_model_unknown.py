"""VL603 cpu-model-unknown: a custom CPU model the caps do not know."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter import vocabulary
from virtlint.linter.caps import UNKNOWN, Availability, DomainCaps, EnumAnswer
from virtlint.linter.cpu_generations import newest_first
from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.rules._addresses import X86
from virtlint.rules._cpu import (LIBVIRT_X86_MODELS, LIBVIRT_X86_MODELS_AFTER_9_0, closest_usable,
                                 custom_model_of, lookup)
from virtlint.rules._support import NOTHING, caps_label


@register
class CpuModelUnknown(Rule):
    """
    ## What it does
    Looks up the model of a custom-mode CPU among the `<model>`s (and their
    `canonical` names) of `<cpu><mode name='custom'>` in the capabilities,
    and decides as libvirt's virCPUTranslate does when the hypervisor lacks
    it. It is an error when the start certainly fails: with
    `<model fallback='forbid'>`; on an arch whose CPU driver cannot translate
    models (everything but x86); on x86 when the name is not even in
    libvirt's own CPU map (a typo, or a model of a newer libvirt). With the
    default `fallback='allow'` and a model libvirt knows, libvirt replaces it
    by the closest model the hypervisor supports (keeping the features the
    domain lists), and the start fails only if the host cannot provide the
    replacement: that is a warning. Nothing is reported when the capabilities
    list no model.

    ## Why is this bad?
    The domain fails at start (qemuProcessUpdateGuestCPU): `CPU model
    EPYC-Milan is not supported by hypervisor` (fallback='forbid',
    virCPUTranslate), `cannot translate CPU model Conroe to a supported model`
    (aarch64, s390x, ppc64), `Unknown CPU model Foobar` (x86,
    x86ModelFromCPU). `SapphireRapids`, `GraniteRapids` and `EPYC-Genoa` are
    not in libvirt 9.0's map, so a 9.0 host refuses them as unknown, whatever
    the fallback (checked on 9.0): an error where the modelled release
    (`libvirt_version`) is one known to lack the model (SapphireRapids before
    9.4, EPYC-Genoa 9.0, GraniteRapids up to 9.8), else a warning.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch>
      <cpu><mode name='custom' supported='yes'><model usable='yes' vendor='Intel'>Skylake-Server</model>
        <model usable='yes' vendor='Intel'>Cascadelake-Server</model></mode></cpu></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <cpu mode='custom'><model fallback='forbid'>GraniteRapids</model></cpu></domain>
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
    summary = "The custom CPU model is not among the capabilities' CPU models (an error where the start must fail)."
    elements = ("cpu",)

    def fires_with(self, caps: DomainCaps, path: str) -> bool:
        return bool(caps.cpu_models)  # without a model list nothing is unknown

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        found = custom_model_of(ctx, element)
        if found is None or found[1] in ctx.caps.cpu_models:
            return NOTHING  # the common case: a model the caps list by its name
        if not ctx.caps.cpu_models or lookup(ctx.caps, found[1]) is not None:
            return NOTHING
        return self._problems(found, ctx)

    def _problems(self, found: tuple[etree._Element, str], ctx: Context) -> Iterator[Problem]:
        model, name = found
        suggestions = tuple(closest_usable(ctx.caps, name, None))
        custom = ctx.caps.block("cpu/mode/custom")
        arch = ctx.arch or ctx.caps.arch
        base = f"CPU model '{name}' is not known to these capabilities {caps_label(ctx.caps)}"
        severity = None
        added = LIBVIRT_X86_MODELS_AFTER_9_0.get(name)
        lacking = added is not None and (arch is None or arch in X86) and not ctx.libvirt_at_least(
            added[0][0], added[0][1] + 1)
        if lacking and added is not None:
            # (virCPUx86Update looks the model up in the map before any translation: whatever the fallback)
            reason = (f"libvirt {added[0][0]}.{added[0][1]}'s CPU map does not have it (libvirt {added[1][0]}."
                      f"{added[1][1]} has): Unknown CPU model {name}")
        elif model.get("fallback") == "forbid":
            reason = f"with fallback='forbid' libvirt refuses it: CPU model {name} is not supported by hypervisor"
        elif arch is not None and arch not in X86:
            reason = (f"libvirt cannot translate CPU models on {arch}: cannot translate CPU model {name} "
                      "to a supported model")
        elif name not in LIBVIRT_X86_MODELS:
            reason = f"libvirt's CPU map does not have it either: Unknown CPU model {name}"
        else:
            severity = Severity.WARNING
            reason = ("with fallback='allow' libvirt replaces it by the closest supported model"
                      + (" (libvirt 9.0's CPU map lacks it, so a 9.0 host refuses it: Unknown CPU model)"
                         if added is not None else "")
                      + "; the start fails only if the host cannot provide that model")
        yield Problem(
            Anchor(model, text=True),
            f"{base}; {reason}" + (f"; usable models include: {', '.join(suggestions)}" if suggestions else ""),
            hint=f"use a listed model such as '{suggestions[0]}'" if suggestions else None,
            evidence=ctx.caps.evidence(custom.element) if custom else None,
            replacements=suggestions,
            severity=severity,
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
