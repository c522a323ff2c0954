"""VL405 hyperv-feature: Hyper-V enlightenments outside the caps' `hyperv` enum (a warning)."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.rules._support import caps_label


@register
class HypervFeature(Rule):
    """
    ## What it does
    Reports Hyper-V enlightenments under `/domain/features/hyperv` that are
    switched on but not listed in the `features` enum of `<features><hyperv>`
    in the capabilities. It is a warning: libvirt with TCG accepts them (but
    QEMU before 8.2 refuses `vpindex` under TCG: VL407), and the enum lists
    what KVM on the host can provide.

    ## Why is this bad?
    With KVM, QEMU may refuse to start (`failed to set MSR ...`) or the
    Windows guest runs without the enlightenment.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch>
      <features><hyperv supported='yes'><enum name='features'><value>relaxed</value><value>vapic</value>
        <value>spinlocks</value></enum></hyperv></features></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <features><hyperv mode='custom'><relaxed state='on'/><evmcs state='on'/></hyperv></features></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <features><hyperv mode='custom'><relaxed state='on'/></hyperv></features></domain>
    ```
    """

    code = "VL405"
    name = "hyperv-feature"
    severity = Severity.WARNING
    summary = "A Hyper-V enlightenment the capabilities' hyperv enum does not list."
    elements = ("features/hyperv",)

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        if element.get("mode") == "passthrough":
            return
        answer = ctx.caps.enum("features/hyperv", "features")
        for child in element.iterchildren(etree.Element):
            if child.get("state", "on") != "off" and answer.allows(child.tag) is False and not answer.unsupported:
                yield Problem(
                    Anchor(child),
                    f"Hyper-V enlightenment '{child.tag}' is not listed by these capabilities {caps_label(ctx.caps)}; "
                    f"listed: {', '.join(answer.values) or 'none'}",
                    hint=f"remove <{child.tag}> or set state='off'",
                    evidence=answer.evidence,
                )
