"""Refusals found by listing libvirt 10.7's messages (domain_conf.c, domain_validate.c, qemu_validate.c) that no
rule gave, and putting a case of each to the real libvirt 9.0: a TCG cache size, a bootloader on QEMU, the ncr53c90
SCSI controller, virtio input models, QEMU's sd-card serial, TPM backend versions; and by the mutation audit with the values '', '1.5', ' 1' and others: free
virtio-serial ports, cookie names, USB ports with blanks, cputune shares on 9.0. Each with its valid twin."""

from __future__ import annotations

import pytest

from conftest import caps_from_text
from test_rules_parse_checks import Q35, dom
from test_rules_parse_checks import test_parse_checks as judged_as_libvirt
from virtlint.linter.document import Document
from virtlint.linter.engine import Linter
from virtlint.linter.model import Severity


def qemu(devices: str = "", *, extra: str = "", machine: str = "q35", os: str = "") -> str:
    return dom(devices, extra=extra, machine=machine, dtype="qemu", os=os)


def tb_cache(size: str, unit: str) -> str:
    return qemu(extra=f"<features><tcg><tb-cache unit='{unit}'>{size}</tb-cache></tcg></features>")


SCSI = "<controller type='scsi' index='{}' model='{}'/>"
SECRET = "<secret type='passphrase' uuid='0a81f5b2-8403-7b23-c8d6-21ccc2f80d6f'/>"
#: a qcow2 disk with luks encryption in its <source> ({}: more of it)
LUKS_DISK = ("<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
             f"<source file='/var/lib/libvirt/images/a.img'><encryption format='luks'>{SECRET}{{}}</encryption>"
             "</source><target dev='vda' bus='virtio'/></disk>")
#: the same with the encryption in the disk, libvirt's older place
LUKS_OUTSIDE = ("<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
                "<source file='/var/lib/libvirt/images/a.img'/><target dev='vda' bus='virtio'/>"
                f"<encryption format='luks'>{SECRET}{{}}</encryption></disk>")
ACPI = "<features><acpi/></features>"
OVMF_LOADER = "<loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.fd</loader>"
#: a custom CPU with an emulated cache ({}: its level)
CACHE = "<cpu mode='custom'><model>qemu64</model><cache level='{}' mode='emulate'/></cpu>"
#: a passt interface's port forwarding ({}: its ranges)
PASST = ("<interface type='user'><model type='virtio'/><backend type='passt'/><portForward proto='tcp'>{}"
         "</portForward></interface>")
#: a network disk: {0} protocol, {1} name, {2} more <source> attributes, {3} after the source
NETWORK_DISK = ("<disk type='network' device='disk'><driver name='qemu' type='raw'/><source protocol='{0}' "
                "name='{1}'{2}><host name='example.com' port='3260'/></source>{3}<target dev='vda' bus='virtio'/>"
                "</disk>")
#: a disk whose qcow2 backing layer has luks encryption ({}: more of it)
LUKS_BACKING = ("<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
                "<source file='/var/lib/libvirt/images/a.img'/><backingStore type='file'><format type='qcow2'/>"
                f"<source file='/var/lib/libvirt/images/b.img'><encryption format='luks'>{SECRET}{{}}</encryption>"
                "</source><backingStore/></backingStore><target dev='vda' bus='virtio'/></disk>")

