"""Refusals found by the crossover search (every device and every top-level element of libvirt's accepted inputs
put into other domains, defined, and started where libvirt defined them): each case and its valid twin agree with
the real libvirt 9.0 (at start where the case says so)."""

from __future__ import annotations

import pytest

from test_rules_parse_checks import test_parse_checks as judged_as_libvirt


def arm(extra: str = "", vcpus: str = "<vcpu>1</vcpu>", virt: str = "qemu", devices: str = "") -> str:
    return (f"<domain type='{virt}'><name>t</name><memory unit='MiB'>128</memory>{vcpus}<os><type arch='aarch64' "
            f"machine='virt'>hvm</type></os>{extra}<devices>{devices}</devices></domain>")


X86_KVM = ("<domain type='kvm'><name>t</name><memory unit='MiB'>128</memory><vcpu>1</vcpu><os><type arch='x86_64' "
           "machine='q35'>hvm</type></os><devices>{}</devices></domain>")
SCSI_HOSTDEV = ("<hostdev mode='subsystem' type='scsi' {}><source><adapter name='scsi_host0'/>"
                "<address bus='0' target='0' unit='0'/></source></hostdev>")
MCAST = "<interface type='mcast'><mac address='52:54:00:8c:b9:05'/><source address='{}' port='5558'/></interface>"
FS9P = ("<filesystem type='mount' accessmode='passthrough'><driver type='{}'/><source dir='/srv'/>"
        "<target dir='share'/></filesystem>")
X86_CAPS = "<domainCapabilities><domain>kvm</domain><arch>x86_64</arch></domainCapabilities>"
ARM_CAPS = "<domainCapabilities><domain>qemu</domain><arch>aarch64</arch><machine>virt</machine></domainCapabilities>"
GIC_LIMIT = "Number of SMP CPUs requested (9) exceeds max CPUs supported by machine 'mach-virt' (8)"


def _messages(xml: str, caps: str, code: str, libvirt: tuple[int, int] | None = None,
              hosts: tuple[str, ...] = ()) -> list[str]:
    """The messages one rule gives on a domain, against caps (and host documents) given as text, modelling a
    libvirt release (None: the newest known)."""
    from conftest import caps_from_text
    from virtlint.linter.document import Document
    from virtlint.linter.engine import Linter
    from virtlint.linter.host import HostCaps

    linter = Linter([caps_from_text(caps)], select=(code,), libvirt_version=libvirt,
                    hosts=[HostCaps(Document(host, "host.xml")) for host in hosts])
    return [f.message for f in linter.lint_document(Document(xml, "t.xml")).findings]


