"""VL750 disk-target-name: a disk target libvirt cannot parse, a partition, or no target at all."""

from __future__ import annotations

from functools import lru_cache
from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.lazy_re import lazy_compile
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.rules._devices import disk_facts, qemu_driver, with_first_children
from virtlint.rules._support import NOTHING

#: virDiskNameParse: a known prefix, lower-case letters, then optional digits (the partition).
_DISK_NAME = lazy_compile(r"^(?:fd|hd|vd|sd|xvd|ubd)([a-z]+)([0-9]*)$")


@lru_cache(maxsize=1024)  # a fleet reuses a handful of target names
def partition(dev: str) -> int | None:
    """The partition number in a target name ('vdb1' -> 1, 'vdb' -> 0), None when libvirt cannot parse it."""
    match = _DISK_NAME.match(dev)
    if not match:
        return None
    digits = match.group(2)
    if len(digits) > 1 and digits.startswith("0"):
        return None
    return int(digits) if digits else 0


def _c_int(value: int) -> int:
    """``value`` as a C int holds it after an overflow (two's complement)."""
    return (value + 2**31) % 2**32 - 2**31


def wrapped_index(dev: str) -> int | None:
    """virDiskNameParse's disk index, computed in a C int as libvirt does (seven letters or more can wrap it to a
    negative number, which libvirt then cannot map to an address); None when it cannot parse the name."""
    match = _DISK_NAME.match(dev)
    if not match:
        return None
    index = 0
    for position, letter in enumerate(match.group(1)):
        index = _c_int(_c_int((index + (1 if position else 0)) * 26) + ord(letter) - ord("a"))
    return index


#: The shortest target name whose index can wrap (a two-letter prefix and seven letters: 26^7 > 2^31)
WRAPPING_NAME_LENGTH = 9
#: the target name prefixes of a hard disk or lun (virDomainDiskDefValidate)
HARDDISK_PREFIXES = ("hd", "sd", "vd", "xvd", "ubd")


def kind_name_problem(device: str | None, dev: str) -> str | None:
    """virDomainDiskDefValidate's refusal of a target name its device kind does not take, None if it takes it."""
    if device is None or device == "disk" or device == "lun":
        return None if dev.startswith(HARDDISK_PREFIXES) else f"Invalid harddisk device name: {dev}"
    if device == "floppy" and not dev.startswith("fd"):
        return f"Invalid floppy device name: {dev}"
    return None


def _problems(disk: etree._Element, target: etree._Element | None, dev: str | None, qemu: bool) -> Iterator[Problem]:
    """The disk's problems, when it has no target name or an unusual one."""
    if not dev:
        source = disk.find("source")
        path = None
        if source is not None:
            path = source.get("file") or source.get("dev") or source.get("dir") or source.get("name")
        yield Problem(Anchor(target if target is not None else disk),
                      "missing target information for device" + (f" {path}" if path else ""),
                      hint="add <target dev='vdX' bus='virtio'/>")
        return
    if len(dev) >= WRAPPING_NAME_LENGTH and disk.find("address") is None and (wrapped_index(dev) or 0) < 0:
        # (virDomainDiskDefAssignAddress, at post-parse, for a disk without an address; every driver)
        yield Problem(Anchor(target, "dev") if target is not None else Anchor(disk),
                      f"Unknown disk name '{dev}' and no address specified",
                      hint="the name's index overflows libvirt's int: use a shorter name, or give an <address>")
        return
    number = partition(dev) if qemu else None
    if target is not None and (not qemu or number is not None or disk.find("address") is not None):
        # (virDomainDiskDefValidate, every driver, after the post-parse that refuses a name it cannot read when it
        # gives the disk an address from it: QEMU's "invalid disk target" below stands for that; a target it has:
        # it has a name)
        message = kind_name_problem(disk.get("device"), dev)
        if message is not None:
            yield Problem(Anchor(target, "dev"), message,
                          hint="name a floppy fdX" if message.startswith("Invalid floppy") else
                          "name a disk vdX, sdX or hdX (fdX names a floppy)")
            return
    if not qemu or target is None:
        return
    if number is None:
        yield Problem(Anchor(target, "dev"), f"invalid disk target '{dev}'",
                      hint="name the target like vda, sda, hda or fda")
    elif number:
        whole = dev.rstrip("0123456789")
        yield Problem(Anchor(target, "dev"),
                      f"invalid disk target '{dev}', partitions can't appear in disk targets",
                      hint=f"name the whole disk: dev='{whole}'", replacements=(whole,))


@register
class DiskTargetName(Rule):
    """
    ## What it does
    Reports a `<disk>` without a `<target dev>`, a target name libvirt cannot
    parse (it must be `fd`, `hd`, `vd`, `sd`, `xvd` or `ubd`, then lower-case
    letters), a target that names a partition (`vdb1`), a floppy whose name
    does not start with `fd`, a hard disk or lun whose name does not
    start with `hd`, `sd`, `vd`, `xvd` or `ubd` (`fda`), and a disk without
    an address whose name's index overflows libvirt's int (seven letters or
    more: `vdfxshrxy`).

    ## Why is this bad?
    libvirt refuses the domain when it is defined. Messages modelled:
    `missing target information for device ...`, `Unknown disk name
    'vdzzzzzzz' and no address specified` (virDomainDiskDefAssignAddress,
    post-parse, every driver), `Invalid floppy device
    name: hda`, `Invalid harddisk device name: fda` (virDomainDiskDefValidate,
    every driver),
    `invalid disk target 'x'` and `invalid disk target 'vdb1', partitions
    can't appear in disk targets` (qemuValidateDomainDeviceDefDisk). Stage:
    define; driver: QEMU. Same in libvirt 9.0 and 10.7.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><disk type='file'><source file='/var/lib/libvirt/images/a.qcow2'/>
        <target dev='vdb1' bus='virtio'/></disk></devices></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><disk type='file'><source file='/var/lib/libvirt/images/a.qcow2'/>
        <target dev='vdb' bus='virtio'/></disk></devices></domain>
    ```
    """

    code = "VL750"
    name = "disk-target-name"
    severity = Severity.ERROR
    summary = "A disk target that is missing, unparsable or a partition."
    #: the disks below (one visit for all of them)
    elements = ("devices",)
    uses_caps = False

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        qemu = qemu_driver(ctx)
        for _disk, _children, device, _kind, _target, dev, _bus, _more in disk_facts(ctx, element):
            if not dev or qemu and partition(dev) != 0 or kind_name_problem(device, dev) is not None \
                    or len(dev) >= WRAPPING_NAME_LENGTH:
                return self._disk_problems(element, ctx)
        return NOTHING  # every disk has a whole disk's usual name

    def _disk_problems(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        """The disks' problems (some disk's target is missing or unusual)."""
        qemu = qemu_driver(ctx)
        for disk, children in with_first_children(ctx, element, "disk"):
            target = children.get("target")
            dev = target.get("dev") if target is not None else None
            if dev and (not qemu or partition(dev) == 0) and kind_name_problem(disk.get("device"), dev) is None \
                    and len(dev) < WRAPPING_NAME_LENGTH:
                continue  # a whole disk's usual name
            yield from _problems(disk, target, dev, qemu)
