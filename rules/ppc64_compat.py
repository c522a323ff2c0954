"""VL214 ppc64-compat: a pSeries host-model CPU asking for a compatibility mode newer than the host CPU."""

from __future__ import annotations

import re
from typing import Iterator

from lxml import etree

from virtlint.linter.caps import DomainCaps
from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.rules._domain import PPC64
from virtlint.rules._support import NOTHING


def _generation(name: str, prefix: str) -> int | None:
    """ppc64CheckCompatibilityMode reads 'POWER9' (host) and 'power9' (compat mode), generations 6 to 10."""
    match = re.fullmatch(rf"{prefix}(\d+)", name)
    generation = int(match.group(1)) if match else None
    return generation if generation is not None and 6 <= generation <= 10 else None


@register
class Ppc64Compat(Rule):
    """
    ## What it does
    On ppc64, `<cpu mode='host-model'><model>powerN</model></cpu>` asks the
    host CPU to run the guest in POWER`N` compatibility mode. The host CPU,
    as the capabilities' `host-model` mode names it (`POWER8`...), can only
    run older or equal generations: a newer compatibility mode makes libvirt
    refuse the start (`the CPU is incompatible with host CPU`,
    ppc64CheckCompatibilityMode via virCPUCompare, KVM). A compatibility mode
    outside power6 to power10 is refused too (`Unknown compatibility mode`).
    Stage: start (QEMU driver, KVM domains).

    ## Why is this bad?
    The domain is defined but does not start on that host.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pseries-7.1</machine><arch>ppc64</arch>
      <cpu><mode name='host-model' supported='yes'><model fallback='allow'>POWER8</model></mode></cpu>
    </domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='ppc64' machine='pseries'>hvm</type></os>
      <cpu mode='host-model'><model>power9</model></cpu></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='ppc64' machine='pseries'>hvm</type></os>
      <cpu mode='host-model'><model>power8</model></cpu></domain>
    ```
    """

    code = "VL214"
    name = "ppc64-compat"
    severity = Severity.ERROR
    summary = "A ppc64 compatibility mode newer than the host CPU."
    elements = ("cpu/model",)

    def fires_with(self, caps: DomainCaps, path: str) -> bool:
        # a caps rule runs only on domains the caps describe, so of their arch and virt type when they name one
        return (not caps.arch or caps.arch in PPC64) and (not caps.domain_type or caps.domain_type == "kvm")

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        if ctx.arch not in PPC64 or ctx.domain_type != "kvm":
            return NOTHING  # the common case: not a ppc64 KVM guest
        return self._problems(element, ctx)

    def _problems(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        cpu = element.getparent()
        if cpu.get("mode") != "host-model":
            return
        compat = (element.text or "").strip()
        if not compat:
            return
        host_model = ctx.caps.root.find("cpu/mode[@name='host-model']/model")
        host_name = (host_model.text or "").strip() if host_model is not None else ""
        host = _generation(host_name, "POWER")
        if host is None:
            return  # unknown here: libvirt reads the host CPU itself
        wanted = _generation(compat, "power")
        if wanted is None:
            yield Problem(Anchor(element, text=True), f"Unknown compatibility mode {compat}",
                          hint=f"use power6 to power{host}", replacements=(f"power{host}",))
        elif wanted > host:
            yield Problem(Anchor(element, text=True),
                          f"the CPU is incompatible with host CPU: compatibility mode {compat} is newer than the "
                          f"host's {host_name} (these capabilities {ctx.caps.machine or ''})".replace(" )", ")"),
                          hint=f"use power{host} or older", evidence=ctx.caps.evidence(host_model),
                          replacements=(f"power{host}",))
