"""CPU, vCPU, NUMA, memory, arch-bound features and parser values (VL206-VL212, VL406, VL850, VL851).

Every check has a case libvirt rejects and an accepted twin that differs only in the offending value.
The domain's memory is 128 MiB (cases.py), so the NUMA cells below add up to it.
"""

from __future__ import annotations

from cases import ACPI, SHARED_MEMFD, Case, case_maker, disk

PREFIX = "cpu_numa"
CELLS = ("<cpu><numa><cell id='0' cpus='0-1' memory='64' unit='MiB'/>"
         "<cell id='1' cpus='2-3' memory='64' unit='MiB'/></numa></cpu>")
VCPU4 = "<vcpu>4</vcpu>"
HOTPLUG = "<maxMemory slots='2' unit='MiB'>1024</maxMemory>"
DIMM = ("<memory model='dimm'><target><size unit='MiB'>128</size><node>{node}</node></target></memory>")


_x86 = case_maker(PREFIX)
_arm = case_maker(PREFIX, arch="aarch64", machine="virt")


#: one NUMA cell with an HMAT memory side cache; what goes after the cell in braces
_HMAT = ("<cpu><numa><cell id='0' cpus='0-1' memory='131072' unit='KiB'><cache level='1' associativity='direct' "
         "policy='writeback'><size value='10' unit='KiB'/><line value='8' unit='B'/></cache></cell>{}</numa></cpu>")

#: two cells, the first of no memory
_ZERO_CELL = ("<cpu><numa><cell id='0' cpus='0' memory='0' unit='KiB'/>"
              "<cell id='1' cpus='1' memory='128' unit='MiB'/></numa></cpu>")
_CACHE_CELL0 = ("<cache level='1' associativity='direct' policy='writeback'><size value='10' unit='KiB'/>"
                "<line value='8' unit='B'/></cache></cell>")
_HMAT_LINKS = ("<interconnects><latency initiator='0' target='0' type='access' value='5'/><bandwidth initiator='0' "
               "target='0' type='access' value='204800' unit='KiB'/></interconnects>")


