"""VL758 disk-options: disk settings that belong to other buses, devices or disk types: QEMU's I/O mode and cache,
geometry, rotation rate, serial, wwn, LUN-only settings, startup policies, transient disks, vhost-user disks,
throttling limits."""

from __future__ import annotations

from typing import Iterable, Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.lazy_re import lazy_compile
from virtlint.linter.model import Anchor, Context, Problem, Rule, Screen, Severity
from virtlint.linter.units import ULLONG_MAX, c_decimal, parse_uint, prop_uint, scaled_bytes
from virtlint.rules._addresses import disk_bus
from virtlint.rules._devices import (QEMU_START, disk_dst, disk_facts, metadata_cache_sized, qemu_driver,
                                     refused_since, run_checks)
from virtlint.rules._libvirt_enums import ACCEPTED
from virtlint.rules._storage import storage_slice
from virtlint.rules._support import NOTHING, first_child, string_value, text_child

VIRTIO_OPTIONS = ("iommu", "ats", "packed", "page_per_vq")
#: qemuValidateDomainDeviceDefDiskSerial's safe characters
_SAFE_SERIAL = lazy_compile(r"[A-Za-z0-9_ .+-]*")
#: QEMU_BLOCK_IOTUNE_MAX
IOTUNE_MAX = 1000000000000000
IOTUNE_LIMITED = tuple(f"{kind}_{unit}_sec{suffix}" for kind in ("total", "read", "write")
                       for unit in ("bytes", "iops") for suffix in ("", "_max")) + ("size_iops_sec",)
#: the numbers of an <iotune> (virDomainBlockIoTuneInfo), in virDomainBlockIoTuneInfoEqual's order
IOTUNE_FIELDS = IOTUNE_LIMITED + tuple(f"{kind}_{unit}_sec_max_length" for kind in ("total", "read", "write")
                                       for unit in ("bytes", "iops"))
IOTUNE_NONE = (0,) * len(IOTUNE_FIELDS)
#: the disk types whose source is local storage (virDomainDiskDefValidateStartupPolicy)
LOCAL_TYPES = ("file", "block", "dir", "volume")


def frontend(disk: etree._Element, ctx: Context) -> Iterable[Problem]:
    """qemuValidateDomainDeviceDefDiskFrontend: geometry, rotation rate, serial, wwn (the I/O mode and cache are
    judged at the driver)."""
    device, bus = disk.get("device") or "disk", disk_bus(disk)
    geometry = first_child(disk, "geometry")
    if geometry is not None and all(parse_uint(geometry.get(name)) for name in ("cyls", "heads", "secs")):
        if bus in ("usb", "sd"):
            yield Problem(Anchor(geometry), f"CHS geometry can not be set for '{bus}' bus", hint="remove <geometry>")
            return
        if geometry.get("trans") in ("none", "auto", "lba") and bus != "ide":
            yield Problem(Anchor(geometry, "trans"), f"CHS translation mode can only be set for 'ide' bus not '{bus}'",
                          hint="remove trans=")
            return
    target = first_child(disk, "target")
    rotation = parse_uint(target.get("rotation_rate")) if target is not None else None
    if rotation:
        if bus not in ("scsi", "ide", "sata"):
            yield Problem(Anchor(target, "rotation_rate"), "rotation rate is only valid for SCSI/IDE/SATA bus",
                          hint="remove rotation_rate=")
            return
        if device != "disk":
            yield Problem(Anchor(target, "rotation_rate"), "rotation rate is only valid for disk device",
                          hint="remove rotation_rate=")
            return
        if rotation > MAX_ROTATION_RATE and qemu_driver(ctx):
            # (libvirt reads 32 bits and writes them as the scsi-hd or ide-hd rotation_rate, a uint16 to QEMU)
            yield Problem(Anchor(target, "rotation_rate"), "Parameter 'rotation_rate' expects uint16_t" + QEMU_START,
                          hint=f"a rotation rate up to {MAX_ROTATION_RATE} rpm (1: a solid-state disk)")
            return
    serial = first_child(disk, "serial")
    text = string_value(serial) if serial is not None else ""
    if text and not _SAFE_SERIAL.fullmatch(text):
        yield Problem(Anchor(serial, text=True), f"driver serial '{text}' contains unsafe characters",
                      hint="letters, digits, '-', '_', '.', '+' and spaces only")
        return
    if text and bus == "sd":  # (qemuValidateDomainDeviceDefDiskFrontend: QEMU's sd-card has no serial property)
        yield Problem(Anchor(serial), "Serial property not supported for drive bus 'sd'", hint="remove <serial>")
        return
    wwn = text_child(disk, "wwn")
    if wwn is not None and bus not in ("ide", "scsi"):
        yield Problem(Anchor(wwn), "Only ide and scsi disk support wwn", hint="remove <wwn>")
        return
    if device == "lun" and bus == "scsi":
        if wwn is not None:
            yield Problem(Anchor(wwn), "Setting wwn is not supported for lun device", hint="remove <wwn>")
        elif serial is not None and text:
            yield Problem(Anchor(serial), "scsi-block 'lun' devices do not support the serial property",
                          hint="remove <serial>")


