"""Host-topology checks at start (VL250-VL256) that this one-node Debian host can show.

The host here: NUMA node 0 only, CPUs 0-1, `<iommu support='no'/>`, security drivers none and dac, TSC without
scaling, no hugetlbfs mounted (so any huge page case is refused; the 4 KiB "huge page" is the system page and fine).
"""

from __future__ import annotations

from cases import Case, case_maker

PCI = "<source><address domain='0x0000' bus='0x00' slot='0x1f' function='0x0'/></source>"


def cases(kvm: bool) -> list[Case]:
    case = case_maker("host_topology")

    return [
        case("numa-node-1", "VL250", after="<numatune><memory mode='strict' nodeset='1'/></numatune>"),
        case("numa-node-0", None, after="<numatune><memory mode='strict' nodeset='0'/></numatune>"),
        case("memnode-1", "VL250", after="<numatune><memnode cellid='0' mode='strict' nodeset='0-1'/></numatune>"
             "<cpu><numa><cell id='0' cpus='0' memory='128' unit='MiB'/></numa></cpu>"),
        case("memnode-0", None, after="<numatune><memnode cellid='0' mode='strict' nodeset='0'/></numatune>"
             "<cpu><numa><cell id='0' cpus='0' memory='128' unit='MiB'/></numa></cpu>"),
        case("hugepage-16m", "VL251",
             top="<memoryBacking><hugepages><page size='16' unit='MiB'/></hugepages></memoryBacking>"),
        case("hugepage-1g-pool", "VL252",
             top="<memoryBacking><hugepages><page size='1' unit='GiB'/></hugepages></memoryBacking>"),
        case("hugepage-system-page", None,
             top="<memoryBacking><hugepages><page size='4' unit='KiB'/></hugepages></memoryBacking>"),
        case("vcpupin-5", "VL253", top="<cputune><vcpupin vcpu='0' cpuset='5'/></cputune>"),
        case("vcpupin-1", None, top="<cputune><vcpupin vcpu='0' cpuset='1'/></cputune>"),
        case("vcpu-cpuset-0-7", "VL253", top="<vcpu cpuset='0-7'>1</vcpu>"),
        case("vcpu-cpuset-0-1", None, top="<vcpu cpuset='0-1'>1</vcpu>"),
        case("emulatorpin-9", "VL253", top="<cputune><emulatorpin cpuset='9'/></cputune>"),
        case("hostdev-pci", "VL254", devices=f"<hostdev mode='subsystem' type='pci' managed='yes'>{PCI}</hostdev>"),
        case("hostdev-pci-vfio", "VL254",
             devices=f"<hostdev mode='subsystem' type='pci' managed='yes'><driver name='vfio'/>{PCI}</hostdev>"),
        case("interface-hostdev", "VL254", devices="<interface type='hostdev' managed='yes'><source>"
             "<address type='pci' domain='0x0000' bus='0x00' slot='0x1f' function='0x0'/></source></interface>"),
        case("seclabel-selinux", "VL255", after="<seclabel type='dynamic' model='selinux'/>"),
        case("seclabel-dac", None, after="<seclabel type='dynamic' model='dac'/>"),
        case("tsc-1ghz", "VL256", after="<clock offset='utc'><timer name='tsc' frequency='1000000000'/></clock>"),
    ]
