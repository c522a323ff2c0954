"""libvirt's parser, post-parse and validation checks added after probing libvirt 9.0 (clock, blkiotune,
keywrap, idmap, ACPI tables, fw_cfg, shmem servers, qxl vgamem, required enum attributes, host device sources,
the IOMMU driver, inputs, disk driver options, ISA serials, guestfwd channels, controller models and options,
bandwidth, smartcards, USB redirection filters, PCI bridges): each with a failing case and its valid twin."""

from __future__ import annotations

import pytest

from conftest import lint
from virtlint.linter.model import Severity
from virtlint.linter.units import c_decimal

Q35 = "<domainCapabilities><domain>kvm</domain><machine>pc-q35-9.1</machine><arch>x86_64</arch></domainCapabilities>"
PC = "<domainCapabilities><domain>kvm</domain><machine>pc-i440fx-9.1</machine><arch>x86_64</arch></domainCapabilities>"
S390 = ("<domainCapabilities><domain>kvm</domain><machine>s390-ccw-virtio-9.1</machine><arch>s390x</arch>"
        "</domainCapabilities>")
ARM = "<domainCapabilities><domain>kvm</domain><machine>virt-9.1</machine><arch>aarch64</arch></domainCapabilities>"


def dom(devices: str = "", *, extra: str = "", os: str = "", machine: str = "q35", arch: str = "x86_64",
        dtype: str = "kvm") -> str:
    return (f"<domain type='{dtype}'><name>t</name><memory>262144</memory><vcpu>1</vcpu>{extra}"
            f"<os><type arch='{arch}' machine='{machine}'>hvm</type>{os}</os><devices>{devices}</devices></domain>")


def errors(xml: str, caps: str = Q35) -> list[tuple[str, str]]:
    return [(f.code, f.message) for f in lint(xml, caps) if f.severity is Severity.ERROR]


def clock(inner: str = "", attrs: str = "offset='utc'") -> str:
    return dom(extra=f"<clock {attrs}>{inner}</clock>")


IMG = "<source file='/var/lib/libvirt/images/a.img'/>"
USB = "<hostdev mode='subsystem' type='usb'><source>{}</source></hostdev>"
SCSI_HOSTDEV = "<controller type='scsi' model='virtio-scsi'/><hostdev mode='subsystem' type='scsi'><source>{}</source></hostdev>"
IOMMU = "<iommu model='{m}'><driver {d}/></iommu>"
SPLIT = "<features><acpi/><ioapic driver='qemu'/></features>"
NO_SPLIT = "<features><acpi/></features>"
ISA_SERIAL = "<serial type='pty'><target type='isa-serial'/></serial>"
NET = "<interface type='network'><source network='default'/>{}</interface>"

