"""VL706 usb-disabled: USB devices or another USB controller next to <controller type='usb' model='none'>."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.linter.units import prop_uint
from virtlint.rules._addresses import NOTHING, Facts, facts, is_usb_device, is_usb_hub
from virtlint.rules._support import first_child

HINT = "remove <controller type='usb' model='none'/> or this device"


def _message(device: etree._Element) -> str:
    """libvirt's message for a USB device when USB is disabled, by where it refuses it."""
    if device.tag == "input":
        return "Can't add USB input device. USB bus is disabled"  # virDomainDefParseXML
    if device.tag == "hub":
        return "Can't add USB hub: USB is disabled for this domain"
    if device.tag == "hostdev":
        return "Can't add host USB device: USB is disabled in this host"
    if device.tag == "redirdev":
        return "cannot add redirected USB device: USB is disabled for this domain"  # virDomainRedirdevDefValidate
    # qemuDomainUSBAddressAddHubs
    return "USB is disabled for this domain, but USB devices are present in the domain XML"


def _implied_ccid_controllers(found: Facts) -> list[etree._Element]:
    """The smartcards whose CCID controller libvirt adds (virDomainDefMaybeAddSmartcardController: the controller
    of the card's ccid address, else 0), one per controller no <controller type='ccid'> of that index stands for:
    each such controller is a USB device."""
    written = {c.index for c in found.controllers_of("ccid")}
    cards = []
    for device in found.devices_element.iterchildren("smartcard") if found.devices_element is not None else ():
        address = first_child(device, "address")
        index = prop_uint(address.get("controller") or "0", 10) if address is not None and \
            address.get("type") == "ccid" else 0
        if index is not None and index not in written:
            written.add(index)
            cards.append(device)
    return cards


@register
class UsbDisabled(Rule):
    """
    ## What it does
    With `<controller type='usb' model='none'/>` (USB disabled), reports
    every other USB controller and every device on the USB bus: `bus='usb'`
    inputs (and, by libvirt's default bus, tablets without a bus, and mice
    and keyboards without one off x86), disks and redirected devices, USB host devices, `<hub
    type='usb'>`, `usb-net` interfaces, `ccid` controllers, `usb-serial`
    serial ports, `usb` sound cards and `mtp` filesystems, and a smartcard
    without its `ccid` controller (libvirt adds one, a USB device; checked
    on 9.0).

    The same holds on machines libvirt adds no USB controller to (ARM and
    RISC-V `virt` and other ARM boards but `versatilepb` and `realview`,
    s390, LoongArch, `isapc`) when the document defines none.

    ## Why is this bad?
    libvirt (QEMU driver) refuses the domain at define time: `Can't add
    another USB controller: USB is disabled for this domain`
    (`virDomainDefControllersParse`), `Can't add USB input device. USB bus is
    disabled`, `Can't add USB hub: USB is disabled for this domain`, `Can't
    add host USB device: USB is disabled in this host`
    (`virDomainDefParseXML`), `cannot add redirected USB device: USB is
    disabled for this domain` (`virDomainRedirdevDefValidate`), `USB is
    disabled for this domain, but USB devices are present in the domain XML`
    (`qemuDomainUSBAddressAddHubs`). Same in libvirt 9.0 and 10.7.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><controller type='usb' index='0' model='none'/><input type='tablet' bus='usb'/></devices></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><controller type='usb' index='0' model='qemu-xhci'/><input type='tablet' bus='usb'/></devices></domain>
    ```
    """

    code = "VL706"
    name = "usb-disabled"
    severity = Severity.ERROR
    summary = "USB devices or another USB controller while USB is disabled (model='none')."
    elements = ("devices",)
    uses_caps = False

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        found = facts(ctx)
        usb = found.controllers_of("usb")
        if usb:
            for c in usb:
                if c.model == "none":
                    return self._problems(found, ctx)
            return NOTHING  # (the usual) USB is enabled
        if found.platform.lacks_default_usb:
            return self._problems(found, ctx)
        return NOTHING

    @staticmethod
    def _problems(found: Facts, ctx: Context) -> Iterator[Problem]:
        usb = found.controllers_of("usb")
        if not usb and found.platform.lacks_default_usb:
            implied = _implied_ccid_controllers(found)
            for device in found.devices(ctx):  # qemuDomainUSBAddressAddHubs: no controller at all
                if is_usb_hub(device) or is_usb_device(device, found) or device in implied:
                    yield Problem(Anchor(device), "USB is disabled for this domain, but USB devices are present "
                                  "in the domain XML", hint=f"this machine ({found.platform.machine}) gets no USB "
                                  "controller by default: add <controller type='usb' model='qemu-xhci'/>")
            return
        if not any(c.model == "none" for c in usb):
            return
        seen_none = False
        for c in usb:  # virDomainDefControllersParse: any USB controller besides one model='none'
            if c.model == "none" and not seen_none:
                seen_none = True
                continue
            yield Problem(Anchor(c.element), "Can't add another USB controller: USB is disabled for this domain",
                          hint=HINT)
        for device in found.devices(ctx):
            if is_usb_hub(device) or is_usb_device(device, found):
                yield Problem(Anchor(device), _message(device), hint=HINT)
        for smartcard in _implied_ccid_controllers(found):
            yield Problem(Anchor(smartcard), "USB is disabled for this domain, but USB devices are present in the "
                          "domain XML (a smartcard's CCID controller, which libvirt adds, is a USB device)", hint=HINT)
