"""Refusals at start (and one at define) found by listing libvirt 10.7's qemu_command.c messages no rule gave, and
putting a case of each to the real libvirt 9.0 (define, then start paused): ports on a USB controller other than
xhci, an interface <script> or <vlan> its type cannot take, the null and vds interface types, GIC version 3 with
qemu-system-arm, uml and sd disks, (non-)transitional virtio models off PCI, xenbus and isa controllers on a PCI
machine. Each with its valid twin, which starts (null and vds were not started: they make libvirt 9.0's daemon
die)."""

from __future__ import annotations

import pytest

from conftest import lint
from test_rules_parse_checks import ARM, Q35, dom
from test_rules_parse_checks import test_parse_checks as judged_as_libvirt
from test_rules_message_audit import qemu
from virtlint.linter.model import Severity

IMG = "<driver name='qemu' type='raw'/><source file='/var/lib/libvirt/images/empty.raw'/>"
USB = "<controller type='usb' index='0'{}/>"
NET = "<interface type='{}'>{}<model type='virtio'/>{}</interface>"
MCAST = "<source address='230.0.0.1' port='5558'/>"
SCRIPT = "<script path='/etc/qemu-ifup'/>"
VLAN = "<vlan><tag id='42'/></vlan>"
DISK = "<disk type='file' device='disk'{}>" + IMG + "<target dev='{}' bus='{}'/>{}</disk>"
MMIO = "<address type='virtio-mmio'/>"


def arm(devices: str = "", extra: str = "") -> str:
    return dom(devices, extra=extra, arch="aarch64", machine="virt", dtype="qemu")


