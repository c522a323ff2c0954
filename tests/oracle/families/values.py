"""Refusals found by sweeping the values of the clock, <os>, <cpu>, controllers, small devices, security labels and
resources past the real libvirt 9.0 and QEMU 7.2 (each defined, and started where defined): lifecycle actions read
as written, the boot devices and lifecycle elements libvirt does not read, clock adjustments glib cannot format, fw_cfg
entries QEMU refuses, SMBIOS BIOS releases, machines without a PCI bus, CPU address widths, check='full' under TCG,
CPU model names with blanks, vCPU sets and orders, device security labels without a model, DAC labels, resource
partitions, perf events the kernel no longer has, backing chains of flat formats, the dc390 SCSI controller, inputs
without a host device, ISA panic ports and x2APIC under TCG; on ARM virt, SVE settings, pauth, cores the machine
does not take, dies, floppies and inputs whose default bus is USB; the chassis of the root ports libvirt adds; tap
device names and MTUs the kernel refuses; two PCI devices of one ACPI index; SMM switched off where firmware
autoselection picks a secure-boot OVMF. Each refusal with its accepted twin, but where the twin needs what this host
lacks (an evdev device: tests/test_rules_property_sweep.py has it)."""

from __future__ import annotations

from cases import IMAGE, Case, case_maker

SPLIT = "<features><acpi/><ioapic driver='qemu'/></features>"
FW_CFG = "<sysinfo type='fwcfg'>{}</sysinfo>"
RELEASE = ("<sysinfo type='smbios'><bios><entry name='release'>{}</entry></bios></sysinfo>")
CDROM_LABEL = ("<disk type='file' device='cdrom'><source file='/usr/share/OVMF/OVMF_CODE.fd'>{}</source>"
               "<target dev='sdb' bus='sata'/><readonly/></disk>")
BACKED = (f"<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='{IMAGE}'/>{{}}"
          "<target dev='vdb' bus='virtio'/><readonly/></disk>")
NO_PCI_DEVICES = "<memballoon model='none'/><controller type='usb' model='none'/>"
ROOT_PORT = "<controller type='pci' index='{}' model='pcie-root-port'>{}</controller>"
ETHERNET = "<interface type='ethernet'>{}<model type='virtio'/></interface>"
USER_NIC = "<interface type='user'><model type='{}'/><acpi index='{}'/></interface>"


