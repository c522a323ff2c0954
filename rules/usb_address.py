"""VL705 usb-address: a USB address on a bus, hub or port that does not exist or is taken."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.model import Context, Problem, Rule, Severity
from virtlint.rules._addresses import NOTHING as _NOTHING, as_problems, facts


@register
class UsbAddress(Rule):
    """
    ## What it does
    Builds libvirt's USB port map: each USB controller's root hub (ports by
    model: PIIX3/PIIX4/VT82C686B UHCI 2, EHCI and ICH9 EHCI1 6, pci-ohci 3,
    nec-xhci and qemu-xhci their `ports` or 4; ICH9 UHCI companions add
    none), plus an 8-port hub for each `<hub type='usb'>` with an address,
    in document order. It reports a USB device or hub whose `<address
    type='usb'>` names a bus without a controller, a path through a port
    without a hub, a port beyond the hub's or controller's ports, a port
    already taken, or a `port` that is not up to four dotted numbers.

    The controller libvirt adds by default is counted on `pc` (PIIX3 UHCI, 2
    ports) and `q35` (qemu-xhci, 4 ports); on other machines bus 0 is not
    judged unless the document defines it. A default-model controller counts
    as the PIIX3 UHCI on x86 only.

    When a device names its bus but not its port, or the addresses given
    leave no port free, it also assigns the ports as libvirt does: hubs
    libvirt adds when the USB devices outnumber the ports (on the first free
    port, not on a bus a device names), the hubs without a port, then each
    device without one, on the first free port of the bus it names (and of
    the hubs there), else of the first bus with one, and reports the one
    that finds none. When every USB controller has `ports='0'`, the first
    USB device (or the hub libvirt adds for it) finds none.

    ## Why is this bad?
    libvirt (QEMU driver) refuses the domain at define time (`domain_addr.c`,
    `virDomainUSBAddressFindPort`/`Reserve`/`Assign`): `requested USB port
    1.9 not present on USB bus 0`, `there is no hub at port 1 in USB address
    bus: 0 port: 1.2.3`, `Duplicate USB address bus 0 port 1`, `USB bus 1
    requested but no controller with that index is present`, `Missing USB bus
    1`, `Cannot parse <address> 'port' attribute`, `No free USB ports`
    (`virDomainUSBAddressAssign`). Same in libvirt 9.0 and 10.7.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-i440fx-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='pc'>hvm</type></os>
      <devices><controller type='usb' index='0' model='piix3-uhci'/>
        <input type='tablet' bus='usb'><address type='usb' bus='0' port='3'/></input></devices></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='pc'>hvm</type></os>
      <devices><controller type='usb' index='0' model='piix3-uhci'/>
        <input type='tablet' bus='usb'><address type='usb' bus='0' port='2'/></input></devices></domain>
    ```
    """

    code = "VL705"
    name = "usb-address"
    severity = Severity.ERROR
    summary = "A USB address on a missing bus, hub or port, or on a port already taken."
    elements = ("devices",)
    uses_caps = False

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        refusals = facts(ctx).usb
        return as_problems(refusals) if refusals else _NOTHING  # most documents: none
