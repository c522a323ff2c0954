"""The domain's identity (virt type, arch, emulator, machine): certain errors only, decided with the host document
as libvirt does; one note when the domcaps do not describe the domain; rules of other drivers skipped."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import AARCH64_TCG, PC_KVM, Q35_KVM, codes, lint, shared_path
from virtlint.linter.caps import DomainCaps
from virtlint.linter.document import Document
from virtlint.linter.drivers import ALL_DRIVERS, driver_of
from virtlint.linter.engine import Linter, all_rules
from virtlint.linter.host import HostCaps
from virtlint.linter.identity import Identity, binary_arch_from_name, binary_runs, fetch_command, machine_impossible_on
from virtlint.linter.model import Severity

#: A host in the shape libvirt's QEMU driver prints: x86_64 and i686 guests (kvm and qemu) with aliases and
#: maxCpus, an aarch64 guest without KVM, a ppc64/ppc64le pair sharing one binary.
HOST = """<capabilities><host><cpu><arch>x86_64</arch></cpu></host>
  <guest><os_type>hvm</os_type><arch name='x86_64'><wordsize>64</wordsize>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <machine maxCpus='255'>pc-i440fx-7.2</machine><machine canonical='pc-i440fx-7.2' maxCpus='255'>pc</machine>
    <machine maxCpus='288'>pc-q35-7.2</machine><machine canonical='pc-q35-7.2' maxCpus='288'>q35</machine>
    <machine maxCpus='255'>pc-q35-6.2</machine>
    <domain type='qemu'/><domain type='kvm'/></arch></guest>
  <guest><os_type>hvm</os_type><arch name='i686'><wordsize>32</wordsize>
    <emulator>/usr/bin/qemu-system-i386</emulator>
    <machine maxCpus='255'>pc-i440fx-7.2</machine><machine canonical='pc-i440fx-7.2' maxCpus='255'>pc</machine>
    <machine maxCpus='288'>pc-q35-7.2</machine><machine canonical='pc-q35-7.2' maxCpus='288'>q35</machine>
    <domain type='qemu'/><domain type='kvm'/></arch></guest>
  <guest><os_type>hvm</os_type><arch name='aarch64'><wordsize>64</wordsize>
    <emulator>/usr/bin/qemu-system-aarch64</emulator>
    <machine maxCpus='512'>virt-7.2</machine><machine canonical='virt-7.2' maxCpus='512'>virt</machine>
    <domain type='qemu'/></arch></guest>
  <guest><os_type>hvm</os_type><arch name='ppc64'><wordsize>64</wordsize>
    <emulator>/usr/bin/qemu-system-ppc64</emulator>
    <machine maxCpus='2048'>pseries-7.2</machine><machine canonical='pseries-7.2' maxCpus='2048'>pseries</machine>
    <domain type='qemu'/></arch></guest>
  <guest><os_type>hvm</os_type><arch name='ppc64le'><wordsize>64</wordsize>
    <emulator>/usr/bin/qemu-system-ppc64</emulator>
    <machine maxCpus='2048'>pseries-7.2</machine><machine canonical='pseries-7.2' maxCpus='2048'>pseries</machine>
    <domain type='qemu'/></arch></guest>
