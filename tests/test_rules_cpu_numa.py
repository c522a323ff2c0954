"""CPU, vCPU, NUMA, memory (VL206-VL212) and arch-bound features (VL406): each check with its valid twin."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import PC_KVM
from virtlint.linter.caps import DomainCaps
from virtlint.linter.document import Document
from virtlint.linter.engine import Linter
from virtlint.linter.units import parse_bitmap, unit_scale
from virtlint.rules._domain import IothreadIds

CODES = ("VL206", "VL207", "VL208", "VL209", "VL210", "VL211", "VL212", "VL213", "VL406")


def dom(body: str, *, vcpu: str = "<vcpu>4</vcpu>", memory: str = "<memory unit='MiB'>2048</memory>",
        arch: str = "x86_64", machine: str = "q35", virt: str = "kvm") -> str:
    return (f"<domain type='{virt}'><name>t</name>{memory}{vcpu}"
            f"<os><type arch='{arch}' machine='{machine}'>hvm</type></os>{body}</domain>")


def found(xml: str, version: tuple[int, int] | None = None) -> list[tuple[str, str]]:
    linter = Linter([DomainCaps.from_file(str(PC_KVM))], select=CODES, libvirt_version=version)
    return [(f.code, f.message) for f in linter.lint_document(Document(xml, "dom.xml")).findings]


def codes(xml: str, version: tuple[int, int] | None = None) -> list[str]:
    return [code for code, _ in found(xml, version)]


NUMA2 = ("<cpu><numa><cell id='0' cpus='0-1' memory='1024' unit='MiB'/>"
         "<cell id='1' cpus='2-3' memory='1024' unit='MiB'/></numa></cpu>")

# (id, failing document, its valid twin, rule, part of libvirt's message)
CASES = [
    ("topology", dom("<cpu><topology sockets='2' cores='2' threads='2'/></cpu>"),
     dom("<cpu><topology sockets='2' cores='1' threads='2'/></cpu>"), "VL206", "CPU topology doesn't match"),
    ("current-above-max", dom("", vcpu="<vcpu current='6'>4</vcpu>"), dom("", vcpu="<vcpu current='2'>4</vcpu>"),
     "VL206", "must not be less than current"),
    ("zero-vcpus", dom("", vcpu="<vcpu current='0'>4</vcpu>"), dom("", vcpu="<vcpu current='1'>4</vcpu>"),
     "VL206", "at least 1 vCPU"),
    ("vcpu-id-range", dom("<vcpus><vcpu id='4' enabled='yes'/></vcpus>"),
     # (vCPU 0 listed: an unlisted vCPU is offline, and vCPU 0 can't be)
     dom("<vcpus><vcpu id='0' enabled='yes' hotpluggable='no'/><vcpu id='3' enabled='yes' hotpluggable='yes'/>"
         "</vcpus>"), "VL206", "out of range"),
    ("vcpu0-offline", dom("<vcpus><vcpu id='0' enabled='no'/><vcpu id='1' enabled='yes'/></vcpus>",
                          vcpu="<vcpu>2</vcpu>"),
     dom("<vcpus><vcpu id='0' enabled='yes'/><vcpu id='1' enabled='no'/></vcpus>", vcpu="<vcpu>2</vcpu>"),
     "VL206", "vcpu 0 can't be offline"),
    ("vcpu0-hotpluggable", dom("<vcpus><vcpu id='0' enabled='yes' hotpluggable='yes'/></vcpus>",
                               vcpu="<vcpu>1</vcpu>"),
     dom("<vcpus><vcpu id='0' enabled='yes' hotpluggable='no'/></vcpus>", vcpu="<vcpu>1</vcpu>"),
     "VL206", "vcpu0 can't be hotpluggable"),
    ("pseries-granularity",
     dom("<cpu><topology sockets='1' cores='2' threads='4'/></cpu>", vcpu="<vcpu current='2'>8</vcpu>",
         arch="ppc64le", machine="pseries"),
     dom("<cpu><topology sockets='1' cores='2' threads='4'/></cpu>", vcpu="<vcpu current='4'>8</vcpu>",
         arch="ppc64le", machine="pseries"), "VL206", "hotplug granularity (4)"),
    ("cell-ids", dom("<cpu><numa><cell id='1' cpus='0-1' memory='1024' unit='MiB'/>"
                     "<cell id='2' cpus='2-3' memory='1024' unit='MiB'/></numa></cpu>"), dom(NUMA2),
     "VL207", "Exactly one 'cell' element"),
    ("cell-duplicate", dom("<cpu><numa><cell id='0' cpus='0-1' memory='1024' unit='MiB'/>"
                           "<cell id='0' cpus='2-3' memory='1024' unit='MiB'/></numa></cpu>"), dom(NUMA2),
     "VL207", "Duplicate NUMA cell info"),
    ("cell-overlap", dom(NUMA2.replace("cpus='2-3'", "cpus='1-3'")), dom(NUMA2), "VL207", "overlapping vCPU ids"),
    ("cell-cpus-beyond", dom(NUMA2.replace("cpus='2-3'", "cpus='2-4'")), dom(NUMA2), "VL207", "exceed"),
    ("cell-distance", dom(NUMA2.replace("unit='MiB'/></numa>", "unit='MiB'><distances><sibling id='2' value='20'/>"
                                        "</distances></cell></numa>")),
     dom(NUMA2.replace("unit='MiB'/></numa>", "unit='MiB'><distances><sibling id='0' value='20'/>"
                       "</distances></cell></numa>")), "VL207", "'sibling_id 2' does not refer"),
    ("cell-distance-local", dom(NUMA2.replace("unit='MiB'/></numa>", "unit='MiB'><distances><sibling id='1' "
                                              "value='20'/></distances></cell></numa>")),
     dom(NUMA2.replace("unit='MiB'/></numa>", "unit='MiB'><distances><sibling id='1' value='10'/>"
                       "</distances></cell></numa>")), "VL207", "is invalid for 'sibling id 1'"),
    ("cell-align", dom("<cpu><numa><cell id='0' cpus='0-3' memory='9007199254740991' unit='KiB'/></numa></cpu>"),
     dom("<cpu><numa><cell id='0' cpus='0-3' memory='9007199254739968' unit='KiB'/></numa></cpu>"),
     "VL207", "overflowed after alignment"),
    ("numatune-static", dom("<numatune><memory mode='strict' placement='static'/></numatune>"),
     dom("<numatune><memory mode='strict' placement='static' nodeset='0'/></numatune>"), "VL208",
     "must be set if 'placement' is 'static'"),
    # a mode alone leaves the placement to <vcpu placement>: static (its default) needs a nodeset (checked on 9.0)
    ("numatune-mode-alone", dom("<numatune><memory mode='preferred'/></numatune>"),
     dom("<numatune><memory mode='preferred'/></numatune>", vcpu="<vcpu placement='auto'>4</vcpu>"), "VL208",
     "nodeset for NUMA memory tuning must be set if 'placement' is 'static'"),
    ("numatune-empty", dom("<numatune><memory nodeset='0,^0'/></numatune>"),
     dom("<numatune><memory nodeset='0,^1'/></numatune>"), "VL208", "Invalid value of 'nodeset'"),
    ("memnode-no-cells", dom("<numatune><memnode cellid='0' nodeset='0'/></numatune>"),
     dom("<numatune><memnode cellid='0' nodeset='0'/></numatune>" + NUMA2), "VL208", "without any guest NUMA"),
    ("memnode-cellid", dom("<numatune><memnode cellid='2' nodeset='0'/></numatune>" + NUMA2),
     dom("<numatune><memnode cellid='1' nodeset='0'/></numatune>" + NUMA2), "VL208", "must correspond"),
    ("memnode-twice", dom("<numatune><memnode cellid='1' nodeset='0'/><memnode cellid='1' nodeset='0'/>"
                          "</numatune>" + NUMA2),
     dom("<numatune><memnode cellid='0' nodeset='0'/><memnode cellid='1' nodeset='0'/></numatune>" + NUMA2),
     "VL208", "Multiple memnode elements"),
    ("memnode-auto", dom("<numatune><memory placement='auto'/><memnode cellid='0' nodeset='0'/></numatune>" + NUMA2),
     dom("<numatune><memory nodeset='0'/><memnode cellid='0' nodeset='0'/></numatune>" + NUMA2),
     "VL208", "Per-node binding"),
    ("restrictive-memory", dom("<numatune><memory mode='restrictive' nodeset='0'/>"
                               "<memnode cellid='0' mode='strict' nodeset='0'/></numatune>" + NUMA2),
     dom("<numatune><memory mode='restrictive' nodeset='0'/>"
         "<memnode cellid='0' mode='restrictive' nodeset='0'/></numatune>" + NUMA2),
     "VL208", "required in memnode element"),
    ("restrictive-memnode", dom("<numatune><memnode cellid='0' mode='restrictive' nodeset='0'/></numatune>" + NUMA2),
     dom("<numatune><memnode cellid='0' mode='preferred' nodeset='0'/></numatune>" + NUMA2),
     "VL208", "required in memory element"),
    ("hugepages-master", dom("<memoryBacking><hugepages><page size='2' unit='MiB'/><page size='1' unit='GiB'/>"
                             "</hugepages></memoryBacking>"),
     dom("<memoryBacking><hugepages><page size='2' unit='MiB'/><page size='1' unit='GiB' nodeset='1'/>"
         "</hugepages></memoryBacking>" + NUMA2), "VL209", "two master hugepages detected: 1048576 and 2048"),
    ("hugepages-intersect", dom("<memoryBacking><hugepages><page size='2' unit='MiB' nodeset='0-1'/>"
                                "<page size='1' unit='GiB' nodeset='1'/></hugepages></memoryBacking>" + NUMA2),
     dom("<memoryBacking><hugepages><page size='2' unit='MiB' nodeset='0'/>"
         "<page size='1' unit='GiB' nodeset='1'/></hugepages></memoryBacking>" + NUMA2), "VL209", "intersect"),
    ("hugepages-node", dom("<memoryBacking><hugepages><page size='2' unit='MiB' nodeset='2'/></hugepages>"
                           "</memoryBacking>" + NUMA2),
     dom("<memoryBacking><hugepages><page size='2' unit='MiB' nodeset='1'/></hugepages></memoryBacking>" + NUMA2),
     "VL209", "hugepages: node 2 not found"),
    ("hugepages-node-no-numa", dom("<memoryBacking><hugepages><page size='2' unit='MiB' nodeset='1'/></hugepages>"
                                   "</memoryBacking>"),
     dom("<memoryBacking><hugepages><page size='2' unit='MiB' nodeset='0'/></hugepages></memoryBacking>"),
     "VL209", "hugepages: node 1 not found"),
    ("hugepages-ondemand", dom("<memoryBacking><hugepages/><allocation mode='ondemand'/></memoryBacking>"),
     dom("<memoryBacking><hugepages/><allocation mode='immediate'/></memoryBacking>"), "VL209",
     "not allowed with memory allocation ondemand"),
    ("hugepages-anonymous", dom("<memoryBacking><hugepages/><source type='anonymous'/></memoryBacking>"),
     dom("<memoryBacking><hugepages/><source type='memfd'/></memoryBacking>"), "VL209",
     "not allowed with anonymous memory source"),
    ("no-memory", dom("", memory=""), dom(""), "VL210", "Memory size must be specified"),
    ("max-below", dom(NUMA2, memory="<maxMemory slots='4' unit='GiB'>1</maxMemory><memory unit='GiB'>2</memory>"),
     dom(NUMA2, memory="<maxMemory slots='4' unit='GiB'>3</maxMemory><memory unit='GiB'>2</memory>"),
     "VL210", "maximum memory size must be equal or greater"),
    ("dimm-no-max", dom("<devices><memory model='dimm'><target><size unit='MiB'>512</size><node>0</node></target>"
                        "</memory></devices>" + NUMA2, memory="<memory unit='MiB'>2560</memory>"),
     dom("<devices><memory model='dimm'><target><size unit='MiB'>512</size><node>0</node></target></memory>"
         "</devices>" + NUMA2,
         memory="<maxMemory slots='4' unit='GiB'>8</maxMemory><memory unit='MiB'>2560</memory>"),
     "VL210", "'maxMemory' is not defined"),
    ("dimm-node", dom("<devices><memory model='dimm'><target><size unit='MiB'>512</size><node>2</node></target>"
                      "</memory></devices>" + NUMA2,
                      memory="<maxMemory slots='4' unit='GiB'>8</maxMemory><memory unit='MiB'>2560</memory>"),
     dom("<devices><memory model='dimm'><target><size unit='MiB'>512</size><node>1</node></target></memory>"
         "</devices>" + NUMA2,
         memory="<maxMemory slots='4' unit='GiB'>8</maxMemory><memory unit='MiB'>2560</memory>"),
     "VL210", "guest node '2' as the guest has only '2'"),
    ("dimm-slots", dom("<devices>" + "<memory model='dimm'><target><size unit='MiB'>512</size><node>0</node>"
                       "</target></memory>" * 2 + "</devices>" + NUMA2,
                       memory="<maxMemory slots='1' unit='GiB'>8</maxMemory><memory unit='MiB'>3072</memory>"),
     dom("<devices>" + "<memory model='dimm'><target><size unit='MiB'>512</size><node>0</node></target></memory>" * 2
         + "</devices>" + NUMA2,
         memory="<maxMemory slots='2' unit='GiB'>8</maxMemory><memory unit='MiB'>3072</memory>"),
     "VL210", "exceeds slots count '1'"),
    ("virtio-mem-overlap", dom(
        "<devices><memory model='virtio-mem'><target><size unit='GiB'>1</size><node>0</node><block unit='MiB'>2"
        "</block><requested unit='MiB'>512</requested><address base='0x140000000'/></target></memory>"
        "<memory model='virtio-mem'><target><size unit='GiB'>1</size><node>1</node><block unit='MiB'>2</block>"
        "<requested unit='MiB'>512</requested><address base='0x160000000'/></target></memory></devices>" + NUMA2,
        memory="<maxMemory slots='4' unit='GiB'>16</maxMemory><memory unit='MiB'>4096</memory>"),
     dom("<devices><memory model='virtio-mem'><target><size unit='GiB'>1</size><node>0</node><block unit='MiB'>2"
         "</block><requested unit='MiB'>512</requested><address base='0x140000000'/></target></memory>"
         "<memory model='virtio-mem'><target><size unit='GiB'>1</size><node>1</node><block unit='MiB'>2</block>"
         "<requested unit='MiB'>512</requested><address base='0x180000000'/></target></memory></devices>" + NUMA2,
         memory="<maxMemory slots='4' unit='GiB'>16</maxMemory><memory unit='MiB'>4096</memory>"),
     "VL210", "memory device address [0x140000000:0x180000000] overlaps with other memory device (0x160000000)"),
    ("vcpusched-overlap", dom("<cputune><vcpusched vcpus='0-2' scheduler='fifo' priority='1'/>"
                              "<vcpusched vcpus='2-3' scheduler='batch'/></cputune>"),
     dom("<cputune><vcpusched vcpus='0-1' scheduler='fifo' priority='1'/>"
         "<vcpusched vcpus='2-3' scheduler='batch'/></cputune>"), "VL211", "must not overlap"),
    ("vcpusched-missing", dom("<cputune><vcpusched vcpus='4' scheduler='batch'/></cputune>"),
     dom("<cputune><vcpusched vcpus='3' scheduler='batch'/></cputune>"), "VL211", "vCPU '4' is not present"),
    ("iothreadsched-missing", dom("<iothreads>1</iothreads><cputune><iothreadsched iothreads='2' scheduler='batch'/>"
                                  "</cputune>"),
     dom("<iothreads>2</iothreads><cputune><iothreadsched iothreads='2' scheduler='batch'/></cputune>"),
     "VL211", "Cannot find 'iothread' : 2"),
    ("iothreadpin-missing", dom("<iothreads>1</iothreads><cputune><iothreadpin iothread='3' cpuset='0'/></cputune>"),
     dom("<iothreadids><iothread id='3'/></iothreadids><cputune><iothreadpin iothread='3' cpuset='0'/></cputune>"),
     "VL211", "Cannot find 'iothread' : 3"),
    ("vcpupin-twice", dom("<cputune><vcpupin vcpu='1' cpuset='0'/><vcpupin vcpu='1' cpuset='1'/></cputune>"),
     dom("<cputune><vcpupin vcpu='1' cpuset='0'/><vcpupin vcpu='9' cpuset='1'/></cputune>"), "VL211",
     "duplicate vcpupin for vcpu '1'"),
    ("period-range", dom("<cputune><period>500</period></cputune>"), dom("<cputune><period>1000</period></cputune>"),
     "VL211", "Value of cputune 'period' must be in range [1000, 1000000]"),
    ("quota-range", dom("<cputune><emulator_quota>999</emulator_quota></cputune>"),
     dom("<cputune><emulator_quota>-1</emulator_quota></cputune>"), "VL211", "'emulator_quota' must be in range"),
    ("cache-emulate", dom("<cpu mode='host-passthrough'><cache level='2' mode='emulate'/></cpu>"),
     dom("<cpu mode='host-passthrough'><cache level='3' mode='emulate'/></cpu>"), "VL212", "level='3'"),
    ("cache-passthrough-mode", dom("<cpu mode='host-model'><cache mode='passthrough'/></cpu>"),
     dom("<cpu mode='maximum'><cache mode='passthrough'/></cpu>"), "VL212", "'host-passthrough' / 'maximum'"),
    ("cache-level", dom("<cpu mode='host-passthrough'><cache level='3' mode='disable'/></cpu>"),
     dom("<cpu mode='host-passthrough'><cache mode='disable'/></cpu>"), "VL212", "unsupported CPU cache level"),
    ("cache-arch", dom("<cpu mode='host-passthrough'><cache mode='disable'/></cpu>", arch="aarch64", machine="virt"),
     dom("<cpu mode='host-passthrough'/>", arch="aarch64", machine="virt"), "VL212", "not supported for 'aarch64'"),
    ("maxphysaddr", dom("<cpu mode='host-passthrough'><maxphysaddr mode='passthrough' bits='42'/></cpu>"),
     dom("<cpu mode='host-passthrough'><maxphysaddr mode='emulate' bits='42'/></cpu>"), "VL212",
     "cannot be used with mode='passthrough'"),
    ("feature-unknown-x86", dom("<cpu mode='custom'><model>qemu64</model><feature policy='disable' name='vmxx'/></cpu>"),
     dom("<cpu mode='custom'><model>qemu64</model><feature policy='disable' name='vmx'/></cpu>"), "VL213",
     "unknown CPU feature: vmxx"),
    ("feature-unknown-arm", dom("<cpu mode='host-passthrough'><feature policy='disable' name='vmx'/></cpu>",
                                arch="aarch64", machine="virt"),
     dom("<cpu mode='host-passthrough'><feature policy='require' name='pauth'/></cpu>", arch="aarch64",
         machine="virt"), "VL213", "unknown CPU feature: vmx"),
    ("sve-disabled", dom("<cpu mode='host-passthrough'><feature policy='disable' name='sve'/>"
                         "<feature policy='require' name='sve256'/></cpu>", arch="aarch64", machine="virt"),
     dom("<cpu mode='host-passthrough'><feature policy='require' name='sve'/>"
         "<feature policy='require' name='sve256'/></cpu>", arch="aarch64", machine="virt"), "VL213",
     "SVE disabled, but SVE vector lengths provided"),
    ("pseries-feature", dom("<features><hpt resizing='enabled'/></features>", machine="pc"),
     dom("<features><hpt resizing='enabled'/></features>", arch="ppc64le", machine="pseries"), "VL406",
     "The 'hpt' feature is not supported for architecture 'x86_64' or machine type 'pc'"),
    ("ioapic-arch", dom("<features><ioapic driver='kvm'/></features>", arch="aarch64", machine="virt"),
     dom("<features><ioapic driver='kvm'/></features>"), "VL406", "The 'ioapic' feature"),
    ("pvspinlock-arch", dom("<features><pvspinlock state='off'/></features>", arch="s390x",
                            machine="s390-ccw-virtio"),
     dom("<features><pvspinlock state='off'/></features>"), "VL406", "The 'pvspinlock' feature"),
    ("hyperv-arch", dom("<features><hyperv><relaxed state='on'/></hyperv></features>", arch="s390x",
                        machine="s390-ccw-virtio"),
     # (ARM virt takes <hyperv> at define; an enlightenment switched on there fails at start: VL406 too)
     dom("<features><hyperv><relaxed state='off'/></hyperv></features>", arch="aarch64", machine="virt"),
     "VL406", "Hyperv features are not supported"),
    ("vmport-machine", dom("<features><vmport state='off'/></features>", arch="aarch64", machine="virt"),
     dom("<features><vmport state='off'/></features>", machine="pc-i440fx-7.2"), "VL406", "vmport"),
    ("pmu-ppc64", dom("<features><pmu state='off'/></features>", arch="ppc64", machine="pseries"),
     dom("<features><pmu state='on'/></features>", arch="ppc64", machine="pseries"), "VL406", "PMU is always"),
    ("tcg-kvm", dom("<features><tcg><tb-cache unit='MiB'>128</tb-cache></tcg></features>"),
     dom("<features><tcg><tb-cache unit='MiB'>128</tb-cache></tcg></features>", virt="qemu"), "VL406",
     "TCG features are incompatible with domain type 'kvm'"),
    ("timer-arch", dom("<clock offset='utc'><timer name='tsc' present='yes'/></clock>", arch="s390x",
                       machine="s390-ccw-virtio"),
     dom("<clock offset='utc'><timer name='tsc' present='no'/></clock>", arch="s390x", machine="s390-ccw-virtio"),
     "VL406", "Configuring the 'tsc' timer is not supported for virtType=kvm arch=s390x"),
    ("armvtimer-tcg", dom("<clock offset='utc'><timer name='armvtimer' tickpolicy='delay'/></clock>",
                          arch="aarch64", machine="virt", virt="qemu"),
     dom("<clock offset='utc'><timer name='armvtimer' tickpolicy='delay'/></clock>", arch="aarch64",
         machine="virt"), "VL406", "Configuring the 'armvtimer' timer"),
]


@pytest.mark.parametrize("failing,passing,code,message", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_check_and_its_valid_twin(failing: str, passing: str, code: str, message: str) -> None:
    findings = found(failing)
    assert any(c == code and message in m for c, m in findings), findings
    assert found(passing) == [], found(passing)


def test_hotplug_without_numa_gets_a_cell_since_libvirt_9_6() -> None:
    """qemuDomainDefNumaAutoAdd (9.6+): <maxMemory> without guest NUMA gets one cell, node 0; 9.0 refuses."""
    hotplug = "<maxMemory slots='4' unit='GiB'>8</maxMemory><memory unit='GiB'>2</memory>"
    dimm = ("<devices><memory model='dimm'><target><size unit='MiB'>512</size><node>{}</node></target>"
            "</memory></devices>")
    def severities(version: tuple[int, int] | None) -> list[str]:
        linter = Linter([DomainCaps.from_file(str(PC_KVM))], select=CODES, libvirt_version=version)
        return [f.severity.name for f in linter.lint_document(Document(dom("", memory=hotplug), "d.xml")).findings]
    assert severities(None) == ["WARNING"]
    assert severities((9, 6)) == ["WARNING"]
    assert severities((9, 0)) == ["ERROR"]
    assert not any("no NUMA nodes" in m for _, m in found(dom(dimm.format(0), memory=hotplug)))
    assert any("as the guest has only '1'" in m for _, m in found(dom(dimm.format(1), memory=hotplug)))
    no_max = found(dom(dimm.format(0), memory="<memory unit='GiB'>2</memory>"))  # no maxMemory: no cell added
    assert any("no NUMA nodes configured" in m for _, m in no_max), no_max


def test_clusters_count_since_libvirt_10_1() -> None:
    xml = dom("<cpu><topology sockets='1' dies='1' clusters='2' cores='2' threads='1'/></cpu>")
    assert codes(xml) == []  # 1*1*2*2*1 = 4
    assert codes(xml, (9, 0)) == ["VL206"]  # libvirt 9.0 ignores clusters: 1*1*2*1 = 2
    assert codes(xml, (10, 1)) == []


def test_anchors_are_the_values() -> None:
    xml = dom("<cputune><vcpusched vcpus='0-2' scheduler='fifo' priority='1'/>"
              "<vcpusched vcpus='2' scheduler='rr' priority='1'/></cputune>")
    linter = Linter([DomainCaps.from_file(str(PC_KVM))], select=("VL211",))
    (finding,) = linter.lint_document(Document(xml, "dom.xml")).findings
    assert xml[slice(*finding.offsets)] == "2"


def test_nodeset_zero_without_numa_is_every_node() -> None:
    """virDomainDefPostParseMemtune drops nodeset='0' without guest NUMA: two such pages are two masters."""
    xml = dom("<memoryBacking><hugepages><page size='2' unit='MiB' nodeset='0'/><page size='1' unit='GiB'/>"
              "</hugepages></memoryBacking>")
    assert codes(xml) == ["VL209"]


def test_machine_defaults_to_the_caps() -> None:
    """Without <os><type machine>, the machine is the caps' when they describe the same arch."""
    xml = ("<domain type='kvm'><memory unit='MiB'>512</memory><vcpu>1</vcpu><os><type arch='x86_64'>hvm</type>"
           "</os><features><htm state='on'/></features></domain>")
    assert codes(xml) == ["VL406"]


