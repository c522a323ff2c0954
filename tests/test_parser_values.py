"""Values libvirt's parser refuses (VL850 enums, VL851 numbers, sizes, units, bitmaps), with valid twins."""

from __future__ import annotations

import pytest

from conftest import PC_KVM
from virtlint.linter.caps import DomainCaps
from virtlint.linter.document import Document
from virtlint.linter.engine import Linter
from virtlint.linter.model import Severity
from virtlint.rules._libvirt_enums import STRICT_ENUMS


def dom(body: str, head: str = "<memory unit='MiB'>1024</memory><vcpu>2</vcpu>") -> str:
    return f"<domain type='kvm'><name>t</name>{head}<os><type arch='x86_64' machine='q35'>hvm</type></os>{body}</domain>"


def found(xml: str, version: tuple[int, int] | None = None):
    linter = Linter([DomainCaps.from_file(str(PC_KVM))], select=("VL850", "VL851"), libvirt_version=version)
    return linter.lint_document(Document(xml, "dom.xml")).findings


CASES = [
    ("disk-bus", "<devices><disk type='file' device='disk'><target dev='vda' bus='virtoi'/></disk></devices>",
     "<devices><disk type='file' device='disk'><target dev='vda' bus='virtio'/></disk></devices>", "VL850",
     "Invalid value for attribute 'bus' in element 'target': 'virtoi'.", "virtoi"),
    ("driver-format", "<devices><disk type='file'><driver name='qemu' type='qcow3'/><target dev='vda'/></disk>"
     "</devices>", "<devices><disk type='file'><driver name='qemu' type='qcow2'/><target dev='vda'/></disk>"
     "</devices>", "VL850", "unknown driver format value 'qcow3'", "qcow3"),
    ("memaccess", "<cpu><numa><cell id='0' cpus='0-1' memory='1024' unit='MiB' memAccess='invalid'/></numa></cpu>",
     "<cpu><numa><cell id='0' cpus='0-1' memory='1024' unit='MiB' memAccess='shared'/></numa></cpu>", "VL850",
     "'memAccess' in element 'cell': 'invalid'", "invalid"),
    ("memaccess-default-is-refused", "<cpu><numa><cell id='0' cpus='0-1' memory='1' unit='GiB' memAccess='default'/>"
     "</numa></cpu>", "<cpu><numa><cell id='0' cpus='0-1' memory='1' unit='GiB'/></numa></cpu>", "VL850",
     "'memAccess'", "default"),
    ("cpu-mode", "<cpu mode='host-passthru'/>", "<cpu mode='host-passthrough'/>", "VL850",
     "Invalid mode attribute 'host-passthru'", "host-passthru"),
    ("gic-none", "<features><gic version='none'/></features>", "<features><gic version='host'/></features>",
     "VL850", "'version' in element 'gic': 'none'", "none"),
    ("feature-state", "<features><smm state='yes'/></features>", "<features><smm state='on'/></features>", "VL850",
     "'state' in element 'smm': 'yes'", "yes"),
    ("on-reboot", "<on_reboot>reboot</on_reboot>", "<on_reboot>restart</on_reboot>", "VL850",
     "unknown on_reboot action: reboot", "reboot"),
    ("address-type", "<devices><interface type='network'><source network='default'/>"
     "<address type='pcie' bus='0x01'/></interface></devices>",
     "<devices><interface type='network'><source network='default'/>"
     "<address type='pci' bus='0x01'/></interface></devices>", "VL850", "'type' in element 'address'", "pcie"),
    ("input-bus", "<devices><input type='tablet' bus='usb2'/></devices>",
     "<devices><input type='tablet' bus='usb'/></devices>", "VL850", "unknown input bus type 'usb2'", "usb2"),
    ("vcpu-text", "", "", "VL851", "maximum vcpus count must be an integer", "four"),
    ("memory-unit", "", "", "VL851", "unknown suffix 'XB'", "XB"),
    ("current", "", "", "VL851", "'current' in element 'vcpu': 'two'. Expected non-negative integer value", "two"),
    ("cpuset", "", "", "VL851", "Failed to parse bitmap 'aaa'", "aaa"),
    ("topology-zero", "<cpu><topology sockets='0' cores='2' threads='1'/></cpu>",
     "<cpu><topology sockets='1' cores='2' threads='1'/></cpu>", "VL851", "Zero is not permitted", "0"),
    ("controller-index", "<devices><controller type='pci' index='-1' model='pci-bridge'/></devices>",
     "<devices><controller type='pci' index='1' model='pci-bridge'/></devices>", "VL851",
     "Expected non-negative value", "-1"),
    ("queues", "<devices><interface type='network'><source network='default'/><model type='virtio'/>"
     "<driver name='vhost' queues='-5'/></interface></devices>",
     "<devices><interface type='network'><source network='default'/><model type='virtio'/>"
     "<driver name='vhost' queues='5'/></interface></devices>", "VL851",
     "'queues' in element 'driver': '-5'. Expected non-negative integer value", "-5"),
    ("cell-memory", "<cpu><numa><cell id='0' cpus='0-1' memory='1G'/></numa></cpu>",
     "<cpu><numa><cell id='0' cpus='0-1' memory='1' unit='G'/></numa></cpu>", "VL851",
     "Invalid value '1G' for element or attribute './@memory'", "1G"),
    ("iothreads", "<iothreads>-1</iothreads>", "<iothreads>1</iothreads>", "VL851", "invalid iothreads count '-1'",
     "-1"),
    # (these checked with the real libvirt 9.0, virsh define)
    ("link-state", "<devices><interface type='user'><link state='maybe'/></interface></devices>",
     "<devices><interface type='user'><link state='up'/></interface></devices>", "VL850",
     "unknown interface link state 'maybe'", "maybe"),
    ("codec-type", "<devices><sound model='ich9'><codec type='bogus'/></sound></devices>",
     "<devices><sound model='ich9'><codec type='duplex'/></sound></devices>", "VL850", "unknown codec type 'bogus'",
     "bogus"),
    ("hub-type", "<devices><hub type='pci'/></devices>", "<devices><hub type='usb'/></devices>", "VL850",
     "unknown hub device type 'pci'", "pci"),
    ("input-model", "<devices><input type='keyboard' bus='virtio' model='virtio-transitional2'/></devices>",
     "<devices><input type='keyboard' bus='virtio' model='virtio-transitional'/></devices>", "VL850",
     "unknown input model 'virtio-transitional2'", "virtio-transitional2"),
    ("controller-ports", "<devices><controller type='virtio-serial' ports='-1'/></devices>",
     "<devices><controller type='virtio-serial' ports='16'/></devices>", "VL851",
     "Invalid value for attribute 'ports' in element 'controller': '-1'. Expected non-negative value", "-1"),
    ("audio-id-zero", "<devices><audio id='0' type='none'/></devices>",
     "<devices><audio id='1' type='none'/></devices>", "VL851",
     "Invalid value for attribute 'id' in element 'audio': Zero is not permitted", "0"),
    ("boot-order-zero", "<devices><disk type='file' device='cdrom'><target dev='sda' bus='sata'/><boot order='0'/>"
     "</disk></devices>", "<devices><disk type='file' device='cdrom'><target dev='sda' bus='sata'/>"
     "<boot order='1'/></disk></devices>", "VL851",
     "Invalid value for attribute 'order' in element 'boot': Zero is not permitted", "0"),
    ("timer-frequency", "<clock offset='utc'><timer name='tsc' frequency='abc'/></clock>",
     "<clock offset='utc'><timer name='tsc' frequency='3000000000'/></clock>", "VL851",
     "Invalid value for attribute 'frequency' in element 'timer': 'abc'. Expected non-negative integer value", "abc"),
]
#: The rows the audit of domain_conf.c's virXMLProp* calls added (2026-11-26): (name, element with {} for the
#: attribute, the refused attribute, its valid twin, code, the refused value)
AUDITED = [
    ("disk-copy-on-read", "<devices><disk type='file'><driver name='qemu' type='raw' {}/><target dev='vda'/></disk>"
     "</devices>", "copy_on_read='yes'", "copy_on_read='on'", "VL850", "yes"),
    ("disk-event-idx", "<devices><disk type='file'><driver name='qemu' type='raw' {}/><target dev='vda'/></disk>"
     "</devices>", "event_idx='1'", "event_idx='off'", "VL850", "1"),
    ("disk-queue-size", "<devices><disk type='file'><driver name='qemu' type='raw' {}/><target dev='vda'/></disk>"
     "</devices>", "queue_size='big'", "queue_size='256'", "VL851", "big"),
    ("controller-cmd-per-lun", "<devices><controller type='scsi' model='virtio-scsi'><driver {}/></controller>"
     "</devices>", "cmd_per_lun='x'", "cmd_per_lun='8'", "VL851", "x"),
    ("controller-max-sectors", "<devices><controller type='scsi' model='virtio-scsi'><driver {}/></controller>"
     "</devices>", "max_sectors='-1'", "max_sectors='512'", "VL851", "-1"),
    ("controller-ioeventfd", "<devices><controller type='scsi' model='virtio-scsi'><driver {}/></controller>"
     "</devices>", "ioeventfd='yes'", "ioeventfd='on'", "VL850", "yes"),
    ("iommu-intremap", "<devices><iommu model='intel'><driver {}/></iommu></devices>", "intremap='yes'",
     "intremap='on'", "VL850", "yes"),
    ("iommu-aw-bits", "<devices><iommu model='intel'><driver {}/></iommu></devices>", "aw_bits='wide'",
     "aw_bits='48'", "VL851", "wide"),
    ("evdev-grab", "<devices><input type='evdev'><source dev='/dev/input/event1' {}/></input></devices>",
     "grab='default'", "grab='all'", "VL850", "default"),
    ("evdev-grab-toggle", "<devices><input type='evdev'><source dev='/dev/input/event1' {}/></input></devices>",
     "grabToggle='ctrl'", "grabToggle='ctrl-ctrl'", "VL850", "ctrl"),
    ("evdev-repeat", "<devices><input type='evdev'><source dev='/dev/input/event1' {}/></input></devices>",
     "repeat='yes'", "repeat='on'", "VL850", "yes"),
    ("usb-hostdev-auto-address", "<devices><hostdev mode='subsystem' type='usb'><source {}><vendor id='0x1234'/>"
     "<product id='0xbeef'/></source></hostdev></devices>", "autoAddress='on'", "autoAddress='yes'", "VL850", "on"),
    ("pci-hostdev-write-filtering", "<devices><hostdev mode='subsystem' type='pci'><source {}><address "
     "domain='0x0000' bus='0x01' slot='0x00' function='0x0'/></source></hostdev></devices>",
     "writeFiltering='on'", "writeFiltering='no'", "VL850", "on"),
    ("lease-offset", "<devices><lease><lockspace>s</lockspace><key>k</key><target path='/l' {}/></lease></devices>",
     "offset='1M'", "offset='1024'", "VL851", "1M"),
    ("loader-stateless", "<os><type arch='x86_64' machine='q35'>hvm</type><loader readonly='yes' type='pflash' {}>"
     "/usr/share/OVMF/OVMF_CODE_4M.fd</loader></os>", "stateless='on'", "stateless='yes'", "VL850", "on"),
    ("oss-try-mmap", "<devices><audio id='1' type='oss' {}/></devices>", "tryMMap='on'", "tryMMap='yes'", "VL850",
     "on"),
    ("serial-port", "<devices><serial type='pty'><target {}/></serial></devices>", "port='first'", "port='0'",
     "VL851", "first"),
    ("serial-port-minus-one", "<devices><serial type='pty'><target {}/></serial></devices>", "port='1.0'",
     "port='-1'", "VL851", "1.0"),  # (virStrToLong_ui takes -1: the largest number, "assign one")
    ("max-memory-slots", "<maxMemory {} unit='GiB'>4</maxMemory>", "slots='four'", "slots='4'", "VL851", "four"),
    ("expander-bus-node", "<devices><controller type='pci' index='1' model='pci-expander-bus'><target busNr='254'>"
     "<node>{}</node></target></controller></devices>", "-1", "0", "VL851", "-1"),
    # the mutation audit's (tests/oracle/mutations.py), one per family
    ("disk-network-protocol", "<devices><disk type='network'><source {} name='p/i'><host name='h'/></source>"
     "<target dev='vda'/></disk></devices>", "protocol='rdb'", "protocol='rbd'", "VL850", "rdb"),
    ("redirdev-source-mode", "<devices><redirdev bus='usb' type='tcp'><source {} host='h' service='4000'/>"
     "</redirdev></devices>", "mode='client'", "mode='connect'", "VL850", "client"),
    ("smartcard-type", "<devices><smartcard mode='passthrough' {}/></devices>", "type='spice'", "type='spicevmc'",
     "VL850", "spice"),
    ("rng-backend-protocol", "<devices><rng model='virtio'><backend model='egd' type='tcp'><source mode='connect' "
     "host='h' service='1'/><protocol {}/></backend></rng></devices>", "type='telnet2'", "type='telnet'", "VL850",
     "telnet2"),
    ("pci-hotplug", "<devices><controller type='pci' index='1' model='pcie-root-port'><target {}/></controller>"
     "</devices>", "hotplug='no'", "hotplug='off'", "VL850", "no"),
    ("pci-model-name", "<devices><controller type='pci' index='1' model='pcie-root-port'><model {}/></controller>"
     "</devices>", "name='pcie-root'", "name='pcie-root-port'", "VL850", "pcie-root"),
    ("stimer-direct", "<features><hyperv mode='custom'><stimer state='on'><direct {}/></stimer></hyperv></features>",
     "state='yes'", "state='on'", "VL850", "yes"),
    ("acpi-index-on-disk", "<devices><disk type='file'><target dev='vda'/><acpi {}/></disk></devices>",
     "index='0'", "index='1'", "VL851", "0"),
    ("disk-iothread-zero", "<devices><disk type='file'><driver name='qemu' {}/><target dev='vda'/></disk>"
     "</devices>", "iothread='0'", "iothread='1'", "VL851", "0"),
    ("usb-master-startport", "<devices><controller type='usb' index='0' model='ich9-uhci1'><master {}/>"
     "</controller></devices>", "startport='first'", "startport='0'", "VL851", "first"),
    ("pci-target-chassis", "<devices><controller type='pci' index='1' model='pcie-root-port'><target {}/>"
     "</controller></devices>", "chassis='-1'", "chassis='0x1'", "VL851", "-1"),
    ("pci-mem-reserve", "<devices><controller type='pci' index='1' model='pcie-root-port'><target {}/>"
     "</controller></devices>", "memReserve='0'", "memReserve='0x1000'", "VL851", "0"),
    ("pcihole64", "<devices><controller type='pci' index='0' model='pcie-root'><pcihole64 unit='GiB'>{}</pcihole64>"
     "</controller></devices>", "four", "4", "VL851", "four"),
    ("vnc-audio-id", "<devices><graphics type='vnc'><audio {}/></graphics><audio id='1' type='none'/></devices>",
     "id='0'", "id='1'", "VL851", "0"),
    ("maxphysaddr-bits", "<cpu><maxphysaddr mode='emulate' {}/></cpu>", "bits='-1'", "bits='42'", "VL851", "-1"),
    ("chardev-reconnect-timeout", "<devices><serial type='tcp'><source mode='connect' host='h' service='1'>"
     "<reconnect enabled='yes' {}/></source></serial></devices>", "timeout='soon'", "timeout='10'", "VL851", "soon"),
    ("numa-interconnect", "<cpu><numa><cell id='0' cpus='0' memory='1' unit='GiB'/><interconnects><latency "
     "target='0' type='access' value='5' {}/></interconnects></numa></cpu>", "initiator='x'", "initiator='0'",
     "VL851", "x"),
    ("backing-metadata-cache", "<devices><disk type='file'><driver name='qemu' type='qcow2'/><source file='/a'/>"
     "<backingStore type='file'><format type='qcow2'><metadata_cache><max_size unit='KiB'>{}</max_size>"
     "</metadata_cache></format><source file='/b'/></backingStore><target dev='vda'/></disk></devices>",
     "1.5", "1024", "VL851", "1.5"),
    ("reservations-managed", "<devices><disk type='block' device='lun'><source dev='/dev/sdb'><reservations {}/>"
     "</source><target dev='sda' bus='scsi'/></disk></devices>", "managed='on'", "managed='yes'", "VL850", "on"),
    ("portforward-range", "<devices><interface type='user'><backend type='passt'/><portForward proto='tcp'>"
     "<range {}/></portForward></interface></devices>", "start='0'", "start='2022'", "VL851", "0"),
]
HEADS = {
    "vcpu-text": ("<memory unit='MiB'>1024</memory><vcpu>four</vcpu>", "<memory unit='MiB'>1024</memory><vcpu>4</vcpu>"),
    "memory-unit": ("<memory unit='XB'>4</memory><vcpu>2</vcpu>", "<memory unit='GB'>4</memory><vcpu>2</vcpu>"),
    "current": ("<memory>1048576</memory><vcpu current='two'>4</vcpu>", "<memory>1048576</memory><vcpu current='2'>4</vcpu>"),
    "cpuset": ("<memory>1048576</memory><vcpu cpuset='aaa'>4</vcpu>", "<memory>1048576</memory><vcpu cpuset='0-3,^2'>4</vcpu>"),
}


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_refused_value_and_its_valid_twin(case) -> None:
    name, failing, passing, code, message, anchored = case
    fail_head, pass_head = HEADS.get(name, (None, None))
    failing_xml = dom(failing, fail_head) if fail_head else dom(failing)
    passing_xml = dom(passing, pass_head) if pass_head else dom(passing)
    findings = found(failing_xml)
    hits = [f for f in findings if f.code == code and message in f.message]
    assert hits, [(f.code, f.message) for f in findings]
    assert hits[0].severity is Severity.ERROR
    assert failing_xml[slice(*hits[0].offsets)] == anchored
    assert found(passing_xml) == [], [(f.code, f.message) for f in found(passing_xml)]


