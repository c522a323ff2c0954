"""Refusals found by the sweeps of device property values (sizes, counts, ring sizes, geometry, throttling) and of
NUMA, scheduler and memory-tuning values put into a domain that starts: libvirt defines each, and libvirt or QEMU
refuses it at start. Each case and its valid twin agree with the real libvirt 9.0 and QEMU 7.2, but the twins whose
start depends on the host (a block device's own block sizes, a bridge that exists here, the right to real-time
scheduling, the locked-memory limit libvirt raises to a hard limit) or on a machine type the lab lacks."""

from __future__ import annotations

import pytest

from test_rules_parse_checks import test_parse_checks as judged_as_libvirt
from virtlint.linter.model import Finding, Severity

X86_KVM = ("<domain type='kvm'><name>t</name><memory unit='MiB'>128</memory><vcpu>1</vcpu><os><type arch='x86_64' "
           "machine='q35'>hvm</type></os><devices>{}</devices></domain>")
IMAGE = "/var/lib/libvirt/images/a.qcow2"


def disk(extra: str = "", bus: str = "virtio", dev: str = "vda", device: str = "disk", driver: str = "",
         kind: str = "file") -> str:
    source = f"<source file='{IMAGE}'/>" if kind == "file" else "<source dev='/dev/sdz'/>"
    return X86_KVM.format(f"<disk type='{kind}' device='{device}'><driver name='qemu' type='qcow2' {driver}/>"
                          f"{source}<target dev='{dev}' bus='{bus}'/>{extra}</disk>")


def nic(kind: str = "user", extra: str = "", model: str = "virtio", source: str = "") -> str:
    return X86_KVM.format(f"<interface type='{kind}'>{source}<model type='{model}'/>{extra}</interface>")


OVS_BRIDGE = "<source bridge='br0'/>"
HOTPLUG = ("<domain type='kvm'><name>t</name><maxMemory slots='{slots}' unit='MiB'>{mib}</maxMemory>"
           "<memory unit='MiB'>1024</memory><vcpu>1</vcpu><os><type arch='x86_64' machine='q35'>hvm</type></os>"
           "<cpu><numa><cell id='0' cpus='0' memory='1024' unit='MiB'/></numa></cpu><devices>{devices}</devices>"
           "</domain>")
VSCSI_CDROM = ("<controller type='scsi' index='0' model='virtio-scsi'/><disk type='file' device='cdrom'>"
               "<target dev='sda' bus='scsi'/><readonly/><address type='drive' controller='0' bus='0' target='{target}' "
               "unit='{unit}'/></disk>")
DIMM = "<memory model='dimm'><target><size unit='MiB'>128</size><node>0</node></target></memory>"
VIRTIO_MEM = ("<memory model='virtio-mem'><target><size unit='KiB'>{kib}</size><node>0</node>"
              "<block unit='KiB'>4096</block><requested unit='KiB'>0</requested></target></memory>")
NINE_P = "<filesystem type='mount' accessmode='mapped'><source dir='/srv/share'/><target dir='{}'/></filesystem>"
VIRTIOFS = ("<filesystem type='mount'><driver type='virtiofs'{driver}/><source dir='/srv/share'/><target dir='{tag}'/>"
            "</filesystem>")
#: X86_KVM with the shared memory virtiofs needs
SHARED_KVM = X86_KVM.replace("<os>", "<memoryBacking><source type='memfd'/><access mode='shared'/></memoryBacking><os>")
ZERO_CELL = ("<domain type='kvm'><name>t</name><memory unit='MiB'>256</memory><vcpu>2</vcpu><os><type arch='{arch}' "
             "machine='{machine}'>hvm</type></os>{backing}<cpu><numa><cell id='0' cpus='0' memory='{zero}' unit='KiB'/>"
             "<cell id='1' cpus='1' memory='256' unit='MiB'{access}/></numa></cpu><devices/></domain>")


TUNED = ("<domain type='kvm'><name>t</name><memory unit='MiB'>1024</memory>{vcpu}{tuning}<os><type arch='x86_64' "
         "machine='q35'>hvm</type></os><devices/></domain>")


def zero_cell(machine: str = "q35", backing: str = "", access: str = "", arch: str = "x86_64", zero: int = 0) -> str:
    return ZERO_CELL.format(machine=machine, backing=backing, access=access, arch=arch, zero=zero)