def lun_only(disk: etree._Element, ctx: Context) -> Iterable[Problem]:
    """virDomainDiskDefValidate: sgio, rawio and reservations belong to LUNs; virDomainDiskDefSourceLUNValidate:
    a LUN has no slices."""
    device = disk.get("device") or "disk"
    if disk.get("sgio") == "unfiltered":
        yield Problem(Anchor(disk, "sgio"), "unfiltered sgio is no longer supported", replacements=("filtered",))
        return
    source = first_child(disk, "source")
    if device != "lun":
        if source is not None and first_child(source, "reservations") is not None:
            yield Problem(Anchor(first_child(source, "reservations")), "<reservations/> allowed only for lun devices")
            return
        for name in ("rawio", "sgio"):
            if disk.get(name) is not None:
                yield Problem(Anchor(disk, name), f"{name} can be used only with device='lun'",
                              hint=f"remove {name}=, or use device='lun'")
                return
    elif (slice_ := storage_slice(source)) is not None:
        yield Problem(Anchor(slice_.getparent()), "disk device 'lun' doesn't support storage slice",
                      hint="remove <slices>")


def startup_policy(disk: etree._Element, ctx: Context) -> Iterable[Problem]:
    """virDomainDiskDefValidateStartupPolicy: a policy for local storage only; requisite for removable media."""
    source = first_child(disk, "source")
    policy = source.get("startupPolicy") if source is not None else None
    if policy not in ("mandatory", "requisite", "optional"):
        return
    kind = disk.get("type") or "file"
    if kind not in LOCAL_TYPES:
        yield Problem(Anchor(source, "startupPolicy"),
                      f"disk startupPolicy '{policy}' is not allowed for disk of '{kind}' type",
                      hint="remove startupPolicy=")
    elif policy == "requisite" and (disk.get("device") or "disk") not in ("cdrom", "floppy"):
        yield Problem(Anchor(source, "startupPolicy"), "disk startupPolicy 'requisite' is allowed only for cdrom or "
                      "floppy", replacements=("optional", "mandatory"))


def transient(disk: etree._Element, ctx: Context) -> Iterable[Problem]:
    """qemuValidateDomainDeviceDefDiskTransient."""
    element = first_child(disk, "transient")
    if element is None:
        return
    if first_child(disk, "readonly") is not None:
        yield Problem(Anchor(element), f"transient disk '{disk_dst(disk)}' must not be read-only",
                      hint="remove <readonly/> or <transient/>")
    elif (disk.get("type") or "file") != "file":
        yield Problem(Anchor(element), f"transient disk supported only with 'file' type ({disk_dst(disk)})")
    elif (disk.get("device") or "disk") != "disk":
        yield Problem(Anchor(element), f"transient disk supported only with 'disk' type ({disk_dst(disk)})")
    elif element.get("shareBacking") == "yes" and disk_bus(disk) not in ("usb", "virtio", "scsi"):
        yield Problem(Anchor(element, "shareBacking"),
                      f"disk bus '{disk_bus(disk)}' doesn't support transiend disk backing image sharing")


