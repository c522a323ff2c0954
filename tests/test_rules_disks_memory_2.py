"""Refusals of disks and memory devices that libvirt 9.0 gives and no rule gave (the probes of
domain_validate.c and domain_conf.c): every setting virDomainDiskVhostUserValidate refuses on a vhost-user disk,
an encrypted LUN, a floppy or hard disk target of the other kind's name, a virtio-pmem with discard or private
access, a memory device nodemask naming no node, and a slice offset of '-0'. Each with its valid twin, and the
settings libvirt holds as unset (cache='default', an empty <iotune>, <serial/>, <wwn/>, <vendor/>, a zero
geometry or block size, a slice it does not read), which it accepts."""

from __future__ import annotations

import pytest

from conftest import caps_from_text
from test_rules_parse_checks import Q35, dom
from test_rules_parse_checks import test_parse_checks as judged_as_libvirt
from virtlint.linter.document import Document
from virtlint.linter.engine import Linter
from virtlint.linter.model import Severity


def qemu(devices: str = "", *, extra: str = "", machine: str = "q35") -> str:
    return dom(devices, extra=extra, machine=machine, dtype="qemu")


SHARED = "<memoryBacking><source type='memfd'/><access mode='shared'/></memoryBacking>"


def vhu(driver: str = "", inside: str = "", *, extra: str = "", source: str = "", dom_extra: str = "") -> str:
    """A vhost-user disk (libvirt 9.0 defines it bare) with driver attributes, driver children, disk children or
    source children."""
    return qemu("<disk type='vhostuser' device='disk'>"
                f"<driver name='qemu' type='raw'{driver}>{inside}</driver>"
                "<source type='unix' path='/tmp/vhost.sock'><reconnect enabled='yes' timeout='10'/>"
                f"{source}</source><target dev='vda' bus='virtio'/>{extra}</disk>", extra=SHARED + dom_extra)


ENC = ("<encryption format='{}'><secret type='passphrase' uuid='0a81f5b2-8403-7b23-c8d6-21ccc2f80d6f'/>"
       "</encryption>")
AUTH = "<auth username='u'><secret type='iscsi' usage='x'/></auth>"
NOT = "is not supported with vhostuser disk"

