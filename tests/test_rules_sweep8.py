"""Refusals found by the eighth round of value sweeps (libvirt 9.0 and QEMU 7.2 on the lab) whose cases the oracle
family tests/oracle/families/sweep8.py cannot put to libvirt: they need a backing file (NVDIMMs), another libvirt
release (the checks that follow libvirt_version), or they crash libvirt 9.0's daemon (a guest NUMA cell without
vCPUs before another); and the edges of the new checks, each with its accepted twin."""

from __future__ import annotations

import pytest

from virtlint.linter.caps import DomainCaps
from virtlint.linter.document import Document
from virtlint.linter.engine import Linter
from virtlint.linter.model import Severity

Q35 = "<domainCapabilities><domain>qemu</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>"
PC = "<domainCapabilities><domain>qemu</domain><machine>pc-i440fx-7.2</machine><arch>x86_64</arch></domainCapabilities>"
MICROVM = "<domainCapabilities><domain>qemu</domain><machine>microvm</machine><arch>x86_64</arch></domainCapabilities>"
ARM32 = ("<domainCapabilities><path>/usr/bin/qemu-system-arm</path><domain>qemu</domain><machine>virt-7.2</machine>"
         "<arch>armv7l</arch></domainCapabilities>")
ARM64 = ("<domainCapabilities><path>/usr/bin/qemu-system-aarch64</path><domain>qemu</domain><machine>virt-7.2"
         "</machine><arch>aarch64</arch></domainCapabilities>")
LAB, NEWEST = (9, 0), (10, 7)


def domain(devices: str = "", *, machine: str = "q35", arch: str = "x86_64", top: str = "", os: str = "",
           after: str = "", vcpu: str = "<vcpu>1</vcpu>", emulator: str = "/usr/bin/qemu-system-x86_64") -> str:
    return (f"<domain type='qemu'><name>t</name><memory unit='MiB'>128</memory>{vcpu}{top}<os><type arch='{arch}' "
            f"machine='{machine}'>hvm</type>{os}</os>{after}<devices><emulator>{emulator}</emulator>{devices}"
            "</devices></domain>")


def errors(xml: str, caps: str = Q35, version: tuple[int, int] = LAB) -> list[tuple[str, str]]:
    linter = Linter([DomainCaps(Document(caps, "caps.xml"))], libvirt_version=version)
    return [(f.code, f.message) for f in linter.lint_document(Document(xml, "d.xml")).findings
            if f.severity is Severity.ERROR]


def judged(xml: str, code: str | None, fragment: str, caps: str = Q35, version: tuple[int, int] = LAB) -> None:
    found = errors(xml, caps, version)
    if code is None:
        assert found == [], found
    else:
        assert any(c == code and fragment in m for c, m in found), found


HOTPLUG = ("<features><acpi/></features><cpu><numa><cell id='0' cpus='0' memory='128' unit='MiB'/></numa></cpu>"
           "<maxMemory slots='4' unit='MiB'>2048</maxMemory>")
DIMM_AT = ("<memory model='dimm'><target><size unit='MiB'>128</size><node>0</node></target><address type='dimm' "
           "slot='0' base='{}'/></memory>")
NVDIMM = ("<memory model='nvdimm'><source><path>/var/lib/libvirt/images/nvdimm.img</path>{align}</source><target>"
          "<size unit='KiB'>{size}</size><node>0</node>{label}</target>{address}</memory>")
NVDIMM_AT = "<address type='dimm' slot='1' base='{}'/>"
ALIGN = "<alignsize unit='KiB'>{}</alignsize>"
LABEL = "<label><size unit='KiB'>{}</size></label>"
VIRTIO_MEM_AT = ("<memory model='virtio-mem'><target><size unit='MiB'>128</size><node>0</node><block unit='KiB'>2048"
                 "</block><requested unit='MiB'>0</requested><address base='{}'/></target></memory>")
MIB = 1024


def nvdimm(size: int = 128 * MIB, align: int | None = None, label: int | None = None, base: str | None = None) -> str:
    return NVDIMM.format(size=size, align=ALIGN.format(align) if align else "",
                         label=LABEL.format(label) if label else "", address=NVDIMM_AT.format(base) if base else "")


@pytest.mark.parametrize(("devices", "code", "fragment"), [
    # QEMU's file_ram_alloc: an alignment of whole pages (x86_64: 4 KiB), a power of two
    (nvdimm(align=3 * MIB), "VL210", "alignment 0x300000 must be a power of two"),
    (nvdimm(align=12), "VL210", "alignment 0x3000 must be a power of two"),
    (nvdimm(align=1), "VL210", "must be multiples of page size 0x1000"),
    (nvdimm(align=2 * MIB), None, ""),
    (nvdimm(align=64 * MIB), None, ""),
    # nvdimm_prepare_memory_region: the label and one aligned block (the size rounded up to 2 MiB first)
    (nvdimm(align=256 * MIB), "VL210", "too small to contain nvdimm label (0x0) and aligned PMEM (0x10000000)"),
    (nvdimm(align=128 * MIB, label=128), "VL210", "too small to contain nvdimm label (0x20000)"),
    (nvdimm(align=128 * MIB), None, ""),
    (nvdimm(align=64 * MIB, label=128), None, ""),
    (nvdimm(size=1), None, ""),
    # the range an NVDIMM maps: its size less its label, rounded down to its alignment
    (DIMM_AT.format("0x100000000") + nvdimm(base="0x104000000"), "VL210", "overlaps with other memory device"),
    (DIMM_AT.format("0x100000000") + nvdimm(base="0x108000000"), None, ""),
    (nvdimm(align=2 * MIB, label=2 * MIB, base="0x100000000") + DIMM_AT.format("0x107c00000"), "VL210",
     "overlaps with other memory device"),
    (nvdimm(align=2 * MIB, label=2 * MIB, base="0x100000000") + DIMM_AT.format("0x107e00000"), None, ""),
])
def test_nvdimm_layout(devices: str, code: str | None, fragment: str) -> None:
    judged(domain(devices, after=HOTPLUG), code, fragment)


@pytest.mark.parametrize(("version", "code"), [(LAB, None), ((9, 4), "VL210"), (NEWEST, "VL210")])
def test_virtio_mem_base_is_read_from_9_4(version: tuple[int, int], code: str | None) -> None:
    """libvirt 9.4 added <target><address base> to virtio-mem; 9.0 drops it (started, checked)."""
    devices = DIMM_AT.format("0x100000000") + VIRTIO_MEM_AT.format("0x104000000")
    judged(domain(devices, after=HOTPLUG), code, "overlaps with other memory device", version=version)


@pytest.mark.parametrize(("version", "code"), [(LAB, None), ((9, 8), "VL786"), (NEWEST, "VL786")])
def test_read_only_virtiofs_on_an_external_daemon(version: tuple[int, int], code: str | None) -> None:
    devices = ("<filesystem type='mount'><driver type='virtiofs'/><source socket='/run/fs.sock'/><target dir='s'/>"
               "<readonly/></filesystem>")
    shared = "<memoryBacking><source type='memfd'/><access mode='shared'/></memoryBacking>"
    judged(domain(devices, top=shared), code, "virtiofs does not support read-only access", version=version)