def virtio_only(disk: etree._Element) -> Iterable[Problem]:
    """virDomainDiskDefValidate: options of the virtio bus only."""
    driver = first_child(disk, "driver")
    if driver is None or disk_bus(disk) in (None, "virtio"):
        return
    for name, message in (("event_idx", "disk event_idx mode supported only for virtio bus"),
                          ("ioeventfd", "disk ioeventfd mode supported only for virtio bus")):
        if driver.get(name) in ("on", "off"):
            yield Problem(Anchor(driver, name), message, hint=f"remove {name}=")
            return
    for name in VIRTIO_OPTIONS:
        if driver.get(name) in ("on", "off"):
            yield Problem(Anchor(driver, name), f"{name} driver option is only supported for virtio devices",
                          hint=f"remove {name}=")
            return


#: the <driver> attributes a vhost-user disk may not set, in virDomainDiskVhostUserValidate's order, with the word
#: its message names (a value the parser refuses is VL850's; cache='default' sets nothing)
_VHOST_USER_DRIVER = (("cache", "cache"), ("error_policy", "error_policy"), ("rerror_policy", "error_policy"),
                      ("io", "io"), ("ioeventfd", "ioeventfd"), ("copy_on_read", "copy_on_read"),
                      ("discard", "discard"), ("iothread", "iothread"), ("detect_zeroes", "detect_zeroes"))


def _driver_sets(driver: etree._Element, name: str) -> bool:
    """Whether libvirt holds this <driver> attribute as set (parsed, and not its default)."""
    value = driver.get(name)
    if value is None:
        return False
    if name == "iothread":  # (virXMLPropUInt, NONZERO: a 0 is the parser's error)
        return bool(prop_uint(value, 10))
    return value != "default" and value in ACCEPTED.get(("devices/disk/driver", name), ())


def _vhost_user_refusal(disk: etree._Element, driver: etree._Element | None,
                        ctx: Context) -> tuple[Anchor, str, str] | None:
    """virDomainDiskVhostUserValidate's refusals after the bus and snapshot ones: (anchor, the word, the hint)."""
    if driver is not None:
        for name, what in _VHOST_USER_DRIVER:
            if _driver_sets(driver, name):
                return Anchor(driver, name), what, f"remove {name}="
        cache = first_child(driver, "metadata_cache")
        if cache is not None and metadata_cache_sized(cache):
            return Anchor(cache), "metadata_cache", "remove <metadata_cache>"
    iotune = first_child(disk, "iotune")
    if iotune is not None and (any(_iotune_settings(iotune)) or text_child(iotune, "group_name") is not None):
        return Anchor(iotune), "iotune", "remove <iotune>"
    backing = first_child(disk, "backingStore")  # (even the chain's terminator, <backingStore/>, is one)
    if backing is not None:
        return Anchor(backing), "backingStore", "remove <backingStore>"
    source = first_child(disk, "source")
    encryption = first_child(source, "encryption") if source is not None else None
    encryption = encryption if encryption is not None else first_child(disk, "encryption")
    if encryption is not None:
        return Anchor(encryption), "encryption", "remove <encryption>"
    for tag, what in (("readonly", "readonly"), ("shareable", "shareable"), ("transient", "transient")):
        element = first_child(disk, tag)
        if element is not None:
            return Anchor(element), what, f"remove <{tag}>"
    for tag in ("serial", "wwn", "vendor", "product"):
        element = text_child(disk, tag)
        if element is not None:
            return Anchor(element), tag, f"remove <{tag}>"
    auth = first_child(source, "auth") if source is not None else None
    auth = auth if auth is not None else first_child(disk, "auth")
    if auth is not None:
        return Anchor(auth), "auth", "remove <auth>"
    geometry = first_child(disk, "geometry")
    if geometry is not None:
        for name in ("cyls", "heads", "secs"):
            if prop_uint(geometry.get(name), 10):
                return Anchor(geometry, name), "geometry", "remove <geometry>"
        if geometry.get("trans") in ACCEPTED.get(("devices/disk/geometry", "trans"), ()):
            return Anchor(geometry, "trans"), "geometry", "remove <geometry>"
    blockio = first_child(disk, "blockio")
    if blockio is not None:
        # (discard_granularity: libvirt 9.0 does not read it, 9.8 does; the releases between are unchecked)
        names = ("logical_block_size", "physical_block_size") + \
            (("discard_granularity",) if refused_since(ctx, 9, 8) else ())
        for name in names:
            if prop_uint(blockio.get(name), 10):
                return Anchor(blockio, name), "blockio", "remove <blockio>"
    return None