@pytest.mark.parametrize("case", AUDITED, ids=[c[0] for c in AUDITED])
def test_audited_attribute_and_its_valid_twin(case) -> None:
    name, element, refused, twin, code, anchored = case
    body = element.format(refused)
    failing_xml = dom(body)
    if body.startswith("<os>"):  # (in place of the domain's own <os>)
        failing_xml = failing_xml.replace("<os><type arch='x86_64' machine='q35'>hvm</type></os>", "", 1)
    passing_xml = failing_xml.replace(refused, twin)
    hits = [f for f in found(failing_xml) if f.code == code]
    assert hits and hits[0].severity is Severity.ERROR, [(f.code, f.message) for f in found(failing_xml)]
    assert anchored in failing_xml[slice(*hits[0].offsets)]
    assert found(passing_xml) == [], [(f.code, f.message) for f in found(passing_xml)]


@pytest.mark.parametrize(("element", "refused", "since"), [
    ("<devices><disk type='file'><driver name='qemu' type='qcow2' {}/><target dev='vda'/></disk></devices>",
     "discard_no_unref='yes'", (9, 5)),
    ("<devices><iommu model='intel'><driver {}/></iommu></devices>", "dma_translation='yes'", (10, 7)),
    ("<devices><video><model type='virtio' {}/></video></devices>", "blob='yes'", (9, 2)),
    ("<devices><sound model='usb' {}/></devices>", "multichannel='on'", (9, 4)),
    ("<iothreads>1</iothreads><iothreadids><iothread id='1'><poll {}/></iothread></iothreadids>", "max='x'", (9, 4)),
])
def test_attributes_older_releases_ignore_are_judged_from_their_release(element: str, refused: str,
                                                                       since: tuple[int, int]) -> None:
    """libvirt 9.0 ignores these attributes (checked: it defines them with any value); their release reads them."""
    xml = dom(element.format(refused))
    earlier = (since[0], since[1] - 1) if since[1] else (since[0] - 1, 9)
    assert [f.code for f in found(xml, since)] and found(xml, earlier) == []