CASES = [
    ("vhu-bare", vhu(), None, ""),
    # VL758: virDomainDiskVhostUserValidate, in its order
    ("vhu-cache", vhu(" cache='none'"), "VL758", f"cache {NOT}"),
    ("vhu-cache-default", vhu(" cache='default'"), None, ""),
    ("vhu-error-policy", vhu(" error_policy='stop'"), "VL758", f"error_policy {NOT}"),
    ("vhu-rerror-policy", vhu(" rerror_policy='ignore'"), "VL758", f"error_policy {NOT}"),
    ("vhu-io-threads", vhu(" io='threads'"), "VL758", f"io {NOT}"),
    ("vhu-io-native", vhu(" io='native'"), "VL758", f"io {NOT}"),
    ("vhu-ioeventfd", vhu(" ioeventfd='off'"), "VL758", f"ioeventfd {NOT}"),
    ("vhu-copy-on-read", vhu(" copy_on_read='on'"), "VL758", f"copy_on_read {NOT}"),
    ("vhu-discard", vhu(" discard='unmap'"), "VL758", f"discard {NOT}"),
    ("vhu-iothread", vhu(" iothread='1'", dom_extra="<iothreads>1</iothreads>"), "VL758", f"iothread {NOT}"),
    ("vhu-detect-zeroes", vhu(" detect_zeroes='off'"), "VL758", f"detect_zeroes {NOT}"),
    ("vhu-metadata-cache", vhu(inside="<metadata_cache><max_size unit='KiB'>10</max_size></metadata_cache>"),
     "VL758", f"metadata_cache {NOT}"),
    ("vhu-metadata-cache-zero", vhu(inside="<metadata_cache><max_size unit='KiB'>0</max_size></metadata_cache>"),
     None, ""),
    ("vhu-iotune", vhu(extra="<iotune><total_bytes_sec>10000</total_bytes_sec></iotune>"), "VL758", f"iotune {NOT}"),
    ("vhu-iotune-size-iops", vhu(extra="<iotune><size_iops_sec>5</size_iops_sec></iotune>"), "VL758",
     f"iotune {NOT}"),
    ("vhu-iotune-empty", vhu(extra="<iotune/>"), None, ""),
    ("vhu-iotune-zero", vhu(extra="<iotune><total_bytes_sec>0</total_bytes_sec></iotune>"), None, ""),
    ("vhu-backing-store", vhu(extra="<backingStore type='file'><format type='raw'/><source "
                                    "file='/var/lib/libvirt/images/b.img'/></backingStore>"), "VL758",
     f"backingStore {NOT}"),
    ("vhu-backing-store-end", vhu(extra="<backingStore/>"), "VL758", f"backingStore {NOT}"),
    ("vhu-encryption", vhu(extra=ENC.format("luks")), "VL758", f"encryption {NOT}"),
    ("vhu-encryption-in-source", vhu(source=ENC.format("luks")), "VL758", f"encryption {NOT}"),
    ("vhu-readonly", vhu(extra="<readonly/>"), "VL758", f"readonly {NOT}"),
    ("vhu-shareable", vhu(extra="<shareable/>"), "VL758", f"shareable {NOT}"),
    ("vhu-transient", vhu(extra="<transient/>"), "VL758", f"transient {NOT}"),
    ("vhu-serial", vhu(extra="<serial>abc</serial>"), "VL758", f"serial {NOT}"),
    ("vhu-serial-empty", vhu(extra="<serial/>"), None, ""),
    ("vhu-wwn", vhu(extra="<wwn>5000c50015ea71ac</wwn>"), "VL758", f"wwn {NOT}"),
    ("vhu-wwn-empty", vhu(extra="<wwn></wwn>"), None, ""),
    ("vhu-vendor", vhu(extra="<vendor>ab</vendor>"), "VL758", f"vendor {NOT}"),
    ("vhu-vendor-empty", vhu(extra="<vendor/>"), None, ""),
    ("vhu-product-empty", vhu(extra="<product/>"), None, ""),
    ("vhu-auth", vhu(extra=AUTH), "VL758", f"auth {NOT}"),
    ("vhu-auth-in-source", vhu(source=AUTH), "VL758", f"auth {NOT}"),
    ("vhu-geometry", vhu(extra="<geometry cyls='16383' heads='16' secs='63'/>"), "VL758", f"geometry {NOT}"),
    ("vhu-geometry-heads", vhu(extra="<geometry heads='4'/>"), "VL758", f"geometry {NOT}"),
    ("vhu-geometry-trans", vhu(extra="<geometry trans='lba'/>"), "VL758", f"geometry {NOT}"),
    ("vhu-geometry-zero", vhu(extra="<geometry cyls='0' heads='0' secs='0'/>"), None, ""),
    ("vhu-blockio", vhu(extra="<blockio logical_block_size='512'/>"), "VL758", f"blockio {NOT}"),
    ("vhu-blockio-physical", vhu(extra="<blockio physical_block_size='4096'/>"), "VL758", f"blockio {NOT}"),
    ("vhu-blockio-zero", vhu(extra="<blockio logical_block_size='0' physical_block_size='0'/>"), None, ""),
    # VL751: virDomainDiskDefSourceLUNValidate
    ("lun-encrypted", qemu("<controller type='scsi' model='virtio-scsi'/><disk type='block' device='lun'>"
                           "<driver name='qemu' type='raw'/><source dev='/dev/sda'/><target dev='sda' bus='scsi'/>"
                           + ENC.format("luks") + "</disk>"), "VL751", "disk device 'lun' doesn't support encryption"),
    ("lun-encrypted-in-source", qemu("<controller type='scsi' model='virtio-scsi'/><disk type='block' device='lun'>"
                                     "<driver name='qemu' type='raw'/><source dev='/dev/sda'>" + ENC.format("luks")
                                     + "</source><target dev='sda' bus='scsi'/></disk>"), "VL751",
     "disk device 'lun' doesn't support encryption"),
    ("lun-clear", qemu("<controller type='scsi' model='virtio-scsi'/><disk type='block' device='lun'>"
                       "<driver name='qemu' type='raw'/><source dev='/dev/sda'/><target dev='sda' bus='scsi'/>"
                       "</disk>"), None, ""),
    # VL751: an empty <vendor/> or <product/> is none
    ("vendor-empty-on-virtio", qemu("<disk type='file' device='disk'><driver name='qemu' type='raw'/><source "
                                    "file='/var/lib/libvirt/images/a.img'/><target dev='vda' bus='virtio'/>"
                                    "<vendor></vendor><product/></disk>"), None, ""),
    ("vendor-on-virtio", qemu("<disk type='file' device='disk'><driver name='qemu' type='raw'/><source "
                              "file='/var/lib/libvirt/images/a.img'/><target dev='vda' bus='virtio'/>"
                              "<vendor>x</vendor></disk>"), "VL751", "Only scsi disk supports vendor and product"),
    ("wwn-empty-on-virtio", qemu("<disk type='file' device='disk'><driver name='qemu' type='raw'/><source "
                                 "file='/var/lib/libvirt/images/a.img'/><target dev='vda' bus='virtio'/><wwn/>"
                                 "</disk>"), None, ""),
]