def vhost_user(disk: etree._Element, ctx: Context) -> Iterable[Problem]:
    """virDomainDiskSourceVHostUserParse (a unix socket) and virDomainDiskVhostUserValidate (virDomainDiskDefValidate):
    a vhost-user disk is on virtio and has none of the driver's, source's or disk's settings QEMU's own block layer
    would apply."""
    if disk.get("type") != "vhostuser":
        return
    source = first_child(disk, "source")
    if source is not None and (source.get("type") != "unix" or source.get("path") is None):
        if source.get("type") is None:
            yield Problem(Anchor(source), "missing 'type' attribute for vhostuser disk source", hint="add type='unix'")
        elif source.get("type") != "unix":
            yield Problem(Anchor(source, "type"), "invalid 'type' attribute for vhostuser disk source",
                          replacements=("unix",))
        else:
            yield Problem(Anchor(source), "missing 'path' attribute for vhostuser disk source",
                          hint="name the vhost-user-blk server's socket: path='/run/...sock'")
        return
    if disk_bus(disk) not in (None, "virtio"):
        yield Problem(Anchor(first_child(disk, "target"), "bus"), "vhostuser disk supports only virtio bus",
                      replacements=("virtio",))
        return
    if disk.get("snapshot") not in (None, "no"):
        yield Problem(Anchor(disk, "snapshot"), "only snapshot=no is supported with vhostuser disk",
                      replacements=("no",))
        return
    refusal = _vhost_user_refusal(disk, first_child(disk, "driver"), ctx)
    if refusal is not None:
        anchor, what, hint = refusal
        yield Problem(anchor, f"{what} is not supported with vhostuser disk", hint=hint)


def vhost_vdpa(disk: etree._Element, ctx: Context) -> Iterable[Problem]:
    """qemuValidateDomainDeviceDefDisk: QEMU's vhost-vDPA block device bypasses the host page cache, so the disk
    says so (cache='none' or 'directsync'; the default is neither). Read from 10.7's source: 9.0 has no such disk,
    and 9.8, which added it, is taken to check it too."""
    if disk.get("type") != "vhostvdpa" or not refused_since(ctx, 9, 8):
        return
    driver = first_child(disk, "driver")
    cache = driver.get("cache") if driver is not None else None
    if cache in ("none", "directsync"):
        return
    anchor = Anchor(driver, "cache") if cache is not None else Anchor(driver) if driver is not None \
        else Anchor(disk, "type")
    yield Problem(anchor, "disk type 'vhostvdpa' requires cache mode 'directsync' or 'none'",
                  hint="set <driver cache='none'/>", replacements=("none", "directsync") if cache is not None else ())


def _iotune_settings(iotune: etree._Element | None) -> tuple[int, ...]:
    """The iotune's 19 numbers as libvirt holds them (absent or unreadable: 0, which sets nothing)."""
    if iotune is None:
        return IOTUNE_NONE
    values = []
    for name in IOTUNE_FIELDS:
        element = first_child(iotune, name)
        values.append((c_decimal(element.text, 0, 2**64 - 1) or 0) if element is not None and element.text else 0)
    return tuple(values)


