"""Helpers shared by the device-family rules (disks, chardevs, video, interfaces, other devices).

They answer, from the domain XML alone, the facts libvirt's validation code works from:
the machine family, a disk's effective bus, a size in bytes. Each answers None when the
domain does not decide the fact, so rules can stay silent rather than guess.
"""

from __future__ import annotations

from typing import Any, Callable, ClassVar, Iterable, Iterator

from lxml import etree

from virtlint.linter.baseline import fleet_newest_machine
from virtlint.linter.machines import parse_machine, upstream_at_most
from virtlint.linter.units import INT_MAX, scaled_bytes
from virtlint.linter.model import Context, Problem, Rule
from virtlint.rules._addresses import X86
from virtlint.rules._libvirt_enums import UINT_MESSAGE
from virtlint.rules._domain import is_arm_virt as machine_is_arm_virt, is_pseries as machine_is_pseries
from virtlint.rules._support import NOTHING, children_by_tag, devices_of, first_child

#: A check of a table-driven rule: element, context -> problems.
Check = Callable[[etree._Element, Context], Iterable[Problem]]


def run_checks(checks: Iterable[Check], element: etree._Element, ctx: Context) -> Iterator[Problem]:
    """Problems of the first check that reports any: libvirt stops at its first refusal of a device."""
    for check in checks:
        problems = list(check(element, ctx))
        if problems:
            yield from problems
            return



class DiskTableRule(Rule):
    """A QEMU rule judging each disk by a table of checks (``run_checks``): one visit of <devices> for all its
    disks, the table run only on those ``suspects`` names (usually none)."""

    elements: ClassVar[tuple[str, ...]] = ("devices",)
    uses_caps = False
    #: the checks, in libvirt's order
    checks: ClassVar[tuple[Check, ...]] = ()

    def suspects(self, devices: etree._Element, ctx: Context) -> list[etree._Element]:
        """The disks the checks may report on, in document order; they certainly report nothing on the others."""
        raise NotImplementedError

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        if qemu_driver(ctx):
            suspects = self.suspects(element, ctx)
            if suspects:
                return self._problems(suspects, ctx)
        return NOTHING

    def _problems(self, disks: list[etree._Element], ctx: Context) -> Iterator[Problem]:
        for disk in disks:
            yield from run_checks(self.checks, disk, ctx)


#: what libvirt's start-time refusals end with (a domain it defines and does not start)
LIBVIRT_START = " (libvirt refuses to start the domain)"


def signed_copy_message(attribute: str, element: str, value: int) -> str:
    """What libvirt says at start of an unsigned number above INT_MAX it formats with %d (checked on 9.0: the
    parser reads the copy's negative number as virXMLPropUInt does)."""
    return UINT_MESSAGE.format(attribute=attribute, element=element, value=value - 2**32) + LIBVIRT_START


#: what QEMU's refusals end with
QEMU_START = " (QEMU refuses to start the domain)"
#: QEMU's ISA_NUM_IRQS: an ISA device's irq beyond them fails an assertion in isa_get_irq (QEMU aborts at start)
ISA_IRQS = 16
ISA_IRQ_REFUSAL = "isa_get_irq: Assertion 'isairq < ISA_NUM_IRQS' failed" + QEMU_START
ISA_IRQ_HINT = f"an ISA IRQ is 0x0 to 0x{ISA_IRQS - 1:x} (irq is read in hexadecimal: '10' is 16)"
#: The arches whose QEMU binary (qemu-system-ppc64) has the sPAPR VIO devices (spapr-vscsi, spapr-vlan...)
SPAPR_ARCHES = frozenset({"ppc64", "ppc64le"})
#: arches whose QEMU binary has no ISA bus, so no ISA device (isa-parallel, sb16...)
NO_ISA_ARCHES = frozenset({"aarch64", "armv6l", "armv7l", "riscv32", "riscv64", "s390", "s390x"})