FLOPPY = ("<disk type='file' device='floppy'><driver name='qemu' type='raw'/>"
          "<source file='/var/lib/libvirt/images/f.img'/><target dev='{}'{}/></disk>")
HARD = ("<disk type='file' device='disk'><driver name='qemu' type='raw'/>"
        "<source file='/var/lib/libvirt/images/a.img'/><target dev='{}' bus='virtio'/></disk>")
SLICE = ("<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='/tmp/a.img'><slices>{}</slices>"
         "</source><target dev='vda' bus='virtio'/></disk>")
#: (with ACPI, which a DIMM needs at start)
MEM = ("<features><acpi/></features><maxMemory slots='4'>4194304</maxMemory><cpu><numa><cell id='0' cpus='0' memory='262144' unit='KiB'/></numa>"
       "</cpu>")
PMEM = ("<memory model='virtio-pmem'{}><source><path>/tmp/pmem</path></source><target><size unit='KiB'>131072"
        "</size></target></memory>")
DIMM = ("<memory model='dimm'><source><nodemask>{}</nodemask></source><target><size unit='KiB'>131072</size>"
        "<node>0</node></target></memory>")
VMEM = ("<memory model='virtio-mem'><source><nodemask>{}</nodemask></source><target><size unit='KiB'>131072</size>"
        "<node>0</node><block unit='KiB'>2048</block><requested unit='KiB'>0</requested></target></memory>")