def _group_verdicts(devices: etree._Element) -> dict[etree._Element, Problem]:
    """Each grouped disk's problem: post-parse gives a group member without settings the first member's with some
    (virDomainDiskExpandGroupIoTune); QEMU's validation then wants settings and equal ones across the group."""
    members: list[tuple[etree._Element, str, str, tuple[int, ...], etree._Element]] = []
    for disk in devices.iterchildren("disk"):
        iotune = first_child(disk, "iotune")
        group = first_child(iotune, "group_name") if iotune is not None else None
        if group is not None and group.text:  # (virXPathString reads an empty text as none)
            members.append((disk, disk_dst(disk), string_value(group), _iotune_settings(iotune), group))
    verdicts: dict[etree._Element, Problem] = {}
    expanded = []
    for disk, dst, name, settings, group in members:
        if not any(settings):
            settings = next((other[3] for other in members if other[2] == name and any(other[3])), settings)
        if not any(settings):
            verdicts[disk] = Problem(Anchor(group), "group_name can be configured only together with settings",
                                     hint="give this disk's <iotune> its limits, or another disk of the group some")
        expanded.append((disk, dst, name, settings))
    judged: set[str] = set()  # (libvirt stops at the group's first pair: one finding a group)
    for disk, dst, name, settings in expanded:
        if disk in verdicts or name in judged:
            continue
        other = next((o for o in expanded if o[2] == name and o[1] != dst and o[3] != settings), None)
        if other is not None:
            judged.add(name)
            verdicts[disk] = Problem(Anchor(first_child(disk, "iotune")), f"different iotunes for disks {dst} and "
                                     f"{other[1]}", hint="give the disks of one group_name the same limits")
    return verdicts


#: The largest rotation rate QEMU's disk devices take (a uint16 property)
MAX_ROTATION_RATE = 65535
#: The metadata cache sizes QEMU reads as negative (libvirt passes them as a long long): 2^63 bytes and more
CACHE_SIZE_LIMIT = 2**63


def throttling(disk: etree._Element, ctx: Context) -> Iterable[Problem]:
    """qemuValidateDomainDeviceDefDiskBlkdeviotune: groups, bus sd, QEMU's limit; virDomainDiskDefValidate:
    metadata_cache needs qcow2; at start, a metadata cache QEMU reads as negative."""
    iotune = first_child(disk, "iotune")
    if iotune is not None:
        if first_child(iotune, "group_name") is not None:
            devices = disk.getparent()
            if devices is not None:
                verdict = ctx.once("disk-options:iotune-groups", lambda: _group_verdicts(devices)).get(disk)
                if verdict is not None:
                    yield verdict
                    return
        if disk_bus(disk) == "sd" and (any(_iotune_settings(iotune)) or first_child(iotune, "group_name") is not None):
            yield Problem(Anchor(iotune), "<iotune> is not supported with bus='sd'", hint="remove <iotune>")
            return
        for name in IOTUNE_LIMITED:
            element = first_child(iotune, name)
            value = c_decimal(element.text, 0, 2**64 - 1) if element is not None and element.text else None
            if value is not None and value > IOTUNE_MAX:
                yield Problem(Anchor(element, text=True), f"block I/O throttle limit must be no more than {IOTUNE_MAX} "
                              "using QEMU", replacements=(str(IOTUNE_MAX),))
                return
    driver = first_child(disk, "driver")
    cache = first_child(driver, "metadata_cache") if driver is not None else None
    if cache is not None and driver is not None and driver.get("type") != "qcow2" and metadata_cache_sized(cache):
        yield Problem(Anchor(cache),
                      "metadata cache max size control is supported only with qcow2 images", hint="remove it")
    elif cache is not None and qemu_driver(ctx):
        size = first_child(cache, "max_size")
        size_bytes = scaled_bytes(size.text, size.get("unit"), 1) if size is not None else None
        if size is not None and size_bytes is not None and CACHE_SIZE_LIMIT <= size_bytes <= ULLONG_MAX:
            # (qemu_block.c writes it as the image's cache-size, a signed 64-bit number: negative to QEMU)
            yield Problem(Anchor(size, text=True), "Parameter 'cache-size' expects a non-negative number below 2^64"
                          + QEMU_START, hint="a metadata cache below 8 EiB (a few MiB is the usual size)")