#: ctx.memo keys of the per-document caches below
_FIRST_CHILDREN_KEY = "devices:first-children"
_MACHINE_FAMILY_KEY = "devices:machine-family"
_IOTHREAD_DRIVERS_KEY = "devices:iothread-drivers"
_DISKS_WITH_EXTRAS_KEY = "devices:disks-with-extras"
_SCANNED_KEY = "devices:scanned"
_WITH_FIRST_CHILDREN_KEY = "devices:with-first-children"
_DISK_FACTS_KEY = "devices:disk-facts"

#: Tags some device rules look for anywhere in the domain, in the groups found together: boot orders and menus,
#: backing chains, auth, encryption and security labels (every document asks for them all: one C-level pass
#: over the tree finds them, usually a handful, cheaper than even one substring search of the markup per tag);
#: IOThread drivers (asked only when the markup names an iothread: the many <driver>s stay out of the first).
SCANNED_GROUPS = (("boot", "bootmenu", "backingStore", "auth", "encryption", "seclabel", "acpi"), ("driver",))
_SCANNED_GROUP = {tag: group for group in SCANNED_GROUPS for tag in group}


def _per_element(ctx: Context, key: str) -> Any:
    """The document's cache ``key`` of facts about elements (element -> fact), created empty on first use."""
    cache = ctx.memo.get(key)
    if cache is None:
        cache = ctx.memo[key] = {}
    return cache


def scanned(ctx: Context, tag: str) -> list[etree._Element]:
    """The domain's elements of a SCANNED_GROUPS tag, in document order (one pass over the tree per group and
    document)."""
    by_tag: dict[str, list[etree._Element]] | None = ctx.memo.get(_SCANNED_KEY)  # type: ignore[assignment]
    if by_tag is None:
        by_tag = ctx.memo[_SCANNED_KEY] = {}
    found = by_tag.get(tag)
    if found is None:
        group = _SCANNED_GROUP[tag]
        if len(group) == 1:
            found = by_tag[tag] = list(ctx.root.iter(tag))
        else:
            for member in group:
                by_tag[member] = []
            for element in ctx.root.iter(*group):
                by_tag[element.tag].append(element)
            found = by_tag[tag]
    return found


def first_children(ctx: Context, element: etree._Element) -> dict[str, etree._Element]:
    """Tag -> the element's first child of that tag (what ``element.find(tag)`` returns), built once per element
    and document: the device rules each read a disk's <target>, <driver>, <source>... and one pass over its
    children is cheaper than their separate finds. Its size is the number of distinct child tags (a comment
    or PI counts as one), so ``len(first_children) == len(element)`` means no tag repeats."""
    cache: dict[etree._Element, dict[str, etree._Element]] = _per_element(ctx, _FIRST_CHILDREN_KEY)
    children = cache.get(element)
    if children is None:
        # last child first, so that the first of each tag is the one kept; comments and PIs are keyed by their
        # tag (the etree.Comment and etree.PI factories), no tag name a caller asks for (cheaper than filtering)
        nodes = element.getchildren()
        nodes.reverse()
        children = cache[element] = {node.tag: node for node in nodes}
    return children


def with_first_children(ctx: Context, devices: etree._Element,
                        tag: str) -> list[tuple[etree._Element, dict[str, etree._Element]]]:
    """(device, its ``first_children``) for these devices' children of this tag ('disk', 'interface'), built once
    per document: the rules judging every disk each walk this list instead of asking per disk."""
    cache: dict[tuple[etree._Element, str], list[tuple[etree._Element, dict[str, etree._Element]]]] = \
        _per_element(ctx, _WITH_FIRST_CHILDREN_KEY)
    key = (devices, tag)
    pairs = cache.get(key)
    if pairs is None:
        pairs = cache[key] = [(device, first_children(ctx, device))
                              for device in children_by_tag(ctx, devices).get(tag, ())]
    return pairs


#: A disk as the disk rules' no-finding tests read it, each attribute once per document: (disk, its
#: ``first_children``, device, type, <target> or None, target dev, target bus, whether the target has attributes
#: besides dev and bus); an absent attribute is None.
DiskFacts = tuple[etree._Element, dict[str, etree._Element], str | None, str | None, etree._Element | None,
                  str | None, str | None, bool]


