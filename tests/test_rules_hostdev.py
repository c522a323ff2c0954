"""Host device checks found by probing libvirt 9.0 (VL789, and VL766's PCI display by release): each failing case
with its valid twin."""

from __future__ import annotations

import pytest

from conftest import caps_from_text, lint
from virtlint.linter.document import Document
from virtlint.linter.engine import Linter
from virtlint.linter.model import Severity

Q35 = "<domainCapabilities><domain>kvm</domain><machine>pc-q35-9.1</machine><arch>x86_64</arch></domainCapabilities>"
S390 = ("<domainCapabilities><domain>kvm</domain><machine>s390-ccw-virtio-9.1</machine><arch>s390x</arch>"
        "</domainCapabilities>")


NET = "<interface type='hostdev' managed='yes'><source>{}</source></interface>"
PCI_SOURCE = "<address type='pci' domain='0x0000' bus='{bus}' slot='0x00' function='0x0'/>"


def dom(devices: str, arch: str = "x86_64", machine: str = "q35") -> str:
    return (f"<domain type='kvm'><name>t</name><memory>262144</memory><vcpu>1</vcpu>"
            f"<os><type arch='{arch}' machine='{machine}'>hvm</type></os><devices>{devices}</devices></domain>")


def pci(attrs: str = "", source: str = "", bus: str = "0x00", slot: str = "0x1f", function: str = "0x3",
        inner: str = "") -> str:
    return (f"<hostdev mode='subsystem' type='pci' managed='yes'{attrs}><source{source}><address domain='0x0000' "
            f"bus='{bus}' slot='{slot}' function='{function}'/></source>{inner}</hostdev>")


def usb(attrs: str = "", source: str = "", src: str = "<vendor id='0x1234'/><product id='0xbeef'/>",
        inner: str = "") -> str:
    return f"<hostdev mode='subsystem' type='usb'{attrs}><source{source}>{src}</source>{inner}</hostdev>"


ADAPTER = "<adapter name='scsi_host0'/><address bus='0' target='0' unit='0'/>"


def scsi(attrs: str = "", source: str = "", src: str = ADAPTER, inner: str = "") -> str:
    return ("<controller type='scsi' model='virtio-scsi'/>"
            f"<hostdev mode='subsystem' type='scsi'{attrs}><source{source}>{src}</source>{inner}</hostdev>")


HOST = "<host name='example.org' port='3260'/>"


def iscsi(src: str, name: str = " name='iqn.2014-08.com.example:iscsi-pool/1'") -> str:
    return scsi(source=f" protocol='iscsi'{name}", src=src)


def mdev(model: str) -> str:
    return (f"<hostdev mode='subsystem' type='mdev' model='{model}'><source>"
            "<address uuid='c2177883-f1bb-47f0-914d-32a22e3a8804'/></source></hostdev>")


