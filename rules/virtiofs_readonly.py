"""VL786 virtiofs-readonly: a read-only virtiofs share libvirt's own virtiofsd cannot serve."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.rules._devices import qemu_driver


@register
class VirtiofsReadonly(Rule):
    """
    ## What it does
    Reports a virtiofs `<filesystem>` with `<readonly/>` whose virtiofsd
    libvirt starts itself (no `<source socket>`).

    ## Why is this bad?
    libvirt refuses the domain when it is defined: `virtiofs does not yet
    support read-only mode` (qemuValidateDomainDeviceDefFS). Driver: QEMU.
    Refused by libvirt 9.0 and 10.7, the versions this was checked against;
    newer libvirt releases may lift it. A share served by an externally
    started virtiofsd (`<source socket>`) libvirt 9.0 defines and starts
    read-only (checked); 9.8 and 10.7 refuse it too, `virtiofs does not
    support read-only access` (the releases between, not checked, are
    not judged).

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <memoryBacking><source type='memfd'/><access mode='shared'/></memoryBacking>
      <devices><filesystem type='mount' accessmode='passthrough'><driver type='virtiofs'/>
        <source dir='/srv/share'/><target dir='share'/><readonly/></filesystem></devices></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <memoryBacking><source type='memfd'/><access mode='shared'/></memoryBacking>
      <devices><filesystem type='mount' accessmode='passthrough'><driver type='virtiofs'/>
        <source dir='/srv/share'/><target dir='share'/></filesystem></devices></domain>
    ```
    """

    code = "VL786"
    name = "virtiofs-readonly"
    severity = Severity.ERROR
    summary = "A read-only virtiofs share (served by libvirt's own virtiofsd, or by any from libvirt 9.8)."
    elements = ("devices/filesystem",)
    uses_caps = False

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        driver, readonly = element.find("driver"), element.find("readonly")
        if not qemu_driver(ctx) or driver is None or driver.get("type") != "virtiofs" or readonly is None:
            return
        source = element.find("source")
        if source is not None and source.get("socket"):
            # (an external virtiofsd's share: 9.0 starts it read-only, checked; 9.8 and 10.7 refuse any)
            if ctx.libvirt_at_least(9, 8):
                yield Problem(Anchor(readonly), "virtiofs does not support read-only access",
                              hint="remove <readonly/> and have the external virtiofsd export the share read-only")
            return
        yield Problem(Anchor(readonly), "virtiofs does not yet support read-only mode",
                      hint="remove <readonly/> and export the directory read-only from the host instead")