CASES = [
    # VL407: QEMU sizes the TCG translation block cache in MiB
    ("tb-cache-1536-kib", tb_cache("1536", "KiB"), "VL407", "tb-cache size must be an integer multiple of MiB"),
    ("tb-cache-a-byte-over", tb_cache("1048577", "b"), "VL407", "tb-cache size must be an integer multiple of MiB"),
    ("tb-cache-2-mib", tb_cache("2", "MiB"), None, ""),
    ("tb-cache-2048-kib", tb_cache("2048", "KiB"), None, ""),
    ("tb-cache-word", tb_cache("x", "KiB"), "VL851", "Invalid value 'x' for element or attribute './tb-cache'"),
    # VL012: a Xen bootloader on QEMU
    ("bootloader", qemu(extra="<bootloader>/usr/bin/pygrub</bootloader>"), "VL012",
     "bootloader is not supported by QEMU"),
    ("bootloader-args", qemu(extra="<bootloader_args>-q</bootloader_args>"), "VL012",
     "bootloader is not supported by QEMU"),
    ("bootloader-empty", qemu(extra="<bootloader></bootloader>"), None, ""),
    # VL794: the ncr53c90 (ESP) SCSI controller is some boards' own
    ("ncr53c90-second", qemu(SCSI.format(0, "lsilogic") + SCSI.format(1, "ncr53c90"), machine="pc"), "VL794",
     "ncr53c90 can only be used as first SCSI controller"),
    ("ncr53c90-on-pc", qemu(SCSI.format(0, "ncr53c90"), machine="pc"), "VL794",
     "ncr53c90 SCSI controller is not a built-in for this machine"),
    ("lsilogic-on-pc", qemu(SCSI.format(0, "lsilogic"), machine="pc"), None, ""),
    # VL793: virtio input models
    ("virtio-tablet-on-usb", qemu("<input type='tablet' bus='usb' model='virtio'/>"), "VL793",
     "only bus 'virtio' is supported for input model 'virtio'"),
    ("virtio-tablet-default-bus", qemu("<input type='tablet' model='virtio'/>"), "VL793",
     "only bus 'virtio' is supported for input model 'virtio'"),
    ("virtio-keyboard-default-bus", qemu("<input type='keyboard' model='virtio-non-transitional'/>"), "VL793",
     "only bus 'virtio' is supported for input model 'virtio-non-transitional'"),
    ("virtio-evdev", qemu("<input type='evdev' model='virtio'><source dev='/dev/input/event1'/></input>"), "VL793",
     "only bus 'virtio' is supported for input model 'virtio'"),
    ("transitional-mouse-on-virtio", qemu("<input type='mouse' bus='virtio' model='virtio-transitional'/>"), "VL793",
     "virtio (non-)transitional models are not supported for input type=mouse"),
    ("virtio-tablet-on-virtio", qemu("<input type='tablet' bus='virtio' model='virtio'/>"), None, ""),
    ("virtio-passthrough-default-bus", qemu("<input type='passthrough' model='virtio'><source "
                                            "evdev='/dev/input/event1'/></input>"), None, ""),
]


CHANNEL = "<channel type='pty'><target type='virtio' name='org.a.{}'/>{}</channel>"
ON_0 = "<address type='virtio-serial' controller='0' bus='0'/>"
SERIAL_PORTS = "<controller type='virtio-serial' index='0' ports='{}'/>"
VIRTIO_CONSOLE = "<console type='pty'><target type='virtio'/></console>"
COOKIE = ("<disk type='network' device='disk'><driver name='qemu' type='raw'/><source protocol='https' name='/x.img'>"
          "<host name='h'/><cookies>{}</cookies></source><target dev='vda' bus='virtio'/></disk>")
HUB = "<hub type='usb'><address type='usb' bus='0' port='{}'/></hub>"