def test_replacements_rank_the_look_alike_first() -> None:
    (finding,) = found(dom("<devices><disk type='file'><target dev='vda' bus='virtoi'/></disk></devices>"))
    assert finding.hint == "use 'virtio'"
    assert finding.fixes


LATER_VALUES = dom("<devices><controller type='nvme' index='0'/><disk type='file'><target dev='nvme0n1' bus='nvme'/>"
                   "</disk></devices><launchSecurity type='tdx'/>")


def test_values_newer_releases_added_are_not_reported_when_no_release_is_named() -> None:
    """nvme (disk bus, controller type) and TDX came after libvirt 10.7: the host's libvirt may be newer."""
    assert found(LATER_VALUES) == []
    assert found(LATER_VALUES, (11, 9)) == []  # (a release named beyond the newest known: it may read them)


@pytest.mark.parametrize("version", [(9, 0), (10, 7)])
def test_values_newer_releases_added_are_refused_by_a_named_release(version: tuple[int, int]) -> None:
    """A named release virtlint models refuses them as any unknown value (libvirt 9.0: `Invalid value for attribute
    'type' in element 'launchSecurity': 'tdx'.`, checked on the lab with virt-install's TDX domain)."""
    findings = found(LATER_VALUES, version)
    assert [(f.code, f.message.split(" Only")[0]) for f in findings] == [
        ("VL850", "Invalid value for attribute 'type' in element 'controller': 'nvme'."),
        ("VL850", "Invalid value for attribute 'bus' in element 'target': 'nvme'."),
        ("VL850", "Invalid value for attribute 'type' in element 'launchSecurity': 'tdx'."),
    ]
    assert all(f"the modelled release is {version[0]}.{version[1]}" in f.message for f in findings)


