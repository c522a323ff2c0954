"""Machine-type names: aliases, families and versions.

domcapabilities always print the canonical, versioned machine (``pc-q35-7.2``)
while domain XML usually carries an alias (``q35``) or an older versioned name
(``pc-q35-6.2``). Both belong to one *family*; a version newer than the one
the capabilities report does not exist in that QEMU.
"""

from __future__ import annotations


from enum import Enum
from functools import lru_cache

from virtlint.linter._record import FrozenRecord
from virtlint.linter.lazy_re import lazy_compile

#: how a frozen record's __init__ sets its fields
_set = object.__setattr__

#: Alias in domain XML -> machine family it resolves to.
ALIASES: dict[str, str] = {
    "q35": "pc-q35",
    "pc": "pc-i440fx",
    "virt": "virt",
    "pseries": "pseries",
    "s390-ccw-virtio": "s390-ccw-virtio",
}

#: Families whose machines carry a version suffix.
VERSIONED_FAMILIES = frozenset({"pc-q35", "pc-i440fx", "virt", "pseries", "s390-ccw-virtio"})

_VERSIONED = lazy_compile(r"^(?P<family>.+?)-(?P<flavor>[a-z]*)(?P<version>\d+(?:\.\d+)*)$")


class Machine(FrozenRecord):
    name: str
    family: str
    version: tuple[int, ...] | None  # None: an alias or an unversioned name
    flavor: str  # downstream builds, e.g. 'rhel' in pc-q35-rhel9.4.0

    __slots__ = ("name", "family", "version", "flavor")
    _fields = __slots__

    def __init__(self, name: str, family: str, version: tuple[int, ...] | None, flavor: str = "") -> None:
        _set(self, "name", name)
        _set(self, "family", family)
        _set(self, "version", version)
        _set(self, "flavor", flavor)


@lru_cache(maxsize=1024)  # a record of its name alone; a fleet names a handful of machines, asked per document
def parse_machine(name: str) -> Machine:
    if name in ALIASES:
        return Machine(name, ALIASES[name], None)
    match = _VERSIONED.match(name)
    if match:
        family = match.group("family")
        if family == "pc":  # pc-0.x / pc-1.x: the historical i440fx names
            family = "pc-i440fx"
        if family in VERSIONED_FAMILIES:
            version = tuple(int(part) for part in match.group("version").split("."))
            return Machine(name, family, version, match.group("flavor"))
    return Machine(name, name, None)


def upstream_at_most(name: str, families: tuple[str, ...], newest: tuple[int, int]) -> bool:
    """Whether ``name`` is an upstream versioned machine of one of ``families`` of version ``newest`` or older
    (QEMU's compat properties change per machine version; a downstream flavor's version is not QEMU's)."""
    machine = parse_machine(name)
    return (machine.family in families and machine.version is not None and not machine.flavor
            and machine.version[:2] <= newest)


class MachineFit(Enum):
    SAME = "same"  # the very machine, or an alias of it
    OLDER = "older"  # an older version of the same family: fine
    NEWER = "newer"  # a version the capabilities' QEMU does not have
    OTHER = "other"  # another family, or another downstream flavor


def machine_fit(domain: str, caps: str) -> MachineFit:
    """How the domain's machine relates to the machine the capabilities describe."""
    if domain == caps:
        return MachineFit.SAME
    wanted, offered = parse_machine(domain), parse_machine(caps)
    if wanted.family != offered.family:
        return MachineFit.OTHER
    if wanted.version is None:
        return MachineFit.SAME  # an alias resolves to the newest version
    if offered.version is None or wanted.flavor != offered.flavor:
        return MachineFit.OTHER
    return MachineFit.OLDER if wanted.version <= offered.version else MachineFit.NEWER


def same_family(domain: str, caps: str) -> bool:
    return parse_machine(domain).family == parse_machine(caps).family