CASES = [
    # VL764: block sizes (QEMU's property setter, blkconf_blocksizes; an image file reports none: 512)
    ("logical-above-default-physical", disk("<blockio logical_block_size='4096'/>"), "VL764",
     "logical_block_size > physical_block_size not supported"),
    ("logical-and-physical", disk("<blockio logical_block_size='4096' physical_block_size='4096'/>"), None, ""),
    ("logical-above-physical", disk("<blockio logical_block_size='4096' physical_block_size='512'/>"), "VL764",
     "logical_block_size > physical_block_size not supported"),
    ("physical-only", disk("<blockio physical_block_size='4096'/>"), None, ""),
    # (not judged: a host block device reports its own physical block size)
    ("logical-block-device", disk("<blockio logical_block_size='4096'/>", kind="block"), None, ""),
    ("logical-not-power-of-two", disk("<blockio logical_block_size='513'/>"), "VL764",
     "Property .logical_block_size doesn't take value '513', it's not a power of 2"),
    ("logical-too-small", disk("<blockio logical_block_size='256'/>"), "VL764",
     "Property .logical_block_size doesn't take value 256 (minimum: 512, maximum: 2097152)"),
    ("physical-not-power-of-two", disk("<blockio logical_block_size='512' physical_block_size='1000'/>"), "VL764",
     "Property .physical_block_size doesn't take value '1000', it's not a power of 2"),
    ("physical-large", disk("<blockio physical_block_size='131072'/>"), None, ""),
    ("sata-4k", disk("<blockio logical_block_size='4096' physical_block_size='4096'/>", bus="sata", dev="sda"),
     "VL764", "discard_granularity must be a multiple of logical_block_size"),
    ("sata-physical-4k", disk("<blockio physical_block_size='4096'/>", bus="sata", dev="sda"), None, ""),
    ("floppy-physical-4k", disk("<blockio physical_block_size='4096'/>", bus="fdc", dev="fda", device="floppy"),
     "VL764", "Physical and logical block size must be 512 for floppy"),
    ("floppy-512", disk("<blockio logical_block_size='512' physical_block_size='512'/>", bus="fdc", dev="fda",
                        device="floppy"), None, ""),
    # VL764: CHS geometry (blkconf_geometry; only ide-hd, scsi-hd and virtio-blk have the properties)
    ("virtio-17-heads", disk("<geometry cyls='100' heads='17' secs='63'/>"), None, ""),
    ("virtio-256-heads", disk("<geometry cyls='100' heads='256' secs='63'/>"), "VL764",
     "heads must be between 1 and 255"),
    ("virtio-cyls-only", disk("<geometry cyls='100'/>"), "VL764", "heads must be between 1 and 255"),
    ("virtio-zeros", disk("<geometry cyls='0' heads='0' secs='0'/>"), None, ""),
    ("virtio-secs-256", disk("<geometry cyls='100' heads='16' secs='256'/>"), "VL764",
     "secs must be between 1 and 255"),
    ("virtio-cyls-70000", disk("<geometry cyls='70000' heads='16' secs='63'/>"), "VL764",
     "cyls must be between 1 and 65535"),
    ("sata-17-heads", disk("<geometry cyls='100' heads='17' secs='63'/>", bus="sata", dev="sda"), "VL764",
     "heads must be between 1 and 16"),
    ("sata-16-heads", disk("<geometry cyls='100' heads='16' secs='255'/>", bus="sata", dev="sda"), None, ""),
    ("scsi-255-heads", disk("<geometry cyls='100' heads='255' secs='63'/>", bus="scsi", dev="sda"), None, ""),
    ("scsi-heads-only", disk("<geometry heads='4'/>", bus="scsi", dev="sda"), "VL764",
     "cyls must be between 1 and 65535"),
    ("sata-cdrom", disk("<geometry cyls='100' heads='16' secs='63'/>", bus="sata", dev="sda", device="cdrom"),
     "VL764", "Property 'ide-cd.cyls' not found"),
    ("scsi-cdrom-heads", disk("<geometry heads='4'/>", bus="scsi", dev="sda", device="cdrom"), "VL764",
     "Property 'scsi-cd.heads' not found"),
    ("floppy", disk("<geometry cyls='80' heads='2' secs='18'/>", bus="fdc", dev="fda", device="floppy"), "VL764",
     "Property 'floppy.cyls' not found"),
    ("usb-cyls-only", disk("<geometry cyls='100'/>", bus="usb", dev="sda"), "VL764",
     "Property 'usb-storage.cyls' not found"),
    ("usb-full", disk("<geometry cyls='100' heads='16' secs='63'/>", bus="usb", dev="sda"), "VL758",
     "CHS geometry can not be set for 'usb' bus"),
    # VL764: virtio-blk's ring size
    ("queue-size-100", disk(driver="queue_size='100'"), "VL764",
     "invalid queue-size property (100), must be a power of 2 (max 1024)"),
    ("queue-size-2048", disk(driver="queue_size='2048'"), "VL764", "must be a power of 2 (max 1024)"),
    ("queue-size-2", disk(driver="queue_size='2'"), "VL764", "invalid queue-size property (2), must be > 2"),
    ("queue-size-65536", disk(driver="queue_size='65536'"), "VL764", "Parameter 'queue-size' expects uint16_t"),
    ("queue-size-4", disk(driver="queue_size='4'"), None, ""),
    ("queue-size-1024", disk(driver="queue_size='1024'"), None, ""),
    # VL757: throttling QEMU refuses (throttle_is_valid, when libvirt sets it at start; not on an empty drive)
    ("burst-without-limit", disk("<iotune><total_bytes_sec_max>2000000</total_bytes_sec_max></iotune>"), "VL757",
     "bps_max/iops_max require corresponding bps/iops values"),
    ("burst-below-limit", disk("<iotune><total_iops_sec>100</total_iops_sec><total_iops_sec_max>50"
                               "</total_iops_sec_max></iotune>"), "VL757",
     "bps_max/iops_max cannot be lower than bps/iops"),
    ("burst-equal-limit", disk("<iotune><total_iops_sec>100</total_iops_sec><total_iops_sec_max>100"
                               "</total_iops_sec_max></iotune>"), None, ""),
    ("length-without-burst", disk("<iotune><read_bytes_sec>1000</read_bytes_sec><read_bytes_sec_max_length>5"
                                  "</read_bytes_sec_max_length></iotune>"), "VL757",
     "burst length set without burst rate"),
    ("length-one-without-burst", disk("<iotune><read_bytes_sec>1000</read_bytes_sec><read_bytes_sec_max_length>1"
                                      "</read_bytes_sec_max_length></iotune>"), None, ""),
    ("length-too-long", disk("<iotune><write_bytes_sec>1000</write_bytes_sec><write_bytes_sec_max>1000000000"
                             "</write_bytes_sec_max><write_bytes_sec_max_length>2000000</write_bytes_sec_max_length>"
                             "</iotune>"), "VL757", "burst length too high for this burst rate"),
    ("length-long", disk("<iotune><write_bytes_sec>1000</write_bytes_sec><write_bytes_sec_max>1000000000"
                         "</write_bytes_sec_max><write_bytes_sec_max_length>1000000</write_bytes_sec_max_length>"
                         "</iotune>"), None, ""),
    ("size-without-iops", disk("<iotune><total_bytes_sec>1000000</total_bytes_sec><size_iops_sec>4096"
                               "</size_iops_sec></iotune>"), "VL757", "iops size requires an iops value to be set"),
    ("size-with-iops", disk("<iotune><read_iops_sec>100</read_iops_sec><size_iops_sec>4096</size_iops_sec>"
                            "</iotune>"), None, ""),
    ("size-on-empty-cdrom", X86_KVM.format("<disk type='file' device='cdrom'><target dev='sdc' bus='sata'/>"
                                           "<iotune><size_iops_sec>4096</size_iops_sec></iotune><readonly/></disk>"),
     None, ""),
    # VL764: a virtio device's queues (QEMU 7.2 aborts)
    ("disk-1025-queues", disk(driver="queues='1025'"), "VL764", "a virtio device has at most 1024 queues"),
    ("disk-1024-queues", disk(driver="queues='1024'"), None, ""),
    # VL210: memory hotplug QEMU refuses (machine_parse_memory, pc_memory_init)
    ("slots-257", HOTPLUG.format(slots=257, mib=4096, devices=""), "VL210", "unsupported amount of memory slots: 257"),
    ("slots-256", HOTPLUG.format(slots=256, mib=4096, devices=""), None, ""),
    ("max-equal-initial", HOTPLUG.format(slots=4, mib=1024, devices=""), "VL210",
     "invalid value of maxmem: memory slots were specified but maximum memory size (0x40000000) is equal to the "
     "initial memory size (0x40000000)"),
    ("max-aligned-above-initial", HOTPLUG.format(slots=4, mib=1025, devices=""), None, ""),
    # VL797: a virtio-mem backend of whole blocks (virtio_mem_device_realize)
    ("virtio-mem-partial-block", HOTPLUG.format(slots=4, mib=4096, devices=VIRTIO_MEM.format(kib=133120)), "VL797",
     "backend memory size must be multiple of 0x400000"),
    # (libvirt rounds 135000 KiB up to 135168, 33 blocks)
    ("virtio-mem-aligned-to-blocks", HOTPLUG.format(slots=4, mib=4096, devices=VIRTIO_MEM.format(kib=135000)), None,
     ""),
    ("virtio-mem-whole-blocks", HOTPLUG.format(slots=4, mib=4096, devices=VIRTIO_MEM.format(kib=135168)), None, ""),
    # VL797: a DIMM needs the machine's ACPI, which libvirt turns off without <acpi/> (pc_memory_pre_plug)
    ("dimm-without-acpi", HOTPLUG.format(slots=4, mib=4096, devices=DIMM), "VL797",
     "memory hotplug is not enabled: missing acpi device or acpi disabled"),
    ("dimm-with-acpi", HOTPLUG.format(slots=4, mib=4096, devices=DIMM).replace("<cpu>", "<features><acpi/></features>"
                                                                                "<cpu>"), None, ""),
    # VL710: QEMU numbers expander buses by busNr, one each (pxb_register_bus)
    ("expander-bus-numbers-shared", X86_KVM.format(
        "<controller type='pci' index='10' model='pcie-expander-bus'><target busNr='200'/></controller>"
        "<controller type='pci' index='11' model='pcie-expander-bus'><target busNr='200'/></controller>"), "VL710",
     "Bus 200 is already in use"),
    ("expander-bus-numbers-apart", X86_KVM.format(
        "<controller type='pci' index='10' model='pcie-expander-bus'><target busNr='200'/></controller>"
        "<controller type='pci' index='11' model='pcie-expander-bus'><target busNr='180'/></controller>"), None, ""),
    # VL700: a virtio-scsi bus's targets and LUNs (scsi_qdev_realize)
    ("virtio-scsi-target-300", X86_KVM.format(VSCSI_CDROM.format(target=300, unit=0)), "VL700",
     "bad scsi device id: 300"),
    ("virtio-scsi-target-255", X86_KVM.format(VSCSI_CDROM.format(target=255, unit=0)), None, ""),
    ("virtio-scsi-unit-16384", X86_KVM.format(VSCSI_CDROM.format(target=0, unit=16384)), "VL700",
     "bad scsi device lun: 16384"),
    ("virtio-scsi-unit-16383", X86_KVM.format(VSCSI_CDROM.format(target=0, unit=16383)), None, ""),
    ("virtio-scsi-unit-300", X86_KVM.format(VSCSI_CDROM.format(target=0, unit=300)), None, ""),
    # VL770: queues on a type without several (qemuDomainValidateActualNetDef; 1 is read as the default)
    ("user-two-queues", nic(extra="<driver queues='2'/>"), "VL770",
     "multiqueue is not supported for network interfaces of type user"),
    ("mcast-two-queues", nic("mcast", "<driver queues='2'/>", source="<source address='230.0.0.1' port='5558'/>"),
     "VL770", "multiqueue is not supported for network interfaces of type mcast"),
    ("user-one-queue", nic(extra="<driver queues='1'/>"), None, ""),
    ("user-e1000-queues", nic(extra="<driver queues='2'/>", model="e1000"), None, ""),
    ("ethernet-two-queues", nic("ethernet", "<driver queues='2'/>"), None, ""),
    ("ovs-filterref", nic("bridge", "<virtualport type='openvswitch'/><filterref filter='clean-traffic'/>",
                          source=OVS_BRIDGE), "VL770",
     "filterref is not supported for network interfaces with virtualport type openvswitch"),
    # (not judged: these two start where the bridge exists; libvirt reads a filterref without filter= as none)
    ("bridge-filterref", nic("bridge", "<filterref filter='clean-traffic'/>", source=OVS_BRIDGE), None, ""),
    ("ovs-filterref-without-filter", nic("bridge", "<virtualport type='openvswitch'/><filterref/>",
                                         source=OVS_BRIDGE), None, ""),
    # VL770: virtio-net's ring sizes (QEMU)
    ("rx-128", nic(extra="<driver rx_queue_size='128'/>"), "VL770",
     "Invalid rx_queue_size (= 128), must be a power of 2 between 256 and 1024."),
    ("tx-2048", nic(extra="<driver tx_queue_size='2048'/>"), "VL770",
     "Invalid tx_queue_size (= 2048), must be a power of 2 between 256 and 1024"),
    ("rx-256-tx-1024", nic(extra="<driver rx_queue_size='256' tx_queue_size='1024'/>"), None, ""),
    # VL763: virtio-serial's ports (QEMU)
    ("virtio-serial-512-ports", X86_KVM.format("<controller type='virtio-serial' ports='512'/>"), "VL763",
     "maximum ports supported: 511"),
    ("virtio-serial-511-ports", X86_KVM.format("<controller type='virtio-serial' ports='511'/>"), None, ""),
    # VL794: virtio-scsi's queues (QEMU)
    ("virtio-scsi-1023-queues", X86_KVM.format("<controller type='scsi' model='virtio-scsi'><driver queues='1023'/>"
                                               "</controller>"), "VL794",
     "Invalid number of queues (= 1023), must be a positive integer less than 1022."),
    ("virtio-scsi-1022-queues", X86_KVM.format("<controller type='scsi' model='virtio-scsi'><driver queues='1022'/>"
                                               "</controller>"), None, ""),
    # VL792: intel-iommu's address widths (QEMU)
    ("aw-bits-40", X86_KVM.format("<iommu model='intel'><driver aw_bits='40'/></iommu>"), "VL792",
     "Supported values for aw-bits are: 39, 48"),
    ("aw-bits-48", X86_KVM.format("<iommu model='intel'><driver aw_bits='48'/></iommu>"), None, ""),
    # VL765: a qxl or virtio video's heads (QEMU's virtio-gpu, the SPICE server)
    ("virtio-17-heads-video", X86_KVM.format("<video><model type='virtio' heads='17'/></video>"), "VL765",
     "invalid max_outputs > 16"),
    ("qxl-17-heads", X86_KVM.format("<graphics type='vnc'/><video><model type='qxl' heads='17'/></video>"), "VL765",
     "Device display ID count (17) is greater than limit 16"),
    ("virtio-16-heads-video", X86_KVM.format("<video><model type='virtio' heads='16'/></video>"), None, ""),
    # VL767: a VNC display's keyboard layout QEMU has no file for (QEMU at start; SPICE does not read it)
    ("vnc-keymap-us", X86_KVM.format("<graphics type='vnc' keymap='us'/>"), "VL767",
     "could not read keymap file: 'us'"),
    ("vnc-keymap-en-us", X86_KVM.format("<graphics type='vnc' keymap='en-us'/>"), None, ""),
    ("vnc-none-keymap-us", X86_KVM.format("<graphics type='vnc' keymap='us'><listen type='none'/></graphics>"),
     "VL767", "could not read keymap file: 'us'"),
    ("spice-keymap-us", X86_KVM.format("<graphics type='spice' keymap='us'/>"), None, ""),
    ("vnc-keymap-path", X86_KVM.format("<graphics type='vnc' keymap='../keymaps/de'/>"), None, ""),
    # VL791: QEMU's mount tag lengths (9p 31 bytes, virtiofs 36, in UTF-8) and virtiofs's queue sizes
    ("9p-tag-32", X86_KVM.format(NINE_P.format("t" * 32)), "VL791",
     "mount tag '" + "t" * 32 + "' (32 bytes) is longer than maximum (31 bytes)"),
    ("9p-tag-31", X86_KVM.format(NINE_P.format("t" * 31)), None, ""),
    ("9p-tag-utf8-32-bytes", X86_KVM.format(NINE_P.format("t" + "\u00e9" * 15 + "x")), "VL791", "(32 bytes)"),
    ("virtiofs-tag-37", SHARED_KVM.format(VIRTIOFS.format(tag="t" * 37, driver="")), "VL791",
     "tag property must be 36 bytes or less"),
    ("virtiofs-tag-36", SHARED_KVM.format(VIRTIOFS.format(tag="t" * 36, driver="")), None, ""),
    ("virtiofs-queue-1000", SHARED_KVM.format(VIRTIOFS.format(tag="t", driver=" queue='1000'")), "VL791",
     "queue-size property must be a power of 2"),
    ("virtiofs-queue-2048", SHARED_KVM.format(VIRTIOFS.format(tag="t", driver=" queue='2048'")), "VL791",
     "queue-size property must be 1024 or smaller"),
    ("virtiofs-queue-65536", SHARED_KVM.format(VIRTIOFS.format(tag="t", driver=" queue='65536'")), "VL791",
     "Parameter 'queue-size' expects uint16_t"),
    ("virtiofs-queue-0", SHARED_KVM.format(VIRTIOFS.format(tag="t", driver=" queue='0'")), None, ""),
    ("virtiofs-queue-1024", SHARED_KVM.format(VIRTIOFS.format(tag="t", driver=" queue='1024'")), None, ""),
    # VL407: Hyper-V spinlock retries libvirt's formatter writes negative when it copies the domain to start it
    ("spinlocks-4294967295", X86_KVM.replace("</os>", "</os><features><hyperv mode='custom'><spinlocks state='on' "
                                             "retries='4294967295'/></hyperv></features>"), "VL407",
     "Invalid value for attribute 'retries' in element 'spinlocks': '-1'"),
    ("spinlocks-2147483648", X86_KVM.replace("</os>", "</os><features><hyperv mode='custom'><spinlocks state='on' "
                                             "retries='2147483648'/></hyperv></features>"), "VL407",
     "'-2147483648'"),
    ("spinlocks-2147483647", X86_KVM.replace("</os>", "</os><features><hyperv mode='custom'><spinlocks state='on' "
                                             "retries='2147483647'/></hyperv></features>"), None, ""),
    ("spinlocks-off-4294967295", X86_KVM.replace("</os>", "</os><features><hyperv mode='custom'><spinlocks "
                                                 "state='off' retries='4294967295'/></hyperv></features>"), None, ""),
    # the same formatter's other unsigned numbers: an <audio> id (VL799), a USB companion's startport (VL707)
    ("audio-id-2147483648", X86_KVM.format("<audio id='2147483648' type='none'/>"), "VL799",
     "Invalid value for attribute 'id' in element 'audio': '-2147483648'"),
    ("audio-id-2147483647", X86_KVM.format("<audio id='2147483647' type='none'/>"), None, ""),
    ("usb-startport-2147483648", X86_KVM.format("<controller type='usb' index='5' model='ich9-uhci1'><master "
                                                "startport='2147483648'/></controller><controller type='usb' "
                                                "index='5' model='ich9-ehci1'/>"), "VL707",
     "Invalid value for attribute 'startport' in element 'master': '-2147483648'"),
    ("usb-startport-2", X86_KVM.format("<controller type='usb' index='5' model='ich9-uhci1'><master startport='2'/>"
                                       "</controller><controller type='usb' index='5' model='ich9-ehci1'/>"), None, ""),
    # VL704: QEMU's largest ACPI index of a PCI device (pci_qdev_realize)
    ("nic-acpi-index-16384", nic(extra="<acpi index='16384'/>"), "VL704",
     "acpi-index should be less or equal to 16383"),
    ("nic-acpi-index-16383", nic(extra="<acpi index='16383'/>"), None, ""),
    ("e1000e-acpi-index-16384", nic(model="e1000e", extra="<acpi index='16384'/>"), "VL704",
     "acpi-index should be less or equal to 16383"),
    ("virtio-disk-acpi-index-16384", disk("<acpi index='16384'/>"), "VL704",
     "acpi-index should be less or equal to 16383"),
    ("virtio-disk-acpi-index-16383", disk("<acpi index='16383'/>"), None, ""),
    # VL207: a NUMA cell of no memory given a memory backend (QEMU 5.1+ machine types, HMAT, backing objects)
    ("zero-cell-q35", zero_cell(), "VL207", "property 'size' of memory-backend-ram doesn't take value '0'"),
    ("zero-cell-pc", zero_cell("pc"), "VL207", "property 'size' of memory-backend-ram doesn't take value '0'"),
    ("zero-cell-5-1", zero_cell("pc-q35-5.1"), "VL207", "memory-backend-ram doesn't take value '0'"),
    ("zero-cell-5-0", zero_cell("pc-q35-5.0"), None, ""),
    ("zero-cell-i440fx-2-12", zero_cell("pc-i440fx-2.12"), None, ""),
    ("small-cell-q35", zero_cell(zero=1024), None, ""),
    ("zero-cell-memfd-5-0", zero_cell("pc-q35-5.0", backing="<memoryBacking><source type='memfd'/></memoryBacking>"),
     "VL207", "property 'size' of memory-backend-memfd doesn't take value '0'"),
    ("zero-cell-other-shared-5-0", zero_cell("pc-q35-5.0", access=" memAccess='shared'"), "VL207",
     "property 'size' of memory-backend-ram doesn't take value '0'"),
    # (from libvirt's source, qemuBuildMemoryBackendProps: the lab has no hugetlbfs to start it)
    ("zero-cell-hugepages-5-0", zero_cell("pc-q35-5.0", backing="<memoryBacking><hugepages/></memoryBacking>"),
     "VL207", "property 'size' of memory-backend-file doesn't take value '0'"),
    ("zero-cell-virt", zero_cell("virt", arch="aarch64"), "VL207", "memory-backend-ram doesn't take value '0'"),
    ("zero-cell-virt-5-0", zero_cell("virt-5.0", arch="aarch64"), None, ""),
    # (not judged: a distribution's machine types carry its own version, not QEMU's)
    ("zero-cell-rhel", zero_cell("pc-q35-rhel9.4.0"), None, ""),
    # VL211: a real-time scheduler's priority outside Linux's 1..99 (libvirt at start, for threads that run)
    ("vcpusched-fifo-0", TUNED.format(vcpu="<vcpu>2</vcpu>", tuning="<cputune><vcpusched vcpus='0' scheduler='fifo' "
                                      "priority='0'/></cputune>"), "VL211",
     "Scheduler priority 0 out of range [1, 99]"),
    ("vcpusched-rr-minus-1", TUNED.format(vcpu="<vcpu>2</vcpu>", tuning="<cputune><vcpusched vcpus='0-1' "
                                          "scheduler='rr' priority='-1'/></cputune>"), "VL211",
     "Scheduler priority -1 out of range [1, 99]"),
    ("vcpusched-fifo-1", TUNED.format(vcpu="<vcpu>2</vcpu>", tuning="<cputune><vcpusched vcpus='0' scheduler='fifo' "
                                      "priority='1'/></cputune>"), None, ""),
    ("vcpusched-fifo-0-offline", TUNED.format(vcpu="<vcpu current='1'>2</vcpu>", tuning="<cputune><vcpusched "
                                              "vcpus='1' scheduler='fifo' priority='0'/></cputune>"), None, ""),
    ("vcpusched-batch-0", TUNED.format(vcpu="<vcpu>2</vcpu>", tuning="<cputune><vcpusched vcpus='0' "
                                       "scheduler='batch' priority='0'/></cputune>"), None, ""),
    ("iothreadsched-fifo-100", TUNED.format(vcpu="<vcpu>1</vcpu><iothreads>1</iothreads>", tuning="<cputune>"
                                            "<iothreadsched iothreads='1' scheduler='fifo' priority='100'/></cputune>"),
     "VL211", "Scheduler priority 100 out of range [1, 99]"),
    ("emulatorsched-rr-99", TUNED.format(vcpu="<vcpu>1</vcpu>", tuning="<cputune><emulatorsched scheduler='rr' "
                                         "priority='99'/></cputune>"), None, ""),
    # VL219: a memory hard limit QEMU's own process cannot start in (0, 1 and 4 MiB refused)
    ("hard-limit-0", TUNED.format(vcpu="<vcpu>1</vcpu>", tuning="<memtune><hard_limit>0</hard_limit></memtune>"),
     "VL219", "a memory hard_limit of 0 KiB is less than QEMU needs to start"),
    ("hard-limit-4-mib", TUNED.format(vcpu="<vcpu>1</vcpu>", tuning="<memtune><hard_limit unit='MiB'>4</hard_limit>"
                                      "</memtune>"), "VL219", "a memory hard_limit of 4 MiB"),
    ("soft-limit-0", TUNED.format(vcpu="<vcpu>1</vcpu>", tuning="<memtune><soft_limit>0</soft_limit></memtune>"),
     None, ""),
    ("hard-limit-above-memory", TUNED.format(vcpu="<vcpu>1</vcpu>", tuning="<memtune><hard_limit unit='GiB'>2"
                                             "</hard_limit></memtune>"), None, ""),
    # VL224: a block I/O weight above what every host's cgroup takes (the domain's first <weight>; a device's wraps)
    ("blkio-weight-10001", TUNED.format(vcpu="<vcpu>1</vcpu>", tuning="<blkiotune><weight>10001</weight>"
                                        "</blkiotune>"), "VL224", "blkio weight 10001 is out of the host's range"),
    ("blkio-weight-1000", TUNED.format(vcpu="<vcpu>1</vcpu>", tuning="<blkiotune><weight>1000</weight></blkiotune>"),
     None, ""),
    ("blkio-weight-minus-1", TUNED.format(vcpu="<vcpu>1</vcpu>", tuning="<blkiotune><weight>-1</weight></blkiotune>"),
     None, ""),
    ("blkio-weight-second", TUNED.format(vcpu="<vcpu>1</vcpu>", tuning="<blkiotune><weight>500</weight><weight>20000"
                                         "</weight></blkiotune>"), None, ""),
    ("blkio-weight-second-blkiotune", TUNED.format(vcpu="<vcpu>1</vcpu>", tuning="<blkiotune><device><path>/dev/sda"
                                                   "</path></device></blkiotune><blkiotune><weight>20000</weight>"
                                                   "</blkiotune>"), "VL224", "blkio weight 20000"),
    # VL765: a virtio video of 3D acceleration (QEMU's virtio-gpu-gl) needs a display that gives QEMU OpenGL
    ("accel3d-no-opengl", X86_KVM.format("<graphics type='vnc'/><video><model type='virtio'><acceleration "
                                         "accel3d='yes'/></model></video>"), "VL765",
     "virtio-gpu-gl: opengl is not available"),
    ("accel3d-egl-headless", X86_KVM.format("<graphics type='vnc'/><graphics type='egl-headless'/><video><model "
                                            "type='virtio'><acceleration accel3d='yes'/></model></video>"), None, ""),
    ("accel3d-spice-gl", X86_KVM.format("<graphics type='spice'><listen type='none'/><gl enable='yes'/></graphics>"
                                        "<video><model type='virtio'><acceleration accel3d='yes'/></model></video>"),
     None, ""),
    ("accel3d-spice-gl-off", X86_KVM.format("<graphics type='spice'><listen type='none'/><gl enable='no'/></graphics>"
                                            "<video><model type='virtio'><acceleration accel3d='yes'/></model>"
                                            "</video>"), "VL765", "opengl is not available"),
    ("accel3d-vhost-user", X86_KVM.format("<video><driver name='vhostuser'/><model type='virtio'><acceleration "
                                          "accel3d='yes'/></model></video>"), None, ""),
    ("accel3d-off", X86_KVM.format("<video><model type='virtio'><acceleration accel3d='no'/></model></video>"), None,
     ""),
    ("blkio-device-weight-minus-1", TUNED.format(vcpu="<vcpu>1</vcpu>", tuning="<blkiotune><device><path>/dev/sda"
                                                 "</path><weight>-1</weight></device></blkiotune>"), "VL224",
     "blkio device weight 4294967295"),
]