@pytest.mark.parametrize(("version", "code"), [(LAB, None), (NEWEST, "VL785")])
def test_ps2_on_microvm_follows_the_release(version: tuple[int, int], code: str | None) -> None:
    """Before 10.7 libvirt refused PS/2 off x86 only (9.0 starts a microvm's, checked)."""
    judged(domain("<memballoon model='none'/><controller type='usb' model='none'/><input type='keyboard' bus='ps2'/>",
                  machine="microvm"), code, "ps2 is not supported",
           caps=MICROVM, version=version)


NUMA_2 = "<cpu><numa><cell id='0'{0} memory='64' unit='MiB'/><cell id='1'{1} memory='64' unit='MiB'/></numa></cpu>"


@pytest.mark.parametrize(("vcpu", "cells", "code"), [
    ("<vcpu>2</vcpu>", ("", " cpus='0-1'"), "VL207"),  # (crashed libvirtd 9.0 three times)
    ("<vcpu current='1'>2</vcpu>", ("", " cpus='0-1'"), "VL207"),
    ("<vcpu>2</vcpu>", (" cpus='0-1'", ""), None),  # the cpu-less cell last: started
    ("<vcpu>3</vcpu>", ("", " cpus='0-1'"), None),  # vCPU 2, listed nowhere, fills cell 0: started
])
def test_a_cpu_less_cell_before_a_vcpu_s_cell(vcpu: str, cells: tuple[str, str], code: str | None) -> None:
    judged(domain(vcpu=vcpu, after="<features><acpi/></features>" + NUMA_2.format(*cells)), code,
           "libvirtd crashes starting the domain")


HMAT = ("<features><acpi/></features><cpu><numa><cell id='0' cpus='0' memory='64' unit='MiB'>{cache}</cell><cell "
        "id='1' cpus='1' memory='64' unit='MiB'/><interconnects>{links}</interconnects></numa></cpu>")
CACHE = ("<cache level='{}' associativity='direct' policy='writeback'><size value='{}' unit='KiB'/><line value='8' "
         "unit='B'/></cache>")
LINKS = ("<latency initiator='0' target='0' type='access' value='5'/><bandwidth initiator='0' target='0' "
         "type='access' value='{}' unit='KiB'/>")


@pytest.mark.parametrize(("cache", "links", "code", "fragment"), [
    ("", LINKS.format(MIB) + LINKS.format(64 * MIB * MIB).replace("target='0'", "target='1'"), "VL207",
     "should not differ from previously entered values"),
    ("", LINKS.format(MIB) + LINKS.format(32 * MIB * MIB).replace("target='0'", "target='1'"), None, ""),
    (CACHE.format(1, 10) + CACHE.format(2, 10), LINKS.format(204800), "VL207", "should be larger than the size"),
    (CACHE.format(2, 20) + CACHE.format(1, 10), LINKS.format(204800), "VL207", "Cache level=1 shall be defined first"),
    (CACHE.format(1, 10) + CACHE.format(2, 20), LINKS.format(204800), None, ""),
    (CACHE.format(1, 10), LINKS.format(0), "VL207", "should be provided before memory side cache attributes"),
    # (the cache size's unit is never read: libvirt looks for ./size/unit, an element)
    (CACHE.format(1, 10).replace("unit='KiB'", "unit='MiB'") + CACHE.format(2, 20), LINKS.format(204800), None, ""),
])
def test_qemu_hmat_tables(cache: str, links: str, code: str | None, fragment: str) -> None:
    judged(domain(vcpu="<vcpu>2</vcpu>", after=HMAT.format(cache=cache, links=links)), code, fragment)


@pytest.mark.parametrize(("caps", "emulator", "arch", "code"), [
    (ARM32, "/usr/bin/qemu-system-arm", "armv7l", "VL213"),
    (ARM64, "/usr/bin/qemu-system-aarch64", "armv7l", None),
])
def test_sve_on_the_32_bit_arm_binary(caps: str, emulator: str, arch: str, code: str | None) -> None:
    after = "<cpu mode='custom'><model>max</model><feature policy='require' name='sve'/></cpu>"
    judged(domain(machine="virt", arch=arch, emulator=emulator, after=after), code, "Property 'max-arm-cpu.sve'",
           caps=caps)


SMBIOS = "<sysinfo type='smbios'>{}</sysinfo>"


@pytest.mark.parametrize(("machine", "sysinfo", "code"), [
    ("pc-i440fx-2.0", "<chassis><entry name='sku'>S</entry></chassis>", "VL783"),
    ("pc-i440fx-2.0", "<oemStrings><entry></entry></oemStrings>", "VL783"),
    ("pc-i440fx-2.0", "<chassis><entry name='sku'></entry></chassis>", None),  # (dropped: nothing kept)
    ("pc-i440fx-2.0", "<baseBoard><entry name='product'></entry></baseBoard>", None),
    ("pc-i440fx-2.0", "<bios><entry name='vendor'>V</entry></bios><system><entry name='family'>F</entry></system>",
     None),
    ("pc-i440fx-1.7", "<baseBoard><entry name='manufacturer'>B</entry></baseBoard>", None),
])
def test_smbios_legacy_mode(machine: str, sysinfo: str, code: str | None) -> None:
    judged(domain(machine=machine, os="<smbios mode='sysinfo'/>", top=SMBIOS.format(sysinfo)), code,
           "can't process fields for smbios types > 1", caps=PC)


def test_only_the_first_smbios_sysinfo_feeds_qemu() -> None:
    second = SMBIOS.format("<bios><entry name='vendor'>V</entry></bios>") + SMBIOS.format(
        "<baseBoard><entry name='manufacturer'>B</entry></baseBoard>")
    judged(domain(machine="pc-i440fx-2.0", os="<smbios mode='sysinfo'/>", top=second), None, "", caps=PC)


@pytest.mark.parametrize(("machine", "strings", "code"), [
    ("q35", ["v" * 65300], "VL783"),
    ("q35", ["v" * 35000, "w" * 35000], "VL783"),
    ("q35", ["v" * 65000], None),
    ("pc-q35-8.1", ["v" * 70000], "VL783"),
    ("pc-q35-8.2", ["v" * 70000], None),  # (QEMU 8.2's machines default to the 64-bit SMBIOS 3.0 entry point)
])
def test_smbios_2_1_table_size(machine: str, strings: list[str], code: str | None) -> None:
    oem = "<oemStrings>" + "".join(f"<entry>{text}</entry>" for text in strings) + "</oemStrings>"
    caps = Q35.replace("pc-q35-7.2", "pc-q35-8.2") if machine.endswith("8.2") else Q35
    judged(domain(machine=machine, os="<smbios mode='sysinfo'/>", top=SMBIOS.format(oem)), code,
           "SMBIOS 2.1 table length exceeds 65535", caps=caps)


@pytest.mark.parametrize(("machine", "code"), [("pc-q35-2.4", "VL011"), ("pc-q35-2.5", None), ("pc-i440fx-2.3", "VL011"),
                                               ("q35", None)])
def test_genid_needs_fw_cfg_dma(machine: str, code: str | None) -> None:
    judged(domain(machine=machine, top="<genid/>"), code, "vmgenid requires DMA write support")


@pytest.mark.parametrize(("last", "code"), [(0x1F, "VL708"), (0x1E, None)])
def test_an_unaddressed_bridge_on_a_full_pci_root(last: int, code: str | None) -> None:
    filled = "".join(f"<controller type='virtio-serial' index='{slot}'><address type='pci' domain='0' bus='0' "
                     f"slot='{slot:#x}' function='0'/></controller>" for slot in range(2, last + 1))
    bridge = "<controller type='pci' index='1' model='pci-bridge'/>"
    judged(domain(filled + bridge, machine="pc"), code, "index must be larger than bus", caps=PC)


