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
    # (VL302 does not judge it; QEMU refuses an sd card on q35 at start, VL751: checked on libvirt 9.0)
    assert codes(lint(domain("<disk type='file'><source file='/var/lib/libvirt/images/a.img'/><target dev='sda' bus='sd'/></disk>"), Q35_KVM)) == ["VL751"]


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
        ("<filesystem type='mount'><driver type='path'/><source dir='/srv'/><target dir='share'/></filesystem>", None),
        ("<channel type='spicevmc'><target type='virtio' name='com.redhat.spice.0'/></channel>"
         "<graphics type='spice'/>", None),
        ("<channel type='tcp'><source mode='connect' host='127.0.0.1' service='1234'/>"
         "<target type='virtio' name='org.example.0'/></channel>", None),
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


# VL011 domain-ids: each case and its twin checked with the real libvirt 9.0 (virsh define)
DOMAIN_IDS = [
    ("uuid-31-digits", "<uuid>4dea22b3-1d52-d8f3-2516-782e98ab3fa</uuid>", "t", "malformed uuid element"),
    ("uuid", "<uuid>4dea22b3-1d52-d8f3-2516-782e98ab3fa0</uuid>", "t", None),
    ("uuid-dash-first", "<uuid>-4dea22b31d52d8f32516782e98ab3fa0</uuid>", "t", None),
    ("uuid-dash-last", "<uuid>4dea22b31d52d8f32516782e98ab3fa0-</uuid>", "t", "malformed uuid element"),
    ("uuid-pair-split", "<uuid>4 dea22b31d52d8f32516782e98ab3fa0</uuid>", "t", "malformed uuid element"),
    ("uuid-spaced-pairs", "<uuid> 4dea 22b3 1d52 d8f3 2516 782e 98ab 3fa0 </uuid>", "t", None),
    ("uuid-placeholder", "<uuid>{vm_uuid}</uuid>", "t", "malformed uuid element"),
    ("uuid-empty", "<uuid></uuid>", "t", None),
    ("genid", "<genid>xyz</genid>", "t", "malformed genid element"),
    ("genid-empty", "<genid/>", "t", None),
    ("genid-twice", "<genid/><genid/>", "t", "element 'genid' can only appear once"),
    ("title-two-lines", "<title>a\nb</title>", "t", "Domain title can't contain newlines"),
    ("title-crlf", "<title>a\r\nb</title>", "t", "Domain title can't contain newlines"),
    ("title", "<title>a b</title>", "t", None),
    ("name-slash", "", "a/b", "name a/b cannot contain '/'"),
    ("name-dash", "", "a-b", None),
]


@pytest.mark.parametrize(("extra", "name", "message"), [c[1:] for c in DOMAIN_IDS], ids=[c[0] for c in DOMAIN_IDS])
def test_domain_ids(extra: str, name: str, message: str | None) -> None:
    text = domain(extra=extra).replace("<name>t</name>", f"<name>{name}</name>")
    found = [f.message for f in lint(text, Q35_KVM) if f.code == "VL011"]
    assert found == ([] if message is None else [message])


def test_domain_ids_point_at_the_text() -> None:
    text = domain(extra="<uuid>not-a-uuid</uuid>")
    (finding,) = [f for f in lint(text, Q35_KVM) if f.code == "VL011"]
    assert text[slice(*finding.offsets)] == "not-a-uuid"


