"""QEMU's guest physical memory layout of the x86 pc and q35 machines (pc_memory_init): the RAM below and above
4 GiB, the device memory region memory devices are plugged into, the 64-bit PCI hole after it. Shared by VL225
(the highest address against the CPU's bits) and VL210 (a memory device's base against the region)."""

from __future__ import annotations

from virtlint.linter.machines import Machine, parse_machine
from virtlint.linter.model import Context
from virtlint.rules._devices import effective_arch, qemu_driver, versioned_machine
from virtlint.rules._domain import aligned

GIB = 1 << 30
#: The machine versions judged: older ones lack the device memory region's layout modelled here (its 1 GiB per
#: slot, enforce_aligned_dimm, from 2.2; broken_reserved_end to 2.4)
OLDEST_JUDGED = (2, 5)
#: Low memory per family: (RAM from which only the lower part stays below 4 GiB, that part, else the most below)
LOW_MEMORY = {"pc-i440fx": (0xE000_0000, 0xC000_0000), "pc-q35": (0xB000_0000, 0x8000_0000)}
#: AMD's HyperTransport range below 1 TiB: with an AMD CPU, a machine of 7.1 or later (enforce_amd_1tb_hole) whose
#: highest address would reach it moves the RAM above 4 GiB to 1 TiB (AMD_ABOVE_1TB_START)
AMD_HT_START = 0xFD_0000_0000
AMD_ABOVE_1TB_START = 1 << 40


def judged_machine(ctx: Context) -> Machine | None:
    """The domain's pc or q35 machine (aliases resolved by the caps) when its layout is the one modelled here: an
    x86_64 QEMU domain, an upstream machine of 2.5 or later (or unversioned)."""
    if effective_arch(ctx) != "x86_64" or not qemu_driver(ctx):
        return None
    name = versioned_machine(ctx)
    machine = parse_machine(name) if name else None
    if machine is None or machine.family not in LOW_MEMORY or machine.flavor or (
            machine.version is not None and machine.version[:2] < OLDEST_JUDGED):
        return None
    return machine


def device_memory_region(ram: int, max_ram: int, slots: int, family: str, above_start: int = 4 * GIB
                         ) -> tuple[int, int]:
    """(start, size) in bytes of the device memory region: after the RAM above 4 GiB, its start rounded up to
    1 GiB; the maximum less the initial memory, and 1 GiB per slot (pc_memory_init, enforce_aligned_dimm)."""
    threshold, low = LOW_MEMORY[family]
    below = low if ram >= threshold else threshold
    above_end = above_start + max(ram - below, 0)
    return aligned(above_end, GIB), max_ram - ram + GIB * slots


def highest_address(ram: int, max_ram: int, slots: int, hole64: int, family: str, above_start: int) -> int:
    """pc_max_used_gpa: the last byte of the 64-bit PCI hole, which QEMU places after the RAM above 4 GiB and the
    device memory region, each start rounded up to 1 GiB (pc_pci_hole64_start); in QEMU's unsigned 64-bit
    arithmetic."""
    threshold, low = LOW_MEMORY[family]
    below = low if ram >= threshold else threshold
    start = above_start + max(ram - below, 0)
    if max_ram > ram:
        region_start, size = device_memory_region(ram, max_ram, slots, family, above_start)
        start = region_start + size
    return (aligned(start, GIB) + hole64 - 1) % (1 << 64)
