"""VL809 crypto-config: a `<crypto>` device without exactly one backend."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.drivers import ALL_DRIVERS
from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.rules._devices import device_parsed
from virtlint.rules._support import NOTHING


@register
class CryptoConfig(Rule):
    """
    ## What it does
    Reports a `<crypto>` device with no `<backend>` or with more than one.

    ## Why is this bad?
    libvirt refuses the domain when it is defined: `only one crypto backend
    is supported` (virDomainCryptoDefParseXML, which counts the device's
    `<backend>` children; every driver). libvirt parses `<crypto>` from 9.1;
    9.0 drops the element whatever it holds, so nothing is reported when
    modelling it.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-9.1</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><crypto model='virtio' type='qemu'/></devices></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><crypto model='virtio' type='qemu'><backend model='builtin'/></crypto></devices></domain>
    ```
    """

    code = "VL809"
    name = "crypto-config"
    severity = Severity.ERROR
    summary = "A crypto device without exactly one backend."
    elements = ("devices/crypto",)
    uses_caps = False
    drivers = ALL_DRIVERS

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        backends = [child for child in element.getchildren() if child.tag == "backend"]
        if len(backends) == 1 or not device_parsed(ctx, "crypto"):
            return NOTHING
        anchor = Anchor(backends[1]) if backends else Anchor(element)
        return iter((Problem(anchor, "only one crypto backend is supported",
                             hint="give the crypto device one <backend model='builtin'/>" if not backends
                             else "remove this <backend>"),))