</capabilities>"""


def dom(arch: str = "x86_64", machine: str | None = "q35", dtype: str = "kvm", emulator: str | None = None,
        vcpus: int = 1, extra: str = "") -> str:
    machine_attr = f" machine='{machine}'" if machine else ""
    devices = f"<devices><emulator>{emulator}</emulator></devices>" if emulator else ""
    return (f"<domain type='{dtype}'><name>vm</name><memory>1048576</memory><vcpu>{vcpus}</vcpu>"
            f"<os><type arch='{arch}'{machine_attr}>hvm</type></os>{extra}{devices}</domain>")


def errors(findings) -> list[str]:
    return [f.code for f in findings if f.severity is Severity.ERROR]


# -- without the host document: the note, and only certain errors -------------------------------------------------


@pytest.mark.parametrize("text", [
    dom(machine="pc-q35-8.2"),  # newer than the caps' pc-q35-7.2: another QEMU on the host may have it
    dom(machine="pc"),  # another family
    dom(dtype="qemu"),  # another virt type
    dom(arch="i686"),  # the x86_64 binary runs i686 (virQEMUCapsIsArchSupported)
    dom(emulator="/usr/bin/qemu-kvm"),  # another binary
    dom(machine="pc-q35-rhel9.4.0"),  # a downstream flavour
])
def test_caps_of_another_identity_give_one_note_not_an_error(text: str) -> None:
    findings = lint(text + "", Q35_KVM)
    (note,) = findings
    assert (note.code, note.severity) == ("VL004", Severity.WARNING)
    assert "virsh domcapabilities --virttype" in note.message and "were skipped" in note.message


def test_the_note_is_once_per_file_and_device_checks_are_skipped() -> None:
    ide = "<devices><disk type='file' device='cdrom'><target dev='hdc' bus='ide'/></disk></devices>"
    findings = lint(dom(machine="pc", extra=ide), Q35_KVM)
    assert codes(findings) == ["VL004"]  # the IDE bus q35 lacks is not judged against q35 caps
    assert "VL302" in findings[0].message  # ... and the note says it was skipped


def test_described_domains_get_no_note() -> None:
    assert lint(dom(machine="pc-q35-6.2"), Q35_KVM) == []  # older machine of the family
    assert lint(dom(machine="q35"), Q35_KVM) == []  # the alias
    assert lint(dom(machine=None), Q35_KVM) == []


@pytest.mark.parametrize(("text", "code"), [
    (dom(arch="x86_64", emulator="/usr/bin/qemu-system-aarch64"), "VL102"),
    (dom(arch="aarch64", machine="virt", emulator="/usr/bin/qemu-system-x86_64"), "VL102"),
    (dom(machine="pseries"), "VL103"),
    (dom(arch="aarch64", machine="q35", dtype="qemu"), "VL103"),
    (dom(arch="s390x", machine="virt", dtype="qemu"), "VL103"),
])
def test_certain_identity_errors_without_the_host(text: str, code: str) -> None:
    assert code in errors(lint(text, Q35_KVM))


@pytest.mark.parametrize("text", [
    dom(arch="i686", emulator="/usr/bin/qemu-system-x86_64"),
    dom(arch="armv7l", machine="virt", emulator="/usr/bin/qemu-system-aarch64"),
    dom(arch="ppc64le", machine="pseries", emulator="/usr/bin/qemu-system-ppc64"),
    # (256 MiB: versatilepb takes no more, VL226)
    dom(arch="armv6l", machine="versatilepb", emulator="/usr/bin/qemu-system-arm").replace("1048576", "262144"),
    dom(arch="aarch64", machine="virt", dtype="qemu"),
])
def test_compatible_arches_and_other_hosts_binaries_are_not_errors(text: str) -> None:
    assert errors(lint(text, Q35_KVM)) == []


def test_the_caps_binary_proves_its_arch() -> None:
    """The domain names the binary the domcaps describe: an x86_64 one cannot run aarch64."""
    assert errors(lint(dom(arch="aarch64", machine="virt", emulator="/usr/bin/qemu-system-x86_64"), Q35_KVM)) \
        == ["VL102"]
    assert errors(lint(dom(arch="x86_64", machine="virt", dtype="qemu", emulator="/usr/bin/qemu-system-aarch64"),
                       AARCH64_TCG)) == ["VL102", "VL103"]


def test_identity_helpers() -> None:
    assert binary_arch_from_name("/usr/bin/qemu-system-i386") == "i686"
    assert binary_arch_from_name("/opt/qemu/bin/qemu-system-arm") == "armv7l"
    assert binary_arch_from_name("/usr/libexec/qemu-kvm") is None
    assert binary_runs("x86_64", "i686") and binary_runs("ppc64", "ppc64le") and binary_runs("aarch64", "armv7l")
    assert not binary_runs("i686", "x86_64") and not binary_runs("ppc64le", "ppc64")
    assert machine_impossible_on("pc-q35-7.2", "aarch64") and not machine_impossible_on("pc-q35-7.2", "i686")
    assert not machine_impossible_on("vexpress-a9", "x86_64")  # unknown family: not certain
    wanted = Identity("kvm", "x86_64", "q35", None)
    assert fetch_command(wanted) == "virsh domcapabilities --virttype kvm --arch x86_64 --machine q35"


def test_a_directory_picks_the_caps_of_the_same_binary_and_machine() -> None:
    other_binary = Q35_KVM.read_text().replace("/usr/bin/qemu-system-x86_64", "/usr/libexec/qemu-kvm")
    caps = [DomainCaps(Document(other_binary, "rhel.xml")), DomainCaps.from_file(str(Q35_KVM))]
    linter = Linter(caps)
    assert linter._context(Document(dom(emulator="/usr/bin/qemu-system-x86_64"))).caps.path == str(Q35_KVM)
    assert linter._context(Document(dom(emulator="/usr/libexec/qemu-kvm"))).caps.path == "rhel.xml"
    assert Linter([DomainCaps.from_file(str(PC_KVM)), DomainCaps.from_file(str(Q35_KVM))])._context(
        Document(dom(machine="pc-q35-7.0"))).caps.path == str(Q35_KVM)


# -- with the host document: as libvirt decides ----------------------------------------------------------------


@pytest.mark.parametrize(("text", "code"), [
    (dom(arch="aarch64", machine="virt", dtype="kvm"), "VL101"),  # the aarch64 binary offers TCG only here
    (dom(arch="riscv64", machine="virt", dtype="qemu"), "VL102"),  # no binary for the arch
    (dom(arch="ppc64", machine="pseries", dtype="qemu", emulator="/usr/bin/qemu-system-x86_64"), "VL102"),
    (dom(machine="pc-q35-8.2"), "VL103"),  # not in the binary's machine list
    (dom(machine="pc-q35-rhel9.4.0"), "VL103"),
    (dom(machine="q35", vcpus=300), "VL201"),  # q35 -> pc-q35-7.2, maxCpus 288
    (dom(machine="pc-q35-6.2", vcpus=256), "VL201"),  # that machine's own limit, 255
])
def test_host_document_errors(text: str, code: str) -> None:
    assert code in errors(lint(text, Q35_KVM, HOST))


@pytest.mark.parametrize("text", [
    dom(arch="i686", machine="q35"),  # its own guest entry and binary
    dom(arch="i686", machine="pc", emulator="/usr/bin/qemu-system-x86_64"),  # the x86_64 binary runs i686
    dom(arch="ppc64le", machine="pseries", dtype="qemu"),  # ppc64le on the ppc64 binary
    dom(machine="pc-q35-6.2", vcpus=255),
    dom(machine="q35", vcpus=255),
    dom(machine="pc", dtype="qemu"),
    dom(arch="aarch64", machine="virt", dtype="qemu"),
])
def test_host_document_accepts_what_libvirt_accepts(text: str) -> None:
    assert errors(lint(text, Q35_KVM, HOST)) == []


def test_unlisted_emulator_is_a_warning_with_the_host() -> None:
    findings = lint(dom(emulator="/usr/libexec/qemu-kvm"), Q35_KVM, HOST)
    assert [(f.code, f.severity) for f in findings if f.code == "VL104"] == [("VL104", Severity.WARNING)]
    assert errors(findings) == []


def test_machine_alias_resolved_by_the_host_describes_the_caps() -> None:
    """'pc' is pc-i440fx-7.2 on this host: i440fx caps describe it, q35 caps do not."""
    assert lint(dom(machine="pc"), PC_KVM, HOST) == []
    assert codes(lint(dom(machine="pc"), Q35_KVM, HOST)) == ["VL004"]


# -- drivers ------------------------------------------------------------------------------------------------------


def test_every_rule_states_its_drivers() -> None:
    for rule in all_rules():
        assert rule.drivers and set(rule.drivers) <= set(ALL_DRIVERS), rule.code


def test_domain_types_map_to_drivers() -> None:
    assert [driver_of(t) for t in ("kvm", "qemu", "hvf", "xen", "bhyve", "lxc", "ch", "vz", None, "bogus")] == \
        ["qemu", "qemu", "qemu", "xen", "bhyve", "lxc", "ch", "vz", None, None]


BHYVE_CAPS = """<domainCapabilities><path>/usr/sbin/bhyve</path><domain>bhyve</domain><arch>x86_64</arch>
  <os supported='yes'><loader supported='yes'><enum name='type'><value>pflash</value></enum></loader></os>
  <devices><video supported='yes'><enum name='modelType'><value>gop</value></enum></video></devices>