CASES = [
    # PCI source addresses (virPCIDeviceAddressParseXML)
    ("pci-function-8", dom(pci(function="0x8")), "Invalid PCI address function=0x8, must be <= 7"),
    ("pci-slot-0x20", dom(pci(slot="0x20")), "Invalid PCI address slot='0x20', must be <= 0x1F"),
    ("pci-bus-0x100", dom(pci(bus="0x100")), "Invalid PCI address bus='0x100', must be <= 0xFF"),
    ("pci-bus-text", dom(pci(bus="zz")), "Invalid value for attribute 'bus' in element 'address': 'zz'. Expected "
     "non-negative integer value"),
    ("pci-bus-trailing-blank", dom(pci(bus="0x00 ")), "'0x00 '. Expected non-negative integer value"),
    ("pci-bus-08", dom(pci(bus="08")), "'08'. Expected non-negative integer value"),
    ("pci-bus-octal", dom(pci(bus="010")), None),
    ("pci-empty-function-8", dom(pci(bus="0", slot="0", function="8")), None),  # an empty address is not checked
    ("pci-domain-big", dom(pci().replace("domain='0x0000'", "domain='0x10000'")), None),
    ("pci-address", dom(pci()), None),
    # <rom>
    ("rom-disabled-file", dom(pci(inner="<rom enabled='no' file='/tmp/x.rom'/>")),
     "ROM tuning is not supported when ROM is disabled"),
    ("rom-disabled-bar", dom(pci(inner="<rom enabled='no' bar='off'/>")),
     "ROM tuning is not supported when ROM is disabled"),
    ("rom-disabled", dom(pci(inner="<rom enabled='no'/>")), None),
    ("rom-usb", dom(usb(inner="<rom bar='on'/>")), "ROM tuning is only supported for PCI devices"),
    ("rom-scsi", dom(scsi(inner="<rom file='/tmp/x'/>")), "ROM tuning is only supported for PCI devices"),
    ("rom-pci-unassigned", dom(pci(inner="<rom bar='off'/><address type='unassigned'/>")), None),
    ("usb", dom(usb()), None),
    # <acpi index>
    ("acpi-usb", dom(usb(inner="<acpi index='3'/>")), "ACPI index is only supported for PCI devices"),
    ("acpi-pci-unassigned", dom(pci(inner="<acpi index='3'/><address type='unassigned'/>")),
     "ACPI index is only supported for PCI devices"),
    ("acpi-pci", dom(pci(inner="<acpi index='3'/>")), None),
    # <teaming>
    ("teaming-persistent", dom(pci(inner="<teaming type='persistent'/>")),
     "teaming hostdev devices must have type='transient'"),
    ("teaming-no-persistent", dom(pci(inner="<teaming type='transient'/>")),
     "missing required persistent attribute in hostdev teaming element"),
    ("teaming-empty-persistent", dom(pci(inner="<teaming type='transient' persistent=''/>")),
     "missing required persistent attribute in hostdev teaming element"),
    ("teaming-usb", dom(usb(inner="<teaming type='transient' persistent='ua-net0'/>")),
     "teaming is only supported for pci hostdev devices"),
    ("teaming-pci", dom(pci(inner="<teaming type='transient' persistent='ua-net0'/>")), None),
    # attributes of other types
    ("startup-policy-pci", dom(pci(source=" startupPolicy='optional'")),
     "Setting startupPolicy is only allowed for USB devices"),
    ("startup-policy-usb", dom(usb(source=" startupPolicy='optional'")), None),
    ("write-filtering", dom(pci(source=" writeFiltering='no'")),
     "Write filtering of PCI device configuration space is not supported by qemu"),
    ("model-pci", dom(pci(attrs=" model='vfio-pci'")),
     "'model' attribute in <hostdev> is only supported when type='pci'"),
    ("model-usb", dom(usb(attrs=" model='x'")), "'model' attribute in <hostdev> is only supported when type='usb'"),
    ("sgio-unfiltered", dom(scsi(attrs=" sgio='unfiltered'")), "unfiltered sgio is no longer supported"),
    ("sgio-filtered", dom(scsi(attrs=" sgio='filtered'")), None),
    # SCSI and USB source addresses
    ("scsi-no-target", dom(scsi(src="<adapter name='scsi_host0'/><address bus='0' unit='0'/>")),
     "Missing required attribute 'target' in element 'address'"),
    ("scsi-unit-text", dom(scsi(src="<adapter name='scsi_host0'/><address bus='0' target='0' unit='x'/>")),
     "Invalid value for attribute 'unit' in element 'address': 'x'. Expected non-negative integer value"),
    ("scsi-unit-64-bit", dom(scsi(src="<adapter name='scsi_host0'/><address bus='0' target='0' "
                                      "unit='0x100000000'/>")), None),
    ("scsi-bus-33-bit", dom(scsi(src="<adapter name='scsi_host0'/><address bus='0x100000000' target='0' "
                                     "unit='0'/>")), "Invalid value for attribute 'bus' in element 'address'"),
    ("scsi", dom(scsi()), None),
    ("usb-no-device", dom(usb(src="<address bus='1'/>")), "Missing required attribute 'device' in element 'address'"),
    ("usb-bus-text", dom(usb(src="<address bus='one' device='2'/>")),
     "Invalid value for attribute 'bus' in element 'address': 'one'. Expected non-negative integer value"),
    ("usb-address", dom(usb(src="<address bus='1' device='2'/>")), None),
    # iSCSI sources
    ("iscsi-no-host", dom(iscsi("")), "missing the host address for the iSCSI hostdev"),
    ("iscsi-no-name", dom(iscsi(HOST, name="")), "missing iSCSI hostdev source path name"),
    ("iscsi-two-hosts", dom(iscsi(HOST + HOST)),
     "only one source host address may be specified for the iSCSI hostdev"),
    ("iscsi-host-no-name", dom(iscsi("<host port='3260'/>")), "missing name for host"),
    ("iscsi", dom(iscsi(HOST)), None),
    ("iscsi-auth-no-secret", dom(iscsi(HOST + "<auth username='u'/>")), "Missing <secret> element in auth"),
    ("iscsi-auth-ceph", dom(iscsi(HOST + "<auth username='u'><secret type='ceph' usage='x'/></auth>")),
     "hostdev invalid secret type 'ceph'"),
    ("iscsi-auth-bogus", dom(iscsi(HOST + "<auth username='u'><secret type='bogus' usage='x'/></auth>")),
     "invalid secret type bogus"),
    ("iscsi-auth-no-type", dom(iscsi(HOST + "<auth username='u'><secret usage='x'/></auth>")),
     "invalid secret type (null)"),
    ("iscsi-auth", dom(iscsi(HOST + "<auth username='u'><secret type='iscsi' usage='x'/></auth>")), None),
    # s390x-only mdev models
    ("mdev-ccw-x86", dom(mdev("vfio-ccw")), "VFIO CCW device assignment is not supported by this version of QEMU"),
    ("mdev-ap-x86", dom(mdev("vfio-ap")), "VFIO AP device assignment is not supported by this version of QEMU"),
    ("mdev-ccw-s390", dom(mdev("vfio-ccw"), arch="s390x", machine="s390-ccw-virtio"), None),
    ("mdev-pci-x86", dom(mdev("vfio-pci")), None),
    ("mdev-two-ap-s390", dom(mdev("vfio-ap") + mdev("vfio-ap").replace("c2177883", "d2177883"), arch="s390x",
                             machine="s390-ccw-virtio"), "Only one hostdev of model vfio-ap is supported"),
    ("mdev-one-ap-s390", dom(mdev("vfio-ap") + mdev("vfio-ccw").replace("c2177883", "d2177883"), arch="s390x",
                             machine="s390-ccw-virtio"), None),
    # <interface type='hostdev'>: a host device whose type is its source address's (each checked on libvirt 9.0)
    ("iface-address-type-bogus", dom(NET.format("<address type='bogus' domain='0x0000' bus='0x01' slot='0x00' "
                                                "function='0x0'/>")), "unknown host device source address type 'bogus'"),
    ("iface-no-address", dom(NET.format("")), "unknown host device source address type '(null)'"),
    ("iface-no-source", dom("<interface type='hostdev'/>"), "unknown host device source address type '(null)'"),
    ("iface-pci-bus-range", dom(NET.format(PCI_SOURCE.format(bus="0x100"))), "Invalid PCI address bus='0x100'"),
    ("iface-pci-bus-not-a-number", dom(NET.format(PCI_SOURCE.format(bus="x"))),
     "Invalid value for attribute 'bus' in element 'address': 'x'"),
    ("iface-pci", dom(NET.format(PCI_SOURCE.format(bus="0x01"))), None),
    ("iface-usb-vendor-only", dom(NET.format("<vendor id='0x1234'/>")), "missing product"),
    ("iface-usb", dom(NET.format("<vendor id='0x1234'/><product id='0xbeef'/>")), None),
    ("iface-network", dom("<interface type='network'><source network='default'/></interface>"), None),
]