def disk_facts(ctx: Context, devices: etree._Element) -> list[DiskFacts]:
    """``DiskFacts`` of these devices' disks, in document order (read once per document: five rules judge
    them)."""
    cache: dict[etree._Element, list[DiskFacts]] = _per_element(ctx, _DISK_FACTS_KEY)
    facts = cache.get(devices)
    if facts is None:
        facts = cache[devices] = []
        for disk, children in with_first_children(ctx, devices, "disk"):
            target = children.get("target")
            if target is None:
                facts.append((disk, children, disk.get("device"), disk.get("type"), None, None, None, False))
            else:
                dev, bus = target.get("dev"), target.get("bus")
                # (one count of its attributes spares the readers asking for each rare one)
                more = len(target.attrib) > (dev is not None) + (bus is not None)
                facts.append((disk, children, disk.get("device"), disk.get("type"), target, dev, bus, more))
    return facts


def iothread_drivers(ctx: Context, devices: etree._Element) -> list[etree._Element]:
    """The disk and controller <driver> elements of these devices that name an IOThread, in document order
    (found once per document: two rules judge them)."""
    cache: dict[etree._Element, list[etree._Element]] = _per_element(ctx, _IOTHREAD_DRIVERS_KEY)
    drivers = cache.get(devices)
    if drivers is None:
        drivers = cache[devices] = []
        if "iothread" not in ctx.document.text:  # (a substring search in C) no attribute of that name anywhere
            return drivers
        for driver in scanned(ctx, "driver"):
            if driver.get("iothread") is not None:
                device = driver.getparent()
                if device.tag in ("disk", "controller") and device.getparent() is devices:
                    drivers.append(driver)
    return drivers


def disks_with_extras(ctx: Context, devices: etree._Element) -> set[etree._Element]:
    """The disks of these devices with a backing chain, <auth> or <encryption> (the few the source and format
    rules read closely), found once per document."""
    cache: dict[etree._Element, set[etree._Element]] = _per_element(ctx, _DISKS_WITH_EXTRAS_KEY)
    disks = cache.get(devices)
    if disks is None:
        disks = cache[devices] = set()
        for tag in ("backingStore", "auth", "encryption"):
            for element in scanned(ctx, tag):
                parent = element.getparent()  # up to the <disk> below these devices, if it is in one
                while parent is not None and not (parent is devices and element.tag == "disk"):
                    element, parent = parent, parent.getparent()
                if parent is not None:
                    disks.add(element)
    return disks


def effective_arch(ctx: Context) -> str | None:
    """The guest arch: the domain's, or the caps' when the domain leaves it to the host."""
    return ctx.arch or ctx.caps.arch


def has_isa(ctx: Context) -> bool | None:
    """Whether the guest's QEMU binary has ISA devices (NO_ISA_ARCHES: ARM, RISC-V and s390 have none); None when
    the arch is unknown."""
    arch = effective_arch(ctx)
    return None if arch is None else arch not in NO_ISA_ARCHES


#: x86's PC machine families
PC_FAMILIES = ("pc-i440fx", "pc-q35")
#: The newest x86 machine versions whose fw_cfg has no DMA (QEMU's hw_compat_2_4), which QEMU's vmgenid and
#: vmcoreinfo devices need (checked on 9.0 with QEMU 7.2: 2.4 refused, 2.5 started)
FW_CFG_DMA_LACKING_NEWEST = (2, 4)


def fw_cfg_without_dma(machine: str | None) -> bool:
    """Whether the machine's fw_cfg has no DMA: the i440fx and q35 machines of 2.4 and older."""
    return upstream_at_most(machine or "", PC_FAMILIES, FW_CFG_DMA_LACKING_NEWEST)


def effective_machine(ctx: Context) -> str | None:
    """The domain's machine family ('pc-q35', 'pc-i440fx', 'virt', ...), or None when unknown.

    A domain without a machine gets the emulator's default, which the caps name only when they
    describe that very arch (and `virsh domcapabilities` without --machine reports the default).
    """
    memo = ctx.memo
    if _MACHINE_FAMILY_KEY in memo:  # asked by many checks per document, the same answer each time
        return memo[_MACHINE_FAMILY_KEY]  # type: ignore[return-value]
    machine = effective_machine_name(ctx)
    family = memo[_MACHINE_FAMILY_KEY] = None if machine is None else parse_machine(machine).family
    return family


