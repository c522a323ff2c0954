"""VL104 emulator: the emulator binary should be one the host reports."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter import vocabulary
from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.rules._identity import host_view


@register
class Emulator(Rule):
    """
    ## What it does
    With the host's `virsh capabilities`, reports an `<emulator>` binary the
    host does not list for any guest arch or virt type. It is a warning:
    the host lists only the binary libvirt would pick by default for each arch,
    and another binary may exist there too (Fedora's `/usr/bin/qemu-kvm` beside
    `qemu-system-x86_64`). Without the host document nothing is reported; a
    domcapabilities document of another binary does not describe the domain
    (VL004). A domain without `<emulator>` gets libvirt's default for its
    arch and is not reported.

    ## Why is this bad?
    If the binary is absent, libvirt refuses the domain: `Cannot check QEMU
    binary /usr/libexec/qemu-kvm: No such file or directory`
    (virQEMUCapsCacheLookup, at define).

    ## Capabilities
    ```xml
    <domainCapabilities><path>/usr/bin/qemu-system-x86_64</path><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```
    ```xml
    <capabilities><host><cpu><arch>x86_64</arch></cpu></host>
      <guest><os_type>hvm</os_type><arch name='x86_64'><wordsize>64</wordsize>
        <emulator>/usr/bin/qemu-system-x86_64</emulator>
        <machine maxCpus='288'>pc-q35-7.2</machine><machine canonical='pc-q35-7.2' maxCpus='288'>q35</machine>
        <domain type='qemu'/><domain type='kvm'/></arch></guest></capabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><emulator>/usr/libexec/qemu-kvm</emulator></devices></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><emulator>/usr/bin/qemu-system-x86_64</emulator></devices></domain>
    ```
    """

    code = "VL104"
    name = "emulator"
    severity = Severity.WARNING
    summary = "The emulator binary is not one the host reports."
    elements = ("devices/emulator",)
    identity_rule = True

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        wanted = (element.text or "").strip()
        view = host_view(ctx)
        if not wanted or view is None or view.emulator_listed or ctx.host is None:
            return
        listed = sorted({e for g in ctx.host.guests for e in (g.emulator, *(d.emulator for d in g.domains.values()))
                         if e})
        for_arch = [e for g in view.arch_guests if (e := g.emulator_for(ctx.domain_type))]
        yield Problem(
            Anchor(element, text=True),
            f"emulator '{wanted}' is not a binary the host ({ctx.host.path}) reports"
            + (f"; it lists: {', '.join(listed)}" if listed else "")
            + "; libvirt refuses the domain unless the binary exists there",
            hint=f"use {for_arch[0]}, or remove <emulator> to let libvirt choose" if for_arch
            else "remove <emulator> to let libvirt choose",
            replacements=tuple(dict.fromkeys(for_arch)),
        )


vocabulary.publish("devices/emulator", None, "emulator", lambda caps, element: vocabulary.single(caps.emulator))
