"""Address and controller rules (VL700-VL749): each libvirt refusal with a failing case and its valid twin."""

from __future__ import annotations

import pytest

from conftest import lint

CAPS = {
    "x86_64": "<domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine>"
              "<arch>x86_64</arch></domainCapabilities>",
    "s390x": "<domainCapabilities><domain>kvm</domain><machine>s390-ccw-virtio-7.2</machine>"
             "<arch>s390x</arch></domainCapabilities>",
    "ppc64": "<domainCapabilities><domain>kvm</domain><machine>pseries-7.2</machine>"
             "<arch>ppc64</arch></domainCapabilities>",
    "aarch64": "<domainCapabilities><domain>kvm</domain><machine>virt-7.2</machine>"
               "<arch>aarch64</arch></domainCapabilities>",
}


def domain(devices: str, machine: str = "q35", arch: str = "x86_64", extra: str = "") -> str:
    return (f"<domain type='kvm'><name>t</name><memory>131072</memory><vcpu>2</vcpu>"
            f"<os><type arch='{arch}' machine='{machine}'>hvm</type></os>{extra}<devices>{devices}</devices></domain>")


def found(code: str, devices: str, machine: str = "q35", arch: str = "x86_64", extra: str = "") -> list[str]:
    """Messages of ``code`` on the domain."""
    findings = lint(domain(devices, machine, arch, extra), CAPS[arch], select=(code,))
    return [f.message for f in findings if f.code == code]


def pci(slot: int, function: int = 0, bus: int = 0, extra: str = "") -> str:
    return f"<address type='pci' domain='0x0000' bus='{bus:#04x}' slot='{slot:#04x}' function='{function:#x}'{extra}/>"


def balloon(address: str) -> str:
    return f"<memballoon model='virtio'>{address}</memballoon>"


def nic(address: str) -> str:
    return f"<interface type='network'><source network='default'/><model type='virtio'/>{address}</interface>"


def disk(dev: str, bus: str, address: str = "") -> str:
    return f"<disk type='file' device='disk'><source file='/i.img'/><target dev='{dev}' bus='{bus}'/>{address}</disk>"


# -- VL701 pci-address-conflict ---------------------------------------------------------------

CONFLICTS = [
    # (machine, devices, expected address or None for the valid twin)
    ("q35", nic(pci(3)) + balloon(pci(3)), "0000:00:03.0"),
    ("q35", nic(pci(3)) + balloon(pci(3, 1)), None),
    ("q35", nic(pci(3)) + balloon(pci(3, bus=1)) + "<controller type='pci' index='1' model='pcie-root-port'/>",
     None),
    ("pc", "<controller type='ide' index='0'/>" + balloon(pci(1, 1)), "0000:00:01.1"),
    # no IDE controller or disk: libvirt accepts it, QEMU refuses it at start (piix3-ide is always there)
    ("pc", balloon(pci(1, 1)), "PCI: slot 1 function 1 not available for this device, in use by piix3-ide (QEMU, at start)"),
    ("pc", disk("hda", "ide") + balloon(pci(1, 1)), "0000:00:01.1"),  # the implicit IDE controller
    ("pc", balloon(pci(1, 2)), "0000:00:01.2"),  # the default USB controller
    ("pc", "<controller type='usb' index='0' model='none'/>" + balloon(pci(1, 2)), None),
    ("pc", "<controller type='usb' index='0' model='qemu-xhci'/>" + balloon(pci(1, 2)), None),
    ("pc", "<controller type='usb' index='0'>" + pci(1, 2) + "</controller>", None),
    ("pc", balloon(pci(1, 0)), "0000:00:01.0"),
    ("pc", balloon(pci(1, 3)), "0000:00:01.3"),
    ("pc", balloon(pci(2)), None),  # the primary video moves elsewhere
    ("pc", "<video><model type='vga'/></video>" + balloon(pci(2)), None),
    ("q35", balloon(pci(0x1F, 0)), "0000:00:1f.0"),
    ("q35", balloon(pci(0x1F, 2)), "0000:00:1f.2"),
    ("q35", balloon(pci(0x1F, 3)), "0000:00:1f.3"),
    ("q35", balloon(pci(0x1F, 4)), None),
    ("q35", "<controller type='sata' index='0'>" + pci(0x1F, 2) + "</controller>", None),
    ("q35", balloon(pci(1)), None),  # q35 has nothing at 00:01.x
    ("q35", balloon(pci(0, 3)), None),  # 0000:00:00.x is "no address": libvirt assigns one
]


@pytest.mark.parametrize(("machine", "devices", "expected"), CONFLICTS)
def test_pci_address_conflict(machine: str, devices: str, expected: str | None) -> None:
    messages = found("VL701", devices, machine)
    if expected and not expected.startswith("0000"):
        assert messages == [expected]
    else:
        assert messages == ([f"Attempted double use of PCI Address {expected}"] if expected else [])


# -- VL702 pci-address-placement --------------------------------------------------------------

PLACEMENTS = [
    ("q35", "<controller type='pci' index='1' model='pcie-root-port'/>" + nic(pci(1, bus=1)),
     "Invalid PCI address 0000:01:01.0. slot must be <= 0"),
    ("q35", "<controller type='pci' index='1' model='pcie-root-port'/>" + nic(pci(0, bus=1)), None),
    ("pc", "<controller type='pci' index='1' model='pci-bridge'/>" + nic(pci(0, bus=1)),
     "Invalid PCI address 0000:01:00.0. slot must be >= 1"),
    ("pc", "<controller type='pci' index='1' model='pci-bridge'/>" + nic(pci(1, bus=1)), None),
    ("pc", "<controller type='pci' index='1' model='pci-bridge'/>"
           "<controller type='pci' index='2' model='pci-expander-bus'>" + pci(1, bus=1) + "</controller>",
     "The device at PCI address 0000:01:01.0 cannot be plugged into the PCI controller with index='1'. "
     "It requires a controller that accepts a pci-expander-bus."),
    ("pc", "<controller type='pci' index='2' model='pci-expander-bus'>" + pci(5) + "</controller>", None),
    ("q35", "<controller type='pci' index='1' model='pcie-root-port'>" + pci(2, bus=0) + "</controller>", None),
    ("pc", "<controller type='pci' index='1' model='pcie-root-port'>" + pci(2, bus=0) + "</controller>",
     "The device at PCI address 0000:00:02.0 cannot be plugged into the PCI controller with index='0'. "
     "It requires a controller that accepts a pcie-root-port."),
    ("q35", "<controller type='pci' index='1' model='pcie-root-port'/>"
            "<controller type='pci' index='2' model='pcie-switch-upstream-port'>" + pci(0, bus=1) + "</controller>"
            + nic(pci(0, bus=2)),
     "The device at PCI address 0000:02:00.0 cannot be plugged into the PCI controller with index='2'. "
     "It requires a controller that accepts a standard PCI device or PCI Express device."),
    ("q35", nic(pci(2, extra="").replace("domain='0x0000'", "domain='0x0001'")),
     "Invalid PCI address 0001:00:02.0. Only PCI domain 0 is available"),
    # bus 5 has no controller in the document: for a virtio device libvirt adds root ports (one slot)
    ("q35", nic(pci(0, bus=5)), None),
    ("q35", nic(pci(2, bus=5)), "Invalid PCI address 0000:05:02.0. slot must be <= 0"),
    # libvirt adds the buses in the order it collects the devices: root ports up to bus 5 for the virtio NIC, then
    # a root port and a pcie-to-pci-bridge for the e1000 (libvirt 9.0 refuses both, checked on the lab)
    ("q35", nic(pci(2, bus=5)) + "<interface type='user'><model type='e1000'/>" + pci(3, bus=6) + "</interface>",
     "Invalid PCI address 0000:05:02.0. slot must be <= 0"),
    ("q35", "<interface type='user'><model type='e1000'/>" + pci(2, bus=5) + "</interface>", None),
    ("q35", nic(pci(2, bus=5)) + "<controller type='pci' index='1' model='pcie-root-port'/>",
     "Invalid PCI address 0000:05:02.0. slot must be <= 0"),
    ("pc", "<controller type='ide' index='0'>" + pci(3) + "</controller>",
     "Primary IDE controller must have PCI address 0:0:1.1"),
    ("q35", "<controller type='sata' index='0'>" + pci(3) + "</controller>",
     "Primary SATA controller must have PCI address 0:0:1f.2"),
    ("q35", "<controller type='sata' index='1'>" + pci(3) + "</controller>", None),
    ("q35", "<controller type='pci' index='1' model='pcie-root-port'/><iommu model='virtio'>" + pci(0, bus=1)
            + "</iommu>", "The device at PCI address 0000:01:00.0 needs to be an integrated device (bus=0)"),
    ("q35", "<iommu model='virtio'>" + pci(5) + "</iommu>", None),
    ("q35", nic(pci(5, extra=" multifunction='off'")) + balloon(pci(5, 1)),
     "PCI: single function device can't be populated in function 5.1 (QEMU, at start)"),
    ("q35", nic(pci(5, extra=" multifunction='on'")) + balloon(pci(5, 1)), None),
    ("q35", nic(pci(5)) + balloon(pci(5, 1)), None),  # libvirt turns multifunction on itself
    ("pc", "<controller type='pci' index='1' model='pcie-root-port'/>",
     "a PCI slot is needed to connect a PCI controller model='pcie-root-port', but none is available, "
     "and it cannot be automatically added"),
    ("pc", "<controller type='pci' index='1' model='pcie-to-pci-bridge'/>",
     "Cannot automatically add a new PCI bus for a device with connect flags 2000"),
    ("q35", "<controller type='pci' index='1' model='pcie-root-port'/>", None),
    ("pc", "<controller type='pci' index='1' model='pci-bridge'/>", None),
    ("pc", "<controller type='pci' index='1' model='pcie-switch-upstream-port'/>",
     "a PCI slot is needed to connect a PCI controller model='pcie-root-port', but none is available, "
     "and it cannot be automatically added"),
    ("q35", "<controller type='pci' index='1' model='pcie-to-pci-bridge'/>",
     "Cannot automatically add a new PCI bus for a device with connect flags 2000"),
    ("q35", "<controller type='pci' index='1' model='pcie-root-port'/>"
            "<controller type='pci' index='2' model='pcie-to-pci-bridge'/>", None),
    ("q35", "<controller type='pci' index='1' model='pcie-switch-downstream-port'/>",
     "a PCI slot is needed to connect a PCI controller model='pcie-switch-downstream-port', but none is "
     "available, and it cannot be automatically added"),
]