def effective_machine_name(ctx: Context) -> str | None:
    """The domain's machine as written, or the caps' (the emulator's default) when the domain names none and the
    caps describe its arch; None when unknown (see effective_machine)."""
    if ctx.machine is not None:
        return ctx.machine
    if ctx.caps.machine is None or (ctx.arch and ctx.caps.arch and ctx.arch != ctx.caps.arch):
        return None
    return ctx.caps.machine


def versioned_machine(ctx: Context) -> str | None:
    """The domain's machine as written, an alias (pc, q35) replaced by the versioned machine the caps name for it."""
    if ctx.machine in ("pc", "q35") and ctx.identity_matches and ctx.caps.machine:
        return ctx.caps.machine
    return ctx.machine


def is_q35(ctx: Context) -> bool | None:
    family = effective_machine(ctx)
    return None if family is None else family == "pc-q35"


def is_arm_virt(ctx: Context) -> bool | None:
    family, arch = effective_machine(ctx), effective_arch(ctx)
    if family is None or arch is None:
        return None
    return machine_is_arm_virt(arch, family)


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
    return machine_is_pseries(arch, family)


def is_s390(ctx: Context) -> bool | None:
    arch = effective_arch(ctx)
    return None if arch is None else arch.startswith("s390")


def is_x86(ctx: Context) -> bool | None:
    arch = effective_arch(ctx)
    return None if arch is None else arch in X86


def disk_dst(disk: etree._Element) -> str:
    target = disk.find("target")
    return (target.get("dev") if target is not None else None) or ""


def disk_format(disk: etree._Element) -> str | None:
    """<driver type>: the image format, or None when libvirt decides it (probing or defaults).

    'aio' is read as raw (Xen back-compat in virDomainDiskDefDriverSourceParseXML)."""
    driver = disk.find("driver")
    fmt = driver.get("type") if driver is not None else None
    return "raw" if fmt == "aio" else fmt


def is_power_of_two(value: int) -> bool:
    return value > 0 and value & (value - 1) == 0


#: Where caps_qemu_release read the QEMU release: the caps' machine, a fleet baseline's newest host's, the host's
CAPS_MACHINE, FLEET_MACHINE, HOST_MACHINES = "caps", "fleet", "host"


def caps_qemu_release(ctx: Context) -> tuple[tuple[int, ...], str] | None:
    """The QEMU release the domain's host has, at least, and where that was read: the capabilities' upstream
    versioned machine (pc-q35-7.2 comes with QEMU 7.2 or later), or a fleet baseline's newest host's (a baseline
    names its oldest machine, which every host runs; what a newer QEMU removed fails on the newest host), or the
    newest upstream versioned machine the host document lists for the guest's arch (the caps of a domain on an old
    machine type name that machine). None when neither tells (a distribution's machine names, such as RHEL's,
    carry its version, not QEMU's)."""
    best: tuple[tuple[int, ...], str] | None = None
    if ctx.identity_matches and ctx.caps.machine:
        newest = fleet_newest_machine(ctx.caps)
        machine = parse_machine(newest or ctx.caps.machine)
        if not machine.flavor and machine.version is not None:
            best = (machine.version, FLEET_MACHINE if newest else CAPS_MACHINE)
    arch = effective_arch(ctx)
    if ctx.host is not None and arch:
        for guest in ctx.host.guests_for(arch):
            if ctx.caps.emulator and guest.emulator and guest.emulator != ctx.caps.emulator:
                continue  # (another binary's machines say nothing of this one)
            for entry in guest.machines_for(ctx.domain_type):
                machine = parse_machine(entry.name)
                if not machine.flavor and machine.version is not None and (best is None or machine.version > best[0]):
                    best = (machine.version, HOST_MACHINES)
    return best