def test_clusters_are_parsed_since_10_1() -> None:
    xml = dom("<cpu><topology sockets='1' clusters='0' cores='2' threads='1'/></cpu>")
    assert [f.code for f in found(xml)] == ["VL851"]
    assert found(xml, (9, 0)) == []


def test_table_rows_are_unique_and_well_formed() -> None:
    keys = [(row.path, row.attribute, row.when) for row in STRICT_ENUMS]
    assert len(keys) == len(set(keys))
    for row in STRICT_ENUMS:
        assert row.values and len(row.values) == len(set(row.values)), row
        assert "" not in row.values


def test_crypto_devices_are_not_checked_for_libvirt_9_0_which_drops_them() -> None:
    """libvirt 9.0 defines a domain with any <crypto> (it keeps nothing of it; the device came in 9.1)."""
    from virtlint.linter.engine import Linter as AllRules

    crypto = dom("<devices><controller type='sata' index='0'><address type='pci' domain='0x0000' bus='0x00' "
                 "slot='0x1f' function='0x2'/></controller>"
                 "<crypto model='virtio' type='qemu'><backend model='builtin'/><address type='bogus'/></crypto>"
                 "<crypto model='virtio' type='qemu'><backend model='builtin'/>"
                 "<address type='pci' domain='0x0000' bus='0x00' slot='0x1f' function='0x2'/></crypto>"
                 "<crypto model='virtio' type='qemu'><backend model='lkcf'/>"
                 "<address type='drive' controller='0' bus='0' unit='0'/></crypto></devices>")

    def codes_at(version: tuple[int, int] | None) -> set[str]:
        linter = AllRules([DomainCaps.from_file(str(PC_KVM))], select=("VL850", "VL701", "VL704"),
                          libvirt_version=version)
        return {f.code for f in linter.lint_document(Document(crypto, "dom.xml")).findings}

    assert codes_at((9, 0)) == set()
    assert codes_at((9, 1)) == {"VL850", "VL701", "VL704"}
    assert codes_at(None) == {"VL850", "VL701", "VL704"}


