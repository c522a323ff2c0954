"""VL789 hostdev-config: SCSI-only attributes elsewhere, sources missing what they need, unbootable boot orders."""

from __future__ import annotations

import re
from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.rules._devices import qemu_driver
from virtlint.rules._support import first_child

#: (hostdev type, mdev model or None) -> the kind of device libvirt names when refusing its boot order.
NO_BOOT = {("mdev", "vfio-pci"): "mediated devices of model vfio-pci", ("mdev", "vfio-ap"): "mediated devices of model "
           "vfio-ap", ("scsi_host", None): "vhost SCSI devices"}


#: virValidateWWN as the vhost-scsi parser applies it: 'naa.' and 16 hex digits, '0x' allowed before them
_WWPN = re.compile(r"naa\.(0x)?[0-9A-Fa-f]{16}")


def _source(hostdev: etree._Element, kind: str | None) -> Problem | None:
    """virDomainHostdevDefParseXMLSubsys and the per-type source parsers: what a source must hold."""
    if kind not in ("usb", "pci", "scsi", "scsi_host", "mdev"):
        return None  # no type, or one the parser refuses (VL850's)
    source = first_child(hostdev, "source")
    if source is None:
        return Problem(Anchor(hostdev), "Missing <source> element in hostdev device",
                       hint="add the <source> naming the host device")
    if kind == "usb":
        vendor, product = first_child(source, "vendor"), first_child(source, "product")
        if vendor is not None and product is None:
            return Problem(Anchor(vendor), "missing product", hint="add <product id='0x...'/> beside <vendor>")
        if product is not None and vendor is None:
            return Problem(Anchor(product), "missing vendor", hint="add <vendor id='0x...'/> beside <product>")
    elif kind == "scsi" and source.get("protocol", "adapter") == "adapter":
        if first_child(source, "address") is None:
            return Problem(Anchor(source), "'address' must be specified for scsi hostdev source",
                           hint="add <address bus='0' target='0' unit='0'/>")
        adapter = first_child(source, "adapter")
        if adapter is None or not adapter.get("name"):
            return Problem(Anchor(adapter if adapter is not None else source),
                           "'adapter' name must be specified for scsi hostdev source",
                           hint="add <adapter name='scsi_host0'/>")
    elif kind == "scsi_host" and source.get("protocol") == "vhost":
        wwpn = source.get("wwpn")
        if wwpn is None:
            return Problem(Anchor(source), "missing vhost-scsi hostdev source wwpn",
                           hint="add wwpn='naa.' followed by 16 hexadecimal digits")
        if not _WWPN.fullmatch(wwpn):
            return Problem(Anchor(source, "wwpn"), "malformed 'wwpn' value",
                           hint="'naa.' followed by 16 hexadecimal digits, e.g. naa.5001405df3e54061")
    return None


@register
class HostdevConfig(Rule):
    """
    ## What it does
    Reports `sgio` or `rawio` on a `<hostdev>` that is not a SCSI host
    device, and a `<boot order>` on a host device QEMU cannot boot from: a
    vfio-pci or vfio-ap mediated device, or a vhost-scsi (`scsi_host`) device.
    Checks the `<source>` a subsystem host device must have: a USB vendor
    with its product (and the reverse), a SCSI adapter source's `<address>`
    and adapter name, a vhost-scsi `wwpn` of `naa.` and 16 hex digits.

    ## Why is this bad?
    libvirt refuses the domain when it is defined. Messages modelled: `sgio is
    only supported for scsi host device`, `rawio is only supported for scsi
    host device`, `Missing <source> element in hostdev device`
    (virDomainHostdevDefParseXMLSubsys; all drivers), `missing product`,
    `missing vendor` (virDomainHostdevSubsysUSBDefParseXML), `'address' must
    be specified for scsi hostdev source`, `'adapter' name must be specified
    for scsi hostdev source` (virDomainHostdevSubsysSCSIHostDefParseXML),
    `missing vhost-scsi hostdev source wwpn`, `malformed 'wwpn' value`
    (virDomainHostdevSubsysSCSIVHostDefParseXML), `booting
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
        problem = _source(element, kind)
        if problem is not None:
            yield problem
            return
        boot = element.find("boot")
        if boot is None or not boot.get("order") or not qemu_driver(ctx):
            return
        what = NO_BOOT.get((kind, element.get("model") if kind == "mdev" else None))
        if what:
            yield Problem(Anchor(boot), f"booting from assigned devices is not supported by {what}",
                          hint="remove <boot order>")