def qemu_release_label(release: tuple[tuple[int, ...], str]) -> str:
    """'these capabilities are QEMU 7.2's', 'a host of this fleet runs QEMU 7.2' or 'the host's machines are QEMU
    7.2's', for messages."""
    version = ".".join(map(str, release[0]))
    if release[1] == FLEET_MACHINE:
        return f"a host of this fleet runs QEMU {version}"
    if release[1] == HOST_MACHINES:
        return f"the host's machines are QEMU {version}'s"
    return f"these capabilities are QEMU {version}'s"


def qemu_driver(ctx: Context) -> bool:
    """The domain is for libvirt's QEMU driver (the checks here model that driver's code)."""
    return ctx.domain_type in (None, "kvm", "qemu")


def implicit_audio(ctx: Context) -> str | None:
    """The type of the <audio id='1'> the QEMU driver adds to a domain without <audio>
    (qemuDomainDefAddDefaultAudioBackend), None when it adds none. With libvirt's default qemu.conf
    (vnc_allow_host_audio and nogfx_allow_host_audio off) and no QEMU_AUDIO_DRV in the daemon's environment: 'none'
    without a display or when the last VNC, SPICE or SDL display is VNC, 'spice' when it is SPICE; none when it is
    SDL (host audio needs QEMU_AUDIO_DRV) or the displays are only RDP, D-Bus or egl-headless."""
    graphics = devices_of(ctx, "graphics")
    if not graphics:
        return "none"
    last = None
    for display in graphics:
        kind = display.get("type")
        if kind in ("vnc", "spice", "sdl"):
            last = kind
    return {"vnc": "none", "spice": "spice"}.get(last or "")


def effective_gic_version(ctx: Context) -> str | None:
    """The GIC version an ARM virt guest gets (qemuDomainDefEnableDefaultFeatures): the one written, else for TCG
    version 2 (the emulated GICv3 lacks an MSI controller), for KVM the highest the capabilities list, else 2;
    None when the caps do not say or the machine is not ARM virt."""
    if not is_arm_virt(ctx):
        return None
    gic = ctx.root.find("features/gic")
    version = gic.get("version") if gic is not None else None
    if version:
        return version
    if ctx.domain_type == "qemu":
        return "2"
    if not ctx.identity_matches:
        return None
    listed = ctx.caps.enum("features/gic", "version")
    if listed.allows("3") is None:
        return None
    return "3" if listed.allows("3") else "2"


#: Source attribute that holds a local disk's path, per disk type.
LOCAL_SOURCE_ATTRIBUTE = {"file": "file", "block": "dev", "dir": "dir"}


def disk_is_empty(disk: etree._Element) -> bool | None:
    """virStorageSourceIsEmpty: a local disk without a source path (None: not decidable here)."""
    return source_is_empty(disk, disk.find("source"))


def source_is_empty(disk: etree._Element, source: etree._Element | None) -> bool | None:
    """``disk_is_empty`` given the disk's (first) <source>, when the caller has it at hand."""
    return source_is_empty_of(disk.get("type"), source)


def metadata_cache_sized(cache: etree._Element) -> bool:
    """A <metadata_cache> whose <max_size> is above 0 bytes (virParseScaledValue's default unit is the byte;
    libvirt reads an empty one as no size and finds nothing to check)."""
    size = first_child(cache, "max_size")
    return size is not None and bool(scaled_bytes(size.text, size.get("unit"), 1))


def source_is_empty_of(kind: str | None, source: etree._Element | None) -> bool | None:
    """``source_is_empty`` given the disk's type attribute (None when absent)."""
    kind = kind or "file"
    attribute = LOCAL_SOURCE_ATTRIBUTE.get(kind)
    if attribute is None:
        if kind == "network":  # (a <source> without a protocol is the parser's error: VL759's)
            return source is None or source.get("protocol") == "none"
        return None
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
DEVICE_SINCE: dict[str, tuple[int, int]] = {"crypto": (9, 1), "pstore": (10, 6)}


def device_parsed(ctx: Context, tag: str) -> bool:
    """Whether the modelled libvirt reads a <devices> child of this tag at all (older releases drop it)."""
    since = DEVICE_SINCE.get(tag)
    return since is None or refused_since(ctx, *since)
