"""Address assignment refusals found by probing libvirt 9.0 (the h4 and h5 probe reports), each with its valid twin,
every pair checked on the lab: the PIIX3's IDE and USB functions on a bus 0 that is not PCI, an isapc machine's
missing PCI bus, USB buses without a free port, and the controllers libvirt adds for PCI buses the document does not
define (qemu_domain_address.c, domain_addr.c)."""

from __future__ import annotations

import pytest

from test_rules_parse_checks import dom
from test_rules_parse_checks import test_parse_checks as judged_as_libvirt


def qemu(devices: str = "", *, machine: str = "q35", arch: str = "x86_64") -> str:
    return dom(devices, machine=machine, arch=arch, dtype="qemu")


def pci(slot: int, bus: int = 0, function: int = 0) -> str:
    return f"<address type='pci' domain='0' bus='{bus}' slot='{slot}' function='{function}'/>"


def e1000(address: str = "") -> str:
    return f"<interface type='user'><model type='e1000'/>{address}</interface>"


def vnic(address: str) -> str:
    return f"<interface type='user'><model type='virtio'/>{address}</interface>"


def vdisk(address: str) -> str:
    return ("<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='/var/lib/libvirt/images/a.img'/>"
            f"<target dev='vda' bus='virtio'/>{address}</disk>")


def piix3(address: str, model: str = " model='piix3-uhci'") -> str:
    return f"<controller type='usb' index='0'{model}>{address}</controller>"


BUS0 = "Bus 0 must be PCI for integrated PIIX3 USB or IDE controllers"

CASES = [
    # VL702: the PIIX3's USB function 0:0:1.2 needs a conventional PCI bus 0 (qemuDomainCollectPCIAddress)
    ("piix3-usb-on-q35", qemu(piix3(pci(1, 0, 2))), "VL702", BUS0),
    ("default-usb-on-q35", qemu(piix3(pci(1, 0, 2), model="")), "VL702", BUS0),
    ("piix3-usb-on-arm-virt", qemu(piix3(pci(1, 0, 2)), machine="virt", arch="aarch64"), "VL702", BUS0),
    ("piix3-usb-on-pc", qemu(piix3(pci(1, 0, 2)), machine="pc"), None, ""),
    ("piix3-usb-on-q35-function-3", qemu(piix3(pci(1, 0, 3))), None, ""),
    ("piix3-usb-on-arm-virt-function-3", qemu(piix3(pci(1, 0, 3)), machine="virt", arch="aarch64"), None, ""),
]

NO_BALLOON = "<memballoon model='none'/>"
NO_PCI = "No PCI buses available"


def isapc(devices: str) -> str:
    return qemu(devices, machine="isapc")


CASES += [
    # VL702: an isapc machine has no PCI bus (virDomainPCIAddressValidate, virDomainPCIAddressGetNextAddr)
    ("isapc-pci-address", isapc(NO_BALLOON + e1000(pci(3))), "VL702", NO_PCI),
    ("isapc-nic", isapc(NO_BALLOON + e1000()), "VL702", NO_PCI),
    ("isapc-isa-nic", isapc(NO_BALLOON + "<interface type='user'><model type='ne2k_isa'/></interface>"), "VL702",
     NO_PCI),
    ("isapc-empty-pci-address", isapc(NO_BALLOON + e1000("<address type='pci'/>")), "VL702", NO_PCI),
    ("isapc-default-memballoon", isapc(""), "VL702", NO_PCI),
    ("isapc-graphics-default-video", isapc(NO_BALLOON + "<graphics type='vnc'/>"), "VL702", NO_PCI),
    ("isapc-vga", isapc(NO_BALLOON + "<video><model type='vga'/></video>"), "VL702", NO_PCI),
    ("isapc-usb-controller", isapc(NO_BALLOON + piix3("")), "VL702", NO_PCI),
    ("isapc-usb-controller-elsewhere", isapc(NO_BALLOON + piix3(pci(1, 0, 3))), "VL702", NO_PCI),
    ("isapc-scsi-disk", isapc(NO_BALLOON + "<disk type='file' device='disk'><source file='/var/lib/libvirt/images/"
                              "a.img'/><target dev='sda' bus='scsi'/></disk>"), "VL702", NO_PCI),
    ("isapc-virtio-console", isapc(NO_BALLOON + "<console type='pty'><target type='virtio'/></console>"), "VL702",
     NO_PCI),
    ("isapc-ac97", isapc(NO_BALLOON + "<sound model='ac97'/>"), "VL702", NO_PCI),
    ("isapc-rng", isapc(NO_BALLOON + "<rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>"),
     "VL702", NO_PCI),
    ("isapc-i6300esb", isapc(NO_BALLOON + "<watchdog model='i6300esb'/>"), "VL702", NO_PCI),
    ("isapc-no-balloon", isapc(NO_BALLOON), None, ""),
    ("isapc-graphics-no-video", isapc(NO_BALLOON + "<graphics type='vnc'/><video><model type='none'/></video>"),
     None, ""),
    ("isapc-piix3-usb-function", isapc(NO_BALLOON + piix3(pci(1, 0, 2))), None, ""),
    ("isapc-pci-root", isapc(NO_BALLOON + "<controller type='pci' index='0' model='pci-root'/>" + e1000()), None, ""),
    ("isapc-isa-serial", isapc(NO_BALLOON + "<serial type='pty'/>"), None, ""),
    ("isapc-sb16", isapc(NO_BALLOON + "<sound model='sb16'/>"), None, ""),
    ("isapc-floppy", isapc(NO_BALLOON + "<disk type='file' device='floppy'><source file='/var/lib/libvirt/images/"
                           "a.img'/><target dev='fda' bus='fdc'/></disk>"), None, ""),
]