@pytest.mark.parametrize(("machine", "devices", "expected"), PLACEMENTS)
def test_pci_address_placement(machine: str, devices: str, expected: str | None) -> None:
    assert found("VL702", devices, machine) == ([expected] if expected else [])


# -- VL703 drive-address-conflict -------------------------------------------------------------

SCSI = "<controller type='scsi' index='0' model='virtio-scsi'/>"


def drive(unit: int, controller: int = 0, bus: int = 0) -> str:
    return f"<address type='drive' controller='{controller}' bus='{bus}' target='0' unit='{unit}'/>"


def scsi_hostdev(address: str) -> str:
    return ("<hostdev mode='subsystem' type='scsi'><source><adapter name='scsi_host0'/>"
            f"<address bus='0' target='0' unit='0'/></source>{address}</hostdev>")


DRIVES = [
    (SCSI + disk("sda", "scsi", drive(0)) + disk("sdb", "scsi", drive(0)),
     "Found duplicate drive address for disk with target name 'sda' controller='0' bus='0' target='0' unit='0'"),
    (SCSI + disk("sda", "scsi", drive(0)) + disk("sdb", "scsi", drive(1)), None),
    (SCSI + disk("sda", "scsi") + disk("sdb", "scsi", drive(0)),  # sda is unit 0 by its name
     "Found duplicate drive address for disk with target name 'sda' controller='0' bus='0' target='0' unit='0'"),
    (SCSI + disk("sdb", "scsi") + disk("sda", "scsi", drive(1)),
     "Found duplicate drive address for disk with target name 'sdb' controller='0' bus='0' target='0' unit='1'"),
    (SCSI + disk("sdh", "scsi") + disk("sda", "scsi", drive(0)), None),  # sdh: controller 1, unit 0
    (disk("sda", "sata", drive(0)) + disk("sdb", "scsi", drive(0)) + SCSI, None),  # other buses
    (SCSI + disk("sda", "scsi") + scsi_hostdev(drive(0)),
     "using disk target name 'sda' conflicts with SCSI host device address controller='0' bus='0' "
     "target='0' unit='0'"),
    (SCSI + disk("sda", "scsi") + scsi_hostdev(drive(1)), None),
    (SCSI + disk("sda", "scsi", drive(2)) + scsi_hostdev(drive(2)),
     "SCSI host address controller='0' bus='0' target='0' unit='2' in use by a SCSI disk"),
    (SCSI + scsi_hostdev(drive(3)) + scsi_hostdev(drive(3)),
     "SCSI host address controller='0' bus='0' target='0' unit='3' in use by another SCSI host device"),
    (SCSI + scsi_hostdev(drive(3)) + scsi_hostdev(drive(4)), None),
]


@pytest.mark.parametrize(("devices", "expected"), DRIVES)
def test_drive_address_conflict(devices: str, expected: str | None) -> None:
    assert found("VL703", devices) == ([expected] if expected else [])


# -- VL705 usb-address ------------------------------------------------------------------------


def tablet(bus: int | None = 0, port: str | None = None) -> str:
    attrs = (f" bus='{bus}'" if bus is not None else "") + (f" port='{port}'" if port is not None else "")
    return f"<input type='tablet' bus='usb'><address type='usb'{attrs}/></input>"


def hub(port: str, bus: int = 0) -> str:
    return f"<hub type='usb'><address type='usb' bus='{bus}' port='{port}'/></hub>"


USB = [
    ("pc", tablet(port="3"), "requested USB port 3 not present on USB bus 0"),  # default PIIX3 UHCI: 2 ports
    ("pc", tablet(port="2"), None),
    ("q35", tablet(port="4"), None),  # default qemu-xhci: 4 ports
    ("q35", tablet(port="5"), "requested USB port 5 not present on USB bus 0"),
    ("q35", "<controller type='usb' index='0' model='qemu-xhci' ports='8'/>" + tablet(port="8"), None),
    ("q35", "<controller type='usb' index='0' model='ich9-ehci1'/>" + tablet(port="6"), None),
    ("q35", "<controller type='usb' index='0' model='ich9-ehci1'/>" + tablet(port="7"),
     "requested USB port 7 not present on USB bus 0"),
    ("pc", hub("1") + tablet(port="1.8"), None),
    ("pc", hub("1") + tablet(port="1.9"), "requested USB port 1.9 not present on USB bus 0"),
    ("pc", tablet(port="1.2.3"), "there is no hub at port 1 in USB address bus: 0 port: 1.2.3"),
    ("pc", hub("1") + hub("1.2") + tablet(port="1.2.3"), None),
    ("pc", hub("1.2") + hub("1"), "there is no hub at port 1 in USB address bus: 0 port: 1.2"),  # order matters
    ("pc", hub("1") + tablet(port="1"), "Duplicate USB address bus 0 port 1"),
    ("pc", tablet(port="1") + tablet(port="1"), "Duplicate USB address bus 0 port 1"),
    ("pc", tablet(port="1") + tablet(port="2"), None),
    ("pc", tablet(bus=1), "USB bus 1 requested but no controller with that index is present"),
    ("pc", tablet(bus=1, port="1"), "Missing USB bus 1"),
    ("pc", "<controller type='usb' index='1' model='qemu-xhci'/>" + tablet(bus=1, port="1"), None),
    ("pc", tablet(port="1.2.3.4.5"), "Cannot parse <address> 'port' attribute"),
    ("pc", tablet(port="1.x"), "Cannot parse <address> 'port' attribute"),
    ("pc", hub("1") + hub("1.1") + hub("1.1.1") + tablet(port="1.1.1.1"), None),
    ("aarch64", tablet(port="7"), None),  # which controller virt gets is not modelled: silent
]


