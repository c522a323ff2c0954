"""VL670 cpu-fleet-migration: host-model / host-passthrough in a template for a fleet of different hosts."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.baseline import cpu_advice, fleet_size
from virtlint.linter.caps import DomainCaps
from virtlint.linter.engine import register
from virtlint.linter.fixes import UNSAFE, AppendChild, Fix, SetAttribute
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.rules._cpu import mode_of

HOST_MODES = ("host-model", "host-passthrough", "maximum")
#: Children a host-dependent CPU may carry that a custom CPU with a model cannot keep as they are.
_HOST_ONLY_CHILDREN = ("model", "feature", "cache", "maxphysaddr")


@register
class CpuFleetMigration(Rule):
    """
    ## What it does
    When a template is checked against a fleet (a baseline built by
    `virtlint caps --baseline` from more than one host, or `virtlint check
    --fleet` with more than one host of the template's arch and machine
    family), flags a CPU in `host-model`, `host-passthrough` or `maximum`
    mode and proposes the newest custom CPU model every host can run (with the
    features to disable, where some hosts name blockers for a newer model).
    The fix changes the guest's CPU, so it is *unsafe*: editors offer it,
    `virtlint check --fix` applies it only with `--unsafe-fixes`.

    ## Why is this bad?
    These modes give the guest the CPU of the host it starts on. libvirt
    starts it anywhere, but live migration to a host whose CPU lacks some of
    those features fails (`operation failed: guest CPU doesn't match
    specification: missing features: ...`, raised by `virCPUx86UpdateLive` /
    `qemuProcessUpdateGuestCPU` on the destination, src/cpu/cpu_x86.c and
    src/qemu/qemu_process.c) and host-passthrough guests are only supported
    between identical hosts (docs/formatdomain.rst, "CPU model and
    topology"). A warning: define and start succeed; the migration stage of
    the QEMU driver is what fails.

    ## Capabilities
    ```xml
    <domainCapabilities><?virtlint-baseline hosts="2"?><path>/usr/bin/qemu-system-x86_64</path>
      <domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch>
      <cpu><mode name='host-model' supported='yes'/>
        <mode name='custom' supported='yes'><model usable='yes' vendor='Intel'>Westmere</model>
          <model usable='yes' vendor='Intel'>SandyBridge</model></mode></cpu></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <cpu mode='host-model'/></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <cpu mode='custom' match='exact'><model fallback='forbid'>SandyBridge</model></cpu></domain>
    ```
    """

    code = "VL670"
    name = "cpu-fleet-migration"
    severity = Severity.WARNING
    summary = "A host-dependent CPU mode in a template checked against a fleet of more than one host."
    elements = ("cpu",)

    def fires_with(self, caps: DomainCaps, path: str) -> bool:
        hosts = fleet_size(caps)
        return hosts is not None and hosts >= 2  # one host's caps: nothing to migrate between

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        hosts = fleet_size(ctx.caps)
        mode = mode_of(element)
        if hosts is None or hosts < 2 or mode not in HOST_MODES:
            return
        advice = cpu_advice([ctx.caps])
        choices = [(model, disabled) for model, disabled in advice.with_disabled[:1]]
        if advice.best:
            choices.append((advice.best, ()))
        if choices:
            model, disabled = choices[0]
            extra = f" without {', '.join(disabled)}" if disabled else ""
            suggestion = f"the newest custom model every one of the {hosts} hosts can run is {model}{extra}"
        else:
            suggestion = "no custom model is usable on every host; check the fleet's CPUs"
        anchor = Anchor(element, "mode") if element.get("mode") else Anchor(element)
        blocking = [child.tag for child in element.iterchildren(*_HOST_ONLY_CHILDREN)]
        if element.get("migratable") is not None:
            blocking.append("migratable")
        fixes = () if blocking else tuple(_fix(element, model, disabled) for model, disabled in choices)
        yield Problem(
            anchor,
            f"CPU mode '{mode}' gives the guest the CPU of whichever host starts it; this template is checked "
            f"against a fleet of {hosts} hosts, and a guest started on a newer one cannot migrate to an older one",
            hint=f"use a custom CPU model: {suggestion}"
            + (f" (first remove what only a {mode} CPU carries: {', '.join(blocking)})" if blocking and choices else ""),
            fixes=fixes,
        )


def _fix(cpu: etree._Element, model: str, disabled: tuple[str, ...]) -> Fix:
    children = (f"<model fallback='forbid'>{model}</model>",
                *(f"<feature policy='disable' name='{name}'/>" for name in disabled))
    changes: list = [SetAttribute(cpu, "mode", "custom")]
    if cpu.get("match") is None:
        changes.append(SetAttribute(cpu, "match", "exact"))
    changes.append(AppendChild(cpu, children))
    title = f"Use CPU model {model}" + (f" without {', '.join(disabled)}" if disabled else "") + " (unsafe)"
    return Fix(title, tuple(changes), UNSAFE)
