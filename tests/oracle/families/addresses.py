"""Addresses and controllers (VL700-VL711): each libvirt refusal next to an accepted twin.

Only x86_64 and aarch64 emulators exist where the oracle runs, so the s390 (CCW, zPCI) and pSeries
(spapr-vio, PHB target index) checks are covered by the unit tests alone; so are the `pvpanic` panic and
`itco` watchdog models, which the libvirt 9.0 here does not know yet ("unknown panic model").
"""

from __future__ import annotations

from cases import Case, disk

PREFIX = "addresses"


CCW = "<address type='ccw' cssid='0xfe' ssid='0x0' devno='0x0001'/>"
VIRTIO_SERIAL_PORT = "<address type='virtio-serial' controller='0' bus='0' port='1'/>"


def _pci(slot: int, function: int = 0, bus: int = 0) -> str:
    return f"<address type='pci' domain='0x0000' bus='{bus:#04x}' slot='{slot:#04x}' function='{function:#x}'/>"


def _balloon(address: str) -> str:
    return f"<memballoon model='virtio'>{address}</memballoon>"


def _nic(address: str) -> str:
    return f"<interface type='user'><model type='virtio'/>{address}</interface>"


def _drive(unit: int, controller: int = 0, bus: int = 0, target: int = 0) -> str:
    return f"<address type='drive' controller='{controller}' bus='{bus}' target='{target}' unit='{unit}'/>"


def _disk(dev: str, bus: str, address: str) -> str:
    return disk(dev, bus).replace("</disk>", address + "</disk>")


def _cdrom(dev: str, address: str, bus: str = "scsi") -> str:
    return f"<disk type='file' device='cdrom'><target dev='{dev}' bus='{bus}'/><readonly/>{address}</disk>"


def _tablet(port: str, bus: int = 0) -> str:
    return f"<input type='tablet' bus='usb'><address type='usb' bus='{bus}' port='{port}'/></input>"


def _hub(port: str) -> str:
    return f"<hub type='usb'><address type='usb' bus='0' port='{port}'/></hub>"


def _channel(name: str, port: int) -> str:
    return (f"<channel type='pty'><target type='virtio' name='{name}'/>"
            f"<address type='virtio-serial' controller='0' bus='0' port='{port}'/></channel>")


SCSI = "<controller type='scsi' index='0' model='virtio-scsi'/>"
NUMA = "<cpu><numa><cell id='0' cpus='0' memory='131072' unit='KiB'/></numa></cpu>"


