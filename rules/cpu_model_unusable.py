"""VL604 cpu-model-unusable: a custom CPU model the host cannot run (`usable='no'`)."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.caps import CpuModel, DomainCaps
from virtlint.linter.engine import register
from virtlint.linter.fixes import UNSAFE, AppendChild, Fix
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.rules._cpu import HARDWARE_ACCELERATED, closest_usable, custom_model_of, disabled_features, lookup
from virtlint.rules._support import NOTHING, caps_label

#: Feature policies that leave x86Compute's required set
_NOT_REQUIRED = ("disable", "forbid", "optional", "force")


def _exempted(cpu: etree._Element) -> bool:
    """Whether a feature leaves x86Compute's required set: policy disable, forbid, optional or force (checked on 9.0:
    an unusable model whose missing features are optional or forced starts)."""
    return any(feature.get("policy") in _NOT_REQUIRED for feature in cpu.iterchildren("feature"))


@register
class CpuModelUnusable(Rule):
    """
    ## What it does
    Reports a custom-mode CPU model that the capabilities mark
    `usable='no'`, as an error only where the capabilities prove the start
    fails. When they list the model's `<blockers>` (libvirt 10.9 and later),
    the model counts as usable if the domain disables every blocking feature
    (`<feature policy='disable' name='...'/>`); blockers left enabled are an
    error with hardware acceleration (domain type `kvm`, `hvf`) unless
    `check='none'`. `check='full'` is always an error (libvirt verifies the
    CPU QEMU started with). Without `<blockers>` (older libvirt), `usable='no'`
    is QEMU's view, while with the default `check='partial'` libvirt decides by
    comparing the model with its own reading of the host CPU: the start may
    succeed (nested virtualisation is a common case), so it is a warning that
    says so. With TCG, or KVM and `check='none'`, QEMU drops the missing
    features and starts: a warning; but TCG with an explicit
    `check='partial'` compares the model with TCG's host CPU model, which
    lacks what made the model unusable: an error when no feature of the
    domain's is disabled, optional or forced (checked on 9.0 with seven
    models; any of these policies on the missing ones starts).
    `usable='unknown'` is not reported.

    ## Why is this bad?
    The domain fails at start: `the CPU is incompatible with host CPU: Host
    CPU does not provide required features: ...`, or with `check='full'`
    `guest CPU doesn't match specification: missing features: ...`.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch>
      <cpu><mode name='custom' supported='yes'><model usable='no' vendor='Intel'>Skylake-Server</model>
        <blockers model='Skylake-Server'><feature name='pku'/></blockers>
        <model usable='yes' vendor='Intel'>Cascadelake-Server</model></mode></cpu></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <cpu mode='custom'><model>Skylake-Server</model></cpu></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <cpu mode='custom'><model>Skylake-Server</model><feature policy='disable' name='pku'/></cpu></domain>
    ```
    """

    code = "VL604"
    name = "cpu-model-unusable"
    severity = Severity.ERROR
    summary = "The custom CPU model is marked usable='no' and its blocking features are not disabled."
    elements = ("cpu",)

    def fires_with(self, caps: DomainCaps, path: str) -> bool:
        return any(model.usable == "no" for model in caps.cpu_models.values())

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        found = custom_model_of(ctx, element)
        if found is None:
            return NOTHING
        model = lookup(ctx.caps, found[1])
        if model is None or model.usable != "no":
            return NOTHING
        return self._problems(element, found, model, ctx)

    def _problems(self, element: etree._Element, found: tuple[etree._Element, str], model: CpuModel,
                  ctx: Context) -> Iterator[Problem]:
        model_element, name = found
        blockers = [f for f in model.blockers if f not in disabled_features(element)]
        if model.blockers and not blockers:
            return  # every blocking feature is disabled
        check = element.get("check", "partial")
        # (TCG compares a custom model only when asked, check='partial', with its host model, which lacks what QEMU's
        # TCG lacks: the model's usable='no' features; 7 of 7 such models refused on 9.0, checked)
        fatal = check == "full" or (bool(blockers) and ctx.domain_type in HARDWARE_ACCELERATED and check != "none") \
            or (ctx.domain_type == "qemu" and element.get("check") == "partial" and not _exempted(element))
        alternatives = closest_usable(ctx.caps, name, model.vendor)
        message = f"CPU model '{name}' is not usable on the host of these capabilities {caps_label(ctx.caps)}"
        if blockers:
            message += f"; blocking features: {', '.join(blockers)}"
        if alternatives:
            message += f"; usable models include: {', '.join(alternatives)}"
        if not fatal and not model.blockers and ctx.domain_type in HARDWARE_ACCELERATED and check != "none":
            message += (" (the capabilities list no blocking features, so it cannot be decided offline: libvirt "
                        "compares the model with its own view of the host CPU at start, and may accept it)")
        elif not fatal:
            message += " (QEMU will run it without the missing features)"
        if blockers:
            hint = "disable " + ", ".join(f"<feature policy='disable' name='{f}'/>" for f in blockers)
        elif alternatives:
            hint = f"use model '{alternatives[0]}', or mode='host-model'"
        else:
            hint = "use mode='host-model'"
        disable = (AppendChild(element, tuple(f"<feature policy='disable' name='{f}'/>" for f in blockers),
                               after=model_element),)
        yield Problem(
            Anchor(model_element, text=True),
            message,
            hint=hint,
            evidence=ctx.caps.evidence(model.element),
            replacements=tuple(alternatives),
            severity=None if fatal else Severity.WARNING,
            fixes=(Fix(f"Disable the blocking features: {', '.join(blockers)}", disable, UNSAFE),) if blockers else (),
        )
