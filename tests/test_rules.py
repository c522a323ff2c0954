"""Rules against the real capabilities of Debian 12's libvirt 9.0 / QEMU 7.2 (tests/fixtures/caps)."""

from __future__ import annotations

import pytest

from conftest import AARCH64_TCG, PC_KVM, Q35_KVM, Q35_TCG, codes, lint


def domain(devices: str = "", *, dtype: str = "kvm", machine: str = "q35", arch: str = "x86_64",
           extra: str = "") -> str:
    return (f"<domain type='{dtype}'><name>t</name><memory>1048576</memory>{extra}"
            f"<os><type arch='{arch}' machine='{machine}'>hvm</type></os><devices>{devices}</devices></domain>")


def test_ide_on_q35_points_at_the_value_with_crlf_and_a_multi_line_tag() -> None:
    text = domain("<disk type='file' device='cdrom'>\r\n  <target dev='sdc'\r\n          bus='ide'/>\r\n</disk>", dtype="qemu")
    text = text.replace("<devices>", "<devices>\r\n")
    (finding,) = lint(text, Q35_TCG)
    assert finding.code == "VL302"
    assert (finding.line, finding.column, finding.end_line, finding.end_column) == (4, 16, 4, 19)
    assert finding.message == ("disk bus 'ide' is not supported by these capabilities (pc-q35-7.2, qemu); "
                               "supported: fdc, scsi, virtio, usb, sata")
    assert finding.fixes[0].title == "Set bus='sata'"
    assert finding.evidence is not None and finding.evidence.label == "<enum name='bus'>"


def test_ide_is_fine_on_i440fx() -> None:
    assert lint(domain("<disk type='file' device='cdrom'><target dev='hdc' bus='ide'/></disk>", machine="pc"),
                PC_KVM) == []


@pytest.mark.parametrize(("dev", "flagged"), [("hdc", True), ("vda", False), ("sda", False), ("xvda", True)])
def test_disk_bus_implied_by_target_name(dev: str, flagged: bool) -> None:
    findings = lint(domain(f"<disk type='file' device='disk'><source file='/var/lib/libvirt/images/a.img'/><target dev='{dev}'/></disk>"), Q35_KVM)
    assert ("VL302" in codes(findings)) is flagged
    if dev == "hdc":
        assert "implied by target dev 'hdc'" in findings[0].message
        assert findings[0].hint == "set bus='sata' (or 'scsi', 'virtio', 'fdc', ...)"


def test_xen_bus_implied_and_not_listed() -> None:
    assert codes(lint(domain("<disk type='file'><source file='/var/lib/libvirt/images/a.img'/><target dev='xvda'/></disk>"), Q35_KVM)) == ["VL302"]


def test_bus_outside_the_enums_vocabulary_is_not_judged() -> None:
    assert lint(domain("<disk type='file'><source file='/var/lib/libvirt/images/a.img'/><target dev='sda' bus='sd'/></disk>"), Q35_KVM) == []


def test_empty_enum_allows_nothing() -> None:
    hostdev = ("<hostdev mode='subsystem' type='pci' managed='yes'><source>"
               "<address domain='0' bus='3' slot='0' function='0'/></source></hostdev>")
    (finding,) = lint(domain(hostdev), Q35_KVM)
    assert finding.code == "VL302"
    assert "<enum name='pciBackend'> is empty" in finding.message


def test_unknown_subsystem_types_are_not_judged() -> None:
    mdev = "<hostdev mode='subsystem' type='mdev' model='vfio-pci'><source><address uuid='c2177883-f1bb-47f0-914d-32a22e3a8804'/></source></hostdev>"
    assert lint(domain(mdev), Q35_KVM) == []


