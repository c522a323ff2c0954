"""Refusals found by the eighth round of value sweeps past the real libvirt 9.0 and QEMU 7.2 (SMBIOS and lifecycle,
memory backing and guest NUMA, filesystems and shared memory, PCI placement at scale, other arches and machines):
the first <system> of a sysinfo, SMBIOS legacy mode and table size, a genid on machines without fw_cfg DMA, fmode
and dmode of 0, virtiofs-only settings on 9p shares, default write policies and multidevs, an empty access mode,
virtiofs queues libvirt reads with a minus sign, shared memory names longer than a file name, QEMU's HMAT tables
(latencies and bandwidths of 0, MiB alignment, 16-bit ranges, cache levels in order) and a cache line of 0, a
pci-root full of devices and the bridge libvirt must add, the pcie-root's 240 root ports, a virtio-mem base 9.0
drops, and microvm's PS/2, ISA DMA, floppy, hpet and virtio video; and from the ninth (CPUs under TCG, aliases and
identities): the comparison with TCG's host CPU model, CPU models libvirt 9.0's map lacks, two taps of one name,
the first serial's alias and HDA codec ids at start; and old machine versions (vmcoreinfo without fw_cfg DMA, memory
slots without a device memory region, fw_cfg file slots, x-buggy-eim); and from the tenth (network disks, realistic
domains): what TCG's CPU lacks in every mode, Hyper-V vpindex under TCG, TCG's GICv3 without ITS. Each refusal with
its accepted twin."""

from __future__ import annotations

import libvirt_oracle
from cases import Case, case_maker

#: one SMBIOS sysinfo (its children as given) with <smbios mode='sysinfo'/> in <os>
SMBIOS = "<sysinfo type='smbios'>{}</sysinfo>"
FS_9P = "<filesystem type='mount'{}><driver type='path'/><source dir='/tmp'/><target dir='sweep8'/>{}</filesystem>"
VIRTIOFS = ("<filesystem type='mount'{}><driver type='virtiofs'{}/><source dir='/tmp'/><target dir='sweep8'/>{}"
            "</filesystem>")
SHARED = "<memoryBacking><source type='memfd'/><access mode='shared'/></memoryBacking>"
SHMEM = "<shmem name='{}'><model type='ivshmem-plain'/><size unit='M'>1</size></shmem>"
#: two NUMA cells (vCPU 0 and 1, 64 MiB each) with ``cache`` in cell 0 and ``links`` as the interconnects
NUMA = ("<features><acpi/></features><cpu><numa><cell id='0' cpus='0' memory='64' unit='MiB'>{cache}</cell>"
        "<cell id='1' cpus='1' memory='64' unit='MiB'/><interconnects>{links}</interconnects></numa></cpu>")
CACHE = ("<cache level='{level}' associativity='direct' policy='writeback'><size value='{size}' unit='KiB'/>"
         "<line value='{line}' unit='B'/></cache>")
LATENCY = "<latency initiator='0' target='{}' type='access' value='{}'/>"
BANDWIDTH = "<bandwidth initiator='0' target='{}' type='access' value='{}' unit='KiB'/>"
LINKS_0 = LATENCY.format(0, 5) + BANDWIDTH.format(0, 204800)
#: a pci-root's slots from ``first`` to 0x1f taken by virtio-serial controllers
VIRTIO_SERIALS = ("<controller type='virtio-serial' index='{index}'><address type='pci' domain='0' bus='0' "
                  "slot='{slot:#x}' function='0'/></controller>")
RNG_ON_BUS = ("<rng model='virtio'><backend model='random'>/dev/urandom</backend><address type='pci' domain='0' "
              "bus='{}' slot='1' function='0'/></rng>")