# -- the ninth round: CPUs under TCG, aliases and identities ---------------------------------------------------

#: (the host model has what SandyBridge has but x2apic, as the lab's TCG host model: libvirt's CPU map then finds
#: nothing else missing, tests/test_rules_cpu_map.py)
HOST_MODEL = ("<domainCapabilities><domain>{virt}</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch><cpu>"
              "<mode name='host-model' supported='yes'><model fallback='forbid'>EPYC</model><vendor>AMD</vendor>"
              "<feature policy='require' name='la57'/><feature policy='require' name='tsc-deadline'/>"
              "<feature policy='disable' name='rdseed'/></mode>"
              "<mode name='custom' supported='yes'><model usable='yes' vendor='Intel'>qemu64</model>"
              "<model usable='no' vendor='Intel'>SandyBridge</model></mode></cpu></domainCapabilities>")


@pytest.mark.parametrize(("virt", "cpu", "version", "code", "fragment"), [
    # a forbidden feature the host model requires, unless the check is none
    ("qemu", "<cpu mode='host-model'><feature policy='forbid' name='la57'/></cpu>", LAB, "VL606", "forbidden"),
    ("kvm", "<cpu><model>qemu64</model><feature policy='forbid' name='la57'/></cpu>", LAB, "VL606", "forbidden"),
    ("qemu", "<cpu><model>qemu64</model><feature policy='forbid' name='la57'/></cpu>", LAB, None, ""),
    ("qemu", "<cpu mode='maximum'><feature policy='forbid' name='la57'/></cpu>", LAB, None, ""),
    ("qemu", "<cpu mode='maximum' check='partial'><feature policy='forbid' name='la57'/></cpu>", LAB, "VL606",
     "forbidden"),
    ("qemu", "<cpu mode='host-model'><feature policy='forbid' name='rdseed'/></cpu>", LAB, None, ""),
    # the vendor, with the partial check (10.7 does not compare a usable model whose features are all disabled)
    ("kvm", "<cpu><model>qemu64</model><vendor>Intel</vendor></cpu>", LAB, "VL606", "vendor"),
    ("kvm", "<cpu><model>qemu64</model><vendor>Intel</vendor></cpu>", NEWEST, None, ""),
    ("kvm", "<cpu><model>qemu64</model><vendor>Intel</vendor><feature name='la57'/></cpu>", NEWEST, "VL606",
     "vendor"),
    ("kvm", "<cpu check='none'><model>qemu64</model><vendor>Intel</vendor></cpu>", LAB, None, ""),
    # a required feature TCG's host model disables (KVM's full host model may have it: not judged)
    ("qemu", "<cpu check='partial'><model>qemu64</model><feature name='rdseed'/></cpu>", LAB, "VL606", "rdseed"),
    ("kvm", "<cpu><model>qemu64</model><feature name='rdseed'/></cpu>", LAB, None, ""),
    # VL604: TCG's explicit partial check of an unusable model, unless the domain trims it
    ("qemu", "<cpu check='partial'><model>SandyBridge</model></cpu>", LAB, "VL604", "not usable"),
    ("qemu", "<cpu check='partial'><model>SandyBridge</model><feature policy='disable' name='x2apic'/></cpu>",
     LAB, None, ""),
    ("qemu", "<cpu><model>SandyBridge</model></cpu>", LAB, None, ""),
])
def test_comparison_with_the_host_cpu_model(virt: str, cpu: str, version: tuple[int, int], code: str | None,
                                            fragment: str) -> None:
    xml = domain(after=cpu).replace("type='qemu'", f"type='{virt}'", 1)
    judged(xml, code, fragment, caps=HOST_MODEL.format(virt=virt), version=version)


@pytest.mark.parametrize(("model", "version", "fallback", "severity"), [
    ("SapphireRapids", LAB, "allow", Severity.ERROR), ("SapphireRapids", (9, 3), "forbid", Severity.ERROR),
    ("SapphireRapids", (9, 4), "allow", Severity.WARNING), ("EPYC-Genoa", LAB, "allow", Severity.ERROR),
    ("EPYC-Genoa", (9, 1), "allow", Severity.WARNING), ("GraniteRapids", (9, 8), "allow", Severity.ERROR),
    ("GraniteRapids", NEWEST, "allow", Severity.WARNING),
])
def test_models_the_modelled_cpu_map_lacks(model: str, version: tuple[int, int], fallback: str,
                                           severity: Severity) -> None:
    xml = domain(after=f"<cpu><model fallback='{fallback}'>{model}</model></cpu>")
    linter = Linter([DomainCaps(Document(HOST_MODEL.format(virt="qemu"), "caps.xml"))], libvirt_version=version)
    found = [f for f in linter.lint_document(Document(xml, "d.xml")).findings if f.code == "VL603"]
    assert [f.severity for f in found] == [severity], found
    if severity is Severity.ERROR:
        assert f"Unknown CPU model {model}" in found[0].message


TAP = "<interface type='ethernet'><target dev='{}'{}/><model type='virtio'/></interface>"


@pytest.mark.parametrize(("devices", "code"), [
    (TAP.format("tap0", "") * 2, "VL770"),
    (TAP.format("tap0", "") + TAP.format("tap1", ""), None),
    (TAP.format("vnet900", "") * 2, None),  # (libvirt drops the names it makes itself)
    (TAP.format("macvtap900", "") * 2, None),
    (TAP.format("tap0", " managed='no'") * 2, None),  # (libvirt opens an existing tap)
    ("<interface type='user'><target dev='tap0'/></interface>" * 2, None),
])
def test_two_taps_of_one_name(devices: str, code: str | None) -> None:
    judged(domain(devices), code, "The tap0 interface already exists")


SHARED = "<memoryBacking><source type='memfd'/><access mode='shared'/></memoryBacking>"
ALIASED_VIRTIOFS = ("<filesystem type='mount'><driver type='virtiofs'/><source dir='/tmp'/><target dir='t'/>"
                    "<alias name='ua-{}'/></filesystem>")


@pytest.mark.parametrize(("name", "alias", "severity"), [
    ("virtlint-oracle-4cdd", "f" * 57, Severity.ERROR),  # (60 characters: refused on 9.0 with this name)
    ("virtlint-oracle-4cdd", "f" * 27, None),  # (30: started)
    ("t", "f" * 61, Severity.WARNING),  # (fits while the domain id has one to three digits)
])
def test_virtiofs_socket_path(name: str, alias: str, severity: Severity | None) -> None:
    xml = domain(ALIASED_VIRTIOFS.format(alias), top=SHARED).replace("<name>t</name>", f"<name>{name}</name>")
    linter = Linter([DomainCaps(Document(Q35, "caps.xml"))], libvirt_version=LAB)
    found = [f.severity for f in linter.lint_document(Document(xml, "d.xml")).findings
             if f.code == "VL791" and "UNIX socket path" in f.message]
    assert found == ([severity] if severity else [])


@pytest.mark.parametrize(("version", "code"), [(LAB, None), ((9, 1), "VL813")])
def test_a_crypto_alias_counts_once_libvirt_reads_crypto(version: tuple[int, int], code: str | None) -> None:
    devices = ("<crypto model='virtio' type='qemu'><backend model='builtin'/><alias name='ua-x'/></crypto>"
               "<filesystem type='mount'><source dir='/tmp'/><target dir='t'/><alias name='ua-x'/></filesystem>")
    judged(domain(devices), code, "non unique alias detected: ua-x", version=version)