# VL407 features-parser: each case and its twin checked with the real libvirt 9.0 (virsh define)
FEATURES = [
    ("unknown-feature", "<acpii/>", None, "unexpected feature 'acpii'"),
    ("acpi", "<acpi/>", None, None),
    ("async-teardown-9.0", "<async-teardown enabled='yes'/>", (9, 0), "unexpected feature 'async-teardown'"),
    ("async-teardown-9.6", "<async-teardown enabled='yes'/>", (9, 6), None),
    ("kvm-typo", "<kvm><hiden state='on'/></kvm>", None, "unsupported KVM feature: hiden"),
    ("kvm", "<kvm><hidden state='on'/></kvm>", None, None),
    ("kvm-no-state", "<kvm><hidden/></kvm>", None, "Missing required attribute 'state' in element 'hidden'"),
    ("dirty-ring-1000", "<kvm><dirty-ring state='on' size='1000'/></kvm>", None,
     "dirty ring must be power of 2 and ranges [1024, 65536]"),
    ("dirty-ring-4096", "<kvm><dirty-ring state='on' size='4096'/></kvm>", None, None),
    ("dirty-ring-off", "<kvm><dirty-ring state='off' size='3'/></kvm>", None, None),
    ("dirty-ring-no-size", "<kvm><dirty-ring state='on'/></kvm>", None,
     "Missing required attribute 'size' in element 'dirty-ring'"),
    ("hyperv-typo", "<hyperv mode='custom'><relaxd state='on'/></hyperv>", None,
     "unsupported HyperV Enlightenment feature: relaxd"),
    ("hyperv-xmm-9.0", "<hyperv mode='custom'><xmm_input state='on'/></hyperv>", (9, 0),
     "unsupported HyperV Enlightenment feature: xmm_input"),
    ("hyperv-xmm-10.7", "<hyperv mode='custom'><xmm_input state='on'/></hyperv>", None, None),
    ("spinlocks-100", "<hyperv mode='custom'><spinlocks state='on' retries='100'/></hyperv>", None,
     "HyperV spinlock retry count must be at least 4095"),
    ("spinlocks-4095", "<hyperv mode='custom'><spinlocks state='on' retries='4095'/></hyperv>", None, None),
    ("spinlocks-off-100", "<hyperv mode='custom'><spinlocks state='off' retries='100'/></hyperv>", None, None),
    ("vendor-13", "<hyperv mode='custom'><vendor_id state='on' value='ABCDEFGHIJKLM'/></hyperv>", None,
     "HyperV vendor_id value must not be more than 12 characters."),
    ("vendor-12", "<hyperv mode='custom'><vendor_id state='on' value='ABCDEFGHIJKL'/></hyperv>", None, None),
    ("vendor-comma", "<hyperv mode='custom'><vendor_id state='on' value='AB,CD'/></hyperv>", None,
     "HyperV vendor_id value is invalid"),
    ("vendor-no-value", "<hyperv mode='custom'><vendor_id state='on'/></hyperv>", None,
     "missing 'value' attribute for HyperV feature 'vendor_id'"),
    ("stimer-typo", "<hyperv mode='custom'><vpindex state='on'/><synic state='on'/><stimer state='on'>"
                    "<direkt state='on'/></stimer></hyperv>", None, "unsupported Hyper-V stimer feature: direkt"),
    ("xen-unknown", "<xen><foo state='on'/></xen>", None, "unsupported Xen feature: foo"),
    ("first-refusal-only", "<acpii/><kvm><hiden state='on'/></kvm>", None, "unexpected feature 'acpii'"),
]


@pytest.mark.parametrize(("features", "version", "message"), [c[1:] for c in FEATURES], ids=[c[0] for c in FEATURES])
def test_features_parser(features: str, version: tuple[int, int] | None, message: str | None) -> None:
    from conftest import caps_from_text
    from virtlint.linter.document import Document
    from virtlint.linter.engine import Linter

    caps = caps_from_text("<domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine>"
                          "<arch>x86_64</arch></domainCapabilities>")
    linter = Linter([caps], select=("VL407",), libvirt_version=version)
    text = domain(extra=f"<features>{features}</features>")
    assert [f.message for f in linter.lint_document(Document(text, "d.xml")).findings] == \
        ([] if message is None else [message])


# VL808 lifecycle-actions: each case and its twin checked with the real libvirt 9.0 (virsh define)
LIFECYCLES = [
    ("poweroff-preserve", "<on_poweroff>preserve</on_poweroff>",
     "qemu driver doesn't support the 'preserve' action for 'on_reboot'/'on_poweroff'"),
    ("reboot-preserve", "<on_reboot>preserve</on_reboot>",
     "qemu driver doesn't support the 'preserve' action for 'on_reboot'/'on_poweroff'"),
    ("crash-preserve", "<on_crash>preserve</on_crash>", None),
    ("crash-rename", "<on_crash>rename-restart</on_crash>",
     "qemu driver doesn't support the 'rename-restart' action for 'on_reboot'/'on_poweroff'/'on_crash'"),
    ("poweroff-restart-reboot-destroy", "<on_poweroff>restart</on_poweroff><on_reboot>destroy</on_reboot>",
     "qemu driver doesn't support 'onReboot' set to 'destroy and 'onPoweroff' set to 'reboot'"),
    ("poweroff-restart", "<on_poweroff>restart</on_poweroff>", None),
    ("reboot-destroy", "<on_reboot>destroy</on_reboot>", None),
    ("crash-coredump", "<on_crash>coredump-destroy</on_crash>", None),
]


