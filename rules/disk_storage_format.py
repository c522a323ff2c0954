"""VL752 disk-storage-format: image formats QEMU cannot open directly, or that a disk feature excludes."""

from __future__ import annotations

from typing import Iterable

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Severity
from virtlint.rules._devices import (DiskFacts, DiskTableRule, disk_dst, disk_facts, disk_format, disk_is_empty,
                                     disks_with_extras, metadata_cache_sized)

#: Formats qemuDomainValidateStorageSource refuses outright: format -> (message, replacement).
REFUSED_FORMATS = {
    "cow": ("'cow' storage format is not supported", "qcow2"),
    "dir": ("'directory' storage format is not directly supported by QEMU, use 'dir' disk type instead", None),
    "iso": ("storage format 'iso' is not directly supported by QEMU, use 'raw' instead", "raw"),
}


def _sources(disk: etree._Element) -> list[etree._Element]:
    """The disk's <source> and its backing chain's (each with its own <format>)."""
    return [disk, *disk.iterfind(".//backingStore")]


def _format_of(node: etree._Element) -> tuple[str | None, etree._Element | None, str]:
    """(format, element, attribute) of a disk (<driver type>) or backingStore (<format type>)."""
    if node.tag == "disk":
        driver = node.find("driver")
        return (driver.get("type") if driver is not None else None), driver, "type"
    fmt = node.find("format")
    return (fmt.get("type") if fmt is not None else None), fmt, "type"


def refused_format(disk: etree._Element, ctx: Context) -> Iterable[Problem]:
    for node in _sources(disk):
        value, element, attribute = _format_of(node)
        if value in REFUSED_FORMATS:
            message, replacement = REFUSED_FORMATS[value]
            yield Problem(Anchor(element, attribute), message, hint=f"use type='{replacement}'" if replacement else
                          "use <disk type='dir'> with format 'fat' for a directory",
                          replacements=(replacement,) if replacement else ())
            return
        kind = (node.get("type") or "file") if node.tag == "disk" else node.get("type")
        if node.tag == "disk" and kind == "dir" and disk_is_empty(node) and not ctx.libvirt_at_least(10, 7):
            # libvirt 9.0 defines a 'dir' cdrom without a source whatever its format (checked on the daemon);
            # releases up to 10.7 were not checked, so 10.7 keeps the refusal its code reads as unconditional
            return
        if value == "fat" and kind not in ("dir", "volume"):
            yield Problem(Anchor(element, attribute), "storage format 'fat' is supported only with 'dir' storage type")
            return
        if kind == "dir" and value not in (None, "fat", "none"):
            yield Problem(Anchor(element, attribute), "storage type 'dir' requires use of storage format 'fat'",
                          replacements=("fat",))
            return
        if node.tag == "disk" and kind == "dir" and value in (None, "none"):
            # qemuDomainDeviceDiskDefPostParse gives a disk without a format 'raw' before validation
            yield Problem(Anchor(element, attribute) if element is not None else Anchor(node, "type"),
                          "storage type 'dir' requires use of storage format 'fat'",
                          hint="add <driver name='qemu' type='fat'/> (libvirt defaults a disk without a format to "
                               "raw)")
            return
        if node.tag == "disk" and kind == "dir" and node.find("readonly") is None:
            yield Problem(Anchor(node, "type"), "virtual FAT storage can't be accessed in read-write mode",
                          hint="add <readonly/>")
            return


def _encryption_problem(encryption: etree._Element, fmt: str | None,
                        format_element: etree._Element | None) -> Problem | None:
    """One layer's encryption: the qemu engine needs luks in a raw or qcow2 image."""
    kind = encryption.get("format")
    if kind in ("default", "qcow"):
        return Problem(Anchor(encryption, "format"), "old qcow/qcow2 encryption is not supported",
                       hint="use format='luks'", replacements=("luks",))
    if (encryption.get("engine") or "qemu") != "qemu":
        return None
    if kind in ("luks2", "luks-any"):
        return Problem(Anchor(encryption, "format"), f"'{kind}' is currently not supported by the qemu encryption "
                       "engine", replacements=("luks",))
    if kind == "luks" and fmt is not None and fmt not in ("raw", "qcow2"):
        return Problem(Anchor(format_element, "type"), "encryption is supported only with 'raw' and 'qcow2' image "
                       "format", replacements=("qcow2", "raw"))
    return None


def encryption_format(disk: etree._Element, ctx: Context) -> Iterable[Problem]:
    """qemuDomainValidateStorageSource, for the disk and each backing layer: encryption by format, and a backing
    layer's metadata cache (the disk's own is VL758's) only in qcow2."""
    for node in _sources(disk):
        if node.tag == "disk":
            encryption = disk.find("source/encryption")
            if encryption is None:
                encryption = disk.find("encryption")
            fmt, format_element = disk_format(disk), disk.find("driver")
        else:
            encryption = node.find("source/encryption")
            fmt, format_element, _attribute = _format_of(node)
            cache = format_element.find("metadata_cache") if format_element is not None else None
            if cache is not None and fmt != "qcow2" and metadata_cache_sized(cache):
                yield Problem(Anchor(cache), "metadata cache max size control is supported only with qcow2 images",
                              hint="remove it (or use a qcow2 backing image)")
                return
        if encryption is not None:
            problem = _encryption_problem(encryption, fmt, format_element)
            if problem is not None:
                yield problem
                return