@pytest.mark.parametrize(("xml", "fragment"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_hostdev_checks(xml: str, fragment: str | None) -> None:
    findings = lint(xml, S390 if "s390x" in xml else Q35, select=("VL789",))
    mine = [f.message for f in findings if f.code == "VL789" and f.severity is Severity.ERROR]
    if fragment is None:
        assert mine == []
    else:
        assert len(mine) == 1 and fragment in mine[0], mine


def _vl766(xml: str, version: tuple[int, int]) -> list[str]:
    linter = Linter([caps_from_text(Q35, "caps.xml")], select=("VL766",), libvirt_version=version)
    return [f.message for f in linter.lint_document(Document(xml, "dom.xml")).findings]


@pytest.mark.parametrize("version", [(9, 0), (9, 8), (10, 4), (10, 7)])
def test_pci_display_needs_graphics_from_10_4(version: tuple[int, int]) -> None:
    """libvirt reads display= on a PCI host device from 10.4; 9.0 (checked) and 9.8 ignore it."""
    found = _vl766(dom(pci(attrs=" display='on'")), version)
    if version >= (10, 4):
        assert found == ["graphics device is needed for attribute value 'display=on' in <hostdev>"]
    else:
        assert found == []
    assert _vl766(dom(pci(attrs=" display='on'") + "<graphics type='vnc'/>"), version) == []


@pytest.mark.parametrize("version", [(9, 0), (10, 7)])
def test_mdev_display_needs_graphics_in_every_release(version: tuple[int, int]) -> None:
    xml = dom(mdev("vfio-pci").replace("model='vfio-pci'", "model='vfio-pci' display='on'"))
    assert _vl766(xml, version) == ["graphics device is needed for attribute value 'display=on' in <hostdev>"]


@pytest.mark.parametrize("version", [(9, 0), (10, 7)])
def test_two_pci_ramfb_only_counted_from_10_4(version: tuple[int, int]) -> None:
    xml = dom("<graphics type='vnc'/>" + pci(attrs=" ramfb='on'") + pci(attrs=" ramfb='on'", slot="0x1e"))
    assert bool(_vl766(xml, version)) is (version >= (10, 4))
