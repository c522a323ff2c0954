"""VL764 disk-device-properties: a disk's block sizes, CHS geometry or virtio queue size that QEMU's disk device
refuses when the domain starts."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Screen, Severity
from virtlint.linter.units import prop_uint
from virtlint.rules._addresses import disk_bus
from virtlint.rules._devices import QEMU_START, is_power_of_two, qemu_driver
from virtlint.rules._support import NOTHING, first_child

#: QEMU's block size property bounds (DEFINE_PROP_BLOCKSIZE: MIN_BLOCK_SIZE, MAX_BLOCK_SIZE; older QEMU's maximum
#: was lower, so only what every release refuses is judged) and the size a device assumes when the backend tells
#: none (BDRV_SECTOR_SIZE)
BLOCK_SIZE_RANGE = (512, 2 * 1024 * 1024)
DEFAULT_BLOCK_SIZE = 512
#: The buses whose disks libvirt gives QEMU as a device of QEMU's block layer (qemuBuildDiskDeviceProps)
DEVICE_BUSES = frozenset(("ide", "sata", "scsi", "virtio", "usb", "fdc"))
#: Disk types whose image QEMU cannot ask for block sizes (a regular file: no probe), so an unwritten size is 512;
#: a host block device, an NVMe controller or network storage may report others
UNPROBED_TYPES = frozenset(("file", None))

#: blkconf_geometry's bounds but the heads' (ide-hd 16, scsi-hd and virtio-blk 255: _chs_device)
MAX_CYLINDERS, MAX_SECTORS = 65535, 255
#: QEMU's virtio-blk ring size bound (VIRTQUEUE_MAX_SIZE) and a virtio device's queues (VIRTIO_QUEUE_MAX)
MAX_QUEUE_SIZE = 1024
MAX_VIRTIO_QUEUES = 1024
#: what the walk lets pass without a call: a driver without queue_size and queues, or with usual values of them
_DRIVER_SCREEN = ((("queue_size", frozenset((None, *(str(1 << n) for n in range(2, 11))))),
                   ("queues", frozenset((None, *(str(n) for n in range(1, MAX_VIRTIO_QUEUES + 1))))),
                   ("error_policy", frozenset((None,))), ("rerror_policy", frozenset((None,)))), None)
#: The translations libvirt writes as bios-chs-trans (all but 'default')
CHS_TRANSLATIONS = ("none", "auto", "lba")
#: QEMU's name for the virtio disk device in its messages (the PCI one, libvirt's default address)
VIRTIO_BLK = "virtio-blk-pci"


def _floppy_properties(disk: etree._Element, element: etree._Element) -> Problem | None:
    """QEMU's floppy device has no serial, werror or rerror, which libvirt writes for a disk on any bus
    (qemuBuildDiskDeviceProps; error_policy='enospace' sets werror only, the others rerror too)."""
    if disk.get("device") != "floppy":
        return None
    if element.tag == "serial":
        if not (element.text or ""):
            return None  # (an empty serial is not written)
        return Problem(Anchor(element), "Property 'floppy.serial' not found" + QEMU_START,
                       hint="remove <serial>: a floppy has no serial number")
    written = element.get("error_policy")
    if element.get("rerror_policy") is not None or written not in (None, "enospace"):
        attribute = "rerror_policy" if element.get("rerror_policy") is not None else "error_policy"
        return Problem(Anchor(element, attribute), "Property 'floppy.rerror' not found" + QEMU_START,
                       hint="remove the error policies from a floppy's <driver>")
    if written is not None:
        return Problem(Anchor(element, "error_policy"), "Property 'floppy.werror' not found" + QEMU_START,
                       hint="remove error_policy from a floppy's <driver>")
    return None


def _block_sizes(disk: etree._Element, blockio: etree._Element, bus: str) -> Problem | None:
    """The block sizes libvirt writes (logical_block_size, physical_block_size: each when above 0), as QEMU's
    property setter, blkconf_blocksizes and the IDE and floppy devices judge them."""
    written = {}
    for name in ("logical_block_size", "physical_block_size"):
        value = prop_uint(blockio.get(name), 10)
        if not value:
            continue
        low, high = BLOCK_SIZE_RANGE
        if not low <= value <= high:
            return Problem(Anchor(blockio, name), f"Property .{name} doesn't take value {value} (minimum: {low}, "
                           f"maximum: {high})" + QEMU_START, hint="a power of two from 512 to 2 MiB",
                           replacements=(str(min(max(value, low), high)),))
        if not is_power_of_two(value):
            lower = 1 << (value.bit_length() - 1)
            return Problem(Anchor(blockio, name), f"Property .{name} doesn't take value '{value}', it's not a power "
                           "of 2" + QEMU_START, hint="a power of two from 512 to 2 MiB",
                           replacements=(str(lower), str(lower * 2)))
        written[name] = value
    defaults = DEFAULT_BLOCK_SIZE if disk.get("type") in UNPROBED_TYPES else None
    logical = written.get("logical_block_size", defaults)
    physical = written.get("physical_block_size", defaults)
    if logical is not None and physical is not None and logical > physical:
        name = "physical_block_size" if "physical_block_size" in written else "logical_block_size"
        return Problem(Anchor(blockio, name), "logical_block_size > physical_block_size not supported" + QEMU_START,
                       hint=f"give physical_block_size='{logical}' (or more): an image file reports no block size, "
                            "so an unwritten one is 512")
    if bus in ("ide", "sata") and logical is not None and logical != DEFAULT_BLOCK_SIZE:
        # (QEMU's IDE devices set a discard granularity of 512 before blkconf_blocksizes tests it against the
        # logical block size)
        return Problem(Anchor(blockio, "logical_block_size"), "discard_granularity must be a multiple of "
                       "logical_block_size" + QEMU_START, hint="IDE and SATA disks have 512-byte sectors: remove "
                       "logical_block_size or use a virtio or SCSI disk", replacements=("512",))
    if bus == "fdc" and (logical, physical) != (DEFAULT_BLOCK_SIZE, DEFAULT_BLOCK_SIZE) and \
            (logical is not None or physical is not None):
        name = "physical_block_size" if physical != DEFAULT_BLOCK_SIZE else "logical_block_size"
        return Problem(Anchor(blockio, name), "Physical and logical block size must be 512 for floppy" + QEMU_START,
                       hint="remove <blockio>: a floppy has 512-byte sectors", replacements=("512",))
    return None


def _chs_device(bus: str, device: str) -> tuple[str, int | None] | None:
    """(QEMU's device for the disk, the most heads it takes, None when it has no CHS properties); None when not
    judged (a SCSI LUN, whose scsi-block needs a host device, and devices libvirt refuses on the bus)."""
    if bus in ("ide", "sata"):
        return ("ide-hd", 16) if device == "disk" else ("ide-cd", None) if device == "cdrom" else None
    if bus == "scsi":
        return ("scsi-hd", 255) if device == "disk" else ("scsi-cd", None) if device == "cdrom" else None
    if bus == "virtio":
        return ("virtio-blk", 255) if device in ("disk", "lun") else None
    if bus == "usb":
        return "usb-storage", None
    return ("floppy", None) if bus == "fdc" and device == "floppy" else None


def _geometry(geometry: etree._Element, bus: str, device: str) -> Problem | None:
    """blkconf_geometry: once libvirt writes one of cyls, heads and secs (each when above 0), all three are in
    range, on the devices that have them (ide-hd, scsi-hd, virtio-blk); the others have no such property."""
    values = {name: prop_uint(geometry.get(name), 10) or 0 for name in ("cyls", "heads", "secs")}
    written = [name for name, value in values.items() if value]
    chs = _chs_device(bus, device)
    if chs is not None and len(written) < 3 and geometry.get("trans") in CHS_TRANSLATIONS and chs[0] != "ide-hd":
        # (libvirt's own test of the translation, VL758's, needs the three sizes; it writes the translation alone)
        qemu_device = VIRTIO_BLK if chs[0] == "virtio-blk" else chs[0]
        return Problem(Anchor(geometry, "trans"), f"Property '{qemu_device}.bios-chs-trans' not found" + QEMU_START,
                       hint="remove trans=: only an IDE or SATA hard disk takes a CHS translation")
    if not written or chs is None:
        return None  # (nothing written: QEMU guesses a geometry)
    qemu_device, heads = chs
    if len(written) == 3 and (bus in ("usb", "sd") or geometry.get("trans", "default") != "default" and bus != "ide"):
        return None  # (libvirt refuses such a full geometry when it is defined: VL758's)
    if heads is None:
        return Problem(Anchor(geometry, written[0]), f"Property '{qemu_device}.{written[0]}' not found" + QEMU_START,
                       hint=f"remove <geometry>: QEMU's {qemu_device} has no CHS geometry")
    bounds = (("cyls", MAX_CYLINDERS), ("heads", heads), ("secs", MAX_SECTORS))
    for name, most in bounds:
        if not 1 <= values[name] <= most:
            return Problem(Anchor(geometry, name) if geometry.get(name) is not None else Anchor(geometry),
                           f"{name} must be between 1 and {most}" + QEMU_START,
                           hint="set cyls (1-65535), heads and secs (1-255) together"
                                + (" (at most 16 heads on IDE and SATA)" if most == 16 else ""))
    return None


def _queues(driver: etree._Element) -> Problem | None:
    """virtio-blk's queues (num-queues) and ring size (queue-size)."""
    queues = prop_uint(driver.get("queues"), 10)
    if queues is not None and queues > MAX_VIRTIO_QUEUES:
        # (QEMU 7.2 has no test of it: adding the 1025th queue aborts it, without a message; checked on 9.0, KVM
        # and TCG)
        return Problem(Anchor(driver, "queues"), f"QEMU stops at start: a virtio device has at most "
                       f"{MAX_VIRTIO_QUEUES} queues, and this disk asks for {queues} (virtio_add_queue)",
                       replacements=(str(MAX_VIRTIO_QUEUES),))
    return _queue_size(driver)


def _queue_size(driver: etree._Element) -> Problem | None:
    """virtio_blk_device_realize: the ring size is more than 2, a power of two, at most 1024."""
    value = prop_uint(driver.get("queue_size"), 10)
    if not value or (2 < value <= MAX_QUEUE_SIZE and is_power_of_two(value)):
        return None
    if value > 0xFFFF:  # (the 16-bit property refuses it before the device's checks)
        message = "Parameter 'queue-size' expects uint16_t"
    elif value <= 2:
        message = f"invalid queue-size property ({value}), must be > 2"
    else:
        message = f"invalid queue-size property ({value}), must be a power of 2 (max {MAX_QUEUE_SIZE})"
    lower = min(max(1 << (value.bit_length() - 1), 4), MAX_QUEUE_SIZE)
    return Problem(Anchor(driver, "queue_size"), message + QEMU_START, replacements=(str(lower),))


@register
class DiskDeviceProperties(Rule):
    """
    ## What it does
    Reports, for a QEMU domain, disk settings that libvirt writes on QEMU's
    disk device and that the device refuses: a `<blockio>` block size that is
    not a power of two from 512 to 2 MiB, a logical block size above the
    physical one (an image file reports no block size, so an unwritten one
    is 512; a host block device or network storage may report others, and is
    judged only when both are written), a logical block size other than 512
    on IDE and SATA, and sizes other than 512 on a floppy; a `<geometry>` whose `cyls`, `heads` and `secs`, once one
    is written, are not all in range (1-65535 cylinders, 1-255 sectors, 1-16
    heads on IDE and SATA, 1-255 on SCSI and virtio; no geometry at all on a
    CD-ROM, a floppy or a USB disk, whose QEMU devices have none); a virtio
    disk's `queue_size` that is not a power of two from 4 to 1024, and more
    than 1024 `queues`; a geometry `trans` without the three sizes on any
    device but an IDE or SATA hard disk (libvirt's own test of it needs the
    sizes); a floppy's `<serial>`, `error_policy` or `rerror_policy`.

    ## Why is this bad?
    libvirt defines the domain, and it does not start: QEMU refuses the disk
    device (`Property .logical_block_size doesn't take value 256 (minimum: 512,
    maximum: 2097152)`, `Property .physical_block_size doesn't take value
    '1000', it's not a power of 2` (the property setter), `logical_block_size
    > physical_block_size not supported`, `discard_granularity must be a
    multiple of logical_block_size` (blkconf_blocksizes, after the IDE device
    has set a 512-byte granularity), `Physical and logical block size must
    be 512 for floppy`, `heads must be between 1 and 16`
    (blkconf_geometry), `Property 'ide-cd.cyls' not found`, `invalid
    queue-size property (100), must be a power of 2 (max 1024)`, `... must be
    > 2` (virtio_blk_device_realize); QEMU 7.2 stops without a message for
    1025 queues; `Property 'virtio-blk-pci.bios-chs-trans' not found`,
    `Property 'floppy.serial' not found`, `Property 'floppy.rerror' not
    found`). A full geometry libvirt refuses when the domain is defined
    (on USB, or with a translation off IDE) is VL758's. Stage: start; driver:
    QEMU. Each was checked with libvirt 9.0 and QEMU 7.2, with its twin;
    libvirt 10.7 writes the same properties (qemuBuildDiskDeviceProps).

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><disk type='file' device='disk'><source file='/var/lib/libvirt/images/a.qcow2'/>
        <target dev='vda' bus='virtio'/><blockio logical_block_size='4096'/></disk></devices></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><disk type='file' device='disk'><source file='/var/lib/libvirt/images/a.qcow2'/>
        <target dev='vda' bus='virtio'/><blockio logical_block_size='4096' physical_block_size='4096'/></disk>
      </devices></domain>
    ```
    """

    code = "VL764"
    name = "disk-device-properties"
    severity = Severity.ERROR
    summary = "A disk block size, CHS geometry or virtio queue size QEMU's disk device refuses (at start)."
    elements = ("devices/disk/blockio", "devices/disk/geometry", "devices/disk/driver", "devices/disk/serial")
    uses_caps = False

    def screen(self, path: str) -> Screen | None:
        # a disk driver with usual queues and ring size: nothing here (blockio and geometry are rare: their presence
        # calls)
        return _DRIVER_SCREEN if path == "devices/disk/driver" else None

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        disk = element.getparent()
        if disk is None or disk.get("type") == "vhostuser" or not qemu_driver(ctx):
            return NOTHING  # (a vhost-user disk takes none of these: VL758's, at define)
        bus = disk_bus(disk)
        if bus not in DEVICE_BUSES:
            return NOTHING
        tag = element.tag
        if first_child(disk, tag) is not element:
            return NOTHING  # (libvirt reads a disk's first <blockio>, <geometry> and <driver>)
        if bus == "fdc" and tag in ("serial", "driver"):
            problem = _floppy_properties(disk, element)
            if problem is not None or tag == "serial":
                return NOTHING if problem is None else iter((problem,))
        if tag == "serial":
            return NOTHING
        if tag == "blockio":
            problem = _block_sizes(disk, element, bus)
        elif tag == "geometry":
            problem = _geometry(element, bus, disk.get("device", "disk"))
        else:
            problem = _queues(element) if bus == "virtio" else None
        return NOTHING if problem is None else iter((problem,))
