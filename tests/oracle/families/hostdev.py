"""Host device checks found by probing libvirt 9.0 (misses-F, section 1b): PCI source addresses, disabled ROM
tuning, ROM and ACPI index settings off PCI, teaming, startupPolicy, writeFiltering, model, unfiltered sgio, SCSI
and USB source addresses, iSCSI sources, s390x-only mdev models, an <interface type='hostdev'>'s source (VL789).
libvirt refuses all of them at define.
Their accepted twins need what this host lacks to start (an IOMMU for PCI host devices, host USB and SCSI devices
(no /sys/bus/usb here, so even an optional USB device fails), an iSCSI target, mediated devices):
tests/test_rules_hostdev.py has those twins, and each was checked to define with libvirt 9.0."""

from __future__ import annotations

from cases import Case, case_maker

PCI_SOURCE = "<address domain='0x0000' bus='0x00' slot='0x1f' function='0x3'/>"
USB_SOURCE = "<vendor id='0x1234'/><product id='0xbeef'/>"
ADAPTER = "<adapter name='scsi_host0'/><address bus='0' target='0' unit='0'/>"
ISCSI = "protocol='iscsi' name='iqn.2014-08.com.example:iscsi-pool/1'"
HOST = "<host name='example.org' port='3260'/>"


def _hostdev(kind: str, source: str, attrs: str = "", source_attrs: str = "", inner: str = "") -> str:
    controller = "<controller type='scsi' model='virtio-scsi'/>" if kind == "scsi" else ""
    return (f"{controller}<hostdev mode='subsystem' type='{kind}'{attrs}><source{source_attrs}>{source}</source>"
            f"{inner}</hostdev>")


def cases(kvm: bool) -> list[Case]:
    q35 = case_maker("hostdev-q35")

    def pci(name: str, source: str = PCI_SOURCE, **parts: str) -> Case:
        return q35(f"pci-{name}", "VL789", devices=_hostdev("pci", source, **parts))

    def usb(name: str, source: str = USB_SOURCE, **parts: str) -> Case:
        return q35(f"usb-{name}", "VL789", devices=_hostdev("usb", source, **parts))

    def scsi(name: str, source: str = ADAPTER, **parts: str) -> Case:
        return q35(f"scsi-{name}", "VL789", devices=_hostdev("scsi", source, **parts))

    net = "<interface type='hostdev' managed='yes'><source>{}</source></interface>"
    mdev = ("<hostdev mode='subsystem' type='mdev' model='{}'><source>"
            "<address uuid='c2177883-f1bb-47f0-914d-32a22e3a8804'/></source></hostdev>")
    return [
        pci("function-8", source=PCI_SOURCE.replace("function='0x3'", "function='0x8'")),
        pci("slot-0x20", source=PCI_SOURCE.replace("slot='0x1f'", "slot='0x20'")),
        pci("bus-text", source=PCI_SOURCE.replace("bus='0x00'", "bus='zz'")),
        pci("rom-disabled-file", inner="<rom enabled='no' file='/tmp/x.rom'/>"),
        pci("teaming-persistent", inner="<teaming type='persistent'/>"),
        pci("teaming-no-persistent", inner="<teaming type='transient'/>"),
        pci("startup-policy", source_attrs=" startupPolicy='optional'"),
        pci("write-filtering", source_attrs=" writeFiltering='no'"),
        pci("model", attrs=" model='vfio-pci'"),
        usb("rom", inner="<rom bar='on'/>"),
        usb("acpi-index", inner="<acpi index='3'/>"),
        usb("teaming", inner="<teaming type='transient' persistent='ua-net0'/>"),
        usb("address-no-device", source="<address bus='1'/>"),
        usb("address-bus-text", source="<address bus='one' device='2'/>"),
        scsi("sgio-unfiltered", attrs=" sgio='unfiltered'"),
        scsi("rom", inner="<rom file='/tmp/x.rom'/>"),
        scsi("address-no-target", source="<adapter name='scsi_host0'/><address bus='0' unit='0'/>"),
        scsi("address-unit-text", source="<adapter name='scsi_host0'/><address bus='0' target='0' unit='x'/>"),
        scsi("iscsi-no-host", source_attrs=f" {ISCSI}", source=""),
        scsi("iscsi-no-name", source_attrs=" protocol='iscsi'", source=HOST),
        scsi("iscsi-two-hosts", source_attrs=f" {ISCSI}", source=HOST + HOST),
        scsi("iscsi-auth-no-secret", source_attrs=f" {ISCSI}", source=HOST + "<auth username='u'/>"),
        scsi("iscsi-auth-ceph", source_attrs=f" {ISCSI}",
             source=HOST + "<auth username='u'><secret type='ceph' usage='x'/></auth>"),
        q35("mdev-ccw-x86", "VL789", devices=mdev.format("vfio-ccw")),
        q35("mdev-ap-x86", "VL789", devices=mdev.format("vfio-ap")),
        # <interface type='hostdev'>: its source address's type is the host device's
        q35("interface-address-type-bogus", "VL789", devices=net.format(PCI_SOURCE.replace("<address ",
                                                                                           "<address type='bogus' "))),
        q35("interface-no-address-type", "VL789", devices=net.format("")),
        q35("interface-pci-bus-not-a-number", "VL789", devices=net.format(
            PCI_SOURCE.replace("<address ", "<address type='pci' ").replace("bus='0x00'", "bus='x'"))),
        q35("interface-usb-vendor-only", "VL789", devices=net.format("<vendor id='0x1234'/>")),
    ]
