"""Deep rules: the cases their documentation examples do not cover."""

from __future__ import annotations

import pytest

from conftest import AARCH64_TCG, Q35_KVM, Q35_TCG, codes, lint
from virtlint.linter.model import Severity

CPU_CAPS = """<domainCapabilities><domain>{d}</domain><machine>pc-q35-9.1</machine><arch>x86_64</arch>
  <cpu><mode name='custom' supported='yes'>
    <model usable='no' vendor='Intel' canonical='Skylake-Server-v1'>Skylake-Server</model>
    <blockers model='Skylake-Server'><feature name='pku'/><feature name='avx512f'/></blockers>
    <model usable='no' vendor='Intel'>Haswell</model>
    <model usable='unknown' vendor='Intel'>Broadwell</model>
    <model usable='yes' vendor='Intel'>Cascadelake-Server</model>
    <model usable='yes' vendor='AMD'>EPYC</model>
  </mode></cpu></domainCapabilities>"""


def cpu_domain(dtype: str, cpu: str) -> str:
    return f"<domain type='{dtype}'><memory>1048576</memory><os><type arch='x86_64' machine='q35'>hvm</type></os>{cpu}</domain>"


@pytest.mark.parametrize(
    ("dtype", "check", "severity"),
    # Haswell is usable='no' with no <blockers> listed: only check='full' proves the start fails
    [("kvm", None, Severity.WARNING), ("kvm", "partial", Severity.WARNING), ("kvm", "none", Severity.WARNING),
     ("kvm", "full", Severity.ERROR), ("qemu", None, Severity.WARNING), ("qemu", "full", Severity.ERROR),
     ("hvf", None, Severity.WARNING)],
)
def test_unusable_model_severity_follows_acceleration_and_check(dtype: str, check: str | None,
                                                                severity: Severity) -> None:
    attr = f" check='{check}'" if check else ""
    # (check='full' under TCG is also VL218's: the hypervisor flag TCG adds, which no model has)
    (finding,) = [f for f in lint(cpu_domain(dtype, f"<cpu mode='custom'{attr}><model>Haswell</model></cpu>"),
                                  CPU_CAPS.format(d=dtype)) if f.code != "VL218"]
    assert (finding.code, finding.severity) == ("VL604", severity)
    assert "usable models include: Cascadelake-Server" in finding.message


def test_blockers_are_named_and_disabling_them_all_makes_the_model_usable() -> None:
    caps = CPU_CAPS.format(d="kvm")
    (partial,) = lint(cpu_domain("kvm", "<cpu><model>Skylake-Server</model><feature policy='disable' name='pku'/></cpu>"), caps)
    assert "blocking features: avx512f" in partial.message
    assert partial.hint == "disable <feature policy='disable' name='avx512f'/>"
    both = "<cpu><model>Skylake-Server</model><feature policy='disable' name='pku'/>" \
           "<feature policy='forbid' name='avx512f'/></cpu>"
    assert lint(cpu_domain("kvm", both), caps) == []


def test_unknown_usability_and_canonical_names() -> None:
    caps = CPU_CAPS.format(d="kvm")
    assert lint(cpu_domain("kvm", "<cpu><model>Broadwell</model></cpu>"), caps) == []
    assert lint(cpu_domain("kvm", "<cpu><model>Cascadelake-Server</model></cpu>"), caps) == []
    assert codes(lint(cpu_domain("kvm", "<cpu><model>Skylake-Server-v1</model></cpu>"), caps)) == ["VL604"]
    assert codes(lint(cpu_domain("kvm", "<cpu><model>Foobar</model></cpu>"), caps)) == ["VL603"]
    assert lint(cpu_domain("kvm", "<cpu mode='host-model'><model>Foobar</model></cpu>"), caps) == []


def test_cpu_modes_on_real_tcg_caps() -> None:
    passthrough = cpu_domain("qemu", "<cpu mode='host-passthrough'/>")
    (finding,) = lint(passthrough, Q35_TCG)
    assert finding.code == "VL601" and finding.fixes[0].title == "Set mode='maximum'"
    assert lint(cpu_domain("qemu", "<cpu mode='maximum'/>"), Q35_TCG) == []
    assert lint(cpu_domain("kvm", "<cpu mode='host-passthrough' migratable='on'/>"), Q35_KVM) == []