</domainCapabilities>"""


def test_a_bhyve_domain_gets_only_the_checks_its_driver_makes() -> None:
    """QEMU's UEFI-needs-ACPI rule and video enums are not bhyve's; a duplicate disk target is everyone's."""
    text = ("<domain type='bhyve'><name>vm</name><memory>1048576</memory><os firmware='efi'>"
            "<type arch='x86_64'>hvm</type></os><devices><emulator>bhyve</emulator>"
            "<video><model type='vga'/></video>"
            "<disk type='file'><target dev='hda' bus='sata'/></disk><disk type='file'><target dev='hda' bus='sata'/>"
            "</disk></devices></domain>")
    assert codes(lint(text, BHYVE_CAPS)) == ["VL806"]
    assert "VL506" in codes(lint(text.replace("'bhyve'", "'kvm'"), Q35_KVM))


def test_rule_documentation_names_the_drivers() -> None:
    from virtlint.linter.ruledocs import render_markdown

    text = render_markdown(all_rules())
    assert "libvirt drivers: qemu." in text and "libvirt drivers: all." in text


# -- CPU rules by evidence --------------------------------------------------------------------------------------

CPU_CAPS = """<domainCapabilities><domain>kvm</domain><machine>pc-q35-9.1</machine><arch>{arch}</arch>
  <cpu><mode name='custom' supported='yes'>
    <model usable='no' vendor='Intel'>Skylake-Server</model>
    <blockers model='Skylake-Server'><feature name='pku'/></blockers>
    <model usable='no' vendor='Intel'>Haswell</model>
    <model usable='yes' vendor='Intel'>Cascadelake-Server</model>
  </mode></cpu></domainCapabilities>"""


