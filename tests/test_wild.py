"""The wild corpus (../shared/corpus/wild): every error virtlint reports is one libvirt gives for that host.

479 real-world domain documents, each paired with the domcapabilities of its host (wild.tsv). Each error
kept below names the libvirt check that raises it (source function, or an oracle run); any other error
fails the test, so a rule that starts calling valid real-world files broken is caught here.
"""

from __future__ import annotations

import csv
from collections import Counter
from functools import cache
from pathlib import Path

import pytest

from conftest import SHARED, shared_path
from virtlint.linter.caps import DomainCaps
from virtlint.linter.document import Document
from virtlint.linter.engine import Linter
from virtlint.linter.model import Severity

#: Why libvirt refuses, per rule (the libvirt function, and the stage).
CHECKS = {
    "VL803": "virtio_device_plugged (QEMU): vagrant-libvirt's iommu specs give a virtio NIC on an i440fx machine's "
             "PCI bus <driver iommu='on'> (`VIRTIO_F_IOMMU_PLATFORM was supported by neither legacy nor transitional "
             "device`: a device on conventional PCI keeps its legacy interface), start (checked on libvirt 9.0 with "
             "QEMU 7.2, the spec's domain on user networking without its disk; without the option it starts)",
    "VL782": "virSecurityLabelDefsParseXML: virt-install's singleton-config test has one `<seclabel relabel='yes'/>`, "
             "without model or type (virXMLPropEnum makes an absent type libvirt's 'default' one, neither dynamic nor "
             "none), `missing security model in domain seclabel`, define (libvirt 9.0 gives exactly this for it)",
    "VL795": "qemuValidateDomainSmartcardDef: virt-install's many-devices test has five smartcards (`this QEMU binary "
             "lacks multiple smartcard support`: QEMU's one CCID controller takes one card), define (checked on "
             "libvirt 9.0)",
    "VL012": "virDomainDefParseCaps: test fixtures that are fragments without <os><type> (vdsm's metadata update "
             "data, kubevirt's migration domain), `an os <type> must be specified`; qemuValidateDomainDefBoot: "
             "virt-install's tests of --boot bootloader=/new/bootld on kvm, `bootloader is not supported by QEMU`, "
             "define (libvirt 9.0 gives exactly these)",
    "VL793": "qemuValidateDomainInputDef: virt-install's many-devices test has a virtio-non-transitional mouse on the "
             "virtio bus (`virtio (non-)transitional models are not supported for input type=mouse`), define "
             "(checked on libvirt 9.0)",
    "VL758": "qemuValidateDomainDeviceDefDiskFrontend, virDomainDiskDefValidate: virt-install's many-devices test has a "
             "wwn on a virtio disk (`Only ide and scsi disk support wwn`), a CHS translation on sata, io='native' "
             "without cache='none', a rotation rate on a LUN and sgio='unfiltered' (each checked on libvirt 9.0), define",
    "VL219": "qemuValidateDomainDef: <memtune><min_guarantee> in virt-install's many-devices and singleton-config tests "
             "(`Parameter 'min_guarantee' not supported by QEMU.`, checked on libvirt 9.0), define",
    "VL216": "qemuAppendKeyWrapMachineParms: <keywrap> ciphers on x86_64 in virt-install's many-devices and "
             "singleton-config tests (`'aes-key-wrap'/'dea-key-wrap' is not available on this architecture`; libvirt "
             "9.0: `aes-key-wrap is not available with this QEMU binary`, oracle parser-q35-keywrap-on-x86), start",
    "VL408": "qemuValidateDomainDefClockTimers: an rtc timer with tickpolicy='merge' (`unsupported rtc timer "
             "tickpolicy 'merge'`) and the platform timer (`unsupported timer type (name) 'platform'`) in virt-install's "
             "many-devices and singleton-config tests, define (both checked on libvirt 9.0)",
    "VL765": "qemuValidateDomainDeviceDefVideo: qxl vgamem='1' KiB in virt-install's many-devices test (`value for "
             "'vgamem' must be at least 1 MiB (1024 KiB)`), and 3D acceleration on those qxl devices (`3d acceleration "
             "is supported only with 'virtio' video device`), define (both checked on libvirt 9.0); in its newer "
             "versions a virtio video with blob='on' on file-backed memory (`'blob' support for virtio-gpu devices "
             "requires a memfd memory backend`, libvirt 9.2 on: 10.7's source; 9.0 ignores blob)",
    "VL780": "qemuDomainShmemDefPostParse: an ivshmem-doorbell with a <size> in virt-install's many-devices test (`shmem "
             "model 'ivshmem-doorbell' does not support size setting`), define (checked on libvirt 9.0)",
    "VL783": "qemuValidateDomainDefSysinfo: the fw_cfg entry name='foo' of virt-install's singleton-config test "
             "(`Invalid firmware name`: QEMU takes names under opt/), define (checked on libvirt 9.0)",
    "VL206": "qemuValidateDomainVCpuTopology: sockets*dies*cores*threads differs from <vcpu> (`CPU topology doesn't "
             "match maximum vcpu count`); qemuDomainDefVcpusPostParse: <vcpu id='0' enabled='no'> (`vcpu 0 can't be "
             "offline`), define",
    "VL209": "qemuValidateDomainDefMemory: <hugepages/> with <source type='anonymous'/> (`hugepages are not allowed "
             "with anonymous memory source`), define",
    "VL210": "virDomainDefPostParseMemory / virDomainMemoryDefValidate: memory devices larger than <memory> "
             "(`Total size of memory devices exceeds the total memory size`), a DIMM naming guest node 0 without "
             "<maxMemory> or guest NUMA (`can't add memory backend as guest has no NUMA nodes configured`), define "
             "(<maxMemory> without NUMA is no error since 9.6: qemuDomainDefNumaAutoAdd adds a cell); an NVDIMM "
             "with no aligned block beside its label (QEMU's nvdimm_prepare_memory_region: `the size of memdev ... "
             "is too small to contain nvdimm label`, checked on 9.0 with QEMU 7.2), start",
    "VL213": "virCPUValidateFeatures: CPU feature names outside libvirt's CPU map for the arch (virt-install's "
             "test names foo, bar, reqtest...; x86 names on aarch64), `unknown CPU feature: foo`, start",
    "VL406": "qemuValidateDomainDefFeatures / qemuValidateDomainDefClockTimers: pvspinlock and Hyper-V on s390x, "
             "kvmclock/hypervclock timers present on aarch64 and s390x (`Configuring the 'kvmclock' timer is not "
             "supported for virtType=kvm arch=aarch64 ...`), define",
    "VL011": "virDomainDefParseIDs: a <uuid> left as a placeholder in a published template (`YOUR_USER_ID_HERE`, "
             "`REDACTED_UUID`, vdsm's `{vm_uuid}`): `malformed uuid element`, define (libvirt 9.0 gives exactly this "
             "for such text)",
    "VL851": "virXMLPropULongLong: a timer `frequency='d'` in a template (`Invalid value for attribute 'frequency' in "
             "element 'timer': 'd'. Expected non-negative integer value`), and vdsm's hosted-engine lease whose "
             "<target offset> is still its `LEASE-OFFSET:...` placeholder (virDomainLeaseDefParseXML: `Invalid value "
             "for attribute 'offset' in element 'target'`), define (libvirt 9.0 gives these for a non-number)",
    "VL407": "virDomainFeaturesHyperVDefParse: a Hyper-V enlightenment named BBB in a template (`unsupported HyperV "
             "Enlightenment feature: BBB`), define (libvirt 9.0 gives this for an unknown name); Hyper-V vpindex in "
             "a TCG domain on QEMU 7.2 (QEMU: `kernel doesn't allow setting HyperV VP_INDEX`, checked on 9.0), start",
    "VL791": "qemuValidateDomainDeviceDefFS: virt-install's many-devices test has template, file, volume, block and "
             "ram filesystems (`only supports mount filesystem type`), define (libvirt 9.0 gives exactly this)",
    "VL808": "qemuValidateLifecycleAction: virt-install's test of --events with on_poweroff=restart and "
             "on_reboot=destroy (`qemu driver doesn't support 'onReboot' set to 'destroy and 'onPoweroff' set to "
             "'reboot'`), define (libvirt 9.0 gives exactly this)",
    "VL850": "the parser's strict enums: <controller type='raw'>, CPU feature policy 'required', timer names 't1', "
             "'t2' and track/tickpolicy/mode letters in a template (`Invalid value for attribute ...`), define",
    "VL302": "qemu_validate.c: q35 has no IDE bus (`IDE controllers are unsupported for this QEMU binary or "
             "machine type`, define); PCI passthrough on a host whose caps list no pciBackend (no VFIO: "
             "qemuHostdevPreparePCIDevicesCheckSupport, `host doesn't support passthrough of host PCI devices`, "
             "start)",
    "VL401": "qemuValidateDomainDef: the caps say <sev supported='no'>, so neither sev nor sev-snp is in "
             "virQEMUCapsFillDomainLaunchSecurity's enum (`'sev' launch security is not supported with this QEMU "
             "binary`, define)",
    "VL505": "qemu_firmware.c: secure-boot firmware requires SMM, <smm state='off'/> (no firmware matches, start)",
    "VL506": "qemuValidateDomainDef: `UEFI requires ACPI on this architecture` (x86 firmware='efi' without "
             "<acpi/>) or `ACPI requires UEFI on this architecture` (aarch64 <acpi/> without UEFI), define; and, "
             "from libvirt 9.2 with QEMU 8.0 (which reports ACPI per machine type), `machine type "
             "'s390-ccw-virtio' does not support ACPI` (kubevirt's s390x converter data has <acpi/>: libvirt drops "
             "it from a domain it already has, but `virsh define` refuses it, as libvirt 10.7's own "
             "s390x-ccw-acpi test says), define",
    "VL601": "qemuProcessUpdateGuestCPU: host-passthrough under TCG (`CPU mode 'host-passthrough' for x86_64 "
             "qemu domain on x86_64 host is not supported by hypervisor`, start)",
    "VL603": "virCPUTranslate: a model the aarch64 QEMU lacks cannot be translated (`cannot translate CPU model "
             "Conroe to a supported model`, start)",
    "VL604": "check='full' with a model the caps mark usable='no': qemuProcessVerifyCPU finds the features missing "
             "(`guest CPU doesn't match specification`, start)",
    "VL801": "qemuValidateDomainDeviceDefDisk: `Disk iothread '1' not defined in iothreadid` (no <iothreads>), define",
    "VL807": "qemuValidateDomainChrSourceDef: spicevmc redirdev/channel/smartcard without SPICE graphics (`chardev "
             "'spicevmc' not supported without spice graphics`, define)",
    "VL702": "virDomainPCIAddressValidate: a device at slot 1+ of a pcie-root-port (one slot; mdev-devices' bus 1 "
             "is the first root port after the pcie-root) (`Invalid PCI address 0000:01:01.0. slot must be <= 0`, "
             "define; oracle 9.0 gives exactly this)",
    "VL704": "qemuValidateDomainDeviceDefAddress / DiskFrontend: CCW and zPCI addresses on x86 (`CCW addresses are not "
             "supported by machine type 'q35'`, `This QEMU binary doesn't support zPCI`), a PCI or virtio-mmio address on an IDE "
             "disk (`Invalid address type 'pci' for the disk 'hda' with the bus type 'ide'`; oracle 9.0 gives exactly this), "
             "define; a virtio disk with a drive address (qemuDomainAssignPCIAddresses: `virtio disk cannot have an "
             "address of type 'drive'`, define; oracle 9.0 agrees), a virtio NIC with a spapr-vio one "
             "(qemuBuildVirtioDevGetConfig: `Unexpected address type for 'virtio-net'`, start)",
    "VL708": "qemuDomainControllerDefPostParse: a pci-root at index 1 on q35 (`pci-root and pcie-root controllers "
             "should have index 0`, define; oracle 9.0 gives exactly this)",
    "VL709": "qemuDomainDefAddDefaultDevices: index 0 must be pcie-root on q35 (`The PCI controller with "
             "index='0' must be model='pcie-root' for this machine type`, oracle 9.0 gives exactly this); "
             "qemuDomainControllerDefPostParse: `pci-expander-bus controllers are only supported on 440fx-based "
             "machinetypes`, define",
    "VL751": "qemuValidateDomainDeviceDefDiskFrontend: a cdrom on the virtio bus (`disk type of 'vdc' does not "
             "support ejectable media`), define",
    "VL752": "qemuDomainValidateStorageSource: a directory disk whose format is not 'fat' (a qcow2 one, or one "
             "without a format, which qemuDomainDeviceDiskDefPostParse makes raw): `storage type 'dir' requires use "
             "of storage format 'fat'`, define (oracle 9.0 gives exactly this for virt-install's floppy); qemuValidateDomainDeviceDefDiskFrontend: "
             "copy_on_read='on' on virt-install's CD-ROM (`copy_on_read is not compatible with read-only disk 'sdaa'`, "
             "checked on libvirt 9.0)",
    "VL755": "virDomainDefOSValidate: a pflash loader without a path and no firmware autoselection (`no loader "
             "path specified and firmware auto selection disabled`), define",
    "VL760": "virDomainChrSourceDefValidate (domain_validate.c): a tcp redirdev without <source host> (`Missing source host attribute "
             "for char device`), define",
    "VL761": "qemuValidateDomainChrTargetDef: `Target model 'pci-serial' requires target type 'pci-serial'`, define",
    "VL770": "virDomainNetDefParseXML: a MAC written as 'REDACTED_MAC' (`unable to parse mac address`), define; "
             "qemuValidateDomainDeviceDefNetwork: virt-install's many-devices test sets an MTU on a direct interface "
             "(`setting MTU on interface type direct is not supported yet`), define; qemuDomainValidateActualNetDef: "
             "the same test's openvswitch bridge has a <filterref> (`interface 00:11:22:33:44:55 - filterref is not "
             "supported for network interfaces with virtualport type openvswitch`), start (checked on libvirt 9.0, "
             "whose refusal comes before it looks for the bridge)",
    "VL784": "qemuValidateDomainDefTPMs: two non-proxy TPMs (`only a single TPM non-proxy device is supported`), "
             "define",
    "VL785": "qemuValidateDomainWatchdogDef: ib700 on a non-i440fx machine (`ib700 model of watchdog cannot be "
             "used with this machine type`, since libvirt 9.3; the 9.0 lab still defines it), define; qemuValidateDomainDefPanic: <panic/> on aarch64 virt gets the "
             "ISA model (qemuDomainDevicePanicDefPostParse), which aarch64 QEMU lacks (`the QEMU binary does not "
             "support the ISA panic device`; oracle: devices-arm-panic-default-isa), define",
    "VL766": "qemuValidateDomainDeviceDefAudio: <audio type='spice'/> in a domain without SPICE graphics (`Spice "
             "audio is not supported without spice graphics`; oracle: devices-q35-spice-audio-vnc), define; "
             "qemuBuildCommandLineValidate: virt-install's many-devices test has three VNC and several SPICE displays "
             "(`only 1 graphics device of each type (sdl, vnc, spice, headless, dbus) is supported`), start (libvirt "
             "9.0 gives exactly this for two VNC or two SPICE displays)",
    "VL762": "QEMU's image locking: a writable disk and another disk of the same image file that does not share writes "
             "(`Failed to get \"write\" lock Is another process using the image [...]?`; each combination started "
             "with libvirt 9.0 and QEMU 7.2), in virt-install's many-devices and storage-creation tests and KubeVirt's "
             "converter test fixtures (a cloud-init ISO as a disk and a CD-ROM), start",
    "VL789": "qemuValidateDomainDeviceInfo: <rom bar='on'> on a SCSI host device, whose address is a drive one (`ROM "
             "tuning is only supported for PCI devices`); qemuValidateDomainMdevDef: vfio-ccw and vfio-ap mediated "
             "devices on an x86_64 guest (`VFIO CCW device assignment is not supported by this version of QEMU`, "
             "`VFIO AP ...`; QEMU has them on s390x only); each checked with libvirt 9.0 (oracle: hostdev-q35-scsi-rom, "
             "hostdev-q35-mdev-ccw-x86, hostdev-q35-mdev-ap-x86), define",
    "VL763": "qemuProcessPrepareHostBackendChardevOne: nmdm serials and egd rng backends on QEMU (`unsupported chardev "
             "'nmdm'`), and QEMU's virtserialport: a spicevmc and a qemu-vdagent channel both named com.redhat.spice.0 "
             "(`virtio-serial-bus: A port already exists by name com.redhat.spice.0`), in virt-install's many-devices "
             "and singleton-config-3 tests (both checked with libvirt 9.0 and QEMU 7.2: oracle chardev-q35-serial-nmdm, "
             "chardev-q35-spicevmc-twice); libslirp's check_guestfwd: guestfwd channels to 127.0.0.1 (virt-install's "
             "many-devices tests) and 192.0.2.42 (vagrant-libvirt's all-settings template), outside the 10.0.2.0/24 of "
             "the user network libvirt gives each (`Conflicting/invalid host:port in guest forwarding rule`, checked "
             "with libvirt 9.0 and QEMU 7.2 on both addresses), start",
    "VL787": "virDomainDefValidateInternal (domain_validate.c): the same host device twice (`Hostdev already exists in the "
             "domain configuration`), define",
    "VL794": "qemuDomainAssignDevicePCISlots: virt-install's many-devices test has a xenbus controller on q35, which "
             "libvirt gives a PCI slot it cannot plug into (`Cannot automatically add a new PCI bus for a device "
             "with connect flags 00`), define (libvirt 9.0 gives exactly this for a xenbus controller on q35)",
}

