"""VL102 arch: the emulator binary must run the guest architecture."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter import vocabulary
from virtlint.linter.engine import register
from virtlint.linter.fixes import Fix, SetText
from virtlint.linter.identity import (COMPATIBLE_GUEST_ARCHES, binary_arch_from_name, binary_arches_for_caps,
                                     binary_runs, binary_runs_any)
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.rules._identity import emulator_of, host_view, wanted
from virtlint.rules._support import NOTHING


@register
class Arch(Rule):
    """
    ## What it does
    Reports a guest architecture (`/domain/os/type/@arch`) that the emulator
    binary cannot run, as libvirt's `virQEMUCapsIsArchSupported` decides: a
    binary runs its own arch, and the x86_64 binary also runs i686, aarch64
    runs armv7l, armv7l runs armv6l, ppc64 runs ppc64le. The binary's arch is
    known when the domain names `qemu-system-<arch>`, when it names the binary
    the domcapabilities describe, or from the host's `virsh capabilities`
    (which lists every binary per arch). With the host document, a domain
    without `<emulator>` whose arch the host has no binary for is reported too.
    Capabilities fetched for another arch (say an i686 domain checked against
    x86_64 domcaps) are not an error: the host may have a binary for it (see
    VL004).

    ## Why is this bad?
    libvirt refuses the domain (qemuValidateDomainDef, at define):
    `Emulator '/usr/bin/qemu-system-aarch64' does not support arch 'x86_64'`,
    or `No emulator found for arch 'riscv64'` (qemuDomainDefPostParseBasic).

    ## Capabilities
    ```xml
    <domainCapabilities><path>/usr/bin/qemu-system-aarch64</path><domain>kvm</domain><machine>virt-7.2</machine><arch>aarch64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64'>hvm</type></os>
      <devices><emulator>/usr/bin/qemu-system-aarch64</emulator></devices></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='armv7l'>hvm</type></os>
      <devices><emulator>/usr/bin/qemu-system-aarch64</emulator></devices></domain>
    ```
    """

    code = "VL102"
    name = "arch"
    severity = Severity.ERROR
    summary = "The emulator binary cannot run the guest architecture."
    elements = ("os/type",)
    identity_rule = True

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        arch = element.get("arch")
        if not arch:
            return NOTHING
        if ctx.host is None:
            # without a host document the verdict depends on the emulator, the arch and the caps alone
            emulator = emulator_of(ctx)
            if emulator is None:
                return NOTHING  # libvirt picks a binary for the arch
            key = ("arch-refused", emulator, arch)
            refused = ctx.caps.memo.get(key)
            if refused is None:
                refused = ctx.caps.memo[key] = any(True for _ in self._problems(element, arch, ctx))
            if not refused:
                return NOTHING
        return self._problems(element, arch, ctx)

    def _problems(self, element: etree._Element, arch: str, ctx: Context) -> Iterator[Problem]:
        domain = wanted(ctx)
        view = host_view(ctx)
        if view is not None and ctx.host is not None:
            if domain.emulator is None and not view.arch_guests:
                offered = sorted({g.arch for g in ctx.host.guests if g.os_type == domain.host_os_type})
                yield Problem(
                    Anchor(element, "arch"),
                    f"No emulator found for arch '{arch}': the host ({ctx.host.path}) has no binary for it"
                    + (f"; it runs: {', '.join(offered)}" if offered else ""),
                    hint="use an arch the host offers, or install its QEMU system emulator",
                    replacements=tuple(offered),
                )
                return
            if view.emulator_listed:
                if not binary_runs_any(view.binary_arches, arch):
                    yield self._problem(element, view.emulator or "", arch, sorted(view.binary_arches),
                                        ctx.host.evidence(view.guest.element) if view.guest is not None
                                        and view.guest.element is not None else None)
                return
        emulator = domain.emulator
        if emulator is None:
            return  # libvirt picks a binary for the arch
        named = binary_arch_from_name(emulator)
        if named is not None:
            if not binary_runs(named, arch):
                yield self._problem(element, emulator, arch, [named], None)
            return
        if emulator == ctx.caps.emulator:
            binaries = binary_arches_for_caps(ctx.caps)
            if binaries and not any(binary_runs(b, arch) for b in binaries):
                yield self._problem(element, emulator, arch, sorted(binaries),
                                    ctx.caps.evidence(ctx.caps.root.find("arch")))

    @staticmethod
    def _problem(element: etree._Element, emulator: str, arch: str, binary_arches: list[str],
                 evidence) -> Problem:
        runs = sorted({guest for b in binary_arches for guest in (b, *COMPATIBLE_GUEST_ARCHES.get(b, ()))})
        binary = f"qemu-system-{'i386' if arch == 'i686' else arch}"
        # the hint's first remedy is the first fix: the binary for this arch beside the named one
        fixes: tuple[Fix, ...] = ()
        emulator_element = element.getroottree().getroot().find("devices/emulator")
        if emulator_element is not None and "/" in emulator:
            path = f"{emulator.rsplit('/', 1)[0]}/{binary}"
            fixes = (Fix(f"Use emulator {path}", (SetText(emulator_element, path),)),)
            binary = path
        return Problem(
            Anchor(element, "arch"),
            f"Emulator '{emulator}' does not support arch '{arch}': it is built for "
            f"{' or '.join(binary_arches)} and runs {', '.join(runs)}",
            hint=f"use the QEMU binary for {arch} ({binary}), or remove <emulator> to let libvirt choose",
            evidence=evidence,
            replacements=tuple(runs),
            fixes=fixes,
        )


vocabulary.publish("os/type", "arch", "arch", lambda caps, element: vocabulary.single(caps.arch))