MICROVM_BASE = "<memballoon model='none'/><controller type='usb' model='none'/>"
TAP = "<interface type='ethernet'><target dev='{}'/><model type='virtio'/></interface>"
ALIASED_SERIAL = "<serial type='pty'><alias name='ua-sweep8'/></serial>"
USER_NIC = "<interface type='user'><model type='virtio'/><alias name='{}'/></interface>"
HDA = "<sound model='ich9'><alias name='ua-snd'/></sound>"
MAX_MEMORY = ("<features><acpi/></features><cpu><numa><cell id='0' cpus='0' memory='128' unit='MiB'/></numa></cpu>"
              "<maxMemory slots='4' unit='MiB'>1024</maxMemory>")
SPLIT_IOAPIC = "<features><acpi/><ioapic driver='qemu'/></features>"
EIM_IOMMU = "<iommu model='intel'><driver intremap='on' eim='on'/></iommu>"


HYPERV = "<features><acpi/><hyperv mode='custom'><relaxed state='on'/><vpindex state='{}'/></hyperv></features>"
GIC3 = "<features><gic version='3'/></features>"
ROOT_PORT = "<memballoon model='none'/><controller type='pci' index='1' model='pcie-root-port'/>"


def fw_cfg_entries(count: int) -> str:
    return ("<sysinfo type='fwcfg'>" + "".join(f"<entry name='opt/com.example/s8-{index}'>v</entry>"
                                               for index in range(count)) + "</sysinfo>")


def _pci_root_filled(first: int) -> str:
    return "".join(VIRTIO_SERIALS.format(index=slot, slot=slot) for slot in range(first, 0x20))


#: A balloon on a bus no controller defines (libvirt adds root ports up to it)
BALLOON_ON_BUS = "<memballoon model='virtio'><address type='pci' bus='{}' slot='0' function='0'/></memballoon>"
#: A virtio RNG on a root port's bus (its one slot)
RNG_ON_PORT = RNG_ON_BUS.replace("slot='1'", "slot='0'")


#: An unaddressed virtio NIC
NIC_VIRTIO = "<interface type='user'><model type='virtio'/></interface>"
#: A virtio NIC on a root port's bus
NIC_ON_BUS = "<interface type='user'><model type='virtio'/><address type='pci' bus='{}' slot='0' function='0'/></interface>"
#: A hotplug region of 1 TiB with the guest NUMA cell it needs
MAX_MEMORY_1T = "<maxMemory slots='4' unit='GiB'>1024</maxMemory>"
NUMA_CELL = "<cpu><numa><cell id='0' cpus='0' memory='128' unit='MiB'/></numa></cpu>"
#: The pc machine's pci-root with a 64-bit PCI hole of this many KiB
PCI_HOLE64 = "<controller type='pci' index='0' model='pci-root'><pcihole64 unit='KiB'>{}</pcihole64></controller>"


def _virtio_serials(count: int) -> str:
    return "".join(f"<controller type='virtio-serial' index='{index}'/>" for index in range(count))


def _root_ports(count: int) -> str:
    return "".join(f"<controller type='pci' index='{index}' model='pcie-root-port'/>" for index in range(1, count + 1))