@pytest.mark.parametrize(("machine", "devices", "expected"), USB)
def test_usb_address(machine: str, devices: str, expected: str | None) -> None:
    arch = "aarch64" if machine == "aarch64" else "x86_64"
    assert found("VL705", devices, "virt" if arch == "aarch64" else machine, arch) == (
        [expected] if expected else [])


# -- VL711 device-address-conflict ------------------------------------------------------------


def channel(name: str, port: int, controller: int = 0) -> str:
    return (f"<channel type='pty'><target type='virtio' name='{name}'/>"
            f"<address type='virtio-serial' controller='{controller}' bus='0' port='{port}'/></channel>")


VS_PORT_1 = "<address type='virtio-serial' controller='0' bus='0' port='1'/>"


def ccw(devno: str) -> str:
    return f"<address type='ccw' cssid='0xfe' ssid='0x0' devno='{devno}'/>"


def zpci_hostdev(uid: str, fid: str, bus: str) -> str:
    return ("<hostdev mode='subsystem' type='pci' managed='no'><driver name='vfio'/>"
            f"<source><address domain='0x0000' bus='{bus}' slot='0x00' function='0x0'/></source>"
            f"<address type='pci'><zpci uid='{uid}' fid='{fid}'/></address></hostdev>")


OTHER = [
    ("x86_64", channel("a", 1) + channel("b", 1), "virtio serial port 1 on controller 0 is already occupied"),
    ("x86_64", channel("a", 1) + channel("b", 2), None),
    ("x86_64", channel("a", 1) + channel("b", 1, controller=1), None),
    ("x86_64", channel("a", 31), "virtio serial controller 0 does not have port 31"),
    ("x86_64", channel("a", 30), None),
    ("x86_64", "<controller type='virtio-serial' index='0' ports='4'/>" + channel("a", 4),
     "virtio serial controller 0 does not have port 4"),
    # every device's port is reserved, and libvirt adds a controller for a virtio channel or console only (each
    # checked with libvirt 9.0, virsh define)
    ("x86_64", f"<controller type='sata' index='0'>{VS_PORT_1}</controller>", "virtio serial controller 0 is missing"),
    ("x86_64", balloon(VS_PORT_1), "virtio serial controller 0 is missing"),
    ("x86_64", f"<channel type='pty'><target type='guestfwd' address='10.0.2.1' port='4600'/>{VS_PORT_1}</channel>",
     "virtio serial controller 0 is missing"),
    ("x86_64", f"<controller type='virtio-serial' index='0'/><controller type='sata' index='0'>{VS_PORT_1}</controller>",
     None),
    ("x86_64", "<channel type='pty'><target type='virtio' name='a.b'/></channel>"
               f"<controller type='sata' index='0'>{VS_PORT_1.replace('1', '2')}</controller>", None),
    ("x86_64", channel("a", 1, controller=1), None),
    ("x86_64", channel("a", 1) + f"<controller type='usb' index='0' model='qemu-xhci'>{VS_PORT_1}</controller>",
     "virtio serial port 1 on controller 0 is already occupied"),
    ("s390x", nic(ccw("0x0001")) + balloon(ccw("0x0001")), "The CCW devno 'fe.0.0001' is in use already"),
    ("s390x", nic(ccw("0x0001")) + balloon(ccw("0x0002")), None),
    ("s390x", zpci_hostdev("0x1234", "0x1", "0x01") + zpci_hostdev("0x1234", "0x2", "0x02"),
     "zPCI uid 11064 is already reserved"),
    ("s390x", zpci_hostdev("0x1234", "0x1", "0x01") + zpci_hostdev("0x1235", "0x2", "0x02"), None),
    ("ppc64", nic("<address type='spapr-vio' reg='0x4000'/>") + "<serial type='pty'>"
              "<target type='spapr-vio-serial'/><address type='spapr-vio' reg='0x4000'/></serial>",
     "spapr-vio address 0x4000 already in use"),
    ("ppc64", nic("<address type='spapr-vio' reg='0x4000'/>") + "<serial type='pty'>"
              "<target type='spapr-vio-serial'/><address type='spapr-vio' reg='0x30000000'/></serial>", None),
]


@pytest.mark.parametrize(("arch", "devices", "expected"), OTHER)
def test_device_address_conflict(arch: str, devices: str, expected: str | None) -> None:
    machine = {"x86_64": "q35", "s390x": "s390-ccw-virtio", "ppc64": "pseries"}[arch]
    assert found("VL711", devices, machine, arch) == ([expected] if expected else [])


# -- VL700 address-value ----------------------------------------------------------------------

UINT = "Invalid value for attribute '{a}' in element '{e}': '{v}'. Expected non-negative integer value"
DIMM = "<memory model='dimm'><target><size unit='KiB'>131072</size><node>0</node></target>{}</memory>"