CASES = [
    # VL707: qemuValidateDomainDeviceDefControllerUSB, at start
    ("usb-ehci-ports", qemu(USB.format(" model='ehci' ports='4'")), "VL707",
     "usb controller type 'ehci' doesn't support 'ports' with this QEMU binary (libvirt refuses to start"),
    ("usb-ehci-ports-0", qemu(USB.format(" model='ehci' ports='0'")), "VL707",
     "usb controller type 'ehci' doesn't support 'ports'"),
    ("usb-uhci-ports", qemu(USB.format(" model='piix3-uhci' ports='2'"), machine="pc"), "VL707",
     "usb controller type 'piix3-uhci' doesn't support 'ports'"),
    ("usb-no-model-ports-x86", qemu(USB.format(" ports='2'")), "VL707",
     "usb controller type 'piix3-uhci' doesn't support 'ports'"),
    ("usb-qemu-xhci-ports", qemu(USB.format(" model='qemu-xhci' ports='4'")), None, ""),
    ("usb-nec-xhci-ports", qemu(USB.format(" model='nec-xhci' ports='8'")), None, ""),
    ("usb-ehci-no-ports", qemu(USB.format(" model='ehci'")), None, ""),
    ("usb-no-model-ports-aarch64", arm(USB.format(" ports='4'")), None, ""),  # (qemu-xhci there)
    ("usb-none-ports", qemu(USB.format(" model='none' ports='2'")), None, ""),
    # VL770: qemuBuildHostNetProps, at start
    ("script-user", qemu(NET.format("user", SCRIPT, "")), "VL770",
     "scripts are not supported on interfaces of type user (libvirt refuses to start"),
    ("script-mcast", qemu(NET.format("mcast", MCAST + SCRIPT, "")), "VL770",
     "scripts are not supported on interfaces of type mcast"),
    ("script-empty-path", qemu(NET.format("user", "<script path=''/>", "")), None, ""),
    ("script-no-path", qemu(NET.format("user", "<script/>", "")), None, ""),
    ("script-ethernet", qemu(NET.format("ethernet", SCRIPT, "")), None, ""),
    ("script-network", qemu(NET.format("network", "<source network='default'/>" + SCRIPT, "")), None, ""),
    ("script-hostdev", qemu("<interface type='hostdev'><source><address type='pci' domain='0' bus='1' slot='0' "
                            "function='0'/></source>" + SCRIPT + "</interface>"), None, ""),
    ("user", qemu(NET.format("user", "", "")), None, ""),
    # VL770: virDomainActualNetDefValidate, at start
    ("vlan-user", qemu(NET.format("user", "", VLAN)), "VL770",
     "interface (generated MAC) - vlan tag not supported for this connection type (libvirt refuses to start"),
    ("vlan-user-mac", qemu(NET.format("user", "<mac address='52:54:00:12:34:56'/>", VLAN)), "VL770",
     "interface 52:54:00:12:34:56 - vlan tag not supported"),
    ("vlan-ethernet", qemu(NET.format("ethernet", "", VLAN)), "VL770", "vlan tag not supported"),
    ("vlan-mcast", qemu(NET.format("mcast", MCAST, VLAN)), "VL770", "vlan tag not supported"),
    ("vlan-direct-vepa", qemu(NET.format("direct", "<source dev='eth0'/>", VLAN)), "VL770", "vlan tag not supported"),
    ("vlan-bridge", qemu(NET.format("bridge", "<source bridge='br0'/>", VLAN)), "VL770", "vlan tag not supported"),
    ("vlan-bridge-midonet", qemu(NET.format("bridge", "<source bridge='br0'/><virtualport type='midonet'><parameters "
                                            "interfaceid='09b11c53-8b5c-4eeb-8f00-d84eaa0aaa4f'/></virtualport>",
                                            VLAN)), "VL770", "vlan tag not supported"),
    ("vlan-direct-passthrough", qemu(NET.format("direct", "<source dev='eth0' mode='passthrough'/>", VLAN)), None, ""),
    ("vlan-bridge-openvswitch", qemu(NET.format("bridge", "<source bridge='ovsbr0'/><virtualport type='openvswitch'/>",
                                                VLAN)), None, ""),
    ("vlan-hostdev", qemu("<interface type='hostdev'><source><address type='pci' domain='0' bus='1' slot='0' "
                          "function='0'/></source>" + VLAN + "</interface>"), None, ""),
    ("vlan-network", qemu(NET.format("network", "<source network='default'/>", VLAN)), None, ""),
    # VL770: qemuBuildHostNetProps (libvirt 9.0's daemon dies at this start: never started on the lab)
    ("type-null", qemu(NET.format("null", "", "")), "VL770",
     "network device type 'null' is not supported by this hypervisor (libvirt refuses to start"),
    ("type-vds", qemu(NET.format("vds", "<source switchid='12345678-1234-1234-1234-123456789abc' portid='1' "
                                        "portgroupid='2' connectionid='3'/>", "")), "VL770",
     "network device type 'vds' is not supported by this hypervisor"),
    # VL751: qemuBuildDiskDeviceProps (uml), QEMU's drive_check_orphaned (sd), at start
    ("disk-uml", qemu(DISK.format("", "ubda", "uml", "")), "VL751",
     "unsupported disk bus 'uml' with device setup (libvirt refuses to start"),
    ("disk-sd-q35", qemu(DISK.format("", "sdb", "sd", "")), "VL751",
     "machine type does not support if=sd,bus=0,unit=1 (QEMU refuses to start"),
    ("disk-sd-pc", qemu(DISK.format("", "sda", "sd", ""), machine="pc"), "VL751",
     "machine type does not support if=sd,bus=0,unit=0"),
    ("disk-sd-aarch64-virt", arm(DISK.format("", "sda", "sd", "")), "VL751",
     "machine type does not support if=sd,bus=0,unit=0"),
    ("disk-sd-vexpress", dom(DISK.format("", "sda", "sd", ""), arch="armv7l", machine="vexpress-a9", dtype="qemu"),
     None, ""),
    ("disk-virtio", qemu(DISK.format("", "vda", "virtio", "")), None, ""),
    # VL803: qemuBuildVirtioDevGetConfig, then QEMU, at start
    ("transitional-disk-mmio", arm(DISK.format(" model='virtio-transitional'", "vda", "virtio", MMIO)), "VL803",
     "virtio (non-)transitional models are not supported for address type=virtio-mmio (QEMU refuses to start"),
    ("non-transitional-disk-mmio", arm(DISK.format(" model='virtio-non-transitional'", "vda", "virtio", MMIO)),
     "VL803", "virtio (non-)transitional models are not supported for address type=virtio-mmio"),
    ("transitional-net-mmio", arm("<interface type='user'><model type='virtio-transitional'/>" + MMIO
                                  + "</interface>"), "VL803", "not supported for address type=virtio-mmio"),
    ("transitional-rng-mmio", arm("<rng model='virtio-transitional'><backend model='random'>/dev/urandom</backend>"
                                  + MMIO + "</rng>"), "VL803", "not supported for address type=virtio-mmio"),
    ("transitional-balloon-mmio", arm("<memballoon model='virtio-transitional'>" + MMIO + "</memballoon>"), "VL803",
     "not supported for address type=virtio-mmio"),
    ("transitional-scsi-mmio", arm("<controller type='scsi' index='0' model='virtio-transitional'>" + MMIO
                                   + "</controller>"), "VL803", "not supported for address type=virtio-mmio"),
    ("non-transitional-serial-mmio", arm("<controller type='virtio-serial' index='0' model='virtio-non-transitional'>"
                                         + MMIO + "</controller>"), "VL803", "not supported for address type"),
    ("non-transitional-disk-pci", arm(DISK.format(" model='virtio-non-transitional'", "vda", "virtio", "")), None, ""),
    ("virtio-disk-mmio", arm(DISK.format(" model='virtio'", "vda", "virtio", MMIO)), None, ""),
    ("virtio-net-mmio", arm("<interface type='user'><model type='virtio'/>" + MMIO + "</interface>"), None, ""),
    ("virtio-rng-mmio", arm("<rng model='virtio'><backend model='random'>/dev/urandom</backend>" + MMIO + "</rng>"),
     None, ""),
    # VL794: qemuDomainAssignDevicePCISlots, at define
    ("xenbus-q35", qemu("<controller type='xenbus' index='0'/>"), "VL794",
     "Cannot automatically add a new PCI bus for a device with connect flags 00"),
    ("isa-q35", qemu("<controller type='isa' index='0'/>"), "VL794", "connect flags 00"),
    ("xenbus-pc", qemu("<controller type='xenbus' index='0'/>", machine="pc"), "VL794", "connect flags 00"),
    ("xenbus-aarch64-virt", arm("<controller type='xenbus' index='0'/>"), "VL794", "connect flags 00"),
    ("xenbus-on-xen", dom("<controller type='xenbus' index='0'/>", dtype="xen", machine="xenfv"), None, ""),
    ("plain-q35", qemu(), None, ""),
]