def cpu_dom(cpu: str, arch: str = "x86_64", dtype: str = "kvm") -> str:
    return f"<domain type='{dtype}'><os><type arch='{arch}' machine='q35'>hvm</type></os>{cpu}</domain>"


@pytest.mark.parametrize(("cpu", "severity"), [
    ("<cpu><model>Skylake-Server</model></cpu>", Severity.ERROR),  # blockers listed, not disabled
    ("<cpu><model>Haswell</model></cpu>", Severity.WARNING),  # usable='no' without blockers
    ("<cpu check='full'><model>Haswell</model></cpu>", Severity.ERROR),
    ("<cpu check='none'><model>Skylake-Server</model></cpu>", Severity.WARNING),
])
def test_unusable_models_by_evidence(cpu: str, severity: Severity) -> None:
    (finding,) = lint(cpu_dom(cpu), CPU_CAPS.format(arch="x86_64"))
    assert (finding.code, finding.severity) == ("VL604", severity)


@pytest.mark.parametrize(("cpu", "arch", "severity"), [
    ("<cpu><model fallback='forbid'>EPYC-Milan</model></cpu>", "x86_64", Severity.ERROR),
    ("<cpu><model>EPYC-Milan</model></cpu>", "x86_64", Severity.WARNING),  # libvirt translates it
    ("<cpu><model>GraniteRapid</model></cpu>", "x86_64", Severity.ERROR),  # not in libvirt's map either
    ("<cpu><model>Conroe</model></cpu>", "aarch64", Severity.ERROR),  # no translation outside x86
])
def test_unknown_models_by_evidence(cpu: str, arch: str, severity: Severity) -> None:
    findings = [f for f in lint(cpu_dom(cpu, arch), CPU_CAPS.format(arch=arch)) if f.code == "VL603"]
    assert [f.severity for f in findings] == [severity]


