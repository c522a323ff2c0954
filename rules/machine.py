"""VL103 machine: the machine type must exist in the emulator binary."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter import vocabulary
from virtlint.linter.engine import register
from virtlint.linter.identity import machine_impossible_on
from virtlint.linter.machines import parse_machine
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.rules._identity import host_view
from virtlint.rules._support import NOTHING


@register
class Machine(Rule):
    """
    ## What it does
    Reports a machine type (`/domain/os/type/@machine`) the emulator binary
    does not have. With the host's `virsh capabilities`, it decides as
    libvirt does: the name is resolved through the aliases the host lists
    (`<machine canonical='pc-q35-7.2'>q35</machine>`), then looked up among
    the machines of the binary and virt type the domain uses. Without the
    host document, only a machine family that exists on no QEMU binary of
    the guest arch is reported (`pseries` on x86_64, `q35` on aarch64,
    `virt` on x86_64): a domcapabilities document describes the one machine
    it was fetched for, not the binary's list, so another family or a newer
    version of the same family is not an error (see VL004).

    ## Why is this bad?
    libvirt refuses the domain (qemuValidateDomainDef, at define):
    `Emulator '/usr/bin/qemu-system-x86_64' does not support machine type
    'pc-q35-8.2'`.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='pseries'>hvm</type></os></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os></domain>
    ```
    """

    code = "VL103"
    name = "machine"
    severity = Severity.ERROR
    summary = "The machine type does not exist in the emulator binary."
    elements = ("os/type",)
    identity_rule = True

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        machine, arch = element.get("machine"), element.get("arch")
        if not machine:
            return NOTHING
        if ctx.host is None and not (arch and _impossible(machine, arch)):
            return NOTHING  # without a host document only the arch test below can speak
        return self._problems(element, machine, arch, ctx)

    def _problems(self, element: etree._Element, machine: str, arch: str | None, ctx: Context) -> Iterator[Problem]:
        view = host_view(ctx)
        if view is not None and view.emulator_listed and view.machines:
            if view.machine_entry is not None:
                return
            family = parse_machine(view.canonical or machine).family
            names = [m.name for m in view.machines if not m.canonical]
            same = [n for n in names if parse_machine(n).family == family]
            aliases = [m.name for m in view.machines if m.canonical]
            replacements = tuple(sorted(same, key=_version, reverse=True)[:3] or aliases[:3])
            shown = f"'{machine}'" + (f" ('{view.canonical}')" if view.canonical and view.canonical != machine else "")
            yield Problem(
                Anchor(element, "machine"),
                f"Emulator '{view.emulator}' does not support machine type {shown}"
                + (f"; its {family} machines: {', '.join(sorted(same, key=_version, reverse=True)[:5])}" if same
                   else f"; aliases it offers: {', '.join(aliases)}" if aliases else ""),
                hint=f"use machine '{replacements[0]}'" if replacements else None,
                evidence=ctx.host.evidence(view.guest.element) if ctx.host is not None and view.guest is not None
                and view.guest.element is not None else None,
                replacements=replacements,
            )
            return
        if arch and _impossible(machine, arch):
            yield Problem(
                Anchor(element, "machine"),
                f"machine '{machine}' does not exist for arch '{arch}': no QEMU binary that runs {arch} "
                f"guests has the {parse_machine(machine).family} machines",
                hint="use a machine of the guest arch (virsh capabilities lists them per arch)",
            )


#: (machine, arch) -> machine_impossible_on's verdict, a pure function of the two: a bounded memo.
_IMPOSSIBLE: dict[tuple[str, str], bool] = {}


def _impossible(machine: str, arch: str) -> bool:
    verdict = _IMPOSSIBLE.get((machine, arch))
    if verdict is None:
        verdict = machine_impossible_on(machine, arch)
        if len(_IMPOSSIBLE) < 1024:
            _IMPOSSIBLE[(machine, arch)] = verdict
    return verdict


def _version(name: str) -> tuple[int, ...]:
    return parse_machine(name).version or ()


vocabulary.publish("os/type", "machine", "machine", lambda caps, element: vocabulary.single(caps.machine))