@pytest.mark.parametrize("text,bits", [
    ("0-3", {0, 1, 2, 3}), ("0,^0", set()), ("1,", {1}), (" 1 - 3 ,5", {1, 2, 3, 5}), ("^1", set()),
    ("aaa", None), ("1,,2", None), ("", None), ("3-1", None), ("16384", None), ("0-16384", None), ("^1-2", None),
])
def test_bitmap_syntax_is_libvirts(text: str, bits: set[int] | None) -> None:
    assert parse_bitmap(text) == bits


@pytest.mark.parametrize("unit,scale", [
    (None, 1024), ("b", 1), ("bytes", 1), ("KiB", 1024), ("k", 1024), ("KB", 1000), ("MiB", 1024**2),
    ("mb", 1000**2), ("G", 1024**3), ("TiB", 1024**4), ("XB", None), ("KiBs", None), ("kilo", None),
])
def test_units_are_virScaleIntegers(unit: str | None, scale: int | None) -> None:
    assert unit_scale(unit) == scale


def test_restrictive_memnode_under_another_mode_since_9_4() -> None:
    """A restrictive memnode under a strict <memory> is refused since libvirt 9.4 (NEWS: v9.4.0); 9.0 accepts it."""
    xml = dom("<numatune><memnode cellid='0' mode='restrictive' nodeset='0'/></numatune>" + NUMA2)
    assert codes(xml) == ["VL208"]
    assert codes(xml, (9, 0)) == []
    twin = dom("<numatune><memory mode='restrictive' nodeset='0'/><memnode cellid='0' mode='strict' nodeset='0'/>"
               "</numatune>" + NUMA2)
    assert codes(twin, (9, 0)) == ["VL208"]  # the other direction: every release


