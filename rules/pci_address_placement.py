"""VL702 pci-address-placement: a PCI address on a controller, slot or domain that cannot take the device."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.model import Context, Problem, Rule, Severity
from virtlint.rules._addresses import NOTHING as _NOTHING, as_problems, facts


@register
class PciAddressPlacement(Rule):
    """
    ## What it does
    Checks each device's `<address type='pci'>` against the PCI controller
    whose `index` is its `bus` (bus 0 is the machine's root: `pci-root` on
    `pc`/`pseries`, `pcie-root` on `q35` and ARM `virt`):

    - the controller must accept the device: endpoints cannot sit on a
      `pcie-switch-upstream-port` or a `pcie-expander-bus`; a
      `pcie-root-port` plugs only into `pcie-root` or a `pcie-expander-bus`,
      a `pci-expander-bus` only into `pci-root`, a downstream port only into
      an upstream port, and so on (from the config, a PCI slot takes a PCIe
      device and vice versa);
    - the slot must exist on it: a `pcie-root-port` or downstream port has
      only slot 0; slot 0 of `pci-root`, `pcie-root`, `pci-bridge` and
      `pcie-to-pci-bridge` is not usable;
    - the PCI domain must be 0; a virtio IOMMU or a `pvpanic` device is
      built into the root bus and must be on bus 0;
    - the first IDE controller and PIIX3 USB controller of a `pc` machine sit
      at `00:01.1` and `00:01.2`, the first SATA controller of `q35` at
      `00:1f.2`; another address for them is refused.

    - a PCI controller without `<address>` needs a bus that takes it: on a
      `pc` machine there is none for `pcie-root-port`, `dmi-to-pci-bridge`,
      the switch ports and `pcie-to-pci-bridge`; anywhere, a
      `pcie-to-pci-bridge` needs a root or downstream port and a downstream
      port needs an upstream port in the document (libvirt adds root ports
      and PCI bridges for room, never these);
    - function 0 declared `multifunction='off'` while another function of
      its slot is used (QEMU refuses it at start);
    - a PCI controller plugged into a bus of a higher index, or one libvirt
      adds: QEMU creates the buses in the controllers' index order, the
      added ones last (at start).

    A bus whose controller the document does not define is judged by the
    controller libvirt adds for it: below the highest index defined, the
    machine's default (`pcie-root-port` on a `pcie-root` machine, `pci-root`
    on `pseries`, else `pci-bridge`); beyond, in the order libvirt collects
    the devices, the first device naming such a bus adds root ports up to
    it for a PCI Express device (virtio, `e1000e`, xHCI...), `pci-bridge`s
    for a standard PCI device (on `q35` first a root port that takes only
    the `pcie-to-pci-bridge` it adds next; when that is a single new bus,
    libvirt moves the device to the bridge, one bus up), and a PCI
    controller refuses (`a PCI slot is needed to connect a PCI controller
    model='pcie-root-port'...`). A device whose connection depends on a
    default model QEMU decides leaves the buses from there unjudged. On an
    i440fx machine whose pci-root slots 2 to 0x1f devices all take, the
    first pci-bridge libvirt adds finds no slot below it and is plugged into
    its own bus (`PCI controller at index 1 (0x01) has bus='0x01', but index
    must be larger than bus`; checked on 9.0, a device on bus 1 or 2 and no
    bridge, and the twin with slot 0x1f free), an unaddressed primary video
    (or the one a `<graphics>` brings) taking the last free slot first; and
    q35's 240 root-port places (slots 1 to 0x1e), less slot 1 for an
    unaddressed primary video and 0x1e for an unaddressed dmi-to-pci-bridge,
    and less a whole slot for another device on it. The root ports counted
    are the document's and those libvirt adds: one for each PCI index below
    the highest that no controller defines, for each bus up to the highest a
    PCI Express device's address names, for each unaddressed PCI Express
    device no empty port takes (the USB controller and balloon libvirt adds
    by default included), and one kept empty for hotplug on a domain without
    PCI controllers beyond index 0 (checked on 9.0: 240 defined, 241
    refused, in each of these ways).
    Also:

    - the first USB controller at `0:0:1.2` when it is (or defaults to) the
      PIIX3 UHCI, and the first IDE controller at `0:0:1.1`, are the
      PIIX3's own functions: bus 0 must be conventional PCI (not `q35`'s or
      ARM `virt`'s `pcie-root`);
    - an `isapc` or `microvm` machine (without a PCI controller in the
      document; microvm also gets a PCI USB controller by default) has no
      PCI bus: a PCI address is refused, and so is every device libvirt
      gives one (NICs, even `ne2k_isa`, virtio devices, PCI sound cards and
      watchdogs, USB, SCSI and SATA controllers, and the virtio memballoon
      and video device it adds by default) but the PIIX3 functions above.

    ## Why is this bad?
    libvirt (QEMU driver) refuses the domain at define time
    (`virDomainPCIAddressValidate` and `virDomainPCIAddressFlagsCompatible`
    in `domain_addr.c`; `qemuDomainValidateDevicePCISlotsPIIX3`/`Q35`):
    `The device at PCI address 0000:01:01.0 cannot be plugged into the PCI
    controller with index='1'. It requires a controller that accepts a
    pci-expander-bus.`, `Invalid PCI address 0000:01:01.0. slot must be <=
    0`, `Primary IDE controller must have PCI address 0:0:1.1`, `a PCI slot is
    needed to connect a PCI controller model='pcie-root-port', but none is
    available, and it cannot be automatically added`
    (`virDomainPCIAddressSetGrow`), `Invalid PCI address 0000:09:00.0. slot
    must be >= 1` (a bus libvirt adds), `Bus 0 must be PCI for integrated
    PIIX3 USB or IDE controllers` (`qemuDomainCollectPCIAddress`), `No PCI
    buses available` (`virDomainPCIAddressValidate`,
    `virDomainPCIAddressGetNextAddr`). At start QEMU refuses `PCI: single
    function device can't be populated in function 5.1` and `Bus 'pci.1' not
    found` (checked on 9.0 with QEMU 7.2: bridges on added buses and on a
    root port of a higher index; their twins on a bus of a lower index
    start). Same in libvirt 9.0 and 10.7.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><controller type='pci' index='1' model='pcie-root-port'/>
        <interface type='network'><source network='default'/><model type='virtio'/>
          <address type='pci' bus='1' slot='1'/></interface></devices></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><controller type='pci' index='1' model='pcie-root-port'/>
        <interface type='network'><source network='default'/><model type='virtio'/>
          <address type='pci' bus='1' slot='0'/></interface></devices></domain>
    ```
    """

    code = "VL702"
    name = "pci-address-placement"
    severity = Severity.ERROR
    summary = "A PCI address on a controller or slot that cannot take the device."
    elements = ("devices",)
    uses_caps = False

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        refusals = facts(ctx).pci_placement
        return as_problems(refusals) if refusals else _NOTHING  # most documents: none
