"""VL404 gic-version: the GIC version vs the caps' `gic` enum."""

from __future__ import annotations

import os
from typing import Iterator

from lxml import etree

from virtlint.linter.caps import DomainCaps
from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.rules import _binding as binding
from virtlint.rules._binding import EnumBinding
from virtlint.rules._devices import LIBVIRT_START, is_arm_virt, qemu_driver
from virtlint.rules._identity import emulator_of, host_view
from virtlint.rules._support import NOTHING

# 'host' is resolved by libvirt and never listed
BINDINGS = binding.publish("features/gic", (
    EnumBinding("features/gic", "version", "version", "GIC version", vocabulary=frozenset({"2", "3", "4"})),
))


#: the versions qemuBuildMachineCommandLine passes as gic-version= (2 is left out where the option is missing)
OPTION_VERSIONS = ("3", "host")


def binary_is_aarch64(ctx: Context) -> bool | None:
    """Whether the domain's QEMU binary is an aarch64 one (virQEMUCapsGetArch): its <emulator>, else the host's
    choice for the arch (qemu-system-aarch64 on an aarch64 host, even for armv7l guests), else the caps' binary
    when they describe the domain; None when unknown."""
    view = host_view(ctx)
    emulator = emulator_of(ctx) or (view.emulator if view is not None else None) or \
        (ctx.caps.emulator if ctx.identity_matches else None)
    if emulator is None:
        return None
    name = os.path.basename(emulator)
    if name in ("qemu-system-aarch64", "qemu-system-arm"):
        return name == "qemu-system-aarch64"
    if view is not None and view.emulator == emulator and view.binary_arches:
        return "aarch64" in view.binary_arches
    return None


def gic_option_problem(element: etree._Element, ctx: Context) -> Problem | None:
    """qemuBuildMachineCommandLine (at start): gic-version=3 or host needs qemu-system-aarch64."""
    version = element.get("version")
    if version not in OPTION_VERSIONS or not qemu_driver(ctx) or not is_arm_virt(ctx) or \
            binary_is_aarch64(ctx) is not False:
        return None
    return Problem(Anchor(element, "version"), "gic-version option is not available with this QEMU binary"
                   + LIBVIRT_START, hint="qemu-system-arm gives an armv7l guest GIC version 2: use version='2', "
                   "or run the guest with qemu-system-aarch64 (an aarch64 host)", replacements=("2",))


@register
class GicVersion(Rule):
    """
    ## What it does
    Compares `/domain/features/gic/@version` with the `version` enum of
    `<features><gic>` in the capabilities (ARM `virt` machines). `host` is
    resolved by libvirt and not judged. Without the capabilities too: GIC
    version `3` or `host` on an ARM `virt` guest whose QEMU binary is not
    qemu-system-aarch64 (an armv7l guest run by qemu-system-arm: its
    `<emulator>`, or the binary the host's `virsh capabilities` names for
    it, or the capabilities' own; silent when none says).

    ## Why is this bad?
    The interrupt controller cannot be emulated or provided by the host
    kernel: QEMU fails at start. libvirt refuses the other case at start
    (stage: start, QEMU driver): `gic-version option is not available with
    this QEMU binary` (qemuBuildMachineCommandLine; version 2 is let through,
    as old QEMUs always gave GICv2; checked on libvirt 9.0).

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
    summary = "A GIC version the capabilities' gic enum does not list, or that the QEMU binary cannot set."
    elements = ("features/gic",)
    #: (the binding compares the caps only when they describe the domain; the start check needs none)
    uses_caps = False

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        if ctx.identity_matches:
            found = list(binding.check(element, BINDINGS, ctx))
            if found:
                return iter(found)
        problem = gic_option_problem(element, ctx)
        return iter((problem,)) if problem is not None else NOTHING

    def fires_with(self, caps: DomainCaps, path: str) -> bool:
        return True  # (the start check needs no caps; a <gic> is rare)