CASES = [
    # VL406: libvirt writes kvmclock=off for QEMU, whose ARM CPUs have no such property (at start)
    ("kvmclock-off-aarch64", arm("<clock offset='utc'><timer name='kvmclock' present='no'/></clock>"), "VL406",
     "can't apply global kvmclock=off: Property 'kvmclock' not found"),
    ("hypervclock-off-aarch64", arm("<clock offset='utc'><timer name='hypervclock' present='no'/></clock>"), None,
     ""),
    ("tsc-off-aarch64", arm("<clock offset='utc'><timer name='tsc' present='no'/></clock>"), None, ""),
    # VL799: macOS's audio backend on a KVM (Linux) host (at start; TCG may run on macOS)
    ("coreaudio-kvm", X86_KVM.format("<audio id='1' type='coreaudio'/>"), "VL799",
     "audio: Unknown audio driver `coreaudio'"),
    ("coreaudio-tcg", X86_KVM.replace("'kvm'", "'qemu'").format("<audio id='1' type='coreaudio'/>"), None, ""),
    ("pulseaudio-kvm", X86_KVM.format("<audio id='1' type='pulseaudio'/>"), None, ""),
    # VL799: a sound device needs an audio backend, which libvirt adds for no SDL, D-Bus or egl-headless display
    ("sound-sdl", X86_KVM.format("<sound model='ich9'/><graphics type='sdl'/>"), "VL799",
     "unable to find audio backend for sound device"),
    ("sound-dbus", X86_KVM.format("<sound model='ac97'/><graphics type='dbus'/>"), "VL799",
     "unable to find audio backend for sound device"),
    ("sound-vnc", X86_KVM.format("<sound model='ich9'/><graphics type='vnc'/>"), None, ""),
    ("sound-headless", X86_KVM.format("<sound model='ich9'/>"), None, ""),
    ("sound-dbus-audio", X86_KVM.format("<sound model='ich9'/><graphics type='dbus'/><audio id='1' type='none'/>"),
     None, ""),
    # VL789: a SCSI adapter's host device is never managed (at start, before the host device is looked at)
    ("scsi-hostdev-managed", X86_KVM.format(SCSI_HOSTDEV.format("managed='yes'")), "VL789",
     "SCSI host device doesn't support managed mode"),
    ("scsi-hostdev-unmanaged", X86_KVM.format(SCSI_HOSTDEV.format("managed='no'")), None, ""),
    # VL770: QEMU's mcast socket takes a multicast group (at start)
    ("mcast-unicast", X86_KVM.format(MCAST.format("192.0.0.1")), "VL770",
     "specified mcastaddr 192.0.0.1 (0xc0000001) does not contain a multicast address"),
    ("mcast-group", X86_KVM.format(MCAST.format("230.0.0.1")), None, ""),
    # VL791: QEMU 6.0 removed the 9p handle backend (at start; the Q35 caps here are QEMU 9.1's)
    ("9p-handle", X86_KVM.format(FS9P.format("handle")), "VL791", "fsdev: fsdriver handle not found"),
    ("9p-path", X86_KVM.format(FS9P.format("path")), None, ""),
    # VL201: a GICv2 (TCG's default, or written) serves 8 vCPUs (at start)
    ("gicv2-tcg-default", arm(vcpus="<vcpu>9</vcpu>"), "VL201", GIC_LIMIT),
    ("gicv2-tcg-default-current", arm(vcpus="<vcpu current='1'>9</vcpu>"), "VL201", GIC_LIMIT),
    ("gicv2-written", arm("<features><gic version='2'/></features>", vcpus="<vcpu>9</vcpu>"), "VL201", GIC_LIMIT),
    ("gicv2-eight", arm(vcpus="<vcpu>8</vcpu>"), None, ""),
    ("gicv3-written", arm("<features><gic version='3'/></features>", vcpus="<vcpu>9</vcpu>"), None, ""),
    # VL767: a D-Bus display's audio must exist at start (libvirt adds none for D-Bus; the i440fx and ARM scans)
    ("dbus-audio-absent", arm(devices="<graphics type='dbus' p2p='yes'><audio id='1'/></graphics>"), "VL767",
     "unable to find audio backend for sound device"),
    ("dbus-audio-other-id", arm(devices="<graphics type='dbus' p2p='yes'><audio id='2'/></graphics>"
                                        "<audio id='1' type='dbus'/>"), "VL767",
     "unable to find audio backend for sound device"),
    ("dbus-audio-present", arm(devices="<graphics type='dbus' p2p='yes'><audio id='1'/></graphics>"
                                       "<audio id='1' type='dbus'/>"), None, ""),
    ("dbus-audio-id2-vnc-implicit", X86_KVM.format("<graphics type='vnc'/><graphics type='dbus' p2p='yes'>"
                                                   "<audio id='2'/></graphics>"), "VL767",
     "unable to find audio backend for sound device"),
    # VL785: the Sound Blaster 16 is an ISA card (at start; the ARM start scan)
    ("sb16-on-arm", arm(devices="<sound model='sb16'/><audio id='1' type='none'/>"), "VL785",
     "'sb16' is not a valid device model name"),
    ("ich9-on-arm", arm(devices="<sound model='ich9'/><audio id='1' type='none'/>"), None, ""),
    ("sb16-on-x86", X86_KVM.replace("machine='q35'", "machine='pc'").format("<sound model='sb16'/>"), None, ""),
    # VL759: a volume disk whose source names no pool (the enum sweep's start: 9.0's daemon dies)
    ("volume-disk-no-pool", X86_KVM.format("<disk type='volume' device='disk'><source file='/srv/a.img'/>"
                                           "<target dev='vda' bus='virtio'/></disk>"), "VL759",
     "a 'volume' disk's <source> names no pool and volume"),
    ("volume-cdrom-no-pool", X86_KVM.format("<disk type='volume' device='cdrom'><source/>"
                                            "<target dev='sda' bus='sata'/><readonly/></disk>"), None, ""),
    ("volume-disk-pool", X86_KVM.format("<disk type='volume' device='disk'><source pool='p' volume='v'/>"
                                        "<target dev='vda' bus='virtio'/></disk>"), None, ""),
    # VL799: a VNC display needs an audio backend (at start; the ARM pair start scan)
    ("vnc-then-sdl-no-audio", X86_KVM.format("<graphics type='vnc'/><graphics type='sdl'/>"), "VL799",
     "unable to find audio backend for sound device"),
    ("vnc-then-sdl-audio", X86_KVM.format("<graphics type='vnc'/><graphics type='sdl'/><audio id='1' type='none'/>"),
     None, ""),
    ("sdl-then-vnc", X86_KVM.format("<graphics type='sdl'/><graphics type='vnc'/>"), None, ""),
    ("vnc-then-dbus", X86_KVM.format("<graphics type='vnc'/><graphics type='dbus'/>"), None, ""),
    # VL794: a model of another controller type's own list (the enum sweep, at define)
    ("scsi-controller-usb-model", X86_KVM.format("<controller type='scsi' model='nec-xhci'/>"), "VL794",
     "Unknown model type 'nec-xhci'"),
    ("untyped-controller-usb-model", X86_KVM.format("<controller model='qemu-xhci'/>"), "VL794",
     "Unknown model type 'qemu-xhci'"),
    ("usb-controller-usb-model", X86_KVM.format("<controller type='usb' model='nec-xhci'/>"), None, ""),
    # VL763: QEMU gives a parallel port as isa-parallel, which needs an ISA bus (at start; the ARM start scan)
    ("parallel-on-arm", arm(devices="<parallel type='pty'><target port='0'/></parallel>"), "VL763",
     "'isa-parallel' is not a valid device model name"),
    ("serial-on-arm", arm(devices="<serial type='pty'><target port='0'/></serial>"), None, ""),
    ("parallel-on-x86", X86_KVM.format("<parallel type='pty'><target port='0'/></parallel>"), None, ""),
    # (KVM: the highest version the caps list; ARM caps in these tests list none, so the version is unknown)
    ("kvm-unknown-gic", arm(vcpus="<vcpu>9</vcpu>", virt="kvm"), None, ""),
]