def cases(kvm: bool) -> list[Case]:
    pairs = [
        # VL206 vCPU counts and topology
        _x86("topology-mismatch", "VL206", top=VCPU4, after="<cpu><topology sockets='1' cores='2' threads='1'/></cpu>"),
        _x86("topology-match", None, top=VCPU4, after="<cpu><topology sockets='1' cores='4' threads='1'/></cpu>"),
        _x86("current-above-max", "VL206", top="<vcpu current='3'>2</vcpu>"),
        _x86("current-below-max", None, top="<vcpu current='1'>2</vcpu>"),
        _x86("vcpu-orders-mixed", "VL206", top="<vcpu>2</vcpu><vcpus><vcpu id='0' enabled='yes' hotpluggable='no' "
             "order='1'/><vcpu id='1' enabled='yes' hotpluggable='yes' order='0'/></vcpus>"),
        _x86("vcpu-orders", None, top="<vcpu>2</vcpu><vcpus><vcpu id='0' enabled='yes' hotpluggable='no' order='1'/>"
             "<vcpu id='1' enabled='yes' hotpluggable='yes' order='2'/></vcpus>"),
        # VL207 NUMA cells
        _x86("numa-cell-ids-gap", "VL207", top=VCPU4, after=CELLS.replace("id='1'", "id='2'")),
        _x86("numa-cells", None, top=VCPU4, after=CELLS),
        _x86("numa-cpus-overlap", "VL207", top=VCPU4, after=CELLS.replace("cpus='2-3'", "cpus='1-3'")),
        _x86("numa-distance-sibling", "VL207", top=VCPU4,
             after=CELLS.replace("unit='MiB'/></numa>", "unit='MiB'><distances><sibling id='2' value='20'/>"
                                 "</distances></cell></numa>")),
        _x86("numa-distance-ok", None, top=VCPU4,
             after=CELLS.replace("unit='MiB'/></numa>", "unit='MiB'><distances><sibling id='0' value='20'/>"
                                 "<sibling id='1' value='10'/></distances></cell></numa>")),
        # VL208 numatune
        _x86("numatune-static-no-nodeset", "VL208", top="<numatune><memory mode='strict' placement='static'/>"
                                                        "</numatune>"),
        _x86("numatune-static-nodeset", None, top="<numatune><memory mode='strict' placement='static' nodeset='0'/>"
                                                  "</numatune>"),
        _x86("memnode-no-cells", "VL208", top="<numatune><memnode cellid='0' mode='strict' nodeset='0'/></numatune>"),
        _x86("memnode-cells", None, top=VCPU4 + "<numatune><memnode cellid='0' mode='strict' nodeset='0'/></numatune>",
             after=CELLS),
        _x86("memnode-restrictive-mixed", "VL208",
             top=VCPU4 + "<numatune><memory mode='restrictive' nodeset='0'/>"
                         "<memnode cellid='0' mode='strict' nodeset='0'/></numatune>", after=CELLS),
        _x86("memnode-restrictive-both", None,
             top=VCPU4 + "<numatune><memory mode='restrictive' nodeset='0'/>"
                         "<memnode cellid='0' mode='restrictive' nodeset='0'/></numatune>", after=CELLS),
        # VL209 hugepages (no accepted twins: starting a guest on hugepages needs hugetlbfs mounted, host state)
        _x86("hugepages-two-masters", "VL209",
             top="<memoryBacking><hugepages><page size='2048' unit='KiB'/><page size='1' unit='GiB'/></hugepages>"
                 "</memoryBacking>"),
        _x86("hugepages-node-missing", "VL209", top=VCPU4 + "<memoryBacking><hugepages><page size='2048' unit='KiB' "
                                                            "nodeset='2'/></hugepages></memoryBacking>", after=CELLS),
        _x86("hugepages-ondemand", "VL209", top="<memoryBacking><hugepages/><allocation mode='ondemand'/>"
                                                "</memoryBacking>"),
        _x86("vcpu0-offline", "VL206", top="<vcpu>2</vcpu><vcpus><vcpu id='0' enabled='no' hotpluggable='no'/>"
                                           "<vcpu id='1' enabled='yes' hotpluggable='yes'/></vcpus>"),
        _x86("vcpu1-offline", None, top="<vcpu>2</vcpu><vcpus><vcpu id='0' enabled='yes' hotpluggable='no'/>"
                                        "<vcpu id='1' enabled='no' hotpluggable='yes'/></vcpus>"),
        # VL210 memory hotplug
        _x86("hotplug-no-numa", "VL210", top=HOTPLUG),
        _x86("hotplug-numa", None, top=VCPU4 + HOTPLUG, after=CELLS),
        # QEMU needs ACPI for DIMM hotplug on x86
        _x86("dimm-node-missing", "VL210", top=VCPU4 + HOTPLUG, after=ACPI + CELLS, devices=DIMM.format(node=2)),
        _x86("dimm-node", None, top=VCPU4 + HOTPLUG, after=ACPI + CELLS, devices=DIMM.format(node=1)),
        # VL211 thread tuning
        _x86("vcpusched-overlap", "VL211", top="<vcpu>2</vcpu><cputune><vcpusched vcpus='0-1' scheduler='batch'/>"
                                               "<vcpusched vcpus='1' scheduler='idle'/></cputune>"),
        _x86("vcpusched-apart", None, top="<vcpu>2</vcpu><cputune><vcpusched vcpus='0' scheduler='batch'/>"
                                          "<vcpusched vcpus='1' scheduler='idle'/></cputune>"),
        _x86("iothreadpin-missing", "VL211", top="<iothreads>1</iothreads><cputune><iothreadpin iothread='2' "
                                                 "cpuset='0'/></cputune>"),
        _x86("iothreadpin-defined", None, top="<iothreads>2</iothreads><cputune><iothreadpin iothread='2' "
                                              "cpuset='0'/></cputune>"),
        _x86("period-too-short", "VL211", top="<cputune><period>500</period></cputune>"),
        _x86("period", None, top="<cputune><period>10000</period></cputune>"),
        # a real-time priority Linux does not have (start); a twin of priority 1 needs CAP_SYS_NICE, which the lab's
        # container lacks: the twins are the same priority on an offline vCPU, and another scheduler
        _x86("vcpusched-priority-0", "VL211", top="<vcpu current='1'>2</vcpu><cputune><vcpusched vcpus='0' "
                                                  "scheduler='fifo' priority='0'/></cputune>"),
        _x86("vcpusched-priority-0-offline", None, top="<vcpu current='1'>2</vcpu><cputune><vcpusched vcpus='1' "
                                                       "scheduler='fifo' priority='0'/></cputune>"),
        _x86("emulatorsched-priority-100", "VL211", top="<cputune><emulatorsched scheduler='rr' priority='100'/>"
                                                        "</cputune>"),
        _x86("emulatorsched-batch", None, top="<cputune><emulatorsched scheduler='batch'/></cputune>"),
        # VL219 a memory hard limit QEMU cannot start in (a twin above 8 MiB meets the container's locked-memory
        # limit, which libvirt raises to the hard limit: the twin is a soft limit of the same size)
        _x86("memtune-hard-limit-0", "VL219", top="<memtune><hard_limit unit='KiB'>0</hard_limit></memtune>"),
        _x86("memtune-soft-limit-0", None, top="<memtune><soft_limit unit='KiB'>0</soft_limit></memtune>"),
        # VL224 a block I/O weight no host's cgroup takes (the lab's host is cgroup v1 with BFQ, which takes 1..1000)
        _x86("blkio-weight-10001", "VL224", top="<blkiotune><weight>10001</weight></blkiotune>"),
        _x86("blkio-weight-1000", None, top="<blkiotune><weight>1000</weight></blkiotune>"),
        _x86("blkio-weight-minus-1", None, top="<blkiotune><weight>-1</weight></blkiotune>"),
        # VL212 CPU cache and physical address bits (cache modes need no host-passthrough under TCG: maximum)
        _x86("cache-emulate-l2", "VL212", after="<cpu mode='maximum'><cache level='2' mode='emulate'/></cpu>"),
        _x86("cache-emulate-l3", None, after="<cpu mode='maximum'><cache level='3' mode='emulate'/></cpu>"),
        # QEMU wants a cached node's latency and bandwidth first (the enum sweep's twin found it)
        _x86("hmat-cache-alone", "VL207", top="<vcpu>2</vcpu>", after=_HMAT.format("")),
        _x86("hmat-cache-interconnects", None, top="<vcpu>2</vcpu>", after=_HMAT.format(
            "<interconnects><latency initiator='0' target='0' type='access' value='5'/><bandwidth initiator='0' "
            "target='0' type='access' value='204800' unit='KiB'/></interconnects>")),
        # QEMU refuses a memory backend of no size: a cell of memory='0' where libvirt gives cells backends
        _x86("numa-zero-cell", "VL207", top="<vcpu>2</vcpu>", after=_ZERO_CELL),
        _x86("numa-zero-cell-machine-5-1", "VL207", top="<vcpu>2</vcpu>", after=_ZERO_CELL, domain_machine="pc-q35-5.1"),
        _x86("numa-zero-cell-machine-5-0", None, top="<vcpu>2</vcpu>", after=_ZERO_CELL, domain_machine="pc-q35-5.0"),
        _x86("numa-zero-cell-memfd-5-0", "VL207", top="<vcpu>2</vcpu>" + SHARED_MEMFD, after=_ZERO_CELL,
             domain_machine="pc-q35-5.0"),
        _x86("numa-zero-cell-hmat-5-0", "VL207", top="<vcpu>2</vcpu>", domain_machine="pc-q35-5.0",
             after=_ZERO_CELL.replace("<cell id='1'", _CACHE_CELL0 + "<cell id='1'").replace(
                 "memory='0' unit='KiB'/>", "memory='0' unit='KiB'>").replace("</numa>", _HMAT_LINKS + "</numa>")),
        _arm("numa-zero-cell-virt", "VL207", top="<vcpu>2</vcpu>", after=_ZERO_CELL),
        _arm("numa-zero-cell-virt-5-0", None, top="<vcpu>2</vcpu>", after=_ZERO_CELL, domain_machine="virt-5.0"),
        _x86("cache-passthrough-custom", "VL212",
             after="<cpu mode='custom'><model>qemu64</model><cache mode='passthrough'/></cpu>"),
        _x86("cache-passthrough-maximum", None, after="<cpu mode='maximum'><cache mode='passthrough'/></cpu>"),
        _x86("maxphysaddr-passthrough-bits", "VL212",
             after="<cpu mode='maximum'><maxphysaddr mode='passthrough' bits='40'/></cpu>"),
        _x86("maxphysaddr-emulate-bits", None, after="<cpu mode='maximum'><maxphysaddr mode='emulate' bits='40'/></cpu>"),
        # VL213 CPU feature names (start time)
        _x86("cpu-feature-unknown", "VL213",
             after="<cpu mode='custom'><model>qemu64</model><feature policy='disable' name='vmxx'/></cpu>"),
        _x86("cpu-feature-known", None,
             after="<cpu mode='custom'><model>qemu64</model><feature policy='disable' name='vmx'/></cpu>"),
        # VL406 arch-bound features and timers
        _x86("pseries-htm-on-x86", "VL406", after="<features><htm state='on'/></features>"),
        _x86("no-htm-on-x86", None, after="<features><acpi/></features>"),
        _arm("ioapic-on-arm", "VL406", after="<features><ioapic driver='qemu'/></features>"),
        _x86("ioapic-on-x86", None, after="<features><ioapic driver='qemu'/></features>"),
        _arm("pvspinlock-on-arm", "VL406", after="<features><pvspinlock state='off'/></features>"),
        _x86("pvspinlock-on-x86", None, after="<features><pvspinlock state='off'/></features>"),
        _arm("kvmclock-on-arm", "VL406", after="<clock offset='utc'><timer name='kvmclock' present='yes'/></clock>"),
        _arm("no-kvmclock-on-arm", None, after="<clock offset='utc'/>"),
        _x86("tcg-features-kvm", "VL406", domain_type="kvm",
             after="<features><tcg><tb-cache unit='MiB'>128</tb-cache></tcg></features>"),
        _x86("tcg-features-qemu", None, after="<features><tcg><tb-cache unit='MiB'>128</tb-cache></tcg></features>"),
        # VL850 strict enums, VL851 numbers, sizes and bitmaps
        _x86("disk-bus-typo", "VL850", devices=disk("vda", "virtoi")),
        _x86("disk-bus", None, devices=disk("vda", "virtio")),
        _x86("memaccess-typo", "VL850", top=VCPU4, after=CELLS.replace("unit='MiB'/></numa>",
                                                                       "unit='MiB' memAccess='share'/></numa>")),
        _x86("memaccess", None, top=VCPU4, after=CELLS.replace("unit='MiB'/></numa>",
                                                               "unit='MiB' memAccess='shared'/></numa>")),
        _x86("feature-state-typo", "VL850", after="<features><pmu state='yes'/></features>"),
        _x86("feature-state", None, after="<features><pmu state='on'/></features>"),
        _x86("vcpu-words", "VL851", top="<vcpu>two</vcpu>"),
        _x86("vcpu-number", None, top="<vcpu>2</vcpu>"),
        _x86("cpuset-malformed", "VL851", top="<vcpu cpuset='0-a'>1</vcpu>"),
        _x86("cpuset", None, top="<vcpu cpuset='0'>1</vcpu>"),
        _x86("queues-negative", "VL851", devices=disk("vda", "virtio", driver=" queues='-2'")),
        _x86("queues", None, devices=disk("vda", "virtio", driver=" queues='2'")),
        _x86("cell-unit-typo", "VL851", top=VCPU4, after=CELLS.replace("unit='MiB'", "unit='MXB'", 1)),
    ]
    return pairs
