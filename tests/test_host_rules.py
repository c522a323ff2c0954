"""The host-topology rules (VL250-VL258) against hand-made multi-node hosts and the real host documents."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import Q35_KVM, codes, lint, shared_path
from virtlint.linter.document import Document
from virtlint.linter.engine import Linter
from virtlint.linter.caps import DomainCaps
from virtlint.linter.host import HostCaps
from virtlint.linter.model import Severity

#: Two nodes, 4 CPUs each; 2 MiB pool 512 + 1024 pages, 1 GiB pool 0 + 2 pages; IOMMU; SELinux; TSC without scaling.
TWO_NODES = """<capabilities><host>
  <cpu><arch>x86_64</arch><counter name='tsc' frequency='2000000000' scaling='no'/>
    <pages unit='KiB' size='4'/><pages unit='KiB' size='2048'/><pages unit='KiB' size='1048576'/></cpu>
  <iommu support='yes'/>
  <topology><cells num='2'>
    <cell id='0'><memory unit='KiB'>8388608</memory>
      <pages unit='KiB' size='4'>1572864</pages><pages unit='KiB' size='2048'>512</pages>
      <pages unit='KiB' size='1048576'>0</pages>
      <cpus num='4'><cpu id='0'/><cpu id='1'/><cpu id='2'/><cpu id='3'/></cpus></cell>
    <cell id='1'><memory unit='KiB'>8388608</memory>
      <pages unit='KiB' size='4'>1048576</pages><pages unit='KiB' size='2048'>1024</pages>
      <pages unit='KiB' size='1048576'>2</pages>
      <cpus num='4'><cpu id='4'/><cpu id='5'/><cpu id='6'/><cpu id='7'/></cpus></cell>
  </cells></topology>
  <secmodel><model>selinux</model><doi>0</doi></secmodel><secmodel><model>dac</model><doi>0</doi></secmodel>
</host>
<guest><os_type>hvm</os_type><arch name='x86_64'><wordsize>64</wordsize>
  <emulator>/usr/bin/qemu-system-x86_64</emulator><machine canonical='pc-q35-7.2' maxCpus='288'>q35</machine>
  <domain type='qemu'/><domain type='kvm'/></arch></guest>
</capabilities>"""

#: Four sparse nodes 0, 2, 4, 8: node 2 memoryless (no <memory>, no CPUs); only 2 MiB huge pages; no IOMMU.
FOUR_NODES = """<capabilities><host>
  <cpu><arch>x86_64</arch><counter name='tsc' frequency='2000000000'/>
    <pages unit='KiB' size='4'/><pages unit='KiB' size='2048'/></cpu>
  <iommu support='no'/>
  <topology><cells num='4'>
    <cell id='0'><memory unit='KiB'>4194304</memory><pages unit='KiB' size='2048'>256</pages>
      <cpus num='2'><cpu id='0'/><cpu id='1'/></cpus></cell>
    <cell id='2'><pages unit='KiB' size='2048'>0</pages><cpus num='0'/></cell>
    <cell id='4'><memory unit='KiB'>4194304</memory><pages unit='KiB' size='2048'>256</pages>
      <cpus num='2'><cpu id='8'/><cpu id='9'/></cpus></cell>
    <cell id='8'><memory unit='KiB'>4194304</memory><pages unit='KiB' size='2048'>0</pages>
      <cpus num='2'><cpu id='16'/><cpu id='17'/></cpus></cell>
  </cells></topology>
  <secmodel><model>apparmor</model><doi>0</doi></secmodel><secmodel><model>dac</model><doi>0</doi></secmodel>
