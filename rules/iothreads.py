"""VL202 iothreads: IOThreads need `<iothreads supported='yes'/>`."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.rules._support import caps_label


@register
class Iothreads(Rule):
    """
    ## What it does
    Reports `<iothreads>` and `<iothreadids>` when the capabilities say
    `<iothreads supported='no'/>`.

    ## Why is this bad?
    libvirt refuses IOThreads the emulator cannot provide
    (`IOThreads not supported for this QEMU`).

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch>
      <iothreads supported='no'/></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><iothreads>2</iothreads><os><type arch='x86_64' machine='q35'>hvm</type></os></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os></domain>
    ```
    """

    code = "VL202"
    name = "iothreads"
    severity = Severity.ERROR
    summary = "IOThreads are used but the capabilities say they are not supported."
    elements = ("iothreads", "iothreadids")

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        answer = ctx.caps.support("iothreads")
        if answer.unsupported:
            yield Problem(
                Anchor(element),
                f"<{element.tag}> is used but these capabilities {caps_label(ctx.caps)} say IOThreads are not supported",
                hint=f"remove <{element.tag}> and the iothread references of disks and controllers",
                evidence=answer.evidence,
            )