@pytest.mark.parametrize(("xml", "code", "fragment"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_found_by_the_start_audit_of_devices(xml: str, code: str | None, fragment: str) -> None:
    judged_as_libvirt(xml, code, fragment)


def gic(version: str, emulator: str = "", arch: str = "armv7l") -> str:
    devices = f"<emulator>{emulator}</emulator>" if emulator else ""
    return dom(devices, extra=f"<features><gic version='{version}'/></features>", arch=arch, machine="virt",
               dtype="qemu")


def host(host_arch: str, armv7l_emulator: str) -> str:
    return (f"<capabilities><host><cpu><arch>{host_arch}</arch></cpu></host>"
            "<guest><os_type>hvm</os_type><arch name='armv7l'><wordsize>32</wordsize>"
            f"<emulator>{armv7l_emulator}</emulator><machine>virt</machine><domain type='qemu'/></arch></guest>"
            "<guest><os_type>hvm</os_type><arch name='aarch64'><wordsize>64</wordsize>"
            "<emulator>/usr/bin/qemu-system-aarch64</emulator><machine>virt</machine><domain type='qemu'/></arch>"
            "</guest></capabilities>")


X86_HOST = host("x86_64", "/usr/bin/qemu-system-arm")
ARM_HOST = host("aarch64", "/usr/bin/qemu-system-aarch64")
GIC_MESSAGE = "gic-version option is not available with this QEMU binary (libvirt refuses to start the domain)"


@pytest.mark.parametrize(("xml", "caps", "refused"), [
    (gic("3", "/usr/bin/qemu-system-arm"), (Q35,), True),
    (gic("host", "/usr/bin/qemu-system-arm"), (Q35,), True),
    (gic("2", "/usr/bin/qemu-system-arm"), (Q35,), False),  # (version 2 is let through: no option needed)
    (gic("3", "/usr/bin/qemu-system-aarch64"), (Q35,), False),  # (started on libvirt 9.0)
    (gic("3"), (Q35,), False),  # (no binary known: not judged)
    (gic("3"), (Q35, X86_HOST), True),  # (the host runs armv7l guests with qemu-system-arm)
    (gic("3"), (Q35, ARM_HOST), False),  # (an aarch64 host runs them with qemu-system-aarch64)
    (gic("3", arch="aarch64"), (X86_HOST, ARM), False),
], ids=["arm-3", "arm-host", "arm-2", "aarch64-binary-3", "unknown-binary", "x86-host", "aarch64-host",
        "aarch64-guest"])
def test_gic_version_needs_qemu_system_aarch64(xml: str, caps: tuple[str, ...], refused: bool) -> None:
    """qemuBuildMachineCommandLine: gic-version= is qemu-system-aarch64's option; the binary is the domain's
    <emulator>, else the one the host names for the arch (checked on libvirt 9.0 with an x86 host)."""
    messages = [f.message for f in lint(xml, *caps) if f.code == "VL404" and f.severity is Severity.ERROR]
    assert messages == ([GIC_MESSAGE] if refused else []), messages
