"""Refusals found by the fifth round of value sweeps past the real libvirt 9.0 and QEMU 7.2 (USB, sound, USB
redirection, character devices, small devices, CPU tuning, memory devices, disks): a plain EHCI master of ICH9
companions, USB controllers without ports, a sound device's audio id, redirection filter IDs QEMU refuses and
versions libvirt reads, reconnect on listening sockets, the UDP source libvirt reads, stdio backends, empty file
paths, TCP servers on one port, guestfwd addresses outside libslirp's network, virtio-serial buses, ISA serial IRQs,
a balloon's stats period in base 0, device info libvirt ignores on model='none', the first cputune number only,
empty emulator pins, schedulers of offline vCPUs, memory devices of size 0 and base addresses in hexadecimal,
floppy properties, CHS translations and boot orders QEMU refuses; and from the sixth round (drives, virtio options,
the pc machine): legacy virtio on old q35 machines, disk names whose index overflows, floppy and SCSI drive
addresses, rotation rates, a pci-root's target index, Hyper-V spinlock retries in base 0, SMM TSEG sizes, CPUs
without an APIC on q35, virtio videos off PCI, TPMs on PCI, a USB controller the binaries lack, paravirtual spinlocks
on a hidden KVM; and from the seventh: socket interface addresses, tap queues, DAC labels, fw_cfg files. Each refusal
with its accepted twin."""

from __future__ import annotations

from cases import IMAGE, Case, case_maker

SPICE = "<graphics type='spice' autoport='yes'/>"
REDIRECTED = SPICE + "<redirdev bus='usb' type='spicevmc'/><redirfilter><usbdev {} allow='yes'/></redirfilter>"
TCP_SERVER = "<serial type='tcp'><source mode='bind' host='{}' service='{}'/><target port='{}'/></serial>"
GUESTFWD = "<channel type='pty'><target type='guestfwd' address='{}' port='4600'/></channel>"
VIRTIO_SERIAL = ("<channel type='pty'><target type='virtio' name='org.example.sweep5'/><address type='virtio-serial' "
                 "controller='0' bus='{}' port='1'/></channel>")
ISA_SERIAL = ("<serial type='pty'><target type='isa-serial' port='0'/><address type='isa' iobase='0x3f8' irq='{}'/>"
              "</serial>")
PCI_ADDRESS = "<address type='pci' domain='0' bus='0' slot='{}' function='0'/>"
WATCHDOG = "<watchdog model='i6300esb'>" + PCI_ADDRESS.format("0x07") + "</watchdog>"
HOTPLUG = ("<maxMemory slots='4' unit='MiB'>1024</maxMemory>", "<features><acpi/></features><cpu><numa>"
           "<cell id='0' cpus='0' memory='128' unit='MiB'/></numa></cpu>")
DIMM = ("<memory model='dimm'><target><size unit='KiB'>{}</size><node>0</node></target>{}</memory>")
DIMM_AT = "<address type='dimm' slot='{}' base='{}'/>"
OFFLINE_VCPU = ("<vcpu>2</vcpu><vcpus><vcpu id='0' enabled='yes' hotpluggable='no'/><vcpu id='1' enabled='no' "
                "hotpluggable='yes'/></vcpus><cputune><vcpusched vcpus='{}' scheduler='fifo' priority='0'/></cputune>")
FLOPPY = "<disk type='file' device='floppy'>{}<target dev='fda' bus='fdc'/></disk>"
USER_NIC = "<interface type='user'><model type='virtio'/><boot order='{}'/></interface>"
HYPERV_SPINLOCKS = "<features><acpi/><hyperv mode='custom'><spinlocks state='on' retries='{}'/></hyperv></features>"
SMM_TSEG = "<features><acpi/><smm state='on'><tseg unit='MiB'>{}</tseg></smm></features>"
TPM = "<tpm model='tpm-tis'><backend type='emulator' version='2.0'/>{}</tpm>"
SOCKET_NIC = "<interface type='server'><source address='{}' port='{}'/><model type='virtio'/></interface>"
TAP_NIC = "<interface type='ethernet'><model type='virtio'/><driver queues='{}'/></interface>"
IOMMU_NIC = "<interface type='user'><model type='virtio'/><driver iommu='on'/></interface>"
NAMED_DISK = (f"<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='{IMAGE}'/>"
              "<target dev='{}' bus='virtio'/><readonly/></disk>")