CASES += [
    # VL750: virDomainDiskDefValidate's names of each kind
    ("floppy-named-hda", qemu(FLOPPY.format("hda", " bus='fdc'"), machine="pc"), "VL750",
     "Invalid floppy device name: hda"),
    ("floppy-named-sda-no-bus", qemu(FLOPPY.format("sda", ""), machine="pc"), "VL750",
     "Invalid floppy device name: sda"),
    ("floppy-named-vda", qemu(FLOPPY.format("vda", " bus='fdc'"), machine="pc"), "VL750",
     "Invalid floppy device name: vda"),
    ("floppy-named-fda", qemu(FLOPPY.format("fda", " bus='fdc'"), machine="pc"), None, ""),
    ("floppy-named-Fda", qemu(FLOPPY.format("Fda", " bus='fdc'"), machine="pc"), "VL750",
     "invalid disk target 'Fda'"),
    ("disk-named-fda", qemu(HARD.format("fda")), "VL750", "Invalid harddisk device name: fda"),
    ("disk-named-vdb", qemu(HARD.format("vdb")), None, ""),
    # VL759: virDomainStorageSourceParseSlice reads the first storage slice with virStrToLong_ullp
    ("slice-offset-minus-zero", qemu(SLICE.format("<slice type='storage' offset='-0' size='1024'/>")), "VL759",
     "malformed value '-0' of 'offset' attribute of slice"),
    ("slice-offset-blank-minus-zero", qemu(SLICE.format("<slice type='storage' offset=' -0' size='1024'/>")),
     "VL759", "malformed value ' -0' of 'offset' attribute of slice"),
    ("slice-size-minus-zero", qemu(SLICE.format("<slice type='storage' offset='0' size='-0'/>")), "VL759",
     "malformed value '-0' of 'size' attribute of slice"),
    ("slice-offset-zero", qemu(SLICE.format("<slice type='storage' offset='0' size='1024'/>")), None, ""),
    ("slice-offset-empty", qemu(SLICE.format("<slice type='storage' offset='' size='1024'/>")), "VL759",
     "missing offset or size attribute of slice"),
    ("slice-second-unread", qemu(SLICE.format("<slice type='storage' offset='0' size='1024'/>"
                                              "<slice type='storage' offset='x' size='1'/>")), None, ""),
    ("slice-untyped-unread", qemu(SLICE.format("<slice offset='x' size='1024'/>")), None, ""),
    # VL797: virDomainMemoryDefValidate's virtio-pmem; virDomainMemorySourceDefParseXML's nodemask
    ("pmem-discard", qemu(PMEM.format(" discard='yes'"), extra=MEM), "VL797",
     "discard is not supported for model 'virtio-pmem'"),
    ("pmem-discard-no", qemu(PMEM.format(" discard='no'"), extra=MEM), None, ""),
    ("pmem-private", qemu(PMEM.format(" access='private'"), extra=MEM), "VL797",
     "shared access mode required for virtio-pmem device"),
    ("pmem-shared", qemu(PMEM.format(" access='shared'"), extra=MEM), None, ""),
    ("pmem-access-absent", qemu(PMEM.format(""), extra=MEM), None, ""),
    ("dimm-nodemask-cleared", qemu(DIMM.format("0,^0"), extra=MEM), "VL797", "Invalid value of 'nodemask': 0,^0"),
    ("dimm-nodemask-blank-cleared", qemu(DIMM.format(" 1 , ^1 "), extra=MEM), "VL797",
     "Invalid value of 'nodemask':  1 , ^1 "),
    ("dimm-nodemask-0", qemu(DIMM.format("0"), extra=MEM), None, ""),
    ("dimm-nodemask-empty", qemu(DIMM.format(""), extra=MEM), None, ""),
    ("virtio-mem-nodemask-cleared", qemu(VMEM.format("1,^1"), extra=MEM), "VL797",
     "Invalid value of 'nodemask': 1,^1"),
    ("virtio-mem-nodemask-0", qemu(VMEM.format("0"), extra=MEM), None, ""),
]


@pytest.mark.parametrize(("xml", "code", "fragment"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_disks_and_memory_as_libvirt_judges_them(xml: str, code: str | None, fragment: str) -> None:
    judged_as_libvirt(xml, code, fragment)


def _errors(xml: str, version: tuple[int, int]) -> list[str]:
    findings = Linter([caps_from_text(Q35)], libvirt_version=version).lint_document(Document(xml, "t.xml")).findings
    return [f"{f.code}:{f.message}" for f in findings if f.severity is Severity.ERROR]


@pytest.mark.parametrize(("version", "refused"), [((9, 0), False), ((9, 8), True), ((10, 7), True)])
def test_vhost_user_discard_granularity_follows_the_release(version: tuple[int, int], refused: bool) -> None:
    """libvirt 9.0 does not read blockio's discard_granularity (it defines the disk, checked); 9.8 does, and then
    refuses it on a vhost-user disk."""
    errors = _errors(vhu(extra="<blockio discard_granularity='4096'/>"), version)
    assert errors == ([f"VL758:blockio {NOT}"] if refused else [])


def test_vhost_user_refusal_comes_before_the_qemu_driver_checks() -> None:
    """libvirt validates a vhost-user disk before QEMU checks its driver: its word, reported once."""
    assert _errors(vhu(" io='native'"), (10, 7)) == [f"VL758:io {NOT}"]


@pytest.mark.parametrize("child", ["<vendor>ACME</vendor>", "<product>Disk</product>"])
def test_vhost_user_vendor_is_refused_once_in_libvirts_words(child: str) -> None:
    """virDomainDiskVhostUserValidate refuses it before QEMU's frontend check (VL751's 'Only scsi disk supports
    vendor and product') would: one error (checked with libvirt 9.0)."""
    tag = child[1:child.index(">")]
    assert _errors(vhu(extra=child), (10, 7)) == [f"VL758:{tag} {NOT}"]