SEV_CAPS = """<domainCapabilities><domain>kvm</domain><machine>pc-q35-9.1</machine><arch>x86_64</arch>
  <features><sev supported='yes'><cbitpos>51</cbitpos><{rpb}>1</{rpb}><maxGuests>15</maxGuests>
    <maxESGuests>{es}</maxESGuests></sev></features></domainCapabilities>"""


@pytest.mark.parametrize("spelling", ["reducedPhysBits", "reduced-phys-bits"])
def test_sev_parameters_accept_both_spellings(spelling: str) -> None:
    caps = SEV_CAPS.format(rpb=spelling, es=0)
    domain = cpu_domain("kvm", f"<launchSecurity type='sev'><cbitpos>51</cbitpos><{spelling}>2</{spelling}>"
                               "<policy>0x0007</policy></launchSecurity>")
    findings = lint(domain, caps)
    assert [f.message.split()[1] for f in findings] == ["reducedPhysBits", "policy"]
    assert [f.title for f in findings[0].fixes] == ["Replace with '1'"]


def test_virtiofs_with_numa_cells() -> None:
    fs = "<devices><filesystem type='mount'><driver type='virtiofs'/><source dir='/x'/><target dir='x'/></filesystem></devices>"
    numa = ("<vcpu>2</vcpu><cpu><numa><cell id='0' cpus='0' memory='1024' memAccess='shared'/>"
            "<cell id='1' cpus='1' memory='1024'{second}/></numa></cpu>")
    shared = cpu_domain("kvm", numa.format(second=" memAccess='shared'") + fs)
    assert lint(shared, Q35_KVM) == []
    one_private = cpu_domain("kvm", numa.format(second="") + fs)
    (finding,) = lint(one_private, Q35_KVM)
    assert finding.code == "VL204"
    assert finding.hint == "add <memoryBacking><source type='memfd'/><access mode='shared'/></memoryBacking>"


def test_iothreadids_fill_up_to_the_count() -> None:
    disk = "<devices><disk type='file'><driver iothread='{n}'/><source file='/var/lib/libvirt/images/a.img'/><target dev='vda' bus='virtio'/></disk></devices>"
    ids = "<iothreads>3</iothreads><iothreadids><iothread id='5'/></iothreadids>"
    assert lint(cpu_domain("kvm", ids + disk.format(n=2)), Q35_KVM) == []
    assert codes(lint(cpu_domain("kvm", ids + disk.format(n=3)), Q35_KVM)) == ["VL801"]


def test_uefi_acpi_by_architecture() -> None:
    aarch64 = "<domain type='qemu'><os{fw}><type arch='aarch64' machine='virt'>hvm</type></os>{acpi}</domain>"
    assert lint(aarch64.format(fw=" firmware='efi'", acpi=""), AARCH64_TCG) == []
    assert codes(lint(aarch64.format(fw="", acpi="<features><acpi/></features>"), AARCH64_TCG)) == ["VL506"]


def test_secure_boot_on_i440fx_and_smm_off() -> None:
    loader = "<loader readonly='yes' secure='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.secboot.fd</loader>"
    pc = f"<domain type='kvm'><os><type arch='x86_64' machine='pc'>hvm</type>{loader}</os>" \
         "<features><acpi/><smm state='on'/></features></domain>"
    assert "VL505" in codes(lint(pc, Q35_KVM, select=("VL505",)))
    autoselect = "<domain type='kvm'><os firmware='efi'><type arch='x86_64' machine='q35'>hvm</type>" \
                 "<firmware><feature enabled='yes' name='secure-boot'/></firmware></os>" \
                 "<features><acpi/><smm state='off'/></features></domain>"
    (finding,) = lint(autoselect, Q35_KVM)
    assert finding.code == "VL505" and [f.title for f in finding.fixes] == ["Set state='on'"]


