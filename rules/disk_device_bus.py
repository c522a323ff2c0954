"""VL751 disk-device-bus: a disk device kind (disk, cdrom, floppy, lun) its bus or source cannot carry."""

from __future__ import annotations

from typing import Iterable

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Severity
from virtlint.linter.machines import parse_machine
from virtlint.rules._addresses import ARM, disk_bus, disk_name_index
from virtlint.rules._devices import (LIBVIRT_START, QEMU_START, QEMU_VERSIONED, DiskFacts, DiskTableRule, disk_dst,
                                     disk_facts, disk_format, disk_is_empty, effective_arch, is_arm_virt, is_x86,
                                     qemu_driver, refused_since, source_is_empty_of)
from virtlint.rules._storage import ENCRYPTION_FORMATS, storage_slice
from virtlint.rules._support import text_child


def _target(disk: etree._Element) -> etree._Element:
    target = disk.find("target")
    return target if target is not None else disk


def _bus_anchor(disk: etree._Element) -> Anchor:
    target = _target(disk)
    return Anchor(target, "bus") if target.get("bus") else Anchor(target, "dev") if target.get("dev") else Anchor(target)


def _device_anchor(disk: etree._Element) -> Anchor:
    return Anchor(disk, "device") if disk.get("device") else Anchor(disk)


def virtio_blk_lacks_scsi(ctx: Context) -> bool:
    """QEMU 9.1 removed virtio-blk's 'scsi' property; the caps' machine version is their QEMU's version."""
    if not ctx.identity_matches or ctx.caps.machine is None:
        return False
    machine = parse_machine(ctx.caps.machine)
    return machine.version is not None and machine.family in QEMU_VERSIONED and machine.version >= (9, 1)


#: the encryption formats that encrypt (virStorageEncryptionFormat but 'default')
LUN_ENCRYPTIONS = ENCRYPTION_FORMATS - {"default"}


def lun_source(disk: etree._Element, ctx: Context) -> Iterable[Problem]:
    """virDomainDiskDefSourceLUNValidate: a lun is a block device or an iSCSI LUN, in raw format."""
    if disk.get("device") != "lun":
        return
    kind = disk.get("type") or "file"
    source = disk.find("source")
    if kind == "network":
        protocol = source.get("protocol") if source is not None else None
        if protocol and protocol != "iscsi":
            yield Problem(Anchor(source, "protocol"), f"disk device='lun' is not supported for protocol='{protocol}'",
                          hint="a lun passes through an iSCSI LUN or a host block device")
            return
    elif kind in ("file", "dir"):
        yield Problem(Anchor(disk, "type") if disk.get("type") else Anchor(disk),
                      "disk device='lun' is only valid for block type disk source",
                      hint="use type='block' with <source dev='/dev/...'/>, or device='disk'")
        return
    fmt = disk_format(disk)
    if fmt not in (None, "raw", "none"):
        yield Problem(Anchor(disk.find("driver"), "type"), "disk device 'lun' must use 'raw' format",
                      replacements=("raw",))
        return
    # (a LUN's <slices> are VL758's, checked between these two; the encryption is the source's or, its old place,
    # the disk's; format='default' encrypts nothing, and a format the parser refuses is VL759's)
    if storage_slice(source) is not None:
        return
    encryption = source.find("encryption") if source is not None else None
    encryption = encryption if encryption is not None else disk.find("encryption")
    if encryption is not None and encryption.get("format") in LUN_ENCRYPTIONS:
        yield Problem(Anchor(encryption), "disk device 'lun' doesn't support encryption",
                      hint="remove <encryption>: a lun passes the host device through as it is")


