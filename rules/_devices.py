"""Helpers shared by the device-family rules (disks, chardevs, video, interfaces, other devices).

They answer, from the domain XML alone, the facts libvirt's validation code works from:
the machine family, a disk's effective bus, a size in bytes. Each answers None when the
domain does not decide the fact, so rules can stay silent rather than guess.
"""

from __future__ import annotations

import re
from typing import Callable, Iterable, Iterator

from lxml import etree

from virtlint.linter.machines import parse_machine
from virtlint.linter.model import Context, Problem

#: A check of a table-driven rule: element, context -> problems.
Check = Callable[[etree._Element, Context], Iterable[Problem]]


def run_checks(checks: Iterable[Check], element: etree._Element, ctx: Context) -> Iterator[Problem]:
    """Problems of the first check that reports any: libvirt stops at its first refusal of a device."""
    for check in checks:
        problems = list(check(element, ctx))
        if problems:
            yield from problems
            return


def effective_arch(ctx: Context) -> str | None:
    """The guest arch: the domain's, or the caps' when the domain leaves it to the host."""
    return ctx.arch or ctx.caps.arch


def effective_machine(ctx: Context) -> str | None:
    """The domain's machine family ('pc-q35', 'pc-i440fx', 'virt', ...), or None when unknown.

    A domain without a machine gets the emulator's default, which the caps name only when they
    describe that very arch (and `virsh domcapabilities` without --machine reports the default).
    """
    machine = ctx.machine
    if machine is None:
        if ctx.caps.machine is None or (ctx.arch and ctx.caps.arch and ctx.arch != ctx.caps.arch):
            return None
        machine = ctx.caps.machine
    return parse_machine(machine).family


def is_q35(ctx: Context) -> bool | None:
    family = effective_machine(ctx)
    return None if family is None else family == "pc-q35"


def is_arm_virt(ctx: Context) -> bool | None:
    family, arch = effective_machine(ctx), effective_arch(ctx)
    if family is None or arch is None:
        return None
    return arch in ("aarch64", "armv7l", "armv6l") and (family == "virt" or family.startswith("virt-"))


def is_riscv_virt(ctx: Context) -> bool | None:
    family, arch = effective_machine(ctx), effective_arch(ctx)
    if family is None or arch is None:
        return None
    return arch.startswith("riscv") and family == "virt"


def is_loongarch_virt(ctx: Context) -> bool | None:
    family, arch = effective_machine(ctx), effective_arch(ctx)
    if family is None or arch is None:
        return None
    return arch.startswith("loongarch") and family == "virt"


def is_pseries(ctx: Context) -> bool | None:
    family, arch = effective_machine(ctx), effective_arch(ctx)
    if family is None or arch is None:
        return None
    return arch.startswith("ppc64") and family.startswith("pseries")


def is_s390(ctx: Context) -> bool | None:
    arch = effective_arch(ctx)
    return None if arch is None else arch.startswith("s390")


def is_x86(ctx: Context) -> bool | None:
    arch = effective_arch(ctx)
    return None if arch is None else arch in ("x86_64", "i686")


#: Target-name prefix -> the bus libvirt gives a disk without <target bus> (virDomainDiskDefAssignBus... ).
TARGET_PREFIX_BUS = (("hd", "ide"), ("sd", "scsi"), ("vd", "virtio"), ("xvd", "xen"), ("ubd", "uml"), ("fd", "fdc"))


def disk_bus(disk: etree._Element) -> str | None:
    """The disk's bus: <target bus>, or the one its target name implies (None: undecided)."""
    target = disk.find("target")
    if target is None:
        return None
    bus = target.get("bus")
    if bus:
        return bus
    dev = target.get("dev") or ""
    if disk.get("device") == "floppy":
        return "fdc"
    for prefix, implied in TARGET_PREFIX_BUS:
        if dev.startswith(prefix):
            return implied
    return None


def disk_dst(disk: etree._Element) -> str:
    target = disk.find("target")
    return (target.get("dev") if target is not None else None) or ""


def disk_format(disk: etree._Element) -> str | None:
    """<driver type>: the image format, or None when libvirt decides it (probing or defaults)."""
    driver = disk.find("driver")
    return driver.get("type") if driver is not None else None


#: Multipliers of libvirt's scaled integers (virScaleInteger): unit name -> bytes.
_UNITS = {
    "": 1, "b": 1, "bytes": 1,
    "k": 1024, "kib": 1024, "kb": 1000,
    "m": 1024**2, "mib": 1024**2, "mb": 1000**2,
    "g": 1024**3, "gib": 1024**3, "gb": 1000**3,
    "t": 1024**4, "tib": 1024**4, "tb": 1000**4,
    "p": 1024**5, "pib": 1024**5, "pb": 1000**5,
    "e": 1024**6, "eib": 1024**6, "eb": 1000**6,
}


def size_bytes(element: etree._Element, default_unit: str = "b") -> int | None:
    """A scaled size element (<size unit='M'>4</size>) in bytes; None when malformed."""
    text = (element.text or "").strip()
    if not re.fullmatch(r"\d+", text):
        return None
    unit = (element.get("unit") or default_unit).lower()
    if unit not in _UNITS:
        return None
    return int(text) * _UNITS[unit]


def is_power_of_two(value: int) -> bool:
    return value > 0 and value & (value - 1) == 0


def uint(text: str | None) -> int | None:
    """libvirt's unsigned integers: decimal (or 0x hex); None when absent or malformed."""
    if text is None:
        return None
    text = text.strip()
    try:
        return int(text, 16) if text.lower().startswith("0x") else int(text, 10)
    except ValueError:
        return None


def qemu_driver(ctx: Context) -> bool:
    """The domain is for libvirt's QEMU driver (the checks here model that driver's code)."""
    return ctx.domain_type in (None, "kvm", "qemu")


#: Source attribute that holds a local disk's path, per disk type.
LOCAL_SOURCE_ATTRIBUTE = {"file": "file", "block": "dev", "dir": "dir"}


def disk_is_empty(disk: etree._Element) -> bool | None:
    """virStorageSourceIsEmpty: a local disk without a source path (None: not decidable here)."""
    kind = disk.get("type") or "file"
    attribute = LOCAL_SOURCE_ATTRIBUTE.get(kind)
    if attribute is None:
        if kind == "network":
            source = disk.find("source")
            return source is None or not source.get("protocol")
        return None
    source = disk.find("source")
    return source is None or not source.get(attribute)


#: Machine families whose version is the QEMU release that introduced them.
QEMU_VERSIONED = frozenset({"pc-q35", "pc-i440fx", "virt", "pseries", "s390-ccw-virtio"})


def refused_since(ctx: Context, major: int, minor: int = 0) -> bool:
    """Whether the modelled libvirt has a refusal that release added (the newest known when not configured).

    Uses the libvirt-version setting (``Context.libvirt_at_least``) where the engine offers it.
    """
    at_least = getattr(ctx, "libvirt_at_least", None)
    return True if at_least is None else bool(at_least(major, minor))


#: Device elements below <devices> and the libvirt release whose parser first reads them: older releases drop
#: them silently (libvirt 9.0 defines a domain with any <crypto>, whatever its values, and keeps nothing of it).
DEVICE_SINCE: dict[str, tuple[int, int]] = {"crypto": (9, 1)}


def device_parsed(ctx: Context, tag: str) -> bool:
    """Whether the modelled libvirt reads a <devices> child of this tag at all (older releases drop it)."""
    since = DEVICE_SINCE.get(tag)
    return since is None or refused_since(ctx, *since)