CASES = [
    # VL408 clock-config: offsets
    ("timezone-missing", clock(attrs="offset='timezone'"), "VL408", "missing 'timezone' attribute"),
    ("timezone-empty", clock(attrs="offset='timezone' timezone=''"), "VL408", "missing 'timezone' attribute"),
    ("timezone-given", clock(attrs="offset='timezone' timezone='Europe/Paris'"), None, ""),
    ("absolute-no-start", clock(attrs="offset='absolute'"), "VL408", "missing 'start' attribute"),
    ("absolute-hex-start", clock(attrs="offset='absolute' start='0x10'"), "VL408", "missing 'start' attribute"),
    ("absolute-negative-start", clock(attrs="offset='absolute' start='-5'"), "VL408", "missing 'start'"),
    ("absolute-padded-start", clock(attrs="offset='absolute' start=' +5'"), None, ""),
    ("absolute-after-9999", clock(attrs="offset='absolute' start='253402300800'"), "VL408",
     "maximum 'start' value"),
    ("absolute-at-9999", clock(attrs="offset='absolute' start='253402300799'"), None, ""),
    ("adjustment-fraction", clock(attrs="offset='localtime' adjustment='1.5'"), "VL408",
     "unknown clock adjustment '1.5'"),
    ("adjustment-trailing-blank", clock(attrs="offset='utc' adjustment='10 '"), "VL408", "unknown clock adjustment"),
    ("adjustment-number", clock(attrs="offset='utc' adjustment='-3600'"), None, ""),
    ("adjustment-reset", clock(attrs="offset='utc' adjustment='reset'"), None, ""),
    ("adjustment-empty", clock(attrs="offset='utc' adjustment=''"), None, ""),
    ("variable-basis-upper", clock(attrs="offset='variable' basis='UTC'"), "VL408", "unknown clock basis 'UTC'"),
    ("variable-basis-localtime", clock(attrs="offset='variable' adjustment='10' basis='localtime'"), None, ""),
    ("basis-ignored-on-utc", clock(attrs="offset='utc' basis='gmt'"), None, ""),
    # VL408 clock-config: timers (post-parse, every timer)
    ("kvmclock-tickpolicy", clock("<timer name='kvmclock' tickpolicy='delay'/>"), "VL408",
     "timer kvmclock doesn't support setting of timer tickpolicy"),
    ("second-timer-hypervclock-tickpolicy", clock("<timer name='rtc'/><timer name='hypervclock' tickpolicy='catchup'/>"),
     "VL408", "timer hypervclock doesn't support"),
    ("kvmclock-present", clock("<timer name='kvmclock' present='yes'/>"), None, ""),
    ("catchup-without-tickpolicy", clock("<timer name='rtc'><catchup slew='123'/></timer>"), "VL408",
     "only supported with tickpolicy='catchup'"),
    ("catchup-zero", clock("<timer name='rtc'><catchup slew='0'/></timer>"), None, ""),
    ("catchup-with-tickpolicy", clock("<timer name='rtc' tickpolicy='catchup'><catchup threshold='123' slew='120' "
                                      "limit='10000'/></timer>"), None, ""),
    ("rtc-frequency", clock("<timer name='rtc' frequency='100'/>"), "VL408",
     "timer rtc doesn't support setting of timer frequency"),
    ("rtc-frequency-zero", clock("<timer name='rtc' frequency='0'/>"), None, ""),
    ("hpet-mode", clock("<timer name='hpet' mode='auto'/>"), "VL408", "timer hpet doesn't support setting of timer mode"),
    ("tsc-mode", clock("<timer name='tsc' mode='auto'/>"), None, ""),
    ("pit-track", clock("<timer name='rtc' track='wall'/><timer name='pit' track='guest'/>"), "VL408",
     "timer pit doesn't support setting of timer track"),
    ("rtc-track", clock("<timer name='rtc' track='guest'/>"), None, ""),
    # VL408 clock-config: QEMU's timer validation
    ("platform-timer", clock("<timer name='platform'/>"), "VL408", "unsupported timer type (name) 'platform'"),
    ("rtc-track-boot", clock("<timer name='rtc' track='boot'/>"), "VL408", "unsupported rtc timer track 'boot'"),
    ("rtc-discard", clock("<timer name='rtc' tickpolicy='discard'/>"), "VL408", "unsupported rtc timer tickpolicy"),
    ("rtc-catchup", clock("<timer name='rtc' tickpolicy='catchup'/>"), None, ""),
    ("pit-merge", clock("<timer name='pit' tickpolicy='merge'/>"), "VL408", "unsupported pit tickpolicy 'merge'"),
    ("pit-discard", clock("<timer name='pit' tickpolicy='discard'/>"), None, ""),
    # catching up needs x86 QEMU's kvm-pit device (checked on 9.0: TCG and KVM x86 define it, aarch64 does not)
    ("pit-catchup-x86", clock("<timer name='pit' tickpolicy='catchup'/>"), None, ""),
    ("pit-catchup-aarch64", dom(extra="<clock offset='utc'><timer name='pit' tickpolicy='catchup'/></clock>",
                                machine="virt", arch="aarch64"), "VL406", "unsupported pit tickpolicy 'catchup'"),
    ("pit-delay-aarch64", dom(extra="<clock offset='utc'><timer name='pit' tickpolicy='delay'/></clock>",
                              machine="virt", arch="aarch64"), None, ""),
    ("armvtimer-disabled", dom(extra="<clock offset='utc'><timer name='armvtimer' present='no'/></clock>",
                               machine="virt", arch="aarch64"), "VL408", "The 'armvtimer' timer can't be disabled"),
    ("armvtimer-catchup", dom(extra="<clock offset='utc'><timer name='armvtimer' tickpolicy='catchup'/></clock>",
                              machine="virt", arch="aarch64"), "VL408", "does not support tickpolicy 'catchup'"),
    ("armvtimer-discard", dom(extra="<clock offset='utc'><timer name='armvtimer' tickpolicy='discard'/></clock>",
                              machine="virt", arch="aarch64"), None, ""),
    # VL850 parser-value: attributes the parser requires
    ("timer-without-name", clock("<timer present='yes'/>"), "VL850", "Missing required attribute 'name' in element 'timer'"),
    ("sound-without-model", dom("<sound/>"), "VL850", "Missing required attribute 'model' in element 'sound'"),
    ("sound-with-model", dom("<sound model='ich9'/>"), None, ""),
    ("balloon-without-model", dom("<memballoon/>"), "VL850", "'model' in element 'memballoon'"),
    ("rng-backend-without-model", dom("<rng model='virtio'><backend>/dev/urandom</backend></rng>"), "VL850",
     "'model' in element 'backend'"),
    ("graphics-without-type", dom("<graphics/>"), "VL850", "'type' in element 'graphics'"),
    ("address-without-type", dom(f"<disk type='file' device='disk'>{IMG}<target dev='vda' bus='virtio'/>"
                                 "<address bus='0' slot='5'/></disk>"), "VL850", "'type' in element 'address'"),
    ("address-with-type", dom(f"<disk type='file' device='disk'>{IMG}<target dev='vda' bus='virtio'/>"
                              "<address type='pci' bus='0' slot='5'/></disk>"), None, ""),
    ("boot-without-dev", dom(os="<boot/>"), "VL850", "'dev' in element 'boot'"),
    ("redirdev-without-type", dom("<redirdev bus='usb'/>"), "VL850", "missing type in redirdev"),
    ("redirdev-bus", dom("<graphics type='spice'/><redirdev bus='pci' type='spicevmc'/>"), "VL850",
     "unknown redirdev bus 'pci'"),
    ("redirdev-spicevmc", dom("<graphics type='spice'/><redirdev bus='usb' type='spicevmc'/>"), None, ""),
    ("keywrap-cipher-without-state", dom(extra="<keywrap><cipher name='aes'/></keywrap>"), "VL850",
     "'state' in element 'cipher'"),
    ("keywrap-cipher-name", dom(extra="<keywrap><cipher name='des' state='on'/></keywrap>"), "VL850",
     "'name' in element 'cipher': 'des'"),
    # VL215 blkiotune-devices
    ("blkio-same-path", dom(extra="<blkiotune><device><path>/dev/sda</path><weight>500</weight></device>"
                                  "<device><path>/dev/sda</path><read_bytes_sec>1000</read_bytes_sec></device>"
                                  "</blkiotune>"), "VL215", "duplicate blkio device path '/dev/sda'"),
    ("blkio-two-paths", dom(extra="<blkiotune><device><path>/dev/sda</path><weight>500</weight></device>"
                                  "<device><path>/dev/sdb</path><weight>500</weight></device></blkiotune>"), None, ""),
    ("blkio-no-path", dom(extra="<blkiotune><device><weight>500</weight></device></blkiotune>"), "VL215",
     "missing per-device path"),
    ("blkio-weight-word", dom(extra="<blkiotune><device><path>/dev/sda</path><weight>x</weight></device></blkiotune>"),
     "VL215", "could not parse weight x"),
    ("blkio-iops-word", dom(extra="<blkiotune><device><path>/dev/sda</path><write_iops_sec>many</write_iops_sec>"
                                  "</device></blkiotune>"), "VL215", "could not parse write iops sec many"),
    # VL216 keywrap-ciphers
    ("keywrap-aes-twice", dom(extra="<keywrap><cipher name='aes' state='on'/><cipher name='aes' state='off'/>"
                                    "</keywrap>"), "VL216", "no more than one cipher node with name aes"),
    ("keywrap-aes-and-dea", dom(extra="<keywrap><cipher name='aes' state='on'/><cipher name='dea' state='off'/>"
                                      "</keywrap>", machine="s390-ccw-virtio", arch="s390x"), None, ""),
    ("keywrap-on-x86", dom(extra="<keywrap><cipher name='aes' state='on'/></keywrap>"), "VL216",
     "'aes-key-wrap'/'dea-key-wrap' is not available on this architecture"),
    # VL217 container-idmap
    ("idmap-uid-only", dom(extra="<idmap><uid start='0' target='1000' count='10'/></idmap>"), "VL217",
     "uid and gid should be mapped both"),
    ("idmap-root-unmapped", dom(extra="<idmap><uid start='1' target='1000' count='10'/>"
                                      "<gid start='0' target='1000' count='10'/></idmap>"), "VL217",
     "You must map the root user of container"),
    ("idmap-hex", dom(extra="<idmap><uid start='0' target='0x10' count='10'/>"
                            "<gid start='0' target='1000' count='10'/></idmap>"), "VL217", "invalid idmap"),
    ("idmap-sorted", dom(extra="<idmap><uid start='5' target='2000' count='5'/><uid start='0' target='1000' count='5'/>"
                               "<gid start='0' target='1000' count='10'/></idmap>"), None, ""),
    # VL755 firmware-config: ACPI tables
    ("acpi-two-tables", dom(os="<acpi><table type='slic'>/a.bin</table><table type='slic'>/b.bin</table></acpi>"),
     "VL755", "Only one acpi table is supported"),
    ("acpi-rsdt", dom(os="<acpi><table type='rsdt'>/a.bin</table></acpi>"), "VL755", "Unknown acpi table type: rsdt"),
    ("acpi-untyped", dom(os="<acpi><table>/a.bin</table></acpi>"), "VL755", "Missing acpi table type"),
    ("acpi-slic", dom(os="<acpi><table type='slic'>/a.bin</table></acpi>"), None, ""),
    # VL783 sysinfo-values: fw_cfg
    ("fwcfg-outside-opt", dom(extra="<sysinfo type='fwcfg'><entry name='foo'>bar</entry></sysinfo>"), "VL783",
     "Invalid firmware name"),
    ("fwcfg-ovmf", dom(extra="<sysinfo type='fwcfg'><entry name='opt/ovmf/X-PciMmio64Mb'>4096</entry></sysinfo>"),
     "VL783", "That firmware name is reserved"),
    ("fwcfg-ovmf-no-slash", dom(extra="<sysinfo type='fwcfg'><entry name='opt/ovmf'>1</entry></sysinfo>"), None, ""),
    ("fwcfg-blank", dom(extra="<sysinfo type='fwcfg'><entry name='opt/x'>  </entry></sysinfo>"), "VL783",
     "must have either value or 'file' attribute"),
    ("fwcfg-file", dom(extra="<sysinfo type='fwcfg'><entry name='opt/x' file='/tmp/f.bin'/></sysinfo>"), None, ""),
    ("fwcfg-unnamed", dom(extra="<sysinfo type='fwcfg'><entry>bar</entry></sysinfo>"), "VL783",
     "missing 'name' attribute"),
    # VL780 shmem-config: servers
    ("doorbell-without-server", dom("<shmem name='x'><model type='ivshmem-doorbell'/></shmem>"), "VL780",
     "supported only with server option enabled"),
    ("doorbell-with-size", dom("<shmem name='x'><model type='ivshmem-doorbell'/><server path='/tmp/s'/>"
                               "<size unit='M'>4</size></shmem>"), "VL780", "does not support size setting"),
    ("doorbell-with-server", dom("<shmem name='x'><model type='ivshmem-doorbell'/><server path='/tmp/s'/></shmem>"),
     None, ""),
    ("plain-with-server", dom("<shmem name='x'><model type='ivshmem-plain'/><server path='/tmp/s'/></shmem>"),
     "VL780", "supported only with server option disabled"),
    ("plain-without-server", dom("<shmem name='x'><model type='ivshmem-plain'/><size unit='M'>4</size></shmem>"),
     None, ""),
    # VL765 video-devices: qxl vgamem
    ("qxl-vgamem-small", dom("<video><model type='qxl' vgamem='512'/></video>"), "VL765", "at least 1 MiB"),
    ("qxl-vgamem-odd", dom("<video><model type='qxl' vgamem='10000'/></video>"), "VL765", "must be power of two"),
    ("qxl-vgamem-power", dom("<video><model type='qxl' vgamem='16384'/></video>"), None, ""),
    ("qxl-vram-odd", dom("<video><model type='qxl' vram='10000'/></video>"), None, ""),
    # VL789 hostdev-config: sources
    ("usb-vendor-alone", dom(USB.format("<vendor id='0x1234'/>")), "VL789", "missing product"),
    ("usb-product-alone", dom(USB.format("<product id='0x1234'/>")), "VL789", "missing vendor"),
    ("usb-vendor-product", dom(USB.format("<vendor id='0x1234'/><product id='0x5678'/>")), None, ""),
    ("usb-vendor-word", dom(USB.format("<vendor id='abcd'/><product id='0x5678'/>")), "VL851",
     "Invalid value for attribute 'id' in element 'vendor': 'abcd'"),
    ("usb-vendor-bad-octal", dom(USB.format("<vendor id='0789'/><product id='0x5678'/>")), "VL851", "'0789'"),
    ("usb-vendor-zero", dom(USB.format("<vendor id='0x0'/><product id='0x5678'/>")), "VL851", "Zero is not permitted"),
    ("usb-ids-decimal-octal", dom(USB.format("<vendor id='1234'/><product id='0777'/>")), None, ""),
    ("usb-product-zero", dom(USB.format("<vendor id='0x1234'/><product id='0'/>")), None, ""),
    ("scsi-hostdev-no-adapter", dom(SCSI_HOSTDEV.format("<address bus='0' target='0' unit='0'/>")), "VL789",
     "'adapter' name must be specified"),
    ("scsi-hostdev-no-address", dom(SCSI_HOSTDEV.format("<adapter name='scsi_host0'/>")), "VL789",
     "'address' must be specified"),
    ("scsi-hostdev-whole", dom(SCSI_HOSTDEV.format("<adapter name='scsi_host0'/><address bus='0' target='0' "
                                                   "unit='0'/>")), None, ""),
    ("vhost-no-wwpn", dom("<hostdev mode='subsystem' type='scsi_host'><source protocol='vhost'/></hostdev>"), "VL789",
     "missing vhost-scsi hostdev source wwpn"),
    ("vhost-short-wwpn", dom("<hostdev mode='subsystem' type='scsi_host'><source protocol='vhost' "
                             "wwpn='naa.5001405df3e5406'/></hostdev>"), "VL789", "malformed 'wwpn' value"),
    ("vhost-wwpn", dom("<hostdev mode='subsystem' type='scsi_host'><source protocol='vhost' "
                       "wwpn='naa.0x5001405df3e54061'/></hostdev>"), None, ""),
    ("hostdev-no-source", dom("<hostdev mode='subsystem' type='pci' managed='yes'/>"), "VL789",
     "Missing <source> element"),
    # VL792 iommu-config
    ("intremap-without-split-ioapic", dom(IOMMU.format(m="intel", d="intremap='on'"), extra=NO_SPLIT), "VL792",
     "requires split I/O APIC"),
    ("intremap-with-kvm-ioapic", dom(IOMMU.format(m="intel", d="intremap='on'"),
                                     extra="<features><acpi/><ioapic driver='kvm'/></features>"), "VL792",
     "requires split I/O APIC"),
    ("intremap-with-split-ioapic", dom(IOMMU.format(m="intel", d="intremap='on' eim='on'"), extra=SPLIT), None, ""),
    ("eim-without-intremap", dom(IOMMU.format(m="intel", d="eim='on'"), extra=SPLIT), "VL792",
     "eim requires interrupt remapping"),
    ("intremap-off", dom(IOMMU.format(m="intel", d="intremap='off'"), extra=NO_SPLIT), None, ""),
    ("virtio-iommu-intremap", dom(IOMMU.format(m="virtio", d="intremap='on'"), extra=SPLIT), "VL792",
     "iommu model 'virtio' doesn't support additional attributes"),
    ("virtio-iommu-aw-bits-zero", dom(IOMMU.format(m="virtio", d="aw_bits='0'"), extra=SPLIT), None, ""),
    # VL793 input-config
    ("evdev-source-without-dev", dom("<input type='evdev'><source/></input>"), "VL793",
     "Missing evdev path for input device"),
    ("evdev-source-evdev-attribute", dom("<input type='evdev'><source evdev='/dev/input/event0'/></input>"), "VL793",
     "Missing evdev path"),
    ("evdev-with-bus", dom("<input type='evdev' bus='virtio'><source dev='/dev/input/event0'/></input>"), "VL793",
     "input evdev doesn't support bus element"),
    ("evdev-source-dev", dom("<input type='evdev'><source dev='/dev/input/event0' grab='all'/></input>"), None, ""),
    ("passthrough-dev-attribute", dom("<input type='passthrough' bus='virtio'><source dev='/dev/input/event0'/>"
                                      "</input>"), "VL793", "Missing evdev path"),
    ("passthrough-usb", dom("<input type='passthrough' bus='usb'><source evdev='/dev/input/event0'/></input>"),
     "VL793", "only bus 'virtio' is supported for 'passthrough'"),
    ("passthrough-default-bus", dom("<input type='passthrough'><source evdev='/dev/input/event0'/></input>"), None, ""),
    # VL752 disk-storage-format: driver options
    ("rerror-enospace", dom(f"<disk type='file' device='disk'><driver name='qemu' type='raw' rerror_policy='enospace'/>"
                            f"{IMG}<target dev='vda' bus='virtio'/></disk>"), "VL752",
     "Invalid disk read error policy: 'enospace'"),
    ("error-enospace", dom(f"<disk type='file' device='disk'><driver name='qemu' type='raw' error_policy='enospace'/>"
                           f"{IMG}<target dev='vda' bus='virtio'/></disk>"), None, ""),
    ("copy-on-read-readonly", dom(f"<disk type='file' device='disk'><driver name='qemu' type='raw' copy_on_read='on'/>"
                                  f"{IMG}<target dev='vda' bus='virtio'/><readonly/></disk>"), "VL752",
     "copy_on_read is not compatible with read-only disk 'vda'"),
    ("copy-on-read-writable", dom(f"<disk type='file' device='disk'><driver name='qemu' type='raw' copy_on_read='on'/>"
                                  f"{IMG}<target dev='vda' bus='virtio'/></disk>"), None, ""),
    ("copy-on-read-off-readonly", dom(f"<disk type='file' device='disk'><driver name='qemu' type='raw' "
                                      f"copy_on_read='off'/>{IMG}<target dev='vda' bus='virtio'/><readonly/></disk>"),
     None, ""),
    # VL790 device-count
    ("redirfilter-twice", dom("<redirfilter><usbdev allow='yes'/></redirfilter>"
                              "<redirfilter><usbdev allow='no'/></redirfilter>"), "VL790",
     "only one set of redirection filter rule is supported"),
    ("redirfilter-usbdev-allow-missing", dom("<redirfilter><usbdev class='0x08'/></redirfilter>"), "VL850",
     "'allow' in element 'usbdev'"),
    ("redirfilter-once", dom("<redirfilter><usbdev class='0x08' allow='yes'/><usbdev allow='no'/></redirfilter>"),
     None, ""),
    # VL761 serial-target: ISA serial ports, guestfwd and channel targets
    ("isa-serial-five", dom(ISA_SERIAL * 5), "VL761", "Maximum supported number of ISA serial ports is '4'"),
    ("isa-serial-four", dom(ISA_SERIAL * 4), None, ""),
    # defined (the parser's check skips untyped serials), refused at start: VL763
    ("plain-serials-five", dom(ISA_SERIAL * 4 + "<serial type='pty'/>"), "VL763",
     "Maximum supported number of ISA serial ports is '4' (libvirt refuses to start the domain)"),
    ("isa-serial-port-4", dom("<serial type='pty'><target type='isa-serial' port='4'/></serial>"), "VL761",
     "Maximum supported number of ISA serial ports"),
    ("isa-serial-port-3", dom("<serial type='pty'><target type='isa-serial' port='3'/></serial>"), None, ""),
    ("isa-serial-same-port", dom("<serial type='pty'><target type='isa-serial' port='1'/></serial>" * 2), "VL761",
     "target port '1' already allocated"),
    ("plain-serials-same-port", dom("<serial type='pty'><target port='1'/></serial>" * 2), "VL763",
     "target port '1' already allocated (libvirt refuses to start the domain)"),
    ("guestfwd-no-address", dom("<channel type='pty'><target type='guestfwd'/></channel>"), "VL761",
     "guestfwd channel does not define a target address"),
    ("guestfwd-ipv6", dom("<channel type='pty'><target type='guestfwd' address='fe80::1' port='4600'/></channel>"),
     "VL761", "only supports IPv4 addresses"),
    ("guestfwd-host-name", dom("<channel type='pty'><target type='guestfwd' address='gw.example' port='4600'/>"
                               "</channel>"), "VL761", "Cannot parse socket address 'gw.example'"),
    ("guestfwd-no-port", dom("<channel type='pty'><target type='guestfwd' address='10.0.2.1'/></channel>"), "VL761",
     "Missing required attribute 'port' in element 'target'"),
    ("guestfwd-whole", dom("<channel type='pty'><target type='guestfwd' address='10.0.2.1' port='4600'/></channel>"),
     None, ""),
    ("guestfwd-short-address", dom("<channel type='pty'><target type='guestfwd' address='10.1' port='4600'/>"
                                   "</channel>"), None, ""),
    ("channel-without-target", dom("<channel type='pty'/>"), "VL761", "target type must be specified for channel"),
    # VL794 controller-config
    ("scsi-model-typo", dom("<controller type='scsi' model='lsilogic2'/>"), "VL794", "Unknown model type 'lsilogic2'"),
    ("scsi-model-virtio", dom("<controller type='scsi' model='virtio'/>"), "VL794", "Unknown model type 'virtio'"),
    ("sata-model-ahci", dom("<controller type='sata' index='1' model='ahci'/>"), "VL794", "Unknown model type 'ahci'"),
    ("virtio-serial-transitional", dom("<controller type='virtio-serial' model='virtio-transitional'/>"), None, ""),
    ("scsi-buslogic", dom("<controller type='scsi' model='buslogic'/>"), "VL794", "Unsupported controller model"),
    ("sata-queues", dom("<controller type='sata' index='1'><driver queues='2'/></controller>"), "VL794",
     "'queues' is only supported by virtio-scsi controller"),
    ("lsilogic-ioeventfd", dom("<controller type='scsi' model='lsilogic'><driver ioeventfd='on'/></controller>"),
     "VL794", "'ioeventfd' is only supported by virtio-scsi controller"),
    ("virtio-scsi-queues", dom("<controller type='scsi' model='virtio-scsi'><driver queues='2' cmd_per_lun='8' "
                               "max_sectors='512' ioeventfd='on'/></controller>"), None, ""),
    ("sata-queues-zero", dom("<controller type='sata' index='1'><driver queues='0'/></controller>"), None, ""),
    # VL770 interface-config: bandwidth
    ("bandwidth-word", dom(NET.format("<bandwidth><inbound average='abc'/></bandwidth>")), "VL851",
     "Invalid value for attribute 'average' in element 'inbound': 'abc'"),
    ("bandwidth-no-average", dom(NET.format("<bandwidth><inbound peak='100'/></bandwidth>")), "VL770",
     "Missing mandatory average or floor attributes"),
    ("bandwidth-burst-floor", dom(NET.format("<bandwidth><inbound burst='100' floor='10'/></bandwidth>")), "VL770",
     "'peak' and 'burst' require 'average' attribute"),
    ("bandwidth-floor-outbound", dom(NET.format("<bandwidth><outbound average='100' floor='10'/></bandwidth>")),
     "VL770", "floor attribute is not supported for this config"),
    ("bandwidth-floor-bridge", dom("<interface type='bridge'><source bridge='br0'/><bandwidth><inbound average='100' "
                                   "floor='10'/></bandwidth></interface>"), "VL770", "floor attribute is not supported"),
    ("bandwidth-floor-network", dom(NET.format("<bandwidth><inbound floor='100'/><outbound average='100' peak='200' "
                                               "burst='64'/></bandwidth>")), None, ""),
    ("bandwidth-too-big", dom(NET.format("<bandwidth><inbound average='18014398509481985'/></bandwidth>")), "VL770",
     "is too big for 'average' parameter"),
    ("bandwidth-class-id", dom(NET.format("<bandwidth classID='5'><inbound average='100'/></bandwidth>")), "VL770",
     "classID attribute not supported"),
    # VL795 smartcard-config
    ("smartcard-two-certificates", dom("<smartcard mode='host-certificates'><certificate>a</certificate>"
                                       "<certificate>b</certificate></smartcard>"), "VL795", "exactly three certificates"),
    ("smartcard-relative-database", dom("<smartcard mode='host-certificates'><certificate>a</certificate>"
                                        "<certificate>b</certificate><certificate>c</certificate>"
                                        "<database>relative/db</database></smartcard>"), "VL795",
     "expecting absolute path: relative/db"),
    ("smartcard-three-certificates", dom("<smartcard mode='host-certificates'><certificate>a</certificate>"
                                         "<certificate>b</certificate><certificate>c</certificate>"
                                         "<database>/etc/pki/nssdb</database></smartcard>"), None, ""),
    ("smartcard-passthrough-untyped", dom("<smartcard mode='passthrough'/>"), "VL795",
     "passthrough mode requires a character device type attribute"),
    # VL796 redirfilter-rules
    ("usbdev-class-08", dom("<redirfilter><usbdev class='08' allow='yes'/></redirfilter>"), "VL796",
     "'class' in element 'usbdev': '08'. Expected integer value"),
    ("usbdev-class-wide", dom("<redirfilter><usbdev class='0x1ff' allow='yes'/></redirfilter>"), "VL796",
     "Invalid USB Class code 0x1ff"),
    ("usbdev-class-minus-two", dom("<redirfilter><usbdev class='-2' allow='yes'/></redirfilter>"), "VL796",
     "Invalid USB Class code 0xfffffffe"),
    ("usbdev-version-major", dom("<redirfilter><usbdev version='2' allow='yes'/></redirfilter>"), "VL796",
     "Cannot parse USB device version 2"),
    ("usbdev-version-minor-100", dom("<redirfilter><usbdev version='2.100' allow='yes'/></redirfilter>"), "VL796",
     "Cannot parse USB device version"),
    ("usbdev-whole", dom("<redirfilter><usbdev class='0x08' vendor='0x1234' product='0xbeef' version='2.0' "
                         "allow='yes'/><usbdev class='-1' vendor='-5' version='-1' allow='no'/></redirfilter>"), None, ""),
    # VL708 controller-index: a pci-bridge above its bus
    ("pci-bridge-on-its-own-bus", dom("<controller type='pci' index='1' model='pci-bridge'><address type='pci' "
                                      "domain='0' bus='0x01' slot='0x01' function='0'/></controller>",
                                      machine="pc"), "VL708", "but index must be larger than bus"),
    ("pci-bridge-on-bus-0", dom("<controller type='pci' index='1' model='pci-bridge'><address type='pci' "
                                "domain='0' bus='0x00' slot='0x05' function='0'/></controller>", machine="pc"),
     None, ""),
]


