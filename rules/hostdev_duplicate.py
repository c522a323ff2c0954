"""VL787 hostdev-duplicate: one host device assigned twice (including through <interface type='hostdev'>)."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.drivers import ALL_DRIVERS
from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.linter.units import prop_uint
from virtlint.rules._support import NOTHING, children_by_tag, parse_uuid


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
        return None  # (usb_source: libvirt's test of two USB devices is not one of equal keys)
    if kind == "scsi":
        if source.get("protocol") == "iscsi":
            host = source.find("host")
            port = prop_uint(host.get("port") or "0", 10) if host is not None else 0
            return ("iscsi", source.get("name"), host.get("name") if host is not None else None, port)
        adapter, address = source.find("adapter"), source.find("address")
        if adapter is None or address is None:
            return None
        return ("scsi", adapter.get("name"), *(prop_uint(address.get(n) or "0", 0) for n in ("bus", "target", "unit")))
    if kind == "scsi_host":
        return ("scsi_host", source.get("protocol"), source.get("wwpn"))
    if kind == "mdev":
        address = source.find("address")
        text = address.get("uuid") if address is not None else None
        uuid = parse_uuid(text) if text else None  # (compared as parsed)
        return ("mdev", uuid) if uuid else None
    return None


def usb_source(device: etree._Element) -> tuple[int, int, int, int] | None:
    """A USB host device's (bus, device, vendor, product) as libvirt keeps them (0 for an absent one), for a
    USB hostdev or an <interface type='hostdev'> with a USB source; None for another device or unreadable ids."""
    source = device.find("source")
    if source is None:
        return None
    address = source.find("address")
    vendor, product = source.find("vendor"), source.find("product")
    if device.tag == "interface":
        if device.get("type") != "hostdev" or (vendor is None and (address is None or address.get("type") != "usb")):
            return None
    elif device.get("mode", "subsystem") != "subsystem" or device.get("type") != "usb":
        return None
    numbers = (*(prop_uint(address.get(name) or "0", 0) if address is not None else 0 for name in ("bus", "device")),
               prop_uint(vendor.get("id") or "0", 0) if vendor is not None else 0,
               prop_uint(product.get("id") or "0", 0) if product is not None else 0)
    return None if None in numbers else numbers  # type: ignore[return-value]


def _same_usb(first: tuple[int, int, int, int], second: tuple[int, int, int, int]) -> bool:
    """virDomainHostdevMatchSubsysUSB, which reads the first device's way of naming it: its bus and device when
    both are set, else its vendor and product."""
    if first[0] and first[1]:
        return first[:2] == second[:2]
    return first[2:] == second[2:]


@register
class HostdevDuplicate(Rule):
    """
    ## What it does
    Reports a host device (PCI, USB, SCSI, SCSI host, mediated device)
    assigned twice, counting `<interface type='hostdev'>`, which assigns a
    PCI or USB device too. As libvirt compares them: an earlier USB device
    named by its bus and device (both set) matches a later one on the same
    bus and device, one named otherwise matches one of the same vendor and
    product (absent ones are 0); an iSCSI device's host port counts; a
    mediated device's UUID is compared as parsed.

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
        usb: list[tuple[tuple[int, int, int, int], etree._Element]] = []
        for device in element:
            if device.tag not in ("hostdev", "interface"):
                continue
            numbers = usb_source(device)
            if numbers is not None:
                first = next((earlier for known, earlier in usb if _same_usb(known, numbers)), None)
                if first is not None:
                    yield Problem(Anchor(device.find("source")), "Hostdev already exists in the domain configuration",
                                  hint=f"libvirt takes it for the USB device assigned on line {first.sourceline}")
                else:
                    usb.append((numbers, device))
                continue
            key = identity(device)
            if key is None:
                continue
            if key in seen:
                yield Problem(Anchor(device.find("source")), "Hostdev already exists in the domain configuration",
                              hint=f"the same host device is assigned on line {seen[key].sourceline}")
            else:
                seen[key] = device
