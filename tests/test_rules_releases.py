"""Verdicts that depend on the modelled libvirt release: enum values a release learnt or dropped, attributes it
does not read, and refusals of some releases only. Each value's release comes from libvirt's own history (its
NEWS and the enum lists of four release trees); the 9.0 verdicts were checked with the real libvirt 9.0."""

from __future__ import annotations

import pytest

from conftest import caps_from_text
from virtlint.linter.document import Document
from virtlint.linter.engine import Linter
from virtlint.linter.model import Severity
from virtlint.rules._libvirt_enums import ADDED, PARSED_SINCE, RETIRED, STRICT_ENUMS

Q35 = "<domainCapabilities><domain>kvm</domain><machine>pc-q35-9.1</machine><arch>x86_64</arch></domainCapabilities>"


def dom(devices: str = "", extra: str = "", os: str = "") -> str:
    return (f"<domain type='kvm'><name>t</name><memory>262144</memory><vcpu>1</vcpu>{extra}<os{os}><type "
            f"arch='x86_64' machine='q35'>hvm</type></os><devices>{devices}</devices></domain>")


def errors(xml: str, version: tuple[int, int]) -> list[tuple[str, str]]:
    linter = Linter([caps_from_text(Q35)], libvirt_version=version)
    return [(f.code, f.message) for f in linter.lint_document(Document(xml, "dom.xml")).findings
            if f.severity is Severity.ERROR]


SHARED = "<memoryBacking><source type='memfd'/><access mode='shared'/></memoryBacking>"
#: (id, domain, the release that first takes it (refused before), the code refusing it before, a fragment)
LEARNT = [
    ("audio-pipewire", dom("<audio id='1' type='pipewire'/>"), (9, 10), "VL850",
     "'audio': 'pipewire'. libvirt 9.10 added it, and the modelled release is 9.0"),
    ("sound-virtio", dom("<sound model='virtio'/>"), (10, 4), "VL850", "'sound': 'virtio'"),
    ("panic-pvpanic", dom("<panic model='pvpanic'/>"), (9, 1), "VL850", "unknown panic model 'pvpanic'"),
    ("watchdog-itco", dom("<watchdog model='itco'/>"), (9, 1), "VL850", "'watchdog': 'itco'"),
    ("filesystem-mtp", dom("<filesystem type='mount'><driver type='mtp'/><source dir='/srv'/><target dir='mtp'/>"
                           "</filesystem>"), (10, 2), "VL850", "'driver': 'mtp'"),
    ("vhostvdpa-disk", dom("<disk type='vhostvdpa' device='disk'><driver name='qemu' type='raw'/><source "
                           "dev='/dev/vhost-vdpa-0'/><target dev='vda' bus='virtio'/></disk>"), (9, 8), "VL850",
     "'disk': 'vhostvdpa'"),
]


@pytest.mark.parametrize(("xml", "since", "code", "fragment"), [c[1:] for c in LEARNT], ids=[c[0] for c in LEARNT])
def test_a_value_is_refused_before_the_release_that_learnt_it(xml: str, since: tuple[int, int], code: str,
                                                              fragment: str) -> None:
    before = (since[0], since[1] - 1) if since[1] else (since[0] - 1, 10)
    assert any(c == code and fragment.split(". libvirt")[0] in m for c, m in errors(xml, before)), errors(xml, before)
    assert not any(c == code for c, _ in errors(xml, since)), errors(xml, since)
    if before == (9, 0):
        assert any(fragment in m for _, m in errors(xml, before))


def test_tables_name_only_values_and_rows_libvirt_10_7_has() -> None:
    rows = {(row.path, row.attribute): row for row in STRICT_ENUMS}
    for key, values in ADDED.items():
        assert key in rows, key
        assert set(values) <= set(rows[key].values), key
        assert all((8, 2) <= release <= (10, 7) for release in values.values()), key
    for key, values in RETIRED.items():
        assert key in rows and not set(values) & set(rows[key].values), key
    assert set(PARSED_SINCE) <= set(rows)


def test_a_value_8_1_took_is_not_reported_before_9_0() -> None:
    xml = dom("<tpm model='default'><backend type='emulator' version='2.0'/></tpm>")
    assert any("'tpm': 'default'" in m for _, m in errors(xml, (9, 0)))
    assert not any("'tpm': 'default'" in m for _, m in errors(xml, (8, 10)))


def test_an_attribute_a_release_does_not_read_is_not_judged() -> None:
    xml = dom("<interface type='user'><backend type='bogus'/></interface>")
    assert any("'backend': 'bogus'" in m for _, m in errors(xml, (9, 0)))
    assert not any("'backend': 'bogus'" in m for _, m in errors(xml, (8, 10)))


def test_a_value_learnt_later_is_screened_by_the_modelled_release_every_time() -> None:
    """The walk remembers lines that passed VL850's screens: a learnt value must still be judged per release."""
    xml = dom("<watchdog model='itco'/>")
    for _ in range(2):
        assert errors(xml, (10, 7)) == []
        assert any("itco" in m for _, m in errors(xml, (9, 0)))