def cases(kvm: bool) -> list[Case]:
    def case(name: str, machine: str, rule: str | None, devices: str, after: str = "") -> Case:
        return Case(f"{PREFIX}-{name}", "qemu", "x86_64", machine, rule, devices=devices, after=after)

    def arm(name: str, rule: str | None, devices: str) -> Case:
        return Case(f"{PREFIX}-{name}", "qemu", "aarch64", "virt", rule, devices=devices)

    return [
        # VL701 pci-address-conflict
        case("pci-double-use", "q35", "VL701", _nic(_pci(3)) + _balloon(_pci(3))),
        case("pci-double-use-ok", "q35", None, _nic(_pci(3)) + _balloon(_pci(4))),
        case("pc-piix3-ide-slot", "pc", "VL701", "<controller type='ide' index='0'/>" + _balloon(_pci(1, 1))),
        case("pc-piix3-ide-slot-ok", "pc", None, "<controller type='ide' index='0'/>" + _balloon(_pci(5))),
        case("pc-piix3-usb-slot", "pc", "VL701", _balloon(_pci(1, 2))),
        case("pc-isa-bridge-slot", "pc", "VL701", _balloon(_pci(1, 0))),
        case("pc-video-slot-ok", "pc", None, "<video><model type='vga'/></video>" + _balloon(_pci(2))),
        case("q35-lpc-slot", "q35", "VL701", _balloon(_pci(0x1F, 0))),
        case("q35-sata-slot", "q35", "VL701", _balloon(_pci(0x1F, 2))),
        case("q35-smbus-slot", "q35", "VL701", _balloon(_pci(0x1F, 3))),
        case("q35-slot-1f-4-ok", "q35", None, _balloon(_pci(0x1F, 4))),
        # VL702 pci-address-placement
        case("root-port-slot", "q35", "VL702",
             "<controller type='pci' index='1' model='pcie-root-port'/>" + _nic(_pci(1, bus=1))),
        case("root-port-slot-ok", "q35", None,
             "<controller type='pci' index='1' model='pcie-root-port'/>" + _nic(_pci(0, bus=1))),
        case("virtio-on-added-root-port", "q35", "VL702", _nic(_pci(2, bus=5))),
        case("virtio-on-added-root-port-ok", "q35", None, _nic(_pci(0, bus=5))),
        case("e1000-on-added-bridge-ok", "q35", None,
             "<interface type='user'><model type='e1000'/>" + _pci(2, bus=5) + "</interface>"),
        case("bridge-slot-0", "pc", "VL702",
             "<controller type='pci' index='1' model='pci-bridge'/>" + _nic(_pci(0, bus=1))),
        case("bridge-slot-1-ok", "pc", None,
             "<controller type='pci' index='1' model='pci-bridge'/>" + _nic(_pci(1, bus=1))),
        case("pxb-on-bridge", "pc", "VL702",
             "<controller type='pci' index='1' model='pci-bridge'/>"
             "<controller type='pci' index='2' model='pci-expander-bus'>" + _pci(1, bus=1) + "</controller>"),
        case("root-port-on-pc", "pc", "VL702",
             "<controller type='pci' index='1' model='pcie-root-port'>" + _pci(5) + "</controller>"),
        case("endpoint-on-upstream-port", "q35", "VL702",
             "<controller type='pci' index='1' model='pcie-root-port'/>"
             "<controller type='pci' index='2' model='pcie-switch-upstream-port'>" + _pci(0, bus=1)
             + "</controller>" + _nic(_pci(0, bus=2))),
        case("switch-ok", "q35", None,
             "<controller type='pci' index='1' model='pcie-root-port'/>"
             "<controller type='pci' index='2' model='pcie-switch-upstream-port'>" + _pci(0, bus=1)
             + "</controller><controller type='pci' index='3' model='pcie-switch-downstream-port'>"
             + _pci(0, bus=2) + "</controller>" + _nic(_pci(0, bus=3))),
        case("pc-piix3-ide-always-there", "pc", "VL701", _balloon(_pci(1, 1))),  # QEMU refuses it at start
        case("multifunction-off", "q35", "VL702",
             _nic(_pci(5).replace("/>", " multifunction='off'/>")) + _balloon(_pci(5, 1))),
        case("multifunction-auto-ok", "q35", None, _nic(_pci(5)) + _balloon(_pci(5, 1))),
        case("pc-root-port", "pc", "VL702", "<controller type='pci' index='1' model='pcie-root-port'/>"),
        case("pc-dmi-bridge", "pc", "VL702", "<controller type='pci' index='1' model='dmi-to-pci-bridge'/>"),
        case("pc-pcie-to-pci-bridge", "pc", "VL702", "<controller type='pci' index='1' model='pcie-to-pci-bridge'/>"),
        case("pc-upstream-port", "pc", "VL702", "<controller type='pci' index='1' model='pcie-switch-upstream-port'/>"),
        case("q35-pcie-to-pci-bridge-alone", "q35", "VL702",
             "<controller type='pci' index='1' model='pcie-to-pci-bridge'/>"),
        case("q35-pcie-to-pci-bridge-ok", "q35", None,
             "<controller type='pci' index='1' model='pcie-root-port'/>"
             "<controller type='pci' index='2' model='pcie-to-pci-bridge'/>"),
        case("q35-downstream-alone", "q35", "VL702",
             "<controller type='pci' index='1' model='pcie-switch-downstream-port'/>"),
        case("q35-switch-auto-ok", "q35", None,
             "<controller type='pci' index='1' model='pcie-root-port'/>"
             "<controller type='pci' index='2' model='pcie-switch-upstream-port'/>"
             "<controller type='pci' index='3' model='pcie-switch-downstream-port'/>"),
        case("virtio-iommu-off-root", "q35", "VL702",
             "<controller type='pci' index='1' model='pcie-root-port'/><iommu model='virtio'>" + _pci(0, bus=1)
             + "</iommu>", "<features><acpi/></features>"),
        case("virtio-iommu-on-root-ok", "q35", None, "<iommu model='virtio'>" + _pci(5) + "</iommu>",
             "<features><acpi/></features>"),
        case("primary-sata-elsewhere", "q35", "VL702", "<controller type='sata' index='0'>" + _pci(5) + "</controller>"),
        # VL700 address-value
        case("pci-slot-range", "q35", "VL700", _balloon("<address type='pci' slot='0x20'/>")),
        case("pci-slot-octal-ok", "q35", None, _balloon("<address type='pci' slot='010'/>")),
        case("ide-target", "pc", "VL700",
             _disk("hda", "ide", "<address type='drive' controller='0' bus='0' target='1' unit='0'/>")),
        case("ide-bus-1-ok", "pc", None, _cdrom("hdc", _drive(0, bus=1), "ide")),
        case("sata-bus", "q35", "VL700", _disk("sda", "sata", _drive(0, bus=1))),
        case("ide-named-controller-1", "pc", "VL700", _cdrom("hde", "", "ide")),
        case("ide-named-hdd-ok", "pc", None, _cdrom("hdd", "", "ide")),
        case("sata-unit-6", "q35", "VL700", _cdrom("sda", _drive(6), "sata")),
        case("sata-unit-5-ok", "q35", None, _cdrom("sda", _drive(5), "sata")),
        # VL700: the numbers the parser reads for each address type, in its base
        case("pci-bus-not-a-number", "q35", "VL700", _balloon("<address type='pci' bus='x' slot='0x05'/>")),
        case("pci-multifunction-yes", "q35", "VL700",
             _balloon("<address type='pci' bus='0x00' slot='0x05' multifunction='yes'/>")),
        case("pci-multifunction-on-ok", "q35", None,
             _balloon("<address type='pci' bus='0x00' slot='0x05' multifunction='on'/>")),
        case("drive-unit-hex", "q35", "VL700", _cdrom("sda", "<address type='drive' controller='0' bus='0' "
                                                             "target='0' unit='0x1'/>", "sata")),
        case("virtio-serial-port-not-a-number", "q35", "VL700",
             "<channel type='pty'><target type='virtio' name='a.b'/>"
             "<address type='virtio-serial' controller='0' bus='0' port='x'/></channel>"),
        case("virtio-serial-port-ok", "q35", None,
             "<channel type='pty'><target type='virtio' name='a.b'/>"
             "<address type='virtio-serial' controller='0' bus='0' port='2'/></channel>"),
        case("usb-bus-not-a-number", "q35", "VL700",
             "<input type='tablet' bus='usb'><address type='usb' bus='x' port='1'/></input>"),
        case("isa-iobase-not-a-number", "q35", "VL700",
             "<serial type='pty'><target type='isa-serial' port='0'><model name='isa-serial'/></target>"
             "<address type='isa' iobase='x'/></serial>"),
        case("isa-irq-not-a-number", "q35", "VL700",
             "<serial type='pty'><target type='isa-serial' port='0'><model name='isa-serial'/></target>"
             "<address type='isa' iobase='0x3f8' irq='zz'/></serial>"),
        case("isa-address-ok", "q35", None,
             "<serial type='pty'><target type='isa-serial' port='0'><model name='isa-serial'/></target>"
             "<address type='isa' iobase='0x3f8' irq='4'/></serial>"),
        # VL703 drive-address-conflict
        case("drive-double-use", "q35", "VL703",
             SCSI + _disk("sda", "scsi", _drive(0)) + _disk("sdb", "scsi", _drive(0))),
        case("drive-named-double-use", "q35", "VL703", SCSI + disk("sda", "scsi") + _disk("sdb", "scsi", _drive(0))),
        case("drive-ok", "q35", None,  # empty CD-ROMs: other cases may hold the shared image's write lock
             SCSI + _cdrom("sda", "") + _cdrom("sdb", _drive(1))),
        # VL704 address-type
        case("sata-disk-pci-address", "q35", "VL704", _disk("sda", "sata", _pci(5))),
        case("usb-disk-pci-address", "q35", "VL704", _disk("sdb", "usb", _pci(5))),
        case("usb-disk-usb-address-ok", "q35", None,  # read-only and shareable: other cases may hold the image
             _disk("sdb", "usb", "<readonly/><shareable/><address type='usb' bus='0' port='2'/>")),
        case("usb-hostdev-pci-address", "q35", "VL704",
             "<hostdev mode='subsystem' type='usb'><source><vendor id='0x1234'/><product id='0xbeef'/></source>"
             + _pci(5) + "</hostdev>"),
        case("pci-serial-usb-address", "q35", "VL704",
             "<serial type='pty'><target type='pci-serial'/><address type='usb' bus='0' port='1'/></serial>"),
        case("pci-serial-ok", "q35", None, "<serial type='pty'><target type='pci-serial'/>" + _pci(5) + "</serial>"),
        case("intel-iommu-address", "q35", "VL704", "<iommu model='intel'>" + _pci(5) + "</iommu>"),
        case("smartcard-pci-address", "q35", "VL704",
             "<smartcard mode='passthrough' type='spicevmc'>" + _pci(5) + "</smartcard>"),
        case("balloon-unassigned", "q35", "VL704", _balloon("<address type='unassigned'/>")),
        # addresses libvirt's assignment replaces before validating the type, and a twin that keeps its own
        case("q35-sata0-ccw", "q35", None, f"<controller type='sata' index='0'>{CCW}</controller>"),
        case("pc-ide0-ccw", "pc", None, f"<controller type='ide' index='0'>{CCW}</controller>"),
        case("virtio-channel-ccw", "q35", None,
             f"<channel type='pty'><target type='virtio' name='org.virtlint.ccw'/>{CCW}</channel>"),
        case("usb-hub-unassigned", "q35", None, "<hub type='usb'><address type='unassigned'/></hub>"),
        case("pc-sata0-ccw", "pc", "VL704", f"<controller type='sata' index='0'>{CCW}</controller>"),
        # every device's virtio-serial port is reserved; libvirt adds controllers for virtio channels only
        case("virtio-serial-port-no-controller", "q35", "VL711",
             f"<controller type='sata' index='0'>{VIRTIO_SERIAL_PORT}</controller>"),
        case("virtio-serial-port-with-controller", "q35", None, "<controller type='virtio-serial' index='0'/>"
             f"<controller type='sata' index='0'>{VIRTIO_SERIAL_PORT}</controller>"),
        case("mdev-source-without-uuid", "q35", "VL704",
             "<hostdev mode='subsystem' type='mdev' model='vfio-pci'><source>"
             "<address domain='0x0000' bus='0x06' slot='0x12' function='0x5'/></source></hostdev>"),
        case("isa-panic-pci-address", "q35", "VL704", "<panic>" + _pci(5) + "</panic>"),
        case("isa-panic-ok", "q35", None, "<panic model='isa'><address type='isa' iobase='0x505'/></panic>"),
        case("hyperv-panic-address", "q35", "VL704", "<panic model='hyperv'>" + _pci(5) + "</panic>"),
        case("i6300esb-isa-address", "q35", "VL704",
             "<watchdog model='i6300esb' action='reset'><address type='isa' iobase='0x505'/></watchdog>"),
        case("i6300esb-pci-ok", "q35", None, "<watchdog model='i6300esb' action='reset'>" + _pci(5) + "</watchdog>"),
        case("virtio-balloon-spapr-vio-address", "q35", "VL704", _balloon("<address type='spapr-vio' reg='0x4000'/>")),
        case("virtio-tablet-usb-address", "q35", "VL704",
             "<input type='tablet' bus='virtio'><address type='usb' bus='0' port='1'/></input>"),
        case("virtio-tablet-pci-ok", "q35", None, "<input type='tablet' bus='virtio'>" + _pci(5) + "</input>"),
        case("virtio-mmio-on-q35", "q35", "VL704", _balloon("<address type='virtio-mmio'/>")),
        arm("virt-virtio-mmio-ok", None, _balloon("<address type='virtio-mmio'/>")),
        case("usb-tablet-pci-address", "q35", "VL704",
             "<input type='tablet' bus='usb'>" + _pci(5) + "</input>"),
        case("ccw-on-q35", "q35", "VL704",
             _balloon("<address type='ccw' cssid='0xfe' ssid='0x0' devno='0x0001'/>")),
        # VL705 usb-address
        case("usb-port-beyond-uhci", "pc", "VL705", _tablet("3")),
        case("usb-port-uhci-ok", "pc", None, _tablet("2")),
        case("usb-port-beyond-xhci", "q35", "VL705", _tablet("5")),
        case("usb-port-xhci-ok", "q35", None, _tablet("4")),
        case("usb-no-hub", "q35", "VL705", _tablet("1.2")),
        case("usb-hub-ok", "q35", None, _hub("1") + _tablet("1.2")),
        case("usb-hub-port-taken", "q35", "VL705", _hub("1") + _tablet("1")),
        case("usb-bus-missing", "q35", "VL705", _tablet("1", bus=1)),
        case("usb-port-unparseable", "q35", "VL705", _tablet("1.2.3.4.5")),
        # VL706 usb-disabled
        case("usb-none-tablet", "q35", "VL706",
             "<controller type='usb' index='0' model='none'/><input type='tablet' bus='usb'/>"),
        case("usb-none-usb-disk", "q35", "VL706", "<controller type='usb' index='0' model='none'/>" + disk("sdb", "usb")),
        case("usb-none-ps2-ok", "q35", None,
             "<controller type='usb' index='0' model='none'/><input type='tablet' bus='virtio'/>"),
        # VL707 usb-controller
        case("xhci-ports", "q35", "VL707", "<controller type='usb' index='0' model='qemu-xhci' ports='16'/>"),
        case("xhci-ports-ok", "q35", None, "<controller type='usb' index='0' model='qemu-xhci' ports='15'/>"),
        case("usb-no-master", "q35", "VL707",
             "<controller type='usb' index='0' model='ich9-uhci2'><master startport='2'/></controller>"),
        case("usb-master-ok", "q35", None,
             "<controller type='usb' index='0' model='ich9-ehci1'/>"
             "<controller type='usb' index='0' model='ich9-uhci2'><master startport='2'/></controller>"),
        case("uhci-on-xhci-master", "q35", "VL707",
             "<controller type='usb' index='0' model='qemu-xhci'/>"
             "<controller type='usb' index='0' model='ich9-uhci1'><master startport='0'/></controller>"),
        case("uhci-startport-beyond", "q35", "VL707",
             "<controller type='usb' index='0' model='ich9-ehci1'/>"
             "<controller type='usb' index='0' model='ich9-uhci1'><master startport='8'/></controller>"),
        case("uhci-ports-overlap", "q35", "VL707",
             "<controller type='usb' index='0' model='ich9-ehci1'/>"
             "<controller type='usb' index='0' model='ich9-uhci1'><master startport='0'/></controller>"
             "<controller type='usb' index='0' model='ich9-uhci2'><master startport='0'/></controller>"),
        case("ich9-companions-ok", "q35", None,
             "<controller type='usb' index='0' model='ich9-ehci1'/>"
             "<controller type='usb' index='0' model='ich9-uhci1'><master startport='0'/></controller>"
             "<controller type='usb' index='0' model='ich9-uhci2'><master startport='2'/></controller>"
             "<controller type='usb' index='0' model='ich9-uhci3'><master startport='4'/></controller>"),
        case("usb-controllers-one-index", "q35", "VL705",
             "<controller type='usb' index='0' model='qemu-xhci'/><controller type='usb' index='0' model='qemu-xhci'/>"),
        case("usb-controllers-two-indexes-ok", "q35", None,
             "<controller type='usb' index='0' model='qemu-xhci'/><controller type='usb' index='1' model='qemu-xhci'/>"),
        case("lsilogic-target", "pc", "VL700",
             "<controller type='scsi' index='0' model='lsilogic'/>"
             + _cdrom("sda", "<address type='drive' controller='0' bus='0' target='1' unit='0'/>")),
        case("pci-root-numa-node", "pc", "VL710",
             "<controller type='pci' index='0' model='pci-root'><target><node>0</node></target></controller>", NUMA),
        case("virtio-serial-few-ports", "q35", "VL711",
             "<controller type='virtio-serial' index='0' ports='4'/>" + _channel("a.0", 4)),
        case("virtio-serial-few-ports-ok", "q35", None,
             "<controller type='virtio-serial' index='0' ports='4'/>" + _channel("a.0", 3)),
        # VL708 controller-index
        case("pci-index-duplicate", "pc", "VL708",
             "<controller type='pci' index='1' model='pci-bridge'/><controller type='pci' index='1' model='pci-bridge'/>"),
        case("pci-index-ok", "pc", None,
             "<controller type='pci' index='1' model='pci-bridge'/><controller type='pci' index='2' model='pci-bridge'/>"),
        case("root-port-index-0", "q35", "VL709", "<controller type='pci' index='0' model='pcie-root-port'/>"),
        case("scsi-index-auto-ok", "q35", None, "<controller type='scsi' index='0'/><controller type='scsi'/>"),
        # VL709 pci-root
        case("pc-pcie-root", "pc", "VL709", "<controller type='pci' index='0' model='pcie-root'/>"),
        case("pc-pci-root-ok", "pc", None, "<controller type='pci' index='0' model='pci-root'/>"),
        case("q35-pci-root", "q35", "VL709", "<controller type='pci' index='0' model='pci-root'/>"),
        case("pxb-on-q35", "q35", "VL709", "<controller type='pci' index='1' model='pci-expander-bus'/>"),
        case("pxb-pcie-on-pc", "pc", "VL709", "<controller type='pci' index='1' model='pcie-expander-bus'/>"),
        case("pxb-pcie-on-q35-ok", "q35", None, "<controller type='pci' index='1' model='pcie-expander-bus'/>"),
        arm("virt-pci-root", "VL709", "<controller type='pci' index='0' model='pci-root'/>"),
        arm("virt-virtio-on-added-root-port", "VL702", _nic(_pci(3, bus=2))),
        arm("virt-virtio-on-added-root-port-ok", None, _nic(_pci(0, bus=2))),
        arm("virt-usb-tablet-no-controller", "VL706", "<input type='tablet' bus='usb'/>"),
        arm("virt-usb-tablet-ok", None, "<controller type='usb' model='qemu-xhci'/><input type='tablet' bus='usb'/>"),
        # VL710 pci-controller-options
        case("pxb-numa-node-missing", "pc", "VL710",
             "<controller type='pci' index='1' model='pci-expander-bus'><target busNr='254'><node>1</node></target>"
             "</controller>", NUMA),
        case("pxb-numa-node-ok", "pc", None,
             "<controller type='pci' index='1' model='pci-expander-bus'><target busNr='254'><node>0</node></target>"
             "</controller>", NUMA),
        case("pxb-no-busnr-left", "pc", "VL710",
             "<controller type='pci' index='1' model='pci-expander-bus'><target busNr='2'/></controller>"
             "<controller type='pci' index='2' model='pci-expander-bus'/>"),
        case("pxb-busnr-auto-ok", "pc", None,
             "<controller type='pci' index='1' model='pci-expander-bus'><target busNr='200'/></controller>"
             "<controller type='pci' index='2' model='pci-expander-bus'/>"),
        case("root-port-chassis-twice", "q35", "VL710",
             "<controller type='pci' index='1' model='pcie-root-port'><target chassis='1' port='0x10'/></controller>"
             "<controller type='pci' index='2' model='pcie-root-port'><target chassis='1' port='0x11'/></controller>"),
        case("root-port-chassis-ok", "q35", None,
             "<controller type='pci' index='1' model='pcie-root-port'><target chassis='1' port='0x10'/></controller>"
             "<controller type='pci' index='2' model='pcie-root-port'><target chassis='2' port='0x11'/></controller>"
             "<controller type='pci' index='3' model='pcie-root-port'/>"),
        case("bridge-chassisnr-twice-ok", "pc", None,
             "<controller type='pci' index='1' model='pci-bridge'><target chassisNr='5'/></controller>"
             "<controller type='pci' index='2' model='pci-bridge'><target chassisNr='5'/></controller>"),
        case("busnr-on-bridge", "pc", "VL710",
             "<controller type='pci' index='1' model='pci-bridge'><target busNr='100'/></controller>"),
        case("root-port-chassis", "q35", "VL710",
             "<controller type='pci' index='1' model='pcie-root-port'><target chassis='256'/></controller>"),
        # VL711 device-address-conflict
        case("virtio-serial-port-taken", "q35", "VL711", _channel("a.0", 1) + _channel("b.0", 1)),
        case("virtio-serial-ports-ok", "q35", None, _channel("a.0", 1) + _channel("b.0", 2)),
        case("virtio-serial-port-missing", "q35", "VL711", _channel("a.0", 31)),
    ]