def driver_validate(disk: etree._Element, driver: etree._Element, ctx: Context) -> Problem | None:
    """virDomainDiskDefValidate's last checks of the driver: discard_no_unref (libvirt 9.5 on: NEWS) needs a qcow2
    image that is not read-only (a CD-ROM is); the iothread attribute and an <iothreads> mapping (10.0 on: NEWS)
    exclude each other. Older releases drop both settings."""
    if driver.get("discard_no_unref") == "on" and ctx.libvirt_at_least(9, 5):
        # (QEMU's post-parse makes a driver without a type raw; a volume's format is unknown at define: not qcow2)
        if driver.get("type") != "qcow2":
            return Problem(Anchor(driver, "discard_no_unref"), "'discard_no_unref' only works with qcow2 disk format",
                           hint="remove discard_no_unref=, or use a qcow2 image", replacements=("off",))
        if first_child(disk, "readonly") is not None or disk.get("device") == "cdrom":
            return Problem(Anchor(driver, "discard_no_unref"),
                           "'discard_no_unref' is not compatible with read-only disk", hint="remove discard_no_unref=",
                           replacements=("off",))
    iothreads = first_child(driver, "iothreads")
    if iothreads is not None and prop_uint(driver.get("iothread"), 10) and \
            first_child(iothreads, "iothread") is not None and ctx.libvirt_at_least(10, 0):
        return Problem(Anchor(driver, "iothread"),
                       "disk driver 'iothread' attribute can't be used together with 'iothreads' subelement",
                       hint="remove iothread=, and map the disk's queues to iothreads in <iothreads> only")
    return None


#: what the checks certainly find fine, tested by the walk at no call (its line memo then spares repeated lines):
#: a disk of a usual type and device without sgio or rawio, a target without a rotation rate, a source without a
#: startup policy; the rarer children (geometry, serial, wwn, transient, iotune, reservations, slices,
#: metadata_cache) have no screen; the drivers, reservations and slices are read from the document's disk facts
#: (one visit of <devices>)
_NONE = frozenset((None,))
SCREENS: dict[str, tuple[tuple[tuple[str, frozenset[str | None]], ...], None]] = {
    "devices/disk": ((("type", frozenset(("file", "block", "dir", "network", "volume", "nvme", None))),
                      ("device", frozenset(("disk", "cdrom", "floppy", None))), ("sgio", _NONE), ("rawio", _NONE)),
                     None),
    "devices/disk/target": ((("rotation_rate", _NONE),), None),
    "devices/disk/source": ((("startupPolicy", _NONE),), None),
}


#: element path -> the checks its presence (or its failing screen) calls for, in libvirt's order
BY_PATH = {
    "devices/disk": (lun_only, vhost_user, vhost_vdpa),
    "devices/disk/target": (frontend,),
    "devices/disk/source": (startup_policy,),
    "devices/disk/geometry": (frontend,),
    "devices/disk/serial": (frontend,),
    "devices/disk/wwn": (frontend,),
    "devices/disk/transient": (transient,),
    "devices/disk/iotune": (throttling,),
}
#: the disk children whose presence alone calls for the checks
PRESENT = ("geometry", "serial", "wwn", "transient", "iotune")