def tablet(address: str = "") -> str:
    return f"<input type='tablet' bus='usb'>{address}</input>"


def usb(bus: int, port: int | None = None) -> str:
    return f"<address type='usb' bus='{bus}'" + (f" port='{port}'" if port else "") + "/>"


XHCI_1 = "<controller type='usb' index='0' model='piix3-uhci'/><controller type='usb' index='1' model='qemu-xhci' " \
         "ports='1'/>"
HUB_ON_1 = "<hub type='usb'><address type='usb' bus='1' port='1'/></hub>"
FULL_PC = "<controller type='usb' index='0' model='piix3-uhci'/>" + tablet(usb(0, 1)) + tablet(usb(0, 2))
NO_PORT = "No free USB ports"

CASES += [
    # VL705: libvirt gives a USB device a port on the bus its address names, or on any bus (virDomainUSBAddressAssign)
    ("usb-bus-full", qemu(XHCI_1 + tablet(usb(1)) * 2, machine="pc"), "VL705", NO_PORT),
    ("usb-bus-with-a-port", qemu(XHCI_1 + tablet(usb(1)), machine="pc"), None, ""),
    ("usb-hub-full", qemu(XHCI_1 + HUB_ON_1 + tablet(usb(1)) * 9, machine="pc"), "VL705", NO_PORT),
    ("usb-hub-with-a-port", qemu(XHCI_1 + HUB_ON_1 + tablet(usb(1)) * 8, machine="pc"), None, ""),
    # every port given away: the hub libvirt adds for the third tablet finds none
    ("usb-no-port-for-the-hub", qemu(FULL_PC + tablet(), machine="pc"), "VL705", NO_PORT),
    ("usb-no-port-for-a-tablet-without-bus", qemu(FULL_PC + "<input type='tablet'/>", machine="pc"), "VL705",
     NO_PORT),
    ("usb-no-port-for-a-redirdev-without-bus", qemu(FULL_PC + "<redirdev type='spicevmc'/><graphics type='spice'/>",
                                                     machine="pc"), "VL705", NO_PORT),
    ("usb-every-port-given", qemu(FULL_PC, machine="pc"), None, ""),
    ("usb-hubs-added", qemu(tablet() * 5), None, ""),
    ("usb-bus-0-hub-added", qemu("<controller type='usb' index='0' model='qemu-xhci' ports='1'/>"
                                 + tablet(usb(0)) * 2), None, ""),
]

SLOT_0 = "slot must be >= 1"