</host></capabilities>"""

#: What a host without topology says (bhyve, old libvirt): nothing to judge by.
SILENT = "<capabilities><host><cpu><arch>x86_64</arch></cpu></host></capabilities>"


def domain(body: str = "", memory: str = "<memory unit='GiB'>1</memory>", vcpu: str = "<vcpu>2</vcpu>",
           virt: str = "kvm") -> str:
    return (f"<domain type='{virt}'><name>t</name>{memory}{vcpu}"
            f"<os><type arch='x86_64' machine='q35'>hvm</type></os>{body}</domain>")


def check(code: str, xml: str, host: str = TWO_NODES) -> list:
    linter = Linter([DomainCaps.from_file(str(Q35_KVM))], hosts=[HostCaps(Document(host, "host.xml"))],
                    select=(code,))
    result = linter.lint_document(Document(xml, "dom.xml"))
    assert not result.internal_errors
    return [f for f in result.findings if f.code == code]


def assert_reports(code: str, xml: str, host: str = TWO_NODES, severity: Severity = Severity.ERROR) -> list:
    findings = check(code, xml, host)
    assert findings, f"{code} should report"
    assert all(f.severity is severity for f in findings)
    return findings


def assert_silent(code: str, xml: str, host: str = TWO_NODES) -> None:
    assert check(code, xml, host) == []


# -- VL250 host NUMA nodes -----------------------------------------------------


def numa_cells(*cells: str) -> str:
    return "<cpu><numa>" + "".join(cells) + "</numa></cpu>"


CELL0 = "<cell id='0' cpus='0' memory='512' unit='MiB'/>"
CELL1 = "<cell id='1' cpus='1' memory='512' unit='MiB'/>"


@pytest.mark.parametrize(("body", "host"), [
    ("<numatune><memory mode='strict' nodeset='2'/></numatune>", TWO_NODES),
    ("<numatune><memory mode='interleave' nodeset='0-2'/></numatune>", TWO_NODES),
    ("<numatune><memory mode='preferred' nodeset='1'/></numatune>", FOUR_NODES),  # sparse: 0,2,4,8
    ("<numatune><memory nodeset='0-3'/></numatune>", FOUR_NODES),
    ("<numatune><memnode cellid='1' mode='strict' nodeset='3'/></numatune>" + numa_cells(CELL0, CELL1), TWO_NODES),
    ("<numatune><memory mode='restrictive' nodeset='9'/></numatune>", FOUR_NODES),
    ("<devices><memory model='dimm'><source><nodemask>1-2</nodemask></source>"
     "<target><size unit='MiB'>512</size><node>0</node></target></memory></devices>", TWO_NODES),
    ("<devices><memory model='virtio-mem'><source><nodemask>5</nodemask></source>"
     "<target><size unit='MiB'>512</size><node>0</node><block unit='MiB'>2</block></target></memory></devices>",
     FOUR_NODES),
])
def test_numa_nodes_that_do_not_exist(body: str, host: str) -> None:
    findings = assert_reports("VL250", domain(body), host)
    assert "is unavailable" in findings[0].message and findings[0].evidence is not None


@pytest.mark.parametrize(("body", "host"), [
    ("<numatune><memory mode='strict' nodeset='1'/></numatune>", TWO_NODES),
    ("<numatune><memory mode='interleave' nodeset='0-1'/></numatune>", TWO_NODES),
    ("<numatune><memory mode='preferred' nodeset='0,2,4,8'/></numatune>", FOUR_NODES),
    ("<numatune><memory nodeset='4'/></numatune>", FOUR_NODES),
    ("<numatune><memnode cellid='1' mode='strict' nodeset='1'/></numatune>" + numa_cells(CELL0, CELL1), TWO_NODES),
    ("<numatune><memory mode='strict' placement='auto'/><memnode cellid='0' nodeset='7'/></numatune>"
     + numa_cells(CELL0), TWO_NODES),  # numad decides; nodesets are ignored
    ("<devices><memory model='dimm'><source><nodemask>1</nodemask></source>"
     "<target><size unit='MiB'>512</size><node>0</node></target></memory></devices>", TWO_NODES),
    ("<devices><memory model='nvdimm'><source><path>/tmp/nv</path></source>"
     "<target><size unit='MiB'>512</size><node>0</node></target></memory></devices>", TWO_NODES),
    ("<numatune><memory mode='strict' nodeset='7'/></numatune>", SILENT),  # the host reports no topology
    ("<numatune><memory mode='strict' nodeset='x'/></numatune>", TWO_NODES),  # the parser's business
])
def test_numa_nodes_that_exist(body: str, host: str) -> None:
    assert_silent("VL250", domain(body), host)


def test_numa_node_message_and_fix() -> None:
    finding = check("VL250", domain("<numatune><memory mode='strict' nodeset='1-3'/></numatune>"))[0]
    assert finding.message.startswith("NUMA node 2 is unavailable: the host has NUMA nodes 0-1")
    assert [fix.title for fix in finding.fixes] == ["Set nodeset='1'"]


# -- VL251 huge page sizes ----------------------------------------------------------


def hugepages(*pages: str) -> str:
    return "<memoryBacking><hugepages>" + "".join(pages) + "</hugepages></memoryBacking>"


@pytest.mark.parametrize(("body", "host"), [
    (hugepages("<page size='1' unit='GiB'/>"), FOUR_NODES),
    (hugepages("<page size='1048576'/>"), FOUR_NODES),  # KiB by default
    (hugepages("<page size='16' unit='M'/>"), TWO_NODES),
    (hugepages("<page size='2' unit='MB'/>"), TWO_NODES),  # 2 MB = 1953.125 KiB, not 2 MiB
    (hugepages("<page size='2097152' unit='b'/>", ) .replace("2097152", "4194304"), TWO_NODES),  # 4 MiB
    (hugepages("<page size='1' unit='G' nodeset='1'/>", "<page size='2' unit='M' nodeset='0'/>")
     + numa_cells(CELL0, CELL1), FOUR_NODES),
    ("<devices><memory model='dimm'><source><pagesize unit='KiB'>1048576</pagesize></source>"
     "<target><size unit='GiB'>1</size><node>0</node></target></memory></devices>", FOUR_NODES),
    (hugepages(), "<capabilities><host><cpu><arch>x86_64</arch><pages unit='KiB' size='4'/></cpu></host>"
                  "</capabilities>"),
])
def test_page_sizes_the_host_does_not_offer(body: str, host: str) -> None:
    assert_reports("VL251", domain(body), host)


@pytest.mark.parametrize(("body", "host"), [
    (hugepages("<page size='1' unit='GiB'/>"), TWO_NODES),
    (hugepages("<page size='2' unit='MiB'/>"), FOUR_NODES),
    (hugepages("<page size='2097152' unit='bytes'/>"), FOUR_NODES),
    (hugepages("<page size='4' unit='KiB'/>"), FOUR_NODES),  # the system page: no huge pages at all
    (hugepages(), FOUR_NODES),
    # the default <page> no guest cell uses is never looked at
    (hugepages("<page size='1' unit='GiB'/>", "<page size='2' unit='M' nodeset='0-1'/>")
     + numa_cells(CELL0, CELL1), FOUR_NODES),
    (hugepages("<page size='16' unit='M'/>"), SILENT),
    ("<devices><memory model='nvdimm'><source><path>/tmp/nv</path><pagesize unit='M'>16</pagesize></source>"
     "<target><size unit='GiB'>1</size><node>0</node></target></memory></devices>", FOUR_NODES),  # not read
    ("<devices><memory model='dimm'><source><pagesize unit='KiB'>2048</pagesize></source>"
     "<target><size unit='GiB'>1</size><node>0</node></target></memory></devices>", FOUR_NODES),
])
def test_page_sizes_the_host_offers(body: str, host: str) -> None:
    assert_silent("VL251", domain(body), host)


# -- VL252 huge page pools --------------------------------------------------------------


@pytest.mark.parametrize(("body", "memory", "host"), [
    # 4 GiB of 2 MiB pages = 2048 pages > 512 + 1024 on the whole host
    (hugepages("<page size='2' unit='MiB'/>"), "<memory unit='GiB'>4</memory>", TWO_NODES),
    # 2 GiB = 1024 pages, strictly bound to node 0 which has 512
    (hugepages("<page size='2' unit='MiB'/>") + "<numatune><memory nodeset='0'/></numatune>",
     "<memory unit='GiB'>2</memory>", TWO_NODES),
    # 1 GiB pages: node 0 has none
    (hugepages("<page size='1' unit='G'/>") + "<numatune><memory mode='strict' nodeset='0'/></numatune>",
     "<memory unit='GiB'>1</memory>", TWO_NODES),
    # 3 GiB of 1 GiB pages: the host has two
    (hugepages("<page size='1' unit='G'/>"), "<memory unit='GiB'>3</memory>", TWO_NODES),
    # per guest cell: cell 1 bound to node 0 (512 pages) with 1.5 GiB
    (hugepages("<page size='2' unit='M'/>") + "<numatune><memnode cellid='1' nodeset='0'/></numatune>"
     + numa_cells(CELL0, "<cell id='1' cpus='1' memory='1536' unit='MiB'/>"),
     "<memory unit='GiB'>2</memory>", TWO_NODES),
    # sparse host: memoryless node 2 has no pages; 2 MiB pool there is 0
    (hugepages("<page size='2' unit='MiB'/>") + "<numatune><memory nodeset='2'/></numatune>",
     "<memory unit='MiB'>512</memory>", FOUR_NODES),
    # the default size of <hugepages/> is the host's only huge size (2 MiB): 256+256 pages < 1.5 GiB
    (hugepages(), "<memory unit='MiB'>1536</memory>", FOUR_NODES),
])
def test_pools_too_small(body: str, memory: str, host: str) -> None:
    findings = assert_reports("VL252", domain(body, memory), host)
    assert "pages of" in findings[0].message


DIMM = ("<devices><memory model='dimm'><source>{source}</source><target><size unit='GiB'>{size}</size>"
        "<node>0</node></target></memory></devices>")


@pytest.mark.parametrize(("body", "fails"), [
    # guest cell 0 (512 MiB = 256 pages) plus a 1 GiB dimm (512 pages), both 2 MiB, both bound to node 0 (512)
    (hugepages("<page size='2' unit='M'/>") + "<numatune><memory nodeset='0'/></numatune>" + numa_cells(CELL0)
     + DIMM.format(source="", size=1), True),
    (hugepages("<page size='2' unit='M'/>") + "<numatune><memory nodeset='1'/></numatune>" + numa_cells(CELL0)
     + DIMM.format(source="", size=1), False),
    # the dimm's own page size and nodemask: 1 GiB pages, node 0 has none
    (numa_cells(CELL0) + DIMM.format(source="<nodemask>0</nodemask><pagesize unit='G'>1</pagesize>", size=1), True),
    (numa_cells(CELL0) + DIMM.format(source="<nodemask>1</nodemask><pagesize unit='G'>1</pagesize>", size=2), False),
    (numa_cells(CELL0) + DIMM.format(source="", size=8), False),  # no huge pages at all
])
def test_memory_devices_count(body: str, fails: bool) -> None:
    xml = domain(body, "<maxMemory slots='4' unit='GiB'>16</maxMemory><memory unit='MiB'>1536</memory>")
    assert bool(check("VL252", xml)) is fails



@pytest.mark.parametrize(("body", "memory", "host"), [
    (hugepages("<page size='2' unit='MiB'/>"), "<memory unit='GiB'>3</memory>", TWO_NODES),  # 1536 pages, all
    (hugepages("<page size='2' unit='MiB'/>") + "<numatune><memory nodeset='1'/></numatune>",
     "<memory unit='GiB'>2</memory>", TWO_NODES),
    # preferred may spill to other nodes: judged against the whole host
    (hugepages("<page size='2' unit='MiB'/>") + "<numatune><memory mode='preferred' nodeset='0'/></numatune>",
     "<memory unit='GiB'>2</memory>", TWO_NODES),
    (hugepages("<page size='1' unit='G'/>") + "<numatune><memory nodeset='1'/></numatune>",
     "<memory unit='GiB'>2</memory>", TWO_NODES),
    # restrictive: cgroups bind once QEMU runs, after the preallocation, which may use node 1's pages
    (hugepages("<page size='1' unit='G'/>") + "<numatune><memory mode='restrictive' nodeset='0'/></numatune>",
     "<memory unit='GiB'>1</memory>", TWO_NODES),
    (hugepages("<page size='2' unit='M'/>") + "<numatune><memnode cellid='1' nodeset='1'/></numatune>"
     + numa_cells(CELL0, "<cell id='1' cpus='1' memory='1536' unit='MiB'/>"),
     "<memory unit='GiB'>2</memory>", TWO_NODES),
    (hugepages("<page size='4' unit='KiB'/>"), "<memory unit='GiB'>15</memory>", TWO_NODES),  # no huge pages
    (hugepages(), "<memory unit='GiB'>8</memory>", TWO_NODES),  # default size unknown: 2 MiB or 1 GiB
    ("", "<memory unit='GiB'>8</memory>", TWO_NODES),
    (hugepages("<page size='2' unit='MiB'/>"), "<memory unit='GiB'>4</memory>", SILENT),
])
def test_pools_large_enough_or_undecidable(body: str, memory: str, host: str) -> None:
    assert_silent("VL252", domain(body, memory), host)


# -- VL253 host CPUs ------------------------------------------------------------------


@pytest.mark.parametrize(("body", "vcpu", "host"), [
    ("<cputune><vcpupin vcpu='1' cpuset='8'/></cputune>", "<vcpu>2</vcpu>", TWO_NODES),
    ("<cputune><vcpupin vcpu='0' cpuset='1,8'/></cputune>", "<vcpu>2</vcpu>", TWO_NODES),
    ("", "<vcpu cpuset='0-7'>2</vcpu>", FOUR_NODES),  # sparse CPUs 0-1,8-9,16-17
    # the I/O thread falls back to <vcpu cpuset>
    ("<iothreads>1</iothreads><cputune><vcpupin vcpu='0' cpuset='0'/><vcpupin vcpu='1' cpuset='1'/>"
     "<emulatorpin cpuset='2'/></cputune>", "<vcpu cpuset='0-63'>2</vcpu>", TWO_NODES),
    ("<cputune><emulatorpin cpuset='2'/></cputune>", "<vcpu>2</vcpu>", FOUR_NODES),
    ("<iothreads>1</iothreads><cputune><iothreadpin iothread='1' cpuset='64'/></cputune>", "<vcpu>2</vcpu>",
     TWO_NODES),
])
def test_cpus_that_do_not_exist(body: str, vcpu: str, host: str) -> None:
    assert_reports("VL253", domain(body, vcpu=vcpu), host)


@pytest.mark.parametrize(("body", "vcpu", "host"), [
    ("<cputune><vcpupin vcpu='1' cpuset='7'/></cputune>", "<vcpu>2</vcpu>", TWO_NODES),
    ("", "<vcpu cpuset='0-1,8-9,^9,16'>2</vcpu>", FOUR_NODES),
    ("", "<vcpu placement='auto' cpuset='40'>2</vcpu>", FOUR_NODES),
    # vCPU 3 is offline at start: its pin is not applied then
    ("<cputune><vcpupin vcpu='3' cpuset='99'/></cputune>", "<vcpu current='2'>4</vcpu>", TWO_NODES),
    ("<cputune><vcpupin vcpu='1' cpuset='99'/></cputune>",
     "<vcpu>2</vcpu><vcpus><vcpu id='0' enabled='yes' hotpluggable='no'/>"
     "<vcpu id='1' enabled='no' hotpluggable='yes'/></vcpus>", TWO_NODES),
    ("<cputune><emulatorpin cpuset='99'/></cputune>", "<vcpu>2</vcpu>", SILENT),
    # every thread has its own pin: <vcpu cpuset> is never used
    ("<iothreads>1</iothreads><cputune><vcpupin vcpu='0' cpuset='0'/><vcpupin vcpu='1' cpuset='1'/>"
     "<emulatorpin cpuset='2'/><iothreadpin iothread='1' cpuset='3'/></cputune>", "<vcpu cpuset='0-63'>2</vcpu>",
     TWO_NODES),
])
def test_cpus_that_exist(body: str, vcpu: str, host: str) -> None:
    assert_silent("VL253", domain(body, vcpu=vcpu), host)


def test_cpu_pin_fix_keeps_the_existing_cpus() -> None:
    finding = check("VL253", domain("<cputune><vcpupin vcpu='0' cpuset='1,8-9'/></cputune>"))[0]
    assert "CPUs 8-9" in finding.message and finding.fixes and "'1'" in finding.fixes[0].title


# -- VL254 PCI passthrough ------------------------------------------------------------

PCI = "<source><address domain='0x0000' bus='0x01' slot='0x00' function='0x0'/></source>"


@pytest.mark.parametrize("device", [
    f"<hostdev mode='subsystem' type='pci' managed='yes'>{PCI}</hostdev>",
    f"<hostdev mode='subsystem' type='pci'><driver name='vfio'/>{PCI}</hostdev>",
    "<interface type='hostdev' managed='yes'><source><address type='pci' domain='0x0000' bus='0x02' "
    "slot='0x00' function='0x1'/></source></interface>",
])
def test_pci_passthrough_without_iommu(device: str) -> None:
    assert_reports("VL254", domain(f"<devices>{device}</devices>"), FOUR_NODES)
    assert_silent("VL254", domain(f"<devices>{device}</devices>"), TWO_NODES)  # support='yes'
    assert_silent("VL254", domain(f"<devices>{device}</devices>"), SILENT)  # not reported


@pytest.mark.parametrize("device", [
    f"<hostdev mode='subsystem' type='pci'><driver name='kvm'/>{PCI}</hostdev>",  # refused for another reason
    "<hostdev mode='subsystem' type='usb'><source><vendor id='0x1234'/><product id='0xbeef'/></source></hostdev>",
    "<hostdev mode='subsystem' type='mdev' model='vfio-pci'><source>"
    "<address uuid='c2177883-f1bb-47f0-914d-32a22e3a8804'/></source></hostdev>",  # needs VFIO, not the IOMMU
    "<interface type='network'><source network='default'/></interface>",
])
def test_other_devices_need_no_iommu(device: str) -> None:
    assert_silent("VL254", domain(f"<devices>{device}</devices>"), FOUR_NODES)


# -- VL255 security drivers -------------------------------------------------------------

DISK = ("<disk type='file' device='disk'><source file='/var/lib/libvirt/images/a.qcow2'>{label}</source>"
        "<target dev='vda' bus='virtio'/></disk>")


@pytest.mark.parametrize(("body", "host"), [
    ("<seclabel type='dynamic' model='selinux'/>", FOUR_NODES),
    ("<seclabel type='none' model='apparmor'/>", TWO_NODES),
    ("<seclabel type='dynamic' model='dac'/><seclabel type='static' model='apparmor'><label>x</label></seclabel>",
     TWO_NODES),
    ("<devices>" + DISK.format(label="<seclabel model='selinux' relabel='no'/>") + "</devices>", FOUR_NODES),
    ("<devices><serial type='file'><source path='/tmp/s'><seclabel model='selinux' relabel='no'/></source>"
     "</serial></devices>", FOUR_NODES),
])
def test_security_drivers_the_host_lacks(body: str, host: str) -> None:
    findings = assert_reports("VL255", domain(body), host)
    assert "is not available" in findings[0].message


@pytest.mark.parametrize(("body", "host"), [
    ("<seclabel type='dynamic' model='selinux'/>", TWO_NODES),
    ("<seclabel type='none' model='none'/>", FOUR_NODES),
    ("<seclabel type='dynamic'/>", FOUR_NODES),  # no model: not judged
    ("<seclabel type='dynamic' model='selinux'/>", SILENT),  # no <secmodel>: not reported
    ("<devices>" + DISK.format(label="<seclabel model='dac' relabel='no'/>") + "</devices>", FOUR_NODES),
])
def test_security_drivers_the_host_runs(body: str, host: str) -> None:
    assert_silent("VL255", domain(body), host)


def test_static_labels_get_no_swap_fix() -> None:
    static = check("VL255", domain("<seclabel type='static' model='selinux'><label>a</label></seclabel>"),
                   FOUR_NODES)[0]
    dynamic = check("VL255", domain("<seclabel type='dynamic' model='selinux'/>"), FOUR_NODES)[0]
    assert not static.fixes and dynamic.fixes


# -- VL256 TSC -----------------------------------------------------------------------------


def tsc(frequency: str) -> str:
    return f"<clock offset='utc'><timer name='tsc' frequency='{frequency}'/></clock>"


def test_tsc_outside_tolerance_without_scaling() -> None:
    # 250 ppm of 2 GHz = 500000 Hz
    for frequency in ("1999499999", "2000500001", "3000000000"):
        finding = assert_reports("VL256", domain(tsc(frequency)))[0]
        assert "[1999500000, 2000500000] Hz" in finding.message
    for frequency in ("1999500000", "2000000000", "2000500000", "0"):
        assert_silent("VL256", domain(tsc(frequency)))
    assert_silent("VL256", domain(tsc("3000000000")), FOUR_NODES)  # scaling not reported: libvirt skips
    scaling = TWO_NODES.replace("scaling='no'", "scaling='yes'")
    assert_silent("VL256", domain(tsc("3000000000")), scaling)
    assert_silent("VL256", domain("<clock offset='utc'><timer name='hpet' present='no'/></clock>"))


# -- VL257 memory fit (warning) ---------------------------------------------------------------


@pytest.mark.parametrize(("body", "memory", "host"), [
    ("", "<memory unit='GiB'>17</memory>", TWO_NODES),  # more than the host's 16 GiB
    ("<numatune><memory nodeset='0'/></numatune>", "<memory unit='GiB'>9</memory>", TWO_NODES),
    ("<numatune><memory mode='restrictive' nodeset='4'/></numatune>", "<memory unit='GiB'>5</memory>", FOUR_NODES),
    ("<numatune><memory nodeset='2'/></numatune>", "<memory unit='MiB'>512</memory>", FOUR_NODES),  # memoryless
    ("<numatune><memnode cellid='1' nodeset='0'/></numatune>"
     + numa_cells(CELL0, "<cell id='1' cpus='1' memory='9' unit='GiB'/>"), "<memory unit='MiB'>9728</memory>",
     TWO_NODES),
])
def test_memory_that_does_not_fit(body: str, memory: str, host: str) -> None:
    assert_reports("VL257", domain(body, memory), host, Severity.WARNING)


@pytest.mark.parametrize(("body", "memory", "host"), [
    ("", "<memory unit='GiB'>16</memory>", TWO_NODES),
    ("<numatune><memory nodeset='0-1'/></numatune>", "<memory unit='GiB'>9</memory>", TWO_NODES),
    ("<numatune><memory mode='preferred' nodeset='0'/></numatune>", "<memory unit='GiB'>9</memory>", TWO_NODES),
    ("<numatune><memory nodeset='0,4'/></numatune>", "<memory unit='GiB'>8</memory>", FOUR_NODES),
    ("<numatune><memnode cellid='1' nodeset='1'/></numatune>"
     + numa_cells(CELL0, "<cell id='1' cpus='1' memory='7' unit='GiB'/>"), "<memory unit='MiB'>7680</memory>",
     TWO_NODES),
    ("", "<memory unit='GiB'>64</memory>", SILENT),
])
def test_memory_that_fits(body: str, memory: str, host: str) -> None:
    assert_silent("VL257", domain(body, memory), host)


# -- VL258 pinned vCPU overcommit (warning) ----------------------------------------------------


@pytest.mark.parametrize(("body", "vcpu"), [
    ("", "<vcpu cpuset='0-1'>4</vcpu>"),
    ("<cputune><vcpupin vcpu='0' cpuset='2'/><vcpupin vcpu='1' cpuset='2'/></cputune>", "<vcpu cpuset='2'>2</vcpu>"),
    ("", "<vcpu cpuset='0-15'>10</vcpu>"),  # only 0-7 exist
])
def test_more_pinned_vcpus_than_cpus(body: str, vcpu: str) -> None:
    assert_reports("VL258", domain(body, vcpu=vcpu), TWO_NODES, Severity.WARNING)


@pytest.mark.parametrize(("body", "vcpu"), [
    ("", "<vcpu cpuset='0-1'>2</vcpu>"),
    ("", "<vcpu>12</vcpu>"),  # not pinned: the host's scheduler spreads them
    ("<cputune><vcpupin vcpu='0' cpuset='2'/></cputune>", "<vcpu>4</vcpu>"),  # the others may use every CPU
    ("", "<vcpu cpuset='0-1' current='2'>4</vcpu>"),
    ("", "<vcpu placement='auto' cpuset='0'>4</vcpu>"),
])
def test_pinned_vcpus_within_cpus(body: str, vcpu: str) -> None:
    assert_silent("VL258", domain(body, vcpu=vcpu), TWO_NODES)


# -- all rules: drivers, hosts absent, real documents -----------------------------------------

HOST_CODES = ("VL250", "VL251", "VL252", "VL253", "VL254", "VL255", "VL256", "VL257", "VL258")
EVERYTHING = domain(
    "<numatune><memory nodeset='9'/></numatune>" + hugepages("<page size='16' unit='M'/>")
    + "<cputune><emulatorpin cpuset='99'/></cputune><seclabel type='dynamic' model='smack'/>" + tsc("1")
    + f"<devices><hostdev mode='subsystem' type='pci'>{PCI}</hostdev></devices>",
    "<memory unit='GiB'>99</memory>", "<vcpu cpuset='0'>4</vcpu>")


def test_without_a_host_document_nothing_is_reported() -> None:
    assert not [f for f in lint(EVERYTHING, Q35_KVM) if f.code in HOST_CODES]


def test_with_a_host_document_every_rule_speaks() -> None:
    found = {f.code for f in lint(EVERYTHING, Q35_KVM, FOUR_NODES.replace("<counter name='tsc' frequency="
                                                                          "'2000000000'/>",
                                                                          "<counter name='tsc' frequency="
                                                                          "'2000000000' scaling='no'/>"))}
    assert found >= {"VL250", "VL251", "VL253", "VL254", "VL255", "VL256", "VL257", "VL258"}


def test_other_drivers_are_not_judged() -> None:
    for virt in ("xen", "lxc", "bhyve"):
        xml = EVERYTHING.replace("type='kvm'", f"type='{virt}'", 1)
        assert not [f for f in lint(xml, Q35_KVM, FOUR_NODES) if f.code in HOST_CODES]


def test_real_debian_host() -> None:
    host = str(shared_path("corpus", "wild", "debian12-caps", "capabilities.xml"))
    linter = Linter([DomainCaps.from_file(str(Q35_KVM))], hosts=[HostCaps.from_file(host)], select=HOST_CODES)
    bad = domain("<numatune><memory nodeset='1'/></numatune><cputune><vcpupin vcpu='0' cpuset='2'/></cputune>"
                 + hugepages("<page size='1' unit='GiB'/>") + "<seclabel type='dynamic' model='selinux'/>"
                 + f"<devices><hostdev mode='subsystem' type='pci'>{PCI}</hostdev></devices>")
    found = codes(linter.lint_document(Document(bad, "bad.xml")).findings)
    assert sorted(set(found)) == ["VL250", "VL253", "VL254", "VL255"]
    # 1 GiB pages are offered (no VL251) but the pool is empty (VL252)
    found = codes(linter.lint_document(Document(domain(hugepages("<page size='1' unit='GiB'/>")), "1g.xml")).findings)
    assert found == ["VL252"]
    good = domain("<numatune><memory nodeset='0'/></numatune><cputune><vcpupin vcpu='0' cpuset='1'/></cputune>"
                  "<seclabel type='dynamic' model='dac'/>")
    assert linter.lint_document(Document(good, "good.xml")).findings == []


def test_real_multi_node_hosts() -> None:
    folder = shared_path("corpus", "wild", "virt-manager", "host-caps")
    ppc = (folder / "kvm-ppc64le.xml").read_text()
    xml = ("<domain type='kvm'><name>p</name><memory unit='GiB'>4</memory><vcpu>2</vcpu>"
           "<os><type arch='ppc64le' machine='pseries'>hvm</type></os>{}</domain>")
    caps = "<domainCapabilities><domain>kvm</domain><arch>ppc64le</arch></domainCapabilities>"
    assert "VL250" in codes(lint(xml.format("<numatune><memory nodeset='2'/></numatune>"), caps, ppc))
    assert "VL250" not in codes(lint(xml.format("<numatune><memory nodeset='0-1'/></numatune>"), caps, ppc))
    assert "VL251" in codes(lint(xml.format(hugepages("<page size='2' unit='M'/>")), caps, ppc))
    assert "VL251" not in codes(lint(xml.format(hugepages("<page size='16' unit='M'/>")), caps, ppc))


def test_every_real_host_with_a_plain_domain_is_quiet() -> None:
    folder = shared_path("corpus", "wild", "virt-manager", "host-caps")
    for path in sorted(Path(folder).glob("*.xml")):
        findings = lint(domain(), Q35_KVM, path.read_text())
        assert not [f for f in findings if f.code in HOST_CODES], path.name


def _suite_host() -> str:
    """A host like the one libvirt's qemuxml tests run on: NUMA nodes 0-3 with CPUs 0-15, hugetlbfs for 2M and 1G."""
    cells = "".join(
        f"<cell id='{node}'><memory unit='KiB'>{(node + 1) * 1048576}</memory><cpus num='4'>"
        + "".join(f"<cpu id='{cpu}'/>" for cpu in range(node * 4, node * 4 + 4)) + "</cpus></cell>"
        for node in range(4))
    return ("<capabilities><host><cpu><arch>x86_64</arch><pages unit='KiB' size='4'/><pages unit='KiB' size='2048'/>"
            f"<pages unit='KiB' size='1048576'/></cpu><iommu support='yes'/><topology><cells num='4'>{cells}</cells>"
            "</topology></host></capabilities>")


