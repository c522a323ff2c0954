"""A domain's identity (virt type, arch, emulator, machine): what libvirt makes of it, and which caps describe it.

A domcapabilities document describes one emulator binary, one guest arch, one
virt type and one machine type, while a host offers many of each. So a
domcaps that differs from the domain says nothing about it (the domain may be
fine on the same host), and only a few things are certain from it alone; the
host's ``virsh capabilities`` lists every binary, arch, virt type and machine
(with aliases and vCPU limits) and lets the identity be decided as libvirt's
QEMU driver does (qemuValidateDomainDef, virQEMUCapsIsArchSupported,
virQEMUCapsGetCanonicalMachine, virQEMUCapsIsMachineSupported,
virQEMUCapsGetMachineMaxCpus).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Sequence

from lxml import etree

from virtlint.linter._record import FrozenRecord, Record
from virtlint.linter.caps import DomainCaps
from virtlint.linter.drivers import DRIVER_OF_TYPE
from virtlint.linter.lazy_re import lazy_compile
from virtlint.linter.machines import MachineFit, machine_fit, parse_machine

#: how a frozen record's __init__ sets its fields
_set = object.__setattr__

if TYPE_CHECKING:  # the host model is read only when a host document is given
    from virtlint.linter.host import GuestCaps, HostCaps, MachineEntry

#: virQEMUCapsIsArchSupported: the guest arches a QEMU binary runs besides its own.
COMPATIBLE_GUEST_ARCHES: dict[str, tuple[str, ...]] = {
    "x86_64": ("i686",),
    "aarch64": ("armv7l",),
    "armv7l": ("armv6l",),
    "ppc64": ("ppc64le",),
}

#: qemu-system-<target> -> libvirt arch, where they differ (virQEMUCapsArchToString).
_TARGET_ARCH = {"i386": "i686", "arm": "armv7l"}
_QEMU_SYSTEM = lazy_compile(r"^qemu-system-([a-z0-9_]+)$")

_X86 = ("x86_64", "i686")
#: Machine families that exist only in the QEMU binaries of these guest arches (QEMU's hw/ boards).
FAMILY_ONLY_ON: dict[str, tuple[str, ...]] = {
    "pc-i440fx": _X86,
    "pc-q35": _X86,
    "isapc": _X86,
    "microvm": _X86,
    "pseries": ("ppc64", "ppc64le"),
    "s390-ccw-virtio": ("s390", "s390x"),
}
#: Machine families known to be absent from the binaries of these arches.
FAMILY_ABSENT_ON: dict[str, tuple[str, ...]] = {
    "virt": (*_X86, "ppc", "ppc64", "ppc64le", "s390", "s390x"),
}


def binary_runs(binary_arch: str, guest_arch: str) -> bool:
    """virQEMUCapsIsArchSupported: can a QEMU binary built for ``binary_arch`` run a ``guest_arch`` guest?"""
    return guest_arch == binary_arch or guest_arch in COMPATIBLE_GUEST_ARCHES.get(binary_arch, ())


def binary_arch_from_name(path: str) -> str | None:
    """The target of a binary named ``qemu-system-<target>`` (libvirt's arch name), else None."""
    match = _QEMU_SYSTEM.match(os.path.basename(path))
    if match is None:
        return None
    return _TARGET_ARCH.get(match.group(1), match.group(1))


def binary_arches_for_caps(caps: DomainCaps) -> set[str]:
    """The arches the binary of a domcaps may be built for: its guest arch, or one that runs it."""
    if not caps.arch:
        return set()
    return {caps.arch} | {binary for binary, guests in COMPATIBLE_GUEST_ARCHES.items() if caps.arch in guests}


def machine_impossible_on(machine: str, arch: str) -> bool:
    """True when no QEMU binary that runs ``arch`` guests has this machine's family."""
    family = parse_machine(machine).family
    only = FAMILY_ONLY_ON.get(family)
    if only is not None and arch not in only:
        return True
    return arch in FAMILY_ABSENT_ON.get(family, ())


# -- does a domcaps describe the domain? -----------------------------------


#: the domain types the QEMU driver runs
QEMU_TYPES = frozenset(kind for kind, driver in DRIVER_OF_TYPE.items() if driver == "qemu")


class Identity(FrozenRecord):
    """What the domain asks for; None where it does not say."""

    domain_type: str | None
    arch: str | None
    machine: str | None
    emulator: str | None
    os_type: str
    #: Whether the domain has an <os><type> at all (without one, libvirt refuses it but for a Xen bootloader)
    os_type_written: bool

    __slots__ = ("domain_type", "arch", "machine", "emulator", "os_type", "os_type_written")
    _fields = __slots__

    def __init__(
        self,
        domain_type: str | None,
        arch: str | None,
        machine: str | None,
        emulator: str | None,
        os_type: str = "hvm",
        os_type_written: bool = True,
    ) -> None:
        _set(self, "domain_type", domain_type)
        _set(self, "arch", arch)
        _set(self, "machine", machine)
        _set(self, "emulator", emulator)
        _set(self, "os_type", os_type)
        _set(self, "os_type_written", os_type_written)

    @property
    def host_os_type(self) -> str:
        """The OS type libvirt looks the host's binaries up by: the QEMU driver picks its binary by arch alone (and
        refuses any type but hvm later, in validation), other drivers by the domain's type."""
        return "hvm" if self.domain_type in QEMU_TYPES else self.os_type

    @classmethod
    def of(cls, root: etree._Element) -> Identity:
        # what root.find("os/type") and root.findtext("devices/emulator") select, without ElementPath's
        # Python-level path machinery: the first <type> of any <os>, the first <emulator> of any <devices>
        os_type = emulator_element = None
        for holder in root.iterchildren("os"):
            os_type = next(holder.iterchildren("type"), None)
            if os_type is not None:
                break
        for holder in root.iterchildren("devices"):
            emulator_element = next(holder.iterchildren("emulator"), None)
            if emulator_element is not None:
                break
        emulator = ((emulator_element.text or "").strip() or None) if emulator_element is not None else None
        # (libvirt reads the arch and machine with virXPathString: an empty one is none, and gets the default)
        return cls(
            root.get("type"),
            (os_type.get("arch") or None) if os_type is not None else None,
            (os_type.get("machine") or None) if os_type is not None else None,
            emulator,
            ((os_type.text or "").strip() or "hvm") if os_type is not None else "hvm",
            os_type is not None,
        )


def mismatches(caps: DomainCaps, wanted: Identity, host: HostCaps | None = None) -> list[str]:
    """Why a domcaps does not describe the domain (empty when it does).

    An older machine of the same family counts as described (as do aliases): the
    caps of the newest machine are close enough and were always used that way.
    """
    reasons = []
    if wanted.domain_type and caps.domain_type and wanted.domain_type != caps.domain_type:
        reasons.append(f"virt type '{wanted.domain_type}' (these are for '{caps.domain_type}')")
    if wanted.arch and caps.arch and wanted.arch != caps.arch:
        reasons.append(f"arch '{wanted.arch}' (these are for '{caps.arch}')")
    if wanted.emulator and caps.emulator and wanted.emulator != caps.emulator:
        reasons.append(f"emulator '{wanted.emulator}' (these are for '{caps.emulator}')")
    if wanted.machine and caps.machine:
        machine = wanted.machine
        if host is not None and wanted.arch:
            view = resolve(host, wanted)
            machine = view.canonical or machine
        fit = machine_fit(machine, caps.machine)
        if fit is MachineFit.NEWER:
            reasons.append(f"machine '{wanted.machine}' (these are for the older '{caps.machine}')")
        elif fit is MachineFit.OTHER:
            reasons.append(f"machine '{wanted.machine}' (these are for '{caps.machine}')")
    return reasons


def fit_rank(caps: DomainCaps, wanted: Identity) -> tuple[int, ...] | None:
    """How well a domcaps fits the domain (higher is better); None when it does not describe it."""
    if mismatches(caps, wanted):
        return None
    exact_machine = bool(wanted.machine and caps.machine and machine_fit(wanted.machine, caps.machine)
                         is MachineFit.SAME)
    same_emulator = bool(wanted.emulator and wanted.emulator == caps.emulator)
    return (int(same_emulator), int(exact_machine))


def closeness(caps: DomainCaps, wanted: Identity) -> int:
    """For a domain no domcaps describes: how many of arch, virt type, machine family and emulator agree."""
    score = 0
    if wanted.arch and caps.arch == wanted.arch:
        score += 8
    if wanted.domain_type and caps.domain_type == wanted.domain_type:
        score += 4
    if wanted.machine and caps.machine and parse_machine(wanted.machine).family == parse_machine(caps.machine).family:
        score += 2
    if wanted.emulator and caps.emulator == wanted.emulator:
        score += 1
    return score


def fetch_command(wanted: Identity) -> str:
    """The virsh command that prints the domcapabilities describing this domain."""
    parts = ["virsh domcapabilities"]
    if wanted.domain_type:
        parts.append(f"--virttype {wanted.domain_type}")
    if wanted.arch:
        parts.append(f"--arch {wanted.arch}")
    if wanted.machine:
        parts.append(f"--machine {wanted.machine}")
    if wanted.emulator:
        parts.append(f"--emulatorbin {wanted.emulator}")
    return " ".join(parts)


# -- what the host document says --------------------------------------------


class HostView(Record):
    """The domain's identity as libvirt resolves it on one host (virsh capabilities)."""

    #: The binary libvirt uses: the domain's <emulator>, else the host's default for the arch.
    emulator: str | None
    #: The host reports this binary for some guest arch.
    emulator_listed: bool
    #: Guest arches whose entries use the binary.
    binary_arches: frozenset[str]
    #: Virt types the binary offers (the <domain type> of the entries using it).
    virt_types: frozenset[str]
    #: The guest entry that describes the binary for this domain.
    guest: GuestCaps | None
    #: The machines the binary offers for the domain's virt type.
    machines: tuple[MachineEntry, ...]
    #: The domain's machine with an alias resolved (virQEMUCapsGetCanonicalMachine).
    canonical: str | None
    #: The host's entry of the canonical machine, when it has one.
    machine_entry: MachineEntry | None
    #: Guests of the domain's arch (and OS type), whatever their binary.
    arch_guests: list[GuestCaps]

    __slots__ = (
        "emulator",
        "emulator_listed",
        "binary_arches",
        "virt_types",
        "guest",
        "machines",
        "canonical",
        "machine_entry",
        "arch_guests",
    )
    _fields = __slots__

    def __init__(
        self,
        emulator: str | None,
        emulator_listed: bool,
        binary_arches: frozenset[str] = frozenset(),
        virt_types: frozenset[str] = frozenset(),
        guest: GuestCaps | None = None,
        machines: tuple[MachineEntry, ...] = (),
        canonical: str | None = None,
        machine_entry: MachineEntry | None = None,
        arch_guests: list[GuestCaps] | None = None,
    ) -> None:
        self.emulator = emulator
        self.emulator_listed = emulator_listed
        self.binary_arches = binary_arches
        self.virt_types = virt_types
        self.guest = guest
        self.machines = machines
        self.canonical = canonical
        self.machine_entry = machine_entry
        self.arch_guests = [] if arch_guests is None else arch_guests


def _uses(guest: GuestCaps, emulator: str) -> set[str]:
    """The virt types for which a guest entry runs this binary."""
    types = {t for t in guest.domains if guest.emulator_for(t) == emulator}
    if not guest.domains and guest.emulator == emulator:
        types.add("")
    return types


def resolve(host: HostCaps, wanted: Identity) -> HostView:
    """Which binary, guest entry, virt types and machine libvirt would use for the domain on this host."""
    arch = wanted.arch or host.host_arch  # libvirt's default arch is the host's
    arch_guests = host.guests_for(arch, wanted.host_os_type) if arch else []
    emulator = wanted.emulator
    if emulator is None and arch_guests:
        emulator = arch_guests[0].emulator_for(wanted.domain_type)
    if emulator is None:
        return HostView(None, False, arch_guests=arch_guests)
    using = [(guest, types) for guest in host.guests if guest.os_type == wanted.host_os_type
             for types in [_uses(guest, emulator)] if types]
    if not using:
        return HostView(emulator, False, arch_guests=arch_guests)
    binary_arches = frozenset(guest.arch for guest, _ in using)
    virt_types = frozenset(t for _, types in using for t in types if t)
    # the entry of the domain's own arch if it uses this binary, else the binary's native one
    guest = next((g for g, _ in using if g.arch == arch), using[0][0])
    machines = guest.machines_for(wanted.domain_type)
    canonical = wanted.machine
    entry = None
    if wanted.machine:
        alias = next((m for m in machines if m.name == wanted.machine and m.canonical), None)
        canonical = alias.canonical if alias is not None else wanted.machine
        entry = next((m for m in machines if m.name == canonical and not m.canonical), None)
        if entry is None:
            entry = next((m for m in machines if m.name == canonical), None)
    return HostView(emulator, True, binary_arches, virt_types, guest, machines, canonical, entry, arch_guests)


def binary_runs_any(arches: Sequence[str] | frozenset[str], guest_arch: str) -> bool:
    return any(binary_runs(arch, guest_arch) for arch in arches)