@pytest.mark.parametrize(("xml", "code", "fragment"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_parse_checks(xml: str, code: str | None, fragment: str) -> None:
    caps = ARM if "aarch64" in xml else S390 if "s390x" in xml else PC if "machine='pc'" in xml else Q35
    mine = errors(xml, caps)
    if code is None:
        assert mine == []
    else:
        assert any(c == code and fragment in m for c, m in mine), mine


@pytest.mark.parametrize(("text", "low", "high", "expected"), [
    ("12", 0, 99, 12), (" +12", 0, 99, 12), ("-5", -10, 10, -5), ("12 ", 0, 99, None), ("0x10", 0, 99, None),
    ("", 0, 99, None), ("100", 0, 99, None), ("-1", 0, 99, None), (None, 0, 99, None), ("1.5", 0, 99, None),
])
def test_c_decimal_reads_as_libvirt_strict_readers(text: str | None, low: int, high: int, expected: int | None) -> None:
    assert c_decimal(text, low, high) == expected


def test_required_attribute_is_checked_when_the_screen_reads_several_rows() -> None:
    """A timer has five attribute rows: the walk's one-call screen for many rows reads only the attributes present,
    so a path with a required attribute takes the per-row screen (a missing name must fail it)."""
    (finding,) = [f for f in lint(clock("<timer present='yes' track='wall'/>"), Q35) if f.code == "VL850"]
    assert finding.message == "Missing required attribute 'name' in element 'timer'"


def test_driver_options_on_a_scsi_controller_without_model_are_a_warning() -> None:
    """libvirt gives a model-less SCSI controller lsilogic where QEMU has it (Debian's), else virtio-scsi."""
    (finding,) = [f for f in lint(dom("<controller type='scsi'><driver queues='2'/></controller>"), Q35)
                  if f.code == "VL794"]
    assert finding.severity is Severity.WARNING and "has no model" in finding.message


SPICE = "<graphics type='spice'>{}</graphics>"
AUDIO = "<audio id='1' type='{t}'{a}>{c}</audio>"
MEM = ("<memory model='dimm'{a}><target><size unit='MiB'>128</size><node>0</node></target></memory>")
NUMA_MAX = ("<features><acpi/></features><maxMemory slots='4' unit='MiB'>2048</maxMemory>"
            "<cpu><numa><cell id='0' cpus='0' memory='256' unit='MiB'/></numa></cpu>")
DISK = "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>" + IMG + "{t}{x}</disk>"
TARGET = "<target dev='vda' bus='virtio'/>"
FS = ("<filesystem type='mount' accessmode='passthrough'{a}><driver type='{d}'{o}/><source dir='/srv/share'/>"
      "<target dir='share'/>{x}</filesystem>")

#: Rows of the parser tables (VL850 values and required attributes, VL851 numbers) added with the third probe pass:
#: (id, xml, code or None, fragment of libvirt's message)
TABLE_CASES = [
    # graphics settings read per type
    ("spice-channel-name", dom(SPICE.format("<channel name='clipboard' mode='secure'/>")), "VL850",
     "'name' in element 'channel': 'clipboard'"),
    ("spice-channel-mode-missing", dom(SPICE.format("<channel name='main'/>")), "VL850",
     "Missing required attribute 'mode' in element 'channel'"),
    # (mode='secure' is read too, and refused at start without a TLS port: VL767)
    ("spice-channel", dom(SPICE.format("<channel name='main' mode='insecure'/>")), None, ""),
    ("spice-image-lz4", dom(SPICE.format("<image compression='lz4'/>")), "VL850", "'compression' in element 'image'"),
    ("spice-image-glz", dom(SPICE.format("<image compression='auto_glz'/><jpeg compression='auto'/>"
                                         "<playback compression='on'/><streaming mode='filter'/>"
                                         "<clipboard copypaste='no'/><mouse mode='client'/>")), None, ""),
    ("spice-autoport-on", dom("<graphics type='spice' autoport='on'/>"), "VL850", "'autoport' in element 'graphics'"),
    ("vnc-autoport-lenient", dom("<graphics type='vnc' autoport='on'/>"), None, ""),  # (VNC reads it leniently)
    ("vnc-share-policy", dom("<graphics type='vnc' sharePolicy='shared'/>"), "VL850", "'sharePolicy'"),
    ("listen-type-missing", dom("<graphics type='vnc'><listen address='127.0.0.1'/></graphics>"), "VL850",
     "Missing required attribute 'type' in element 'listen'"),
    ("listen-type-address", dom("<graphics type='vnc'><listen type='address' address='127.0.0.1'/></graphics>"),
     None, ""),
    ("sdl-gl-enable-missing", dom("<graphics type='sdl'><gl/></graphics>"), "VL850", "'enable' in element 'gl'"),
    # audio
    ("audio-type-pulse", dom(AUDIO.format(t="pulse", a="", c="")), "VL850", "'type' in element 'audio': 'pulse'"),
    ("audio-timer-zero", dom(AUDIO.format(t="none", a=" timerPeriod='0'", c="")), "VL851", "Zero is not permitted"),
    ("audio-voices-zero", dom(AUDIO.format(t="alsa", a="", c="<input voices='0'/>")), "VL851", "Zero is not permitted"),
    ("audio-format", dom(AUDIO.format(t="none", a="", c="<output mixingEngine='yes' fixedSettings='yes'>"
                                                        "<settings format='s16le'/></output>")), "VL850", "'format'"),
    ("audio-alsa", dom(AUDIO.format(t="alsa", a="", c="<input voices='1' bufferLength='100'/>")), None, ""),
    ("audio-oss-trypoll", dom(AUDIO.format(t="oss", a="", c="<input tryPoll='on'/>")), "VL850", "'tryPoll'"),
    # interfaces
    ("mac-type", dom("<interface type='user'><mac address='52:54:00:00:00:01' type='fixed'/></interface>"), "VL850",
     "'type' in element 'mac': 'fixed'"),
    ("direct-mode", dom("<interface type='direct'><source dev='eth0' mode='bridged'/></interface>"), "VL850",
     "'mode' in element 'source': 'bridged'"),
    ("direct-mode-bridge", dom("<interface type='direct'><source dev='eth0' mode='bridge'/></interface>"), None, ""),
    ("vhostuser-mode-missing", dom("<interface type='vhostuser'><source type='unix' path='/tmp/s'/>"
                                   "<model type='virtio'/></interface>", extra="<memoryBacking><access mode='shared'/>"
                                                                                "</memoryBacking>"), "VL770",
     "Missing required attribute 'mode' in element 'source'"),
    ("vlan-tag-negative", dom("<interface type='user'><vlan><tag id='-1'/></vlan></interface>"), "VL851",
     "'id' in element 'tag': '-1'"),
    ("acpi-index-zero", dom("<interface type='user'><acpi index='0'/></interface>"), "VL851", "Zero is not permitted"),
    ("rom-bar-yes", dom("<interface type='user'><rom bar='yes'/></interface>"), "VL850", "'bar' in element 'rom'"),
    ("mtu-word", dom("<interface type='bridge'><source bridge='br0'/><mtu size='9k'/></interface>"), "VL851",
     "malformed mtu size"),
    # memory devices, vsock, rng, video, tpm
    ("memory-access", dom(MEM.format(a=" access='private-copy'"), extra=NUMA_MAX), "VL850", "'access'"),
    ("memory-access-shared", dom(MEM.format(a=" access='shared'"), extra=NUMA_MAX), None, ""),
    ("vsock-cid-zero", dom("<vsock model='virtio'><cid auto='no' address='0'/></vsock>"), "VL851",
     "Zero is not permitted"),
    ("vsock-auto-on", dom("<vsock model='virtio'><cid auto='on'/></vsock>"), "VL850", "'auto' in element 'cid'"),
    ("rng-rate-word", dom("<rng model='virtio'><rate bytes='1k'/><backend model='random'>/dev/urandom</backend></rng>"),
     "VL851", "invalid RNG rate bytes value"),
    ("video-vram-units", dom("<video><model type='qxl' vram='64M'/></video>"), "VL851", "'vram' in element 'model'"),
    ("video-resolution-y-missing", dom("<video><model type='virtio'><resolution x='1024'/></model></video>"), "VL851",
     "Missing required attribute 'y'"),
    ("video-resolution", dom("<video><model type='virtio'><resolution x='1024' y='768'/></model></video>"), None, ""),
    ("tpm-persistent-true", dom("<tpm model='tpm-crb'><backend type='emulator' version='2.0' persistent_state='true'/>"
                                "</tpm>"), "VL850", "Invalid persistent_state value, either 'yes' or 'no'"),
    # disks and filesystems
    ("disk-removable-yes", dom(DISK.format(t="<target dev='sda' bus='usb' removable='yes'/>", x="")), "VL850",
     "'removable' in element 'target': 'yes'"),
    ("disk-rotation-ssd", dom(DISK.format(t="<target dev='sda' bus='sata' rotation_rate='ssd'/>", x="")), "VL851",
     "'rotation_rate'"),
    ("disk-geometry-hex", dom(DISK.format(t=TARGET, x="<geometry cyls='0x3fff' heads='16' secs='63'/>")), "VL851",
     "'cyls' in element 'geometry': '0x3fff'"),
    ("disk-iotune-units", dom(DISK.format(t=TARGET, x="<iotune><total_bytes_sec>100M</total_bytes_sec></iotune>")),
     "VL851", "disk iotune field 'total_bytes_sec' must be an integer"),
    ("disk-iotune-large", dom(DISK.format(t=TARGET, x="<iotune><total_bytes_sec>10000000000</total_bytes_sec>"
                                                      "</iotune>")), None, ""),
    ("disk-driver-iommu-yes", dom("<disk type='file' device='disk'><driver name='qemu' type='qcow2' iommu='yes'/>"
                                  + IMG + TARGET + "</disk>"), "VL850", "'iommu' in element 'driver'"),
    ("fs-model", dom(FS.format(a=" model='virtio-blk'", d="path", o="", x="")), "VL850", "'model'"),
    ("fs-multidevs", dom(FS.format(a=" multidevs='disabled'", d="path", o="", x="")), "VL850", "'multidevs'"),
    ("fs-multidevs-remap", dom(FS.format(a=" multidevs='remap'", d="path", o=" wrpolicy='immediate'", x="")),
     None, ""),
    # domain-level
    ("lockfailure", dom(extra="<on_lockfailure>destroy</on_lockfailure>"), "VL850", "unknown on_lockfailure action"),
    ("lockfailure-poweroff", dom(extra="<on_lockfailure>poweroff</on_lockfailure>"), None, ""),
    ("smbios-mode", dom(os="<smbios mode='system'/>"), "VL850", "unknown smbios mode 'system'"),
    ("firmware-feature-name", dom(os="<firmware><feature enabled='yes' name='secureboot'/></firmware>"), "VL850",
     "'name' in element 'feature': 'secureboot'"),
    ("cpu-fallback", dom(extra="<cpu mode='custom'><model fallback='deny'>qemu64</model></cpu>"), "VL850",
     "Invalid fallback attribute"),
    ("cpu-fallback-passthrough-ignored", dom(extra="<cpu mode='host-passthrough'><model fallback='deny'>qemu64</model>"
                                                   "</cpu>"), None, ""),
    ("vcpusched-scheduler", dom(extra="<cputune><vcpusched vcpus='0' scheduler='deadline'/></cputune>"), "VL850",
     "'scheduler' in element 'vcpusched'"),
    ("vcpusched-priority-word", dom(extra="<cputune><vcpusched vcpus='0' scheduler='fifo' priority='high'/>"
                                          "</cputune>"), "VL851", "Expected integer value"),
    ("vcpusched-fifo", dom(extra="<cputune><vcpusched vcpus='0' scheduler='fifo' priority='1'/></cputune>"), None, ""),
    ("iothread-pool-negative", dom(extra="<iothreads>1</iothreads><iothreadids><iothread id='1' thread_pool_min='-1' "
                                         "thread_pool_max='2'/></iothreadids>"), "VL851", "Expected non-negative value"),
    ("bootmenu-timeout-negative", dom(os="<bootmenu enable='yes' timeout='-1'/>"), "VL851",
     "'timeout' in element 'bootmenu'"),
    ("perf-enabled-on", dom(extra="<perf><event name='cmt' enabled='on'/></perf>"), "VL850", "'enabled'"),
    ("sysinfo-type", dom(extra="<sysinfo type='dmi'/>"), "VL850", "'type' in element 'sysinfo': 'dmi'"),
    ("seclabel-type", dom(extra="<seclabel type='auto' model='dac'/>"), "VL850", "'type' in element 'seclabel'"),
]


@pytest.mark.parametrize(("xml", "code", "fragment"), [c[1:] for c in TABLE_CASES], ids=[c[0] for c in TABLE_CASES])
def test_parser_table_rows(xml: str, code: str | None, fragment: str) -> None:
    test_parse_checks(xml, code, fragment)


NUMA1 = "<cpu><numa><cell id='0' cpus='0' memory='256' unit='MiB'/></numa></cpu>"
HOTPLUG = "<maxMemory slots='4' unit='MiB'>2048</maxMemory>" + NUMA1
VMEM = "<memory model='virtio-mem'><target><size unit='MiB'>512</size><node>0</node>{}</target></memory>"
NET_USER = "<interface type='user'><model type='virtio'/>{}</interface>"
NET_BRIDGE = "<interface type='bridge'><source bridge='br0'/><model type='virtio'/>{}</interface>"

#: Logic checks of the third probe pass: (id, xml, code or None, fragment of libvirt's message)
LOGIC_CASES = [
    # VL218 cpu-definition
    ("cpu-features-without-model", dom(extra="<cpu mode='custom'><feature policy='require' name='vmx'/></cpu>"),
     "VL218", "Non-empty feature list specified without CPU model"),
    ("cpu-host-model-features", dom(extra="<cpu mode='host-model'><feature policy='disable' name='vmx'/></cpu>"),
     None, ""),
    ("cpu-vendor-without-model", dom(extra="<cpu mode='custom'><vendor>Intel</vendor></cpu>"), "VL218",
     "CPU vendor specified without CPU model"),
    ("cpu-vendor-id-short", dom(extra="<cpu mode='custom'><model vendor_id='Intel'>qemu64</model></cpu>"), "VL218",
     "vendor_id must be exactly 12 characters long"),
    ("cpu-vendor-id", dom(extra="<cpu mode='custom'><model vendor_id='GenuineIntel'>qemu64</model></cpu>"),
     None, ""),
    ("cpu-migratable-custom", dom(extra="<cpu mode='custom' migratable='on'><model>qemu64</model></cpu>"), "VL218",
     "Attribute migratable is only allowed"),
    ("cpu-two-caches", dom(extra="<cpu mode='host-passthrough'><cache mode='passthrough'/><cache mode='disable'/>"
                                 "</cpu>"), "VL218", "at most one CPU cache element"),
    # VL211 thread-tuning
    ("vcpupin-without-cpuset", dom(extra="<cputune><vcpupin vcpu='0'/></cputune>"), "VL211",
     "missing cpuset for vcpupin"),
    ("emulatorpin-without-cpuset", dom(extra="<cputune><emulatorpin/></cputune>"), "VL211",
     "missing cpuset for emulatorpin"),
    ("cputune-shares-negative", dom(extra="<cputune><shares>-1</shares></cputune>"), "VL211",
     "can't parse cputune shares value"),
    ("cputune-period-units", dom(extra="<cputune><period>100ms</period></cputune>"), "VL211",
     "can't parse cputune period value"),
    ("cputune-quota-unlimited", dom(extra="<cputune><quota>-1</quota><shares>1024</shares></cputune>"), None, ""),
    ("vcpusched-fifo-without-priority", dom(extra="<cputune><vcpusched vcpus='0' scheduler='fifo'/></cputune>"),
     "VL211", "Missing required attribute 'priority' in element 'vcpusched'"),
    ("vcpusched-without-vcpus", dom(extra="<cputune><vcpusched scheduler='batch'/></cputune>"), "VL211",
     "Missing attribute 'vcpus' in element 'vcpusched'"),
    ("iothread-pool-min-only", dom(extra="<iothreads>1</iothreads><iothreadids><iothread id='1' thread_pool_min='2'/>"
                                         "</iothreadids>"), "VL211", "thread_pool_min must be smaller or equal"),
    ("iothread-pool-max-zero", dom(extra="<defaultiothread thread_pool_max='0'/>"), "VL211",
     "thread_pool_max must be a positive integer"),
    ("iothread-pool", dom(extra="<iothreads>1</iothreads><iothreadids><iothread id='1' thread_pool_min='2' "
                                "thread_pool_max='8'/></iothreadids>"), None, ""),
    # VL220 resctrl-tuning
    ("cachetune-overlap", dom(extra="<vcpu>2</vcpu><cputune><cachetune vcpus='0-1'><cache id='0' level='3' type='both' "
                                    "size='2' unit='MiB'/></cachetune><cachetune vcpus='1'><cache id='0' level='3' "
                                    "type='both' size='1' unit='MiB'/></cachetune></cputune>").replace(
        "<vcpu>1</vcpu>", ""), "VL220", "Overlapping vcpus in resctrls"),
    ("cachetune-disjoint", dom(extra="<vcpu>2</vcpu><cputune><cachetune vcpus='0'><cache id='0' level='3' type='both' "
                                     "size='2' unit='MiB'/></cachetune><cachetune vcpus='1'><cache id='0' level='3' "
                                     "type='both' size='1' unit='MiB'/></cachetune></cputune>").replace(
        "<vcpu>1</vcpu>", ""), None, ""),
    ("cachetune-colliding", dom(extra="<cputune><cachetune vcpus='0'><cache id='0' level='3' type='both' size='2' "
                                      "unit='MiB'/><cache id='0' level='3' type='code' size='1' unit='MiB'/>"
                                      "</cachetune></cputune>"), "VL220", "Colliding cache allocations"),
    ("memorytune-over-100", dom(extra="<cputune><memorytune vcpus='0'><node id='0' bandwidth='150'/></memorytune>"
                                      "</cputune>"), "VL220", "exceeding 100 is invalid"),
    ("cachetune-monitor-level", dom(extra="<cputune><cachetune vcpus='0'><monitor level='2' vcpus='0'/></cachetune>"
                                          "</cputune>"), "VL220", "Invalid monitor cache level '2'"),
    ("cachetune-qemu-domain", dom(extra="<cputune><cachetune vcpus='0'><cache id='0' level='3' type='both' size='2' "
                                        "unit='MiB'/></cachetune></cputune>", dtype="qemu"), "VL220",
     "cachetune is only supported for KVM domains"),
    # VL219 memory-tuning, VL207 numa-cells, VL206, VL808, VL755, VL209
    ("memtune-min-guarantee", dom(extra="<memtune><min_guarantee unit='MiB'>128</min_guarantee></memtune>"), "VL219",
     "Parameter 'min_guarantee' not supported by QEMU."),
    ("memtune-hard-limit", dom(extra="<memtune><hard_limit unit='MiB'>1024</hard_limit></memtune>"), None, ""),
    ("memtune-unit", dom(extra="<memtune><hard_limit unit='gigs'>1</hard_limit></memtune>"), "VL851",
     "unknown suffix 'gigs'"),
    ("numa-interconnect-initiator", dom(extra="<cpu><numa><cell id='0' cpus='0' memory='256' unit='MiB'/>"
                                              "<interconnects><latency initiator='5' target='0' type='access' "
                                              "value='5'/></interconnects></numa></cpu>"), "VL207",
     "'initiator' refers to a non-existent NUMA node"),
    ("numa-cache-level-twice", dom(extra="<cpu><numa><cell id='0' cpus='0' memory='256' unit='MiB'>"
                                         "<cache level='1' associativity='direct' policy='writeback'><size value='8' "
                                         "unit='KiB'/><line value='5' unit='B'/></cache><cache level='1' "
                                         "associativity='direct' policy='writeback'><size value='8' unit='KiB'/>"
                                         "<line value='5' unit='B'/></cache></cell></numa></cpu>"), "VL207",
     "Cache level '1' already defined"),
    ("vcpu-offline-not-hotpluggable", dom(extra="<vcpus><vcpu id='0' enabled='yes' hotpluggable='no'/>"
                                                "<vcpu id='1' enabled='no' hotpluggable='no'/></vcpus>").replace(
        "<vcpu>1</vcpu>", "<vcpu current='1'>2</vcpu>"), "VL206", "vcpu '1' is both offline and not hotpluggable"),
    ("poweroff-coredump", dom(extra="<on_poweroff>coredump-destroy</on_poweroff>"), "VL808",
     "Lifecycle event 'poweroff' doesn't support 'coredump-destroy' action"),
    ("crash-coredump", dom(extra="<on_crash>coredump-restart</on_crash>"), None, ""),
    ("tseg-unaligned", dom(extra="<features><smm state='on'><tseg unit='KiB'>1000</tseg></smm></features>"), "VL755",
     "SMM TSEG size must be divisible by 1 MiB"),
    ("tseg-48-mib", dom(extra="<features><smm state='on'><tseg unit='MiB'>48</tseg></smm></features>"), None, ""),
    ("hugepage-size-zero", dom(extra="<memoryBacking><hugepages><page size='0' unit='KiB'/></hugepages>"
                                     "</memoryBacking>"), "VL209", "hugepage size can't be zero"),
    ("maxmemory-slots-without-size", dom(extra="<maxMemory slots='4'/>" + NUMA1), "VL210",
     "maximum memory size must be specified when specifying number of memory slots"),
    ("sysinfo-uuid-malformed", dom(extra="<sysinfo type='smbios'><system><entry name='uuid'>not-a-uuid</entry>"
                                         "</system></sysinfo>"), "VL783", "malformed <sysinfo> uuid element"),
    ("seclabel-static-without-model", dom(extra="<seclabel type='static' relabel='no'><label>+107:+107</label>"
                                                "</seclabel>"), "VL782", "missing security model in domain seclabel"),
    ("seclabel-static-dac", dom(extra="<seclabel type='static' model='dac' relabel='no'><label>+107:+107</label>"
                                      "</seclabel>"), None, ""),
    # a label without type is libvirt's 'default' type (virXMLPropEnum sets 0 for an absent attribute), neither
    # dynamic nor none: a lone one without a model is refused, and the type/relabel checks do not read it (libvirt
    # 9.0: each checked)
    ("seclabel-untyped-without-model", dom(extra="<seclabel relabel='yes'/>"), "VL782",
     "missing security model in domain seclabel"),
    ("seclabel-empty", dom(extra="<seclabel/>"), "VL782", "missing security model in domain seclabel"),
    ("seclabel-dynamic-without-model", dom(extra="<seclabel type='dynamic'/>"), None, ""),
    ("seclabel-untyped-without-relabel", dom(extra="<seclabel model='dac' relabel='no'/>"), None, ""),
    ("seclabel-dynamic-without-relabel", dom(extra="<seclabel type='dynamic' model='dac' relabel='no'/>"), "VL782",
     "dynamic label type must use resource relabeling"),
    ("seclabel-untyped-with-baselabel", dom(extra="<seclabel relabel='yes'><baselabel>x</baselabel></seclabel>"),
     "VL782", "missing security model in domain seclabel"),
    ("seclabel-untyped-with-model", dom(extra="<seclabel model='dac'/>"), None, ""),
    # (a domain label's relabel is virXMLPropTristateBool's, as a device label's: yes or no; the mutation audit with
    # 'on', libvirt 9.0, each checked)
    ("seclabel-relabel-on", dom(extra="<seclabel type='dynamic' model='dac' relabel='on'/>"), "VL782",
     "Invalid value for attribute 'relabel' in element 'seclabel': 'on'."),
    ("seclabel-relabel-empty", dom(extra="<seclabel type='none' relabel=''/>"), "VL782",
     "Invalid value for attribute 'relabel' in element 'seclabel': ''."),
    ("seclabel-none-relabel-no", dom(extra="<seclabel type='none' relabel='no'/>"), None, ""),
    # VL770 interface-config (rules/_net.py)
    ("net-bridge-without-bridge", dom("<interface type='bridge'><source network='default'/></interface>"), "VL770",
     "Missing required attribute 'bridge' in element 'source'"),
    ("net-udp-without-local", dom("<interface type='udp'><source address='127.0.0.1' port='5511'/></interface>"),
     "VL770", "'<local>' element missing for 'udp' socket interface"),
    ("net-udp", dom("<interface type='udp'><source address='127.0.0.1' port='5511'><local address='127.0.0.1' "
                    "port='5512'/></source></interface>"), None, ""),
    ("net-virtualport-on-user", dom(NET_USER.format("<virtualport type='openvswitch'/>")), "VL770",
     "<virtualport> element unsupported for <interface type='user'>"),
    ("net-virtualport-unknown", dom(NET_BRIDGE.format("<virtualport type='ovs'/>")), "VL770",
     "unknown virtualport type ovs"),
    ("net-virtualport-ovs", dom(NET_BRIDGE.format("<virtualport type='openvswitch'/>")), None, ""),
    ("net-virtualport-qbh-without-profile", dom("<interface type='direct'><source dev='eth0' mode='vepa'/>"
                                                "<virtualport type='802.1Qbh'/></interface>"), "VL770",
     "missing profileid in <virtualport type='802.1Qbh'>"),
    ("net-vlan-4096", dom(NET_BRIDGE.format("<vlan><tag id='4096'/></vlan>")), "VL770",
     "vlan tag id 4096 too large (maximum 4095)"),
    ("net-vlan-two-tags-trunk-no", dom(NET_BRIDGE.format("<vlan trunk='no'><tag id='42'/><tag id='43'/></vlan>")),
     "VL770", "trunk='yes' is required for more than one vlan tag"),
    # (on an openvswitch bridge: a plain bridge takes no VLAN, refused at start)
    ("net-vlan-trunk", dom(NET_BRIDGE.format("<virtualport type='openvswitch'/><vlan trunk='yes'><tag id='42' "
                                             "nativeMode='untagged'/><tag id='43'/></vlan>")), None, ""),
    ("net-teaming-transient-alone", dom(NET_BRIDGE.format("<teaming type='transient'/>")), "VL770",
     "teaming persistent attribute must be set if teaming type is 'transient'"),
    ("net-guest-ip-bridge", dom(NET_BRIDGE.format("<ip address='192.168.122.5' prefix='24'/>")), "VL770",
     "guest-side IP route and/or address info, not supported by QEMU"),
    ("net-guest-ip-user", dom(NET_USER.format("<ip address='172.17.2.0' family='ipv4' prefix='24'/>")), None, ""),
    ("net-guest-ip-user-prefix-30", dom(NET_USER.format("<ip address='172.17.2.0' family='ipv4' prefix='30'/>")),
     "VL770", "invalid prefix, must be in range of 4-27"),
    ("net-ip-address", dom(NET_USER.format("<ip address='172.17.2.300' prefix='24'/>")), "VL770",
     "Invalid address '172.17.2.300' in <ip>"),
    ("net-coalesce-user", dom(NET_USER.format("<coalesce><rx><frames max='7'/></rx></coalesce>")), "VL770",
     "coalesce settings on interface type user are not supported"),
    ("net-coalesce-bridge", dom(NET_BRIDGE.format("<coalesce><rx><frames max='7'/></rx></coalesce>")), None, ""),
    ("net-vhostuser-tcp", dom("<interface type='vhostuser'><source type='tcp' path='/tmp/s' mode='client'/>"
                              "<model type='virtio'/></interface>"), "VL770",
     "Type='tcp' unsupported for <interface type='vhostuser'>"),
    ("net-driver-iommu-e1000e", dom("<interface type='user'><model type='e1000e'/><driver iommu='on'/></interface>"),
     "VL770", "iommu driver option is only supported for virtio devices"),
    ("net-driver-txmode", dom(NET_USER.format("<driver txmode='bh'/>")), "VL770",
     "Invalid value for attribute 'txmode' in element 'driver': 'bh'."),
    ("net-driver-virtio", dom(NET_USER.format("<driver name='vhost' txmode='iothread'><host csum='off'/></driver>")),
     None, ""),
    # VL765 video-devices
    ("video-acceleration-empty", dom("<video><model type='virtio'><acceleration/></model></video>"), "VL765",
     "missing values for acceleration"),
    ("video-accel2d", dom("<video><model type='virtio'><acceleration accel2d='yes'/></model></video>"), "VL765",
     "qemu does not support the accel2d setting"),
    ("video-resolution-cirrus", dom("<video><model type='cirrus'><resolution x='800' y='600'/></model></video>"),
     "VL765", "model resolution is not supported"),
    ("video-resolution-zero", dom("<video><model type='virtio'><resolution x='0' y='768'/></model></video>"),
     "VL765", "video resolution values must be greater than 0"),
    ("video-vga-vram-small", dom("<video><model type='vga' vram='512'/></video>"), "VL765",
     "value for 'vram' must be at least 1 MiB"),
    ("video-qxl-accel3d", dom("<video><model type='qxl'><acceleration accel3d='yes'/></model></video>"), "VL765",
     "3d acceleration is supported only with 'virtio' video device"),
    # VL784 tpm-config
    ("tpm-pcr-banks-unknown", dom("<tpm model='tpm-crb'><backend type='emulator' version='2.0'><active_pcr_banks>"
                                  "<sha3-256/></active_pcr_banks></backend></tpm>"), "VL784",
     "Unsupported PCR banks 'sha3-256'"),
    ("tpm-pcr-banks-tis-default", dom("<tpm model='tpm-tis'><backend type='emulator'><active_pcr_banks><sha256/>"
                                      "</active_pcr_banks></backend></tpm>"), "VL784",
     "<active_pcr_banks/> requires TPM version '2.0'"),
    ("tpm-pcr-banks-crb-default", dom("<tpm model='tpm-crb'><backend type='emulator'><active_pcr_banks><sha256/>"
                                      "</active_pcr_banks></backend></tpm>"), None, ""),
    ("tpm-external-file", dom("<tpm model='tpm-crb'><backend type='external'><source type='file' path='/tmp/s'/>"
                              "</backend></tpm>"), "VL784", "only source type 'unix' is supported"),
    # VL797 memory-device-config
    ("virtio-mem-block-3-mib", dom(VMEM.format("<block unit='MiB'>3</block>"), extra=HOTPLUG), "VL797",
     "block size must be a power of two"),
    ("virtio-mem-requested-over", dom(VMEM.format("<block unit='MiB'>2</block><requested unit='MiB'>1024</requested>"),
                                      extra=HOTPLUG), "VL797", "requested size must be smaller than or equal to @size"),
    ("virtio-mem", dom(VMEM.format("<block unit='MiB'>2</block><requested unit='MiB'>256</requested>"),
                       extra=HOTPLUG), None, ""),
    ("nvdimm-without-path", dom("<memory model='nvdimm'><target><size unit='MiB'>512</size><node>0</node></target>"
                                "</memory>", extra=HOTPLUG), "VL797", "path is required for model 'nvdimm'"),
    ("dimm-without-node", dom("<memory model='dimm'><target><size unit='MiB'>128</size></target></memory>",
                              extra=HOTPLUG), "VL797", "target NUMA node needs to be specified for memory device"),
    # VL798 rng-config, VL799 audio-config, VL767 graphics-config
    ("rng-two-backends", dom("<rng model='virtio'><backend model='random'>/dev/urandom</backend><backend "
                             "model='random'>/dev/random</backend></rng>"), "VL798", "only one RNG backend is supported"),
    ("rng-egd-without-type", dom("<rng model='virtio'><backend model='egd'/></rng>"), "VL798",
     "missing EGD backend type"),
    ("audio-fixed-without-mixing", dom("<audio id='1' type='none'><output fixedSettings='yes'/></audio>"), "VL799",
     "fixed audio settings requires mixing engine"),
    ("sound-audio-missing", dom("<sound model='ich9'><audio id='3'/></sound><audio id='1' type='none'/>"), "VL799",
     "no audio device with ID 3"),
    ("sound-audio-default", dom("<sound model='ich9'><audio id='1'/></sound>"), None, ""),
    ("vnc-port-word", dom("<graphics type='vnc' port='59x0'/>"), "VL767", "cannot parse vnc port 59x0"),
    ("vnc-password-validity", dom("<graphics type='vnc' passwd='secret' passwdValidTo='2025-01-01 10:00:00'/>"),
     "VL767", "cannot parse password validity time"),
    ("vnc-password-valid", dom("<graphics type='vnc' passwd='secret' passwdValidTo='2025-01-01T10:00:00'/>"),
     None, ""),
    ("vnc-connected-disconnect", dom("<graphics type='vnc' passwd='secret' connected='disconnect'/>"), "VL767",
     "VNC supports connected='keep' only"),
    ("listen-network-without-name", dom("<graphics type='vnc'><listen type='network'/></graphics>"), "VL767",
     "'network' attribute is required for listen type 'network'"),
    ("dbus-p2p-address", dom("<graphics type='dbus' p2p='yes' address='unix:path=/tmp/dbus'/>"), "VL767",
     "D-Bus p2p with an address is not supported"),
]


@pytest.mark.parametrize(("xml", "code", "fragment"), [c[1:] for c in LOGIC_CASES], ids=[c[0] for c in LOGIC_CASES])
def test_logic_checks(xml: str, code: str | None, fragment: str) -> None:
    test_parse_checks(xml, code, fragment)


QCOW = "<disk type='file' device='disk'><driver name='qemu' type='qcow2'{d}/>" + IMG + "{t}{x}</disk>"
VDA = "<target dev='vda' bus='virtio'/>"
SDA = "<target dev='sda' bus='sata'/>"
RBD = ("<disk type='network' device='disk'><driver name='qemu' type='raw'/><source protocol='rbd' name='{n}'>{h}{a}"
       "</source><target dev='vda' bus='virtio'/></disk>")
HOST = "<host name='10.0.0.1'/>"
VFS = ("<filesystem type='mount' accessmode='passthrough'><driver type='virtiofs'{o}/><source dir='/srv/{s}'/>"
       "<target dir='{t}'/></filesystem>")
SHARED = "<memoryBacking><source type='memfd'/><access mode='shared'/></memoryBacking>"

#: Disk and filesystem checks of the third probe pass: (id, xml, code or None, fragment of libvirt's message)
DISK_CASES = [
    # VL758 disk-options
    ("io-native-without-cache", dom(QCOW.format(d=" io='native'", t=VDA, x="")), "VL758",
     "io='native' needs either no disk cache or directsync cache mode"),
    ("io-native-cache-none", dom(QCOW.format(d=" cache='none' io='native'", t=VDA, x="")), None, ""),
    ("geometry-translation-sata", dom(QCOW.format(d="", t=SDA, x="<geometry cyls='1024' heads='16' secs='63' "
                                                              "trans='lba'/>")), "VL758",
     "CHS translation mode can only be set for 'ide' bus not 'sata'"),
    # (a partial geometry passes libvirt's define-time check, and QEMU's ide-hd refuses it at start)
    ("geometry-partial", dom(QCOW.format(d="", t=SDA, x="<geometry cyls='1024' trans='lba'/>")), "VL764",
     "heads must be between 1 and 16"),
    ("rotation-rate-virtio", dom(QCOW.format(d="", t="<target dev='vda' bus='virtio' rotation_rate='1'/>", x="")),
     "VL758", "rotation rate is only valid for SCSI/IDE/SATA bus"),
    ("rotation-rate-sata", dom(QCOW.format(d="", t="<target dev='sda' bus='sata' rotation_rate='1'/>", x="")),
     None, ""),
    ("serial-slash", dom(QCOW.format(d="", t=VDA, x="<serial>WD-WX11/A2</serial>")), "VL758",
     "driver serial 'WD-WX11/A2' contains unsafe characters"),
    ("serial-plain", dom(QCOW.format(d="", t=VDA, x="<serial>WD-WX11 A2.b+c_d</serial>")), None, ""),
    ("wwn-virtio", dom(QCOW.format(d="", t=VDA, x="<wwn>5000c50015ea71ad</wwn>")), "VL758",
     "Only ide and scsi disk support wwn"),
    ("ioeventfd-sata", dom(QCOW.format(d=" ioeventfd='on'", t=SDA, x="")), "VL758",
     "disk ioeventfd mode supported only for virtio bus"),
    ("ioeventfd-virtio", dom(QCOW.format(d=" ioeventfd='on'", t=VDA, x="")), None, ""),
    ("rawio-disk", dom("<controller type='scsi' model='virtio-scsi'/><disk type='file' device='disk' rawio='yes'>"
                       "<driver name='qemu' type='qcow2'/>" + IMG + "<target dev='sda' bus='scsi'/></disk>"), "VL758",
     "rawio can be used only with device='lun'"),
    ("startup-policy-network", dom("<disk type='network' device='cdrom'><driver name='qemu' type='raw'/>"
                                   "<source protocol='https' name='/a.iso' startupPolicy='optional'><host "
                                   "name='example.com' port='443'/></source><target dev='sda' bus='sata'/><readonly/>"
                                   "</disk>"), "VL758", "disk startupPolicy 'optional' is not allowed for disk of"),
    ("startup-policy-requisite-disk", dom("<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source "
                                          "file='/var/lib/libvirt/images/a.img' startupPolicy='requisite'/>" + VDA +
                                          "</disk>"), "VL758", "'requisite' is allowed only for cdrom or floppy"),
    ("startup-policy-optional-disk", dom("<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source "
                                         "file='/var/lib/libvirt/images/a.img' startupPolicy='optional'/>" + VDA +
                                         "</disk>"), None, ""),
    ("transient-readonly", dom(QCOW.format(d="", t=VDA, x="<readonly/><transient/>")), "VL758",
     "transient disk 'vda' must not be read-only"),
    ("transient", dom(QCOW.format(d="", t=VDA, x="<transient/>")), None, ""),
    ("iotune-too-large", dom(QCOW.format(d="", t=VDA, x="<iotune><total_bytes_sec>10000000000000000</total_bytes_sec>"
                                                        "</iotune>")), "VL758",
     "block I/O throttle limit must be no more than 1000000000000000"),
    ("metadata-cache-raw", dom("<disk type='file' device='disk'><driver name='qemu' type='raw'><metadata_cache>"
                               "<max_size unit='MiB'>2</max_size></metadata_cache></driver>" + IMG + VDA + "</disk>"),
     "VL758", "metadata cache max size control is supported only with qcow2 images"),
    # VL759 disk-source
    ("rbd-name-without-pool", dom(RBD.format(n="vm-disk-1", h=HOST, a="")), "VL759",
     "can't split path 'vm-disk-1' into pool name and image name"),
    ("rbd-name", dom(RBD.format(n="rbd/vm-disk-1", h=HOST, a="")), None, ""),
    ("host-port-out-of-range", dom(RBD.format(n="rbd/img", h="<host name='mon1' port='67890'/>", a="")), "VL759",
     "port '67890' out of range"),
    ("host-unix-without-socket", dom("<disk type='network' device='disk'><driver name='qemu' type='raw'/><source "
                                     "protocol='nbd'><host transport='unix'/></source>" + VDA + "</disk>"), "VL759",
     "missing socket for unix transport"),
    ("auth-without-username", dom(RBD.format(n="rbd/img", h=HOST, a="<auth><secret type='ceph' usage='x'/></auth>")),
     "VL759", "missing username for auth"),
    ("auth-uuid-and-usage", dom(RBD.format(n="rbd/img", h=HOST, a="<auth username='admin'><secret type='ceph' "
                                                               "uuid='2ec115d7-3a88-3ceb-bc12-0ac909a6fd87' "
                                                               "usage='x'/></auth>")), "VL759",
     "either secret uuid or usage expected"),
    ("auth", dom(RBD.format(n="rbd/img", h=HOST, a="<auth username='admin'><secret type='ceph' usage='x'/></auth>")),
     None, ""),
    ("encryption-without-format", dom(QCOW.format(d="", t=VDA, x="<encryption><secret type='passphrase' "
                                                                 "uuid='2ec115d7-3a88-3ceb-bc12-0ac909a6fd87'/>"
                                                                 "</encryption>")), "VL759",
     "unknown volume encryption format"),
    ("backing-store-without-format", dom(QCOW.format(d="", t=VDA, x="<backingStore type='file'><source "
                                                                    "file='/img/base.qcow2'/></backingStore>")),
     "VL759", "missing disk backing store format"),
    ("backing-store", dom(QCOW.format(d="", t=VDA, x="<backingStore type='file'><format type='qcow2'/><source "
                                                     "file='/img/base.qcow2'/><backingStore/></backingStore>")),
     None, ""),
    ("nvme-namespace-zero", dom("<disk type='nvme' device='disk'><driver name='qemu' type='raw'/><source type='pci' "
                                "managed='yes' namespace='0'><address domain='0x0000' bus='0x01' slot='0x00' "
                                "function='0x0'/></source>" + VDA + "</disk>"), "VL759", "NVMe namespace can't be zero"),
    ("slice-units", dom("<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='/img/a.raw'>"
                        "<slices><slice type='storage' offset='1M' size='1G'/></slices></source>" + VDA + "</disk>"),
     "VL759", "malformed value '1M' of 'offset' attribute of slice"),
    ("volume-without-pool", dom("<disk type='volume' device='disk'><driver name='qemu' type='qcow2'/><source "
                                "volume='vm1.qcow2'/>" + VDA + "</disk>"), "VL759",
     "'pool' and 'volume' must be specified together"),
    # VL791 filesystem-config
    ("fs-fmode-decimal", dom("<filesystem type='mount' accessmode='mapped' fmode='493'><driver type='path'/><source "
                             "dir='/srv/share'/><target dir='share'/></filesystem>"), "VL791",
     "'fmode' in element 'filesystem': '493'"),
    ("fs-dmode-sticky", dom("<filesystem type='mount' accessmode='mapped' dmode='1777'><driver type='path'/><source "
                            "dir='/srv/share'/><target dir='share'/></filesystem>"), "VL791", "invalid dmode: '01777'"),
    ("fs-modes", dom("<filesystem type='mount' accessmode='mapped' fmode='0644' dmode='755'><driver type='path'/>"
                     "<source dir='/srv/share'/><target dir='share'/></filesystem>"), None, ""),
    ("virtiofs-same-tag", dom(VFS.format(o="", s="a", t="share") + VFS.format(o="", s="b", t="share"), extra=SHARED),
     "VL791", "filesystem target 'share' specified twice"),
    ("virtiofs-two-tags", dom(VFS.format(o="", s="a", t="a") + VFS.format(o="", s="b", t="b"), extra=SHARED),
     None, ""),
    ("virtiofs-queue", dom(VFS.format(o=" queue='1k'", s="a", t="a"), extra=SHARED), "VL791",
     "cannot parse queue size '1k' for virtiofs"),
]


@pytest.mark.parametrize(("xml", "code", "fragment"), [c[1:] for c in DISK_CASES], ids=[c[0] for c in DISK_CASES])
def test_disk_checks(xml: str, code: str | None, fragment: str) -> None:
    test_parse_checks(xml, code, fragment)


def iotune(dev: str, settings: str) -> str:
    return ("<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='/img/" + dev + ".qcow2'/>"
            f"<target dev='{dev}' bus='virtio'/><iotune>{settings}</iotune></disk>")


def backing(fmt: str, inner: str = "", source: str = "") -> str:
    return (QCOW.format(d="", t=VDA, x=f"<backingStore type='file'><format type='{fmt}'>{inner}</format>"
                                       f"<source file='/img/base.{fmt}'>{source}</source></backingStore>"))


GOLD, IOPS = "<group_name>gold</group_name>", "<total_iops_sec>500</total_iops_sec>"
QCOW_KEY = ("<encryption format='{f}'><secret type='passphrase' uuid='2ec115d7-3a88-3ceb-bc12-0ac909a6fd87'/>"
            "</encryption>")
MDCACHE = "<metadata_cache><max_size unit='MiB'>1</max_size></metadata_cache>"
DISK_LABEL = ("<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='/img/a.qcow2'>"
              "<seclabel model='dac' relabel='no'/></source>" + VDA + "</disk>")

#: checks across disks, backing layers and labels (each refused or accepted by the real libvirt 9.0 alike)
CHAIN_CASES = [
    # VL758: iotune groups
    ("iotune-group-alone", dom(iotune("vda", GOLD)), "VL758", "group_name can be configured only together with"),
    ("iotune-group-no-settings-anywhere", dom(iotune("vda", GOLD) + iotune("vdb", GOLD)), "VL758",
     "group_name can be configured only together with settings"),
    ("iotune-group-takes-a-members-settings", dom(iotune("vda", GOLD) + iotune("vdb", IOPS + GOLD)), None, ""),
    ("iotune-group-different", dom(iotune("vda", IOPS + GOLD) + iotune("vdb", GOLD)
                                   + iotune("vdc", "<total_iops_sec>600</total_iops_sec>" + GOLD)), "VL758",
     "different iotunes for disks vda and vdc"),
    ("iotune-group-max-length-differs", dom(iotune("vda", IOPS + GOLD) + iotune(
        "vdb", IOPS + "<read_bytes_sec_max_length>5</read_bytes_sec_max_length>" + GOLD)), "VL758",
     "different iotunes for disks vda and vdb"),
    ("iotune-group-equal", dom(iotune("vda", IOPS + GOLD) + iotune("vdb", IOPS + GOLD)), None, ""),
    ("iotune-two-groups", dom(iotune("vda", IOPS + GOLD) + iotune("vdb", "<total_iops_sec>9</total_iops_sec>"
                                                                        "<group_name>silver</group_name>")), None, ""),
    ("iotune-empty-group-name", dom(iotune("vda", "<group_name></group_name>")), None, ""),
    # VL752: each backing layer's metadata cache and encryption
    ("backing-raw-metadata-cache", dom(backing("raw", MDCACHE)), "VL752",
     "metadata cache max size control is supported only with qcow2 images"),
    ("backing-qcow2-metadata-cache", dom(backing("qcow2", MDCACHE)), None, ""),
    ("empty-metadata-cache-on-raw", dom("<disk type='file' device='disk'><driver name='qemu' type='raw'>"
                                        "<metadata_cache/></driver>" + IMG + VDA + "</disk>"), None, ""),
    ("zero-metadata-cache-on-raw", dom("<disk type='file' device='disk'><driver name='qemu' type='raw'><metadata_cache>"
                                       "<max_size unit='KiB'>0</max_size></metadata_cache></driver>" + IMG + VDA
                                       + "</disk>"), None, ""),
    ("backing-qcow-encryption", dom(backing("qcow2", source=QCOW_KEY.format(f="qcow"))), "VL752",
     "old qcow/qcow2 encryption is not supported"),
    ("backing-luks-in-vmdk", dom(backing("vmdk", source=QCOW_KEY.format(f="luks"))), "VL752",
     "encryption is supported only with 'raw' and 'qcow2' image format"),
    ("backing-luks", dom(backing("qcow2", source=QCOW_KEY.format(f="luks"))), None, ""),
    # VL759: tftp on any layer
    ("tftp-disk", dom("<disk type='network' device='disk'><driver name='qemu' type='raw'/><source protocol='tftp' "
                      "name='img.raw'>" + HOST + "</source>" + VDA + "</disk>"), "VL759",
     "'tftp' protocol is not supported with this QEMU binary"),
    ("tftp-backing", dom(QCOW.format(d="", t=VDA, x="<backingStore type='network'><format type='raw'/><source "
                                                    "protocol='tftp' name='img.raw'>" + HOST + "</source>"
                                                    "</backingStore>")), "VL759", "'tftp' protocol"),
    ("http-backing", dom(QCOW.format(d="", t=VDA, x="<backingStore type='network'><format type='raw'/><source "
                                                    "protocol='http' name='img.raw'>" + HOST + "</source>"
                                                    "</backingStore>")), None, ""),
    # VL782: a device label overriding a model the domain does not relabel
    ("override-under-none-label", dom(DISK_LABEL, extra="<seclabel type='none' model='dac'/>"), "VL782",
     "label overrides require relabeling to be enabled at the domain level"),
    ("override-under-static-label-without-relabel",
     dom(DISK_LABEL, extra="<seclabel type='static' model='dac' relabel='no'><label>107:107</label></seclabel>"),
     "VL782", "label overrides require relabeling"),
    ("override-of-a-chardev", dom("<serial type='file'><source path='/tmp/s.log'><seclabel model='dac' relabel='no'/>"
                                  "</source><target port='0'/></serial>", extra="<seclabel type='none' model='dac'/>"),
     "VL782", "label overrides require relabeling"),
    ("override-under-dynamic-label", dom(DISK_LABEL, extra="<seclabel type='dynamic' model='dac'/>"), None, ""),
    ("override-under-static-relabelling-label",
     dom(DISK_LABEL, extra="<seclabel type='static' model='dac' relabel='yes'><label>107:107</label></seclabel>"),
     None, ""),
    ("override-of-another-model", dom(DISK_LABEL.replace("'dac'", "'selinux'"),
                                      extra="<seclabel type='none' model='dac'/>"), None, ""),
]




def same_image(first: str, second: str, first_device: str = "disk", second_device: str = "disk") -> str:
    """Two disks of one image file, each with the given extra children (<readonly/>, <shareable/>)."""
    def one(index: int, device: str, extra: str) -> str:
        dev, bus = (f"sd{'ab'[index]}", "sata") if device == "cdrom" else (f"vd{'ab'[index]}", "virtio")
        return (f"<disk type='file' device='{device}'><driver name='qemu' type='raw'/>" + IMG
                + f"<target dev='{dev}' bus='{bus}'/>{extra}</disk>")
    return dom(one(0, first_device, first) + one(1, second_device, second))


#: QEMU's image locking (each combination started with the real libvirt 9.0 and QEMU 7.2)
LOCK_CASES = [
    ("image-writable-twice", same_image("", ""), "VL762", "disks 'vda' and 'vdb' open '/var/lib/libvirt/images"),
    ("image-writable-and-read-only", same_image("", "<readonly/>"), "VL762", "Failed to get \"write\" lock"),
    ("image-read-only-and-writable", same_image("<readonly/>", ""), "VL762", "lock"),
    ("image-shareable-and-writable", same_image("<shareable/>", ""), "VL762", "lock"),
    ("image-shareable-and-read-only", same_image("<shareable/>", "<readonly/>"), "VL762", "lock"),
    ("image-writable-and-cdrom", same_image("", "", second_device="cdrom"), "VL762", "lock"),
    ("image-read-only-twice", same_image("<readonly/>", "<readonly/>"), None, ""),
    ("image-shareable-twice", same_image("<shareable/>", "<shareable/>"), None, ""),
    ("image-read-only-shareable-and-writable", same_image("<readonly/><shareable/>", ""), None, ""),
    ("image-cdrom-twice", same_image("<readonly/>", "", first_device="cdrom", second_device="cdrom"), None, ""),
    ("image-transient", same_image("<transient/>", "<readonly/>"), None, ""),
]


@pytest.mark.parametrize(("xml", "code", "fragment"), [c[1:] for c in LOCK_CASES], ids=[c[0] for c in LOCK_CASES])
def test_image_lock_checks(xml: str, code: str | None, fragment: str) -> None:
    test_parse_checks(xml, code, fragment)


@pytest.mark.parametrize(("xml", "code", "fragment"), [c[1:] for c in CHAIN_CASES], ids=[c[0] for c in CHAIN_CASES])
def test_chain_checks(xml: str, code: str | None, fragment: str) -> None:
    test_parse_checks(xml, code, fragment)


def os_type(text: str, dtype: str = "kvm", extra: str = "") -> str:
    return (f"<domain type='{dtype}'><name>t</name><memory>262144</memory>{extra}<os><type arch='x86_64' "
            f"machine='q35'>{text}</type></os></domain>")


def memory(size: str, unit: str) -> str:
    return dom(extra=f"<currentMemory unit='{unit}'>{size}</currentMemory>")


#: domain-level checks (each refused or accepted by the real libvirt 9.0 alike)
DOMAIN_CASES = [
    # VL012 os-type
    ("os-type-linux-on-kvm", os_type("linux"), "VL012", "does not support os type 'linux'"),
    ("os-type-xenpvh-on-qemu", os_type("xenpvh", "qemu"), "VL012", "does not support os type 'xenpvh'"),
    ("os-type-padded", os_type(" hvm"), "VL012", "unknown OS type ' hvm'"),
    ("os-type-typo", os_type("hmv"), "VL012", "unknown OS type 'hmv'"),
    ("os-type-empty", os_type(""), "VL012", "an os <type> must be specified"),
    ("os-type-empty-with-bootloader", os_type("", "xen", "<bootloader>/usr/bin/pygrub</bootloader>"), None, ""),
    ("os-type-linux-on-xen", os_type("linux", "xen"), None, ""),
    ("os-type-hvm", os_type("hvm"), None, ""),
    # VL221 resource-config
    ("resource-empty", dom(extra="<resource/>"), "VL221", "An error occurred, but the cause is unknown"),
    ("resource-empty-partition", dom(extra="<resource><partition></partition></resource>"), "VL221",
     "the cause is unknown"),
    # (a blank partition is defined, and refused at start: not an absolute cgroup path; checked on 9.0)
    ("resource-blank-partition", dom(extra="<resource><partition> </partition></resource>"), "VL221",
     "Resource partition ' ' must start with '/'"),
    ("resource-relative-partition", dom(extra="<resource><partition>machine</partition></resource>"), "VL221",
     "Resource partition 'machine' must start with '/'"),
    ("resource-twice", dom(extra="<resource><partition>/machine</partition></resource>" * 2), "VL221",
     "only one resource element is supported"),
    ("appid-129", dom(extra=f"<resource><fibrechannel appid='{'a' * 129}'/></resource>"), "VL221",
     "string length must be between [1, 128]"),
    ("appid-128", dom(extra=f"<resource><fibrechannel appid='{'a' * 128}'/></resource>"), None, ""),
    ("appid-non-ascii", dom(extra="<resource><fibrechannel appid='café'/></resource>"), "VL221",
     "is not a printable string"),
    # VL222 perf-events
    ("perf-event-twice", dom(extra="<perf><event name='cmt' enabled='yes'/><event name='cmt' enabled='no'/></perf>"),
     "VL222", "perf event 'cmt' was already specified"),
    ("perf-event-twice-across-perf", dom(extra="<perf><event name='cmt' enabled='yes'/></perf><perf><event "
                                               "name='cmt' enabled='no'/></perf>"), "VL222", "perf event 'cmt'"),
    ("perf-cqm-enabled", dom(extra="<perf><event name='mbml' enabled='yes'/></perf>"), "VL222",
     "unable to enable host cpu perf event for mbml"),
    ("perf-events", dom(extra="<perf><event name='cmt' enabled='no'/><event name='cpu_cycles' enabled='yes'/></perf>"),
     None, ""),
    # VL851: virDomainParseMemory's limit (LLONG_MAX bytes)
    ("memory-8-eib", memory("8", "EiB"), "VL851", "value too large: 8EiB"),
    ("memory-2-53-kib", memory("9007199254740992", "KiB"), "VL851", "value too large: 9007199254740992KiB"),
    ("memory-8388608-tib", memory("8388608", "TiB"), "VL851", "value too large: 8388608TiB"),
    ("memory-just-below", memory("9007199254740991", "KiB"), None, ""),
    ("memory-7-eib", memory("7", "EiB"), None, ""),
    # VL402: launch security of another arch's QEMU
    ("s390-pv-on-x86", dom(extra="<launchSecurity type='s390-pv'/>"), "VL402",
     "'s390-pv' launch security is not supported with this QEMU binary"),
    ("sev-on-s390", dom(extra="<launchSecurity type='sev'><policy>0x0003</policy></launchSecurity>", arch="s390x",
                        machine="s390-ccw-virtio"), "VL402", "'sev' launch security is not supported"),
    ("s390-pv-on-s390", dom(extra="<launchSecurity type='s390-pv'/>", arch="s390x", machine="s390-ccw-virtio"),
     None, ""),
    # VL850: the side fixes of the enum history
    ("input-bus-default", dom("<input type='tablet' bus='default'/>"), "VL850", "unknown input bus type 'default'"),
    ("vnc-share-policy-default", dom("<graphics type='vnc' sharePolicy='default'/>"), None, ""),
]


@pytest.mark.parametrize(("xml", "code", "fragment"), [c[1:] for c in DOMAIN_CASES], ids=[c[0] for c in DOMAIN_CASES])
def test_domain_checks(xml: str, code: str | None, fragment: str) -> None:
    test_parse_checks(xml, code, fragment)


TCP = "<source mode='connect' host='127.0.0.1' service='4555'{}/>"
VDAGENT = "<channel type='qemu-vdagent'><source>{}</source><target type='virtio' name='com.redhat.spice.0'/></channel>"
SCSI_HOST = "<hostdev mode='subsystem' type='scsi_host'{}><source protocol='{}' wwpn='naa.5001405df3e54061'/></hostdev>"
MDEV = ("<hostdev mode='subsystem' type='mdev'{}><source><address uuid='c2177883-f1bb-47f0-914d-32a22e3a8804'/>"
        "</source></hostdev>")
IVSHMEM = "<shmem name='s1'><model type='ivshmem-doorbell'/><server path='/tmp/ivsh'/>{}</shmem>"

#: character devices, host devices, balloon and shared memory: parser table rows (each checked on libvirt 9.0)
DEVICE_TABLE_CASES = [
    ("chardev-type", dom("<serial type='ptty'/>"), "VL850", "unknown type presented to host for character device: ptty"),
    ("chardev-target-type", dom("<serial type='pty'><target type='isa' port='0'/></serial>"), "VL850",
     "unknown target type 'isa' specified for character device"),
    ("chardev-target-type-none", dom("<serial type='pty'><target type='none' port='0'/></serial>"), None, ""),
    ("console-target-type", dom("<console type='pty'><target type='vritio'/></console>"), "VL850",
     "unknown target type 'vritio'"),
    ("serial-target-model", dom("<serial type='pty'><target type='isa-serial' port='0'><model name='isa'/></target>"
                                "</serial>"), "VL850", "unknown target model 'isa' specified for character device"),
    ("tcp-mode", dom(f"<serial type='tcp'>{TCP.format('').replace('connect', 'listen')}</serial>"), "VL850",
     "Invalid value for attribute 'mode' in element 'source': 'listen'."),
    ("tcp-mode-bind", dom(f"<serial type='tcp'>{TCP.format('').replace('connect', 'bind')}</serial>"), None, ""),
    ("udp-mode", dom("<serial type='udp'><source mode='listen' host='127.0.0.1' service='4555'/></serial>"), "VL850",
     "'mode' in element 'source': 'listen'"),
    ("file-append", dom("<serial type='file'><source path='/tmp/s.log' append='true'/></serial>"), "VL850",
     "'append' in element 'source': 'true'"),
    ("file-append-on", dom("<serial type='file'><source path='/tmp/s.log' append='on'/></serial>"), None, ""),
    ("tcp-tls", dom(f"<serial type='tcp'>{TCP.format(' tls=' + chr(39) + 'true' + chr(39))}</serial>"), "VL850",
     "'tls' in element 'source': 'true'"),
    ("reconnect-enabled", dom("<serial type='tcp'><source mode='connect' host='127.0.0.1' service='4555'><reconnect "
                              "enabled='true' timeout='5'/></source></serial>"), "VL850", "'enabled' in element"),
    ("log-append", dom("<serial type='pty'><log file='/tmp/l.log' append='yes'/></serial>"), "VL850",
     "'append' in element 'log': 'yes'"),
    ("vdagent-copypaste", dom(VDAGENT.format("<clipboard copypaste='true'/>")), "VL850", "'copypaste'"),
    ("vdagent-mouse", dom(VDAGENT.format("<mouse mode='host'/>")), "VL850", "'mode' in element 'mouse': 'host'"),
    ("vdagent", dom(VDAGENT.format("<clipboard copypaste='yes'/><mouse mode='client'/>")), None, ""),
    ("tcp-protocol", dom(f"<serial type='tcp'>{TCP.format('')}<protocol type='ssh'/></serial>"), "VL850",
     "Unknown protocol 'ssh'"),
    ("pty-protocol-ignored", dom("<serial type='pty'><protocol type='ssh'/></serial>"), None, ""),
    ("hostdev-type", dom("<hostdev mode='subsystem' type='pcie'><source/></hostdev>"), "VL850",
     "'type' in element 'hostdev': 'pcie'"),
    ("hostdev-sgio", dom("<controller type='scsi' model='virtio-scsi'/><hostdev mode='subsystem' type='scsi' "
                         "sgio='raw'><source><adapter name='scsi_host0'/><address bus='0' target='0' unit='0'/>"
                         "</source></hostdev>"), "VL850", "'sgio' in element 'hostdev': 'raw'"),
    ("hostdev-guest-reset", dom("<hostdev mode='subsystem' type='usb'><source guestReset='never'><vendor "
                                "id='0x1234'/><product id='0x5678'/></source></hostdev>"), "VL850", "'guestReset'"),
    ("vhost-scsi-model", dom(SCSI_HOST.format(" model='virtio-scsi'", "vhost")), "VL850",
     "'model' in element 'hostdev': 'virtio-scsi'"),
    ("vhost-scsi-protocol", dom(SCSI_HOST.format("", "vhost-scsi")), "VL850",
     "'protocol' in element 'source': 'vhost-scsi'"),
    ("mdev-without-model", dom(MDEV.format("")), "VL850", "Missing required attribute 'model' in element 'hostdev'"),
    ("mdev-display", dom(MDEV.format(" model='vfio-pci' display='yes'")), "VL850", "'display' in element 'hostdev'"),
    ("hub-without-type", dom("<hub/>"), "VL850", "missing hub device type"),
    ("balloon-autodeflate", dom("<memballoon model='virtio' autodeflate='yes'/>"), "VL850", "'autodeflate'"),
    ("balloon-none-autodeflate", dom("<memballoon model='none' autodeflate='yes'/>"), "VL850", "'autodeflate'"),
    ("balloon-period", dom("<memballoon model='virtio'><stats period='often'/></memballoon>"), "VL851",
     "'period' in element 'stats': 'often'. Expected integer value"),
    ("balloon-negative-period", dom("<memballoon model='virtio'><stats period='-5'/></memballoon>"), None, ""),
    ("shmem-ioeventfd", dom(IVSHMEM.format("<msi ioeventfd='yes'/>")), "VL850", "'ioeventfd' in element 'msi'"),
    ("shmem-vectors", dom(IVSHMEM.format("<msi vectors='many'/>")), "VL851", "'vectors' in element 'msi': 'many'"),
    ("shmem-size-unit", dom("<shmem name='s1'><model type='ivshmem-plain'/><size unit='MB2'>4</size></shmem>"),
     "VL851", "unknown suffix 'MB2'"),
    ("allocation-threads", dom(extra="<memoryBacking><allocation mode='immediate' threads='two'/></memoryBacking>"),
     "VL851", "Failed to parse memory allocation threads"),
    ("allocation-threads-number", dom(extra="<memoryBacking><allocation mode='immediate' threads='2'/>"
                                            "</memoryBacking>"), None, ""),
]


@pytest.mark.parametrize(("xml", "code", "fragment"), [c[1:] for c in DEVICE_TABLE_CASES],
                         ids=[c[0] for c in DEVICE_TABLE_CASES])
def test_device_table_rows(xml: str, code: str | None, fragment: str) -> None:
    found = errors(xml)
    if code is None:
        assert not [f for f in found if f[0] in ("VL850", "VL851")], found
    else:
        assert any(c == code and fragment in m for c, m in found), found


@pytest.mark.parametrize(("shmem", "fragment"), [
    ("<shmem><model type='ivshmem-plain'/></shmem>", "shmem element must contain 'name' attribute"),
    ("<shmem name='a/b'><model type='ivshmem-plain'/></shmem>", "shmem name cannot include '/' character"),
    ("<shmem name='..'><model type='ivshmem-plain'/></shmem>", "shmem name cannot be equal to '..'"),
    ("<shmem name='.'><model type='ivshmem-plain'/></shmem>", "shmem name cannot be equal to '.'"),
    ("<shmem name='s1'><size unit='M'>4</size></shmem>", "ivshmem device is no longer supported (a <shmem> without"),
    ("<shmem name='s1'><model type='ivshmem-plain'/><size unit='M'>4</size></shmem>", None),
    ("<shmem name='..s1'><model type='ivshmem-plain'/></shmem>", None),
])
def test_shmem_names_and_the_legacy_model(shmem: str, fragment: str | None) -> None:
    found = [m for c, m in errors(dom(shmem)) if c == "VL780"]
    assert (found == []) if fragment is None else any(fragment in m for m in found), found


@pytest.mark.parametrize(("xml", "code", "fragment"), [
    (dom("<nvram><address type='spapr-vio' reg='0x3000'/></nvram>"), "VL785", "nvram device is only supported for PPC64"),
    (dom("<nvram><address type='spapr-vio' reg='0x3000'/></nvram>", arch="ppc64le", machine="pseries"), None, ""),
    (dom("<shmem name='s1' role='main'><model type='ivshmem-plain'/></shmem>"), "VL780",
     "Invalid value for attribute 'role' in element 'shmem': 'main'."),
    (dom("<shmem name='s1' role='peer'><model type='ivshmem-plain'/></shmem>"), None, ""),
])
def test_nvram_device_and_shmem_role(xml: str, code: str | None, fragment: str) -> None:
    found = [(c, m) for c, m in errors(xml, Q35 if "x86_64" in xml else PPC) if c in ("VL785", "VL780")]
    assert (found == []) if code is None else any(c == code and fragment in m for c, m in found), found


PPC = ("<domainCapabilities><domain>kvm</domain><machine>pseries-9.1</machine><arch>ppc64le</arch>"
       "</domainCapabilities>")


@pytest.mark.parametrize(("text", "base", "bits", "expected"), [
    ("12", 0, 32, 12), (" +0x1f", 0, 32, 31), ("0755", 0, 32, 493), ("08", 0, 32, None), ("0x", 0, 32, None),
    ("1_0", 0, 32, None), ("5 ", 10, 32, None), ("-1", 10, 32, None), ("4294967295", 10, 32, 4294967295),
    ("4294967296", 10, 32, None), ("4294967296", 10, 64, 4294967296), ("0755", 8, 32, 493), ("8", 8, 32, None),
    (None, 10, 32, None), ("", 0, 32, None),
])
def test_prop_uint_reads_as_libvirt_unsigned_readers(text: str | None, base: int, bits: int,
                                                     expected: int | None) -> None:
    """virStrToLong_uip / _ullp: the whole text, C blanks and a '+' before it, nothing after, no underscores."""
    from virtlint.linter.units import prop_uint

    assert prop_uint(text, base, bits) == expected


SEV = "<launchSecurity type='{type}'>{inner}</launchSecurity>"


@pytest.mark.parametrize(("kind", "inner", "message"), [
    ("sev", "<cbitpos>47</cbitpos><reducedPhysBits>1</reducedPhysBits>", "failed to get launch security policy"),
    ("sev", "<policy> </policy>", "failed to get launch security policy"),  # (blanks are no number)
    ("sev", "<policy>0x3</policy>", None),
    ("sev", "<policy>3</policy>", None),  # (read in base 16)
    ("sev", "<policy>-1</policy>", "failed to get launch security policy"),
    ("sev", "<policy>0x100000000</policy>", "failed to get launch security policy"),  # (32 bits for SEV)
    ("sev-snp", "<policy>0x100000000</policy>", None),  # (64 for SEV-SNP)
    ("sev", "<cbitpos>x</cbitpos><policy>0x3</policy>", "Invalid format for launch security cbitpos"),
    ("sev", "<cbitpos>-1</cbitpos><policy>0x3</policy>", "Invalid format for launch security cbitpos"),
    ("sev", "<reducedPhysBits>1.5</reducedPhysBits><policy>0x3</policy>",
     "Invalid format for launch security reduced-phys-bits"),
    ("s390-pv", "<cbitpos>x</cbitpos>", None),  # (s390-pv reads none of them)
])
def test_sev_launch_values(kind: str, inner: str, message: str | None) -> None:
    xml = ("<domain type='kvm'><name>t</name><memory>131072</memory><os><type arch='x86_64' machine='q35'>hvm</type>"
           f"</os>{SEV.format(type=kind, inner=inner)}</domain>")
    found = [f.message for f in lint(xml, Q35, select=("VL223",))]
    assert found == ([message] if message else []), found


def _domain(inner: str, head: str = "<memory unit='MiB'>256</memory><vcpu>1</vcpu>",
            os_type: str = "<type arch='x86_64' machine='q35'>hvm</type>") -> str:
    return f"<domain type='kvm'><name>t</name>{head}<os>{os_type}</os>{inner}</domain>"


#: Empty values, from the mutation audit with '' (libvirt 9.0 defines each of the first group, refuses the second):
#: where libvirt reads a setting with virXPathString an empty one is none; where it asks only whether an attribute
#: is there, an empty one passes
EMPTY_PASSES = [
    _domain("<clock offset=''/>"),
    _domain("<on_poweroff></on_poweroff>"),
    _domain("<devices><video><model type='' vram=''/></video></devices>"),
    _domain("<cpu mode='custom'><model fallback=''>qemu64</model></cpu>"),
    _domain("<memoryBacking><source type=''/><allocation mode='' threads=''/></memoryBacking>"),
    _domain("<devices><interface type='user'><model type=''/><link state=''/><mtu size=''/></interface></devices>"),
    _domain("<devices><serial type='tcp'><source mode='connect' host='' service=''/></serial></devices>"),
    _domain("<devices><disk type='network' device='cdrom'><source protocol='http' name='/a.iso'><host name='h'/>"
            "<readahead size=''/><timeout seconds=''/></source><target dev='sda' bus='sata'/><readonly/></disk>"
            "</devices>"),
    _domain("<devices><tpm model='tpm-crb'><backend type='emulator' version='2.0'><encryption secret=''/>"
            "</backend></tpm></devices>"),
    _domain("", os_type="<type arch='x86_64' machine=''>hvm</type>"),  # (the default machine)
]
EMPTY_REFUSED = [
    (_domain("", head="<memory unit='MiB'></memory><vcpu>1</vcpu>"), "Memory size must be specified"),
    (_domain("", head="<memory unit='MiB'>256</memory><vcpu></vcpu>"), "maximum vcpus count must be an integer"),
    (_domain("<devices><disk type='network' device='cdrom'><source protocol='http' name='/a.iso'><host name='h'/>"
             "<cookies><cookie name='c'></cookie></cookies></source><target dev='sda' bus='sata'/><readonly/></disk>"
             "</devices>"), "missing value for cookie 'c'"),
    (_domain("<devices><controller type='scsi' model='virtio-scsi'/><disk type='block' device='lun'><source "
             "dev='/dev/sdb'><reservations managed='no'><source type='unix' path='' mode='client'/></reservations>"
             "</source><target dev='sda' bus='scsi'/></disk></devices>"), "missing path for <reservations/>"),
    (_domain("<devices><filesystem type='mount' accessmode='passthrough'><source dir='/srv'/><target dir=''/>"
             "</filesystem></devices>"), "missing target information for device /srv"),
]


@pytest.mark.parametrize("xml", EMPTY_PASSES)
def test_an_empty_value_libvirt_leaves_unset_is_no_error(xml: str) -> None:
    errors = [(f.code, f.message) for f in lint(xml, Q35) if f.severity is Severity.ERROR]
    assert errors == [], errors


@pytest.mark.parametrize(("xml", "message"), EMPTY_REFUSED)
def test_an_empty_value_libvirt_refuses(xml: str, message: str) -> None:
    assert any(message in f.message for f in lint(xml, Q35) if f.severity is Severity.ERROR)


VCPUS = ("<domain type='kvm'><name>t</name><memory>131072</memory><vcpu>2</vcpu><vcpus><vcpu id='0' enabled='yes' "
         "hotpluggable='no'{}/><vcpu id='1' enabled='{}' hotpluggable='yes'{}/></vcpus>"
         "<os><type arch='x86_64' machine='q35'>hvm</type></os></domain>")


@pytest.mark.parametrize(("order0", "enabled1", "order1", "message"), [
    (" order='1'", "yes", " order='0'", "all vcpus must have either set or unset order"),  # (0 is no order)
    (" order='1'", "yes", "", "all vcpus must have either set or unset order"),
    (" order='2'", "yes", " order='1'", "vcpu0 must be enabled first"),
    (" order='1'", "yes", " order='2'", None),
    ("", "yes", "", None),
    (" order='1'", "no", "", None),  # (an offline vCPU has no order to agree on)
])
def test_vcpu_orders(order0: str, enabled1: str, order1: str, message: str | None) -> None:
    """qemuDomainDefVcpusPostParse, each case checked on libvirt 9.0."""
    found = [f.message for f in lint(VCPUS.format(order0, enabled1, order1), Q35, select=("VL206",))]
    assert found == ([message] if message else []), found


@pytest.mark.parametrize(("parent", "iothread", "expected"), [
    ("<controller type='scsi' model='virtio-scsi'>{}</controller>", "0", []),  # (a controller's 0 is none)
    ("<controller type='scsi' model='virtio-scsi'>{}</controller>", "3", ["VL801"]),
    ("<disk type='file'><source file='/a'/>{}<target dev='vda' bus='virtio'/></disk>", "0", ["VL851"]),
])
def test_iothread_zero(parent: str, iothread: str, expected: list[str]) -> None:
    xml = ("<domain type='kvm'><name>t</name><memory>131072</memory><iothreads>1</iothreads>"
           "<os><type arch='x86_64' machine='q35'>hvm</type></os><devices>"
           + parent.format(f"<driver iothread='{iothread}'/>") + "</devices></domain>")
    assert sorted(f.code for f in lint(xml, Q35, select=("VL801", "VL851"))) == expected
