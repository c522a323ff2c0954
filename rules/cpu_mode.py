"""VL601 cpu-mode: the CPU mode must be supported by the caps."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter import vocabulary
from virtlint.linter.caps import Availability, DomainCaps, EnumAnswer
from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.rules._cpu import mode_of
from virtlint.rules._support import caps_label, first_child

MODES = ("host-passthrough", "maximum", "host-model", "custom")


@register
class CpuMode(Rule):
    """
    ## What it does
    Compares `/domain/cpu/@mode` (`host-passthrough`, `maximum`,
    `host-model`, `custom`; custom when omitted) with `supported` of the
    matching `<cpu><mode name='...'>` in the capabilities.

    ## Why is this bad?
    The domain fails at start: `CPU mode 'host-passthrough' for x86_64 qemu
    domain on x86_64 host is not supported by hypervisor` (host-passthrough
    needs KVM; host-model is not available for aarch64 KVM).

    ## Capabilities
    ```xml
    <domainCapabilities><domain>qemu</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch>
      <cpu><mode name='host-passthrough' supported='no'/><mode name='maximum' supported='yes'/></cpu>
    </domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='qemu'><os><type arch='x86_64' machine='q35'>hvm</type></os><cpu mode='host-passthrough'/></domain>
    ```

    ## Use instead
    ```xml
    <domain type='qemu'><os><type arch='x86_64' machine='q35'>hvm</type></os><cpu mode='maximum'/></domain>
    ```
    """

    code = "VL601"
    name = "cpu-mode"
    severity = Severity.ERROR
    summary = "A CPU mode the capabilities mark supported='no'."
    elements = ("cpu",)

    def fires_with(self, caps: DomainCaps, path: str) -> bool:
        # only a mode whose caps block says supported='no' is reported
        return any(caps.support(key).unsupported for key in caps.blocks if key.startswith("cpu/mode/"))

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        mode = mode_of(element)
        if mode == "custom" and first_child(element, "model") is None:
            return  # a <cpu> with only topology or NUMA asks for no model
        answer = ctx.caps.support(f"cpu/mode/{mode}")
        if not answer.unsupported:
            return
        offered = tuple(m for m in MODES if ctx.caps.support(f"cpu/mode/{m}").availability.value == "listed")
        yield Problem(
            Anchor(element, "mode") if element.get("mode") else Anchor(element),
            f"CPU mode '{mode}' is not supported by these capabilities {caps_label(ctx.caps)}"
            + (f"; supported: {', '.join(offered)}" if offered else ""),
            hint=f"use mode='{offered[0]}'" if offered else None,
            evidence=answer.evidence,
            replacements=offered if element.get("mode") else (),
        )


def _modes(caps, element: etree._Element) -> vocabulary.Allowed | None:
    answers = {mode: caps.support(f"cpu/mode/{mode}") for mode in MODES}
    if all(a.availability is Availability.UNKNOWN for a in answers.values()):
        return vocabulary.Allowed(answers["custom"], ())
    offered = tuple(mode for mode, a in answers.items() if a.availability is Availability.LISTED)
    choices = tuple(vocabulary.Choice(mode, None if mode in offered else "supported='no'", mode in offered)
                    for mode in MODES if answers[mode].availability is not Availability.UNKNOWN)
    block = caps.block("cpu")
    evidence = caps.evidence(block.element) if block else None
    return vocabulary.Allowed(EnumAnswer(Availability.LISTED, offered, evidence), choices)


vocabulary.publish("cpu", "mode", "CPU mode", _modes)