CASES += [
    # VL711: libvirt picks the port of a device that names its virtio-serial controller only
    ("serial-port-none-free", qemu(SERIAL_PORTS.format(1) + CHANNEL.format(0, "") + CHANNEL.format(1, ON_0)), "VL711",
     "Unable to find a free port on virtio-serial controller 0"),
    ("serial-port-none-free-blank", qemu(SERIAL_PORTS.format(" 1") + CHANNEL.format(1, ON_0)), "VL711",
     "Unable to find a free port on virtio-serial controller 0"),
    ("serial-port-taken-by-auto", qemu(SERIAL_PORTS.format(2) + VIRTIO_CONSOLE + CHANNEL.format(0, "")
                                       + CHANNEL.format(1, ON_0)), "VL711", "Unable to find a free port"),
    ("serial-port-taken-by-address", qemu(SERIAL_PORTS.format(2) + CHANNEL.format(
        0, "<address type='virtio-serial' controller='0' bus='0' port='1'/>") + CHANNEL.format(1, ON_0)), "VL711",
     "Unable to find a free port"),
    ("serial-port-free", qemu(SERIAL_PORTS.format(3) + CHANNEL.format(0, "") + CHANNEL.format(1, ON_0)), None, ""),
    ("serial-port-console-on-0", qemu(SERIAL_PORTS.format(2) + VIRTIO_CONSOLE + CHANNEL.format(1, ON_0)), None, ""),
    ("serial-port-auto-adds-controllers", qemu(SERIAL_PORTS.format(1) + CHANNEL.format(0, "") + CHANNEL.format(1, "")),
     None, ""),
    ("serial-port-default-count", qemu(CHANNEL.format(0, ON_0) + CHANNEL.format(1, ON_0)), None, ""),
    # VL759: cookie names and values as virStorageSourceNetCookieValidate reads them
    ("cookie-name-blank", qemu(COOKIE.format("<cookie name=' 1'>v</cookie>")), "VL759",
     "cookie name ' 1' contains invalid characters"),
    ("cookie-name-colon", qemu(COOKIE.format("<cookie name='a:b'>v</cookie>")), "VL759",
     "cookie name 'a:b' contains invalid characters"),
    ("cookie-value-unbalanced-quote", qemu(COOKIE.format("<cookie name='a'>v\"</cookie>")), "VL759",
     "value of cookie 'a' contains invalid characters"),
    ("cookie-value-quoted", qemu(COOKIE.format("<cookie name='a'>\"v\"</cookie>")), None, ""),
    ("cookie-value-quote", qemu(COOKIE.format("<cookie name='a'>\"</cookie>")), None, ""),
    ("cookie-value-non-ascii", qemu(COOKIE.format("<cookie name='a'>caf\u00e9</cookie>")), None, ""),
    ("cookie-name-non-ascii", qemu(COOKIE.format("<cookie name='na\u00efve'>v</cookie>")), None, ""),
    # VL705: a USB port is read by virStrToLong_uip, blanks before each number taken
    ("usb-port-blank", qemu(HUB.format(" 1")), None, ""),
    ("usb-port-dotted-blanks", qemu("<controller type='usb' index='0' model='qemu-xhci'/>" + HUB.format("1")
                                    + "<hub type='usb'><address type='usb' bus='0' port='1. 1'/></hub>"), None, ""),
    ("usb-port-trailing-dot", qemu(HUB.format("1.")), "VL705", "Cannot parse <address> 'port' attribute"),
]

FS_MODE = "<filesystem type='mount' accessmode='mapped' {}><source dir='/srv'/><target dir='t'/></filesystem>"

CASES += [
    # VL791: virXMLPropUInt reads a mode with virStrToLong_uip, which skips leading blanks (and a '+'): only what
    # follows the number is refused
    ("fmode-leading-blank", qemu(FS_MODE.format("fmode=' 644'")), None, ""),
    ("dmode-leading-blank-plus", qemu(FS_MODE.format("dmode=' +755'")), None, ""),
    ("fmode-trailing-blank", qemu(FS_MODE.format("fmode='644 '")), "VL791",
     "Invalid value for attribute 'fmode' in element 'filesystem': '644 '. Expected non-negative integer value"),
    ("fmode-leading-blank-too-big", qemu(FS_MODE.format("fmode=' 1000'")), "VL791", "invalid fmode: '01000'"),
]

NODEMASK_MEMORY = ("<memory model='{}'><source>{}<nodemask>abc</nodemask></source><target><size unit='KiB'>131072</size>"
                   "<node>0</node></target></memory>")
HOTPLUG = ("<features><acpi/></features><maxMemory slots='4' unit='KiB'>4194304</maxMemory>"
           "<cpu><numa><cell id='0' cpus='0' memory='262144' unit='KiB'/></numa></cpu>")

CASES += [
    # VL851: virDomainMemorySourceDefParseXML reads a <nodemask> for dimm, virtio-mem and sgx-epc only
    ("nodemask-dimm", qemu(NODEMASK_MEMORY.format("dimm", ""), extra=HOTPLUG), "VL851",
     "Failed to parse bitmap 'abc'"),
    ("nodemask-nvdimm-ignored", qemu(NODEMASK_MEMORY.format("nvdimm", "<path>/tmp/nvdimm</path>"), extra=HOTPLUG),
     None, ""),
]

