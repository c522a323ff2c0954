"""Checks of libvirt's parser, post-parse and validation found by probing libvirt 9.0 with realistic mistakes
(session 6): clock offsets and timers (VL408), attributes the parser requires (VL850), blkiotune devices (VL215),
keywrap ciphers (VL216), container idmaps (VL217), ACPI tables (VL755), fw_cfg entries (VL783), shmem servers
(VL780), qxl vgamem (VL765), host device sources (VL789, VL851), the IOMMU driver (VL792), evdev inputs (VL793),
disk driver options (VL752), redirection filters (VL790, VL796), ISA serials and guestfwd channels (VL761),
controller models and options (VL794), bandwidth (VL770), smartcards (VL795) and PCI bridges (VL708); then iotune
groups, backing layers, device label overrides, resources, perf events, memory limits and values libvirt 9.0 does
not know yet (VL758, VL752, VL759, VL782, VL221, VL222, VL851, VL212, VL402, VL770, VL850, VL755). Each with its
accepted twin, except where the twin needs what this host lacks to start (a block device's I/O scheduler, s390 key
wrapping, an ACPI table file, an ivshmem server, host USB/SCSI/vhost-scsi/evdev devices, a qcow2 backing chain, a
Fibre Channel appid, perf counters): tests/test_rules_parse_checks.py has those twins."""

from __future__ import annotations

from cases import IMAGE, Case, case_maker

USB = "<hostdev mode='subsystem' type='usb'><source>{}</source></hostdev>"
SCSI_HOSTDEV = ("<controller type='scsi' model='virtio-scsi'/>"
                "<hostdev mode='subsystem' type='scsi'><source>{}</source></hostdev>")
SPLIT = "<features><acpi/><ioapic driver='qemu'/></features>"
ISA_SERIAL = "<serial type='pty'><target type='isa-serial'/></serial>"
SPICE = "<graphics type='spice'>{}</graphics>"
USER_IFACE = "<interface type='user'><model type='virtio'/>{}</interface>"
HOTPLUG = ("<maxMemory slots='4' unit='MiB'>2048</maxMemory>"
           "<cpu><numa><cell id='0' cpus='0' memory='128' unit='MiB'/></numa></cpu>")
VMEM = "<memory model='virtio-mem'><target><size unit='MiB'>512</size><node>0</node>{}</target></memory>"
USER_NET = "<interface type='user'><model type='virtio'/><bandwidth>{}</bandwidth></interface>"


def _disk_driver(options: str, extra: str = "") -> str:
    return (f"<disk type='file' device='disk'><driver name='qemu' type='raw' {options}/>"
            f"<source file='{IMAGE}'/><target dev='vda' bus='virtio'/>{extra}</disk>")