FLOPPY_UNIT = ("<disk type='file' device='floppy'><target dev='fdb' bus='fdc'/><address type='drive' controller='0' "
               "bus='0' target='0' unit='{}'/></disk>")
SCSI_CDROM = ("<controller type='scsi' index='0' model='{}'/><disk type='file' device='cdrom'><target dev='sda' "
              "bus='scsi'/><readonly/><address type='drive' controller='0' bus='0' target='{}' unit='{}'/></disk>")
ROTATING = (f"<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='{IMAGE}'/>"
            "<target dev='sda' bus='sata' rotation_rate='{}'/><shareable/></disk>")


def cases(kvm: bool) -> list[Case]:
    q35 = case_maker("sweep5-q35")
    pc = case_maker("sweep5-pc", machine="pc")
    q35_2_6 = case_maker("sweep5-q35-2-6", machine="pc-q35-2.6")
    q35_2_7 = case_maker("sweep5-q35-2-7", machine="pc-q35-2.7")
    arm = case_maker("sweep5-arm", arch="aarch64", machine="virt")
    kvm_q35 = case_maker("sweep5-kvm-q35", virttype="kvm")
    top, after = HOTPLUG
    return [
        # VL707: QEMU gives companions to its ICH9 EHCI only (start)
        q35("ehci-master", "VL707", devices="<controller type='usb' index='0' model='ehci'/><controller type='usb' "
            "index='0' model='ich9-uhci1'><master startport='0'/></controller>"),
        q35("ich9-ehci-master", None, devices="<controller type='usb' index='0' model='ich9-ehci1'/><controller "
            "type='usb' index='0' model='ich9-uhci1'><master startport='0'/></controller>"),
        # VL705: no controller has a port for the tablet, or the hub libvirt adds for it
        q35("usb-ports-zero", "VL705", devices="<controller type='usb' index='0' model='qemu-xhci' ports='0'/>"
            "<input type='tablet' bus='usb'/>"),
        q35("usb-ports-one", None, devices="<controller type='usb' index='0' model='qemu-xhci' ports='1'/>"
            "<input type='tablet' bus='usb'/>"),
        # VL851: a sound device's <audio id>, required and not zero
        q35("sound-audio-zero", "VL851", devices="<sound model='ich9'><audio id='0'/></sound><audio id='1' "
            "type='none'/>"),
        q35("sound-audio-one", None, devices="<sound model='ich9'><audio id=' 1'/></sound><audio id='1' type='none'/>"),
        # VL796: filter IDs QEMU's usb-redir refuses (start), versions as libvirt reads them
        q35("redirfilter-vendor-17-bits", "VL796", devices=REDIRECTED.format("vendor='0x10000'")),
        q35("redirfilter-vendor-16-bits", None, devices=REDIRECTED.format("vendor='0xffff'")),
        q35("redirfilter-version-minus-one", "VL796", devices=REDIRECTED.format("version='-1.0'")),
        q35("redirfilter-version-minus-zero", None, devices=REDIRECTED.format("version='-0. +5'")),
        # VL760: reconnect with enabled='no' on a listening socket; the UDP source libvirt reads
        q35("reconnect-no-on-bind", "VL760", devices="<serial type='tcp'><source mode='bind' host='127.0.0.1' "
            "service='47411'><reconnect enabled='no'/></source></serial>"),
        q35("reconnect-unset-on-bind", None, devices="<serial type='tcp'><source mode='bind' host='127.0.0.1' "
            "service='47412'><reconnect/></source></serial>"),
        q35("udp-first-source-without-service", "VL760", devices="<serial type='udp'><source mode='connect' "
            "host='127.0.0.1'/><source mode='connect' host='127.0.0.1' service='47413'/></serial>"),
        q35("udp-empty-first-source", None, devices="<serial type='udp'><source mode='connect'/><source "
            "mode='connect' host='127.0.0.1' service='47414'/></serial>"),
        # VL763: backends QEMU or libvirt cannot open (start)
        q35("stdio-twice", "VL763", devices="<serial type='stdio'/><channel type='stdio'><target type='virtio' "
            "name='org.example.sweep5'/></channel>"),
        q35("stdio-serial-and-its-console", None, devices="<serial type='stdio'/><console type='stdio'><target "
            "type='serial'/></console>"),
        q35("file-path-empty", "VL763", devices="<serial type='file'><source path=''/></serial>"),
        q35("log-without-file", None, devices="<serial type='pty'><log append='on'/><target port='0'/></serial>"),
        q35("tcp-servers-one-port", "VL763", devices=TCP_SERVER.format("127.0.0.1", 47415, 0)
            + TCP_SERVER.format("0.0.0.0", 47415, 1)),
        q35("tcp-servers-two-hosts", None, devices=TCP_SERVER.format("127.0.0.1", 47416, 0)
            + TCP_SERVER.format("127.0.0.2", 47416, 1)),
        q35("guestfwd-slirp-host", "VL763", devices=GUESTFWD.format("10.0.2.2")),
        q35("guestfwd-slirp-network", None, devices=GUESTFWD.format("10.0.2.1")),
        q35("virtio-serial-bus-one", "VL763", devices=VIRTIO_SERIAL.format(1)),
        q35("virtio-serial-bus-zero", None, devices=VIRTIO_SERIAL.format(0)),
        q35("isa-serial-irq-16", "VL763", devices=ISA_SERIAL.format("10")),
        q35("isa-serial-irq-15", None, devices=ISA_SERIAL.format("f")),
        # VL851: a balloon's stats period, read in base 0; VL701: a none balloon's address is not read
        q35("balloon-period-08", "VL851", devices="<memballoon model='virtio'><stats period='08'/></memballoon>"),
        q35("balloon-period-hex", None, devices="<memballoon model='virtio'><stats period='0x10'/></memballoon>"),
        q35("balloon-address-taken", "VL701", devices="<memballoon model='virtio'>" + PCI_ADDRESS.format("0x07")
            + "</memballoon>" + WATCHDOG),
        q35("none-balloon-address-unread", None, devices="<memballoon model='none'>" + PCI_ADDRESS.format("0x07")
            + "</memballoon>" + WATCHDOG),
        # VL211: the first cputune number only; an emulator pin of no CPU; schedulers of offline vCPUs (start)
        q35("cputune-first-period-bad", "VL211", top="<cputune><period>5</period><period>100000</period></cputune>"),
        q35("cputune-second-period-unread", None, top="<cputune><period>100000</period><period>5</period>"
            "</cputune>"),
        q35("emulatorpin-no-cpu", "VL211", top="<cputune><emulatorpin cpuset='0,^0'/></cputune>"),
        q35("emulatorpin-cpu-zero", None, top="<cputune><emulatorpin cpuset='0-1,^1'/></cputune>"),
        q35("vcpusched-online-priority-0", "VL211", top=OFFLINE_VCPU.format(0)),
        q35("vcpusched-offline-priority-0", None, top=OFFLINE_VCPU.format(1)),
        # VL210: a DIMM of size 0 (start); base addresses read in hexadecimal without 0x
        q35("dimm-size-0", "VL210", top=top, after=after, devices=DIMM.format(0, "")),
        q35("dimm-size-1k", None, top=top, after=after, devices=DIMM.format(1, "")),
        q35("dimm-bases-overlap", "VL210", top=top, after=after,
            devices=DIMM.format(131072, DIMM_AT.format(0, "100000000"))
            + DIMM.format(131072, DIMM_AT.format(1, "0x104000000"))),
        q35("dimm-bases-adjacent", None, top=top, after=after,
            devices=DIMM.format(131072, DIMM_AT.format(0, "100000000"))
            + DIMM.format(131072, DIMM_AT.format(1, "0x108000000"))),
        # VL210: devices that do not fit once libvirt rounds them up to 2 MiB; a base the backend's alignment refuses
        q35("dimm-rounded-beyond-space", "VL210", top=top.replace("1024</maxMemory>", "129</maxMemory>"), after=after,
            devices=DIMM.format(1, "")),
        q35("dimm-rounded-within-space", None, top=top.replace("1024</maxMemory>", "130</maxMemory>"), after=after,
            devices=DIMM.format(1, "")),
        q35("dimm-base-unaligned", "VL210", top=top, after=after, devices=DIMM.format(131072, DIMM_AT.format(
            0, "0x100000009"))),
        q35("dimm-base-aligned", None, top=top, after=after, devices=DIMM.format(131072, DIMM_AT.format(
            0, "0x100200000"))),
        # VL764: what QEMU's floppy and CD-ROM devices do not have (start); VL754: boot orders above INT_MAX (start)
        q35("floppy-serial", "VL764", devices=FLOPPY.format("<serial>abc</serial>")),
        q35("floppy-cache", None, devices=FLOPPY.format("<driver name='qemu' cache='writeback'/>")),
        q35("cdrom-chs-translation", "VL764", devices="<disk type='file' device='cdrom'><target dev='sda' "
            "bus='sata'/><geometry trans='lba'/><readonly/></disk>"),
        q35("boot-order-2-31", "VL754", devices=USER_NIC.format(2147483648)),
        q35("boot-order-int-max", None, devices=USER_NIC.format(2147483647)),
        # the sixth round: VL803, a q35 machine up to 2.6 keeps a plain virtio device's legacy interface (start)
        q35_2_6("virtio-iommu-legacy", "VL803", devices=IOMMU_NIC),
        q35_2_7("virtio-iommu-modern", None, devices=IOMMU_NIC),
        # VL750: a target name whose index overflows libvirt's int, on a disk without an address
        q35("disk-name-index-wraps", "VL750", devices=NAMED_DISK.format("vdfxshrxy")),
        q35("disk-name-index-int-max", None, devices=NAMED_DISK.format("vdfxshrxx")),
        # VL700: drive addresses QEMU's floppy and SCSI buses refuse, and numbers libvirt formats with %d (start)
        q35("floppy-unit-2", "VL700", devices=FLOPPY_UNIT.format(2)),
        q35("floppy-unit-1", None, devices=FLOPPY_UNIT.format(1)),
        q35("lsisas1068-target-9", "VL700", devices=SCSI_CDROM.format("lsisas1068", 9, 0)),
        q35("lsisas1068-target-8", None, devices=SCSI_CDROM.format("lsisas1068", 8, 0)),
        q35("pvscsi-unit-1", "VL700", devices=SCSI_CDROM.format("vmpvscsi", 0, 1)),
        q35("pvscsi-target-64", None, devices=SCSI_CDROM.format("vmpvscsi", 64, 0)),
        q35("am53c974-target-beyond-int", "VL700", devices=SCSI_CDROM.format("am53c974", 2147483648, 0)),
        q35("am53c974-target-int-max", None, devices=SCSI_CDROM.format("am53c974", 2147483647, 0)),
        # VL758: a rotation rate QEMU's uint16 property refuses (start)
        q35("rotation-rate-65536", "VL758", devices=ROTATING.format(65536)),
        q35("rotation-rate-65535", None, devices=ROTATING.format(65535)),
        # VL710: a target index on a pci-root that is no pSeries host bridge
        pc("pci-root-target-index", "VL710", devices="<controller type='pci' index='0' model='pci-root'><target "
           "index='0'/></controller>"),
        pc("pci-root-target", None, devices="<controller type='pci' index='0' model='pci-root'><target/></controller>"),
        # VL407: Hyper-V spinlock retries read in base 0 (0x1000 is 4096; 08191 is no number)
        q35("spinlocks-retries-octal-9", "VL407", after=HYPERV_SPINLOCKS.format("08191")),
        q35("spinlocks-retries-hex", None, after=HYPERV_SPINLOCKS.format("0x1000")),
        # VL755: an SMM TSEG beyond QEMU's 4095 MiB (start)
        q35("tseg-4096-mib", "VL755", after=SMM_TSEG.format(4096)),
        q35("tseg-4095-mib", None, after=SMM_TSEG.format(4095)),
        # VL218: a CPU without a local APIC on q35, whose root ports need MSI-X (start)
        q35("cpu-486", "VL218", after="<cpu mode='custom'><model>486</model></cpu>"),
        q35("cpu-486-with-apic", None, after="<cpu mode='custom'><model>486</model><feature policy='require' "
                                             "name='apic'/></cpu>"),
        # VL704: a virtio video off PCI (libvirt, start) and an emulated TPM on PCI (QEMU, start), on ARM virt
        arm("virtio-video-usb-address", "VL704", devices="<controller type='usb' model='qemu-xhci'/><video><model "
            "type='virtio'/><address type='usb' bus='0' port='2'/></video>"),
        arm("virtio-video-pci-address", None, devices="<video><model type='virtio'/><address type='pci' domain='0' "
            "bus='0' slot='0x0a' function='0'/></video>"),
        arm("tpm-pci-address", "VL704", devices=TPM.format(PCI_ADDRESS.format("0x09"))),
        arm("tpm-without-address", None, devices=TPM.format("")),
        # VL707: a USB controller whose device the binary lacks (start)
        arm("vt82c686b-uhci", "VL707", devices="<controller type='usb' model='vt82c686b-uhci'/>"),
        arm("piix3-uhci", None, devices="<controller type='usb' model='piix3-uhci'/>"),
        # the seventh round: VL770, socket addresses QEMU cannot use and tap queues the kernel refuses (start)
        q35("server-ipv6", "VL770", devices=SOCKET_NIC.format("::1", 47431)),
        q35("server-ipv4", None, devices=SOCKET_NIC.format("127.0.0.1", 47432)),
        q35("tap-257-queues", "VL770", devices=TAP_NIC.format(257)),
        q35("tap-256-queues", None, devices=TAP_NIC.format(256)),
        # VL782: a DAC label with an empty group (start); VL783: a fw_cfg file of no name (start)
        q35("dac-label-empty-group", "VL782", top="<seclabel type='static' model='dac' relabel='no'><label>+0:"
            "</label></seclabel>"),
        q35("dac-label-root", None, top="<seclabel type='static' model='dac' relabel='no'><label>+0:+0</label>"
            "</seclabel>"),
        q35("fwcfg-file-empty", "VL783", after="<sysinfo type='fwcfg'><entry name='opt/com.example/x' file=''/>"
            "</sysinfo>"),
        q35("fwcfg-value", None, after="<sysinfo type='fwcfg'><entry name='opt/com.example/x'>v</entry></sysinfo>"),
        *([
            # VL407: paravirtual spinlocks on a hidden KVM (start)
            kvm_q35("pvspinlock-hidden-kvm", "VL407", after="<features><acpi/><pvspinlock state='on'/><kvm><hidden "
                    "state='on'/></kvm></features>"),
            kvm_q35("pvspinlock-visible-kvm", None, after="<features><acpi/><pvspinlock state='on'/><kvm><hidden "
                    "state='off'/></kvm></features>"),
        ] if kvm else []),
    ]