def test_firmware_features_on_caps_without_firmware_features_use_the_loader_secure_enum() -> None:
    domain = "<domain type='kvm'><os firmware='efi'><type arch='x86_64' machine='q35'>hvm</type>" \
             "<firmware><feature enabled='yes' name='secure-boot'/></firmware></os><features><acpi/></features></domain>"
    assert lint(domain, Q35_KVM) == []  # the real caps list secure yes


def test_spice_chardev_counts_only_spice_graphics() -> None:
    vnc = "<devices><redirdev bus='usb' type='spicevmc'/><graphics type='vnc'/></devices>"
    assert codes(lint(cpu_domain("kvm", vnc), Q35_KVM)) == ["VL807"]


def test_secure_boot_feature_on_aarch64_is_not_judged_by_the_smm_secure_enum() -> None:
    """Debian 12's aarch64 domcaps list loader secure 'no' (no firmware needs SMM), yet libvirt 9.0 defines and
    starts this domain: autoselection picks the secure-boot AAVMF, which needs neither SMM nor q35."""
    caps = """<domainCapabilities><domain>qemu</domain><machine>virt-7.2</machine><arch>aarch64</arch>
      <os supported='yes'><enum name='firmware'><value>efi</value></enum>
        <loader supported='yes'><enum name='secure'><value>no</value></enum></loader></os></domainCapabilities>"""
    aarch64 = "<domain type='qemu'><memory>1048576</memory><os firmware='efi'><type arch='aarch64' machine='virt'>hvm" \
              "</type><firmware><feature enabled='yes' name='secure-boot'/></firmware></os>" \
              "<features><acpi/></features><cpu mode='maximum'/></domain>"
    assert not {"VL502", "VL505"} & set(codes(lint(aarch64, caps)))
    # the x86 twin: the same enum there means no secure-boot firmware at all, and i440fx has none either
    x86 = aarch64.replace("aarch64", "x86_64").replace("'virt'", "'pc'").replace("qemu", "kvm")
    x86_caps = caps.replace("aarch64", "x86_64").replace("virt-7.2", "pc-i440fx-7.2").replace("qemu", "kvm")
    assert {"VL502", "VL505"} <= set(codes(lint(x86, x86_caps)))
    # an explicit secure loader on aarch64 stays an error (qemuValidateDomainDefBoot: q35 only)
    loader = "<loader readonly='yes' secure='yes' type='pflash'>/usr/share/AAVMF/AAVMF_CODE.ms.fd</loader>"
    explicit = aarch64.replace(" firmware='efi'", "").replace(
        "<firmware><feature enabled='yes' name='secure-boot'/></firmware>", loader)
    assert "VL505" in codes(lint(explicit, caps))


def test_enrolled_keys_need_a_secure_boot_firmware_on_x86() -> None:
    """Keys are enrolled only in a secure-boot firmware's variables (libvirt calls a descriptor with keys and without
    secure boot invalid), and on x86 such a firmware needs SMM: where the loader `secure` enum lists only 'no' (a pc
    machine on Debian 12), libvirt 9.0 defines this domain and refuses to start it (`Unable to find any firmware to
    satisfy 'efi'`), and starts the twin without keys (both checked on the lab)."""
    caps = """<domainCapabilities><domain>kvm</domain><machine>pc-i440fx-7.2</machine><arch>x86_64</arch>
      <os supported='yes'><enum name='firmware'><value>efi</value></enum>
        <loader supported='yes'><value>/usr/share/OVMF/OVMF_CODE_4M.fd</value>
          <enum name='secure'><value>no</value></enum></loader></os></domainCapabilities>"""
    domain = ("<domain type='kvm'><name>t</name><memory>1048576</memory><os firmware='efi'><type arch='x86_64' "
              "machine='pc'>hvm</type><firmware><feature enabled='{}' name='enrolled-keys'/></firmware></os>"
              "<features><acpi/></features></domain>")
    assert codes(lint(domain.format("yes"), caps)) == ["VL502"]
    assert lint(domain.format("no"), caps) == []
    q35 = domain.format("yes").replace("'pc'", "'q35'")
    assert lint(q35, Q35_KVM) == []  # the real q35 caps list secure yes
