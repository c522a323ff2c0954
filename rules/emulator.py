"""VL104 emulator: the emulator binary must be the one the caps describe."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter import vocabulary
from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.rules._support import caps_label


@register
class Emulator(Rule):
    """
    ## What it does
    Compares `/domain/devices/emulator` with the `<path>` of the capabilities.
    A domain without `<emulator>` gets libvirt's default for its arch and is
    not reported.

    ## Why is this bad?
    Capabilities are reported per emulator binary. A domain naming another
    binary is checked by libvirt against that binary, which may not exist on
    the host (`Cannot check QEMU binary ...: No such file or directory`) or may
    support other things than these capabilities say.

    ## Capabilities
    ```xml
    <domainCapabilities><path>/usr/bin/qemu-system-x86_64</path><domain>kvm</domain><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><devices><emulator>/usr/libexec/qemu-kvm</emulator></devices></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><devices><emulator>/usr/bin/qemu-system-x86_64</emulator></devices></domain>
    ```
    """

    code = "VL104"
    name = "emulator"
    severity = Severity.ERROR
    summary = "The emulator binary differs from the one the capabilities describe."
    elements = ("devices/emulator",)
    identity_rule = True

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        wanted, offered = (element.text or "").strip(), ctx.caps.emulator
        if wanted and offered and wanted != offered:
            yield Problem(
                Anchor(element, text=True),
                f"emulator '{wanted}' is not the binary these capabilities describe {caps_label(ctx.caps)}: "
                f"they are for '{offered}'",
                hint=f"use {offered}, or remove <emulator> to let libvirt choose",
                evidence=ctx.caps.evidence(ctx.caps.root.find("path")),
                replacements=(offered,),
            )


vocabulary.publish("devices/emulator", None, "emulator", lambda caps, element: vocabulary.single(caps.emulator))