def test_a_size_already_read_still_has_its_unit_checked() -> None:
    """VL851's screen lets a size it has read before pass at no call, but reads the unit apart."""
    assert found(dom("", "<memory unit='KiB'>4194304</memory><vcpu>2</vcpu>")) == []
    (finding,) = found(dom("", "<memory unit='XB'>4194304</memory><vcpu>2</vcpu>"))
    assert finding.message == "unknown suffix 'XB'"


def test_the_engine_calls_a_screened_rule_only_on_a_suspect_element() -> None:
    from virtlint.rules.parser_value import ParserValue

    calls: list[str] = []
    original = ParserValue.check

    def counting(self, element, ctx):
        calls.append(element.get("bus"))
        return original(self, element, ctx)

    ParserValue.check = counting  # type: ignore[method-assign]
    try:
        xml = dom("<devices><disk type='file' device='disk'><target dev='vda' bus='virtio'/></disk>"
                  "<disk type='file' device='disk'><target dev='vdb' bus='virtoi'/></disk></devices>")
        assert [f.code for f in found(xml)] == ["VL850"]
    finally:
        ParserValue.check = original  # type: ignore[method-assign]
    assert calls == ["virtoi"]


def _fleet_linter() -> Linter:
    return Linter([DomainCaps.from_file(str(PC_KVM))], select=("VL850", "VL851"))