# -- the ninth round: old machine versions -------------------------------------------------------------------

#: (isapc has no PCI bus for the balloon and USB controller libvirt adds by default)
NO_PCI_DEFAULTS = "<memballoon model='none'/><controller type='usb' model='none'/>"


@pytest.mark.parametrize(("machine", "code"), [("pc-i440fx-2.4", "VL406"), ("pc-q35-2.4", "VL406"),
                                               ("pc-i440fx-2.5", None), ("isapc", None)])
def test_vmcoreinfo_needs_fw_cfg_dma(machine: str, code: str | None) -> None:
    judged(domain(NO_PCI_DEFAULTS if machine == "isapc" else "", machine=machine,
                  after="<features><acpi/><vmcoreinfo state='on'/></features>"), code,
           "vmcoreinfo device requires fw_cfg with DMA", caps=PC)


@pytest.mark.parametrize(("machine", "code"), [("pc-i440fx-2.0", "VL210"), ("pc-i440fx-1.7", "VL210"),
                                               ("isapc", "VL210"), ("pc-i440fx-2.1", None), ("pc-q35-2.4", None)])
def test_memory_slots_need_a_device_memory_region(machine: str, code: str | None) -> None:
    after = ("<features><acpi/></features><cpu><numa><cell id='0' cpus='0' memory='128' unit='MiB'/></numa></cpu>"
             "<maxMemory slots='4' unit='MiB'>1024</maxMemory>")
    judged(domain(machine=machine, after=after), code, "\"-memory 'slots|maxmem'\" is not supported by", caps=PC)


IOMMU_EIM = "<iommu model='intel'><driver intremap='on' eim='on'/></iommu>"


@pytest.mark.parametrize(("machine", "code"), [("pc-q35-2.7", None), ("pc-q35-2.4", None), ("pc-q35-2.8", "VL792"),
                                               ("q35", "VL792")])
def test_eim_under_tcg_on_machines_with_x_buggy_eim(machine: str, code: str | None) -> None:
    after = "<features><acpi/><ioapic driver='qemu'/></features>"
    judged(domain(IOMMU_EIM, machine=machine, after=after), code, "eim=on requires accel=kvm")


FWCFG = "<sysinfo type='fwcfg'>{}</sysinfo>"


def fw_cfg_entries(count: int) -> str:
    return FWCFG.format("".join(f"<entry name='opt/com.example/f{index}'>v{index}</entry>" for index in range(count)))


@pytest.mark.parametrize(("machine", "entries", "extra", "acpi", "code"), [
    ("pc-i440fx-2.8", 5, "", True, "VL783"), ("pc-i440fx-2.8", 4, "", True, None),
    ("pc-i440fx-2.8", 9, "", False, None),  # (no ACPI tables: five more files fit on i440fx, four on q35)
    ("pc-i440fx-2.8", 10, "", False, "VL783"), ("pc-q35-7.2", 21, "", False, None),
    ("pc-q35-7.2", 22, "", False, "VL783"),
    ("pc-q35-7.2", 21, "<genid/>", False, None),  # (a genid's files are ACPI's)
    ("pc-i440fx-2.8", 3, "<genid/>", True, "VL783"), ("pc-i440fx-2.8", 2, "<genid/>", True, None),
    ("pc-i440fx-2.0", 8, "", True, "VL783"), ("pc-i440fx-2.0", 7, "", True, None),
    ("pc-i440fx-2.9", 21, "", True, "VL783"), ("pc-i440fx-2.9", 20, "", True, None),
    ("pc-q35-2.8", 5, "", True, "VL783"), ("pc-q35-7.2", 18, "", True, "VL783"), ("pc-q35-7.2", 17, "", True, None),
    ("isapc", 29, "", True, "VL783"), ("isapc", 28, "", True, None),
])
def test_fw_cfg_file_slots(machine: str, entries: int, extra: str, acpi: bool, code: str | None) -> None:
    after = "<features><acpi/></features>" if acpi else ""
    judged(domain(NO_PCI_DEFAULTS if machine == "isapc" else "", machine=machine, top=extra + fw_cfg_entries(entries),
                  after=after), code, "fw_cfg_file_slots", caps=PC)


@pytest.mark.parametrize(("machine", "caps_machine", "severity"), [
    ("q35", "pc-q35-7.2", Severity.ERROR),  # (the caps of an alias name the binary's newest machine: QEMU 7.2)
    ("pc-q35-7.2", "pc-q35-7.2", Severity.WARNING),  # (QEMU 7.2 or later: not known to be before 8.2)
    ("q35", "pc-q35-8.2", None),
])
def test_vpindex_under_tcg(machine: str, caps_machine: str, severity: Severity | None) -> None:
    xml = domain(machine=machine, after="<features><acpi/><hyperv mode='custom'><relaxed state='on'/><vpindex "
                                        "state='on'/></hyperv></features>")
    linter = Linter([DomainCaps(Document(Q35.replace("pc-q35-7.2", caps_machine), "caps.xml"))], libvirt_version=LAB)
    found = [f.severity for f in linter.lint_document(Document(xml, "d.xml")).findings if "VP_INDEX" in f.message]
    assert found == ([severity] if severity else [])
    kvm = Document(xml.replace("type='qemu'", "type='kvm'", 1), "d.xml")
    assert not any("VP_INDEX" in f.message for f in linter.lint_document(kvm).findings)


# -- the tenth round: network disk sources (offline: the lab lacks the servers and QEMU's block modules) --------

NET_DISK = ("<disk type='network' device='disk'><driver name='qemu' type='raw'/><source protocol='{protocol}' "
            "name='{name}'>{inside}</source><target dev='vdb' bus='virtio'/></disk>")
TCP_HOST = "<host name='127.0.0.1' port='{}'/>"
UNIX_HOST = "<host transport='unix' socket='/run/nbd.sock'{}/>"