@pytest.mark.parametrize(("os", "devices", "fragment"), [
    ("", "<loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE.fd</loader>", "loader attribute 'readonly'"),
    ("", "<loader>/usr/share/OVMF/OVMF_CODE.fd</loader>", "loader attribute 'type'"),
    ("", "<nvram template='/usr/share/OVMF/OVMF_VARS.fd'/>", "nvram attribute 'template'"),
    # (the mutation audit with 'no'; secure='yes' asks for a secure-boot firmware and is taken: both checked on 9.0)
    ("", "<loader secure='no'/>", "loader attribute 'secure'"),
])
def test_firmware_autoselection_refuses_loader_settings_in_9_0_and_9_1(os: str, devices: str, fragment: str) -> None:
    xml = (f"<domain type='kvm'><name>t</name><memory>262144</memory><os firmware='efi'><type arch='x86_64' "
           f"machine='q35'>hvm</type>{devices}</os></domain>")
    for version, refused in (((8, 10), False), ((9, 0), True), ((9, 1), True), ((9, 2), False), ((10, 7), False)):
        assert any(c == "VL755" and fragment in m for c, m in errors(xml, version)) is refused, version


def test_firmware_autoselection_takes_a_secure_loader() -> None:
    xml = (f"<domain type='kvm'><name>t</name><memory>262144</memory><os firmware='efi'><type arch='x86_64' "
           f"machine='q35'>hvm</type><loader secure='yes'/></os></domain>")
    assert not any("cannot be specified when firmware autoselection" in m for _, m in errors(xml, (9, 0)))


def test_maxphysaddr_emulate_needs_bits_before_9_3() -> None:
    xml = dom(extra="<cpu mode='custom' match='exact'><model>qemu64</model><maxphysaddr mode='emulate'/></cpu>")
    twin = xml.replace("mode='emulate'/>", "mode='emulate' bits='42'/>")
    assert any(c == "VL212" and "bits= must be specified too" in m for c, m in errors(xml, (9, 0)))
    assert errors(twin, (9, 0)) == [] and errors(xml, (10, 7)) == []


def test_vds_port_and_connection_ids_are_required_before_10_5() -> None:
    xml = dom("<interface type='vds'><mac address='52:54:00:11:22:33'/><source "
              "switchid='12345678-1234-1234-1234-123456789abc' portgroupid='pg1' connectionid='7'/></interface>")
    assert ("VL770", "Missing required attribute 'portid' in element 'source'") in errors(xml, (9, 0))
    # (10.7 parses it; QEMU has no vds backend, which libvirt refuses at start)
    assert [m for c, m in errors(xml, (10, 7)) if c == "VL770"] == [
        "network device type 'vds' is not supported by this hypervisor (libvirt refuses to start the domain)"]


@pytest.mark.parametrize(("interface", "version", "refused"), [
    ("<interface type='user'><model type='usb-net'/></interface>", (9, 0), True),
    ("<interface type='network'><source network='default'/><model type='usb-net'/></interface>", (10, 2), True),
    ("<interface type='user'><model type='usb-net'/><address type='usb' bus='0' port='1'/></interface>", (9, 0),
     False),
    ("<interface type='user'><model type='usb-net'/></interface>", (10, 3), False),
    ("<interface type='user'><model type='e1000'/></interface>", (9, 0), False),
])
def test_usb_net_needs_a_usb_address_before_10_3(interface: str, version: tuple[int, int], refused: bool) -> None:
    """Before 10.3 ("Proper support for USB network device", its NEWS) address assignment gave a usb-net interface
    a PCI slot no bus takes; 9.0 refuses the first two on pc and q35 alike and defines the third."""
    found = [m for c, m in errors(dom("<controller type='usb' model='qemu-xhci'/>" + interface), version)
             if c == "VL770"]
    assert found == (["Cannot automatically add a new PCI bus for a device with connect flags 00"] if refused else [])


def test_launch_security_message_names_the_technology_before_10_5() -> None:
    xml = dom(extra="<launchSecurity type='s390-pv'/>")
    assert ("VL402", "S390 PV launch security is not supported with this QEMU binary") in errors(xml, (9, 0))
    assert ("VL402", "'s390-pv' launch security is not supported with this QEMU binary") in errors(xml, (10, 7))


def test_crypto_and_pstore_are_judged_only_by_releases_that_parse_them() -> None:
    xml = dom("<crypto model='virtio' type='qemu2'><backend model='builtin' queues='x'/></crypto>"
              "<pstore backend='acpi'><path>/tmp/p</path><size unit='KiB'>8</size></pstore>")
    at_10_7 = {m for c, m in errors(xml, (10, 7)) if c in ("VL850", "VL851")}
    assert any("'crypto': 'qemu2'" in m for m in at_10_7) and any("'queues'" in m for m in at_10_7)
    assert any("'pstore': 'acpi'" in m for m in at_10_7)
    assert not any(c in ("VL850", "VL851") for c, _ in errors(xml, (9, 0)))
    assert any("'crypto': 'qemu2'" in m for _, m in errors(xml, (9, 1)))
    assert not any("pstore" in m for _, m in errors(xml, (10, 5)))