@pytest.mark.parametrize(
    ("device", "code"),
    [
        ("<graphics type='rdp'/>", "VL302"),
        ("<graphics type='vnc'/>", None),
        ("<video><model type='xen'/></video>", "VL302"),
        ("<tpm model='tpm-spapr'><backend type='emulator' version='2.0'/></tpm>", "VL302"),
        ("<tpm model='tpm-crb'><backend type='emulator' version='2.0'/></tpm>", None),
        ("<rng model='virtio'><backend model='egd' type='udp'><source mode='connect' host='127.0.0.1' service='1234'/></backend></rng>", None),
        ("<filesystem type='mount'><driver type='path'/></filesystem>", None),
        ("<channel type='spicevmc'/><graphics type='spice'/>", None),
        ("<channel type='tcp'><source mode='connect' host='127.0.0.1' service='1234'/></channel>", None),
        ("<redirdev bus='usb' type='tcp'><source mode='connect' host='127.0.0.1' service='1234'/></redirdev>", None),
    ],
)
def test_device_table(device: str, code: str | None) -> None:
    assert codes(lint(domain(device), Q35_KVM)) == ([code] if code else [])


def test_vcpu_limit_and_current() -> None:
    assert codes(lint(domain(extra="<vcpu current='2'>289</vcpu>"), Q35_KVM)) == ["VL201", "VL805"]
    assert lint(domain(extra="<vcpu current='2'>255</vcpu>"), Q35_KVM) == []


def test_features_marked_unsupported() -> None:
    gic = domain(extra="<features><gic version='3'/></features>")
    assert codes(lint(gic, Q35_KVM)) == ["VL401"]
    sgx = domain("<memory model='sgx-epc'><target><size unit='KiB'>1024</size></target></memory>")
    assert codes(lint(sgx, Q35_KVM)) == ["VL401"]
    assert lint(domain(extra="<features><vmcoreinfo state='on'/></features>"), Q35_KVM) == []


def test_header_rules() -> None:
    """Without the host document a differing identity is a note (VL004), not an error: the host may have it."""
    for text, caps in ((domain(dtype="kvm"), Q35_TCG), (domain(machine="pc-q35-8.0"), Q35_KVM),
                       (domain("<emulator>/usr/bin/qemu-kvm</emulator>"), Q35_KVM)):
        (note,) = lint(text, caps)
        assert (note.code, note.severity.value) == ("VL004", "warning")
    assert lint(domain(machine="pc-q35-6.2"), Q35_KVM) == []


def test_other_arch_or_family_only_reports_the_identity() -> None:
    """Caps of another machine family do not describe the domain: no device findings from them."""
    text = domain("<disk type='file'><source file='/var/lib/libvirt/images/a.img'/><target dev='hda' bus='ide'/></disk>", machine="pc")
    assert codes(lint(text, Q35_KVM)) == ["VL004"]
    # 'virt' exists in no x86 QEMU: certain without the host document
    assert codes(lint(domain(arch="x86_64", machine="virt", dtype="qemu"), AARCH64_TCG)) == ["VL004", "VL103"]


def test_several_caps_pick_the_matching_one() -> None:
    ide = "<disk type='file' device='cdrom'><target dev='hdc' bus='ide'/></disk>"
    assert lint(domain(ide, machine="pc"), Q35_KVM, PC_KVM) == []
    assert codes(lint(domain(ide, machine="q35"), PC_KVM, Q35_KVM)) == ["VL302"]
    (finding,) = lint(domain(dtype="hvf"), PC_KVM, Q35_KVM)
    assert finding.code == "VL004"
    assert "x86_64-pc-kvm.xml (kvm, x86_64, pc-i440fx-7.2)" in finding.message


def test_a_rule_that_raises_does_not_hide_the_others(monkeypatch) -> None:
    from virtlint.rules.vcpu_max import VcpuMax

    def broken(self, element, ctx):
        raise RuntimeError("boom")
        yield

    monkeypatch.setattr(VcpuMax, "check", broken)
    from virtlint.linter.document import Document
    from virtlint.linter.caps import DomainCaps
    from virtlint.linter.engine import Linter

    text = domain("<disk type='file'><source file='/var/lib/libvirt/images/a.img'/><target dev='hda'/></disk>", extra="<vcpu>999</vcpu>")
    result = Linter([DomainCaps.from_file(str(Q35_KVM))]).lint_document(Document(text))
    assert codes(result.findings) == ["VL805", "VL302"]
    assert result.internal_errors == [("VL201", "RuntimeError: boom")]