@pytest.mark.parametrize(("protocol", "name", "inside", "code", "fragment"), [
    # the port of a unix host is never read; an NFS port of 0 is none
    ("nbd", "x", UNIX_HOST.format(" port='abc'"), None, ""),
    ("nbd", "x", TCP_HOST.format("abc"), "VL759", "failed to parse port number 'abc'"),
    ("nfs", "/export/x.img", TCP_HOST.format("+0"), None, ""),
    ("nfs", "/export/x.img", TCP_HOST.format("1"), "VL759", "port cannot be specified in 'nfs' protocol host"),
    # QEMU's RBD client takes TCP hosts only, its SSH client a TCP first host
    ("rbd", "pool/image", UNIX_HOST.format(""), "VL753", "only TCP protocol can be converted"),
    ("rbd", "pool/image", TCP_HOST.format(6789) + UNIX_HOST.format(""), "VL753", "only TCP protocol"),
    ("rbd", "pool/image", TCP_HOST.format(6789), None, ""),
    ("ssh", "/x.img", "<host name='127.0.0.1' port='22' transport='rdma'/>", "VL753", "only TCP protocol"),
    # an empty name is none in the copy a start parses (NBD's server may have a default export)
    ("nfs", "", TCP_HOST.format(0), "VL753", "missing name for disk source"),
    ("http", "", TCP_HOST.format(80), "VL753", "missing name for disk source"),
    ("nbd", "", TCP_HOST.format(10809), None, ""),
    ("rbd", "pool/", TCP_HOST.format(6789), "VL753", "argument key 'image' must not have null value"),
    ("gluster", "vol/", TCP_HOST.format(24007), "VL753", "argument key 'path' must not have null value"),
    ("gluster", "vol/x.img", TCP_HOST.format(24007), None, ""),
    ("iscsi", "", TCP_HOST.format(3260), "VL753", "libvirtd crashes defining the domain"),
    # an NFS identity's '+' number
    ("nfs", "/export/x.img", TCP_HOST.format(0) + "<identity user='+abc' group='+0'/>", "VL753",
     "Failed to parse user 'abc'"),
    ("nfs", "/export/x.img", TCP_HOST.format(0) + "<identity user='' group='+0'/>", "VL753", "Failed to parse user ''"),
    ("nfs", "/export/x.img", TCP_HOST.format(0) + "<identity user='+-1' group='+ 7'/>", None, ""),
    ("nfs", "/export/x.img", TCP_HOST.format(0) + "<identity user='qemu' group='kvm'/>", None, ""),
    # an NBD server of an empty host name or socket path (QEMU, as it opens the disk)
    ("nbd", "x", "<host name=''/>", "VL753", "address resolution failed for :10809"),
    ("nbd", "x", "<host transport='unix' socket=''/>", "VL753", "Failed to connect to ''"),
    ("nbd", "x", "<host name='127.0.0.1'/>", None, ""),
    # QEMU 6.1 and later have no Sheepdog client (the caps' machine tells the QEMU: 7.2 here)
    ("sheepdog", "vdi", TCP_HOST.format(7000), "VL753", "does not accept value 'sheepdog'"),
])
def test_network_disk_sources(protocol: str, name: str, inside: str, code: str | None, fragment: str) -> None:
    disk = NET_DISK.format(protocol=protocol, name=name, inside=inside)
    found = [(c, m) for c, m in errors(domain(disk)) if c in ("VL753", "VL759")]
    if code is None:
        assert found == [], found
    else:
        assert any(c == code and fragment in m for c, m in found), found


# -- the tenth round: realistic domains started ---------------------------------------------------------------

@pytest.mark.parametrize(("cpu", "code"), [
    ("<cpu mode='maximum'><feature policy='require' name='invtsc'/></cpu>", "VL213"),
    ("<cpu mode='maximum' check='none'><feature policy='force' name='invtsc'/></cpu>", "VL213"),
    ("<cpu mode='host-model' check='none'><feature policy='require' name='invtsc'/></cpu>", "VL213"),
    ("<cpu mode='maximum'><feature policy='optional' name='invtsc'/></cpu>", None),
    ("<cpu mode='maximum'><feature policy='disable' name='invtsc'/></cpu>", None),
])
def test_invariant_tsc_under_tcg_in_every_mode(cpu: str, code: str | None) -> None:
    judged(domain(after=cpu), code, "host doesn't support invariant TSC", caps=HOST_MODEL.format(virt="qemu"))


@pytest.mark.parametrize(("cpu", "code"), [
    ("<cpu mode='maximum' check='full'><feature policy='require' name='rdseed'/></cpu>", "VL606"),
    ("<cpu mode='host-model' check='full'><feature policy='require' name='rdseed'/></cpu>", "VL606"),
    ("<cpu mode='maximum' check='full'><feature policy='require' name='la57'/></cpu>", None),
    ("<cpu mode='maximum' check='full'/>", None),
    ("<cpu mode='maximum'><feature policy='require' name='rdseed'/></cpu>", None),
])
def test_full_check_of_a_feature_tcg_lacks(cpu: str, code: str | None) -> None:
    judged(domain(after=cpu), code, "missing features: rdseed", caps=HOST_MODEL.format(virt="qemu"))


ARM_ROOT_PORT = "<controller type='pci' index='1' model='pcie-root-port'>{}</controller>"


@pytest.mark.parametrize(("machine", "gic", "port", "code", "fragment"), [
    ("virt-4.2", "3", "", "VL710", "MSI-X is not supported by interrupt controller"),
    ("virt-6.1", "3", "<model name='ioh3420'/>", "VL710", "MSI is not supported by interrupt controller"),
    ("virt-6.2", "3", "", None, ""),
    ("virt-4.2", "2", "", None, ""),
])
def test_tcg_gicv3_without_its(machine: str, gic: str, port: str, code: str | None, fragment: str) -> None:
    xml = domain("<memballoon model='none'/>" + ARM_ROOT_PORT.format(port), machine=machine, arch="aarch64",
                 emulator="/usr/bin/qemu-system-aarch64",
                 after=f"<features><gic version='{gic}'/></features><cpu mode='custom'><model>cortex-a57</model>"
                       "</cpu>")
    judged(xml, code, fragment, caps=ARM64.replace("virt-7.2", machine))


# -- an adversarial re-check of this session's checks (each case run on the lab) ----------------------------------

@pytest.mark.parametrize(("features", "code"), [
    ("", "VL604"),
    ("<feature policy='optional' name='x2apic'/>", None),  # (optional, force and disable leave the compared set)
    ("<feature policy='force' name='x2apic'/>", None),
])
def test_unusable_model_features_left_out_of_the_comparison(features: str, code: str | None) -> None:
    xml = domain(after=f"<cpu check='partial'><model>SandyBridge</model>{features}</cpu>")
    judged(xml, code, "not usable", caps=HOST_MODEL.format(virt="qemu"))


@pytest.mark.parametrize(("vendor", "code"), [("AMD", None), (" AMD ", "VL606"), ("amd", "VL606")])
def test_the_vendor_is_compared_as_written(vendor: str, code: str | None) -> None:
    xml = domain(after=f"<cpu check='partial'><model>qemu64</model><vendor>{vendor}</vendor></cpu>")
    judged(xml, code, "host CPU vendor does not match", caps=HOST_MODEL.format(virt="qemu"))


def test_a_dropped_alias_does_not_lengthen_the_socket_path() -> None:
    alias = "f" * 50 + ".fffffff"  # (not a user alias: libvirt drops it and names the share fs0)
    xml = domain(ALIASED_VIRTIOFS.format(alias), top=SHARED).replace("<name>t</name>",
                                                                     "<name>virtlint-oracle-4cdd</name>")
    assert not any("UNIX socket path" in m for _, m in errors(xml))


def test_an_unmanaged_tap_an_earlier_interface_holds() -> None:
    devices = TAP.format("tap0", "") + TAP.format("tap0", " managed='no'")
    judged(domain(devices), "VL770", "Unable to create tap device tap0: Device or resource busy")


@pytest.mark.parametrize(("device", "code"), [
    ("<video><model type='vga'/><alias name='ua-s'/></video>", "VL813"),
    ("<memballoon model='virtio'><alias name='ua-s'/></memballoon>", "VL813"),
    ("<controller type='usb' model='qemu-xhci'><alias name='ua-s'/></controller>", "VL813"),
    ("<input type='tablet' bus='usb'><alias name='ua-s'/></input>", "VL813"),
    ("<panic model='isa'><alias name='ua-s'/></panic>", None),
    ("<controller type='sata' index='0'><alias name='ua-s'/></controller>", None),
])
def test_the_first_serial_s_alias_on_other_devices(device: str, code: str | None) -> None:
    judged(domain("<serial type='pty'><alias name='ua-s'/></serial>" + device), code, "Duplicate device ID 'ua-s'")


