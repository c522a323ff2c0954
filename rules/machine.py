"""VL103 machine: the machine type must exist in the QEMU the caps describe."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter import vocabulary
from virtlint.linter.engine import register
from virtlint.linter.machines import MachineFit, machine_fit
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.rules._support import caps_label


@register
class Machine(Rule):
    """
    ## What it does
    Compares `/domain/os/type/@machine` with the `<machine>` of the
    capabilities, resolving aliases: `q35` is `pc-q35-N`, `pc` is
    `pc-i440fx-N`, `virt` is `virt-N`, and likewise `pseries` and
    `s390-ccw-virtio`. An older version of the same family is fine; a newer
    version, or another family, is an error.

    ## Why is this bad?
    A versioned machine newer than the host's QEMU does not exist there:
    libvirt fails with `Emulator '...' does not support machine type '...'`.
    Capabilities of another machine family (say i440fx instead of q35) do not
    describe this domain, so the other rules are not run against them.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='pc-q35-8.2'>hvm</type></os></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='pc-q35-7.2'>hvm</type></os></domain>
    ```
    """

    code = "VL103"
    name = "machine"
    severity = Severity.ERROR
    summary = "The machine type is newer than, or of another family than, the capabilities' machine."
    elements = ("os/type",)
    identity_rule = True

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        wanted, offered = element.get("machine"), ctx.caps.machine
        if not wanted or not offered:
            return
        fit = machine_fit(wanted, offered)
        if fit is MachineFit.NEWER:
            message = (
                f"machine '{wanted}' is newer than the QEMU these capabilities describe {caps_label(ctx.caps)}, "
                f"whose newest is '{offered}'"
            )
        elif fit is MachineFit.OTHER:
            message = (
                f"machine '{wanted}' is not the machine these capabilities describe {caps_label(ctx.caps)}; "
                f"they are for '{offered}'"
            )
        else:
            return
        yield Problem(
            Anchor(element, "machine"),
            message,
            hint=f"use machine '{offered}', or check against capabilities for this machine "
            f"(virsh domcapabilities --machine {wanted})",
            evidence=ctx.caps.evidence(ctx.caps.root.find("machine")),
            replacements=(offered,),
        )


vocabulary.publish("os/type", "machine", "machine", lambda caps, element: vocabulary.single(caps.machine))
