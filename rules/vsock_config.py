"""VL788 vsock-config: more than one vsock device, or a reserved guest CID."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.linter.units import prop_uint
from virtlint.rules._support import children_by_tag


@register
class VsockConfig(Rule):
    """
    ## What it does
    Reports a second `<vsock>` device and a `<cid address>` of 1 or 2 (0 is
    "none", 1 and 2 are reserved for the host).

    ## Why is this bad?
    libvirt refuses the domain when it is defined: `only a single vsock device
    is supported` (virDomainDefParseXML), `guest CIDs must be >= 3`
    (virDomainVsockDefValidate). All drivers. Same in libvirt 9.0 and 10.7.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><vsock model='virtio'><cid auto='no' address='2'/></vsock></devices></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><vsock model='virtio'><cid auto='no' address='3'/></vsock></devices></domain>
    ```
    """

    code = "VL788"
    name = "vsock-config"
    severity = Severity.ERROR
    summary = "A second vsock device, or a reserved guest CID."
    elements = ("devices",)
    uses_caps = False

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        socks = children_by_tag(ctx, element).get("vsock")
        if socks is None:
            return
        for extra in socks[1:]:
            yield Problem(Anchor(extra), "only a single vsock device is supported", hint="remove this <vsock>")
        for sock in socks[:1]:
            cid = sock.find("cid")
            address = prop_uint(cid.get("address"), 10) if cid is not None else None
            if address in (1, 2):
                yield Problem(Anchor(cid, "address"), "guest CIDs must be >= 3",
                              hint="use a CID from 3 on, or <cid auto='yes'/>", replacements=("3",))