def device_on_bus(disk: etree._Element, ctx: Context) -> Iterable[Problem]:
    """virDomainDiskDefValidate: floppies only on fdc, fdc only for floppies; empty hard disks."""
    device, bus = disk.get("device") or "disk", disk_bus(disk)
    if device == "floppy" and bus is not None and bus != "fdc":
        yield Problem(_bus_anchor(disk), f"Invalid bus type '{bus}' for floppy disk", hint="use bus='fdc'")
    elif device != "floppy" and bus == "fdc":
        yield Problem(_bus_anchor(disk), f"Invalid bus type '{bus}' for disk",
                      hint="only device='floppy' goes on the fdc bus")
    elif device == "disk" and disk_is_empty(disk):
        yield Problem(Anchor(disk.find("source")) if disk.find("source") is not None else Anchor(disk),
                      f"missing source information for device {disk_dst(disk)}",
                      hint="give the disk a source, or make it device='cdrom' to leave it empty")


def driver_options(disk: etree._Element, ctx: Context) -> Iterable[Problem]:
    """virDomainDiskDefValidate: multiqueue, queue sizes and tray/removable belong to some buses and devices."""
    device, bus = disk.get("device") or "disk", disk_bus(disk)
    driver, target = disk.find("driver"), disk.find("target")
    if bus is not None and bus != "virtio" and driver is not None:
        for attribute, message, since in (
                ("queues", "queues attribute in disk driver element is only supported for virtio bus", (0, 0)),
                # (9.0 defines queue_size on any bus; 9.8's source refuses it: the releases between are unchecked)
                ("queue_size", "queue_size attribute in disk driver is only supported for virtio bus", (9, 8))):
            if driver.get(attribute) not in (None, "0") and refused_since(ctx, *since):
                yield Problem(Anchor(driver, attribute), message, hint=f"remove {attribute}=")
                return
    # tray_status is nonzero only for 'open': tray='closed' (the default) is fine on any disk
    if target is not None and target.get("tray") not in (None, "closed") and device not in ("cdrom", "floppy"):
        yield Problem(Anchor(target, "tray"), "tray is only valid for cdrom and floppy", hint="remove tray=")
        return
    if target is not None and target.get("removable") is not None and bus is not None and bus != "usb":
        # scsi disks take removable since libvirt 9.6; before, usb disks only
        if not ctx.libvirt_at_least(9, 6):
            yield Problem(Anchor(target, "removable"), "removable is only valid for usb disks",
                          hint="remove removable=")
        elif not (bus == "scsi" and device == "disk"):
            yield Problem(Anchor(target, "removable"), "removable is only valid for usb or scsi disks",
                          hint="remove removable=")


def frontend(disk: etree._Element, ctx: Context) -> Iterable[Problem]:
    """qemuValidateDomainDeviceDefDiskFrontend: what each QEMU disk frontend can do."""
    device, bus, dst = disk.get("device") or "disk", disk_bus(disk), disk_dst(disk)
    if device == "cdrom" and bus in ("virtio", "sd"):
        yield Problem(_bus_anchor(disk), f"disk type of '{dst}' does not support ejectable media",
                      hint="put the cdrom on a sata, scsi or ide bus", replacements=("sata", "scsi"))
        return
    vendor, product = text_child(disk, "vendor"), text_child(disk, "product")
    # (a vhost-user disk's vendor or product is refused earlier, by virDomainDiskVhostUserValidate: VL758's)
    if (vendor is not None or product is not None) and bus is not None and bus != "scsi" and \
            disk.get("type") != "vhostuser":
        yield Problem(Anchor(vendor if vendor is not None else product), "Only scsi disk supports vendor and product",
                      hint="remove <vendor>/<product>, or put the disk on bus='scsi'")
        return
    if device == "lun":
        if bus is not None and bus not in ("scsi", "virtio"):
            yield Problem(_bus_anchor(disk), f"disk device='lun' is not supported for bus='{bus}'",
                          hint="use bus='scsi'", replacements=("scsi",))
            return
        if bus == "virtio" and virtio_blk_lacks_scsi(ctx):
            yield Problem(_bus_anchor(disk), "This QEMU doesn't support SCSI emulation with 'virtio-blk' device",
                          hint="use bus='scsi' on a virtio-scsi controller", replacements=("scsi",))
            return
        if vendor is not None or product is not None:
            yield Problem(Anchor(vendor if vendor is not None else product),
                          "Setting vendor or product is not supported for lun device")
            return
    if bus == "usb" and disk_is_empty(disk):
        # (10.7 refuses it at define; 9.0 and 9.8 define it, and QEMU refuses it at start: checked on 9.0)
        late = "" if refused_since(ctx, 10, 7) else " (libvirt before 10.x defines it; QEMU refuses it at start: " \
                                                     "drive property not set)"
        yield Problem(_device_anchor(disk), "'usb' disk must not be empty" + late,
                      hint="give the usb disk a source, or use a sata/scsi cdrom for removable media")
        return
    if device == "disk" and bus in ("ide", "sata") and disk.find("readonly") is not None:
        yield Problem(Anchor(disk.find("readonly")), f"readonly {bus} disks are not supported",
                      hint="put a read-only disk on virtio or scsi, or make it a cdrom")


