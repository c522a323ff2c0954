"""libvirt's x86 CPU map: each CPU feature's CPUID and MSR bits, and each CPU model's vendor and features.

libvirt compares a guest CPU with the host's in these terms when a domain starts (x86Compute in
src/cpu/cpu_x86.c): a model stands for its features' bits, a feature for its own, and the guest's required bits must
be among the host's. The map is read from libvirt's installed `cpu_map` folder (Debian: libvirt0, beside the RelaxNG
schemas), once per process and only when a check needs it; without it those checks judge only what the
capabilities list by name.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Iterable

from lxml import etree

from virtlint.linter._record import FrozenRecord

DEFAULT_DIRS = ("/usr/share/libvirt/cpu_map", "/usr/local/share/libvirt/cpu_map")

#: One bit of CPU data: ('cpuid', leaf, subleaf, register, bit) or ('msr', index, 0, register, bit).
Bit = tuple[str, int, int, str, int]
#: A set of such bits as an int mask (bit i: the map's i-th Bit, CpuMap.bit_index): unions and differences of
#: CPU data cost an integer operation each
Bits = int

_set = object.__setattr__


class X86Model(FrozenRecord):
    """A CPU model of the map: its vendor (None: any) and its features' bits."""

    vendor: str | None
    bits: Bits

    __slots__ = ("vendor", "bits")
    _fields = __slots__

    def __init__(self, vendor: str | None, bits: Bits) -> None:
        _set(self, "vendor", vendor)
        _set(self, "bits", bits)


class CpuMap:
    """The x86 part of libvirt's CPU map."""

    def __init__(self, directory: str, features: dict[str, Bits], models: dict[str, X86Model],
                 bit_index: dict[Bit, int]) -> None:
        self.directory = directory
        #: feature name -> its bits, in the map's order (libvirt lists features in this order in its messages)
        self.features = features
        self.models = models
        #: each CPUID or MSR bit the map names -> its position in a Bits mask
        self.bit_index = bit_index

    def bits(self, names: Iterable[str]) -> Bits | None:
        """The union of these features' bits; None when the map lacks one (libvirt: `Unknown CPU feature`)."""
        found = 0
        for name in names:
            bits = self.features.get(name)
            if bits is None:
                return None
            found |= bits
        return found

    def names(self, bits: Bits) -> list[str]:
        """The features whose bits are all among these, in the map's order (x86FeatureNames)."""
        return [name for name, own in self.features.items() if own and own & bits == own]


def _register_bits(element: etree._Element, registers: tuple[str, ...]) -> Iterable[tuple[str, int]]:
    for register in registers:
        mask = int(element.get(register) or "0", 0)
        bit = 0
        while mask:
            if mask & 1:
                yield register, bit
            mask >>= 1
            bit += 1


def _feature_bits(feature: etree._Element) -> set[Bit]:
    bits: set[Bit] = set()
    for item in feature:
        if item.tag == "cpuid":
            leaf, subleaf = int(item.get("eax_in") or "0", 0), int(item.get("ecx_in") or "0", 0)
            bits.update(("cpuid", leaf, subleaf, register, bit)
                        for register, bit in _register_bits(item, ("eax", "ebx", "ecx", "edx")))
        elif item.tag == "msr":
            index = int(item.get("index") or "0", 0)
            bits.update(("msr", index, 0, register, bit) for register, bit in _register_bits(item, ("eax", "edx")))
    return bits


def _parse(path: str) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    return etree.parse(path, parser).getroot()


def load(directory: str) -> CpuMap | None:
    """The x86 map of a `cpu_map` folder (its index.xml and the files it includes); None when unreadable."""
    try:
        index = _parse(os.path.join(directory, "index.xml"))
        arch = next((a for a in index.iterchildren("arch") if a.get("name") == "x86"), None)
        if arch is None:
            return None
        features: dict[str, Bits] = {}
        bit_index: dict[Bit, int] = {}
        raw_models: list[etree._Element] = []
        for include in arch.iterchildren("include"):
            root = _parse(os.path.join(directory, include.get("filename") or ""))
            for element in root.iterchildren("feature", "model"):
                name = element.get("name") or ""
                if element.tag == "feature":
                    mask = 0
                    for bit in sorted(_feature_bits(element)):
                        mask |= 1 << bit_index.setdefault(bit, len(bit_index))
                    features[name] = mask
                else:
                    raw_models.append(element)
        models: dict[str, X86Model] = {}
        for element in raw_models:  # (in the map's order: a model may start from an earlier one's features)
            vendor: str | None = None
            bits = 0
            for child in element:
                if child.tag == "model":
                    parent = models.get(child.get("name") or "")
                    if parent is None:
                        break
                    vendor, bits = parent.vendor, parent.bits
                elif child.tag == "vendor":
                    vendor = child.get("name")
                elif child.tag == "feature":
                    own = features.get(child.get("name") or "")
                    if own is None:
                        break
                    bits |= own
            else:
                models[element.get("name") or ""] = X86Model(vendor, bits)
    except (OSError, etree.XMLSyntaxError, ValueError):
        return None
    return CpuMap(directory, features, models, bit_index)


def find_cpu_map_dir(schemas: str | None = None) -> str | None:
    """The `cpu_map` folder: beside a configured schemas folder (both are libvirt's), else a default one."""
    candidates = [os.path.join(os.path.dirname(os.path.normpath(schemas)), "cpu_map")] if schemas else []
    for candidate in [*candidates, *DEFAULT_DIRS]:
        if os.path.isfile(os.path.join(candidate, "index.xml")):
            return candidate
    return None


@lru_cache(maxsize=8)
def cpu_map_at(directory: str) -> CpuMap | None:
    """The map of a folder, read once per process."""
    return load(directory)


class CpuMapSource:
    """Where the engine finds the map: read on the first check that needs it (most documents need none)."""

    def __init__(self, schemas: str | None = None, directory: str | None = None) -> None:
        self._schemas = schemas
        self._directory = directory
        self._looked = False

    def get(self) -> CpuMap | None:
        if not self._looked:
            self._looked = True
            if self._directory is None:
                self._directory = find_cpu_map_dir(self._schemas)
        return cpu_map_at(self._directory) if self._directory else None