RNG_AT = ("<rng model='virtio'><backend model='random'>/dev/urandom</backend><address type='pci' domain='0' bus='{}' "
          "slot='{:#x}' function='0'/></rng>")


@pytest.mark.parametrize(("first", "video", "code"), [
    (3, "<video><model type='cirrus'/></video>", "VL702"), (3, "<graphics type='vnc'/>", "VL702"),
    (3, "<video><model type='none'/></video>", None), (4, "<video><model type='cirrus'/></video>", None),
])
def test_the_primary_video_takes_a_pci_root_slot(first: int, video: str, code: str | None) -> None:
    filled = "".join(RNG_AT.format(0, slot) for slot in range(first, 0x20))
    judged(domain(filled + video + RNG_AT.format(1, 1), machine="pc"), code, "index must be larger than bus", caps=PC)


@pytest.mark.parametrize(("ports", "extra", "code"), [
    (233, "<video><model type='vga'/></video>", "VL702"), (232, "<video><model type='vga'/></video>", None),
    (233, "<controller type='pci' index='250' model='dmi-to-pci-bridge'/>", "VL702"),
])
def test_slots_q35_keeps_for_the_video_and_a_dmi_bridge(ports: int, extra: str, code: str | None) -> None:
    roots = "".join(f"<controller type='pci' index='{index}' model='pcie-root-port'/>" for index in range(1, ports + 1))
    judged(domain(roots + extra), code, "a PCI slot is needed to connect a PCI controller model='pcie-root-port'")


@pytest.mark.parametrize(("size", "base", "code"), [
    (127 * MIB, "0x107f00000", "VL210"),  # (127 MiB rounded up to 128 MiB: QEMU's range ends at 0x108000000)
    (127 * MIB, "0x108000000", None),
])
def test_overlaps_of_sizes_rounded_to_2_mib(size: int, base: str, code: str | None) -> None:
    dimm = DIMM_AT.format("0x100000000").replace("<size unit='MiB'>128</size>", f"<size unit='KiB'>{size}</size>")
    judged(domain(dimm + nvdimm(base=base), after=HOTPLUG), code, "overlaps with other memory device")


# --- q35's root ports: those libvirt adds count (VL702) --------------------------------------------------------

def _ports(*indexes: int) -> str:
    return "".join(f"<controller type='pci' index='{index}' model='pcie-root-port'/>" for index in indexes)


def _serials(count: int) -> str:
    return "".join(f"<controller type='virtio-serial' index='{index}'/>" for index in range(count))


BALLOON_AT = "<memballoon model='virtio'><address type='pci' bus='{}' slot='{}' function='0'/></memballoon>"
MULTIFUNCTION = " multifunction='on'"
NO_DEFAULTS = "<controller type='usb' model='none'/><memballoon model='none'/>"
PORTS_ON_SLOT_1 = "".join(
    f"<controller type='pci' index='{index + 1}' model='pcie-root-port'><address type='pci' bus='0' slot='1' "
    f"function='{index}'{MULTIFUNCTION if index == 0 else ''}/></controller>" for index in range(4))


@pytest.mark.parametrize(("devices", "refused"), [
    (_ports(241), True),  # libvirt adds ports 1 to 240 below it
    (_ports(240), False),
    (BALLOON_AT.format(241, 0), True),  # and root ports up to a PCI Express device's bus
    (BALLOON_AT.format(240, 0), False),
    (_ports(5) + BALLOON_AT.format(241, 0), True),
    (_serials(238), True),  # one port each, the default USB controller's and balloon's, one kept for hotplug
    (_serials(237), False),
    (_ports(100) + _serials(239), True),  # (a PCI index beyond 0: no port kept for hotplug)
    (_ports(100) + _serials(238), False),
    (NO_DEFAULTS + _serials(240), True),
    (NO_DEFAULTS + _serials(239), False),
    ("<video><model type='vga'/></video>" + _ports(233), True),  # slot 1 kept for the video
    ("<video><model type='vga'/></video>" + _ports(232), False),
    ("<graphics type='vnc'/>" + _ports(233), True),
    (BALLOON_AT.format(0, 5) + "<rng model='virtio'><backend model='random'>/dev/urandom</backend><address "
     "type='pci' bus='233' slot='0' function='0'/></rng>", True),  # a device on slot 5 takes all its functions
    (BALLOON_AT.format(0, 5) + "<rng model='virtio'><backend model='random'>/dev/urandom</backend><address "
     "type='pci' bus='232' slot='0' function='0'/></rng>", False),
    (PORTS_ON_SLOT_1 + _ports(241), True),  # root ports share a slot's functions
    (PORTS_ON_SLOT_1 + _ports(240), False),
    # not counted: transitional virtio (conventional PCI, behind a bridge), a conventional device's bus, switches
    ("".join(f"<controller type='virtio-serial' index='{i}' model='virtio-transitional'/>" for i in range(238)),
     False),
    ("<interface type='user'><model type='e1000'/><address type='pci' bus='250' slot='1' function='0'/>"
     "</interface>", False),
])
def test_q35_root_ports_libvirt_adds(devices: str, refused: bool) -> None:
    judged(domain(devices), "VL702" if refused else None, "a PCI slot is needed to connect a PCI controller "
           "model='pcie-root-port'")


def test_q35_root_ports_default_usb_counted_only_on_a_known_release() -> None:
    # (the default USB controller is qemu-xhci from QEMU's probe: a caps document without a release leaves it out)
    unversioned = Q35.replace("pc-q35-7.2", "q35")
    judged(domain(_serials(238)), None, "", caps=unversioned)
    judged(domain(_serials(239)), "VL702", "a PCI slot is needed", caps=unversioned)


# --- i440fx: a full pci-root and an unaddressed device (VL702) ---------------------------------------------------

def _root_filled(first: int = 2, last: int = 0x1F) -> str:
    return "".join(f"<controller type='virtio-serial' index='{slot}'><address type='pci' domain='0' bus='0' "
                   f"slot='{slot}' function='0'/></controller>" for slot in range(first, last + 1))


PC_BASE = "<controller type='usb' model='none'/><memballoon model='none'/>"
BRIDGE_REFUSAL = "PCI controller at index 1 (0x01) has bus='0x01', but index must be larger than bus"


@pytest.mark.parametrize("extra", [
    "<controller type='virtio-serial' index='40'/>",
    "<interface type='user'><model type='e1000'/></interface>",
    "<disk type='file' device='disk'><source file='/i.img'/><target dev='vda' bus='virtio'/></disk>",
    "<sound model='ich6'/>",
    "<watchdog model='i6300esb'/>",
    "<rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>",
    "<input type='keyboard' bus='virtio'/>",
    "<controller type='scsi' index='0' model='virtio-scsi'/>",
    "<interface type='user'><model type='virtio'/></interface>",
])
def test_pc_full_root_and_an_unaddressed_device(extra: str) -> None:
    judged(domain(PC_BASE + _root_filled() + extra, machine="pc"), "VL702", BRIDGE_REFUSAL, caps=PC)
    judged(domain(PC_BASE + _root_filled(2, 0x1E) + extra, machine="pc"), None, "", caps=PC)  # one slot free


def test_pc_full_root_and_the_default_balloon() -> None:
    usb_none = "<controller type='usb' model='none'/>"
    judged(domain(usb_none + _root_filled(), machine="pc"), "VL702", BRIDGE_REFUSAL, caps=PC)
    judged(domain(PC_BASE + _root_filled(), machine="pc"), None, "", caps=PC)  # balloon none, USB none
    # the default USB controller is the PIIX3's function 1.2: no slot of its own
    judged(domain("<memballoon model='none'/>" + _root_filled(), machine="pc"), None, "", caps=PC)


