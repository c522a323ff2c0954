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
    ("pc", balloon(pci(1, 1)), None),  # no IDE controller or disk: 00:01.1 stays free
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
    ("q35", nic(pci(2, bus=5)), None),  # bus 5 has no controller in the document: libvirt adds one
    ("pc", "<controller type='ide' index='0'>" + pci(3) + "</controller>",
     "Primary IDE controller must have PCI address 0:0:1.1"),
    ("q35", "<controller type='sata' index='0'>" + pci(3) + "</controller>",
     "Primary SATA controller must have PCI address 0:0:1f.2"),
    ("q35", "<controller type='sata' index='1'>" + pci(3) + "</controller>", None),
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