def test_libvirt_test_suite_with_its_own_host() -> None:
    """libvirt's test corpus on a host like its test host: no NUMA or page size error on what it accepts, and
    every 'NUMA node N is unavailable' and hugetlbfs rejection caught (CPU pins are never applied there)."""
    import csv

    corpus = shared_path("corpus", "libvirt-qemuxml")
    linter = Linter([DomainCaps.from_file(str(Q35_KVM))], hosts=[HostCaps(Document(_suite_host(), "suite-host.xml"))],
                    select=("VL250", "VL251", "VL254"))

    def errors(path: Path) -> set[str]:
        return {f.code for f in linter.lint_document(Document.from_file(str(path))).findings
                if f.severity is Severity.ERROR}

    false = [p.name for p in sorted((corpus / "accepted").glob("*.xml")) if errors(p)]
    assert false == []
    with open(corpus / "rejected.tsv", encoding="utf-8") as table:
        rows = [row for row in csv.reader(table, delimiter="\t") if row]
    host_rejections = {row[0]: row[-1] for row in rows
                       if "is unavailable" in row[-1] or "usable hugetlbfs mount" in row[-1]}
    assert len(host_rejections) >= 4
    missed = [name for name in host_rejections if not errors(corpus / "rejected" / name) & {"VL250", "VL251"}]
    assert missed == []


def test_qemu_finds_its_binary_by_arch_whatever_the_os_type() -> None:
    """The QEMU driver picks the emulator by arch alone and refuses a non-hvm OS type in validation: with the
    host's capabilities (which list hvm guests only), the finding is the OS type's, not a missing emulator."""
    xml = ("<domain type='kvm'><name>t</name><memory>262144</memory><os><type arch='x86_64' machine='q35'>linux</type>"
           "</os></domain>")
    found = {f.code for f in lint(xml, Q35_KVM, TWO_NODES) if f.severity is Severity.ERROR}
    assert "VL012" in found and "VL102" not in found, found