@pytest.mark.parametrize(("xml", "code", "fragment"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_found_by_the_crossover_search(xml: str, code: str | None, fragment: str) -> None:
    judged_as_libvirt(xml, code, fragment)


@pytest.mark.parametrize(("versions", "refused"), [(("2",), True), (("2", "3"), False), (("3",), False)])
def test_kvm_gic_version_is_the_highest_the_caps_list(versions: tuple[str, ...], refused: bool) -> None:
    """qemuDomainDefEnableDefaultFeatures: KVM gets the highest GIC version the host supports."""
    from conftest import caps_from_text
    from virtlint.linter.document import Document
    from virtlint.linter.engine import Linter

    values = "".join(f"<value>{v}</value>" for v in versions)
    caps = caps_from_text("<domainCapabilities><domain>kvm</domain><machine>virt-9.1</machine><arch>aarch64</arch>"
                          "<vcpu max='512'/><features><gic supported='yes'><enum name='version'>" + values +
                          "</enum></gic></features></domainCapabilities>")
    findings = Linter([caps], select=("VL201",)).lint_document(Document(arm(vcpus="<vcpu>9</vcpu>", virt="kvm"),
                                                                       "t.xml")).findings
    assert [f.message for f in findings] == ([GIC_LIMIT + " (QEMU refuses to start the domain)"] if refused else [])


@pytest.mark.parametrize(("machine", "refused"), [("pc-q35-7.2", True), ("pc-q35-6.0", True), ("pc-q35-5.2", False),
                                                  ("pc-q35-rhel9.2.0", False)])
def test_9p_handle_follows_the_qemu_the_caps_machine_names(machine: str, refused: bool) -> None:
    """QEMU 6.0 removed the handle backend; a distribution's machine names carry its own version, not QEMU's."""
    from conftest import caps_from_text
    from virtlint.linter.document import Document
    from virtlint.linter.engine import Linter

    caps = caps_from_text(f"<domainCapabilities><domain>kvm</domain><machine>{machine}</machine><arch>x86_64</arch>"
                          "</domainCapabilities>")
    xml = X86_KVM.replace("machine='q35'", f"machine='{machine}'").format(FS9P.format("handle"))
    findings = Linter([caps], select=("VL791",)).lint_document(Document(xml, "t.xml")).findings
    assert bool(findings) is refused


@pytest.mark.parametrize(("machines", "refused"), [(("pc-q35-5.2", "pc-q35-7.2"), True),
                                                   (("pc-q35-4.2", "pc-q35-5.2"), False)])
def test_9p_handle_in_a_fleet_follows_its_newest_qemu(machines: tuple[str, ...], refused: bool) -> None:
    """A baseline names the oldest machine, which runs everywhere; the newest host's QEMU decides what it removed."""
    from conftest import caps_from_text
    from virtlint.linter.baseline import build
    from virtlint.linter.document import Document
    from virtlint.linter.engine import Linter

    hosts = [caps_from_text(f"<domainCapabilities><domain>kvm</domain><machine>{m}</machine><arch>x86_64</arch>"
                            "</domainCapabilities>", f"{m}.xml") for m in machines]
    baseline = caps_from_text(build(hosts).xml(), "baseline.xml")
    findings = Linter([baseline], select=("VL791",)).lint_document(
        Document(X86_KVM.format(FS9P.format("handle")), "t.xml")).findings
    assert bool(findings) is refused


#: A host offering aarch64 guests through qemu-system-aarch64 (its virt machine's limit is 512 vCPUs)
ARM_GUEST_HOST = """<capabilities><host><cpu><arch>x86_64</arch></cpu></host>
  <guest><os_type>hvm</os_type><arch name='aarch64'><wordsize>64</wordsize>
    <emulator>/usr/bin/qemu-system-aarch64</emulator><machine maxCpus='512'>virt-7.2</machine>
    <machine canonical='virt-7.2' maxCpus='512'>virt</machine><domain type='qemu'/></arch></guest>
</capabilities>"""


@pytest.mark.parametrize(("vcpus", "messages"), [
    (9, [GIC_LIMIT + " (QEMU refuses to start the domain)"]),
    (8, []),
    (600, ["600 vCPUs: Maximum CPUs greater than specified machine type limit 512 (machine 'virt-7.2' on the host)"]),
])
def test_gic_limit_holds_below_the_host_machine_limit(vcpus: int, messages: list[str]) -> None:
    """With a host document, its machine's maxCpus is libvirt's define-time limit; QEMU's GICv2 limit still applies
    at start (the start scan of ARM transplants found the GIC check skipped whenever a host document was given)."""
    from conftest import lint

    caps = ("<domainCapabilities><path>/usr/bin/qemu-system-aarch64</path><domain>qemu</domain>"
            "<machine>virt-7.2</machine><arch>aarch64</arch><vcpu max='512'/></domainCapabilities>")
    findings = lint(arm(vcpus=f"<vcpu>{vcpus}</vcpu>"), caps, ARM_GUEST_HOST, select=("VL201",))
    assert [f.message for f in findings] == messages


@pytest.mark.parametrize(("model", "machine", "libvirt", "refused"), [
    ("pcspk", "pc-i440fx-7.2", (9, 0), True),  # (checked on 9.0 with QEMU 7.2: "-soundhw: invalid option")
    ("pcspk", "pc-q35-7.1", (9, 5), True),
    ("pcspk", "pc-q35-7.0", (9, 0), False),  # (QEMU 7.0 still had -soundhw)
    ("pcspk", "pc-i440fx-7.2", (9, 6), False),  # (9.6 gives it with -machine pcspk-audiodev)
    ("pcspk", "pc-q35-rhel9.2.0", (9, 0), False),  # (a distribution's machine: its QEMU is not known)
    ("ich9", "pc-q35-7.2", (9, 0), False),
])
def test_pc_speaker_before_libvirt_9_6_on_qemu_7_1(model: str, machine: str, libvirt: tuple[int, int],
                                                   refused: bool) -> None:
    """Before 9.6 libvirt gave QEMU the PC speaker with -soundhw, which QEMU 7.1 removed (the i440fx start scan)."""
    caps = f"<domainCapabilities><domain>kvm</domain><machine>{machine}</machine><arch>x86_64</arch></domainCapabilities>"
    xml = X86_KVM.replace("machine='q35'", f"machine='{machine}'").format(
        f"<sound model='{model}'/><audio id='1' type='none'/>")
    assert [m.split(" (")[0] for m in _messages(xml, caps, "VL799", libvirt)] == (
        ["-soundhw: invalid option"] if refused else [])


PC_QEMU = X86_KVM.replace("type='kvm'", "type='qemu'").replace("machine='q35'", "machine='pc'")
Q35_QEMU = X86_KVM.replace("type='kvm'", "type='qemu'")
IOMMU_LEGACY = "VIRTIO_F_IOMMU_PLATFORM was supported by neither legacy nor transitional device"
ROOT_PORT = "<controller type='pci' index='1' model='pcie-root-port'/>"
PCI_BRIDGE = ROOT_PORT + "<controller type='pci' index='2' model='pcie-to-pci-bridge'/>"


def _pci(bus: int, slot: int) -> str:
    return f"<address type='pci' domain='0x0000' bus='{bus:#04x}' slot='{slot:#04x}' function='0x0'/>"


def _rng(model: str = "virtio", iommu: str = "on", address: str = "") -> str:
    return (f"<rng model='{model}'><backend model='random'>/dev/urandom</backend><driver iommu='{iommu}'/>{address}"
            "</rng>")


#: virtio_device_plugged (QEMU, at start): a virtio-pci device keeping its legacy interface has no IOMMU platform
#: feature; each checked on 9.0 with QEMU 7.2 (the crossover start scan found it on i440fx)
IOMMU_CASES = [
    ("i440fx-rng", PC_QEMU.format(_rng()), True),
    ("i440fx-rng-iommu-off", PC_QEMU.format(_rng(iommu="off")), False),
    ("i440fx-rng-non-transitional", PC_QEMU.format(_rng("virtio-non-transitional")), False),
    ("i440fx-virtio-serial", PC_QEMU.format("<controller type='virtio-serial'><driver iommu='on'/></controller>"), True),
    ("i440fx-virtio-scsi", PC_QEMU.format("<controller type='scsi' model='virtio-scsi'><driver iommu='on'/>"
                                          "</controller>"), True),
    ("i440fx-lsilogic", PC_QEMU.format("<controller type='scsi' model='lsilogic'><driver iommu='on'/></controller>"),
     False),  # (not virtio: VL794 judges its virtio-scsi options)
    ("i440fx-9p", PC_QEMU.format("<filesystem type='mount' accessmode='mapped'><driver type='path' iommu='on'/>"
                                 "<source dir='/srv'/><target dir='t'/></filesystem>"), True),
    ("i440fx-net", PC_QEMU.format("<interface type='user'><model type='virtio'/><driver iommu='on'/></interface>"),
     True),
    ("i440fx-e1000", PC_QEMU.format("<interface type='user'><model type='e1000'/><driver iommu='on'/></interface>"),
     False),
    ("q35-rng-transitional", Q35_QEMU.format(_rng("virtio-transitional")), True),
    ("q35-rng-assigned", Q35_QEMU.format(_rng()), False),  # (libvirt puts it on a PCIe root port)
    ("q35-rng-root-bus", Q35_QEMU.format(_rng(address=_pci(0, 10))), True),
    ("q35-rng-root-port", Q35_QEMU.format(ROOT_PORT + _rng(address=_pci(1, 0))), False),
    ("q35-rng-bridge", Q35_QEMU.format(PCI_BRIDGE + _rng(address=_pci(2, 1))), True),
    ("q35-balloon-transitional", Q35_QEMU.format("<memballoon model='virtio-transitional'><driver iommu='on'/>"
                                                 "</memballoon>"), True),
]


@pytest.mark.parametrize(("xml", "refused"), [c[1:] for c in IOMMU_CASES], ids=[c[0] for c in IOMMU_CASES])
def test_iommu_on_a_transitional_virtio_device(xml: str, refused: bool) -> None:
    from conftest import lint

    findings = lint(xml, "<domainCapabilities><domain>qemu</domain><arch>x86_64</arch></domainCapabilities>",
                    select=("VL803",))
    assert [f.message for f in findings] == ([IOMMU_LEGACY + " (QEMU refuses to start the domain)"] if refused
                                             else [])


def _controller(index: int, model: str, bus: int | None = None, slot: int = 0) -> str:
    address = _pci(bus, slot) if bus is not None else ""
    return f"<controller type='pci' index='{index}' model='{model}'>{address}</controller>"


#: QEMU creates a bus with its controller's -device, in the controllers' index order, libvirt's added ones last
#: (at start; each checked on 9.0 with QEMU 7.2; the redone q35 start scan found the first)
BUS_ORDER_CASES = [
    ("bridge-on-added-bus", "q35", _controller(2, "pcie-to-pci-bridge", 1), 1),
    ("bridge-on-defined-bus", "q35", _controller(1, "pcie-root-port") + _controller(2, "pcie-to-pci-bridge", 1), None),
    ("defined-bus-written-after", "q35", _controller(2, "pcie-to-pci-bridge", 1) + _controller(1, "pcie-root-port"),
     None),
    ("i440fx-bridge-on-added-bus", "pc", _controller(2, "pci-bridge", 1, 1), 1),
    ("i440fx-bridge-on-defined-bus", "pc", _controller(1, "pci-bridge") + _controller(2, "pci-bridge", 1, 1), None),
    ("upstream-port-on-added-bus", "q35", _controller(3, "pcie-switch-upstream-port", 2), 2),
    ("bridge-on-a-higher-index", "q35", _controller(2, "pcie-root-port") + _controller(1, "pcie-to-pci-bridge", 2), 2),
    ("nic-on-added-bus", "q35", "<interface type='user'><model type='virtio'/>" + _pci(1, 0) + "</interface>", None),
]


@pytest.mark.parametrize(("machine", "devices", "bus"), [c[1:] for c in BUS_ORDER_CASES],
                         ids=[c[0] for c in BUS_ORDER_CASES])
def test_pci_controller_on_a_bus_created_after_it(machine: str, devices: str, bus: int | None) -> None:
    from conftest import lint

    xml = Q35_QEMU.replace("machine='q35'", f"machine='{machine}'").format(devices)
    findings = lint(xml, "<domainCapabilities><domain>qemu</domain><arch>x86_64</arch></domainCapabilities>",
                    select=("VL702",))
    assert [f.message for f in findings] == ([] if bus is None else
                                             [f"Bus 'pci.{bus}' not found (QEMU refuses to start the domain)"])


X86_GUEST_HOST = """<capabilities><host><cpu><arch>x86_64</arch></cpu></host>
  <guest><os_type>hvm</os_type><arch name='x86_64'><wordsize>64</wordsize>
    <emulator>/usr/bin/qemu-system-x86_64</emulator><machine maxCpus='288'>pc-q35-7.2</machine>
    <machine canonical='pc-q35-7.2' maxCpus='288'>q35</machine><machine maxCpus='288'>pc-q35-4.2</machine>
    <domain type='qemu'/><domain type='kvm'/></arch></guest>
</capabilities>"""


@pytest.mark.parametrize(("host", "refused"), [(True, True), (False, False)])
def test_qemu_release_from_the_host_machines(host: bool, refused: bool) -> None:
    """A domain on an old machine type gets caps naming that machine; the host document's newest machine tells the
    QEMU (the q35-4.2 start scan: a PC speaker refused by QEMU 7.2 under libvirt 9.0)."""
    caps = ("<domainCapabilities><path>/usr/bin/qemu-system-x86_64</path><domain>kvm</domain>"
            "<machine>pc-q35-4.2</machine><arch>x86_64</arch></domainCapabilities>")
    xml = X86_KVM.replace("machine='q35'", "machine='pc-q35-4.2'").format("<sound model='pcspk'/>"
                                                                          "<audio id='1' type='none'/>")
    assert _messages(xml, caps, "VL799", (9, 0), (X86_GUEST_HOST,) if host else ()) == (
        ["-soundhw: invalid option (libvirt before 9.6 gives QEMU the PC speaker with -soundhw, which QEMU 7.1 "
         "removed; the host's machines are QEMU 7.2's) (QEMU refuses to start the domain)"] if refused else [])


@pytest.mark.parametrize(("libvirt", "arch", "message"), [
    ((9, 0), "aarch64", "'ib700' is not a valid device model name (the ib700 watchdog is an ISA card, and this "
                        "arch's QEMU has no ISA bus) (QEMU refuses to start the domain)"),
    ((9, 3), "aarch64", "ib700 model of watchdog cannot be used with this machine type"),
    ((9, 0), "x86_64", None),  # (q35 has an ISA bus: 9.0 defines and starts it)
])
def test_ib700_follows_the_release_and_the_isa_bus(libvirt: tuple[int, int], arch: str, message: str | None) -> None:
    """Before 9.3 libvirt defines an ib700 on any machine; QEMU lacks the ISA card off x86 (the ARM start scan)."""
    machine = "virt" if arch == "aarch64" else "q35"
    xml = (f"<domain type='qemu'><name>t</name><memory unit='MiB'>128</memory><vcpu>1</vcpu><os><type arch='{arch}' "
           f"machine='{machine}'>hvm</type></os><devices><watchdog model='ib700'/></devices></domain>")
    caps = f"<domainCapabilities><domain>qemu</domain><arch>{arch}</arch></domainCapabilities>"
    assert _messages(xml, caps, "VL785", libvirt) == ([message] if message else [])


def _hmat(associativity: str, policy: str) -> str:
    return ("<domain type='kvm'><name>t</name><memory unit='MiB'>256</memory><vcpu>2</vcpu><os><type arch='x86_64' "
            "machine='q35'>hvm</type></os><cpu><numa><cell id='0' cpus='0-1' memory='262144' unit='KiB'>"
            f"<cache level='1' associativity='{associativity}' policy='{policy}'><size value='10' unit='KiB'/>"
            "<line value='8' unit='B'/></cache></cell><interconnects><latency initiator='0' target='0' type='access' "
            "value='5'/><bandwidth initiator='0' target='0' type='access' value='204800' unit='KiB'/></interconnects>"
            "</numa></cpu><devices/></domain>")


@pytest.mark.parametrize(("libvirt", "associativity", "policy", "message"), [
    ((9, 0), "none", "writeback", "Missing 'associativity' attribute in cache element for NUMA node 0"),
    ((9, 0), "direct", "none", "Invalid cache policy '(null)'"),
    ((9, 0), "direct", "writeback", None),
    ((10, 7), "none", "none", None),  # (9.8 on writes 'none' back)
])
def test_hmat_cache_none_lost_in_the_start_copy(libvirt: tuple[int, int], associativity: str, policy: str,
                                                message: str | None) -> None:
    """The enum sweep: 9.0 defines a cache whose associativity or policy is 'none' and refuses to start it."""
    assert _messages(_hmat(associativity, policy), X86_CAPS, "VL207", libvirt) == (
        [message + " (libvirt refuses to start the domain)"] if message else [])


_LATENCY = "<latency initiator='0' target='0' type='access' value='5'/>"
_BANDWIDTH = "<bandwidth initiator='0' target='0' type='access' value='204800' unit='KiB'/>"


@pytest.mark.parametrize(("interconnects", "refused"), [
    ("", True), (_LATENCY, True), (_BANDWIDTH, True), (_LATENCY + _BANDWIDTH, False),
    (_LATENCY.replace("target='0'", "target='0' cache='1'") + _BANDWIDTH, False),
])
def test_hmat_cache_needs_latency_and_bandwidth(interconnects: str, refused: bool) -> None:
    """QEMU wants a node's latency and bandwidth before its memory side cache (each checked on 9.0, QEMU 7.2)."""
    xml = _hmat("direct", "writeback").replace(_LATENCY + _BANDWIDTH, interconnects)
    assert _messages(xml, X86_CAPS, "VL207") == (
        ["The latency and bandwidth information of node-id=0 should be provided before memory side cache "
         "attributes (QEMU refuses to start the domain)"] if refused else [])

#: (id, device with {} for its address, the address, QEMU's refusal at start or None)
ADDRESS_PROPERTY_CASES = [
    ("isa-on-e1000", "<interface type='user'><model type='e1000'/>{}</interface>",
     "<address type='isa' iobase='0x300'/>", "Property 'e1000.iobase' not found"),
    ("isa-on-ne2k_isa", "<interface type='user'><model type='ne2k_isa'/>{}</interface>",
     "<address type='isa' iobase='0x300' irq='9'/>", None),
    ("dimm-on-ne2k_isa", "<interface type='user'><model type='ne2k_isa'/>{}</interface>",
     "<address type='dimm' slot='0'/>", "Property 'ne2k_isa.slot' not found"),
    ("spapr-vio-on-rtl8139", "<interface type='user'><model type='rtl8139'/>{}</interface>",
     "<address type='spapr-vio'/>", "Property 'rtl8139.reg' not found"),
    ("isa-on-usb-net", "<interface type='user'><model type='usb-net'/>{}</interface>",
     "<address type='isa' iobase='0x300'/>", "Property 'usb-net.iobase' not found"),
    ("pci-on-e1000", "<interface type='user'><model type='e1000'/>{}</interface>", "<address type='pci'/>", None),
    ("isa-on-a-network-interface", "<interface type='network'><source network='default'/><model type='e1000'/>{}"
     "</interface>", "<address type='isa' iobase='0x300'/>", None),  # (its actual type comes from the network)
    ("isa-on-ich9-sound", "<sound model='ich9'>{}</sound>", "<address type='isa' iobase='0x300'/>",
     "Property 'ich9-intel-hda.iobase' not found"),
    ("spapr-vio-reg-on-ac97", "<sound model='ac97'>{}</sound>", "<address type='spapr-vio' reg='0x3000'/>",
     "Property 'AC97.reg' not found"),
    ("isa-on-sb16", "<sound model='sb16'>{}</sound>", "<address type='isa' iobase='0x220' irq='5'/>", None),
    ("dimm-on-sb16", "<sound model='sb16'>{}</sound>", "<address type='dimm' slot='1'/>",
     "Property 'sb16.slot' not found"),
    ("isa-on-xhci", "<controller type='usb' index='6' model='qemu-xhci'>{}</controller>",
     "<address type='isa' iobase='0x300'/>", "Property 'qemu-xhci.iobase' not found"),
    ("isa-on-lsilogic", "<controller type='scsi' index='3' model='lsilogic'>{}</controller>",
     "<address type='isa' iobase='0x300'/>", "Property 'lsi53c895a.iobase' not found"),
    ("spapr-vio-on-root-port", "<controller type='pci' index='12' model='pcie-root-port'>{}</controller>",
     "<address type='spapr-vio'/>", "Property 'pcie-root-port.reg' not found"),
    ("isa-on-second-sata", "<controller type='sata' index='3'>{}</controller>",
     "<address type='isa' iobase='0x300'/>", "Property 'ich9-ahci.iobase' not found"),
    ("isa-on-tpm-crb", "<tpm model='tpm-crb'><backend type='emulator'/>{}</tpm>",
     "<address type='isa' iobase='0x300'/>", "Property 'tpm-crb.iobase' not found"),
    ("dimm-on-parallel", "<parallel type='null'>{}</parallel>", "<address type='dimm' slot='1'/>", None),
    ("irq-on-debugcon", "<serial type='null'><target type='isa-debug'/>{}</serial>",
     "<address type='isa' iobase='0x402' irq='5'/>", "Property 'isa-debugcon.irq' not found"),
    ("debugcon-without-irq", "<serial type='null'><target type='isa-debug'/>{}</serial>",
     "<address type='isa' iobase='0x402'/>", None),
    ("irq-on-isa-serial", "<serial type='null'><target type='isa-serial' port='1'/>{}</serial>",
     "<address type='isa' iobase='0x2f8' irq='3'/>", None),
    # a usb, drive or virtio-serial address puts the device on that bus
    ("usb-on-e1000", "<interface type='user'><model type='e1000'/>{}</interface>",
     "<address type='usb' bus='0' port='1'/>", "Device 'e1000' can't go on usb-bus bus"),
    ("usb-on-usb-net", "<interface type='user'><model type='usb-net'/>{}</interface>",
     "<address type='usb' bus='0' port='1'/>", None),
    ("usb-bus-1-on-ich9", "<sound model='ich9'>{}</sound>", "<address type='usb' bus='1' port='1'/>",
     "Could not find usb controller with index 1 required for device"),
    ("drive-on-ich9", "<sound model='ich9'>{}</sound>",
     "<address type='drive' controller='0' bus='0' target='0' unit='1'/>",
     "unable to find a SCSI controller for idx=0"),
    ("drive-on-e1000-with-scsi", "<controller type='scsi' index='0' model='virtio-scsi'/>"
     "<interface type='user'><model type='e1000'/>{}</interface>",
     "<address type='drive' controller='0' bus='0' target='0' unit='1'/>", "Device 'e1000' can't go on SCSI bus"),
    ("virtio-serial-on-e1000", "<controller type='virtio-serial' index='0'/>"
     "<interface type='user'><model type='e1000'/>{}</interface>",
     "<address type='virtio-serial' controller='0' bus='0' port='3'/>",
     "Device 'e1000' can't go on virtio-serial-bus bus"),
]


@pytest.mark.parametrize(("device", "address", "refusal"), [c[1:] for c in ADDRESS_PROPERTY_CASES],
                         ids=[c[0] for c in ADDRESS_PROPERTY_CASES])
def test_an_address_type_whose_property_the_qemu_device_lacks(device: str, address: str, refusal: str | None) -> None:
    """libvirt gives any device the property its address type becomes (isa: iobase and irq, spapr-vio: reg, dimm:
    slot) or the bus it names (usb, drive, virtio-serial); QEMU refuses it where the device has none or cannot go
    there (each case and twin checked on 9.0 with QEMU 7.2, on q35 and i440fx)."""
    for machine in ("q35", "pc"):
        xml = X86_KVM.replace("machine='q35'", f"machine='{machine}'").format(device.format(address))
        messages = _messages(xml, X86_CAPS, "VL704")
        assert all(m.endswith(("(QEMU refuses to start the domain)", "(libvirt refuses to start the domain)"))
                   for m in messages)
        assert [m.rsplit(" (", 1)[0] for m in messages] == ([refusal] if refusal else [])


def _nic_messages(arch: str, model: str) -> list[str]:
    """VL770's messages on a TCG domain of the arch's usual machine with one user NIC of the model."""
    machine = {"x86_64": "q35", "aarch64": "virt", "ppc64": "pseries"}[arch]
    xml = (f"<domain type='qemu'><name>t</name><memory unit='MiB'>128</memory><os><type arch='{arch}' "
           f"machine='{machine}'>hvm</type></os><devices><interface type='user'><model type='{model}'/>"
           "</interface></devices></domain>")
    return _messages(xml, f"<domainCapabilities><domain>qemu</domain><arch>{arch}</arch></domainCapabilities>",
                     "VL770")


@pytest.mark.parametrize(("arch", "refused"), [("x86_64", True), ("aarch64", True), ("ppc64", False)])
def test_spapr_vlan_off_ppc64(arch: str, refused: bool) -> None:
    assert _nic_messages(arch, "spapr-vlan") == ([
        f"'spapr-vlan' is not a valid device model name (it is pSeries' sPAPR VIO NIC; the {arch} QEMU has none) "
        "(QEMU refuses to start the domain)"] if refused else [])


@pytest.mark.parametrize(("arch", "model", "refused"), [
    ("x86_64", "vlance", True), ("x86_64", "Am79C973", True), ("x86_64", "idontexist", True), ("x86_64", "VGA", True),
    ("x86_64", "lan9118", True), ("aarch64", "ne2k_isa", True), ("aarch64", "smc91c111", True),
    ("x86_64", "tulip", False), ("x86_64", "e1000-82545em", False), ("x86_64", "virtio-net-pci", False),
    ("x86_64", "VIRTIO", False), ("x86_64", "E1000", False), ("x86_64", "unknown", False), ("aarch64", "i82801", False),
    ("x86_64", "igb", False),  # (QEMU 8.0 has it; the caps' machine gives no upper bound of the release)
    ("ppc64", "idontexist", False),  # (no list of that binary's devices here)
])
def test_a_nic_model_the_qemu_binary_has_no_device_of(arch: str, model: str, refused: bool) -> None:
    """libvirt hands QEMU a model it does not know, and writes those it knows in its own spelling (each checked on
    9.0 with QEMU 7.2, q35 and ARM virt)."""
    messages = _nic_messages(arch, model)
    assert bool(messages) == refused, messages
    assert all(m.endswith("(QEMU refuses to start the domain)") for m in messages)


@pytest.mark.parametrize(("address", "refused"), [("", True), ("<address type='pci'/>", True),
                                                  ("<address type='isa' iobase='0x300' irq='9'/>", False),
                                                  # (no bus for QEMU, which puts the card on its ISA bus)
                                                  ("<address type='ccid' controller='0' slot='0'/>", False),
                                                  ("<address type='virtio-mmio'/>", False)])
def test_ne2k_isa_needs_an_isa_address(address: str, refused: bool) -> None:
    xml = X86_KVM.format(f"<interface type='user'><model type='ne2k_isa'/>{address}</interface>")
    assert _messages(xml, X86_CAPS, "VL770") == ([
        "Device 'ne2k_isa' can't go on PCI bus (libvirt gives the NIC a PCI slot unless it has an ISA address) "
        "(QEMU refuses to start the domain)"] if refused else [])


@pytest.mark.parametrize(("device", "refused"), [
    ("<disk type='file' device='cdrom'><target dev='sdb' bus='sata'/><readonly/>{}</disk>", True),
    ("<disk type='file' device='disk'><source file='/a.img'/><target dev='vdb' bus='virtio'/>{}</disk>", False),
    ("<input type='keyboard' bus='usb'>{}</input>", True),
    ("<input type='keyboard' bus='virtio'>{}</input>", False),
    ("<redirdev bus='usb' type='null'>{}</redirdev>", True),
    ("<sound model='ich9'>{}</sound>", False),
    ("<sound model='ich9'><address type='isa' iobase='0x300'/>{}</sound>", True),
    ("<tpm model='tpm-crb'><backend type='emulator'/>{}</tpm>", False),  # (no address: none)
    ("<controller type='usb' index='5' model='qemu-xhci'>{}</controller>", False),
    ("<channel type='pty'><target type='virtio' name='a.b'/>{}</channel>", True),
])
def test_an_acpi_index_needs_a_pci_device(device: str, refused: bool) -> None:
    """qemuValidateDomainDeviceInfo judges the address libvirt assigned first (each checked on 9.0, q35)."""
    for index, twin in (("7", refused), ("0", False)):
        xml = X86_KVM.format(device.format(f"<acpi index='{index}'/>"))
        messages = [m for m in _messages(xml, X86_CAPS, "VL704") if "ACPI" in m]
        assert messages == (["ACPI index is only supported for PCI devices"] if twin else []), device


_PMEM = ("<domain type='kvm'><name>t</name><maxMemory slots='8' unit='KiB'>8388608</maxMemory><memory unit='KiB'>"
         "1048576</memory><vcpu>2</vcpu><os><type arch='x86_64' machine='q35'>hvm</type></os><features><acpi/></features>"
         "<cpu><numa><cell id='0' "
         "cpus='0-1' memory='1048576' unit='KiB'/></numa></cpu><devices><memory model='{}' access='shared'><source>"
         "<path>/tmp/pmem</path></source><target><size unit='KiB'>131072</size>{}</target></memory></devices>"
         "</domain>")


@pytest.mark.parametrize(("libvirt", "model", "refused"), [
    ((9, 0), "virtio-pmem", True), ((9, 8), "virtio-pmem", False), (None, "virtio-pmem", False),
    ((9, 0), "nvdimm", False),
])
def test_virtio_pmem_on_libvirt_9_0(libvirt: tuple[int, int] | None, model: str, refused: bool) -> None:
    """9.0 defines a virtio-pmem device and fails reading it back at start (checked on 9.0 with QEMU 7.2)."""
    xml = _PMEM.format(model, "<node>0</node>" if model == "nvdimm" else "")
    assert _messages(xml, X86_CAPS, "VL797", libvirt) == (
        ["virtio-pmem memory device info is not handled yet (libvirt refuses to start the domain)"] if refused else [])


@pytest.mark.parametrize(("features", "refused"), [
    ("<hyperv mode='passthrough'/>", True), ("<hyperv mode='custom'><vapic state='on'/></hyperv>", True),
    ("<hyperv mode='custom'><vapic state='off'/></hyperv>", False), ("<hyperv mode='custom'/>", False),
    ("<kvm><hidden state='on'/></kvm>", True), ("<kvm><hidden state='off'/></kvm>", False),
    ("<kvm><hint-dedicated state='on'/></kvm>", True), ("<kvm><poll-control state='off'/></kvm>", False),
    ("<kvm><pv-ipi state='off'/></kvm>", True), ("<kvm><dirty-ring state='on' size='4096'/></kvm>", False),
    ("<smm state='on'/>", True), ("<smm/>", True), ("<pmu state='on'/>", False),
    ("<gic version='host'/>", True), ("<gic version='2'/>", False),
])
def test_cpu_and_machine_properties_written_whatever_the_arch(features: str, refused: bool) -> None:
    """libvirt writes these as guest CPU or machine properties, which QEMU's ARM CPUs and virt machine lack (and a
    host GIC needs KVM); each checked on 9.0 with an ARM virt TCG domain. On x86 they are all taken, and s390 is
    not judged (not checked)."""
    assert bool(_messages(arm(f"<features>{features}</features>"), ARM_CAPS, "VL406")) == refused
    x86 = X86_KVM.replace("</os>", f"</os><features>{features}</features>").format("")
    if "gic" not in features:
        assert _messages(x86, X86_CAPS, "VL406") == []
    if "kvm" in features or "smm" in features:
        s390 = (f"<domain type='kvm'><name>t</name><memory unit='MiB'>128</memory><os><type arch='s390x' "
                f"machine='s390-ccw-virtio'>hvm</type></os><features>{features}</features><devices/></domain>")
        assert _messages(s390, "<domainCapabilities><domain>kvm</domain><arch>s390x</arch></domainCapabilities>",
                         "VL406") == []


@pytest.mark.parametrize(("os", "refused"), [
    ("<cmdline>console=ttyS0</cmdline>", "-append"), ("<initrd>/boot/initrd.img</initrd>", "-initrd"),
    ("<dtb>/boot/board.dtb</dtb>", None), ("<cmdline></cmdline>", None), ("<cmdline> </cmdline>", None),
    ("<kernel>/boot/vmlinuz</kernel><cmdline>console=ttyS0</cmdline>", None),
])
def test_a_kernel_command_line_without_the_kernel(os: str, refused: str | None) -> None:
    """QEMU takes -append and -initrd only with -kernel (checked on 9.0, q35, i440fx and ARM virt); a -dtb it takes
    without one (QEMU 7.2 started q35 and i440fx domains of a <dtb> and no <kernel>; ARM virt loads the tree for
    its firmware)."""
    xml = X86_KVM.replace("</type></os>", f"</type>{os}</os>").format("")
    assert _messages(xml, X86_CAPS, "VL755") == (
        [f"{refused} only allowed with -kernel option (QEMU refuses to start the domain)"] if refused else [])
