"""VL789 hostdev-config: SCSI-only attributes on other host devices, boot orders on devices that cannot boot."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.rules._devices import qemu_driver

#: (hostdev type, mdev model or None) -> the kind of device libvirt names when refusing its boot order.
NO_BOOT = {("mdev", "vfio-pci"): "mediated devices of model vfio-pci", ("mdev", "vfio-ap"): "mediated devices of model "
           "vfio-ap", ("scsi_host", None): "vhost SCSI devices"}


@register
class HostdevConfig(Rule):
    """
    ## What it does
    Reports `sgio` or `rawio` on a `<hostdev>` that is not a SCSI host
    device, and a `<boot order>` on a host device QEMU cannot boot from: a
    vfio-pci or vfio-ap mediated device, or a vhost-scsi (`scsi_host`) device.

    ## Why is this bad?
    libvirt refuses the domain when it is defined. Messages modelled: `sgio is
    only supported for scsi host device`, `rawio is only supported for scsi
    host device` (virDomainHostdevDefParseXMLSubsys; all drivers), `booting
    from assigned devices is not supported by vhost SCSI devices` (and by
    `mediated devices of model vfio-pci`/`vfio-ap`;
    qemuValidateDomainDeviceDefHostdev; QEMU). Same in libvirt 9.0 and 10.7.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><hostdev mode='subsystem' type='scsi_host' rawio='yes'>
        <source protocol='vhost' wwpn='naa.5123456789abcde0'/></hostdev></devices></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><hostdev mode='subsystem' type='scsi_host'>
        <source protocol='vhost' wwpn='naa.5123456789abcde0'/></hostdev></devices></domain>
    ```
    """

    code = "VL789"
    name = "hostdev-config"
    severity = Severity.ERROR
    summary = "SCSI-only attributes on another host device, or a boot order on one that cannot boot."
    elements = ("devices/hostdev",)
    uses_caps = False

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        if element.get("mode", "subsystem") != "subsystem":
            return
        kind = element.get("type")
        for attribute in ("sgio", "rawio"):
            if element.get(attribute) is not None and kind != "scsi":
                yield Problem(Anchor(element, attribute), f"{attribute} is only supported for scsi host device",
                              hint=f"remove {attribute}=")
                return
        boot = element.find("boot")
        if boot is None or not boot.get("order") or not qemu_driver(ctx):
            return
        what = NO_BOOT.get((kind, element.get("model") if kind == "mdev" else None))
        if what:
            yield Problem(Anchor(boot), f"booting from assigned devices is not supported by {what}",
                          hint="remove <boot order>")