# -- both kinds of input ------------------------------------------------------------------------------------


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "virtlint", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=120)


def test_caps_directories_hold_both_kinds(tmp_path: Path) -> None:
    caps = tmp_path / "caps"
    caps.mkdir()
    shutil.copy(Q35_KVM, caps / "q35.xml")
    (caps / "host.xml").write_text(HOST)
    domain = tmp_path / "vm.xml"
    domain.write_text(dom(machine="q35", vcpus=300))
    result = run("check", "--caps", str(caps), str(domain))
    assert result.returncode == 1 and "limit 288" in result.stdout
    (tmp_path / "virtlint.toml").write_text('caps = ["caps"]\n')
    assert "limit 288" in run("check", str(domain), cwd=tmp_path).stdout
    host_only = run("check", "--caps", str(caps / "host.xml"), str(domain))
    assert host_only.returncode == 1 and "only host capabilities given" in host_only.stderr


def test_debian_host_and_its_domcaps() -> None:
    folder = shared_path("corpus", "wild", "debian12-caps")
    host = HostCaps.from_file(str(folder / "capabilities.xml"))
    q35 = DomainCaps.from_file(str(folder / "debian12-libvirt9.0.0-qemu7.2-kvm-q35.x86_64.xml"))
    linter = Linter([q35], hosts=[host])
    for text in (dom(machine="q35"), dom(machine="pc-q35-7.2"), dom(arch="i686", machine="pc", dtype="qemu")):
        assert errors(linter.lint_document(Document(text)).findings) == []
    assert "VL103" in errors(linter.lint_document(Document(dom(machine="pc-q35-8.0"))).findings)


def test_virt_manager_hosts_accept_their_own_domains() -> None:
    """Each virt-manager test host with a domain virt-install wrote for it: no identity error."""
    hosts = shared_path("corpus", "wild", "virt-manager", "host-caps")
    pairs = {
        "kvm-ppc64le.xml": dom(arch="ppc64le", machine="pseries"),
        "kvm-aarch64.xml": dom(arch="armv7l", machine="virt"),
        "kvm-x86_64.xml": dom(arch="i686", machine="pc"),
        "kvm-s390x.xml": dom(arch="s390x", machine="s390-ccw-virtio"),
        "hvf-x86_64.xml": dom(machine="q35", dtype="hvf"),
    }
    for name, text in pairs.items():
        host = HostCaps.from_file(str(hosts / name))
        findings = Linter([DomainCaps(Document("<domainCapabilities/>", "none"))], hosts=[host]).lint_document(
            Document(text)).findings
        assert [f for f in findings if f.code in ("VL101", "VL102", "VL103", "VL201")] == [], name