TPM_BACKEND = "<tpm model='{}'><backend type='{}' version='{}'{}</backend></tpm>"
SD_DISK = ("<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='/var/lib/libvirt/images/a.img'/>"
           "<target dev='sda' bus='{}'/>{}</disk>")

CASES += [
    # VL804, VL850: libvirt reads a TPM backend's version (and persistent_state) for the emulator only
    ("tpm-crb-emulator-1.2", qemu(TPM_BACKEND.format("tpm-crb", "emulator", "1.2", ">")), "VL804",
     "TPM 1.2 is not supported for model 'tpm-crb'"),
    ("tpm-crb-passthrough-1.2", qemu(TPM_BACKEND.format("tpm-crb", "passthrough", "1.2",
                                                        "><device path='/dev/tpm0'/>")), None, ""),
    ("tpm-passthrough-version-word", qemu(TPM_BACKEND.format("tpm-tis", "passthrough", "x", " persistent_state="
                                                             "'maybe'><device path='/dev/tpm0'/>")), None, ""),
    ("tpm-emulator-version-word", qemu(TPM_BACKEND.format("tpm-crb", "emulator", "x", ">")), "VL850",
     "Invalid value for attribute 'version' in element 'backend': 'x'."),
    # VL758: QEMU's sd-card has no serial property (an empty <serial> is none)
    ("sd-serial", qemu(SD_DISK.format("sd", "<serial>abc</serial>")), "VL758",
     "Serial property not supported for drive bus 'sd'"),
    # (on a board with an SD card slot: q35 has none, and QEMU refuses any sd disk there, VL751)
    ("sd-serial-empty", dom(SD_DISK.format("sd", "<serial></serial>"), arch="armv7l", machine="vexpress-a9",
                            dtype="qemu"), None, ""),
    ("usb-serial", qemu(SD_DISK.format("usb", "<serial>abc</serial>")), None, ""),
    # VL759: a luks <encryption>'s <cipher> and <ivgen> as the storage parser reads them (in the disk, in its
    # <source> and in a backing layer alike); a well-formed <cipher> is VL753's, which libvirt refuses later
    ("luks-ivgen-alone", qemu(LUKS_DISK.format("<ivgen name='plain64'/>")), "VL759",
     "ivgen element found, but cipher is missing"),
    ("luks-ivgen-alone-outside-source", qemu(LUKS_OUTSIDE.format("<ivgen name='plain64'/>")), "VL759",
     "ivgen element found, but cipher is missing"),
    ("luks-ivgen-before-cipher", qemu(LUKS_DISK.format("<ivgen name='plain64'/><cipher name='aes' size='256'/>")),
     "VL753", "supplying <cipher> for domain disk definition is unnecessary"),
    ("luks-ivgen-without-name", qemu(LUKS_DISK.format("<cipher name='aes' size='256'/><ivgen hash='sha256'/>")),
     "VL759", "missing ivgen info name string"),
    ("luks-cipher-without-name", qemu(LUKS_DISK.format("<cipher size='256'/>")), "VL759",
     "cipher info missing 'name' attribute"),
    ("luks-cipher-empty-name", qemu(LUKS_DISK.format("<cipher name='' size='256'/>")), "VL753",
     "supplying <cipher> for domain disk definition is unnecessary"),
    ("luks-cipher-without-size", qemu(LUKS_DISK.format("<cipher name='aes'/>")), "VL759",
     "Missing required attribute 'size' in element 'cipher'"),
    ("luks-cipher-negative-size", qemu(LUKS_DISK.format("<cipher name='aes' size='-1'/>")), "VL759",
     "Invalid value for attribute 'size' in element 'cipher': '-1'. Expected non-negative integer value"),
    ("luks-backing-ivgen", qemu(LUKS_BACKING.format("<ivgen name='plain64'/>")), "VL759",
     "ivgen element found, but cipher is missing"),
    ("luks-plain", qemu(LUKS_DISK.format("")), None, ""),
    # (the mutation audit with 'none' and 'default': each checked on 9.0) a disk's type and a video driver's name are
    # read with VIR_XML_PROP_NONZERO, an <nvram>'s type is not (its source parser then knows no 'none' storage), and a
    # serial target type 'none' is the default one
    ("disk-type-none", qemu("<disk type='none' device='disk'><source file='/var/lib/libvirt/images/a.img'/><target "
                            "dev='vda' bus='virtio'/></disk>"), "VL850",
     "Invalid value for attribute 'type' in element 'disk': 'none'."),
    ("video-driver-default", qemu("<video><driver name='default'/><model type='virtio'/></video>"), "VL850",
     "Invalid value for attribute 'name' in element 'driver': 'default'."),
    ("video-driver-qemu", qemu("<video><driver name='qemu'/><model type='virtio'/></video>"), None, ""),
    ("nvram-type-none", qemu(extra=ACPI, os=OVMF_LOADER + "<nvram type='none'><source "
                                          "file='/var/lib/libvirt/qemu/nvram/t_VARS.fd'/></nvram>"), "VL759",
     "unexpected disk type none"),
    ("nvram-type-none-without-source", qemu(extra=ACPI, os=OVMF_LOADER + "<nvram type='none'/>"), "VL759",
     "An error occurred, but the cause is unknown"),
    ("serial-target-type-none-isa-model", qemu("<serial type='pty'><target type='none' port='0'><model "
                                               "name='isa-serial'/></target></serial>"), None, ""),
    ("serial-target-type-usb-isa-model", qemu("<serial type='pty'><target type='usb-serial' port='0'><model "
                                              "name='isa-serial'/></target></serial>"), "VL761",
     "Target model 'isa-serial' requires target type 'isa-serial'"),
    # VL206: with <vcpus> listing vCPUs their states decide, and <vcpu current> is read but not compared (the
    # mutation pass with 4294967295, checked on 9.0)
    ("vcpu-current-above-listed", qemu().replace("<vcpu>1</vcpu>", "<vcpu current='4294967295'>2</vcpu><vcpus><vcpu "
                                                 "id='0' enabled='yes' hotpluggable='no'/><vcpu id='1' enabled='no' "
                                                 "hotpluggable='yes'/></vcpus>"), None, ""),
    ("vcpu-current-above", qemu().replace("<vcpu>1</vcpu>", "<vcpu current='4294967295'>2</vcpu>"), "VL206",
     "maximum vCPU count must not be less than current vCPU count"),
    # VL212: the parser reads a cache level from 1 to 3, before QEMU's validation judges the mode
    ("cache-level-4", qemu(extra=CACHE.format("4")), "VL212", "invalid CPU cache level, must be in range [1,3]"),
    ("cache-level-0", qemu(extra=CACHE.format("0")), "VL212", "invalid CPU cache level, must be in range [1,3]"),
    ("cache-level-3", qemu(extra=CACHE.format("3")), None, ""),
    ("cache-level-negative", qemu(extra=CACHE.format("-1")), "VL851",
     "Invalid value for attribute 'level' in element 'cache': '-1'. Expected non-negative value"),
    # VL770: a passt port range names its first port when it names anything (from 10.7's source: the lab's Debian
    # 9.0 is built without passt and refuses the backend itself)
    ("passt-range-end-only", qemu(PASST.format("<range end='2022' to='22'/>")), "VL770",
     "The 'range' of a 'portForward' requires 'start' attribute if 'end', 'to', or 'exclude' is specified"),
    ("passt-range-exclude-only", qemu(PASST.format("<range start='2022'/><range exclude='yes'/>")), "VL770",
     "The 'range' of a 'portForward' requires 'start' attribute if 'end', 'to', or 'exclude' is specified"),
    ("passt-range-start", qemu(PASST.format("<range start='2022' end='2023' to='22'/>")), None, ""),
    ("passt-range-empty", qemu(PASST.format("<range/>")), None, ""),
    # VL753 (at start): QEMU's NBD and VxHS clients speak TLS, no other protocol's does, in any layer
    ("iscsi-tls", qemu(NETWORK_DISK.format("iscsi", "iqn.2013-07.com.example:t/1", " tls='yes'", "")), "VL753",
     "TLS transport is not supported for disk protocol 'iscsi'"),
    ("iscsi-tls-no", qemu(NETWORK_DISK.format("iscsi", "iqn.2013-07.com.example:t/1", " tls='no'", "")), None, ""),
    ("nbd-tls", qemu(NETWORK_DISK.format("nbd", "export", " tls='yes'", "")), None, ""),
    # VL753 (at start): QEMU reaches Gluster, NBD and Sheepdog servers over TCP or a socket; an iSCSI LUN is a number
    ("gluster-rdma", qemu(NETWORK_DISK.format("gluster", "vol/img", "", "").replace("port='3260'", "port='24007' "
                                                                                      "transport='rdma'")), "VL753",
     "transport protocol 'rdma' is not yet supported"),
    ("gluster-tcp", qemu(NETWORK_DISK.format("gluster", "vol/img", "", "").replace("port='3260'", "port='24007' "
                                                                                     "transport='tcp'")), None, ""),
    ("iscsi-lun-word", qemu(NETWORK_DISK.format("iscsi", "iqn.2013-07.com.example:t/abc", "", "")), "VL753",
     "cannot parse target for lunStr 'iqn.2013-07.com.example:t'"),
    ("iscsi-lun-missing", qemu(NETWORK_DISK.format("iscsi", "iqn.2013-07.com.example:t/", "", "")), "VL753",
     "cannot parse target for lunStr 'iqn.2013-07.com.example:t'"),
    ("iscsi-lun-negative", qemu(NETWORK_DISK.format("iscsi", "iqn.2013-07.com.example:t/-1", "", "")), None, ""),
    ("iscsi-without-lun", qemu(NETWORK_DISK.format("iscsi", "iqn.2013-07.com.example:t", "", "")), None, ""),
    ("hostdev-iscsi-lun-word", qemu("<controller type='scsi' model='virtio-scsi'/><hostdev mode='subsystem' "
                                    "type='scsi'><source protocol='iscsi' name='iqn.2013-07.com.example:t/abc'><host "
                                    "name='example.com' port='3260'/></source></hostdev>"), "VL789",
     "cannot parse target for lunStr 'iqn.2013-07.com.example:t'"),
    ("hostdev-iscsi-lun", qemu("<controller type='scsi' model='virtio-scsi'/><hostdev mode='subsystem' type='scsi'>"
                               "<source protocol='iscsi' name='iqn.2013-07.com.example:t/1'><host name='example.com' "
                               "port='3260'/></source></hostdev>"), None, ""),
    ("http-backing-tls", qemu(NETWORK_DISK.format("nbd", "export", "", "<backingStore type='network'><format "
                                                  "type='raw'/><source protocol='https' name='/a.img' tls='yes'><host "
                                                  "name='example.com' port='443'/></source><backingStore/>"
                                                  "</backingStore>")), "VL753",
     "TLS transport is not supported for disk protocol 'https'"),
    ("luks-backing-plain", qemu(LUKS_BACKING.format("")), None, ""),
    ("luks2-ivgen", qemu(LUKS_DISK.format("<ivgen name='plain64'/>").replace("'luks'", "'luks2'")), "VL752",
     "luks2"),
]