def test_pc_full_root_devices_left_unjudged() -> None:
    # a NIC without a model (the default is libvirt's and QEMU's), a USB controller, a bridge given a slot
    judged(domain(PC_BASE + _root_filled() + "<interface type='user'/>", machine="pc"), None, "", caps=PC)
    judged(domain("<memballoon model='none'/>" + _root_filled() + "<controller type='usb' index='1' "
                  "model='piix3-uhci'/>", machine="pc"), None, "", caps=PC)
    bridge = ("<controller type='pci' index='1' model='pci-bridge'><address type='pci' bus='0' slot='0x1f' "
              "function='0'/></controller><controller type='virtio-serial' index='40'/>")
    judged(domain(PC_BASE + _root_filled(2, 0x1E) + bridge, machine="pc"), None, "", caps=PC)


# --- q35: a written chassis against the root ports libvirt adds (VL710) -----------------------------------------

def _port(index: int, chassis: int | None = None, address: str = "") -> str:
    target = f"<target chassis='{chassis}'/>" if chassis is not None else ""
    return f"<controller type='pci' index='{index}' model='pcie-root-port'>{target}{address}</controller>"


VIRTIO_NIC = "<interface type='user'><model type='virtio'/></interface>"
NIC_ON_BUS = "<interface type='user'><model type='virtio'/><address type='pci' bus='{}' slot='0' function='0'/>" \
             "</interface>"
NO_USB = "<controller type='usb' model='none'/>"
CHASSIS_CLASH = "Can't add chassis slot, error -16"


@pytest.mark.parametrize(("devices", "refused"), [
    (_port(1, 2), True),  # the default USB controller takes port 1; the balloon's port is index 2, chassis 2
    (_port(1, 2) + NO_USB, False),
    (_port(1, 2, "<address type='pci' bus='0' slot='2' function='0'/>"), True),
    (_port(1, 3) + NO_DEFAULTS + VIRTIO_NIC * 3, True),
    (_port(1, 3) + NO_DEFAULTS + VIRTIO_NIC * 2, False),
    (_port(1, 5) + NIC_ON_BUS.format(5), True),  # ports 2 to 5 added for the NIC's bus
    (_port(1, 5) + NO_DEFAULTS + NIC_ON_BUS.format(4), False),
    (_port(1, 4) + _port(2) + NO_DEFAULTS + VIRTIO_NIC * 4, True),
    (_port(1, 4) + _port(2) + NO_DEFAULTS + VIRTIO_NIC * 3, False),
    (_port(1, 4) + _port(2) + VIRTIO_NIC, False),
    (_port(1, 2) + _port(3), True),  # the gap below the highest index
])
def test_q35_chassis_against_the_ports_libvirt_adds(devices: str, refused: bool) -> None:
    judged(domain(devices), "VL710" if refused else None, CHASSIS_CLASH)


# --- ARM virt <= 6.1, GICv3 under TCG: the root port libvirt adds (VL710) ----------------------------------------

def _arm(machine: str, devices: str, gic: int = 3) -> str:
    return domain(devices, machine=machine, arch="aarch64", emulator="/usr/bin/qemu-system-aarch64",
                  after=f"<features><gic version='{gic}'/></features><cpu mode='custom'><model>cortex-a57</model>"
                        "</cpu>")


ARM_NIC = "<interface type='user'><model type='virtio'/></interface>"
MSI = "MSI-X is not supported by interrupt controller"


@pytest.mark.parametrize(("xml", "refused"), [
    (_arm("virt-6.1", ARM_NIC), True),
    (_arm("virt-4.2", "<rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>"), True),
    (_arm("virt-6.1", "<memballoon model='virtio'/>"), True),
    (_arm("virt-6.1", "<interface type='user'><model type='virtio'/><address type='pci' bus='1' slot='0' "
                      "function='0'/></interface>"), True),
    (_arm("virt-6.1", ARM_NIC, gic=2), False),
    (_arm("virt-6.2", ARM_NIC), False),
    (_arm("virt-6.1", ""), False),  # (libvirt adds no balloon on ARM)
    # virtio devices on virtio-mmio once one has such an address; a device on the root bus itself
    (_arm("virt-6.1", ARM_NIC + "<memballoon model='virtio'><address type='virtio-mmio'/></memballoon>"), False),
    (_arm("virt-6.1", "<interface type='user'><model type='virtio'/><address type='pci' bus='0' slot='2' "
                      "function='0'/></interface>"), False),
])
def test_arm_gicv3_tcg_root_port_libvirt_adds(xml: str, refused: bool) -> None:
    judged(xml, "VL710" if refused else None, MSI, caps=ARM64)


def _board(machine: str, vcpu: str, arch: str = "aarch64", memory: str = "1024") -> str:
    binary = "/usr/bin/qemu-system-aarch64" if arch == "aarch64" else "/usr/bin/qemu-system-arm"
    return domain(machine=machine, arch=arch, vcpu=vcpu, emulator=binary).replace(
        "<memory unit='MiB'>128</memory>", f"<memory unit='MiB'>{memory}</memory>")


@pytest.mark.parametrize(("machine", "vcpu", "arch", "refused"), [
    # QEMU 7.2 probed with -smp 1 (the lab's sweep: raspi3b and raspi2b with one vCPU refused at start)
    ("raspi3b", "<vcpu>1</vcpu>", "aarch64", "Invalid SMP CPUs 1. The min CPUs supported by machine 'raspi3b' is 4"),
    ("raspi3b", "", "aarch64", "Invalid SMP CPUs 1."),  # no <vcpu>: one
    ("raspi3b", "<vcpu current='3'>4</vcpu>", "aarch64", "Invalid SMP CPUs 3."),  # QEMU's -smp is the current count
    ("raspi3b", "<vcpu>4</vcpu>", "aarch64", None),
    ("raspi2b", "<vcpu>1</vcpu>", "armv7l", "machine 'raspi2b' is 4"),
    ("ast2600-evb", "<vcpu>1</vcpu>", "armv7l", "machine 'ast2600-evb' is 2"),
    ("ast2600-evb", "<vcpu>2</vcpu>", "armv7l", None),
    ("fby35", "<vcpu>2</vcpu>", "armv7l", "machine 'fby35' is 3"),
    ("virt", "<vcpu>1</vcpu>", "aarch64", None),  # virt takes one
    ("vexpress-a15", "<vcpu>1</vcpu>", "armv7l", None),  # (not in the table: not judged)
    ("raspi3b", "<vcpu>4</vcpu>", "x86_64", None),  # (another arch's machine: not this table's)
])
def test_board_cpu_minimum(machine: str, vcpu: str, arch: str, refused: str | None) -> None:
    found = [m for c, m in errors(_board(machine, vcpu, arch), ARM64 if arch == "aarch64" else ARM32)
             if c == "VL226"]
    assert bool(found) == (refused is not None), found
    if refused is not None:
        assert refused in found[0] and found[0].endswith("(QEMU refuses to start the domain)")