VALUES = [
    ("x86_64", balloon("<address type='pci' bus='0x100' slot='0x01'/>"), "Invalid PCI address bus='0x100', must be <= 0xFF"),
    ("x86_64", balloon("<address type='pci' bus='0xff' slot='0x01'/>"), None),
    ("x86_64", balloon("<address type='pci' slot='0x20'/>"), "Invalid PCI address slot='0x20', must be <= 0x1F"),
    ("x86_64", balloon("<address type='pci' slot='32'/>"), "Invalid PCI address slot='0x20', must be <= 0x1F"),
    ("x86_64", balloon("<address type='pci' slot='040'/>"), "Invalid PCI address slot='0x20', must be <= 0x1F"),
    ("x86_64", balloon("<address type='pci' slot='31'/>"), None),
    ("x86_64", balloon("<address type='pci' slot='1' function='0x8'/>"), "Invalid PCI address function=0x8, must be <= 7"),
    ("x86_64", balloon("<address type='pci' function='0x8'/>"), None),  # 0000:00:00 is "assign one"
    ("s390x", "<hostdev mode='subsystem' type='pci'><source><address domain='0' bus='1' slot='0' function='0'/>"
              "</source><address type='pci'><zpci uid='0x0000' fid='0x1'/></address></hostdev>",
     "Invalid PCI address uid='0x0000', must be > 0x0000 and <= 0xffff"),
    ("s390x", "<hostdev mode='subsystem' type='pci'><source><address domain='0' bus='1' slot='0' function='0'/>"
              "</source><address type='pci'><zpci uid='0xffff' fid='0x1'/></address></hostdev>", None),
    ("s390x", balloon("<address type='ccw' cssid='0xff' ssid='0x0' devno='0x0001'/>"),
     "Invalid specification for virtio ccw address: cssid='0xff' ssid='0x0' devno='0x0001'"),
    ("s390x", balloon("<address type='ccw' cssid='0xfe' devno='0x0001'/>"),
     "Invalid partial specification for virtio ccw address"),
    ("s390x", balloon("<address type='ccw' cssid='0xfe' ssid='0x3' devno='0xffff'/>"), None),
    ("ppc64", nic("<address type='spapr-vio' reg='0x100000000'/>"),
     "spapr-vio reg='0x100000000' exceeds maximum possible value (0xffffffff)"),
    ("x86_64", disk("hda", "ide", drive(0, controller=1)), "Only 1 IDE controller is supported"),
    ("x86_64", disk("hda", "ide", "<address type='drive' controller='0' bus='0' target='1' unit='0'/>"),
     "target must be 0 for ide controller"),
    ("x86_64", disk("sda", "sata", drive(0, bus=1)), "bus must be 0 for sata controller"),
    ("x86_64", disk("sda", "sata", drive(3)), None),
    ("x86_64", SCSI + disk("sda", "scsi", drive(0, bus=1)), "SCSI controller only supports 1 bus"),
    ("x86_64", "<controller type='scsi' index='0' model='lsilogic'/>"
               + disk("sda", "scsi", "<address type='drive' controller='0' bus='0' target='1' unit='0'/>"),
     "target must be 0 for controller model 'lsilogic'"),
    ("x86_64", SCSI + disk("sda", "scsi", "<address type='drive' controller='0' bus='0' target='1' unit='0'/>"), None),
    ("x86_64", disk("fda", "fdc", drive(0, bus=1)), "Only 1 fdc bus is supported"),
    ("x86_64", disk("hde", "ide"), "Only 1 IDE controller is supported"),
    ("x86_64", disk("hdd", "ide"), None),
    ("x86_64", disk("fdc", "fdc"), "Only 1 fdc controller is supported"),
    ("x86_64", disk("hda", "ide", drive(0, bus=2)), "Bus 'ide.2' not found (QEMU refuses to start the domain)"),
    ("x86_64", disk("hda", "ide", drive(2)),
     "Can't create IDE unit 2, bus supports only 2 units (QEMU refuses to start the domain)"),
    ("x86_64", disk("hda", "ide", drive(1, bus=1)), None),
    ("x86_64", disk("sda", "sata", drive(6)),
     "SATA unit 6 does not exist: an AHCI controller has 6 ports, units 0-5 (QEMU refuses it at start: "
     "Bus 'ide.6' not found)"),
    ("x86_64", disk("sdg", "sata"), None),  # controller 1, unit 0
    # the parser's numbers, each type's in its base (virDomainDeviceAddressParseXML; each checked on libvirt 9.0)
    ("x86_64", balloon("<address type='pci' bus='x' slot='0x05'/>"), UINT.format(a="bus", e="address", v="x")),
    ("x86_64", balloon("<address type='pci' bus='-1' slot='0x05'/>"), UINT.format(a="bus", e="address", v="-1")),
    ("x86_64", balloon("<address type='pci' bus='0x00' slot='08'/>"), UINT.format(a="slot", e="address", v="08")),
    ("x86_64", balloon("<address type='pci' bus='0x00' slot='0x05' multifunction='yes'/>"),
     "Invalid value for attribute 'multifunction' in element 'address': 'yes'."),
    ("x86_64", balloon("<address type='pci' bus='0x00' slot='0x05' multifunction='on'/>"), None),
    ("s390x", "<hostdev mode='subsystem' type='pci'><source><address domain='0' bus='1' slot='0' function='0'/>"
              "</source><address type='pci'><zpci uid='one' fid='0x1'/></address></hostdev>",
     UINT.format(a="uid", e="zpci", v="one")),
    ("x86_64", disk("sda", "sata", "<address type='drive' controller='x' bus='0' target='0' unit='0'/>"),
     UINT.format(a="controller", e="address", v="x")),
    ("x86_64", disk("sda", "sata", "<address type='drive' controller='0' bus='0' target='0' unit='0x1'/>"),
     UINT.format(a="unit", e="address", v="0x1")),  # (base 10: no 0x)
    ("x86_64", "<channel type='pty'><target type='virtio' name='a.b'/>"
               "<address type='virtio-serial' controller='0' bus='0' port='x'/></channel>",
     UINT.format(a="port", e="address", v="x")),
    ("x86_64", "<channel type='pty'><target type='virtio' name='a.b'/>"
               "<address type='virtio-serial' controller='0' bus='0' port='2'/></channel>", None),
    ("x86_64", "<input type='tablet' bus='usb'><address type='usb' bus='x' port='1'/></input>",
     UINT.format(a="bus", e="address", v="x")),
    ("x86_64", "<serial type='pty'><target type='isa-serial' port='0'/><address type='isa' iobase='x'/></serial>",
     UINT.format(a="iobase", e="address", v="x")),
    ("x86_64", "<serial type='pty'><target type='isa-serial' port='0'/>"
               "<address type='isa' iobase='0x3f8' irq='zz'/></serial>", UINT.format(a="irq", e="address", v="zz")),
    ("x86_64", "<serial type='pty'><target type='isa-serial' port='0'/>"
               "<address type='isa' iobase='3f8' irq='0x4'/></serial>", None),  # (base 16, with or without 0x)
    ("x86_64", DIMM.format("<address type='dimm'/>"), "Missing required attribute 'slot' in element 'address'"),
    ("x86_64", DIMM.format("<address type='dimm' slot='x'/>"), UINT.format(a="slot", e="address", v="x")),
    ("x86_64", DIMM.format("<address type='dimm' slot='0' base='x'/>"), UINT.format(a="base", e="address", v="x")),
    ("x86_64", DIMM.format("<address type='dimm' slot='0' base='0x100000000'/>"), None),
    ("x86_64", "<controller type='ccid' index='0'/><smartcard mode='passthrough' type='spicevmc'>"
               "<address type='ccid' controller='0' slot='x'/></smartcard><graphics type='spice'/>",
     UINT.format(a="slot", e="address", v="x")),
    # a SCSI controller without a model, or the one libvirt adds, is lsilogic where QEMU has it (a warning: RHEL's
    # QEMU lacks it); pSeries's is ibmvscsi (checked on 9.0: target 1 on the added controller is refused)
    ("x86_64", disk("sda", "scsi", "<address type='drive' controller='0' bus='0' target='1' unit='0'/>"),
     "target must be 0 for controller model 'lsilogic' (where QEMU has it, libvirt gives SCSI controller 0 "
     "lsilogic, as it has no model)"),
    ("x86_64", "<controller type='scsi' index='1'/>"
               + disk("sda", "scsi", "<address type='drive' controller='1' bus='0' target='2' unit='0'/>"),
     "target must be 0 for controller model 'lsilogic' (where QEMU has it, libvirt gives SCSI controller 1 "
     "lsilogic, as it has no model)"),
    ("x86_64", disk("sda", "scsi", "<address type='drive' controller='0' bus='0' target='0' unit='3'/>"), None),
    ("ppc64", disk("sda", "scsi", "<address type='drive' controller='0' bus='0' target='1' unit='0'/>"), None),
    ("ppc64", nic("<address type='spapr-vio' reg='reg'/>"), UINT.format(a="reg", e="address", v="reg")),
    ("s390x", balloon("<address type='ccw' cssid='x' ssid='0x0' devno='0x0001'/>"),
     UINT.format(a="cssid", e="address", v="x")),  # (the parser stops: no ccw validity message beside it)
]


@pytest.mark.parametrize(("arch", "devices", "expected"), VALUES)
def test_address_value(arch: str, devices: str, expected: str | None) -> None:
    machine = {"x86_64": "q35", "s390x": "s390-ccw-virtio", "ppc64": "pseries"}[arch]
    assert found("VL700", devices, machine, arch) == ([expected] if expected else [])


# -- VL704 address-type -----------------------------------------------------------------------

MDEV = ("<hostdev mode='subsystem' type='mdev' model='{model}'>"
        "<source><address uuid='c2177883-f1bb-47f0-914d-32a22e3a8804'/></source>{address}</hostdev>")