def start_bus(disk: etree._Element, ctx: Context) -> Iterable[Problem]:
    """At start: an ARM QEMU has no floppy drive; qemuBuildDiskDeviceProps has no device for a uml disk; an sd disk
    is QEMU's -drive if=sd, which
    only boards with an SD card slot take (QEMU's drive_check_orphaned), judged where the board surely has none:
    x86 machines and ARM 'virt'."""
    bus = disk_bus(disk)
    if disk.get("device") == "floppy" and bus in (None, "fdc") and effective_arch(ctx) in ARM and qemu_driver(ctx):
        # (libvirt checks nothing; an ARM QEMU has no floppy drive: checked on 9.0 with QEMU 7.2, ARM virt, with and
        # without bus='fdc')
        yield Problem(Anchor(disk, "device"), "'floppy' is not a valid device model name (an ARM QEMU has no "
                      "floppy drive)" + QEMU_START, hint="use a cdrom on the virtio, SCSI or SATA bus",
                      replacements=("cdrom",))
    elif bus == "uml":
        yield Problem(_bus_anchor(disk), "unsupported disk bus 'uml' with device setup" + LIBVIRT_START,
                      hint="uml is User-Mode Linux's bus: use virtio (or sata, scsi)",
                      replacements=("virtio", "sata", "scsi"))
    elif bus == "sd" and (is_x86(ctx) or is_arm_virt(ctx)):
        index = disk_name_index(disk_dst(disk))
        where = f",bus=0,unit={index}" if index is not None else ""
        yield Problem(_bus_anchor(disk), f"machine type does not support if=sd{where}" + QEMU_START,
                      hint="this machine has no SD card slot: use bus='virtio' (or sata, scsi)",
                      replacements=("virtio", "sata", "scsi"))


CHECKS = (lun_source, driver_options, device_on_bus, frontend, start_bus)

#: Buses on which some disk of device 'disk' or 'cdrom' is refused whatever else it has.
_REFUSING_BUSES = ("fdc", "usb", "sd", "uml")


def _suspects(facts: list[DiskFacts]) -> list[etree._Element]:
    """The disks CHECKS may report on, in document order; they certainly report nothing on the others: the
    common hard disk or cdrom on its usual bus, without vendor/product, tray, removable or queue settings (a
    cheap pre-test of what each check looks at, from the disks' ``DiskFacts``; usually none is suspect)."""
    suspects = []
    for disk, children, device, kind, target, _dev, bus, more in facts:
        device = device or "disk"
        if device != "disk" and device != "cdrom":  # lun and floppy have checks of their own
            suspects.append(disk)
            continue
        if "vendor" in children or "product" in children:
            suspects.append(disk)
            continue
        if target is not None:
            if more and (target.get("tray") is not None or target.get("removable") is not None):
                suspects.append(disk)
                continue
            bus = bus or disk_bus(disk)
        if bus in _REFUSING_BUSES:
            suspects.append(disk)
            continue
        if device == "cdrom":
            if bus == "virtio":
                suspects.append(disk)
                continue
        elif (bus == "ide" or bus == "sata") and "readonly" in children:
            suspects.append(disk)
            continue
        elif source_is_empty_of(kind, children.get("source")):
            suspects.append(disk)
            continue
        driver = children.get("driver")
        if bus is not None and bus != "virtio" and driver is not None and \
                (driver.get("queues") is not None or driver.get("queue_size") is not None):
            suspects.append(disk)
    return suspects