#: (document, rule) -> number of errors libvirt gives for that document on the host of its caps.
KEPT = {
    # a kernel command line without a kernel (start: QEMU's -append only allowed with -kernel option)
    **{(f"virt-manager/vm-{release}-virt-install-many-devices.xml", "VL755"): 1 for release in ("head", "v4.0.0",
                                                                                                 "v5.0.0")},
    **{(f"virt-manager/vm-{release}-virt-install-kvm-fedoralatest-url.step2.xml", "VL755"): 1
       for release in ("head", "v3.2.0", "v5.0.0")},
    ("virt-manager/vm-v3.2.0-virt-install-singleton-config-3.xml", "VL755"): 1,
    ("vagrant-libvirt/vl-action__start_domain_spec__existing_with_iommu.xml", "VL803"): 1,
    ("vagrant-libvirt/vl-action__start_domain_spec__existing_with_two_interfaces_iommu.xml", "VL803"): 2,
    # two displays of one type (start)
    **{(f"virt-manager/vm-{release}-virt-install-many-devices.xml", "VL766"): 1
       for release in ("head", "v3.2.0", "v4.0.0", "v5.0.0")},
    ("virt-manager/vm-head-virt-install-many-devices.xml", "VL794"): 1,
    ("virt-manager/vm-v3.2.0-virt-install-many-devices.xml", "VL794"): 1,
    ("virt-manager/vm-v4.0.0-virt-install-many-devices.xml", "VL794"): 1,
    ("virt-manager/vm-v5.0.0-virt-install-many-devices.xml", "VL794"): 1,
    **{(document, "VL762"): 1 for document in (
        "kubevirt/kv-converter__domain_x86_64.xml", "kubevirt/kv-converter__domain_x86_64_root.xml",
        "kubevirt/kv-converter__domain_arm64.xml", "kubevirt/kv-converter__domain_s390x.xml",
        "kubevirt/kv-hooks__domain.xml", "virt-manager/vm-head-virt-install-many-devices.xml",
        "virt-manager/vm-head-virt-install-storage-creation.xml", "virt-manager/vm-v3.2.0-virt-install-many-devices.xml",
        "virt-manager/vm-v4.0.0-virt-install-many-devices.xml", "virt-manager/vm-v4.0.0-virt-install-storage-creation.xml",
        "virt-manager/vm-v5.0.0-virt-install-many-devices.xml",
        "virt-manager/vm-v5.0.0-virt-install-storage-creation.xml")},
    # memtune (VL219): a min_guarantee (define), and a hard_limit of 10 KiB QEMU cannot start in (start)
    ("virt-manager/vm-head-virt-install-many-devices.xml", "VL219"): 2,
    ("virt-manager/vm-head-virt-install-many-devices.xml", "VL789"): 1,
    ("virt-manager/vm-v3.2.0-virt-install-many-devices.xml", "VL789"): 1,
    ("virt-manager/vm-v4.0.0-virt-install-many-devices.xml", "VL789"): 3,
    ("virt-manager/vm-v5.0.0-virt-install-many-devices.xml", "VL789"): 1,
    ("virt-manager/vm-head-virt-install-mdev-devices.xml", "VL789"): 2,
    ("virt-manager/vm-v5.0.0-virt-install-mdev-devices.xml", "VL789"): 2,
    # character devices QEMU cannot start with: nmdm sources, two virtio ports named com.redhat.spice.0
    ("virt-manager/vm-head-virt-install-many-devices.xml", "VL763"): 5,
    ("virt-manager/vm-v3.2.0-virt-install-many-devices.xml", "VL763"): 3,
    ("virt-manager/vm-v3.2.0-virt-install-singleton-config-3.xml", "VL763"): 1,
    ("virt-manager/vm-v4.0.0-virt-install-many-devices.xml", "VL763"): 4,
    ("virt-manager/vm-v5.0.0-virt-install-many-devices.xml", "VL763"): 5,
    ("vagrant-libvirt/vl-templates__domain_all_settings.xml", "VL763"): 1,
    ("virt-manager/vm-v3.2.0-virt-install-singleton-config-2.step1.xml", "VL219"): 2,
    ("virt-manager/vm-v3.2.0-virt-install-singleton-config-2.step2.xml", "VL219"): 2,
    ("virt-manager/vm-v4.0.0-virt-install-many-devices.xml", "VL219"): 2,
    ("virt-manager/vm-v5.0.0-virt-install-many-devices.xml", "VL219"): 2,
    ("virt-manager/vm-head-virt-install-many-devices.xml", "VL758"): 4,
    ("virt-manager/vm-v3.2.0-virt-install-many-devices.xml", "VL758"): 4,
    ("virt-manager/vm-v4.0.0-virt-install-many-devices.xml", "VL758"): 5,
    ("virt-manager/vm-v5.0.0-virt-install-many-devices.xml", "VL758"): 4,
    # session 6: clock timers, qxl vgamem, ivshmem-doorbell sizes, fw_cfg names and key wrapping on x86 (each
    # checked on libvirt 9.0)
    ("virt-manager/vm-head-virt-install-many-devices.xml", "VL216"): 1,
    ("virt-manager/vm-v3.2.0-virt-install-singleton-config-2.step1.xml", "VL216"): 1,
    ("virt-manager/vm-v3.2.0-virt-install-singleton-config-2.step2.xml", "VL216"): 1,
    ("virt-manager/vm-v4.0.0-virt-install-many-devices.xml", "VL216"): 1,
    ("virt-manager/vm-v5.0.0-virt-install-many-devices.xml", "VL216"): 1,
    ("virt-manager/vm-head-virt-install-many-devices.xml", "VL408"): 1,
    ("virt-manager/vm-head-virt-install-many-devices.xml", "VL765"): 5,
    ("virt-manager/vm-head-virt-install-many-devices.xml", "VL780"): 1,
    ("virt-manager/vm-head-virt-install-singleton-config-3.xml", "VL783"): 1,
    ("virt-manager/vm-v3.2.0-virt-install-many-devices.xml", "VL765"): 4,
    ("virt-manager/vm-v3.2.0-virt-install-singleton-config-2.step1.xml", "VL408"): 1,
    ("virt-manager/vm-v3.2.0-virt-install-singleton-config-2.step2.xml", "VL408"): 1,
    ("virt-manager/vm-v3.2.0-virt-install-singleton-config-3.xml", "VL408"): 1,
    ("virt-manager/vm-v3.2.0-virt-install-singleton-config-3.xml", "VL783"): 1,
    ("virt-manager/vm-v4.0.0-virt-install-many-devices.xml", "VL408"): 1,
    ("virt-manager/vm-v4.0.0-virt-install-many-devices.xml", "VL765"): 4,
    ("virt-manager/vm-v4.0.0-virt-install-many-devices.xml", "VL780"): 1,
    ("virt-manager/vm-v5.0.0-virt-install-many-devices.xml", "VL408"): 1,
    ("virt-manager/vm-v5.0.0-virt-install-many-devices.xml", "VL765"): 5,
    ("virt-manager/vm-v5.0.0-virt-install-many-devices.xml", "VL780"): 1,
    ("kubevirt/kv-api__domain_arm64.xml", "VL506"): 1,
    ("kubevirt/kv-api__domain_arm64.xml", "VL603"): 1,
    ("kubevirt/kv-converter__domain_arm64.xml", "VL751"): 4,
    ("kubevirt/kv-converter__domain_arm64.xml", "VL755"): 1,
    ("kubevirt/kv-converter__domain_s390x.xml", "VL751"): 4,
    ("kubevirt/kv-converter__domain_s390x.xml", "VL506"): 1,
    ("kubevirt/kv-virtwrap__migration_domain.xml", "VL801"): 4,
    ("user-configs/JustArchi__VFIO__etc__libvirt__qemu__win10.xml", "VL302"): 2,
    ("user-configs/MingyaoLiu__Threadripper-KVM-guide__New_NVMe_passthrough_Config__win10_NVMe.xml", "VL604"): 1,
    ("user-configs/MrG98XIL__SingleGPUPassthrough__vm.xml", "VL807"): 2,
    ("user-configs/bnunowo__qemu_xmls__Gaming.xml", "VL807"): 2,
    ("user-configs/bnunowo__qemu_xmls__Gaming.xml", "VL766"): 1,
    ("user-configs/braineniac__qemu-configs__win10.xml", "VL302"): 3,
    ("user-configs/gabrielmldantas__win10-kvm-vfio__win10_vfio.xml", "VL807"): 2,
    ("user-configs/gabrielmldantas__win10-kvm-vfio__win10_vfio.xml", "VL766"): 1,
    ("user-configs/iliab1__libvirt-configs__win11.xml", "VL770"): 1,
    ("user-configs/rmbl__vfio__vm.xml", "VL302"): 1,
    ("user-configs/rmbl__vfio__vm.xml", "VL807"): 2,
    ("vagrant-libvirt/vl-action__set_boot_order_spec__default.xml", "VL704"): 2,
    ("vagrant-libvirt/vl-action__set_boot_order_spec__explicit_boot_order.xml", "VL704"): 2,
    ("vagrant-libvirt/vl-action__start_domain_spec__existing_reordered.xml", "VL601"): 1,
    ("vagrant-libvirt/vl-templates__domain_all_settings.xml", "VL704"): 2,
    ("vagrant-libvirt/vl-templates__domain_all_settings.xml", "VL760"): 1,
    ("vagrant-libvirt/vl-templates__domain_all_settings.xml", "VL807"): 2,
    ("virt-manager/vm-head-virt-install-aarch64-cdrom.step1.xml", "VL506"): 1,
    ("virt-manager/vm-head-virt-install-aarch64-cdrom.step2.xml", "VL506"): 1,
    ("virt-manager/vm-head-virt-install-aarch64-machvirt.xml", "VL506"): 1,
    ("virt-manager/vm-head-virt-install-many-devices.xml", "VL505"): 1,
    ("virt-manager/vm-head-virt-install-many-devices.xml", "VL506"): 1,
        ("virt-manager/vm-head-virt-install-many-devices.xml", "VL704"): 4,
    ("virt-manager/vm-head-virt-install-many-devices.xml", "VL708"): 1,
    ("virt-manager/vm-head-virt-install-many-devices.xml", "VL709"): 2,
    ("virt-manager/vm-head-virt-install-many-devices.xml", "VL752"): 4,
    ("virt-manager/vm-head-virt-install-many-devices.xml", "VL761"): 1,
    ("virt-manager/vm-head-virt-install-many-devices.xml", "VL784"): 1,
    ("virt-manager/vm-head-virt-install-aarch64-kvm-import.xml", "VL785"): 1,
    ("virt-manager/vm-head-virt-install-many-devices.xml", "VL785"): 1,
    ("virt-manager/vm-head-virt-install-mdev-devices.xml", "VL702"): 1,
    ("virt-manager/vm-head-virt-install-mdev-devices.xml", "VL704"): 2,
    ("virt-manager/vm-head-virt-install-singleton-config-1.xml", "VL401"): 1,
    ("virt-manager/vm-head-virt-install-singleton-config-1.xml", "VL506"): 1,
    ("virt-manager/vm-head-virt-install-singleton-config-1.xml", "VL782"): 1,
    ("virt-manager/vm-head-virt-install-storage-creation.xml", "VL302"): 4,
    ("virt-manager/vm-head-virt-install-x86_64-launch-security-sev-snp-full.xml", "VL401"): 1,
    ("virt-manager/vm-head-virt-install-x86_64-launch-security-sev-snp.xml", "VL401"): 1,
    ("virt-manager/vm-v3.2.0-virt-install-many-devices.xml", "VL704"): 4,
    ("virt-manager/vm-v3.2.0-virt-install-many-devices.xml", "VL752"): 4,
    ("virt-manager/vm-v3.2.0-virt-install-many-devices.xml", "VL761"): 1,
    ("virt-manager/vm-v3.2.0-virt-install-many-devices.xml", "VL787"): 2,
    ("virt-manager/vm-v3.2.0-virt-install-singleton-config-2.step1.xml", "VL506"): 1,
    ("virt-manager/vm-v3.2.0-virt-install-singleton-config-2.step1.xml", "VL785"): 1,
    ("virt-manager/vm-v3.2.0-virt-install-singleton-config-2.step2.xml", "VL506"): 1,
    ("virt-manager/vm-v3.2.0-virt-install-singleton-config-2.step2.xml", "VL785"): 1,
    ("virt-manager/vm-v4.0.0-virt-install-aarch64-cdrom.step1.xml", "VL506"): 1,
    ("virt-manager/vm-v4.0.0-virt-install-aarch64-cdrom.step2.xml", "VL506"): 1,
    ("virt-manager/vm-v4.0.0-virt-install-aarch64-machvirt.xml", "VL506"): 1,
    ("virt-manager/vm-v4.0.0-virt-install-many-devices.xml", "VL505"): 1,
    ("virt-manager/vm-v4.0.0-virt-install-many-devices.xml", "VL506"): 1,
        ("virt-manager/vm-v4.0.0-virt-install-many-devices.xml", "VL704"): 6,
    ("virt-manager/vm-v4.0.0-virt-install-many-devices.xml", "VL708"): 1,
    ("virt-manager/vm-v4.0.0-virt-install-many-devices.xml", "VL709"): 2,
    ("virt-manager/vm-v4.0.0-virt-install-many-devices.xml", "VL752"): 4,
    ("virt-manager/vm-v4.0.0-virt-install-many-devices.xml", "VL761"): 1,
    ("virt-manager/vm-v4.0.0-virt-install-many-devices.xml", "VL785"): 1,
    ("virt-manager/vm-v4.0.0-virt-install-singleton-config-1.xml", "VL401"): 1,
    ("virt-manager/vm-v4.0.0-virt-install-singleton-config-1.xml", "VL506"): 1,
    ("virt-manager/vm-v4.0.0-virt-install-singleton-config-1.xml", "VL782"): 1,
    ("virt-manager/vm-v4.0.0-virt-install-storage-creation.xml", "VL302"): 4,
    ("virt-manager/vm-v5.0.0-virt-install-aarch64-cdrom.step1.xml", "VL506"): 1,
    ("virt-manager/vm-v5.0.0-virt-install-aarch64-cdrom.step2.xml", "VL506"): 1,
    ("virt-manager/vm-v5.0.0-virt-install-aarch64-machvirt.xml", "VL506"): 1,
    ("virt-manager/vm-v5.0.0-virt-install-many-devices.xml", "VL505"): 1,
    ("virt-manager/vm-v5.0.0-virt-install-many-devices.xml", "VL506"): 1,
        ("virt-manager/vm-v5.0.0-virt-install-many-devices.xml", "VL704"): 4,
    ("virt-manager/vm-v5.0.0-virt-install-many-devices.xml", "VL708"): 1,
    ("virt-manager/vm-v5.0.0-virt-install-many-devices.xml", "VL709"): 2,
    ("virt-manager/vm-v5.0.0-virt-install-many-devices.xml", "VL752"): 4,
    ("virt-manager/vm-v5.0.0-virt-install-many-devices.xml", "VL761"): 1,
    ("virt-manager/vm-v5.0.0-virt-install-many-devices.xml", "VL784"): 1,
    ("virt-manager/vm-v5.0.0-virt-install-aarch64-kvm-import.xml", "VL785"): 1,
    ("virt-manager/vm-v5.0.0-virt-install-many-devices.xml", "VL785"): 1,
    ("virt-manager/vm-v5.0.0-virt-install-mdev-devices.xml", "VL702"): 1,
    ("virt-manager/vm-v5.0.0-virt-install-mdev-devices.xml", "VL704"): 2,
    ("virt-manager/vm-v5.0.0-virt-install-singleton-config-1.xml", "VL401"): 1,
    ("virt-manager/vm-v5.0.0-virt-install-singleton-config-1.xml", "VL506"): 1,
    ("virt-manager/vm-v5.0.0-virt-install-singleton-config-1.xml", "VL782"): 1,
    ("virt-manager/vm-v5.0.0-virt-install-storage-creation.xml", "VL302"): 4,
    ("virt-manager/vm-v5.0.0-virt-install-x86_64-launch-security-sev-snp-full.xml", "VL401"): 1,
    ("virt-manager/vm-v5.0.0-virt-install-x86_64-launch-security-sev-snp.xml", "VL401"): 1,
    ("kubevirt/kv-api__domain_arm64.xml", "VL213"): 2,
    ("kubevirt/kv-api__domain_arm64.xml", "VL406"): 3,  # (<smm> and <kvm> CPU properties on ARM virt: at start)
    ("kubevirt/kv-api__domain_arm64.xml", "VL850"): 1,
    ("kubevirt/kv-api__domain_x86_64.xml", "VL850"): 1,
    ("kubevirt/kv-converter__domain_arm64.xml", "VL406"): 6,  # (3 at start: <hyperv>, <smm>, <kvm> on ARM virt)
    ("kubevirt/kv-converter__domain_s390x.xml", "VL406"): 4,
    ("vagrant-libvirt/vl-templates__domain_all_settings.xml", "VL206"): 1,
    ("vagrant-libvirt/vl-templates__domain_all_settings.xml", "VL213"): 1,
    ("vagrant-libvirt/vl-templates__domain_all_settings.xml", "VL850"): 6,
    ("vagrant-libvirt/vl-templates__domain_all_settings.xml", "VL851"): 1,
    ("vagrant-libvirt/vl-templates__domain_all_settings.xml", "VL407"): 1,
    # an MTU on a direct interface (define), a filterref on an openvswitch bridge (start)
    ("virt-manager/vm-head-virt-install-many-devices.xml", "VL770"): 2,
    ("virt-manager/vm-v3.2.0-virt-install-many-devices.xml", "VL770"): 2,
    ("virt-manager/vm-v4.0.0-virt-install-many-devices.xml", "VL770"): 2,
    ("virt-manager/vm-v5.0.0-virt-install-many-devices.xml", "VL770"): 2,
    ("virt-manager/vm-head-virt-install-many-devices.xml", "VL791"): 7,
    ("virt-manager/vm-v3.2.0-virt-install-many-devices.xml", "VL791"): 7,
    ("virt-manager/vm-v4.0.0-virt-install-many-devices.xml", "VL791"): 7,
    ("virt-manager/vm-v5.0.0-virt-install-many-devices.xml", "VL791"): 7,
    ("virt-manager/vm-head-virt-install-aarch64-cdrom.step1.xml", "VL808"): 1,
    ("virt-manager/vm-head-virt-install-aarch64-cdrom.step2.xml", "VL808"): 1,
    ("virt-manager/vm-v3.2.0-virt-install-aarch64-cdrom.step1.xml", "VL808"): 1,
    ("virt-manager/vm-v3.2.0-virt-install-aarch64-cdrom.step2.xml", "VL808"): 1,
    ("virt-manager/vm-v4.0.0-virt-install-aarch64-cdrom.step1.xml", "VL808"): 1,
    ("virt-manager/vm-v4.0.0-virt-install-aarch64-cdrom.step2.xml", "VL808"): 1,
    ("virt-manager/vm-v5.0.0-virt-install-aarch64-cdrom.step1.xml", "VL808"): 1,
    ("virt-manager/vm-v5.0.0-virt-install-aarch64-cdrom.step2.xml", "VL808"): 1,
    ("vdsm/vdsm-virt__data__domain.xml", "VL011"): 1,
    ("user-configs/alectippie__win11-vm-configs__win11.xml", "VL011"): 1,
    ("user-configs/iliab1__libvirt-configs__win11.xml", "VL011"): 1,
    ("vagrant-libvirt/vl-templates__domain_cpu_mode_passthrough.xml", "VL206"): 1,
    ("vdsm/vdsm-devices__data__testComplexVm.xml", "VL210"): 2,
    # Hyper-V vpindex under TCG with QEMU 7.2 (start)
    ("kubevirt/kv-hooks__domain.xml", "VL407"): 1,
    # an NVDIMM of 512 MiB with a 128 MiB label and a 2 GiB alignment: no aligned block left (start)
    **{(f"virt-manager/vm-{release}-virt-install-memory-hotplug.step{step}.xml", "VL210"): 1
       for release in ("head", "v4.0.0", "v5.0.0") for step in (1, 2)},
    ("vdsm/vdsm-virt__data__hostedengine_lease.xml", "VL851"): 1,
    ("virt-manager/vm-head-virt-install-many-devices.xml", "VL213"): 7,
    ("virt-manager/vm-v3.2.0-virt-install-singleton-config-1.xml", "VL206"): 1,
    ("virt-manager/vm-v3.2.0-virt-install-singleton-config-2.step1.xml", "VL213"): 7,
    ("virt-manager/vm-v3.2.0-virt-install-singleton-config-2.step2.xml", "VL213"): 7,
    ("virt-manager/vm-v3.2.0-virt-install-singleton-config-3.xml", "VL206"): 1,
    ("virt-manager/vm-v4.0.0-virt-install-many-devices.xml", "VL213"): 7,
    ("virt-manager/vm-v5.0.0-virt-install-many-devices.xml", "VL213"): 7,
    ("virt-manager/vm-head-virt-install-many-devices.xml", "VL206"): 1,
    ("virt-manager/vm-v3.2.0-virt-install-many-devices.xml", "VL206"): 1,
    ("virt-manager/vm-v3.2.0-virt-install-singleton-config-3.xml", "VL209"): 1,
    ("virt-manager/vm-v4.0.0-virt-install-many-devices.xml", "VL206"): 1,
    ("virt-manager/vm-v5.0.0-virt-install-many-devices.xml", "VL206"): 1,
    **{(f"virt-manager/vm-{release}-virt-install-many-devices.xml", "VL795"): 4
       for release in ("head", "v3.2.0", "v4.0.0", "v5.0.0")},
    ("vdsm/vdsm-virt__data__vm_replace_md_update.xml", "VL012"): 1,
    **{(f"virt-manager/vm-{release}-virt-install-many-devices.xml", code): count
       for release in ("head", "v4.0.0", "v5.0.0") for code, count in (("VL012", 2), ("VL793", 1))},
    **{(f"virt-manager/vm-v3.2.0-virt-install-singleton-config-2.step{step}.xml", "VL012"): 1 for step in (1, 2)},
    ("kubevirt/kv-virtwrap__migration_domain.xml", "VL012"): 1,
}