TYPES = [
    ("x86_64", disk("sda", "sata", pci(5)), "Invalid address type 'pci' for the disk 'sda' with the bus type 'sata'"),
    ("x86_64", disk("sda", "sata", drive(0)), None),
    ("x86_64", disk("fda", "fdc", pci(5)), "Invalid address type 'pci' for the disk 'fda' with the bus type 'fdc'"),
    ("x86_64", disk("vda", "virtio", pci(5)), None),
    ("x86_64", disk("sdb", "usb", pci(5)), "unexpected address type for usb disk"),
    ("x86_64", disk("sdb", "usb", "<address type='usb' bus='0' port='1'/>"), None),
    ("x86_64", MDEV.format(model="vfio-pci", address=drive(0)),
     "Unsupported address type 'drive' with mediated device model 'vfio-pci'"),
    ("x86_64", MDEV.format(model="vfio-pci", address=pci(5)), None),
    ("s390x", MDEV.format(model="vfio-ccw", address=pci(5)),
     "Unsupported address type 'pci' with mediated device model 'vfio-ccw'"),
    ("s390x", MDEV.format(model="vfio-ccw", address="<address type='ccw' cssid='0xfe' ssid='0' devno='1'/>"), None),
    ("x86_64", balloon("<address type='ccw' cssid='0xfe' ssid='0x0' devno='0x0001'/>"),
     "CCW addresses are not supported by machine type 'q35'"),
    ("s390x", balloon("<address type='ccw' cssid='0xfe' ssid='0x0' devno='0x0001'/>"), None),
    ("x86_64", "<hostdev mode='subsystem' type='pci'><source><address domain='0' bus='1' slot='0' function='0'/>"
               "</source><address type='pci' slot='5'><zpci uid='0x1' fid='0x1'/></address></hostdev>",
     "This QEMU binary doesn't support zPCI"),
    ("s390x", "<hostdev mode='subsystem' type='pci'><source><address domain='0' bus='1' slot='0' function='0'/>"
              "</source><address type='pci'><zpci uid='0x1' fid='0x1'/></address></hostdev>", None),
    ("x86_64", "<hostdev mode='subsystem' type='scsi_host'><source protocol='vhost' wwpn='naa.5123456789abcde0'/>"
               + drive(0) + "</hostdev>", "SCSI_host host device must use 'pci' or 'ccw' address type"),
    ("x86_64", "<hostdev mode='subsystem' type='scsi_host'><source protocol='vhost' wwpn='naa.5123456789abcde0'/>"
               + pci(5) + "</hostdev>", None),
    ("x86_64", "<hostdev mode='subsystem' type='usb'><source><vendor id='0x1234'/><product id='0xbeef'/></source>"
               + pci(5) + "</hostdev>", "USB host device must use 'usb' address type"),
    ("x86_64", "<hostdev mode='subsystem' type='pci'><source><address domain='0' bus='1' slot='0' function='0'/>"
               "</source><address type='unassigned'/></hostdev>", None),
    ("x86_64", balloon("<address type='unassigned'/>"), "address of type 'unassigned' is supported only for hostdevs"),
    ("x86_64", "<smartcard mode='passthrough' type='spicevmc'>" + pci(5) + "</smartcard>",
     "Controllers must use the 'ccid' address type"),
    ("x86_64", "<smartcard mode='passthrough' type='spicevmc'><address type='ccid' controller='0' slot='0'/>"
               "</smartcard>", None),
    ("x86_64", "<serial type='pty'><target type='pci-serial'/><address type='usb' bus='0' port='1'/></serial>",
     "Target type 'pci-serial' requires address type 'pci'"),
    ("x86_64", "<serial type='pty'><target type='pci-serial'/>" + pci(5) + "</serial>", None),
    ("x86_64", "<serial type='pty'><target type='isa-serial'/>" + pci(5) + "</serial>",
     "Target type 'isa-serial' requires address type 'isa'"),
    # a serial port without a target type, or isa-serial, has the arch's default (qemuDomainChrDefPostParse), and
    # the first console of a domain without one becomes that serial port, address and all
    # (virDomainDefAddConsoleCompat; each checked on 9.0)
    ("x86_64", "<serial type='pty'>" + pci(5) + "</serial>", "Target type 'isa-serial' requires address type 'isa'"),
    ("x86_64", "<serial type='pty'/>", None),
    ("x86_64", "<console type='pty'><target type='serial' port='0'/>" + pci(5) + "</console>",
     "Target type 'isa-serial' requires address type 'isa'"),
    ("x86_64", "<console type='pty'>" + pci(5) + "</console>", "Target type 'isa-serial' requires address type 'isa'"),
    ("x86_64", "<serial type='pty'/><console type='pty'><target type='serial' port='0'/>" + pci(5) + "</console>",
     None),
    ("x86_64", "<console type='pty'><target type='serial'/><address type='isa' iobase='0x3f8' irq='4'/></console>",
     None),
    ("aarch64", "<serial type='pty'><target type='isa-serial'/>" + pci(5) + "</serial>",
     "Target type 'system-serial' cannot have an associated address"),
    ("aarch64", "<serial type='pty'><target type='isa-serial'/></serial>", None),
    ("x86_64", "<iommu model='intel'>" + pci(5) + "</iommu>", "iommu model 'intel' can't have address"),
    ("x86_64", "<iommu model='virtio'>" + pci(5) + "</iommu>", None),
    ("x86_64", "<hostdev mode='subsystem' type='mdev' model='vfio-pci'><source>"
               "<address domain='0x0000' bus='0x06' slot='0x12' function='0x5'/></source></hostdev>",
     "Missing 'uuid' attribute for element <address>"),
    ("x86_64", "<hostdev mode='subsystem' type='mdev' model='vfio-pci'><source>"
               "<address uuid='c2177883-f1bb-47f0-914d-32a22e3a88'/></source></hostdev>",
     "Cannot parse uuid attribute of element <address>"),
    ("x86_64", MDEV.format(model="vfio-pci", address=""), None),
    ("x86_64", "<panic model='hyperv'>" + pci(5) + "</panic>",
     "setting the panic device address is not supported for model 'hyperv'"),
    ("x86_64", "<panic>" + pci(5) + "</panic>", "panic is supported only with ISA address type"),
    ("x86_64", "<panic model='isa'><address type='isa' iobase='0x505'/></panic>", None),
    ("x86_64", "<panic model='pvpanic'><address type='isa' iobase='0x505'/></panic>",
     "pvpanic is supported only with PCI address type"),
    ("x86_64", "<panic model='pvpanic'>" + pci(5) + "</panic>", None),
    ("s390x", "<panic><address type='ccw' cssid='0xfe' ssid='0' devno='1'/></panic>",
     "setting the panic device address is not supported for model 's390'"),
    ("x86_64", "<watchdog model='itco' action='reset'>" + pci(5) + "</watchdog>",
     "itco model of watchdog is part of the machine and cannot have any address set."),
    ("x86_64", "<watchdog model='i6300esb' action='reset'><address type='isa' iobase='0x505'/></watchdog>",
     "i6300esb model of watchdog can go only on PCI bus"),
    ("x86_64", "<watchdog model='i6300esb' action='reset'>" + pci(5) + "</watchdog>", None),
    ("x86_64", balloon("<address type='spapr-vio' reg='0x4000'/>"),
     "Unexpected address type for 'virtio-balloon' (libvirt, at start)"),
    ("x86_64", disk("vdb", "virtio", drive(0)), "virtio disk cannot have an address of type 'drive'"),
    ("x86_64", disk("vdb", "virtio", pci(5)), None),
    ("x86_64", "<input type='tablet' bus='virtio'><address type='usb' bus='0' port='1'/></input>",
     "Unexpected address type for 'virtio-tablet' (libvirt, at start)"),
    ("x86_64", "<input type='tablet' bus='usb'><address type='usb' bus='0' port='1'/></input>", None),
    ("x86_64", "<input type='tablet' bus='usb'>" + pci(5) + "</input>", "Invalid address for a USB device"),
    ("x86_64", "<redirdev bus='usb' type='spicevmc'>" + pci(5) + "</redirdev>", "Invalid address for a USB device"),
    # (not virtio; libvirt gives the NIC a reg, which QEMU's e1000 lacks: checked on 9.0 with QEMU 7.2)
    ("x86_64", "<interface type='user'><model type='e1000'/><address type='spapr-vio'/></interface>",
     "Property 'e1000.reg' not found (QEMU refuses to start the domain)"),
    ("x86_64", balloon("<address type='virtio-mmio'/>"),
     "No 'virtio-bus' bus found for device 'virtio-balloon-device' (QEMU, at start)"),
]


@pytest.mark.parametrize(("arch", "devices", "expected"), TYPES)
def test_address_type(arch: str, devices: str, expected: str | None) -> None:
    machine = {"x86_64": "q35", "s390x": "s390-ccw-virtio", "aarch64": "virt"}[arch]
    assert found("VL704", devices, machine, arch) == ([expected] if expected else [])


# -- VL706 usb-disabled, VL707 usb-controller --------------------------------------------------

NONE = "<controller type='usb' index='0' model='none'/>"