def _on_lines(body: str, head: str = "<memory unit='MiB'>1024</memory><vcpu>2</vcpu>") -> str:
    return f"<domain type='kvm'><name>t</name>\n{head}\n<os><type arch='x86_64' machine='q35'>hvm</type></os>\n" \
           f"<devices>\n{body}\n</devices>\n</domain>"


def test_a_line_that_passed_the_screens_is_not_screened_again() -> None:
    """The engine remembers, per step, the source lines whose element passed its screens (Linter._walk): documents
    of a fleet repeat most lines, and a remembered line costs no attribute read."""
    linter = _fleet_linter()
    disk = "  <disk type='file' device='disk'>\n    <target dev='vda' bus='virtio'/>\n  </disk>"
    one_line = "<disk type='file' device='disk'><target dev='vdb' bus='virtio'/></disk>"
    for _ in range(2):
        assert linter.lint_document(Document(_on_lines(f"{disk}\n{one_line}"), "d.xml")).findings == []
    ((_, root),) = linter._plans.values()
    step = root[3]["devices"][3]["disk"]
    # remembered: each line holding one start tag whole; not the line with two
    assert step[4][0] == {"  <disk type='file' device='disk'>"}
    assert step[3]["target"][4][0] == {"    <target dev='vda' bus='virtio'/>"}
    (finding,) = linter.lint_document(Document(_on_lines(disk.replace("virtio", "virtoi")), "d.xml")).findings
    assert finding.code == "VL850"