def cases(kvm: bool) -> list[Case]:
    q35 = case_maker("sweep8-q35")
    pc = case_maker("sweep8-pc", machine="pc")
    microvm = case_maker("sweep8-microvm", machine="microvm")
    arm = case_maker("sweep8-arm", arch="aarch64", machine="virt")
    npcm = case_maker("sweep8-armv7l", arch="armv7l", machine="npcm750-evb")
    n800 = case_maker("sweep8-armv7l", arch="armv7l", machine="n800")
    collie = case_maker("sweep8-armv7l", arch="armv7l", machine="collie")
    vexpress_a9 = case_maker("sweep8-armv7l", arch="armv7l", machine="vexpress-a9")
    vexpress_a15 = case_maker("sweep8-aarch64", arch="aarch64", machine="vexpress-a15")
    pflash = "<loader readonly='yes' type='pflash'>/usr/share/AAVMF/AAVMF_CODE.fd</loader>"
    partial = "<cpu mode='custom' match='exact' check='partial'><model fallback='forbid'>{}</model>{}</cpu>"
    feature = "<feature policy='{}' name='{}'/>"
    # (libvirt 9.2 gives acpi= only to machines with ACPI: a newer lab's libvirt starts the board)
    version = libvirt_oracle.library_version()
    libvirt_9_0 = version is not None and version < (9, 2)
    ide = "<disk type='file' device='cdrom'><target dev='hdd' bus='ide'/><readonly/><address type='drive' " \
          "controller='0' bus='{}' unit='{}'/></disk>"
    dimm = "<memory model='dimm'><target><size unit='MiB'>128</size><node>0</node></target><address type='dimm' " \
           "slot='0' base='{}'/></memory>"
    long_vendor = "<bios><entry name='vendor'>{}</entry></bios>"
    board = "<baseBoard><entry name='manufacturer'>Board</entry></baseBoard>"
    return [
        # VL783: libvirt reads the first <system> of a sysinfo (and its first uuid entry)
        q35("sysinfo-uuid-first-system", "VL783", top=SMBIOS.format("<system><entry name='uuid'>bogus</entry>"
                                                                    "</system>")),
        q35("sysinfo-uuid-second-system", None, top=SMBIOS.format("<system><entry name='family'>F</entry></system>"
                                                                  "<system><entry name='uuid'>bogus</entry></system>")),
        # VL783: QEMU's SMBIOS legacy mode on pc-i440fx-2.0 takes types 0 and 1 only (start)
        pc("smbios-board-on-2-0", "VL783", domain_machine="pc-i440fx-2.0", os="<smbios mode='sysinfo'/>",
           top=SMBIOS.format(board)),
        pc("smbios-board-on-2-1", None, domain_machine="pc-i440fx-2.1", os="<smbios mode='sysinfo'/>",
           top=SMBIOS.format(board)),
        # VL783: the SMBIOS 2.1 table's 65535 bytes (start)
        q35("smbios-vendor-65300", "VL783", os="<smbios mode='sysinfo'/>",
            top=SMBIOS.format(long_vendor.format("v" * 65300))),
        q35("smbios-vendor-65000", None, os="<smbios mode='sysinfo'/>",
            top=SMBIOS.format(long_vendor.format("v" * 65000))),
        # VL011: QEMU's vmgenid needs fw_cfg DMA, which machines of 2.4 and older lack (start)
        pc("genid-on-2-4", "VL011", domain_machine="pc-i440fx-2.4", top="<genid/>"),
        pc("genid-on-2-5", None, domain_machine="pc-i440fx-2.5", top="<genid/>"),
        # VL791: fmode and dmode are numbers: 0 is none
        q35("9p-fmode-0644-passthrough", "VL791", devices=FS_9P.format(" fmode='0644'", "")),
        q35("9p-fmode-000-passthrough", None, devices=FS_9P.format(" fmode='000' dmode='+0'", "")),
        # VL850: a <binary> is read for virtiofs only
        q35("virtiofs-binary-xattr-bogus", "VL850", top=SHARED,
            devices=VIRTIOFS.format("", "", "<binary xattr='bogus'/>")),
        q35("9p-binary-xattr-bogus", None, devices=FS_9P.format("", "<binary xattr='bogus'><cache mode='x'/>"
                                                                    "</binary>")),
        # VL791: virtiofs's default write policy, multidevs and access mode
        q35("virtiofs-wrpolicy-immediate", "VL791", top=SHARED,
            devices=VIRTIOFS.format("", " wrpolicy='immediate'", "")),
        q35("virtiofs-defaults-spelt", None, top=SHARED,
            devices=VIRTIOFS.format(" accessmode='' multidevs='default'", " wrpolicy='default'", "")),
        # VL791: a virtiofs queue read with a minus sign wraps (start)
        q35("virtiofs-queue-minus-1", "VL791", top=SHARED, devices=VIRTIOFS.format("", " queue='-1'", "")),
        q35("virtiofs-queue-wraps-to-1024", None, top=SHARED,
            devices=VIRTIOFS.format("", " queue='-18446744073709550592'", "")),
        # VL780: a shared memory name is a file name under /dev/shm (start)
        q35("shmem-name-256-bytes", "VL780", devices=SHMEM.format("s" * 256)),
        q35("shmem-name-255-bytes", None, devices=SHMEM.format("s" * 255)),
        # VL207: QEMU's HMAT (start) and the cache line a start's copy loses
        q35("hmat-cache-latency-0", "VL207", top="<vcpu>2</vcpu>", after=NUMA.format(
            cache=CACHE.format(level=1, size=10, line=8), links=LATENCY.format(0, 0) + BANDWIDTH.format(0, 204800))),
        q35("hmat-cache-latency-5", None, top="<vcpu>2</vcpu>", after=NUMA.format(
            cache=CACHE.format(level=1, size=10, line=8), links=LINKS_0)),
        q35("hmat-bandwidth-1023k", "VL207", top="<vcpu>2</vcpu>", after=NUMA.format(
            cache="", links=LATENCY.format(0, 5) + BANDWIDTH.format(0, 1023))),
        q35("hmat-bandwidth-1024k", None, top="<vcpu>2</vcpu>", after=NUMA.format(
            cache="", links=LATENCY.format(0, 5) + BANDWIDTH.format(0, 1024))),
        q35("hmat-latency-spread-65535", "VL207", top="<vcpu>2</vcpu>", after=NUMA.format(
            cache="", links=LINKS_0 + LATENCY.format(1, 65535) + BANDWIDTH.format(1, 1024))),
        q35("hmat-latency-spread-65534", None, top="<vcpu>2</vcpu>", after=NUMA.format(
            cache="", links=LINKS_0 + LATENCY.format(1, 65534) + BANDWIDTH.format(1, 1024))),
        q35("hmat-cache-level-2-alone", "VL207", top="<vcpu>2</vcpu>", after=NUMA.format(
            cache=CACHE.format(level=2, size=20, line=8), links=LINKS_0)),
        q35("hmat-cache-levels-1-2", None, top="<vcpu>2</vcpu>", after=NUMA.format(
            cache=CACHE.format(level=1, size=10, line=8) + CACHE.format(level=2, size=20, line=8), links=LINKS_0)),
        q35("hmat-cache-line-0", "VL207", top="<vcpu>2</vcpu>", after=NUMA.format(
            cache=CACHE.format(level=1, size=10, line=0), links=LINKS_0)),
        # VL702: a device on bus 1 makes libvirt add a pci-bridge, which a full pci-root has no slot for
        pc("pci-root-full-device-on-bus-1", "VL702", devices=_pci_root_filled(2) + RNG_ON_BUS.format(1)),
        pc("pci-root-slot-1f-free-device-on-bus-1", None, devices=_pci_root_filled(3) + RNG_ON_BUS.format(1)),
        # VL702: 240 root ports fill q35's pcie-root; a conventional PCI device then needs one more
        q35("root-ports-240-and-ich6", "VL702", devices=_root_ports(240) + "<sound model='ich6'/>"),
        q35("root-ports-239-and-ich6", None, devices=_root_ports(239) + "<sound model='ich6'/>"),
        # VL702: the root ports libvirt adds count too: for the PCI indexes below the highest, for a bus a PCI
        # Express device's address names, for unaddressed PCI Express devices (the default USB controller and
        # balloon included), and one kept empty for hotplug
        q35("root-port-index-241", "VL702",
            devices="<controller type='pci' index='241' model='pcie-root-port'/>"),
        q35("root-port-index-240", None, devices="<controller type='pci' index='240' model='pcie-root-port'/>"),
        q35("balloon-on-bus-241", "VL702", devices=BALLOON_ON_BUS.format(241)),
        q35("balloon-on-bus-240", None, devices=BALLOON_ON_BUS.format(240)),
        q35("virtio-serials-238", "VL702", devices=_virtio_serials(238)),
        q35("virtio-serials-237", None, devices=_virtio_serials(237)),
        q35("balloon-on-slot-5-rng-on-bus-233", "VL702",
            devices="<memballoon model='virtio'><address type='pci' bus='0' slot='5' function='0'/></memballoon>"
                    + RNG_ON_PORT.format(233)),
        # VL702: i440fx's pci-root full, and an unaddressed device that needs a slot: the pci-bridge libvirt adds
        # for it finds none
        pc("pci-root-full-and-unaddressed-serial", "VL702",
           devices=MICROVM_BASE + _pci_root_filled(2) + "<controller type='virtio-serial' index='40'/>"),
        pc("pci-root-slot-1f-free-and-unaddressed-serial", None,
           devices=MICROVM_BASE + _pci_root_filled(3) + "<controller type='virtio-serial' index='40'/>"),
        # VL710: a written chassis against the root ports libvirt adds: for the default USB controller and
        # balloon (the USB controller takes the written port), for a NIC's bus
        q35("chassis-2-and-default-devices", "VL710",
            devices="<controller type='pci' index='1' model='pcie-root-port'><target chassis='2'/></controller>"),
        q35("chassis-2-and-no-usb", None,
            devices="<controller type='pci' index='1' model='pcie-root-port'><target chassis='2'/></controller>"
                    "<controller type='usb' model='none'/>"),
        q35("chassis-5-and-nic-on-bus-5", "VL710",
            devices="<controller type='pci' index='1' model='pcie-root-port'><target chassis='5'/></controller>"
                    + NIC_ON_BUS.format(5)),
        q35("chassis-5-and-nic-on-bus-4", None,
            devices="<controller type='pci' index='1' model='pcie-root-port'><target chassis='5'/></controller>"
                    + MICROVM_BASE + NIC_ON_BUS.format(4)),
        # VL225: the highest guest address beyond TCG's 40 bits (the 64-bit PCI hole after a 1 TiB hotplug
        # region, the RAM above 4 GiB moved to 1 TiB for qemu64, an AMD model), and the twins
        q35("max-memory-1t", "VL225", top=MAX_MEMORY_1T, after=NUMA_CELL),
        q35("max-memory-1t-42-bits", None, top=MAX_MEMORY_1T, after=NUMA_CELL.replace(
            "<cpu>", "<cpu mode='custom' match='exact' check='none'><model fallback='allow'>qemu64</model>"
            "<maxphysaddr mode='emulate' bits='42'/>")),
        pc("pcihole64-1008g-and-1k", "VL225", devices=PCI_HOLE64.format(1008 * 1024 * 1024 + 1)),
        pc("pcihole64-1008g", None, devices=PCI_HOLE64.format(1008 * 1024 * 1024)),
        q35("balloon-on-slot-5-rng-on-bus-232", None,
            devices="<memballoon model='virtio'><address type='pci' bus='0' slot='5' function='0'/></memballoon>"
                    + RNG_ON_PORT.format(232)),
        # VL785, VL406, VL704: microvm has PS/2 (9.0), no ISA DMA, no floppy controller, no hpet property, no PCI
        microvm("ps2-keyboard", None, devices=MICROVM_BASE + "<input type='keyboard' bus='ps2'/>"),
        microvm("sb16", "VL785", devices=MICROVM_BASE + "<sound model='sb16'/>"),
        microvm("floppy", "VL785", devices=MICROVM_BASE + "<disk type='file' device='floppy'><target dev='fda' "
                "bus='fdc'/></disk>"),
        microvm("hpet-off", "VL406", after="<clock offset='utc'><timer name='hpet' present='no'/></clock>",
                devices=MICROVM_BASE),
        microvm("hpet-on", None, after="<clock offset='utc'><timer name='hpet' present='yes'/></clock>",
                devices=MICROVM_BASE),
        microvm("virtio-video-mmio", "VL704", devices=MICROVM_BASE + "<video><model type='virtio'/><address "
                "type='virtio-mmio'/></video>"),
        # (ninth round) VL606: the start's comparison with TCG's host CPU model
        q35("host-model-forbids-la57", "VL606", after="<cpu mode='host-model'><feature policy='forbid' name='la57'/>"
            "</cpu>"),
        q35("host-model-disables-la57", None, after="<cpu mode='host-model'><feature policy='disable' name='la57'/>"
            "</cpu>"),
        q35("partial-vendor-intel", "VL606", after="<cpu check='partial'><model>qemu64</model><vendor>Intel</vendor>"
            "</cpu>"),
        q35("partial-vendor-amd", None, after="<cpu check='partial'><model>qemu64</model><vendor>AMD</vendor></cpu>"),
        q35("partial-requires-rdseed", "VL606", after="<cpu check='partial'><model>qemu64</model><feature "
            "policy='require' name='rdseed'/></cpu>"),
        q35("default-check-requires-rdseed", None, after="<cpu><model>qemu64</model><feature policy='require' "
            "name='rdseed'/></cpu>"),
        # VL604: an unusable model with TCG's partial check; its twin disables what the host model lacks
        q35("partial-sandybridge", "VL604", after="<cpu check='partial'><model>SandyBridge</model></cpu>"),
        q35("partial-sandybridge-trimmed", None, after="<cpu check='partial'><model>SandyBridge</model><feature "
            "policy='disable' name='x2apic'/><feature policy='disable' name='tsc-deadline'/></cpu>"),
        # VL603: a model libvirt 9.0's CPU map lacks, whatever the fallback
        q35("model-sapphirerapids", "VL603", after="<cpu><model>SapphireRapids</model></cpu>"),
        q35("model-icelake-server", None, after="<cpu><model>Icelake-Server</model></cpu>"),
        # VL770: two managed ethernet interfaces of one tap name (start)
        q35("tap-name-twice", "VL770", devices=TAP.format("sweep8tap0") + TAP.format("sweep8tap0")),
        q35("tap-names-distinct", None, devices=TAP.format("sweep8tap1") + TAP.format("sweep8tap2")),
        # VL813: the first serial's alias at start, and an HDA codec's id
        q35("serial-alias-on-nic", "VL813", devices=ALIASED_SERIAL + USER_NIC.format("ua-sweep8")),
        q35("serial-alias-on-ps2", None, devices=ALIASED_SERIAL + "<input type='mouse' bus='ps2'><alias "
            "name='ua-sweep8'/></input>"),
        q35("codec-id-on-nic", "VL813", devices=HDA + USER_NIC.format("ua-snd-codec0")),
        q35("codec-id-beyond-on-nic", None, devices=HDA + USER_NIC.format("ua-snd-codec1")),
        # (ninth round, old machines) VL406: vmcoreinfo needs fw_cfg DMA (start)
        pc("vmcoreinfo-on-2-4", "VL406", domain_machine="pc-i440fx-2.4",
           after="<features><acpi/><vmcoreinfo state='on'/></features>"),
        pc("vmcoreinfo-on-2-5", None, domain_machine="pc-i440fx-2.5",
           after="<features><acpi/><vmcoreinfo state='on'/></features>"),
        # VL210: memory slots need a device memory region (start)
        pc("max-memory-on-2-0", "VL210", domain_machine="pc-i440fx-2.0", after=MAX_MEMORY),
        pc("max-memory-on-2-1", None, domain_machine="pc-i440fx-2.1", after=MAX_MEMORY),
        # VL783: QEMU's fw_cfg file slots (start)
        pc("fw-cfg-5-entries-on-2-8", "VL783", domain_machine="pc-i440fx-2.8", top=fw_cfg_entries(5),
           after="<features><acpi/></features>"),
        pc("fw-cfg-4-entries-on-2-8", None, domain_machine="pc-i440fx-2.8", top=fw_cfg_entries(4),
           after="<features><acpi/></features>"),
        # VL792: intel-iommu's eim check skipped on q35 up to 2.7 (x-buggy-eim)
        q35("eim-tcg-on-2-7", None, domain_machine="pc-q35-2.7", after=SPLIT_IOAPIC, devices=EIM_IOMMU),
        q35("eim-tcg-on-2-8", "VL792", domain_machine="pc-q35-2.8", after=SPLIT_IOAPIC, devices=EIM_IOMMU),
        # (tenth round, realistic domains) VL213, VL606: what TCG's CPU lacks, in every mode (start)
        q35("maximum-requires-invtsc", "VL213", after="<cpu mode='maximum'><feature policy='require' "
            "name='invtsc'/></cpu>"),
        q35("maximum-optional-invtsc", None, after="<cpu mode='maximum'><feature policy='optional' name='invtsc'/>"
            "</cpu>"),
        q35("maximum-full-requires-vme", "VL606", after="<cpu mode='maximum' check='full'><feature "
            "policy='require' name='vme'/></cpu>"),
        q35("maximum-full-requires-sse2", None, after="<cpu mode='maximum' check='full'><feature policy='require' "
            "name='sse2'/></cpu>"),
        # VL407: Hyper-V vpindex under TCG on QEMU before 8.2 (start)
        q35("hyperv-vpindex-tcg", "VL407", after=HYPERV.format("on")),
        q35("hyperv-vpindex-off-tcg", None, after=HYPERV.format("off")),
        # VL710: TCG's GICv3 without ITS on virt machines up to 6.1 (start)
        arm("gicv3-root-port-virt-6-1", "VL710", domain_machine="virt-6.1", after=GIC3, devices=ROOT_PORT),
        arm("gicv3-root-port-virt-6-2", None, domain_machine="virt-6.2", after=GIC3, devices=ROOT_PORT),
        # and the root port libvirt adds for an unaddressed virtio NIC (virtio on PCI)
        arm("gicv3-virtio-nic-virt-6-1", "VL710", domain_machine="virt-6.1", after=GIC3, devices=NIC_VIRTIO),
        arm("gicv3-virtio-nic-virt-6-2", None, domain_machine="virt-6.2", after=GIC3, devices=NIC_VIRTIO),
        # (a re-check of the session's checks) twins near their edges
        q35("partial-sandybridge-optional", None, after="<cpu check='partial'><model>SandyBridge</model><feature "
            "policy='optional' name='x2apic'/><feature policy='force' name='tsc-deadline'/></cpu>"),
        q35("partial-vendor-blank", "VL606", after="<cpu check='partial'><model>qemu64</model><vendor> AMD</vendor>"
            "</cpu>"),
        q35("tap-managed-then-unmanaged", "VL770", devices=TAP.format("sweep8tap3")
            + TAP.format("sweep8tap3").replace("/>", " managed='no'/>", 1)),
        q35("serial-alias-on-video", "VL813", devices=ALIASED_SERIAL + "<video><model type='vga'/><alias "
            "name='ua-sweep8'/></video>"),
        q35("serial-alias-on-sata-0", None, devices=ALIASED_SERIAL + "<controller type='sata' index='0'><alias "
            "name='ua-sweep8'/></controller>"),
        pc("pci-root-with-video-device-on-bus-1", "VL702", devices=_pci_root_filled(3)
           + "<video><model type='cirrus'/></video>" + RNG_ON_BUS.format(1)),
        pc("pci-root-with-video-slot-free", None, devices=_pci_root_filled(4)
           + "<video><model type='cirrus'/></video>" + RNG_ON_BUS.format(1)),
        pc("fw-cfg-9-entries-no-acpi-on-2-8", None, domain_machine="pc-i440fx-2.8", top=fw_cfg_entries(9)),
        # (twenty-second session) VL700: i440fx's piix3-ide has buses 0 and 1 of two units each (start)
        pc("ide-bus-2", "VL700", devices=ide.format(2, 0)),
        pc("ide-unit-2", "VL700", devices=ide.format(0, 2)),
        pc("ide-bus-1-unit-1", None, devices=ide.format(1, 1)),
        # VL210: a DIMM's base within the device memory region, [4 GiB, +1 GiB less 128 MiB and 4 slots) (start)
        q35("dimm-below-the-region", "VL210", after=MAX_MEMORY, devices=dimm.format("0x80000000")),
        q35("dimm-past-the-region", "VL210", after=MAX_MEMORY, devices=dimm.format("0x230200000")),
        q35("dimm-at-the-region-end", None, after=MAX_MEMORY, devices=dimm.format("0x230000000")),
        # VL226: an ARM board's SoC cores and RAM (start)
        npcm("npcm750-evb-1-vcpu", "VL226"),
        npcm("npcm750-evb-2-vcpus", None, top="<vcpu>2</vcpu>"),
        collie("collie-128-mib", "VL226"),
        n800("n800-128-mib", None),
        # (fourteenth round) VL704: a PCI address on a device QEMU keeps off PCI, and an ISA irq beyond 0xf (start)
        pc("sb16-pci-address", "VL704", devices="<sound model='sb16'><address type='pci' domain='0' bus='0' "
                                                "slot='9' function='0'/></sound>"),
        pc("es1370-pci-address", None, devices="<sound model='es1370'><address type='pci' domain='0' bus='0' "
                                               "slot='9' function='0'/></sound>"),
        pc("sb16-isa-irq-10", "VL704", devices="<sound model='sb16'><address type='isa' iobase='0x220' irq='10'/>"
                                               "</sound>"),
        pc("sb16-isa-irq-f", None, devices="<sound model='sb16'><address type='isa' iobase='0x220' irq='f'/></sound>"),
        # (fifteenth round) VL226: a pflash loader on an ARM board without flash properties, and libvirt 9.0's acpi=
        # on every aarch64 machine (start)
        vexpress_a9("vexpress-a9-pflash", "VL226", os=pflash),
        vexpress_a9("vexpress-a9-rom", None, os=pflash.replace("readonly='yes' type='pflash'", "type='rom'")),
        vexpress_a15("vexpress-a15-acpi-property", "VL226" if libvirt_9_0 else None),
        arm("virt-without-acpi", None),
        # (fifteenth round) VL606: the partial check's comparison with TCG's host CPU in libvirt's CPU map (start;
        # TCG's host model is QEMU's, the same on every host of one QEMU: the lab's lacks x2apic, vmx and vme)
        q35("cpu-partial-sandybridge", "VL606", after=partial.format("SandyBridge", "")),
        q35("cpu-partial-penryn", None, after=partial.format("Penryn", "")),
        q35("cpu-partial-require-x2apic", "VL606", after=partial.format("qemu64", feature.format("require", "x2apic"))),
        q35("cpu-partial-optional-avx512f", None,
            after=partial.format("qemu64", feature.format("optional", "avx512f"))),
        q35("cpu-partial-forbid-sse2", "VL606", after=partial.format("qemu64", feature.format("forbid", "sse2"))),
        q35("cpu-partial-forbid-avx512f", None, after=partial.format("qemu64", feature.format("forbid", "avx512f"))),
        q35("cpu-host-model-require-vmx", "VL606", after=f"<cpu mode='host-model'>{feature.format('require', 'vmx')}"
                                                         "</cpu>"),
        q35("cpu-host-model-require-sse4.2", None, after=f"<cpu mode='host-model'>"
                                                         f"{feature.format('require', 'sse4.2')}</cpu>"),
    ]
