"""VL762 disk-image-lock: two disks of a domain open one image file, one writing to it where the other does not
share writes: QEMU's image locking refuses to start the domain."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.rules._devices import DiskFacts, disk_dst, disk_facts, qemu_driver
from virtlint.rules._support import NOTHING

#: the local storage types QEMU locks, and the <source> attribute naming their file
LOCKED_SOURCES = {"file": "file", "block": "dev"}
#: devices QEMU opens read-only (libvirt makes a CD-ROM read-only when it parses it)
READ_ONLY_DEVICES = ("cdrom",)


class Opener:
    """How one disk opens its image: whether it writes, and whether it lets others write (share-rw)."""

    __slots__ = ("disk", "source", "writes", "shares_writes")

    def __init__(self, disk: etree._Element, source: etree._Element, writes: bool, shares_writes: bool) -> None:
        self.disk = disk
        self.source = source
        self.writes = writes
        self.shares_writes = shares_writes

    def conflicts_with(self, other: Opener) -> bool:
        """QEMU's permission check: a writer needs every other user of the image to share writes."""
        return (self.writes and not other.shares_writes) or (other.writes and not self.shares_writes)


def _image_path(fact: DiskFacts) -> str | None:
    """The local image file or block device a disk opens (None: none written, or a storage type QEMU does not
    lock)."""
    attribute = LOCKED_SOURCES.get(fact[3] or "file")
    source = fact[1].get("source")
    return source.get(attribute) if source is not None and attribute is not None else None


def _openers(ctx: Context, devices: etree._Element) -> dict[str, list[Opener]]:
    """The disks opening each local image path (transient disks, which write to an overlay, left out)."""
    by_path: dict[str, list[Opener]] = {}
    for fact in disk_facts(ctx, devices):
        disk, children, device = fact[0], fact[1], fact[2]
        path = _image_path(fact)
        if not path or "transient" in children:
            continue
        source = children["source"]
        read_only = "readonly" in children or device in READ_ONLY_DEVICES
        by_path.setdefault(path, []).append(Opener(disk, source, not read_only, "shareable" in children))
    return by_path


@register
class DiskImageLock(Rule):
    """
    ## What it does
    Reports a disk whose image file (or block device) an earlier disk of the
    same domain opens too, where one of the two writes to it and the other
    does not share writes: a writable disk beside any disk of the same file
    that is not `<shareable/>`, including a read-only one or a CD-ROM. Two
    read-only disks, or two shareable ones, may open one file; so may a
    writable disk and a read-only shareable one.

    ## Why is this bad?
    libvirt defines the domain, and QEMU refuses to start it: `Failed to get
    "write" lock Is another process using the image
    [/var/lib/libvirt/images/vm.qcow2]?` (QEMU's image locking, reported by
    `virsh start`; QEMU driver; start). Each combination above was checked
    with the real libvirt 9.0 and QEMU 7.2, both ways.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><disk type='file' device='disk'><source file='/var/lib/libvirt/images/vm.qcow2'/>
        <target dev='vda' bus='virtio'/></disk>
        <disk type='file' device='disk'><source file='/var/lib/libvirt/images/vm.qcow2'/>
        <target dev='vdb' bus='virtio'/></disk></devices></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><disk type='file' device='disk'><source file='/var/lib/libvirt/images/vm.qcow2'/>
        <target dev='vda' bus='virtio'/></disk>
        <disk type='file' device='disk'><source file='/var/lib/libvirt/images/data.qcow2'/>
        <target dev='vdb' bus='virtio'/></disk></devices></domain>
    ```
    """

    code = "VL762"
    name = "disk-image-lock"
    severity = Severity.ERROR
    summary = "Two disks open one image file, one writing where the other does not share writes (QEMU, at start)."
    elements = ("devices",)
    uses_caps = False

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        if not qemu_driver(ctx):
            return NOTHING
        facts = disk_facts(ctx, element)
        if len(facts) < 2:
            return NOTHING
        paths: set[str] = set()
        for fact in facts:  # the common case first: no image path named twice
            path = _image_path(fact)
            if path:
                if path in paths:
                    return self._problems(element, ctx)
                paths.add(path)
        return NOTHING

    def _problems(self, devices: etree._Element, ctx: Context) -> Iterator[Problem]:
        for path, openers in _openers(ctx, devices).items():
            for index, opener in enumerate(openers[1:], 1):
                earlier = next((o for o in openers[:index] if o.conflicts_with(opener)), None)
                if earlier is None:
                    continue
                attribute = LOCKED_SOURCES.get(opener.disk.get("type") or "file", "file")
                yield Problem(Anchor(opener.source, attribute),
                              f"Failed to get \"write\" lock: disks '{disk_dst(earlier.disk)}' and "
                              f"'{disk_dst(opener.disk)}' open '{path}' and one writes without the other sharing "
                              "writes (QEMU refuses to start the domain)",
                              hint="give each writable disk its own image, or mark both <shareable/> (raw images)")
                break