def cases(kvm: bool) -> list[Case]:
    q35 = case_maker("parser-q35")
    pc = case_maker("parser-pc", machine="pc")

    def clock(name: str, rule: str | None, attrs: str = "offset='utc'", timers: str = "") -> Case:
        return q35(name, rule, after=f"<clock {attrs}>{timers}</clock>")

    return [
        # VL408 clock-config
        clock("timezone-missing", "VL408", "offset='timezone'"),
        clock("timezone-given", None, "offset='timezone' timezone='Europe/Paris'"),
        clock("absolute-hex-start", "VL408", "offset='absolute' start='0x10'"),
        clock("absolute-after-9999", "VL408", "offset='absolute' start='253402300800'"),
        clock("absolute-at-9999", None, "offset='absolute' start='253402300799'"),
        clock("adjustment-fraction", "VL408", "offset='localtime' adjustment='1.5'"),
        clock("adjustment-reset", None, "offset='localtime' adjustment='reset'"),
        clock("variable-basis-upper", "VL408", "offset='variable' basis='UTC'"),
        clock("variable-basis-localtime", None, "offset='variable' adjustment='10' basis='localtime'"),
        clock("kvmclock-tickpolicy-second", "VL408", timers="<timer name='rtc'/><timer name='kvmclock' tickpolicy='delay'/>"),
        clock("kvmclock-present", None, timers="<timer name='kvmclock' present='yes'/>"),
        clock("catchup-without-tickpolicy", "VL408", timers="<timer name='rtc'><catchup slew='123'/></timer>"),
        clock("catchup-with-tickpolicy", None, timers="<timer name='rtc' tickpolicy='catchup'><catchup slew='123'/></timer>"),
        clock("rtc-frequency", "VL408", timers="<timer name='rtc' frequency='100'/>"),
        clock("hpet-mode", "VL408", timers="<timer name='hpet' mode='auto'/>"),
        clock("tsc-mode", None, timers="<timer name='tsc' mode='auto'/>"),
        clock("pit-track", "VL408", timers="<timer name='pit' track='guest'/>"),
        clock("platform-timer", "VL408", timers="<timer name='platform'/>"),
        clock("rtc-track-boot", "VL408", timers="<timer name='rtc' track='boot'/>"),
        clock("rtc-track-guest", None, timers="<timer name='rtc' track='guest'/>"),
        clock("rtc-discard", "VL408", timers="<timer name='rtc' tickpolicy='discard'/>"),
        clock("pit-merge", "VL408", timers="<timer name='pit' tickpolicy='merge'/>"),
        clock("pit-discard", None, timers="<timer name='pit' tickpolicy='discard'/>"),
        # VL850 parser-value: required attributes
        clock("timer-without-name", "VL850", timers="<timer present='yes'/>"),
        q35("sound-without-model", "VL850", devices="<sound/>"),
        q35("sound-ich9", None, devices="<sound model='ich9'/>"),
        q35("rng-backend-without-model", "VL850", devices="<rng model='virtio'><backend>/dev/urandom</backend></rng>"),
        q35("boot-without-dev", "VL850", os="<boot/>"),
        q35("boot-hd", None, os="<boot dev='hd'/>"),
        q35("address-without-type", "VL850", devices=f"<disk type='file' device='disk'><source file='{IMAGE}'/>"
            "<target dev='vda' bus='virtio'/><address bus='0' slot='5'/></disk>"),
        q35("redirdev-without-type", "VL850", devices="<graphics type='spice'/><redirdev bus='usb'/>"),
        q35("redirdev-spicevmc", None, devices="<graphics type='spice'/><redirdev bus='usb' type='spicevmc'/>"),
        # VL215 blkiotune-devices
        q35("blkio-same-path", "VL215", top="<blkiotune><device><path>/dev/sda</path><weight>500</weight></device>"
            "<device><path>/dev/sda</path><read_bytes_sec>1000</read_bytes_sec></device></blkiotune>"),
        q35("blkio-no-path", "VL215", top="<blkiotune><device><weight>500</weight></device></blkiotune>"),
        q35("blkio-weight-word", "VL215",
            top="<blkiotune><device><path>/dev/sda</path><weight>x</weight></device></blkiotune>"),
        # VL216 keywrap-ciphers
        q35("keywrap-aes-twice", "VL216",
            after="<keywrap><cipher name='aes' state='on'/><cipher name='aes' state='off'/></keywrap>"),
        q35("keywrap-on-x86", "VL216", after="<keywrap><cipher name='aes' state='on'/></keywrap>"),
        # VL217 container-idmap
        q35("idmap-uid-only", "VL217", after="<idmap><uid start='0' target='1000' count='10'/></idmap>"),
        q35("idmap-root-unmapped", "VL217", after="<idmap><uid start='1' target='1000' count='10'/>"
            "<gid start='0' target='1000' count='10'/></idmap>"),
        q35("idmap-both", None, after="<idmap><uid start='0' target='1000' count='10'/>"
            "<gid start='0' target='1000' count='10'/></idmap>"),
        # VL755 firmware-config: ACPI tables
        q35("acpi-two-tables", "VL755",
            os="<acpi><table type='slic'>/tmp/a.bin</table><table type='slic'>/tmp/b.bin</table></acpi>"),
        q35("acpi-rsdt", "VL755", os="<acpi><table type='rsdt'>/tmp/a.bin</table></acpi>"),
        # VL783 sysinfo-values: fw_cfg
        q35("fwcfg-outside-opt", "VL783", after="<sysinfo type='fwcfg'><entry name='foo'>bar</entry></sysinfo>"),
        q35("fwcfg-reserved", "VL783",
            after="<sysinfo type='fwcfg'><entry name='opt/ovmf/X-PciMmio64Mb'>4096</entry></sysinfo>"),
        q35("fwcfg-blank", "VL783", after="<sysinfo type='fwcfg'><entry name='opt/x'>  </entry></sysinfo>"),
        q35("fwcfg-opt", None, after="<sysinfo type='fwcfg'><entry name='opt/com.example/foo'>bar</entry></sysinfo>"),
        # VL780 shmem-config: servers
        q35("doorbell-without-server", "VL780", devices="<shmem name='x'><model type='ivshmem-doorbell'/></shmem>"),
        q35("doorbell-with-size", "VL780", devices="<shmem name='x'><model type='ivshmem-doorbell'/>"
            "<server path='/tmp/s'/><size unit='M'>4</size></shmem>"),
        q35("plain-with-server", "VL780",
            devices="<shmem name='x'><model type='ivshmem-plain'/><server path='/tmp/s'/></shmem>"),
        # VL765 video-devices: qxl vgamem
        q35("qxl-vgamem-odd", "VL765", devices="<video><model type='qxl' vgamem='10000'/></video>"),
        q35("qxl-vgamem-small", "VL765", devices="<video><model type='qxl' vgamem='512'/></video>"),
        q35("qxl-vgamem-power", None, devices="<video><model type='qxl' vgamem='16384'/></video>"),
        # VL789 hostdev-config and VL851 parser-number: host device sources
        q35("usb-vendor-alone", "VL789", devices=USB.format("<vendor id='0x1234'/>")),
        q35("usb-vendor-word", "VL851", devices=USB.format("<vendor id='abcd'/><product id='0x5678'/>")),
        q35("scsi-hostdev-no-adapter", "VL789", devices=SCSI_HOSTDEV.format("<address bus='0' target='0' unit='0'/>")),
        q35("vhost-short-wwpn", "VL789", devices="<hostdev mode='subsystem' type='scsi_host'>"
            "<source protocol='vhost' wwpn='naa.5001405df3e5406'/></hostdev>"),
        # VL792 iommu-config
        q35("intremap-without-split", "VL792", after="<features><acpi/></features>",
            devices="<iommu model='intel'><driver intremap='on'/></iommu>"),
        q35("eim-without-intremap", "VL792", after=SPLIT, devices="<iommu model='intel'><driver eim='on'/></iommu>"),
        q35("intremap-split", None, after=SPLIT, devices="<iommu model='intel'><driver intremap='on'/></iommu>"),
        q35("virtio-iommu-intremap", "VL792", after=SPLIT,
            devices="<iommu model='virtio'><driver intremap='on'/></iommu>"),
        # VL793 input-config
        q35("evdev-source-without-dev", "VL793", devices="<input type='evdev'><source/></input>"),
        q35("evdev-with-bus", "VL793", devices="<input type='evdev' bus='virtio'><source dev='/dev/input/event0'/></input>"),
        q35("passthrough-usb", "VL793",
            devices="<input type='passthrough' bus='usb'><source evdev='/dev/input/event0'/></input>"),
        # VL752 disk-storage-format: driver options
        q35("rerror-enospace", "VL752", devices=_disk_driver("rerror_policy='enospace'")),
        q35("error-enospace", None, devices=_disk_driver("error_policy='enospace'")),
        q35("copy-on-read-readonly", "VL752", devices=_disk_driver("copy_on_read='on'", "<readonly/>")),
        q35("copy-on-read-writable", None, devices=_disk_driver("copy_on_read='on'")),
        # VL790 device-count
        q35("redirfilter-twice", "VL790", devices="<redirfilter><usbdev allow='yes'/></redirfilter>"
            "<redirfilter><usbdev allow='no'/></redirfilter>"),
        q35("redirfilter-once", None, devices="<redirfilter><usbdev class='0x08' allow='yes'/></redirfilter>"),
        # VL761 serial-target: ISA serial ports, guestfwd and channel targets
        q35("isa-serial-five", "VL761", devices=ISA_SERIAL * 5),
        q35("isa-serial-four", None, devices=ISA_SERIAL * 4),
        q35("isa-serial-same-port", "VL761",
            devices="<serial type='pty'><target type='isa-serial' port='1'/></serial>" * 2),
        q35("guestfwd-ipv6", "VL761",
            devices="<channel type='pty'><target type='guestfwd' address='fe80::1' port='4600'/></channel>"),
        q35("guestfwd-no-port", "VL761", devices="<channel type='pty'><target type='guestfwd' address='10.0.2.1'/>"
            "</channel>"),
        q35("guestfwd-whole", None,
            devices="<channel type='pty'><target type='guestfwd' address='10.0.2.1' port='4600'/></channel>"),
        # VL794 controller-config
        q35("scsi-model-typo", "VL794", devices="<controller type='scsi' model='lsilogic2'/>"),
        q35("scsi-model-virtio", "VL794", devices="<controller type='scsi' model='virtio'/>"),
        q35("sata-queues", "VL794", devices="<controller type='sata' index='1'><driver queues='2'/></controller>"),
        q35("virtio-scsi-queues", None, devices="<controller type='scsi' model='virtio-scsi'>"
            "<driver queues='2' cmd_per_lun='8' max_sectors='512' ioeventfd='on'/></controller>"),
        # VL770 interface-config: bandwidth
        q35("bandwidth-no-average", "VL770", devices=USER_NET.format("<inbound peak='100'/>")),
        q35("bandwidth-floor-user", "VL770", devices=USER_NET.format("<inbound average='100' floor='10'/>")),
        q35("bandwidth-average-user", None, devices=USER_NET.format("<inbound average='100' peak='200' burst='64'/>")),
        # VL795 smartcard-config (the three-certificate twin needs the host's NSS database to start: unit tests)
        q35("smartcard-two-certificates", "VL795", devices="<smartcard mode='host-certificates'>"
            "<certificate>a</certificate><certificate>b</certificate></smartcard>"),
        q35("smartcard-passthrough-untyped", "VL795", devices="<smartcard mode='passthrough'/>"),
        # VL796 redirfilter-rules
        q35("usbdev-class-08", "VL796", devices="<redirfilter><usbdev class='08' allow='yes'/></redirfilter>"),
        q35("usbdev-version-major", "VL796", devices="<redirfilter><usbdev version='2' allow='yes'/></redirfilter>"),
        q35("usbdev-whole", None, devices="<redirfilter><usbdev class='0x08' vendor='0x1234' product='0xbeef' "
            "version='2.0' allow='yes'/></redirfilter>"),
        # VL708 controller-index: a pci-bridge above its bus
        pc("pci-bridge-on-its-own-bus", "VL708", devices="<controller type='pci' index='1' model='pci-bridge'>"
           "<address type='pci' domain='0' bus='0x01' slot='0x01' function='0'/></controller>"),
        pc("pci-bridge-on-bus-0", None, devices="<controller type='pci' index='1' model='pci-bridge'>"
           "<address type='pci' domain='0' bus='0x00' slot='0x05' function='0'/></controller>"),
        # the third pass: parser tables (VL850, VL851)
        q35("spice-channel-name", "VL850", devices=SPICE.format("<channel name='clipboard' mode='secure'/>")),
        q35("spice-channel", None, devices=SPICE.format("<channel name='main' mode='insecure'/>")),
        q35("vnc-autoport-on", None, devices="<graphics type='vnc' autoport='on'/>"),
        q35("audio-voices-zero", "VL851", devices="<audio id='1' type='none'><input voices='0'/></audio>"),
        q35("direct-mode-bridged", "VL850", devices="<interface type='direct'><source dev='lo' mode='bridged'/>"
            "</interface>"),
        q35("disk-iotune-units", "VL851", devices=_disk_driver("", "<iotune><total_bytes_sec>100M</total_bytes_sec>"
                                                                   "</iotune>")),
        q35("disk-iotune-large", None, devices=_disk_driver("", "<iotune><total_bytes_sec>10000000000"
                                                                "</total_bytes_sec></iotune>")),
        q35("smbios-mode-system", "VL850", os="<smbios mode='system'/>"),
        q35("cpu-fallback-deny", "VL850", after="<cpu mode='custom'><model fallback='deny'>qemu64</model></cpu>"),
        q35("cpu-fallback-forbid", None, after="<cpu mode='custom'><model fallback='forbid'>qemu64</model></cpu>"),
        # the third pass: logic
        q35("cpu-features-without-model", "VL218",
            after="<cpu mode='custom'><feature policy='require' name='pdpe1gb'/></cpu>"),
        q35("cpu-vendor-id-short", "VL218", after="<cpu mode='custom'><model vendor_id='Intel'>qemu64</model></cpu>"),
        q35("cpu-vendor-id", None, after="<cpu mode='custom'><model vendor_id='GenuineIntel'>qemu64</model></cpu>"),
        q35("vcpupin-without-cpuset", "VL211", after="<cputune><vcpupin vcpu='0'/></cputune>"),
        q35("cputune-period-units", "VL211", after="<cputune><period>100ms</period></cputune>"),
        q35("vcpusched-fifo-without-priority", "VL211",
            after="<cputune><vcpusched vcpus='0' scheduler='fifo'/></cputune>"),
        q35("iothread-pool-min-only", "VL211", top="<iothreads>1</iothreads><iothreadids><iothread id='1' "
            "thread_pool_min='2'/></iothreadids>"),
        q35("iothread-pool", None, top="<iothreads>1</iothreads><iothreadids><iothread id='1' thread_pool_min='2' "
            "thread_pool_max='8'/></iothreadids>"),
        q35("cachetune-qemu-domain", "VL220", after="<cputune><cachetune vcpus='0'><cache id='0' level='3' "
            "type='both' size='2' unit='MiB'/></cachetune></cputune>"),
        q35("memtune-min-guarantee", "VL219", top="<memtune><min_guarantee unit='MiB'>128</min_guarantee></memtune>"),
        q35("memtune-soft-limit", None, top="<memtune><soft_limit unit='MiB'>1024</soft_limit></memtune>"),
        q35("poweroff-coredump", "VL808", after="<on_poweroff>coredump-destroy</on_poweroff>"),
        q35("tseg-unaligned", "VL755", after="<features><smm state='on'><tseg unit='KiB'>1000</tseg></smm></features>"),
        q35("sysinfo-uuid-malformed", "VL783", after="<sysinfo type='smbios'><system><entry name='uuid'>not-a-uuid"
            "</entry></system></sysinfo>"),
        q35("seclabel-static-without-model", "VL782", after="<seclabel type='static' relabel='no'>"
            "<label>+107:+107</label></seclabel>"),
        q35("net-bridge-without-bridge", "VL770", devices="<interface type='bridge'><source network='default'/>"
            "</interface>"),
        q35("net-virtualport-on-user", "VL770", devices=USER_IFACE.format("<virtualport type='openvswitch'/>")),
        q35("net-vlan-4096", "VL770", devices=USER_IFACE.format("<vlan><tag id='4096'/></vlan>")),
        q35("net-guest-ip-user-prefix-30", "VL770",
            devices=USER_IFACE.format("<ip address='172.17.2.0' family='ipv4' prefix='30'/>")),
        q35("net-guest-ip-user", None, devices=USER_IFACE.format("<ip address='172.17.2.0' family='ipv4' prefix='24'/>")),
        q35("net-coalesce-user", "VL770", devices=USER_IFACE.format("<coalesce><rx><frames max='7'/></rx></coalesce>")),
        q35("net-driver-txmode", "VL770", devices=USER_IFACE.format("<driver txmode='bh'/>")),
        q35("net-driver-virtio", None, devices=USER_IFACE.format("<driver txmode='iothread'><host csum='off'/>"
                                                                 "</driver>")),
        q35("video-accel2d", "VL765", devices="<video><model type='virtio'><acceleration accel2d='yes'/></model>"
            "</video>"),
        q35("video-resolution-cirrus", "VL765", devices="<video><model type='cirrus'><resolution x='800' y='600'/>"
            "</model></video>"),
        q35("video-resolution-virtio", None, devices="<video><model type='virtio'><resolution x='800' y='600'/>"
            "</model></video>"),
        q35("tpm-pcr-banks-tis-default", "VL784", devices="<tpm model='tpm-tis'><backend type='emulator'>"
            "<active_pcr_banks><sha256/></active_pcr_banks></backend></tpm>"),
        q35("tpm-pcr-banks-crb-default", None, devices="<tpm model='tpm-crb'><backend type='emulator'>"
            "<active_pcr_banks><sha256/></active_pcr_banks></backend></tpm>"),
        q35("rng-two-backends", "VL798", devices="<rng model='virtio'><backend model='random'>/dev/urandom</backend>"
            "<backend model='random'>/dev/random</backend></rng>"),
        q35("audio-fixed-without-mixing", "VL799", devices="<audio id='1' type='none'><output fixedSettings='yes'/>"
            "</audio>"),
        q35("sound-audio-missing", "VL799", devices="<sound model='ich9'><audio id='3'/></sound>"
            "<audio id='1' type='none'/>"),
        q35("sound-audio-default", None, devices="<sound model='ich9'><audio id='1'/></sound>"),
        q35("vnc-password-validity", "VL767",
            devices="<graphics type='vnc' passwd='secret' passwdValidTo='2025-01-01 10:00:00'/>"),
        q35("vnc-password-valid", None, devices="<graphics type='vnc' passwd='secret' "
            "passwdValidTo='2099-01-01T10:00:00'/>"),
        q35("virtio-mem-block-3-mib", "VL797", top=HOTPLUG, devices=VMEM.format("<block unit='MiB'>3</block>")),
        q35("virtio-mem", None, top=HOTPLUG, devices=VMEM.format("<block unit='MiB'>2</block>"
                                                                 "<requested unit='MiB'>128</requested>")),
        # the third pass: disks and filesystems (VL758, VL759, VL791)
        q35("io-native-without-cache", "VL758", devices=_disk_driver("io='native'")),
        q35("serial-slash", "VL758", devices=_disk_driver("", "<serial>WD-WX11/A2</serial>")),
        q35("serial-plain", None, devices=_disk_driver("", "<serial>WD-WX11 A2.b+c_d</serial>")),
        q35("wwn-virtio", "VL758", devices=_disk_driver("", "<wwn>5000c50015ea71ad</wwn>")),
        q35("transient-readonly", "VL758", devices=_disk_driver("", "<readonly/><transient/>")),
        q35("rbd-name-without-pool", "VL759", devices="<disk type='network' device='disk'><driver name='qemu' "
            "type='raw'/><source protocol='rbd' name='vm-disk-1'><host name='10.0.0.1'/></source>"
            "<target dev='vda' bus='virtio'/></disk>"),
        q35("auth-without-username", "VL759", devices="<disk type='network' device='disk'><driver name='qemu' "
            "type='raw'/><source protocol='rbd' name='rbd/img'><host name='10.0.0.1'/><auth><secret type='ceph' "
            "usage='x'/></auth></source><target dev='vda' bus='virtio'/></disk>"),
        q35("backing-store-without-format", "VL759", devices=_disk_driver("", "<backingStore type='file'><source "
                                                                          "file='/img/base.qcow2'/></backingStore>")),
        q35("fs-dmode-sticky", "VL791", devices="<filesystem type='mount' accessmode='mapped' dmode='1777'>"
            "<driver type='path'/><source dir='/var/lib/libvirt/images'/><target dir='share'/></filesystem>"),
        # the fourth pass: disk groups and chains, device labels, domain settings, release history
        q35("iotune-group-alone", "VL758", devices=_iotune("vda", GOLD)),
        q35("iotune-group-borrowed", None, devices=_iotune("vda", GOLD, READ_ONLY) + _iotune("vdb", IOPS + GOLD,
                                                                                        READ_ONLY)),
        q35("iotune-group-different", "VL758", devices=_iotune("vda", IOPS + GOLD) + _iotune(
            "vdb", "<total_iops_sec>600</total_iops_sec>" + GOLD)),
        q35("backing-raw-metadata-cache", "VL752", devices=_backing("raw", MDCACHE)),
        q35("backing-qcow-encryption", "VL752", devices=_backing("qcow2", source=KEY.format("qcow"))),
        q35("tftp-backing", "VL759", devices=_backing("raw", kind="network", source_attrs=" protocol='tftp' "
                                                      "name='img.raw'", source="<host name='10.0.0.1'/>")),
        q35("label-override-under-none", "VL782", after="<seclabel type='none' model='dac'/>", devices=DISK_LABEL),
        q35("label-override-under-dynamic", None, after="<seclabel type='dynamic' model='dac'/>", devices=DISK_LABEL),
        q35("resource-empty", "VL221", top="<resource/>"),
        q35("resource-twice", "VL221", top="<resource><partition>/machine</partition></resource>" * 2),
        q35("appid-too-long", "VL221", top=f"<resource><fibrechannel appid='{'a' * 129}'/></resource>"),
        q35("perf-event-twice", "VL222", after="<perf><event name='cmt' enabled='yes'/><event name='cmt' "
            "enabled='no'/></perf>"),
        q35("current-memory-8-eib", "VL851", top="<currentMemory unit='EiB'>8</currentMemory>"),
        q35("maxphysaddr-emulate-without-bits", "VL212", after="<cpu mode='custom' match='exact'><model>qemu64</model>"
            "<maxphysaddr mode='emulate'/></cpu>"),
        q35("maxphysaddr-emulate", None, after="<cpu mode='custom' match='exact'><model>qemu64</model>"
            "<maxphysaddr mode='emulate' bits='42'/></cpu>"),
        q35("s390-pv-on-x86", "VL402", after="<launchSecurity type='s390-pv'/>"),
        q35("vds-without-portid", "VL770", devices="<interface type='vds'><mac address='52:54:00:11:22:33'/><source "
            "switchid='12345678-1234-1234-1234-123456789abc' portgroupid='pg1' connectionid='7'/></interface>"),
        q35("input-bus-default", "VL850", devices="<input type='tablet' bus='default'/>"),
        q35("vnc-share-policy-default", None, devices="<graphics type='vnc' sharePolicy='default'/>"),
        q35("efi-with-loader-settings", "VL755", os_attrs=" firmware='efi'", after="<features><acpi/></features>",
            os="<loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.fd</loader>"),
        q35("efi", None, os_attrs=" firmware='efi'", after="<features><acpi/></features>"),
        q35("image-writable-and-cdrom", "VL762", devices=_disk_driver("") + f"<disk type='file' device='cdrom'>"
            f"<source file='{IMAGE}'/><target dev='sda' bus='sata'/></disk>"),
        q35("image-read-only-twice", None, devices=_disk_driver("", "<readonly/>").replace("vda", "vdb")
            + _disk_driver("", "<readonly/>")),
        q35("chardev-type", "VL850", devices="<serial type='ptty'/>"),
        q35("chardev-target-type", "VL850", devices="<serial type='pty'><target type='isa' port='0'/></serial>"),
        q35("chardev-target-type-none", None, devices="<serial type='pty'><target type='none' port='0'/></serial>"),
        q35("chardev-tcp-mode", "VL850", devices="<serial type='tcp'><source mode='listen' host='127.0.0.1' "
            "service='4555'/></serial>"),
        q35("chardev-log-append", "VL850", devices="<serial type='pty'><log file='/tmp/l.log' append='yes'/></serial>"),
        q35("chardev-tcp-protocol", "VL850", devices="<serial type='tcp'><source mode='connect' host='127.0.0.1' "
            "service='4555'/><protocol type='ssh'/></serial>"),
        q35("hub-without-type", "VL850", devices="<hub/>"),
        q35("balloon-autodeflate-yes", "VL850", devices="<memballoon model='virtio' autodeflate='yes'/>"),
        q35("balloon-period-text", "VL851", devices="<memballoon model='virtio'><stats period='often'/></memballoon>"),
        q35("allocation-threads-text", "VL851", top="<memoryBacking><allocation mode='immediate' threads='two'/>"
            "</memoryBacking>"),
        q35("allocation-threads", None, top="<memoryBacking><allocation mode='immediate' threads='2'/>"
            "</memoryBacking>"),
        q35("audio-pipewire", "VL850", devices="<audio id='1' type='pipewire'/>"),
        q35("sound-virtio", "VL850", devices="<sound model='virtio'/>"),
        q35("watchdog-itco", "VL850", devices="<watchdog model='itco'/>"),
        q35("filesystem-mtp", "VL850", devices="<filesystem type='mount'><driver type='mtp'/><source "
            "dir='/var/lib/libvirt/images'/><target dir='mtp'/></filesystem>"),
        # the audit of domain_conf.c's virXMLProp* calls (session 8): typed attributes no table had
        q35("disk-copy-on-read-yes", "VL850", devices=_disk_driver("copy_on_read='yes'")),
        q35("disk-copy-on-read-on", None, devices=_disk_driver("copy_on_read='on'")),
        q35("disk-queue-size-text", "VL851", devices=_disk_driver("queue_size='big'")),
        q35("disk-queue-size-256", None, devices=_disk_driver("queue_size='256'")),
        q35("scsi-cmd-per-lun-text", "VL851", devices="<controller type='scsi' model='virtio-scsi'>"
            "<driver cmd_per_lun='x'/></controller>"),
        q35("scsi-cmd-per-lun", None, devices="<controller type='scsi' model='virtio-scsi'>"
            "<driver cmd_per_lun='8'/></controller>"),
        q35("iommu-intremap-yes", "VL850", after=SPLIT, devices="<iommu model='intel'><driver intremap='yes'/></iommu>"),
        q35("iommu-aw-bits-text", "VL851", after=SPLIT, devices="<iommu model='intel'><driver aw_bits='wide'/></iommu>"),
        q35("serial-port-text", "VL851", devices="<serial type='pty'><target port='first'/></serial>"),
        q35("serial-port-1", None, devices="<serial type='pty'><target port='1'/></serial>"),
        q35("iface-event-idx-yes", "VL770", devices=USER_IFACE.format("<driver event_idx='yes'/>")),
        q35("iface-rx-queue-size-text", "VL770", devices=USER_IFACE.format("<driver rx_queue_size='big'/>")),
        q35("iface-rx-queue-size", None, devices=USER_IFACE.format("<driver rx_queue_size='256'/>")),
        q35("oss-dsp-policy-text", "VL799", devices="<audio id='1' type='oss' dspPolicy='x'/>"),
        q35("sev-without-policy", "VL223", after="<launchSecurity type='sev'><cbitpos>47</cbitpos>"
            "<reducedPhysBits>1</reducedPhysBits></launchSecurity>"),
        q35("sev-reduced-phys-bits-text", "VL223", after="<launchSecurity type='sev'><cbitpos>47</cbitpos>"
            "<reducedPhysBits>x</reducedPhysBits><policy>0x0003</policy></launchSecurity>"),
        q35("max-memory-slots-text", "VL851", top="<maxMemory slots='x' unit='MiB'>1024</maxMemory>"),
        pc("expander-node-text", "VL851", devices="<controller type='pci' index='1' model='pci-expander-bus'>"
           "<target busNr='254'><node>x</node></target></controller>"),
        # virXPathString reads <os firmware>: an empty one is no autoselection, not a firmware (session 12)
        q35("firmware-empty", None, os_attrs=" firmware=''"),
        q35("user-backend-without-type", None, devices="<interface type='user'><model type='virtio'/>"
            "<backend logFile='/tmp/passt.log'/></interface>"),
        q35("nvme-source-without-type", "VL759", devices="<disk type='nvme' device='disk'><driver name='qemu' "
            "type='raw'/><source managed='yes' namespace='1'><address domain='0x0000' bus='0x01' slot='0x00' "
            "function='0x0'/></source><target dev='vda' bus='virtio'/></disk>"),
    ]