def test_unknown_feature_is_a_warning_for_newer_libvirt() -> None:
    xml = dom("<cpu mode='host-model'><feature policy='require' name='avx99'/></cpu>")
    linter = Linter([DomainCaps.from_file(str(PC_KVM))], select=("VL213",), libvirt_version=(11, 0))
    (finding,) = linter.lint_document(Document(xml, "dom.xml")).findings
    assert finding.severity.value == "warning"


PPC64_CAPS = ("<domainCapabilities><domain>kvm</domain><machine>pseries-7.1</machine><arch>ppc64</arch><cpu>"
              "<mode name='host-model' supported='yes'><model fallback='allow'>POWER9</model></mode></cpu>"
              "</domainCapabilities>")


@pytest.mark.parametrize("compat,virt,expected", [
    ("power10", "kvm", ["VL214"]), ("power9", "kvm", []), ("power8", "kvm", []), ("power11", "kvm", ["VL214"]),
    ("power10", "qemu", []),
])
def test_ppc64_compat_mode_against_the_host_model(compat: str, virt: str, expected: list[str]) -> None:
    from conftest import lint

    xml = (f"<domain type='{virt}'><name>p</name><memory unit='MiB'>512</memory><vcpu>1</vcpu>"
           f"<os><type arch='ppc64' machine='pseries'>hvm</type></os>"
           f"<cpu mode='host-model'><model>{compat}</model></cpu></domain>")
    assert [f.code for f in lint(xml, PPC64_CAPS, select=("VL214",))] == expected


def _assigned_ids(listed: frozenset[int], count: int) -> set[int]:
    """libvirt's IOThread ids spelt out: the listed ones, then the lowest free ids from 1 up to the count."""
    ids, candidate = set(listed), 1
    while len(ids) < count:
        if candidate not in ids:
            ids.add(candidate)
        candidate += 1
    return ids


@settings(max_examples=300, deadline=None)
@given(st.frozensets(st.integers(0, 20), max_size=6), st.integers(0, 24))
def test_iothread_ids_are_libvirts_without_listing_them(listed: frozenset[int], count: int) -> None:
    """IothreadIds computes membership (a count may be 2^32 - 1): the same ids, in the same order, as listing them."""
    ids, spelt = IothreadIds(listed, count), _assigned_ids(listed, count)
    assert len(ids) == len(spelt) and list(ids) == sorted(spelt)
    assert [n for n in range(-1, 50) if n in ids] == sorted(n for n in spelt if n < 50)