DISABLED = [
    (NONE + "<input type='tablet' bus='usb'/>", "Can't add USB input device. USB bus is disabled"),
    (NONE + "<input type='tablet' bus='virtio'/>", None),
    (NONE + "<hub type='usb'/>", "Can't add USB hub: USB is disabled for this domain"),
    (NONE + "<controller type='usb' index='1' model='qemu-xhci'/>",
     "Can't add another USB controller: USB is disabled for this domain"),
    ("<controller type='usb' index='1' model='qemu-xhci'/>" + NONE,
     "Can't add another USB controller: USB is disabled for this domain"),
    (NONE + disk("sdb", "usb"), "USB is disabled for this domain, but USB devices are present in the domain XML"),
    (NONE + "<redirdev bus='usb' type='spicevmc'/>",
     "cannot add redirected USB device: USB is disabled for this domain"),
    (NONE + "<hostdev mode='subsystem' type='usb'><source><vendor id='0x1234'/><product id='0xbeef'/></source>"
            "</hostdev>", "Can't add host USB device: USB is disabled in this host"),
    (NONE + disk("sdb", "sata"), None),
    # a smartcard's CCID controller, which libvirt adds, is a USB device (checked on 9.0)
    (NONE + "<smartcard mode='host'/>", "USB is disabled for this domain, but USB devices are present in the domain "
                                       "XML (a smartcard's CCID controller, which libvirt adds, is a USB device)"),
    ("<smartcard mode='host'/>", None),
]


def test_usb_devices_on_a_machine_without_default_usb() -> None:
    message = "USB is disabled for this domain, but USB devices are present in the domain XML"
    assert found("VL706", "<input type='tablet' bus='usb'/>", "virt", "aarch64") == [message]
    assert found("VL706", "<controller type='usb' model='qemu-xhci'/><input type='tablet' bus='usb'/>",
                 "virt", "aarch64") == []
    assert found("VL706", "<input type='tablet' bus='usb'/>", "pc") == []  # pc gets a PIIX3 UHCI
    assert found("VL706", "<smartcard mode='host'/>", "virt", "aarch64") == [message]  # (its CCID controller)
    assert found("VL706", "<controller type='ccid' index='0'/><smartcard mode='host'/>", "virt", "aarch64") == [
        message]  # (the controller, once)
    assert found("VL706", "<input type='keyboard' bus='virtio'/>", "virt", "aarch64") == []


@pytest.mark.parametrize(("devices", "expected"), DISABLED)
def test_usb_disabled(devices: str, expected: str | None) -> None:
    assert found("VL706", devices) == ([expected] if expected else [])


USB_CONTROLLERS = [
    ("<controller type='usb' index='0' model='qemu-xhci' ports='16'/>",
     "'qemu-xhci' controller only supports up to '15' ports"),
    ("<controller type='usb' index='0' model='nec-xhci' ports='16'/>",
     "'nec-xhci' controller only supports up to '15' ports"),
    ("<controller type='usb' index='0' model='qemu-xhci' ports='15'/>", None),
    ("<controller type='usb' index='0' model='ich9-uhci2'><master startport='2'/></controller>",
     "No master USB controller specified"),
    ("<controller type='usb' index='0' model='ich9-ehci1'/>"
     "<controller type='usb' index='0' model='ich9-uhci2'><master startport='2'/></controller>", None),
    # the parser gives an ICH9 UHCI companion without <master> one (checked on 9.0)
    ("<controller type='usb' index='0' model='ich9-uhci1'/>", "No master USB controller specified"),
    ("<controller type='usb' index='1' model='ich9-uhci3'/>", "No master USB controller specified"),
    ("<controller type='usb' index='0' model='ich9-ehci1'/><controller type='usb' index='0' model='ich9-uhci1'/>",
     None),
    ("<controller type='usb' index='0' model='piix3-uhci'/>", None),
]


EHCI = "<controller type='usb' index='0' model='ich9-ehci1'/>"


def uhci(n: int, start: int) -> str:
    return f"<controller type='usb' index='0' model='ich9-uhci{n}'><master startport='{start}'/></controller>"


USB_CONTROLLERS += [
    ("<controller type='usb' index='0' model='qemu-xhci'/>" + uhci(1, 0),
     "Can't use USB bus 'usb.0' as masterbus, it doesn't support companion controllers (QEMU, at start)"),
    (EHCI + uhci(1, 0) + uhci(2, 2) + uhci(3, 4), None),
    (EHCI + uhci(1, 0) + uhci(2, 0),
     "firstport 0 asks for ports 0-1, but port 0 has a companion assigned already (QEMU, at start)"),
    (EHCI + uhci(1, 8), "firstport must be between 0 and 4 (QEMU, at start)"),
    # companions without <master> get the parser's (startport 0, 2, 4 for uhci1-3; each checked on 9.0)
    ("<controller type='usb' index='0' model='qemu-xhci'/><controller type='usb' index='0' model='ich9-uhci1'/>",
     "Can't use USB bus 'usb.0' as masterbus, it doesn't support companion controllers (QEMU, at start)"),
    (EHCI + "<controller type='usb' index='0' model='ich9-uhci1'/>" * 2,
     "firstport 0 asks for ports 0-1, but port 0 has a companion assigned already (QEMU, at start)"),
    (EHCI + "".join(f"<controller type='usb' index='0' model='ich9-uhci{n}'/>" for n in (1, 2, 3)), None),
    # a companion's master is the controller of its index without <master> (at start; checked on 9.0)
    ("<controller type='usb' index='0' model='nec-xhci'/><controller type='usb' index='1' model='ich9-uhci2'/>",
     "masterbus not found (libvirt refuses to start the domain)"),
    ("<controller type='usb' index='0' model='nec-xhci'/>" + uhci(1, 0).replace("index='0'", "index='2'"),
     "masterbus not found (libvirt refuses to start the domain)"),
    ("<controller type='usb' index='0' model='nec-xhci'/>" + EHCI.replace("index='0'", "index='1'")
     + uhci(1, 0).replace("index='0'", "index='1'"), None),
]


@pytest.mark.parametrize(("devices", "expected"), USB_CONTROLLERS)
def test_usb_controller(devices: str, expected: str | None) -> None:
    assert found("VL707", devices) == ([expected] if expected else [])


# -- VL708 controller-index, VL709 pci-root, VL710 pci-controller-options ----------------------

INDEXES = [
    ("pc", "<controller type='pci' index='-1' model='pci-bridge'/>",
     "Invalid value for attribute 'index' in element 'controller': '-1'. Expected non-negative value"),
    ("pc", "<controller type='pci' index='1' model='pci-bridge'/><controller type='pci' index='1' model='pci-bridge'/>",
     "Multiple 'pci' controllers with index '1'"),
    ("pc", "<controller type='scsi' index='0'/><controller type='scsi' index='0'/>",
     "Multiple 'scsi' controllers with index '0'"),
    ("pc", "<controller type='scsi' index='0'/><controller type='scsi'/>", None),  # the second gets index 1
    ("q35", "<controller type='usb' index='0' model='ich9-ehci1'/>"
            "<controller type='usb' index='0' model='ich9-uhci1'><master startport='0'/></controller>", None),
    ("pc", "<controller type='pci' index='256' model='pci-bridge'/>", "PCI controller index 256 too high, maximum is 255"),
    ("pc", "<controller type='pci' index='7' model='pci-root'/>", "pci-root and pcie-root controllers should have index 0"),
    ("pseries", "<controller type='pci' index='1' model='pci-root'><target index='1'/></controller>", None),
    # on q35 qemuDomainDefAddDefaultDevices refuses an index-0 root port first: VL709 says so, not VL708
    ("q35", "<controller type='pci' index='0' model='pcie-root-port'/>", None),
    ("q35", "<controller type='pci' index='1' model='pcie-root-port'/>", None),
]


def test_index0_non_root_controller_is_vl709s_alone() -> None:
    """libvirt refuses an index-0 pcie-root-port on q35 in post-parse (`must be model='pcie-root'`), before it
    validates indexes (VL708) or assigns addresses (VL702): bus 0 devices are judged against the pcie-root."""
    devices = ("<controller type='pci' index='0' model='pcie-root-port'/>"
               "<controller type='usb' index='0' model='ich9-ehci1'>" + pci(4, 7) + "</controller>")
    assert found("VL709", devices) == ["The PCI controller with index='0' must be model='pcie-root' for this "
                                       "machine type, but model='pcie-root-port' was found instead"]
    assert found("VL708", devices) == []
    assert found("VL702", devices) == []
    # the valid twin: the root it must be, the same device address
    assert found("VL702", "<controller type='pci' index='0' model='pcie-root'/>"
                          "<controller type='usb' index='0' model='ich9-ehci1'>" + pci(4, 7) + "</controller>") == []
    # a real root port still has one slot
    assert found("VL702", "<controller type='pci' index='1' model='pcie-root-port'/>" + balloon(pci(1, bus=1))) != []


