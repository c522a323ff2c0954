"""Device families of libvirt's validation (issue 11): disks, firmware/NVRAM, chardevs, video and graphics,
interfaces and other devices. For each check: a case libvirt rejects and its accepted twin."""

from __future__ import annotations

from cases import ACPI, IMAGE, SHARED_MEMFD, Case, case_maker, virtiofs

ISO = "/var/lib/libvirt/images/virtlint-oracle.iso"
OVMF = "/usr/share/OVMF/OVMF_CODE_4M.fd"
#: a luks <encryption> with more inside
_LUKS = ("<encryption format='luks'><secret type='passphrase' uuid='0a81f5b2-8403-7b23-c8d6-21ccc2f80d6f'/>"
         "{}</encryption>")


def _disk(target: str, bus: str, *, device: str = "disk", kind: str = "file", fmt: str = "raw", extra: str = "",
          source: str | None = None) -> str:
    if source is None:
        source = f"<source file='{IMAGE}'/>" if kind == "file" else "<source dev='/dev/null'/>"
    readonly = "<readonly/>" if device == "cdrom" else ""
    return (f"<disk type='{kind}' device='{device}'><driver name='qemu' type='{fmt}'/>{source}"
            f"<target dev='{target}' bus='{bus}'/>{readonly}{extra}</disk>")


#: memory hotplug: the maximum, and the one NUMA cell of a one-vCPU domain of 128 MiB
#: a 9p share of a folder every host has and QEMU's user may read; the mount tag in braces
_NINE_P = "<filesystem type='mount' accessmode='mapped'><source dir='/usr/share'/><target dir='{}'/></filesystem>"
_MAX_MEMORY = "<maxMemory slots='{slots}' unit='MiB'>{mib}</maxMemory>"
_ONE_CELL = "<cpu><numa><cell id='0' cpus='0' memory='128' unit='MiB'/></numa></cpu>"
#: a virtio-mem device of 4 MiB blocks, its size in KiB in the braces
_VIRTIO_MEM = ("<memory model='virtio-mem'><target><size unit='KiB'>{kib}</size><node>0</node>"
               "<block unit='KiB'>4096</block><requested unit='KiB'>0</requested></target></memory>")
_DIMM = "<memory model='dimm'><target><size unit='MiB'>128</size><node>0</node></target></memory>"
_PXB = "<controller type='pci' index='{}' model='pci-expander-bus'><target busNr='{}'/></controller>"
_DRIVE = "<readonly/><address type='drive' controller='0' bus='0' target='{target}' unit='{unit}'/>"
#: a virtio disk whose ring size goes in the braces
_QUEUE_SIZE_DISK = (f"<disk type='file' device='disk'><driver name='qemu' type='raw' queue_size='{{}}'/>"
                    f"<source file='{IMAGE}'/><target dev='vdb' bus='virtio'/></disk>")
#: an empty SCSI CD-ROM, what goes inside it in braces
SCSI_CDROM = ("<controller type='scsi' model='virtio-scsi'/><disk type='file' device='cdrom'>"
              "<target dev='sda' bus='scsi'/>{}</disk>")