AT_START = "shares '{}' must be in range [2, 262144] with cgroup v1, [1, 10000] with cgroup v2 (libvirt refuses to " \
           "start the domain)"


@pytest.mark.parametrize(("version", "shares", "error", "warning"), [
    ((9, 0), "1", "Value of cputune 'shares' must be in range [2, 262144]", None),
    ((9, 0), "262145", "Value of cputune 'shares' must be in range [2, 262144]", None),
    ((9, 0), "2", None, None), ((9, 0), "262144", None, AT_START.format(262144)),
    ((9, 0), "1024", None, None), ((10, 7), "10000", None, None),
    # at start the host's cgroups refuse 0 (9.0: "shares '0' must be in range [2, 262144]", checked), and what both
    # versions refuse; one version's refusal is a warning
    ((9, 0), "0", AT_START.format(0), None), ((10, 7), "0", AT_START.format(0), None),
    ((10, 7), "262145", AT_START.format(262145), None), ((10, 7), "1", None, AT_START.format(1)),
])
def test_cputune_shares_are_judged_as_libvirt_judges_them(version: tuple[int, int], shares: str, error: str | None,
                                                          warning: str | None) -> None:
    xml = qemu(extra=f"<cputune><shares>{shares}</shares></cputune>")
    findings = Linter([caps_from_text(Q35)], libvirt_version=version).lint_document(Document(xml, "t.xml")).findings
    assert [f.message for f in findings if f.severity is Severity.ERROR] == ([error] if error else [])
    assert [f.message.split(", on a host")[0] for f in findings if f.code == "VL211" and
            f.severity is Severity.WARNING] == ([warning] if warning else [])