@pytest.mark.parametrize(("machine", "devices", "expected"), INDEXES)
def test_controller_index(machine: str, devices: str, expected: str | None) -> None:
    arch = "ppc64" if machine == "pseries" else "x86_64"
    assert found("VL708", devices, machine, arch) == ([expected] if expected else [])


ROOTS = [
    ("pc", "x86_64", "<controller type='pci' index='0' model='pcie-root'/>",
     "The PCI controller with index='0' must be model='pci-root' for this machine type, "
     "but model='pcie-root' was found instead"),
    ("pc-i440fx-7.2", "x86_64", "<controller type='pci' index='0' model='pci-root'/>", None),
    ("q35", "x86_64", "<controller type='pci' index='0' model='pci-root'/>",
     "The PCI controller with index='0' must be model='pcie-root' for this machine type, "
     "but model='pci-root' was found instead"),
    ("pc-q35-7.2", "x86_64", "<controller type='pci' index='0' model='pcie-root'/>", None),
    ("virt", "aarch64", "<controller type='pci' index='0' model='pci-root'/>",
     "The PCI controller with index='0' must be model='pcie-root' for this machine type, "
     "but model='pci-root' was found instead"),
    ("pseries", "ppc64", "<controller type='pci' index='0' model='pci-root'/>", None),
    ("pc", "x86_64", "<controller type='pci' index='0' model='pci-root'>" + pci(3) + "</controller>",
     "pci-root and pcie-root controllers should not have an address"),
    ("q35", "x86_64", "<controller type='pci' index='1' model='pci-expander-bus'/>",
     "pci-expander-bus controllers are only supported on 440fx-based machinetypes"),
    ("pc", "x86_64", "<controller type='pci' index='1' model='pci-expander-bus'/>", None),
    ("pc", "x86_64", "<controller type='pci' index='1' model='pcie-expander-bus'/>",
     "pcie-expander-bus controllers are not supported with this machine type"),
    ("q35", "x86_64", "<controller type='pci' index='1' model='pcie-expander-bus'/>", None),
    ("virt", "aarch64", "<controller type='pci' index='1' model='pcie-expander-bus'/>", None),
]


@pytest.mark.parametrize(("machine", "arch", "devices", "expected"), ROOTS)
def test_pci_root(machine: str, arch: str, devices: str, expected: str | None) -> None:
    assert found("VL709", devices, machine, arch) == ([expected] if expected else [])


NUMA = "<cpu><numa><cell id='0' cpus='0-1' memory='131072' unit='KiB'/></numa></cpu>"

OPTIONS = [
    ("pc", "<controller type='pci' index='1' model='pci-expander-bus'><target busNr='254'><node>1</node></target>"
           "</controller>", NUMA,
     "pci-expander-bus with index 1 is configured for a NUMA node (1) not present in the domain's "
     "<cpu><numa> array (1)"),
    ("pc", "<controller type='pci' index='1' model='pci-expander-bus'><target busNr='254'><node>0</node></target>"
           "</controller>", NUMA, None),
    ("pc", "<controller type='pci' index='1' model='pci-expander-bus'><target busNr='255'/></controller>", "",
     "PCI controller busNr '255' out of range - must be 1-254"),
    ("pc", "<controller type='pci' index='1' model='pci-bridge'><target busNr='100'/></controller>", "",
     "Option 'busNr' is not valid for PCI controller with index '1', model 'pci-bridge' and modelName 'pci-bridge'"),
    ("q35", "<controller type='pci' index='1' model='pcie-root-port'><target chassis='256' port='0x10'/>"
            "</controller>", "", "PCI controller chassis '256' out of range - must be 0-255"),
    ("q35", "<controller type='pci' index='1' model='pcie-root-port'><target chassis='1' port='0x10'/>"
            "</controller>", "", None),
    ("q35", "<controller type='pci' index='1' model='pcie-root-port'><model name='pxb'/></controller>", "",
     "Option 'modelName' has invalid value for PCI controller with index '1', model 'pcie-root-port' "
     "and modelName 'pxb'"),
    ("q35", "<controller type='pci' index='1' model='pcie-root-port'><model name='ioh3420'/></controller>", "", None),
    ("pseries", "<controller type='pci' index='1' model='pci-root'><target index='0'/></controller>", "",
     "Only the PCI controller with index 0 can have target index 0, and vice versa"),
    ("pseries", "<controller type='pci' index='1' model='pci-root'><target index='31'/></controller>", "",
     "PCI controller target index '31' out of range - must be 0-30"),
    ("pseries", "<controller type='pci' index='1' model='pci-root'><target index='1'/></controller>", "", None),
    ("pseries", "<controller type='pci' index='0' model='pci-root'><target index='0'><node>0</node></target>"
                "</controller>", NUMA, "The PCI controller with index=0 can't be associated with a NUMA node"),
    ("pseries", "<controller type='pci' index='1' model='pci-root'><target index='1'><node>0</node></target>"
                "</controller>", NUMA, None),
    ("pc", "<controller type='pci' index='1' model='pci-expander-bus'><target busNr='2'/></controller>"
           "<controller type='pci' index='2' model='pci-expander-bus'/>", "",
     "No free busNr lower than current lowest busNr is available to auto-assign to bus 0. Must be manually assigned"),
    ("pc", "<controller type='pci' index='1' model='pci-expander-bus'><target busNr='4'/></controller>"
           "<controller type='pci' index='2' model='pci-expander-bus'/>", "", None),  # gets busNr 2
    ("pc", "<controller type='pci' index='1' model='pci-expander-bus'><target busNr='4'/></controller>"
           "<controller type='pci' index='2' model='pci-expander-bus'/>"
           "<controller type='pci' index='3' model='pci-expander-bus'/>", "",
     "No free busNr lower than current lowest busNr is available to auto-assign to bus 0. Must be manually assigned"),
    ("pc", "<controller type='pci' index='1' model='pci-expander-bus'/>", "", None),  # busNr 254
    ("q35", "<controller type='pci' index='1' model='pcie-root-port'><target chassis='1' port='0x10'/></controller>"
            "<controller type='pci' index='2' model='pcie-root-port'><target chassis='1' port='0x11'/></controller>", "",
     "Can't add chassis slot, error -16 (QEMU, at start): chassis 1 is already used by the controller with index='1'"),
    ("q35", "<controller type='pci' index='1' model='pcie-root-port'><target chassis='2' port='0x10'/></controller>"
            "<controller type='pci' index='2' model='pcie-root-port'/>", "",
     "Can't add chassis slot, error -16 (QEMU, at start): chassis 2 is already used by the controller with index='1'"),
    ("q35", "<controller type='pci' index='1' model='pcie-root-port'><target chassis='1' port='0x10'/></controller>"
            "<controller type='pci' index='2' model='pcie-root-port'><target chassis='2' port='0x11'/></controller>"
            "<controller type='pci' index='3' model='pcie-root-port'/>", "", None),
    ("pc", "<controller type='pci' index='1' model='pci-bridge'><target chassisNr='5'/></controller>"
           "<controller type='pci' index='2' model='pci-bridge'><target chassisNr='5'/></controller>", "", None),
]


@pytest.mark.parametrize(("machine", "devices", "extra", "expected"), OPTIONS)
def test_pci_controller_options(machine: str, devices: str, extra: str, expected: str | None) -> None:
    arch = "ppc64" if machine == "pseries" else "x86_64"
    assert found("VL710", devices, machine, arch, extra) == ([expected] if expected else [])


def test_positions_are_exact() -> None:
    text = domain("<controller type='ide' index='0'/>" + balloon(pci(1, 1)), "pc")
    (finding,) = lint(text, CAPS["x86_64"], select=("VL701",))
    line = text.splitlines()[finding.line - 1]
    assert line[finding.column - 1:].startswith("<address") or line[finding.column - 1:].startswith("address")


