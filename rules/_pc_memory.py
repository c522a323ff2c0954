"""QEMU's guest physical memory layout of the x86 pc and q35 machines (pc_memory_init): the RAM below and above
4 GiB, the device memory region memory devices are plugged into, the 64-bit PCI hole after it. Shared by VL225
(the highest address against the CPU's bits) and VL210 (a memory device's base against the region)."""

from __future__ import annotations

from virtlint.linter.machines import Machine, parse_machine
from virtlint.linter.model import Context
from virtlint.linter.units import element_kib, parse_uint
from virtlint.rules._devices import effective_arch, qemu_driver, versioned_machine
from virtlint.rules._domain import aligned, memory_alignment, numa_cells
from virtlint.rules._support import domain_find

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


def guest_memory(ctx: Context) -> tuple[int, int, int] | None:
    """(initial memory, maximum, slots), the sizes in bytes as libvirt gives them QEMU (-m size=,maxmem=,slots=: the
    guest NUMA cells' sum or <memory>, and <maxMemory>, each rounded up to 1 MiB); the maximum is the initial memory
    and the slots 0 without <maxMemory>. None when unknown: a cell or a size unreadable, <memory> without cells that
    memory devices share (the initial memory is what they leave: VL210's to judge), a maximum not above it."""
    alignment = memory_alignment("x86_64")
    cells = numa_cells(ctx.root)
    if cells:
        if any(cell.memory_kib is None for cell in cells):
            return None
        ram_kib = sum(aligned(cell.memory_kib or 0, alignment) for cell in cells)
    else:
        if ctx.root.find("devices/memory") is not None:
            return None
        memory = domain_find(ctx, "memory")
        total = element_kib(memory) if memory is not None else None
        if total is None:
            return None
        ram_kib = aligned(total, alignment)
    max_memory = domain_find(ctx, "maxMemory")
    if max_memory is None:
        return ram_kib * 1024, ram_kib * 1024, 0
    maximum = element_kib(max_memory)
    slots = parse_uint(max_memory.get("slots", "0"))
    if maximum is None or slots is None or maximum <= ram_kib:
        return None
    return ram_kib * 1024, aligned(maximum, alignment) * 1024, slots


def _above_4g_end(ram: int, family: str, above_start: int) -> int:
    """Where the RAM above 4 GiB (or above 1 TiB, AMD_ABOVE_1TB_START) ends: the initial memory keeps at most the
    family's low part below 4 GiB, and all of it under the family's threshold."""
    threshold, low = LOW_MEMORY[family]
    below = low if ram >= threshold else threshold
    return above_start + max(ram - below, 0)


def device_memory_region(ram: int, max_ram: int, slots: int, family: str, above_start: int = 4 * GIB
                         ) -> tuple[int, int]:
    """(start, size) in bytes of the device memory region: after the RAM above 4 GiB, its start rounded up to
    1 GiB; the maximum less the initial memory, and 1 GiB per slot (pc_memory_init, enforce_aligned_dimm)."""
    return aligned(_above_4g_end(ram, family, above_start), GIB), max_ram - ram + GIB * slots


def highest_address(ram: int, max_ram: int, slots: int, hole64: int, family: str, above_start: int) -> int:
    """pc_max_used_gpa: the last byte of the 64-bit PCI hole, which QEMU places after the RAM above 4 GiB and the
    device memory region, each start rounded up to 1 GiB (pc_pci_hole64_start); in QEMU's unsigned 64-bit
    arithmetic."""
    if max_ram > ram:
        region_start, size = device_memory_region(ram, max_ram, slots, family, above_start)
        start = region_start + size
    else:
        start = _above_4g_end(ram, family, above_start)
    return (aligned(start, GIB) + hole64 - 1) % (1 << 64)