@pytest.mark.parametrize(("xml", "code", "fragment"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_found_by_the_message_audit(xml: str, code: str | None, fragment: str) -> None:
    judged_as_libvirt(xml, code, fragment)


#: caps whose firmware autoselection offers efi only
EFI_ONLY = Q35.replace("</domainCapabilities>", "<os supported='yes'><enum name='firmware'><value>efi</value></enum>"
                                                "</os></domainCapabilities>")


@pytest.mark.parametrize(("firmware", "refused"), [("''", False), ("'efi'", False), ("'bios'", True)])
def test_an_empty_firmware_is_no_autoselection(firmware: str, refused: bool) -> None:
    """libvirt reads <os firmware> with virXPathString, for which '' is no value: firmware='' is defined as no
    autoselection at all (checked on libvirt 9.0), not as a firmware the caps lack."""
    xml = dom(extra="<features><acpi/></features>").replace("<os>", f"<os firmware={firmware}>")
    findings = Linter([caps_from_text(EFI_ONLY)]).lint_document(Document(xml, "t.xml")).findings
    assert [f.code for f in findings if f.severity is Severity.ERROR] == (["VL501"] if refused else [])


#: (a libvirt unsigned reader, and where it sits) -> a domain with {} for the value: libvirt's 'p' readers refuse any
#: '-', '-0' too (the exploratory mutation pass with '-0': 23 disagreements, each checked on libvirt 9.0)
UNSIGNED_READERS = {
    "virXMLPropUInt: an audio backend's buffer count": qemu(
        "<audio id='1' type='sdl'><input bufferCount='{}'/></audio>"),
    "a network host's port": qemu(
        "<disk type='network' device='disk'><driver name='qemu' type='raw'/><source protocol='nbd' name='e'><host "
        "name='example.com' port='{}'/></source><target dev='vda' bus='virtio'/></disk>"),
    # (shares 0 is refused at start by the host's cgroups: -01024 against 01024)
    "virXPathULongLong: cputune shares": qemu(extra="<cputune><shares>{}1024</shares></cputune>"),
    "virXPathULongLong: an interface's sndbuf": qemu(
        "<interface type='user'><model type='virtio'/><tune><sndbuf>{}</sndbuf></tune></interface>"),
    "virXPathUInt: a container idmap": dom(extra="<idmap><uid start='{}' target='1000' count='10'/><gid start='0' "
                                                 "target='1000' count='10'/></idmap>"),
}


@pytest.mark.parametrize("where", list(UNSIGNED_READERS))
def test_unsigned_readers_refuse_a_minus_zero(where: str) -> None:
    xml = UNSIGNED_READERS[where]
    refused = Linter([caps_from_text(Q35)]).lint_document(Document(xml.replace("{}", "-0"), "t.xml")).findings
    taken = Linter([caps_from_text(Q35)]).lint_document(Document(xml.replace("{}", "0"), "t.xml")).findings
    assert [f for f in refused if f.severity is Severity.ERROR]
    assert not [f for f in taken if f.severity is Severity.ERROR]
