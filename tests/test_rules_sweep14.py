"""Refusals found by the fourteenth round of sweeps past the real libvirt 9.0 and QEMU 7.2 (less-swept devices):
an ISA irq of 0x10 or more on the sb16 sound card and the ne2k_isa NIC (QEMU's ISA bus has 16), and a PCI address
on a device QEMU does not put on PCI, on every PCI machine (QEMU names the bus's type: PCI or PCIE); each with the
twins the lab started."""

from __future__ import annotations

import pytest

from virtlint.linter.caps import DomainCaps
from virtlint.linter.document import Document
from virtlint.linter.engine import Linter
from virtlint.linter.model import Severity

CAPS = {machine: f"<domainCapabilities><domain>qemu</domain><machine>{machine}</machine><arch>x86_64</arch>"
                 "</domainCapabilities>" for machine in ("pc-q35-7.2", "pc-i440fx-7.2")}
PCI = "<address type='pci' domain='0' bus='{bus}' slot='9' function='0'/>"
ISA = "<address type='isa' iobase='{iobase}' irq='{irq}'/>"
TPM = "<tpm model='{}'><backend type='emulator' version='2.0'/>{}</tpm>"
BRIDGE = "<controller type='pci' index='1' model='pci-bridge'/>"


def errors(devices: str, machine: str = "pc") -> list[tuple[str, str]]:
    xml = (f"<domain type='qemu'><name>t</name><memory unit='MiB'>128</memory><vcpu>1</vcpu><os><type arch='x86_64' "
           f"machine='{machine}'>hvm</type></os><devices><emulator>/usr/bin/qemu-system-x86_64</emulator>{devices}"
           "</devices></domain>")
    caps = CAPS["pc-q35-7.2" if machine == "q35" else "pc-i440fx-7.2"]
    linter = Linter([DomainCaps(Document(caps, "caps.xml"))], libvirt_version=(9, 0))
    return [(f.code, f.message) for f in linter.lint_document(Document(xml, "d.xml")).findings
            if f.severity is Severity.ERROR]


@pytest.mark.parametrize(("devices", "machine", "refused"), [
    (f"<sound model='sb16'>{PCI.format(bus=0)}</sound>", "pc", "Device 'sb16' can't go on PCI bus"),
    (f"<sound model='sb16'>{PCI.format(bus=0)}</sound>", "q35", "Device 'sb16' can't go on PCIE bus"),
    (BRIDGE + f"<sound model='sb16'>{PCI.format(bus=1)}</sound>", "pc", "Device 'sb16' can't go on PCI bus"),
    (TPM.format("tpm-tis", PCI.format(bus=0)), "pc", "Device 'tpm-tis' can't go on PCI bus"),
    (TPM.format("tpm-crb", PCI.format(bus=0)), "pc", "Device 'tpm-crb' can't go on PCI bus"),
    (f"<sound model='usb'>{PCI.format(bus=0)}</sound>", "pc", "Device 'usb-audio' can't go on PCI bus"),
    (f"<controller type='ccid' index='0'>{PCI.format(bus=0)}</controller>", "pc",
     "Device 'usb-ccid' can't go on PCI bus"),
    # the twins the lab started
    (f"<sound model='es1370'>{PCI.format(bus=0)}</sound>", "pc", None),
    (BRIDGE + f"<sound model='es1370'>{PCI.format(bus=1)}</sound>", "pc", None),
    (TPM.format("tpm-tis", ""), "pc", None),
    ("<sound model='usb'/>", "pc", None),
    ("<controller type='ccid' index='0'/>", "pc", None),
    (f"<sound model='sb16'>{ISA.format(iobase='0x220', irq='5')}</sound>", "pc", None),
])
def test_pci_address_on_a_device_qemu_keeps_off_pci(devices: str, machine: str, refused: str | None) -> None:
    found = [m for c, m in errors(devices, machine) if c == "VL704"]
    assert found == ([refused + " (QEMU refuses to start the domain)"] if refused else [])


@pytest.mark.parametrize(("devices", "refused"), [
    (f"<sound model='sb16'>{ISA.format(iobase='0x220', irq='10')}</sound>", True),  # (hexadecimal: 16)
    (f"<sound model='sb16'>{ISA.format(iobase='0x220', irq='0x10')}</sound>", True),
    (f"<sound model='sb16'>{ISA.format(iobase='0x220', irq='16')}</sound>", True),
    (f"<sound model='sb16'>{ISA.format(iobase='0x220', irq='f')}</sound>", False),
    (f"<sound model='sb16'>{ISA.format(iobase='0x220', irq='0xf')}</sound>", False),
    (f"<sound model='sb16'>{ISA.format(iobase='0x220', irq='0')}</sound>", False),  # (0: not passed)
    ("<interface type='user'><model type='ne2k_isa'/>" + ISA.format(iobase='0x300', irq='10') + "</interface>", True),
    ("<interface type='user'><model type='ne2k_isa'/>" + ISA.format(iobase='0x300', irq='f') + "</interface>", False),
])
def test_isa_irq_of_isa_devices(devices: str, refused: bool) -> None:
    found = [m for c, m in errors(devices) if "isa_get_irq" in m]
    assert found == (["isa_get_irq: Assertion 'isairq < ISA_NUM_IRQS' failed (QEMU refuses to start the domain)"]
                     if refused else [])


@pytest.mark.parametrize(("devices", "refused"), [
    ("<input type='evdev'><source dev=''/></input>", True),
    ("<input type='passthrough' bus='virtio'><source evdev=''/></input>", True),
    ("<input type='evdev'><source dev='/dev/input/event0'/></input>", False),  # (a host's file: not judged)
])
def test_input_with_an_empty_host_path(devices: str, refused: bool) -> None:
    found = [m for c, m in errors(devices) if c == "VL793"]
    assert found == (["Path '' is not accessible: No such file or directory (libvirt refuses to start the domain)"]
                     if refused else [])


@pytest.mark.parametrize(("bits", "message"), [
    ("2147483648", "Invalid value for attribute 'aw_bits' in element 'driver': '-2147483648'. Expected non-negative "
                   "integer value (libvirt refuses to start the domain)"),
    ("4294967295", "Invalid value for attribute 'aw_bits' in element 'driver': '-1'. Expected non-negative integer "
                   "value (libvirt refuses to start the domain)"),
    ("2147483647", "Parameter 'aw-bits' expects uint8_t (QEMU refuses to start the domain)"),
    ("64", "Supported values for aw-bits are: 39, 48 (QEMU refuses to start the domain)"),
    ("48", None),
])
def test_intel_iommu_aw_bits_beyond_int(bits: str, message: str | None) -> None:
    # the lab (9.0): libvirt formats aw_bits with %d and refuses its own copy at start
    iommu = f"<iommu model='intel'><driver aw_bits='{bits}'/></iommu>"
    found = [m for c, m in errors(iommu, "q35") if c == "VL792"]
    assert found == ([message] if message else [])