@pytest.mark.parametrize(("devices", "machine", "refused"), [
    # the device memory region of 128 MiB initial memory, <maxMemory slots='4'> 1 GiB: [0x100000000, +0x138000000)
    # (the lab: QEMU 7.2 refused a DIMM at 0x80000000, 0x230200000 and 1 TiB with this message, started 0x230000000)
    (DIMM_AT.format("0x80000000"), "q35",
     "can't add memory device [0x80000000:0x8000000], usable range for memory devices [0x100000000:0x138000000]"),
    (DIMM_AT.format("0x230200000"), "q35", "can't add memory device [0x230200000:0x8000000]"),
    (DIMM_AT.format("0x10000000000"), "q35", "can't add memory device [0x10000000000:0x8000000]"),
    (DIMM_AT.format("0x230000000"), "q35", None),  # ends where the region ends
    (DIMM_AT.format("0x100000000"), "q35", None),
    (DIMM_AT.format("0x100000000"), "pc", None),
    (DIMM_AT.format("0xc0000000"), "pc", "usable range for memory devices [0x100000000:0x138000000]"),
    (DIMM_AT.format("0x238000000").replace("128</size>", "1</size>"), "q35",
     "can't add memory device [0x238000000:0x200000]"),  # (a size rounded up to 2 MiB)
])
def test_dimm_base_within_the_device_memory_region(devices: str, machine: str, refused: str | None) -> None:
    lab = HOTPLUG.replace(">2048</maxMemory>", ">1024</maxMemory>")  # (the lab's sweep cases)
    found = [m for c, m in errors(domain(devices, machine=machine, after=lab), Q35 if machine == "q35" else PC)
             if c == "VL210"]
    assert bool(found) == (refused is not None), found
    if refused is not None:
        assert refused in found[0] and found[0].endswith("(QEMU refuses to start the domain)")


def test_dimm_region_moves_with_the_ram_above_4g() -> None:
    # 4 GiB of initial memory on q35: 2 GiB below 4 GiB, 2 GiB above; the region starts at 6 GiB
    big = HOTPLUG.replace("memory='128' unit='MiB'", "memory='4096' unit='MiB'").replace(
        "unit='MiB'>2048</maxMemory>", "unit='MiB'>8192</maxMemory>")
    xml = domain(DIMM_AT.format("0x100000000"), after=big)
    assert any("usable range for memory devices [0x180000000:0x200000000]" in m for _, m in errors(xml))
    assert not [m for c, m in errors(domain(DIMM_AT.format("0x180000000"), after=big)) if c == "VL210"]


@pytest.mark.parametrize(("machine", "memory", "arch", "refused"), [
    # QEMU 7.2 probed with -m 128, 1024, 2048, 8192 (the lab's sweep: raspi2b with 128 MiB and 2 GiB refused at
    # start, 1 GiB started; vexpress-a9 with 1025 MiB refused)
    ("raspi2b", "128", "armv7l", "Invalid RAM size, should be 1 GiB"),
    ("raspi2b", "2048", "armv7l", "Invalid RAM size, should be 1 GiB"),
    ("raspi2b", "1024", "armv7l", None),
    ("raspi3ap", "1024", "aarch64", "Invalid RAM size, should be 512 MiB"),
    ("raspi3ap", "512", "aarch64", None),
    ("mps2-an385", "16", "armv7l", None),
    ("mps2-an385", "128", "armv7l", "Invalid RAM size, should be 16 MiB"),
    ("vexpress-a9", "1025", "armv7l", "vexpress-a9: cannot model more than 1GB RAM"),
    ("vexpress-a9", "1024", "armv7l", None),
    ("versatilepb", "512", "armv7l", "versatilepb: memory size must not exceed 256MB"),
    ("vexpress-a15", "8192", "armv7l", None),  # (not in the tables)
])
def test_board_ram(machine: str, memory: str, arch: str, refused: str | None) -> None:
    vcpu = "<vcpu>4</vcpu>" if machine.startswith("raspi") else "<vcpu>1</vcpu>"
    found = [m for c, m in errors(_board(machine, vcpu, arch, memory), ARM64 if arch == "aarch64" else ARM32)
             if c == "VL226"]
    assert bool(found) == (refused is not None), found
    if refused is not None:
        assert found[0] == refused + " (QEMU refuses to start the domain)"


def test_board_cpus_before_ram() -> None:
    # QEMU reads -smp before the board checks its RAM: one refusal, the CPUs' (the lab's raspi3b-mem128 case)
    found = [m for c, m in errors(_board("raspi3b", "<vcpu>1</vcpu>", memory="128"), ARM64) if c == "VL226"]
    assert len(found) == 1 and found[0].startswith("Invalid SMP CPUs 1.")


@pytest.mark.parametrize(("cpu", "memory", "refused"), [
    # the lab's sweep (QEMU 7.2, qemu-system-arm's virt): `max` has no LPAE; RAM from 1 GiB must end within 4 GiB
    ("<cpu mode='custom' match='exact'><model fallback='forbid'>max</model></cpu>", "4096",
     "Addressing limited to 32 bits, but memory exceeds it by 1073741824 bytes"),
    ("<cpu mode='custom' match='exact'><model fallback='forbid'>max</model></cpu>", "3073",
     "Addressing limited to 32 bits, but memory exceeds it by 1073741824 bytes"),
    ("<cpu mode='maximum'/>", "3073", "Addressing limited to 32 bits"),
    ("<cpu mode='custom' match='exact'><model fallback='forbid'>max</model></cpu>", "3072", None),
    ("<cpu mode='custom' match='exact'><model fallback='forbid'>cortex-a7</model></cpu>", "4096", None),
    ("<cpu mode='custom'><model>cortex-a15</model></cpu>", "5120", None),
    ("", "5120", None),  # (the default CPU, cortex-a15, has LPAE)
])
def test_arm32_virt_memory_within_32_bits(cpu: str, memory: str, refused: str | None) -> None:
    xml = domain(machine="virt", arch="armv7l", after=cpu, emulator="/usr/bin/qemu-system-arm").replace(
        "<memory unit='MiB'>128</memory>", f"<memory unit='MiB'>{memory}</memory>")
    found = [m for c, m in errors(xml, ARM32) if c == "VL226"]
    assert bool(found) == (refused is not None), found
    if refused is not None:
        assert found[0].startswith(refused) and found[0].endswith("(QEMU refuses to start the domain)")


def test_arm32_guest_on_the_aarch64_binary_is_not_judged() -> None:
    # the lab's sweep: an armv7l domain on qemu-system-aarch64 with `max` and 5 GiB started (its max has 64-bit bits)
    xml = domain(machine="virt", arch="armv7l", after="<cpu mode='custom'><model>max</model></cpu>",
                 emulator="/usr/bin/qemu-system-aarch64").replace("<memory unit='MiB'>128</memory>",
                                                                  "<memory unit='MiB'>5120</memory>")
    assert [m for c, m in errors(xml, ARM32) if c == "VL226"] == []


NVRAM_NBD = ("<loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.fd</loader><nvram type='network'>"
             "<source protocol='nbd' name='vars'>{}</source></nvram>")


@pytest.mark.parametrize(("hosts", "refused"), [
    # the lab's sweep (9.0): an NBD NVRAM without a host and with two refused at start with this message
    ("", True),
    ("<host name='127.0.0.1' port='10999'/><host name='127.0.0.2' port='10999'/>", True),
    ("<host name='127.0.0.1' port='10999'/>", False),
])
def test_network_nvram_takes_one_nbd_host(hosts: str, refused: bool) -> None:
    found = [m for c, m in errors(domain(os=NVRAM_NBD.format(hosts))) if c == "VL507"]
    assert found == (["nbd protocol accepts only one host"] if refused else [])