GOLD, IOPS = "<group_name>gold</group_name>", "<total_iops_sec>500</total_iops_sec>"
#: (two disks of the one image the cases have start only when neither writes: VL762)
READ_ONLY = "<readonly/>"
MDCACHE = "<metadata_cache><max_size unit='MiB'>1</max_size></metadata_cache>"
KEY = "<encryption format='{}'><secret type='passphrase' uuid='2ec115d7-3a88-3ceb-bc12-0ac909a6fd87'/></encryption>"
DISK_LABEL = (f"<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='{IMAGE}'>"
              "<seclabel model='dac' relabel='no'/></source><target dev='vda' bus='virtio'/></disk>")


def _iotune(dev: str, settings: str, extra: str = "") -> str:
    return (f"<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='{IMAGE}'/>"
            f"<target dev='{dev}' bus='virtio'/><iotune>{settings}</iotune>{extra}</disk>")


def _backing(fmt: str, format_inner: str = "", source: str = "", kind: str = "file",
             source_attrs: str = " file='/var/lib/libvirt/images/base.img'") -> str:
    return (f"<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='{IMAGE}'/>"
            f"<target dev='vda' bus='virtio'/><backingStore type='{kind}'><format type='{fmt}'>{format_inner}</format>"
            f"<source{source_attrs}>{source}</source></backingStore></disk>")