# (first document, clean; second, refused: its line(s) as the first's, but not what they spell)
LINE_TWINS = [
    # a start tag over two lines: the line its element ends on does not spell its attributes
    ("<disk type='file'\n device='disk'><target dev='vda'/></disk>",
     "<disk type='fiel'\n device='disk'><target dev='vda'/></disk>", "VL850"),
    ("<disk type='file'\n device='disk'>\n<target dev='vda'/></disk>",
     "<disk type='fiel'\n device='disk'>\n<target dev='vda'/></disk>", "VL850"),
    # a screen that reads the text (a size's): a start tag alone on its line does not spell the text after it
    ("<memory model='dimm'><target>\n<size unit='KiB'>\n524288</size></target></memory>",
     "<memory model='dimm'><target>\n<size unit='KiB'>\n524288 </size></target></memory>", "VL851"),
    # a line feed only ends a line for libxml2: a lone CR does not
    ("<disk type='file' device='disk'>\r<target dev='vda' bus='virtio'/></disk>",
     "<disk type='file' device='disk'>\r<target dev='vda' bus='virtoi'/></disk>", "VL850"),
]


@pytest.mark.parametrize("clean,refused,code", LINE_TWINS, ids=["start-tag-over-two-lines", "with-its-child-below",
                                                               "text-after-a-start-tag", "lone-cr"])
