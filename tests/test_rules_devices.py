"""Device families of libvirt's validation (issue 11): each check with a failing case and its valid twin."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from conftest import codes, lint
from virtlint.linter.model import Severity
from virtlint.linter.units import scaled_bytes
from virtlint.rules._devices import refused_since

CAPS = "<domainCapabilities><domain>kvm</domain><machine>{m}</machine><arch>{a}</arch></domainCapabilities>"
Q35 = CAPS.format(m="pc-q35-9.1", a="x86_64")
PC = CAPS.format(m="pc-i440fx-9.1", a="x86_64")
Q35_OLD = CAPS.format(m="pc-q35-9.0", a="x86_64")
ARM = CAPS.format(m="virt-9.1", a="aarch64")
IMG = "<source file='/var/lib/libvirt/images/a.img'/>"


def dom(devices: str = "", *, os: str = "", os_attrs: str = "", machine: str = "q35", arch: str = "x86_64",
        extra: str = "", dtype: str = "kvm") -> str:
    return (f"<domain type='{dtype}'><name>t</name><os{os_attrs}><type arch='{arch}' machine='{machine}'>hvm</type>"
            f"{os}</os>{extra}<devices>{devices}</devices></domain>")


def disk(target: str, bus: str | None = None, *, device: str = "disk", kind: str = "file", fmt: str | None = "raw",
         source: str = IMG, extra: str = "") -> str:
    bus_attr = f" bus='{bus}'" if bus else ""
    driver = f"<driver name='qemu' type='{fmt}'/>" if fmt else ""
    return (f"<disk type='{kind}' device='{device}'>{driver}{source}<target dev='{target}'{bus_attr}/>"
            f"{extra}</disk>")


def errors(xml: str, caps: str = Q35) -> list[tuple[str, str]]:
    return [(f.code, f.message) for f in lint(xml, caps) if f.severity is Severity.ERROR]


SCSI = "<controller type='scsi' model='virtio-scsi'/>"
ENC = "<encryption format='luks'><secret type='passphrase' uuid='0a81f5b2-8403-7b23-c8d6-21ccc2f80d6f'/>{c}</encryption>"
ISCSI = ("<disk type='network' device='disk'><driver name='qemu' type='raw'/>"
         "<source protocol='iscsi' name='iqn.2013-07.com.example:iscsi/1'>{hosts}{inner}</source>{outer}"
         "<target dev='vda' bus='virtio'/></disk>")
HOST = "<host name='example.com' port='3260'/>"
VDS = ("<interface type='vds'><source switchid='12345678-1234-1234-1234-123456789abc' portgroupid='p' {}/>"
       "</interface>")
NVME = ("<disk type='nvme' device='disk'><driver name='qemu' type='raw'/><source {}><address domain='0x0000' "
        "bus='{}' slot='0x00' function='0x0'/></source><target dev='vda' bus='virtio'/></disk>")
LOADPARM = "<interface type='user'><model type='virtio'/><boot order='1' loadparm='{}'/></interface>"
PSTORE = "<pstore backend='acpi-erst'><path>{path}</path><size unit='KiB'>{size}</size></pstore>"


def iscsi(hosts: str = HOST, inner: str = "", outer: str = "") -> str:
    return ISCSI.format(hosts=hosts, inner=inner, outer=outer)


def auth(kind: str | None) -> str:
    attr = f" type='{kind}'" if kind else ""
    return f"<auth username='u'><secret{attr} usage='x'/></auth>"


# (id, domain XML, caps, expected code or None, a fragment of the message)
CASES = [
    # VL750 disk-target-name
    ("partition", dom(disk("vdb1", "virtio")), Q35, "VL750", "partitions can't appear"),
    ("whole-disk", dom(disk("vdb", "virtio")), Q35, None, ""),
    ("partition-0-allowed", dom(disk("sda0", "sata")), Q35, None, ""),
    ("unparsable", dom(disk("disk0", "virtio")), Q35, "VL750", "invalid disk target 'disk0'"),
    ("missing-target", dom("<disk type='block'><source dev='/dev/sdz'/></disk>"), Q35, "VL750",
     "missing target information for device /dev/sdz"),
    ("xen-domain-not-judged", dom(disk("disk0", "xen"), dtype="xen"), Q35, None, ""),
    # VL751 disk-device-bus
    ("cdrom-virtio", dom(disk("vdc", "virtio", device="cdrom")), Q35, "VL751", "does not support ejectable media"),
    ("cdrom-implied-virtio", dom(disk("vdc", device="cdrom")), Q35, "VL751", "does not support ejectable media"),
    ("cdrom-sata", dom(disk("sdc", "sata", device="cdrom")), Q35, None, ""),
    ("floppy-ide", dom(disk("fda", "ide", device="floppy"), machine="pc"), PC, "VL751", "for floppy disk"),
    ("disk-on-fdc", dom(disk("fda", "fdc"), machine="pc"), PC, "VL751", "Invalid bus type 'fdc' for disk"),
    ("floppy-fdc", dom(disk("fda", "fdc", device="floppy"), machine="pc"), PC, None, ""),
    ("lun-file", dom(SCSI + disk("sda", "scsi", device="lun")), Q35, "VL751", "only valid for block type"),
    ("lun-block", dom(SCSI + disk("sda", "scsi", device="lun", kind="block", source="<source dev='/dev/sdb'/>")),
     Q35, None, ""),
    ("lun-qcow2", dom(SCSI + disk("sda", "scsi", device="lun", kind="block", fmt="qcow2",
                                  source="<source dev='/dev/sdb'/>")), Q35, "VL751", "must use 'raw' format"),
    ("lun-nbd", dom(SCSI + "<disk type='network' device='lun'><source protocol='nbd' name='x'>" + HOST +
                    "</source><target dev='sda' bus='scsi'/></disk>"), Q35, "VL751", "protocol='nbd'"),
    ("lun-sata", dom(disk("sda", "sata", device="lun", kind="block", source="<source dev='/dev/sdb'/>")), Q35,
     "VL751", "not supported for bus='sata'"),
    ("lun-virtio-qemu-9.1", dom(disk("vda", "virtio", device="lun", kind="block", source="<source dev='/dev/sdb'/>")),
     Q35, "VL751", "SCSI emulation with 'virtio-blk'"),
    ("lun-virtio-qemu-9.0", dom(disk("vda", "virtio", device="lun", kind="block", source="<source dev='/dev/sdb'/>")),
     Q35_OLD, None, ""),
    ("vendor-sata", dom(disk("sda", "sata", extra="<vendor>ACME</vendor>")), Q35, "VL751", "Only scsi disk"),
    ("vendor-scsi", dom(SCSI + disk("sda", "scsi", extra="<product>X</product>")), Q35, None, ""),
    ("usb-empty", dom("<disk type='file' device='cdrom'><target dev='sdd' bus='usb'/><readonly/></disk>"), Q35,
     "VL751", "'usb' disk must not be empty"),
    ("usb-with-source", dom(disk("sdd", "usb")), Q35, None, ""),
    ("disk-no-source", dom("<disk type='file' device='disk'><target dev='vdb' bus='virtio'/></disk>"), Q35,
     "VL751", "missing source information for device vdb"),
    ("cdrom-no-source", dom("<disk type='file' device='cdrom'><target dev='sdb' bus='sata'/></disk>"), Q35,
     None, ""),
    ("volume-no-source-undecided", dom("<disk type='volume' device='disk'><target dev='vdb' bus='virtio'/></disk>"),
     Q35, None, ""),
    # VL752 disk-storage-format
    ("iso", dom(disk("sdc", "sata", device="cdrom", fmt="iso")), Q35, "VL752", "storage format 'iso'"),
    ("cow", dom(disk("vdb", "virtio", fmt="cow")), Q35, "VL752", "'cow' storage format"),
    ("dir-format", dom(disk("vdb", "virtio", fmt="dir")), Q35, "VL752", "'directory' storage format"),
    ("raw", dom(disk("vdb", "virtio", fmt="raw")), Q35, None, ""),
    ("backing-iso", dom(disk("vdb", "virtio", fmt="qcow2", extra="<backingStore type='file'><format type='iso'/>"
                                                        "<source file='/b.iso'/></backingStore>")),
     Q35, "VL752", "storage format 'iso'"),
    ("dir-disk-rw", dom(disk("sdb", "usb", kind="dir", fmt="fat", source="<source dir='/srv'/>")), Q35, "VL752",
     "read-write mode"),
    ("dir-disk-ro", dom(disk("sdb", "usb", kind="dir", fmt="fat", source="<source dir='/srv'/>",
                             extra="<readonly/>")), Q35, None, ""),
    ("dir-disk-qcow2", dom(disk("sdb", "usb", kind="dir", fmt="qcow2", source="<source dir='/srv'/>",
                                extra="<readonly/>")), Q35, "VL752", "requires use of storage format 'fat'"),
    # no format: qemuDomainDeviceDiskDefPostParse makes it raw, so even a read-only directory is refused
    ("dir-disk-no-format", dom(disk("sdb", "usb", kind="dir", fmt=None, source="<source dir='/srv'/>",
                                    extra="<readonly/>")), Q35, "VL752", "requires use of storage format 'fat'"),
    ("fat-on-file", dom(disk("vdb", "virtio", fmt="fat")), Q35, "VL752", "supported only with 'dir'"),
    ("luks-vmdk", dom(disk("vdb", "virtio", fmt="vmdk", extra=ENC.format(c=""))), Q35, "VL752",
     "encryption is supported only with 'raw' and 'qcow2'"),
    ("luks-qcow2", dom(disk("vdb", "virtio", fmt="qcow2", extra=ENC.format(c=""))), Q35, None, ""),
    ("qcow-encryption", dom(disk("vdb", "virtio", fmt="qcow2", extra="<encryption format='qcow'/>")), Q35,
     "VL752", "old qcow/qcow2 encryption"),
    ("shareable-qcow2", dom(disk("vdb", "virtio", fmt="qcow2", extra="<shareable/>")), Q35, "VL752",
     "shared access for disk 'vdb'"),
    ("shareable-qcow2-readonly", dom(disk("vdb", "virtio", fmt="qcow2", extra="<shareable/><readonly/>")), Q35,
     None, ""),
    ("shareable-raw", dom(disk("vdb", "virtio", extra="<shareable/>")), Q35, None, ""),
    ("shareable-no-format", dom(disk("vdb", "virtio", fmt=None, extra="<shareable/>")), Q35, None, ""),
    # VL753 disk-source-secrets
    ("auth-both", dom(iscsi(inner=auth("iscsi"), outer=auth("iscsi"))), Q35, "VL753", "an <auth> definition"),
    ("auth-inner", dom(iscsi(inner=auth("iscsi"))), Q35, None, ""),
    ("encryption-both", dom(disk("vdb", "virtio", source=f"<source file='/a.img'>{ENC.format(c='')}</source>",
                                 extra=ENC.format(c=""))), Q35, "VL753", "an <encryption> definition"),
    ("secret-type-missing", dom(iscsi(outer=auth(None))), Q35, "VL753", "unknown secret type '<null>'"),
    ("secret-type-ceph-on-iscsi", dom(iscsi(outer=auth("ceph"))), Q35, "VL753", "invalid secret type 'ceph'"),
    ("auth-on-nbd", dom("<disk type='network'><source protocol='nbd' name='x'>" + HOST + auth("iscsi") +
                        "</source><target dev='vda' bus='virtio'/></disk>"), Q35, "VL753",
     "authentication is not supported for protocol 'nbd'"),
    ("luks-cipher", dom(disk("vdb", "virtio", extra=ENC.format(c="<cipher name='aes' size='256'/>"))), Q35,
     "VL753", "supplying <cipher>"),
    ("iscsi-no-host", dom(iscsi(hosts="")), Q35, "VL753", "iSCSI protocol accepts only one host"),
    ("iscsi-two-hosts", dom(iscsi(hosts=HOST + HOST)), Q35, "VL753", "accepts only one host"),
    ("http-no-host", dom("<disk type='network' device='cdrom'><source protocol='https' name='/a.iso'/>"
                         "<target dev='sdb' bus='sata'/><readonly/></disk>"), Q35, "VL753",
     "protocol 'https' accepts only one host"),
    ("rbd-many-hosts", dom("<disk type='network'><source protocol='rbd' name='p/i'>" + HOST + HOST +
                           "</source><target dev='vda' bus='virtio'/></disk>"), Q35, None, ""),
    # VL754 boot-order
    ("boot-dev-and-order", dom(disk("vda", "virtio", extra="<boot order='1'/>"), os="<boot dev='hd'/>"), Q35,
     "VL754", "per-device boot elements"),
    ("boot-order-only", dom(disk("vda", "virtio", extra="<boot order='1'/>")), Q35, None, ""),
    ("boot-order-twice", dom(disk("vda", "virtio", extra="<boot order='2'/>") +
                             "<interface type='user'><boot order='2'/></interface>"), Q35, "VL754",
     "boot order '2' used for more than one device"),
    ("bootmenu-70000", dom(os="<bootmenu enable='yes' timeout='70000'/>"), Q35, "VL754", "[0,65535]"),
    ("bootmenu-65535", dom(os="<bootmenu enable='yes' timeout='65535'/>"), Q35, None, ""),
    ("loadparm-empty", dom(LOADPARM.format("")), Q35, "VL754", "loadparm value '' must be between 1 and 8"),
    ("loadparm-blanks", dom(LOADPARM.format("  ")), Q35, "VL754", "loadparm value '  ' must be between 1 and 8"),
    ("loadparm-nine", dom(LOADPARM.format("abcdefghi")), Q35, "VL754", "loadparm value 'ABCDEFGHI' must be"),
    ("loadparm-underscore", dom(LOADPARM.format("a_b")), Q35, "VL754", "invalid loadparm value 'A_B'"),
    ("loadparm-ok", dom(LOADPARM.format("a.b 1")), Q35, None, ""),
    ("loadparm-eight", dom(LOADPARM.format("ABCDEFGH")), Q35, None, ""),
    # VL507 nvram
    ("nvram-bios", dom(os_attrs=" firmware='bios'", os="<nvram>/v.fd</nvram>"), Q35, "VL507", "firmware type 'bios'"),
    ("nvram-stateless", dom(os="<loader type='pflash' stateless='yes'>/c.fd</loader><nvram>/v.fd</nvram>"), Q35,
     "VL507", "NVRAM is not permitted when loader is stateless"),
    ("template-stateless", dom(os="<loader type='pflash' stateless='yes'>/c.fd</loader><nvram template='/t.fd'/>"),
     Q35, "VL507", "NVRAM template is not permitted"),
    ("stateless-alone", dom(os="<loader type='pflash' stateless='yes'>/c.fd</loader>"), Q35, None, ""),
    ("not-stateless-rom", dom(os="<loader stateless='no'>/bios.bin</loader>", machine="pc"), PC, "VL507",
     "Only pflash loader type permits NVRAM"),
    ("not-stateless-pflash", dom(os="<loader type='pflash' stateless='no'>/c.fd</loader>"), Q35, None, ""),
    ("not-stateless-bios", dom(os_attrs=" firmware='bios'", os="<loader stateless='no'/>"), Q35, "VL507",
     "Only EFI firmware permits NVRAM"),
    ("format-mismatch", dom(os_attrs=" firmware='efi'", os="<loader format='qcow2'/><nvram format='raw'/>"), Q35,
     "VL507", "Format mismatch: loader.format='qcow2' nvram.format='raw'"),
    ("format-match", dom(os_attrs=" firmware='efi'", os="<loader format='qcow2'/><nvram format='qcow2'/>"), Q35,
     None, ""),
    # VL755 firmware-config
    ("enrolled-keys-no-secboot", dom(os_attrs=" firmware='efi'", os=(
        "<firmware><feature enabled='yes' name='enrolled-keys'/><feature enabled='no' name='secure-boot'/>"
        "</firmware>")), Q35, "VL755", "enrolled-keys"),
    ("keys-and-secboot", dom(os_attrs=" firmware='efi'", os=(
        "<firmware><feature enabled='yes' name='enrolled-keys'/><feature enabled='yes' name='secure-boot'/>"
        "</firmware>"), extra="<features><smm state='on'/></features>"), Q35, None, ""),
    ("loader-no-path", dom(os="<loader readonly='yes' type='pflash'/>"), Q35, "VL755", "no loader path specified"),
    ("loader-no-path-autoselect", dom(os_attrs=" firmware='efi'", os="<loader readonly='yes' type='pflash'/>"),
     Q35, None, ""),
    ("tseg-pc", dom(machine="pc", extra="<features><smm state='on'><tseg unit='MiB'>48</tseg></smm></features>"),
     PC, "VL755", "SMM TSEG is only supported with q35"),
    ("tseg-q35", dom(extra="<features><smm state='on'><tseg unit='MiB'>48</tseg></smm></features>"), Q35, None, ""),
    # VL760 chardev-source
    ("unix-no-path", dom("<serial type='unix'><target port='0'/></serial>"), Q35, "VL760", "source path"),
    ("unix-channel-generated-path", dom("<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/>"
                                        "</channel>"), Q35, None, ""),
    ("file-no-path", dom("<console type='file'><target type='serial'/></console>"), Q35, "VL760", "source path"),
    # the first console aliases serial 0 when there is one: libvirt drops its own source (9.0 defines it)
    ("console-aliases-serial", dom("<serial type='file'><source path='/tmp/s.log'/><target port='0'/></serial>"
                                   "<console type='file'><source/><target port='0'/></console>"), Q35, None, ""),
    ("second-console-no-path", dom("<serial type='file'><source path='/tmp/s.log'/><target port='0'/></serial>"
                                   "<console type='pty'/><console type='file'><target type='virtio'/></console>"),
     Q35, "VL760", "source path"),
    ("virtio-console-no-path", dom("<serial type='pty'/><console type='file'><target type='virtio'/></console>"),
     Q35, "VL760", "source path"),
    ("tcp-no-host", dom("<serial type='tcp'><source mode='connect' service='4555'/></serial>"), Q35, "VL760",
     "source host attribute"),
    ("udp-bind-only", dom("<serial type='udp'><source mode='bind' host='0.0.0.0' service='2445'/></serial>"), Q35,
     "VL760", "source service attribute"),
    ("udp-both", dom("<serial type='udp'><source mode='bind' host='0.0.0.0' service='2445'/>"
                     "<source mode='connect' host='0.0.0.0' service='2444'/></serial>"), Q35, None, ""),
    ("reconnect-bind", dom("<serial type='unix'><source mode='bind' path='/s'><reconnect enabled='yes' timeout='5'/>"
                           "</source></serial>"), Q35, "VL760", "only for connect mode"),
    ("reconnect-timeout-0", dom("<serial type='unix'><source mode='connect' path='/s'>"
                                "<reconnect enabled='yes' timeout='0'/></source></serial>"), Q35, "VL760",
     "timeout cannot be '0'"),
    ("reconnect-ok", dom("<serial type='unix'><source mode='connect' path='/s'>"
                         "<reconnect enabled='yes' timeout='5'/></source></serial>"), Q35, None, ""),
    ("rng-egd-no-path", dom("<rng model='virtio'><backend model='egd' type='unix'/></rng>"), Q35, "VL760",
     "source path"),
    ("rng-egd-path", dom("<rng model='virtio'><backend model='egd' type='unix'><source mode='connect' path='/e'/>"
                         "</backend></rng>"), Q35, None, ""),
    # VL761 serial-target
    ("pl011-on-x86", dom("<serial type='pty'><target type='system-serial'><model name='pl011'/></target></serial>"),
     Q35, "VL761", "'system-serial' and target model 'pl011'"),
    ("pl011-on-arm", dom("<serial type='pty'><target type='system-serial'><model name='pl011'/></target></serial>",
                         machine="virt", arch="aarch64"), ARM, None, ""),
    ("spapr-on-x86", dom("<serial type='pty'><target type='spapr-vio-serial'/></serial>"), Q35, "VL761",
     "'spapr-vio-serial' and target model 'spapr-vty'"),
    ("model-without-type", dom("<serial type='pty'><target><model name='pci-serial'/></target></serial>"), Q35,
     "VL761", "Target model 'pci-serial' requires target type 'pci-serial'"),
    ("pci-serial", dom("<serial type='pty'><target type='pci-serial'><model name='pci-serial'/></target></serial>"),
     Q35, None, ""),
    ("isa-serial-on-arm-means-default", dom("<serial type='pty'><target type='isa-serial'/></serial>",
                                            machine="virt", arch="aarch64"), ARM, None, ""),
    # (a parallel port is no serial target, and libvirt defines it on ARM; QEMU refuses its isa-parallel at start)
    ("parallel-on-arm", dom("<parallel type='pty'/>", machine="virt", arch="aarch64"), ARM, "VL763",
     "'isa-parallel' is not a valid device model name"),
    # VL765 video-devices
    # (VL752) an empty 'dir' cdrom: see test_empty_dir_cdrom_follows_the_libvirt_version
    # a lone 'none' video is cleared by post-parse: its ram goes (libvirt 9.0 defines it); vga keeps the refusal
    ("none-video-ram", dom("<video><model type='none' ram='65536'/></video>"), Q35, None, ""),
    ("vga-video-ram", dom("<video><model type='vga' ram='65536'/></video>"), Q35, "VL765",
     "ram attribute only supported"),
    ("two-primaries", dom("<video><model type='vga' primary='yes'/></video>"
                          "<video><model type='qxl' primary='yes'/></video>"), Q35, "VL765", "Only one primary"),
    ("one-primary", dom("<video><model type='vga' primary='yes'/></video><video><model type='qxl'/></video>"), Q35,
     None, ""),
    ("none-and-vga", dom("<video><model type='vga'/></video><video><model type='none'/></video>"), Q35, "VL765",
     "must be the only video device"),
    ("ramfb-address", dom("<video><model type='ramfb'/><address type='pci' bus='0x00' slot='0x05'/></video>"), Q35,
     "VL765", "address not supported for video type ramfb"),
    ("ramfb", dom("<video><model type='ramfb'/></video>"), Q35, None, ""),
    ("vgamem-on-vga", dom("<video><model type='vga' vgamem='16384'/></video>"), Q35, "VL765",
     "vgamem attribute only supported for video type qxl"),
    ("vgamem-on-qxl", dom("<video><model type='qxl' vgamem='16384'/></video>"), Q35, None, ""),
    # VL766 graphics-pairing
    ("egl-sdl", dom("<graphics type='sdl'/><graphics type='egl-headless'/>"), Q35, "VL766", "egl-headless"),
    ("egl-vnc", dom("<graphics type='vnc'/><graphics type='egl-headless'/>"), Q35, None, ""),
    ("egl-spice-gl", dom("<graphics type='spice'><gl enable='yes'/></graphics><graphics type='egl-headless'/>"), Q35,
     "VL766", "multiple OpenGL displays"),
    ("spice-gl-alone", dom("<graphics type='spice'><gl enable='yes'/></graphics>"), Q35, None, ""),
    ("mdev-display-no-graphics", dom("<hostdev mode='subsystem' type='mdev' model='vfio-pci' display='on'><source>"
                                     "<address uuid='c2177883-f1bb-47f0-914d-32a22e3a8804'/></source></hostdev>"),
     Q35, "VL766", "graphics device is needed"),
    ("mdev-display-with-vnc", dom("<graphics type='vnc'/><hostdev mode='subsystem' type='mdev' model='vfio-pci' "
                                  "display='on'><source><address uuid='c2177883-f1bb-47f0-914d-32a22e3a8804'/>"
                                  "</source></hostdev>"), Q35, None, ""),
    ("two-ramfb-vgpus", dom("<graphics type='vnc'/>" + "".join(
        f"<hostdev mode='subsystem' type='mdev' model='vfio-pci' display='on' ramfb='on'><source>"
        f"<address uuid='c2177883-f1bb-47f0-914d-32a22e3a880{i}'/></source></hostdev>" for i in (1, 2))), Q35,
     "VL766", "Only one vgpu device can have 'ramfb' enabled"),
    # VL770 interface-config
    ("mac-multicast", dom("<interface type='user'><mac address='03:00:00:00:00:01'/></interface>"), Q35, "VL770",
     "found multicast '03:00:00:00:00:01'"),
    ("mac-malformed", dom("<interface type='user'><mac address='52:54:00:zz:00:01'/></interface>"), Q35, "VL770",
     "unable to parse mac address"),
    ("mac-short-bytes", dom("<interface type='user'><mac address='2:54:0:a:0:1'/></interface>"), Q35, None, ""),
    ("portforward-slirp", dom("<interface type='user'><portForward proto='tcp'><range start='2022' to='22'/>"
                              "</portForward></interface>"), Q35, "VL770", "<portForward>"),
    ("portforward-passt", dom("<interface type='user'><backend type='passt'/><portForward proto='tcp'>"
                              "<range start='2022' to='22'/></portForward></interface>"), Q35, None, ""),
    ("passt-on-network", dom("<interface type='network'><source network='default'/><backend type='passt'/>"
                             "</interface>"), Q35, "VL770", "'passt' backend"),
    ("tap-on-vhostuser", dom("<interface type='vhostuser'><mac address='52:54:00:ee:96:6b'/>"
                             "<source type='unix' path='/s' mode='server'/><model type='virtio'/>"
                             "<backend tap='/dev/mytap'/></interface>"), Q35, "VL770",
     "interface 52:54:00:ee:96:6b - custom tap device path is not supported for network interfaces of type vhostuser"),
    ("tap-on-bridge", dom("<interface type='bridge'><source bridge='br0'/><backend tap='/dev/mytap'/></interface>"),
     Q35, None, ""),
    ("tap-on-network-undecided", dom("<interface type='network'><source network='default'/>"
                                     "<backend tap='/dev/mytap'/></interface>"), Q35, None, ""),
    ("vhostuser-e1000", dom("<interface type='vhostuser'><source type='unix' path='/s' mode='server'/>"
                            "<model type='e1000'/></interface>"), Q35, "VL770", "vhostuser requires the virtio-net"),
    ("rx-queue-500", dom("<interface type='user'><model type='virtio'/><driver rx_queue_size='500'/></interface>"),
     Q35, "VL770", "rx_queue_size has to be a power of two"),
    ("tx-queue-300", dom("<interface type='user'><model type='virtio'/><driver tx_queue_size='300'/></interface>"),
     Q35, "VL770", "tx_queue_size has to be a power of two"),
    ("rx-queue-512", dom("<interface type='user'><model type='virtio'/><driver rx_queue_size='512'/></interface>"),
     Q35, None, ""),
    # VL780 shmem-config
    ("shmem-3m", dom("<shmem name='s'><model type='ivshmem-plain'/><size unit='K'>3072</size></shmem>"), Q35,
     "VL780", "power of 2"),
    ("shmem-512k", dom("<shmem name='s'><model type='ivshmem-plain'/><size unit='K'>512</size></shmem>"), Q35,
     "VL780", "at least 1 MiB"),
    ("shmem-4m", dom("<shmem name='s'><model type='ivshmem-plain'/><size unit='M'>4</size></shmem>"), Q35, None, ""),
    ("shmem-msi", dom("<shmem name='s'><model type='ivshmem-doorbell'/><msi vectors='4'/></shmem>"), Q35, "VL780",
     "msi option is only supported with a server"),
    ("shmem-msi-server", dom("<shmem name='s'><model type='ivshmem-doorbell'/><server path='/s'/><msi vectors='4'/>"
                             "</shmem>"), Q35, None, ""),
    ("shmem-isa", dom("<shmem name='s'><model type='ivshmem-plain'/><address type='isa'/></shmem>"), Q35, "VL780",
     "only 'pci' addresses"),
    ("shmem-ivshmem", dom("<shmem name='s'><model type='ivshmem'/></shmem>"), Q35, "VL780", "no longer supported"),
    # VL782 seclabel-config
    ("seclabel-twice", dom(extra="<seclabel type='dynamic' model='dac'/><seclabel type='none' model='dac'/>"), Q35,
     "VL782", "seclabel for model dac is already provided"),
    ("seclabel-missing-model", dom(extra="<seclabel type='none'/><seclabel type='dynamic' model='dac'/>"), Q35,
     "VL782", "missing security model when using multiple labels"),
    ("seclabel-two-models", dom(extra="<seclabel type='dynamic' model='selinux'/><seclabel type='dynamic' "
                                      "model='dac'/>"), Q35, None, ""),
    ("seclabel-one-without-model", dom(extra="<seclabel type='none'/>"), Q35, None, ""),
    ("device-label-relabel-no", dom(disk("vdb", "virtio", source=(
        "<source file='/a.img'><seclabel model='selinux' relabel='no'><label>x</label></seclabel></source>"))),
     Q35, "VL782", "Cannot specify a label if relabelling is turned off"),
    ("device-relabel-yes-no-label", dom(disk("vdb", "virtio", source=(
        "<source file='/a.img'><seclabel model='selinux' relabel='yes'/></source>"))), Q35, "VL782",
     "Cannot specify relabel if label is missing. model=selinux"),
    ("device-relabel-no", dom(disk("vdb", "virtio", source=(
        "<source file='/a.img'><seclabel model='selinux' relabel='no'/></source>"))), Q35, None, ""),
    ("device-labels-twice", dom(disk("vdb", "virtio", source=(
        "<source file='/a.img'><seclabel model='dac' relabel='no'/><seclabel model='dac' relabel='no'/></source>"))),
     Q35, "VL782", "seclabel for model dac"),
    # VL783 sysinfo-values
    ("bios-date-iso", dom(extra="<sysinfo type='smbios'><bios><entry name='date'>2024-01-31</entry></bios>"
                                "</sysinfo>"), Q35, "VL783", "Invalid BIOS 'date' format"),
    ("bios-date-1899", dom(extra="<sysinfo type='smbios'><bios><entry name='date'>01/31/1899</entry></bios>"
                                 "</sysinfo>"), Q35, "VL783", "Invalid BIOS 'date' format"),
    ("bios-date-yy", dom(extra="<sysinfo type='smbios'><bios><entry name='date'>01/31/99</entry></bios>"
                               "</sysinfo>"), Q35, None, ""),
    ("uuid-mismatch", dom(extra="<uuid>c7a5fdbd-edaf-9455-926a-d65c16db1809</uuid><sysinfo type='smbios'><system>"
                                "<entry name='uuid'>c7a5fdbd-edaf-9455-926a-d65c16db1800</entry></system></sysinfo>"),
     Q35, "VL783", "UUID mismatch"),
    ("uuid-match-other-spelling", dom(extra="<uuid>c7a5fdbd-edaf-9455-926a-d65c16db1809</uuid><sysinfo "
                                            "type='smbios'><system><entry name='uuid'>C7A5FDBDEDAF9455926AD65C16DB1809"
                                            "</entry></system></sysinfo>"), Q35, None, ""),
    # VL784 tpm-config
    ("tpm-no-backend", dom("<tpm model='tpm-crb'/>"), Q35, "VL784", "missing TPM device backend"),
    ("tpm-two-backends", dom("<tpm model='tpm-crb'><backend type='emulator'/><backend type='emulator'/></tpm>"), Q35,
     "VL784", "only one TPM backend"),
    ("two-tpms", dom("<tpm model='tpm-crb'><backend type='emulator'/></tpm>"
                     "<tpm model='tpm-tis'><backend type='emulator'/></tpm>"), Q35, "VL784",
     "only a single TPM non-proxy device"),
    ("tpm-and-proxy", dom("<tpm model='spapr-tpm-proxy'><backend type='passthrough'><device path='/dev/tpmrm0'/>"
                          "</backend></tpm><tpm model='tpm-spapr'><backend type='emulator'/></tpm>",
                          machine="pseries", arch="ppc64le"), CAPS.format(m="pseries-9.1", a="ppc64le"), None, ""),
    # VL785 device-machine
    ("intel-iommu-pc", dom("<iommu model='intel'/>", machine="pc"), PC, "VL785", "only supported with Q35"),
    ("smmuv3-x86", dom("<iommu model='smmuv3'/>"), Q35, "VL785", "only supported with ARM Virt"),
    ("smmuv3-arm", dom("<iommu model='smmuv3'/>", machine="virt", arch="aarch64"), ARM, None, ""),
    ("virtio-iommu-pc", dom("<iommu model='virtio'/>", machine="pc"), PC, "VL785", "Q35 and ARM Virt"),
    # (it needs ACPI, which an aarch64 guest has with UEFI only: refused by libvirt 9.0 as written)
    ("virtio-iommu-arm", dom("<iommu model='virtio'/>", machine="virt", arch="aarch64"), ARM, "VL792",
     "IOMMU device: 'virtio' requires ACPI"),
    ("ib700-q35", dom("<watchdog model='ib700'/>"), Q35, "VL785", "ib700 model of watchdog"),
    ("ib700-pc", dom("<watchdog model='ib700'/>", machine="pc"), PC, None, ""),
    ("diag288-x86", dom("<watchdog model='diag288'/>"), Q35, "VL785", "s390 and s390x only"),
    ("itco-pc", dom("<watchdog model='itco'/>", machine="pc"), PC, "VL785", "only part of q35"),
    ("panic-pseries-x86", dom("<panic model='pseries'/>"), Q35, "VL785", "only pSeries guests"),
    ("panic-hyperv-arm", dom("<panic model='hyperv'/>", machine="virt", arch="aarch64"), ARM, "VL785",
     "only i686 and x86_64 guests"),
    ("panic-isa-x86", dom("<panic model='isa'/>"), Q35, None, ""),
    ("ps2-arm", dom("<input type='keyboard' bus='ps2'/>", machine="virt", arch="aarch64"), ARM, "VL785",
     "ps2 is not supported"),
    ("ps2-q35", dom("<input type='keyboard' bus='ps2'/>"), Q35, None, ""),
    ("ps2-unknown-machine", dom("<input type='keyboard' bus='ps2'/>", machine="pc-compatible"), Q35, None, ""),
    ("sound-ich7", dom("<sound model='ich7'/>"), Q35, "VL785", "'ich7' is not supported by qemu"),
    ("sound-ich9", dom("<sound model='ich9'/>"), Q35, None, ""),
    # (IDE controllers: each checked with libvirt 9.0, virsh define)
    ("ide-controller-q35", dom("<controller type='ide' index='0'/>"), Q35, "VL785",
     "IDE controllers are unsupported for this QEMU binary or machine type"),
    ("typeless-controller-q35", dom("<controller index='0'/>"), Q35, "VL785", "IDE controllers are unsupported"),
    ("sata-controller-q35", dom("<controller type='sata' index='0'/>"), Q35, None, ""),
    ("second-ide-controller-pc", dom("<controller type='ide' index='1'/>", machine="pc"), PC, "VL785",
     "Only a single IDE controller is supported for this machine type"),
    ("two-unindexed-ide-controllers-pc", dom("<controller type='ide'/><controller type='ide'/>", machine="pc"), PC,
     "VL785", "Only a single IDE controller"),
    ("builtin-ide-controller-pc", dom("<controller type='ide' index='0'/>", machine="pc-i440fx-9.1"), PC, None, ""),
    ("unindexed-ide-controller-pc", dom("<controller type='ide'/>", machine="pc"), PC, None, ""),
    ("ide-controller-downstream-i440fx", dom("<controller type='ide' index='0'/>", machine="pc-i440fx-jammy"), PC,
     None, ""),
    ("ide-controller-arm-virt", dom("<controller type='ide'/>", machine="virt", arch="aarch64"), ARM, "VL785",
     "IDE controllers are unsupported"),
    # VL786 virtiofs-readonly
    ("virtiofs-readonly", dom("<filesystem type='mount'><driver type='virtiofs'/><source dir='/s'/>"
                              "<target dir='s'/><readonly/></filesystem>"), Q35, "VL786", "read-only mode"),
    ("virtiofs-readonly-external", dom("<filesystem type='mount'><driver type='virtiofs'/><source socket='/s.sock'/>"
                                       "<target dir='s'/><readonly/></filesystem>"), Q35, "VL786",
     "read-only access"),  # (9.8 on; libvirt 9.0 starts it: tests/test_rules_sweep8.py)
    ("9p-readonly", dom("<filesystem type='mount'><driver type='path'/><source dir='/s'/><target dir='s'/>"
                        "<readonly/></filesystem>"), Q35, None, ""),
    # VL787 hostdev-duplicate
    ("pci-hostdev-and-interface", dom(
        "<hostdev mode='subsystem' type='pci'><source><address domain='0x0000' bus='0x06' slot='0x12' "
        "function='0x5'/></source></hostdev><interface type='hostdev'><source><address type='pci' domain='0' "
        "bus='6' slot='18' function='5'/></source></interface>"), Q35, "VL787", "Hostdev already exists"),
    ("usb-twice-by-id", dom("<hostdev mode='subsystem' type='usb'><source><vendor id='0x1234'/><product id='0xbeef'/>"
                            "</source></hostdev>" * 2), Q35, "VL787", "Hostdev already exists"),
    ("usb-same-id-other-address", dom("".join(
        f"<hostdev mode='subsystem' type='usb'><source><vendor id='0x1234'/><product id='0xbeef'/>"
        f"<address bus='1' device='{d}'/></source></hostdev>" for d in (2, 3))), Q35, None, ""),
    ("mdev-twice", dom("<hostdev mode='subsystem' type='mdev' model='vfio-pci'><source>"
                       "<address uuid='c2177883-f1bb-47f0-914d-32a22e3a8804'/></source></hostdev>" * 2), Q35,
     "VL787", "Hostdev already exists"),
]


@pytest.mark.parametrize(("xml", "caps", "code", "fragment"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_device_checks(xml: str, caps: str, code: str | None, fragment: str) -> None:
    mine = [(c, m) for c, m in errors(xml, caps) if c.startswith(("VL75", "VL76", "VL77", "VL78", "VL79", "VL809", "VL810", "VL507"))]
    if code is None:
        assert mine == []
    else:
        assert any(c == code and fragment in m for c, m in mine), mine


def test_positions_point_at_the_value() -> None:
    (finding,) = [f for f in lint(dom(disk("vdb1", "virtio")), Q35) if f.code == "VL750"]
    text = dom(disk("vdb1", "virtio"))
    start = text.index("'vdb1'") + 1  # the value, inside its quotes
    assert (finding.line, finding.column, finding.end_column) == (1, start + 1, start + 1 + len("vdb1"))
    assert finding.fixes


def test_first_refusal_per_disk_only() -> None:
    """libvirt stops at its first refusal of a device: one finding per rule and disk."""
    xml = dom(disk("vdb", "virtio", fmt="iso", extra="<shareable/>"))
    assert codes(lint(xml, Q35)).count("VL752") == 1


def test_version_gated_refusals_follow_the_setting() -> None:
    assert refused_since(SimpleNamespace(), 10, 7)  # no setting: the newest known
    assert refused_since(SimpleNamespace(libvirt_at_least=lambda major, minor: (9, 0) >= (major, minor)), 9, 0)
    assert not refused_since(SimpleNamespace(libvirt_at_least=lambda major, minor: (9, 0) >= (major, minor)), 10, 7)


@pytest.mark.parametrize(("text", "unit", "expected"), [("4", "M", 4 << 20), ("3072", "K", 3 << 20), ("1", None, 1),
                                                        ("x", "M", None), ("1", "parsecs", None)])
def test_shmem_size_bytes(text: str, unit: str | None, expected: int | None) -> None:
    """<shmem><size> is a scaled integer in bytes by default (virDomainShmemDefParseXML)."""
    assert scaled_bytes(text, unit, default=1) == expected


MORE = [
    ("second-console-serial", dom("<console type='pty'><target type='serial'/></console>"
                                  "<console type='pty'><target type='serial'/></console>"), Q35, "VL761",
     "Only the first console can be a serial port"),
    # a console without a target type (or 'none') is a serial one (virDomainChrDefPostParse; each checked on 9.0)
    ("second-console-default", dom("<console type='pty'><target type='serial'/></console>"
                                   "<console type='pty'><target port='0'/></console>"), Q35, "VL761",
     "Only the first console can be a serial port (a console without a target type is a serial port)"),
    ("second-console-none", dom("<console type='pty'/><console type='pty'><target type='none'/></console>"), Q35,
     "VL761", "Only the first console can be a serial port"),
    ("first-console-default", dom("<console type='pty'/>"), Q35, None, ""),
    ("second-console-virtio", dom("<console type='pty'><target type='serial'/></console>"
                                  "<console type='pty'><target type='virtio'/></console>"), Q35, None, ""),
    ("sclp-console-x86", dom("<console type='pty'><target type='sclp'/></console>"), Q35, "VL761",
     "sclpconsole is not supported"),
    ("useserial-arm", dom("<serial type='pty'/>", os="<bios useserial='yes'/>", machine="virt", arch="aarch64"), ARM,
     "VL761", "only supported on x86"),
    ("useserial-no-serial", dom(os="<bios useserial='yes'/>"), Q35, "VL761", "need at least one serial port"),
    ("useserial-x86", dom("<serial type='pty'/>", os="<bios useserial='yes'/>"), Q35, None, ""),
    ("useserial-console", dom("<console type='pty'/>", os="<bios useserial='yes'/>"), Q35, None, ""),
    ("two-vsocks", dom("<vsock model='virtio'><cid auto='yes'/></vsock>" * 2), Q35, "VL788", "only a single vsock"),
    ("vsock-cid-2", dom("<vsock model='virtio'><cid auto='no' address='2'/></vsock>"), Q35, "VL788", ">= 3"),
    ("vsock-cid-3", dom("<vsock model='virtio'><cid auto='no' address='3'/></vsock>"), Q35, None, ""),
    # VL790: the devices virDomainDefParseXML takes once
    ("two-nvrams-pseries", dom("<nvram/><nvram/>", machine="pseries", arch="ppc64"),
     CAPS.format(m="pseries-9.1", a="ppc64"), "VL790", "only a single nvram device"),
    ("one-nvram-pseries", dom("<nvram/>", machine="pseries", arch="ppc64"), CAPS.format(m="pseries-9.1", a="ppc64"),
     None, ""),
    ("two-pstores", dom(PSTORE.format(path="/p/a", size="8") + PSTORE.format(path="/p/b", size="8")), Q35, "VL790",
     "only a single pstore device"),
    # VL785: a balloon model QEMU lacks
    ("xen-balloon", dom("<memballoon model='xen'/>"), Q35, "VL785", "Cannot automatically add a new PCI bus"),
    ("xen-balloon-addressed", dom("<memballoon model='xen'><address type='pci' domain='0x0000' bus='0x00' "
                                  "slot='0x09' function='0x0'/></memballoon>"), Q35, "VL785",
     "Memory balloon device type 'xen' is not supported"),
    ("no-balloon", dom("<memballoon model='none'/>"), Q35, None, ""),
    ("virtio-balloon", dom("<memballoon model='virtio'/>"), Q35, None, ""),
    # the audit of domain_conf.c's typed attributes: the rules that read them in their own checks
    ("iface-event-idx", dom("<interface type='user'><model type='virtio'/><driver event_idx='yes'/></interface>"), Q35,
     "VL770", "Invalid value for attribute 'event_idx' in element 'driver': 'yes'."),
    ("iface-rss", dom("<interface type='user'><model type='virtio'/><driver rss='1'/></interface>"), Q35, "VL770",
     "'rss' in element 'driver': '1'."),
    ("iface-rx-queue-size-text", dom("<interface type='user'><model type='virtio'/><driver rx_queue_size='big'/>"
                                     "</interface>"), Q35, "VL770", "'rx_queue_size' in element 'driver': 'big'"),
    ("iface-rx-queue-size", dom("<interface type='user'><model type='virtio'/><driver rx_queue_size='256' "
                                "event_idx='on' rss='off'/></interface>"), Q35, None, ""),
    ("iface-e1000-event-idx", dom("<interface type='user'><model type='e1000'/><driver event_idx='yes'/>"
                                  "</interface>"), Q35, None, ""),  # (read for virtio models only)
    ("vds-portid-text", dom(VDS.format("portid='port-1' connectionid='1'")), Q35, "VL770",
     "'portid' in element 'source': 'port-1'. Expected long long integer value"),
    # (it parses; QEMU has no vds backend: refused at start, after every parse check)
    ("vds-portid-hex", dom(VDS.format("portid='0x10' connectionid='-1'")), Q35, "VL770",
     "network device type 'vds' is not supported by this hypervisor"),
    ("nvme-without-type", dom(NVME.format("managed='yes' namespace='1'", "0x01")), Q35, "VL759",
     "missing 'type' attribute to disk source"),
    ("nvme-namespace-text", dom(NVME.format("type='pci' namespace='one'", "0x01")), Q35, "VL759",
     "'namespace' in element 'source': 'one'"),
    ("nvme-address-bus-text", dom(NVME.format("type='pci' namespace='1'", "x")), Q35, "VL759",
     "'bus' in element 'address': 'x'"),
    ("nvme", dom(NVME.format("type='pci' namespace='1'", "0x01")), Q35, None, ""),
    # the mutation audit's (tests/oracle/mutations.py) in the device rules' own checks
    ("encryption-format", dom(disk("vda", "virtio", extra=ENC.format(c="").replace("format='luks'", "format='luks3'"))),
     Q35, "VL759", "unknown volume encryption format type luks3"),
    ("encryption-engine", dom(disk("vda", "virtio", extra=ENC.format(c="").replace("format='luks'",
                                                                                 "format='luks' engine='default'"))),
     Q35, "VL759", "'engine' in element 'encryption': 'default'."),
    ("encryption-secret-uuid", dom(disk("vda", "virtio", extra=ENC.format(c="").replace("0a81f5b2-8403-7b23-c8d6-21ccc2f80d6f",
                                                                                      "not-a-uuid"))),
     Q35, "VL759", "invalid secret uuid 'not-a-uuid'"),
    ("encryption-secret-usage", dom(disk("vda", "virtio", extra=ENC.format(c="").replace("uuid=", "usage="))), Q35,
     None, ""),
    ("encryption", dom(disk("vda", "virtio", extra=ENC.format(c=""))), Q35, None, ""),
    ("udp-local-port", dom("<interface type='udp'><source address='127.0.0.1' port='11111'><local address='127.0.0.1' "
                           "port='one'/></source><model type='virtio'/></interface>"), Q35, "VL770",
     "'port' in element 'local': 'one'. Expected integer value"),
    ("udp-local", dom("<interface type='udp'><source address='127.0.0.1' port='11111'><local address='127.0.0.1' "
                      "port='22222'/></source><model type='virtio'/></interface>"), Q35, None, ""),
    ("hostdev-teaming-type", dom("<hostdev mode='subsystem' type='pci' managed='yes'><source><address domain='0x0000' "
                                 "bus='0x06' slot='0x12' function='0x1'/></source><teaming type='backup'/></hostdev>"),
     Q35, "VL789", "unknown teaming type 'backup'"),
    ("disk-seclabel-relabel", dom(disk("vda", "virtio", source="<source file='/var/lib/libvirt/images/a.img'>"
                                       "<seclabel model='dac' relabel='true'/></source>")), Q35, "VL782",
     "'relabel' in element 'seclabel': 'true'."),
    ("disk-seclabel-relabel-no", dom(disk("vda", "virtio", source="<source file='/var/lib/libvirt/images/a.img'>"
                                          "<seclabel model='dac' relabel='no'/></source>")), Q35, None, ""),
    ("oss-dsp-policy-text", dom("<audio id='1' type='oss' dspPolicy='x'/>"), Q35, "VL799",
     "Invalid value for attribute 'dspPolicy' in element 'audio': 'x'. Expected integer value"),
    ("oss-dsp-policy", dom("<audio id='1' type='oss' dspPolicy='5'/>"), Q35, None, ""),
    # VL809 crypto-config
    ("crypto-no-backend", dom("<crypto model='virtio' type='qemu'/>"), Q35, "VL809", "only one crypto backend"),
    ("crypto-two-backends", dom("<crypto model='virtio' type='qemu'><backend model='builtin'/>"
                                "<backend model='lkcf'/></crypto>"), Q35, "VL809", "only one crypto backend"),
    ("crypto-one-backend", dom("<crypto model='virtio' type='qemu'><backend model='builtin' queues='2'/></crypto>"),
     Q35, None, ""),
    # VL810 pstore-config
    ("pstore-no-path", dom("<pstore backend='acpi-erst'><size unit='KiB'>8</size></pstore>"), Q35, "VL810",
     "missing path"),
    ("pstore-empty-path", dom(PSTORE.format(path="", size="8")), Q35, "VL810", "missing path"),
    ("pstore-blank-path", dom(PSTORE.format(path=" ", size="8")), Q35, None, ""),  # (not empty: libvirt takes it)
    ("pstore-size-2k", dom(PSTORE.format(path="/p/a", size="2")), Q35, "VL810", "invalid size"),
    ("pstore-size-12k", dom(PSTORE.format(path="/p/a", size="12")), Q35, "VL810", "invalid size"),
    ("pstore-size-4097b", dom(PSTORE.format(path="/p/a", size="4097").replace("'KiB'", "'B'")), Q35, "VL810",
     "invalid size"),  # (5 KiB, rounded up as virDomainParseMemory does)
    ("pstore-size-1m", dom(PSTORE.format(path="/p/a", size="1").replace("'KiB'", "'MiB'")), Q35, None, ""),
    ("pstore-size-4k", dom(PSTORE.format(path="/p/a", size="4")), Q35, None, ""),
    ("pstore-isa-address", dom(PSTORE.format(path="/p/a", size="8").replace(
        "</pstore>", "<address type='isa' iobase='0x505'/></pstore>")), Q35, "VL810", "must reside on a PCI bus"),
    ("pstore-pci-address", dom(PSTORE.format(path="/p/a", size="8").replace(
        "</pstore>", "<address type='pci' domain='0x0000' bus='0x00' slot='0x09' function='0x0'/></pstore>")), Q35,
     None, ""),
]


@pytest.mark.parametrize(("xml", "caps", "code", "fragment"), [c[1:] for c in MORE], ids=[c[0] for c in MORE])
def test_more_device_checks(xml: str, caps: str, code: str | None, fragment: str) -> None:
    test_device_checks(xml, caps, code, fragment)


@pytest.mark.parametrize(("devices", "since"), [
    ("<crypto model='virtio' type='qemu'/>", (9, 1)),
    (PSTORE.format(path="", size="8"), (10, 6)),
    (PSTORE.format(path="/p/a", size="8") * 2, (10, 6)),
])
def test_devices_older_releases_drop_are_not_judged_for_them(devices: str, since: tuple[int, int]) -> None:
    """libvirt 9.0 drops <crypto> (parsed from 9.1) and <pstore> (from 10.6) whatever they hold."""
    from conftest import caps_from_text
    from virtlint.linter.document import Document
    from virtlint.linter.engine import Linter

    def found(version: tuple[int, int]) -> set[str]:
        linter = Linter([caps_from_text(Q35, "caps.xml")], libvirt_version=version)
        return {f.code for f in linter.lint_document(Document(dom(devices), "d.xml")).findings
                if f.code in ("VL790", "VL809", "VL810")}

    older = (since[0], since[1] - 1) if since[1] else (since[0] - 1, 9)
    assert found(since) and not found(older), (found(since), found(older))


HOSTDEV_CAPS = ("<domainCapabilities><domain>kvm</domain><machine>pc-q35-9.1</machine><arch>x86_64</arch>"
                "<devices><hostdev supported='{s}'><enum name='subsysType'>{t}</enum>"
                "<enum name='pciBackend'><value>vfio</value></enum></hostdev></devices></domainCapabilities>")
VF = ("<interface type='hostdev' managed='yes'>{d}<source><address type='pci' domain='0x0000' bus='0x06' "
      "slot='0x12' function='0x1'/></source></interface>")


@pytest.mark.parametrize(("caps", "driver", "flagged"), [
    (HOSTDEV_CAPS.format(s="yes", t="<value>usb</value><value>pci</value>"), "", False),
    (HOSTDEV_CAPS.format(s="yes", t="<value>usb</value>"), "", True),
    (HOSTDEV_CAPS.format(s="no", t=""), "", True),
    (HOSTDEV_CAPS.format(s="yes", t="<value>pci</value>"), "<driver name='kvm'/>", True),
    (HOSTDEV_CAPS.format(s="yes", t="<value>pci</value>"), "<driver name='vfio'/>", False),
    (Q35, "", False),  # caps silent about hostdev: unknown
])
def test_hostdev_interface_needs_pci_passthrough(caps: str, driver: str, flagged: bool) -> None:
    assert ("VL771" in codes(lint(dom(VF.format(d=driver)), caps))) is flagged


PPC = CAPS.format(m="pseries-9.1", a="ppc64")
PANICS = [
    ("panic-default-arm", dom("<panic/>", machine="virt", arch="aarch64"), ARM, "VL785", "ISA panic device"),
    ("panic-pvpanic-arm", dom("<panic model='pvpanic'/>", machine="virt", arch="aarch64"), ARM, None, ""),
    ("pvpanic-isa-address", dom("<panic model='pvpanic'><address type='isa' iobase='0x505'/></panic>",
                                machine="virt", arch="aarch64"), ARM, "VL785", "only with PCI address type"),
    ("panic-pseries-address", dom("<panic model='pseries'><address type='spapr-vio' reg='0x30000000'/></panic>",
                                  machine="pseries", arch="ppc64"), PPC, "VL785",
     "setting the panic device address is not supported for model 'pseries'"),
    ("panic-default-pseries", dom("<panic/>", machine="pseries", arch="ppc64"), PPC, None, ""),
    ("panic-isa-x86-pci", dom("<panic model='isa'><address type='pci' bus='0' slot='9'/></panic>"), Q35, "VL785",
     "only with ISA address type"),
    ("panic-default-x86", dom("<panic/>"), Q35, None, ""),
]


@pytest.mark.parametrize(("xml", "caps", "code", "fragment"), [c[1:] for c in PANICS], ids=[c[0] for c in PANICS])
def test_panic_checks(xml: str, caps: str, code: str | None, fragment: str) -> None:
    test_device_checks(xml, caps, code, fragment)


VHOST = "<source protocol='vhost' wwpn='naa.5123456789abcde0'/>"
HOSTDEVS = [
    ("rawio-vhost", dom(f"<hostdev mode='subsystem' type='scsi_host' rawio='yes'>{VHOST}</hostdev>"), Q35, "VL789",
     "rawio is only supported"),
    ("sgio-vhost", dom(f"<hostdev mode='subsystem' type='scsi_host' sgio='unfiltered'>{VHOST}</hostdev>"), Q35,
     "VL789", "sgio is only supported"),
    ("rawio-scsi", dom("<hostdev mode='subsystem' type='scsi' rawio='yes'><source><adapter name='scsi_host0'/>"
                       "<address bus='0' target='0' unit='0'/></source></hostdev>"), Q35, None, ""),
    ("boot-vhost", dom(f"<hostdev mode='subsystem' type='scsi_host'>{VHOST}<boot order='1'/></hostdev>"), Q35,
     "VL789", "not supported by vhost SCSI devices"),
    ("boot-pci", dom("<hostdev mode='subsystem' type='pci'><source><address domain='0' bus='6' slot='0' "
                     "function='0'/></source><boot order='1'/></hostdev>"), Q35, None, ""),
]


@pytest.mark.parametrize(("xml", "caps", "code", "fragment"), [c[1:] for c in HOSTDEVS],
                         ids=[c[0] for c in HOSTDEVS])
def test_hostdev_checks(xml: str, caps: str, code: str | None, fragment: str) -> None:
    test_device_checks(xml, caps, code, fragment)


@pytest.mark.parametrize(("path", "flagged"), [
    ("/var/lib/libvirt/qemu/channel/target/domain-1-vm/org.qemu.guest_agent.0", True),
    ("/var/lib/libvirt/qemu/channel/target/vm.org.qemu.guest_agent.0", True),
    (None, True),
    ("/run/my/agent.sock", False),
])
def test_reconnect_on_a_socket_libvirt_generates(path: str | None, flagged: bool) -> None:
    source = f" path='{path}'" if path else ""
    xml = dom(f"<channel type='unix'><source mode='connect'{source}><reconnect enabled='yes' timeout='10'/></source>"
              "<target type='virtio' name='org.qemu.guest_agent.0'/></channel>")
    assert (("VL760", "chardev reconnect is possible only for connect mode") in errors(xml)) is flagged


S390 = CAPS.format(m="s390-ccw-virtio-9.1", a="s390x")
FS = "<filesystem type='mount'><driver type='{d}'/><source dir='/s'/><target dir='s'/>{x}<boot order='1'/></filesystem>"
FS_BOOTS = [
    ("virtiofs-boot-s390", dom(FS.format(d="virtiofs", x=""), machine="s390-ccw-virtio", arch="s390x"), S390,
     "VL754", "supported only with PCI bus"),
    ("virtiofs-boot-s390-pci", dom(FS.format(d="virtiofs", x="<address type='pci' bus='0' slot='2'/>"),
                                   machine="s390-ccw-virtio", arch="s390x"), S390, None, ""),
    ("virtiofs-boot-x86", dom(FS.format(d="virtiofs", x="")), Q35, None, ""),
    ("9p-boot", dom(FS.format(d="path", x="")), Q35, "VL754", "boot order is only supported for virtiofs"),
]


@pytest.mark.parametrize(("xml", "caps", "code", "fragment"), [c[1:] for c in FS_BOOTS], ids=[c[0] for c in FS_BOOTS])
def test_filesystem_boot_checks(xml: str, caps: str, code: str | None, fragment: str) -> None:
    test_device_checks(xml, caps, code, fragment)


VIDEOS = [
    ("vga-secondary", dom("<video><model type='virtio'/></video><video><model type='vga'/></video>"), Q35, "VL765",
     "video type 'vga' is only valid as primary video device"),
    ("vga-primary-by-attribute", dom("<video><model type='virtio'/></video><video><model type='vga' primary='yes'/>"
                                     "</video>"), Q35, None, ""),
    ("vga-first-qxl-second", dom("<video><model type='vga'/></video><video><model type='qxl'/></video>"), Q35,
     None, ""),
    ("vga-two-heads", dom("<video><model type='vga' heads='2'/></video>"), Q35, "VL765", "multiple 'heads'"),
    ("virtio-two-heads", dom("<video><model type='virtio' heads='2'/></video>"), Q35, None, ""),
    # a video without a model type is the QEMU driver's default, cirrus where QEMU has it (checked on 9.0)
    ("default-secondary", dom("<video><model type='qxl'/></video><video/>"), Q35, "VL765",
     "video type 'cirrus' is only valid as primary video device (a video without a model type is cirrus here)"),
    ("default-secondary-by-primary", dom("<video/><video><model type='qxl' primary='yes'/></video>"), Q35, "VL765",
     "video type 'cirrus' is only valid as primary video device"),
    ("default-secondary-arm-virtio", dom("<video><model type='virtio'/></video><video/>", machine="virt",
                                         arch="aarch64"), ARM, None, ""),
    ("default-primary", dom("<video/><video><model type='virtio'/></video>"), Q35, None, ""),
    ("vga-accel3d", dom("<video><model type='vga'><acceleration accel3d='yes'/></model></video>"), Q35, "VL765",
     "3d acceleration is supported only with 'virtio'"),
]


@pytest.mark.parametrize(("xml", "caps", "code", "fragment"), [c[1:] for c in VIDEOS], ids=[c[0] for c in VIDEOS])
def test_video_checks(xml: str, caps: str, code: str | None, fragment: str) -> None:
    test_device_checks(xml, caps, code, fragment)


GRAPHICS = [
    ("socket-listen-rdp", dom("<graphics type='rdp'><listen type='socket'/></graphics>"), Q35, "VL766",
     "listen type 'socket' is not available for graphics type 'rdp'"),
    ("socket-listen-vnc", dom("<graphics type='vnc'><listen type='socket'/></graphics>"), Q35, None, ""),
    ("vnc-password-9", dom("<graphics type='vnc' passwd='123456789'/>"), Q35, "VL766",
     "VNC password is 9 characters long, only 8 permitted"),
    ("vnc-password-8", dom("<graphics type='vnc' passwd='12345678'/>"), Q35, None, ""),
    # D-Bus audio: without <audio>, libvirt adds <audio id='1'> of the other display's kind (checked on 9.0)
    ("dbus-audio-implicit-spice", dom("<graphics type='spice'/><graphics type='dbus' p2p='yes'><audio id='1'/>"
                                      "</graphics>"), Q35, "VL767", "The associated audio is not of 'dbus' kind."),
    ("dbus-audio-implicit-vnc", dom("<graphics type='vnc'/><graphics type='dbus' p2p='yes'><audio id='1'/>"
                                    "</graphics>"), Q35, "VL767", "The associated audio is not of 'dbus' kind."),
    # (libvirt adds no audio for these displays: defined, and refused at start, checked on 9.0)
    ("dbus-audio-none-added", dom("<graphics type='dbus' p2p='yes'><audio id='1'/></graphics>"), Q35, "VL767",
     "unable to find audio backend for sound device"),
    ("dbus-audio-sdl", dom("<graphics type='sdl'/><graphics type='dbus' p2p='yes'><audio id='1'/></graphics>"), Q35,
     "VL767", "unable to find audio backend for sound device"),
    ("dbus-audio-written", dom("<graphics type='spice'/><graphics type='dbus' p2p='yes'><audio id='1'/></graphics>"
                               "<audio id='1' type='dbus'/>"), Q35, None, ""),
    ("spice-audio-vnc", dom("<graphics type='vnc'/><audio id='1' type='spice'/>"), Q35, "VL766",
     "Spice audio is not supported without spice graphics"),
    ("spice-audio-spice", dom("<graphics type='spice'/><audio id='1' type='spice'/>"), Q35, None, ""),
]


@pytest.mark.parametrize(("xml", "caps", "code", "fragment"), [c[1:] for c in GRAPHICS],
                         ids=[c[0] for c in GRAPHICS])
def test_graphics_checks(xml: str, caps: str, code: str | None, fragment: str) -> None:
    test_device_checks(xml, caps, code, fragment)


INPUTS = [
    ("ps2-tablet", dom("<input type='tablet' bus='ps2'/>"), Q35, "VL785", "ps2 bus does not support tablet"),
    ("usb-tablet", dom("<input type='tablet' bus='usb'/>"), Q35, None, ""),
    ("xen-input-hvm", dom("<input type='mouse' bus='xen'/>"), Q35, "VL785", "unsupported input bus xen"),
]


@pytest.mark.parametrize(("xml", "caps", "code", "fragment"), [c[1:] for c in INPUTS], ids=[c[0] for c in INPUTS])
def test_input_checks(xml: str, caps: str, code: str | None, fragment: str) -> None:
    test_device_checks(xml, caps, code, fragment)


#: libvirt's own rejected test configurations in these families, and the rule that reports each.
LIBVIRT_REJECTED = [
    ("rejected", "boot-dev+order.xml", "qemu_9.1.0-tcg.x86_64.xml", "VL754"),
    ("rejected", "boot-menu-enable-with-timeout-invalid.xml", "qemu_9.1.0-tcg.x86_64.xml", "VL754"),
    ("rejected", "chardev-reconnect-generated-path.xml", "qemu_9.1.0-tcg.x86_64.xml", "VL760"),
    ("rejected", "chardev-reconnect-invalid-timeout.xml", "qemu_9.1.0-tcg.x86_64.xml", "VL760"),
    ("rejected", "disk-attaching-partition-nosupport.xml", "qemu_9.1.0-tcg.x86_64.xml", "VL750"),
    ("rejected", "disk-cdrom-usb-empty.xml", "qemu_9.1.0-tcg.x86_64.xml", "VL751"),
    ("rejected", "disk-device-lun-type-invalid.xml", "qemu_9.1.0-tcg.x86_64.xml", "VL751"),
    ("rejected", "disk-encryption-wrong.xml", "qemu_9.1.0-tcg.x86_64.xml", "VL752"),
    ("rejected", "disk-fmt-cow.xml", "qemu_9.1.0-tcg.x86_64.xml", "VL752"),
    ("rejected", "disk-fmt-dir.xml", "qemu_9.1.0-tcg.x86_64.xml", "VL752"),
    ("rejected", "disk-fmt-iso.xml", "qemu_9.1.0-tcg.x86_64.xml", "VL752"),
    ("rejected", "disk-missing-target-invalid.xml", "qemu_9.1.0-tcg.x86_64.xml", "VL750"),
    ("rejected", "disk-network-iscsi-auth-secrettype-invalid.xml", "qemu_9.1.0-tcg.x86_64.xml", "VL753"),
    ("rejected", "disk-network-iscsi-auth-wrong-secrettype.xml", "qemu_9.1.0-tcg.x86_64.xml", "VL753"),
    ("rejected", "disk-network-iscsi-zero-hosts-invalid.xml", "qemu_9.1.0-tcg.x86_64.xml", "VL753"),
    ("rejected", "disk-network-source-auth-both.xml", "qemu_9.1.0-tcg.x86_64.xml", "VL753"),
    ("rejected", "disk-scsi-disk-vpd-build-error.xml", "qemu_9.1.0-tcg.x86_64.xml", "VL751"),
    ("rejected", "disk-shared-qcow.xml", "qemu_9.1.0-tcg.x86_64.xml", "VL752"),
    ("rejected", "firmware-auto-bios-not-stateless.xml", "qemu_9.1.0-q35.x86_64.xml", "VL507"),
    ("rejected", "firmware-auto-bios-nvram.xml", "qemu_9.1.0-q35.x86_64.xml", "VL507"),
    ("rejected", "firmware-auto-efi-enrolled-keys-no-secboot.xml", "qemu_9.1.0-q35.x86_64.xml", "VL755"),
    ("rejected", "firmware-auto-efi-format-mismatch.xml", "qemu_9.1.0-q35.x86_64.xml", "VL507"),
    ("rejected", "firmware-manual-bios-not-stateless.xml", "qemu_9.1.0-tcg.x86_64.xml", "VL507"),
    ("rejected", "firmware-manual-efi-loader-no-path.xml", "qemu_9.1.0-tcg.x86_64.xml", "VL755"),
    ("rejected", "firmware-manual-efi-nvram-stateless.xml", "qemu_9.1.0-tcg.x86_64.xml", "VL507"),
    ("rejected", "firmware-manual-efi-nvram-template-stateless.xml", "qemu_9.1.0-tcg.x86_64.xml", "VL507"),
    ("rejected", "graphics-sdl-egl-headless.xml", "qemu_9.1.0-tcg.x86_64.xml", "VL766"),
    ("rejected", "graphics-spice-invalid-egl-headless.xml", "qemu_9.1.0-tcg.x86_64.xml", "VL766"),
    ("rejected", "hostdev-mdev-display-missing-graphics.xml", "qemu_9.1.0-tcg.x86_64.xml", "VL766"),
    ("rejected", "hostdev-mdev-display-ramfb-multiple.xml", "qemu_9.1.0-tcg.x86_64.xml", "VL766"),
    ("rejected", "hostdev-mdev-duplicate.xml", "qemu_9.1.0-tcg.x86_64.xml", "VL787"),
    ("rejected", "hostdev-pci-duplicate.xml", "qemu_9.1.0-tcg.x86_64.xml", "VL787"),
    ("rejected", "hostdev-scsi-duplicate.xml", "qemu_9.1.0-tcg.x86_64.xml", "VL787"),
    ("rejected", "hostdev-scsi-vhost-rawio-invalid.xml", "qemu_9.1.0-tcg.x86_64.xml", "VL789"),
    ("rejected", "hostdev-scsi-vhost-scsi-pci-boot-fail.xml", "qemu_9.1.0-tcg.x86_64.xml", "VL789"),
    ("rejected", "hostdev-scsi-vhost-sgio-invalid.xml", "qemu_9.1.0-tcg.x86_64.xml", "VL789"),
    ("rejected", "hostdev-usb-duplicate.xml", "qemu_9.1.0-tcg.x86_64.xml", "VL787"),
    ("rejected", "intel-iommu-wrong-machine.xml", "qemu_9.1.0-tcg.x86_64.xml", "VL785"),
    ("rejected", "luks-disk-invalid.xml", "qemu_9.1.0-tcg.x86_64.xml", "VL753"),
    ("rejected", "luks-disks-source-both.xml", "qemu_9.1.0-tcg.x86_64.xml", "VL753"),
    ("rejected", "mach-virt-serial-invalid-machine.xml", "qemu_9.1.0-tcg.x86_64.xml", "VL761"),
    ("rejected", "net-hostdev-fail.xml", "qemu_9.1.0-tcg.x86_64.xml", "VL770"),
    ("rejected", "net-user-slirp-portforward.xml", "qemu_9.1.0-tcg.x86_64.xml", "VL770"),
    ("rejected", "net-vhostuser-fail.xml", "qemu_9.1.0-tcg.x86_64.xml", "VL770"),
    ("rejected", "net-virtio-rxqueuesize-invalid-size.xml", "qemu_9.1.0-tcg.x86_64.xml", "VL770"),
    ("rejected", "pseries-serial-invalid-machine.xml", "qemu_9.1.0-tcg.x86_64.xml", "VL761"),
    ("rejected", "seclabel-device-duplicates.xml", "qemu_9.1.0-tcg.x86_64.xml", "VL782"),
    ("rejected", "seclabel-device-relabel-invalid.xml", "qemu_9.1.0-tcg.x86_64.xml", "VL782"),
    ("rejected", "seclabel-multiple.xml", "qemu_9.1.0-tcg.x86_64.xml", "VL782"),
    ("rejected", "serial-unix-missing-source.xml", "qemu_9.1.0-tcg.x86_64.xml", "VL760"),
    ("rejected", "shmem-invalid-address.xml", "qemu_9.1.0-tcg.x86_64.xml", "VL780"),
    ("rejected", "shmem-invalid-size.xml", "qemu_9.1.0-tcg.x86_64.xml", "VL780"),
    ("rejected", "shmem-msi-only.xml", "qemu_9.1.0-tcg.x86_64.xml", "VL780"),
    ("rejected", "shmem-small-size.xml", "qemu_9.1.0-tcg.x86_64.xml", "VL780"),
    ("rejected", "smbios-date.xml", "qemu_9.1.0-tcg.x86_64.xml", "VL783"),
    ("rejected", "smbios-uuid-match.xml", "qemu_9.1.0-tcg.x86_64.xml", "VL783"),
    ("rejected", "tpm-no-backend-invalid.xml", "qemu_9.1.0-tcg.x86_64.xml", "VL784"),
    ("rejected", "tseg-i440fx.xml", "qemu_9.1.0-tcg.x86_64.xml", "VL755"),
    ("rejected", "vhost-user-fs-readonly.xml", "qemu_9.1.0.x86_64.xml", "VL786"),
    ("rejected", "video-invalid-multiple-devices.xml", "qemu_9.1.0-tcg.x86_64.xml", "VL765"),
    ("rejected", "video-multiple-primaries.xml", "qemu_9.1.0-tcg.x86_64.xml", "VL765"),
    ("rejected", "video-ramfb-display-device-pci-address.xml", "qemu_9.1.0-tcg.x86_64.xml", "VL765"),
    ("rejected", "virtio-iommu-wrong-machine.xml", "qemu_9.1.0-tcg.x86_64.xml", "VL785"),
    ("rejected", "virtio-lun.xml", "qemu_9.1.0-tcg.x86_64.xml", "VL751"),
    ("rejected", "virtio-rng-egd-crash.xml", "qemu_9.1.0-tcg.x86_64.xml", "VL760"),
    ("arches", "aarch64-panic-no-model.xml", "generated-10.7.0/qemu_8.2.0-tcg-virt.aarch64.xml", "VL785"),
    ("arches", "hostdev-subsys-mdev-vfio-ap-boot-fail.xml", "generated-10.7.0/qemu_8.2.0-tcg.s390x.xml", "VL789"),
    ("arches", "ppc64-tpm-double.xml", "generated-10.7.0/qemu_7.1.0-tcg.ppc64.xml", "VL784"),
    ("arches", "ppc64-tpmproxy-double.xml", "generated-10.7.0/qemu_7.1.0-tcg.ppc64.xml", "VL784"),
    ("arches", "pseries-no-parallel.xml", "generated-10.7.0/qemu_7.1.0-tcg.ppc64.xml", "VL761"),
    ("arches", "pseries-panic-address.xml", "generated-10.7.0/qemu_7.1.0-tcg.ppc64.xml", "VL785"),
    ("arches", "pvpanic-pci-invalid-address-aarch64.xml", "generated-10.7.0/qemu_8.2.0-tcg-virt.aarch64.xml", "VL785"),
    ("arches", "s390-no-parallel.xml", "generated-10.7.0/qemu_8.2.0-tcg.s390x.xml", "VL761"),
    ("arches", "s390-panic-address.xml", "generated-10.7.0/qemu_8.2.0-tcg.s390x.xml", "VL785"),
    ("arches", "vhost-user-fs-ccw-bootindex.xml", "generated-10.7.0/qemu_8.2.0-tcg.s390x.xml", "VL754"),
    ("versions", "virtio-lun.xml", "qemu_9.1.0-tcg.x86_64.xml", "VL751"),
]

#: Rejected configurations of these families that the domain XML and domcapabilities cannot decide.
UNDECIDABLE = {
    "firmware-auto-efi-loader-path-nonstandard.xml": "which firmware descriptors the host installs",
    "firmware-auto-efi-nvram-template-nonstandard.xml": "which firmware descriptors the host installs",
    "firmware-auto-efi-rw-pflash.xml": "which firmware descriptors the host installs (none is read-write here)",
    "firmware-auto-efi-rw.xml": "which firmware descriptors the host installs (none is read-write here)",
    "tpm-emulator-tpm2.xml": "the host's swtpm lacks TPM 2.0 while the caps list it (libvirt's test mocks swtpm)",
}


@pytest.mark.parametrize(("folder", "name", "caps", "code"), LIBVIRT_REJECTED,
                         ids=[f"{folder}/{name}" for folder, name, _, _ in LIBVIRT_REJECTED])
def test_libvirt_rejected_configurations(folder: str, name: str, caps: str, code: str) -> None:
    from conftest import shared_path

    document = shared_path("corpus", "libvirt-qemuxml", folder, name)
    caps_path = shared_path("corpus", "libvirt-domaincaps", caps)
    findings = lint(document.read_text(), caps_path)
    assert code in {f.code for f in findings if f.severity is Severity.ERROR}
    assert name not in UNDECIDABLE


DISK_OPTIONS = [
    ("readonly-sata-disk", dom(disk("sdb", "sata", extra="<readonly/>")), Q35, "VL751",
     "readonly sata disks are not supported"),
    ("readonly-sata-cdrom", dom(disk("sdb", "sata", device="cdrom", extra="<readonly/>")), Q35, None, ""),
    ("readonly-virtio-disk", dom(disk("vdb", "virtio", extra="<readonly/>")), Q35, None, ""),
    ("queues-on-sata", dom("<disk type='file'><driver name='qemu' type='raw' queues='2'/>" + IMG +
                           "<target dev='sdb' bus='sata'/></disk>"), Q35, "VL751", "queues attribute"),
    ("queues-on-virtio", dom("<disk type='file'><driver name='qemu' type='raw' queues='2'/>" + IMG +
                             "<target dev='vdb' bus='virtio'/></disk>"), Q35, None, ""),
    ("tray-on-disk", dom("<disk type='file'>" + IMG + "<target dev='vdb' bus='virtio' tray='open'/></disk>"), Q35,
     "VL751", "tray is only valid for cdrom and floppy"),
    # driver type 'aio' is raw to libvirt (Xen back-compat): a raw lun, fine (libvirt 9.0 defines it)
    ("lun-aio-is-raw", dom("<disk type='block' device='lun'><driver name='qemu' type='aio'/>"
                           "<source dev='/dev/sdz'/><target dev='sda' bus='scsi'/></disk>"), Q35, None, ""),
    ("lun-qcow2", dom("<disk type='block' device='lun'><driver name='qemu' type='qcow2'/>"
                      "<source dev='/dev/sdz'/><target dev='sda' bus='scsi'/></disk>"), Q35, "VL751",
     "must use 'raw' format"),
    # tray_status is nonzero only for 'open': libvirt 9.0 defines a hard disk with tray='closed'
    ("tray-closed-on-disk", dom("<disk type='file'>" + IMG + "<target dev='vdb' bus='virtio' tray='closed'/></disk>"),
     Q35, None, ""),
    ("removable-on-sata", dom("<disk type='file'>" + IMG + "<target dev='sdb' bus='sata' removable='on'/></disk>"),
     Q35, "VL751", "removable is only valid for usb or scsi disks"),
    ("removable-on-usb", dom("<disk type='file'>" + IMG + "<target dev='sdb' bus='usb' removable='on'/></disk>"),
     Q35, None, ""),
]


@pytest.mark.parametrize(("xml", "caps", "code", "fragment"), [c[1:] for c in DISK_OPTIONS],
                         ids=[c[0] for c in DISK_OPTIONS])
def test_disk_option_checks(xml: str, caps: str, code: str | None, fragment: str) -> None:
    test_device_checks(xml, caps, code, fragment)


@pytest.mark.parametrize(("xml", "code"), [
    (dom(os_attrs=" firmware='efi'", os="<loader format='qcow2'/><nvram format='raw'/>"), "VL507"),
    (dom("<interface type='user'><portForward proto='tcp'><range start='2022' to='22'/></portForward></interface>"),
     "VL770"),
    (dom(disk("vdb", "virtio", source="<source file='/a.img'><seclabel model='dac' relabel='yes'/></source>")),
     "VL782"),
    (dom("<watchdog model='ib700'/>"), "VL785"),
])
def test_refusals_newer_than_libvirt_9_0_follow_the_version(xml: str, code: str) -> None:
    from virtlint.linter.caps import DomainCaps
    from virtlint.linter.document import Document
    from virtlint.linter.engine import Linter

    def found(version: tuple[int, int] | None) -> bool:
        linter = Linter([DomainCaps(Document(Q35, "caps.xml"))], libvirt_version=version)
        return code in {f.code for f in linter.lint_document(Document(xml, "dom.xml")).findings}

    assert found(None) and found((10, 7))
    assert not found((9, 0))


def test_ib700_off_i440fx_is_refused_since_libvirt_9_3() -> None:
    """NEWS 9.3: "ib700 watchdog is allowed only on i440fx machines" (the real 9.0 here defines it on q35)."""
    from virtlint.linter.caps import DomainCaps
    from virtlint.linter.document import Document
    from virtlint.linter.engine import Linter

    def found(version: tuple[int, int]) -> bool:
        linter = Linter([DomainCaps(Document(Q35, "caps.xml"))], libvirt_version=version)
        xml = dom("<watchdog model='ib700'/>")
        return "VL785" in {f.code for f in linter.lint_document(Document(xml, "dom.xml")).findings}

    assert found((9, 3)) and not found((9, 2))


def test_empty_dir_cdrom_follows_the_libvirt_version() -> None:
    """libvirt 9.0 defines a 'dir' cdrom without a source in raw format, and refuses it with a source dir."""
    from virtlint.linter.document import Document
    from virtlint.linter.engine import Linter
    from conftest import caps_from_text

    def codes_at(devices: str, version: tuple[int, int] | None) -> list[str]:
        linter = Linter([caps_from_text(Q35)], select=("VL752",), libvirt_version=version)
        return [f.code for f in linter.lint_document(Document(dom(devices), "dom.xml")).findings]

    empty = "<disk type='dir' device='cdrom'><driver name='qemu' type='raw'/><target dev='sdb' bus='sata'/>" \
            "<readonly/></disk>"
    with_dir = empty.replace("<target", "<source dir='/tmp'/><target")
    assert codes_at(empty, (9, 0)) == []
    assert codes_at(empty, None) == ["VL752"]
    assert codes_at(with_dir, (9, 0)) == ["VL752"]


@pytest.mark.parametrize(("bus", "version", "message"), [
    ("scsi", (9, 0), "removable is only valid for usb disks"),
    ("sata", (9, 0), "removable is only valid for usb disks"),
    ("usb", (9, 0), None),
    ("scsi", (9, 6), None),
    ("scsi", None, None),
    ("sata", (9, 6), "removable is only valid for usb or scsi disks"),
])
def test_removable_follows_the_libvirt_version(bus: str, version: tuple[int, int] | None, message: str | None) -> None:
    """scsi disks take `removable` since libvirt 9.6. The real 9.0 daemon refuses it on a scsi and a sata disk
    with 'removable is only valid for usb disks' and defines the usb one."""
    from conftest import caps_from_text
    from virtlint.linter.document import Document
    from virtlint.linter.engine import Linter

    xml = dom("<disk type='file'>" + IMG + f"<target dev='sdb' bus='{bus}' removable='on'/></disk>")
    linter = Linter([caps_from_text(Q35, "caps.xml")], select=("VL751",), libvirt_version=version)
    found = [f.message for f in linter.lint_document(Document(xml, "dom.xml")).findings]
    assert found == ([message] if message else [])


# -- VL790 device-count: each case and its twin checked with the real libvirt 9.0 (virsh define) where 9.0 has the check
DEVICE_COUNTS = [
    ("two-balloons", "<memballoon model='virtio'/>" * 2, None, "only a single memory balloon device is supported"),
    ("balloon-none-and-virtio", "<memballoon model='none'/><memballoon model='virtio'/>", None,
     "only a single memory balloon device is supported"),
    ("one-balloon", "<memballoon model='virtio'/>", None, None),
    ("two-iommus", "<iommu model='intel'/><iommu model='intel'/>", None, "only a single IOMMU device is supported"),
    ("one-iommu", "<iommu model='intel'/>", None, None),
    ("two-isa-panics", "<panic model='isa'/>" * 2, None, "Multiple panic devices with model 'isa'"),
    ("default-and-isa-panic", "<panic/><panic model='isa'/>", None, "Multiple panic devices with model 'isa'"),
    ("isa-and-hyperv-panic", "<panic model='isa'/><panic model='hyperv'/>", None, None),
    # watchdogs: one before libvirt 9.1; from 9.1 several, one action; from 9.3 one per model but i6300esb
    ("two-i6300esb-9.0", "<watchdog model='i6300esb'/>" * 2, (9, 0), "only a single watchdog device is supported"),
    ("two-i6300esb", "<watchdog model='i6300esb'/>" * 2, None, None),
    ("two-itco", "<watchdog model='itco'/>" * 2, None, "domain can only have one watchdog with model 'itco'"),
    ("two-itco-9.2", "<watchdog model='itco'/>" * 2, (9, 2), None),
    ("two-actions", "<watchdog model='i6300esb' action='poweroff'/><watchdog model='i6300esb'/>", None,
     "watchdogs with different actions are not supported with this QEMU binary"),
    ("same-action-spelt-out", "<watchdog model='i6300esb' action='reset'/><watchdog model='i6300esb'/>", None, None),
    ("one-watchdog-9.0", "<watchdog model='i6300esb' action='poweroff'/>", (9, 0), None),
]


@pytest.mark.parametrize(("devices", "version", "message"), [c[1:] for c in DEVICE_COUNTS],
                         ids=[c[0] for c in DEVICE_COUNTS])
def test_device_count(devices: str, version: tuple[int, int] | None, message: str | None) -> None:
    from virtlint.linter.caps import DomainCaps
    from virtlint.linter.document import Document
    from virtlint.linter.engine import Linter

    linter = Linter([DomainCaps(Document(Q35, "caps.xml"))], select=("VL790",), libvirt_version=version)
    found = [f.message for f in linter.lint_document(Document(dom(devices), "dom.xml")).findings]
    assert found == ([] if message is None else [message]), found


# -- VL756 disk-identity: each case and its twin checked with the real libvirt 9.0 (virsh define)
def _scsi_cdrom(extra: str) -> str:
    return dom(f"{SCSI}<disk type='file' device='cdrom'><target dev='sda' bus='scsi'/>{extra}</disk>")


DISK_IDENTITIES = [
    ("wwn-15-digits", "<wwn>5000c50015ea71a</wwn>", "Malformed wwn: 5000c50015ea71a"),
    ("wwn-16-digits", "<wwn>5000c50015ea71ac</wwn>", None),
    ("wwn-0x", "<wwn>0x5000c50015ea71ac</wwn>", None),
    ("wwn-0X", "<wwn>0X5000c50015ea71ac</wwn>", "Malformed wwn: 0X5000c50015ea71ac"),
    ("wwn-trailing-blank", "<wwn>5000c50015ea71ac </wwn>", "Malformed wwn: 5000c50015ea71ac "),
    ("wwn-empty", "<wwn></wwn>", None),
    ("vendor-9", "<vendor>ABCDEFGHI</vendor>", "disk vendor is more than 8 characters"),
    ("vendor-8", "<vendor>ABCDEFGH</vendor>", None),
    ("vendor-on-lines", "<vendor>\n  ACME\n</vendor>", "disk vendor is not printable string"),
    ("vendor-non-ascii", "<vendor>ACMÉ</vendor>", "disk vendor is not printable string"),
    ("product-17", "<product>ABCDEFGHIJKLMNOPQ</product>", "disk product is more than 16 characters"),
    ("product-16-with-blanks", "<product>My Disk 1 ABCDEF</product>", None),
    ("vendor-first", "<vendor>ABCDEFGHI</vendor><wwn>1</wwn>", "disk vendor is more than 8 characters"),
]


@pytest.mark.parametrize(("extra", "message"), [c[1:] for c in DISK_IDENTITIES], ids=[c[0] for c in DISK_IDENTITIES])
def test_disk_identity(extra: str, message: str | None) -> None:
    found = [m for c, m in errors(_scsi_cdrom(extra)) if c == "VL756"]
    assert found == ([] if message is None else [message])


# each case and its twin checked with the real libvirt 9.0 (virsh define)
MORE_REFUSALS = [
    ("network-without-source", "<interface type='network'><model type='virtio'/></interface>", "VL770",
     "interface type='network' requires a 'source' element"),
    ("network-with-source", "<interface type='network'><source network='default'/></interface>", "VL770", None),
    ("udp-without-source", "<interface type='udp'/>", "VL770", "interface type='udp' requires a 'source' element"),
    ("ethernet-without-source", "<interface type='ethernet'/>", "VL770", None),
    ("direct-without-dev", "<interface type='direct'><source mode='bridge'/></interface>", "VL770",
     "Missing required attribute 'dev' in element 'source'"),
    ("direct-with-dev", "<interface type='direct'><source dev='eth0' mode='bridge'/></interface>", "VL770", None),
    ("disk-driver-misspelt", "<disk type='file' device='cdrom'><driver name='qemuu'/><target dev='sda' bus='sata'/>"
                             "</disk>", "VL752", "unsupported driver name 'qemuu' for disk 'sda'"),
    ("disk-driver-qemu", "<disk type='file' device='cdrom'><driver name='qemu'/><target dev='sda' bus='sata'/>"
                         "</disk>", "VL752", None),
    ("audio-ids-1-and-01", "<audio id='1' type='none'/><audio id='01' type='none'/>", "VL790",
     "audio ID 1 is used multiple times"),
    ("audio-ids-1-and-2", "<audio id='1' type='none'/><audio id='2' type='none'/>", "VL790", None),
    ("smartcard-spicevmc-without-spice", "<smartcard mode='passthrough' type='spicevmc'/>", "VL807",
     "chardev 'spicevmc' is not supported without SPICE graphics"),
    ("smartcard-spicevmc-with-spice", "<smartcard mode='passthrough' type='spicevmc'/><graphics type='spice'/>", "VL807",
     None),
]


@pytest.mark.parametrize(("devices", "code", "message"), [c[1:] for c in MORE_REFUSALS],
                         ids=[c[0] for c in MORE_REFUSALS])
def test_more_refusals(devices: str, code: str, message: str | None) -> None:
    found = [m for c, m in errors(dom(devices)) if c == code]
    assert found == ([] if message is None else [message])


def _iotune(limits: str) -> str:
    return f"<disk type='file' device='cdrom'><target dev='sda' bus='sata'/><iotune>{limits}</iotune></disk>"


# each case and its twin checked with the real libvirt 9.0 (virsh define)
DISK_SOURCES_AND_LIMITS = [
    ("rbd-without-name", "<disk type='network' device='disk'><source protocol='rbd'><host name='mon'/></source>"
                         "<target dev='vda' bus='virtio'/></disk>", "VL759", "missing name for disk source"),
    ("rbd-with-name", "<disk type='network' device='disk'><source protocol='rbd' name='pool/img'><host name='mon'/>"
                      "</source><target dev='vda' bus='virtio'/></disk>", "VL759", None),
    ("nbd-without-name", "<disk type='network' device='disk'><source protocol='nbd'><host name='h' port='10809'/>"
                         "</source><target dev='vda' bus='virtio'/></disk>", "VL753", None),
    ("total-and-read", _iotune("<total_bytes_sec>10</total_bytes_sec><read_bytes_sec>5</read_bytes_sec>"), "VL757",
     "total and read/write bytes_sec cannot be set at the same time"),
    ("total-and-write-iops", _iotune("<total_iops_sec>10</total_iops_sec><write_iops_sec>5</write_iops_sec>"),
     "VL757", "total and read/write iops_sec cannot be set at the same time"),
    ("total-max-and-read-max", _iotune("<total_bytes_sec_max>10</total_bytes_sec_max>"
                                       "<read_bytes_sec_max>5</read_bytes_sec_max>"), "VL757",
     "total and read/write bytes_sec_max cannot be set at the same time"),
    ("total-zero-and-read", _iotune("<total_bytes_sec>0</total_bytes_sec><read_bytes_sec>5</read_bytes_sec>"),
     "VL757", None),
    ("read-and-write", _iotune("<read_bytes_sec>5</read_bytes_sec><write_bytes_sec>5</write_bytes_sec>"), "VL757",
     None),
    ("total-bytes-and-read-iops", _iotune("<total_bytes_sec>10</total_bytes_sec><read_iops_sec>5</read_iops_sec>"),
     "VL757", None),
]


@pytest.mark.parametrize(("devices", "code", "message"), [c[1:] for c in DISK_SOURCES_AND_LIMITS],
                         ids=[c[0] for c in DISK_SOURCES_AND_LIMITS])
def test_disk_sources_and_limits(devices: str, code: str, message: str | None) -> None:
    found = [m for c, m in errors(dom(devices)) if c == code]
    assert found == ([] if message is None else [message])


def _fs(attributes: str = "", inside: str = "<source dir='/srv'/><target dir='share'/>") -> str:
    return f"<filesystem type='mount'{attributes}>{inside}</filesystem>"


VIRTIOFS_DRIVER = "<driver type='virtiofs'/>"
# each case and its twin checked with the real libvirt 9.0 (virsh define)
FILESYSTEMS_AND_OTHERS = [
    ("fs-without-target", _fs(inside="<source dir='/srv'/>"), "VL791", "missing target information for device /srv"),
    ("fs-without-source", _fs(inside="<target dir='share'/>"), "VL791", "missing source information for device share"),
    ("fs-mount-source-file", _fs(inside="<source file='/srv/x'/><target dir='share'/>"), "VL791",
     "missing source information for device share"),
    ("fs", _fs(), "VL791", None),
    ("fs-block", "<filesystem type='block'><source dev='/dev/sdb'/><target dir='share'/></filesystem>", "VL791",
     "only supports mount filesystem type"),
    ("fs-fmode-passthrough", _fs(" fmode='644'"), "VL791", "fmode and dmode must be used with accessmode=mapped"),
    ("fs-fmode-mapped", _fs(" accessmode='mapped' fmode='644'"), "VL791", None),
    ("fs-loop-driver", _fs(inside="<driver type='loop'/><source dir='/srv'/><target dir='share'/>"), "VL791",
     "Filesystem driver type not supported"),
    ("virtiofs-mapped", _fs(" accessmode='mapped'", VIRTIOFS_DRIVER + "<source dir='/srv'/><target dir='share'/>"),
     "VL791", "virtiofs only supports passthrough accessmode"),
    ("virtiofs-socket", _fs(inside=VIRTIOFS_DRIVER + "<source socket='/run/fs.sock'/><target dir='share'/>"), "VL791",
     None),
    ("virtiofs-model", _fs(" model='virtio'", VIRTIOFS_DRIVER + "<source dir='/srv'/><target dir='share'/>"),
     "VL791", "virtiofs does not support model"),
    # (libvirt reads <binary> for virtiofs only: a 9p share's sandbox is never read, and never refused)
    ("fs-sandbox-9p", _fs(inside="<binary><sandbox mode='chroot'/></binary><source dir='/srv'/><target dir='share'/>"),
     "VL791", None),
    ("user-mtu", "<interface type='user'><mtu size='9000'/></interface>", "VL770",
     "setting MTU on interface type user is not supported yet"),
    ("network-mtu", "<interface type='network'><source network='default'/><mtu size='9000'/></interface>", "VL770",
     None),
    ("vnc-listen-mismatch", "<graphics type='vnc' listen='127.0.0.1'><listen type='address' address='0.0.0.0'/>"
                            "</graphics>", "VL766",
     "graphics 'listen' attribute '127.0.0.1' must match 'address' attribute of first listen element (found "
     "'0.0.0.0')"),
    ("vnc-listen-match", "<graphics type='vnc' listen='127.0.0.1'><listen type='address' address='127.0.0.1'/>"
                         "</graphics>", "VL766", None),
    ("vnc-listen-network", "<graphics type='vnc' listen='127.0.0.1'><listen type='network' network='default'/>"
                           "</graphics>", "VL766", None),
]


@pytest.mark.parametrize(("devices", "code", "message"), [c[1:] for c in FILESYSTEMS_AND_OTHERS],
                         ids=[c[0] for c in FILESYSTEMS_AND_OTHERS])
def test_filesystems_and_others(devices: str, code: str, message: str | None) -> None:
    found = [m for c, m in errors(dom(devices)) if c == code]
    assert found == ([] if message is None else [message])


def test_usage_limits_and_sandbox_off_virtiofs_follow_the_libvirt_version() -> None:
    """libvirt 9.0 defines both (checked on the daemon); 10.7's qemuValidateDomainDeviceDefFS refuses them."""
    from virtlint.linter.caps import DomainCaps
    from virtlint.linter.document import Document
    from virtlint.linter.engine import Linter

    xml = dom(_fs(inside="<space_hard_limit unit='G'>1</space_hard_limit><source dir='/srv'/><target dir='share'/>"))

    def found(version: tuple[int, int] | None) -> list[str]:
        linter = Linter([DomainCaps(Document(Q35, "caps.xml"))], select=("VL791",), libvirt_version=version)
        return [f.message for f in linter.lint_document(Document(xml, "d.xml")).findings]

    assert found((9, 0)) == []
    assert found(None) == ["filesystem usage limits are not supported with QEMU"]


@pytest.mark.parametrize(("graphics", "refused"), [
    ("<graphics type='rdp'><listen type='none'/></graphics>", True),
    ("<graphics type='rdp'><listen type='socket'/></graphics>", True),
    # only VNC's, SPICE's and RDP's parsers read <listen> (10.7 as 9.0): an SDL display's is ignored
    ("<graphics type='sdl'><listen type='none'/></graphics>", False),
    ("<graphics type='sdl'><listen type='socket'/></graphics>", False),
])
def test_socket_and_none_listens_are_refused_on_rdp_only(graphics: str, refused: bool) -> None:
    """virDomainGraphicsDefListensValidate: checked with libvirt 9.0 (RDP refused, SDL defined)."""
    from virtlint.linter.caps import DomainCaps
    from virtlint.linter.document import Document
    from virtlint.linter.engine import Linter

    for version in ((9, 0), (10, 7)):
        linter = Linter([DomainCaps(Document(Q35, "caps.xml"))], libvirt_version=version)
        messages = [f.message for f in linter.lint_document(Document(dom(graphics), "dom.xml")).findings
                    if f.code == "VL766"]
        assert bool(messages) is refused, (version, messages)
