"""VL787 hostdev-duplicate: one host device assigned twice (including through <interface type='hostdev'>)."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.drivers import ALL_DRIVERS
from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.linter.units import prop_uint
from virtlint.rules._support import NOTHING, children_by_tag


def _pci(address: etree._Element | None) -> tuple | None:
    if address is None:
        return None
    parts = tuple(prop_uint(address.get(name) or "0", 0) for name in ("domain", "bus", "slot", "function"))
    return None if None in parts else ("pci", *parts)


def identity(device: etree._Element) -> tuple | None:
    """What virDomainHostdevMatch compares, or None when it cannot be told from the XML."""
    source = device.find("source")
    if source is None:
        return None
    if device.tag == "interface":
        return _pci(source.find("address")) if device.get("type") == "hostdev" else None
    if device.get("mode", "subsystem") != "subsystem":
        return None
    kind = device.get("type")
    if kind == "pci":
        return _pci(source.find("address"))
    if kind == "usb":
        address = source.find("address")
        if address is not None and address.get("bus") and address.get("device"):
            return ("usb-address", prop_uint(address.get("bus"), 0), prop_uint(address.get("device"), 0))
        vendor, product = source.find("vendor"), source.find("product")
        if vendor is not None and product is not None:
            return ("usb-id", prop_uint(vendor.get("id"), 0), prop_uint(product.get("id"), 0))
        return None
    if kind == "scsi":
        if source.get("protocol") == "iscsi":
            host = source.find("host")
            return ("iscsi", source.get("name"), host.get("name") if host is not None else None)
        adapter, address = source.find("adapter"), source.find("address")
        if adapter is None or address is None:
            return None
        return ("scsi", adapter.get("name"), *(prop_uint(address.get(n) or "0", 0) for n in ("bus", "target", "unit")))
    if kind == "scsi_host":
        return ("scsi_host", source.get("protocol"), source.get("wwpn"))
    if kind == "mdev":
        address = source.find("address")
        uuid = address.get("uuid") if address is not None else None
        return ("mdev", uuid.lower()) if uuid else None
    return None


@register
class HostdevDuplicate(Rule):
    """
    ## What it does
    Reports a host device (PCI, USB, SCSI, SCSI host, mediated device)
    assigned twice, counting `<interface type='hostdev'>`, which assigns a
    PCI device too.

    ## Why is this bad?
    libvirt refuses the domain when it is defined: `Hostdev already exists in
    the domain configuration` (virDomainDefHostdevValidate). All drivers.
    Same in libvirt 9.0 and 10.7.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><hostdev mode='subsystem' type='pci' managed='yes'><source>
        <address domain='0x0000' bus='0x06' slot='0x12' function='0x5'/></source></hostdev>
        <interface type='hostdev' managed='yes'><source>
        <address type='pci' domain='0x0000' bus='0x06' slot='0x12' function='0x5'/></source></interface>
      </devices></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><hostdev mode='subsystem' type='pci' managed='yes'><source>
        <address domain='0x0000' bus='0x06' slot='0x12' function='0x5'/></source></hostdev>
        <interface type='hostdev' managed='yes'><source>
        <address type='pci' domain='0x0000' bus='0x06' slot='0x12' function='0x6'/></source></interface>
      </devices></domain>
    ```
    """

    code = "VL787"
    name = "hostdev-duplicate"
    severity = Severity.ERROR
    summary = "One host device assigned twice."
    elements = ("devices",)
    uses_caps = False
    drivers = ALL_DRIVERS

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        children = children_by_tag(ctx, element)
        candidates = len(children.get("hostdev", ()))
        for interface in children.get("interface", ()):
            candidates += interface.get("type") == "hostdev"
        if candidates < 2:
            return NOTHING  # a device assigned twice takes two of them
        return self._problems(element)

    def _problems(self, element: etree._Element) -> Iterator[Problem]:
        """The devices assigned twice (there are two candidates)."""
        seen: dict[tuple, etree._Element] = {}
        for device in element:
            if device.tag not in ("hostdev", "interface"):
                continue
            key = identity(device)
            if key is None:
                continue
            if key in seen:
                yield Problem(Anchor(device.find("source")), "Hostdev already exists in the domain configuration",
                              hint=f"the same host device is assigned on line {seen[key].sourceline}")
            else:
                seen[key] = device