def test_a_remembered_line_decides_only_what_it_spells(clean: str, refused: str, code: str) -> None:
    linter = _fleet_linter()
    for _ in range(2):  # (twice: a screen learns the values its rule read without error, see VL851)
        assert linter.lint_document(Document(_on_lines(clean), "d.xml")).findings == []
    assert [f.code for f in linter.lint_document(Document(_on_lines(refused), "d.xml")).findings] == [code]
    assert [f.code for f in _fleet_linter().lint_document(Document(_on_lines(refused), "d.xml")).findings] == [code]


def test_the_text_of_an_element_whole_on_its_line_is_remembered_with_it() -> None:
    linter = _fleet_linter()
    for text in ("<memory unit='KiB'>1048576</memory>", "<memory unit='KiB'>1048576</memory>"):
        assert linter.lint_document(Document(_on_lines("", f"{text}\n<vcpu>2</vcpu>"), "d.xml")).findings == []
    (finding,) = linter.lint_document(Document(_on_lines("", "<memory unit='KiB'>1048576 </memory>\n<vcpu>2</vcpu>"),
                                               "d.xml")).findings
    assert finding.code == "VL851"


# Checked against the real libvirt 9.0 daemon (virsh define): each "refused" is refused with the message given,
# each twin is defined.
TRAILING_BLANKS = [
    ("<memory unit='KiB'>1048576 </memory><vcpu>2</vcpu>", "<memory unit='KiB'> 1048576</memory><vcpu>2</vcpu>",
     "Invalid value '1048576 ' for element or attribute './memory[1]'"),
    ("<memory unit='KiB'>\n    1048576\n  </memory><vcpu>2</vcpu>", "<memory unit='KiB'>1048576</memory><vcpu>2</vcpu>",
     "for element or attribute './memory[1]'"),
    ("<memory unit='KiB'>1048576</memory><vcpu>2 </vcpu>", "<memory unit='KiB'>1048576</memory><vcpu> 2</vcpu>",
     "maximum vcpus count must be an integer"),
    ("<memory unit='KiB'>1048576</memory><vcpu current='1 '>2</vcpu>",
     "<memory unit='KiB'>1048576</memory><vcpu current='1'>2</vcpu>",
     "Invalid value for attribute 'current' in element 'vcpu': '1 '. Expected non-negative integer value"),
    ("<memory unit='KiB'>1048576</memory><vcpu>2</vcpu><iothreads>2 </iothreads>",
     "<memory unit='KiB'>1048576</memory><vcpu>2</vcpu><iothreads>2</iothreads>", "invalid iothreads count '2 '"),
]


@pytest.mark.parametrize("refused,twin,message", TRAILING_BLANKS)
def test_blanks_after_a_number_are_refused_as_libvirt_refuses_them(refused: str, twin: str, message: str) -> None:
    (finding,) = found(dom("", refused))
    assert (finding.code, finding.severity) == ("VL851", Severity.ERROR)
    assert message in finding.message
    assert found(dom("", twin)) == []


def test_blanks_after_an_attribute_number_and_in_a_bitmap() -> None:
    (finding,) = found(dom("<devices><controller type='usb' index='0 '/></devices>"))
    assert finding.message.startswith("Invalid value for attribute 'index' in element 'controller': '0 '.")
    assert found(dom("<devices><controller type='usb' index='0'/></devices>")) == []
    assert found(dom("", "<memory unit='KiB'>1048576</memory><vcpu cpuset='1-2 '>2</vcpu>")) == []  # defined


def test_an_element_added_to_the_parsed_tree_is_judged_by_its_values() -> None:
    """It has no source line: the walk screens its values (and does not fail on the missing line)."""
    from lxml import etree

    document = Document(_on_lines(""), "d.xml")
    devices = document.root.find("devices")
    disk = etree.SubElement(devices, "disk", type="file", device="disk")
    etree.SubElement(disk, "target", dev="vda", bus="virtoi")
    assert [f.code for f in _fleet_linter().lint_document(document).findings] == ["VL850"]
