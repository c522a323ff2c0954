"""VL784 tpm-config: a TPM without exactly one backend, or more TPMs than QEMU can have."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.rules._devices import qemu_driver
from virtlint.rules._support import NOTHING, children_by_tag


@register
class TpmConfig(Rule):
    """
    ## What it does
    Reports a `<tpm>` without a `<backend>` or with several, and a domain with
    two TPMs of the same kind: at most one regular TPM (tis, crb, spapr) plus
    at most one `spapr-tpm-proxy`.

    ## Why is this bad?
    libvirt refuses the domain when it is defined. Messages modelled: `missing
    TPM device backend`, `only one TPM backend is supported`
    (virDomainTPMDefParseXML; all drivers), `only a single TPM non-proxy device
    is supported`, `only a single TPM Proxy device is supported`
    (qemuValidateDomainDefTPMs; QEMU). Same in libvirt 9.0 and 10.7.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><tpm model='tpm-crb'/></devices></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><tpm model='tpm-crb'><backend type='emulator' version='2.0'/></tpm></devices></domain>
    ```
    """

    code = "VL784"
    name = "tpm-config"
    severity = Severity.ERROR
    summary = "A TPM without exactly one backend, or two TPMs of one kind."
    elements = ("devices",)
    uses_caps = False

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        tpms = children_by_tag(ctx, element).get("tpm")
        if tpms is None:
            return NOTHING
        if len(tpms) == 1:  # a lone TPM (the common case): only its backends can be wrong
            backends = 0
            for node in tpms[0].getchildren():
                if node.tag == "backend":
                    backends += 1
            if backends == 1:
                return NOTHING
        return self._problems(tpms, ctx)

    def _problems(self, tpms: list[etree._Element], ctx: Context) -> Iterator[Problem]:
        """The TPMs' problems (there are several, or one without exactly one backend)."""
        for tpm in tpms:
            backends = list(tpm.iterchildren("backend"))
            if not backends:
                yield Problem(Anchor(tpm), "missing TPM device backend",
                              hint="add <backend type='emulator' version='2.0'/>")
            elif len(backends) > 1:
                yield Problem(Anchor(backends[1]), "only one TPM backend is supported",
                              hint="keep one <backend>")
        if not qemu_driver(ctx):
            return
        seen: dict[bool, etree._Element] = {}
        for tpm in tpms:
            proxy = tpm.get("model") == "spapr-tpm-proxy"
            if proxy in seen:
                kind = "Proxy" if proxy else "non-proxy"
                yield Problem(Anchor(tpm), f"only a single TPM {kind} device is supported",
                              hint=f"remove this TPM (line {seen[proxy].sourceline} has one)")
            else:
                seen[proxy] = tpm