@pytest.mark.parametrize(("actions", "message"), [c[1:] for c in LIFECYCLES], ids=[c[0] for c in LIFECYCLES])
def test_lifecycle_actions(actions: str, message: str | None) -> None:
    found = [f.message for f in lint(domain(extra=actions), Q35_KVM) if f.code == "VL808"]
    assert found == ([] if message is None else [message])


# VL211: <emulatorpin> and <emulatorsched> once (libvirt 9.0: `only one emulatorpin is supported`)
@pytest.mark.parametrize(("cputune", "message"), [
    ("<emulatorpin cpuset='0'/><emulatorpin cpuset='1'/>", "only one emulatorpin is supported"),
    ("<emulatorpin cpuset='0'/>", None),
    ("<emulatorsched scheduler='fifo' priority='1'/><emulatorsched scheduler='batch'/>",
     "only one emulatorsched is supported"),
])
def test_emulator_tuning_once(cputune: str, message: str | None) -> None:
    found = [f.message for f in lint(domain(extra=f"<vcpu>2</vcpu><cputune>{cputune}</cputune>"), Q35_KVM)
             if f.code == "VL211"]
    assert found == ([] if message is None else [message])


# Parser and validation refusals, each case and its twin checked with the real libvirt 9.0 (virsh define)
PARSER_REFUSALS = [
    ("cpu-feature-twice", "<cpu mode='custom'><model>qemu64</model><feature policy='require' name='pdpe1gb'/>"
                          "<feature policy='disable' name='pdpe1gb'/></cpu>", "",
     "VL213", "CPU feature 'pdpe1gb' specified more than once"),
    ("cpu-feature-once", "<cpu mode='custom'><model>qemu64</model><feature policy='require' name='pdpe1gb'/></cpu>", "",
     "VL213", None),
    ("cpu-feature-no-name", "<cpu mode='custom'><model>qemu64</model><feature policy='require'/></cpu>", "",
     "VL213", "Invalid CPU feature name"),
    ("seclabel-dynamic-no-relabel", "<seclabel type='dynamic' model='dac' relabel='no'/>", "", "VL782",
     "dynamic label type must use resource relabeling"),
    ("seclabel-none-relabel", "<seclabel type='none' model='dac' relabel='yes'/>", "", "VL782",
     "resource relabeling is not compatible with 'none' label type"),
    ("seclabel-static-no-label", "<seclabel type='static' model='dac'/>", "", "VL782", "security label is missing"),
    ("seclabel-static", "<seclabel type='static' model='dac'><label>+0:+0</label></seclabel>", "", "VL782", None),
    ("seclabel-none", "<seclabel type='none' model='dac'/>", "", "VL782", None),
    ("reboot-timeout", "", "<bios rebootTimeout='70000'/>", "VL754",
     "invalid value for rebootTimeout, must be in range [-1,65535]"),
    ("reboot-timeout-minus-one", "", "<bios rebootTimeout='-1'/>", "VL754", None),
    ("nvram-without-loader", "", "<nvram>/var/lib/libvirt/qemu/nvram/t.fd</nvram>", "VL755",
     "no loader path specified and firmware auto selection disabled"),
    ("firmware-features-without-efi", "", "<firmware><feature enabled='yes' name='secure-boot'/></firmware>", "VL755",
     "cannot use feature-based firmware autoselection when firmware autoselection is disabled (libvirt refuses"),
    ("firmware-empty", "", "<firmware/>", "VL755", None),
    ("iothread-ids-twice", "<iothreadids><iothread id='1'/><iothread id='1'/></iothreadids>", "", "VL211",
     "duplicate iothread id '1' found"),
    ("iothread-ids", "<iothreadids><iothread id='1'/><iothread id='2'/></iothreadids>", "", "VL211", None),
    ("perf-event-misspelt", "<perf><event name='cpu_cyclez' enabled='yes'/></perf>", "", "VL850",
     "Invalid value for attribute 'name' in element 'event': 'cpu_cyclez'."),
]


@pytest.mark.parametrize(("extra", "os", "code", "message"), [c[1:] for c in PARSER_REFUSALS],
                         ids=[c[0] for c in PARSER_REFUSALS])
def test_parser_refusals(extra: str, os: str, code: str, message: str | None) -> None:
    text = domain(extra=f"<vcpu>2</vcpu>{extra}").replace("hvm</type>", f"hvm</type>{os}")
    found = [f.message for f in lint(text, Q35_KVM) if f.code == code]
    if message is None:
        assert found == []
    else:
        assert len(found) == 1 and found[0].startswith(message), found