def shareable_format(disk: etree._Element, ctx: Context) -> Iterable[Problem]:
    """qemuValidateDomainDeviceDefDisk: concurrent access to a writable image needs raw."""
    if disk.find("shareable") is None or disk.find("readonly") is not None:
        return
    fmt = disk_format(disk)
    if fmt is not None and fmt != "raw":
        yield Problem(Anchor(disk.find("driver"), "type"),
                      f"shared access for disk '{disk_dst(disk)}' requires use of supported storage format",
                      hint="shareable writable disks must be raw", replacements=("raw",))


def driver_name(disk: etree._Element, ctx: Context) -> Iterable[Problem]:
    """qemuValidateDomainDeviceDefDisk: the QEMU driver opens disks itself: the driver's name, when given, is qemu."""
    driver = disk.find("driver")
    name = driver.get("name") if driver is not None else None
    if name is not None and name != "qemu":
        yield Problem(Anchor(driver, "name"), f"unsupported driver name '{name}' for disk '{disk_dst(disk)}'",
                      hint="use name='qemu' (or leave it out)", replacements=("qemu",))


def driver_options(disk: etree._Element, ctx: Context) -> Iterable[Problem]:
    """virDomainDiskDefDriverParseXML: no read error policy 'enospace'; qemuValidateDomainDeviceDefDiskFrontend:
    copy-on-read only on a writable, non-removable, non-lun disk."""
    driver = disk.find("driver")
    if driver is None:
        return
    if driver.get("rerror_policy") == "enospace":
        yield Problem(Anchor(driver, "rerror_policy"), "Invalid disk read error policy: 'enospace'",
                      hint="a read cannot run out of space: use stop, report or ignore",
                      replacements=("stop", "report", "ignore"))
        return
    if driver.get("copy_on_read") != "on":
        return
    device, dst = disk.get("device", "disk"), disk_dst(disk)
    # (libvirt makes a CD-ROM read-only when it parses it)
    if disk.find("readonly") is not None or device == "cdrom":
        message = f"copy_on_read is not compatible with read-only disk '{dst}'"
    elif device == "floppy":
        message = f"copy_on_read is not supported with removable disk '{dst}'"
    elif device == "lun":
        message = f"copy_on_read is not compatible with 'lun' disk '{dst}'"
    else:
        return
    yield Problem(Anchor(driver, "copy_on_read"), message, hint="remove copy_on_read=", replacements=("off",))


CHECKS = (refused_format, encryption_format, shareable_format, driver_name, driver_options)


def _suspects(facts: list[DiskFacts], extras: set[etree._Element]) -> list[etree._Element]:
    """The disks CHECKS may report on, in document order; they certainly report nothing on the others: a disk
    not of type 'dir', whose format is neither refused nor 'fat', without <shareable/> nor (``extras``: disks
    that have them) a backing chain or encryption (usually none is suspect)."""
    suspects = []
    for disk, children, _device, kind, _target, _dev, _bus, _more in facts:
        if "shareable" in children or kind == "dir" or disk in extras:
            suspects.append(disk)
            continue
        driver = children.get("driver")
        if driver is not None:
            value = driver.get("type")
            if value in REFUSED_FORMATS or value == "fat" or driver.get("name") not in (None, "qemu") or \
                    driver.get("copy_on_read") == "on" or driver.get("rerror_policy") == "enospace":
                suspects.append(disk)
    return suspects


@register
class DiskStorageFormat(DiskTableRule):
    """
    ## What it does
    Reports disk image formats QEMU does not open directly (`cow`, `dir`,
    `iso`, `fat` outside a `dir` disk, a `dir` disk in another format), disk
    encryption that is not luks in a raw or qcow2 image, and a shareable
    writable disk in a format other than raw, a `<driver name>` other
    than `qemu` (`unsupported driver name 'qemuu' for disk 'vda'`,
    qemuValidateDomainDeviceDefDisk), `rerror_policy='enospace'` (`Invalid
    disk read error policy: 'enospace'`, virDomainDiskDefDriverParseXML), and
    `copy_on_read='on'` on a read-only, removable or lun disk
    (`copy_on_read is not compatible with read-only disk 'vda'`,
    qemuValidateDomainDeviceDefDiskFrontend). A `dir` cdrom without a source
    is not checked when modelling libvirt before 10.7: 9.0 defines it in any
    format (checked on the daemon).

    ## Why is this bad?
    libvirt refuses the domain when it is defined. Messages modelled:
    `'cow' storage format is not supported`, `'directory' storage format is
    not directly supported by QEMU, use 'dir' disk type instead`, `storage
    format 'iso' is not directly supported by QEMU, use 'raw' instead`,
    `encryption is supported only with 'raw' and 'qcow2' image format`, `old
    qcow/qcow2 encryption is not supported` (qemuDomainValidateStorageSource),
    `shared access for disk 'vda' requires use of supported storage format`
    (qemuValidateDomainDeviceDefDisk). Stage: define; driver: QEMU. Same in
    libvirt 9.0 and 10.7. A disk without `<driver type>` gets its format from
    libvirt or the pool, so it is not judged.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><disk type='file' device='cdrom'><driver name='qemu' type='iso'/>
        <source file='/var/lib/libvirt/images/a.iso'/><target dev='sdb' bus='sata'/><readonly/></disk>
      </devices></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><disk type='file' device='cdrom'><driver name='qemu' type='raw'/>
        <source file='/var/lib/libvirt/images/a.iso'/><target dev='sdb' bus='sata'/><readonly/></disk>
      </devices></domain>
    ```
    """

    code = "VL752"
    name = "disk-storage-format"
    severity = Severity.ERROR
    summary = "A disk image format (or driver name) QEMU cannot use for this disk."
    checks = CHECKS

    def suspects(self, devices: etree._Element, ctx: Context) -> list[etree._Element]:
        return _suspects(disk_facts(ctx, devices), disks_with_extras(ctx, devices))