def cases(kvm: bool) -> list[Case]:
    q35 = case_maker("values-q35")
    microvm = case_maker("values-microvm", machine="microvm")
    arm = case_maker("values-arm", arch="aarch64", machine="virt")

    def arm_cpu(model: str, features: str = "", topology: str = "") -> str:
        return f"<cpu mode='custom'><model>{model}</model>{topology}{features}</cpu>"

    return [
        # VL850: lifecycle actions are compared as written; libvirt reads the first of each, and four boot devices
        q35("on-poweroff-padded", "VL850", after="<on_poweroff> destroy</on_poweroff>"),
        q35("on-poweroff-second-unread", None, after="<on_poweroff>destroy</on_poweroff><on_poweroff>x</on_poweroff>"),
        q35("fifth-boot-unread", None, os="<boot dev='hd'/><boot dev='cdrom'/><boot dev='network'/><boot dev='fd'/>"
                                          "<boot dev='x'/>"),
        # VL408: an adjustment glib cannot format (start)
        q35("clock-adjustment-year-10000", "VL408", after="<clock offset='utc' adjustment='260000000000'/>"),
        q35("clock-adjustment-year-9000", None, after="<clock offset='utc' adjustment='220000000000'/>"),
        # VL783: fw_cfg entries and the SMBIOS BIOS release QEMU refuses (start)
        q35("fwcfg-twice", "VL783", after=FW_CFG.format("<entry name='opt/com.example/x'>a</entry>" * 2)),
        q35("fwcfg-two-names", None, after=FW_CFG.format("<entry name='opt/com.example/x'>a</entry>"
                                                         "<entry name='opt/com.example/y'>a</entry>")),
        q35("fwcfg-comma", "VL783", after=FW_CFG.format("<entry name='opt/com.example/x'>a,b</entry>")),
        q35("fwcfg-doubled-comma", None, after=FW_CFG.format("<entry name='opt/com.example/x'>a,,b</entry>")),
        q35("smbios-release-one-number", "VL783", os="<smbios mode='sysinfo'/>", after=RELEASE.format("1")),
        q35("smbios-release", None, os="<smbios mode='sysinfo'/>", after=RELEASE.format("1.2")),
        # VL702: a microvm machine has no PCI bus, and libvirt adds a PCI USB controller and balloon to it
        microvm("default-devices", "VL702"),
        microvm("no-pci-devices", None, devices=NO_PCI_DEVICES),
        # VL505: libvirt 9.0 autoselects the secure-boot OVMF first for firmware='efi', which requires SMM (start)
        q35("efi-smm-off", "VL505", os_attrs=" firmware='efi'", after="<features><acpi/><smm state='off'/></features>"),
        q35("efi-smm-off-plain-ovmf", None, os_attrs=" firmware='efi'",
            os="<firmware><feature enabled='no' name='secure-boot'/></firmware>",
            after="<features><acpi/><smm state='off'/></features>"),
        # VL212: the CPU's physical address width QEMU takes (start)
        q35("phys-bits-31", "VL212", after="<cpu mode='maximum'><maxphysaddr mode='emulate' bits='31'/></cpu>"),
        q35("phys-bits-32", None, after="<cpu mode='maximum'><maxphysaddr mode='emulate' bits='32'/></cpu>"),
        # VL218: check='full' under TCG, which gives the CPU the hypervisor flag (and lahf_lm to qemu64)
        q35("check-full-tcg", "VL218", after="<cpu mode='custom' check='full'><model>qemu64</model></cpu>"),
        q35("check-full-tcg-flags", None, after="<cpu mode='custom' check='full'><model>qemu64</model><feature "
                                                "policy='require' name='hypervisor'/><feature policy='require' "
                                                "name='lahf_lm'/></cpu>"),
        # VL603: a model name with a blank (start)
        q35("cpu-model-blank", "VL603", after="<cpu mode='custom'><model> qemu64</model></cpu>"),
        q35("cpu-model", None, after="<cpu mode='custom'><model>qemu64</model></cpu>"),
        # VL206: a vCPU set of no CPU; an order libvirt's copy writes negative (start)
        q35("vcpu-cpuset-none", "VL206", top="<vcpu cpuset='0,^0'>1</vcpu>"),
        q35("vcpu-cpuset", None, top="<vcpu cpuset='0-1,^1'>1</vcpu>"),
        q35("vcpu-order-2-31", "VL206", top="<vcpu current='1'>2</vcpu><vcpus><vcpu id='0' enabled='yes' "
                                            "hotpluggable='no' order='1'/><vcpu id='1' enabled='no' hotpluggable='yes' "
                                            "order='2147483648'/></vcpus>"),
        q35("vcpu-order-int-max", None, top="<vcpu current='1'>2</vcpu><vcpus><vcpu id='0' enabled='yes' "
                                            "hotpluggable='no' order='1'/><vcpu id='1' enabled='no' hotpluggable='yes' "
                                            "order='2147483647'/></vcpus>"),
        # VL782: a device's label without a model; a DAC label that is not user:group (start)
        q35("disk-label-without-model", "VL782", devices=CDROM_LABEL.format("<seclabel relabel='no'/>")),
        q35("disk-label-dac", None, devices=CDROM_LABEL.format("<seclabel model='dac' relabel='no'/>")),
        q35("dac-label-uid-only", "VL782", after="<seclabel type='static' model='dac' relabel='no'><label>0</label>"
                                                 "</seclabel>"),
        q35("dac-label", None, after="<seclabel type='static' model='dac' relabel='no'><label>+0:+0</label>"
                                     "</seclabel>"),
        # VL221: a relative resource partition (start); VL011: a carriage return in the title (start)
        q35("partition-relative", "VL221", top="<resource><partition>machine</partition></resource>"),
        q35("partition", None, top="<resource><partition>/machine</partition></resource>"),
        q35("title-carriage-return", "VL011", top="<title>a&#13;b</title>"),
        q35("title-tab", None, top="<title>a&#9;b</title>"),
        # VL222: the kernel's CQM perf events are gone (start)
        q35("perf-cmt", "VL222", after="<perf><event name='cmt' enabled='yes'/></perf>"),
        q35("perf-cmt-off", None, after="<perf><event name='cmt' enabled='no'/></perf>"),
        # VL759: a raw layer with a backing store (start)
        q35("raw-with-backing", "VL759", devices=BACKED.format(
            f"<backingStore type='file'><format type='raw'/><source file='{IMAGE}'/></backingStore>")),
        q35("raw-chain-end", None, devices=BACKED.format("<backingStore/>")),
        # VL794: libvirt names QEMU's dc390 'dc-390' (start)
        q35("scsi-dc390", "VL794", devices="<controller type='scsi' index='0' model='dc390'/>"),
        q35("scsi-am53c974", None, devices="<controller type='scsi' index='0' model='am53c974'/>"),
        # VL793: an evdev input without a <source> (start)
        q35("evdev-without-source", "VL793", devices="<input type='evdev'/>"),
        # VL704: an ISA panic port beyond 0xffff (start)
        q35("panic-port-0x10000", "VL704", devices="<panic model='isa'><address type='isa' iobase='0x10000'/></panic>"),
        q35("panic-port-0xffff", None, devices="<panic model='isa'><address type='isa' iobase='0xffff'/></panic>"),
        # VL792: x2APIC (eim) needs KVM's split irqchip (start)
        q35("iommu-eim-tcg", "VL792", after=SPLIT, devices="<iommu model='intel'><driver intremap='on' eim='on'/>"
                                                          "</iommu>"),
        q35("iommu-no-eim-tcg", None, after=SPLIT, devices="<iommu model='intel'><driver intremap='on' eim='off'/>"
                                                           "</iommu>"),
        # ARM virt: SVE settings QEMU refuses (VL213), pauth before libvirt 10.6 (VL213), cores virt does not take
        # (VL218), dies (VL206), a floppy (VL751), inputs whose default bus is USB (VL706)
        arm("sve-on-cortex-a57", "VL213", after=arm_cpu("cortex-a57", "<feature policy='require' name='sve'/>")),
        arm("sve-optional-on-cortex-a57", None, after=arm_cpu("cortex-a57", "<feature policy='optional' "
                                                                            "name='sve'/>")),
        arm("a64fx-sve384", "VL213", after=arm_cpu("a64fx", "<feature policy='require' name='sve384'/>")),
        arm("a64fx-sve512", None, after=arm_cpu("a64fx", "<feature policy='require' name='sve512'/>")),
        arm("sve512-without-sve256", "VL213", after=arm_cpu("max", "<feature policy='require' name='sve512'/>"
                                                                   "<feature policy='disable' name='sve256'/>")),
        arm("sve512-without-sve384", None, after=arm_cpu("max", "<feature policy='require' name='sve512'/>"
                                                                "<feature policy='disable' name='sve384'/>")),
        arm("pauth", "VL213", after=arm_cpu("max", "<feature policy='require' name='pauth'/>")),
        arm("cortex-m3", "VL218", after=arm_cpu("cortex-m3")),
        arm("cortex-a15", None, after=arm_cpu("cortex-a15")),
        arm("two-dies", "VL206", top="<vcpu>4</vcpu>", after=arm_cpu("cortex-a57", topology="<topology sockets='1' "
                                                                     "dies='2' cores='2' threads='1'/>")),
        arm("one-die", None, top="<vcpu>4</vcpu>", after=arm_cpu("cortex-a57", topology="<topology sockets='2' "
                                                                 "dies='1' cores='2' threads='1'/>")),
        arm("floppy", "VL751", devices="<disk type='file' device='floppy'><target dev='fda' bus='fdc'/></disk>"),
        arm("mouse-without-usb", "VL706", devices="<input type='mouse'/>"),
        arm("mouse-with-usb", None, devices="<controller type='usb' model='qemu-xhci'/><input type='mouse'/>"),
        q35("tablet-without-usb", "VL706", devices="<controller type='usb' model='none'/><input type='tablet'/>"),
        q35("mouse-without-usb", None, devices="<controller type='usb' model='none'/><input type='mouse'/>"),
        # VL710: the chassis of a pcie-root-port libvirt adds for a missing index (start)
        q35("chassis-of-added-port", "VL710", devices=ROOT_PORT.format(1, "<target chassis='3'/>")
            + ROOT_PORT.format(4, "")),
        q35("chassis-beside-added-port", None, devices=ROOT_PORT.format(1, "<target chassis='9'/>")
            + ROOT_PORT.format(4, "")),
        # VL770: a tap device the kernel refuses (start); VL704: two PCI devices of one ACPI index (start)
        q35("tap-name-16-bytes", "VL770", devices=ETHERNET.format("<target dev='vlswtapabcdefghi'/>")),
        q35("tap-name-15-bytes", None, devices=ETHERNET.format("<target dev='vlswtapabcdefgh'/>")),
        q35("tap-name-colon", "VL770", devices=ETHERNET.format("<target dev='vl:sw'/>")),
        q35("tap-name-percent-d", None, devices=ETHERNET.format("<target dev='vlsw%d'/>")),
        q35("tap-mtu-65522", "VL770", devices=ETHERNET.format("<mtu size='65522'/>")),
        q35("tap-mtu-65521", None, devices=ETHERNET.format("<mtu size='65521'/>")),
        q35("unmanaged-tap-without-dev", "VL770", devices=ETHERNET.format("<target managed='no'/>")),
        q35("acpi-index-twice", "VL704", devices=USER_NIC.format("virtio", 3) + USER_NIC.format("e1000", 3)),
        q35("acpi-indexes", None, devices=USER_NIC.format("virtio", 3) + USER_NIC.format("e1000", 4)),
        # VL851: memReserve, which libvirt 10.3 reads (9.0 ignores it)
        q35("mem-reserve-unread", None, devices="<controller type='pci' index='1' model='pcie-root-port'><target "
                                                "memReserve='-1'/></controller>"),
    ]