@register
class DiskOptions(Rule):
    """
    ## What it does
    Reports disk settings that belong elsewhere: `io='native'` without
    `cache='none'` or `directsync`; a CHS `<geometry>` on usb or sd, or its
    `trans` off ide; a `rotation_rate` off scsi, ide and sata or on a
    non-disk device; a `<serial>` with characters QEMU refuses; a `<wwn>` off
    ide and scsi, or on a LUN; a serial on a SCSI LUN; `sgio='unfiltered'`;
    `rawio`, `sgio` or `<reservations>` on a non-LUN and `<slices>` on a LUN;
    a `startupPolicy` on network storage, or `requisite` on a hard disk;
    `<transient/>` on a read-only, non-file or non-disk device, or sharing
    its backing off usb, virtio and scsi; virtio-only driver options
    (`event_idx`, `ioeventfd`, `iommu`, ...) on another bus; vhost-user disks
    with settings they cannot have; throttle limits above 10^15;
    `<metadata_cache>` on an image other than qcow2 (and at start, one of
    2^63 bytes or more, which QEMU reads as negative); `discard_no_unref='on'`
    off qcow2 or on a read-only disk, a `<serial>` on the `sd` bus, and a driver's `iothread` with an
    `<iothreads>` mapping. A vhost-user disk is on virtio with
    `snapshot='no'`, and sets none of the driver's `cache` (but `default`),
    `error_policy`, `rerror_policy`, `io`, `ioeventfd`, `copy_on_read`,
    `discard`, `iothread`, `detect_zeroes` and sized `<metadata_cache>`,
    nor a throttling `<iotune>` (a limit above 0, or a group), a
    `<backingStore>` (even `<backingStore/>`), an `<encryption>` or `<auth>`
    (in its source or the disk), `<readonly/>`, `<shareable/>`,
    `<transient/>`, a non-empty `<serial>`, `<wwn>`, `<vendor>` or
    `<product>`, a `<geometry>` with a size or `trans`, or a `<blockio>`
    size (and, libvirt 9.8 on, `discard_granularity`). A vhost-vDPA disk
    (libvirt 9.8 on) sets `cache='none'` or `'directsync'`.

    ## Why is this bad?
    libvirt refuses the domain when it is defined: `io='native' needs either
    no disk cache or directsync cache mode`, `CHS geometry can not be set for
    'usb' bus`, `rotation rate is only valid for SCSI/IDE/SATA bus`, `driver
    serial 'WD-WX11/A2' contains unsafe characters`, `Only ide and scsi disk
    support wwn` (qemuValidateDomainDeviceDefDiskFrontend), `transient disk
    'vda' must not be read-only` (qemuValidateDomainDeviceDefDiskTransient),
    `block I/O throttle limit must be no more than 1000000000000000 using
    QEMU` (qemuValidateDomainDeviceDefDiskBlkdeviotune), `rawio can be used
    only with device='lun'`, `disk ioeventfd mode supported only for virtio
    bus`, `vhostuser disk supports only virtio bus` (virDomainDiskDefValidate),
    `missing 'path' attribute for vhostuser disk source`
    (virDomainDiskSourceVHostUserParse), `error_policy is not supported with
    vhostuser disk`, `geometry is not supported with vhostuser disk`,
    `backingStore is not supported with vhostuser disk`
    (virDomainDiskVhostUserValidate, run before QEMU's checks of the driver,
    whose words it takes the place of),
    `disk startupPolicy 'optional' is not allowed for disk of 'network' type`
    (virDomainDiskDefValidateStartupPolicy). Stage: define; driver: QEMU.
    Each was checked with the real libvirt 9.0, with its twin, but `disk type
    'vhostvdpa' requires cache mode 'directsync' or 'none'`
    (qemuValidateDomainDeviceDefDisk), from 10.7's source. Versions:
    `'discard_no_unref' only works with qcow2 disk format` and `... is not
    compatible with read-only disk` (libvirt 9.5 on, which added the
    setting), `disk driver 'iothread' attribute can't be used together with
    'iothreads' subelement` (10.0 on, which added the mapping;
    virDomainDiskDefValidate): 9.0 drops both settings (checked), so these
    follow the libvirt-version setting. At start (QEMU): `Parameter
    'cache-size' expects a non-negative number below 2^64`, `Parameter
    'rotation_rate' expects uint16_t` (a rate above 65535; both checked on
    9.0).

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><disk type='file' device='disk'><driver name='qemu' type='qcow2' io='native'/>
        <source file='/var/lib/libvirt/images/a.qcow2'/><target dev='vda' bus='virtio'/></disk></devices></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><disk type='file' device='disk'><driver name='qemu' type='qcow2' cache='none' io='native'/>
        <source file='/var/lib/libvirt/images/a.qcow2'/><target dev='vda' bus='virtio'/></disk></devices></domain>
    ```
    """

    code = "VL758"
    name = "disk-options"
    severity = Severity.ERROR
    summary = "A disk setting another bus, device or disk type has: I/O mode and cache, geometry, serial, wwn, ..."
    elements = ("devices", *SCREENS, *(f"devices/disk/{path}" for path in PRESENT))
    uses_caps = False

    def screen(self, path: str) -> Screen | None:
        return SCREENS.get(path)

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        if not qemu_driver(ctx):
            return NOTHING
        path = ctx.path
        if path == "devices":
            return self._drivers(element, ctx)
        disk = element
        while disk.tag != "disk":
            parent = disk.getparent()
            if parent is None:
                return NOTHING
            disk = parent
        checks = BY_PATH.get(path)
        if checks is None:
            return NOTHING
        return self._first(disk, list(run_checks(checks, disk, ctx)), ctx)

    @staticmethod
    def _first(disk: etree._Element, problems: list[Problem], ctx: Context) -> Iterator[Problem]:
        """A disk's problems, unless one of its elements reported already (libvirt stops at a device's first)."""
        if not problems:
            return NOTHING
        reported: set[etree._Element] = ctx.once("disk-options:reported", set)
        if disk in reported:
            return NOTHING
        reported.add(disk)
        return iter(problems)

    @staticmethod
    def _vhost_user_first(disk: etree._Element, kind: str | None, ctx: Context) -> list[Problem]:
        """A vhost-user disk's refusal by virDomainDiskDefValidate, which libvirt gives before QEMU's checks of the
        driver (the disk's own check reports it later, once)."""
        return list(run_checks((lun_only, vhost_user), disk, ctx)) if kind == "vhostuser" else []

    def _drivers(self, devices: etree._Element, ctx: Context) -> Iterator[Problem]:
        """The drivers' part, from the document's disk facts: one read of the I/O mode per disk driver."""
        for disk, children, _device, kind, _target, _dev, bus, _more in disk_facts(ctx, devices):
            source = children.get("source")
            if source is not None and len(source) and (first_child(source, "reservations") is not None or
                                                       first_child(source, "slices") is not None):
                yield from self._first(disk, list(lun_only(disk, ctx)), ctx)
            driver = children.get("driver")
            if driver is None:
                continue
            if len(driver):  # (a <metadata_cache>)
                yield from self._first(disk, self._vhost_user_first(disk, kind, ctx) or list(throttling(disk, ctx)),
                                       ctx)
            if driver.get("discard_no_unref") == "on" or (len(driver) and driver.get("iothread") is not None):
                problem = driver_validate(disk, driver, ctx)
                if problem is not None:
                    yield from self._first(disk, [problem], ctx)
            if driver.get("io") == "native" and driver.get("cache") not in ("none", "directsync"):
                problems = self._vhost_user_first(disk, kind, ctx) or [
                    Problem(Anchor(driver, "io"), "io='native' needs either no disk cache or directsync cache mode",
                            hint="add cache='none' (or use io='threads')", replacements=("threads",))]
            elif bus not in (None, "virtio") and len(driver.attrib) > 2:
                problems = list(virtio_only(disk))
            else:
                continue
            yield from self._first(disk, problems, ctx)