def test_unparseable_numbers_are_the_parse_errors_alone() -> None:
    """libvirt's parser stops at a number it cannot read: VL700 reports that, the map rules see no address."""
    assert found("VL700", balloon("<address type='pci' slot='zz'/>")) == [UINT.format(a="slot", e="address", v="zz")]
    assert found("VL701", balloon("<address type='pci' slot='zz'/>") + nic(pci(3))) == []


HOSTILE = [
    "<memballoon model='virtio'><address type='pci' domain='' bus='0x' slot='-1' function='99999999999'/></memballoon>",
    "<input type='tablet' bus='usb'><address type='usb' bus='' port=''/></input>",
    "<input type='tablet' bus='usb'><address type='usb' bus='x' port='1..2'/></input><hub type='usb'><address type='usb'"
    " port='0.1'/></hub>",
    "<controller type='usb' index='zz' model='qemu-xhci' ports='-3'/><controller type='pci' index='' model='pci-root'>"
    "<target index='' busNr='x' chassis='0x'><node></node></target><model/></controller>",
    "<controller type='virtio-serial' ports='x'/><channel type='pty'><target type='virtio'/><address type='virtio-serial'"
    " controller='a' port='-1'/></channel>",
    "<disk type='file'><target dev='sd' bus='scsi'/></disk><disk type='file'><target/><address type='drive' unit='z'/></disk>",
    "<memballoon model='virtio'><address type='ccw' cssid='x'/></memballoon><rng><address type='spapr-vio' reg='zz'/></rng>",
    "<hostdev mode='subsystem' type='pci'><address type='pci'><zpci uid='' fid='-1'/></address></hostdev>",
    "<hostdev type='mdev'/><hostdev mode='subsystem' type='mdev'><source/></hostdev>",
]


@pytest.mark.parametrize("devices", HOSTILE)
@pytest.mark.parametrize(("machine", "arch"), [("q35", "x86_64"), ("pc", "x86_64"), ("pseries", "ppc64"),
                                               ("s390-ccw-virtio", "s390x"), ("virt", "aarch64")])
def test_hostile_values_never_crash(devices: str, machine: str, arch: str) -> None:
    from virtlint.linter.caps import DomainCaps  # noqa: F401  (the engine records rule crashes as internal errors)
    from conftest import caps_from_text
    from virtlint.linter.document import Document
    from virtlint.linter.engine import Linter

    linter = Linter([caps_from_text(CAPS[arch])], select=("VL7",))
    result = linter.lint_document(Document(domain(devices, machine, arch), "dom.xml"))
    assert result.internal_errors == []


def test_virtio_mmio_is_fine_on_arm_virt() -> None:
    assert found("VL704", balloon("<address type='virtio-mmio'/>"), "virt", "aarch64") == []


def test_ide_units_beyond_piix3_are_errors_on_i440fx() -> None:
    # QEMU 7.2 refuses both at start on pc (the lab's sweep: `Bus 'ide.2' not found`, `Can't create IDE unit 2`)
    for address in (drive(2), drive(0, bus=2)):
        findings = lint(domain(disk("hda", "ide", address), "pc"), CAPS["x86_64"], select=("VL700",))
        assert [f.severity.value for f in findings] == ["error"]
    assert lint(domain(disk("hda", "ide", drive(1, bus=1)), "pc"), CAPS["x86_64"], select=("VL700",)) == []


def test_oracle_cases_are_prefixed_unique_and_paired() -> None:
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent / "oracle"))
    from families import addresses

    cases = addresses.cases(False)
    ids = [c.id for c in cases]
    assert len(ids) == len(set(ids))
    assert all(i.startswith("addresses-") for i in ids)
    rules = {c.rule for c in cases if c.rule}
    assert rules == {f"VL7{n:02d}" for n in range(12)}  # every rule has a rejected case
    assert sum(c.rule is None for c in cases) >= 30  # and accepted twins


def test_a_controller_without_type_is_ide() -> None:
    """libvirt reads a type-less <controller> as IDE (virXMLPropEnum leaves 0): on pc, at 00:01.1 it is the
    built-in IDE controller, no double use (libvirt 9.0 defines it); a real second device there stays an error."""
    typeless = f"<controller index='0'>{pci(1, 1)}</controller>"
    assert found("VL701", typeless, machine="pc") == []
    assert found("VL701", f"<controller type='usb' index='0' model='piix3-uhci'>{pci(1, 1)}</controller>",
                 machine="pc") != []


CCW_ADDRESS = "<address type='ccw' cssid='0xfe' ssid='0x0' devno='0x0001'/>"
UNASSIGNED = "<address type='unassigned'/>"
VIRTIO_CHANNEL = "<channel type='pty'><target type='virtio' name='org.a.b'/>{}</channel>"
# (machine, device with an address, the message libvirt refuses it with, or None: defined). Each checked with the
# real libvirt 9.0 (virsh define): libvirt's address assignment gives a virtio channel, a USB hub and the chipset's
# own controllers an address of its own before it validates the type; the others keep theirs.
REPLACED_ADDRESSES = [
    ("q35", f"<controller type='sata' index='0'>{CCW_ADDRESS}</controller>", None),
    ("q35", f"<controller type='sata' index='0'>{UNASSIGNED}</controller>", None),
    ("pc", f"<controller type='ide' index='0'>{CCW_ADDRESS}</controller>", None),
    ("pc", f"<controller type='usb' index='0' model='piix3-uhci'>{CCW_ADDRESS}</controller>", None),
    ("pc", f"<controller type='usb' index='0'>{UNASSIGNED}</controller>", None),
    ("q35", VIRTIO_CHANNEL.format(CCW_ADDRESS), None),
    ("pc", VIRTIO_CHANNEL.format(UNASSIGNED), None),
    ("q35", f"<hub type='usb'>{CCW_ADDRESS}</hub>", None),
    ("pc", f"<hub type='usb'>{UNASSIGNED}</hub>", None),
    # their twins: not the chipset's own, not virtio, not a hub
    ("pc", f"<controller type='sata' index='0'>{CCW_ADDRESS}</controller>",
     "CCW addresses are not supported by machine type 'pc'"),
    ("pc", f"<controller type='sata' index='0'>{UNASSIGNED}</controller>",
     "address of type 'unassigned' is supported only for hostdevs"),
    ("q35", f"<controller type='usb' index='0'>{CCW_ADDRESS}</controller>",
     "CCW addresses are not supported by machine type 'q35'"),
    ("q35", f"<controller type='usb' index='0'>{UNASSIGNED}</controller>",
     "address of type 'unassigned' is supported only for hostdevs"),
    ("q35", f"<controller type='virtio-serial' index='0'>{UNASSIGNED}</controller>",
     "address of type 'unassigned' is supported only for hostdevs"),
    ("q35", f"<channel type='pty'><target type='guestfwd' address='10.0.2.1' port='4600'/>{UNASSIGNED}</channel>",
     "address of type 'unassigned' is supported only for hostdevs"),
    ("q35", f"<console type='pty'><target type='virtio'/>{CCW_ADDRESS}</console>",
     "CCW addresses are not supported by machine type 'q35'"),
    ("q35", f"<console type='pty'><target type='virtio'/>{UNASSIGNED}</console>",
     "address of type 'unassigned' is supported only for hostdevs"),
    ("q35", f"<rng model='virtio'><backend model='random'>/dev/urandom</backend>{UNASSIGNED}</rng>",
     "address of type 'unassigned' is supported only for hostdevs"),
]


@pytest.mark.parametrize("machine,device,refusal", REPLACED_ADDRESSES)
@pytest.mark.parametrize("version", [None, (9, 0)], ids=["10.7", "9.0"])
def test_an_address_libvirt_replaces_before_validating_it_is_not_judged(machine: str, device: str,
                                                                         refusal: str | None, version) -> None:
    from conftest import caps_from_text
    from virtlint.linter.document import Document
    from virtlint.linter.engine import Linter

    linter = Linter([caps_from_text(CAPS["x86_64"])], select=("VL704",), libvirt_version=version)
    findings = linter.lint_document(Document(domain(device, machine=machine), "dom.xml")).findings
    assert [f.message for f in findings] == ([refusal] if refusal else [])