CASES += [
    # VL702: the buses libvirt adds for bus numbers beyond the defined controllers (virDomainPCIAddressSetGrow)
    ("q35-bus-9-bridge-slot-0", qemu(e1000(pci(0, 9))), "VL702", "Invalid PCI address 0000:09:00.0. " + SLOT_0),
    ("q35-bus-9-bridge-slot-1", qemu(e1000(pci(1, 9))), None, ""),
    ("pc-bus-3-bridge-slot-0", qemu(e1000(pci(0, 3)), machine="pc"), "VL702",
     "Invalid PCI address 0000:03:00.0. " + SLOT_0),
    ("pc-bus-3-bridge-slot-1", qemu(e1000(pci(1, 3)), machine="pc"), None, ""),
    ("arm-bus-3-bridge-slot-0", qemu(e1000(pci(0, 3)), machine="virt", arch="aarch64"), "VL702", SLOT_0),
    ("arm-bus-3-bridge-slot-1", qemu(e1000(pci(1, 3)), machine="virt", arch="aarch64"), None, ""),
    # a single new bus for a standard PCI device: libvirt moves it onto the pcie-to-pci-bridge it adds as bus 2
    ("q35-bus-1-moved-slot-0", qemu(e1000(pci(0, 1))), "VL702", "Invalid PCI address 0000:01:00.0. " + SLOT_0),
    ("q35-bus-1-moved-slot-1", qemu(e1000(pci(1, 1))), None, ""),
    ("q35-bus-1-moved-onto-a-device", qemu(e1000(pci(1, 1)) + f"<memballoon model='virtio'>{pci(1, 2)}</memballoon>"),
     "VL701", "Attempted double use of PCI Address 0000:02:01.0"),
    # root ports for a PCI Express device, then a root port and a pcie-to-pci-bridge for the e1000
    ("q35-root-ports-then-bridge", qemu(vdisk(pci(0, 3)) + e1000(pci(0, 5))), "VL702",
     "Invalid PCI address 0000:05:00.0. " + SLOT_0),
    ("q35-root-ports-then-bridge-slot-1", qemu(vdisk(pci(0, 3)) + e1000(pci(1, 5))), None, ""),
    ("q35-root-port-slot-1", qemu(vdisk(pci(1, 2))), "VL702", "Invalid PCI address 0000:02:01.0. slot must be <= 0"),
    ("q35-root-port-slot-0", qemu(vdisk(pci(0, 2))), None, ""),
    # a NIC model libvirt does not know is a PCI Express device; model names are read regardless of case
    ("q35-unknown-nic-model-slot-1", qemu("<interface type='user'><model type='ne2k_pci'/>" + pci(1, 2)
                                          + "</interface>"), "VL702", "slot must be <= 0"),
    ("q35-unknown-nic-model-slot-0", qemu("<interface type='user'><model type='ne2k_pci'/>" + pci(0, 2)
                                          + "</interface>"), None, ""),
    ("q35-upper-case-e1000-slot-0", qemu("<interface type='user'><model type='E1000'/>" + pci(0, 2)
                                         + "</interface>"), "VL702", SLOT_0),
    ("q35-vga-on-the-bridge-slot-0", qemu("<video><model type='vga'/>" + pci(0, 2) + "</video>"), "VL702", SLOT_0),
    ("q35-vga-on-the-bridge-slot-1", qemu("<video><model type='vga'/>" + pci(1, 2) + "</video>"), None, ""),
    ("q35-lsi-on-the-bridge", qemu("<controller type='scsi' index='0' model='lsilogic'>" + pci(0, 2)
                                   + "</controller>"), "VL702", SLOT_0),
    ("q35-virtio-scsi-on-a-root-port", qemu("<controller type='scsi' index='0' model='virtio-scsi'>" + pci(0, 2)
                                            + "</controller>"), None, ""),
    # the bridge's root port takes only the bridge; libvirt collects the NIC (bus 3) before the virtio one (bus 1)
    ("q35-bridge-port-taken", qemu(e1000(pci(1, 3)) + vnic(pci(0, 1))), "VL702",
     "The device at PCI address 0000:01:00.0 cannot be plugged into the PCI controller with index='1'"),
    ("q35-balloon-before-nic-in-document", qemu(f"<memballoon model='virtio'>{pci(0, 1)}</memballoon>"
                                                + e1000(pci(1, 2))), "VL702",
     "The device at PCI address 0000:01:00.0 cannot be plugged into the PCI controller with index='1'"),
    ("q35-balloon-on-a-root-port", qemu(f"<memballoon model='virtio'>{pci(0, 1)}</memballoon>"), None, ""),
    ("q35-root-port-on-a-missing-bus", qemu("<controller type='pci' index='1' model='pcie-root-port'>" + pci(0, 3)
                                            + "</controller>"), "VL702",
     "a PCI slot is needed to connect a PCI controller model='pcie-root-port', but none is available"),
    ("q35-root-port-on-the-root", qemu("<controller type='pci' index='1' model='pcie-root-port'>" + pci(3)
                                       + "</controller>"), None, ""),
    # buses below the highest index defined get the machine's default controller
    ("q35-gap-root-port-slot-1", qemu("<controller type='pci' index='3' model='pcie-root-port'/>" + e1000(pci(1, 2))),
     "VL702", "Invalid PCI address 0000:02:01.0. slot must be <= 0"),
    ("q35-gap-root-port-slot-0", qemu("<controller type='pci' index='3' model='pcie-root-port'/>" + e1000(pci(0, 2))),
     None, ""),
    ("pc-gap-bridge-slot-0", qemu("<controller type='pci' index='3' model='pci-bridge'/>" + e1000(pci(0, 2)),
                                  machine="pc"), "VL702", "Invalid PCI address 0000:02:00.0. " + SLOT_0),
    ("pc-gap-bridge-slot-1", qemu("<controller type='pci' index='3' model='pci-bridge'/>" + e1000(pci(1, 2)),
                                  machine="pc"), None, ""),
]


@pytest.mark.parametrize(("xml", "code", "fragment"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_address_assignment(xml: str, code: str | None, fragment: str) -> None:
    judged_as_libvirt(xml, code, fragment)