@pytest.mark.libvirt
def test_the_running_daemons_capabilities(tmp_path: Path) -> None:
    """`virtlint caps --connect` saves both documents; `check` uses them like any caps."""
    if shutil.which("virsh") is None or subprocess.run(["virsh", "-c", "qemu:///system", "uri"],
                                                      capture_output=True).returncode != 0:
        pytest.skip("no libvirt daemon at qemu:///system")
    saved = run("caps", "--connect", "qemu:///system", "-o", str(tmp_path))
    assert saved.returncode == 0, saved.stderr
    assert (tmp_path / "capabilities.xml").exists() and list(tmp_path.glob("domcaps-*.xml"))
    host = HostCaps.from_file(str(tmp_path / "capabilities.xml"))
    assert host.guests_for(host.host_arch)
    good, bad = tmp_path / "good.xml", tmp_path / "bad.xml"
    good.write_text(dom(machine="q35", dtype="qemu"))
    bad.write_text(dom(machine="pc-q35-99.0", dtype="qemu"))
    assert run("check", "--caps", str(tmp_path), str(good)).returncode == 0
    result = run("check", "--caps", str(tmp_path), str(bad))
    assert result.returncode == 1 and "VL103" in result.stdout
    # the form the README shows: the host document and a directory of domcapabilities
    domcaps = tmp_path / "domcaps"
    domcaps.mkdir()
    for path in tmp_path.glob("domcaps-*.xml"):
        path.rename(domcaps / path.name)
    host_file = str(tmp_path / "capabilities.xml")
    assert run("check", "--caps", host_file, "--caps", str(domcaps), str(good)).returncode == 0
    assert "VL103" in run("check", "--caps", host_file, "--caps", str(domcaps), str(bad)).stdout
    assert "VL103" in run("check", "--connect", "qemu:///system", str(bad)).stdout


def test_rule_command_names_the_drivers() -> None:
    assert "libvirt drivers: qemu" in run("rule", "VL506").stdout
    assert "libvirt drivers: all" in run("rule", "VL806").stdout


def test_bhyve_ch_and_lxc_look_the_guest_up_in_the_host_document() -> None:
    """virCapabilitiesDomainSupported / virDomainDefGetDefaultEmulator: OS type, arch and virt type."""
    hosts = shared_path("corpus", "wild", "virt-manager", "host-caps")
    none = DomainCaps(Document("<domainCapabilities/>", "none"))
    bhyve = Linter([none], hosts=[HostCaps.from_file(str(hosts / "bhyve.xml"))])
    lxc = Linter([none], hosts=[HostCaps.from_file(str(hosts / "lxc.xml"))])

    def vl105(linter: Linter, text: str) -> list[str]:
        return [f.code for f in linter.lint_document(Document(text)).findings if f.code == "VL105"]

    assert vl105(bhyve, "<domain type='bhyve'><os><type arch='x86_64'>hvm</type></os></domain>") == []
    assert vl105(bhyve, "<domain type='bhyve'><os><type arch='aarch64'>hvm</type></os></domain>") == ["VL105"]
    assert vl105(lxc, "<domain type='lxc'><os><type arch='i686'>exe</type></os></domain>") == []
    assert vl105(lxc, "<domain type='lxc'><os><type arch='aarch64'>exe</type></os></domain>") == ["VL105"]
    named = "<domain type='lxc'><os><type arch='aarch64'>exe</type></os><devices><emulator>/x</emulator></devices>"
    assert vl105(lxc, named + "</domain>") == []  # no default emulator to look up
    # a QEMU domain is the QEMU driver's business (VL101-VL103)
    assert vl105(bhyve, "<domain type='kvm'><os><type arch='aarch64'>hvm</type></os></domain>") == []


def test_a_domain_without_arch_gets_the_hosts() -> None:
    """libvirt defaults the arch to the host's: the host's x86_64 binary and its machines decide."""
    text = "<domain type='kvm'><name>vm</name><memory>1048576</memory><vcpu>2</vcpu><os><type>hvm</type></os></domain>"
    assert errors(lint(text, Q35_KVM, HOST)) == []
    assert "VL103" in errors(lint(text.replace("<type>", "<type machine='pc-q35-8.2'>"), Q35_KVM, HOST))