@pytest.mark.parametrize(("xml", "code", "fragment"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_found_by_the_property_sweep(xml: str, code: str | None, fragment: str) -> None:
    judged_as_libvirt(xml, code, fragment)


def test_a_hard_limit_below_the_guest_memory_is_a_warning() -> None:
    """The guest outgrows it once it uses its memory (the host swaps QEMU out or kills it): not a refusal."""
    from test_rules_parse_checks import Q35, lint

    xml = TUNED.format(vcpu="<vcpu>1</vcpu>", tuning="<memtune><hard_limit unit='MiB'>512</hard_limit></memtune>")
    (finding,) = [f for f in lint(xml, Q35) if f.code == "VL219"]
    assert finding.severity.value == "warning"
    assert finding.message.startswith("The memory hard_limit (512 MiB) is below the guest's memory (1 GiB)")


@pytest.mark.parametrize("weight", ["1001", "10000"])
def test_a_blkio_weight_only_cgroup_v2_takes_is_a_warning(weight: str) -> None:
    """cgroup v2's io.weight takes up to 10000, cgroup v1 and the BFQ scheduler up to 1000 (the lab's host, v1 with
    BFQ, refuses 1001 at start): the host decides."""
    from test_rules_parse_checks import Q35, lint

    xml = TUNED.format(vcpu="<vcpu>1</vcpu>", tuning=f"<blkiotune><weight>{weight}</weight></blkiotune>")
    (finding,) = [f for f in lint(xml, Q35) if f.code == "VL224"]
    assert finding.severity.value == "warning"
    assert finding.message.endswith("on a host of cgroup v1 or BFQ")


def _domain(kind: str = "kvm", machine: str = "q35", top: str = "", os: str = "", devices: str = "") -> str:
    return (f"<domain type='{kind}'><name>t</name><memory unit='MiB'>128</memory><vcpu>1</vcpu>{top}<os><type "
            f"arch='x86_64' machine='{machine}'>hvm</type>{os}</os><devices>{devices}</devices></domain>")


_FW_CFG = "<sysinfo type='fwcfg'>{}</sysinfo>"
_RELEASE = "<sysinfo type='smbios'><bios><entry name='release'>{}</entry></bios></sysinfo>"
_SPLIT = "<features><acpi/><ioapic driver='qemu'/></features>"

#: The fourth round of sweeps (the clock, <os>, <cpu>, controllers and small devices, labels and resources): each
#: refusal with its twin, all checked on libvirt 9.0 with QEMU 7.2 (tests/oracle/families/values.py), but the evdev
#: twin, whose host device this machine lacks.
VALUES = [
    ("fwcfg-comma-after-gen-id", _domain(top=_FW_CFG.format("<entry name='opt/a/x'>a,gen_id=b</entry>")), "VL783",
     "name, plus exactly one of file, string and gen_id, are needed"),
    ("fwcfg-comma-then-string", _domain(top=_FW_CFG.format("<entry name='opt/a/x'>a,string=b</entry>")), None, ""),
    ("fwcfg-trailing-comma", _domain(top=_FW_CFG.format("<entry name='opt/a/x'>a,</entry>")), None, ""),
    ("fwcfg-three-commas", _domain(top=_FW_CFG.format("<entry name='opt/a/x'>a,,,b</entry>")), "VL783",
     "Invalid parameter 'b'"),
    ("fwcfg-twice-across", _domain(top=_FW_CFG.format("<entry name='opt/a/x'>a</entry>") * 2), "VL783",
     "duplicate fw_cfg file name: opt/a/x"),
    ("smbios-release-hex", _domain(os="<smbios mode='sysinfo'/>", top=_RELEASE.format("0x1.2")), "VL783",
     "Invalid release"),
    ("smbios-release-blanks", _domain(os="<smbios mode='sysinfo'/>", top=_RELEASE.format(" 1. 2")), None, ""),
    ("smbios-release-emulated", _domain(os="<smbios mode='emulate'/>", top=_RELEASE.format("x")), None, ""),
    ("phys-bits-53", _domain(top="<cpu mode='host-model'><maxphysaddr mode='emulate' bits='53'/></cpu>"), "VL212",
     "phys-bits should be between 32 and 52 (but is 53)"),
    ("phys-bits-0", _domain(top="<cpu mode='host-model'><maxphysaddr mode='emulate' bits='0'/></cpu>"), None, ""),
    ("check-full-kvm", _domain(top="<cpu mode='custom' check='full'><model>qemu64</model></cpu>"), None, ""),
    ("check-full-tcg", _domain("qemu", top="<cpu mode='custom' check='full'><model>qemu64</model></cpu>"), "VL218",
     "extra features: hypervisor"),
    ("check-full-tcg-hypervisor-off", _domain("qemu", top="<cpu mode='custom' check='full'><model>qemu64</model>"
                                                        "<feature policy='disable' name='hypervisor'/></cpu>"),
     None, ""),
    ("vcpu-cpuset-auto", _domain(top="<vcpu placement='auto' cpuset='^0'>1</vcpu>").replace("<vcpu>1</vcpu>", ""),
     None, ""),
    ("eim-kvm", _domain(top=_SPLIT, devices="<iommu model='intel'><driver intremap='on' eim='on'/></iommu>"), None,
     ""),
    ("eim-tcg", _domain("qemu", top=_SPLIT, devices="<iommu model='intel'><driver intremap='on' eim='on'/></iommu>"),
     "VL792", "eim=on requires accel=kvm,kernel-irqchip=split"),
    ("evdev-without-source", _domain(devices="<input type='evdev'/>"), "VL793",
     "argument key 'evdev' must not have null value"),
    ("evdev", _domain(devices="<input type='evdev'><source dev='/dev/input/event0'/></input>"), None, ""),
    ("passthrough-without-source", _domain(devices="<input type='passthrough' bus='virtio'/>"), "VL793",
     "an input of type 'passthrough' without a <source>"),
    ("serial-label-without-model", _domain(devices="<serial type='file'><source path='/tmp/s.log'><seclabel "
                                                   "relabel='no'/></source></serial>"), "VL782",
     "Security driver model '(null)' is not available"),
    ("backing-label-without-model", _domain(devices="<disk type='file' device='disk'><driver name='qemu' "
                                                    "type='qcow2'/><source file='/i/a.qcow2'/><backingStore "
                                                    "type='file'><format type='raw'/><source file='/i/b.raw'>"
                                                    "<seclabel relabel='no'/></source></backingStore><target "
                                                    "dev='vda' bus='virtio'/></disk>"), None, ""),
    ("dac-label-big-uid", _domain(top="<seclabel type='static' model='dac' relabel='no'><label>+4294967296:+0"
                                      "</label></seclabel>"), "VL782", "Failed to parse user '4294967296'"),
    ("dac-label-wrapped-uid", _domain(top="<seclabel type='static' model='dac' relabel='no'><label>+-1:+0</label>"
                                          "</seclabel>"), None, ""),
    ("dac-label-names", _domain(top="<seclabel type='static' model='dac' relabel='no'><label>qemu:kvm</label>"
                                    "</seclabel>"), None, ""),
    ("qcow2-backing-raw-backing", _domain(devices="<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
                                                  "<source file='/i/a.qcow2'/><backingStore type='file'><format "
                                                  "type='raw'/><source file='/i/b.raw'/><backingStore type='file'>"
                                                  "<format type='raw'/><source file='/i/c.raw'/></backingStore>"
                                                  "</backingStore><target dev='vda' bus='virtio'/></disk>"), "VL759",
     "storage format 'raw' does not support backing store"),
    ("clock-variable-localtime-year-0", _domain(top="<clock offset='variable' basis='localtime' "
                                                    "adjustment='-70000000000'/>"), "VL408", "before year 1"),
    ("clock-variable-unreadable", _domain(top="<clock offset='variable' adjustment='abc'/>"), None, ""),
    ("chassis-of-added-port-below-bridge", _domain(devices="<controller type='pci' index='1' model='pcie-root-port'>"
                                                       "<target chassis='2'/></controller><controller type='pci' "
                                                       "index='3' model='pcie-to-pci-bridge'/>"), "VL710",
     "chassis 2 is also the chassis of the pcie-root-port libvirt adds as controller index='2'"),
    ("chassis-of-written-port", _domain(devices="<controller type='pci' index='1' model='pcie-root-port'><target "
                                            "chassis='2'/></controller><controller type='pci' index='2' "
                                            "model='pcie-root-port'><target chassis='5'/></controller>"), None, ""),
    ("tap-name-space", _domain(devices="<interface type='bridge'><source bridge='br0'/><target dev='vl sw'/>"
                                       "</interface>"), "VL770", "Unable to create tap device vl sw: Invalid argument"),
    ("tap-name-two-percents", _domain(devices="<interface type='network'><source network='default'/><target "
                                              "dev='vl%d%d'/></interface>"), "VL770", "Unable to create tap device"),
    ("tap-name-six-letters-eighteen-bytes", _domain(devices="<interface type='bridge'><source bridge='br0'/><target "
                                                        "dev='\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9'/>"
                                                        "</interface>"), "VL770", "is too long"),
    ("tap-name-generated", _domain(devices="<interface type='bridge'><source bridge='br0'/><target "
                                           "dev='macvtap/x'/></interface>"), None, ""),
    ("tap-name-unmanaged", _domain(devices="<interface type='ethernet'><target dev='a-very-long-tap-name' "
                                           "managed='no'/></interface>"), None, ""),
    ("network-mtu-65522", _domain(devices="<interface type='network'><source network='default'/><mtu size='65522'/>"
                                          "</interface>"), None, ""),
    ("network-mtu-67", _domain(devices="<interface type='network'><source network='default'/><mtu size='67'/>"
                                       "</interface>"), "VL770", "Cannot set interface MTU"),
    ("mtu-0", _domain(devices="<interface type='bridge'><source bridge='br0'/><mtu size='0'/></interface>"), None,
     ""),
    ("acpi-index-nic-and-virtio-disk", _domain(devices="<interface type='user'><model type='virtio'/><acpi "
                                                       "index='7'/></interface><disk type='file' device='disk'>"
                                                       "<source file='/i/a.img'/><target dev='vda' bus='virtio'/>"
                                                       "<acpi index='7'/></disk>"), "VL704",
     "a PCI device with acpi-index = 7 already exist"),
    ("microvm-usb-default-model", _domain(machine="microvm", devices="<memballoon model='none'/><controller "
                                                                      "type='usb' index='0'/>"), "VL702",
     "No PCI buses available"),
]


@pytest.mark.parametrize(("xml", "code", "fragment"), [c[1:] for c in VALUES], ids=[c[0] for c in VALUES])
def test_found_by_the_value_sweeps(xml: str, code: str | None, fragment: str) -> None:
    judged_as_libvirt(xml, code, fragment)


@pytest.mark.parametrize(("os", "code", "fragment"), [
    ("<acpi><table type='slic'></table></acpi>", "VL755", "the ACPI table names no file"),
    ("<acpi><table type='slic'> </table></acpi>", "VL755", "the ACPI table names no file"),
    ("<acpi><table type='slic'>/var/lib/libvirt/slic.bin</table></acpi>", None, ""),
])
def test_an_acpi_table_of_no_path(os: str, code: str | None, fragment: str) -> None:
    judged_as_libvirt(_domain(os=os), code, fragment)


@pytest.mark.parametrize("os", ["<loader readonly='yes' type='pflash'> /usr/share/OVMF/OVMF_CODE_4M.fd</loader>",
                                "<kernel>/boot/vmlinuz </kernel>",
                                "<kernel>/boot/vmlinuz</kernel><initrd>\n/boot/initrd.img</initrd>"])
def test_a_padded_path_is_a_warning(os: str) -> None:
    """libvirt keeps the blanks (checked on 9.0: the loader and the kernel); whether such a file exists is the
    host's, so a warning."""
    from test_rules_parse_checks import Q35, lint

    findings = [f for f in lint(_domain(os=os), Q35) if f.code == "VL755"]
    assert [f.severity.value for f in findings] == ["warning"]
    assert "has blanks around it, which libvirt keeps" in findings[0].message


def test_a_padded_path_hides_no_error() -> None:
    from test_rules_parse_checks import Q35, lint

    os = "<loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.fd </loader><cmdline>quiet</cmdline>"
    assert sorted(f.severity.value for f in lint(_domain(os=os), Q35) if f.code == "VL755") == ["error", "warning"]


def _arm(cpu: str = "<cpu mode='custom'><model>cortex-a57</model></cpu>", devices: str = "",
         vcpu: str = "<vcpu>1</vcpu>") -> str:
    return (f"<domain type='qemu'><name>t</name><memory unit='MiB'>128</memory>{vcpu}<os><type arch='aarch64' "
            f"machine='virt'>hvm</type></os>{cpu}<devices>{devices}</devices></domain>")


def _sve(model: str, *features: tuple[str, str]) -> str:
    return _arm("<cpu mode='custom'><model>" + model + "</model>"
                + "".join(f"<feature policy='{policy}' name='{name}'/>" for policy, name in features) + "</cpu>")


#: ARM virt (tests/oracle/families/values.py has these with their twins on libvirt 9.0 + QEMU 7.2)
ARM_VALUES = [
    ("sve-forbid-on-cortex-a57", _sve("cortex-a57", ("forbid", "sve")), "VL213",
     "Property 'cortex-a57-arm-cpu.sve' not found"),
    ("sve128-on-neoverse-n1", _sve("neoverse-n1", ("require", "sve128")), "VL213",
     "Property 'neoverse-n1-arm-cpu.sve128' not found"),
    ("sve-on-max", _sve("max", ("require", "sve"), ("require", "sve2048")), None, ""),
    ("a64fx-sve1024", _sve("a64fx", ("require", "sve1024")), "VL213", "vector length 1024-bits"),
    ("sve256-without-sve128", _sve("max", ("require", "sve256"), ("disable", "sve128")), "VL213",
     "cannot disable sve128 sve128 is required as it is a power-of-two length smaller than the maximum, sve256"),
    ("sve256-without-sve512", _sve("max", ("require", "sve256"), ("disable", "sve512")), None, ""),
    ("cortex-a9", _arm("<cpu mode='custom'><model>cortex-a9</model></cpu>"), "VL218",
     "mach-virt: CPU type cortex-a9-arm-cpu not supported"),
    ("neoverse-n1", _arm("<cpu mode='custom'><model>neoverse-n1</model></cpu>"), None, ""),
    ("floppy-without-bus", _arm(devices="<disk type='file' device='floppy'><target dev='fda'/></disk>"), "VL751",
     "'floppy' is not a valid device model name"),
    ("keyboard-without-usb", _arm(devices="<input type='keyboard'/>"), "VL706", "USB is disabled for this domain"),
    ("dies-two", _arm("<cpu mode='custom'><model>cortex-a57</model><topology sockets='1' dies='2' cores='2' "
                      "threads='1'/></cpu>", vcpu="<vcpu>4</vcpu>"), "VL206", "dies not supported"),
]


@pytest.mark.parametrize(("xml", "code", "fragment"), [c[1:] for c in ARM_VALUES], ids=[c[0] for c in ARM_VALUES])
def test_found_by_the_arm_sweep(xml: str, code: str | None, fragment: str) -> None:
    judged_as_libvirt(xml, code, fragment)


@pytest.mark.parametrize(("version", "refused"), [((10, 5), True), ((10, 6), False)])
def test_pauth_follows_the_libvirt_release(version: tuple[int, int], refused: bool) -> None:
    """libvirt 10.6 added pauth to its ARM CPU map (9.0 refuses it at start, checked)."""
    from test_rules_parse_checks import ARM
    from virtlint.linter.caps import DomainCaps
    from virtlint.linter.document import Document
    from virtlint.linter.engine import Linter

    linter = Linter([DomainCaps(Document(ARM, "caps.xml"))], libvirt_version=version)
    findings = linter.lint_document(Document(_sve("max", ("require", "pauth")), "d.xml")).findings
    assert any(f.code == "VL213" and "unknown CPU feature: pauth" in f.message for f in findings) == refused


_SECURE_CAPS = ("<domainCapabilities><domain>kvm</domain><machine>pc-{machine}-7.2</machine><arch>x86_64</arch>"
                "<os supported='yes'><enum name='firmware'><value>efi</value></enum><loader supported='yes'>"
                "<enum name='secure'><value>{secure}</value></enum></loader></os></domainCapabilities>")


def _smm_off(os: str = "", machine: str = "q35", firmware: str = " firmware='efi'") -> str:
    return (f"<domain type='kvm'><name>t</name><memory unit='MiB'>128</memory><vcpu>1</vcpu><os{firmware}>"
            f"<type arch='x86_64' machine='{machine}'>hvm</type>{os}</os><features><acpi/><smm state='off'/></features>"
            "<devices/></domain>")


def _smm_findings(xml: str, version: tuple[int, int], machine: str = "q35", secure: str = "yes") -> list[Finding]:
    from virtlint.linter.caps import DomainCaps
    from virtlint.linter.document import Document
    from virtlint.linter.engine import Linter

    caps = _SECURE_CAPS.format(machine="i440fx" if machine == "pc" else machine, secure=secure)
    linter = Linter([DomainCaps(Document(caps, "caps.xml"))], libvirt_version=version)
    return [f for f in linter.lint_document(Document(xml, "d.xml")).findings if f.code == "VL505"]


@pytest.mark.parametrize(("version", "severity"), [((9, 0), Severity.ERROR), ((9, 5), Severity.WARNING),
                                                   ((9, 8), None)])
def test_smm_off_under_firmware_autoselection_follows_the_release(version: tuple[int, int],
                                                                  severity: Severity | None) -> None:
    """libvirt 9.0 autoselects the secure-boot OVMF first, which requires SMM (refused at start, checked); 9.8
    skips it."""
    findings = _smm_findings(_smm_off(), version)
    assert [f.severity for f in findings] == ([severity] if severity else [])
    if findings:
        assert "domain has SMM turned off but chosen firmware requires it" in findings[0].message


@pytest.mark.parametrize(("xml", "machine", "secure"), [
    (_smm_off("<firmware><feature enabled='no' name='secure-boot'/></firmware>"), "q35", "yes"),
    (_smm_off("<loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.fd</loader>"), "q35", "yes"),
    (_smm_off(machine="pc"), "pc", "yes"),
    (_smm_off(firmware=""), "q35", "yes"),
    (_smm_off(), "q35", "no"),
], ids=["secure-boot-disabled", "named-loader", "i440fx", "no-autoselection", "no-secure-firmware"])
def test_smm_off_where_autoselection_picks_a_plain_ovmf(xml: str, machine: str, secure: str) -> None:
    """The twins libvirt 9.0 starts: the plain OVMF is chosen, or no firmware is autoselected."""
    assert _smm_findings(xml, (9, 0), machine, secure) == []


_NET_CDROM = ("<disk type='network' device='cdrom'><source protocol='{}' name='x'><host name='127.0.0.1'/>"
              "<ssl verify='maybe'/></source><target dev='sda' bus='sata'/><readonly/></disk>")
_FLOPPY = "<disk type='file' device='floppy'>{}<target dev='fda' bus='fdc'/></disk>"
_CHS = "<disk type='file' device='disk'><source file='/var/lib/libvirt/images/a.img'/><target dev='{}' bus='{}'/>{}</disk>"
_HOTPLUG = ("<domain type='kvm'><name>t</name><maxMemory slots='4' unit='MiB'>1024</maxMemory><memory unit='MiB'>128"
            "</memory><vcpu>1</vcpu><os><type arch='x86_64' machine='q35'>hvm</type></os><features><acpi/></features>"
            "<cpu><numa><cell id='0' cpus='0' memory='128' unit='MiB'/></numa></cpu><devices>{}</devices></domain>")
_NVDIMM = ("<memory model='nvdimm'><source><path>/var/lib/libvirt/images/n.img</path></source><target><size "
           "unit='KiB'>{}</size><node>0</node></target></memory>")
_METADATA_CACHE = ("<disk type='file' device='disk'><driver name='qemu' type='qcow2'><metadata_cache><max_size "
                   "unit='{}'>{}</max_size></metadata_cache></driver><source file='/var/lib/libvirt/images/a.qcow2'/>"
                   "<target dev='vda' bus='virtio'/></disk>")
_UDP = "<serial type='udp'>{}</serial>"
_FEATURES = _domain(top="<features><acpi/>{}</features>")
_USB_HOSTDEV = "<hostdev mode='subsystem' type='usb'><source{}>{}</source></hostdev>"
_USB_IDS = "<vendor id='0x1234'/><product id='0xbeef'/>"
_MDEV = "<hostdev mode='subsystem' type='mdev' model='vfio-pci'><source><address uuid='{}'/></source></hostdev>"
_ISCSI_HOSTDEV = ("<hostdev mode='subsystem' type='scsi'><source protocol='iscsi' name='iqn.2014-08.com.example:t/1'>"
                  "<host name='example.org' port='{}'/></source></hostdev>")
_SCSI_HOSTDEV = ("<hostdev mode='subsystem' type='scsi'><source><adapter name='{}'/><address bus='0' target='0' "
                 "unit='0'/></source></hostdev>")
_SOCKET_NIC = "<interface type='{}'><source address='{}' port='47100'/><model type='virtio'/></interface>"
_TAP_NIC = "<interface type='ethernet'><model type='virtio'/><driver queues='{}'/></interface>"
_SMBIOS = "<sysinfo type='smbios'>{}</sysinfo>"
_DIMM = "<memory model='dimm'><target><size unit='KiB'>{}</size><node>0</node></target>{}</memory>"
_DIMM_AT = "<address type='dimm' slot='0' base='{}'/>"

#: The fifth to seventh rounds of sweeps (USB, sound, redirection, character devices, small devices, CPU tuning,
#: memory devices, disks; drives, virtio options, the pc machine, KVM, ARM devices; host devices, interfaces,
#: top-level elements, firmware): the cases tests/oracle/families/sweep5.py does not put to libvirt (a backing file,
#: a server, a host device or a binary feature they need), and more edges; each checked on libvirt 9.0 with QEMU 7.2
#: by the sweeps.
SWEEPS_5_TO_7 = [
    ("nvdimm-size-0", _HOTPLUG.format(_NVDIMM.format(0)), "VL797", "label size must be smaller than NVDIMM size"),
    ("nvdimm-size-1k", _HOTPLUG.format(_NVDIMM.format(1)), None, ""),
    ("virtio-mem-size-0", _HOTPLUG.format("<memory model='virtio-mem'><target><size unit='KiB'>0</size><node>0</node>"
                                          "<block unit='KiB'>2048</block><requested unit='KiB'>0</requested></target>"
                                          "</memory>"), "VL210", "memory-backend-ram doesn't take value '0'"),
    ("vxhs-disk", _domain(devices="<disk type='network' device='disk'><source protocol='vxhs' name='eb90327c-8302-4725-"
                                  "9e1b-4e85ed4dc251'><host name='192.168.0.1' port='9999'/></source><target dev='vda' "
                                  "bus='virtio'/></disk>"), "VL753", "VxHS protocol is not supported"),
    ("ssl-verify-on-nbd-unread", _domain(devices=_NET_CDROM.format("nbd")), None, ""),
    ("ssl-verify-on-https", _domain(devices=_NET_CDROM.format("https")), "VL850", "'verify' in element 'ssl'"),
    ("metadata-cache-beyond-64-bits", _domain(devices=_METADATA_CACHE.format("KiB", 18014398509481984)), "VL851",
     "value too large: 18014398509481984KiB"),
    ("metadata-cache-64-bits", _domain(devices=_METADATA_CACHE.format("KiB", 65536)), None, ""),
    ("metadata-cache-2-63-bytes", _domain(devices=_METADATA_CACHE.format("b", 2**63)), "VL758",
     "Parameter 'cache-size' expects a non-negative number below 2^64"),
    ("metadata-cache-below-2-63-bytes", _domain(devices=_METADATA_CACHE.format("KiB", 2**53 - 1)), None, ""),
    ("floppy-error-policy", _domain(devices=_FLOPPY.format("<driver name='qemu' error_policy='stop'/>")), "VL764",
     "Property 'floppy.rerror' not found"),
    ("floppy-error-policy-enospace", _domain(devices=_FLOPPY.format("<driver name='qemu' error_policy='enospace'/>")),
     "VL764", "Property 'floppy.werror' not found"),
    ("virtio-chs-translation", _domain(devices=_CHS.format("vda", "virtio", "<geometry trans='lba'/>")), "VL764",
     "Property 'virtio-blk-pci.bios-chs-trans' not found"),
    ("sata-chs-translation", _domain(devices=_CHS.format("sda", "sata", "<geometry trans='lba'/>")), None, ""),
    ("disk-boot-order-2-31", _domain(devices=_CHS.format("vda", "virtio", "<boot order='4294967295'/>")), "VL754",
     "Parameter 'bootindex' expects int32_t"),
    ("udp-bind-source-only", _domain(devices=_UDP.format("<source mode='bind' host='127.0.0.1' service='1'/>")),
     "VL760", "Missing source service attribute"),
    ("udp-connect-after-bind", _domain(devices=_UDP.format("<source mode='bind' host='127.0.0.1' service='1'/>"
                                                           "<source mode='connect' host='127.0.0.1' service='2'/>")),
     None, ""),
    ("agent-socket-reconnect-no", _domain(devices="<channel type='unix'><source mode='connect'><reconnect "
                                                  "enabled='no'/></source><target type='virtio' "
                                                  "name='org.qemu.guest_agent.0'/></channel>"),
     "VL760", "chardev reconnect is possible only for connect mode"),
    ("stdio-serial-and-virtio-console", _domain(devices="<serial type='stdio'/><console type='stdio'><target "
                                                        "type='virtio'/></console>"),
     "VL763", "cannot use stdio by multiple character devices"),
    ("pipe-path-empty", _domain(devices="<serial type='pipe'><source path=''/></serial>"), "VL763",
     "unable to stat: : No such file or directory"),
    ("log-file-empty", _domain(devices="<serial type='pty'><log file=''/></serial>"), "VL763",
     "Unable to open file: : No such file or directory"),
    ("guestfwd-outside-slirp", _domain(devices="<channel type='pty'><target type='guestfwd' address='192.0.2.42' "
                                               "port='4242'/></channel>"), "VL763", "guest forwarding rule"),
    ("guestfwd-any-address", _domain(devices="<channel type='pty'><target type='guestfwd' address='0.0.0.0' "
                                             "port='4242'/></channel>"), None, ""),
    ("untyped-isa-serial-irq-16", _domain(devices="<serial type='pty'><target port='0'/><address type='isa' "
                                                  "iobase='0x3f8' irq='10'/></serial>"), "VL763", "isa_get_irq"),
    ("parallel-irq-16", _domain(devices="<parallel type='pty'><target port='0'/><address type='isa' iobase='0x378' "
                                        "irq='10'/></parallel>"), None, ""),
    ("none-usb-controller-address-unread", _domain(devices="<controller type='usb' index='0' model='none'><address "
                                                           "type='bogus'/></controller>"), None, ""),
    ("none-balloon-acpi-unread", _domain(devices="<memballoon model='none'><acpi index='4294967296'/></memballoon>"),
     None, ""),
    ("balloon-period-intmin", _domain(devices="<memballoon model='virtio'><stats period='-0x80000000'/></memballoon>"),
     None, ""),
    ("balloon-period-beyond-int", _domain(devices="<memballoon model='virtio'><stats period='0x80000000'/>"
                                                  "</memballoon>"), "VL851", "Expected integer value"),
    ("iothreads-second-unread", _domain(top="<iothreads>1</iothreads><iothreads>x</iothreads>"), None, ""),
    ("cputune-second-shares-unread", _domain(top="<cputune><shares>1024</shares><shares>junk</shares></cputune>"),
     None, ""),
    ("sound-audio-missing-id", _domain(devices="<sound model='ich9'><audio/></sound><audio id='1' type='none'/>"),
     "VL851", "Missing required attribute 'id' in element 'audio'"),
    ("two-dimms-rounded-beyond-space", _HOTPLUG.replace("1024</maxMemory>", "131</maxMemory>").format(_DIMM.format(
        1, "") * 2), "VL210", "currently 0x200000 in use of total space for memory devices 0x300000"),
    ("two-dimms-rounded-within-space", _HOTPLUG.replace("1024</maxMemory>", "132</maxMemory>").format(_DIMM.format(
        1, "") * 2), None, ""),
    ("dimm-base-4k-on-kvm", _HOTPLUG.format(_DIMM.format(131072, _DIMM_AT.format("0x100001000"))), "VL210",
     "address must be aligned to 0x200000 bytes"),
    ("dimm-base-4k-on-memfd", _HOTPLUG.replace("<os>", "<memoryBacking><source type='memfd'/></memoryBacking><os>")
     .format(_DIMM.format(131072, _DIMM_AT.format("0x100001000"))), None, ""),
    ("nvdimm-base-2m-alignsize", _HOTPLUG.format(
        "<memory model='nvdimm'><source><path>/var/lib/libvirt/images/n.img</path><alignsize unit='MiB'>2</alignsize>"
        "</source><target><size unit='MiB'>128</size><node>0</node></target>" + _DIMM_AT.format("0x100001000")
        + "</memory>"), "VL210", "address must be aligned to 0x200000 bytes"),
    # the sixth round (drives, virtio options, the pc machine)
    ("virtio-iommu-on-q35-2.5", _domain(machine="pc-q35-2.5", devices="<rng model='virtio'><backend model='random'>"
                                                                      "/dev/urandom</backend><driver iommu='on'/></rng>"),
     "VL803", "VIRTIO_F_IOMMU_PLATFORM was supported by neither legacy nor transitional device"),
    ("non-transitional-iommu-on-q35-2.6", _domain(machine="pc-q35-2.6", devices="<interface type='user'><model "
                                                  "type='virtio-non-transitional'/><driver iommu='on'/></interface>"),
     None, ""),
    ("disk-name-seven-letters", _domain(devices=_CHS.format("vdzzzzzzz", "virtio", "")), "VL750",
     "Unknown disk name 'vdzzzzzzz' and no address specified"),
    ("disk-name-seven-letters-addressed", _domain(devices=_CHS.format("sdzzzzzzz", "sata", "<address type='drive' "
                                                  "controller='0' bus='0' target='0' unit='0'/>")), None, ""),
    ("disk-name-six-letters", _domain(devices=_CHS.format("vdzzzzzz", "virtio", "")), None, ""),
    ("lsilogic-unit-8", _domain(machine="pc", devices="<controller type='scsi' index='0' model='lsilogic'/><disk "
                                "type='file' device='cdrom'><target dev='sda' bus='scsi'/><address type='drive' "
                                "controller='0' bus='0' target='0' unit='8'/></disk>"), "VL700",
     "bad scsi device id: 8"),
    ("lsisas1078-unit-256", _domain(devices="<controller type='scsi' index='0' model='lsisas1078'/><disk type='file' "
                                    "device='cdrom'><target dev='sda' bus='scsi'/><address type='drive' controller='0' "
                                    "bus='0' target='0' unit='256'/></disk>"), "VL700", "bad scsi device lun: 256"),
    ("lsisas1078-unit-255", _domain(devices="<controller type='scsi' index='0' model='lsisas1078'/><disk type='file' "
                                    "device='cdrom'><target dev='sda' bus='scsi'/><address type='drive' controller='0' "
                                    "bus='0' target='0' unit='255'/></disk>"), None, ""),
    ("floppy-unit-beyond-int", _domain(machine="pc", devices="<disk type='file' device='floppy'><target dev='fda' "
                                       "bus='fdc'/><address type='drive' controller='0' bus='0' target='0' "
                                       "unit='4294967295'/></disk>"), "VL700",
     "Invalid value for attribute 'unit' in element 'address': '-1'"),
    ("scsi-rotation-rate-65536", _domain(devices="<controller type='scsi' model='virtio-scsi'/>" + _CHS.format(
        "sda", "scsi", "").replace("bus='scsi'", "bus='scsi' rotation_rate='65536'")), "VL758",
     "Parameter 'rotation_rate' expects uint16_t"),
    ("pci-root-target-index", _domain(machine="pc", devices="<controller type='pci' index='0' model='pci-root'><target "
                                      "index='0'/></controller>"), "VL710", "Option 'targetIndex' is not valid"),
    ("dirty-ring-octal", _FEATURES.format("<kvm><dirty-ring state='on' size='02000'/></kvm>"), None, ""),
    ("dirty-ring-octal-not-power-of-two", _FEATURES.format("<kvm><dirty-ring state='on' size='01024'/></kvm>"),
     "VL407", "dirty ring must be power of 2"),
    ("spinlocks-hex-below-4095", _FEATURES.format("<hyperv mode='custom'><spinlocks state='on' retries='0xffe'/>"
                                                  "</hyperv>"), "VL407", "at least 4095"),
    ("spinlocks-octal-4095", _FEATURES.format("<hyperv mode='custom'><spinlocks state='on' retries='07777'/>"
                                              "</hyperv>"), None, ""),
    ("pvspinlock-on-hidden-kvm", _FEATURES.format("<pvspinlock/><kvm><hidden state='on'/></kvm>"), "VL407",
     "host doesn't support paravirtual spinlocks"),
    ("pvspinlock-off-hidden-kvm", _FEATURES.format("<pvspinlock state='off'/><kvm><hidden state='on'/></kvm>"),
     None, ""),
    ("tseg-65536-mib", _FEATURES.format("<smm state='on'><tseg unit='GiB'>64</tseg></smm>"), "VL755",
     "Parameter 'extended-tseg-mbytes' expects uint16_t"),
    ("cpu-apic-disabled", _domain(top="<cpu mode='custom'><model>qemu64</model><feature policy='disable' "
                                      "name='apic'/></cpu>"), "VL218", "MSI-X is not supported"),
    ("cpu-486-on-pc", _domain(machine="pc", top="<cpu mode='custom'><model>486</model></cpu>"), None, ""),
    ("primary-virtio-video-usb-address", _domain(devices="<video><model type='virtio'/><address type='usb' bus='0' "
                                                         "port='2'/></video>"), "VL704",
     "Unexpected address type for 'virtio-vga'"),
    ("tpm-crb-pci-address", _domain(devices="<tpm model='tpm-crb'><backend type='emulator' version='2.0'/><address "
                                            "type='pci' domain='0' bus='0' slot='0x09' function='0'/></tpm>"),
     "VL704", "Device 'tpm-crb' can't go on PCIE bus"),
    ("ccid-pci-address", _domain(devices="<controller type='ccid' index='0'><address type='pci' domain='0' bus='0' "
                                         "slot='0x09' function='0'/></controller>"),
     "VL704", "Device 'usb-ccid' can't go on PCIE bus"),
    ("usb-hub-pci-address", _domain(devices="<hub type='usb'><address type='pci' domain='0' bus='0' slot='0x09' "
                                            "function='0'/></hub>"), None, ""),
    ("vt82c686b-uhci-on-x86", _domain(devices="<controller type='usb' model='vt82c686b-uhci'/>"), "VL707",
     "USB controller model 'vt82c686b-uhci' not supported in this QEMU binary"),
    # host devices (the seventh round: defined by libvirt 9.0, or refused at define or by the start's own checks;
    # their twins need host devices this machine lacks to start)
    ("usb-hostdev-startup-default", _domain(devices=_USB_HOSTDEV.format(" startupPolicy='default'", _USB_IDS)),
     "VL850", "Invalid value for attribute 'startupPolicy' in element 'source': 'default'"),
    ("usb-hostdev-startup-optional", _domain(devices=_USB_HOSTDEV.format(" startupPolicy='optional'", _USB_IDS)),
     None, ""),
    ("usb-hostdevs-bus-and-device-0", _domain(devices=_USB_HOSTDEV.format("", "<address bus='1' device='0'/>")
                                              + _USB_HOSTDEV.format("", "<address bus='2' device='0'/>")),
     "VL787", "Hostdev already exists"),
    ("usb-hostdevs-two-buses", _domain(devices=_USB_HOSTDEV.format("", "<address bus='1' device='1'/>")
                                       + _USB_HOSTDEV.format("", "<address bus='2' device='1'/>")), None, ""),
    ("usb-hostdevs-ids-then-address", _domain(devices=_USB_HOSTDEV.format("", _USB_IDS) + _USB_HOSTDEV.format(
        "", _USB_IDS + "<address bus='1' device='2'/>")), "VL787", "Hostdev already exists"),
    ("usb-hostdevs-address-then-ids", _domain(devices=_USB_HOSTDEV.format(
        "", _USB_IDS + "<address bus='1' device='2'/>") + _USB_HOSTDEV.format("", _USB_IDS)), None, ""),
    ("mdevs-one-uuid-two-spellings", _domain(devices=_MDEV.format("c2177883f1bb47f0914d32a22e3a8804")
                                             + _MDEV.format("c2177883-f1bb-47f0-914d-32a22e3a8804")),
     "VL787", "Hostdev already exists"),
    ("mdev-uuid-blank-pairs", _domain(devices=_MDEV.format("c2177883 f1bb 47f0 914d 32a22e3a8804")), None, ""),
    ("mdev-uuid-dash-in-pair", _domain(devices=_MDEV.format("c-2177883f1bb47f0914d32a22e3a8804")), "VL704",
     "Cannot parse uuid attribute of element <address>"),
    ("iscsi-hostdevs-two-ports", _domain(devices=_ISCSI_HOSTDEV.format(3260) + _ISCSI_HOSTDEV.format(3261)), None, ""),
    ("iscsi-hostdevs-one-port", _domain(devices=_ISCSI_HOSTDEV.format(3260) + _ISCSI_HOSTDEV.format(3260)), "VL787",
     "Hostdev already exists"),
    ("usb-hostdev-of-no-source", _domain(devices=_USB_HOSTDEV.format("", "<address bus='0' device='0'/>")), "VL789",
     "Missing <source> element in hostdev device"),
    ("usb-hostdev-reset-off", _domain(devices=_USB_HOSTDEV.format(" guestReset='off'", "")), None, ""),
    ("scsi-hostdev-adapter-host0", _domain(devices=_SCSI_HOSTDEV.format("host0")), "VL789",
     "Cannot parse adapter 'host0'"),
    ("scsi-hostdev-adapter-hex", _domain(devices=_SCSI_HOSTDEV.format("scsi_host0x1")), None, ""),
    # interfaces (the seventh round)
    ("server-ipv6", _domain(devices=_SOCKET_NIC.format("server", "::1")), "VL770", "QEMU cannot use the socket address"),
    ("mcast-ipv6-group", _domain(devices=_SOCKET_NIC.format("mcast", "ff02::1")), "VL770",
     "QEMU cannot use the socket address"),
    ("client-short-ipv4", _domain(devices=_SOCKET_NIC.format("client", "127.1")), None, ""),
    ("client-digit-led-name", _domain(devices=_SOCKET_NIC.format("client", "1host")), "VL770",
     "host address '1host' is not a valid IPv4 address"),
    ("client-name", _domain(devices=_SOCKET_NIC.format("client", "localhost")), None, ""),
    ("server-octet-256", _domain(devices=_SOCKET_NIC.format("server", "127.0.0.256")), "VL770",
     "host address '127.0.0.256' is not a valid IPv4 address"),
    ("udp-local-ipv6", _domain(devices="<interface type='udp'><source address='127.0.0.1' port='47101'><local "
                                       "address='::1' port='47102'/></source><model type='virtio'/></interface>"),
     "VL770", "QEMU cannot use the socket address '::1'"),
    ("ethernet-257-queues", _domain(devices=_TAP_NIC.format(257)), "VL770", "Argument list too long"),
    ("ethernet-256-queues", _domain(devices=_TAP_NIC.format(256)), None, ""),
    # top-level elements and firmware (the seventh round)
    ("second-loader-unread", _domain(top="<features><acpi/></features>", os="<loader readonly='yes' type='pflash'>"
                                        "/usr/share/OVMF/OVMF_CODE.fd</loader><loader type='bogus'/><nvram/>"), None, ""),
    ("second-bios-unread", _domain(os="<bios rebootTimeout='5'/><bios useserial='yes'/>"), None, ""),
    ("first-bios-serial", _domain(os="<bios useserial='yes'/><bios rebootTimeout='5'/>"), "VL761",
     "need at least one serial port"),
    ("second-sysinfo-bios-date-unread", _domain(top=_SMBIOS.format("<bios><entry name='vendor'>V</entry></bios><bios>"
                                                                   "<entry name='date'>2024-01-31</entry></bios>")),
     None, ""),
    ("second-bios-date-unread", _domain(top=_SMBIOS.format("<bios><entry name='date'>01/31/2024</entry><entry "
                                                           "name='date'>2024-01-31</entry></bios>")), None, ""),
    ("bios-date-year-beyond-int", _domain(top=_SMBIOS.format("<bios><entry name='date'>01/31/2147483648</entry>"
                                                             "</bios>")), "VL783", "Invalid BIOS 'date' format"),
    ("bios-date-fullwidth-digits", _domain(top=_SMBIOS.format("<bios><entry name='date'>01/31/\uff12\uff10\uff12"
                                                              "\uff14</entry></bios>")), "VL783",
     "Invalid BIOS 'date' format"),
    ("bios-date-with-comment", _domain(top=_SMBIOS.format("<bios><entry name='date'>01/31<!-- c -->/2024</entry>"
                                                          "</bios>")), None, ""),
    ("fwcfg-file-empty", _domain(top="<sysinfo type='fwcfg'><entry name='opt/com.example/x' file=''/></sysinfo>"),
     "VL783", "unable to stat: : No such file or directory"),
    ("fwcfg-value-no-break-space", _domain(top="<sysinfo type='fwcfg'><entry name='opt/com.example/x'>\u00a0</entry>"
                                               "</sysinfo>"), None, ""),
    ("fc-appid-empty", _domain(top="<resource><fibrechannel appid=''/><partition>/machine</partition></resource>"),
     None, ""),
    ("fc-appid-second-with-tab", _domain(top="<resource><fibrechannel/><fibrechannel appid='a&#9;b'/></resource>"),
     "VL221", "is not a printable string"),
    ("dac-label-empty-group", _domain(top="<seclabel type='static' model='dac' relabel='no'><label>+0:</label>"
                                          "</seclabel>"), "VL782", "Failed to parse group ''"),
    ("dac-label-4097-bytes", _domain(top="<seclabel type='static' model='dac' relabel='no'><label>+" + "0" * 4093
                                         + ":+0</label></seclabel>"), "VL782", "security label is missing"),
    ("name-empty", _domain().replace("<name>t</name>", "<name></name>"), "VL011", "missing name information"),
    ("name-247-bytes", _domain().replace("<name>t</name>", "<name>" + "n" * 247 + "</name>"), None, ""),
    ("name-248-bytes", _domain().replace("<name>t</name>", "<name>" + "n" * 248 + "</name>"), "VL011",
     "File name too long"),
    ("name-line-break", _domain().replace("<name>t</name>", "<name>a&#10;b</name>"), "VL011",
     "invalid char in name"),
    ("name-dot", _domain().replace("<name>t</name>", "<name>.</name>"), "VL011", "Cannot delete directory"),
    ("name-dots", _domain().replace("<name>t</name>", "<name>..</name>"), "VL011", "Cannot delete directory"),
    ("name-three-dots", _domain().replace("<name>t</name>", "<name>...</name>"), None, ""),
    ("kernel-vga-word", _domain(os="<kernel>/boot/vmlinuz</kernel><cmdline>vga=normalx quiet</cmdline>"), None, ""),
    ("kernel-vga-number-comma", _domain(os="<kernel>/boot/vmlinuz</kernel><cmdline>vga=791,x</cmdline>"), "VL755",
     "invalid 'vga=' kernel parameter"),
    ("kernel-novga", _domain(os="<kernel>/boot/vmlinuz</kernel><cmdline>novga=x</cmdline>"), "VL755",
     "invalid 'vga=' kernel parameter"),
    ("kernel-vga-uint-max", _domain(os="<kernel>/boot/vmlinuz</kernel><cmdline>vga=4294967295</cmdline>"), None, ""),
    ("kernel-cmdline-131072-bytes", _domain(os="<kernel>/boot/vmlinuz</kernel><cmdline>" + "a" * 131072
                                               + "</cmdline>"), "VL755", "Argument list too long"),
    ("kernel-cmdline-131071-bytes", _domain(os="<kernel>/boot/vmlinuz</kernel><cmdline>" + "a" * 131071
                                               + "</cmdline>"), None, ""),
]


@pytest.mark.parametrize(("loader", "nvram", "refused"), [
    ("/opt/fw/CODE.fd", "", True),
    ("/usr/share/OVMF/OVMF_CODE.fd", "", False),  # (libvirt's built-in list has a template for it)
    ("/usr/share/OVMF/OVMF_CODE_4M.fd", "", False),  # (the caps list it)
    ("/opt/fw/CODE.fd", "<nvram template='/opt/fw/VARS.fd'/>", False),
])
def test_a_pflash_loader_without_an_nvram_template(loader: str, nvram: str, refused: bool) -> None:
    """libvirt 9.0 makes up an NVRAM file for a read-only pflash loader and looks for its template among the
    firmware descriptors and its built-in list (at start: `unable to find any master var store`, checked)."""
    from virtlint.linter.caps import DomainCaps
    from virtlint.linter.document import Document
    from virtlint.linter.engine import Linter

    caps = ("<domainCapabilities><domain>kvm</domain><machine>pc-i440fx-7.2</machine><arch>x86_64</arch><os "
            "supported='yes'><loader supported='yes'><value>/usr/share/OVMF/OVMF_CODE_4M.fd</value></loader></os>"
            "</domainCapabilities>")
    xml = _domain(machine="pc", top="<features><acpi/></features>",
                  os=f"<loader readonly='yes' type='pflash'>{loader}</loader>{nvram}")
    findings = Linter([DomainCaps(Document(caps, "caps.xml"))]).lint_document(Document(xml, "d.xml")).findings
    errors = [f.message for f in findings if f.severity is Severity.ERROR]
    assert any("unable to find any master var store" in message for message in errors) == refused, errors


@pytest.mark.parametrize(("xml", "code", "fragment"), [c[1:] for c in SWEEPS_5_TO_7],
                         ids=[c[0] for c in SWEEPS_5_TO_7])
def test_found_by_the_fifth_to_seventh_sweeps(xml: str, code: str | None, fragment: str) -> None:
    judged_as_libvirt(xml, code, fragment)


def test_a_dimm_base_only_kvm_hosts_refuse_is_a_warning_under_tcg() -> None:
    """Anonymous RAM is 2 MiB-aligned on an x86_64 host (refused on the lab, TCG on x86_64); a TCG domain may run
    on another host, where a 4 KiB-aligned base passes."""
    from test_rules_parse_checks import Q35, lint

    xml = _HOTPLUG.replace("type='kvm'", "type='qemu'").format(_DIMM.format(131072, _DIMM_AT.format("0x100001000")))
    (finding,) = [f for f in lint(xml, Q35) if f.code == "VL210"]
    assert finding.severity is Severity.WARNING and "aligned to 0x200000" in finding.message


@pytest.mark.parametrize(("version", "severity"), [((9, 0), None), ((10, 5), Severity.WARNING),
                                                   ((10, 7), Severity.ERROR)])
def test_iscsi_hosts_follow_the_release(version: tuple[int, int], severity: Severity | None) -> None:
    """libvirt 9.0 takes the first of two iSCSI hosts (started, checked); 10.7's qemu_block.c counts them."""
    from test_rules_parse_checks import Q35
    from virtlint.linter.caps import DomainCaps
    from virtlint.linter.document import Document
    from virtlint.linter.engine import Linter

    xml = _domain(devices="<disk type='network' device='disk'><source protocol='iscsi' name='iqn.2013-07.com.example:"
                          "t/1'><host name='127.0.0.1'/><host name='127.0.0.2'/></source><target dev='vda' bus='virtio'/>"
                          "</disk>")
    linter = Linter([DomainCaps(Document(Q35, "caps.xml"))], libvirt_version=version)
    found = [f.severity for f in linter.lint_document(Document(xml, "d.xml")).findings
             if f.code == "VL753" and "iSCSI protocol accepts only one host" in f.message]
    assert found == ([severity] if severity else [])