def cases(kvm: bool) -> list[Case]:
    q35 = case_maker("devices-q35")
    pc = case_maker("devices-pc", machine="pc")

    # Not here: virtio lun (QEMU 9.1 dropped it; this QEMU is 7.2), the pvpanic panic model (9.0's parser does
    # not know it), a 'none' listen on SDL (9.0 defines it; the start then fails for want of SDL here), and
    # rawio/sgio on a vhost-scsi hostdev (VL789), which makes libvirt 9.0's daemon crash while parsing.
    arm = case_maker("devices-arm", arch="aarch64", machine="virt")

    scsi = "<controller type='scsi' model='virtio-scsi'/>"
    return [
        # VL765 a 3D virtio GPU without a display of OpenGL (QEMU refuses it at start; the lab's QEMU also lacks
        # the virtio-gpu-gl module, and /dev/dri for a twin of egl-headless: the twin is accel3d='no')
        q35("video-accel3d-no-opengl", "VL765", devices="<graphics type='vnc'/><video><model type='virtio'>"
                                                        "<acceleration accel3d='yes'/></model></video>"),
        q35("video-accel3d-off", None, devices="<graphics type='vnc'/><video><model type='virtio'><acceleration "
                                               "accel3d='no'/></model></video>"),
        # VL750 disk-target-name
        q35("disk-partition", "VL750", devices=_disk("vdb1", "virtio")),
        q35("disk-whole", None, devices=_disk("vdb", "virtio")),
        q35("disk-target-unparsable", "VL750", devices=_disk("disk0", "virtio")),
        # VL751 disk-device-bus
        q35("cdrom-virtio", "VL751", devices=_disk("vdc", "virtio", device="cdrom")),
        q35("cdrom-sata", None, devices=_disk("sdc", "sata", device="cdrom")),
        q35("lun-file", "VL751", devices=scsi + _disk("sda", "scsi", device="lun")),
        q35("disk-file-scsi", None, devices=scsi + _disk("sda", "scsi")),
        q35("lun-sata", "VL751", devices=_disk("sda", "sata", device="lun", kind="block")),
        q35("vendor-sata", "VL751", devices=_disk("sda", "sata", extra="<vendor>ACME</vendor>")),
        q35("vendor-scsi", None, devices=scsi + _disk("sda", "scsi", extra="<vendor>ACME</vendor>")),
        q35("usb-cdrom-empty", "VL751",
            devices="<disk type='file' device='cdrom'><target dev='sdd' bus='usb'/><readonly/></disk>"),
        q35("sata-cdrom-empty", None,
            devices="<disk type='file' device='cdrom'><target dev='sdd' bus='sata'/><readonly/></disk>"),
        pc("floppy-on-ide", "VL751", devices=_disk("fda", "ide", device="floppy")),
        pc("floppy-on-fdc", None, devices=_disk("fda", "fdc", device="floppy")),
        q35("disk-no-source", "VL751", devices="<disk type='file' device='disk'><target dev='vdb' bus='virtio'/></disk>"),
        # VL752 disk-storage-format
        q35("format-iso", "VL752", devices=_disk("sdc", "sata", device="cdrom", fmt="iso")),
        q35("format-raw", None, devices=_disk("sdc", "sata", device="cdrom", fmt="raw")),
        q35("format-cow", "VL752", devices=_disk("vdb", "virtio", fmt="cow")),
        q35("shareable-qcow2", "VL752", devices=_disk("vdb", "virtio", fmt="qcow2", extra="<shareable/>")),
        q35("shareable-raw", None, devices=_disk("vdb", "virtio", extra="<shareable/>")),
        # VL753 disk-source-secrets
        q35("iscsi-auth-ceph", "VL753", devices=(
            "<disk type='network' device='disk'><driver name='qemu' type='raw'/>"
            "<source protocol='iscsi' name='iqn.2013-07.com.example:iscsi-nopool/1'><host name='example.com'/>"
            "</source><auth username='u'><secret type='ceph' usage='x'/></auth>"
            "<target dev='vda' bus='virtio'/></disk>")),
        q35("luks-cipher", "VL753", devices=_disk("vdb", "virtio", extra=(
            "<encryption format='luks'><secret type='passphrase' uuid='0a81f5b2-8403-7b23-c8d6-21ccc2f80d6f'/>"
            "<cipher name='aes' size='256' mode='xts' hash='sha256'/></encryption>"))),
        # VL753 at start: TLS only for NBD (and VxHS) network disks (session 12)
        q35("iscsi-tls", "VL753", devices=(
            "<disk type='network' device='disk'><driver name='qemu' type='raw'/>"
            "<source protocol='iscsi' name='iqn.2013-07.com.example:iscsi-nopool/1' tls='yes'>"
            "<host name='example.com' port='3260'/></source><target dev='vda' bus='virtio'/></disk>")),
        q35("gluster-rdma", "VL753", devices=(
            "<disk type='network' device='disk'><driver name='qemu' type='raw'/>"
            "<source protocol='gluster' name='vol/img'><host name='example.com' port='24007' transport='rdma'/>"
            "</source><target dev='vda' bus='virtio'/></disk>")),
        q35("iscsi-lun-word", "VL753", devices=(
            "<disk type='network' device='disk'><driver name='qemu' type='raw'/>"
            "<source protocol='iscsi' name='iqn.2013-07.com.example:iscsi-nopool/first'>"
            "<host name='example.com' port='3260'/></source><target dev='vda' bus='virtio'/></disk>")),
        # VL759: the luks parser's own reading of <cipher> and <ivgen> comes first (session 12)
        q35("luks-ivgen-alone", "VL759", devices=_disk("vdb", "virtio", extra=_LUKS.format("<ivgen name='plain64'/>"))),
        q35("luks-cipher-no-size", "VL759", devices=_disk("vdb", "virtio", extra=_LUKS.format("<cipher name='aes'/>"))),
        q35("luks-ivgen-no-name", "VL759", devices=_disk("vdb", "virtio", extra=_LUKS.format(
            "<cipher name='aes' size='256'/><ivgen hash='sha256'/>"))),
        q35("qcow-ivgen-alone", "VL752", devices=_disk("vdb", "virtio", fmt="qcow2", extra=(
            "<encryption format='qcow'><secret type='passphrase' uuid='0a81f5b2-8403-7b23-c8d6-21ccc2f80d6f'/>"
            "<ivgen name='plain64'/></encryption>"))),
        # VL754 boot-order
        q35("boot-dev-and-order", "VL754", os="<boot dev='hd'/>",
            devices=_disk("vda", "virtio", extra="<boot order='1'/>")),
        q35("boot-order-only", None, devices=_disk("vda", "virtio", extra="<boot order='1'/>")),
        q35("boot-order-twice", "VL754", devices=_disk("vda", "virtio", extra="<boot order='1'/>")
            + _disk("vdb", "virtio", extra="<boot order='1'/>")),
        q35("bootmenu-timeout-big", "VL754", os="<bootmenu enable='yes' timeout='70000'/>"),
        q35("bootmenu-timeout-ok", None, os="<bootmenu enable='yes' timeout='3000'/>"),
        q35("boot-loadparm-nine", "VL754", devices="<interface type='user'><model type='virtio'/>"
                                                  "<boot order='1' loadparm='abcdefghi'/></interface>"),
        q35("boot-loadparm-underscore", "VL754", devices="<interface type='user'><model type='virtio'/>"
                                                        "<boot order='1' loadparm='a_b'/></interface>"),
        q35("boot-loadparm-ok", None, devices="<interface type='user'><model type='virtio'/>"
                                              "<boot order='1' loadparm='a.b 1'/></interface>"),
        # VL507 nvram / VL755 firmware-config
        q35("nvram-stateless", "VL507", after=ACPI,
            os=f"<loader readonly='yes' type='pflash' stateless='yes'>{OVMF}</loader>"
               "<nvram>/var/lib/libvirt/qemu/nvram/devices-q35-nvram-stateless_VARS.fd</nvram>"),
        q35("loader-stateless", None, after=ACPI, os=f"<loader readonly='yes' type='pflash' stateless='yes'>{OVMF}</loader>"),
        pc("rom-not-stateless", "VL507", os="<loader stateless='no'>/usr/share/seabios/bios.bin</loader>"),
        pc("rom-loader", None, os="<loader type='rom'>/usr/share/seabios/bios.bin</loader>"),
        q35("loader-no-path", "VL755", after=ACPI, os="<loader readonly='yes' type='pflash'/>"),
        q35("enrolled-keys-no-secboot", "VL755", os_attrs=" firmware='efi'", after=ACPI,
            os="<firmware><feature enabled='yes' name='enrolled-keys'/><feature enabled='no' name='secure-boot'/>"
               "</firmware>"),
        q35("no-keys-no-secboot", None, os_attrs=" firmware='efi'", after=ACPI,
            os="<firmware><feature enabled='no' name='enrolled-keys'/><feature enabled='no' name='secure-boot'/>"
               "</firmware>"),
        pc("tseg-on-pc", "VL755", after="<features><smm state='on'><tseg unit='MiB'>48</tseg></smm></features>"),
        q35("tseg-on-q35", None, after="<features><smm state='on'><tseg unit='MiB'>48</tseg></smm></features>"),
        # VL760 chardev-source / VL761 serial-target
        q35("serial-unix-no-path", "VL760", devices="<serial type='unix'><target port='0'/></serial>"),
        q35("serial-unix-path", None,
            devices="<serial type='unix'><source mode='bind' path='/tmp/devices-oracle.sock'/><target port='0'/></serial>"),
        q35("serial-file-no-path", "VL760", devices="<serial type='file'><target port='0'/></serial>"),
        q35("reconnect-on-bind", "VL760", devices=(
            "<serial type='tcp'><source mode='bind' host='127.0.0.1' service='4555'>"
            "<reconnect enabled='yes' timeout='10'/></source><target port='0'/></serial>")),
        q35("reconnect-timeout-0", "VL760", devices=(
            "<serial type='tcp'><source mode='connect' host='127.0.0.1' service='4555'>"
            "<reconnect enabled='yes' timeout='0'/></source><target port='0'/></serial>")),
        q35("serial-pl011", "VL761",
            devices="<serial type='pty'><target type='system-serial'><model name='pl011'/></target></serial>"),
        q35("serial-spapr", "VL761", devices="<serial type='pty'><target type='spapr-vio-serial'/></serial>"),
        q35("serial-isa", None,
            devices="<serial type='pty'><target type='isa-serial'><model name='isa-serial'/></target></serial>"),
        q35("serial-model-mismatch", "VL761",
            devices="<serial type='pty'><target type='isa-serial'><model name='pci-serial'/></target></serial>"),
        # VL765 video-devices / VL766 graphics-pairing
        q35("two-primaries", "VL765", devices="<video><model type='vga' primary='yes'/></video>"
                                               "<video><model type='virtio' primary='yes'/></video>"),
        q35("one-primary", None, devices="<video><model type='vga' primary='yes'/></video>"
                                          "<video><model type='virtio'/></video>"),
        q35("video-none-and-vga", "VL765", devices="<video><model type='none'/></video><video><model type='vga'/></video>"),
        q35("video-none", None, devices="<video><model type='none'/></video>"),
        q35("vga-with-ram", "VL765", devices="<video><model type='vga' ram='65536'/></video>"),
        q35("egl-headless-sdl", "VL766", devices="<graphics type='sdl'/><graphics type='egl-headless'/>"),
        q35("egl-headless-spice-gl", "VL766",
            devices="<graphics type='spice'><gl enable='yes'/></graphics><graphics type='egl-headless'/>"),
        # VL770 interface-config
        q35("mac-multicast", "VL770", devices="<interface type='user'><mac address='01:54:00:12:34:56'/>"
                                              "<model type='virtio'/></interface>"),
        q35("mac-unicast", None, devices="<interface type='user'><mac address='52:54:00:12:34:56'/>"
                                         "<model type='virtio'/></interface>"),
        q35("mac-malformed", "VL770", devices="<interface type='user'><mac address='52:54:00:12:34'/>"
                                              "<model type='virtio'/></interface>"),
        q35("rx-queue-not-pow2", "VL770", devices="<interface type='user'><model type='virtio'/>"
                                                  "<driver rx_queue_size='500'/></interface>"),
        q35("rx-queue-pow2", None, devices="<interface type='user'><model type='virtio'/>"
                                           "<driver rx_queue_size='512'/></interface>"),
        q35("user-tap", "VL770", devices="<interface type='user'><model type='virtio'/><backend tap='/dev/net/tun'/>"
                                         "</interface>"),
        # VL780 shmem / VL782 seclabel / VL783 sysinfo / VL784 tpm / VL785 device-machine / VL786 / VL787
        q35("shmem-size-3m", "VL780",
            devices="<shmem name='devices-oracle'><model type='ivshmem-plain'/><size unit='K'>3072</size></shmem>"),
        q35("shmem-size-4m", None,
            devices="<shmem name='devices-oracle'><model type='ivshmem-plain'/><size unit='M'>4</size></shmem>"),
        q35("shmem-msi-no-server", "VL780",
            devices="<shmem name='devices-oracle'><model type='ivshmem-doorbell'/><msi vectors='4'/></shmem>"),
        q35("seclabel-twice", "VL782",
            after="<seclabel type='dynamic' model='dac' relabel='yes'/><seclabel type='dynamic' model='dac' relabel='yes'/>"),
        # read-only: with relabel='no' the image keeps its owner, and QEMU may only read it
        q35("seclabel-dev-relabel-no", None, devices=_disk(
            "vdb", "virtio", source=f"<source file='{IMAGE}'><seclabel model='dac' relabel='no'/></source>",
            extra="<readonly/>")),
        q35("bios-date-iso", "VL783", after="<sysinfo type='smbios'><bios><entry name='date'>2024-01-31</entry>"
                                            "</bios></sysinfo>"),
        q35("bios-date-us", None, after="<sysinfo type='smbios'><bios><entry name='date'>01/31/2024</entry>"
                                        "</bios></sysinfo>"),
        q35("tpm-no-backend", "VL784", devices="<tpm model='tpm-crb'/>"),
        q35("two-tpms", "VL784", devices="<tpm model='tpm-crb'><backend type='emulator' version='2.0'/></tpm>"
                                         "<tpm model='tpm-tis'><backend type='emulator' version='2.0'/></tpm>"),
        pc("intel-iommu-on-pc", "VL785", devices="<iommu model='intel'/>"),
        q35("intel-iommu-on-q35", None, after="<features><acpi/><ioapic driver='qemu'/></features>",
            devices="<iommu model='intel'/>"),
        pc("virtio-iommu-on-pc", "VL785", after=ACPI, devices="<iommu model='virtio'/>"),
        pc("ib700-on-pc", None, devices="<watchdog model='ib700'/>"),
        q35("panic-s390", "VL785", devices="<panic model='s390'/>"),
        q35("sound-ich7", "VL785", devices="<sound model='ich7'/>"),
        q35("sound-ich9", None, devices="<sound model='ich9'/>"),
        q35("ide-controller-on-q35", "VL785", devices="<controller type='ide' index='0'/>"),
        q35("two-balloons", "VL790", devices="<memballoon model='virtio'/><memballoon model='virtio'/>"),
        # (libvirt's parser counts them before validation says the device is PPC64-only: VL785 reports that too)
        q35("two-nvram-devices", "VL790", devices="<nvram/><nvram/>"),
        # (a balloon model QEMU lacks: address assignment finds it no bus; with an address, validation refuses it)
        q35("xen-balloon", "VL785", devices="<memballoon model='xen'/>"),
        q35("xen-balloon-addressed", "VL785", devices="<memballoon model='xen'><address type='pci' domain='0x0000' "
                                                      "bus='0x00' slot='0x09' function='0x0'/></memballoon>"),
        q35("no-balloon", None, devices="<memballoon model='none'/>"),
        q35("two-iommus", "VL790", after="<features><acpi/><ioapic driver='qemu'/></features>",
            devices="<iommu model='intel'/><iommu model='intel'/>"),
        q35("default-and-isa-panic", "VL790", devices="<panic/><panic model='isa'/>"),
        q35("isa-and-hyperv-panic", None, devices="<panic model='isa'/><panic model='hyperv'/>"),
        q35("two-watchdogs", "VL790", devices="<watchdog model='i6300esb'/><watchdog model='i6300esb'/>"),
        q35("disk-wwn-malformed", "VL756", devices=SCSI_CDROM.format("<wwn>5000c50015ea71a</wwn>")),
        q35("disk-wwn-ok", None, devices=SCSI_CDROM.format("<wwn>0x5000c50015ea71ac</wwn>")),
        q35("disk-vendor-too-long", "VL756", devices=SCSI_CDROM.format("<vendor>ABCDEFGHI</vendor>")),
        q35("uuid-malformed", "VL011", top="<uuid>4dea22b3-1d52-d8f3-2516-782e98ab3fa</uuid>"),
        q35("uuid-spaced-pairs", None, top="<uuid> 4dea 22b3 1d52 d8f3 2516 782e 98ab 3fa1 </uuid>"),
        q35("title-two-lines", "VL011", top="<title>a\nb</title>"),
        q35("kvm-feature-misspelt", "VL407", after="<features><acpi/><kvm><hiden state='on'/></kvm></features>"),
        q35("kvm-feature", None, after="<features><acpi/><kvm><hidden state='on'/></kvm></features>"),
        q35("poweroff-preserve", "VL808", after="<on_poweroff>preserve</on_poweroff>"),
        q35("cpu-feature-twice", "VL213", after="<cpu mode='custom'><model>qemu64</model>"
                                                "<feature policy='require' name='pdpe1gb'/>"
                                                "<feature policy='disable' name='pdpe1gb'/></cpu>"),
        q35("seclabel-dynamic-without-relabel", "VL782", after="<seclabel type='dynamic' model='dac' relabel='no'/>"),
        q35("iothread-ids-twice", "VL211", top="<iothreadids><iothread id='1'/><iothread id='1'/></iothreadids>"),
        q35("perf-event-misspelt", "VL850", after="<perf><event name='cpu_cyclez' enabled='yes'/></perf>"),
        q35("smartcard-spicevmc-without-spice", "VL807", devices="<smartcard mode='passthrough' type='spicevmc'/>"),
        q35("hub-type-pci", "VL850", devices="<hub type='pci'/>"),
        q35("network-interface-without-source", "VL770", devices="<interface type='network'/>"),
        q35("user-interface-link-down", None, devices="<interface type='user'><link state='down'/></interface>"),
        q35("interface-link-state-misspelt", "VL850",
            devices="<interface type='user'><link state='dwon'/></interface>"),
        q35("disk-driver-name-misspelt", "VL752", devices="<disk type='file' device='cdrom'><driver name='qemuu'/>"
                                                          "<target dev='sda' bus='sata'/></disk>"),
        q35("audio-ids-twice", "VL790", devices="<audio id='1' type='none'/><audio id='1' type='none'/>"),
        q35("filesystem-without-target", "VL791", devices="<filesystem type='mount'><source dir='/srv'/></filesystem>"),
        q35("virtiofs-mapped", "VL791", top=SHARED_MEMFD, devices=(
            "<filesystem type='mount' accessmode='mapped'><driver type='virtiofs'/>"
            "<source dir='/var/lib/libvirt/images'/><target dir='images'/></filesystem>")),
        q35("user-interface-mtu", "VL770", devices="<interface type='user'><mtu size='9000'/></interface>"),
        q35("vnc-listen-contradicted", "VL766", devices="<graphics type='vnc' listen='127.0.0.1'>"
                                                        "<listen type='address' address='0.0.0.0'/></graphics>"),
        q35("vnc-listen-agreeing", None, devices="<graphics type='vnc' listen='127.0.0.1'>"
                                                 "<listen type='address' address='127.0.0.1'/></graphics>"),
        q35("iotune-total-and-read", "VL757", devices=SCSI_CDROM.format(
            "<iotune><total_bytes_sec>10000000</total_bytes_sec><read_bytes_sec>5000000</read_bytes_sec></iotune>")),
        q35("iotune-read-and-write", None, devices=SCSI_CDROM.format(
            "<iotune><read_bytes_sec>5000000</read_bytes_sec><write_bytes_sec>5000000</write_bytes_sec></iotune>")),
        q35("crash-preserve", None, after="<on_crash>preserve</on_crash>"),
        q35("emulatorpin-twice", "VL211", top="<cputune><emulatorpin cpuset='0'/><emulatorpin cpuset='0'/></cputune>"),
        q35("hyperv-spinlocks-too-few", "VL407",
            after="<features><acpi/><hyperv mode='custom'><spinlocks state='on' retries='100'/></hyperv></features>"),
        pc("second-ide-controller-on-pc", "VL785", devices="<controller type='ide' index='1'/>"),
        pc("builtin-ide-controller-on-pc", None, devices="<controller type='ide' index='0'/>"),
        q35("virtiofs-readonly", "VL786", top=SHARED_MEMFD, devices=virtiofs("<readonly/>")),
        q35("hostdev-twice", "VL787", devices=(
            "<hostdev mode='subsystem' type='usb'><source><vendor id='0x1234'/><product id='0xbeef'/></source>"
            "</hostdev><hostdev mode='subsystem' type='usb'><source><vendor id='0x1234'/><product id='0xbeef'/>"
            "</source></hostdev>")),
        # more checks whose libvirt 9.0 verdict is worth pinning
        q35("dir-disk-rw", "VL752", devices=(
            "<disk type='dir' device='disk'><driver name='qemu' type='fat'/><source dir='/var/lib/libvirt/images'/>"
            "<target dev='sdb' bus='usb'/></disk>")),
        q35("tcp-no-service", "VL760", devices="<serial type='tcp'><source mode='connect' host='127.0.0.1'/>"
                                               "<target port='0'/></serial>"),
        q35("ramfb-address", "VL765", devices=(
            "<video><model type='ramfb'/><address type='pci' domain='0x0000' bus='0x00' slot='0x07' "
            "function='0x0'/></video>")),
        q35("encryption-vmdk", "VL752", devices=_disk("vdb", "virtio", fmt="vmdk", extra=(
            "<encryption format='luks'><secret type='passphrase' uuid='0a81f5b2-8403-7b23-c8d6-21ccc2f80d6f'/>"
            "</encryption>"))),
        q35("auth-both", "VL753", devices=(
            "<disk type='network' device='disk'><driver name='qemu' type='raw'/>"
            "<source protocol='iscsi' name='iqn.2013-07.com.example:iscsi-nopool/1'><host name='example.com'/>"
            "<auth username='u'><secret type='iscsi' usage='x'/></auth></source>"
            "<auth username='u'><secret type='iscsi' usage='x'/></auth><target dev='vda' bus='virtio'/></disk>")),
        q35("sysinfo-uuid-mismatch", "VL783", top="<uuid>c7a5fdbd-edaf-9455-926a-d65c16db1809</uuid>",
            after="<sysinfo type='smbios'><system><entry name='uuid'>c7a5fdbd-edaf-9455-926a-d65c16db1800</entry>"
                  "</system></sysinfo>"),
        q35("sysinfo-uuid-match", None, top="<uuid>c7a5fdbd-edaf-9455-926a-d65c16db1809</uuid>",
            after="<sysinfo type='smbios'><system><entry name='uuid'>c7a5fdbd-edaf-9455-926a-d65c16db1809</entry>"
                  "</system></sysinfo>"),
        q35("second-console-serial", "VL761", devices="<console type='pty'><target type='serial'/></console>"
                                                       "<console type='pty'><target type='serial'/></console>"),
        q35("second-console-virtio", None, devices="<console type='pty'><target type='serial'/></console>"
                                                   "<console type='pty'><target type='virtio'/></console>"),
        q35("sclp-console", "VL761", devices="<console type='pty'><target type='sclp'/></console>"),
        q35("useserial-no-serial", "VL761", os="<bios useserial='yes'/>"),
        q35("useserial-console", None, os="<bios useserial='yes'/>", devices="<console type='pty'/>"),
        q35("vsock-cid-2", "VL788", devices="<vsock model='virtio'><cid auto='no' address='2'/></vsock>"),
        arm("panic-default-isa", "VL785", devices="<panic/>"),
        arm("panic-pvpanic-isa-address", "VL785",
            devices="<panic model='pvpanic'><address type='isa' iobase='0x505'/></panic>"),
        arm("ps2-keyboard", "VL785", devices="<input type='keyboard' bus='ps2'/>"),
        arm("usb-keyboard", None, devices="<controller type='usb' model='qemu-xhci'/><input type='keyboard' bus='usb'/>"),
        arm("pl011", None, devices="<serial type='pty'><target type='system-serial'><model name='pl011'/></target>"
                                   "</serial>"),
        q35("channel-reconnect-generated", "VL760", devices=(
            "<channel type='unix'><source mode='connect'><reconnect enabled='yes' timeout='10'/></source>"
            "<target type='virtio' name='org.qemu.guest_agent.0'/></channel>")),
        q35("channel-generated", None, devices=(
            "<channel type='unix'><source mode='bind'/><target type='virtio' name='org.qemu.guest_agent.0'/>"
            "</channel>")),
        q35("9p-boot-order", "VL754", devices=(
            "<filesystem type='mount' accessmode='mapped'><driver type='path'/><source dir='/var/lib/libvirt/images'/>"
            "<target dir='images'/><boot order='1'/></filesystem>")),
        q35("virtiofs-boot-order", None, top=SHARED_MEMFD, devices=virtiofs("<boot order='1'/>")),
        q35("vga-secondary", "VL765", devices="<video><model type='virtio'/></video><video><model type='vga'/></video>"),
        q35("vga-primary-qxl-secondary", None,
            devices="<video><model type='vga'/></video><video><model type='qxl'/></video>"),
        q35("vga-two-heads", "VL765", devices="<video><model type='vga' heads='2'/></video>"),
        q35("vga-accel3d", "VL765", devices="<video><model type='vga'><acceleration accel3d='yes'/></model></video>"),
        q35("vnc-password-9", "VL766", devices="<graphics type='vnc' passwd='123456789'/>"),
        q35("vnc-password-8", None, devices="<graphics type='vnc' passwd='12345678'/>"),
        q35("spice-audio-vnc", "VL766", devices="<graphics type='vnc'/><audio id='1' type='spice'/>"),
        q35("ps2-tablet", "VL785", devices="<input type='tablet' bus='ps2'/>"),
        q35("usb-tablet", None, devices="<input type='tablet' bus='usb'/>"),
        q35("xen-input", "VL785", devices="<input type='mouse' bus='xen'/>"),
        q35("readonly-sata-disk", "VL751", devices=_disk("sdb", "sata", extra="<readonly/>")),
        q35("readonly-virtio-disk", None, devices=_disk("vdb", "virtio", extra="<readonly/>")),
        q35("queues-on-sata", "VL751", devices=(
            f"<disk type='file'><driver name='qemu' type='raw' queues='2'/><source file='{IMAGE}'/>"
            "<target dev='sdb' bus='sata'/></disk>")),
        q35("tray-on-disk", "VL751", devices=(
            f"<disk type='file'><driver name='qemu' type='raw'/><source file='{IMAGE}'/>"
            "<target dev='vdb' bus='virtio' tray='open'/></disk>")),
        q35("removable-on-sata", "VL751", devices=(
            f"<disk type='file'><driver name='qemu' type='raw'/><source file='{IMAGE}'/>"
            "<target dev='sdb' bus='sata' removable='on'/></disk>")),
        # libvirt 10.7 refuses these, 9.0 accepts them; the rules follow the libvirt-version setting, which
        # the oracle sets to the daemon's version, so virtlint must stay silent here
        q35("v9-format-mismatch", None, os_attrs=" firmware='efi'", after=ACPI,
            os="<loader format='qcow2'/><nvram format='raw'/>"),
        q35("v9-portforward-slirp", None, devices=(
            "<interface type='user'><model type='virtio'/><portForward proto='tcp'><range start='2022' to='22'/>"
            "</portForward></interface>")),
        q35("v9-relabel-without-label", None, devices=_disk(
            "vdb", "virtio", source=f"<source file='{IMAGE}'><seclabel model='dac' relabel='yes'/></source>")),
        q35("v9-ib700-on-q35", None, devices="<watchdog model='ib700'/>"),
        q35("hostdev-pci-twice", "VL787", devices=(
            "<hostdev mode='subsystem' type='pci' managed='yes'><source><address domain='0x0000' bus='0x07' "
            "slot='0x00' function='0x0'/></source></hostdev><interface type='hostdev' managed='yes'><source>"
            "<address type='pci' domain='0x0000' bus='0x07' slot='0x00' function='0x0'/></source></interface>")),
        # found by starting the crossover transplants into i440fx and ARM virt (at start, QEMU's refusals)
        pc("pcspk-soundhw", "VL799", devices="<sound model='pcspk'/>"),  # (9.0 writes -soundhw, QEMU 7.2 has none)
        pc("ich6-sound", None, devices="<sound model='ich6'/>"),
        q35("ibmvscsi-off-ppc64", "VL794", devices="<controller type='scsi' model='ibmvscsi'/>"),
        q35("virtio-scsi-controller", None, devices="<controller type='scsi' model='virtio-scsi'/>"),
        q35("netfront-nic", "VL770", devices="<interface type='user'><model type='netfront'/></interface>"),
        q35("e1000e-nic", None, devices="<interface type='user'><model type='e1000e'/></interface>"),
        arm("gicv2-nine-vcpus", "VL201", top="<vcpu>9</vcpu>"),  # (with the host document: its limit is 512)
        arm("gicv2-eight-vcpus", None, top="<vcpu>8</vcpu>"),
        arm("dbus-audio-absent", "VL767", devices="<graphics type='dbus' p2p='yes'><audio id='1'/></graphics>"),
        arm("dbus-audio-present", None, devices=("<graphics type='dbus' p2p='yes'><audio id='1'/></graphics>"
                                                 "<audio id='1' type='dbus'/>")),
        q35("bridge-on-added-bus", "VL702", devices=(
            "<controller type='pci' index='2' model='pcie-to-pci-bridge'><address type='pci' domain='0x0000' "
            "bus='0x01' slot='0x00' function='0x0'/></controller>")),
        q35("bridge-on-defined-bus", None, devices=(
            "<controller type='pci' index='1' model='pcie-root-port'/><controller type='pci' index='2' "
            "model='pcie-to-pci-bridge'><address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>"
            "</controller>")),
        arm("sb16-sound", "VL785", devices="<sound model='sb16'/><audio id='1' type='none'/>"),
        # an address type whose property (isa: iobase, irq; spapr-vio: reg; dimm: slot) QEMU's device lacks
        q35("isa-address-on-e1000", "VL704", devices=(
            "<interface type='user'><model type='e1000'/><address type='isa' iobase='0x300'/></interface>")),
        q35("isa-address-on-ne2k-isa", None, devices=(
            "<interface type='user'><model type='ne2k_isa'/><address type='isa' iobase='0x300' irq='9'/>"
            "</interface>")),
        pc("spapr-vio-address-on-ich9", "VL704", devices=(
            "<sound model='ich9'><address type='spapr-vio' reg='0x3000'/></sound>")),
        q35("dimm-address-on-xhci", "VL704", devices=(
            "<controller type='usb' index='6' model='qemu-xhci'><address type='dimm' slot='1'/></controller>")),
        q35("irq-on-debugcon", "VL704", devices=(
            "<serial type='null'><target type='isa-debug'/><address type='isa' iobase='0x402' irq='5'/></serial>")),
        q35("debugcon-without-irq", None, devices=(
            "<serial type='null'><target type='isa-debug'/><address type='isa' iobase='0x402'/></serial>")),
        pc("usb-address-on-e1000", "VL704", devices=(
            "<interface type='user'><model type='e1000'/><address type='usb' bus='0' port='1'/></interface>")),
        q35("drive-address-on-ich9", "VL704", devices=(
            "<sound model='ich9'><address type='drive' controller='0' bus='0' target='0' unit='1'/></sound>")),
        q35("virtio-serial-address-on-e1000", "VL704", devices=(
            "<controller type='virtio-serial' index='0'/><interface type='user'><model type='e1000'/>"
            "<address type='virtio-serial' controller='0' bus='0' port='3'/></interface>")),
        q35("vmware-nic-model", "VL770", devices="<interface type='user'><model type='vlance'/></interface>"),
        q35("unknown-nic-model", "VL770", devices="<interface type='user'><model type='idontexist'/></interface>"),
        q35("tulip-nic-model", None, devices="<interface type='user'><model type='tulip'/></interface>"),
        q35("nic-model-in-upper-case", None, devices="<interface type='user'><model type='E1000'/></interface>"),
        q35("ne2k-isa-without-address", "VL770", devices="<interface type='user'><model type='ne2k_isa'/></interface>"),
        q35("acpi-index-on-sata-cdrom", "VL704", devices=(
            "<disk type='file' device='cdrom'><target dev='sdb' bus='sata'/><readonly/><acpi index='7'/></disk>")),
        q35("acpi-index-on-usb-keyboard", "VL704", devices="<input type='keyboard' bus='usb'><acpi index='7'/></input>"),
        q35("acpi-index-on-virtio-keyboard", None, devices=(
            "<input type='keyboard' bus='virtio'><acpi index='7'/></input>")),
        q35("acpi-index-on-virtio-channel", "VL704", devices=(
            "<channel type='pty'><target type='virtio' name='a.b'/><acpi index='7'/></channel>")),
        # CPU and machine properties libvirt writes whatever the arch (the features sweep)
        arm("hyperv-relaxed-on-arm", "VL406", after="<features><hyperv mode='custom'><relaxed state='on'/></hyperv>"
            "</features>"),
        arm("hyperv-relaxed-off-on-arm", None, after="<features><hyperv mode='custom'><relaxed state='off'/>"
            "</hyperv></features>"),
        arm("kvm-pv-ipi-off-on-arm", "VL406", after="<features><kvm><pv-ipi state='off'/></kvm></features>"),
        arm("kvm-pv-ipi-on-on-arm", None, after="<features><kvm><pv-ipi state='on'/></kvm></features>"),
        arm("smm-off-on-arm", "VL406", after="<features><smm state='off'/></features>"),
        arm("gic-host-under-tcg", "VL406", after="<features><gic version='host'/></features>"),
        arm("gic-3-under-tcg", None, after="<features><gic version='3'/></features>"),
        q35("cmdline-without-kernel", "VL755", os="<cmdline>console=ttyS0</cmdline>"),
        arm("empty-cmdline-without-kernel", None, os="<cmdline></cmdline>"),
        q35("spapr-vlan-off-ppc64", "VL770", devices="<interface type='user'><model type='spapr-vlan'/></interface>"),
        arm("ich9-sound", None, devices="<sound model='ich9'/><audio id='1' type='none'/>"),
        arm("ib700-watchdog", "VL785", devices="<watchdog model='ib700'/>"),  # (9.0 defines it, QEMU refuses)
        arm("i6300esb-watchdog", None, devices="<watchdog model='i6300esb'/>"),
        q35("scsi-controller-usb-model", "VL794", devices="<controller type='scsi' model='nec-xhci'/>"),
        q35("usb-controller-usb-model", None, devices="<controller type='usb' model='nec-xhci'/>"),
        q35("vnc-then-sdl-no-audio", "VL799", devices="<graphics type='vnc'/><graphics type='sdl'/>"),
        q35("vnc-then-dbus-no-audio", None, devices="<graphics type='vnc'/><graphics type='dbus'/>"),
        arm("parallel-port", "VL763", devices="<parallel type='pty'><target port='0'/></parallel>"),
        arm("serial-port", None, devices="<serial type='pty'><target port='0'/></serial>"),
        # the property sweep: values libvirt writes on QEMU's devices, which QEMU (or libvirt) refuses at start
        q35("blockio-logical-above-default", "VL764",
            devices=_disk("vdb", "virtio", extra="<blockio logical_block_size='4096'/>")),
        q35("blockio-logical-and-physical", None,
            devices=_disk("vdb", "virtio", extra="<blockio logical_block_size='4096' physical_block_size='4096'/>")),
        q35("blockio-sata-4k", "VL764",
            devices=_disk("sdb", "sata", extra="<blockio logical_block_size='4096' physical_block_size='4096'/>")),
        q35("blockio-sata-physical-4k", None, devices=_disk("sdb", "sata", extra="<blockio physical_block_size='4096'/>")),
        pc("blockio-floppy-4k", "VL764",
           devices=_disk("fda", "fdc", device="floppy", extra="<blockio physical_block_size='4096'/>")),
        pc("blockio-floppy-512", None, devices=_disk("fda", "fdc", device="floppy",
                                                     extra="<blockio logical_block_size='512' physical_block_size='512'/>")),
        q35("geometry-sata-17-heads", "VL764",
            devices=_disk("sdb", "sata", extra="<geometry cyls='100' heads='17' secs='63'/>")),
        q35("geometry-virtio-17-heads", None,
            devices=_disk("vdb", "virtio", extra="<geometry cyls='100' heads='17' secs='63'/>")),
        q35("geometry-sata-cdrom", "VL764",
            devices=_disk("sdc", "sata", device="cdrom", extra="<geometry cyls='100' heads='16' secs='63'/>")),
        q35("geometry-virtio-cyls-only", "VL764", devices=_disk("vdb", "virtio", extra="<geometry cyls='100'/>")),
        q35("iotune-burst-without-limit", "VL757", devices=_disk("vdb", "virtio", extra=(
            "<iotune><total_bytes_sec_max>2000000</total_bytes_sec_max></iotune>"))),
        q35("iotune-burst-with-limit", None, devices=_disk("vdb", "virtio", extra=(
            "<iotune><total_bytes_sec>1000000</total_bytes_sec><total_bytes_sec_max>2000000</total_bytes_sec_max>"
            "</iotune>"))),
        q35("iotune-size-without-iops", "VL757", devices=_disk("vdb", "virtio", extra=(
            "<iotune><total_bytes_sec>1000000</total_bytes_sec><size_iops_sec>4096</size_iops_sec></iotune>"))),
        q35("memory-slots-257", "VL210", top=_MAX_MEMORY.format(slots=257, mib=1024), after=_ONE_CELL),
        q35("memory-slots-256", None, top=_MAX_MEMORY.format(slots=256, mib=1024), after=_ONE_CELL),
        q35("max-memory-equal-initial", "VL210", top=_MAX_MEMORY.format(slots=2, mib=128), after=_ONE_CELL),
        q35("max-memory-above-initial", None, top=_MAX_MEMORY.format(slots=2, mib=130), after=_ONE_CELL),
        q35("virtio-mem-partial-block", "VL797", top=_MAX_MEMORY.format(slots=2, mib=1024), after=_ONE_CELL,
            devices=_VIRTIO_MEM.format(kib=133120)),
        q35("virtio-mem-whole-blocks", None, top=_MAX_MEMORY.format(slots=2, mib=1024), after=_ONE_CELL,
            devices=_VIRTIO_MEM.format(kib=135168)),
        pc("dimm-without-acpi", "VL797", top=_MAX_MEMORY.format(slots=2, mib=1024), after=_ONE_CELL, devices=_DIMM),
        pc("dimm-with-acpi", None, top=_MAX_MEMORY.format(slots=2, mib=1024), after=ACPI + _ONE_CELL, devices=_DIMM),
        pc("expander-buses-one-number", "VL710", devices=_PXB.format(1, 200) + _PXB.format(2, 200)),
        pc("expander-buses-two-numbers", None, devices=_PXB.format(1, 200) + _PXB.format(2, 150)),
        q35("virtio-scsi-target-300", "VL700", devices=SCSI_CDROM.format(_DRIVE.format(target=300, unit=0))),
        q35("virtio-scsi-unit-300", None, devices=SCSI_CDROM.format(_DRIVE.format(target=0, unit=300))),
        q35("queue-size-100", "VL764", devices=_QUEUE_SIZE_DISK.format(100)),
        q35("queue-size-2", "VL764", devices=_QUEUE_SIZE_DISK.format(2)),
        q35("queue-size-4", None, devices=_QUEUE_SIZE_DISK.format(4)),
        q35("user-nic-two-queues", "VL770",
            devices="<interface type='user'><model type='virtio'/><driver queues='2'/></interface>"),
        q35("user-nic-one-queue", None,
            devices="<interface type='user'><model type='virtio'/><driver queues='1'/></interface>"),
        q35("nic-rx-ring-128", "VL770",
            devices="<interface type='user'><model type='virtio'/><driver rx_queue_size='128'/></interface>"),
        q35("nic-rx-ring-256", None,
            devices="<interface type='user'><model type='virtio'/><driver rx_queue_size='256'/></interface>"),
        # QEMU's mount tag lengths (9p 31 bytes, virtiofs 36) and virtiofs's queue sizes
        q35("9p-tag-32-bytes", "VL791", devices=_NINE_P.format("t" * 32)),
        q35("9p-tag-31-bytes", None, devices=_NINE_P.format("t" * 31)),
        q35("virtiofs-tag-37-bytes", "VL791", top=SHARED_MEMFD,
            devices=virtiofs().replace("target dir='images'", "target dir='" + "t" * 37 + "'")),
        q35("virtiofs-tag-36-bytes", None, top=SHARED_MEMFD,
            devices=virtiofs().replace("target dir='images'", "target dir='" + "t" * 36 + "'")),
        q35("virtiofs-queue-1000", "VL791", top=SHARED_MEMFD,
            devices=virtiofs().replace("type='virtiofs'", "type='virtiofs' queue='1000'")),
        q35("virtiofs-queue-1024", None, top=SHARED_MEMFD,
            devices=virtiofs().replace("type='virtiofs'", "type='virtiofs' queue='1024'")),
        # libvirt's formatter writes Hyper-V spinlock retries signed, and refuses its own copy at start
        q35("hyperv-spinlocks-retries-4294967295", "VL407",
            after="<features><hyperv mode='custom'><spinlocks state='on' retries='4294967295'/></hyperv></features>"),
        q35("hyperv-spinlocks-retries-2147483647", None,
            after="<features><hyperv mode='custom'><spinlocks state='on' retries='2147483647'/></hyperv></features>"),
        q35("nic-acpi-index-16384", "VL704", devices="<interface type='user'><model type='virtio'/>"
                                                    "<acpi index='16384'/></interface>"),
        q35("nic-acpi-index-16383", None, devices="<interface type='user'><model type='virtio'/>"
                                                 "<acpi index='16383'/></interface>"),
        q35("audio-id-2147483648", "VL799", devices="<audio id='2147483648' type='none'/>"),
        q35("audio-id-2147483647", None, devices="<audio id='2147483647' type='none'/>"),
        q35("vnc-keymap-us", "VL767", devices="<graphics type='vnc' keymap='us'/>"),
        q35("vnc-keymap-en-us", None, devices="<graphics type='vnc' keymap='en-us'/>"),
        q35("spice-keymap-us", None, devices="<graphics type='spice' autoport='yes' keymap='us'/>"),
        q35("virtio-serial-512-ports", "VL763", devices="<controller type='virtio-serial' ports='512'/>"),
        q35("virtio-serial-511-ports", None, devices="<controller type='virtio-serial' ports='511'/>"),
        q35("virtio-scsi-1023-queues", "VL794",
            devices="<controller type='scsi' model='virtio-scsi'><driver queues='1023'/></controller>"),
        q35("virtio-scsi-1022-queues", None,
            devices="<controller type='scsi' model='virtio-scsi'><driver queues='1022'/></controller>"),
        q35("intel-iommu-aw-bits-40", "VL792", after=ACPI,
            devices="<iommu model='intel'><driver aw_bits='40'/></iommu>"),
        q35("intel-iommu-aw-bits-48", None, after=ACPI,
            devices="<iommu model='intel'><driver aw_bits='48'/></iommu>"),
        q35("virtio-video-17-heads", "VL765", devices="<video><model type='virtio' heads='17'/></video>"),
        q35("virtio-video-16-heads", None, devices="<video><model type='virtio' heads='16'/></video>"),
        pc("iommu-on-transitional-rng", "VL803", devices=(
            "<rng model='virtio'><backend model='random'>/dev/urandom</backend><driver iommu='on'/></rng>")),
        pc("iommu-on-non-transitional-rng", None, devices=(
            "<rng model='virtio-non-transitional'><backend model='random'>/dev/urandom</backend>"
            "<driver iommu='on'/></rng>")),
        q35("iommu-on-transitional-model", "VL803", devices=(
            "<interface type='user'><model type='virtio-transitional'/><driver iommu='on'/></interface>")),
        q35("iommu-on-root-port", None, devices=(
            "<interface type='user'><model type='virtio'/><driver iommu='on'/></interface>")),
    ]