@register
class DiskDeviceBus(DiskTableRule):
    """
    ## What it does
    Reports a disk whose device kind its bus or source cannot carry: a floppy
    off the fdc bus (or a non-floppy on it), a hard disk without a source, a
    cdrom on virtio or sd, vendor/product off the scsi bus (an empty one is
    none), a lun that is not a block device or iSCSI LUN in raw format, or
    is encrypted (an `<encryption>` in its source or the disk, of a format
    but `default`), or not on scsi, and an empty usb
    disk, a read-only hard disk on ide or sata, `queues`/`queue_size` off the
    virtio bus, `tray='open'` on a hard disk (`closed`, the default, is
    accepted), `removable` off usb and scsi disks. The bus is `<target
    bus>`, or the one the target name implies. At start (QEMU): a disk on
    the `uml` bus, one on the `sd` bus of an x86 machine or an ARM
    `virt` one (boards without an SD card slot; other boards are not judged),
    and a floppy on ARM, whose QEMU has no floppy drive (`'floppy' is not a
    valid device model name`; checked on 9.0 with QEMU 7.2).

    ## Why is this bad?
    libvirt refuses the domain when it is defined. Messages modelled:
    `disk device='lun' is only valid for block type disk source`, `disk device
    'lun' must use 'raw' format`, `disk device 'lun' doesn't support
    encryption` (virDomainDiskDefSourceLUNValidate), `Invalid
    bus type 'x' for floppy disk`, `missing source information for device vda`
    (virDomainDiskDefValidate), `disk type of 'vda' does not support ejectable
    media`, `Only scsi disk supports vendor and product`, `disk device='lun' is
    not supported for bus='sata'`, `This QEMU doesn't support SCSI emulation with
    'virtio-blk' device` (QEMU 9.1 dropped virtio-blk's scsi property; told
    from the capabilities' machine version, silent when they do not say),
    `'usb' disk must not be empty`, `readonly sata disks are not supported`
    (qemuValidateDomainDeviceDefDiskFrontend), `queues attribute in disk
    driver element is only supported for virtio bus`, `tray is only valid for
    cdrom and floppy`, `removable is only valid for usb or scsi disks`
    (virDomainDiskDefValidate). Stage: define; driver: QEMU. libvirt 9.0
    refuses the same, in older words for two (`... only supported by
    virtio-blk`, and `removable is only valid for usb disks`: scsi disks
    take `removable` since libvirt 9.6), except the empty
    usb disk: libvirt 9.0 defines it and the start fails in QEMU instead
    (`usb-storage ...: drive property not set`), so it stays an error there.
    Stage: start: `unsupported disk bus 'uml' with device setup`
    (qemuBuildDiskDeviceProps; libvirt), `machine type does not support
    if=sd,bus=0,unit=0` (QEMU refuses the SD card drive its board has no slot
    for). Both checked on libvirt 9.0.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><disk type='file' device='cdrom'><source file='/var/lib/libvirt/images/a.iso'/>
        <target dev='vdb' bus='virtio'/><readonly/></disk></devices></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><disk type='file' device='cdrom'><source file='/var/lib/libvirt/images/a.iso'/>
        <target dev='sdb' bus='sata'/><readonly/></disk></devices></domain>
    ```
    """

    code = "VL751"
    name = "disk-device-bus"
    severity = Severity.ERROR
    summary = "A disk device kind its bus or source cannot carry, or a bus QEMU has no device for."
    checks = CHECKS

    def suspects(self, devices: etree._Element, ctx: Context) -> list[etree._Element]:
        return _suspects(disk_facts(ctx, devices))