@cache
def _linter(caps: str) -> Linter:
    return Linter([DomainCaps.from_file(caps)])


@cache
def _errors() -> Counter[tuple[str, str]]:
    wild = shared_path("corpus", "wild")
    found: Counter[tuple[str, str]] = Counter()
    with open(wild / "wild.tsv", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            caps = SHARED / row["caps"].removeprefix("shared/")
            result = _linter(str(caps)).lint_document(Document.from_file(str(wild / row["file"])))
            assert not result.internal_errors, (row["file"], result.internal_errors)
            for finding in result.findings:
                if finding.severity is Severity.ERROR:
                    found[(row["file"], finding.code)] += 1
    return found


def test_every_wild_error_is_one_libvirt_gives() -> None:
    found = _errors()
    unexpected = {key: count for key, count in found.items() if KEPT.get(key) != count}
    missing = {key: count for key, count in KEPT.items() if found.get(key) != count}
    assert not unexpected, f"errors libvirt does not give (or a changed count): {unexpected}"
    assert not missing, f"errors libvirt gives that are no longer reported: {missing}"


def test_every_kept_error_names_its_libvirt_check() -> None:
    assert {code for _, code in KEPT} <= set(CHECKS)


@pytest.mark.parametrize("code", ["VL101", "VL102", "VL103", "VL104"])
def test_identity_rules_give_no_error_without_the_host_document(code: str) -> None:
    """A domcaps describes one binary, arch, virt type and machine: other ones are a note, never an error."""
    assert not any(key[1] == code for key in _errors())


def test_virt_manager_documents_on_their_hosts_pass_the_identity_rules() -> None:
    """With the host document beside the domcaps virt-install used (host-caps/NAME.xml for NAME-domcaps*.xml),
    libvirt's identity checks pass on every document: i686 on x86_64, ppc64le, armv7l on aarch64, q35 beside i440fx
    domcaps, RHEL and Fedora emulator paths, machine aliases, vCPU counts."""
    import re

    from virtlint.linter.host import HostCaps

    wild = shared_path("corpus", "wild")
    hosts = {p.stem: HostCaps.from_file(str(p)) for p in (wild / "virt-manager" / "host-caps").glob("*.xml")}
    checked = 0
    with open(wild / "wild.tsv", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            match = re.match(r"(.*?)-domcaps", Path(row["caps"]).name)
            host = hosts.get(match.group(1)) if match and row["file"].startswith("virt-manager/") else None
            if host is None:
                continue
            caps = DomainCaps.from_file(str(SHARED / row["caps"].removeprefix("shared/")))
            result = Linter([caps], hosts=[host]).lint_document(Document.from_file(str(wild / row["file"])))
            identity = [f"{f.code} {f.message}" for f in result.findings
                        if f.code in ("VL101", "VL102", "VL103", "VL201") and f.severity is Severity.ERROR]
            assert identity == [], row["file"]
            checked += 1
    assert checked > 250
